"""POST /v1/appraisals: appraise one proposal."""

from __future__ import annotations

from http import HTTPStatus

from flask import Response, current_app
from flask_smorest import Blueprint

from svcalc import core
from svcalc.api import examples
from svcalc.api.schemas import AppraisalSchema, ProposalSchema

#: The response schema, dumping for orjson (the cash-flow table written as JSON at once).
_APPRAISAL = AppraisalSchema()

bp = Blueprint("appraisals", __name__, url_prefix="/v1",
               description="Business-case appraisals of proposed partnerships")

#: Status codes every body-taking operation can answer besides 200 and 422.
BODY_ERRORS = {status: HTTPStatus(status).name for status in (400, 413, 415)}


def document_body_errors(func):  # type: ignore[no-untyped-def]
    """Declare the problem+json answers of an operation that reads a JSON body."""
    for status, name in BODY_ERRORS.items():
        func = bp.alt_response(status, response=name)(func)
    return func


@bp.post("/appraisals")
@bp.arguments(ProposalSchema(), example=examples.PROPOSAL)
@bp.response(200, AppraisalSchema, example=examples.appraisal_example())
@document_body_errors
def create_appraisal(proposal: core.Proposal) -> Response:
    """Appraise a proposed partnership

    Returns the business case for both sides: the public body's NPV, IRR, payback, peak funding
    need and time to first saving against business as usual (Green Book STPR), the supplier's
    NPV, IRR, payback and margins at its cost of capital, the partnership's support ratio, and
    the year-by-year cash-flow table. Every headline figure is also given risk-adjusted (Green
    Book optimism bias, see risk), with switching values and a tornado table (sensitivity), the
    over-bullish or one-sided assumptions found (flags), and the verdict: not_viable,
    over_bullish, viable_with_cautions or robust, with the flags that drove it. The body may be
    sent as application/json or as text/plain carrying JSON (for spreadsheet add-ins).
    """
    from svcalc.api.portal import check_simulation

    check_simulation(proposal)
    response: Response = current_app.json.response(  # type: ignore[attr-defined]
        _APPRAISAL.dump_for_orjson(core.appraise(proposal)))
    return response
