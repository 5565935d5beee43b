"""The application factory. Kept out of ``svcalc/__init__.py`` so the core imports without Flask."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from svcalc import addin, api
from svcalc.api import admission, headers, limits, observability
from svcalc.config import DEFAULTS
from svcalc.report import pages


class JSONProvider(DefaultJSONProvider):
    """JSON by orjson, in the schema's field order; never NaN or Infinity.

    A figure that does not exist is ``None`` with a note, so a non-finite float in a body is a
    bug in the core: orjson would write it as ``null``, so with ``TESTING`` set every body is
    also encoded with ``allow_nan=False``, which raises, and every test is a NaN check. What
    orjson cannot encode (keys that are not strings, integers beyond 64 bits) goes to the
    standard encoder.
    """

    sort_keys = False
    ensure_ascii = False  # UTF-8, as orjson writes it

    def encode(self, obj: Any) -> bytes:
        """``obj`` as compact JSON bytes."""
        if self._app.testing:
            super().dumps(obj, allow_nan=False)
        try:
            return orjson.dumps(obj, default=self.default)
        except TypeError:
            return super().dumps(obj, allow_nan=False, separators=(",", ":")).encode()

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs.keys() - {"separators"}:  # indent, sort_keys, ...: the standard encoder's
            return super().dumps(obj, **{"allow_nan": False, **kwargs})
        return self.encode(obj).decode()  # compact, as orjson always is


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the svcalc WSGI application.

    Settings: :data:`svcalc.config.DEFAULTS`, then ``SVCALC_*`` environment variables, then
    ``config`` (for tests).
    """
    app = Flask(__name__)
    app.json = JSONProvider(app)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("SVCALC")
    app.config.update(config or {})
    app.config["API_SPEC_OPTIONS"] = {
        "info": {"description": api.__doc__, "title": "svcalc"},
        "servers": [{"url": "/", "description": "this server"}],
    }
    observability.register(app)
    limits.register(app)
    admission.register(app)
    headers.register(app)
    api.register(app)
    pages.register(app)
    addin.register(app)
    return app

