"""openapi-generator's ``python`` client (pydantic v2 models, urllib3), generated from the
committed openapi.yaml into a temp dir and imported from there: every JSON operation with its
documented example against svcalc under gunicorn, the models compared with what the app answers
in-process, and a 422 as the typed exception carrying the Problem model. Needs Java for the
generator (make system-deps installs default-jre-headless); skips without it.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from svcalc.api import examples
from tests.generated_clients import (
    CALL_ORDER,
    Example,
    assert_client_read,
    example,
    generate,
    in_process,
    json_operation_ids,
    snake,
    success,
    typed_kwargs,
)

PACKAGE = "svcalc_oag"

#: Every JSON operation the client calls: operationId -> the API class (by the operation's tag)
#: whose method of that name calls it.
CALLS = {
    "create_appraisal": "AppraisalsApi",
    "get_health": "MetaApi",
    "get_reference": "MetaApi",
    "get_appraisal_figure": "SpreadsheetApi",
    "get_appraisal_figure_text": "SpreadsheetApi",
    "get_series_figure": "SpreadsheetApi",
    "get_series_figure_text": "SpreadsheetApi",
    "get_cash_flows": "SpreadsheetApi",
    "get_cash_flows_text": "SpreadsheetApi",
    "post_cash_flows": "SpreadsheetApi",
    "post_cash_flows_text": "SpreadsheetApi",
    "create_sheet_batch": "SpreadsheetApi",
    "create_batch_appraisal": "PortalApi",
    "create_comparison": "PortalApi",
    "save_appraisal": "SavedApi",
    "list_saved_appraisals": "SavedApi",
    "get_saved_appraisal": "SavedApi",
    "reappraise_saved_appraisal": "SavedApi",
    "delete_saved_appraisal": "SavedApi",
}

#: Parameters the generator renames (``field`` is a pydantic name).
RENAMED = {"field": "var_field"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Iterator[SimpleNamespace]:
    out = tmp_path_factory.mktemp("oag-python")
    generate("python", out, f"packageName={PACKAGE}")
    sys.path.insert(0, str(out))
    try:
        yield SimpleNamespace(
            package=importlib.import_module(PACKAGE),
            models=importlib.import_module(f"{PACKAGE}.models"),
            exceptions=importlib.import_module(f"{PACKAGE}.exceptions"),
        )
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture
def api(generated, live_server) -> Iterator[Any]:
    """An ApiClient for the live server that sends the key as Authorization: Bearer."""
    configuration = generated.package.Configuration(host=live_server.base,
                                                    access_token=live_server.key)
    with generated.package.ApiClient(configuration) as client:
        yield client


def _call(generated: SimpleNamespace, api: Any, ex: Example) -> Any:
    """``ex`` through ``<Tag>Api(api).<operationId>_with_http_info``, its parameters as
    keywords and its body as the request model (the keyword is the model's name in snake
    case)."""
    method = getattr(getattr(generated.package, CALLS[ex.operation_id])(api),
                     f"{ex.operation_id}_with_http_info")
    kwargs = typed_kwargs(method, ex, lambda name: RENAMED.get(name, snake(name)))
    if ex.body_model:
        keyword = re.sub(r"(?<!^)(?=[A-Z])", "_", ex.body_model).lower()
        kwargs[keyword] = getattr(generated.models, ex.body_model).from_dict(ex.body)
    return method(**kwargs)


def test_every_json_operation_is_called():
    assert set(CALLS) == json_operation_ids()


@pytest.mark.parametrize("operation_id", CALL_ORDER)
def test_operation_through_the_generated_client(generated, api, client, api_key, operation_id):
    """The documented example through the client: the same status, and models holding what the
    app answers in-process (dates as the same instant)."""
    ex = example(operation_id)
    status, expected = in_process(client, api_key, ex)
    assert status == success(operation_id)[0], expected  # the example succeeds in-process
    response = _call(generated, api, ex)
    # This generator reads an absent property as its default (what OpenAPI's default means):
    # a saved proposal, kept as it was sent, reads back with price_basis: real and the like.
    assert_client_read(operation_id, expected, response.status_code, response.data,
                       response.raw_data, defaults_filled=True)


def test_invalid_proposal_raises_with_the_problem_model(generated, api, client):
    """A 422 raises UnprocessableEntityException carrying the Problem model. The pydantic
    models check every bound the spec states before sending (term_years 61 never leaves the
    client), so the bad value here is one only the server can judge: 3 annual payments for a
    10-year term."""
    bad = {**examples.PROPOSAL,
           "public": {**examples.PROPOSAL["public"], "annual_payment": [8_600_000] * 3}}
    with pytest.raises(generated.exceptions.UnprocessableEntityException) as raised:
        generated.package.AppraisalsApi(api).create_appraisal(
            proposal=generated.models.Proposal.from_dict(bad))
    assert raised.value.status == 422
    problem = raised.value.data
    assert isinstance(problem, generated.models.Problem), raised.value.body
    assert [e.pointer for e in problem.errors] == ["#/public/annual_payment"]
    assert problem.to_dict() == client.post("/v1/appraisals", json=bad).json
