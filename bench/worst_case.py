"""The costliest valid proposals found, and how long svcalc takes on them.

``python -m bench.worst_case`` times each through the full HTTP stack (test client: parse,
validate, appraise, serialise) and prints the slowest; bench/RESULTS.md records the figures.

Why these: the work of an appraisal is linear in ``term_years`` (capped at 60) except the IRR
solver, which evaluates the NPV polynomial on a 160-point grid and then polishes every bracket
(sign change) with at most 100 safeguarded Newton steps. Flows whose sign alternates every year
give the most brackets (Descartes: up to 60 roots); flows with huge and tiny magnitudes make
Newton fall back to bisection most often.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

TERM = 60
BIG = 1e12


def _base(name: str, baseline: Any, payment: Any, opex: Any, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "term_years": TERM,
        "public": {"baseline_annual_cost": baseline, "annual_payment": payment,
                   "retained_costs": [0.0] * TERM,
                   "upfront_costs": {"procurement": BIG, "transition": BIG, "it": BIG,
                                     "legal": BIG, "other": BIG}},
        "supplier": {"upfront_investment": BIG, "annual_operating_cost": opex,
                     "other_income": [0.0] * TERM},
    }
    body.update(extra)
    return body


def worst_proposals() -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, JSON body) of valid proposals chosen to be as slow as possible."""
    alternating = [BIG if t % 2 else 0.0 for t in range(TERM)]
    flat = [BIG / 2] * TERM
    yield "alternating signs, 60 years", _base("alt", alternating, flat, alternating)
    # Signs alternate with magnitudes spanning 24 orders: the polynomial is badly scaled.
    spread = [BIG / 10 ** (t % 25) for t in range(TERM)]
    yield "alternating, magnitudes 1e-12..1e12", _base(
        "spread", [s if t % 2 else 0.0 for t, s in enumerate(spread)], [s / 2 for s in spread],
        [s if t % 2 == 0 else 0.0 for t, s in enumerate(spread)])
    # A root very near the edge of the search range (IRR close to -99%).
    yield "IRR near -99%", _base("edge", [1.0] * TERM, [0.0] * TERM, [BIG] * TERM,
                                  price_basis="nominal", inflation=0.99)
    # Sign changes every third year, flat public discount rate at its bounds.
    thirds = [BIG if t % 3 == 0 else 1.0 for t in range(TERM)]
    body = _base("thirds", thirds, [BIG / 3] * TERM, thirds[::-1])
    body["public"]["discount_rate"] = -0.98
    body["supplier"]["cost_of_capital"] = 1.0
    yield "sign change every 3rd year, extreme rates", body


def main(repeat: int = 20) -> None:
    from svcalc.app import create_app

    client = create_app({"TESTING": True, "COMPUTE_BUDGET_SECONDS": 0}).test_client()
    worst = 0.0
    for name, body in worst_proposals():
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.post("/v1/appraisals", json=body)
            times.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"{name}: {response.status_code} {json.dumps(response.json)[:300]}")
        irr = response.json["public"]["irr"], response.json["supplier"]["irr"]
        slowest = max(times) * 1000
        worst = max(worst, slowest)
        print(f"{name:45s} median {sorted(times)[len(times) // 2] * 1000:7.2f} ms  "
              f"max {slowest:7.2f} ms  irr {irr}")
    print(f"worst-case request: {worst:.2f} ms (full stack, test client, {repeat} runs each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
