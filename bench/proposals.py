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


def every_block(term: int = 60) -> dict[str, Any]:
    """The costliest report: ``term`` years (60, the most) with every optional block at its
    largest (100 social-value outcomes, five channels, a simulation of 100,000 scenarios in 100
    bins, the longest risk evidence), so that every chart and every table is drawn at its
    longest."""
    def years(start: float, step: float) -> list[float]:
        return [start + step * t for t in range(term)]

    return {
        "name": f"{term} years with every optional block",
        "partnership_model": "channel_shift",
        "term_years": term,
        "price_basis": "nominal",
        "inflation": 0.02,
        "public": {
            "baseline_annual_cost": years(10_000_000, 10_000),
            "annual_payment": years(9_200_000, 8_000),
            "retained_costs": [300_000.0] * term,
            "upfront_costs": {"procurement": 500_000, "transition": 400_000, "it": 600_000,
                              "legal": 100_000, "other": 50_000},
        },
        "supplier": {"upfront_investment": 2_000_000,
                     "annual_operating_cost": years(8_300_000, 7_000),
                     "other_income": [100_000.0] * term, "cost_of_capital": 0.08},
        "risk": {"project_type": "non_standard_buildings", "stage": "strategic_outline",
                 "mitigation": 0.3, "evidence": ["a costed risk register " + "x" * 270] * 20,
                 "contingency": 250_000},
        "channel_shift": {
            "annual_contacts": 900_000, "contact_growth": 0.01, "years_to_target": 10,
            "borne_by": "supplier", "avoidable_contact_now": 0.3,
            "avoidable_contact_target": 0.2,
            "channels": [
                {"channel": "face_to_face", "unit_cost": 8.62, "share_now": 0.2,
                 "share_target": 0.1},
                {"channel": "telephone", "unit_cost": 2.83, "share_now": 0.4,
                 "share_target": 0.3},
                {"channel": "post", "unit_cost": 5.0, "share_now": 0.1, "share_target": 0.05},
                {"channel": "email", "unit_cost": 1.5, "share_now": 0.1, "share_target": 0.1},
                {"channel": "online", "unit_cost": 0.15, "share_now": 0.2,
                 "share_target": 0.45}]},
        "social_value": {"base_calendar_year": 2026, "outcomes": [
            {"name": f"Outcome {i} " + "x" * 180, "quantity": 10 + i, "unit_value": 1_000 + i,
             "source": "s" * 500, "start_year": 1 + i % 30, "duration_years": 30,
             "deadweight": 0.2, "attribution": 0.1, "displacement": 0.1, "drop_off": 0.05,
             "evidence_grade": 1 + i % 5} for i in range(100)]},
        "acceptability": {"citizen_support": 0.6, "staff_support": 0.5,
                          "assisted_digital": True, "retains_face_to_face": True,
                          "open_book": True, "performance_regime": True,
                          "jobs_transferred": 100, "jobs_lost": 5},
        "simulation": {"iterations": 100_000, "seed": 1, "bins": 100},
    }
