"""API keys on requests: who is calling, and what the operation lets them do.

* A key is sent as ``Authorization: Bearer <key>``. The spreadsheet GET operations (marked
  :func:`query_key`), which a simple CORS request or ``WEBSERVICE`` calls without headers, also
  take it as the ``key`` query parameter; no other operation reads a key from a URL. Query strings
  are never logged (:mod:`svcalc.api.observability` logs the path alone).
* Operations marked :func:`key_required` (saved appraisals) always need a key, and the key's
  organisation is the only one whose appraisals they see.
* The other ``/v1`` operations (stateless appraisal) need one when ``AUTH`` is ``required``; with
  ``off`` (the default) they also take anonymous calls. ``/healthz``, ``/v1/reference``, the
  spec and the docs are always open.
* A key that is sent is always checked: unknown or revoked, 401 problem+json with
  ``WWW-Authenticate: Bearer`` (RFC 6750), as is a missing key where one is needed.

Keys are made and revoked with ``flask --app wsgi keys create --org NAME`` / ``keys revoke ID``
(:mod:`svcalc.store.keys` stores only their SHA-256 digest).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
import flask
from apispec import BasePlugin
from flask.cli import AppGroup

from svcalc.api import storage
from svcalc.api.problems import document_problem, problem_response
from svcalc.store import keys

View = TypeVar("View", bound=Callable[..., Any])

AUTH_MODES = ("off", "required")
QUERY_PARAMETER = "key"
REALM = 'Bearer realm="svcalc"'
#: The spec's security schemes.
SCHEMES = {
    "apiKey": {
        "type": "http", "scheme": "bearer",
        "description": "An API key (flask --app wsgi keys create --org NAME) as "
                       "Authorization: Bearer <key>.",
    },
    "apiKeyQuery": {
        "type": "apiKey", "in": "query", "name": QUERY_PARAMETER,
        "description": "The same key as the key query parameter, for spreadsheet GETs that "
                       "cannot send a header (WEBSERVICE, IMPORTDATA, simple CORS requests). "
                       "It is never logged.",
    },
}


def key_required(view: View) -> View:
    """Mark an operation as always needing a key (place it below the route decorator)."""
    view.requires_key = True  # type: ignore[attr-defined]
    return view


def query_key(view: View) -> View:
    """Let a GET operation take the key as the ``key`` query parameter as well (the parser
    then drops it from the operation's own arguments: :mod:`svcalc.api.parsing`)."""
    view.accepts_query_key = True  # type: ignore[attr-defined]
    return view


def governed(endpoint: str | None, path: str) -> bool:
    """Whether keys apply to the operation at ``endpoint``: every ``/v1`` operation but the
    reference data."""
    return bool(endpoint) and path.startswith("/v1/") and not endpoint.startswith("meta.")


def principal() -> keys.Principal:
    """The caller of an operation marked :func:`key_required`."""
    who: keys.Principal = flask.g.principal
    return who


def unauthorized(detail: str, error: str | None = None) -> flask.Response:
    """401 problem+json with the ``WWW-Authenticate`` challenge of RFC 6750."""
    challenge = REALM if error is None else f'{REALM}, error="{error}"'
    return problem_response(401, detail, kind="unauthorized",
                            headers={"WWW-Authenticate": challenge})


def _credential(view: Any) -> str | None:
    header = flask.request.headers.get("Authorization")
    if header is not None:
        scheme, _, value = header.strip().partition(" ")
        return value.strip() if scheme.lower() == "bearer" else ""
    if getattr(view, "accepts_query_key", False):
        return flask.request.args.get(QUERY_PARAMETER)
    return None


def _authenticate() -> flask.Response | None:
    request = flask.request
    flask.g.principal = None
    if request.method == "OPTIONS" or not governed(request.endpoint, request.path):
        return None
    app = flask.current_app
    view = app.view_functions.get(request.endpoint or "")
    key = _credential(view)
    if not key:
        if key == "":
            return unauthorized("Send the API key as Authorization: Bearer <key>.",
                                "invalid_request")
        if getattr(view, "requires_key", False) or app.config["AUTH"] == "required":
            return unauthorized("This operation needs an API key: send it as "
                                "Authorization: Bearer <key>.")
        return None
    found = keys.authenticate(storage.store(), key)
    if found is None:
        return unauthorized("The API key is unknown or has been revoked.", "invalid_token")
    flask.g.principal = found
    return None


class AccessPlugin(BasePlugin):
    """apispec plugin: each governed operation's security requirement, and its 401 and 429
    answers (both possible on every one of them)."""

    def __init__(self, app: flask.Flask) -> None:
        self.app = app

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                         **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations or not governed(rule.endpoint, rule.rule):
            return
        view = self.app.view_functions[rule.endpoint]
        if getattr(view, "requires_key", False):
            security: list[dict[str, list[str]]] = [{"apiKey": []}]
        elif getattr(view, "accepts_query_key", False):
            security = [{"apiKey": []}, {"apiKeyQuery": []}, {}]
        else:
            security = [{"apiKey": []}, {}]
        for operation in operations.values():
            operation["security"] = security
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", "KEY_REJECTED")
            responses.setdefault("429", "RATE_LIMITED")


keys_cli = AppGroup("keys", help="Create, list and revoke API keys.")


@keys_cli.command("create")
@click.option("--org", "organisation", required=True,
              help="The organisation the key acts for (created if new).")
@click.option("--label", default="", help="What the key is for, e.g. the portal's name.")
def create_command(organisation: str, label: str) -> None:
    """Make a key: printed once on stdout, stored only as its SHA-256 digest."""
    key_id, key = keys.create_key(storage.store(), organisation, label)
    click.echo(f"key {key_id} for {organisation}: shown once, keep it now "
               f"(svcalc stores only its digest).", err=True)
    click.echo(key)


@keys_cli.command("revoke")
@click.argument("key_id", type=int)
def revoke_command(key_id: int) -> None:
    """Revoke key KEY_ID (from keys list): it answers 401 from now on."""
    if not keys.revoke_key(storage.store(), key_id):
        raise click.ClickException(f"no key {key_id}")
    click.echo(f"key {key_id} revoked")


@keys_cli.command("list")
@click.option("--org", "organisation", default=None, help="Only this organisation's keys.")
def list_command(organisation: str | None) -> None:
    """List keys: id, organisation, label, created, revoked (never the key)."""
    for k in keys.list_keys(storage.store(), organisation):
        revoked = k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "-"
        click.echo(f"{k.id}\t{k.organisation}\t{k.label or '-'}\t"
                   f"{k.created_at.isoformat(timespec='seconds')}\t{revoked}")


def register(app: flask.Flask, api: Any) -> None:
    """Check keys before every request (before the rate limiter counts it), document the
    security schemes, and add ``flask keys``."""
    if app.config["AUTH"] not in AUTH_MODES:
        raise ValueError(f"SVCALC_AUTH must be one of {AUTH_MODES}, not {app.config['AUTH']!r}")
    app.before_request(_authenticate)
    document_problem(api, "KEY_REJECTED", "No API key where one is needed, or an unknown or "
                                          "revoked one", {"WWW-Authenticate": {
                                              "description": "The Bearer challenge (RFC 6750).",
                                              "schema": {"type": "string"}}})
    for name, scheme in SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    plugin = AccessPlugin(app)
    plugin.init_spec(api.spec)
    api.spec.plugins.append(plugin)
    app.cli.add_command(keys_cli)
