"""The risk-adjusted view of DESIGN.md 4.6: optimism bias on the public body's own estimates,
scaled by business-case stage; savings banked up to the evidence; the supplier stress-tested.

Figures are worked out by hand in the comments (annuity factors by explicit sums of powers)."""

from __future__ import annotations

import numpy as np
import pytest

from svcalc.core import appraise
from svcalc.core.errors import ProposalError
from svcalc.core.flows import resolve
from svcalc.core.model import (
    PROJECT_TYPES,
    STAGES,
    Channel,
    ChannelShift,
    Proposal,
    PublicSide,
    RiskInput,
    SupplierSide,
    UpfrontCosts,
)
from svcalc.core.reference import REFERENCE
from svcalc.core.risk import assumptions, risk_adjusted_flows, stage_uplift, stretch, uplift

#: Mott MacDonald (2002) Table 2, as in research/appraisal-anchors.md section 2:
#: (duration U, duration L, capex U, capex L).
TABLE = {
    "standard_buildings": (0.04, 0.01, 0.24, 0.02),
    "non_standard_buildings": (0.39, 0.02, 0.51, 0.04),
    "standard_civil_engineering": (0.20, 0.01, 0.44, 0.03),
    "non_standard_civil_engineering": (0.25, 0.03, 0.66, 0.06),
    "equipment_development": (0.54, 0.10, 2.00, 0.10),
    "outsourcing": (None, None, 0.41, 0.0),
}


def annuity(rate: float, years: int) -> float:
    return sum((1 + rate) ** -t for t in range(1, years + 1))


def _proposal(**kw) -> Proposal:
    """The documented example: GBP 10m business as usual, a GBP 8.6m payment, GBP 0.4m retained,
    GBP 1.05m upfront (IT 300k), a supplier investing 500k to run the service for GBP 8m."""
    base = dict(
        term_years=10,
        partnership_model="outsourcing",
        public=PublicSide(
            baseline_annual_cost=10_000_000.0, annual_payment=8_600_000.0,
            retained_costs=400_000.0,
            upfront_costs=UpfrontCosts(procurement=250_000.0, transition=400_000.0,
                                       it=300_000.0, legal=100_000.0)),
        supplier=SupplierSide(annual_operating_cost=8_000_000.0, upfront_investment=500_000.0),
    )
    base.update(kw)
    return Proposal(**base)


class TestTable:
    def test_reference_holds_upper_and_lower_bounds_for_all_six(self):
        rows = {r["project_type"]: r for r in REFERENCE["optimism_bias"]["project_types"]}
        assert tuple(rows) == PROJECT_TYPES
        for name, (du, dl, cu, cl) in TABLE.items():
            row = rows[name]
            assert (row["duration_upper"], row["duration_lower"]) == (du, dl), name
            assert (row["cost_upper"], row["cost_lower"]) == (cu, cl), name
        # Outsourcing is measured on operating expenditure, with no duration figure.
        assert rows["outsourcing"]["cost_measure"] == "opex"


class TestStage:
    @pytest.mark.parametrize("name", PROJECT_TYPES)
    def test_upper_at_strategic_outline_lower_at_full_and_a_third_of_upper_at_outline(self, name):
        du, dl, cu, cl = TABLE[name]
        assert stage_uplift(name, "strategic_outline") == cu
        assert stage_uplift(name, "full") == cl
        assert stage_uplift(name, "outline") == pytest.approx(max(cl, 0.35 * cu))
        assert stage_uplift(name, "outline", "duration") == (
            None if du is None else pytest.approx(max(dl, 0.35 * du)))

    def test_outline_reproduces_the_intermediate_stage_of_stag_table_13_4(self):
        # Transport Scotland STAG Table 13.4 (from Flyvbjerg 2004): roads 44% -> 15% -> 3%,
        # bridges and tunnels 66% -> 23% -> 6%; the Mott MacDonald rows with those bounds.
        assert stage_uplift("standard_civil_engineering", "outline") == pytest.approx(0.15,
                                                                                      abs=0.005)
        assert stage_uplift("non_standard_civil_engineering", "outline") == pytest.approx(
            0.23, abs=0.005)

    def test_the_stages_are_the_reference_datas(self):
        assert tuple(REFERENCE["optimism_bias"]["stages"]) == STAGES
        assert RiskInput().stage == REFERENCE["optimism_bias"]["default_stage"] == "outline"


