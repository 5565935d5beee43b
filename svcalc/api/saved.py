"""Saved appraisals: an id to cite, the proposal as received, the result as sent, and a
re-appraisal under today's method (issue 17; DESIGN.md section 12).

Every operation needs an API key (:mod:`svcalc.api.auth`) and sees only its organisation's
appraisals: another organisation's id is answered 404, as an id that does not exist. Storage is
:mod:`svcalc.store`; this module is the HTTP shape.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, current_app, g, request, url_for
from flask_smorest import Blueprint, abort
from marshmallow import ValidationError

from svcalc import core
from svcalc.api import admission, auth, examples, storage
from svcalc.api.problems import RETRY_AFTER_HEADER, document_problem, problem_response
from svcalc.api.render import body
from svcalc.api.schemas.proposal import ProposalSchema
from svcalc.api.schemas.saved import (
    ID_EXAMPLE,
    IdempotencyKeySchema,
    ReappraisalSchema,
    SavedAppraisalPageSchema,
    SavedAppraisalSchema,
    SavedListQuerySchema,
)
from svcalc.api.views import check_simulation, document_body_errors
from svcalc.store import appraisals
from svcalc.store.ids import ID_LENGTH

bp = Blueprint("saved", __name__, url_prefix="/v1",
               description="Saved appraisals: an id to cite, the proposal and the result as "
                           "they were, and a re-appraisal under today's method (needs an API "
                           "key)")

#: The figures a re-appraisal compares, in the order a reader weighs them: the verdict, then
#: the public side's headline (NPSV) and the rest of each side's business case.
HEADLINE = (
    "verdict.rating", "verdict.sustainable.public", "verdict.sustainable.supplier",
    "verdict.reasons", "public.npsv", "public.npsv_risk_adjusted", "public.npv",
    "public.npv_risk_adjusted", "public.irr", "public.payback_years",
    "public.discounted_payback_years", "public.peak_funding_requirement", "public.bcr",
    "supplier.npv", "supplier.npv_risk_adjusted", "supplier.irr",
    "supplier.whole_life_margin", "supplier.whole_life_margin_risk_adjusted",
    "supplier.breakeven_cost_overrun", "partnership.support_ratio",
    "partnership.support_ratio_risk_adjusted",
)

ID_PARAMETER = {
    "in": "path", "name": "appraisal_id", "required": True,
    "description": "A saved appraisal's id (the id of its save). Another organisation's id, "
                   "or one that does not exist, is answered 404.",
    "schema": {"type": "string", "minLength": 1, "maxLength": ID_LENGTH,
               "example": ID_EXAMPLE},
}
LOCATION = {"Location": {"description": "The saved appraisal's URL.",
                         "schema": {"type": "string", "example": f"/v1/saved-appraisals/"
                                                                  f"{ID_EXAMPLE}"}}}
STORE_ERRORS = {"503": "STORE_UNAVAILABLE"}


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _summary(saved: appraisals.Summary) -> dict[str, Any]:
    return {"id": saved.id, "saved_at": _iso(saved.saved_at), "name": saved.name,
            "rating": saved.rating, "method_version": saved.method_version,
            "reference_version": saved.reference_version,
            "proposal_sha256": saved.proposal_sha256}


def _record(saved: appraisals.Saved, result: dict[str, Any] | None = None) -> dict[str, Any]:
    """The saved appraisal as the API answers it (``result``: its result's body, when the
    caller has it already)."""
    return {**_summary(saved), "organisation": auth.principal().organisation,
            "request_id": saved.request_id, "idempotency_key": saved.idempotency_key,
            "proposal": json.loads(saved.proposal),
            "result": json.loads(saved.result) if result is None else result}


def _found(appraisal_id: str) -> appraisals.Saved:
    saved = appraisals.get(storage.store(), auth.principal().organisation_id, appraisal_id)
    if saved is None:
        abort(404, detail=f"No saved appraisal {appraisal_id[:ID_LENGTH]!r} for this key's "
                          f"organisation.")
    return saved


def _created(saved: appraisals.Saved, result: dict[str, Any] | None = None) -> Response:
    response: Response = current_app.json.response(  # type: ignore[attr-defined]
        _record(saved, result))
    response.status_code = 201
    response.headers["Location"] = url_for("saved.get_saved_appraisal", appraisal_id=saved.id)
    return response


def _same_proposal(saved: appraisals.Saved, proposal: core.Proposal, text: str) -> bool:
    """Whether ``proposal`` is the one ``saved`` holds, as svcalc reads them: spacing, key
    order, 10000000 or 10000000.0, a default written out or left out make no difference (a
    generated client fills in defaults and writes whole numbers as decimals). A saved proposal
    that no longer loads is compared by its fingerprint."""
    if appraisals.fingerprint(text) == saved.proposal_sha256:
        return True
    try:
        earlier = _saved_proposal(saved)
    except ValidationError:
        return False
    return earlier == proposal


def _again(saved: appraisals.Saved, proposal: core.Proposal, text: str) -> Response:
    """A save with an Idempotency-Key already used: the same answer for the same proposal."""
    if _same_proposal(saved, proposal, text):
        return _created(saved)
    return problem_response(
        409, f"Idempotency-Key {saved.idempotency_key!r} was used to save another proposal "
             f"({saved.id}); use a new key for a new proposal.", kind="idempotency-key-reused")


def _value(result: dict[str, Any], dotted: str) -> Any:
    node: Any = result
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def differences(saved: dict[str, Any], today: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline figures and the verdict of two result bodies, field by field.

    >>> differences({"public": {"npsv": 10.0}, "verdict": {"rating": "robust"}},
    ...             {"public": {"npsv": 12.5}, "verdict": {"rating": "robust"}})[4]
    {'field': 'public.npsv', 'saved': 10.0, 'today': 12.5, 'change': 2.5, 'changed': True}
    """
    out = []
    for field in HEADLINE:
        before, after = _value(saved, field), _value(today, field)
        change = after - before if _number(before) and _number(after) else None
        out.append({"field": field, "saved": before, "today": after, "change": change,
                    "changed": before != after})
    return out


