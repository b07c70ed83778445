"""A shared server: each officer's own login sees and records only what their force may.

PostgreSQL only. One database is set up for the module with ``server init``; the
officers' logins are named uniquely for the run and dropped afterwards, with the
catalogue's group roles when nothing else on the server still uses them.
"""

from __future__ import annotations

import contextlib
import io
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import errors
from sqlalchemy.engine import make_url

from catalogue_app import cli
from catalogue_app.domain.errors import DatabaseError, NotFoundError
from catalogue_app.services.browse import BrowseService
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database, open_database
from catalogue_app.services.ledger import PurchaseDraft, PurchaseService
from catalogue_app.services.server import OWNER, ROLES, ServerAdmin, login_profile
from catalogue_app.services.trail import AuditTrail

POSTGRES_ENV = "CATALOGUE_TEST_POSTGRES_URL"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get(POSTGRES_ENV),
        reason=f"a shared server needs PostgreSQL: set {POSTGRES_ENV}",
    ),
]

RUN = f"t{uuid.uuid4().hex[:6]}"
PASSWORD = "correct horse battery staple"
NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)
# What the server says when it refuses a change, in whichever words the app puts it.
REFUSED = "row-level security|permission denied|refused"


class Server:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.logins: dict[str, str] = {}

    def login(self, word: str, role: str, *forces: str) -> str:
        name = f"{RUN}_{word}"
        ServerAdmin(self.admin_url).add_user(name, role, forces, PASSWORD)
        self.logins[word] = name
        return name

    def url_for(self, word: str, password: str = PASSWORD) -> str:
        url = make_url(self.admin_url).set(username=self.logins[word], password=password)
        return url.render_as_string(hide_password=False)

    def psql(self, word: str) -> psycopg.Connection:
        """A connection as the officer would make it with their own tools."""
        return _connect(self.url_for(word))

    def admin(self) -> psycopg.Connection:
        return _connect(self.admin_url)


def _connect(location: str) -> psycopg.Connection:
    url = make_url(location)
    return psycopg.connect(
        host=url.host,
        port=url.port,
        dbname=url.database,
        user=url.username,
        password=url.password,
        autocommit=True,
    )


def _draft(buyer: str, reference: str, **changes: str) -> PurchaseDraft:
    values = {
        "buyer": buyer,
        "product": "ATHENA",
        "framework": "ESSEX-ATHENA",
        "lot": "1",
        "quantity": "40",
        "order_date": "2026-05-01",
        "order_reference": reference,
        "split": "equal" if buyer == "ecis" else None,
    }
    values.update(changes)
    return PurchaseDraft(**values)


@pytest.fixture(scope="module")
def server(postgres) -> Iterator[Server]:
    name = postgres.create()
    found = Server(postgres.url(name))
    try:
        ServerAdmin(found.admin_url).init()
        found.login("kent", "buyer", "kent")
        found.login("norfolk", "buyer", "norfolk")
        found.login("viewer", "viewer", "kent")
        found.login("auditor", "auditor")
        for word, buyer, reference in (
            ("kent", "kent", "KENT/1"),
            ("kent", "ecis", "ECIS/1"),
            ("norfolk", "norfolk", "NFK/1"),
        ):
            with _open(found, word) as db:
                PurchaseService(AppContext(db, clock=lambda: NOW)).record(_draft(buyer, reference))
        yield found
    finally:
        postgres.drop(name)
        with _connect(postgres.admin.render_as_string(hide_password=False)) as conn:
            for login in found.logins.values():
                conn.execute(f'DROP ROLE IF EXISTS "{login}"')
            for role in (*reversed(ROLES.values()), OWNER):
                # Kept while another catalogue database on this server still uses it.
                with contextlib.suppress(errors.DependentObjectsStillExist):
                    conn.execute(f"DROP ROLE IF EXISTS {role}")


class _open:
    def __init__(self, server: Server, word: str) -> None:
        self.location = server.url_for(word)

    def __enter__(self) -> Database:
        self.db = open_database(self.location)
        return self.db

    def __exit__(self, *exc: object) -> None:
        self.db.close()


def _buyer_ids(conn: psycopg.Connection) -> dict[str, int]:
    rows = conn.execute("SELECT code, id FROM forces").fetchall()
    rows += conn.execute("SELECT code, id FROM collaborations").fetchall()
    return dict(rows)


