"""Rate limits per API key (Flask-Limiter): 429 problem+json with ``Retry-After``.

Every ``/v1`` operation but the reference data counts against one budget per key,
``RATELIMIT_PER_KEY`` (``600 per minute`` by default; Flask-Limiter's notation, several limits
separated by ``;``). Calls without a key (possible while ``AUTH`` is ``off``) count per client
address against ``RATELIMIT_ANONYMOUS``, empty by default (no limit; behind a proxy every client
has the proxy's address, so set it only where addresses mean something).

Counters live in ``RATELIMIT_STORAGE_URI``: ``memory://`` by default, which is per worker process
(gunicorn's N workers let a key through up to N times the limit); ``redis://host:6379/0`` shares
them between every worker and instance. If the storage cannot be reached, Flask-Limiter falls back
to memory (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``) rather than refusing calls.
"""

from __future__ import annotations

import time
from typing import Any

import flask
from flask_limiter import Limiter, RateLimitExceeded

from svcalc.api import auth
from svcalc.api.problems import RETRY_AFTER_HEADER, document_problem, problem_response


def _who() -> str:
    principal = flask.g.get("principal")
    if principal is not None:
        return f"key:{principal.key_id}"
    return f"address:{flask.request.remote_addr}"


def _limit() -> str:
    config = flask.current_app.config
    limit: str = config["RATELIMIT_PER_KEY" if flask.g.get("principal") else
                        "RATELIMIT_ANONYMOUS"]
    return limit


def _exempt() -> bool:
    request = flask.request
    return request.method == "OPTIONS" or not auth.governed(request.endpoint, request.path)


def handle_rate_limited(error: RateLimitExceeded) -> flask.Response:
    """429 with ``Retry-After``: the seconds until the key's window resets."""
    limiter: Limiter = flask.current_app.extensions["svcalc.limiter"]
    current = limiter.current_limit
    wait = max(1, int(current.reset_at - time.time())) if current is not None else 1
    return problem_response(
        429, f"Too many requests for this API key (limit {error.description}). Try again in "
             f"{wait} s.", kind="rate-limited", headers={"Retry-After": str(wait)})


def register(app: flask.Flask, api: Any) -> Limiter:
    """Count every governed request; register after :func:`svcalc.api.auth.register`, whose
    check must run first (the limiter counts per key)."""
    limiter = Limiter(key_func=_who, application_limits=[_limit], app=app)
    limiter.request_filter(_exempt)
    app.extensions["svcalc.limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    document_problem(api, "RATE_LIMITED", "Too many requests for this key (or, without a key, "
                                          "this address)", {"Retry-After": RETRY_AFTER_HEADER})
    return limiter
