"""``server init``, ``add-user``, ``list-users``, ``revoke``: one shared server for a collaboration.

Every action connects with ``--admin-url`` (a login allowed to create roles and
grant, usually the server's ``postgres``), never with the officer's own login.
"""

from __future__ import annotations

import argparse
import getpass
from typing import TextIO

from catalogue_app.cli.core import Subcommands, add_format, group, handles_offline
from catalogue_app.cli.render import render
from catalogue_app.domain.errors import ValidationError

ROLE_WORDS = ("viewer", "buyer", "manager", "auditor", "admin")


def add_commands(commands: Subcommands) -> None:
    actions = group(commands, "server", "set up a shared PostgreSQL server and officers' logins")
    init = actions.add_parser(
        "init",
        help="create the roles, the owner, the policies and grants (safe to run again; "
        "run it again after upgrading the app)",
    )
    _admin_url(init)
    handles_offline(init, init_server)

    add = actions.add_parser("add-user", help="add an officer's login, or change an existing one")
    add.add_argument("name", help="the login name, e.g. k.jones")
    add.add_argument(
        "--force",
        dest="forces",
        action="append",
        default=[],
        metavar="CODE",
        help="a force the login acts for (repeat for several); see “forces list”",
    )
    add.add_argument("--role", required=True, choices=ROLE_WORDS)
    add.add_argument(
        "--password-prompt",
        action="store_true",
        help="ask for the login's password (otherwise the server's own authentication applies)",
    )
    _admin_url(add)
    handles_offline(add, add_user)

    users = actions.add_parser("list-users", help="every login with its role and forces")
    add_format(users, ("table", "csv", "json"))
    _admin_url(users)
    handles_offline(users, list_users)

    revoke = actions.add_parser(
        "revoke", help="take a login's rights away, stop it logging in and end its sessions"
    )
    revoke.add_argument("name")
    _admin_url(revoke)
    handles_offline(revoke, revoke_user)


def _admin_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--admin-url",
        required=True,
        metavar="URL",
        help="postgresql+psycopg://ADMIN@HOST/DATABASE: the catalogue database, "
        "as a login that may create roles (e.g. postgres)",
    )


def init_server(args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.server import ServerAdmin

    report = ServerAdmin(args.admin_url).init()
    created = ", ".join(report.created_roles) if report.created_roles else "none (all present)"
    migration = report.migration
    if migration.created:
        schema = f"created at schema {migration.to_revision}"
    elif migration.migrated:
        schema = f"migrated from schema {migration.from_revision} to {migration.to_revision}"
    else:
        schema = f"already at schema {migration.to_revision}"
    out.write(
        f"{report.database} is ready as a shared catalogue server.\n"
        f"  roles created: {created}\n"
        f"  database: {schema}"
        f"{'; reference catalogue loaded' if report.seeded else ''}\n"
        f"  objects given to catalogue_owner: {report.reassigned:,}\n"
        "Add officers with “catalogue-app server add-user NAME --force CODE --role buyer "
        "--admin-url URL --password-prompt”.\n"
    )


def add_user(args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.server import ServerAdmin

    password = _ask_password(args.name) if args.password_prompt else None
    user = ServerAdmin(args.admin_url).add_user(args.name, args.role, args.forces, password)
    forces = ", ".join(user.forces) if user.forces else "every force"
    if user.role in ("auditor", "admin"):
        forces = "every force"
    out.write(f"{user.login} is now a {user.role} for {forces}.\n")


def _ask_password(login: str) -> str:
    first = getpass.getpass(f"Password for {login}: ")
    if not first:
        raise ValidationError("the password must not be empty", field="password")
    if getpass.getpass("The same password again: ") != first:
        raise ValidationError("the two passwords differ; nothing was changed", field="password")
    return first


def list_users(args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.server import ServerAdmin

    users = ServerAdmin(args.admin_url).list_users()
    records = [
        {
            "login": u.login,
            "role": u.role or "none",
            "forces": ", ".join(u.forces)
            if u.forces
            else ("every force" if u.role in ("auditor", "admin") else ""),
            "can log in": "yes" if u.can_log_in else "no",
        }
        for u in users
    ]
    if not records and args.format == "table":
        out.write("No officers' logins yet: add one with “server add-user”.\n")
        return
    out.write(render(records, ["login", "role", "forces", "can log in"], args.format))


def revoke_user(args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.server import ServerAdmin

    user = ServerAdmin(args.admin_url).revoke(args.name)
    out.write(
        f"{user.login} may no longer log in or read the catalogue; "
        "its open sessions were ended. Its name stays in the audit trail.\n"
    )
