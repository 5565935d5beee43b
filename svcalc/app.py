"""The application factory. Kept out of ``svcalc/__init__.py`` so the core imports without Flask."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from svcalc import api
from svcalc.api import bench, limits, observability
from svcalc.config import DEFAULTS


class StrictJSONProvider(DefaultJSONProvider):
    """JSON that keeps schema field order and refuses NaN/Infinity (a bug, never output)."""

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)


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

