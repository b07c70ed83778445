"""Savings targets from Home: add, edit and end them, as command ops.

A target changes no purchase, so no change notice goes out; the dialog that asked tells
Home to read its figures again once the command has succeeded.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QObject

from catalogue_app.services.targets import Target, TargetDraft, TargetService
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.ops import CommandOp


def add_target(parent: QObject, ctx: UiContext, draft: TargetDraft) -> CommandOp[Target]:
    service = TargetService(ctx.app)
    return CommandOp(
        parent, ctx.hub, "add savings target", lambda _p: service.add(draft), ids=[draft.buyer]
    )


def edit_target(
    parent: QObject, ctx: UiContext, target_id: int, draft: TargetDraft
) -> CommandOp[Target]:
    service = TargetService(ctx.app)
    return CommandOp(
        parent,
        ctx.hub,
        "edit savings target",
        lambda _p: service.edit(target_id, draft),
        ids=[str(target_id)],
    )


def end_target(parent: QObject, ctx: UiContext, target_id: int, on: date) -> CommandOp[Target]:
    service = TargetService(ctx.app)
    return CommandOp(
        parent,
        ctx.hub,
        "end savings target",
        lambda _p: service.end(target_id, on),
        ids=[str(target_id)],
    )
