"""Procurement-portal operations: POST /v1/appraisals/batch and POST /v1/comparisons.

A batch validates and appraises its proposals one by one, so one bad item fails alone: its result
is RFC 9457 problem details with its ``index`` and pointers into the batch body
(``#/proposals/3/public/annual_payment``). More proposals than ``MAX_BATCH_SIZE`` is a 422 naming
``#/proposals`` (not a 413: the body may be well within the byte limit; the count is a rule on a
field, like any other validation failure).
"""

from __future__ import annotations

import copy
import gc
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import orjson
from flask import Response, current_app
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from svcalc import core
from svcalc.api import examples, limits
from svcalc.api.appraisals import document_body_errors
from svcalc.api.dumping import CompiledDump
from svcalc.api.problems import PROBLEM_BASE, PROBLEM_TYPES, ProblemErrorSchema, flatten, pointer
from svcalc.api.schemas import (
    MAX_ITERATIONS,
    UNIT_MONEY,
    AppraisalSchema,
    FlagSchema,
    ProposalSchema,
    ScoresSchema,
    SustainableSchema,
    VerdictSchema,
    _meta,
)
from svcalc.core.comparison import BAU, compare
from svcalc.core.errors import ProposalError

bp = Blueprint("portal", __name__, url_prefix="/v1",
               description="Procurement portals: batches of proposals and options appraisals")

T = TypeVar("T")

#: The hard cap a batch schema documents; the deployment's MAX_BATCH_SIZE may be lower.
MAX_BATCH = 1_000
MAX_OPTIONS = 20

# Built once: instantiating marshmallow schemas per proposal costs more than loading a small one.
_PROPOSAL = ProposalSchema()
_APPRAISAL = AppraisalSchema()


# --------------------------------------------------------------------------- schemas


