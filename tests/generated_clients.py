"""What the generated-client tests share (tests/test_generated_client*.py): the JSON operations
of the committed openapi.yaml, each one's documented request example, what the app answers to
it in-process, and svcalc under gunicorn for the clients to call.

Every generated client calls every JSON operation (a 2xx answer in application/json, or 204
with no body) with its documented example, and the tests compare what the client's models hold
with what the app answers in-process to the same request. Each client's test lists its calls
explicitly, and ``test_every_json_operation_is_called`` in each module fails when the spec has
an operation that the list lacks.

Adding an operation: its operationId in CALL_ORDER below, then one entry in each client's list
(``CALLS`` in test_generated_client.py and test_generated_client_oag_python.py, ``calls`` in
tests/clients/typescript/main.ts). One that answers a string (text/csv/xml) is compared as the
text the app answers.
"""

from __future__ import annotations

import datetime
import enum
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text())
METHODS = ("get", "put", "post", "delete", "patch")

#: The organisation of the documented examples (the seeded database's), whose key the clients
#: send.
ORGANISATION = "Example Council"

#: The order the clients call the operations in: delete_saved_appraisal removes the documented
#: saved appraisal that the saved operations before it read, so it comes last. An operation the
#: spec adds goes before it (``test_every_json_operation_is_called`` says which are missing).
CALL_ORDER = [
    "get_health",
    "get_reference",
    "create_appraisal",
    "get_appraisal_figure",
    "get_appraisal_figure_text",
    "get_series_figure",
    "get_series_figure_text",
    "get_cash_flows",
    "get_cash_flows_text",
    "post_cash_flows",
    "post_cash_flows_text",
    "create_sheet_batch",
    "create_batch_appraisal",
    "create_comparison",
    "save_appraisal",
    "list_saved_appraisals",
    "get_saved_appraisal",
    "reappraise_saved_appraisal",
    "delete_saved_appraisal",
]


def operations() -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId: (method, path, operation) for every operation of the spec."""
    found = {}
    for path, item in SPEC["paths"].items():
        for method in METHODS:
            if method in item:
                op = {**item[method], "parameters": [*item.get("parameters", []),
                                                    *item[method].get("parameters", [])]}
                found[op["operationId"]] = (method, path, op)
    return found


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


#: The media types of a string answer: the text, CSV and XML operations of the spreadsheets.
TEXT_MEDIA_TYPES = {"text/plain", "text/csv", "text/xml"}


def json_operation_ids() -> set[str]:
    """The operations a client program calls: those whose success answer is JSON
    (application/json), 204 with no body, or a string (text, CSV, XML). The report (an HTML
    page or a PDF, for people) is the one left out."""
    ids = set()
    for operation_id, (_, _, op) in operations().items():
        for status, response in op["responses"].items():
            if not status.startswith("2"):
                continue
            content = _resolve(response).get("content")
            if (content is None and status == "204") or "application/json" in (content or {}) \
                    or (content and set(content) <= TEXT_MEDIA_TYPES):
                ids.add(operation_id)
    return ids


@dataclass
class Example:
    """An operation's documented request example: parameters by their names in the spec."""

    operation_id: str
    method: str
    path: str
    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    #: the request body's schema name (components/schemas), for the client's model
    body_model: str | None = None
    secured: bool = False

    def params(self) -> dict[str, Any]:
        """Path, query and header parameters together, by their names in the spec."""
        return {**self.path_params, **self.query, **self.headers}

    def url(self) -> str:
        url = self.path
        for name, value in self.path_params.items():
            url = url.replace("{" + name + "}", str(value))
        return url


def example(operation_id: str) -> Example:
    """The documented example of ``operation_id``. For an operation that answers JSON, a
    ``format`` parameter's example (text, csv) is left out, so the answer is its default, json."""
    method, path, op = operations()[operation_id]
    found = Example(operation_id, method, path, secured=bool(op.get("security")))
    where = {"path": found.path_params, "query": found.query, "header": found.headers}
    for param in op["parameters"]:
        param = _resolve(param)
        value = param.get("example", param.get("schema", {}).get("example"))
        if (param["name"] == "format" and success(operation_id)[1]) or value is None:
            continue
        where[param["in"]][param["name"]] = value
    if "requestBody" in op:
        content = _resolve(op["requestBody"])["content"]["application/json"]
        found.body = content["example"]
        found.body_model = content["schema"]["$ref"].rsplit("/", 1)[1]
    return found


def in_process(client: Any, key: str, ex: Example) -> tuple[int, Any]:
    """(status, body) of the app's answer to ``ex`` through the Flask test client: the body as
    JSON, as text (an operation answering a string), or None when there is none (204)."""
    headers = {name: str(value) for name, value in ex.headers.items()}
    if ex.secured:
        headers["Authorization"] = f"Bearer {key}"
    response = client.open(ex.url(), method=ex.method.upper(), query_string=ex.query,
                           headers=headers,
                           json=ex.body if ex.body is not None else None)
    if response.is_json:
        return response.status_code, response.json
    return response.status_code, response.get_data(as_text=True) or None


def snake(name: str) -> str:
    """A spec parameter name as the Python generators spell it: public.npv -> public_npv,
    Idempotency-Key -> idempotency_key."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).lower()


_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def comparable(value: Any) -> Any:
    """``value`` with every date-time string read as a datetime: a model that parsed
    2026-12-02T09:30:00.000Z writes it back as 2026-12-02T09:30:00+00:00, the same instant."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str) and _DATETIME.match(value):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


# -- svcalc under gunicorn -------------------------------------------------------------------