def _references(conn: psycopg.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT order_reference FROM purchases").fetchall()}


def test_a_kent_officer_reads_kent_and_ecis_but_not_norfolk(server):
    with server.admin() as admin:
        ids = _buyer_ids(admin)
        norfolk_purchase = admin.execute(
            "SELECT id FROM purchases WHERE order_reference = 'NFK/1'"
        ).fetchone()[0]
    for word in ("kent", "viewer"):
        with server.psql(word) as conn:
            assert _references(conn) == {"KENT/1", "ECIS/1"}
            assert conn.execute(
                "SELECT count(*) FROM purchases WHERE buyer_force_id = %s", (ids["norfolk"],)
            ).fetchone() == (0,)
            for table, column in (
                ("purchase_shares", "purchase_id"),
                ("purchase_revisions", "purchase_id"),
                ("audit_events", "entity_id"),
            ):
                found = conn.execute(
                    f"SELECT count(*) FROM {table} WHERE {column} = %s", (norfolk_purchase,)
                ).fetchone()
                assert found == (0,), table
            # The ECIS purchase's shares, Norfolk's included, come with it.
            assert conn.execute("SELECT count(*) FROM purchase_shares").fetchone() == (4,)


def test_other_forces_reach_an_officer_only_as_figures(server):
    with _open(server, "kent") as db:
        stats = BrowseService(db).price_stats("ATHENA")
    assert stats.purchases == 3  # Norfolk's purchase counted, never shown
    assert stats.forces == 4  # Kent, Norfolk, and ECIS's members Essex and Suffolk
    assert stats.lowest == stats.highest == stats.median
    assert str(stats.median) == "450.00"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE purchases SET quantity = 1",
        "DELETE FROM purchases",
        "UPDATE purchase_shares SET amount = 0",
        "DELETE FROM purchase_revisions",
        "UPDATE audit_events SET actor = 'someone'",
        "DELETE FROM audit_events",
        "TRUNCATE purchases CASCADE",
        "UPDATE products SET name = 'x'",
        "SELECT * FROM officer_forces",
        "INSERT INTO officer_forces (login, force_id) SELECT session_user, id FROM forces",
    ],
)
def test_an_officer_cannot_change_any_purchase_or_the_trail(server, statement):
    with server.psql("kent") as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute(statement)


