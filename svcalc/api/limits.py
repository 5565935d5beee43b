"""A per-request compute budget, so that no input can tie a worker up for long.

The input bounds (``term_years`` <= 60, lists of at most 60 numbers, the body limit) already cap
the work of one appraisal at a few milliseconds; ``bench/worst_case.py`` measures the worst
inputs found (see ``bench/RESULTS.md``). The budget is the guard for what the bounds miss: a
wall-clock timer (``setitimer``/``SIGALRM``) armed when a request starts and disarmed when its
response is ready. If it fires, the request stops with ``503`` problem+json of type
``compute-budget-exceeded`` and the worker is free again at once, long before gunicorn's
``timeout`` (the last backstop, which kills the whole worker).

Operations that appraise many proposals in one request (batches, comparisons) are marked with
:func:`budget` and get ``BATCH_COMPUTE_BUDGET_SECONDS`` instead: a full batch of 1,000 25-year
proposals computes for ~1.3 s on an idle core, but several times that under load, with long
terms or with a simulation per proposal, so the single-request budget would refuse batch sizes
the API advertises. Reports (``POST /v1/reports``) get ``REPORT_COMPUTE_BUDGET_SECONDS``: drawing
the charts and laying out a PDF costs far more than the appraisal it shows: the largest valid
report (60 years, every optional block at its longest: ``bench.proposals.every_block``) takes
about 5 s on an idle core, and a worker's first report also loads WeasyPrint and the chart
engine.

**The budget counts computing, not uploading.** The timer is armed only once the whole request
body has arrived: :func:`read_body` reads it first, so a slow upload is never stopped for the
budget. It also holds the body to ``MAX_CONTENT_LENGTH`` when the length is not announced (a
chunked body over the limit is a 413, not a body cut short), and under gunicorn answers ``408``
when the body stalls for ``BODY_TIMEOUT_SECONDS`` instead of holding a worker until gunicorn's
``timeout`` kills it (behind the proxy, nginx reads bodies and never lets them stall here).

The timer needs the main thread (signals are delivered there): it is active under gunicorn's
sync workers and the test client, and skipped in threaded servers such as ``flask run``.
"""

from __future__ import annotations

import io
import signal
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import flask
from flask_smorest import abort

from svcalc.api.problems import problem_response


class ComputeBudgetExceeded(Exception):
    """The request computed for longer than ``COMPUTE_BUDGET_SECONDS``."""


DEFAULT_KEY = "COMPUTE_BUDGET_SECONDS"
BATCH_KEY = "BATCH_COMPUTE_BUDGET_SECONDS"
REPORT_KEY = "REPORT_COMPUTE_BUDGET_SECONDS"
View = TypeVar("View", bound=Callable[..., Any])


def budget(config_key: str) -> Callable[[View], View]:
    """Give an operation the budget in the setting ``config_key`` instead of the default."""

    def mark(view: View) -> View:
        view.compute_budget_key = config_key  # type: ignore[attr-defined]
        return view

    return mark


def _budget_seconds() -> float:
    app = flask.current_app
    view = app.view_functions.get(flask.request.endpoint or "")
    return float(app.config.get(getattr(view, "compute_budget_key", DEFAULT_KEY)) or 0.0)


def _on_alarm(signum: int, frame: Any) -> None:
    raise ComputeBudgetExceeded


def _can_arm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _announced_length(environ: dict[str, Any]) -> int | None:
    try:
        return max(0, int(environ.get("CONTENT_LENGTH") or ""))
    except ValueError:
        return None


def read_body() -> None:
    """Read the request body now, whole, within ``MAX_CONTENT_LENGTH``; 408 if it stalls.

    The body is put back as an in-memory stream with its length, so Flask reads it as usual.
    """
    environ = flask.request.environ
    length = _announced_length(environ)
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if not length and not chunked:
        return
    limit = flask.current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and length is not None and length > limit:
        abort(413, detail=f"The request body is {length:,} bytes; this server accepts at most "
                          f"{limit:,}.")
    want = length if length is not None and not chunked else (
        limit + 1 if limit is not None else None)
    stream = environ["wsgi.input"]
    sock = environ.get("gunicorn.socket")
    timeout = float(flask.current_app.config.get("BODY_TIMEOUT_SECONDS") or 0) or None
    saved = sock.gettimeout() if sock is not None else None
    chunks: list[bytes] = []
    size = 0
    try:
        if sock is not None:
            sock.settimeout(timeout)
        while want is None or size < want:
            chunk = stream.read(min(65536, want - size) if want is not None else 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except TimeoutError:
        abort(408, detail=f"The request body stopped arriving (nothing for "
                          f"{timeout:g} s); send it again.")
    finally:
        if sock is not None:
            sock.settimeout(saved)
    if limit is not None and size > limit:
        abort(413, detail=f"The request body is over this server's limit of {limit:,} bytes.")
    environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
    environ["CONTENT_LENGTH"] = str(size)


def _arm() -> None:
    read_body()
    seconds = _budget_seconds()
    flask.g.compute_budget = seconds
    if seconds > 0.0 and _can_arm():
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        flask.g.compute_budget_armed = True


def _disarm() -> None:
    if flask.g.pop("compute_budget_armed", False):
        signal.setitimer(signal.ITIMER_REAL, 0.0)


def _disarm_response(response: flask.Response) -> flask.Response:
    _disarm()
    return response


def _disarm_teardown(error: BaseException | None) -> None:
    _disarm()


def handle_budget_exceeded(error: ComputeBudgetExceeded) -> flask.Response:
    """503: the request was stopped; the input is valid but too costly to compute here."""
    _disarm()
    seconds = flask.g.get("compute_budget", flask.current_app.config.get(DEFAULT_KEY))
    return problem_response(
        503,
        f"The request needed more than its compute budget of {seconds} s and was stopped. "
        f"Send a smaller request (fewer years, items or iterations).",
        kind="compute-budget-exceeded",
        title="Compute budget exceeded",
    )


def register(app: flask.Flask) -> None:
    """Arm the compute budget for every request; answer an overrun with 503 problem+json."""
    app.before_request(_arm)
    app.after_request(_disarm_response)
    app.teardown_request(_disarm_teardown)
    app.register_error_handler(ComputeBudgetExceeded, handle_budget_exceeded)
