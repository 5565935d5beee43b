"""The IRR fast path (one sign change: Newton, no grid) agrees with independent references.

References: a bisection in r written here, numpy-financial's eigenvalue method, and hand values.
The fast path must give the same answers as the grid search it short-cuts, including "no root in
range", and leave several-sign-change flows to the grid.
"""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcalc.core import finance


def npv_at(flows: np.ndarray, rate: float) -> float:
    return float(sum(c / (1.0 + rate) ** t for t, c in enumerate(flows)))


def bisect_rate(flows: np.ndarray, lo: float, hi: float) -> float:
    f_lo = npv_at(flows, lo)
    for _ in range(300):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        f_mid = npv_at(flows, mid)
        if (f_mid < 0) == (f_lo < 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@pytest.mark.parametrize("flows, expected", [
    ([-100.0, 110.0], 0.10),                      # by hand: 110 / 100 - 1
    ([-100.0, 0.0, 121.0], 0.10),                 # 121 = 100 * 1.1^2
    ([100.0, -110.0], 0.10),                      # a loan: the same rate, signs reversed
    ([-1000.0, 0.0, 0.0, 0.0, 0.0, 1610.51], 0.10),  # 1.1^5 = 1.61051
    ([-100.0, 2.0], -0.98),                       # near the bottom of the searched range
])
def test_hand_values(flows, expected):
    assert finance.irr(np.array(flows)).value == pytest.approx(expected, abs=1e-12)


def test_root_outside_the_range_is_none_with_the_reason():
    # -100 then 0.5: IRR = -99.5%, below the -99% floor; the grid search says the same.
    result = finance.irr(np.array([-100.0, 0.5]))
    assert result.value is None and "no rate between -99%" in result.reason


def test_several_sign_changes_still_take_the_grid():
    result = finance.irr(np.array([-100.0, 230.0, -132.0]))  # roots at 10% and 20% (by hand)
    assert result.value is None
    assert [round(r, 9) for r in result.roots] == [0.1, 0.2]


conventional = st.builds(
    lambda upfront, shares, zeros: np.array(
        [-upfront] + [0.0 if z else upfront * s for s, z in zip(shares, zeros, strict=False)]),
    st.floats(1e2, 1e12),
    st.lists(st.floats(0.001, 2.0), min_size=1, max_size=60),
    st.lists(st.booleans(), min_size=60, max_size=60),
)


@settings(max_examples=300, deadline=None)
@given(conventional, st.booleans())
def test_one_sign_change_matches_bisection(flows, as_loan):
    if as_loan:
        flows = -flows
    if not np.any(flows[1:] != 0.0):
        return
    result = finance.irr(flows)
    lo, hi = finance.IRR_MIN_RATE, finance.IRR_MAX_RATE
    f_lo, f_hi = npv_at(flows, lo), npv_at(flows, hi)
    if (f_lo < 0) == (f_hi < 0):
        assert result.value is None and "no rate between" in result.reason
        return
    reference = bisect_rate(flows, lo, hi)
    assert result.value is not None
    assert result.value == pytest.approx(reference, rel=1e-9, abs=1e-9)
    assert result.roots == (result.value,)
    if -0.5 < reference < 5:  # npf.irr's eigenvalue method is reliable here
        assert result.value == pytest.approx(float(npf.irr(flows)), rel=1e-8, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e9, 1e9), min_size=2, max_size=61))
def test_any_flows_give_a_finite_root_or_none(values):
    result = finance.irr(np.array(values))
    if result.value is not None:
        assert math.isfinite(result.value)
        assert finance.IRR_MIN_RATE <= result.value <= finance.IRR_MAX_RATE
        # NPV at the root is ~0 relative to the size of its discounted terms.
        x = 1.0 / (1.0 + result.value)
        terms = [v * x**t for t, v in enumerate(values)]
        assert abs(sum(terms)) <= 1e-9 * sum(abs(term) for term in terms)
    else:
        assert result.reason
