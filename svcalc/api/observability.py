"""Request ids and structured JSON logs: one line per request, never a request body.

Every response carries ``X-Request-ID``: the caller's own, when it is a sane token (letters,
digits and ``._:-``, at most 128 characters), otherwise a fresh random one, so a portal can quote
it when reporting a problem and an operator can find the matching log line. After each request
the ``svcalc.access`` logger writes one JSON object::

    {"ts": "2026-11-23T12:00:00.123Z", "level": "INFO", "logger": "svcalc.access",
     "message": "request", "request_id": "3f2c...", "method": "POST", "path": "/v1/appraisals",
     "status": 200, "duration_ms": 1.7, "bytes_in": 412, "bytes_out": 4811}

Only the path is logged (no query string, no body, no headers): proposals are commercial
information. :func:`configure_logging` makes every svcalc log line JSON on stdout; ``wsgi.py``
calls it before the app exists.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import flask

REQUEST_ID_HEADER = "X-Request-ID"
#: A caller's request id is echoed only when it matches this (no spaces, quotes or newlines that
#: could forge log lines or headers).
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

access_logger = logging.getLogger("svcalc.access")

#: LogRecord attributes that are not "extra" fields.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, then the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
                  .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class RequestIdFilter(logging.Filter):
    """Stamp records logged while a request is served with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and flask.has_request_context():
            record.request_id = flask.g.get("request_id")
        return True


def configure_logging(level: str | int = "INFO", stream: Any = None) -> None:
    """Send all logging to ``stream`` (stdout by default) as JSON lines, at ``level``."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if isinstance(level, str) else level)


def request_id_from(header: str | None) -> str:
    """The caller's request id if it is sane, else a new random one.

    >>> request_id_from("portal-42.7")
    'portal-42.7'
    >>> len(request_id_from("bad id\\nforged")), len(request_id_from(None))
    (32, 32)
    """
    if header and REQUEST_ID_PATTERN.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _start() -> None:
    flask.g.request_started = time.perf_counter()
    flask.g.request_id = request_id_from(flask.request.headers.get(REQUEST_ID_HEADER))


def _finish(response: flask.Response) -> flask.Response:
    started = flask.g.get("request_started")
    request_id = flask.g.get("request_id") or request_id_from(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    duration_ms = (time.perf_counter() - started) * 1000.0 if started is not None else None
    access_logger.info("request", extra={
        "request_id": request_id,
        "method": flask.request.method,
        "path": flask.request.path,
        "status": response.status_code,
        "duration_ms": round(duration_ms, 3) if duration_ms is not None else None,
        "bytes_in": flask.request.content_length,
        "bytes_out": response.content_length,
    })
    return response


def register(app: flask.Flask) -> None:
    """Give every request an id, echo it, and log one JSON line when the response is ready."""
    app.before_request(_start)
    app.after_request(_finish)