def _saved_proposal(saved: appraisals.Saved) -> core.Proposal:
    proposal: core.Proposal = ProposalSchema().load(json.loads(saved.proposal))
    return proposal


def reappraisal(saved: appraisals.Saved, proposal: core.Proposal) -> dict[str, Any]:
    """``proposal`` (the saved one) appraised under today's method, and what changed."""
    today = body(core.appraise(proposal))
    diff = differences(json.loads(saved.result), today)
    return {"id": saved.id, "saved_method_version": saved.method_version,
            "saved_reference_version": saved.reference_version,
            "method_version": today["method"]["version"],
            "reference_version": today["method"]["reference_version"],
            "rating_changed": diff[0]["changed"],
            "changed": any(d["changed"] for d in diff), "differences": diff, "result": today}


def _reappraisal_example() -> dict[str, Any]:
    saved = examples.saved_example()
    record = appraisals.Saved(
        saved["id"], datetime.fromisoformat(saved["saved_at"]), saved["name"], saved["rating"],
        saved["method_version"], saved["reference_version"], saved["proposal_sha256"],
        saved["request_id"], saved["idempotency_key"], examples.SAVED_PROPOSAL_TEXT,
        json.dumps(saved["result"]))
    return reappraisal(record, _saved_proposal(record))


@bp.post("/saved-appraisals")
@bp.arguments(ProposalSchema(), example=examples.PROPOSAL)
@bp.arguments(IdempotencyKeySchema(), location="headers")
@bp.response(201, SavedAppraisalSchema, example=examples.saved_example(), headers=LOCATION)
@document_body_errors(bp)
@bp.alt_response(409, response="IDEMPOTENCY_KEY_REUSED")
@bp.alt_response(503, response="STORE_UNAVAILABLE")
@auth.key_required
def save_appraisal(proposal: core.Proposal, headers: dict[str, Any]) -> Response:
    """Appraise a proposal and save the result

    Appraises the proposal as POST /v1/appraisals does and saves, in one transaction, the
    proposal exactly as received, the result exactly as answered, method.version,
    reference_version, a hash of the proposal, the key's organisation, the time and the
    request id. Answers 201 with the saved appraisal and its URL in Location: its id is what a
    decision cites. Send an Idempotency-Key to make the save safe to retry: the same key and
    proposal answer the same saved appraisal (nothing new is saved); the same key with another
    proposal answers 409. The same proposal means the same once read: spacing, key order, 1e7
    or 10000000.0, and a default written out or left out make no difference.
    """
    who = auth.principal()
    store = storage.store()
    text = request.get_data(cache=True).decode("utf-8")
    key = headers.get("idempotency_key")
    if key is not None:
        earlier = appraisals.by_idempotency_key(store, who.organisation_id, key)
        if earlier is not None:
            return _again(earlier, proposal, text)
    check_simulation(proposal)
    admission.admit(admission.proposal_cost(proposal))
    appraisal = core.appraise(proposal)
    result = body(appraisal)
    saved, new = appraisals.save(store, appraisals.NewAppraisal(
        organisation_id=who.organisation_id, api_key_id=who.key_id,
        request_id=g.request_id,
        idempotency_key=key, name=appraisal.name, rating=appraisal.verdict.rating,
        method_version=appraisal.method.version,
        reference_version=appraisal.method.reference_version, proposal=text,
        result=current_app.json.dumps(result)))
    return _created(saved, result) if new else _again(saved, proposal, text)