class _ItemsAsGiven(fields.Field):
    """A list of JSON values handed to the view as given, so that each item is validated on its
    own and one bad item cannot fail the batch. Documented as proposals (``anyOf`` Proposal or
    any value: whatever an item is, it is answered in its place)."""

    default_error_messages = {"invalid": "Not a valid list.",
                              "length": f"Give between 1 and {MAX_BATCH:,} proposals."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        if not 1 <= len(value) <= MAX_BATCH:
            raise self.make_error("length")
        return value


class BatchRequestSchema(Schema):
    """A batch of proposals, appraised independently, answered in order."""

    proposals = _ItemsAsGiven(required=True, metadata={
        "description": f"1 to {MAX_BATCH:,} proposals (the server's MAX_BATCH_SIZE may be lower; "
                       "more is a 422 at #/proposals). Each is validated on its own: an item "
                       "that is not a valid Proposal gets problem details in its place.",
        "type": "array", "minItems": 1, "maxItems": MAX_BATCH,
        "items": {"anyOf": [{"$ref": "#/components/schemas/Proposal"}, {}]}})


class BatchItemProblemSchema(Schema):
    """Why one proposal of a batch was not appraised (RFC 9457 problem details + its index)."""

    index = fields.Integer(required=True, metadata=_meta(
        "Position of the proposal in the batch (0-based).", 3, "index"))
    type = fields.String(required=True, metadata=_meta(
        "Problem type URI.", PROBLEM_BASE + "validation-error"))
    title = fields.String(required=True, metadata=_meta("Short summary.", "Request is not valid"))
    status = fields.Integer(required=True, metadata=_meta(
        "The status a single POST /v1/appraisals of this proposal would answer.", 422,
        "HTTP status code"))
    detail = fields.String(required=True, metadata=_meta("What is wrong.", "1 field is invalid."))
    errors = fields.List(fields.Nested(ProblemErrorSchema), required=True, metadata={
        "description": "Every invalid field, pointing into the batch body "
                       "(#/proposals/<index>/...)."})


class BatchResultSchema(Schema):  # the contract only: encode_batch writes the body itself
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

    option = fields.String(required=True, validate=validate.Length(1, 100), metadata=_meta(
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

    rank = fields.Integer(required=True, metadata=_meta("1 = preferred.", 1, "rank"))
    option = fields.String(required=True, metadata=_meta("The option's label.", "outsourcing"))
    counterfactual = fields.Boolean(required=True, metadata=_meta(
        "True for business as usual (added by the server, NPSV 0 by construction).", False,
        "boolean"))
    npsv_risk_adjusted = fields.Float(required=True, metadata=_meta(
        "Risk-adjusted NPSV: public npv_risk_adjusted + social value present_value_risk_adjusted "
        "(the ranking figure).", 3_500_000.0, UNIT_MONEY))
    npsv = fields.Float(required=True, metadata=_meta(
        "NPSV as stated: public NPV + social value PV.", 5_000_000.0, UNIT_MONEY))
    public_npv_risk_adjusted = fields.Float(required=True, metadata=_meta(
        "Public NPV against business as usual, risk-adjusted.", 3_000_000.0, UNIT_MONEY))
    public_npv = fields.Float(required=True, metadata=_meta(
        "Public NPV against business as usual, as stated.", 4_500_000.0, UNIT_MONEY))
    social_value_risk_adjusted = fields.Float(required=True, metadata=_meta(
        "PV of monetised social value, risk-adjusted.", 500_000.0, UNIT_MONEY))
    social_value = fields.Float(required=True, metadata=_meta(
        "PV of monetised social value as stated.", 500_000.0, UNIT_MONEY))
    supplier_npv = fields.Float(required=True, allow_none=True, metadata=_meta(
        "The supplier's NPV at its cost of capital; null for business as usual.", 1_200_000.0,
        UNIT_MONEY))
    supplier_npv_risk_adjusted = fields.Float(required=True, allow_none=True, metadata=_meta(
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


class ComparisonSchema(CompiledDump, Schema):
    """The options ranked by risk-adjusted net present social value, business as usual included."""

    ranked_by = fields.String(required=True, metadata=_meta(
        "The ranking figure: npsv_risk_adjusted (Green Book: optimism bias before comparing).",
        "npsv_risk_adjusted"))
    preferred = fields.String(required=True, metadata=_meta("The top option's label.",
                                                            "shared_service"))
    reason = fields.String(required=True, metadata=_meta("Why the top option wins.",
                                                         "shared_service has the highest ..."))
    options = fields.List(fields.Nested(ComparedOptionSchema), required=True, metadata={
        "description": "Every option and business as usual, best first."})


# --------------------------------------------------------------------------- helpers


def check_simulation(proposal: core.Proposal, at: str = "#", cap: int | None = None) -> None:
    """Refuse more iterations than the deployment allows (``MAX_SIMULATION_ITERATIONS``)."""
    if cap is None:
        cap = current_app.config["MAX_SIMULATION_ITERATIONS"]
    if proposal.simulation is not None and proposal.simulation.iterations > cap:
        raise ProposalError(f"at most {cap:,} iterations on this server",
                            at + "/simulation/iterations")


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


def appraise_item(index: int, raw: Any, cap: int = MAX_ITERATIONS,
                  dump: Callable[[core.Appraisal], dict[str, Any]] = _APPRAISAL.dump
                  ) -> dict[str, Any]:
    """One batch item on its own: its dumped appraisal, or its problem details."""
    loaded = load_item(index, raw, cap)
    if isinstance(loaded, dict):
        return loaded
    try:
        result: dict[str, Any] = dump(core.appraise(loaded))
        return result
    except ProposalError as exc:
        return _item_error(index, exc)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch builds its results.

    A batch allocates millions of short-lived objects (each chunk's appraisals and dumped
    dicts), which trigger the collector's automatic passes over everything live (the loaded
    proposals, the chunk); with it paused a 1,000-item batch measured 7-30% less CPU. The
    results hold no reference cycles (reference counting frees them), so nothing waits for the
    collector; it runs again as soon as the batch is built."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def appraise_batch(items: list[Any], cap: int = MAX_ITERATIONS) -> list[dict[str, Any]]:
    """Appraise ``items`` in order. Identical proposals are appraised once (portals often resend
    the same bid); the first one's result is answered for each."""
    with _gc_paused():
        return _appraise_batch(items, cap, _as_is, _APPRAISAL.dump)


def encode_batch(items: list[Any], cap: int = MAX_ITERATIONS) -> bytes:
    """The JSON body ``{"results": [...]}`` for ``items``, exactly as the app's JSON provider
    would encode :func:`appraise_batch`'s results, but each result is encoded as soon as it is
    made and its dicts freed: a full batch never holds a million live objects (25 MB of
    answers as dicts), and the memory of one result is reused for the next."""
    encode = current_app.json.encode  # type: ignore[attr-defined]
    with _gc_paused():
        parts = _appraise_batch(items, cap, encode, _APPRAISAL.dump_for_orjson)
    # One join of every piece: the 25 MB body is written once, not copied three times over.
    pieces = [b'{"results":['] * (2 * len(parts) + 1)
    pieces[1::2] = parts
    pieces[2:-1:2] = [b","] * (len(parts) - 1)
    pieces[-1] = b"]}\n"
    return b"".join(pieces)


def _as_is(result: dict[str, Any]) -> dict[str, Any]:
    return result


def _identity(raw: Any) -> bytes:
    """A key equal for two items exactly when they are the same JSON value (b"" if unknown).

    orjson with sorted keys is ~10x cheaper than ``json.dumps`` on a 25-year proposal, but it
    writes NaN and Infinity (which the lenient body parser lets through, for the schema to
    reject at their pointer) as ``null``: a key holding ``null`` is made by ``json`` instead,
    which tells them apart."""
    try:
        key = orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # pragma: no cover - parsed JSON always dumps (JSONEncodeError included)
        return b""
    if b"null" in key:
        return json.dumps(raw, sort_keys=True, allow_nan=True).encode()
    return key


#: Proposals appraised together by core.appraise_many, which works out each term's figures as
#: arrays at a fixed cost per call and per term: 1,000 25-year proposals took ~380 us each in
#: chunks of 100, ~350 in chunks of 250 (500 or 1,000: no clearly better, and the appraisals
#: waiting to be dumped then hold ~25 MB more at the peak).
_CHUNK = 250


def _appraise_batch(items: list[Any], cap: int, finish: Callable[[dict[str, Any]], T],
                    dump: Callable[[core.Appraisal], dict[str, Any]]) -> list[T]:
    """Each item's result (appraisal dumped by ``dump``, or problem details) passed through
    ``finish``."""
    results: list[T | None] = [None] * len(items)
    problems: set[int] = set()
    first: dict[bytes, int] = {}  # identity key -> index of its first occurrence
    repeats: list[tuple[int, int]] = []
    valid: list[tuple[int, core.Proposal]] = []

    def problem(i: int, details: dict[str, Any]) -> None:
        problems.add(i)
        results[i] = finish(details)

    def alone(i: int) -> None:
        result = appraise_item(i, items[i], cap, dump)
        if "index" in result:
            problem(i, result)
        else:
            results[i] = finish(result)

    for i, raw in enumerate(items):
        key = _identity(raw)
        if key and key in first:
            repeats.append((i, first[key]))
            continue
        if key:
            first[key] = i
        loaded = load_item(i, raw, cap)
        if isinstance(loaded, dict):
            problem(i, loaded)
        else:
            valid.append((i, loaded))
    # One term's proposals together, whatever their order: appraise_many's groups are by term.
    valid.sort(key=lambda item: item[1].term_years)
    for start in range(0, len(valid), _CHUNK):
        chunk = valid[start:start + _CHUNK]
        try:
            appraisals = core.appraise_many([p for _, p in chunk])
        except ProposalError:  # a rule only the core checks: appraise these one by one
            for i, _ in chunk:
                alone(i)
            continue
        for (i, _), appraisal in zip(chunk, appraisals, strict=True):
            results[i] = finish(dump(appraisal))
    for i, j in repeats:
        # A repeat of a valid proposal shares its answer; of an invalid one, gets its own index.
        if j in problems:
            alone(i)
        else:
            results[i] = results[j]
    return results  # type: ignore[return-value] - every index was filled above


def batch_example() -> dict[str, Any]:
    """The response to :data:`BATCH_REQUEST` (computed, so never stale)."""
    return {"results": appraise_batch(copy.deepcopy(examples_batch()["proposals"]))}


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
    data = ComparisonRequestSchema().load(copy.deepcopy(examples_comparison()))
    out: dict[str, Any] = ComparisonSchema().dump(comparison(data))
    return out


def comparison(data: dict[str, Any]) -> dict[str, Any]:
    """The comparison of the loaded request ``data``, shaped for :class:`ComparisonSchema`."""
    opts = [(o["option"], o["proposal"]) for o in data["options"]]
    result = compare(opts, currency=opts[0][1].currency)
    rows = []
    for r in result.options:
        a = r.appraisal
        rows.append({
            "rank": r.rank, "option": r.option, "counterfactual": r.counterfactual,
            "npsv_risk_adjusted": r.npsv_risk_adjusted, "npsv": r.npsv,
            "public_npv_risk_adjusted": r.public_npv_risk_adjusted, "public_npv": r.public_npv,
            "social_value_risk_adjusted": r.social_value_risk_adjusted,
            "social_value": r.social_value,
            "supplier_npv": None if a is None else a.supplier.npv,
            "supplier_npv_risk_adjusted": None if a is None else a.supplier.npv_risk_adjusted,
            "verdict": None if a is None else a.verdict,
            "sustainable": None if a is None else a.verdict.sustainable,
            "flags": [] if a is None else a.flags,
            "scores": None if a is None or a.social_value is None else a.social_value.scores,
        })
    return {"ranked_by": result.ranked_by, "preferred": result.preferred,
            "reason": result.reason, "options": rows}


# --------------------------------------------------------------------------- operations


@bp.post("/appraisals/batch")
@limits.budget(limits.BATCH_KEY)
@bp.arguments(BatchRequestSchema(), example=examples_batch())
@bp.response(200, BatchResultSchema, example=batch_example())
@document_body_errors
def create_batch_appraisal(batch: dict[str, Any]) -> Response:
    """Appraise a batch of proposals

    Appraises up to 1,000 proposals (MAX_BATCH_SIZE) in one call and answers their results in
    the same order. Each proposal is validated on its own: an invalid one gets, in its place,
    problem details with its index and pointers into this body (#/proposals/3/...), while the
    others are appraised exactly as POST /v1/appraisals would. More proposals than the limit is
    a 422 naming #/proposals. The body may be sent as application/json or as text/plain carrying
    JSON.
    """
    items = batch["proposals"]
    limit = current_app.config["MAX_BATCH_SIZE"]
    if len(items) > limit:
        abort(422, detail=f"A batch holds at most {limit:,} proposals; this one has "
                          f"{len(items):,}. Split it.", kind="validation-error",
              errors=[{"pointer": "#/proposals",
                       "detail": f"At most {limit:,} proposals; got {len(items):,}."}])
    body = encode_batch(items, current_app.config["MAX_SIMULATION_ITERATIONS"])
    return current_app.response_class(body, mimetype="application/json")


@bp.post("/comparisons")
@limits.budget(limits.BATCH_KEY)
@bp.arguments(ComparisonRequestSchema(), example=examples_comparison())
@bp.response(200, ComparisonSchema, example=comparison_example())
@document_body_errors
def create_comparison(data: dict[str, Any]) -> dict[str, Any]:
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
    return comparison(data)


def register(api: Any) -> None:
    """Attach the portal operations and the batch item's problem schema to ``api``."""
    api.register_blueprint(bp)
    api.spec.components.schema("BatchItemProblem", schema=BatchItemProblemSchema)
