"""Portal benchmarks (issue 7, DESIGN.md section 11): ratios measured in one run.

1. Batch vs single, two ways, rounds alternating so that drift on a shared machine hits both:
   - over HTTP (what a portal sees): svcalc under gunicorn (2 sync workers, as bench/service.py),
     wrk at 8 connections posting single proposals to POST /v1/appraisals, against 2 client
     threads (one batch per worker) posting one body of N distinct proposals to POST
     /v1/appraisals/batch back to back. Reported: proposals/s (wall, for information) and worker
     CPU per proposal. Floor (a): a batch of 1,000 25-year proposals costs per proposal at most
     0.5x a single call, as worker CPU (batch CPU per proposal / single CPU per request), which
     is robust when other work shares the machine. The batch clients finish the request they
     are in when the time is up (wrk would drop it, and the worker CPU it had used would be
     counted against the batches that finished).
   - in-process (no sockets, no gunicorn): N calls through Flask's test client against one batch
     call; this leaves out the HTTP cost a batch also saves, so it is the lower bound.
   The in-process run checks that the batch answers what the single calls answer (to the last
   digits of an IRR).
2. Monte Carlo 10,000 scenarios x 30 years, both sides: the simulation (draws + matrices + the
   two matrix-vector products) against (a) drawing its random numbers alone (floor (c): at most
   2x) and (b) a per-scenario numpy-financial loop computing the same NPVs.
Floors are reported with met/MISSED, never asserted.

    python bench/portal.py            # full run, prints the ratios (needs wrk: make bench-tools)
    python bench/portal.py --quick    # small sizes: checks it runs and results agree (make test)
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import numpy as np
import numpy_financial as npf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.proposals import distinct_proposals  # noqa: E402
from bench.server import Server, cpu_seconds  # noqa: E402
from bench.service import run_wrk, run_wrk_measured, wrk_script  # noqa: E402
from svcalc.app import create_app  # noqa: E402
from svcalc.core.flows import public_net, resolve, supplier_net  # noqa: E402
from svcalc.core.model import (  # noqa: E402
    SIMULATION_INPUTS,
    InputRange,
    Proposal,
    PublicSide,
    SupplierSide,
)
from svcalc.core.simulation import draw, npvs  # noqa: E402

#: Floors: batch CPU per proposal / single-call CPU per request; simulation / its draws.
FLOOR_BATCH = 0.5
FLOOR_MONTE_CARLO = 2.0


def _same_answer(batch: dict[str, Any], single: dict[str, Any]) -> bool:
    """Equal but for the last digits of the IRRs, which a batch solves together
    (``finance.irr_many``) and a single call alone (``finance.irr``)."""
    batch, single = copy.deepcopy(batch), copy.deepcopy(single)
    for side in ("public", "supplier"):
        x, y = batch[side].pop("irr"), single[side].pop("irr")
        if x != y and (x is None or y is None or abs(x - y) > 1e-12 * abs(y)):
            return False
    return batch == single


def bench_batch_in_process(n: int, rounds: int) -> dict[str, float]:
    app = create_app()
    client = app.test_client()
    proposals = distinct_proposals(n)
    bodies = [json.dumps(p) for p in proposals]
    batch_body = json.dumps({"proposals": proposals})

    def post(path: str, body: str) -> Any:
        r = client.post(path, data=body, content_type="application/json")
        assert r.status_code == 200, r.get_data(as_text=True)[:500]
        return r

    singles = [post("/v1/appraisals", b).json for b in bodies[:50]]  # warm up, and the check
    batch = post("/v1/appraisals/batch", batch_body).json["results"]
    assert all(map(_same_answer, batch, singles)), "batch results differ from single calls"
    t_single = t_batch = 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        for b in bodies:
            post("/v1/appraisals", b)
        t_single += time.perf_counter() - t0
        t0 = time.perf_counter()
        post("/v1/appraisals/batch", batch_body)
        t_batch += time.perf_counter() - t0
    return {"proposals": n, "single_per_s": rounds * n / t_single,
            "batch_per_s": rounds * n / t_batch, "ratio": t_single / t_batch}


def post_back_to_back(server: Server, path: str, body: bytes, duration: float,
                      clients: int) -> dict[str, Any]:
    """``clients`` threads each POST ``body`` to ``path`` back to back for ``duration`` seconds
    and then finish the request in flight, so that every second of worker CPU measured belongs
    to a request that is counted. Returns the requests, the wall seconds and the workers' CPU
    seconds over the same window; any answer but 200 stops the benchmark."""
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    counts = [0] * clients
    failures: list[str] = []
    workers = server.worker_pids()

    def client(k: int) -> None:
        while not failures:  # at least one request each, then until the deadline
            conn = HTTPConnection(host, int(port), timeout=120)  # sync workers close each time
            try:
                conn.request("POST", path, body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"{path} answered {response.status}")
                counts[k] += 1
            finally:
                conn.close()
            if time.perf_counter() >= deadline:
                break

    cpu0, t0 = cpu_seconds(workers), time.perf_counter()
    deadline = t0 + duration
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - t0, cpu_seconds(workers) - cpu0
    if failures:
        raise SystemExit(failures[0])
    return {"requests": sum(counts), "seconds": wall, "worker_cpu_s": cpu}


def bench_batch_http(n: int, rounds: int, duration: float) -> dict[str, float]:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: make bench-tools (apt-get install wrk)")
    proposals = distinct_proposals(n)
    single = json.dumps(proposals[0]).encode()
    batch = json.dumps({"proposals": proposals}).encode()
    totals = {"single": [0, 0.0, 0.0], "batch": [0, 0.0, 0.0]}  # proposals, seconds, CPU s
    with tempfile.TemporaryDirectory(prefix="svcalc-bench-portal-") as tmp, \
            Server(workers=2, extra_args=("--max-requests", "0", "--timeout", "120"),
                   # one batch per worker at once: the default (1 heavy request at a time,
                   # svcalc/api/admission.py) would answer the second client 503 server-busy
                   env={"SVCALC_HEAVY_CONCURRENCY": "2"}) as server:
        script = wrk_script(Path(tmp) / "single.lua", "POST", single)
        run_wrk(server.url + "/v1/appraisals", script, 2, 8, 2)  # warm up; fails on any non-2xx
        post_back_to_back(server, "/v1/appraisals/batch", batch, 0.0, 2)
        for round_ in range(rounds):
            for name in (("single", "batch") if round_ % 2 == 0 else ("batch", "single")):
                if name == "single":
                    r = run_wrk_measured(server, "/v1/appraisals", script, duration, 8, 2)
                    done, seconds = r["requests"], r["duration_us"] / 1e6
                else:
                    r = post_back_to_back(server, "/v1/appraisals/batch", batch, duration, 2)
                    done, seconds = r["requests"] * n, r["seconds"]
                totals[name][0] += done
                totals[name][1] += seconds
                totals[name][2] += r["worker_cpu_s"]
    out: dict[str, float] = {"proposals": n}
    for name, (count, seconds, cpu) in totals.items():
        if count == 0:
            raise SystemExit(f"no {name} request finished: lengthen --duration")
        out[f"{name}_per_s"] = count / seconds
        out[f"{name}_cpu_ms"] = 1000 * cpu / count
    out["ratio"] = out["batch_per_s"] / out["single_per_s"]
    out["cpu_ratio"] = out["batch_cpu_ms"] / out["single_cpu_ms"]
    return out


def _best(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_monte_carlo(iterations: int, years: int, repeat: int) -> dict[str, float]:
    proposal = Proposal(
        term_years=years,
        public=PublicSide(baseline_annual_cost=1_000.0, annual_payment=880.0,
                          retained_costs=40.0, discount_rate=0.035),
        supplier=SupplierSide(annual_operating_cost=820.0, upfront_investment=300.0,
                              cost_of_capital=0.08),
    )
    f = resolve(proposal)
    pub, sup = public_net(f), supplier_net(f)
    ranges = {"public_saving": InputRange(-0.41, 0.0), "upfront_costs": InputRange(0.0, 0.5),
              "supplier_operating_cost": InputRange(0.0, 0.41)}

    def draws() -> dict[str, np.ndarray]:
        rng = np.random.default_rng(7)
        return {k: draw(rng, ranges[k], iterations) for k in SIMULATION_INPUTS}

    def simulation() -> tuple[np.ndarray, np.ndarray]:
        return npvs(f, pub, sup, draws())

    x = draws()
    opex = np.concatenate(((0.0,), f.supplier_opex))

    def npf_loop() -> tuple[np.ndarray, np.ndarray]:
        p_out, s_out = np.empty(iterations), np.empty(iterations)
        for i in range(iterations):
            p = pub * (1.0 + x["public_saving"][i])
            p[0] = pub[0] * (1.0 + x["upfront_costs"][i])
            p_out[i] = npf.npv(0.035, p)
            s_out[i] = npf.npv(0.08, sup - x["supplier_operating_cost"][i] * opex)
        return p_out, s_out

    vec = simulation()
    ref = npf_loop()
    for a, b in zip(vec, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)
    t_draw = _best(draws, repeat)
    t_sim = _best(simulation, repeat)
    t_npf = _best(npf_loop, 1)
    return {"iterations": iterations, "years": years, "draw_ms": 1e3 * t_draw,
            "simulation_ms": 1e3 * t_sim, "npf_loop_ms": 1e3 * t_npf,
            "simulation_over_draw": t_sim / t_draw, "npf_over_simulation": t_npf / t_sim}


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; correctness only")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    args = parser.parse_args(argv)
    out: dict[str, dict[str, float]] = {}
    if args.quick:
        out["http"] = bench_batch_http(5, 1, 1.0)
        out["in_process"] = bench_batch_in_process(5, 1)
        out["monte_carlo"] = bench_monte_carlo(500, 30, 1)
    else:
        out["http"] = bench_batch_http(1_000, args.rounds, args.duration)
        out["in_process"] = bench_batch_in_process(1_000, args.rounds)
        out["monte_carlo"] = bench_monte_carlo(10_000, 30, 20)
    def verdict(value: float, floor: float) -> str:
        return f"floor <= {floor:g}x: {'met' if value <= floor else 'MISSED'}"

    h = out["http"]
    print(f"batch vs single over HTTP (gunicorn 2 workers; singles by wrk at 8 connections, "
          f"batches by 2 clients; {h['proposals']:.0f} distinct 25-year proposals per batch): "
          f"single {h['single_per_s']:.0f}/s at {h['single_cpu_ms']:.2f} ms CPU each, batch "
          f"{h['batch_per_s']:.0f}/s at {h['batch_cpu_ms']:.2f} ms CPU each; batch/single CPU "
          f"per proposal {h['cpu_ratio']:.2f}x ({verdict(h['cpu_ratio'], FLOOR_BATCH)}), "
          f"throughput ratio {h['ratio']:.2f}x (for information)")
    b = out["in_process"]
    print(f"batch vs single in-process (Flask test client, no HTTP), {b['proposals']:.0f} "
          f"proposals: single {b['single_per_s']:.0f}/s, batch {b['batch_per_s']:.0f}/s, "
          f"ratio {b['ratio']:.2f}x")
    mc = out["monte_carlo"]
    print(f"Monte Carlo {mc['iterations']:.0f} x {mc['years']:.0f} years, both sides: "
          f"simulation {mc['simulation_ms']:.3f} ms, drawing alone {mc['draw_ms']:.3f} ms "
          f"(ratio {mc['simulation_over_draw']:.2f}x, "
          f"{verdict(mc['simulation_over_draw'], FLOOR_MONTE_CARLO)}), npf loop "
          f"{mc['npf_loop_ms']:.1f} ms ({mc['npf_over_simulation']:.0f}x faster, target >= 100x)")
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
