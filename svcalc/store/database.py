"""One database per :class:`Store`: its engine, its transactions, and what "unavailable" means.

Every call of :mod:`svcalc.store.keys` and :mod:`svcalc.store.appraisals` is one transaction:
a single statement on its own (:meth:`Store.run`, autocommit: a save is one INSERT), or several
in :meth:`Store.transaction`. So a save is all or nothing: a worker killed half-way leaves no
half record (the database discards what was not committed).

SQLite (the default, an embedded file) runs in WAL mode: readers do not block the writer, and a
commit writes the log without waiting for the disk (``synchronous=NORMAL``), which keeps every
commit atomic and consistent; a power cut may lose the last commits, never half of one. Writers
wait up to :data:`SQLITE_BUSY_SECONDS` for each other. PostgreSQL is reached with psycopg 3 and a
short connect timeout, so that an unreachable server answers 503 quickly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, CursorResult, Engine, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.sql import Executable

#: Seconds a SQLite writer waits for another before giving up (then 503).
SQLITE_BUSY_SECONDS = 15
#: Seconds to wait for a PostgreSQL connection before the database counts as unavailable.
CONNECT_TIMEOUT_SECONDS = 3


class StoreUnavailable(Exception):
    """The database cannot be reached (down, locked too long, or not migrated)."""


def make_engine(url: str | URL) -> Engine:
    """An engine for ``url`` with svcalc's settings: parameters kept out of error messages (they
    hold proposals), connections checked before use, SQLite in WAL mode."""
    url = make_url(url)
    args: dict[str, Any] = {"hide_parameters": True}
    if url.get_backend_name() == "sqlite":
        args["connect_args"] = {"timeout": SQLITE_BUSY_SECONDS}
    elif url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":  # psycopg 3, not SQLAlchemy's psycopg2 default
            url = url.set(drivername="postgresql+psycopg")
        args["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    engine = create_engine(url, **args)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


class Store:
    """The database at ``url``. The engine is made on first use, in the process that uses it (so
    gunicorn's workers never share a connection pool across a fork)."""

    def __init__(self, url: str | URL) -> None:
        self.url = make_url(url)
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.url.get_backend_name()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in one transaction: committed when the block ends, rolled back if it
        raises. A database that cannot be reached raises :class:`StoreUnavailable`."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except (OperationalError, InterfaceError, PoolTimeoutError) as error:
            raise StoreUnavailable(type(error).__name__) from error

    def run(self, statement: Executable, *, read_only: bool = True) -> CursorResult[Any]:
        """Execute one statement on its own, in autocommit: a single statement is atomic by
        itself, and needs no BEGIN and COMMIT around it (one round trip to PostgreSQL). A
        statement that only reads is tried once more if a pooled connection turns out to be
        dead (a server restarted since: SQLAlchemy then drops the whole pool), so a restart
        costs no error; a write is not retried (it may have reached the server), and its
        failure is :class:`StoreUnavailable` like any other."""
        for attempt in (1, 2):
            try:
                with self.engine.connect() as connection:
                    result = connection.execution_options(
                        isolation_level="AUTOCOMMIT").execute(statement)
                    if result.returns_rows:
                        return result.freeze()()  # type: ignore[return-value]
                    result.rowcount  # noqa: B018 - read while the cursor is open
                    return result
            except (OperationalError, InterfaceError) as error:
                if attempt == 1 and read_only and error.connection_invalidated:
                    continue
                raise StoreUnavailable(type(error).__name__) from error
            except PoolTimeoutError as error:
                raise StoreUnavailable(type(error).__name__) from error
        raise AssertionError("unreachable")  # pragma: no cover

    def ping(self) -> bool:
        """Whether the database answers a trivial query (for ``/healthz``)."""
        try:
            self.run(text("SELECT 1"))
        except StoreUnavailable:
            return False
        return True

    def dispose(self) -> None:
        """Close every pooled connection."""
        if self._engine is not None:
            self._engine.dispose()
