"""Home's charts: pyqtgraph plots and the force tile map, themed like the PDF briefing.

Importing :mod:`.plots` loads pyqtgraph and numpy (about half a second), so Home imports
this package's modules on a worker the first time it is built, never at start-up.
"""
