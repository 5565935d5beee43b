"""Spreadsheet endpoints: flat parameters, formats, batch, CORS (issue 6)."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcalc.api import spreadsheet
from svcalc.app import create_app

#: The worked example (svcalc/api/examples.py) as flat parameters.
FLAT = {
    "term_years": 10,
    "public.baseline_annual_cost": 10_000_000,
    "public.annual_payment": 8_600_000,
    "public.retained_costs": 400_000,
    "public.upfront_costs.procurement": 250_000,
    "public.upfront_costs.transition": 400_000,
    "public.upfront_costs.it": 300_000,
    "public.upfront_costs.legal": 100_000,
    "supplier.upfront_investment": 500_000,
    "supplier.annual_operating_cost": 8_000_000,
}
# By hand: the public side saves 10m - 8.6m - 0.4m = 1m a year for 10 years after 1.05m upfront,
# at 3.5% (STPR years 0-30): annuity factor (1 - 1.035^-10) / 0.035 = 8.316605323,
# so NPV = -1,050,000 + 8,316,605.32 = 7,266,605.32.
PUBLIC_NPV = 7_266_605.32


def url(path: str, **params) -> str:
    return f"/v1/sheets/{path}?" + urlencode(params)


def test_appraisal_figure_as_text_is_a_bare_number(client):
    response = client.get(url("appraisal", **FLAT, field="public.npv", format="text"))
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "7266605.32"
    assert float(response.get_data(as_text=True)) == pytest.approx(PUBLIC_NPV, abs=0.01)


def test_flat_parameters_give_the_same_appraisal_as_the_json_body(client, proposal):
    flat = client.get(url("appraisal", **FLAT)).json["value"]
    posted = client.post("/v1/appraisals", json=proposal).json
    posted.pop("name")
    flat.pop("name")
    assert flat == posted


def test_per_year_lists_are_comma_separated(client):
    # Years 1..3 save 0, 10, 20 against BAU 100; no upfront cost. By hand at 3.5%:
    # 10/1.035^2 + 20/1.035^3 = 9.335 + 18.039 = 27.37.
    params = {"term_years": 3, "public.baseline_annual_cost": 100,
              "public.annual_payment": "100,90,80", "supplier.annual_operating_cost": 70}
    text = client.get(url("appraisal", **params, field="public.npv", format="text"))
    assert float(text.get_data(as_text=True)) == pytest.approx(
        10 / 1.035**2 + 20 / 1.035**3, abs=0.005)


def test_the_risk_block_has_a_flat_form_with_evidence_repeated(client, proposal):
    risk = {"stage": "full", "mitigation": 0.5, "evidence": ["a costed risk register", "a pilot"]}
    query = urlencode({**FLAT, "risk.stage": "full", "risk.mitigation": 0.5}) + "&" + urlencode(
        [("risk.evidence", e) for e in risk["evidence"]])
    flat = client.get("/v1/sheets/appraisal?" + query).json["value"]
    posted = client.post("/v1/appraisals", json={**proposal, "risk": risk}).json
    assert flat["risk"] == posted["risk"] and flat["risk"]["mitigation_applied"] == 0.5


def test_a_figure_that_does_not_exist_is_na_with_a_reason(client):
    # Payment above BAU every year: the public side never saves, so no IRR exists.
    params = {**FLAT, "public.annual_payment": 11_000_000}
    text = client.get(url("appraisal", **params, field="public.irr", format="text"))
    assert (text.status_code, text.get_data(as_text=True)) == (200, "#N/A")
    js = client.get(url("appraisal", **params, field="public.irr")).json
    assert js["value"] is None and "sign" in js["reason"]


@pytest.mark.parametrize("params, pointer", [
    ({**FLAT, "public.anual_payment": 5}, "#/query/public.anual_payment"),
    ({**FLAT, "term_years": 3, "public.annual_payment": "1,2"}, "#/query/public.annual_payment"),
    ({**FLAT, "public.annual_payment": "1,x"}, "#/query/public.annual_payment"),
    ({**FLAT, "supplier.cost_of_capital": 3.5}, "#/query/supplier.cost_of_capital"),
    ({k: v for k, v in FLAT.items() if k != "term_years"}, "#/query/term_years"),
    ({**FLAT, "field": "public.nvp"}, "#/query/field"),
    ({**FLAT, "field": "cash_flows.11.year"}, "#/query/field"),
    ({**FLAT, "field": "public", "format": "text"}, "#/query/field"),
    ({**FLAT, "format": "html"}, "#/query/format"),
])
def test_query_errors_are_problems_pointing_at_the_parameter(client, params, pointer):
    response = client.get(url("appraisal", **params))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert pointer in [e["pointer"] for e in response.json["errors"]]


def test_csv_and_xml_of_a_block_are_flat(client):
    csv_text = client.get(url("appraisal", **FLAT, field="public", format="csv")).get_data(
        as_text=True)
    assert csv_text.startswith("field,value,reason\r\n")
    rows = {r["field"]: r for r in csv.DictReader(io.StringIO(csv_text))}
    assert float(rows["public.npv"]["value"]) == pytest.approx(PUBLIC_NPV, abs=0.01)
    xml = client.get(url("appraisal", **FLAT, field="public", format="xml"))
    assert xml.mimetype == "text/xml"
    root = ET.fromstring(xml.data)
    npv = root.find("value[@name='public.npv']").text
    assert float(npv) == pytest.approx(PUBLIC_NPV, abs=0.01)


def test_series_npv_irr_payback(client):
    values = "-1000,300,400,500"
    # By hand at 5%: -1000 + 285.714 + 362.812 + 431.919 = 80.44.
    npv = client.get(url("series", values=values, rate=0.05, field="npv", format="text"))
    assert npv.get_data(as_text=True) == "80.44"
    irr = client.get(url("series", values=values, field="irr", format="text"))
    assert float(irr.get_data(as_text=True)) == pytest.approx(
        npf.irr([-1000, 300, 400, 500]), abs=1e-9)
    # Cumulative -1000, -700, -300, +200: back to zero 300/500 into year 3.
    payback = client.get(url("series", values=values, field="payback_years", format="text"))
    assert float(payback.get_data(as_text=True)) == pytest.approx(2.6)


def test_series_without_rate_uses_the_green_book_schedule(client):
    # DESIGN.md reference factor: DF_31 = 0.3459 (3.5% to year 30, 3.0% in year 31).
    values = ",".join(["0"] * 31 + ["1000"])
    js = client.get(url("series", values=values, field="npv")).json
    assert js["value"] == pytest.approx(1000 / 1.035**30 / 1.03, abs=0.005)
    assert js["value"] == pytest.approx(345.9, abs=0.05)
    whole = client.get(url("series", values=values)).json["value"]
    assert whole["discounting"] == "green_book_stpr" and whole["rate"] is None


VALUES_RE = re.compile(spreadsheet.SeriesQuerySchema().fields["values"].metadata["pattern"])


@settings(max_examples=40, deadline=None)
@given(st.from_regex(VALUES_RE, fullmatch=True),
       st.one_of(st.none(), st.floats(-0.98, 1.0)))
def test_any_values_the_spec_allows_are_answered(values, rate):
    client = create_app({"TESTING": True}).test_client()
    params = {"values": values, "field": "npv"}
    if rate is not None:
        params["rate"] = rate
    response = client.get(url("series", **params))
    assert response.status_code == 200, response.json
    numbers = [float(v) for v in values.split(",")]
    factors = [(1 + rate) ** -t if rate is not None else None for t in range(len(numbers))]
    if rate is not None:
        expected = sum(v * f for v, f in zip(numbers, factors, strict=True))
        assert response.json["value"] == pytest.approx(expected, rel=1e-9, abs=0.006)


def test_cash_flow_table_as_csv(client):
    response = client.get(url("cash-flows", **FLAT, format="csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r["year"]) for r in rows] == list(range(11))
    assert float(rows[0]["public_net"]) == -1_050_000
    assert float(rows[1]["public_net"]) == 10_000_000 - 8_600_000 - 400_000
    assert float(rows[10]["public_cumulative"]) == -1_050_000 + 10 * 1_000_000


def test_cash_flow_table_from_a_text_plain_post(client, proposal):
    response = client.post("/v1/sheets/cash-flows?format=json", data=json.dumps(proposal),
                           content_type="text/plain")
    assert response.status_code == 200
    table = response.json
    assert table["columns"][0] == "year" and len(table["rows"]) == 11
    xml = client.post("/v1/sheets/cash-flows?format=xml", json=proposal)
    row3 = ET.fromstring(xml.data).findall("row")[3]
    assert float(row3.find("supplier_net").text) == 8_600_000 - 8_000_000


def test_batch_keeps_order_and_reports_bad_items_by_index(client):
    ops = [
        {"operation": "series", "values": [-1000, 300, 400, 500], "rate": 0.05, "field": "npv"},
        {"operation": "appraisal", "params": {**FLAT, "public.annual_payment": [1, "x"] + [1] * 8},
         "field": "public.npv"},
        {"operation": "appraisal", "params": FLAT, "field": "public.npv"},
        {"operation": "appraisal", "params": FLAT, "field": "public.npv", "extra": 1},
        {"operation": "appraisal", "params": FLAT, "field": "public.nope"},
        {"operation": "cash_flows", "params": FLAT},
        {"operation": "appraisal", "proposal": {"term_years": 0}, "field": "public.npv"},
    ]
    response = client.post("/v1/sheets/batch", data=json.dumps({"operations": ops}),
                           content_type="text/plain")
    assert response.status_code == 200
    results = response.json["results"]
    assert len(results) == len(ops)
    assert results[0]["value"] == 80.44
    assert results[1]["index"] == 1 and results[1]["status"] == 422
    assert results[1]["errors"][0]["pointer"] == "#/operations/1/params/public.annual_payment/1"
    assert results[2]["value"] == pytest.approx(PUBLIC_NPV, abs=0.01)
    assert results[3]["errors"][0]["pointer"] == "#/operations/3/extra"
    assert results[4]["errors"][0]["pointer"] == "#/operations/4/field"
    assert results[5]["value"][0][0] == "year" and len(results[5]["value"]) == 12
    pointers = {e["pointer"] for e in results[6]["errors"]}
    assert "#/operations/6/proposal/term_years" in pointers


def test_identical_proposals_in_a_batch_are_appraised_once(client, monkeypatch):
    from svcalc import core
    calls = []
    real = core.appraise
    monkeypatch.setattr(core, "appraise", lambda p: calls.append(p) or real(p))
    fields = ["public.npv", "public.irr", "supplier.npv", "partnership.support_ratio"]
    ops = [{"operation": "appraisal", "params": FLAT, "field": f} for f in fields]
    results = client.post("/v1/sheets/batch", json={"operations": ops}).json["results"]
    assert len(calls) == 1
    single = client.get(url("appraisal", **FLAT)).json["value"]
    assert [r["value"] for r in results] == [single["public"]["npv"], single["public"]["irr"],
                                             single["supplier"]["npv"],
                                             single["partnership"]["support_ratio"]]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-10**9, 10**9), min_size=1, max_size=40),
       st.one_of(st.none(), st.sampled_from([0.0, 0.035, 0.08, 0.5])),
       st.sampled_from(["npv", "irr", "payback_years", "discounted_payback_years"]))
def test_batch_answers_what_the_get_answers(values, rate, field):
    client = create_app({"TESTING": True}).test_client()
    op = {"operation": "series", "values": values, "field": field}
    params = {"values": ",".join(map(str, values)), "field": field}
    if rate is not None:
        op["rate"] = params["rate"] = rate
    batch = client.post("/v1/sheets/batch", json={"operations": [op]}).json["results"][0]
    assert batch == client.get(url("series", **params)).json


def test_a_batch_item_that_is_not_an_object_fails_the_batch(client):
    response = client.post("/v1/sheets/batch", json={"operations": [{}, 5]})
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json["errors"]] == ["#/operations/1"]


def test_batch_is_bounded(client):
    op = {"operation": "series", "values": [1]}
    response = client.post("/v1/sheets/batch", json={"operations": [op] * 1001})
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "#/operations"


def test_worked_example_urls_fit_in_2048_characters():
    base = "https://svcalc.example.org:8443/v1/sheets/"
    assert len(base + url("appraisal", **FLAT, field="partnership.support_ratio",
                          format="text")[11:]) < 2048
    # The longest series the spec allows, and a 20-year proposal with three per-year lists.
    longest = spreadsheet.SeriesQuerySchema().fields["values"].metadata["maxLength"]
    assert len(base) + len("series?values=&rate=0.035&field=discounted_payback_years"
                           "&format=text") + longest < 2048
    years = ",".join(["12345678.12"] * 20)
    params = {**FLAT, "term_years": 20, "public.baseline_annual_cost": years,
              "public.annual_payment": years, "supplier.annual_operating_cost": years}
    assert len(base + url("appraisal", **params, field="public.npv", format="text")) < 2048


# --------------------------------------------------------------------------- CORS


def test_simple_requests_and_errors_carry_cors_headers(client):
    origin = {"Origin": "https://addin.example"}
    ok = client.get(url("series", values="1,2", field="npv"), headers=origin)
    assert ok.headers["Access-Control-Allow-Origin"] == "*"
    bad = client.get(url("series", values="x"), headers=origin)
    assert bad.status_code == 422 and bad.headers["Access-Control-Allow-Origin"] == "*"
    missing = client.get("/v1/nowhere", headers=origin)
    assert missing.status_code == 404 and missing.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/healthz").headers


def test_preflight_is_answered(client):
    response = client.options("/v1/sheets/batch", headers={
        "Origin": "https://addin.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


def test_configured_origins_are_echoed_and_others_refused():
    app = create_app({"TESTING": True,
                      "CORS_ORIGINS": "https://addin.example, https://other.example"})
    client = app.test_client()
    yes = client.get("/healthz", headers={"Origin": "https://addin.example"})
    assert yes.headers["Access-Control-Allow-Origin"] == "https://addin.example"
    assert "Origin" in yes.headers["Vary"]
    no = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in no.headers


def test_cors_can_be_switched_off_from_the_environment(monkeypatch):
    monkeypatch.setenv("SVCALC_CORS_ORIGINS", "")
    client = create_app({"TESTING": True}).test_client()
    response = client.get("/healthz", headers={"Origin": "https://addin.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("path, params, fmt", [
    ("appraisal", {**FLAT, "field": "public.npv"}, "text"),
    ("appraisal", {**FLAT, "field": "public"}, "csv"),
    ("appraisal", {**FLAT, "field": "verdict"}, "xml"),
    ("series", {"values": "-1000,300,400,500", "rate": 0.05, "field": "npv"}, "text"),
    ("series", {"values": "-1000,300,400,500", "rate": 0.05}, "csv"),
    ("series", {"values": "-1000,300,400,500"}, "xml"),
    ("cash-flows", FLAT, "csv"),
    ("cash-flows", FLAT, "xml"),
])
def test_text_operations_answer_as_format_does(client, path, params, fmt):
    """GET /v1/sheets/<path>/<fmt> is its own operation (a string for generated clients) and
    answers byte for byte what ?format=<fmt> answers."""
    own = client.get(f"/v1/sheets/{path}/{fmt}?" + urlencode(params))
    legacy = client.get(url(path, **params, format=fmt))
    assert own.status_code == legacy.status_code == 200, own.get_data(as_text=True)
    assert own.headers["Content-Type"] == legacy.headers["Content-Type"]
    assert own.data == legacy.data


def test_text_operations_refuse_what_they_do_not_write(client, proposal):
    assert client.get("/v1/sheets/cash-flows/text?" + urlencode(FLAT)).status_code == 404
    assert client.get("/v1/sheets/appraisal/json?" + urlencode(FLAT)).status_code == 404
    block = client.get("/v1/sheets/appraisal/text?" + urlencode({**FLAT, "field": "public"}))
    assert block.status_code == 422
    assert [e["pointer"] for e in block.json["errors"]] == ["#/query/field"]
    mixed = client.get("/v1/sheets/appraisal/csv?" + urlencode({**FLAT, "format": "json"}))
    assert mixed.status_code == 422  # the representation is the path's: no format parameter
    assert [e["pointer"] for e in mixed.json["errors"]] == ["#/query/format"]
    posted = client.post("/v1/sheets/cash-flows/csv", json=proposal)
    assert posted.status_code == 200 and posted.mimetype == "text/csv"
    assert posted.data == client.post("/v1/sheets/cash-flows?format=csv", json=proposal).data
