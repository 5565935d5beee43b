"""svcalc appraises a proposed public/private partnership and answers one question honestly: is this
deal good, and sustainable, for **both sides**, or does it only look good because its assumptions
are over-bullish?

## Conventions

* **Years.** Year 0 is the appraisal base year: one-off (upfront) costs fall there and are not
  discounted. Years 1..`term_years` are contract years; flows fall at the end of each year.
  Discount factor `DF_t = prod_{y=1..t} 1/(1+r_y)`. numpy-financial's `npv` uses the same
  convention; Excel's `NPV()` discounts its first value, so in a spreadsheet use
  `=B1+NPV(r, B2:B11)`.
* **Discounting.** The public side uses the HM Treasury Green Book STPR schedule (3.5% for years
  0-30, 3.0% for 31-75, 2.5%, 2.0%, 1.5%, 1.0% beyond) unless the proposal gives a flat
  `public.discount_rate`. The supplier is discounted at its own `supplier.cost_of_capital`
  (default 8%, real).
* **Prices.** Every output is in real base-year prices. A proposal with `price_basis: nominal`
  gives `inflation`, and svcalc deflates each year's figures by `(1+inflation)^t` before
  discounting (never nominal flows at the real STPR).
* **Units.** Money is a number in the proposal's `currency` (GBP by default), rounded to 2
  decimals in responses. Rates and shares are decimal fractions: 0.035, not 3.5.
* **Yearly figures.** A number applies to every contract year; a list gives one value per
  contract year and must have exactly `term_years` items.
* **Absent figures.** A figure that does not exist (an IRR of flows with no sign change, a
  payback that never comes) is `null`, and the `notes` object of its block says why. Responses
  never contain NaN or Infinity.

## Errors

Every error is `application/problem+json` (RFC 9457) with `type`, `title`, `status`, `detail`,
`instance`, and for bad input an `errors` list of `{pointer, detail}`, one per bad field, where
`pointer` is a JSON Pointer into the request body (`#/public/annual_payment/3`). Unknown fields
are rejected, so a misspelt field is never silently ignored. Problem types:

| type | status | when |
|---|---|---|
| `https://svcalc.example/problems/validation-error` | 422 | a field is missing, of the wrong type, out of range, or inconsistent |
| `https://svcalc.example/problems/malformed-json` | 400 | the body is not valid JSON |
| `https://svcalc.example/problems/empty-body` | 400 | the body is empty |
| `https://svcalc.example/problems/unsupported-media-type` | 415 | the body is not `application/json` or `text/plain` |
| `https://svcalc.example/problems/internal-error` | 500 | a fault in svcalc (logged; never a stack trace) |
| `about:blank` | 404, 405, 408, 413 | plain HTTP errors; `title` is the reason phrase (408: the body stopped arriving) |
| `https://svcalc.example/problems/compute-budget-exceeded` | 503 | computing took longer than the server's budget; send a smaller request |
| `https://svcalc.example/problems/server-busy` | 503 | the server is computing as many heavy requests as it allows at once; retry after `Retry-After` seconds |
| `https://svcalc.example/problems/unauthorized` | 401 | no API key where one is needed, or an unknown or revoked one (with `WWW-Authenticate: Bearer`) |
| `https://svcalc.example/problems/rate-limited` | 429 | too many requests for this key; `Retry-After` says how many seconds to wait |
| `https://svcalc.example/problems/idempotency-key-reused` | 409 | an `Idempotency-Key` already used to save another proposal |
| `https://svcalc.example/problems/store-unavailable` | 503 | the database cannot be reached; `Retry-After` says when to try again (appraising without saving still works) |
| `https://svcalc.example/problems/public-base-url-unknown` | 409 | `/addin/manifest.xml` asked for over plain HTTP on a server with no `SVCALC_PUBLIC_BASE_URL` |

## Keys, organisations and saved appraisals

An API key (made by the operator: `flask --app wsgi keys create --org NAME`) is sent as
`Authorization: Bearer <key>`; the spreadsheet GET operations, which cannot send a header,
also take it as the `key` query parameter (never logged). Saved appraisals always need a key,
and a key sees only its organisation's: another organisation's id is answered 404. The other
operations take anonymous calls unless the server sets `SVCALC_AUTH=required`; a key that is
sent is always checked. Requests are rate-limited per key (429 with `Retry-After`).

Each operation lists every status its input can cause. 404 (no such path) and 405 (a method the
path does not have) answer requests that match no operation, and 503 answers any request the
server stopped for its compute budget, so these are documented here rather than under each
operation; a 405 carries an `Allow` header naming the methods the path does have.

**Limits.** A request's cost is known before it computes: about 1 unit per proposal, plus
`term_years`/100, plus `iterations`/10,000 for a simulation. More than the server's
`MAX_REQUEST_COST` in one request, more items than `MAX_BATCH_SIZE`, or more iterations than
`MAX_SIMULATION_ITERATIONS` is a 422 naming the field (split the batch). Heavy batches share a
few slots: when all are taken the answer is 503 `server-busy` with `Retry-After`.

**Behind the proxy** (deploy/nginx.conf) its own answers are problem+json too, with type
`about:blank`: 400 (not valid HTTP), 413 (body over the limit, chunked or not), 414 (request line
over 8 KiB), 429 (too many connections from one address, with `Retry-After`), 431 (a header over
8 KiB), 502/504 (svcalc not answering, with `Retry-After`). A request whose headers or body stop
arriving for 10 s is closed without an answer.
"""

