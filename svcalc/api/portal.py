"""Procurement-portal operations: POST /v1/appraisals/batch and POST /v1/comparisons.

A batch validates and appraises its proposals one by one, so one bad item fails alone: its result
is RFC 9457 problem details with its ``index`` and pointers into the batch body
(``#/proposals/3/public/annual_payment``). More proposals than ``MAX_BATCH_SIZE`` is a 422 naming
``#/proposals`` (not a 413: the body may be well within the byte limit; the count is a rule on a
field, like any other validation failure).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import orjson
from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from svcalc import core
from svcalc.api import admission, examples, limits
from svcalc.api.problems import PROBLEM_BASE, PROBLEM_TYPES, ProblemErrorSchema, flatten, pointer
from svcalc.api.render import body
from svcalc.api.schemas.appraisal import (
    FlagSchema,
    ScoresSchema,
    SustainableSchema,
    VerdictSchema,
)
from svcalc.api.schemas.fields import UNIT_MONEY, doc
from svcalc.api.schemas.proposal import MAX_ITERATIONS, ProposalSchema
from svcalc.api.views import check_simulation, document_body_errors, document_busy, json_response
from svcalc.core.comparison import BAU, compare
from svcalc.core.errors import ProposalError

bp = Blueprint("portal", __name__, url_prefix="/v1",
               description="Procurement portals: batches of proposals and options appraisals")

#: The hard cap a batch schema documents; the deployment's MAX_BATCH_SIZE may be lower.
MAX_BATCH = 1_000
MAX_OPTIONS = 20

_PROPOSAL = ProposalSchema()
#: A batch is appraised this many proposals at a time, so that a full batch never holds more
#: than this many appraisals (each answer is written as JSON as soon as it is made).
_CHUNK = 100


# --------------------------------------------------------------------------- schemas


class _ItemsAsGiven(fields.Field):
    """A list of JSON objects handed to the view as given, so that each item is validated on its
    own and one bad proposal cannot fail the batch. Documented as ``anyOf`` Proposal or any
    object: an object that is not a valid proposal is answered in its place; an item that is not
    an object at all makes the batch malformed (as in POST /v1/sheets/batch)."""

    default_error_messages = {"invalid": "Not a valid list.",
                              "length": f"Give between 1 and {MAX_BATCH:,} proposals."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        if not 1 <= len(value) <= MAX_BATCH:
            raise self.make_error("length")
        errors = {i: ["Not an object: each proposal is a JSON object."]
                  for i, item in enumerate(value) if not isinstance(item, dict)}
        if errors:
            raise ValidationError(errors)  # type: ignore[arg-type]
        return value


class BatchRequestSchema(Schema):
    """A batch of proposals, appraised independently, answered in order."""

    proposals = _ItemsAsGiven(required=True, metadata={
        "description": f"1 to {MAX_BATCH:,} proposals (the server's MAX_BATCH_SIZE may be lower; "
                       "more is a 422 at #/proposals). Each is validated on its own: an item "
                       "that is not a valid Proposal gets problem details in its place.",
        "type": "array", "minItems": 1, "maxItems": MAX_BATCH,
        "items": {"anyOf": [{"$ref": "#/components/schemas/Proposal"}, {
            "type": "object", "additionalProperties": True,
            "description": "Any other object is answered with a BatchItemProblem at its "
                           "index."}]}})


class BatchItemProblemSchema(Schema):
    """Why one proposal of a batch was not appraised (RFC 9457 problem details + its index)."""

    index = fields.Integer(required=True, metadata=doc(
        "Position of the proposal in the batch (0-based).", 3, "index"))
    type = fields.String(required=True, metadata=doc(
        "Problem type URI.", PROBLEM_BASE + "validation-error"))
    title = fields.String(required=True, metadata=doc("Short summary.", "Request is not valid"))
    status = fields.Integer(required=True, metadata=doc(
        "The status a single POST /v1/appraisals of this proposal would answer.", 422,
        "HTTP status code"))
    detail = fields.String(required=True, metadata=doc("What is wrong.", "1 field is invalid."))
    errors = fields.List(fields.Nested(ProblemErrorSchema), required=True, metadata={
        "description": "Every invalid field, pointing into the batch body "
                       "(#/proposals/<index>/...)."})


class BatchResultSchema(Schema):  # the contract: the view writes the body item by item
    """The results of a batch, in the order of the proposals."""

    results = fields.List(
        fields.Raw(metadata={"oneOf": [{"$ref": "#/components/schemas/Appraisal"},
                                       {"$ref": "#/components/schemas/BatchItemProblem"}]}),
        required=True,
        metadata={"description": "One per proposal, in order: its appraisal (as POST "
                                 "/v1/appraisals answers it) or, if it is invalid, its problem "
                                 "details with its index."})


class ComparisonOptionSchema(Schema):
    """One delivery option: a label and its proposal."""

    option = fields.String(required=True, validate=validate.Length(1, 100), metadata=doc(
        "A unique label (business_as_usual is reserved: it is added by the server).",
        "outsourcing"))
    proposal = fields.Nested(ProposalSchema, required=True)


class ComparisonRequestSchema(Schema):
    """Options for delivering one service, to be ranked against business as usual."""

    options = fields.List(
        fields.Nested(ComparisonOptionSchema), required=True,
        validate=validate.Length(1, MAX_OPTIONS),
        metadata={"description": f"1 to {MAX_OPTIONS} options. They must share term_years, the "
                                 "public discounting (discount_rate, or the STPR for all) and "
                                 "currency. Do not send business as usual: it is each "
                                 "proposal's baseline_annual_cost, and is ranked with NPSV 0."})

    @validates_schema
    def _check_basis(self, data: dict[str, Any], **_: Any) -> None:
        options = data.get("options") or []
        errors: dict[int, Any] = {}
        labels: set[str] = set()
        first = options[0]["proposal"] if options else None
        for i, opt in enumerate(options):
            p, bad = opt["proposal"], {}
            if opt["option"] in labels or opt["option"] == BAU:
                errors[i] = {"option": ["Must be unique, and not business_as_usual."]}
            labels.add(opt["option"])
            assert first is not None
            if p.term_years != first.term_years:
                bad["term_years"] = [f"Options must share term_years ({first.term_years}, as "
                                     "option 0): compare them over the same period."]
            if p.public.discount_rate != first.public.discount_rate:
                bad["public"] = {"discount_rate": ["Options must be discounted on the same "
                                                   "basis as option 0."]}
            if p.currency != first.currency:
                bad["currency"] = [f"Options must share a currency ({first.currency})."]
            if bad:
                errors.setdefault(i, {})["proposal"] = bad
        if errors:
            raise ValidationError({"options": errors})


class ComparedOptionSchema(Schema):
    """One option's place in the ranking."""

    rank = fields.Integer(required=True, metadata=doc("1 = preferred.", 1, "rank"))
    option = fields.String(required=True, metadata=doc("The option's label.", "outsourcing"))
    counterfactual = fields.Boolean(required=True, metadata=doc(
        "True for business as usual (added by the server, NPSV 0 by construction).", False,
        "boolean"))
    npsv_risk_adjusted = fields.Float(required=True, metadata=doc(
        "Risk-adjusted NPSV: public npv_risk_adjusted + social value present_value_risk_adjusted "
        "(the ranking figure).", 3_500_000.0, UNIT_MONEY))
    npsv = fields.Float(required=True, metadata=doc(
        "NPSV as stated: public NPV + social value PV.", 5_000_000.0, UNIT_MONEY))
    public_npv_risk_adjusted = fields.Float(required=True, metadata=doc(
        "Public NPV against business as usual, risk-adjusted.", 3_000_000.0, UNIT_MONEY))
    public_npv = fields.Float(required=True, metadata=doc(
        "Public NPV against business as usual, as stated.", 4_500_000.0, UNIT_MONEY))
    social_value_risk_adjusted = fields.Float(required=True, metadata=doc(
        "PV of monetised social value, risk-adjusted.", 500_000.0, UNIT_MONEY))
    social_value = fields.Float(required=True, metadata=doc(
        "PV of monetised social value as stated.", 500_000.0, UNIT_MONEY))
    supplier_npv = fields.Float(required=True, allow_none=True, metadata=doc(
        "The supplier's NPV at its cost of capital; null for business as usual.", 1_200_000.0,
        UNIT_MONEY))
    supplier_npv_risk_adjusted = fields.Float(required=True, allow_none=True, metadata=doc(
        "The supplier's NPV, risk-adjusted; null for business as usual.", -200_000.0,
        UNIT_MONEY))
    verdict = fields.Nested(VerdictSchema, required=True, allow_none=True, metadata={
        "description": "The option's verdict; null for business as usual."})
    sustainable = fields.Nested(SustainableSchema, required=True, allow_none=True, metadata={
        "description": "Risk-adjusted sustainability per side; null for business as usual."})
    flags = fields.List(fields.Nested(FlagSchema), required=True, metadata={
        "description": "The option's flags (empty for business as usual)."})
    scores = fields.Nested(ScoresSchema, required=True, allow_none=True, metadata={
        "description": "Benefit, Support and Acceptability; null for business as usual."})


