"""The store (svcalc.store) on SQLite and on a real PostgreSQL server: migrations, saving,
keyset pages and filters, idempotency, keys kept only as digests, and a save that dies half-way.

The ``backend`` fixture (conftest.py) gives each test a fresh database seeded with the example
organisation and its saved worked example, once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, func, insert, inspect, select, text

from svcalc.api import examples
from svcalc.store import appraisals, keys, migrate
from svcalc.store.database import Store, StoreUnavailable
from svcalc.store.models import ApiKey, Base, Organisation, SavedAppraisal

TABLES = {"organisations", "api_keys", "saved_appraisals"}


@pytest.fixture
def store(backend):
    s = Store(backend[0])
    yield s
    s.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/empty.db"
    server = request.getfixturevalue("postgres")
    return server.create_database(f"empty_{len(server.databases)}")


def _new(name: str = "A proposal", rating: str = "robust", key: str | None = None,
         proposal: str = '{"term_years": 10}', organisation_id: int = 1) -> appraisals.NewAppraisal:
    return appraisals.NewAppraisal(organisation_id, None, "req-1", key, name, rating, "0.2.0",
                                   "2026.12.0", proposal, '{"verdict": {}}')


def _count(store: Store, **where: object) -> int:
    query = select(func.count()).select_from(SavedAppraisal).filter_by(**where)
    return int(store.run(query).scalar() or 0)


# -- migrations ----------------------------------------------------------------------------------

def test_migrations_upgrade_from_empty_and_downgrade_again(empty_url):
    migrate.upgrade(empty_url)
    assert migrate.current(empty_url) == migrate.head()
    store = Store(empty_url)
    try:
        with store.engine.connect() as connection:
            assert TABLES <= set(inspect(connection).get_table_names())
            # The migrated schema is exactly the models' (no missing column, index or key).
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            assert diff == [], diff
        store.dispose()
        migrate.downgrade(empty_url, "base")
        assert migrate.current(empty_url) is None
        with store.engine.connect() as connection:
            assert not TABLES & set(inspect(connection).get_table_names())
        store.dispose()
        migrate.upgrade(empty_url)  # and up again
        assert migrate.current(empty_url) == migrate.head()
    finally:
        store.dispose()


def test_upgrading_twice_is_a_no_op(backend):
    migrate.upgrade(backend[0])
    assert migrate.current(backend[0]) == migrate.head()


# -- saving and reading --------------------------------------------------------------------------

def test_the_seeded_example_reads_back_as_documented(store):
    saved = appraisals.get(store, 1, examples.SAVED["id"])
    assert saved is not None
    assert saved.saved_at == datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    assert saved.proposal == examples.SAVED_PROPOSAL_TEXT
    assert json.loads(saved.result) == examples.appraisal_example()


def test_save_keeps_the_texts_exactly_and_the_id_orders_by_time(store):
    proposal = '{ "term_years" :10,\n  "name":"Café \\u00e9"}'
    saved, created = appraisals.save(store, _new(proposal=proposal))
    assert created
    again = appraisals.get(store, 1, saved.id)
    assert again == saved
    assert again.proposal == proposal  # byte for byte, spacing and escapes included
    assert again.proposal_sha256 == appraisals.fingerprint('{"name":"Café é","term_years":10}')
    assert saved.id > examples.SAVED["id"]  # saved later, so sorted after
    assert abs(saved.saved_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_pages_list_everything_once_newest_first(store):
    made = [appraisals.save(store, _new(name=f"deal {i}"))[0].id for i in range(23)]
    # Ids sort by the millisecond they were made in (saves within one millisecond in any order).
    everything = sorted([*made, examples.SAVED["id"]], reverse=True)
    seen, cursor = [], None
    while True:
        items, cursor = appraisals.page(store, 1, after=cursor, limit=5)
        seen += [item.id for item in items]
        if cursor is None:
            break
    assert seen == everything
    assert appraisals.page(store, 2)[0] == []  # another organisation has none


def test_filters(store):
    def on(day: int) -> datetime:
        return datetime(2026, 11, day, 12, tzinfo=UTC)

    appraisals.save(store, _new(name="Leisure trust", rating="over_bullish"), on(10))
    appraisals.save(store, _new(name="Waste 100% recycled", rating="robust"), on(20))
    appraisals.save(store, _new(name=None, rating="robust"), on(30))

    def names(**filters: object) -> list[str | None]:
        return [i.name for i in appraisals.page(store, 1, appraisals.Filters(**filters))[0]]

    example = "Revenues and benefits outsourcing"  # saved on 2 December 2026
    assert names(rating="robust") == [None, "Waste 100% recycled"]
    assert names(name="LEISURE") == ["Leisure trust"]
    # LIKE's wildcards are plain characters: % finds only names with a %
    assert names(name="%") == ["Waste 100% recycled"]
    assert names(name="_") == []
    assert names(name="' OR '1'='1") == []
    assert names(saved_from=date(2026, 11, 20)) == [example, None, "Waste 100% recycled"]
    assert names(saved_to=date(2026, 11, 20)) == ["Waste 100% recycled", "Leisure trust"]
    assert names(saved_from=date(2026, 11, 20), saved_to=date(2026, 11, 20)) == [
        "Waste 100% recycled"]
    assert names(saved_from=date(2026, 12, 2), saved_to=date(2026, 12, 2)) == [example]
    assert names(saved_to=date(2026, 11, 9)) == []
    assert len(names(saved_from=date(1970, 1, 1), saved_to=date.max)) == 4
    assert names(rating="robust", saved_to=date(2026, 11, 29)) == ["Waste 100% recycled"]


def test_delete_only_within_the_organisation(store):
    saved, _ = appraisals.save(store, _new())
    assert not appraisals.delete(store, 2, saved.id)
    assert appraisals.get(store, 2, saved.id) is None
    assert appraisals.delete(store, 1, saved.id)
    assert appraisals.get(store, 1, saved.id) is None
    assert not appraisals.delete(store, 1, saved.id)


@pytest.mark.parametrize("bad", ["' OR 1=1 --", "x" * 10_000, "01M8V1DSE07XJ3C9T4VAQ2M5R%",
                                 "", "01m8v1dse07xj3c9t4vaq2m5rb"])
def test_malformed_ids_find_nothing_and_delete_nothing(store, bad):
    assert appraisals.get(store, 1, bad) is None
    assert not appraisals.delete(store, 1, bad)
    assert _count(store) == 1


def test_same_idempotency_key_gives_the_first_appraisal(store):
    first, created = appraisals.save(store, _new(key="k-1"))
    again, created_again = appraisals.save(store, _new(key="k-1", proposal='{"other": 1}'))
    assert created and not created_again
    assert again == first  # the caller compares fingerprints to tell a retry from a reuse
    assert _count(store, idempotency_key="k-1") == 1
    # Keys are per organisation: another one may use the same key.
    with store.transaction() as connection:
        connection.execute(insert(Organisation).values(id=2, name="Other",
                                                        created_at=datetime.now(UTC)))
    assert appraisals.save(store, _new(key="k-1", organisation_id=2))[1]


# -- a save that dies half-way --------------------------------------------------------------------

KILLED_SAVE = """
import os, signal, sys, threading
from sqlalchemy import event
from sqlalchemy.engine import Engine
from svcalc.store import appraisals

