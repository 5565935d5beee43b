"""Monetised social value (DESIGN.md 4.5): adjustments, drop-off, discounting, proxies."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcalc.core import appraise
from svcalc.core.model import Outcome, Proposal, PublicSide, SocialValue, SupplierSide
from svcalc.core.social_value import (
    evidence_haircut,
    outcome_values,
    proxy_unit_values,
    social_value_figures,
)


def _outcome(**kw) -> Outcome:
    base = dict(name="o", quantity=10.0, start_year=1, duration_years=3, evidence_grade=1,
                unit_value=1000.0, source="test")
    return Outcome(**{**base, **kw})


shares = st.floats(0.0, 1.0)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(q=st.floats(0.0, 1e6), u=st.floats(-1e5, 1e5), a=shares, p=shares, r=shares,
       start=st.integers(1, 60), dur=st.integers(1, 60))
def test_full_deadweight_gives_zero(q, u, a, p, r, start, dur):
    o = _outcome(quantity=q, unit_value=u, deadweight=1.0, attribution=a, displacement=p,
                 drop_off=r, start_year=start, duration_years=dur)
    assert not outcome_values(o, start + dur).any()


@settings(max_examples=80, deadline=None, derandomize=True)
@given(which=st.sampled_from(["deadweight", "attribution", "displacement", "drop_off"]),
       lo=shares, hi=shares, base=st.tuples(shares, shares, shares, shares),
       q=st.floats(0.0, 1e6), u=st.floats(0.0, 1e5), dur=st.integers(1, 40))
def test_each_adjustment_is_monotone(which, lo, hi, base, q, u, dur):
    lo, hi = sorted((lo, hi))
    kw = dict(zip(("deadweight", "attribution", "displacement", "drop_off"), base, strict=True))
    sv_lo = SocialValue((_outcome(quantity=q, unit_value=u, duration_years=dur,
                                  **{**kw, which: lo}),))
    sv_hi = SocialValue((_outcome(quantity=q, unit_value=u, duration_years=dur,
                                  **{**kw, which: hi}),))
    pv_lo = social_value_figures(sv_lo, None, 1.0)[0]
    pv_hi = social_value_figures(sv_hi, None, 1.0)[0]
    assert pv_hi <= pv_lo * (1 + 1e-12) + 1e-9


def test_drop_off_schedule_exact():
    # 100 units x 10 = 1,000 in the first year (year 2), then 20% lost each year:
    # 1,000, 800, 640, 512 in years 2..5; nothing before or after.
    o = _outcome(quantity=100.0, unit_value=10.0, start_year=2, duration_years=4, drop_off=0.2)
    assert outcome_values(o, 7).tolist() == pytest.approx([0, 0, 1000, 800, 640, 512, 0, 0])


def test_present_value_by_hand():
    # 10 x 1,000 x (1-0.1)(1-0.2)(1-0) = 7,200 in year 1; drop-off 10%: 6,480, 5,832.
    # PV at 3.5%: 7,200/1.035 + 6,480/1.035^2 + 5,832/1.035^3
    # (1.035^3 = 1.108717875) = 6,956.5217 + 6,049.1493 + 5,260.1299 = 18,265.8009
    o = _outcome(deadweight=0.1, attribution=0.2, drop_off=0.1, evidence_grade=3)
    pv, pv_ra, share, rows, _ = social_value_figures(SocialValue((o,)), None, 182_658.009)
    assert pv == pytest.approx(18_265.8009, abs=1e-3)
    # Grade 3 haircut 25%: 0.75 x 18,265.8009 = 13,699.3507.
    assert pv_ra == pytest.approx(13_699.3507, abs=1e-3)
    assert share == pytest.approx(0.1, rel=1e-6)
    (row,) = rows
    assert row.gross_value == pytest.approx(30_000.0)
    assert row.adjusted_value == pytest.approx(7_200 + 6_480 + 5_832)
    assert row.adjustment_factor == pytest.approx(0.72)
    assert row.haircut == 0.25 and row.price_year is None and row.source == "test"


def test_outcome_past_year_thirty_uses_the_lower_rate():
    # 1,000 a year in years 30 and 31: DF_30 = 1.035^-30, DF_31 = DF_30 / 1.03 (3.0% band).
    o = _outcome(quantity=1.0, start_year=30, duration_years=2)
    pv = social_value_figures(SocialValue((o,)), None, 1.0)[0]
    df30 = 1.035 ** -30
    assert pv == pytest.approx(1000 * (df30 + df30 / 1.03))
    # A flat public rate is used when the proposal gives one.
    assert social_value_figures(SocialValue((o,)), 0.05, 1.0)[0] == pytest.approx(
        1000 * (1.05 ** -30 + 1.05 ** -31))


def test_evidence_haircuts_start_at_zero_and_grow():
    cuts = [evidence_haircut(g) for g in range(1, 6)]
    assert cuts[0] == 0.0
    assert cuts == sorted(cuts)


def test_wellby_proxy():
    # 2 WELLBYs a year for 1 year at 13,000 (Green Book 2019 prices), discounted one year.
    o = Outcome("wellbeing", 2.0, 1, 1, 1, proxy="wellby")
    pv, _, _, rows, notes = social_value_figures(SocialValue((o,)), None, 1.0)
    assert pv == pytest.approx(26_000 / 1.035)
    assert rows[0].unit_value == 13_000.0 and rows[0].price_year == 2019
    assert "price_year" in notes


def test_carbon_proxy_interpolates_geometrically_between_published_years():
    years = np.array([2021, 2036, 2050])
    values = proxy_unit_values("carbon", years)
    assert values[0] == pytest.approx(245.0)
    assert values[2] == pytest.approx(378.0)
    assert values[1] == pytest.approx(245.0 * (378.0 / 245.0) ** (15 / 29))
    # Outcome in contract year 1 with year 0 = 2020 -> calendar 2021 -> 245 per tonne.
    o = Outcome("carbon", 100.0, 1, 1, 1, proxy="carbon")
    pv = social_value_figures(SocialValue((o,), base_calendar_year=2020), None, 1.0)[0]
    assert pv == pytest.approx(24_500 / 1.035)


def test_share_of_contract_value_through_appraise():
    # Payments 1,000,000 a year for 2 years: PV = 1e6/1.035 + 1e6/1.035^2 = 1,899,694.27.
    # Social value 19,000 a year, unadjusted: PV = 19,000/1.035 + 19,000/1.035^2.
    # Share = 19,000 / 1,000,000 = 1.9% whatever the discounting.
    p = Proposal(
        term_years=2,
        public=PublicSide(baseline_annual_cost=1_100_000.0, annual_payment=1_000_000.0),
        supplier=SupplierSide(annual_operating_cost=900_000.0),
        social_value=SocialValue((_outcome(quantity=19.0, duration_years=2, deadweight=0.0),)),
    )
    sv = appraise(p).social_value
    assert sv is not None
    assert sv.present_value == pytest.approx(19_000 / 1.035 + 19_000 / 1.035 ** 2)
    assert sv.share_of_contract_value == pytest.approx(0.019)


def test_no_block_means_no_social_value_and_it_is_said():
    p = Proposal(term_years=2, public=PublicSide(1.0, 1.0), supplier=SupplierSide(1.0))
    sv = appraise(p).social_value
    assert sv.present_value == 0.0 and sv.outcomes == []
    assert sv.share_of_contract_value is None and "present_value" in sv.notes
    assert "social_value" in sv.scores.benefit.missing


def test_zero_payments_give_null_share():
    o = _outcome()
    _, _, share, _, notes = social_value_figures(SocialValue((o,)), None, 0.0)
    assert share is None and "share_of_contract_value" in notes
    assert math.isfinite(social_value_figures(SocialValue((o,)), None, 1.0)[0])