class ComparisonSchema(Schema):
    """The options ranked by risk-adjusted net present social value, business as usual included."""

    ranked_by = fields.String(required=True, metadata=doc(
        "The ranking figure: npsv_risk_adjusted (Green Book: optimism bias before comparing).",
        "npsv_risk_adjusted"))
    preferred = fields.String(required=True, metadata=doc("The top option's label.",
                                                            "shared_service"))
    reason = fields.String(required=True, metadata=doc("Why the top option wins.",
                                                         "shared_service has the highest ..."))
    options = fields.List(fields.Nested(ComparedOptionSchema), required=True, metadata={
        "description": "Every option and business as usual, best first."})


# --------------------------------------------------------------------------- helpers


def _item_problem(index: int, errors: list[dict[str, str]]) -> dict[str, Any]:
    n = len(errors)
    return {"index": index, "type": PROBLEM_BASE + "validation-error",
            "title": PROBLEM_TYPES["validation-error"], "status": 422,
            "detail": "1 field is invalid." if n == 1 else f"{n} fields are invalid.",
            "errors": errors}


def _item_error(index: int, exc: ValidationError | ProposalError) -> dict[str, Any]:
    """The problem details of batch item ``index``, pointing into the batch body."""
    at = ("proposals", str(index))
    if isinstance(exc, ValidationError):
        return _item_problem(index, list(flatten(exc.messages, at)))
    where = exc.pointer if exc.pointer.startswith(pointer(at)) else pointer(at) + exc.pointer[1:]
    return _item_problem(index, [{"pointer": where, "detail": str(exc)}])


