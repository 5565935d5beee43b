"""Saved appraisals under concurrent load, against gunicorn with 2 sync workers (separate
processes) on SQLite and on a real PostgreSQL server.

* 50 saves at once with one Idempotency-Key create one record, and all 50 answer it.
* 16 clients saving and reading for ``SVCALC_STORE_LOAD_SECONDS`` lose nothing: every 201 can be
  read back, and the database holds exactly what was acknowledged. ``make test`` runs 8 s per
  database (the races it looks for, lost writes, SQLite's writer lock and the idempotency
  constraint, show within the first second at 16 clients, each run making several hundred
  saves); ``make soak-store`` runs the issue's full 30 s.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bench.server import Server
from svcalc.api import examples
from svcalc.store.models import SavedAppraisal
from tests.store_fixtures import orm

SECONDS = float(os.environ.get("SVCALC_STORE_LOAD_SECONDS", "8"))
CLIENTS = 16


def call(url: str, method: str = "GET", body: Any = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def served(backend):
    url, key = backend
    env = {"SVCALC_DATABASE_URL": url, "SVCALC_RATELIMIT_PER_KEY": "1000000 per minute",
           "SVCALC_LOG_LEVEL": "WARNING"}
    with Server(workers=2, env=env) as server:
        yield server, url, key


def saved_count(url: str, **where: object) -> int:
    with orm(url) as session:
        return session.query(SavedAppraisal).filter_by(**where).count()


def test_fifty_parallel_saves_with_one_idempotency_key_make_one_record(served, proposal):
    server, url, key = served
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "fifty-at-once"}
    start = threading.Barrier(50)

    def save(_: int) -> tuple[int, Any]:
        start.wait()
        return call(server.url + "/v1/saved-appraisals", "POST", proposal, headers)

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(save, range(50)))
    statuses = {status for status, _ in answers}
    assert statuses == {201}, [body for status, body in answers if status != 201][:3]
    assert len({body["id"] for _, body in answers}) == 1
    assert saved_count(url, idempotency_key="fifty-at-once") == 1
    assert saved_count(url) == 2  # with the seeded example


def test_sixteen_clients_saving_and_reading_lose_nothing(served, proposal):
    server, url, key = served
    headers = {"Authorization": f"Bearer {key}"}
    deadline = time.monotonic() + SECONDS
    failures: list[str] = []

    def client(number: int) -> list[str]:
        made: list[str] = []
        i = 0
        while time.monotonic() < deadline and not failures:
            body = {**proposal, "name": f"client {number} save {i}"}
            status, saved = call(server.url + "/v1/saved-appraisals", "POST", body, headers)
            if status != 201:
                failures.append(f"save {status}: {saved}")
                break
            made.append(saved["id"])
            status, read = call(f"{server.url}/v1/saved-appraisals/{saved['id']}",
                                headers=headers)
            if status != 200 or read != saved:
                failures.append(f"read-back {status}")
            i += 1
        return made

    with ThreadPoolExecutor(CLIENTS) as pool:
        made = [i for ids in pool.map(client, range(CLIENTS)) for i in ids]
    assert not failures, failures[:3]
    assert len(made) == len(set(made)) > CLIENTS
    # Every acknowledged save is there, read through the API once more, and nothing else is.
    for id_ in made[:: max(1, len(made) // 50)]:
        assert call(f"{server.url}/v1/saved-appraisals/{id_}", headers=headers)[0] == 200
    with orm(url) as session:
        stored = {row.id for row in session.query(SavedAppraisal.id)}
    assert stored == {*made, examples.SAVED["id"]}
    print(f"{len(made)} saves and reads in {SECONDS:.0f} s, none lost")
