"""RFC 9457 problem details for every error the API can answer.

Every non-2xx response is ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail``, ``instance`` and, for bad input, ``errors``: a list of ``{pointer, detail}`` where
``pointer`` is a JSON Pointer (in URI-fragment form, ``#/public/annual_payment/3``) into the
request body or, for query parameters, ``#/query/<name>`` (``#/headers/<name>`` for headers).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, InternalServerError

from svcalc.core.errors import ProposalError

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://svcalc.example/problems/"

#: The svcalc problem types: (type suffix, title). Plain HTTP errors use about:blank.
PROBLEM_TYPES: dict[str, str] = {
    "validation-error": "Request is not valid",
    "malformed-json": "Request body is not valid JSON",
    "empty-body": "Request body is empty",
    "unsupported-media-type": "Unsupported request content type",
    "internal-error": "Internal server error",
    "unauthorized": "Missing or invalid API key",
    "rate-limited": "Too many requests",
    "store-unavailable": "Database unavailable",
    "idempotency-key-reused": "Idempotency-Key already used for another proposal",
    "public-base-url-unknown": "Public HTTPS address not configured",
}


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer(path: tuple[str, ...]) -> str:
    """A JSON Pointer in URI-fragment form: ``("public", "annual_payment")`` -> ``#/public/...``."""
    return "#" + "".join("/" + _escape(p) for p in path)


def flatten(messages: Any, path: tuple[str, ...] = ()) -> Iterator[dict[str, str]]:
    """Turn marshmallow's nested error messages into ``{pointer, detail}`` items.

    >>> list(flatten({"public": {"annual_payment": {3: ["Not a valid number."]}}}))
    [{'pointer': '#/public/annual_payment/3', 'detail': 'Not a valid number.'}]
    >>> list(flatten({"_schema": ["Invalid input type."]}))
    [{'pointer': '#', 'detail': 'Invalid input type.'}]
    """
    if isinstance(messages, dict):
        for key, value in messages.items():
            sub = path if key == "_schema" else (*path, str(key))
            yield from flatten(value, sub)
    elif isinstance(messages, list | tuple):
        for item in messages:
            yield from flatten(item, path)
    else:
        yield {"pointer": pointer(path), "detail": str(messages)}


class ProblemErrorSchema(Schema):
    """One invalid field."""

    pointer = fields.String(
        required=True,
        metadata={"description": "JSON Pointer (URI-fragment form) to the bad value in the "
                                 "request body, or #/query/<name> for a query parameter "
                                 "(#/headers/<name> for a header).",
                  "example": "#/public/annual_payment/3"})
    detail = fields.String(required=True, metadata={"description": "What is wrong, for a person.",
                                                    "example": "Not a valid number."})


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(
        required=True,
        metadata={"description": "A URI naming the problem type: about:blank for plain HTTP "
                                 "errors, or one of the svcalc problem types listed in the API "
                                 "description.",
                  "example": PROBLEM_BASE + "validation-error"})
    title = fields.String(required=True, metadata={"description": "Short summary of the type.",
                                                   "example": "Request is not valid"})
    status = fields.Integer(required=True, metadata={"description": "HTTP status code.",
                                                     "example": 422, "x-unit": "HTTP status code"})
    detail = fields.String(required=True, metadata={"description": "What went wrong, for a "
                                                                   "person.",
                                                    "example": "2 fields are invalid."})
    instance = fields.String(required=True, metadata={"description": "The request path.",
                                                      "example": "/v1/appraisals"})
    errors = fields.List(fields.Nested(ProblemErrorSchema),
                         metadata={"description": "Every invalid field, when the input was bad."})


