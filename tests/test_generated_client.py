"""A real client: generate a Python client from the committed openapi.yaml with
openapi-python-client (offline, into a temp dir), run svcalc under gunicorn on 127.0.0.1 and
call every JSON operation through the generated client with its documented example, comparing
what its models hold with what the app answers in-process; post the worked example and read the
figures back through the models. Catches spec changes that break generated clients (renamed
operations, odd models, responses the models cannot parse) and anything that only shows over a
real socket. tests/test_generated_client_oag_python.py and _typescript.py do the same with
openapi-generator's python and typescript-fetch clients.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from svcalc.api import examples
from svcalc.api.schemas.proposal import ProposalSchema
from svcalc.core import appraise
from tests.generated_clients import (
    BIN,
    CALL_ORDER,
    ROOT,
    Example,
    assert_client_read,
    example,
    in_process,
    json_operation_ids,
    snake,
    success,
    typed_kwargs,
)

#: Every JSON operation the client calls: operationId -> its module under svcalc_client.api
#: (the operation's tag, then its operationId).
CALLS = {
    "create_appraisal": "appraisals.create_appraisal",
    "get_health": "meta.get_health",
    "get_reference": "meta.get_reference",
    "get_appraisal_figure": "spreadsheet.get_appraisal_figure",
    "get_appraisal_figure_text": "spreadsheet.get_appraisal_figure_text",
    "get_series_figure": "spreadsheet.get_series_figure",
    "get_series_figure_text": "spreadsheet.get_series_figure_text",
    "get_cash_flows": "spreadsheet.get_cash_flows",
    "get_cash_flows_text": "spreadsheet.get_cash_flows_text",
    "post_cash_flows": "spreadsheet.post_cash_flows",
    "post_cash_flows_text": "spreadsheet.post_cash_flows_text",
    "create_sheet_batch": "spreadsheet.create_sheet_batch",
    "create_batch_appraisal": "portal.create_batch_appraisal",
    "create_comparison": "portal.create_comparison",
    "save_appraisal": "saved.save_appraisal",
    "list_saved_appraisals": "saved.list_saved_appraisals",
    "get_saved_appraisal": "saved.get_saved_appraisal",
    "reappraise_saved_appraisal": "saved.reappraise_saved_appraisal",
    "delete_saved_appraisal": "saved.delete_saved_appraisal",
}

#: Parameters the generator renames (``format`` is a Python builtin).
RENAMED = {"format": "format_"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Iterator[SimpleNamespace]:
    """The generated package, imported as ``svcalc_client``."""
    out = tmp_path_factory.mktemp("client")
    config = out / "config.yaml"
    config.write_text("post_hooks: []\n")  # no ruff formatting pass: faster, nothing to install
    run = subprocess.run(
        [str(BIN / "openapi-python-client"), "generate", "--path", str(ROOT / "openapi.yaml"),
         "--meta", "none", "--output-path", str(out / "svcalc_client"), "--config", str(config)],
        capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "warning" not in (run.stdout + run.stderr).lower(), run.stdout + run.stderr
    sys.path.insert(0, str(out))
    try:
        yield SimpleNamespace(
            client=importlib.import_module("svcalc_client"),
            models=importlib.import_module("svcalc_client.models"),
            operation=lambda name: importlib.import_module(f"svcalc_client.api.{CALLS[name]}"),
            appraisals=importlib.import_module("svcalc_client.api.appraisals.create_appraisal"),
            health=importlib.import_module("svcalc_client.api.meta.get_health"),
            reference=importlib.import_module("svcalc_client.api.meta.get_reference"),
        )
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == "svcalc_client"]:
            del sys.modules[name]


@pytest.fixture
def api(generated, live_server) -> Iterator[object]:
    with generated.client.AuthenticatedClient(base_url=live_server.base, token=live_server.key,
                                              timeout=httpx.Timeout(30.0)) as client:
        yield client


def _call(generated: SimpleNamespace, api: object, ex: Example) -> Any:
    """``ex`` through the operation's ``sync_detailed``, its parameters as keywords."""
    function = generated.operation(ex.operation_id).sync_detailed
    kwargs = typed_kwargs(function, ex, lambda name: RENAMED.get(name, snake(name)))
    if ex.body_model:
        kwargs["body"] = getattr(generated.models, ex.body_model).from_dict(ex.body)
    return function(client=api, **kwargs)