class TestMitigation:
    def test_moves_the_stage_uplift_toward_the_lower_bound(self):
        # Non-standard buildings at strategic outline: 51% -> halfway to 4% = 27.5%; all the way
        # (mitigation 1) = the 4% lower bound the guidance expects at contract award.
        assert uplift("non_standard_buildings", "strategic_outline", 0.5) == pytest.approx(0.275)
        assert uplift("non_standard_buildings", "strategic_outline", 1.0) == pytest.approx(0.04)
        assert uplift("outsourcing", "outline", 1.0) == 0.0

    @pytest.mark.parametrize("bad", [-0.01, 1.01])
    def test_mitigation_outside_0_1_is_refused(self, bad):
        with pytest.raises(ProposalError):
            uplift("outsourcing", "outline", bad)

    def test_is_applied_only_with_evidence(self):
        without = assumptions(_proposal(risk=RiskInput(mitigation=0.5)))
        assert without.mitigation == 0.5 and without.mitigation_applied == 0.0
        assert without.public_other_upfront_uplift == pytest.approx(0.35 * 0.41)
        assert "evidence" in without.notes["mitigation_applied"]
        given = assumptions(_proposal(risk=RiskInput(mitigation=0.5,
                                                     evidence=("costed risk register",))))
        assert given.mitigation_applied == 0.5
        assert given.public_other_upfront_uplift == pytest.approx(0.35 * 0.41 / 2)
        assert given.evidence == ["costed risk register"]


class TestWorkedExample:
    """The documented example at the default outline stage (outsourcing, no mitigation)."""

    def test_what_is_applied(self):
        a = assumptions(_proposal())
        assert (a.stage, a.project_type, a.project_type_defaulted) == (
            "outline", "outsourcing", True)
        assert a.public_other_upfront_uplift == pytest.approx(0.1435)  # 0.35 x 41%
        assert a.public_it_uplift == pytest.approx(0.70)  # 0.35 x 200%
        assert a.public_retained_costs_uplift == pytest.approx(0.1435)
        assert a.public_payment_uplift == 0.0  # a priced bid
        assert a.supplier_investment_uplift == pytest.approx(0.1435)
        assert a.duration_uplift is None  # outsourcing has no duration figure
        assert a.migration_duration_uplift == pytest.approx(0.189)  # 0.35 x 54%
        assert a.savings_cap_share_of_baseline == 0.10
        # IT 300k x 1.70 = 510,000; the other 750k x 1.1435 = 857,625.
        assert a.public_upfront_costs_risk_adjusted == pytest.approx(1_367_625.0)

    def test_public_npv(self):
        a = appraise(_proposal())
        # Saving 10m - 8.6m - 400k x 1.1435 = 942,600 a year (9.4%: under the 10% cap).
        expected = -1_367_625.0 + 942_600.0 * annuity(0.035, 10)
        assert a.public.npv_risk_adjusted == pytest.approx(expected)
        assert a.public.npsv_risk_adjusted == pytest.approx(expected)  # no social value
        # Payback: -1,367,625 + 942,600 a year -> 1 + 425,025 / 942,600 years.
        assert a.public.payback_years_risk_adjusted == pytest.approx(1 + 425_025 / 942_600)

    def test_the_supplier_is_paid_its_bid_and_invests_with_an_uplift(self):
        a = appraise(_proposal())
        # Investment 500k x 1.1435 = 571,750; 600k a year as bid.
        assert a.supplier.npv_risk_adjusted == pytest.approx(
            -571_750.0 + 600_000.0 * annuity(0.08, 10))
        assert a.supplier.whole_life_margin_risk_adjusted == pytest.approx(
            (86e6 - 80e6 - 571_750.0) / 86e6)

    def test_support_ratio(self):
        a = appraise(_proposal())
        individual = 10_000_000 * annuity(0.035, 10)
        consumed = 571_750 + 1_367_625 + (8_000_000 + 457_400) * annuity(0.035, 10)
        assert a.partnership.support_ratio_risk_adjusted == pytest.approx(individual / consumed)

    def test_full_stage_with_full_mitigation_costs_only_the_lower_bounds(self):
        # Lower bounds: outsourcing 0%, equipment/development 10% on IT.
        a = appraise(_proposal(risk=RiskInput(stage="full")))
        assert a.public.npv - a.public.npv_risk_adjusted == pytest.approx(0.10 * 300_000)
        assert a.supplier.npv_risk_adjusted == pytest.approx(a.supplier.npv)


