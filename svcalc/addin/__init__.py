"""The Excel add-in, served by svcalc itself: installing it is "upload this manifest".

``GET /addin/`` is a page that says how to install it; ``GET /addin/manifest.xml`` is the
add-in-only manifest generated (Jinja2, ``templates/addin-manifest.xml``) for this server's public
base URL; ``/addin/functions.html``, ``functions.js`` and ``functions.json`` (``web/``) and the
icons (``static/``, at ``/addin/assets/``) are what the manifest points at. ``functions.js`` is
served with one line in front naming the same base URL, so the functions call the API on the
server that served them, in Excel's JavaScript-only runtime too (it loads the script alone).

**The public base URL** is ``PUBLIC_BASE_URL`` (``SVCALC_PUBLIC_BASE_URL``): an absolute
``https://`` URL with no query or fragment, possibly with a path when a proxy serves svcalc
under one (``https://intranet.example.org/svcalc``); anything else stops the app at start. When
it is unset, the base is the address the request came to (its scheme and ``Host``): behind the
shipped TLS proxy that is the ``https://host:port`` the client used. Office loads add-ins over
HTTPS only, so a manifest asked for over plain HTTP with no base configured is refused (409
problem+json saying what to set) rather than written with URLs Office would reject. Set the
base in production: an installed manifest keeps its URLs, so they should be the stable name.

The manifest's ``Id`` is derived from the base URL (a name-based UUID), so each deployment is
its own add-in, the same one across restarts. The add-in's page may be framed by Office and
loads Microsoft's runtime, so it gets its own Content-Security-Policy (``PAGE_POLICY`` here);
the API's stays as it is.

This module imports only Flask; the template is rendered when the manifest is asked for.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import flask

from svcalc import __version__
from svcalc.api.problems import problem_response

HERE = Path(__file__).resolve().parent
WEB = HERE / "web"
#: Icons by side in pixels; the manifest names 32 (IconUrl) and 64 (HighResolutionIconUrl).
ICON_SIZES = (32, 64)
#: Excel frames the page (Excel on the web, Mac) and runs Microsoft's custom-functions runtime in
#: it, which loads further scripts and frames from Microsoft; the page itself has no content.
PAGE_POLICY = ("default-src 'self'; script-src 'self' https://appsforoffice.microsoft.com; "
               "connect-src 'self' https:; img-src 'self' data: https:; "
               "style-src 'self' 'unsafe-inline' https:; font-src 'self' data: https:; "
               "frame-src https:; object-src 'none'; base-uri 'none'; frame-ancestors https:")
#: Office and browsers revalidate the add-in's files, so a new svcalc version reaches them.
CACHE = "no-cache"
DESCRIPTION = ("Appraise public/private partnerships from Excel with svcalc: SVCALC.VERDICT, "
               "HEADLINE, FLAGS, APPRAISE, CASHFLOWS, NPV, IRR, PAYBACK.")

bp = flask.Blueprint("addin", __name__, url_prefix="/addin", template_folder="templates",
                     static_folder="static", static_url_path="/assets")


def checked_base(value: str) -> str:
    """The configured public base URL without its trailing slash, or ValueError saying why.

    >>> checked_base("https://svcalc.example.org/")
    'https://svcalc.example.org'
    >>> checked_base("http://svcalc.example.org")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: SVCALC_PUBLIC_BASE_URL must be an https:// URL (Office loads ...
    """
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("SVCALC_PUBLIC_BASE_URL must be an https:// URL (Office loads add-ins "
                         f"over HTTPS only), not {value!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("SVCALC_PUBLIC_BASE_URL may not have a query, a fragment or a user: "
                         f"{value!r}")
    return value.rstrip("/")


def public_base() -> str | None:
    """This server's public base URL for the add-in, or None when only plain HTTP is known."""
    configured = flask.current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return checked_base(configured)
    request = flask.request
    if request.scheme != "https":
        return None
    return f"https://{request.host}{request.script_root}"


def _refuse() -> flask.Response:
    return problem_response(
        409, "The Excel add-in needs this server's public HTTPS address, and this request came "
             "over plain HTTP with none configured. Set SVCALC_PUBLIC_BASE_URL to the https:// "
             "URL users reach svcalc at, or ask through the TLS proxy (README: HTTPS).",
        kind="public-base-url-unknown")


def urls(base: str) -> dict[str, str]:
    """Every URL the manifest names, on ``base``."""
    here = f"{base}/addin"
    return {"manifest": f"{here}/manifest.xml", "help": f"{here}/",
            "page": f"{here}/functions.html", "script": f"{here}/functions.js",
            "metadata": f"{here}/functions.json",
            **{f"icon_{size}": f"{here}/assets/icon-{size}.png" for size in ICON_SIZES}}


def _revalidated(response: flask.Response) -> flask.Response:
    response.headers["Cache-Control"] = CACHE
    return response


@bp.get("/manifest.xml")
def manifest() -> flask.Response:
    """The add-in-only manifest for this server's public base URL."""
    base = public_base()
    if base is None:
        return _refuse()
    body = flask.render_template(
        "addin-manifest.xml", urls=urls(base), version=__version__, description=DESCRIPTION,
        id=uuid.uuid5(uuid.NAMESPACE_URL, base + "/addin/"))
    response = flask.Response(body, mimetype="application/xml")
    response.headers["Content-Disposition"] = 'attachment; filename="svcalc-manifest.xml"'
    return _revalidated(response)


@bp.get("/")
def install_page() -> flask.Response:
    """How to install the add-in from this server."""
    base = public_base()
    page = flask.render_template("addin-install.html", urls=urls(base) if base else None,
                                 version=__version__)
    return _revalidated(flask.Response(page, mimetype="text/html"))


@bp.get("/functions.html")
def functions_page() -> flask.Response:
    """The page Excel loads: Microsoft's runtime, then functions.js."""
    response = flask.Response((WEB / "functions.html").read_bytes(), mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return _revalidated(response)


@bp.get("/functions.json")
def functions_metadata() -> flask.Response:
    """The functions' metadata, generated from functions.js's JSDoc (npm run build)."""
    return _revalidated(flask.Response((WEB / "functions.json").read_bytes(),
                                       mimetype="application/json"))


@bp.get("/functions.js")
def functions_script() -> flask.Response:
    """functions.js, with the base URL of the server it came from put in front."""
    base = public_base()
    if base is None:
        return _refuse()
    script = (f"globalThis.SVCALC_SERVED_FROM = {json.dumps(base)};\n"
              + (WEB / "functions.js").read_text(encoding="utf-8"))
    return _revalidated(flask.Response(script, mimetype="text/javascript"))


def register(app: flask.Flask) -> None:
    """Serve the add-in under ``/addin/``; a configured public base URL is checked now."""
    if app.config.get("PUBLIC_BASE_URL"):
        checked_base(app.config["PUBLIC_BASE_URL"])
    app.register_blueprint(bp)
