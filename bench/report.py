"""What a report costs: an HTML and a PDF report against the JSON appraisal of the same proposal.

    python -m bench.report [--rounds 5] [--requests 10] [--short]

svcalc is served under gunicorn (one sync worker, 127.0.0.1, a free port) and this process sends
the documented worked example (``svcalc.api.examples.PROPOSAL``, an ordinary ten-year proposal)
to ``POST /v1/appraisals``, ``POST /v1/reports?format=html`` and ``?format=pdf`` in turn, one
request at a time, after one warm-up request of each (a worker's first report loads WeasyPrint
and the chart engine: that start-up is printed, not counted). For each kind it measures the
median latency and the worker's CPU per request, in one run, and prints the ratios to the JSON
appraisal with met/MISSED against the stated multiples (:data:`CEILINGS`). Then the largest
valid report (``bench.proposals.every_block``: 60 years, every optional block at its longest)
as a PDF, against the report compute budget. Ratios are printed, never asserted; every answer
must be a 200 of the right media type, or the script exits non-zero. ``--short`` is the CI
mode: one round of two requests, correctness only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from typing import Any

from bench.proposals import every_block
from bench.server import Server, cpu_seconds
from svcalc.api.examples import PROPOSAL
from svcalc.config import DEFAULTS

#: The stated multiples of the JSON appraisal's cost (worker CPU per request) that a report may
#: reach: drawing five charts (vl-convert) and, for a PDF, laying out three A4 pages (WeasyPrint)
#: is work of a different order from an appraisal of a few milliseconds.
CEILINGS = {"html": 150.0, "pdf": 600.0}
KINDS = {"json": "/v1/appraisals", "html": "/v1/reports?format=html",
         "pdf": "/v1/reports?format=pdf"}
MEDIA = {"json": "application/json", "html": "text/html", "pdf": "application/pdf"}


def post(base: str, kind: str, body: bytes, timeout: float = 120.0) -> float:
    """Send one request; its latency in seconds. Anything but a 200 of the kind's media type
    stops the benchmark."""
    request = urllib.request.Request(base + KINDS[kind], data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data = response.read()
        elapsed = time.perf_counter() - started
        media = response.headers.get_content_type()
    if response.status != 200 or media != MEDIA[kind] or not data:
        sys.exit(f"{kind}: {response.status} {media}")
    return elapsed


def measure(server: Server, kind: str, body: bytes, n: int) -> tuple[list[float], float]:
    """``n`` requests of ``kind``: their latencies and the worker CPU seconds per request."""
    pids = server.worker_pids()
    before = cpu_seconds(pids)
    latencies = [post(server.url, kind, body) for _ in range(n)]
    if server.worker_pids() != pids:  # a new process starts its CPU count again from 0
        sys.exit(f"{kind}: the worker was replaced during the measurement; its CPU is lost")
    return latencies, (cpu_seconds(pids) - before) / n


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=10, help="of each kind per round")
    parser.add_argument("--short", action="store_true", help="CI mode: correctness only")
    args = parser.parse_args(argv)
    rounds, n = (1, 2) if args.short else (args.rounds, args.requests)
    body = json.dumps(PROPOSAL).encode()
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
    # A worker that has served a report holds ~150 MB more; the default memory bound
    # (SVCALC_MAX_WORKER_RSS_MIB, svcalc/worker.py) would replace it between two measurements.
    with Server(workers=1, env={"SVCALC_MAX_WORKER_RSS_MIB": "0"}) as server:
        for kind in KINDS:  # warm-up: a worker's first report loads the engines
            print(f"first {kind:4s} request in a fresh worker: "
                  f"{post(server.url, kind, body) * 1000:8.1f} ms")
        for _ in range(rounds):
            for kind in KINDS:
                # ten times as many appraisals: CPU is read in 10 ms clock ticks
                got, per_request = measure(server, kind, body, n * 10 if kind == "json" else n)
                latencies[kind] += got
                cpu[kind].append(per_request)
        heavy = json.dumps(every_block()).encode()
        heavy_seconds = post(server.url, "pdf", heavy)
    median = {kind: statistics.median(v) for kind, v in latencies.items()}
    cpu_median = {kind: statistics.median(v) for kind, v in cpu.items()}
    print(f"\nthe worked example ({rounds} rounds of {n * 10} appraisals, {n} HTML and {n} PDF "
          f"reports, one request at a time):")
    for kind in KINDS:
        print(f"  {kind:4s}  median latency {median[kind] * 1000:8.2f} ms   "
              f"worker CPU {cpu_median[kind] * 1000:8.2f} ms/request")
    ratios = {}
    for kind in ("html", "pdf"):
        # CPU is the cost the ceiling is stated in; a short run's JSON CPU may read 0 ticks:
        # then latency stands in.
        base = cpu_median["json"] or median["json"]
        mine = cpu_median[kind] if cpu_median["json"] else median[kind]
        ratios[kind] = mine / base
        ratios[f"{kind}_latency"] = median[kind] / median["json"]
        verdict = "met" if ratios[kind] <= CEILINGS[kind] else "MISSED"
        print(f"  {kind} report / JSON appraisal: {ratios[kind]:6.1f}x CPU, "
              f"{ratios[f'{kind}_latency']:6.1f}x latency (stated ceiling <= "
              f"{CEILINGS[kind]:.0f}x CPU): {verdict}")
    budget = float(DEFAULTS["REPORT_COMPUTE_BUDGET_SECONDS"])  # type: ignore[arg-type]
    verdict = "met" if heavy_seconds <= budget else "MISSED"
    print(f"  the largest valid report (60 years, every block) as PDF: {heavy_seconds:.2f} s "
          f"(compute budget {budget:.0f} s): {verdict}")
    return {"median": median, "cpu": cpu_median, "ratios": ratios, "heavy_pdf": heavy_seconds}


if __name__ == "__main__":
    main()
