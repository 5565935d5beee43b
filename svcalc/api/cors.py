"""CORS for browser and add-in callers (the Excel custom-functions add-in, web pages).

A small ``after_request`` hook rather than flask-cors: svcalc needs one fixed policy (no
credentials, GET/POST, two request headers) and it must apply to *every* response, problem+json
errors included (Flask runs ``after_request`` for responses made by error handlers too), so the
hook is shorter than configuring the extension and adds no dependency.

* **Keys** travel in ``Authorization`` (allowed in a preflight; no cookies, so ``*`` stays safe),
  or, for the spreadsheet GETs, in the ``key`` query parameter of a simple request.
* **Simple requests** (GET with query parameters; POST with ``Content-Type: text/plain``, which
  is all the add-in's JavaScript-only runtime may send) get ``Access-Control-Allow-Origin`` and
  no preflight is needed.
* **Preflight** (``OPTIONS`` with ``Access-Control-Request-Method``, sent for an
  ``application/json`` POST by browsers and the shared runtime) is answered by Flask's automatic
  ``OPTIONS`` with ``Access-Control-Allow-Origin``, ``-Methods``, ``-Headers`` and ``-Max-Age``.
* **Request ids**: ``X-Request-ID`` may be sent (it is allowed in the preflight) and read
  (``Access-Control-Expose-Headers``, with ``Retry-After``) by a browser script.
* **Origins** come from ``CORS_ORIGINS`` (environment ``SVCALC_CORS_ORIGINS``): ``*`` (default:
  any origin, which is safe because svcalc uses no cookies or credentials), a comma-separated
  string or a JSON list of exact origins (then the matching origin is echoed with
  ``Vary: Origin``), or an empty string to send no CORS headers at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response, current_app, request

ALLOW_METHODS = "GET, POST, DELETE, OPTIONS"
#: Content-Type for JSON bodies; Accept(-Language)/Content-Language are always safe-listed;
#: Authorization carries an API key and Idempotency-Key names a save (svcalc.api.auth, .saved).
ALLOW_HEADERS = ("Content-Type, Accept, Accept-Language, Content-Language, Authorization, "
                 "Idempotency-Key")
#: Response headers a script may read besides the safe-listed ones: a save's URL, when to
#: retry a 429 or 503, and the request id svcalc answers with (to quote it in a report).
EXPOSE_HEADERS = "Location, Retry-After, X-Request-ID"
#: Browsers cache a preflight this many seconds (Chromium caps it at 7200).
MAX_AGE = "600"
#: A browser script may send its own request id (observability.py echoes a sane one).
REQUEST_ID_HEADER = "X-Request-ID"


def allowed_origins(setting: str | Iterable[str] | None) -> frozenset[str]:
    """Normalise the CORS_ORIGINS setting.

    >>> sorted(allowed_origins("https://a.example, https://b.example"))
    ['https://a.example', 'https://b.example']
    >>> allowed_origins(["*"]), allowed_origins("")
    (frozenset({'*'}), frozenset())
    """
    if setting is None:
        return frozenset()
    items = setting.split(",") if isinstance(setting, str) else setting
    return frozenset(o.strip().rstrip("/") for o in items if o and o.strip())


def add_cors_headers(response: Response) -> Response:
    """Add the CORS headers a request from an allowed origin needs."""
    origin = request.headers.get("Origin")
    if not origin:
        return response
    origins = allowed_origins(current_app.config.get("CORS_ORIGINS"))
    if "*" in origins:
        response.headers["Access-Control-Allow-Origin"] = "*"
    else:
        response.vary.add("Origin")
        if origin not in origins:
            return response
        response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
        response.headers["Access-Control-Allow-Headers"] = f"{ALLOW_HEADERS}, {REQUEST_ID_HEADER}"
        response.headers["Access-Control-Max-Age"] = MAX_AGE
    return response


def register(app: Flask) -> None:
    """Install the hook on ``app``."""
    app.after_request(add_cors_headers)
