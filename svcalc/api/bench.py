"""Benchmark floors: ``GET /bench/hello`` and ``POST /bench/echo`` (``bench/`` measures them).

DESIGN.md section 11 sets the appraisal's speed as a ratio against floors measured in the same
run: (a) a bare Flask hello, and (b) a *validated echo* that parses and validates the proposal
with the same schema and parser as ``POST /v1/appraisals`` and returns a precomputed appraisal
serialised by the same response schema, with no computation. The appraisal's time above (b) is
therefore its own compute.

These routes are not part of the API: they are registered only when ``BENCH_ENDPOINTS`` is true
(``SVCALC_BENCH_ENDPOINTS=true``), and even then outside flask-smorest's ``Api``, so neither the
served nor the committed ``openapi.yaml`` ever lists them.
"""

from __future__ import annotations

from typing import Any

import flask
from flask_smorest import Blueprint

from svcalc import core
from svcalc.api.schemas import AppraisalSchema, ProposalSchema


def _years(start: float, step: float, n: int = 25) -> list[float]:
    return [round(start + step * t + 0.37 * (t % 3), 2) for t in range(n)]


#: A 25-year proposal with every yearly figure given as a list (about 2 KB of JSON, the shape a
#: portal sends when it models a profile): the body of every (b) and (c) request.
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


def create_blueprint() -> Blueprint:
    """The two floor endpoints; the echo's answer is computed once, here."""
    bp = Blueprint("bench", __name__, url_prefix="/bench")
    precomputed = core.appraise(ProposalSchema().load(BENCH_PROPOSAL))

    @bp.get("/hello")
    def hello() -> flask.Response:
        return flask.Response("hello\n", mimetype="text/plain")

    @bp.post("/echo")
    @bp.arguments(ProposalSchema())
    @bp.response(200, AppraisalSchema)
    def echo(proposal: core.Proposal) -> core.Appraisal:
        return precomputed

    return bp


def register(app: flask.Flask) -> None:
    """Register the floors when ``BENCH_ENDPOINTS`` is set; never through the Api (no spec)."""
    if app.config.get("BENCH_ENDPOINTS"):
        app.register_blueprint(create_blueprint())
