"""The risk-adjusted view: Green Book optimism bias (Mott MacDonald 2002) applied to the flows."""

from __future__ import annotations

import numpy as np
import pytest

from svcalc.core import appraise
from svcalc.core.errors import ProposalError
from svcalc.core.flows import resolve
from svcalc.core.model import (
    PROJECT_TYPES,
    Proposal,
    PublicSide,
    RiskInput,
    SupplierSide,
    UpfrontCosts,
)
from svcalc.core.reference import REFERENCE
from svcalc.core.risk import (
    assumptions,
    blended_upper,
    risk_adjusted_flows,
    stretch,
    uplift,
)


class TestTable:
    # Mott MacDonald (2002) Table 2, as in research/appraisal-anchors.md section 2:
    # (duration U, duration L, capex U, capex L).
    TABLE = {
        "standard_buildings": (0.04, 0.01, 0.24, 0.02),
        "non_standard_buildings": (0.39, 0.02, 0.51, 0.04),
        "standard_civil_engineering": (0.20, 0.01, 0.44, 0.03),
        "non_standard_civil_engineering": (0.25, 0.03, 0.66, 0.06),
        "equipment_development": (0.54, 0.10, 2.00, 0.10),
        "outsourcing": (None, None, 0.41, 0.0),
    }

    def test_reference_holds_upper_and_lower_bounds_for_all_six(self):
        rows = {r["project_type"]: r for r in REFERENCE["optimism_bias"]["project_types"]}
        assert tuple(rows) == PROJECT_TYPES
        for name, (du, dl, cu, cl) in self.TABLE.items():
            row = rows[name]
            assert (row["duration_upper"], row["duration_lower"]) == (du, dl), name
            assert (row["cost_upper"], row["cost_lower"]) == (cu, cl), name
        # Outsourcing is measured on operating expenditure, with no duration figure.
        assert rows["outsourcing"]["cost_measure"] == "opex"
        assert REFERENCE["optimism_bias"]["source"] and REFERENCE["optimism_bias"]["licence"]

    @pytest.mark.parametrize("name", PROJECT_TYPES)
    def test_upper_bound_is_the_default_and_full_mitigation_removes_it(self, name):
        assert uplift(name) == self.TABLE[name][2]
        assert uplift(name, 1.0) == 0.0
        assert uplift(name, 0.5) == pytest.approx(self.TABLE[name][2] / 2)

    @pytest.mark.parametrize("bad", [-0.01, 1.01])
    def test_mitigation_outside_0_1_is_refused(self, bad):
        with pytest.raises(ProposalError):
            uplift("outsourcing", bad)


class TestGreenBookWorkedExamples:
    def test_combined_project_weights_the_upper_bounds_by_share(self):
        # 30% non-standard (51%) + 70% standard (24%): 15.3 + 16.8 = 32.1% capex;
        # duration 30% x 39 + 70% x 4 = 11.7 + 2.8 = 14.5%.
        mix = {"non_standard_buildings": 0.3, "standard_buildings": 0.7}
        assert blended_upper(mix) == pytest.approx(0.321, abs=1e-12)
        assert blended_upper(mix, "duration") == pytest.approx(0.145, abs=1e-12)

    def test_mitigation_of_92_percent_takes_51_to_4_percent(self):
        # (100% - 92%) x 51% = 4.08%, "4%" in the guidance (its lower bound).
        u = uplift("non_standard_buildings", 0.92)
        assert u == pytest.approx(0.0408, abs=1e-12)
        assert round(u, 2) == REFERENCE["optimism_bias"]["project_types"][1]["cost_lower"]
        # NPC capex GBP 100m x 1.04 = GBP 104m, plus GBP 7m of risk management = GBP 111m.
        assert round(100e6 * (1 + u) / 1e6) == 104
        assert round(100e6 * (1 + u) / 1e6 + 7) == 111

    def test_a_mix_must_sum_to_one_and_have_the_figure(self):
        with pytest.raises(ProposalError):
            blended_upper({"standard_buildings": 0.5})
        with pytest.raises(ProposalError):
            blended_upper({"outsourcing": 1.0}, "duration")


def _proposal(**kw) -> Proposal:
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


class TestAssumptions:
    @pytest.mark.parametrize("model, expected", [
        ("outsourcing", "outsourcing"), ("long_term_partnership", "outsourcing"),
        ("joint_venture", "outsourcing"), ("shared_service", "outsourcing"),
        ("channel_shift", "equipment_development"), ("other", "outsourcing"),
    ])
    def test_default_project_type_by_partnership_model(self, model, expected):
        a = assumptions(_proposal(partnership_model=model))
        assert a.project_type == expected and a.project_type_defaulted

    def test_given_project_type_and_mitigation(self):
        a = assumptions(_proposal(risk=RiskInput("standard_civil_engineering", 0.25)))
        assert not a.project_type_defaulted
        assert a.public_other_upfront_uplift == pytest.approx(0.44 * 0.75)
        assert a.public_it_uplift == pytest.approx(2.0 * 0.75)
        assert a.supplier_operating_cost_uplift == pytest.approx(0.41 * 0.75)
        assert a.duration_uplift == pytest.approx(0.20 * 0.75)

    def test_mitigation_below_the_lower_bound_is_noted(self):
        a = assumptions(_proposal(risk=RiskInput("non_standard_buildings", 0.95)))
        assert "lower bound" in a.notes["mitigation"]
        assert "mitigation" not in assumptions(_proposal(risk=RiskInput(None, 0.5))).notes