@event.listens_for(Engine, "before_cursor_execute")
def arm(connection, cursor, statement, parameters, context, executemany):
    if statement.startswith("INSERT INTO saved_appraisals"):
        # The worker dies while its 24 MB INSERT is on its way to the database or being run.
        threading.Timer(float(sys.argv[2]), os.kill, (os.getpid(), signal.SIGKILL)).start()

from svcalc.store.database import Store
result = '{"pad": "' + "x" * 24_000_000 + '"}'
appraisals.save(Store(sys.argv[1]), appraisals.NewAppraisal(
    1, None, "req-killed", None, "half", "robust", "0.2.0", "2026.12.0", "{}", result))
print("saved")
"""


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.2])
def test_a_worker_killed_mid_save_leaves_no_half_record(store, backend, delay):
    """A save is one INSERT, atomic by itself: killed while it runs, the database holds the
    whole record or none of it, and is not left locked."""
    run = subprocess.run([sys.executable, "-c", KILLED_SAVE, backend[0], str(delay)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode in (-9, 0), run.stdout + run.stderr
    rows = store.run(select(SavedAppraisal.result, SavedAppraisal.name).where(
        SavedAppraisal.request_id == "req-killed")).all()
    assert len(rows) <= 1
    for result, name in rows:  # whole, never a prefix
        assert name == "half" and len(result) == 24_000_011
    if run.returncode == 0:
        assert len(rows) == 1
    saved, created = appraisals.save(store, _new(key="after-the-kill"))
    assert created and appraisals.get(store, 1, saved.id) == saved


# -- keys ----------------------------------------------------------------------------------------

def test_keys_are_stored_and_compared_only_as_digests(store, monkeypatch):
    """The key is never stored, never sent to the database, and never compared as text: the
    database finds the row by the key's SHA-256 digest, and Python compares digests with
    hmac.compare_digest (constant time)."""
    key_id, key = keys.create_key(store, "Digest Council", "probe")
    sent: list[str] = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, params, context, many:
                 sent.append(repr(params)))
    compared: list[tuple[str, str]] = []
    real = keys.hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(keys.hmac, "compare_digest", spy)
    principal = keys.authenticate(store, key)
    assert principal == keys.Principal(key_id, principal.organisation_id, "Digest Council")
    assert compared == [(keys.digest(key), keys.digest(key))]
    assert sent and not any(key in params or key[4:20] in params for params in sent)
    assert any(keys.digest(key) in params for params in sent)
    # Nothing stored holds the key or a piece of it: every text column of every table.
    with store.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                for value in row:
                    assert key[4:20] not in str(value), (table.name, value)
    stored = store.run(select(ApiKey.key_sha256).where(ApiKey.id == key_id)).scalar()
    assert stored == keys.digest(key) and len(stored) == 64


def test_revoked_and_unknown_keys_do_not_authenticate(store):
    key_id, key = keys.create_key(store, "Revoking Council")
    assert keys.authenticate(store, key) is not None
    assert keys.authenticate(store, key + "x") is None
    assert keys.authenticate(store, "") is None
    assert keys.revoke_key(store, key_id)
    assert keys.authenticate(store, key) is None
    assert keys.revoke_key(store, key_id)  # revoking twice is harmless
    assert not keys.revoke_key(store, 999_999)
    listed = {k.id: k for k in keys.list_keys(store, "Revoking Council")}
    assert listed[key_id].revoked_at is not None and key not in repr(listed)


# -- an unreachable database ---------------------------------------------------------------------

@pytest.mark.parametrize("url", ["sqlite:////nonexistent-folder/svcalc.db",
                                 "postgresql://svcalc@127.0.0.1:9/svcalc"])
def test_an_unreachable_database_is_unavailable_not_an_error(url):
    store = Store(url)
    assert not store.ping()
    with pytest.raises(StoreUnavailable):
        appraisals.get(store, 1, examples.SAVED["id"])
    with pytest.raises(StoreUnavailable):
        keys.authenticate(store, "svc_x")


def test_sqlite_runs_in_wal_mode(database_url):
    store = Store(database_url)
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    store.dispose()
