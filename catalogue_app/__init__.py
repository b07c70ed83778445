"""catalogue_app: a procurement catalogue for UK police forces."""

__version__ = "0.1.0"
APP_NAME = "Police Procurement Catalogue"
