"""POST /v1/appraisals: appraise one proposal."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from svcalc import core
from svcalc.api import admission, examples
from svcalc.api.schemas.appraisal import AppraisalSchema
from svcalc.api.schemas.proposal import ProposalSchema
from svcalc.api.views import check_simulation, document_body_errors, json_response

bp = Blueprint("appraisals", __name__, url_prefix="/v1",
               description="Business-case appraisals of proposed partnerships")


@bp.post("/appraisals")
@bp.arguments(ProposalSchema(), example=examples.PROPOSAL)
@bp.response(200, AppraisalSchema, example=examples.appraisal_example())
@document_body_errors(bp)
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
    check_simulation(proposal)
    admission.admit(admission.proposal_cost(proposal))
    return json_response(core.appraise(proposal))