@dataclass
class LiveServer:
    base: str
    key: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def live_server(directory: Path, template: Path) -> Iterator[LiveServer]:
    """svcalc under gunicorn on a free loopback port with a database of its own in
    ``directory`` (a copy of the seeded ``template``, so the documented examples of the saved
    appraisals replay), and a key of the examples' organisation made with ``flask keys
    create``; gunicorn is always stopped."""
    database = directory / "svcalc.db"
    shutil.copyfile(template, database)
    env = {**os.environ, "SVCALC_DATABASE_URL": f"sqlite:///{database}"}
    made = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "keys", "create", "--org", ORGANISATION,
         "--label", "generated-clients"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert made.returncode == 0, made.stdout + made.stderr
    key = made.stdout.strip().splitlines()[-1]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--chdir", str(ROOT), "wsgi:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else "gunicorn exited"
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
            time.sleep(0.1)
        # the key works against this server: a save needs it
        assert httpx.get(base + "/v1/saved-appraisals", timeout=10,
                         headers={"Authorization": f"Bearer {key}"}).status_code == 200
        yield LiveServer(base, key)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


def with_defaults(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` (JSON the app answered) with each absent property that ``schema`` gives a
    ``default`` filled in, in every object it holds: what a client that reads "absent" as "the
    default", as OpenAPI defines ``default``, holds in its model.

    >>> with_defaults({"a": {}}, {"properties": {"a": {"properties": {"b": {"default": 1}}}}})
    {'a': {'b': 1}}
    """
    schema = _resolve(schema)
    if len(schema.get("allOf", [])) == 1:
        schema = {**_resolve(schema["allOf"][0]), **{k: v for k, v in schema.items()
                                                     if k != "allOf"}}
    if isinstance(value, dict) and "properties" in schema:
        out = {name: with_defaults(item, schema["properties"].get(name, {}))
               for name, item in value.items()}
        for name, prop in schema["properties"].items():
            if name not in out and "default" in _resolve(prop):
                out[name] = _resolve(prop)["default"]
        return out
    if isinstance(value, list) and "items" in schema:
        return [with_defaults(item, schema["items"]) for item in value]
    return value


def differences(got: Any, want: Any, at: str = "#") -> list[str]:
    """Where ``got`` (a model as a dict) differs from ``want`` (the app's JSON): JSON pointers
    with both values, for the assertion message."""
    if isinstance(got, dict) and isinstance(want, dict):
        return [line for k in sorted(set(got) | set(want), key=str)
                for line in (differences(got[k], want[k], f"{at}/{k}") if k in got and k in want
                             else [f"{at}/{k}: " + ("only in the model: " + repr(got[k])[:200]
                                                    if k in got else "missing from the model")])]
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        return [line for i, (g, w) in enumerate(zip(got, want, strict=True))
                for line in differences(g, w, f"{at}/{i}")]
    if got != want or type(got) is not type(want) and not (
            isinstance(got, int | float) and isinstance(want, int | float)):
        return [f"{at}: model {got!r:.200} != app {want!r:.200}"]
    return []


def assert_client_read(operation_id: str, expected: Any, status: int, value: Any, raw: bytes,
                       *, defaults_filled: bool = False) -> None:
    """What a generated Python client read for ``operation_id`` (the ``status``, its parsed
    ``value`` and the ``raw`` body) is what the app answered in-process (``expected``): the
    success status; for no body or a string, the same value; otherwise the model the spec names,
    holding the same JSON (dates as the same instant). ``defaults_filled``: the client reads an
    absent property as its documented default, so ``expected`` gets them too."""
    succeeds, model = success(operation_id)
    assert status == succeeds, raw[:500]
    if model is None:  # no body (204), or a string: as the app answers it
        assert value == expected
        return
    assert type(value).__name__ == model, raw[:500]
    if defaults_filled:
        expected = with_defaults(expected, {"$ref": f"#/components/schemas/{model}"})
    got, want = comparable(value.to_dict()), comparable(expected)
    assert got == want, "\n".join(differences(got, want))


def success(operation_id: str) -> tuple[int, str | None]:
    """(status, schema name of its JSON body) of the operation's success; the name is None when
    it answers no body (204) or a string (text/csv/xml)."""
    _, _, op = operations()[operation_id]
    for status, response in op["responses"].items():
        if status.startswith("2"):
            content = _resolve(response).get("content") or {}
            schema = content.get("application/json", {}).get("schema")
            return int(status), (schema["$ref"].rsplit("/", 1)[1] if schema else None)
    raise AssertionError(f"{operation_id} has no success response")


def typed_kwargs(function: Callable[..., Any], ex: Example,
                 name: Callable[[str], str]) -> dict[str, Any]:
    """``ex``'s parameters as keywords of a generated Python ``function`` (``name`` spells each
    parameter's keyword), each value as the keyword's type wants it: an enum member, a date."""
    hints = typing.get_type_hints(function)
    return {name(param): _typed(value, hints[name(param)]) for param, value in ex.params().items()}


def _typed(value: Any, hint: Any) -> Any:
    for kind in typing.get_args(hint) or (hint,):
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return kind(value)
        if kind is datetime.date:
            return datetime.date.fromisoformat(value)
    return value


def generate(generator: str, out: Path, *properties: str) -> None:
    """Run openapi-generator ``generator`` on openapi.yaml into ``out`` (no tests, no docs)."""
    if shutil.which("java") is None:
        pytest.skip("java is not installed (make system-deps installs default-jre-headless)")
    command = [str(BIN / "openapi-generator-cli"), "generate", "-i", str(ROOT / "openapi.yaml"),
               "-g", generator, "-o", str(out),
               "--global-property=apiTests=false,modelTests=false,apiDocs=false,modelDocs=false"]
    if properties:
        command.append("--additional-properties=" + ",".join(properties))
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
