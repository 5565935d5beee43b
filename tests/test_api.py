"""End to end through the HTTP client: the worked example with every headline figure worked out by
hand, plus the price-basis and discounting variants and the service endpoints."""

from __future__ import annotations

import pytest

from svcalc.app import create_app

# The worked example (svcalc/api/examples.py), by hand:
#   public net: year 0 = -(250k + 400k + 300k + 100k) = -1,050,000;
#               years 1..10 = 10,000,000 - 8,600,000 - 400,000 = 1,000,000.
#   STPR 3.5% for years 1..10: sum of DF_1..DF_10 = (1 - 1.035^-10) / 0.035 = 8.316605323.
A10 = (1 - 1.035**-10) / 0.035
#   supplier net: year 0 = -500,000; years 1..10 = 8,600,000 - 8,000,000 = 600,000, at 8%:
A10_8 = (1 - 1.08**-10) / 0.08  # 6.710081399


def test_worked_example_public_case(client, proposal):
    r = client.post("/v1/appraisals", json=proposal)
    assert r.status_code == 200
    assert r.content_type == "application/json"
    pub = r.json["public"]
    assert pub["npv"] == pytest.approx(-1_050_000 + 1_000_000 * A10, abs=0.01)  # 7,266,605.32
    # cumulative: -1.05m, -0.05m, +0.95m -> 1 + 0.05/1.0 years
    assert pub["payback_years"] == pytest.approx(1.05)
    # discounted: year 1 = 1,000,000/1.035 = 966,183.57, cumulative -83,816.43;
    # year 2 = 1,000,000/1.035^2 = 933,510.70 -> 1 + 83,816.43/933,510.70
    assert pub["discounted_payback_years"] == pytest.approx(
        1 + (1_050_000 - 1_000_000 / 1.035) / (1_000_000 / 1.035**2), rel=1e-9)
    assert pub["first_saving_year"] == 1
    assert pub["peak_funding_requirement"] == 1_050_000
    assert pub["upfront_costs"] == 1_050_000
    assert pub["annual_saving_steady_state"] == 1_000_000
    assert pub["saving_share_of_baseline"] == pytest.approx(0.1)
    # NPSV: the NPV plus no social value. BCR: business as usual avoided, 10m x A10, over what
    # the partnership costs the public body, 1.05m + 9m x A10: 83.17m / 75.90m = 1.096.
    assert pub["npsv"] == pub["npv"]
    assert pub["bcr"] == pytest.approx(10_000_000 * A10 / (1_050_000 + 9_000_000 * A10),
                                       rel=1e-9)
    assert "savings counted as benefits" in pub["bcr_construction"]
    assert "vfm_category" not in pub
    # IRR: -1.05 + sum_{t=1..10} (1+r)^-t = 0; check by the definition.
    r_ = pub["irr"]
    assert -1.05 + sum((1 + r_) ** -t for t in range(1, 11)) == pytest.approx(0, abs=1e-9)
    assert pub["notes"] == {}


def test_worked_example_supplier_case(client, proposal):
    sup = client.post("/v1/appraisals", json=proposal).json["supplier"]
    assert sup["npv"] == pytest.approx(-500_000 + 600_000 * A10_8, abs=0.01)  # 3,526,048.84
    assert sup["payback_years"] == pytest.approx(500_000 / 600_000)
    # discounted year 1: 600,000/1.08 = 555,555.56 >= 500,000 -> 500,000/555,555.56 = 0.9
    assert sup["discounted_payback_years"] == pytest.approx(0.9)
    assert sup["peak_funding_requirement"] == 500_000
    # (86m - 80m - 0.5m) / 86m
    assert sup["whole_life_margin"] == pytest.approx(5.5 / 86)
    assert sup["annual_margins"] == pytest.approx([0.6 / 8.6] * 10)
    r_ = sup["irr"]
    assert -0.5 + 0.6 * sum((1 + r_) ** -t for t in range(1, 11)) == pytest.approx(0, abs=1e-9)


