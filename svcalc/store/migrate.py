"""Apply the store's migrations (:mod:`svcalc.store.migrations`) to a database.

Safe to run from several processes at once (gunicorn's workers at boot, two instances starting
together): on PostgreSQL the migration holds a transaction-level advisory lock, on SQLite an
exclusive lock on a file beside the database, so one process migrates and the others then find
the schema at head and do nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import URL, Connection, make_url

from svcalc.store.database import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: pg_advisory_xact_lock's key: "svcalc" in ASCII, any constant the deployment does not use.
_LOCK_KEY = 0x737663616C63


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this svcalc ships."""
    revision = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert revision is not None
    return revision


@contextlib.contextmanager
def _file_lock(url: URL) -> Iterator[None]:
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run(url: str | URL, action: str, revision: str) -> None:
    url = make_url(url)
    engine = make_engine(url)
    try:
        with _file_lock(url), engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": _LOCK_KEY})
            getattr(command, action)(_config(connection), revision)
    finally:
        engine.dispose()


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (the newest by default)."""
    _run(url, "upgrade", revision)


def downgrade(url: str | URL, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``base``: empty)."""
    _run(url, "downgrade", revision)


def current(url: str | URL) -> str | None:
    """The revision the database at ``url`` is at (None: not migrated)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