from __future__ import annotations

import http
from typing import Any

import flask
import flask_smorest

from svcalc.api.parsing import BodyParser
from svcalc.api.problems import ProblemSchema, document_problem, handle_http_exception
from svcalc.core.errors import ProposalError

flask_smorest.Blueprint.ARGUMENTS_PARSER = BodyParser()


class Api(flask_smorest.Api):
    """flask-smorest's Api, answering and documenting every error as problem+json."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"

    def handle_http_exception(self, error: Any) -> flask.Response:  # type: ignore[override]
        return handle_http_exception(error)

    def _init_spec(self, *args: Any, **kwargs: Any) -> None:
        super()._init_spec(*args, **kwargs)
        from svcalc.api import contract

        contract.install(self)

    def _register_pagination_header(self) -> None:
        # svcalc does not paginate: registering PaginationMetadata would put an unused model into
        # every generated client.
        pass

    def _register_responses(self) -> None:
        # smorest registers its error responses as application/json in this private method;
        # svcalc's are problem+json. tests/test_openapi.py fails loudly if an upgrade breaks this.
        for status in http.HTTPStatus:
            if not (100 <= status < 200) and status not in (204, 304):
                document_problem(self, status.name, status.phrase)
        document_problem(self, "DEFAULT_ERROR", "Default error response")


def register(app: flask.Flask) -> Api:
    """Attach the API (blueprints, handlers, spec, docs) to ``app``."""
    from svcalc.api import (
        appraisals,
        auth,
        cors,
        docs,
        meta,
        portal,
        ratelimit,
        reports,
        saved,
        spreadsheet,
        storage,
    )
    from svcalc.api.problems import handle_proposal_error

    api = Api(app)
    # Keys and limits first: their spec plugin must see every operation, and a request's key
    # is checked before the rate limiter counts it.
    storage.register(app)
    auth.register(app, api)
    ratelimit.register(app, api)
    api.register_blueprint(appraisals.bp)
    api.register_blueprint(meta.bp)
    spreadsheet.register(api)
    portal.register(api)
    api.register_blueprint(reports.bp)
    saved.register(api)
    cors.register(app)
    app.register_error_handler(ProposalError, handle_proposal_error)
    docs.register(app, api)
    app.extensions["svcalc.api"] = api
    return api
