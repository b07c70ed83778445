"""Home's charts: pyqtgraph plots and the force tile map, themed like the PDF briefing.

Importing :mod:`.plots` loads pyqtgraph and numpy, so Home imports this package's modules
the first time it is shown, never at start-up: numpy on a worker, pyqtgraph on the GUI
thread (see :meth:`catalogue_app.ui.home_view.HomeView._import_charts`).
"""
