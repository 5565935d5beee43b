"""The contract holds for every operation in the spec, including operations added later.

Each test walks ``paths`` of the committed ``openapi.yaml`` (equal to the served spec, see
test_openapi.py), so a new operation is checked with no change here:

* it is documented (summary, description, operationId, a worked request and response example),
  and its request and response bodies are named component schemas;
* its documented examples, replayed against the app, give the documented status and body: the
  example's path, query and header parameters, its body, and, where the operation declares
  security, a key (the ``client`` fixture's database is seeded with the documented example's
  organisation, key and saved appraisal: tests/store_fixtures.py);
* every status it can be made to answer (bad JSON, empty body, wrong content type, oversize body,
  invalid field, bad query value) is declared for it, as problem+json.

404 and 405 answer requests that match *no* operation, so OpenAPI has nowhere per-operation to
declare them: they are documented once in the API description (the errors table) and checked
here to be problem+json, with an ``Allow`` header naming exactly the documented methods.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from svcalc.api.problems import PROBLEM_MEDIA_TYPE

SPEC: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "openapi.yaml").read_text())
METHODS = ("get", "put", "post", "delete", "patch")
OPERATIONS = [(path, method, op) for path, item in SPEC["paths"].items()
              for method, op in item.items() if method in METHODS]
OPERATION_IDS = [f"{method.upper()} {path}" for path, method, _ in OPERATIONS]
#: Rendered documents (the report): a body depends on the day it is made and may be binary, so
#: the documented example is the document's opening, and the body must begin with it
#: (tests/test_report.py reads the rest). JSON and text bodies are compared whole.
DOCUMENTS = ("text/html", "application/pdf")


def _ref(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        _, section, name = node["$ref"].rsplit("/", 2)
        node = SPEC["components"][section][name]
    return node


def _parameters(path: str, op: dict[str, Any]) -> list[dict[str, Any]]:
    """The operation's parameters and its path's."""
    return SPEC["paths"][path].get("parameters", []) + op.get("parameters", [])


def _examples(path: str, op: dict[str, Any], where: str) -> dict[str, Any]:
    return {p["name"]: p.get("example", p.get("schema", {}).get("example"))
            for p in _parameters(path, op) if p["in"] == where
            and ("example" in p or "example" in p.get("schema", {}))}


def _example_request(path: str, op: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    """Test-client keyword arguments for the operation's documented request example, with
    ``key`` as a Bearer token if the operation declares security."""
    url = path
    for name, value in _examples(path, op, "path").items():
        url = url.replace("{" + name + "}", str(value))
    headers = {name: str(value) for name, value in _examples(path, op, "header").items()}
    if key is not None and op.get("security"):
        headers["Authorization"] = f"Bearer {key}"
    kwargs: dict[str, Any] = {"path": url, "query_string": _examples(path, op, "query"),
                              "headers": headers}
    body = op.get("requestBody")
    if body:
        media, content = next(iter(body["content"].items()))
        kwargs["data"] = json.dumps(content["example"]) if "json" in media else content["example"]
        kwargs["content_type"] = media
    return kwargs


def _declared(op: dict[str, Any], status: int) -> dict[str, Any] | None:
    response = op["responses"].get(str(status))
    return None if response is None else _ref(response)


# --------------------------------------------------------------------------- documentation


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=OPERATION_IDS)
def test_operation_is_documented_with_worked_examples(path, method, op):
    assert op.get("summary"), "no summary (first docstring line)"
    assert op.get("description"), "no description (rest of the docstring)"
    assert re.fullmatch(r"[a-z][a-z0-9_]*", op.get("operationId", "")), op.get("operationId")
    for param in op.get("parameters", []):
        assert param.get("description"), f"parameter {param['name']} has no description"
        if param.get("required"):
            assert "example" in param or "example" in param.get("schema", {}), param["name"]
    for media, content in op.get("requestBody", {}).get("content", {}).items():
        assert "example" in content or "examples" in content, f"no request example for {media}"
    successes = {s: r for s, r in op["responses"].items() if s.startswith("2")}
    assert successes, "no 2xx response"
    for status, response in successes.items():
        for media, content in _ref(response).get("content", {}).items():
            assert "example" in content or "examples" in content, f"{status} {media}: no example"


def test_operation_ids_are_unique():
    ids = [op["operationId"] for _, _, op in OPERATIONS]
    assert len(ids) == len(set(ids)), ids


def _inline_objects(node: Any, where: str) -> list[str]:
    """Places where an object schema with properties is written inline instead of by $ref."""
    found: list[str] = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append(where)
        for key, value in node.items():
            if key != "example":
                found.extend(_inline_objects(value, f"{where}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_inline_objects(value, f"{where}/{i}"))
    return found


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=OPERATION_IDS)
def test_bodies_are_named_component_schemas(path, method, op):
    """Generated clients name classes after components; an inline object gets a made-up name."""
    bodies = [("request", c) for c in op.get("requestBody", {}).get("content", {}).values()]
    bodies += [(status, c) for status, r in op["responses"].items()
               for c in _ref(r).get("content", {}).values()]
    for where, content in bodies:
        schema = content.get("schema", {})
        primitive = schema.get("type") in ("string", "number", "integer", "boolean")
        assert "$ref" in schema or primitive, f"{where}: inline body schema {schema}"


def test_component_schemas_nest_by_reference():
    inline = [hit for name, schema in SPEC["components"]["schemas"].items()
              for prop, sub in schema.get("properties", {}).items()
              for hit in _inline_objects(sub, f"{name}.{prop}")]
    assert not inline, inline


# --------------------------------------------------------------------------- replay


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=OPERATION_IDS)
def test_documented_example_replays(client, api_key, path, method, op):
    response = client.open(method=method.upper(), **_example_request(path, op, api_key))
    documented = {s: _ref(r) for s, r in op["responses"].items() if s.startswith("2")}
    assert str(response.status_code) in documented, response.get_data(as_text=True)[:500]
    if "content" not in documented[str(response.status_code)]:  # 204: nothing to compare
        assert response.get_data() == b""
        return
    content = documented[str(response.status_code)]["content"]
    assert response.mimetype in content
    example = content[response.mimetype]["example"]
    if "json" in response.mimetype:
        assert response.json == example
    elif response.mimetype in DOCUMENTS:
        assert response.get_data().startswith(example.encode()), response.get_data()[:300]
    else:
        assert response.get_data(as_text=True) == example


# --------------------------------------------------------------------------- statuses


def _probes(app, path: str, op: dict[str, Any],
            key: str) -> list[tuple[str, int, dict[str, Any]]]:
    """(what, expected status, test-client kwargs) for every way to get a non-2xx answer."""
    base = _example_request(path, op, key)
    success = int(min(s for s in op["responses"] if s.startswith("2")))
    probes: list[tuple[str, int, dict[str, Any]]] = []
    if "requestBody" in op:
        media = base["content_type"]
        example = json.loads(base["data"])
        invalid = copy.deepcopy(example)
        invalid["not_a_field"] = 1  # unknown fields are rejected
        limit = app.config["MAX_CONTENT_LENGTH"]
        probes += [
            ("malformed JSON", 400, {**base, "data": base["data"][:-1]}),
            ("empty body", 400, {**base, "data": ""}),
            ("wrong content type", 415, {**base, "content_type": "application/xml"}),
            ("oversize body", 413, {**base, "data": base["data"] + " " * limit}),
            ("invalid field", 422, {**base, "data": json.dumps(invalid)}),
            ("text/plain JSON", success, {**base, "content_type": "text/plain"}),
            ("JSON array", 422, {**base, "data": "[]", "content_type": media}),
        ]
    for param in _parameters(path, op):
        if param["in"] == "query":
            query = {**base["query_string"], param["name"]: "\u2603not-valid"}
            probes.append((f"bad query {param['name']}", 0, {**base, "query_string": query}))
    probes.append(("unknown query parameter", 0,
                   {**base, "query_string": {**base["query_string"], "not_a_param": "1"}}))
    if op.get("security"):
        revoked = {**base["headers"], "Authorization": "Bearer svc_not-a-key"}
        probes.append(("unknown API key", 401, {**base, "headers": revoked}))
        if {} not in op["security"]:
            anonymous = {k: v for k, v in base["headers"].items() if k != "Authorization"}
            probes.append(("no API key", 401, {**base, "headers": anonymous}))
    return probes


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=OPERATION_IDS)
def test_every_status_the_operation_answers_is_declared(app, client, api_key, path, method, op):
    problems = []
    for what, expected, kwargs in _probes(app, path, op, api_key):
        response = client.open(method=method.upper(), **kwargs)
        status = response.status_code
        if expected and status != expected:
            problems.append(f"{what}: expected {expected}, got {status}")
        declared = _declared(op, status)  # explicitly, not through `default`
        if declared is None:
            problems.append(f"{what}: {status} is not declared")
            continue
        if status >= 400:
            if response.mimetype != PROBLEM_MEDIA_TYPE:
                problems.append(f"{what}: {status} answered as {response.mimetype}")
            if list(declared.get("content", {})) != [PROBLEM_MEDIA_TYPE]:
                problems.append(f"{what}: {status} not declared as problem+json")
            elif response.json.get("status") != status:
                problems.append(f"{what}: problem body status {response.json.get('status')}")
        elif "content" not in declared:  # 204
            if response.get_data() or response.mimetype:
                problems.append(f"{what}: {status} has a body, none declared")
        elif response.mimetype not in declared["content"]:
            problems.append(f"{what}: {status} {response.mimetype} not declared")
    assert not problems, problems


@pytest.mark.parametrize("path", list(SPEC["paths"]))
def test_undocumented_method_is_405_problem_with_allow(client, path):
    documented = {m.upper() for m in SPEC["paths"][path] if m in METHODS}
    url = _example_request(path, next(op for m, op in SPEC["paths"][path].items()
                                      if m in METHODS))["path"]
    for method in {m.upper() for m in METHODS} - documented:
        response = client.open(url, method=method)
        assert response.status_code == 405, method
        assert response.mimetype == PROBLEM_MEDIA_TYPE
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert allowed - {"HEAD", "OPTIONS"} == documented, (method, allowed)


def test_unknown_path_is_404_problem(client):
    response = client.get("/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM_MEDIA_TYPE
    assert response.json["status"] == 404


def test_404_and_405_are_documented_in_the_api_description():
    table = SPEC["info"]["description"]
    assert re.search(r"\| `about:blank` \| [^|]*404[^|]*405", table), "errors table"


# --------------------------------------------------------------------------- offline docs


def test_docs_page_works_offline(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 3, assets  # swagger-ui.css, the bundle and the preset
    for url in assets:
        assert not re.match(r"(https?:)?//", url), f"/docs loads {url} from the internet"
        with client.get(url) as asset:
            assert asset.status_code == 200, url
            assert len(asset.get_data()) > 1000, url
    # the spec the page loads, and no call to the online validator badge
    spec_url = re.search(r'url: "([^"]+)"', html).group(1)
    assert client.get(spec_url).status_code == 200
    assert '"validatorUrl": null' in html


# --------------------------------------------------------------------------- fields


def _request_schemas() -> set[str]:
    """Component schemas reachable from a request body."""
    names: set[str] = set()
    todo = [c["schema"] for _, _, op in OPERATIONS
            for c in op.get("requestBody", {}).get("content", {}).values()]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in names:
                    names.add(name)
                    todo.append(SPEC["components"]["schemas"][name])
            todo.extend(v for k, v in node.items() if k != "example")
        elif isinstance(node, list):
            todo.extend(node)
    return names


def _leaves(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """The concrete schemas a property can take (its oneOf branches and array items)."""
    out: list[dict[str, Any]] = []
    for branch in prop.get("oneOf", [prop]):
        out.append(branch)
        if branch.get("type") == "array" and "items" in branch:
            out.append(branch["items"])
    return out


def test_every_number_has_a_unit():
    missing = [f"{name}.{prop}" for name, schema in SPEC["components"]["schemas"].items()
               for prop, sub in schema.get("properties", {}).items()
               if any(leaf.get("type") in ("number", "integer") for leaf in _leaves(sub))
               and "x-unit" not in sub]
    assert not missing, missing


def test_every_request_field_is_bounded():
    """What a client may send is bounded in the spec, so the spec says what the server accepts."""
    loose = []
    for name in sorted(_request_schemas()):
        for prop, sub in SPEC["components"]["schemas"][name].get("properties", {}).items():
            for leaf in _leaves(sub):
                kind = leaf.get("type")
                if kind in ("number", "integer") and not {"minimum", "maximum"} <= set(leaf):
                    loose.append(f"{name}.{prop}: number without minimum and maximum")
                if kind == "array" and "maxItems" not in leaf:
                    loose.append(f"{name}.{prop}: array without maxItems")
                if kind == "string" and not {"maxLength", "enum", "pattern"} & set(leaf):
                    loose.append(f"{name}.{prop}: string without maxLength, enum or pattern")
    assert not loose, loose