def problem_response(status: int, detail: str, *, kind: str | None = None,
                     title: str | None = None, errors: list[dict[str, str]] | None = None,
                     headers: dict[str, str] | None = None) -> Response:
    """Build an ``application/problem+json`` response."""
    body = problem_body(status, detail, kind=kind, title=title, errors=errors,
                        instance=request.path)
    response = current_app.response_class(
        json.dumps(body, allow_nan=False), status=status, mimetype=PROBLEM_MEDIA_TYPE
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def problem_body(status: int, detail: str, *, kind: str | None = None, title: str | None = None,
                 errors: list[dict[str, str]] | None = None,
                 instance: str = "/v1/appraisals") -> dict[str, Any]:
    """The problem details of an answer: ``kind`` names a svcalc problem type (about:blank
    without one), ``instance`` the request path."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind if kind else "about:blank",
        "title": title or (PROBLEM_TYPES[kind] if kind else _phrase(status)),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:  # pragma: no cover - werkzeug only raises known statuses
        return "Error"


def _count(errors: list[dict[str, str]]) -> str:
    return "1 field is invalid." if len(errors) == 1 else f"{len(errors)} fields are invalid."


def handle_http_exception(error: HTTPException) -> Response:
    """Render any HTTPException (including webargs' 422 aborts) as problem details."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    if isinstance(error, InternalServerError) or status >= 500:
        original = getattr(error, "original_exception", None)
        logger.error("unhandled error on %s %s", request.method, request.path,
                     exc_info=original or error)
        return problem_response(500, "The server could not complete the request. It has been "
                                     "logged; please report it with the time of the request.",
                                kind="internal-error")
    if "messages" in data:  # webargs validation failure
        errors: list[dict[str, str]] = []
        for location, messages in data["messages"].items():
            prefix = (location,) if location in ("query", "headers") else ()
            errors.extend(flatten(messages, prefix))
        return problem_response(status, _count(errors), kind=data.get("kind", "validation-error"),
                                errors=errors, headers=headers)
    if "detail" in data:  # svcalc's own aborts
        return problem_response(status, data["detail"], kind=data.get("kind"),
                                errors=data.get("errors"), headers=headers)
    return problem_response(status, error.description or _phrase(status), headers=headers)


def handle_proposal_error(error: ProposalError) -> Response:
    """A proposal the core found inconsistent: 422 naming the field."""
    return problem_response(422, "1 field is invalid.", kind="validation-error",
                            errors=[{"pointer": error.pointer, "detail": str(error)}])


#: One answer of each documented error response, as the server writes it (the response
#: component's name -> body); tests/test_problems.py provokes each and compares.
EXAMPLES: dict[str, dict[str, Any]] = {
    "BAD_REQUEST": problem_body(
        400, "The request body is not valid JSON at line 1, column 19: Expecting ',' delimiter.",
        kind="malformed-json", errors=[{"pointer": "#", "detail": "Not valid JSON at line "
                                             "1, column 19: Expecting ',' delimiter."}]),
    "REQUEST_TIMEOUT": problem_body(
        408, "The request body stopped arriving (nothing for 10 s); send it again."),
    "REQUEST_ENTITY_TOO_LARGE": problem_body(
        413, "The request body is 9,000,000 bytes; this server accepts at most "
        "8,388,608."),
    "UNSUPPORTED_MEDIA_TYPE": problem_body(
        415, "Send the proposal as JSON with Content-Type application/json (or text/plain "
        "carrying JSON); got application/xml.", kind="unsupported-media-type"),
    "UNPROCESSABLE_ENTITY": problem_body(
        422, "2 fields are invalid.", kind="validation-error", errors=[
            {"pointer": "#/term_years", "detail": "Must be greater than or equal to 1 and less "
                                                  "than or equal to 60."},
            {"pointer": "#/public/annual_payment/3", "detail": "Not a valid number."}]),
    "DEFAULT_ERROR": problem_body(
        500, "The server could not complete the request. It has been logged; please report it "
        "with the time of the request.", kind="internal-error"),
    "KEY_REJECTED": problem_body(
        401, "The API key is unknown or has been revoked.", kind="unauthorized",
        instance="/v1/saved-appraisals"),
    "RATE_LIMITED": problem_body(
        429, "Too many requests for this API key (limit 600 per 1 minute). Try again in 12 s.",
        kind="rate-limited"),
    "STORE_UNAVAILABLE": problem_body(
        503, "The database cannot be reached just now, so saved appraisals cannot be saved or "
        "read. Try again shortly; appraising without saving still works.",
        kind="store-unavailable", instance="/v1/saved-appraisals"),
    "IDEMPOTENCY_KEY_REUSED": problem_body(
        409, "Idempotency-Key 'quarterly-review-7' was used to save another proposal "
        "(01M8V1DSE07XJ3C9T4VAQ2M5RB); use a new key for a new proposal.",
        kind="idempotency-key-reused", instance="/v1/saved-appraisals"),
    "NOT_FOUND": problem_body(
        404, "No saved appraisal '01JDQ4ZC6ZQ1V3K8M2N7P5R9TX' for this key's "
        "organisation.", instance="/v1/saved-appraisals/01JDQ4ZC6ZQ1V3K8M2N7P5R9TX"),
    "SERVER_BUSY": problem_body(
        503, "The server is already computing as many heavy requests as it allows at once (this "
        "one costs 1,200 units of work). Retry after 5 s, or send smaller requests.",
        kind="server-busy", title="Server busy", instance="/v1/appraisals/batch"),
}


def document_problem(api: Any, name: str, description: str,
                     headers: dict[str, dict[str, Any]] | None = None) -> None:
    """Register the response component ``name``: problem+json, with the ``headers`` it always
    carries (OpenAPI header objects) and its example from :data:`EXAMPLES`."""
    from flask_smorest.utils import prepare_response

    response: dict[str, Any] = {"description": description, "schema": ProblemSchema}
    if name in EXAMPLES:
        response["example"] = EXAMPLES[name]
    if headers:
        response["headers"] = headers
    prepare_response(response, api.spec, PROBLEM_MEDIA_TYPE)
    api.spec.components.response(name, response, lazy=True)


#: The ``Retry-After`` header object of a 429 or 503 answer.
RETRY_AFTER_HEADER = {"description": "Seconds to wait before trying again.",
                      "schema": {"type": "integer", "minimum": 0}}