class TestWorkedExampleRiskAdjusted:
    """The documented example at the upper bounds (outsourcing, no mitigation), by hand."""

    def test_public_upfront_costs(self):
        a = assumptions(_proposal())
        # IT 300k x (1 + 200%) = 900k; the other 750k x 1.41 = 1,057.5k.
        assert a.public_upfront_costs_risk_adjusted == pytest.approx(1_957_500.0)

    def test_public_npv_falls_by_the_extra_upfront_cost(self):
        a = appraise(_proposal())
        # Year-0 costs are undiscounted: the NPV falls by exactly 1,957,500 - 1,050,000.
        assert a.public.npv - a.public.npv_risk_adjusted == pytest.approx(907_500.0)
        # Payback: cumulative -1,957,500 + 1,000,000 a year -> 1.9575 years.
        assert a.public.payback_years_risk_adjusted == pytest.approx(1.9575)

    def test_supplier_margin_and_npv_with_41_percent_opex(self):
        a = appraise(_proposal())
        # (86m - 80m x 1.41 - 0.5m x 1.41) / 86m = (86 - 112.8 - 0.705) / 86.
        assert a.supplier.whole_life_margin_risk_adjusted == pytest.approx(-27.505 / 86)
        annuity = sum(1.08 ** -t for t in range(1, 11))
        expected = -705_000 + (8_600_000 - 11_280_000) * annuity
        assert a.supplier.npv_risk_adjusted == pytest.approx(expected)

    def test_support_ratio_risk_adjusted(self):
        a = appraise(_proposal())
        dfs = [1.035 ** -t for t in range(1, 11)]
        individual = 10_000_000 * sum(dfs)
        consumed = 705_000 + 1_957_500 + (11_280_000 + 400_000) * sum(dfs)
        assert a.partnership.support_ratio_risk_adjusted == pytest.approx(individual / consumed)

    def test_full_mitigation_gives_back_the_stated_figures(self):
        a = appraise(_proposal(risk=RiskInput("outsourcing", 1.0)))
        assert a.public.npv_risk_adjusted == pytest.approx(a.public.npv)
        assert a.supplier.npv_risk_adjusted == pytest.approx(a.supplier.npv)
        assert a.supplier.whole_life_margin_risk_adjusted == pytest.approx(
            a.supplier.whole_life_margin)


class TestStretch:
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
            risk=RiskInput("non_standard_buildings", 0.0))
        a = appraise(p)
        # Without the 39% stretch, only the upfront costs would move (x 1.51).
        upfront_only = a.public.npv - 0.51 * 1_000_000.0
        assert a.public.npv_risk_adjusted < upfront_only - 1.0
        f = resolve(p)
        adj = risk_adjusted_flows(f, assumptions(p), p)
        assert adj.payment[0] == f.payment[0] and adj.payment[-1] == f.payment[-1]
        assert np.all(adj.payment >= f.payment)


class TestApi:
    def test_risk_echo_and_risk_adjusted_fields(self, client, proposal):
        proposal["risk"] = {"project_type": "standard_buildings", "mitigation": 0.5}
        body = client.post("/v1/appraisals", json=proposal).json
        assert body["risk"]["project_type"] == "standard_buildings"
        assert body["risk"]["public_other_upfront_uplift"] == pytest.approx(0.12)
        assert body["risk"]["duration_uplift"] == pytest.approx(0.02)
        for block, name in (("public", "npv_risk_adjusted"),
                            ("public", "payback_years_risk_adjusted"),
                            ("supplier", "npv_risk_adjusted"),
                            ("supplier", "whole_life_margin_risk_adjusted"),
                            ("partnership", "support_ratio_risk_adjusted")):
            assert isinstance(body[block][name], float), (block, name)

    @pytest.mark.parametrize("risk, pointer", [
        ({"mitigation": 1.5}, "#/risk/mitigation"),
        ({"mitigation": "high"}, "#/risk/mitigation"),
        ({"project_type": "bridges"}, "#/risk/project_type"),
        ({"mitgation": 0.5}, "#/risk/mitgation"),
    ])
    def test_bad_risk_block_is_422_with_pointer(self, client, proposal, risk, pointer):
        proposal["risk"] = risk
        response = client.post("/v1/appraisals", json=proposal)
        assert response.status_code == 422
        assert response.content_type == "application/problem+json"
        assert pointer in [e["pointer"] for e in response.json["errors"]]

    def test_reference_lists_the_table_and_flag_rules(self, client):
        body = client.get("/v1/reference").json
        assert len(body["optimism_bias"]["project_types"]) == 6
        codes = {r["code"] for r in body["flag_rules"]["rules"]}
        assert {"SAVINGS_ABOVE_EVIDENCE", "SUPPLIER_MARGIN_LOW_BALL", "FRAGILE_CASE"} <= codes
        assert all(r["source"] for r in body["flag_rules"]["rules"])
