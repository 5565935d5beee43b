"""Benchmark of saved appraisals (issue 17), each floor measured as a ratio within one run:

    python -m bench.store [--rounds 3] [--duration 4] [--rows 100000] [--backends sqlite,postgresql]

(a) Saving an appraisal costs at most 1.5x a stateless one: ``POST /v1/saved-appraisals``
    (with a key, each call a new row) against ``POST /v1/appraisals`` with the same proposal,
    on one gunicorn (2 sync workers), wrk rounds alternating. Cost is the CPU per request of
    the workers plus, on PostgreSQL, of the database server's processes; the mean latency is
    reported beside it, against the same floor.
(b) The first page of a list is as fast with 100,000 saved appraisals as with 100 (within 2x):
    two databases, one with 100 rows and one with ``--rows``, each row the worked example's
    real proposal and result (18 KB) saved over the past year, each served by its own
    gunicorn; ``GET /v1/saved-appraisals`` (20 items, and filtered by rating), mean and p99
    latency, wrk rounds alternating.

Each is run on SQLite (the default) and on a PostgreSQL server started for the run
(bench/postgres.py; skipped, saying why, without one). The ratios print with met/MISSED against
their floors; nothing is asserted. ``--short`` (CI mode: 1 round of 1 s, 2,000 rows) checks that
it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.postgres import PostgresServer, PostgresUnavailable
from bench.proposals import BENCH_PROPOSAL
from bench.server import Server, children, cpu_seconds
from bench.service import run_wrk, wrk_script
from svcalc.api import examples
from svcalc.store import ids, keys, migrate
from svcalc.store.database import Store
from svcalc.store.models import SavedAppraisal

SAVE_FLOOR = 1.5
LIST_FLOOR = 2.0
SMALL = 100
ENV = {"SVCALC_RATELIMIT_PER_KEY": "100000000 per minute", "SVCALC_LOG_LEVEL": "WARNING"}

def script(folder: Path, name: str, method: str, key: str, body: bytes | None = None) -> Path:
    return wrk_script(folder / f"{name}.lua", method, body, {"Authorization": f"Bearer {key}"})


def fill(url: str, rows: int) -> str:
    """Migrate the database at ``url``, give it one organisation with ``rows`` saved
    appraisals (the worked example's texts, one every few minutes back from now), and return a
    key of it."""
    migrate.upgrade(url)
    store = Store(url)
    try:
        _, key = keys.create_key(store, "Bench Council")
        saved = examples.saved_example()
        proposal, result = examples.SAVED_PROPOSAL_TEXT, json.dumps(saved["result"])
        ratings = ("robust", "viable_with_cautions", "over_bullish", "not_viable")
        now = datetime.now(UTC)
        step = timedelta(days=365) / max(rows, 1)
        batch: list[dict[str, Any]] = []
        for i in range(rows):
            when = now - step * (i + 1)
            batch.append({
                "id": ids.new_id(when), "organisation_id": 1, "api_key_id": 1, "saved_at": when,
                "request_id": f"bench-{i}", "idempotency_key": None, "name": f"Deal {i}",
                "rating": ratings[i % 4], "method_version": saved["method_version"],
                "reference_version": saved["reference_version"],
                "proposal_sha256": saved["proposal_sha256"], "proposal": proposal,
                "result": result})
            if len(batch) == 2000 or i == rows - 1:
                with store.transaction() as connection:
                    connection.execute(SavedAppraisal.__table__.insert(), batch)
                batch = []
        if store.backend == "postgresql":
            with store.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
        return key
    finally:
        store.dispose()


def check(base: str, path: str, key: str, method: str = "GET", body: bytes | None = None,
          status: int = 200) -> Any:
    request = urllib.request.Request(base + path, data=body, method=method, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == status, response.status
        return json.loads(response.read())


class Databases:
    """Empty databases of one backend: SQLite files in a folder, or a PostgreSQL server's."""

    def __init__(self, backend: str, folder: Path, postgres: PostgresServer | None) -> None:
        self.backend, self.folder, self.postgres = backend, folder, postgres
        self.made = 0

    def new(self) -> str:
        self.made += 1
        if self.postgres is not None:
            return self.postgres.create_database(f"bench_{self.made}")
        return f"sqlite:///{self.folder}/bench-{self.made}.db"

    def cpu(self) -> float:
        """CPU seconds the database server's processes have used (0 for SQLite, whose work
        is in the workers)."""
        if self.postgres is None:
            return 0.0
        pid = int((self.postgres.data / "postmaster.pid").read_text().split()[0])
        return cpu_seconds([pid, *children(pid)])


def measured(server: Server, databases: Databases, path: str, lua: Path,
             args: argparse.Namespace) -> dict[str, Any]:
    workers = server.worker_pids()
    before = cpu_seconds(workers) + databases.cpu()
    result = run_wrk(server.url + path, lua, args.duration, args.connections, args.threads)
    result["cpu_s"] = cpu_seconds(workers) + databases.cpu() - before
    return result


def summarise(results: list[dict[str, Any]]) -> dict[str, float]:
    total = sum(r["requests"] for r in results)
    return {"requests": total,
            "rps": total / (sum(r["duration_us"] for r in results) / 1e6),
            "mean_ms": statistics.mean(r["mean_us"] for r in results) / 1000,
            "p99_ms": statistics.median(r["p99_us"] for r in results) / 1000,
            "cpu_ms": 1000 * sum(r["cpu_s"] for r in results) / total}


def verdict(value: float, floor: float) -> str:
    return f"(floor <= {floor}: {'met' if value <= floor else 'MISSED'})"


def bench_save(databases: Databases, folder: Path, args: argparse.Namespace) -> dict[str, float]:
    url = databases.new()
    key = fill(url, 0)
    body = json.dumps(BENCH_PROPOSAL).encode()
    scripts = {"stateless": script(folder, "stateless", "POST", key, body),
               "save": script(folder, "save", "POST", key, body)}
    paths = {"stateless": "/v1/appraisals", "save": "/v1/saved-appraisals"}
    with Server(workers=2, env={**ENV, "SVCALC_DATABASE_URL": url},
                extra_args=("--max-requests", "0")) as server:
        stateless = check(server.url, "/v1/appraisals", key, "POST", body)
        saved = check(server.url, "/v1/saved-appraisals", key, "POST", body, 201)
        assert saved["result"] == stateless, "a save answers the stateless appraisal"
        if not args.short:
            for name in scripts:
                run_wrk(server.url + paths[name], scripts[name], 1, args.connections,
                        args.threads)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in scripts}
        for round_ in range(args.rounds):
            for name in (list(scripts) if round_ % 2 == 0 else list(scripts)[::-1]):
                runs[name].append(measured(server, databases, paths[name], scripts[name], args))
    s = {name: summarise(results) for name, results in runs.items()}
    print(f"\n[{databases.backend}] (a) save vs stateless: POST {len(body)} B, gunicorn 2 "
          f"workers, wrk -t{args.threads} -c{args.connections}, {args.rounds} x "
          f"{args.duration:g} s alternating")
    print(f"{'':10s} {'requests':>9s} {'req/s':>8s} {'mean ms':>8s} {'p99 ms':>8s} "
          f"{'CPU ms/req':>11s}")
    for name, row in s.items():
        print(f"{name:10s} {row['requests']:9.0f} {row['rps']:8.0f} {row['mean_ms']:8.2f} "
              f"{row['p99_ms']:8.2f} {row['cpu_ms']:11.3f}")
    ratios = {"cpu_save_over_stateless": s["save"]["cpu_ms"] / s["stateless"]["cpu_ms"],
              "mean_save_over_stateless": s["save"]["mean_ms"] / s["stateless"]["mean_ms"]}
    for name, value in ratios.items():
        print(f"{name:28s} {value:6.3f}  {verdict(value, SAVE_FLOOR)}")
    return ratios