class TestPricesAndEstimates:
    def test_a_priced_bid_carries_no_uplift_but_an_estimate_does(self):
        outline = appraise(_proposal())
        soc = appraise(_proposal(risk=RiskInput(stage="strategic_outline")))
        assert outline.risk.public_payment_uplift == 0.0
        # At strategic outline the payment is the public body's estimate: +41% (the outsourcing
        # opex row), and the supplier is still paid its price.
        assert soc.risk.public_payment_uplift == 0.41
        assert soc.public.npv_risk_adjusted < -20_000_000  # 8.6m x 41% = 3.5m more a year
        assert soc.supplier.npv_risk_adjusted == pytest.approx(
            -500_000 * 1.41 + 600_000.0 * annuity(0.08, 10))

    def test_contingency_is_added_as_stated(self):
        a = appraise(_proposal(risk=RiskInput(stage="full", contingency=200_000.0)))
        assert a.risk.public_upfront_costs_risk_adjusted == pytest.approx(
            1_050_000 + 0.10 * 300_000 + 200_000)

    def test_savings_are_banked_up_to_what_outsourcing_has_realised(self):
        # 22% saving (7.4m payment): banked at 10% of the 10m business as usual = 1m a year.
        p = _proposal(public=PublicSide(baseline_annual_cost=10_000_000.0,
                                        annual_payment=7_400_000.0, retained_costs=400_000.0,
                                        upfront_costs=UpfrontCosts(procurement=250_000.0)))
        a = appraise(p)
        assert a.public.npv_risk_adjusted == pytest.approx(
            -250_000 * 1.1435 + 1_000_000.0 * annuity(0.035, 10))


class TestDelays:
    def test_constant_profile_is_unchanged(self):
        x = np.full(8, 5.0)
        assert np.array_equal(stretch(x, 0.54), x)

    def test_ramp_reaches_steady_state_later(self):
        # Steady state in year 3 becomes year 1 + 2 x 1.5 = 4 with a 50% stretch.
        out = stretch(np.array([0.0, 50.0, 100.0, 100.0, 100.0, 100.0]), 0.5)
        assert out.tolist() == pytest.approx([0.0, 100 / 3, 200 / 3, 100.0, 100.0, 100.0])

    def test_a_phased_payment_delays_the_public_saving(self):
        ramp = (10_000_000.0, 9_600_000.0, 9_200_000.0) + (9_000_000.0,) * 7
        p = _proposal(public=PublicSide(
            baseline_annual_cost=10_000_000.0, annual_payment=ramp,
            upfront_costs=UpfrontCosts(procurement=500_000.0, transition=500_000.0)),
            risk=RiskInput("non_standard_buildings", stage="strategic_outline"))
        a = appraise(p)
        # Without the 39% stretch, only the upfront costs would move (x 1.51).
        upfront_only = a.public.npv - 0.51 * 1_000_000.0
        assert a.public.npv_risk_adjusted < upfront_only - 1.0
        f = resolve(p)
        adj = risk_adjusted_flows(f, assumptions(p), p)
        assert adj.payment[0] == f.payment[0] and adj.payment[-1] == f.payment[-1]
        assert np.all(adj.payment >= f.payment)

    def test_every_channel_shift_migration_arrives_later(self):
        # An outsourcing (no duration figure) with a channel shift: its migration is still
        # slowed by the equipment/development duration uplift (0.35 x 54% at outline).
        cs = ChannelShift(1_000_000.0, (Channel("telephone", 2.83, 0.8, 0.5),
                                        Channel("online", 0.15, 0.2, 0.5)), 3, "public")
        a = appraise(_proposal(channel_shift=cs))
        assert a.risk.duration_uplift is None
        assert a.channel_shift.stretch_risk_adjusted == pytest.approx(1.189)
        assert a.channel_shift.saving_pv_risk_adjusted < a.channel_shift.saving_pv


class TestSupplierStress:
    def test_breakeven_overrun_and_the_stress_figures_by_hand(self):
        a = appraise(_proposal())
        # NPV -500k + 600k x A(8%, 10) = 3,526,049; the operating cost's PV 8m x A = 53.68m.
        npv, opex_pv = -500_000 + 600_000 * annuity(0.08, 10), 8_000_000 * annuity(0.08, 10)
        assert a.supplier.breakeven_cost_overrun == pytest.approx(npv / opex_pv)
        stress = {s.cost_overrun: s for s in a.supplier.cost_overrun_stress}
        assert list(stress) == [0.1, 0.2, 0.41]
        assert stress[0.1].npv == pytest.approx(npv - 0.1 * opex_pv)
        assert stress[0.1].whole_life_margin == pytest.approx((86e6 - 88e6 - 500_000) / 86e6)
        assert "extreme" in stress[0.41].label

    @pytest.mark.parametrize("margin", [0.02, 0.05, 0.09, 0.13, 0.3])
    def test_the_breakeven_overrun_brings_the_npv_to_zero(self, margin):
        # With no investment, the break-even overrun of a margin m is m / (1 - m).
        p = _proposal(supplier=SupplierSide(annual_operating_cost=8_600_000.0 * (1 - margin)))
        a = appraise(p)
        assert a.supplier.breakeven_cost_overrun == pytest.approx(margin / (1 - margin))


