"""Headless commands, one module per command group. Nothing here imports Qt.

- :mod:`.core`: the parser class, argument types, handler registration and the
  checks on files a command writes;
- :mod:`.render`: ``--format`` table, JSON and CSV;
- :mod:`.db`, :mod:`.catalogue`, :mod:`.purchases`, :mod:`.compare`,
  :mod:`.briefing`: each adds its parsers and holds its handlers, which receive an
  :class:`~catalogue_app.services.context.AppContext` (database, actor, clock);
- :mod:`.dispatch`: builds the parser, runs the handler, and is the one place that
  turns an error into the sentence and exit code a user sees.

Exit codes: 0 done, 1 the action was refused (the sentence says why), 2 bad
usage, 130 interrupted.
"""

from catalogue_app.cli.core import UsageError
from catalogue_app.cli.dispatch import build_parser, main, parse

__all__ = ["UsageError", "build_parser", "main", "parse"]
