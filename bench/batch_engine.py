"""The core's batch engine against one call per proposal (DESIGN.md section 11, the batch target).

``appraise_many`` against ``[appraise(p) for p in proposals]``, and ``irr_many`` against ``irr``
on the same proposals' two net cash flows: ``n`` distinct 25-year proposals (bench/portal.py's),
the cyclic garbage collector disabled (as the batch endpoint runs), rounds alternating so that
drift on a shared machine hits every variant, best of all rounds. Checks first that the batch
answers exactly (by repr) what the single calls answer.

    python bench/batch_engine.py [--n 1000] [--rounds 10] [--chunk 100]

``--chunk 100`` also times ``appraise_many`` called on chunks of that many proposals, as the
batch endpoint calls it (svcalc/api/portal.py ``_CHUNK``).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.portal import _proposals  # noqa: E402
from svcalc import core  # noqa: E402
from svcalc.api.schemas import ProposalSchema  # noqa: E402
from svcalc.core import finance  # noqa: E402
from svcalc.core.appraisal import public_net, resolve, supplier_net  # noqa: E402


def measure(n: int, rounds: int, chunk: int | None = None) -> dict[str, float]:
    """Best time per proposal (us) of each variant (with ``chunk``, also ``appraise_many`` on
    chunks of that many proposals: ``appraise_many_chunks``)."""
    schema = ProposalSchema()
    proposals = [schema.load(p) for p in _proposals(n)]
    assert repr(core.appraise_many(proposals)) == repr([core.appraise(p) for p in proposals])
    flows = [resolve(p) for p in proposals]
    series = [public_net(f) for f in flows] + [supplier_net(f) for f in flows]
    assert repr(finance.irr_many(series)) == repr([finance.irr(s) for s in series])
    variants: dict[str, Callable[[], Any]] = {
        "appraise": lambda: [core.appraise(p) for p in proposals],
        "appraise_many": lambda: core.appraise_many(proposals),
        "irr": lambda: [finance.irr(s) for s in series],
        "irr_many": lambda: finance.irr_many(series),
    }
    if chunk:
        variants["appraise_many_chunks"] = lambda: [
            core.appraise_many(proposals[i:i + chunk]) for i in range(0, n, chunk)]
    best = dict.fromkeys(variants, float("inf"))
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, run in variants.items():
                start = time.perf_counter()
                run()
                best[name] = min(best[name], time.perf_counter() - start)
    finally:
        if enabled:
            gc.enable()
    return {name: seconds / n * 1e6 for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="distinct proposals")
    parser.add_argument("--rounds", type=int, default=10, help="rounds; the best counts")
    parser.add_argument("--chunk", type=int, default=None,
                        help="also time appraise_many on chunks of this many proposals")
    args = parser.parse_args()
    us = measure(args.n, args.rounds, args.chunk)
    print(f"{args.n} proposals, best of {args.rounds} rounds, us per proposal:")
    print(f"  appraise one by one {us['appraise']:7.1f}   appraise_many {us['appraise_many']:7.1f}"
          f"   ({us['appraise'] / us['appraise_many']:.2f}x)")
    if args.chunk:
        print(f"  appraise_many in chunks of {args.chunk} {us['appraise_many_chunks']:7.1f}"
              f"   ({us['appraise'] / us['appraise_many_chunks']:.2f}x)")
    print(f"  both IRRs: irr      {us['irr']:7.1f}   irr_many      {us['irr_many']:7.1f}"
          f"   ({us['irr'] / us['irr_many']:.1f}x)")


if __name__ == "__main__":
    main()
