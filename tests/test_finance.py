"""Finance kernels against independent values: the Green Book's factors, hand sums,
numpy-financial."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from svcalc.core import finance
from tests.strategies import conventional_flows, flows_arrays, rates


class TestDiscountFactors:
    # DESIGN.md section 2 / research/appraisal-anchors.md 1.1 (computed from the STPR table).
    @pytest.mark.parametrize(
        "year, expected",
        [(1, 0.9662), (5, 0.8420), (10, 0.7089), (20, 0.5026), (30, 0.3563), (31, 0.3459),
         (50, 0.1973), (75, 0.0942), (76, 0.0919), (100, 0.0508)],
    )
    def test_green_book_reference_factors(self, year, expected):
        assert round(float(finance.discount_factors(100)[year]), 4) == expected

    def test_base_year_is_undiscounted(self):
        assert finance.discount_factors(3)[0] == 1.0

    def test_band_change_applies_to_year_31(self):
        # DF_31 = DF_30 / 1.03: year 31 is the first discounted at 3.0%.
        df = finance.discount_factors(31)
        assert df[31] == pytest.approx(1.035**-30 / 1.03, rel=1e-12)

    def test_sum_of_factors_matches_research(self):
        # research/appraisal-anchors.md: sum DF years 1-10 = 8.3166; years 0-9 = 8.6077.
        df = finance.discount_factors(10)
        assert round(float(df[1:].sum()), 4) == 8.3166
        assert round(float(df[:10].sum()), 4) == 8.6077

    def test_reaches_the_301_plus_band(self):
        df = finance.discount_factors(302)
        assert df[302] / df[301] == pytest.approx(1 / 1.01)

    @given(rate=rates, n=st.integers(1, 60))
    def test_flat_factors_are_powers(self, rate, n):
        df = finance.discount_factors(n, rate)
        assert df[n] == pytest.approx((1 + rate) ** -n, rel=1e-12)


class TestNpv:
    def test_hand_computed(self):
        # -1000 + 300/1.035 + 300/1.035^2 + 300/1.035^3 + 300/1.035^4
        # = -1000 + 289.855 + 280.053 + 270.583 + 261.433 = 101.92
        flows = np.array([-1000.0, 300, 300, 300, 300])
        assert finance.npv(flows, finance.discount_factors(4, 0.035)) == pytest.approx(
            101.9235, abs=1e-3)

    def test_matches_excel_convention_with_first_value_outside(self):
        # Excel: =B1+NPV(0.035;B2:B11) equals numpy-financial's npv with t=0 first.
        flows = np.array([-1050000.0] + [1000000.0] * 10)
        excel_style = flows[0] + sum(v / 1.035 ** (t + 1) for t, v in enumerate(flows[1:]))
        ours = finance.npv(flows, finance.discount_factors(10))
        assert ours == pytest.approx(excel_style, rel=1e-12)
        assert ours == pytest.approx(npf.npv(0.035, flows), rel=1e-12)

    @given(flows=flows_arrays, rate=rates)
    def test_matches_numpy_financial(self, flows, rate):
        ours = finance.npv(flows, finance.discount_factors(flows.size - 1, rate))
        assert ours == pytest.approx(npf.npv(rate, flows), rel=1e-9, abs=1e-3)

    @given(flows=flows_arrays)
    def test_at_zero_rate_is_the_sum(self, flows):
        assert finance.npv(flows, finance.discount_factors(flows.size - 1, 0.0)) == (
            pytest.approx(float(flows.sum()), rel=1e-12, abs=1e-6))

    @given(flows=flows_arrays, k=st.floats(-10, 10), rate=rates)
    def test_linear_in_flows(self, flows, k, rate):
        df = finance.discount_factors(flows.size - 1, rate)
        assert finance.npv(k * flows, df) == pytest.approx(k * finance.npv(flows, df),
                                                          rel=1e-9, abs=1e-3)

    @given(
        saving=st.floats(1.0, 1e9), year=st.integers(1, 58), n=st.integers(60, 60),
    )
    def test_delaying_a_saving_never_raises_npv(self, saving, year, n):
        df = finance.discount_factors(n)
        early = np.zeros(n + 1)
        late = np.zeros(n + 1)
        early[year] = saving
        late[year + 1] = saving
        assert finance.npv(late, df) <= finance.npv(early, df)


class TestIrr:
    def test_numpy_financial_docstring_example(self):
        # numpy-financial's own example: irr([-100, 39, 59, 55, 20]) = 0.28095
        assert finance.irr(np.array([-100.0, 39, 59, 55, 20])).value == pytest.approx(
            0.28094842115, rel=1e-9)

    def test_simple_two_period(self):
        # -100 now, 110 in a year: 10% exactly.
        assert finance.irr(np.array([-100.0, 110.0])).value == pytest.approx(0.10, rel=1e-12)

    def test_annuity_against_closed_form(self):
        # -1000 then 10 x 162.745: the 10-year annuity factor at 10% is 6.144567, so IRR = 10%.
        pmt = 1000 / ((1 - 1.1**-10) / 0.1)
        assert finance.irr(np.array([-1000.0] + [pmt] * 10)).value == pytest.approx(0.1, rel=1e-10)

    @pytest.mark.parametrize("flows", [[100.0, 10, 10], [-5.0, -1, -3], [0.0, 0, 0]])
    def test_no_sign_change_is_null_with_reason(self, flows):
        result = finance.irr(np.array(flows))
        assert result.value is None
        assert "never change sign" in result.reason

    def test_two_roots_are_reported_not_picked(self):
        # (1.1 - x')(1.2 - x') style: -100 + 230/(1+r) - 132/(1+r)^2 = 0 at r = 10% and 20%.
        result = finance.irr(np.array([-100.0, 230, -132]))
        assert result.value is None
        assert result.roots == pytest.approx((0.1, 0.2), rel=1e-9)
        assert "several rates" in result.reason

    def test_irr_of_zero_upfront_flows(self):
        # 0 now, -5 in year 1, +10 in year 2: x(-5 + 10x) = 0 -> x = 0.5 -> r = 100%.
        assert finance.irr(np.array([0.0, -5, 10])).value == pytest.approx(1.0, rel=1e-12)

    def test_very_negative_irr(self):
        # -100 now, 5 back in a year: r = -95%.
        assert finance.irr(np.array([-100.0, 5.0])).value == pytest.approx(-0.95, rel=1e-9)

    @settings(max_examples=200)
    @given(flows=conventional_flows)
    def test_npv_at_irr_is_zero(self, flows):
        result = finance.irr(flows)
        assume(result.value is not None)
        df = finance.discount_factors(flows.size - 1, result.value)
        scale = float(np.abs(flows).sum())
        assert abs(finance.npv(flows, df)) <= 1e-9 * scale

    @settings(max_examples=200)
    @given(flows=conventional_flows)
    def test_agrees_with_a_bisection_reference(self, flows):
        # Conventional flows: p(x) = sum c_t x^t rises monotonically in x = 1/(1+r), so plain
        # bisection on the sign of p finds the one root; ours must agree within 1e-9.
        lo, hi = 1.0 / (1.0 + finance.IRR_MAX_RATE), 1.0 / (1.0 + finance.IRR_MIN_RATE)
        p = np.polynomial.polynomial.Polynomial(flows)
        result = finance.irr(flows)
        if p(lo) > 0:  # the root lies beyond the search range
            assert result.value is None and "above 999,900%" in result.reason
            return
        assume(p(hi) > 0)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if p(mid) < 0 else (lo, mid)
        reference = 1.0 / lo - 1.0
        assert result.value == pytest.approx(reference, rel=1e-9, abs=1e-9)

    @settings(max_examples=100)
    @given(
        upfront=st.floats(1e3, 1e9),
        returns=st.lists(st.floats(1e3, 1e9), min_size=1, max_size=40),
    )
    def test_agrees_with_numpy_financial_on_well_scaled_flows(self, upfront, returns):
        # npf.irr takes the roots of the polynomial by eigenvalues: trustworthy when no
        # coefficient is tiny against the others, as here.
        flows = np.array([-upfront, *returns])
        reference = npf.irr(flows)
        assume(not math.isnan(reference) and finance.IRR_MIN_RATE < reference < 100)
        assert finance.irr(flows).value == pytest.approx(reference, rel=1e-7, abs=1e-9)

    def test_beyond_the_search_range_says_so(self):
        # -1 now, 10,001 in a year: r = 10,000 = 1,000,000%, beyond the 999,900% ceiling.
        result = finance.irr(np.array([-1.0, 10001.0]))
        assert result.value is None and "above 999,900%" in result.reason


class TestIrrMany:
    """``irr_many`` solves one-sign-change series together by Newton's method; it must give
    each series the IRR ``irr`` gives it (to within 1e-15 of the rate), or the same reason."""

    @settings(max_examples=100)
    @given(series=st.lists(conventional_flows, min_size=1, max_size=12))
    def test_agrees_with_irr_series_by_series(self, series):
        for one, many in zip(series, finance.irr_many(series), strict=True):
            single = finance.irr(one)
            assert (many.value is None) == (single.value is None)
            if single.value is None:
                assert many.reason == single.reason
            else:
                assert many.value == pytest.approx(single.value, rel=1e-12, abs=1e-15)

    @settings(max_examples=50)
    @given(series=st.lists(flows_arrays, min_size=1, max_size=8))
    def test_any_flows_get_the_scalar_answer_or_reason(self, series):
        for one, many in zip(series, finance.irr_many(series), strict=True):
            single = finance.irr(one)
            assert many.reason == single.reason
            if single.value is not None:
                assert many.value == pytest.approx(single.value, rel=1e-9, abs=1e-12)

    def test_a_row_does_not_depend_on_its_neighbours(self):
        # Newton runs row by row on the same operations, whatever else is in the batch.
        a = np.array([-100.0, 39, 59, 55, 20])
        alone = finance.irr_many([a])[0].value
        crowd = finance.irr_many([np.array([-50.0, 1, 1, 1, 90]), a, -a[::-1]])[1].value
        assert alone == crowd == pytest.approx(0.28094842115, rel=1e-9)


class TestPayback:
    def test_hand_computed_interpolation(self):
        # cum: -1000, -700, -400, -100, +200 -> year 3 + 100/300.
        assert finance.payback(np.array([-1000.0, 300, 300, 300, 300])) == pytest.approx(10 / 3)

    def test_never_within_term(self):
        assert finance.payback(np.array([-1000.0, 100, 100])) is None

    def test_nothing_to_recover(self):
        assert finance.payback(np.array([0.0, 10, 10])) == 0.0

    def test_dip_after_year_zero(self):
        # cum: 0, -50, +10 -> the deficit starts in year 1, recovered 50/60 into year 2.
        assert finance.payback(np.array([0.0, -50, 60])) == pytest.approx(1 + 50 / 60)

    def test_exactly_recovered_at_year_end(self):
        assert finance.payback(np.array([-200.0, 100, 100])) == 2.0

    @given(
        upfront=st.floats(1, 1e9), saving=st.floats(1, 1e9), extra=st.floats(0, 1e9),
        n=st.integers(1, 60),
    )
    def test_payback_is_monotone_in_the_saving(self, upfront, saving, extra, n):
        small = finance.payback(np.array([-upfront] + [saving] * n))
        large = finance.payback(np.array([-upfront] + [saving + extra] * n))
        if small is None:
            return
        assert large is not None and large <= small + 1e-12

    def test_first_saving_year_and_peak_funding(self):
        flows = np.array([-100.0, -50, 0, 80, 200])
        assert finance.first_positive_year(flows) == 3
        assert finance.peak_funding_requirement(flows) == 150.0


class TestRealTerms:
    def test_green_book_table_1(self):
        # Green Book 2022 Table 1: nominal 1,000 at 2% deflator -> 1000, 980, 961, 942, 924, 906.
        real = 1000 * finance.real_terms_factors(5, 0.02)
        assert [round(float(v)) for v in real] == [1000, 980, 961, 942, 924, 906]
