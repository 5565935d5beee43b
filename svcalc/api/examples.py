"""Worked examples: used in the OpenAPI document and replayed by the tests."""

from __future__ import annotations

from typing import Any

from svcalc import __version__
from svcalc.api.render import body
from svcalc.api.schemas.proposal import ProposalSchema
from svcalc.api.schemas.reference import ReferenceSchema
from svcalc.core import appraise
from svcalc.core.reference import REFERENCE

#: A ten-year outsourcing of a revenues and benefits service: a 10% saving on a GBP 10m
#: in-house cost, modest upfront costs, a supplier margin of about 6.4%.
PROPOSAL: dict[str, Any] = {
    "name": "Revenues and benefits outsourcing",
    "partnership_model": "outsourcing",
    "term_years": 10,
    "public": {
        "baseline_annual_cost": 10_000_000,
        "upfront_costs": {
            "procurement": 250_000,
            "transition": 400_000,
            "it": 300_000,
            "legal": 100_000,
        },
        "annual_payment": 8_600_000,
        "retained_costs": 400_000,
    },
    "supplier": {
        "upfront_investment": 500_000,
        "annual_operating_cost": 8_000_000,
        "cost_of_capital": 0.08,
    },
}


def appraisal_example() -> dict[str, Any]:
    """The response to :data:`PROPOSAL`, computed (so the documented example is never stale)."""
    result: dict[str, Any] = body(appraise(ProposalSchema().load(PROPOSAL)))
    return result


def health_example() -> dict[str, Any]:
    """The response of GET /healthz for this version (replayed against the server by the tests)."""
    return {"status": "ok", "version": __version__, "reference_version": REFERENCE["version"]}


def reference_example() -> dict[str, Any]:
    """The response of GET /v1/reference: the reference data as the API serialises it."""
    result: dict[str, Any] = ReferenceSchema().dump(REFERENCE)
    return result
