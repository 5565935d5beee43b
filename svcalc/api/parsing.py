"""Request-body parsing: strict JSON, accepted as application/json or text/plain.

Office.js custom functions can only send *simple* CORS requests, so a POST whose body is JSON
sent as ``text/plain`` is accepted as JSON. Any other content type is a 415.

NaN, Infinity and numbers too large for a float are parsed to non-finite floats so that the
schema rejects them *at their pointer* ("Special numeric values ... are not permitted").

A string holding a lone UTF-16 surrogate (``"\\ud800"`` with no partner) is valid JSON syntax but
not Unicode text: nothing can be written back from it (not JSON, not XML, not a log line), so
such a body is a 400 naming where it is.

The spreadsheet GETs may carry the API key as the ``key`` query parameter
(:func:`svcalc.api.auth.query_key` marks them with ``accepts_query_key``); it is the
credential, not an argument, so their query schemas never see it.
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

import flask
from flask_smorest import abort
from marshmallow import Schema
from webargs import core
from webargs.flaskparser import FlaskParser

#: Media types whose body is read as JSON.
BODY_MEDIA_TYPES = ("application/json", "text/plain")


def _parse_int(text: str) -> int | float:
    # A huge integer becomes inf (then rejected as non-finite) instead of a bigint that no
    # float field can hold.
    return int(text) if len(text) <= 18 else float(text)


#: A \\uD800-\\uDFFF escape in the raw body: only then can a parsed string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class LoneSurrogateError(ValueError):
    """A string of the body is not Unicode text; ``pointer`` says where."""

    def __init__(self, pointer: str) -> None:
        super().__init__(pointer)
        self.pointer = pointer


def _lone_surrogate(value: Any) -> str | None:
    """The JSON pointer of the first key or string holding a lone surrogate, or None.

    >>> _lone_surrogate({"a": ["ok", "x\\ud800"]}), _lone_surrogate({"a": "\\U0001f600"})
    ('#/a/1', None)
    """
    todo: list[tuple[str, Any]] = [("#", value)]
    while todo:
        where, node = todo.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return where
        elif isinstance(node, dict):
            for key, item in node.items():
                token = key.replace("~", "~0").replace("/", "~1")
                if _SURROGATE.search(key):
                    return f"{where}/{token}"
                todo.append((f"{where}/{token}", item))
        elif isinstance(node, list):
            todo.extend((f"{where}/{i}", item) for i, item in enumerate(node))
    return None


def loads(data: bytes) -> Any:
    """Decode a JSON body; NaN/Infinity literals become floats for the schema to reject.

    >>> loads(b'{"a": NaN, "b": 1e999, "c": 123456789012345678901234567890}')
    {'a': nan, 'b': inf, 'c': 1.2345678901234568e+29}
    >>> loads(b'{"a": [1, 2.5, -0.0, "x", null, true]}')
    {'a': [1, 2.5, -0.0, 'x', None, True]}
    """
    value = json.loads(data.decode("utf-8"), parse_int=_parse_int)
    if _SURROGATE_ESCAPE.search(data):  # rare: only then walk the whole value
        where = _lone_surrogate(value)
        if where is not None:
            raise LoneSurrogateError(where)
    return value


class BodyParser(FlaskParser):
    """webargs parser with svcalc's content-type and JSON rules."""

    def load_querystring(self, req: flask.Request, schema: Schema) -> Any:
        view = flask.current_app.view_functions.get(req.endpoint or "")
        if getattr(view, "accepts_query_key", False) and "key" in req.args:
            args = req.args.copy()
            args.poplist("key")
            return self._makeproxy(args, schema)
        return super().load_querystring(req, schema)

    def _raw_load_json(self, req: flask.Request) -> Any:
        if req.mimetype not in BODY_MEDIA_TYPES and not core.is_json(req.mimetype):
            abort(415, detail=(
                f"Send the proposal as JSON with Content-Type application/json (or text/plain "
                f"carrying JSON); got {req.mimetype or 'no content type'}."),
                kind="unsupported-media-type")
        data = req.get_data(cache=True)
        if not data.strip():
            abort(400, detail="The request body is empty: send a JSON object.", kind="empty-body",
                  errors=[{"pointer": "#", "detail": "Empty body."}])
        try:
            return loads(data)
        except RecursionError:
            abort(400, detail="The JSON body is nested too deeply.", kind="malformed-json",
                  errors=[{"pointer": "#", "detail": "Nested too deeply."}])
        except LoneSurrogateError as exc:
            detail = ("Not Unicode text: a \\u escape of one half of a surrogate pair (D800-DFFF) "
                      "with no partner.")
            abort(400, detail=f"The request body is not valid JSON text at {exc.pointer}.",
                  kind="malformed-json", errors=[{"pointer": exc.pointer, "detail": detail}])

    def _handle_invalid_json_error(self, error: Exception, req: flask.Request, *args: Any,
                                   **kwargs: Any) -> NoReturn:
        if isinstance(error, json.JSONDecodeError):
            where = f" at line {error.lineno}, column {error.colno}: {error.msg}"
        else:
            where = ": the body is not UTF-8 text"
        abort(400, detail=f"The request body is not valid JSON{where}.", kind="malformed-json",
              errors=[{"pointer": "#", "detail": f"Not valid JSON{where}."}])
