"""PDF output with reportlab: plain data in, PDF out. No Qt, no database sessions."""
