"""A real client: generate a Python client from the committed openapi.yaml with
openapi-python-client (offline, into a temp dir), run svcalc under gunicorn on 127.0.0.1, post the
documented worked example through the generated client and read the figures back through its
models. Catches spec changes that break generated clients (renamed operations, odd models,
responses the models cannot parse) and anything that only shows over a real socket.
"""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from svcalc.api import examples
from svcalc.api.schemas.proposal import ProposalSchema
from svcalc.core import appraise

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


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
            appraisals=importlib.import_module("svcalc_client.api.appraisals.create_appraisal"),
            health=importlib.import_module("svcalc_client.api.meta.get_health"),
            reference=importlib.import_module("svcalc_client.api.meta.get_reference"),
        )
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == "svcalc_client"]:
            del sys.modules[name]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """svcalc under gunicorn on a free loopback port, with a database of its own; always
    stopped."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    database = tmp_path_factory.mktemp("client-db") / "svcalc.db"
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--chdir", str(ROOT), "wsgi:app"],
        env={**os.environ, "SVCALC_DATABASE_URL": f"sqlite:///{database}"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
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
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


@pytest.fixture
def api(generated, server) -> Iterator[object]:
    with generated.client.Client(base_url=server, timeout=httpx.Timeout(30.0)) as client:
        yield client


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


def test_meta_operations_through_the_generated_client(generated, api, client):
    health = generated.health.sync(client=api)
    assert isinstance(health, generated.models.Health)
    assert health.to_dict() == client.get("/healthz").json
    reference = generated.reference.sync(client=api)
    assert isinstance(reference, generated.models.Reference)
    assert reference.to_dict() == client.get("/v1/reference").json


def test_readme_python_examples_run(generated, server, client, capsys):
    """The "Call it" section's Python blocks, run in order against the live server."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Call it", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```python\n")[1:]
    assert len(blocks) >= 2, "the Call it section has lost its Python examples"
    namespace: dict[str, object] = {}
    for block in blocks:
        code = block.split("```", 1)[0].replace("http://127.0.0.1:8000", server)
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own docs
    expected = client.post("/v1/appraisals", json=namespace["proposal"]).json
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"{expected['verdict']['rating']} {expected['verdict']['headline']}"
    assert printed[1:1 + len(expected["flags"])] == [
        f"{f['severity']} {f['code']} {f['field']}" for f in expected["flags"]]
    assert namespace["result"].to_dict() == expected
