"""Fixtures shared by the tests (flaskr style)."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from hypothesis import settings

from svcalc.api import examples
from svcalc.app import create_app

# Property tests draw the same examples on every run by default, so that CI on a clean clone is
# red only for a change, never for an example met by chance; SVCALC_HYPOTHESIS_PROFILE=explore
# draws new ones each run (and remembers failures in .hypothesis/) to look for bugs.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("SVCALC_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def make_app():
    """``make_app(config)``: a testing app; its database connections are closed after the
    test."""
    made = []

    def make(config=None):
        made.append(create_app({"TESTING": True, **(config or {})}))
        return made[-1]

    yield make
    for app in made:
        app.extensions["svcalc.store"].dispose()


@pytest.fixture
def app(make_app, database_url):
    return make_app({"DATABASE_URL": database_url})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def log_text():
    """The log as wsgi.py configures it (JSON lines), captured while a test runs; the root
    logger is restored after."""
    import io
    import logging

    from svcalc.api import observability

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    observability.configure_logging("INFO", stream)
    yield stream.getvalue
    root.handlers[:], level = saved
    root.setLevel(level)


@pytest.fixture
def proposal() -> dict[str, Any]:
    """A fresh deep copy of the documented worked example, safe to modify."""
    return copy.deepcopy(examples.PROPOSAL)



# -- databases (issue 17) ------------------------------------------------------------------
# Every app the fixtures make has a database of its own: a copy of a migrated SQLite file seeded
# with the documented example (tests/store_fixtures.py). The persistence tests also run on a real
# PostgreSQL server that the session starts (bench/postgres.py) and stops at its end.

@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory):
    """(path of a seeded SQLite template, a key of the example organisation)."""
    from tests.store_fixtures import seed

    path = tmp_path_factory.mktemp("db") / "template.db"
    return path, seed(f"sqlite:///{path}")


@pytest.fixture
def database_url(tmp_path, seeded_sqlite) -> str:
    """A fresh seeded SQLite database for one test."""
    import shutil

    path = tmp_path / "svcalc.db"
    shutil.copyfile(seeded_sqlite[0], path)
    return f"sqlite:///{path}"


@pytest.fixture
def api_key(seeded_sqlite) -> str:
    """A key of the example organisation (valid in every database the fixtures make)."""
    return seeded_sqlite[1]


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the session, with a seeded template database; skips, saying why,
    where no server binaries are installed."""
    from bench.postgres import PostgresServer, PostgresUnavailable
    from tests.store_fixtures import seed

    try:
        server = PostgresServer()
    except PostgresUnavailable as reason:
        pytest.skip(str(reason))
    with server:
        server.key = seed(server.create_database("svcalc_template"))
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path, seeded_sqlite):
    """(URL of a fresh seeded database, a key of its example organisation), on SQLite and on
    PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("database_url"), seeded_sqlite[1]
    server = request.getfixturevalue("postgres")
    url = server.create_database(f"test_{len(server.databases)}", template="svcalc_template")
    return url, server.key


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, seeded_sqlite):
    """svcalc under gunicorn on 127.0.0.1 for the generated clients (tests/generated_clients.py):
    ``.base`` its URL, ``.key`` a key of the examples' organisation; a database of its own per
    test module, always stopped."""
    from tests.generated_clients import live_server

    yield from live_server(tmp_path_factory.mktemp("live-server"), seeded_sqlite[0])


# Registers the portal operations' schemathesis hook before the contract fuzzing loads the spec.
from tests import portal_hooks  # noqa: E402,F401