def test_worked_example_partnership(client, proposal):
    part = client.post("/v1/appraisals", json=proposal).json["partnership"]
    individual = 10_000_000 * A10  # 83,166,053.23
    # supplier investment + public upfront + (opex 8m + retained 0.4m) x annuity
    consumed = 500_000 + 1_050_000 + 8_400_000 * A10  # 71,409,484.71
    assert part["individual_delivery_cost"] == pytest.approx(individual, abs=0.01)
    assert part["partnership_cost"] == pytest.approx(consumed, abs=0.01)
    assert part["support_ratio"] == pytest.approx(individual / consumed)
    public_npv = -1_050_000 + 1_000_000 * A10
    supplier_at_stpr = -500_000 + 600_000 * A10
    assert part["supplier_npv_at_public_rate"] == pytest.approx(supplier_at_stpr, abs=0.01)
    assert part["value_share_public"] == pytest.approx(
        public_npv / (public_npv + supplier_at_stpr), rel=1e-9)


def test_worked_example_cash_flows_and_method(client, proposal):
    body = client.post("/v1/appraisals", json=proposal).json
    rows = body["cash_flows"]
    assert [row["year"] for row in rows] == list(range(11))
    assert rows[0]["public_net"] == -1_050_000 and rows[0]["supplier_net"] == -500_000
    assert rows[2]["public_cumulative"] == 950_000
    assert rows[10]["discount_factor"] == pytest.approx(1.035**-10)
    assert rows[1]["supplier_discount_factor"] == pytest.approx(1 / 1.08)
    assert body["method"]["discounting"] == "green_book_stpr"
    assert body["method"]["public_discount_rate"] is None
    assert body["method"]["reference_version"] == client.get("/v1/reference").json["version"]
    assert body["name"] == proposal["name"]


def test_per_year_lists_equal_the_same_scalars(client, proposal):
    scalar = client.post("/v1/appraisals", json=proposal).json
    proposal["public"]["annual_payment"] = [8_600_000] * 10
    proposal["supplier"]["annual_operating_cost"] = [8_000_000] * 10
    listed = client.post("/v1/appraisals", json=proposal).json
    assert listed == scalar


def test_a_ramped_saving_is_read_year_by_year(client, proposal):
    # Payment falls from 10.0m to 8.6m over the first three years: savings -0.4m, 0.3m, 1.0m...
    proposal["public"]["annual_payment"] = [10_000_000, 9_300_000] + [8_600_000] * 8
    pub = client.post("/v1/appraisals", json=proposal).json["public"]
    assert pub["first_saving_year"] == 2
    # cumulative: -1.05m, -1.45m, -1.15m, -0.15m, +0.85m -> 3 + 0.15
    assert pub["payback_years"] == pytest.approx(3.15)
    assert pub["peak_funding_requirement"] == 1_450_000


def test_nominal_prices_are_deflated_before_discounting(client, proposal):
    # Nominal figures growing at exactly the inflation rate are the real case restated.
    infl = 0.02
    for side, key in (("public", "baseline_annual_cost"), ("public", "annual_payment"),
                      ("public", "retained_costs"), ("supplier", "annual_operating_cost")):
        real = proposal[side][key]
        proposal[side][key] = [real * (1 + infl) ** t for t in range(1, 11)]
    proposal["price_basis"] = "nominal"
    proposal["inflation"] = infl
    body = client.post("/v1/appraisals", json=proposal).json
    assert body["public"]["npv"] == pytest.approx(-1_050_000 + 1_000_000 * A10, abs=0.02)
    assert body["supplier"]["npv"] == pytest.approx(-500_000 + 600_000 * A10_8, abs=0.02)
    assert body["method"]["price_basis"] == "nominal"


def test_flat_public_rate(client, proposal):
    proposal["public"]["discount_rate"] = 0.05
    body = client.post("/v1/appraisals", json=proposal).json
    a10_5 = (1 - 1.05**-10) / 0.05
    assert body["public"]["npv"] == pytest.approx(-1_050_000 + 1_000_000 * a10_5, abs=0.01)
    assert body["method"]["discounting"] == "flat_rate"
    assert body["method"]["public_discount_rate"] == 0.05


def test_absent_figures_are_null_with_reasons(client):
    # Costs more than BAU every year: no saving, no payback, no IRR (no sign change).
    body = client.post("/v1/appraisals", json={
        "term_years": 3,
        "public": {"baseline_annual_cost": 100, "annual_payment": 120,
                   "upfront_costs": {"procurement": 10}},
        "supplier": {"annual_operating_cost": 100},
    }).json
    pub = body["public"]
    for name in ("irr", "payback_years", "discounted_payback_years", "first_saving_year"):
        assert pub[name] is None
        assert pub["notes"][name]
    assert "never change sign" in pub["notes"]["irr"]