def load_item(index: int, raw: Any,
              cap: int = MAX_ITERATIONS) -> core.Proposal | dict[str, Any]:
    """One batch item validated: its core Proposal, or its problem details."""
    try:
        proposal: core.Proposal = _PROPOSAL.load(raw)
        check_simulation(proposal, pointer(("proposals", str(index))), cap)
        return proposal
    except (ValidationError, ProposalError) as exc:
        return _item_error(index, exc)


def appraise_batch(items: list[Any], cap: int = MAX_ITERATIONS,
                   encode: Callable[[Any], bytes] = orjson.dumps) -> list[orjson.Fragment]:
    """Each item's answer as JSON (written by ``encode``), in order: its appraisal, or its
    problem details. The valid proposals are appraised together
    (:func:`svcalc.core.appraise_many`), a chunk at a time, and each answer is written as soon
    as it is made."""
    loaded = [load_item(i, raw, cap) for i, raw in enumerate(items)]
    results: list[orjson.Fragment] = [orjson.Fragment(b"")] * len(items)
    valid: list[tuple[int, core.Proposal]] = []
    for i, item in enumerate(loaded):
        if isinstance(item, dict):
            results[i] = orjson.Fragment(encode(item))
        else:
            valid.append((i, item))
    for start in range(0, len(valid), _CHUNK):
        chunk = valid[start:start + _CHUNK]
        try:
            appraisals = core.appraise_many([p for _, p in chunk])
        except ProposalError:  # a rule only the core checks: find the item it concerns
            for i, p in chunk:
                results[i] = orjson.Fragment(encode(_appraise_one(i, p)))
            continue
        for (i, _), appraisal in zip(chunk, appraisals, strict=True):
            results[i] = orjson.Fragment(encode(body(appraisal)))
    return results


def _appraise_one(index: int, proposal: core.Proposal) -> dict[str, Any]:
    try:
        return body(core.appraise(proposal))  # type: ignore[no-any-return]
    except ProposalError as exc:
        return _item_error(index, exc)


def batch_example() -> dict[str, Any]:
    """The response to :data:`BATCH_REQUEST` (computed, so never stale)."""
    results = appraise_batch(copy.deepcopy(examples_batch()["proposals"]))
    return {"results": [orjson.loads(orjson.dumps(item)) for item in results]}


