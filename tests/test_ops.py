"""Operations: configuration from the environment, request ids, JSON logs, limits."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from svcalc.app import create_app
from svcalc.config import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent


# -- configuration -------------------------------------------------------------------------------

def test_defaults_hold_the_documented_limits(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 8 * 1024 * 1024
    assert app.config["MAX_BATCH_SIZE"] == 1000
    assert app.config["MAX_SIMULATION_ITERATIONS"] == 100_000
    assert app.config["COMPUTE_BUDGET_SECONDS"] > 0


@pytest.mark.parametrize("name, raw, expected", [
    ("MAX_CONTENT_LENGTH", "65536", 65536),
    ("MAX_BATCH_SIZE", "250", 250),
    ("MAX_SIMULATION_ITERATIONS", "5000", 5000),
    ("COMPUTE_BUDGET_SECONDS", "0.5", 0.5),
])
def test_svcalc_environment_overrides_defaults(monkeypatch, name, raw, expected):
    monkeypatch.setenv(f"SVCALC_{name}", raw)
    assert create_app({"TESTING": True}).config[name] == expected


def test_test_mapping_wins_over_environment(monkeypatch):
    monkeypatch.setenv("SVCALC_MAX_BATCH_SIZE", "250")
    assert create_app({"MAX_BATCH_SIZE": 7}).config["MAX_BATCH_SIZE"] == 7


def test_every_setting_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name in ("MAX_CONTENT_LENGTH", "MAX_BATCH_SIZE", "MAX_SIMULATION_ITERATIONS",
                 "COMPUTE_BUDGET_SECONDS", "BATCH_COMPUTE_BUDGET_SECONDS",
                 "LOG_LEVEL", "BIND", "DATABASE_URL", "DATABASE_MIGRATE", "AUTH",
                 "RATELIMIT_PER_KEY", "RATELIMIT_ANONYMOUS", "RATELIMIT_STORAGE_URI",
                 "RATELIMIT_ENABLED", "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"):
        assert f"`SVCALC_{name}`" in readme, name


# -- body limit ----------------------------------------------------------------------------------

def test_body_over_the_limit_is_413_problem(proposal):
    client = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 1024}).test_client()
    proposal["name"] = "x" * 2000
    response = client.post("/v1/appraisals", json=proposal)
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"
    body = response.json
    assert body["status"] == 413 and body["type"] == "about:blank"
    assert body["title"] == "Request Entity Too Large" or body["title"] == "Content Too Large"
    assert response.headers["X-Request-ID"]


def test_body_just_under_the_limit_is_appraised(proposal):
    size = len(json.dumps(proposal).encode())
    client = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": size}).test_client()
    assert client.post("/v1/appraisals", json=proposal).status_code == 200


# -- request id ----------------------------------------------------------------------------------

def test_sane_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "portal:run-42.7_a"})
    assert response.headers["X-Request-ID"] == "portal:run-42.7_a"


@pytest.mark.parametrize("given", ["has space", "x" * 129, "quote\"d", "new\tline", ""])
def test_insane_request_id_is_replaced(client, given):
    response = client.get("/healthz", headers={"X-Request-ID": given})
    echoed = response.headers["X-Request-ID"]
    assert echoed != given and len(echoed) == 32 and int(echoed, 16) >= 0


def test_generated_request_ids_differ(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5


def test_errors_carry_the_request_id(client):
    response = client.post("/v1/appraisals", json={}, headers={"X-Request-ID": "r1"})
    assert response.status_code == 422 and response.headers["X-Request-ID"] == "r1"
    assert client.get("/nowhere", headers={"X-Request-ID": "r2"}).headers["X-Request-ID"] == "r2"


# -- log lines -----------------------------------------------------------------------------------

@pytest.fixture
def log_lines(log_text):
    """The JSON log lines captured while the test runs."""
    return lambda: [json.loads(line) for line in log_text().splitlines()]


def test_one_json_line_per_request_without_body(client, proposal, log_lines):
    proposal["name"] = "SECRET-COMMERCIAL-NAME"
    body = json.dumps(proposal)
    started = time.perf_counter()
    client.post("/v1/appraisals?token=SECRET-QUERY", data=body,
                content_type="application/json", headers={"X-Request-ID": "abc"})
    elapsed_ms = (time.perf_counter() - started) * 1000
    lines = [line for line in log_lines() if line["logger"] == "svcalc.access"]
    assert len(lines) == 1
    line = lines[0]
    assert {"ts", "level", "message", "request_id", "method", "path", "status",
            "duration_ms", "bytes_in", "bytes_out"} <= set(line)
    assert (line["method"], line["path"], line["status"], line["request_id"]) == (
        "POST", "/v1/appraisals", 200, "abc")
    assert 0 < line["duration_ms"] <= elapsed_ms
    assert line["bytes_in"] == len(body)
    assert line["ts"].endswith("Z")
    raw = json.dumps(line)
    assert "SECRET" not in raw


def test_error_lines_have_status_and_the_request_id(client, log_lines):
    client.post("/v1/appraisals", data="{", content_type="application/json",
                headers={"X-Request-ID": "bad-1"})
    (line,) = [x for x in log_lines() if x["logger"] == "svcalc.access"]
    assert line["status"] == 400 and line["request_id"] == "bad-1"


def test_logs_inside_a_request_are_stamped_with_its_id(app, log_lines):
    @app.get("/_log_probe")
    def probe():
        logging.getLogger("svcalc.probe").warning("inside")
        return "ok"

    app.test_client().get("/_log_probe", headers={"X-Request-ID": "stamp-1"})
    (line,) = [x for x in log_lines() if x["logger"] == "svcalc.probe"]
    assert line["request_id"] == "stamp-1" and line["level"] == "WARNING"


# -- compute budget ------------------------------------------------------------------------------

def test_compute_budget_stops_a_slow_request(monkeypatch, proposal):
    import svcalc.core

    def slow(_proposal):
        time.sleep(5)

    monkeypatch.setattr(svcalc.core, "appraise", slow)
    client = create_app({"TESTING": True, "COMPUTE_BUDGET_SECONDS": 0.05}).test_client()
    started = time.perf_counter()
    response = client.post("/v1/appraisals", json=proposal)
    assert time.perf_counter() - started < 2
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert response.json["type"].endswith("/compute-budget-exceeded")
    # The timer is disarmed: the next request (fast) is unaffected even after the budget passes.
    monkeypatch.undo()
    assert client.post("/v1/appraisals", json=proposal).status_code == 200
    time.sleep(0.1)
    assert client.get("/healthz").status_code == 200


def _slow_appraisals(monkeypatch, seconds):
    """Make every appraisal take ``seconds`` longer (it still computes the real answer)."""
    import svcalc.core

    real, real_many = svcalc.core.appraise, svcalc.core.appraise_many

    def slowish(p):
        time.sleep(seconds)
        return real(p)

    def slowish_many(ps):  # what a batch calls
        time.sleep(seconds * len(ps))
        return real_many(ps)

    monkeypatch.setattr(svcalc.core, "appraise", slowish)
    monkeypatch.setattr(svcalc.core, "appraise_many", slowish_many)


def test_budget_zero_disables_the_timer(monkeypatch, proposal):
    _slow_appraisals(monkeypatch, 0.1)
    client = create_app({"TESTING": True, "COMPUTE_BUDGET_SECONDS": 0}).test_client()
    assert client.post("/v1/appraisals", json=proposal).status_code == 200


def test_worst_case_valid_input_is_far_inside_the_budget(client):
    """60 years of flows alternating in sign (the most IRR brackets) still answers quickly."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench.worst_case import worst_proposals

    for name, body in worst_proposals():
        started = time.perf_counter()
        response = client.post("/v1/appraisals", json=body)
        assert response.status_code == 200, (name, response.json)
        assert time.perf_counter() - started < DEFAULTS["COMPUTE_BUDGET_SECONDS"]