def test_text_plain_json_is_accepted(client, proposal):
    import json

    r = client.post("/v1/appraisals", data=json.dumps(proposal), content_type="text/plain")
    assert r.status_code == 200
    assert r.json == client.post("/v1/appraisals", json=proposal).json


def test_health_and_reference(client):
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["status"] == "ok"
    ref = client.get("/v1/reference").json
    assert [b["rate"] for b in ref["stpr"]["bands"]] == [0.035, 0.03, 0.025, 0.02, 0.015, 0.01]
    assert ref["stpr"]["source"]


def test_factory_defaults_and_environment(monkeypatch):
    assert not create_app().testing
    assert create_app().config["MAX_CONTENT_LENGTH"] == 8 * 1024 * 1024
    monkeypatch.setenv("SVCALC_MAX_CONTENT_LENGTH", "1024")
    assert create_app().config["MAX_CONTENT_LENGTH"] == 1024
    # the caller's mapping wins over the environment
    assert create_app({"MAX_CONTENT_LENGTH": 10}).config["MAX_CONTENT_LENGTH"] == 10


def test_scores_read_the_risk_adjusted_view(client, proposal):
    # A supplier investing 3.8m: NPV -3.8m + 600k x A(8%, 10) = 226k as stated, but negative
    # once its capital estimate carries the outline-stage uplift (x 1.1435): the Benefit score
    # gives half credit, not full.
    proposal["supplier"]["upfront_investment"] = 3_800_000
    body = client.post("/v1/appraisals", json=proposal).json
    assert body["supplier"]["npv"] > 0 > body["supplier"]["npv_risk_adjusted"]
    components = {c["name"]: c for c in body["social_value"]["scores"]["benefit"]["components"]}
    assert components["supplier_npv"]["credit"] == 0.5
    assert components["public_npv"]["credit"] == 1.0


def test_risk_adjusted_public_npv_carries_the_slower_migration(client):
    # Constant payments saving 7.5% (under the 10% banked) and no upfront or retained costs:
    # the only risk adjustment on the public side is the channel shift slowed by the
    # works-duration uplift of equipment/development (0.35 x 54% at outline). So the
    # risk-adjusted public NPV falls by exactly the saving the channel-shift block loses.
    from tests.test_social_api import CHANNEL_SHIFT

    proposal = {
        "term_years": 10, "partnership_model": "outsourcing",
        "public": {"baseline_annual_cost": 2_000_000, "annual_payment": 1_850_000},
        "supplier": {"annual_operating_cost": 1_700_000},
        "channel_shift": CHANNEL_SHIFT,
    }
    body = client.post("/v1/appraisals", json=proposal).json
    cs = body["channel_shift"]
    assert body["risk"]["migration_duration_uplift"] == pytest.approx(0.189)
    assert cs["saving_pv_risk_adjusted"] < cs["saving_pv"]
    lost = cs["saving_pv"] - cs["saving_pv_risk_adjusted"]
    assert body["public"]["npv"] - body["public"]["npv_risk_adjusted"] == pytest.approx(
        lost, abs=0.05)


@pytest.mark.parametrize("change", [
    # schemathesis found each: a share or a ratio over a denormal overflowed to Infinity
    {"public": {"annual_payment": 0.0, "baseline_annual_cost": 5e-324}},
    {"channel_shift": {"annual_contacts": 1.0, "borne_by": "public", "years_to_target": 1,
                       "channels": [
                           {"channel": "online", "share_now": 0.5, "share_target": 0.5,
                            "unit_cost": 5e-324},
                           {"channel": "face_to_face", "share_now": 0.5, "share_target": 0.5,
                            "unit_cost": 1.0}]}},
])
def test_a_denormal_input_never_makes_infinity(client, change):
    proposal = {"public": {"annual_payment": 0.0, "baseline_annual_cost": 0.0},
                "supplier": {"annual_operating_cost": 0.0}, "term_years": 1}
    proposal.update(change)
    response = client.post("/v1/appraisals", json=proposal)
    assert response.status_code == 200  # TESTING: the provider refuses NaN and Infinity
    assert "Infinity" not in response.get_data(as_text=True)