def test_every_json_operation_is_called():
    assert set(CALLS) == json_operation_ids()
    assert set(CALL_ORDER) == json_operation_ids()


@pytest.mark.parametrize("operation_id", CALL_ORDER)
def test_operation_through_the_generated_client(generated, api, client, api_key, operation_id):
    """The documented example through the client: the same status, and models holding what the
    app answers in-process (dates as the same instant)."""
    ex = example(operation_id)
    status, expected = in_process(client, api_key, ex)
    assert status == success(operation_id)[0], expected  # the example succeeds in-process
    response = _call(generated, api, ex)
    assert_client_read(operation_id, expected, response.status_code, response.parsed,
                       response.content)


def test_worked_example_through_the_generated_client(generated, api, client):
    body = generated.models.Proposal.from_dict(examples.PROPOSAL)
    response = generated.appraisals.sync_detailed(client=api, body=body)
    assert response.status_code == 200, response.content[:500]
    result = response.parsed
    assert isinstance(result, generated.models.Appraisal)

    # the models hold exactly what the server sent, and that is what the app answers in-process
    assert result.to_dict() == client.post("/v1/appraisals", json=examples.PROPOSAL).json

    # figures read through the models equal the pure core's (money rounded to 2 decimals on output)
    core = appraise(ProposalSchema().load(examples.PROPOSAL))
    assert result.public.npv == round(core.public.npv, 2)
    assert result.public.irr == core.public.irr
    assert result.public.payback_years == core.public.payback_years
    assert result.public.first_saving_year == core.public.first_saving_year
    assert result.public.peak_funding_requirement == round(core.public.peak_funding_requirement, 2)
    assert result.public.npsv == round(core.public.npsv, 2)
    assert result.supplier.breakeven_cost_overrun == core.supplier.breakeven_cost_overrun
    assert result.supplier.npv == round(core.supplier.npv, 2)
    assert result.supplier.whole_life_margin == core.supplier.whole_life_margin
    assert result.partnership.support_ratio == core.partnership.support_ratio
    assert [row.public_net for row in result.cash_flows] == [
        round(row.public_net, 2) for row in core.cash_flows]
    assert result.method.reference_version == core.method.reference_version
    if hasattr(core, "verdict"):  # the verdict, once the appraisal carries one
        assert result.verdict.rating == core.verdict.rating


def test_invalid_proposal_comes_back_as_a_problem_model(generated, api):
    bad = generated.models.Proposal.from_dict({**examples.PROPOSAL, "term_years": 61})
    response = generated.appraisals.sync_detailed(client=api, body=bad)
    assert response.status_code == 422
    problem = response.parsed
    assert isinstance(problem, generated.models.Problem)
    assert [e.pointer for e in problem.errors] == ["#/term_years"]


def test_a_misspelt_field_is_caught_by_the_constructor_not_by_from_dict(generated):
    """What the README advises: from_dict drops a key the model does not know (the server would
    answer 422, but never sees it), so build a proposal with the constructor, which refuses it."""
    misspelt = {**examples.PROPOSAL, "term_yeras": 12}
    assert "term_yeras" not in generated.models.Proposal.from_dict(misspelt).to_dict()
    with pytest.raises(TypeError, match="term_yeras"):
        generated.models.Proposal(term_yeras=12)  # type: ignore[call-arg]


def test_meta_operations_through_the_generated_client(generated, api, client):
    health = generated.health.sync(client=api)
    assert isinstance(health, generated.models.Health)
    assert health.to_dict() == client.get("/healthz").json
    reference = generated.reference.sync(client=api)
    assert isinstance(reference, generated.models.Reference)
    assert reference.to_dict() == client.get("/v1/reference").json


def test_readme_python_examples_run(generated, live_server, client, capsys):
    """The "Call it" section's Python blocks, run in order against the live server."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Call it", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```python\n")[1:]
    assert len(blocks) >= 2, "the Call it section has lost its Python examples"
    namespace: dict[str, object] = {}
    for block in blocks:
        code = block.split("```", 1)[0].replace("http://127.0.0.1:8000", live_server.base)
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own docs
    expected = client.post("/v1/appraisals", json=namespace["proposal"]).json
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"{expected['verdict']['rating']} {expected['verdict']['headline']}"
    assert printed[1:1 + len(expected["flags"])] == [
        f"{f['severity']} {f['code']} {f['field']}" for f in expected["flags"]]
    assert namespace["result"].to_dict() == expected
