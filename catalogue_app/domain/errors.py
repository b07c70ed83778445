"""Errors a user can read.

Every failure that reaches a person is one of these, carrying one sentence
that names what is wrong. The CLI prints the sentence and exits non-zero; the
GUI shows it in a message box. Neither shows a traceback.
"""


class CatalogueError(Exception):
    """Base class: ``str(error)`` is the sentence shown to the user."""

    exit_code = 1


class NotFoundError(CatalogueError):
    """A code or reference that does not exist."""


class ValidationError(CatalogueError):
    """Input that breaks a rule; ``field`` names the offending field if known."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DatabaseError(CatalogueError):
    """The database cannot be opened, migrated or used."""


class ReferenceDataError(CatalogueError):
    """A reference data file is malformed; the message names file, row and field."""
