"""The committed openapi.yaml is the contract: it must equal what the code generates and be
valid."""

from __future__ import annotations

from pathlib import Path

import yaml
from openapi_spec_validator import validate

from svcalc.api.spec import render

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"


def test_committed_spec_matches_code(app):
    assert SPEC_PATH.read_text() == render(app.extensions["svcalc.api"]), (
        "openapi.yaml is stale: run make openapi and commit the result"
    )


def test_spec_is_valid_openapi():
    validate(yaml.safe_load(SPEC_PATH.read_text()))


def test_error_responses_are_problem_json():
    spec = yaml.safe_load(SPEC_PATH.read_text())
    responses = spec["components"]["responses"]
    for name, response in responses.items():
        if "content" in response:
            assert list(response["content"]) == ["application/problem+json"], name


def test_served_spec_equals_committed(client):
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == SPEC_PATH.read_text()
    assert client.get("/openapi.json").json == yaml.safe_load(SPEC_PATH.read_text())


def test_every_field_is_documented():
    spec = yaml.safe_load(SPEC_PATH.read_text())
    missing = [
        f"{schema_name}.{prop_name}"
        for schema_name, schema in spec["components"]["schemas"].items()
        for prop_name, prop in schema.get("properties", {}).items()
        if "$ref" not in prop and "description" not in prop
    ]
    assert not missing, missing