def examples_batch() -> dict[str, Any]:
    """A valid proposal, and the same with a negative payment (which fails alone)."""
    bad = copy.deepcopy(examples.PROPOSAL)
    bad["name"] = "Bid with a typo"
    bad["public"]["annual_payment"] = -8_600_000
    return {"proposals": [examples.PROPOSAL, bad]}


def examples_comparison() -> dict[str, Any]:
    """Three options for the revenues and benefits service (see docs/portals.md)."""
    base = examples.PROPOSAL
    shared = copy.deepcopy(base)
    shared.update(name="Shared service with two councils", partnership_model="shared_service")
    shared["public"].update(annual_payment=8_900_000, retained_costs=300_000)
    shared["supplier"].update(annual_operating_cost=8_300_000, cost_of_capital=0.06)
    jv = copy.deepcopy(base)
    jv.update(name="Joint venture", partnership_model="joint_venture")
    jv["public"].update(annual_payment=8_200_000)
    jv["supplier"].update(annual_operating_cost=7_600_000)
    return {"options": [{"option": "outsourcing", "proposal": base},
                        {"option": "shared_service", "proposal": shared},
                        {"option": "joint_venture", "proposal": jv}]}


def comparison_example() -> dict[str, Any]:
    """The response to :func:`examples_comparison` (computed)."""
    return comparison(ComparisonRequestSchema().load(copy.deepcopy(examples_comparison())))


def comparison(data: dict[str, Any]) -> dict[str, Any]:
    """The comparison of the loaded request ``data`` as the response body (money rounded)."""
    opts = [(o["option"], o["proposal"]) for o in data["options"]]
    out: dict[str, Any] = body(compare(opts, currency=opts[0][1].currency))
    return out


# --------------------------------------------------------------------------- operations


@bp.post("/appraisals/batch")
@limits.budget(limits.BATCH_KEY)
@bp.arguments(BatchRequestSchema(), example=examples_batch())
@bp.response(200, BatchResultSchema, example=batch_example())
@document_body_errors(bp)
@document_busy(bp)
def create_batch_appraisal(batch: dict[str, Any]) -> Response:
    """Appraise a batch of proposals

    Appraises up to 1,000 proposals (MAX_BATCH_SIZE) in one call and answers their results in
    the same order. Each proposal is validated on its own: an invalid one gets, in its place,
    problem details with its index and pointers into this body (#/proposals/3/...), while the
    others are appraised exactly as POST /v1/appraisals would. More proposals than the limit is
    a 422 naming #/proposals, and so is a batch whose work (proposals, years and simulation
    iterations) is over the server's MAX_REQUEST_COST: split it. A heavy batch may be answered
    503 with Retry-After while the server computes others. The body may be sent as
    application/json or as text/plain carrying JSON.
    """
    items = batch["proposals"]
    admission.check_batch_size(len(items), "#/proposals", "proposals")
    admission.admit(sum(admission.estimate(item) for item in items), "#/proposals")
    results = appraise_batch(items, current_app.config["MAX_SIMULATION_ITERATIONS"],
                             current_app.json.encode)  # type: ignore[attr-defined]
    return current_app.response_class(orjson.dumps({"results": results}) + b"\n",
                                      mimetype="application/json")


@bp.post("/comparisons")
@limits.budget(limits.BATCH_KEY)
@bp.arguments(ComparisonRequestSchema(), example=examples_comparison())
@bp.response(200, ComparisonSchema, example=comparison_example())
@document_body_errors(bp)
@document_busy(bp)
def create_comparison(data: dict[str, Any]) -> Response:
    """Compare delivery options for one service

    Appraises each option (outsourcing, joint venture, shared service, ...) on the same basis
    and ranks them, with business as usual (the counterfactual in every proposal's
    baseline_annual_cost, NPSV 0 by construction), by risk-adjusted net present social value:
    public NPV + social value PV after Green Book optimism bias. Each option comes with its
    verdict, flags and scores, and the reason the top option wins. Options must share term,
    public discounting and currency; otherwise 422 naming the field. The body may be sent as
    application/json or as text/plain carrying JSON.
    """
    for i, opt in enumerate(data["options"]):
        check_simulation(opt["proposal"], f"#/options/{i}/proposal")
    admission.admit(admission.cost(opt["proposal"] for opt in data["options"]), "#/options")
    return json_response(comparison(data))


def register(api: Any) -> None:
    """Attach the portal operations and the batch item's problem schema to ``api``."""
    api.register_blueprint(bp)
    api.spec.components.schema("BatchItemProblem", schema=BatchItemProblemSchema)