def test_no_setting_widens_what_an_officer_sees(server):
    with server.psql("kent") as conn:
        for statement in (
            f"SET ROLE {OWNER}",
            "SET ROLE catalogue_auditor",
            f"SET SESSION AUTHORIZATION {server.logins['norfolk']}",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
        conn.execute("SELECT set_config('catalogue.force', 'norfolk', false)")
        conn.execute(f"SET application_name = '{server.logins['auditor']}'")
        conn.execute("SET ROLE catalogue_buyer")  # a group it is in: still the same login
        assert _references(conn) == {"KENT/1", "ECIS/1"}
        conn.execute("RESET ROLE")
        conn.execute("SET row_security = off")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM purchases")


def test_a_kent_buyer_records_for_kent_and_ecis_as_itself_but_not_for_norfolk(server):
    with _open(server, "kent") as db:
        service = PurchaseService(AppContext(db, clock=lambda: NOW))
        kent = service.record(_draft("kent", "KENT/2"))
        ecis = service.record(_draft("ecis", "ECIS/2"))
        edited = service.edit(kent.id, _draft("kent", "KENT/2", quantity="45"), expected_revision=1)
        service.void(ecis.id, "entered twice")
        with pytest.raises(DatabaseError, match=REFUSED):
            service.record(_draft("norfolk", "NFK/2"))
        with pytest.raises(DatabaseError, match=REFUSED):  # moving it away
            service.edit(kent.id, _draft("norfolk", "KENT/2"), expected_revision=2)
        # A client naming someone else as the actor is refused by the server.
        impostor = PurchaseService(AppContext(db, actor="n.smith", clock=lambda: NOW))
        with pytest.raises(DatabaseError, match=REFUSED):
            impostor.record(_draft("kent", "KENT/3"))
    assert edited.quantity == 45
    with _open(server, "norfolk") as db, pytest.raises(NotFoundError):
        PurchaseService(AppContext(db, clock=lambda: NOW)).void(kent.id, "not ours")
    with server.admin() as admin:
        rows = admin.execute(
            "SELECT DISTINCT actor, chain FROM audit_events WHERE entity_id IN (%s, %s)",
            (kent.id, ecis.id),
        ).fetchall()
        recorded_by = admin.execute(
            "SELECT recorded_by FROM purchases WHERE id = %s", (kent.id,)
        ).fetchone()
    login = server.logins["kent"]
    assert rows == [(login, f"login:{login}")]
    assert recorded_by == (login,)


def test_a_viewer_records_nothing(server):
    with _open(server, "viewer") as db:
        profile = login_profile(db)
        with pytest.raises(DatabaseError, match=REFUSED):
            PurchaseService(AppContext(db, clock=lambda: NOW)).record(_draft("kent", "KENT/V"))
    assert profile is not None
    assert (profile.role, profile.forces, profile.may_record) == ("viewer", ("Kent Police",), False)
    with server.psql("viewer") as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute(
            "INSERT INTO audit_events (occurred_at, actor, action, entity_type, entity_id) "
            "VALUES (now(), session_user, 'create', 'purchase', 'x')"
        )


def test_an_auditor_reads_everything_verifies_the_trail_and_changes_nothing(server):
    with server.admin() as admin:
        everything = _references(admin)
        events = admin.execute("SELECT count(*) FROM audit_events").fetchone()
    with server.psql("auditor") as conn:
        assert _references(conn) == everything
        assert conn.execute("SELECT count(*) FROM audit_events").fetchone() == events
        assert conn.execute("SELECT count(*) FROM officer_forces").fetchone()[0] >= 3
        for statement in (
            "UPDATE purchases SET quantity = 1",
            "INSERT INTO purchase_revisions SELECT * FROM purchase_revisions LIMIT 1",
            "DELETE FROM audit_events",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
    with _open(server, "auditor") as db:
        report = AuditTrail(db).verify()
        profile = login_profile(db)
    assert report.ok, report.problems
    assert report.events == events[0]
    assert profile is not None and (profile.role, profile.may_record) == ("auditor", False)


def test_the_command_line_adds_lists_and_revokes_logins(server, monkeypatch):
    answers = iter(["s3cret pass", "s3cret pass"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    name = f"{RUN}_cli"
    server.logins["cli"] = name
    admin = ["--admin-url", server.admin_url]

    def run(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        return cli.main(list(argv), out=out), out.getvalue()

    code, text = run(
        *("server", "add-user", name, "--force", "essex", "--role", "buyer"),
        *("--password-prompt", *admin),
    )
    assert (code, text) == (0, f"{name} is now a buyer for essex.\n")
    code, text = run("server", "list-users", "--format", "csv", *admin)
    assert code == 0 and f"{name},buyer,essex,yes" in text.splitlines()
    assert f"{server.logins['auditor']},auditor,every force,yes" in text.splitlines()
    with _connect(server.url_for("cli", "s3cret pass")) as conn:
        seen = _references(conn)  # Essex buys only through ECIS here
        assert "ECIS/1" in seen and all(r.startswith("ECIS/") for r in seen)
    code, text = run("server", "revoke", name, *admin)
    assert code == 0 and "may no longer log in" in text
    with pytest.raises(psycopg.OperationalError):
        _connect(server.url_for("cli", "s3cret pass"))
    code, text = run("server", "init", *admin)  # again: nothing to create, still ready
    assert code == 0 and "roles created: none (all present)" in text


def test_a_wrong_force_is_named(server, capsys):
    code = cli.main(
        [
            *("server", "add-user", f"{RUN}_x", "--force", "atlantis", "--role", "buyer"),
            *("--admin-url", server.admin_url),
        ],
        out=io.StringIO(),
    )
    assert code == 1
    assert "No force has the code “atlantis”" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("word", "title", "records"),
    [("viewer", "Kent Police, viewer — ", False), ("kent", "Kent Police, buyer — ", True)],
)
def test_the_window_names_the_login_and_switches_off_what_its_role_may_not_do(
    server, qtbot, qapp, tmp_path, word, title, records
):
    from PySide6.QtCore import QSettings

    from catalogue_app.ui.collector import GuiThreadCollector
    from catalogue_app.ui.main_window import MainWindow
    from catalogue_app.ui.ops import pending_ops, running_ops, wait_for_ops

    collector = GuiThreadCollector(qapp)
    db = open_database(server.url_for(word))
    window = MainWindow(db, QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    try:
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.login is not None, timeout=15000)
        assert window.windowTitle().startswith(f"{server.logins[word]}, {title}")
        assert window.record_action.isEnabled() is records
        assert window.void_action.isEnabled() is records
        if not records:
            assert "may not record or change purchases" in window.record_action.toolTip()
        new_product = window.catalogue_editing.all_actions()[0]
        assert not new_product.isEnabled()
        assert "may not change the catalogue" in new_product.toolTip()
        assert window.ctx.actor == server.logins[word]
    finally:
        window.close()
        qtbot.waitUntil(lambda: pending_ops() == 0, timeout=30000)
        assert wait_for_ops(30_000) and running_ops() == 0
        db.close()
        collector.stop()
