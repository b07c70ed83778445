"""Ledger commands under contention: one stale-revision check, one unknown-buyer error,
restores that race, exports that never replace the database."""

import contextlib
import threading
from datetime import date

import pytest
from sqlalchemy import event, func, select

from catalogue_app.db import models as m
from catalogue_app.domain.errors import CatalogueError, NotFoundError, ValidationError
from catalogue_app.interchange.atomic import OutputRefused
from catalogue_app.services.context import AppContext
from catalogue_app.services.ledger import (
    LedgerExport,
    LedgerService,
    PurchaseDraft,
    PurchaseService,
    StaleRevisionError,
    UnknownBuyerError,
    protected_files,
)

TODAY = date(2026, 11, 23)


def draft(reference="NOR/CMD/1", buyer="norfolk"):
    return PurchaseDraft(
        buyer=buyer,
        product="ATHENA",
        quantity=3,
        order_date="2026-05-01",
        order_reference=reference,
    )


def audit_actions(db, purchase_id):
    with db.transaction() as s:
        return s.scalars(
            select(m.AuditEvent.action)
            .where(m.AuditEvent.entity_id == purchase_id)
            .order_by(m.AuditEvent.id)
        ).all()


def test_a_stale_edit_and_a_stale_void_say_the_same_sentence(db):
    service = PurchaseService(db)
    recorded = service.record(draft(), "officer.a", today=TODAY)
    opened = service.get(recorded.id)
    service.edit(recorded.id, opened.draft(), "officer.b", expected_revision=1, today=TODAY)
    with pytest.raises(StaleRevisionError) as edit_info:
        service.edit(recorded.id, opened.draft(), "officer.a", expected_revision=1, today=TODAY)
    with pytest.raises(StaleRevisionError) as void_info:
        service.void(recorded.id, "mistake", "officer.a", expected_revision=1)
    assert str(edit_info.value) == str(void_info.value)
    assert "NOR/CMD/1 was changed by someone else" in str(void_info.value)
    assert service.get(recorded.id).status == "active"
    assert audit_actions(db, recorded.id) == ["create", "edit"]


def test_restoring_what_is_not_void_is_refused(db):
    service = PurchaseService(db)
    recorded = service.record(draft(), "officer.a", today=TODAY)
    with pytest.raises(ValidationError, match="is not void; there is nothing to restore"):
        service.restore(recorded.id, "officer.a")
    with pytest.raises(NotFoundError):
        service.restore("00000000-0000-4000-8000-000000000000", "officer.a")


def test_an_unknown_buyer_is_one_error_everywhere(db):
    with pytest.raises(UnknownBuyerError) as recording:
        PurchaseService(db).record(draft(buyer="gotham"), "officer.a", today=TODAY)
    with pytest.raises(UnknownBuyerError) as listing:
        LedgerService(db).lines("gotham")
    with pytest.raises(UnknownBuyerError) as asking:
        PurchaseService(db).preview(draft(buyer="gotham"), today=TODAY)
    assert str(recording.value) == str(listing.value) == str(asking.value)
    assert recording.value.field == "buyer"
    assert isinstance(recording.value, NotFoundError)


def test_the_context_names_who_recorded_and_when(db):
    from datetime import UTC, datetime

    moment = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    context = AppContext(db, actor="officer.ctx", clock=lambda: moment)
    recorded = PurchaseService(context).record(draft())
    with db.transaction() as s:
        purchase = s.get(m.Purchase, recorded.id)
        event_ = s.scalar(select(m.AuditEvent).where(m.AuditEvent.entity_id == recorded.id))
    assert purchase.recorded_by == event_.actor == "officer.ctx"
    assert event_.occurred_at == moment


def test_two_restores_of_one_void_restore_it_once(db):
    service = PurchaseService(db)
    recorded = service.record(draft(), "officer.a", today=TODAY)
    service.void(recorded.id, "undone", "officer.a")
    voided = service.get(recorded.id).revision

    # both restores read the purchase before either writes: hold each at its first lock
    # (PostgreSQL: the advisory lock that orders revisions; the revision itself is applied
    # by the server, so no UPDATE is sent) or its UPDATE
    meet = threading.Barrier(2, timeout=3)
    held = threading.local()

    def hold(conn, cursor, statement, parameters, context, executemany):
        said = statement.lstrip().upper()
        writes = said.startswith("UPDATE PURCHASES") or "PG_ADVISORY_XACT_LOCK" in said
        if writes and not getattr(held, "once", False):
            held.once = True
            # broken when the backend serialised the two transactions: the other never came
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait()

    outcomes: list[object] = []

    def restore():
        try:
            service.restore(recorded.id, "officer.b", "void undone")
            outcomes.append("restored")
        except CatalogueError as exc:
            outcomes.append(exc)

    event.listen(db.engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=restore) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        event.remove(db.engine, "before_cursor_execute", hold)

    assert outcomes.count("restored") == 1
    (refused,) = [o for o in outcomes if o != "restored"]
    if db.backend == "postgresql":
        assert isinstance(refused, StaleRevisionError)
    assert str(refused)  # a sentence, whichever way the backend lost the race
    assert audit_actions(db, recorded.id) == ["create", "void", "restore"]
    now = service.get(recorded.id)
    assert now.status == "active" and now.revision == voided + 1


def test_an_export_never_replaces_the_database_or_an_existing_file(db, tmp_path):
    export = LedgerExport(db)
    records = export.records("norfolk", date(2025, 4, 1), date(2026, 3, 31))
    for protected in protected_files(db):
        before = protected.read_bytes() if protected.exists() else None
        with pytest.raises(OutputRefused, match="open catalogue database"):
            export.write(records, protected, "csv", overwrite=True)
        assert (protected.read_bytes() if protected.exists() else None) == before
    target = tmp_path / "ledger.xlsx"
    target.write_bytes(b"previous")
    with pytest.raises(OutputRefused, match="exists; use --force"):
        export.write(records, target, "xlsx")
    assert target.read_bytes() == b"previous"
    export.write(records, target, "xlsx", overwrite=True)
    assert target.read_bytes()[:2] == b"PK"
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(m.Purchase)) > 0
