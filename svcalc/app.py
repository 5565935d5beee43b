"""The application factory. Kept out of ``svcalc/__init__.py`` so the core imports without Flask."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

from svcalc import api
from svcalc.api import bench, limits, observability
from svcalc.config import DEFAULTS


class StrictJSONProvider(DefaultJSONProvider):
    """JSON that keeps schema field order and never holds NaN or Infinity.

    Encoded by orjson: an appraisal response has several hundred floats, and the standard
    library's encoder (``float.__repr__`` per number) took ~0.2 ms of a ~1 ms batch item where
    orjson takes ~0.03 ms, with the same shortest round-trip digits. orjson writes ``null`` for a
    non-finite float where ``json`` raises; a non-finite figure is a bug in the core (figures
    that do not exist are ``None`` with a note), so with ``TESTING`` set the provider also
    encodes with ``allow_nan=False`` and raises, which makes every test a NaN check. Anything
    orjson cannot encode (integers beyond 64 bits, keys that are not strings, unknown types)
    goes to the standard encoder.
    A body may hold JSON already written (an ``orjson.Fragment``, as a dumped cash-flow table
    is): orjson copies it in; the standard encoder gets it decoded.
    """

    sort_keys = False
    #: Not OPT_NON_STR_KEYS: it doubled the cost of encoding an appraisal (~25 -> ~45 us), and
    #: no answer has a key that is not a string (the test suite, schemathesis included, never
    #: falls back for one); one that did would go to the standard encoder, which writes it.
    _OPTIONS = orjson.OPT_SERIALIZE_NUMPY

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, orjson.Fragment):
            return orjson.loads(orjson.dumps(o))  # a Fragment hides its bytes but from orjson
        return DefaultJSONProvider.default(o)

    def _compact(self, obj: Any) -> bytes | None:
        """orjson's compact bytes for ``obj``, or ``None`` for what it cannot encode."""
        if self._app.testing:
            super().dumps(obj, allow_nan=False)  # raises ValueError on NaN/Infinity
        try:
            return orjson.dumps(obj, default=self.default, option=self._OPTIONS)
        except TypeError:
            return None

    def encode(self, obj: Any) -> bytes:
        """``obj`` as compact JSON bytes, as :meth:`response` would send it (NaN checked when
        ``TESTING``): for views that assemble a body from parts encoded one at a time."""
        body = self._compact(obj)
        return body if body is not None else super().dumps(obj, allow_nan=False).encode()

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        if not (kwargs.keys() - {"allow_nan", "separators"} or kwargs["allow_nan"]):
            body = self._compact(obj)
            if body is not None:
                return body.decode()
        return super().dumps(obj, **kwargs)  # indent, sort_keys, ...: the stdlib's options

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """As Flask's, but orjson's bytes go out as they are (no decode and re-encode of what
        can be a 25 MB batch answer)."""
        if not ((self.compact is None and self._app.debug) or self.compact is False):
            body = self._compact(self._prepare_response_obj(args, kwargs))
            if body is not None:
                return self._app.response_class(body + b"\n", mimetype=self.mimetype)
        return super().response(*args, **kwargs)  # indented, or what orjson cannot encode


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the svcalc WSGI application.

    Settings: :data:`svcalc.config.DEFAULTS`, then ``SVCALC_*`` environment variables, then
    ``config`` (for tests).
    """
    app = Flask(__name__)
    app.json = StrictJSONProvider(app)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("SVCALC")
    app.config.update(config or {})
    app.config["API_SPEC_OPTIONS"] = {
        "info": {"description": api.__doc__, "title": "svcalc"},
        "servers": [{"url": "/", "description": "this server"}],
    }
    observability.register(app)
    limits.register(app)
    api.register(app)
    bench.register(app)
    return app

