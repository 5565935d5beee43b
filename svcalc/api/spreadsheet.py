"""Spreadsheet-friendly endpoints: one figure per GET, CSV tables, and a batch for the add-in.

Spreadsheet callers (Excel/LibreOffice ``WEBSERVICE``, Google ``IMPORTDATA``, Power Query, the
Office.js add-in in ``addin/``) cannot set headers, so the representation is chosen with
``format=`` and each is declared in the spec. The flat-parameter and field mapping is generic
(:mod:`svcalc.api.flat`); this module is only the HTTP shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint, abort
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from svcalc import core
from svcalc.api import admission, auth, examples, flat, limits
from svcalc.api.problems import PROBLEM_BASE, PROBLEM_TYPES, ProblemErrorSchema, flatten
from svcalc.api.render import body
from svcalc.api.schemas.appraisal import AppraisalSchema
from svcalc.api.schemas.fields import (
    MONEY_MAX,
    UNIT_MONEY,
    UNIT_RATE,
    UNIT_YEARS,
    MoneyOut,
    Pattern,
    Rate,
    doc,
)
from svcalc.api.schemas.proposal import MAX_ITERATIONS, ProposalSchema
from svcalc.api.views import check_simulation, document_body_errors, document_busy
from svcalc.core.errors import ProposalError
from svcalc.core.series import evaluate

bp = Blueprint("spreadsheet", __name__, url_prefix="/v1/sheets",
               description="Spreadsheet-friendly figures, tables and batches (WEBSERVICE, "
                           "IMPORTDATA, Power Query, the Excel and Google Sheets add-ins)")

#: Batches are bounded like POST /v1/appraisals/batch (DESIGN.md section 10).
MAX_OPERATIONS = 1000
#: A GET series covers years 0..60 and fits, with its other parameters, in 2,048 characters.
MAX_GET_VALUES = 61
#: A batch series may be longer (the STPR schedule runs to year 300 and beyond).
MAX_BATCH_VALUES = 301

# --------------------------------------------------------------------------- response schemas


class FigureSchema(Schema):
    """One named figure (or block) of a result: what a spreadsheet cell shows."""

    field = fields.String(required=True, metadata=doc(
        "The dotted path that was asked for; empty for the whole result.", "public.npv"))
    value = fields.Raw(required=True, allow_none=True, metadata=doc(
        "The figure: a number, a string (e.g. a rating), a boolean, or, for a block or list, "
        "the JSON object or array. null when the figure does not exist (see reason).",
        7266605.32, "the unit of the named figure (see its description in Appraisal)"))
    reason = fields.String(required=True, allow_none=True, metadata=doc(
        "Why value is null (from the block's notes); null when value exists.", None))


class SeriesFiguresSchema(Schema):
    """NPV, IRR and paybacks of one series of cash flows, year 0 first."""

    discounting = fields.String(required=True, validate=validate.OneOf(
        ("green_book_stpr", "flat_rate")), metadata=doc(
        "green_book_stpr (no rate given) or flat_rate.", "flat_rate"))
    rate = fields.Float(required=True, allow_none=True, metadata=doc(
        "The flat rate used, or null for the STPR schedule.", 0.05, UNIT_RATE))
    npv = MoneyOut(required=True, metadata=doc(
        "Net present value; values[0] is year 0 and is not discounted (Excel: "
        "=B1+NPV(rate, B2:B11)). Rounded to 2 decimals.", 80.44, UNIT_MONEY))
    irr = fields.Float(required=True, allow_none=True, metadata=doc(
        "Internal rate of return; null when none or several exist (see notes).", 0.0889,
        UNIT_RATE))
    payback_years = fields.Float(required=True, allow_none=True, metadata=doc(
        "Years until the cumulative flow is back to zero, interpolated within the year.", 2.6,
        UNIT_YEARS))
    discounted_payback_years = fields.Float(required=True, allow_none=True, metadata=doc(
        "As payback_years, on discounted flows.", 2.81, UNIT_YEARS))
    notes = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                        metadata=doc("Why a figure is null: figure name -> reason.", {}))


class TableSchema(Schema):
    """A table as column names and rows (spills into cells as it is)."""

    columns = fields.List(fields.String(), required=True, metadata=doc(
        "Column names, in order (the fields of CashFlowRow).", ["year", "discount_factor"]))
    rows = fields.List(fields.List(fields.Float(allow_none=True)), required=True, metadata=doc(
        "One row per year 0..term_years, values in column order.", [[0, 1.0]]))


# --------------------------------------------------------------------------- query schemas


def _format_field(choices: tuple[str, ...], text_path: str) -> fields.String:
    what = {
        "json": "json (default)",
        "text": "text (one bare value with . decimals, #N/A when the figure does not exist; for "
                "WEBSERVICE)",
        "csv": "csv (header row, CRLF; for IMPORTDATA and Power Query)",
        "xml": "xml (flat, no namespaces; for FILTERXML)",
    }
    return fields.String(load_default="json", validate=validate.OneOf(choices), metadata=doc(
        "Representation of the answer: " + ", ".join(what[c] for c in choices) + ". Only json is "
        f"typed by generated clients: they get the others as strings from {text_path}, which "
        "answers the same.", "json"))


APPRAISAL_FIELD_PATTERN = flat.field_pattern(AppraisalSchema())
SERIES_FIELD_PATTERN = flat.field_pattern(SeriesFiguresSchema())
#: The flat form of the proposal: dotted query parameters, generated from ProposalSchema.
_PROPOSAL = ProposalSchema()
FLAT_PROPOSAL = flat.flat_fields(ProposalSchema())
FLAT_NAMES = {f.data_key for f in FLAT_PROPOSAL.values()}

_APPRAISAL_FIELD_DOC = (
    "Dotted path of the figure to return, e.g. public.npv, public.irr, supplier.whole_life_margin, "
    "partnership.support_ratio, cash_flows.3.public_net, supplier.annual_margins.0. Leave it out "
    "for the whole appraisal. Top-level names: "
    + ", ".join(AppraisalSchema().fields) + ".")


def _figure_field(pattern: str, description: str, example: str) -> fields.String:
    return fields.String(validate=[
        validate.Length(max=200), Pattern(pattern, error="Not a figure svcalc reports.")],
        metadata={**doc(description, example), "pattern": pattern})


FlatProposalSchema = Schema.from_dict(FLAT_PROPOSAL, name="FlatProposal")
_APPRAISAL_QUERY = {
    **flat.flat_fields(ProposalSchema()),
    "field": _figure_field(APPRAISAL_FIELD_PATTERN, _APPRAISAL_FIELD_DOC, "public.npv"),
}
AppraisalFigureTextQuerySchema = Schema.from_dict(_APPRAISAL_QUERY, name="AppraisalFigureTextQuery")
AppraisalFigureQuerySchema = Schema.from_dict({
    **_APPRAISAL_QUERY, "format": _format_field(flat.FORMATS, "/v1/sheets/appraisal/{format}"),
}, name="AppraisalFigureQuery")
CashFlowTextQuerySchema = Schema.from_dict(flat.flat_fields(ProposalSchema()),
                                           name="CashFlowTextQuery")
CashFlowQuerySchema = Schema.from_dict({
    **flat.flat_fields(ProposalSchema()),
    "format": _format_field(flat.TABLE_FORMATS, "/v1/sheets/cash-flows/{format}"),
}, name="CashFlowQuery")
TableFormatQuerySchema = Schema.from_dict(
    {"format": _format_field(flat.TABLE_FORMATS, "/v1/sheets/cash-flows/{format}")},
    name="TableFormatQuery")
_SERIES_QUERY = {
    "values": flat.NumberList(
        minimum=-MONEY_MAX, maximum=MONEY_MAX, max_items=MAX_GET_VALUES, min_items=1,
        required=True, description="Cash flows, year 0 first, comma-separated (up to 9 decimals; "
        "in Excel: TEXTJOIN(\",\",TRUE,ROUND(B1:B11,9))).", example="-1000,300,400,500",
        unit=UNIT_MONEY),
    "rate": fields.Float(allow_nan=False, validate=validate.Range(-0.99, 1.0, min_inclusive=False),
                         metadata={**doc("Flat discount rate (0.05 = 5%). Leave it out for "
                                           "the Green Book STPR schedule.", 0.05, UNIT_RATE),
                                   "exclusiveMinimum": True}),
    "field": _figure_field(SERIES_FIELD_PATTERN, "Which figure: npv, irr, payback_years, "
                           "discounted_payback_years. Leave it out for all of them.", "npv"),
}
SeriesTextQuerySchema = Schema.from_dict(_SERIES_QUERY, name="SeriesTextQuery")
SeriesQuerySchema = Schema.from_dict({
    **_SERIES_QUERY, "format": _format_field(flat.FORMATS, "/v1/sheets/series/{format}"),
}, name="SeriesQuery")


# --------------------------------------------------------------------------- batch schemas


class SheetOperationSchema(Schema):
    """One operation of a batch: one spreadsheet cell's question."""

    operation = fields.String(required=True, validate=validate.OneOf(
        ("appraisal", "series", "cash_flows")), metadata=doc(
        "appraisal: a figure of the appraisal of params (or proposal); series: a figure of "
        "values; cash_flows: the cash-flow table of params (or proposal) as a matrix, header "
        "row first.", "appraisal"))
    field = fields.String(load_default="", validate=[
        validate.Length(max=200), Pattern(r"^[a-z0-9_.]*$", error="Not a dotted path.")],
        metadata=doc("Dotted path of the figure (as the GET endpoints' field).", "public.npv"))
    params = fields.Dict(
        keys=fields.String(validate=validate.Length(max=100)),
        values=fields.Raw(metadata={"oneOf": [
            {"type": "number"}, {"type": "string", "maxLength": 2000},
            {"type": "array", "maxItems": 60, "items": {"type": "number"}},
            {"type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 300}}]}),
        validate=validate.Length(max=100),
        metadata=doc("The proposal as flat parameters, named as the GET query parameters "
                     "(public.annual_payment ...): a number, a string, a list of numbers "
                     "(one per contract year), or a list of strings (risk.evidence).",
                     {"term_years": 10, "public.baseline_annual_cost": 10000000}))
    proposal = fields.Dict(metadata={**doc(
        "The proposal as a full JSON object (see Proposal), instead of params.",
        {"term_years": 10, "public": {"baseline_annual_cost": 10000000, "annual_payment": 8600000},
         "supplier": {"annual_operating_cost": 8000000}}),
        "allOf": [{"$ref": "#/components/schemas/Proposal"}]})
    values = fields.List(
        fields.Float(allow_nan=False, validate=validate.Range(-MONEY_MAX, MONEY_MAX)),
        validate=validate.Length(1, MAX_BATCH_VALUES),
        metadata=doc("series: the cash flows, year 0 first.", [-1000, 300, 400, 500],
                       UNIT_MONEY))
    rate = Rate("series: flat discount rate; leave it out for the Green Book STPR schedule.",
                0.05)


class _Operations(fields.List):
    """The list of operations. Each must be an object; its content is validated on its own, so
    one bad cell does not fail the batch (its result is a problem with its index)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        errors = {i: ["Not an object: each operation is a JSON object."]
                  for i, item in enumerate(value) if not isinstance(item, dict)}
        if errors:
            raise ValidationError(errors)  # type: ignore[arg-type]
        return value


class SheetBatchSchema(Schema):
    """Many spreadsheet operations in one request (the add-in batches cells)."""

    operations = _Operations(
        # Documented as "a SheetOperation, or any object": an object that is not a valid
        # operation is still part of a valid batch; its result is an ItemProblem.
        fields.Dict(metadata={"anyOf": [
            {"$ref": "#/components/schemas/SheetOperation"},
            {"type": "object", "description": "Any other object is answered with an "
                                              "ItemProblem at its index."}]}),
        required=True,
        validate=validate.Length(1, MAX_OPERATIONS),
        metadata={"description": f"1 to {MAX_OPERATIONS} operations; results come back in the "
                                 "same order."})


class ItemProblemSchema(Schema):
    """A batch item's error: RFC 9457 problem details with the item's index."""

    type = fields.String(required=True, metadata=doc("Problem type URI.",
                                                       PROBLEM_BASE + "validation-error"))
    title = fields.String(required=True, metadata=doc("Summary.", "Request is not valid"))
    status = fields.Integer(required=True, metadata=doc("HTTP status this item would have "
                                                          "had on its own.", 422,
                                                          "HTTP status code"))
    detail = fields.String(required=True, metadata=doc("What went wrong.",
                                                         "1 field is invalid."))
    instance = fields.String(required=True, metadata=doc("The request path.",
                                                           "/v1/sheets/batch"))
    errors = fields.List(fields.Nested(ProblemErrorSchema), required=True, metadata={
        "description": "Every invalid field: {pointer, detail}, pointers into the batch body."})
    index = fields.Integer(required=True, metadata=doc("The operation's index.", 3,
                                                         "position in operations (0-based)"))


class SheetBatchResultSchema(Schema):
    """Results in the order of the operations."""

    results = fields.List(fields.Raw(metadata={"oneOf": [
        {"$ref": "#/components/schemas/Figure"}, {"$ref": "#/components/schemas/ItemProblem"}]}),
        required=True, metadata={
            "description": "One per operation, in order: a Figure, or an ItemProblem for an "
                           "operation that could not be answered."})


# --------------------------------------------------------------------------- helpers


class _ItemError(Exception):
    def __init__(self, errors: list[dict[str, str]], status: int = 422) -> None:
        super().__init__(errors)
        self.errors, self.status = errors, status


def _path_of(ptr: str) -> tuple[str, ...]:
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in ptr.lstrip("#").split("/")[1:])


def _proposal_from_flat(loaded: dict[str, Any], prefix: str) -> core.Proposal:
    """Flat attributes (already type-checked) -> a Proposal, or _ItemError with flat pointers."""
    nested = flat.nest({k: list(v) if isinstance(v, tuple) else v for k, v in loaded.items()
                        if k in FLAT_PROPOSAL})
    try:
        return _PROPOSAL.load(nested)
    except ValidationError as exc:
        raise _ItemError(list(flat.flat_error_pointers(exc.messages, FLAT_NAMES, prefix))) \
            from None


def _appraise(proposal: core.Proposal, flat_prefix: str | None,
              body_prefix: str = "#") -> dict[str, Any]:
    try:
        appraisal = core.appraise(proposal)
    except ProposalError as exc:
        path = _path_of(exc.pointer)
        if flat_prefix is not None:
            errors = list(flat.flat_error_pointers(_nest_message(path, str(exc)), FLAT_NAMES,
                                                   flat_prefix))
        else:
            errors = [{"pointer": body_prefix + exc.pointer.lstrip("#"), "detail": str(exc)}]
        raise _ItemError(errors) from None
    result: dict[str, Any] = body(appraisal)
    return result


def _nest_message(path: tuple[str, ...], message: str) -> dict[str, Any]:
    node: Any = [message]
    for part in reversed(path):
        node = {part: node}
    return node


def _figure(root: dict[str, Any], dotted: str, pointer: str) -> dict[str, Any]:
    try:
        return flat.figure(root, dotted)
    except flat.FieldNotFoundError as exc:
        raise _ItemError([{"pointer": pointer, "detail": str(exc)}]) from None


def _abort(error: _ItemError) -> Any:
    n = len(error.errors)
    abort(error.status, detail="1 field is invalid." if n == 1 else f"{n} fields are invalid.",
          kind="validation-error", errors=error.errors)


def _table(appraisal: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    rows = appraisal["cash_flows"]
    columns = list(rows[0])
    return columns, [[row[c] for c in columns] for row in rows]


def _render(fig: dict[str, Any], root: dict[str, Any], fmt: str,
            format_pointer: str = "#/query/format") -> Any:
    try:
        return flat.render_figure(fig, root, fmt)
    except flat.NotXmlError as exc:
        # The value came from the query (the name, say) when a parameter has its name.
        where = f"#/query/{exc.name}" if exc.name in FLAT_NAMES else format_pointer
        abort(422, detail=str(exc), kind="validation-error",
              errors=[{"pointer": where, "detail": str(exc)}])
    except ValueError as exc:
        abort(422, detail=str(exc), kind="validation-error",
              errors=[{"pointer": "#/query/field", "detail": str(exc)}])


# --------------------------------------------------------------------------- answers


def _answer_appraisal(query: dict[str, Any],
                      admit: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """(figure, whole appraisal) for flat query parameters; _ItemError on bad input."""
    proposal = _proposal_from_flat(query, "#/query")
    if admit:
        admission.admit(admission.proposal_cost(proposal), "#/query")
    root = _appraise(proposal, "#/query")
    return _figure(root, query.get("field", ""), "#/query/field"), root


def _answer_series(query: dict[str, Any],
                   admit: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    if admit:
        admission.admit(1.0, "#/query")
    root = body(evaluate(query["values"], query.get("rate")))
    return _figure(root, query.get("field", ""), "#/query/field"), root


@dataclass(frozen=True)
class _Plan:
    """One batch operation, validated and ready to compute (nothing computed yet)."""

    index: int
    kind: str
    field: str
    proposal: core.Proposal | None = None
    flat_prefix: str | None = None  # #/operations/i/params for params, None for a proposal
    body_prefix: str = "#"
    values: tuple[float, ...] = ()
    rate: float | None = None


def _estimate(item: Any) -> float:
    """What an operation as sent will cost (svcalc/api/admission.py): a proposal's appraisal,
    or 1 for a series (or anything else)."""
    if not isinstance(item, dict):
        return 1.0
    if isinstance(item.get("proposal"), dict):
        return admission.estimate(item["proposal"])
    params = item.get("params")
    if isinstance(params, dict):
        return admission.estimate({"term_years": params.get("term_years")})
    return 1.0


def _plans(body: dict[str, Any], cap: int) -> list[_Plan | dict[str, Any]]:
    """Every operation validated (a plan, or its problem details), before any is computed;
    ``cap`` is the server's simulation iterations."""
    out: list[_Plan | dict[str, Any]] = []
    for index, item in enumerate(body["operations"]):
        try:
            out.append(_plan(index, item, cap))
        except _ItemError as exc:
            out.append(_item_problem(index, exc))
    return out


def _answers(plans: list[_Plan | dict[str, Any]]) -> dict[str, Any]:
    """The results of the plans, in order; identical proposals are appraised once."""
    cache: dict[str, dict[str, Any]] = {}
    results = []
    for plan in plans:
        if not isinstance(plan, _Plan):
            results.append(plan)
            continue
        try:
            results.append(_operation(plan, cache))
        except _ItemError as exc:
            results.append(_item_problem(plan.index, exc))
    return {"results": results}


def _batch(body: dict[str, Any], cap: int = MAX_ITERATIONS) -> dict[str, Any]:
    """The batch's answer: every operation validated, then computed."""
    return _answers(_plans(body, cap))


def _plan(index: int, item: Any, cap: int) -> _Plan:
    base = f"#/operations/{index}"
    if not isinstance(item, dict):
        raise _ItemError([{"pointer": base, "detail": "Not a valid operation object."}])
    try:
        op = SheetOperationSchema().load(item)
    except ValidationError as exc:
        raise _ItemError([{"pointer": base + e["pointer"][1:], "detail": e["detail"]}
                          for e in flatten(exc.messages)]) from None
    kind, dotted = op["operation"], op["field"]
    if kind == "series":
        if "values" not in op:
            raise _ItemError([{"pointer": f"{base}/values", "detail": "Required for series."}])
        return _Plan(index, kind, dotted, values=tuple(op["values"]), rate=op.get("rate"))
    has_params, has_proposal = "params" in op, "proposal" in op
    if has_params == has_proposal:
        raise _ItemError([{"pointer": base, "detail": "Give exactly one of params (flat) or "
                                                      "proposal (a full JSON object)."}])
    if has_params:
        prefix = f"{base}/params"
        try:
            loaded = FlatProposalSchema().load(op["params"], unknown=RAISE)
        except ValidationError as exc:
            raise _ItemError([{"pointer": prefix + e["pointer"][1:], "detail": e["detail"]}
                              for e in flatten(exc.messages)]) from None
        return _Plan(index, kind, dotted, _proposal_from_flat(loaded, prefix), flat_prefix=prefix)
    prefix = f"{base}/proposal"
    try:
        proposal = _PROPOSAL.load(op["proposal"])
        check_simulation(proposal, prefix, cap)
    except ValidationError as exc:
        raise _ItemError([{"pointer": prefix + e["pointer"][1:], "detail": e["detail"]}
                          for e in flatten(exc.messages)]) from None
    except ProposalError as exc:
        raise _ItemError([{"pointer": exc.pointer, "detail": str(exc)}]) from None
    return _Plan(index, kind, dotted, proposal, body_prefix=prefix)


def _operation(plan: _Plan, cache: dict[str, dict[str, Any]]) -> dict[str, Any]:
    base = f"#/operations/{plan.index}"
    if plan.proposal is None:
        root = body(evaluate(plan.values, plan.rate))
        return _figure(root, plan.field, f"{base}/field")
    key = repr(plan.proposal)  # a validated proposal: flat, bounded, deterministic
    if key not in cache:
        cache[key] = _appraise(plan.proposal, plan.flat_prefix, plan.body_prefix)
    root = cache[key]
    if plan.kind == "cash_flows":
        columns, rows = _table(root)
        return {"field": "cash_flows", "value": [columns, *rows], "reason": None}
    return _figure(root, plan.field, f"{base}/field")


def _item_problem(index: int, error: _ItemError) -> dict[str, Any]:
    n = len(error.errors)
    return {
        "type": PROBLEM_BASE + "validation-error",
        "title": PROBLEM_TYPES["validation-error"],
        "status": error.status,
        "detail": f"Operation {index}: " + ("1 field is invalid." if n == 1
                                            else f"{n} fields are invalid."),
        "instance": request.path,
        "errors": error.errors,
        "index": index,
    }


# --------------------------------------------------------------------------- documented examples
# Computed from the documented request examples, so the spec shows what the server answers
# (tests/test_contract.py replays each one).


def _query_example(schema: type[Schema]) -> dict[str, Any]:
    """The documented query: every parameter's example, as the spec lists them."""
    return {field.data_key or name: field.metadata["example"]
            for name, field in schema().fields.items() if "example" in field.metadata}


def _body(response: Any) -> Any:
    return response if isinstance(response, dict) else response.get_data(as_text=True)


def _figure_examples(answer: Any, schema: type[Schema]) -> dict[str, Any]:
    fig, root = answer(schema().load(_query_example(schema)), admit=False)
    return {"application/json": FigureSchema().dump(fig),
            **{media: _body(flat.render_figure(fig, root, fmt))
               for fmt, media in (("text", "text/plain"), ("csv", "text/csv"),
                                  ("xml", "text/xml"))}}


def _table_examples(root: dict[str, Any]) -> dict[str, Any]:
    columns, rows = _table(root)
    return {media: _body(flat.render_table(columns, rows, fmt))
            for fmt, media in (("json", "application/json"), ("csv", "text/csv"),
                               ("xml", "text/xml"))}


_BATCH_EXAMPLE = {"operations": [
    {"operation": "series", "values": [-1000, 300, 400, 500], "rate": 0.05, "field": "npv"},
    {"operation": "appraisal", "field": "public.npv", "params": {
        "term_years": 10, "public.baseline_annual_cost": 10000000,
        "public.annual_payment": 8600000, "supplier.annual_operating_cost": 8000000}}]}

EXAMPLES = {
    "appraisal": _figure_examples(_answer_appraisal, AppraisalFigureQuerySchema),
    "series": _figure_examples(_answer_series, SeriesQuerySchema),
    "cash_flows_get": _table_examples(_appraise(_proposal_from_flat(
        CashFlowQuerySchema().load(_query_example(CashFlowQuerySchema)), "#/query"), "#/query")),
    "cash_flows_post": _table_examples(_appraise(ProposalSchema().load(examples.PROPOSAL),
                                                 None)),
    "batch": _batch(_BATCH_EXAMPLE),
}

_ALT_SCHEMAS = {
    "text/plain": {"type": "string", "maxLength": 32767,
                   "description": "text: one bare value (#N/A when it does not exist)."},
    "text/csv": {"type": "string", "description": "csv: field,value,reason rows (header row "
                 "first, CRLF)."},
    "text/xml": {"type": "string", "description": "xml: <result field=...> with one "
                 "<value name=...> per figure."},
}
_TABLE_SCHEMAS = {
    "text/csv": {"type": "string", "description": "csv: a header row of column names, then one "
                 "row per year."},
    "text/xml": {"type": "string", "description": "xml: <table><row><year>0</year>...</row>"
                 "</table>."},
}


def _document_formats(key: str, table: bool = False) -> Any:
    """Declare the text/csv/xml answers of a 200, each with its computed example."""
    def decorate(func: Any) -> Any:
        # smorest lists alternatives last-declared first: declare them in reverse.
        for media_type, schema in reversed((_TABLE_SCHEMAS if table else _ALT_SCHEMAS).items()):
            func = bp.alt_response(200, schema=schema, content_type=media_type, success=True,
                                   example=EXAMPLES[key][media_type], description="OK")(func)
        return func
    return decorate


# --------------------------------------------------------------------------- endpoints


def _figure_answer(answer: Any, query: dict[str, Any], fmt: str,
                   format_pointer: str = "#/query/format") -> Any:
    """A figure operation's answer in ``fmt`` (or its 422)."""
    try:
        fig, root = answer(query)
    except _ItemError as exc:
        return _abort(exc)
    return _render(fig, root, fmt, format_pointer)


def _flat_cash_flows(query: dict[str, Any], fmt: str) -> Any:
    """The cash-flow table of flat query parameters in ``fmt`` (or its 422)."""
    try:
        proposal = _proposal_from_flat(query, "#/query")
        admission.admit(admission.proposal_cost(proposal), "#/query")
        root = _appraise(proposal, "#/query")
    except _ItemError as exc:
        return _abort(exc)
    return flat.render_table(*_table(root), fmt)


def _posted_cash_flows(proposal: core.Proposal, fmt: str) -> Any:
    """The cash-flow table of a posted proposal in ``fmt`` (or its 422)."""
    check_simulation(proposal)
    admission.admit(admission.proposal_cost(proposal))
    try:
        root = _appraise(proposal, None)
    except _ItemError as exc:
        return _abort(exc)
    return flat.render_table(*_table(root), fmt)


def _format_in_path(table: bool = False) -> list[dict[str, Any]]:
    """The ``format`` path parameter of a text operation, documented with its example."""
    return [{"in": "path", "name": "format", "example": "csv" if table else "text",
             "description": ("csv (a header row, then one row per year) or xml." if table else
                             "text (one bare value), csv (field,value,reason rows) or xml.")}]


@bp.get("/appraisal")
@bp.arguments(AppraisalFigureQuerySchema(), location="query", unknown=RAISE)
@bp.response(200, FigureSchema, example=EXAMPLES["appraisal"]["application/json"])
@_document_formats("appraisal")
@auth.query_key
def get_appraisal_figure(query: dict[str, Any]) -> Any:
    """Get one figure of an appraisal from flat parameters

    The proposal is given as query parameters named by their dotted path in the proposal
    (term_years=10&public.baseline_annual_cost=10000000&public.annual_payment=8600000&...). A
    per-year figure is one number (every year) or a comma-separated list with one value per
    contract year. Blocks that need lists of objects (channel_shift, social_value) have no flat
    form: POST the proposal to /v1/appraisals instead. field names the figure (public.npv);
    format=text returns it bare for WEBSERVICE (=NUMBERVALUE(WEBSERVICE(url),".")), and #N/A
    (status 200) when the figure does not exist for this proposal: format=json gives the reason.
    Query errors are 422 problem details with pointers #/query/<name>.
    """
    return _figure_answer(_answer_appraisal, query, query["format"])


@bp.get("/appraisal/<any(text, csv, xml):format>", parameters=_format_in_path())
@bp.arguments(AppraisalFigureTextQuerySchema(), location="query", unknown=RAISE)
@_document_formats("appraisal")
@auth.query_key
def get_appraisal_figure_text(query: dict[str, Any], format: str) -> Any:
    """Get one figure of an appraisal as text, CSV or XML

    The same question and answer as GET /v1/sheets/appraisal, written as text (one bare value,
    #N/A when it does not exist: for WEBSERVICE and for generated clients, which read it as a
    string), csv (field,value,reason rows: IMPORTDATA, Power Query) or xml (FILTERXML). text
    needs a field naming one figure; a block is a 422 naming #/query/field.
    """
    return _figure_answer(_answer_appraisal, query, format, "#/path/format")


@bp.get("/series")
@bp.arguments(SeriesQuerySchema(), location="query", unknown=RAISE)
@bp.response(200, FigureSchema, example=EXAMPLES["series"]["application/json"])
@_document_formats("series")
@auth.query_key
def get_series_figure(query: dict[str, Any]) -> Any:
    """Get the NPV, IRR or payback of a list of cash flows

    values are the cash flows, year 0 first (year 0 is not discounted: Excel's
    =B1+NPV(rate,B2:B11) is the same NPV). With rate, a flat rate; without, the HM Treasury Green
    Book STPR schedule (3.5% for years 0-30, then declining). field picks npv, irr,
    payback_years or discounted_payback_years; format=text returns it bare, #N/A when it does
    not exist (an IRR with no sign change).
    """
    return _figure_answer(_answer_series, query, query["format"])


@bp.get("/series/<any(text, csv, xml):format>", parameters=_format_in_path())
@bp.arguments(SeriesTextQuerySchema(), location="query", unknown=RAISE)
@_document_formats("series")
@auth.query_key
def get_series_figure_text(query: dict[str, Any], format: str) -> Any:
    """Get the NPV, IRR or payback of a list of cash flows as text, CSV or XML

    The same question and answer as GET /v1/sheets/series, written as text (one bare value,
    #N/A when it does not exist), csv or xml.
    """
    return _figure_answer(_answer_series, query, format, "#/path/format")


@bp.get("/cash-flows")
@bp.arguments(CashFlowQuerySchema(), location="query", unknown=RAISE)
@bp.response(200, TableSchema, example=EXAMPLES["cash_flows_get"]["application/json"])
@_document_formats("cash_flows_get", table=True)
@auth.query_key
def get_cash_flows(query: dict[str, Any]) -> Any:
    """Get the cash-flow table of an appraisal from flat parameters

    The same flat parameters as /v1/sheets/appraisal; the answer is the year-by-year cash-flow
    table (years 0..term_years, one column per CashFlowRow field). format=csv gives a header row
    and one row per year for Google IMPORTDATA and Power Query; format=xml one <row> per year.
    """
    return _flat_cash_flows(query, query["format"])


@bp.get("/cash-flows/<any(csv, xml):format>", parameters=_format_in_path(table=True))
@bp.arguments(CashFlowTextQuerySchema(), location="query", unknown=RAISE)
@_document_formats("cash_flows_get", table=True)
@auth.query_key
def get_cash_flows_text(query: dict[str, Any], format: str) -> Any:
    """Get the cash-flow table of an appraisal from flat parameters as CSV or XML

    The same table as GET /v1/sheets/cash-flows: csv (a header row, then one row per year, for
    IMPORTDATA and Power Query) or xml (one <row> per year).
    """
    return _flat_cash_flows(query, format)


@bp.post("/cash-flows")
@bp.arguments(ProposalSchema(), example=examples.PROPOSAL)
@bp.arguments(TableFormatQuerySchema(), location="query", unknown=RAISE)
@bp.response(200, TableSchema, example=EXAMPLES["cash_flows_post"]["application/json"])
@_document_formats("cash_flows_post", table=True)
@document_body_errors(bp)
def post_cash_flows(proposal: core.Proposal, query: dict[str, Any]) -> Any:
    """Get the cash-flow table of a full proposal

    The body is a proposal as for POST /v1/appraisals (application/json, or text/plain carrying
    JSON for add-ins that may only send simple requests); format=csv|xml|json in the query.
    """
    return _posted_cash_flows(proposal, query["format"])


@bp.post("/cash-flows/<any(csv, xml):format>", parameters=_format_in_path(table=True))
@bp.arguments(ProposalSchema(), example=examples.PROPOSAL)
@_document_formats("cash_flows_post", table=True)
@document_body_errors(bp)
def post_cash_flows_text(proposal: core.Proposal, format: str) -> Any:
    """Get the cash-flow table of a full proposal as CSV or XML

    The same table as POST /v1/sheets/cash-flows, as csv or xml. The body is a proposal as for
    POST /v1/appraisals (application/json, or text/plain carrying JSON).
    """
    return _posted_cash_flows(proposal, format)


@bp.post("/batch")
@limits.budget(limits.BATCH_KEY)
@bp.arguments(SheetBatchSchema(), example=_BATCH_EXAMPLE)
@bp.response(200, SheetBatchResultSchema, example=EXAMPLES["batch"])
@document_body_errors(bp)
@document_busy(bp)
def create_sheet_batch(body: dict[str, Any]) -> dict[str, Any]:
    """Answer many spreadsheet operations in one request

    The Excel add-in sends every cell that recalculates in one request (POST with Content-Type
    text/plain carrying JSON is accepted, so no CORS preflight is needed). Results come back in
    the order of the operations. An operation that cannot be answered gets problem details with
    its index and pointers into this body (#/operations/3/params/public.annual_payment); the
    others are answered. Identical proposals in one batch are appraised once. The server's
    limits apply as to POST /v1/appraisals/batch: at most MAX_BATCH_SIZE operations and
    MAX_SIMULATION_ITERATIONS per simulation (422), and a heavy batch may be answered 503 with
    Retry-After while the server is busy with others.
    """
    operations = body["operations"]
    admission.check_batch_size(len(operations), "#/operations", "operations")
    admission.admit(sum(_estimate(op) for op in operations), "#/operations")
    return _batch(body, current_app.config["MAX_SIMULATION_ITERATIONS"])


def register(api: Any) -> None:
    """Register the blueprint and the batch item schema its results refer to."""
    api.spec.components.schema("SheetOperation", schema=SheetOperationSchema)
    api.spec.components.schema("ItemProblem", schema=ItemProblemSchema)
    api.register_blueprint(bp)