class TestApi:
    def test_risk_echo_and_risk_adjusted_fields(self, client, proposal):
        proposal["risk"] = {"project_type": "standard_buildings", "stage": "outline",
                            "mitigation": 0.5, "evidence": ["a costed risk register"],
                            "contingency": 100_000}
        body = client.post("/v1/appraisals", json=proposal).json
        risk = body["risk"]
        assert (risk["project_type"], risk["stage"], risk["evidence"]) == (
            "standard_buildings", "outline", ["a costed risk register"])
        # Outline: 0.35 x 24% = 8.4%, halfway to 2% = 5.2%; duration max(1%, 0.35 x 4%) =
        # 1.4%, halfway to 1% = 1.2%.
        assert risk["public_other_upfront_uplift"] == pytest.approx(0.052)
        assert risk["duration_uplift"] == pytest.approx(0.012)
        assert risk["contingency"] == 100_000
        for block, name in (("public", "npsv_risk_adjusted"), ("public", "npv_risk_adjusted"),
                            ("public", "payback_years_risk_adjusted"),
                            ("supplier", "npv_risk_adjusted"),
                            ("supplier", "whole_life_margin_risk_adjusted"),
                            ("supplier", "breakeven_cost_overrun"),
                            ("partnership", "support_ratio_risk_adjusted")):
            assert isinstance(body[block][name], float), (block, name)

    @pytest.mark.parametrize("risk, pointer", [
        ({"mitigation": 1.5}, "#/risk/mitigation"),
        ({"mitigation": "high"}, "#/risk/mitigation"),
        ({"project_type": "bridges"}, "#/risk/project_type"),
        ({"stage": "final"}, "#/risk/stage"),
        ({"evidence": "a risk register"}, "#/risk/evidence"),
        ({"evidence": [3]}, "#/risk/evidence/0"),
        ({"evidence": ["x" * 301]}, "#/risk/evidence/0"),
        ({"evidence": [""]}, "#/risk/evidence/0"),
        ({"evidence": ["a"] * 21}, "#/risk/evidence"),
        ({"contingency": -1}, "#/risk/contingency"),
        ({"mitgation": 0.5}, "#/risk/mitgation"),
    ])
    def test_bad_risk_block_is_422_with_pointer(self, client, proposal, risk, pointer):
        proposal["risk"] = risk
        response = client.post("/v1/appraisals", json=proposal)
        assert response.status_code == 422
        assert response.content_type == "application/problem+json"
        assert pointer in [e["pointer"] for e in response.json["errors"]]

    def test_reference_lists_the_table_its_stages_and_the_flag_rules(self, client):
        body = client.get("/v1/reference").json
        assert len(body["optimism_bias"]["project_types"]) == 6
        assert set(body["optimism_bias"]["stages"]) == set(STAGES)
        codes = {r["code"] for r in body["flag_rules"]["rules"]}
        assert {"SUPPLIER_CANNOT_ABSORB_OVERRUN", "CASE_HOLDS_ONLY_BELOW_STPR",
                "MITIGATION_WITHOUT_EVIDENCE"} <= codes
        assert "SUPPLIER_FAILS_UNDER_OPTIMISM_BIAS" not in codes
        assert all(r["source"] for r in body["flag_rules"]["rules"])


def test_cash_flow_table_carries_the_risk_adjusted_flows():
    # By hand, outline stage: upfront 300k x 1.70 (IT) + 750k x 1.1435 = 1,367,625 in year 0;
    # retained 400k x 1.1435 = 457,400 a year, so the public saves 10m - 8.6m - 457,400 =
    # 942,600 a year; cumulative -1,367,625 + 942,600 = -425,025 after year 1, payback
    # 1 + 425,025 / 942,600 = 1.4509 years. The supplier invests 500k x 1.1435 = 571,750 and
    # nets its priced 600k a year.
    a = appraise(_proposal())
    rows = a.cash_flows
    assert rows[0].public_net_risk_adjusted == pytest.approx(-1_367_625.0)
    assert rows[1].public_net_risk_adjusted == pytest.approx(942_600.0)
    assert rows[1].public_cumulative_risk_adjusted == pytest.approx(-425_025.0)
    assert rows[0].supplier_net_risk_adjusted == pytest.approx(-571_750.0)
    assert rows[10].supplier_cumulative_risk_adjusted == pytest.approx(-571_750.0 + 6_000_000.0)
    assert a.public.payback_years_risk_adjusted == pytest.approx(1 + 425_025 / 942_600)
    # The columns are the flows behind the risk-adjusted NPVs.
    public = sum(r.public_net_risk_adjusted * r.discount_factor for r in rows)
    supplier = sum(r.supplier_net_risk_adjusted * r.supplier_discount_factor for r in rows)
    assert public == pytest.approx(a.public.npv_risk_adjusted)
    assert supplier == pytest.approx(a.supplier.npv_risk_adjusted)
