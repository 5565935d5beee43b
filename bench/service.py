"""HTTP benchmark: one appraisal on this tree against the code before the simplification.

    python -m bench.service [--baseline REF] [--rounds 4] [--duration 5] [--connections 8]

Floor (b): a single appraisal's worker CPU per request and its p99 latency are at most 1.5x
those of the baseline commit (default :data:`BASELINE`), measured in one run. The baseline is
checked out in a temporary ``git worktree``; it and this tree are each served under gunicorn (2
sync workers, 127.0.0.1, the same venv, each importing its own svcalc). Both must answer ``POST
/v1/appraisals`` with :data:`~bench.proposals.BENCH_PROPOSAL` (200 with a verdict); then wrk
rounds alternate between them for ``--rounds`` rounds, and the script prints throughput, p50/p99
latency, worker CPU per request and the ratios new/old. The ratios are reported with met/MISSED,
never asserted. Every wrk run must finish with no socket errors and no non-2xx answer, or the
script exits non-zero. ``--short`` is the CI mode: one 1 s round, correctness only; without git
or the baseline ref it serves this tree alone and says why.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.proposals import BENCH_PROPOSAL
from bench.server import ROOT, Server, cpu_seconds

#: The last commit before the simplification (the speed-only machinery was removed after it).
BASELINE = "2784e6b"
#: New / old, for both worker CPU per request and p99 latency.
FLOOR = 1.5

LUA = """
wrk.method = "{method}"
wrk.headers["Content-Type"] = "application/json"
{headers}{body}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "mean_us": %f}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""


def wrk_script(path: Path, method: str, body: bytes | None = None,
               headers: dict[str, str] | None = None) -> Path:
    """Write wrk's Lua script to ``path``: ``method`` with ``body`` (kept beside it) and
    ``headers``, and the summary line :func:`run_wrk` reads."""
    line = ""
    if body is not None:
        data = path.with_suffix(".json")
        data.write_bytes(body)
        line = f'wrk.body = io.open("{data}", "rb"):read("*a")'
    extra = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in (headers or {}).items())
    path.write_text(LUA.format(method=method, headers=extra, body=line))
    return path


def check_answer(base: str, body: bytes) -> bytes:
    """``POST /v1/appraisals`` answers 200 with a verdict (the bench measures right answers)."""
    request = urllib.request.Request(base + "/v1/appraisals", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200, response.status
        answer = response.read()
    assert json.loads(answer)["verdict"]["rating"], "no verdict"
    return answer


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


def baseline_unavailable(ref: str) -> str | None:
    """Why ``ref`` cannot be checked out here, or None."""
    if not shutil.which("git"):
        return "git is not installed"
    found = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet",
                            f"{ref}^{{commit}}"], capture_output=True)
    return None if found.returncode == 0 else f"{ref} is not a commit of {ROOT}"


@contextlib.contextmanager
def worktree(ref: str) -> Iterator[Path]:
    """``ref`` checked out (detached) in a temporary git worktree, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="svcalc-baseline-") as tmp:
        path = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), ref],
                       check=True, capture_output=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
                           capture_output=True)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help="git ref of the old code")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--short", action="store_true", help="CI mode: 1 round of 1 s each")
    args = parser.parse_args(argv)
    if args.short:
        args.rounds, args.duration = 1, 1.0
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does this)")
    why = baseline_unavailable(args.baseline)
    if why and not args.short:
        raise SystemExit(f"no baseline: {why}")
    if why:
        print(f"baseline skipped: {why}")

    body = json.dumps(BENCH_PROPOSAL).encode()
    server_args = ("--max-requests", "0")
    with tempfile.TemporaryDirectory(prefix="svcalc-bench-") as tmp, \
            contextlib.ExitStack() as stack:
        script = wrk_script(Path(tmp) / "post.lua", "POST", body)
        servers = {"new": stack.enter_context(Server(workers=2, extra_args=server_args))}
        if not why:
            tree = stack.enter_context(worktree(args.baseline))
            servers["old"] = stack.enter_context(
                Server(workers=2, extra_args=server_args, root=tree))
        answers = {name: check_answer(s.url, body) for name, s in servers.items()}
        if not args.short:  # warm up each worker's imports and caches before measuring
            for s in servers.values():
                run_wrk(s.url + "/v1/appraisals", script, 1, args.connections, args.threads)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
        for round_ in range(args.rounds):
            order = list(servers) if round_ % 2 == 0 else list(servers)[::-1]  # alternate
            for name in order:
                runs[name].append(run_wrk_measured(servers[name], "/v1/appraisals", script,
                                                   args.duration, args.connections,
                                                   args.threads))
        for s in servers.values():
            check_answer(s.url, body)
        specs = {}
        for name, s in servers.items():
            with urllib.request.urlopen(s.url + "/openapi.json", timeout=10) as response:
                specs[name] = response.read()

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
    print(f"svcalc HTTP bench: POST /v1/appraisals ({len(body)} B), gunicorn 2 sync workers "
          f"each, wrk -t{args.threads} -c{args.connections}, {args.rounds} round(s) x "
          f"{args.duration:g} s, alternating; old = {'none' if why else args.baseline}, "
          f"new = this tree")
    print(f"{'tree':6s} {'requests':>9s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} "
          f"{'CPU ms/req':>11s} {'openapi.json B':>15s}")
    for name, s in summary.items():
        print(f"{name:6s} {s['requests']:9d} {s['rps']:9.0f} {s['p50_ms']:8.2f} "
              f"{s['p99_ms']:8.2f} {s['cpu_ms']:11.3f} {len(specs[name]):15d}")
    ratios: dict[str, float] = {}
    if "old" in summary:
        new, old = summary["new"], summary["old"]
        ratios = {"cpu_new_over_old": new["cpu_ms"] / old["cpu_ms"],
                  "p99_new_over_old": new["p99_ms"] / old["p99_ms"],
                  "throughput_new_over_old": new["rps"] / old["rps"],
                  "p50_new_over_old": new["p50_ms"] / old["p50_ms"]}
        print(f"answers: {'identical' if answers['new'] == answers['old'] else 'differ'}; "
              f"served openapi.json: {'identical' if specs['new'] == specs['old'] else 'differ'}")
        for key, value in ratios.items():
            verdict = ""
            if key in ("cpu_new_over_old", "p99_new_over_old"):
                verdict = f"  (floor <= {FLOOR}: {'met' if value <= FLOOR else 'MISSED'})"
            print(f"{key:24s} {value:6.3f}{verdict}")
    return {"summary": summary, "ratios": ratios, "baseline": None if why else args.baseline}


if __name__ == "__main__":
    main(sys.argv[1:])
