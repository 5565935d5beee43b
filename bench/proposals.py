"""The benchmarks' request bodies: a 25-year proposal with yearly profiles, and distinct copies."""

from __future__ import annotations

import copy
from typing import Any


def _years(start: float, step: float, n: int = 25) -> list[float]:
    return [round(start + step * t + 0.37 * (t % 3), 2) for t in range(n)]


#: A 25-year proposal with every yearly figure given as a list (about 2 KB of JSON, the shape a
#: portal sends when it models a profile): the body of every benchmarked appraisal.
BENCH_PROPOSAL: dict[str, Any] = {
    "name": "Benchmark: 25-year shared service with yearly profiles",
    "partnership_model": "shared_service",
    "term_years": 25,
    "public": {
        "baseline_annual_cost": _years(12_000_000.0, 60_000.0),
        "upfront_costs": {"procurement": 350_000, "transition": 900_000, "it": 1_200_000,
                          "legal": 150_000, "other": 50_000},
        "annual_payment": _years(10_400_000.0, 41_000.0),
        "retained_costs": _years(600_000.0, 2_500.0),
    },
    "supplier": {
        "upfront_investment": 1_800_000,
        "annual_operating_cost": _years(9_600_000.0, 36_000.0),
        "other_income": _years(150_000.0, 5_000.0),
        "cost_of_capital": 0.085,
    },
}


def distinct_proposals(n: int) -> list[dict[str, Any]]:
    """``n`` distinct copies of :data:`BENCH_PROPOSAL`, each with its own name and baseline (a
    batch must not be able to reuse one answer for several items)."""
    out = []
    for i in range(n):
        p = copy.deepcopy(BENCH_PROPOSAL)
        p["name"] = f"bid {i}"
        p["public"]["baseline_annual_cost"] = [v + 1_000 * i
                                               for v in p["public"]["baseline_annual_cost"]]
        out.append(p)
    return out
