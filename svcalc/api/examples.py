"""Worked examples: used in the OpenAPI document and replayed by the tests."""

from __future__ import annotations

import json
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
    return {"status": "ok", "version": __version__, "reference_version": REFERENCE["version"],
            "database": "ok"}


#: The worked example as an organisation saved it (issue 17). The tests seed this record into
#: every database they make (tests/store_fixtures.py), so the documented examples of the saved
#: appraisals' operations replay: the save is a retry with the same Idempotency-Key.
SAVED: dict[str, Any] = {
    "id": "01M8V1DSE07XJ3C9T4VAQ2M5RB",  # made at 2026-12-02T09:30:00Z (svcalc.store.ids)
    "saved_at": "2026-12-02T09:30:00.000Z",
    "organisation": "Example Council",
    "request_id": "portal-42.7",
    "idempotency_key": "portal-run-42",
}
#: The proposal's text as the example request sends it.
SAVED_PROPOSAL_TEXT = json.dumps(PROPOSAL)


def saved_example() -> dict[str, Any]:
    """The saved worked example as GET /v1/saved-appraisals/{id} answers it."""
    from svcalc.store.appraisals import fingerprint

    result = appraisal_example()
    return {**SAVED, "name": PROPOSAL["name"], "rating": result["verdict"]["rating"],
            "method_version": result["method"]["version"],
            "reference_version": result["method"]["reference_version"],
            "proposal_sha256": fingerprint(SAVED_PROPOSAL_TEXT), "proposal": PROPOSAL,
            "result": result}


def saved_summary_example() -> dict[str, Any]:
    """The saved worked example as a page of GET /v1/saved-appraisals lists it."""
    saved = saved_example()
    return {k: saved[k] for k in ("id", "saved_at", "name", "rating", "method_version",
                                  "reference_version", "proposal_sha256")}


def reference_example() -> dict[str, Any]:
    """The response of GET /v1/reference: the reference data as the API serialises it."""
    result: dict[str, Any] = ReferenceSchema().dump(REFERENCE)
    return result
