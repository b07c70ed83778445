"""Plain-Python business rules: no SQLAlchemy, no Qt."""
