"""Alembic environment for catalogue_app.

The app runs migrations itself (``catalogue_app.db.migrate``) and hands its
own connection in ``config.attributes["connection"]``; developers can also
run ``alembic -c db/alembic.ini …`` with CATALOGUE_DATABASE_URL set.
"""

from alembic import context
from sqlalchemy import Connection

from catalogue_app.db.engine import create_app_engine, resolve_database_url
from catalogue_app.db.migrate import include_object
from catalogue_app.db.models import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    url = resolve_database_url(config.get_main_option("sqlalchemy.url") or None)
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.get_backend_name() == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = resolve_database_url(config.get_main_option("sqlalchemy.url") or None)
    engine = create_app_engine(url)
    with engine.connect() as conn:
        _configure_and_run(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
