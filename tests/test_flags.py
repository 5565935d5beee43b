"""Each flag just below, at and just above its threshold (DESIGN.md section 6).

Proposals are built so that the figure under test is exact in binary floating point at the
threshold (e.g. a flat discount rate of 0 makes every discount factor 1), and each expected value
is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import pytest

from svcalc.core import appraise
from svcalc.core.flags import RULES, threshold
from svcalc.core.model import Proposal, PublicSide, RiskInput, SupplierSide, UpfrontCosts
from svcalc.core.texts import money

UPFRONT = UpfrontCosts(procurement=1_000.0, transition=500.0, legal=100.0)


def make(*, term=10, bau=10_000.0, payment=9_000.0, retained=0.0, upfront=UPFRONT, rate=None,
         opex=8_000.0, investment=0.0, coc=0.08, risk=None) -> Proposal:
    return Proposal(
        term_years=term,
        partnership_model="outsourcing",
        public=PublicSide(baseline_annual_cost=bau, annual_payment=payment,
                          retained_costs=retained, upfront_costs=upfront, discount_rate=rate),
        supplier=SupplierSide(annual_operating_cost=opex, upfront_investment=investment,
                              cost_of_capital=coc),
        risk=risk,
    )


def raised(p: Proposal, code: str, field: str | None = None) -> list:
    return [f for f in appraise(p).flags
            if f.code == code and (field is None or f.field == field)]


def severity(p: Proposal, code: str, field: str | None = None) -> str | None:
    found = raised(p, code, field)
    assert len(found) <= 1, found
    return found[0].severity if found else None


def test_reference_thresholds_are_the_documented_ones():
    assert threshold("DISCOUNT_RATE_BELOW_GREEN_BOOK", "min_rate") == 0.035
    assert threshold("SAVINGS_ABOVE_EVIDENCE", "warning_above") == 0.10
    assert threshold("SAVINGS_ABOVE_EVIDENCE", "critical_from") == 0.20
    assert threshold("SAVINGS_TOO_SOON", "min_payback_years") == 3
    assert threshold("UPFRONT_COSTS_UNDERSTATED", "min_procurement_share") == 0.005
    assert threshold("SUPPLIER_MARGIN_LOW_BALL", "warning_below") == 0.05
    assert threshold("SUPPLIER_MARGIN_LOW_BALL", "critical_below") == 0.03
    assert threshold("SUPPLIER_MARGIN_EXCESSIVE", "warning_above") == 0.15
    assert threshold("SUPPLIER_CANNOT_ABSORB_OVERRUN", "warning_below") == 0.10
    assert threshold("SUPPLIER_CANNOT_ABSORB_OVERRUN", "critical_below") == 0.03
    assert threshold("FRAGILE_CASE", "max_switching_value") == 0.10
    assert threshold("IT_FAT_TAIL", "material_share") == 0.25
    assert threshold("LONG_HORIZON", "max_years") == 50
    for rule in RULES.values():
        assert rule["source"] and rule["licence"] and rule["year"], rule["code"]


def test_every_flag_has_the_contract_fields():
    p = make(rate=0.02, payment=7_000.0, opex=6_900.0, upfront=UpfrontCosts(it=5_000.0))
    flags = appraise(p).flags
    assert len({f.code for f in flags}) >= 5
    for f in flags:
        assert f.severity in ("info", "warning", "critical")
        assert f.field.startswith("#/") and f.message and f.source
        assert f.message[0].isupper() and f.message.endswith(".")


@pytest.mark.parametrize("rate, expected", [
    (0.0349, "warning"), (0.035, None), (0.0351, None),
])
def test_discount_rate_below_green_book(rate, expected):
    assert severity(make(rate=rate), "DISCOUNT_RATE_BELOW_GREEN_BOOK") == expected


def test_discount_rate_not_given_is_not_flagged():
    assert severity(make(), "DISCOUNT_RATE_BELOW_GREEN_BOOK") is None


@pytest.mark.parametrize("payment, expected", [
    # saving share = (10,000 - payment) / 10,000
    (9_000.1, None),          # 9.999%
    (9_000.0, None),          # 10% exactly: not above
    (8_999.9, "warning"),     # 10.001%
    (8_000.1, "warning"),     # 19.999%
    (8_000.0, "critical"),    # 20% exactly: "at or above" 20% is critical
    (7_999.9, "critical"),
])
def test_savings_above_evidence(payment, expected):
    assert severity(make(payment=payment, opex=0.8 * payment),
                    "SAVINGS_ABOVE_EVIDENCE") == expected


@pytest.mark.parametrize("procurement, expected", [
    # Savings 500, then 1,000 a year (a ramp); cumulative -U + 500, -U + 1,500, -U + 2,500:
    # U = 2,500 pays back in exactly 3.0 years.
    (2_490.0, "warning"),   # 2.99 years
    (2_500.0, None),        # 3.00 years
    (2_510.0, None),        # 3.01 years
])
def test_savings_too_soon_payback(procurement, expected):
    p = make(payment=(9_500.0,) + (9_000.0,) * 9, opex=7_000.0,
             upfront=UpfrontCosts(procurement=procurement, transition=0.0))
    found = [f for f in raised(p, "SAVINGS_TOO_SOON") if f.benchmark == 3.0]
    assert (found[0].severity if found else None) == expected
    if found:
        assert found[0].given == pytest.approx(2 + 990 / 1_000)


@pytest.mark.parametrize("first_payment, expected", [
    # year-1 saving vs the final-year saving of 1,000: the full saving from year 1 is flagged.
    (9_001.0, None),        # 999 in year 1: a ramp
    (9_000.0, "warning"),   # 1,000: no ramp
    (8_999.0, "warning"),   # 1,001
])
def test_savings_too_soon_without_ramp(first_payment, expected):
    p = make(payment=(first_payment,) + (9_000.0,) * 9)
    found = [f for f in raised(p, "SAVINGS_TOO_SOON") if f.benchmark != 3.0]
    assert (found[0].severity if found else None) == expected


@pytest.mark.parametrize("procurement, expected", [
    # Flat rate 0: the contract's PV is 10 x 1,000 = 10,000; 0.5% is 50.
    (49.0, "warning"), (50.0, None), (51.0, None),
])
def test_upfront_costs_understated_procurement_share(procurement, expected):
    p = make(rate=0.0, payment=1_000.0, bau=1_050.0, opex=900.0,
             upfront=UpfrontCosts(procurement=procurement, transition=10.0))
    assert severity(p, "UPFRONT_COSTS_UNDERSTATED", "#/public/upfront_costs/procurement") == \
        expected


def test_upfront_costs_understated_when_absent():
    p = make(upfront=UpfrontCosts(it=100.0))
    assert severity(p, "UPFRONT_COSTS_UNDERSTATED", "#/public/upfront_costs/procurement") == \
        "warning"
    assert severity(p, "UPFRONT_COSTS_UNDERSTATED", "#/public/upfront_costs/transition") == \
        "warning"
    given_zero = make(upfront=UpfrontCosts(procurement=5_000.0, transition=0.0))
    assert severity(given_zero, "UPFRONT_COSTS_UNDERSTATED",
                    "#/public/upfront_costs/transition") is None


@pytest.mark.parametrize("opex, expected", [
    # margin = (10 x 1,000 - 10 x opex) / (10 x 1,000)
    (950.1, "warning"),    # 4.99%
    (950.0, None),         # 5% exactly
    (949.9, None),         # 5.01%
    (970.1, "critical"),   # 2.99%
    (970.0, "warning"),    # 3% exactly: below 5%, not below 3%
    (969.9, "warning"),    # 3.01%
])
def test_supplier_margin_low_ball(opex, expected):
    p = make(payment=1_000.0, bau=1_050.0, opex=opex)
    assert severity(p, "SUPPLIER_MARGIN_LOW_BALL") == expected


@pytest.mark.parametrize("opex, expected", [
    (850.1, None), (850.0, None), (849.9, "warning"),   # 14.99%, 15%, 15.01%
])
def test_supplier_margin_excessive(opex, expected):
    p = make(payment=1_000.0, bau=1_050.0, opex=opex)
    assert severity(p, "SUPPLIER_MARGIN_EXCESSIVE") == expected


@pytest.mark.parametrize("opex, expected", [
    # cost of capital 0: supplier NPV = 10 x (1,000 - opex)
    (999.99, None), (1_000.0, None), (1_000.01, "critical"),
])
def test_supplier_below_cost_of_capital(opex, expected):
    p = make(payment=1_000.0, bau=1_100.0, opex=opex, coc=0.0)
    assert severity(p, "SUPPLIER_BELOW_COST_OF_CAPITAL") == expected


@pytest.mark.parametrize("opex, expected", [
    # Cost of capital 0, no investment: NPV = 10 x (payment - opex), the operating cost's PV
    # 10 x opex, so the break-even overrun is (payment - opex) / opex. Payment 1,100: exactly
    # 10% at opex 1,000; payment 1,030: exactly 3%.
    ((1_100.0, 1_000.1), "warning"), ((1_100.0, 1_000.0), None), ((1_100.0, 999.9), None),
    ((1_030.0, 1_000.1), "critical"), ((1_030.0, 1_000.0), "warning"),
    ((1_030.0, 999.9), "warning"),
])
def test_supplier_cannot_absorb_overrun(opex, expected):
    payment, cost = opex
    p = make(payment=payment, bau=1_300.0, opex=cost, coc=0.0)
    assert severity(p, "SUPPLIER_CANNOT_ABSORB_OVERRUN") == expected
    if expected:
        assert raised(p, "SUPPLIER_CANNOT_ABSORB_OVERRUN")[0].given == pytest.approx(
            (payment - cost) / cost)


def test_a_supplier_already_under_water_is_flagged_as_such_not_as_thin():
    p = make(payment=1_000.0, bau=1_300.0, opex=1_010.0, coc=0.0)
    assert severity(p, "SUPPLIER_BELOW_COST_OF_CAPITAL") == "critical"
    assert severity(p, "SUPPLIER_CANNOT_ABSORB_OVERRUN") is None


@pytest.mark.parametrize("upfront, expected", [
    # Saving 100 a year for 10 years: pays back at 999 (9.99 y), 1,000 (10 y, = term), never
    # at 1,001.
    (999.0, None), (1_000.0, None), (1_001.0, "critical"),
])
def test_public_payback_beyond_term(upfront, expected):
    p = make(payment=9_900.0, opex=9_000.0, upfront=UpfrontCosts(procurement=upfront,
                                                                 transition=0.0))
    assert severity(p, "PUBLIC_PAYBACK_BEYOND_TERM") == expected


@pytest.mark.parametrize("upfront, expected", [
    # Flat rate 0: public NPV = 10 x 100 - upfront.
    (999.0, None), (1_000.0, None), (1_001.0, "critical"),
])
def test_public_npv_negative(upfront, expected):
    p = make(rate=0.0, payment=9_900.0, opex=9_000.0,
             upfront=UpfrontCosts(procurement=upfront, transition=0.0))
    assert severity(p, "PUBLIC_NPV_NEGATIVE") == expected


@pytest.mark.parametrize("it, expected", [
    # Flat rate 0, saving 170 a year: 1,700 in all, under the 10% banked. At the outline stage
    # IT carries +70% (0.35 x 200%): risk-adjusted NPV = 1,700 - 1.7 x IT, zero at IT = 1,000
    # (stated NPV 700 > 0).
    (999.0, None), (1_000.0, None), (1_001.0, "critical"),
])
def test_case_relies_on_optimism_public(it, expected):
    p = make(rate=0.0, payment=9_830.0, opex=9_000.0,
             upfront=UpfrontCosts(it=it, procurement=0.0, transition=0.0))
    assert severity(p, "CASE_RELIES_ON_OPTIMISM", "#/public/upfront_costs") == expected


@pytest.mark.parametrize("investment, expected", [
    # Cost of capital 0, margin 100 a year: stated NPV 1,000 - I. At strategic outline the
    # supplier's capital estimate carries +41% (outsourcing): 1,000 - 1.41 I, zero at
    # I = 709.2198...; the stated NPV stays positive.
    (709.2, None), (709.3, "critical"),
])
def test_case_relies_on_optimism_supplier(investment, expected):
    p = make(payment=1_000.0, bau=1_100.0, opex=900.0, coc=0.0, investment=investment,
             risk=RiskInput(stage="strategic_outline"))
    assert severity(p, "CASE_RELIES_ON_OPTIMISM", "#/supplier/upfront_investment") == expected


@pytest.mark.parametrize("rate, upfront, expected", [
    # Saving 1,000 a year for 10 years: 8,982.59 at a flat 2% (sum of 1.02^-t), 8,316.61 at the
    # STPR (3.5%). An upfront cost of 8,500 is positive at 2%, negative at the STPR.
    (0.02, 8_500.0, "critical"),
    (0.02, 8_300.0, None),      # positive at both
    (0.02, 9_000.0, None),      # negative at both: PUBLIC_NPV_NEGATIVE's case
    (0.05, 8_000.0, None),      # a rate above the STPR
    (None, 8_500.0, None),      # the STPR itself
])
def test_case_holds_only_below_stpr(rate, upfront, expected):
    p = make(rate=rate, payment=9_000.0, upfront=UpfrontCosts(procurement=upfront,
                                                              transition=0.0))
    assert severity(p, "CASE_HOLDS_ONLY_BELOW_STPR") == expected
    if expected:
        flag = raised(p, "CASE_HOLDS_ONLY_BELOW_STPR")[0]
        assert flag.field == "#/public/discount_rate"
        assert flag.given == pytest.approx(-8_500.0 + 1_000.0 * sum(1.035 ** -t
                                                                    for t in range(1, 11)))


@pytest.mark.parametrize("risk, expected", [
    (RiskInput(mitigation=0.5), "warning"),
    (RiskInput(mitigation=0.5, evidence=("a costed risk register",)), None),
    (RiskInput(mitigation=0.0), None),
])
def test_mitigation_without_evidence(risk, expected):
    assert severity(make(risk=risk), "MITIGATION_WITHOUT_EVIDENCE") == expected


@pytest.mark.parametrize("upfront, expected", [
    # Flat rate 0, saving 110 a year: NPV = 1,100 - U; upfront switching value = NPV / U,
    # exactly 10% at U = 1,000.
    (1_000.1, "warning"), (1_000.0, None), (999.9, None),
])
def test_fragile_case(upfront, expected):
    p = make(rate=0.0, payment=9_890.0, opex=8_000.0,
             upfront=UpfrontCosts(procurement=upfront, transition=0.0))
    assert severity(p, "FRAGILE_CASE", "#/public/upfront_costs") == expected


def test_fragile_case_only_for_a_positive_npv():
    p = make(rate=0.0, payment=9_890.0, opex=8_000.0,
             upfront=UpfrontCosts(procurement=1_150.0, transition=0.0))
    assert raised(p, "FRAGILE_CASE", "#/public/upfront_costs") == []


@pytest.mark.parametrize("it, expected", [
    # other upfront 750: IT share = it / (it + 750); 25% at it = 250.
    (249.0, None), (250.0, None), (251.0, "info"),
])
def test_it_fat_tail(it, expected):
    p = make(upfront=UpfrontCosts(procurement=500.0, transition=250.0, it=it))
    assert severity(p, "IT_FAT_TAIL") == expected


@pytest.mark.parametrize("term, expected", [(49, None), (50, None), (51, "info")])
def test_long_horizon(term, expected):
    assert severity(make(term=term), "LONG_HORIZON") == expected


def test_several_irrs_are_flagged():
    # Public flows -100, +230, -132 have IRRs of 10% and 20%.
    p = make(term=2, bau=1_000.0, payment=(770.0, 1_132.0), opex=(700.0, 1_000.0),
             upfront=UpfrontCosts(procurement=100.0, transition=0.0))
    a = appraise(p)
    assert a.public.irr is None
    assert severity(p, "IRR_AMBIGUOUS", "#/public") == "info"
    assert severity(make(), "IRR_AMBIGUOUS") is None


def test_money_in_messages():
    assert money(1_234_567.0) == "£1.23m"
    assert money(-350_000.0, "GBP") == "-£350k"
    assert money(12.0, "USD") == "$12"
