"""Offline interactive docs: Swagger UI assets served from the swagger-ui-bundle package.

flask-smorest renders /docs and loads its scripts from OPENAPI_SWAGGER_UI_URL (/docs/static/);
this module serves that folder, so the page works with no internet, serves the spec as YAML, and
adds the ``flask openapi`` command that prints it (``make openapi``).
"""

from __future__ import annotations

from functools import cache

import flask
from swagger_ui_bundle import swagger_ui_path

from svcalc.api.spec import render


def register(app: flask.Flask, api: object) -> None:
    """Add /docs/static/<file> and /openapi.yaml to ``app``."""

    def docs_static(filename: str) -> flask.Response:
        return flask.send_from_directory(swagger_ui_path, filename, max_age=3600)

    @cache
    def spec_yaml() -> str:
        return render(api)

    def openapi_yaml() -> flask.Response:
        return flask.Response(spec_yaml(), mimetype="application/yaml")

    def print_spec() -> None:
        """Print the OpenAPI document (make openapi writes it to openapi.yaml)."""
        print(spec_yaml(), end="")

    app.add_url_rule("/docs/static/<path:filename>", "docs_static", docs_static)
    app.add_url_rule("/openapi.yaml", "openapi_yaml", openapi_yaml)
    app.cli.command("openapi")(print_spec)
