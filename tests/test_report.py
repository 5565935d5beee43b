"""The board report (POST /v1/reports) and the worked examples of the try-it page.

The PDF is read back with poppler's pdftotext (``make system-deps`` installs poppler-utils);
without it those tests skip and say so. The browser tests are in test_tryit_browser.py.
"""

from __future__ import annotations

import copy
import hashlib
import http.server
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from svcalc.api.reports import HTML_OPENING, PDF_OPENING
from svcalc.report.examples import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.proposals import every_block  # noqa: E402


def _report(client, proposal, fmt="html", **kwargs):
    response = client.post(f"/v1/reports?format={fmt}", json=proposal, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response


def _pdftotext(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (make system-deps installs Debian's poppler-utils)")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    run = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                         check=True, timeout=60)
    return run.stdout.decode()


def _words(text: str) -> str:
    """Text with every run of white space as one space (PDF lines break anywhere)."""
    return re.sub(r"\s+", " ", text)


def _money(value: float) -> str:
    """A figure as the report writes money: whole pounds of the JSON's rounded value."""
    whole = round(value)
    return f"{'-' if whole < 0 else ''}£{abs(whole):,}"


# --------------------------------------------------------------------------- worked examples


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["key"] for e in EXAMPLES])
def test_each_worked_example_gets_a_sensible_verdict(client, example):
    answer = client.post("/v1/appraisals", json=example["proposal"])
    assert answer.status_code == 200, answer.json
    verdict = answer.json["verdict"]
    assert verdict["rating"] == example["rating"], verdict["headline"]
    # The low-ball bid fails on its supplier's margin, the decisive finding; the others hold
    # up in the risk-adjusted view on both sides.
    if example["key"] == "low-ball":
        assert verdict["reasons"][0] == "SUPPLIER_MARGIN_LOW_BALL"
        assert not verdict["sustainable"]["supplier"]
    else:
        assert verdict["sustainable"] == {"public": True, "supplier": True}


def test_the_examples_show_every_kind_of_chart(client):
    keys = {e["key"]: e["proposal"] for e in EXAMPLES}
    assert "channel_shift" in keys["contact-centre"]
    assert "simulation" in keys["low-ball"]
    assert "upfront_investment" in keys["property-alliance"]["supplier"]
    assert "other_income" in keys["joint-venture"]["supplier"]


# --------------------------------------------------------------------------- HTML


class _Outline(HTMLParser):
    """Section ids in order, figures with their tables, and every URL the page refers to."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.figures: dict[str, int] = {}
        self.svgs = 0
        self.urls: list[str] = []
        self._figure: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("section", "footer") and a.get("id"):
            self.sections.append(a["id"])
        if tag == "figure":
            self._figure = a["id"]
            self.figures[a["id"]] = 0
        if tag == "table" and self._figure:
            self.figures[self._figure] += 1
        if tag == "svg":
            self.svgs += 1
        self.urls += [v for k, v in attrs if k in ("src", "href", "xlink:href") and v]

    def handle_endtag(self, tag):
        if tag == "figure":
            self._figure = None


def _outline(html: str) -> _Outline:
    outline = _Outline()
    outline.feed(html)
    return outline


def test_html_report_leads_with_the_verdict_and_tables_every_chart(client, proposal):
    response = _report(client, proposal)
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    appraisal = client.post("/v1/appraisals", json=proposal).json
    assert html.startswith(HTML_OPENING)  # the documented example
    outline = _outline(html)
    assert outline.sections == ["verdict", "questions", "figures", "charts", "flags", "social",
                                "reproduce"]
    # cumulative cash flow (two drawings), tornado, supplier stress: each with its table
    assert outline.figures == {"chart-cumulative": 1, "chart-tornado": 1, "chart-stress": 1}
    assert outline.svgs == 4
    assert outline.urls == []  # self-contained: nothing to fetch
    text = _words(re.sub(r"<[^>]+>", " ", html))
    verdict = appraisal["verdict"]
    assert verdict["headline"] in text.replace("&#39;", "'")
    assert text.index("Viable with cautions") < text.index("The questions it answers")
    for figure in ("npsv", "npsv_risk_adjusted", "npv", "npv_risk_adjusted"):
        assert _money(appraisal["public"][figure]) in text
    # every year of the risk-adjusted cumulative flows is in the chart's table
    for row in appraisal["cash_flows"]:
        assert _money(row["public_cumulative_risk_adjusted"]) in text
        assert _money(row["supplier_cumulative_risk_adjusted"]) in text


def test_optional_charts_appear_with_their_blocks(client):
    by_key = {e["key"]: e["proposal"] for e in EXAMPLES}
    channel = _outline(_report(client, by_key["contact-centre"]).get_data(as_text=True))
    assert channel.figures["chart-channel_shift"] == 1
    assert "chart-simulation" not in channel.figures
    simulated = _outline(_report(client, by_key["low-ball"]).get_data(as_text=True))
    assert simulated.figures["chart-simulation"] == 2  # percentiles and the NPV bands
    assert "chart-channel_shift" not in simulated.figures


def test_footer_makes_the_report_reproducible(client, proposal):
    raw = b'{"term_years": 10,  "public": {"baseline_annual_cost": 10000000,\n' \
          b'"annual_payment": 8600000}, "supplier": {"annual_operating_cost": 8000000}}'
    response = client.post("/v1/reports", data=raw, content_type="application/json")
    assert response.status_code == 200
    footer = response.get_data(as_text=True).split('id="reproduce"')[1]
    version = client.get("/healthz").json
    assert f"svcalc {version['version']}" in footer
    assert f"reference data {version['reference_version']}" in footer
    assert re.search(r"made \d{4}-\d{2}-\d{2}", footer)
    # the hash of the body exactly as received, white space and all
    assert hashlib.sha256(raw).hexdigest() in footer


def test_the_proposals_own_words_are_escaped(client, proposal):
    proposal["name"] = "<script>alert(1)</script> & partners"
    html = _report(client, proposal).get_data(as_text=True)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; partners" in html


# --------------------------------------------------------------------------- PDF


def test_pdf_shows_the_headline_and_the_jsons_figures_on_two_or_three_pages(
        client, proposal, tmp_path):
    response = _report(client, proposal, "pdf")
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(PDF_OPENING.encode())  # the documented example
    text = _pdftotext(response.data, tmp_path)
    assert 2 <= text.count("\f") <= 3, f"{text.count(chr(12))} pages"
    appraisal = client.post("/v1/appraisals", json=proposal).json
    words = _words(text)
    assert _words(appraisal["verdict"]["headline"]) in words
    public, supplier = appraisal["public"], appraisal["supplier"]
    for value in (public["npsv"], public["npsv_risk_adjusted"], public["npv"],
                  public["npv_risk_adjusted"], public["upfront_costs"],
                  public["peak_funding_requirement"], supplier["npv"],
                  supplier["npv_risk_adjusted"]):
        assert _money(value) in words, _money(value)
    for share in (supplier["whole_life_margin"], supplier["whole_life_margin_risk_adjusted"],
                  supplier["breakeven_cost_overrun"]):
        assert f"{share * 100:.1f}%" in words
    assert f"{public['payback_years']:.1f} years" in words
    assert f"{public['payback_years_risk_adjusted']:.1f} years" in words


def test_sixty_years_with_every_block_renders_within_the_compute_budget(app, tmp_path):
    # The app's own budget is armed (the test client runs in the main thread): a report past
    # REPORT_COMPUTE_BUDGET_SECONDS would answer 503.
    assert app.config["REPORT_COMPUTE_BUDGET_SECONDS"] > 0
    client = app.test_client()
    body = every_block()
    response = client.post("/v1/reports?format=pdf", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = _pdftotext(response.data, tmp_path)
    assert "60 years with every optional block" in text
    for heading in ("Monte Carlo", "Channel shift", "Outcome 99"):
        assert heading in text


def test_the_pdf_engine_fetches_nothing():
    # A page that names resources on a server of ours: WeasyPrint must not ask for them.
    from svcalc.report import document

    asked: list[str] = []

    class Recording(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            asked.append(self.path)
            self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        page = (f'<link rel="stylesheet" href="{url}/a.css"><p>x</p>'
                f'<img src="{url}/b.png"><img src="file:///etc/hostname">')
        assert document.pdf(page).startswith(b"%PDF-")
    finally:
        server.shutdown()
        server.server_close()
    assert asked == []


# --------------------------------------------------------------------------- errors


INVALID = [
    ("an unknown field", lambda p: p.update(not_a_field=1)),
    ("a list of the wrong length and a negative cost",
     lambda p: p["public"].update(annual_payment=[1.0, 2.0], retained_costs=-5)),
    ("no supplier", lambda p: p.pop("supplier")),
    ("more iterations than the server allows",
     lambda p: p.update(simulation={"iterations": 200_000})),
    ("mitigation out of range", lambda p: p.update(risk={"mitigation": 2})),
]


@pytest.mark.parametrize(("what", "spoil"), INVALID, ids=[w for w, _ in INVALID])
@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_a_rejected_proposal_gets_the_appraisals_problem_details(client, proposal, what, spoil,
                                                                  fmt):
    spoil(proposal)
    appraisal = client.post("/v1/appraisals", json=proposal)
    report = client.post(f"/v1/reports?format={fmt}", json=proposal)
    assert appraisal.status_code == 422, what
    assert report.status_code == 422
    assert report.mimetype == "application/problem+json"
    expected = {**appraisal.json, "instance": "/v1/reports"}
    assert report.json == expected


def test_a_report_refuses_an_unknown_format(client, proposal):
    response = client.post("/v1/reports?format=docx", json=copy.deepcopy(proposal))
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json["errors"]] == ["#/query/format"]