# -- deployment files ----------------------------------------------------------------------------

def test_gunicorn_config_reads_the_environment(monkeypatch):
    import runpy

    for name in ("SVCALC_BIND", "HOST", "PORT", "WEB_CONCURRENCY", "SVCALC_MAX_REQUESTS"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["bind"] == "127.0.0.1:8000" and conf["workers"] >= 2
    assert conf["max_requests"] > 0 and 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert conf["graceful_timeout"] <= conf["timeout"]
    monkeypatch.setenv("PORT", "9001")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == "127.0.0.1:9001"
    monkeypatch.setenv("SVCALC_BIND", "0.0.0.0:8000")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["bind"] == "0.0.0.0:8000" and conf["workers"] == 5


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    text = (ROOT / "Dockerfile").read_text()
    assert "USER 10001" in text and "HEALTHCHECK" in text and "/healthz" in text
    assert "gunicorn.conf.py" in text


def test_batches_get_the_batch_budget(monkeypatch, proposal):
    """A batch computes for the batch budget; a single appraisal keeps the tighter one."""
    _slow_appraisals(monkeypatch, 0.08)
    client = create_app({"TESTING": True, "COMPUTE_BUDGET_SECONDS": 0.1,
                         "BATCH_COMPUTE_BUDGET_SECONDS": 5.0}).test_client()
    # Three items at 0.08 s each: over the single budget, inside the batch one.
    response = client.post("/v1/appraisals/batch", json={"proposals": [proposal] * 2 + [
        {**proposal, "name": "another"}, {**proposal, "name": "a third"}]})
    assert response.status_code == 200, response.json
    assert [("index" in r) for r in response.json["results"]] == [False] * 4
    tight = create_app({"TESTING": True, "COMPUTE_BUDGET_SECONDS": 5.0,
                        "BATCH_COMPUTE_BUDGET_SECONDS": 0.1}).test_client()
    response = tight.post("/v1/appraisals/batch", json={"proposals": [
        {**proposal, "name": str(i)} for i in range(4)]})
    assert response.status_code == 503
    assert "0.1 s" in response.json["detail"]
    assert tight.post("/v1/appraisals", json=proposal).status_code == 200
