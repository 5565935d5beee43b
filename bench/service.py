"""HTTP benchmark: the full appraisal against its floors, interleaved in one run (DESIGN.md 11).

    python -m bench.service [--rounds 3] [--duration 5] [--connections 8]

Starts svcalc under gunicorn (2 sync workers, 127.0.0.1, bench endpoints on), checks that each
endpoint answers correctly, then runs wrk against (a) ``GET /bench/hello``, (b) ``POST
/bench/echo`` (same parser, schema and response serialisation as the appraisal, no compute) and
(c) ``POST /v1/appraisals`` in rotating order for ``--rounds`` rounds, and prints throughput,
p50/p99 latency and the ratios (c)/(b) and (c)/(a). Every wrk run must finish with no socket
errors and no non-2xx answer, or the script exits non-zero. ``--short`` is the CI mode: one
short round, correctness only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from bench.server import Server, cpu_seconds
from svcalc.api.bench import BENCH_PROPOSAL

TARGETS = {"throughput_c_over_b": 0.85, "p99_c_over_b": 1.5, "capacity_c_over_b": 0.85}

LUA = """
wrk.method = "{method}"
wrk.headers["Content-Type"] = "application/json"
{body}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "mean_us": %f}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""


def _post(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def check_answers(base: str, body: bytes) -> None:
    """The three endpoints answer correctly before any load (the bench measures right answers)."""
    with urllib.request.urlopen(base + "/bench/hello", timeout=10) as response:
        assert response.read() == b"hello\n"
    echo_status, echo = _post(base + "/bench/echo", body)
    real_status, real = _post(base + "/v1/appraisals", body)
    assert echo_status == real_status == 200, (echo_status, real_status)
    assert echo == real, "the echo floor must return the very bytes of the appraisal"
    assert json.loads(real)["public"]["npv"] is not None


def run_wrk(url: str, script: Path, duration: float, connections: int,
            threads: int) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s",
         "--timeout", "10s", "-s", str(script), url],
        capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line[len("RESULT "):])
    errors = {k: result[k] for k in ("connect", "read", "write", "status", "timeout")}
    if any(errors.values()):
        raise SystemExit(f"wrk saw errors on {url}: {errors}\n{out}")
    return result


def run_wrk_measured(server: Server, path: str, script: Path, duration: float, connections: int,
                     threads: int) -> dict[str, Any]:
    """:func:`run_wrk` against ``server``, with the CPU its workers spent meanwhile
    (``worker_cpu_s``): steadier than req/s when other work shares the machine."""
    workers = server.worker_pids()
    cpu_before = cpu_seconds(workers)
    result = run_wrk(server.url + path, script, duration, connections, threads)
    result["worker_cpu_s"] = cpu_seconds(workers) - cpu_before
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--short", action="store_true", help="CI mode: 1 round of 1 s each")
    args = parser.parse_args(argv)
    if args.short:
        args.rounds, args.duration = 1, 1.0
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does this)")

    body = json.dumps(BENCH_PROPOSAL).encode()
    with tempfile.TemporaryDirectory(prefix="svcalc-bench-") as tmp:
        (Path(tmp) / "body.json").write_bytes(body)
        get_lua, post_lua = Path(tmp) / "get.lua", Path(tmp) / "post.lua"
        get_lua.write_text(LUA.format(method="GET", body=""))
        post_lua.write_text(LUA.format(
            method="POST", body=f'wrk.body = io.open("{tmp}/body.json", "rb"):read("*a")'))
        endpoints = {
            "a_hello": ("/bench/hello", get_lua),
            "b_echo": ("/bench/echo", post_lua),
            "c_appraisal": ("/v1/appraisals", post_lua),
        }
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in endpoints}
        with Server(workers=2, extra_args=("--max-requests", "0")) as server:
            check_answers(server.url, body)
            # Warm up each worker's imports and caches before measuring.
            for path, script in endpoints.values():
                run_wrk(server.url + path, script, 1, args.connections, args.threads)
            order = list(endpoints)
            for round_ in range(args.rounds):
                for name in order[round_ % 3:] + order[:round_ % 3]:  # rotate: no fixed slot
                    path, script = endpoints[name]
                    runs[name].append(run_wrk_measured(server, path, script, args.duration,
                                                       args.connections, args.threads))
            check_answers(server.url, body)

    summary: dict[str, Any] = {}
    for name, results in runs.items():
        total = sum(r["requests"] for r in results)
        seconds = sum(r["duration_us"] for r in results) / 1e6
        summary[name] = {
            "requests": total,
            "rps": total / seconds,
            "p50_ms": statistics.median(r["p50_us"] for r in results) / 1000,
            "p99_ms": statistics.median(r["p99_us"] for r in results) / 1000,
            # Worker CPU per request: what the server spends, whatever else the machine runs.
            "cpu_ms": 1000 * sum(r["worker_cpu_s"] for r in results) / total,
        }
    a, b, c = summary["a_hello"], summary["b_echo"], summary["c_appraisal"]
    ratios = {
        "throughput_c_over_b": c["rps"] / b["rps"],
        "throughput_c_over_a": c["rps"] / a["rps"],
        "p99_c_over_b": c["p99_ms"] / b["p99_ms"],
        "p50_c_over_b": c["p50_ms"] / b["p50_ms"],
        # Capacity ratio from CPU per request (b's CPU / c's CPU): robust on a shared machine.
        "capacity_c_over_b": b["cpu_ms"] / c["cpu_ms"],
    }
    print(f"svcalc HTTP bench: gunicorn 2 sync workers, wrk -t{args.threads} "
          f"-c{args.connections}, {args.rounds} round(s) x {args.duration:g} s, interleaved; "
          f"request body {len(body)} B")
    print(f"{'endpoint':14s} {'requests':>9s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} "
          f"{'CPU ms/req':>11s}")
    for name, s in summary.items():
        print(f"{name:14s} {s['requests']:9d} {s['rps']:9.0f} {s['p50_ms']:8.2f} "
              f"{s['p99_ms']:8.2f} {s['cpu_ms']:11.3f}")
    for key, value in ratios.items():
        target = TARGETS.get(key)
        verdict = ""
        if target is not None:
            higher = not key.startswith("p")
            met = value >= target if higher else value <= target
            verdict = f"  (target {'>=' if higher else '<='} {target}: " \
                      f"{'met' if met else 'MISSED'})"
        print(f"{key:22s} {value:6.3f}{verdict}")
    return {"summary": summary, "ratios": ratios}


if __name__ == "__main__":
    main(sys.argv[1:])