@bp.get("/saved-appraisals")
@bp.arguments(SavedListQuerySchema(), location="query", unknown="raise")
@bp.response(200, SavedAppraisalPageSchema,
             example={"items": [examples.saved_summary_example()], "next_cursor": None})
@bp.alt_response(503, response="STORE_UNAVAILABLE")
@auth.key_required
def list_saved_appraisals(query: dict[str, Any]) -> Response:
    """List the organisation's saved appraisals

    Newest first, a page at a time: pass next_cursor back as cursor (with the same filters)
    for the next page. Filters: rating, a text the name contains (any case), and the days
    they were saved (saved_from, saved_to, inclusive, UTC). Each item is a summary; read one
    by its id for the proposal and the result.
    """
    filters = appraisals.Filters(query.get("rating"), query.get("name"),
                                 query.get("saved_from"), query.get("saved_to"))
    items, cursor = appraisals.page(storage.store(), auth.principal().organisation_id, filters,
                                    after=query.get("cursor"), limit=query["limit"])
    response: Response = current_app.json.response(  # type: ignore[attr-defined]
        {"items": [_summary(item) for item in items], "next_cursor": cursor})
    return response


@bp.get("/saved-appraisals/<appraisal_id>", parameters=[ID_PARAMETER])
@bp.response(200, SavedAppraisalSchema, example=examples.saved_example())
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(503, response="STORE_UNAVAILABLE")
@auth.key_required
def get_saved_appraisal(appraisal_id: str) -> Response:
    """Read a saved appraisal

    The proposal as it was received and the result as it was answered, with the method and
    reference data versions it was appraised under, when, and by which request.
    """
    response: Response = current_app.json.response(  # type: ignore[attr-defined]
        _record(_found(appraisal_id)))
    return response


@bp.delete("/saved-appraisals/<appraisal_id>", parameters=[ID_PARAMETER])
@bp.response(204, description="Deleted.")
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(503, response="STORE_UNAVAILABLE")
@auth.key_required
def delete_saved_appraisal(appraisal_id: str) -> Response:
    """Delete a saved appraisal

    Deletes it for good; its id then answers 404.
    """
    if not appraisals.delete(storage.store(), auth.principal().organisation_id, appraisal_id):
        abort(404, detail=f"No saved appraisal {appraisal_id[:ID_LENGTH]!r} for this key's "
                          f"organisation.")
    response = Response(status=204)
    del response.headers["Content-Type"]  # no body, so no media type
    return response


@bp.get("/saved-appraisals/<appraisal_id>/reappraisal", parameters=[ID_PARAMETER])
@bp.response(200, ReappraisalSchema, example=_reappraisal_example())
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(503, response="STORE_UNAVAILABLE")
@auth.key_required
def reappraise_saved_appraisal(appraisal_id: str) -> Response:
    """Appraise a saved proposal again under today's method

    Appraises the saved proposal under today's method and reference data and compares the
    result with the saved one, field by field: the verdict's rating, whether each side is
    sustainable, the reasons, and each side's headline figures, with today minus saved for
    numbers. Nothing is saved; save the proposal again to keep today's answer.
    """
    saved = _found(appraisal_id)
    proposal = _saved_proposal(saved)
    admission.admit(admission.proposal_cost(proposal))
    response: Response = current_app.json.response(  # type: ignore[attr-defined]
        reappraisal(saved, proposal))
    return response


def register(api: Any) -> None:
    """Add the saved appraisals' operations and their problem answers to ``api``."""
    document_problem(api, "STORE_UNAVAILABLE", "The database cannot be reached; try again "
                                               "later (appraising without saving still works)",
                     {"Retry-After": RETRY_AFTER_HEADER})
    document_problem(api, "IDEMPOTENCY_KEY_REUSED", "The Idempotency-Key was used to save "
                                                    "another proposal")
    api.register_blueprint(bp)
