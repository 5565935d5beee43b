"""Real spreadsheet clients against a live svcalc on 127.0.0.1 (issue 6).

* ``npm test`` in ``addin/`` with no variables, as a user runs it: it starts its own svcalc
  (the checkout's gunicorn) and runs the add-in's unmodified ``functions.js`` and the Apps
  Script file under ``node --test`` against it;
* CORS in headless Chromium: a page on one origin loads ``functions.js`` and calls the API on
  another; a control server without CORS must fail;
* the example workbook recalculated by headless LibreOffice through UNO, its WEBSERVICE cells
  returning the server's figures, the verdict, its headline and the flags.

``make test`` installs node packages, Chromium and LibreOffice first (``make system-deps``);
where a tool is absent the test skips and says which.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

import pytest
from werkzeug.serving import make_server

from svcalc.app import create_app

ROOT = Path(__file__).resolve().parent.parent
ADDIN = ROOT / "addin"
WEB = ROOT / "svcalc" / "addin" / "web"
EXAMPLE = ADDIN / "example"
SYSTEM_PYTHON = "/usr/bin/python3"


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 (a free port) in a thread; always stopped."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def recording(app, log: list[tuple[str, str, str]]):
    """Wrap an app's WSGI callable to log (method, path, content type) of every request."""
    inner = app.wsgi_app

    def wsgi(environ, start_response):
        log.append((environ["REQUEST_METHOD"], environ["PATH_INFO"],
                    environ.get("CONTENT_TYPE", "")))
        return inner(environ, start_response)

    app.wsgi_app = wsgi
    return app


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@contextlib.contextmanager
def static_site(directory: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# --------------------------------------------------------------------------- node


def test_npm_test_in_addin_needs_no_variables():
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("node and npm are not installed")
    if not (ADDIN / "node_modules" / ".bin" / "custom-functions-metadata").exists():
        pytest.skip("addin/node_modules is missing: run make system-deps (make test does)")
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        pytest.skip("npm test starts the checkout's .venv/bin/gunicorn: run make install")
    env = {k: v for k, v in os.environ.items() if k != "SVCALC_API_BASE"}
    run = subprocess.run([npm, "test", "--silent"], cwd=ADDIN, capture_output=True, text=True,
                         timeout=180, env=env)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert re.search(r"^# svcalc started for the tests at http://127\.0\.0\.1:\d+$", run.stdout,
                     re.M), run.stdout[:2000]
    assert re.search(r"^# fail 0$", run.stdout, re.M), run.stdout[-3000:]
    assert int(re.search(r"^# pass (\d+)$", run.stdout, re.M).group(1)) >= 14


# --------------------------------------------------------------------------- chromium


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (make system-deps installs Debian's chromium)")


def _page_result(chromium: str, url: str, profile: Path) -> dict:
    # One retry: on a loaded machine the page may outlive Chromium's virtual-time budget.
    for attempt in (1, 2):
        result = _run_page(chromium, url, profile / str(attempt))
        if result is not None or attempt == 2:
            break
    assert result is not None, "the page did not finish twice"
    return result


def _run_page(chromium: str, url: str, profile: Path) -> dict | None:
    run = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=15000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=90)
    match = re.search(r"RESULT(.*?)END", run.stdout, re.S)
    if match is None:
        print(f"the page did not finish: {run.stdout[-2000:]} {run.stderr[-2000:]}")
        return None
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_cors_in_headless_chromium(tmp_path):
    chromium = _chromium()
    # A static site on another origin: the page, and the add-in's functions.js at its root.
    site = tmp_path / "site"
    (site / "test").mkdir(parents=True)
    shutil.copy(WEB / "functions.js", site / "functions.js")
    shutil.copy(ADDIN / "test" / "cors-test.html", site / "test" / "cors-test.html")
    log: list[tuple[str, str, str]] = []
    api = recording(create_app(), log)
    control = create_app({"CORS_ORIGINS": ""})  # the same API with CORS switched off
    with serving(api) as api_base, serving(control) as control_base, \
            static_site(site) as page:
        assert page != api_base
        good = _page_result(chromium, f"{page}/test/cors-test.html?api={api_base}",
                            tmp_path / "p1")
        bad = _page_result(chromium, f"{page}/test/cors-test.html?api={control_base}",
                           tmp_path / "p2")
    # By hand: -1000 + 300/1.05 + 400/1.05^2 + 500/1.05^3 = 80.44.
    assert good == {"get": {"ok": True, "value": 80.44},
                    "textplain_post": {"ok": True, "value": 80.44},
                    "json_post": {"ok": True, "value": 80.44},
                    "problem": {"ok": True, "value": 422}}, good
    assert not any(outcome["ok"] for outcome in bad.values()), bad
    # Only the application/json POST was preflighted; the add-in's text/plain POST was not.
    posts = [(m, ct.split(";")[0]) for m, p, ct in log if p == "/v1/sheets/batch"]
    assert posts.count(("OPTIONS", "")) == 1, log
    assert ("POST", "text/plain") in posts and ("POST", "application/json") in posts, log


# --------------------------------------------------------------------------- libreoffice


def _workbook_module():
    spec = importlib.util.spec_from_file_location("build_workbook",
                                                  EXAMPLE / "build_workbook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_example_workbook_is_what_the_script_builds():
    pytest.importorskip("openpyxl")
    book = _workbook_module()
    assert (EXAMPLE / "svcalc-example.xlsx").read_bytes() == book.build(), (
        "addin/example/svcalc-example.xlsx is stale: run "
        ".venv/bin/python addin/example/build_workbook.py")


def _libreoffice() -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (make system-deps installs "
                    "libreoffice-calc-nogui and python3-uno)")
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("Debian's python3-uno is not importable by /usr/bin/python3")


def test_example_workbook_recalculated_by_libreoffice(tmp_path):
    _libreoffice()
    pytest.importorskip("openpyxl")
    book = _workbook_module()
    cells = book.figure_cells()
    verdict = book.verdict_cells()
    flag_cells = [c for row in verdict["flags"] for c in row.values()]
    with serving(create_app()) as base:
        path = tmp_path / "svcalc-example.xlsx"
        path.write_bytes(book.build(base))
        wanted = [c for cell in cells.values() for c in (cell, "D" + cell[1:])]
        wanted += [verdict["verdict.rating"], verdict["verdict.headline"], *flag_cells]
        run = subprocess.run([SYSTEM_PYTHON, str(EXAMPLE / "lo_recalc.py"), str(path), *wanted],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr[-3000:]
        got = json.loads(run.stdout)
        query = "&".join(f"{name}={value}" for name, value, _ in book.PARAMETERS)
        expected = {}
        for _, field in book.FIGURES:
            with urlopen(f"{base}/v1/sheets/appraisal?{query}&field={field}") as r:
                expected[field] = json.load(r)["value"]
        with urlopen(f"{base}/v1/sheets/appraisal?{query}&field=public.bcr") as r:
            expected["filterxml.public.bcr"] = json.load(r)["value"]
        with urlopen(f"{base}/v1/sheets/appraisal?{query}") as r:
            appraisal = json.load(r)["value"]
    # The verdict first, as the API gives it: the rating, its headline and every flag.
    assert got[verdict["verdict.rating"]]["string"] == "viable_with_cautions"
    assert got[verdict["verdict.rating"]]["string"] == appraisal["verdict"]["rating"]
    assert got[verdict["verdict.headline"]]["string"] == appraisal["verdict"]["headline"]
    assert got[verdict["verdict.headline"]]["string"].startswith("Viable with cautions: ")
    flags = appraisal["flags"]
    assert 0 < len(flags) <= book.MAX_FLAGS
    for i, row in enumerate(verdict["flags"]):
        for name, cell in row.items():
            assert got[cell]["error"] == 0, (cell, got[cell])
            assert got[cell]["string"] == (flags[i][name] if i < len(flags) else ""), cell
    assert "SUPPLIER_CANNOT_ABSORB_OVERRUN" in {got[row["code"]]["string"]
                                                for row in verdict["flags"]}
    for field, cell in cells.items():
        if field.startswith("series."):
            continue
        text = got[cell]["string"]
        assert float(text) == pytest.approx(expected[field], rel=1e-12), (field, got[cell])
        assert got["D" + cell[1:]]["value"] == pytest.approx(expected[field], rel=1e-12)
    # By hand: -1000 + 300/1.05 + 400/1.05^2 + 500/1.05^3 = 80.44.
    assert got[cells["series.npv"]]["string"] == "80.44"
    assert got["D" + cells["series.npv"][1:]]["value"] == pytest.approx(80.44)
    assert got[cells["series.irr_na"]]["string"] == "#N/A"
