"""Contract fuzzing: schemathesis generates requests from the spec for every operation and checks
every response against it (all default checks), in-process over WSGI, with an API key of a
seeded database.

``make test`` runs a bounded, derandomised pass; ``make fuzz`` sets ``SVCALC_FUZZ_EXAMPLES`` much
higher and lets hypothesis draw fresh random examples.

JSON Schema cannot say "this list has term_years items" or "inflation is required when
price_basis is nominal". The spec states both in words (and the first as ``x-length-equals``), and
the ``map_body`` hook below applies them to generated bodies; schemathesis re-validates a body a
hook changed, so a negative case stays negative and a positive one is a proposal the server must
accept.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from svcalc.app import create_app
from tests.store_fixtures import seed

#: Examples per operation and phase; make fuzz raises it.
MAX_EXAMPLES = int(os.environ.get("SVCALC_FUZZ_EXAMPLES", "30"))
DERANDOMIZE = "SVCALC_FUZZ_EXAMPLES" not in os.environ

# A database of its own, seeded like the tests' (the documented example's organisation, a key
# of it and its saved appraisal), so the saved appraisals' operations are fuzzed past their key
# check. The rate limit is a deployment setting, not the contract: raised so that every call is
# answered, not counted out.
_FOLDER = tempfile.mkdtemp(prefix="svcalc-fuzz-")
atexit.register(shutil.rmtree, _FOLDER, True)
_DATABASE = f"sqlite:///{_FOLDER}/svcalc.db"
KEY = seed(_DATABASE)
APP = create_app({"TESTING": True, "DATABASE_URL": _DATABASE,
                  "RATELIMIT_PER_KEY": "1000000 per minute"})
SPEC: dict[str, Any] = APP.extensions["svcalc.api"].spec.to_dict()

#: The report's body is the appraisal's, whose boundaries the coverage phase walks at POST
#: /v1/appraisals; a report of each valid case draws charts and may lay out a PDF (0.3-2 s), so
#: the report is fuzzed with a few random proposals (and its documented example) only.
REPORT_EXAMPLES = max(3, MAX_EXAMPLES // 3)
CONFIG = SchemathesisConfig.from_dict({"operations": [{
    "include-path": "/v1/reports", "phases": {"coverage": {"enabled": False}},
    "generation": {"max-examples": REPORT_EXAMPLES}}]})

# The app serves its own spec; test_openapi.py guarantees it equals the committed openapi.yaml.
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP, config=CONFIG)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` and merge ``allOf`` (how a described nested schema is emitted)."""
    if "$ref" in node:
        return _resolve(SPEC["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]])
    if "allOf" in node:
        merged: dict[str, Any] = {"properties": {}}
        for part in node["allOf"]:
            merged["properties"].update(_resolve(part).get("properties", {}))
        return merged
    return node


def _fit_lengths(node: dict[str, Any], value: Any, sizes: dict[str, int]) -> Any:
    """Resize every list whose schema says ``x-length-equals: <field>`` to that field's value."""
    node = _resolve(node)
    if isinstance(value, dict):
        props = node.get("properties", {})
        return {k: _fit_lengths(props[k], v, sizes) if k in props else v
                for k, v in value.items()}
    if isinstance(value, list):
        arrays = [b for b in node.get("oneOf", node.get("anyOf", [node])) if "items" in b]
        if not arrays:
            return value
        array = _resolve(arrays[0])
        items = [_fit_lengths(array["items"], v, sizes) for v in value]
        size = sizes.get(array.get("x-length-equals", ""))
        if size is not None and items:
            items = [items[i % len(items)] for i in range(size)]
        return items
    return value


def consistent(operation: Any, body: Any) -> Any:
    """``body`` with the cross-field rules the spec states in words applied."""
    content = (operation.definition.raw.get("requestBody") or {}).get("content", {})
    media = content.get("application/json")
    if not isinstance(body, dict) or media is None:
        return body
    sizes = {k: v for k, v in body.items()
             if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 60}
    body = _fit_lengths(media["schema"], body, sizes)
    if body.get("price_basis") == "nominal" and "inflation" not in body:
        body = {**body, "inflation": 0.02}
    if isinstance(body.get("channel_shift"), dict):
        body = {**body, "channel_shift": _consistent_channels(body["channel_shift"])}
    if isinstance(body.get("social_value"), dict):
        body = {**body, "social_value": _consistent_outcomes(body["social_value"])}
    return body


def consistent_query(operation: Any, query: dict[str, Any],
                     path_parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """``query`` with the cross-field rules the spec states in words applied: a comma-separated
    per-year list (``x-length-equals: term_years``) of the wrong length becomes its first value
    (one number applies to every year), a nominal price basis gets an inflation rate, and
    format=text (in the query, or the path of a text operation) names one figure."""
    params = {p["name"]: p.get("schema", {})
              for p in operation.definition.raw.get("parameters", []) if p.get("in") == "query"}
    term = query.get("term_years")
    size = term if isinstance(term, int) and not isinstance(term, bool) and 1 <= term <= 60 \
        else None
    fixed = dict(query)
    for name, value in query.items():
        schema = params.get(name, {})
        if schema.get("x-length-equals") != "term_years" or not isinstance(value, str):
            continue
        items = value.split(",")
        if len(items) > 1 and len(items) != size:
            fixed[name] = items[0]
    if query.get("price_basis") == "nominal" and "inflation" not in query \
            and "inflation" in params:
        fixed["inflation"] = 0.02
    # format=text is one bare value, so it needs a field naming one figure (not a block).
    fmt = query.get("format") or (path_parameters or {}).get("format")
    if fmt == "text" and "example" in params.get("field", {}):
        fixed["field"] = params["field"]["example"]
    return fixed


def _consistent_channels(block: dict[str, Any]) -> dict[str, Any]:
    """Each channel once; share_now and share_target each summing to 1 (stated in words)."""
    channels = block.get("channels")
    if not isinstance(channels, list) or not all(isinstance(c, dict) for c in channels):
        return block
    unique = list({repr(c.get("channel")): c for c in channels}.values())
    for key in ("share_now", "share_target"):
        shares = [c.get(key) for c in unique]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in shares):
            continue
        total = float(sum(shares))
        unique = [{**c, key: (v / total if total > 0 else 1.0 / len(unique))}
                  for c, v in zip(unique, shares, strict=True)]
    return {**block, "channels": unique}


def _consistent_outcomes(block: dict[str, Any]) -> dict[str, Any]:
    """Exactly one of unit_value and proxy, a source with a unit_value, and a calendar year
    when a proxy varies by year (each stated in the spec's words)."""
    outcomes = block.get("outcomes")
    if not isinstance(outcomes, list) or not all(isinstance(o, dict) for o in outcomes):
        return block
    fixed = []
    for o in outcomes:
        if "proxy" in o:
            o = {k: v for k, v in o.items() if k != "unit_value"}
        else:
            o = {"unit_value": 1.0, **o}
            o.setdefault("source", "fuzz case")
        fixed.append(o)
    block = {**block, "outcomes": fixed}
    if any("proxy" in o for o in fixed):
        block.setdefault("base_calendar_year", 2026)
    return block


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=DERANDOMIZE,
          suppress_health_check=list(HealthCheck))
def test_every_operation_honours_the_contract(case):
    if isinstance(case.body, dict):
        case.body = consistent(case.operation, case.body)
    if isinstance(case.query, dict):
        case.query = consistent_query(case.operation, case.query, case.path_parameters)
    # The key of the seeded organisation, on every operation (those that need none ignore it;
    # schemathesis' ignored_auth check calls the ones that need one without it, too).
    case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"})


# Cases the fuzzer found, pinned so they stay fixed whatever the random draw.


def test_rate_just_above_its_open_minimum_is_accepted(client, proposal):
    # the spec says exclusiveMinimum -0.99, so -0.99 is refused and anything above it accepted
    proposal["supplier"]["cost_of_capital"] = -0.99
    assert client.post("/v1/appraisals", json=proposal).status_code == 422
    proposal["supplier"]["cost_of_capital"] = -0.9899
    assert client.post("/v1/appraisals", json=proposal).status_code == 200


def test_ratios_too_large_for_a_float_are_null_with_a_reason(client):
    # revenue 5e-324 against cost 1: margin (5e-324 - 1) / 5e-324 ~ -2e323 overflows a double;
    # baseline 5e-324 against a payment of 0.08: saving share -0.08 / 5e-324 overflows too.
    body = {"term_years": 1,
            "public": {"annual_payment": 5e-324, "baseline_annual_cost": 5e-324},
            "supplier": {"annual_operating_cost": 1.0}}
    response = client.post("/v1/appraisals", json=body)
    assert response.status_code == 200, response.json
    result = response.json
    assert result["supplier"]["annual_margins"] == [None]
    assert "annual_margins" in result["supplier"]["notes"]
    body["public"]["annual_payment"] = 0.08
    result = client.post("/v1/appraisals", json=body).json
    assert result["public"]["saving_share_of_baseline"] is None
    assert "saving_share_of_baseline" in result["public"]["notes"]
