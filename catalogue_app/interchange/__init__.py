"""Every file format the app reads or writes, and the one way it writes a file.

Readers hand back plain rows that know their file and row; writers take plain
records. Nothing here opens a database session or imports Qt.
"""
