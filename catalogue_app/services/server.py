"""One PostgreSQL server for a collaboration: roles, logins, forces and what a login may do.

Each officer has a login of their own, a member of one group role that says what
it may do, and a list of forces it acts for (``officer_forces``, read by the
server only through its own functions; see migration 0012 for the row-level
policies). The group roles:

``catalogue_viewer``   reads the catalogue and its forces' purchases
``catalogue_buyer``    also records, edits, voids and restores for its forces and
                       their collaborations (as new revisions: INSERT only)
``catalogue_manager``  reads, and edits the catalogue
``catalogue_auditor``  reads everything, changes nothing
``catalogue_admin``    all of the above for every force

Every table belongs to ``catalogue_owner``, a role nobody logs in as: the
migrations run as it, and only its own functions change a purchase row.
:class:`ServerAdmin` sets this up through an administrator's connection;
:func:`login_profile` says what the login of an open database may do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from catalogue_app.db.engine import describe, resolve_database_url
from catalogue_app.db.migrate import MigrationReport, upgrade
from catalogue_app.domain.errors import DatabaseError, NotFoundError, ValidationError
from catalogue_app.services.database import Database

OWNER = "catalogue_owner"
# The plain word an administrator types, and the group role it stands for.
ROLES = {
    "viewer": "catalogue_viewer",
    "buyer": "catalogue_buyer",
    "manager": "catalogue_manager",
    "auditor": "catalogue_auditor",
    "admin": "catalogue_admin",
}
# Which group roles each group role includes (its members have their rights too).
INCLUDES = {
    "catalogue_buyer": ("catalogue_viewer",),
    "catalogue_manager": ("catalogue_viewer",),
    "catalogue_auditor": ("catalogue_viewer",),
    "catalogue_admin": ("catalogue_buyer", "catalogue_manager", "catalogue_auditor"),
}
# The most a login may do first: a login in several groups is named for the widest.
RANK = ("admin", "auditor", "manager", "buyer", "viewer")
# Roles that read or record only for the forces given to the login.
NEED_FORCES = ("viewer", "buyer")

LEDGER = ("purchases", "purchase_shares", "purchase_revisions", "audit_events")
PRIVATE = ("officer_forces",)
LOGIN_NAME = re.compile(r"^[a-z_][a-z0-9_.]{0,62}$")


@dataclass(frozen=True)
class ServerUser:
    login: str
    role: str  # a word of ROLES, or "" when the login is in none of the groups
    forces: tuple[str, ...]  # force codes
    can_log_in: bool


@dataclass(frozen=True)
class InitReport:
    database: str
    created_roles: tuple[str, ...]
    reassigned: int  # tables, sequences and functions given to the owner
    migration: MigrationReport
    seeded: bool


@dataclass(frozen=True)
class LoginProfile:
    """Who is logged in to a shared server, for which forces, and what they may do."""

    login: str
    role: str  # a word of ROLES; "owner" for a login that owns the tables
    forces: tuple[str, ...]  # force names
    may_record: bool
    may_edit_catalogue: bool

    @property
    def label(self) -> str:
        """ "k.jones, Kent Police, buyer" for a window title."""
        who = ", ".join(self.forces) if self.forces else "every force"
        if self.role in ("auditor", "admin", "owner"):
            who = "every force"
        return f"{self.login}, {who}, {self.role}"

    def why_not(self, action: str) -> str:
        """Why an action is switched off, as a clause ("Not available: …")."""
        return (
            f"your login {self.login} is a {self.role} on this server, which may not {action}; "
            "the database administrator can change its role"
        )


def login_profile(db: Database) -> LoginProfile | None:
    """What the login of ``db`` may do; None on an embedded file (its user may do anything)."""
    if db.backend != "postgresql":
        return None
    with db.reading() as s:
        row = s.execute(
            text(
                "SELECT session_user, "
                "pg_get_userbyid(c.relowner) = session_user OR r.rolsuper AS owns, "
                "has_table_privilege('purchase_revisions', 'INSERT') "
                "AND has_table_privilege('purchases', 'INSERT') AS records, "
                "has_table_privilege('products', 'UPDATE') AS edits "
                "FROM pg_class c, pg_roles r "
                "WHERE c.oid = 'purchases'::regclass AND r.rolname = session_user"
            )
        ).one()
        groups = {
            word
            for word, role in ROLES.items()
            if s.scalar(text("SELECT catalogue_in_group(:g)"), {"g": role})
        }
        forces = tuple(
            s.scalars(
                text("SELECT name FROM forces WHERE id = ANY (catalogue_my_forces()) ORDER BY name")
            )
        )
    role = "owner" if row.owns else next((w for w in RANK if w in groups), "no role")
    return LoginProfile(str(row.session_user), role, forces, bool(row.records), bool(row.edits))


class ServerAdmin:
    """Sets up and manages a shared catalogue server through an administrator's login.

    ``admin_url`` names the catalogue database and a login allowed to create roles
    and grant on it (the server's superuser, ``postgres``, is the simplest).
    """

    def __init__(self, admin_url: str | URL) -> None:
        url = admin_url if isinstance(admin_url, URL) else resolve_database_url(admin_url)
        if url.get_backend_name() != "postgresql":
            raise ValidationError(
                "a shared server is a PostgreSQL database; give a postgresql+psycopg:// URL",
                field="admin-url",
            )
        self.url = url
        self.where = describe(url)

    @contextmanager
    def _connection(self, engine: Engine | None = None) -> Iterator[Connection]:
        own = engine is None
        engine = engine or create_engine(self.url)
        try:
            with engine.begin() as conn:
                yield conn
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise DatabaseError(f"the server {self.where} refused: {reason}") from None
        finally:
            if own:
                engine.dispose()

    # -- setting up ---------------------------------------------------------------------

    def init(self) -> InitReport:
        """Create the roles and owner, migrate as the owner, grant; safe to run again.

        Run it again after installing a newer version of the app: it migrates the
        database and grants on any new tables.
        """
        with self._connection() as conn:
            created = _create_roles(conn)
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            conn.exec_driver_sql(f"GRANT USAGE, CREATE ON SCHEMA public TO {OWNER}")
            conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            reassigned = _reassign(conn)
        owner_engine = create_engine(self.url, connect_args={"options": f"-c role={OWNER}"})
        try:
            db = Database(self.url, owner_engine)
            migration = upgrade(self.url, owner_engine, backup=False)
            seeded = db.is_empty()
            if seeded:
                db.seed()
        finally:
            owner_engine.dispose()
        with self._connection() as conn:
            reassigned += _reassign(conn)  # anything the migrations could not create as owner
            _grant(conn)
        return InitReport(self.where, created, reassigned, migration, seeded)

    # -- logins -------------------------------------------------------------------------

    def add_user(
        self, login: str, role: str, forces: Sequence[str] = (), password: str | None = None
    ) -> ServerUser:
        """Create ``login`` (or change an existing one) as a ``role`` for ``forces``."""
        login = login.strip()
        if not LOGIN_NAME.match(login):
            raise ValidationError(
                f"“{login}” cannot be a login name: use up to 63 lower-case letters, digits, "
                "dots and underscores, starting with a letter",
                field="name",
            )
        if login.startswith("catalogue_") or login in ("postgres", "public"):
            raise ValidationError(f"“{login}” is reserved; choose another login name", field="name")
        if role not in ROLES:
            raise ValidationError(
                f"“{role}” is not a role here; choose one of {', '.join(ROLES)}", field="role"
            )
        codes = tuple(dict.fromkeys(c.strip().lower() for c in forces if c.strip()))
        if role in NEED_FORCES and not codes:
            raise ValidationError(
                f"a {role} acts for at least one force; give it with --force CODE", field="force"
            )
        if password is not None and ("\x00" in password or not password):
            raise ValidationError("the password must not be empty", field="password")
        with self._connection() as conn:
            self._require_initialised(conn)
            ids = _force_ids(conn, codes)
            name = _ident(conn, login)
            exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": login})
            secret = f" PASSWORD {_literal(password)}" if password is not None else ""
            verb = "ALTER" if exists else "CREATE"
            conn.exec_driver_sql(f"{verb} ROLE {name} LOGIN{secret}")
            for group in ROLES.values():
                if group != ROLES[role]:
                    conn.exec_driver_sql(f"REVOKE {group} FROM {name}")
            conn.exec_driver_sql(f"GRANT {ROLES[role]} TO {name}")
            conn.execute(text("DELETE FROM officer_forces WHERE login = :n"), {"n": login})
            for force_id in ids:
                conn.execute(
                    text("INSERT INTO officer_forces (login, force_id) VALUES (:n, :f)"),
                    {"n": login, "f": force_id},
                )
        return ServerUser(login, role, codes, True)

    def list_users(self) -> list[ServerUser]:
        """Every login in one of the catalogue's groups or given forces here, by name."""
        with self._connection() as conn:
            self._require_initialised(conn)
            rows = conn.execute(
                text(
                    "SELECT r.rolname, r.rolcanlogin, "
                    "array(SELECT g.rolname FROM pg_auth_members a "
                    "      JOIN pg_roles g ON g.oid = a.roleid "
                    "      WHERE a.member = r.oid AND g.rolname = ANY (:groups)) AS groups, "
                    "array(SELECT f.code FROM officer_forces o JOIN forces f ON f.id = o.force_id "
                    "      WHERE o.login = r.rolname ORDER BY f.code) AS forces "
                    "FROM pg_roles r WHERE r.rolname NOT LIKE 'catalogue\\_%' AND ("
                    "  EXISTS (SELECT 1 FROM pg_auth_members a JOIN pg_roles g "
                    "          ON g.oid = a.roleid WHERE a.member = r.oid "
                    "          AND g.rolname = ANY (:groups)) "
                    "  OR EXISTS (SELECT 1 FROM officer_forces o WHERE o.login = r.rolname)) "
                    "ORDER BY r.rolname"
                ),
                {"groups": list(ROLES.values())},
            ).all()
        words = {group: word for word, group in ROLES.items()}
        users = []
        for login, can_log_in, groups, forces in rows:
            held = {words[g] for g in groups}
            role = next((w for w in RANK if w in held), "")
            users.append(ServerUser(login, role, tuple(forces), bool(can_log_in)))
        return users

    def revoke(self, login: str) -> ServerUser:
        """Take every catalogue right from ``login``, stop it logging in, end its sessions.

        The login itself stays, so the audit trail's name for it keeps its meaning.
        """
        with self._connection() as conn:
            self._require_initialised(conn)
            if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": login}):
                raise NotFoundError(f"the server has no login called “{login}”")
            if login.startswith("catalogue_"):
                raise ValidationError(f"“{login}” is one of the catalogue's own roles")
            name = _ident(conn, login)
            for group in ROLES.values():
                conn.exec_driver_sql(f"REVOKE {group} FROM {name}")
            conn.execute(text("DELETE FROM officer_forces WHERE login = :n"), {"n": login})
            conn.exec_driver_sql(f"ALTER ROLE {name} NOLOGIN")
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE usename = :n AND datname = current_database()"
                ),
                {"n": login},
            )
        return ServerUser(login, "", (), False)

    def _require_initialised(self, conn: Connection) -> None:
        ready = conn.scalar(
            text(
                "SELECT to_regclass('public.officer_forces') IS NOT NULL "
                "AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :owner)"
            ),
            {"owner": OWNER},
        )
        if not ready:
            raise DatabaseError(
                f"{self.where} is not set up as a shared catalogue server yet; "
                "run “catalogue-app server init --admin-url URL” first"
            )


