"""The try-it page at ``/``: pick a worked example, edit it, see the verdict and the report.

The page is one Jinja2 template and a small script (``static/tryit.js``) that calls the API
like any client: ``POST /v1/appraisals`` for the verdict and the field errors, ``POST
/v1/reports`` for the report shown beneath it and its PDF. Its script and style are served from
this package (``/assets/``); it loads nothing from any other host, so it works offline.

This module imports only Flask: the examples and the template are loaded when the page is
asked for, never on the JSON path.
"""

from __future__ import annotations

import flask

bp = flask.Blueprint("tryit", __name__, template_folder="templates", static_folder="static",
                     static_url_path="/assets")


@bp.get("/")
def show_page() -> str:
    """The try-it page, with the worked examples embedded."""
    from svcalc.core.model import PARTNERSHIP_MODELS
    from svcalc.report.examples import EXAMPLES

    return flask.render_template("tryit.html", examples=EXAMPLES, models=PARTNERSHIP_MODELS)


def register(app: flask.Flask) -> None:
    """Serve the try-it page at ``/`` and its script and style at ``/assets/``."""
    app.register_blueprint(bp)
