"""Entry point: a subcommand runs headless; no command opens the desktop app."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from catalogue_app import __version__


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before the parser loads every command's modules
        sys.stdout.write(f"catalogue-app {__version__}\n")
        return 0
    from catalogue_app import cli

    try:
        args = cli.parse(argv)
    except cli.UsageError:
        return cli.main(argv)  # prints the usage error and returns 2
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    if args.command is not None:
        return cli.main(argv)
    from catalogue_app.ui.application import run_gui

    return run_gui(database=args.database)
