"""openapi-generator's ``typescript-fetch`` client, generated from the committed openapi.yaml into
a temp dir, compiled with tests/clients/typescript/main.ts by the pinned tsc
(tests/clients/typescript/package.json) and run under node against svcalc under gunicorn:
main.ts calls every JSON operation with its documented example (which this module hands it) and
prints what the client's models hold, written back as JSON; this module compares that with what
the app answers in-process. Needs Java, node and the pinned tsc (make system-deps); skips,
saying which, without them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

from svcalc.api import examples
from tests.generated_clients import (
    CALL_ORDER,
    ROOT,
    comparable,
    differences,
    example,
    generate,
    in_process,
    json_operation_ids,
    success,
)

PACKAGE = ROOT / "tests" / "clients" / "typescript"
TSC = PACKAGE / "node_modules" / ".bin" / "tsc"
#: The 422 case: a value only the server can judge (3 annual payments for a 10-year term).
INVALID = {**examples.PROPOSAL,
           "public": {**examples.PROPOSAL["public"], "annual_payment": [8_600_000] * 3}}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Any:
    """main.js: main.ts and the generated client, compiled."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not TSC.exists():
        pytest.skip(f"tsc is not installed in {PACKAGE} (make system-deps runs npm ci there)")
    out = tmp_path_factory.mktemp("typescript")
    generate("typescript-fetch", out / "client")
    shutil.copy(PACKAGE / "main.ts", out / "main.ts")
    run = subprocess.run(
        [str(TSC), "--strict", "--target", "es2022", "--module", "commonjs",
         "--lib", "es2022,dom", "--skipLibCheck", "--outDir", str(out / "js"),
         str(out / "main.ts")],
        cwd=out, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-3000:]
    return out / "js" / "main.js"


@pytest.fixture(scope="module")
def printed(compiled, live_server) -> dict[str, Any]:
    """What main.js printed, having called every operation against the live server."""
    requests = [{"operation_id": ex.operation_id, "params": ex.params(), "body": ex.body}
                for ex in map(example, CALL_ORDER)]
    run = subprocess.run(
        ["node", str(compiled)], capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "SVCALC_BASE_URL": live_server.base, "SVCALC_KEY": live_server.key,
             "SVCALC_EXAMPLES": json.dumps(requests),
             "SVCALC_INVALID_PROPOSAL": json.dumps(INVALID)})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result: dict[str, Any] = json.loads(run.stdout)
    return result


def test_every_json_operation_is_called(printed):
    assert set(printed["called"]) == json_operation_ids()


@pytest.mark.parametrize("operation_id", CALL_ORDER)
def test_operation_through_the_generated_client(printed, client, api_key, operation_id):
    """The documented example through the client: the same status, and models holding what the
    app answers in-process. The client calls them all first, in order (delete last); each
    in-process answer is to the same request on a fresh copy of the same seeded database."""
    ex = example(operation_id)
    status, expected = in_process(client, api_key, ex)
    assert status == success(operation_id)[0], expected  # it succeeds in-process
    got = printed["calls"][operation_id]
    assert "error" not in got, got["error"]
    assert got["status"] == status
    if success(operation_id)[1] is None:  # no body (204), or a string: as the app answers it
        assert got["body"] == expected
        return
    assert comparable(got["body"]) == comparable(expected), "\n".join(
        differences(comparable(got["body"]), comparable(expected)))


def test_invalid_proposal_comes_back_as_a_problem_model(printed, client):
    problem = printed["problem"]
    assert "error" not in problem, problem["error"]
    assert problem["status"] == 422
    assert [e["pointer"] for e in problem["body"]["errors"]] == ["#/public/annual_payment"]
    assert problem["body"] == client.post("/v1/appraisals", json=INVALID).json