# -- the statements behind init --------------------------------------------------------------


def _create_roles(conn: Connection) -> tuple[str, ...]:
    created = []
    for role in (OWNER, *ROLES.values()):
        if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": role}):
            conn.exec_driver_sql(f"CREATE ROLE {role} NOLOGIN")
            created.append(role)
    for role, included in INCLUDES.items():
        for other in included:
            conn.exec_driver_sql(f"GRANT {other} TO {role}")
    return tuple(created)


def _reassign(conn: Connection) -> int:
    """Give every table, sequence, view and function of the catalogue to the owner role."""
    owner = f"(SELECT oid FROM pg_roles WHERE rolname = '{OWNER}')"
    relations = conn.execute(
        text(
            "SELECT c.relkind, quote_ident(c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') "
            f"AND c.relowner <> {owner} "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
            "                AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))"
        )
    ).all()
    functions = conn.scalars(
        text(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            f"WHERE n.nspname = 'public' AND p.proowner <> {owner} "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass "
            "                AND d.objid = p.oid AND d.deptype = 'e')"
        )
    ).all()
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
    for kind, name in relations:
        conn.exec_driver_sql(f"ALTER {kinds[kind]} {name} OWNER TO {OWNER}")
    for signature in functions:
        conn.exec_driver_sql(f"ALTER FUNCTION {signature} OWNER TO {OWNER}")
    return len(relations) + len(functions)


