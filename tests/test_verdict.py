"""The verdict: each rating reached by a realistic proposal through the API, and the rules."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcalc.api.schemas.appraisal import AppraisalSchema
from svcalc.core import appraise
from svcalc.core.model import (
    PARTNERSHIP_MODELS,
    PROJECT_TYPES,
    RATINGS,
    STAGES,
    Flag,
    Proposal,
    PublicSide,
    RiskInput,
    SupplierSide,
    UpfrontCosts,
)
from svcalc.core.verdict import decide

PAYMENTS = [9_900_000, 9_500_000] + [9_300_000] * 8

#: A modest, well-evidenced facilities-management partnership: a 5% saving reached over two
#: years, procurement at about 1% of the contract's value, a supplier margin near 12% (the SSRO
#: range), and risk management evidenced enough to mitigate 80% of the optimism-bias uplifts.
MODEST = {
    "name": "Facilities management partnership",
    "partnership_model": "long_term_partnership",
    "term_years": 10,
    "public": {
        "baseline_annual_cost": 10_000_000,
        "annual_payment": PAYMENTS,
        "retained_costs": 200_000,
        "upfront_costs": {"procurement": 800_000, "transition": 400_000, "it": 200_000,
                          "legal": 100_000},
    },
    "supplier": {
        "annual_operating_cost": [round(0.88 * p) for p in PAYMENTS],
        "upfront_investment": 300_000,
    },
    "risk": {"project_type": "outsourcing", "mitigation": 0.8,
             "evidence": ["Quantified risk register, costed and reviewed"]},
}

#: The over-bullish classic: a 25% saving on a GBP 10m service with a 2% supplier margin.
LOW_BALL = {
    "name": "Back-office outsourcing",
    "partnership_model": "outsourcing",
    "term_years": 10,
    "public": {
        "baseline_annual_cost": 10_000_000,
        "annual_payment": 7_500_000,
        "upfront_costs": {"procurement": 800_000, "transition": 400_000, "it": 200_000,
                          "legal": 100_000},
    },
    # whole-life margin = (75m - 73m - 0.5m) / 75m = 2%
    "supplier": {"annual_operating_cost": 7_300_000, "upfront_investment": 500_000},
}


def post(client, proposal):
    response = client.post("/v1/appraisals", json=proposal)
    assert response.status_code == 200, response.json
    return response.json


def changed(proposal, **changes):
    """A deep copy of ``proposal`` with ``block__field=value`` changes applied."""
    p = copy.deepcopy(proposal)
    for path, value in changes.items():
        *blocks, name = path.split("__")
        target = p
        for b in blocks:
            target = target[b]
        target[name] = value
    return p


def variant(**changes):
    return changed(MODEST, **changes)


def test_modest_well_evidenced_deal_is_robust(client):
    body = post(client, MODEST)
    v = body["verdict"]
    assert v["rating"] == "robust", (v, body["flags"])
    assert v["reasons"] == []
    assert v["sustainable"] == {"public": True, "supplier": True}
    assert not [f for f in body["flags"] if f["severity"] != "info"]
    assert v["headline"].startswith("Robust")


def test_low_ball_outsourcing_is_over_bullish(client):
    body = post(client, LOW_BALL)
    v = body["verdict"]
    assert v["rating"] == "over_bullish"  # the supplier's NPV is positive as stated (0.84m)
    assert {"SAVINGS_ABOVE_EVIDENCE", "SUPPLIER_MARGIN_LOW_BALL",
            "SUPPLIER_CANNOT_ABSORB_OVERRUN"} <= set(v["reasons"])
    assert v["sustainable"]["supplier"] is False
    assert body["supplier"]["whole_life_margin"] == pytest.approx(0.02)
    # The decisive reason leads, in a board member's words.
    assert v["reasons"][0] == "SUPPLIER_MARGIN_LOW_BALL"
    assert v["headline"].startswith("Over-bullish: a 2.0% margin leaves the supplier nothing to "
                                    "absorb a cost overrun")
    severities = {f["code"]: f["severity"] for f in body["flags"]}
    assert severities["SAVINGS_ABOVE_EVIDENCE"] == "critical"     # 25% >= 20%
    assert severities["SUPPLIER_MARGIN_LOW_BALL"] == "critical"   # 2% < 3%


def test_costlier_than_in_house_is_not_viable(client):
    # Paying 10.1m a year plus 0.2m retained for a service that costs 10m in house.
    body = post(client, variant(public__annual_payment=[10_100_000] * 10,
                                supplier__annual_operating_cost=[8_900_000] * 10))
    v = body["verdict"]
    assert v["rating"] == "not_viable"
    assert v["reasons"][0] == "PUBLIC_NPV_NEGATIVE"
    assert "pays more than delivering the service itself" in v["headline"]
    assert v["sustainable"]["public"] is False


def test_supplier_losing_money_as_stated_is_not_viable(client):
    body = post(client, variant(supplier__annual_operating_cost=[9_600_000] * 10))
    v = body["verdict"]
    assert v["rating"] == "not_viable"
    assert "SUPPLIER_BELOW_COST_OF_CAPITAL" in v["reasons"]
    assert "supplier loses money" in v["headline"]


def test_thin_procurement_budget_is_viable_with_cautions(client):
    # 300k is 0.38% of the contract's present value (about 78m): below the 0.5% floor.
    body = post(client, variant(public__upfront_costs={"procurement": 300_000,
                                                        "transition": 400_000, "it": 200_000,
                                                        "legal": 100_000}))
    v = body["verdict"]
    assert v["rating"] == "viable_with_cautions"
    assert v["reasons"] == ["UPFRONT_COSTS_UNDERSTATED"]
    assert "procurement" in v["headline"]


def test_evidence_free_saving_is_over_bullish_even_when_both_sides_survive(client):
    payments = [9_900_000, 8_500_000] + [7_800_000] * 8      # a 20% saving
    body = post(client, variant(public__annual_payment=payments,
                                supplier__annual_operating_cost=[round(0.88 * p)
                                                                 for p in payments]))
    v = body["verdict"]
    assert v["sustainable"] == {"public": True, "supplier": True}
    assert v["rating"] == "over_bullish"
    assert v["reasons"] == ["SAVINGS_ABOVE_EVIDENCE"]
    assert v["headline"] == ("Over-bullish: the savings claimed, 20% of today's cost, are twice "
                             "what outsourcing has typically delivered (5-10%).")


def test_mitigation_without_evidence_is_not_applied_and_is_a_caution(client):
    p = copy.deepcopy(MODEST)
    del p["risk"]["evidence"]
    body = post(client, p)
    assert body["risk"]["mitigation_applied"] == 0.0
    assert body["verdict"]["rating"] == "viable_with_cautions"
    assert body["verdict"]["reasons"] == ["MITIGATION_WITHOUT_EVIDENCE"]


def test_bcr_is_context_never_the_verdict(client):
    body = post(client, LOW_BALL)
    v = body["verdict"]
    assert body["public"]["bcr"] > 1 and "vfm_category" not in body["public"]
    assert not {"bcr", "vfm_category"} & set(v)
    assert v["rating"] != "robust"
    assert "not a pass/fail test" in v["economic"] and "NPSV" in v["economic"]


def test_verdict_follows_method_in_the_response(client):
    body = post(client, MODEST)
    assert list(body)[:3] == ["name", "method", "verdict"]
    assert {"risk", "sensitivity", "flags"} <= set(body)


# ------------------------------------------------------------------ decide() on its own


def _cases(public_npv=1.0, public_ra=1.0, supplier_npv=1.0, supplier_ra=1.0):
    a = appraise(Proposal(term_years=5, public=PublicSide(baseline_annual_cost=100.0,
                                                          annual_payment=90.0),
                          supplier=SupplierSide(annual_operating_cost=80.0)))
    pub = dataclasses.replace(a.public, npv=public_npv, npv_risk_adjusted=public_ra,
                              npsv=public_npv, npsv_risk_adjusted=public_ra)
    sup = dataclasses.replace(a.supplier, npv=supplier_npv, npv_risk_adjusted=supplier_ra)
    return pub, sup, a.method


def _flag(code, severity, given=None):
    return Flag(code=code, severity=severity, field="#/x", message=f"Something about {code}.",
                given=given, benchmark=None, source="test")


@pytest.mark.parametrize("npvs, flags, rating", [
    ((1, 1, 1, 1), [], "robust"),
    ((1, 1, 1, 1), [_flag("A", "info")], "robust"),
    ((1, 1, 1, 1), [_flag("W", "warning")], "viable_with_cautions"),
    ((1, 1, 1, 1), [_flag("C", "critical")], "over_bullish"),
    ((1, -1, 1, 1), [], "over_bullish"),
    ((1, 1, 1, -1), [_flag("W", "warning")], "over_bullish"),
    ((0, 0, 0, 0), [], "robust"),                     # zero is not a loss
    ((-1, -1, 1, 1), [], "not_viable"),
    ((1, 1, -1, -1), [_flag("C", "critical")], "not_viable"),
    ((-1, 5, 1, 1), [], "not_viable"),                # fails as stated whatever the risk view
])
def test_decide_rules(npvs, flags, rating):
    pub, sup, method = _cases(*npvs)
    assert decide(pub, sup, flags, method).rating == rating


def test_flags_from_other_views_drive_the_verdict():
    # decide() takes the whole list, so a channel-shift or social-value flag counts too.
    pub, sup, method = _cases()
    v = decide(pub, sup, [_flag("SOCIAL_VALUE_ABOVE_BENCHMARK", "critical", 0.45),
                          _flag("MIGRATION_TOO_FAST", "warning", 16.0)], method)
    assert v.rating == "over_bullish" and v.reasons == ["SOCIAL_VALUE_ABOVE_BENCHMARK"]
    assert "the social value claimed, 45% of the contract's value" in v.headline
    # A code the verdict has no phrase for leads with its own message.
    v = decide(pub, sup, [_flag("SOMETHING_NEW", "warning")], method)
    assert v.headline.endswith("but something about SOMETHING_NEW.")


def test_decisive_order_puts_the_named_reason_first():
    pub, sup, method = _cases()
    v = decide(pub, sup, [_flag("CASE_RELIES_ON_OPTIMISM", "critical", -5.0),
                          _flag("SAVINGS_ABOVE_EVIDENCE", "critical", 0.3),
                          _flag("CASE_RELIES_ON_OPTIMISM", "critical", -5.0)], method)
    # The finding that explains the failure (savings beyond the evidence) before its effect.
    assert v.reasons == ["SAVINGS_ABOVE_EVIDENCE", "CASE_RELIES_ON_OPTIMISM"]
    assert v.headline == ("Over-bullish: the savings claimed, 30% of today's cost, are three "
                          "times what outsourcing has typically delivered (5-10%) (and 1 more "
                          "critical finding).")


# ------------------------------------------------------------------ any valid proposal


_money = st.floats(0.0, 1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=80, deadline=None)
@given(
    term=st.integers(1, 60),
    model=st.sampled_from(PARTNERSHIP_MODELS),
    bau=_money, pay=_money, ret=_money, opex=_money, inv=_money, income=_money,
    upfront=st.lists(st.one_of(st.none(), _money), min_size=5, max_size=5),
    rate=st.one_of(st.none(), st.floats(-0.5, 1.0)),
    coc=st.floats(-0.5, 1.0),
    risk=st.one_of(st.none(), st.builds(
        RiskInput, project_type=st.one_of(st.none(), st.sampled_from(PROJECT_TYPES)),
        stage=st.sampled_from(STAGES), mitigation=st.floats(0.0, 1.0),
        evidence=st.sampled_from([(), ("a costed risk register",)]),
        contingency=_money)),
)
def test_any_valid_proposal_gets_a_finite_verdict(term, model, bau, pay, ret, opex, inv, income,
                                                  upfront, rate, coc, risk):
    p = Proposal(
        term_years=term, partnership_model=model,
        public=PublicSide(baseline_annual_cost=bau, annual_payment=pay, retained_costs=ret,
                          upfront_costs=UpfrontCosts(*upfront), discount_rate=rate),
        supplier=SupplierSide(annual_operating_cost=opex, upfront_investment=inv,
                              other_income=income, cost_of_capital=coc),
        risk=risk,
    )
    a = appraise(p)
    assert a.verdict.rating in RATINGS and a.verdict.headline.endswith(".")
    assert all(f.severity in ("info", "warning", "critical") for f in a.flags)
    assert set(a.verdict.reasons) <= {f.code for f in a.flags}
    if a.verdict.rating == "not_viable":
        assert {"PUBLIC_NPV_NEGATIVE", "SUPPLIER_BELOW_COST_OF_CAPITAL"} & set(a.verdict.reasons)
    if a.verdict.rating == "robust":
        assert a.verdict.reasons == [] and a.verdict.sustainable.supplier
    # Serialised, the whole answer is plain JSON: no NaN, no Infinity.
    json.dumps(AppraisalSchema().dump(a), allow_nan=False)
