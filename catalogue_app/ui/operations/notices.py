"""Importing published notices (OCDS files or folders) as a command op.

Each file is its own transaction: Cancel stops before the next batch and rolls
the current file back; files already finished stay imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject

from catalogue_app.services.notices import ImportSummary, NoticeService
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.ops import CommandOp, OpProgress


def import_notices(
    parent: QObject, ctx: UiContext, paths: Sequence[Path]
) -> CommandOp[ImportSummary]:
    """Import every OCDS file under ``paths``; the summary says what each file did."""
    service = NoticeService(ctx.app)

    def run(progress: OpProgress) -> ImportSummary:
        progress.update("Reading the notices…")
        return service.import_paths(
            paths,
            progress=lambda text, read: progress.update(f"{text}: {read:,} releases read…"),
            check=progress.check,
        )

    def tell(summary: ImportSummary) -> None:
        """Frameworks, suppliers, products and purchases a notice added: every view shows them."""
        for change in summary.changes():
            ctx.hub.notify(change)

    return (
        CommandOp(parent, ctx.hub, "import notices", run, ids=[str(p) for p in paths])
        .with_progress("Importing notices…", cancellable=True)
        .success(tell)
    )