def _grant(conn: Connection) -> None:
    tables = list(
        conn.scalars(
            text(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
                "ORDER BY tablename"
            )
        )
    )
    readable = [t for t in tables if t not in PRIVATE]
    catalogue = [t for t in readable if t not in LEDGER and t != "alembic_version"]
    database = _ident(conn, str(conn.scalar(text("SELECT current_database()"))))
    groups = ", ".join(ROLES.values())
    statements = [
        f"REVOKE ALL ON {', '.join(tables)} FROM PUBLIC",
        f"REVOKE ALL ON {', '.join(tables)} FROM {groups}",
        f"REVOKE CONNECT ON DATABASE {database} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {database} TO {groups}",
        f"GRANT USAGE ON SCHEMA public TO {groups}",
        f"GRANT SELECT ON {', '.join(readable)} TO catalogue_viewer",
        f"GRANT INSERT ON {', '.join(LEDGER)} TO catalogue_buyer",
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(catalogue)} TO catalogue_manager",
        "GRANT INSERT ON audit_events TO catalogue_manager",
        f"GRANT SELECT ON {', '.join(PRIVATE)} TO catalogue_auditor",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public "
        "TO catalogue_buyer, catalogue_manager",
    ]
    for statement in statements:
        conn.exec_driver_sql(statement)


def _force_ids(conn: Connection, codes: Sequence[str]) -> list[int]:
    found: dict[str, int] = dict(
        conn.execute(
            text("SELECT code, id FROM forces WHERE code = ANY (:codes)"), {"codes": list(codes)}
        ).all()
    )
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFoundError(
            f"no force has the code {', '.join(f'“{c}”' for c in missing)}; "
            "run “catalogue-app forces list” to see the codes"
        )
    return [int(found[c]) for c in codes]


def _ident(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def _literal(value: str) -> str:
    """A SQL string literal (standard-conforming strings: only the quote is special)."""
    return "'" + value.replace("'", "''") + "'"
