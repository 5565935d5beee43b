"""Security and caching headers on every response svcalc writes, errors included.

* ``X-Content-Type-Options: nosniff``: a browser takes each body as its declared type (a CSV or
  a JSON answer is never run as a script or rendered as a page).
* ``Cache-Control``: ``no-store`` for API answers (appraisals are commercial information and
  change with the input; health must be fresh); ``no-cache`` (revalidate) for the docs page and
  the spec; the docs' static assets keep the hour they are served with (svcalc/api/docs.py).
* ``Content-Security-Policy``: an API answer may load nothing (``default-src 'none'``). An HTML
  page (the try-it page at /, a report, the Swagger UI at /docs) may load scripts, styles,
  images and fonts from this origin only, run its own inline scripts, allowed one by one by their
  SHA-256 hash (worked out from the page itself, so the policy follows the page), and call this
  origin only. Inline styles are allowed (``'unsafe-inline'`` in ``style-src`` only): the try-it
  page shows a report in an ``iframe srcdoc``, which inherits the page's policy, and a report's
  charts are SVG with ``style`` attributes that no hash can allow; a style cannot run code.
  Nothing may frame svcalc (``frame-ancestors 'none'``). Swagger UI and the try-it page run
  under it: headless Chromium finds no violation (tests/test_hardening.py for /docs,
  tests/test_tryit_browser.py for / and its report).

A proxy in front adds the same headers to its own answers (deploy/nginx.conf).
"""

from __future__ import annotations

import base64
import hashlib
import re

import flask

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
PAGE_POLICY = ("default-src 'self'; script-src 'self'{scripts}; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: Endpoints whose answers a client should revalidate rather than never store.
REVALIDATE = {"api-docs.openapi_swagger_ui", "api-docs.openapi_json", "openapi_yaml"}

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def inline_hashes(html: str) -> str:
    """CSP sources allowing each inline element of ``html`` (a script with src is not one).

    >>> inline_hashes('<script src="/a.js"></script><script>alert(1)</script>')
    " 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
    """
    return "".join(
        " 'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html))


def add_headers(response: flask.Response) -> flask.Response:
    """Set the security and caching headers on ``response`` (an after_request hook)."""
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    if "Cache-Control" not in headers:
        revalidate = flask.request.endpoint in REVALIDATE
        headers["Cache-Control"] = "no-cache" if revalidate else "no-store"
    if "Content-Security-Policy" in headers:
        pass  # a page with a policy of its own keeps it (the Excel add-in's, svcalc/addin)
    elif response.mimetype == "text/html" and not response.is_streamed:
        html = response.get_data(as_text=True)
        headers["Content-Security-Policy"] = PAGE_POLICY.format(scripts=inline_hashes(html))
    else:
        headers["Content-Security-Policy"] = API_POLICY
    return response


def register(app: flask.Flask) -> None:
    """Install the hook on ``app``."""
    app.after_request(add_headers)