def bench_list(databases: Databases, folder: Path, args: argparse.Namespace) -> dict[str, float]:
    started = time.monotonic()
    urls = {"small": databases.new(), "large": databases.new()}
    key_small, key_large = fill(urls["small"], SMALL), fill(urls["large"], args.rows)
    filled = time.monotonic() - started
    lua = {"small": script(folder, "list-small", "GET", key_small),
           "large": script(folder, "list-large", "GET", key_large)}
    queries = {"first page": "/v1/saved-appraisals",
               "first page, rating": "/v1/saved-appraisals?rating=over_bullish"}
    with contextlib.ExitStack() as stack:
        servers = {size: stack.enter_context(Server(
            workers=2, env={**ENV, "SVCALC_DATABASE_URL": urls[size], "SVCALC_DATABASE_MIGRATE":
                            "false"}, extra_args=("--max-requests", "0"))) for size in urls}
        for size, key in (("small", key_small), ("large", key_large)):
            page = check(servers[size].url, "/v1/saved-appraisals", key)
            assert len(page["items"]) == 20 and page["next_cursor"], size
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {
            q: {"small": [], "large": []} for q in queries}
        for query, path in queries.items():
            if not args.short:
                for size in servers:
                    run_wrk(servers[size].url + path, lua[size], 1, args.connections,
                            args.threads)
            for round_ in range(args.rounds):
                for size in (("small", "large") if round_ % 2 == 0 else ("large", "small")):
                    runs[query][size].append(measured(servers[size], databases, path,
                                                      lua[size], args))
    print(f"\n[{databases.backend}] (b) list, first page of 20: {SMALL} vs {args.rows:,} saved "
          f"appraisals (filled in {filled:.0f} s), {args.rounds} x {args.duration:g} s "
          f"alternating")
    print(f"{'':30s} {'mean ms':>8s} {'p99 ms':>8s} {'CPU ms/req':>11s}")
    ratios = {}
    for query in queries:
        s = {size: summarise(results) for size, results in runs[query].items()}
        for size in ("small", "large"):
            rows = SMALL if size == "small" else args.rows
            print(f"{query + f' ({rows:,})':30s} {s[size]['mean_ms']:8.2f} "
                  f"{s[size]['p99_ms']:8.2f} {s[size]['cpu_ms']:11.3f}")
        ratios[f"{query}: mean large/small"] = s["large"]["mean_ms"] / s["small"]["mean_ms"]
        ratios[f"{query}: p99 large/small"] = s["large"]["p99_ms"] / s["small"]["p99_ms"]
    for name, value in ratios.items():
        # The floor is the unfiltered first page; a filtered one is shown beside it.
        judged = verdict(value, LIST_FLOOR) if name.startswith("first page:") else "(no floor)"
        print(f"{name:36s} {value:6.3f}  {judged}")
    return ratios


@contextlib.contextmanager
def backend(name: str, folder: Path) -> Iterator[Databases | None]:
    if name == "sqlite":
        yield Databases(name, folder, None)
        return
    try:
        server = PostgresServer()
    except PostgresUnavailable as reason:
        print(f"\n[{name}] skipped: {reason}")
        yield None
        return
    with server:
        yield Databases(name, folder, server)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--short", action="store_true", help="CI mode: 1 round of 1 s")
    args = parser.parse_args(argv)
    if args.short:
        args.rounds, args.duration, args.rows = 1, 1.0, 2000
    results: dict[str, Any] = {}
    for name in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="svcalc-bench-store-") as tmp:
            os.chmod(tmp, 0o755)
            with backend(name, Path(tmp)) as databases:
                if databases is not None:
                    results[name] = {**bench_save(databases, Path(tmp), args),
                                     **bench_list(databases, Path(tmp), args)}
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
