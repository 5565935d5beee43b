"""Switching values and the tornado table, checked by re-running the appraisal."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcalc.core import appraise
from svcalc.core.model import Proposal, PublicSide, SupplierSide, UpfrontCosts
from svcalc.core.sensitivity import Lever, find_root, switching_value


def _proposal(payment=8_600_000.0, opex=8_000_000.0, upfront=None, term=10,
              investment=500_000.0) -> Proposal:
    return Proposal(
        term_years=term,
        partnership_model="outsourcing",
        public=PublicSide(
            baseline_annual_cost=10_000_000.0, annual_payment=payment, retained_costs=400_000.0,
            upfront_costs=upfront if upfront is not None else UpfrontCosts(
                procurement=250_000.0, transition=400_000.0, it=300_000.0, legal=100_000.0)),
        supplier=SupplierSide(annual_operating_cost=opex, upfront_investment=investment),
    )


RAMPED = _proposal(
    payment=(10_200_000.0, 9_600_000.0, 9_100_000.0) + (8_900_000.0,) * 7,
    opex=(9_500_000.0, 8_900_000.0, 8_400_000.0) + (8_100_000.0,) * 7,
)


def _scale(values, factor):
    return tuple(v * factor for v in values) if isinstance(values, tuple) else values * factor


def _moved(p: Proposal, name: str, x: float) -> Proposal:
    """The proposal with one key input moved by the relative change x, rebuilt from scratch."""
    pub, sup = p.public, p.supplier
    if name == "public_saving":
        # saving = BAU - payment - retained; keep BAU and retained, pay the scaled difference.
        n = p.term_years
        bau = [pub.baseline_annual_cost] * n
        pay = list(pub.annual_payment) if isinstance(pub.annual_payment, tuple) else \
            [pub.annual_payment] * n
        ret = [pub.retained_costs] * n
        new_pay = tuple(b - r - (1 + x) * (b - q - r) for b, q, r in zip(bau, pay, ret,
                                                                          strict=True))
        return dataclasses.replace(p, public=dataclasses.replace(pub, annual_payment=new_pay))
    if name == "upfront_costs":
        u = pub.upfront_costs
        items = {k: (None if getattr(u, k) is None else getattr(u, k) * (1 + x))
                 for k in ("procurement", "transition", "it", "legal", "other")}
        return dataclasses.replace(p, public=dataclasses.replace(
            pub, upfront_costs=UpfrontCosts(**items)))
    if name == "supplier_operating_cost":
        return dataclasses.replace(p, supplier=dataclasses.replace(
            sup, annual_operating_cost=_scale(sup.annual_operating_cost, 1 + x)))
    raise AssertionError(name)


def _npv(a, side):
    return a.public.npv if side == "public" else a.supplier.npv


@pytest.mark.parametrize("p", [_proposal(), RAMPED], ids=["flat", "ramped"])
def test_switching_values_bring_the_npv_to_zero_when_re_appraised(p):
    a = appraise(p)
    assert {s.input for s in a.sensitivity.switching_values} == {
        "public_saving", "upfront_costs", "supplier_operating_cost"}
    for sv in a.sensitivity.switching_values:
        assert sv.switching_value is not None, sv
        again = appraise(_moved(p, sv.input, sv.switching_value))
        scale = abs(sv.npv)
        assert abs(_npv(again, sv.side)) < 1e-9 * scale + 1e-6, sv
        # And a little less change leaves the sign as stated: it is the nearest root.
        half = appraise(_moved(p, sv.input, 0.5 * sv.switching_value))
        assert (_npv(half, sv.side) > 0) == (sv.npv > 0)


def test_worked_example_by_hand():
    a = appraise(_proposal())
    by = {s.input: s for s in a.sensitivity.switching_values}
    # Supplier: NPV = -0.5m + 0.6m x annuity(8%, 10); opex PV = 8m x annuity.
    annuity = sum(1.08 ** -t for t in range(1, 11))
    expected = (-500_000 + 600_000 * annuity) / (8_000_000 * annuity)
    assert by["supplier_operating_cost"].switching_value == pytest.approx(expected, rel=1e-12)
    # Upfront: the public NPV / upfront costs (year 0 is undiscounted).
    assert by["upfront_costs"].switching_value == pytest.approx(a.public.npv / 1_050_000)


def test_no_upfront_costs_gives_null_with_a_reason():
    a = appraise(_proposal(upfront=UpfrontCosts()))
    sv = next(s for s in a.sensitivity.switching_values if s.input == "upfront_costs")
    assert sv.switching_value is None and "does not depend" in sv.reason


def test_supplier_that_loses_even_with_no_operating_cost_gives_null():
    # Investment of 100m can't be earned back by 8.6m a year at 8% over 10 years, even at zero
    # operating cost: no cut in the operating cost switches the supplier's decision.
    a = appraise(_proposal(investment=100_000_000.0))
    sv = next(s for s in a.sensitivity.switching_values if s.input == "supplier_operating_cost")
    assert sv.switching_value is None and "no cut" in sv.reason


def test_tornado_matches_re_appraisal_and_is_sorted_by_swing():
    p = RAMPED
    a = appraise(p)
    rows = a.sensitivity.tornado
    assert [r.swing for r in rows] == sorted((r.swing for r in rows), reverse=True)
    for row in rows:
        for x, got in ((-0.2, row.npv_minus_20), (-0.1, row.npv_minus_10),
                       (0.1, row.npv_plus_10), (0.2, row.npv_plus_20)):
            again = _npv(appraise(_moved(p, row.input, x)), row.side)
            assert got == pytest.approx(again, rel=1e-9, abs=1e-4), (row.input, x)
        assert row.npv_base == pytest.approx(_npv(a, row.side))


class TestFindRoot:
    def test_polynomial_root(self):
        assert find_root(lambda x: x**3 - 2.0, 0.0, 2.0) == pytest.approx(2 ** (1 / 3), abs=1e-12)

    def test_root_at_an_end(self):
        assert find_root(lambda x: x, 0.0, 1.0) == 0.0

    def test_no_sign_change(self):
        assert find_root(lambda x: 1.0 + x * x, -1.0, 1.0) is None

    def test_non_affine_lever_is_solved_by_bracketing(self):
        # NPV(x) = 100 - 50 (1 + x)^2 has its switching value at sqrt(2) - 1.
        lever = Lever("convex", "#/x", "public", "x", 50.0, lambda x: 100 - 50 * (1 + x) ** 2)
        sv = switching_value(lever)
        assert sv.switching_value == pytest.approx(2 ** 0.5 - 1, abs=1e-10)

    def test_wrong_slope_is_caught_by_the_check(self):
        # A lever that claims to be affine with a wrong slope is re-solved by the bracket.
        lever = Lever("convex", "#/x", "public", "x", 50.0,
                      lambda x: 100 - 50 * (1 + x) ** 2, slope=-100.0)
        assert switching_value(lever).switching_value == pytest.approx(2 ** 0.5 - 1, abs=1e-10)


@settings(max_examples=60, deadline=None)
@given(
    payment=st.floats(1e5, 2e7), opex=st.floats(1e5, 2e7), investment=st.floats(0, 5e6),
    it=st.floats(0, 5e6), term=st.integers(1, 40),
)
def test_switching_value_zeroes_the_lever(payment, opex, investment, it, term):
    """Property: wherever a switching value exists, evaluating the NPV there gives zero."""
    p = _proposal(payment=payment, opex=opex, investment=investment, term=term,
                  upfront=UpfrontCosts(it=it))
    a = appraise(p)
    for sv in a.sensitivity.switching_values:
        if sv.switching_value is None:
            assert sv.reason
            continue
        again = _npv(appraise(_moved(p, sv.input, sv.switching_value)), sv.side)
        assert abs(again) <= 1e-7 * max(1.0, abs(sv.npv), payment * term, opex * term)
