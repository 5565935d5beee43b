"""POST /v1/reports: the board report of one proposal, as HTML or PDF.

The operation loads and appraises the proposal exactly as ``POST /v1/appraisals`` does (the
same schema, the same 422 problem details), then hands the appraisal's response body to
:mod:`svcalc.report.document`. That module, Jinja2's templates, vl-convert and WeasyPrint are
imported inside the view, on the first report: a JSON appraisal never loads them
(``tests/test_boundaries.py``).

A report takes its own compute budget (``REPORT_COMPUTE_BUDGET_SECONDS``): drawing the charts and
laying out a PDF costs tens to hundreds of times the appraisal it shows (``bench/report.py``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from svcalc import core
from svcalc.api import admission, examples, limits
from svcalc.api.render import body
from svcalc.api.schemas.fields import doc
from svcalc.api.schemas.proposal import ProposalSchema
from svcalc.api.views import check_simulation, document_body_errors, document_busy

bp = Blueprint("reports", __name__, url_prefix="/v1",
               description="Board reports: the appraisal as a document people read")

FORMATS = {"html": "text/html", "pdf": "application/pdf"}

#: The documented examples are each document's opening (the report of examples.PROPOSAL
#: begins so, whatever the day): tests/test_contract.py checks that a body starts with it.
HTML_OPENING = ('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                "<title>Revenues and benefits outsourcing: Viable with cautions</title>")
PDF_OPENING = "%PDF-1.7"

#: What drawing a report costs on top of its appraisal, in admission units (~1 ms of one idle
#: core): worker CPU per report of the worked example, bench/RESULTS.md "Reports" (216 ms for
#: HTML, 1.23 s for PDF). A PDF is heavy work (over HEAVY_REQUEST_COST) and takes a slot.
REPORT_UNITS = {"html": 200.0, "pdf": 1200.0}


class ReportQuerySchema(Schema):
    """The representation of the report."""

    format = fields.String(
        load_default="html", validate=validate.OneOf(tuple(FORMATS)),
        metadata=doc("html (default): one self-contained page, its style and charts inline, to "
                     "read on screen or save; pdf: the same report laid out on A4 pages for a "
                     "board pack.", "html"))


@bp.post("/reports")
@limits.budget(limits.REPORT_KEY)
@bp.arguments(ProposalSchema(), example=examples.PROPOSAL)
@bp.arguments(ReportQuerySchema(), location="query", unknown=RAISE)
@bp.response(200, {"type": "string", "description": "format=html: the report as an HTML "
                   "page (UTF-8); the example is its opening."},
             content_type=FORMATS["html"], example=HTML_OPENING)
@bp.alt_response(200, schema={"type": "string", "format": "binary", "description": "format=pdf: "
                              "the report as a PDF (A4); the example is its opening."},
                 content_type=FORMATS["pdf"], success=True, example=PDF_OPENING,
                 description="OK")
@document_body_errors(bp)
@document_busy(bp)
def create_report(proposal: core.Proposal, query: dict[str, Any]) -> Response:
    """Write the board report of a proposed partnership

    The body is a proposal as for POST /v1/appraisals, and a proposal that operation refuses
    gets the same 422 problem details here. The report leads with the verdict and its
    headline, then the five-case questions it answers (economic: NPSV; commercial: the
    supplier's sustainability; financial: upfront need and time to savings), both sides'
    headline figures as stated and risk-adjusted, charts (each side's cumulative cash flow as
    stated and risk-adjusted, the tornado, the supplier's margin under cost overruns, the Monte
    Carlo distribution when the proposal asks for a simulation, channel migration with a
    channel shift) each with a table of its numbers, the flags, social value and the three
    scores. Its footer makes it reproducible: svcalc's version, the reference data's version,
    the date and the SHA-256 of the request body as received. format=html (default) or pdf.
    """
    check_simulation(proposal)
    admission.admit(admission.proposal_cost(proposal) + REPORT_UNITS[query["format"]])
    from svcalc.report import document

    appraisal = body(core.appraise(proposal))
    page = document.html(appraisal, proposal, request.get_data(cache=True))
    if query["format"] == "pdf":
        return Response(document.pdf(page), mimetype=FORMATS["pdf"],
                        headers={"Content-Disposition": 'inline; filename="appraisal.pdf"'})
    return Response(page, mimetype=FORMATS["html"])
