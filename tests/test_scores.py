"""The Benefit, Support and Acceptability scores (DESIGN.md 5): boundaries and each component."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcalc.core.model import Acceptability
from svcalc.core.scores import acceptability_score, benefit_score, support_score

# ----------------------------------------------------------------------------- Support


@pytest.mark.parametrize("ratio, expected", [
    (0.5, 0.0), (0.8, 0.0), (0.81, 2.5), (0.9, 25.0), (1.0, 50.0), (1.1, 75.0), (1.19, 97.5),
    (1.2, 100.0), (1.21, 100.0), (3.0, 100.0),
])
def test_support_boundaries(ratio, expected):
    # Linear: 0 at 0.8, 50 at 1.0, 100 at 1.2 -> 250 points per unit of ratio.
    s = support_score(support_ratio=2.0, support_ratio_risk_adjusted=ratio)
    assert s.score == pytest.approx(expected)
    assert s.coverage == 1.0 and s.missing == []


def test_support_reads_the_risk_adjusted_ratio_not_the_stated_one():
    s = support_score(support_ratio=1.5, support_ratio_risk_adjusted=0.9)
    assert s.score == pytest.approx(25.0)
    assert "1.5000" in s.note


def test_support_missing_ratio_is_named_not_scored():
    s = support_score(support_ratio=None, support_ratio_risk_adjusted=None)
    assert s.score is None and s.coverage == 0.0
    assert s.missing == ["support_ratio_risk_adjusted"]


# ----------------------------------------------------------------------------- Benefit

ALL_HOLD = dict(public_npv=10.0, public_npv_risk_adjusted=5.0, supplier_npv=3.0,
                supplier_npv_risk_adjusted=1.0, social_value=2.0, social_value_risk_adjusted=1.0,
                jobs_lost=0)


def test_benefit_full_when_everything_holds_risk_adjusted():
    s = benefit_score(**ALL_HOLD)
    assert s.score == pytest.approx(100.0)
    assert [c.credit for c in s.components] == [1.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize("stated, risk_adjusted, component", [
    ("public_npv", "public_npv_risk_adjusted", 0),
    ("supplier_npv", "supplier_npv_risk_adjusted", 1),
    ("social_value", "social_value_risk_adjusted", 2),
])
def test_benefit_each_two_view_component(stated, risk_adjusted, component):
    # Holding only as stated: half credit, 25 * 0.5 = 12.5 points lost.
    half = benefit_score(**{**ALL_HOLD, risk_adjusted: -1.0})
    assert half.components[component].credit == 0.5
    assert half.score == pytest.approx(87.5)
    # Failing in both views: no credit, 25 points lost.
    none = benefit_score(**{**ALL_HOLD, stated: -1.0, risk_adjusted: -1.0})
    assert none.components[component].credit == 0.0
    assert none.score == pytest.approx(75.0)


def test_benefit_thresholds_public_strict_supplier_not():
    # Public NPV must be > 0; the supplier only has to cover its cost of capital (NPV >= 0).
    s = benefit_score(**{**ALL_HOLD, "public_npv": 0.0, "public_npv_risk_adjusted": 0.0,
                         "supplier_npv": 0.0, "supplier_npv_risk_adjusted": 0.0})
    assert s.components[0].credit == 0.0
    assert s.components[1].credit == 1.0


def test_benefit_workforce_component():
    assert benefit_score(**{**ALL_HOLD, "jobs_lost": 3}).score == pytest.approx(75.0)
    missing = benefit_score(**{**ALL_HOLD, "jobs_lost": None})
    # Three of four components present, all full: 100 over 75% coverage, the gap named.
    assert missing.score == pytest.approx(100.0)
    assert missing.coverage == pytest.approx(0.75)
    assert missing.missing == ["acceptability.jobs_lost"]


def test_benefit_missing_social_value_is_named_not_scored():
    s = benefit_score(**{**ALL_HOLD, "social_value": None, "social_value_risk_adjusted": None,
                         "public_npv_risk_adjusted": -1.0})
    assert s.missing == ["social_value"]
    assert s.components[2].credit is None
    # (0.25*0.5 + 0.25 + 0.25) / 0.75 = 83.33
    assert s.score == pytest.approx(250 / 3)


# ----------------------------------------------------------------------------- Acceptability

BEST = Acceptability(citizen_support=1.0, staff_support=1.0, assisted_digital=True,
                     retains_face_to_face=True, open_book=True, performance_regime=True,
                     jobs_transferred=100, jobs_lost=0)
WEIGHTS = {"citizen_support": 0.25, "staff_support": 0.15, "assisted_digital": 0.125,
           "retains_face_to_face": 0.125, "open_book": 0.1, "performance_regime": 0.15,
           "workforce": 0.1}


def test_acceptability_full_marks():
    s = acceptability_score(BEST, digital_share_target=0.5)
    assert s.score == pytest.approx(100.0) and s.coverage == pytest.approx(1.0)
    assert {c.name: c.weight for c in s.components} == WEIGHTS


@pytest.mark.parametrize("field, worst, component", [
    ("citizen_support", 0.0, "citizen_support"),
    ("staff_support", 0.0, "staff_support"),
    ("assisted_digital", False, "assisted_digital"),
    ("retains_face_to_face", False, "retains_face_to_face"),
    ("open_book", False, "open_book"),
    ("performance_regime", False, "performance_regime"),
    ("jobs_lost", 100, "workforce"),
])
def test_acceptability_each_component_costs_its_weight(field, worst, component):
    # jobs_lost 100 with 100 transferred: half of the affected jobs kept -> half credit.
    s = acceptability_score(dataclasses.replace(BEST, **{field: worst}),
                            digital_share_target=None)
    lost = WEIGHTS[component] * (0.5 if field == "jobs_lost" else 1.0)
    assert s.score == pytest.approx(100.0 * (1 - lost))


def test_acceptability_support_shares_are_linear():
    s = acceptability_score(dataclasses.replace(BEST, citizen_support=0.6),
                            digital_share_target=None)
    assert s.score == pytest.approx(100.0 - 0.25 * 40)


@pytest.mark.parametrize("target, penalty", [(0.89, 0.0), (0.90, 0.0), (0.9001, 15.0),
                                             (1.0, 15.0)])
def test_acceptability_digital_ceiling_penalty(target, penalty):
    s = acceptability_score(BEST, digital_share_target=target)
    assert s.penalty == penalty
    assert s.score == pytest.approx(100.0 - penalty)


def test_acceptability_penalty_never_below_zero():
    worst = Acceptability(0.0, 0.0, False, False, False, False, 0, 10)
    s = acceptability_score(worst, digital_share_target=0.99)
    assert s.score == 0.0 and s.penalty == 0.0


def test_acceptability_missing_inputs_are_named():
    s = acceptability_score(None, digital_share_target=None)
    assert s.score is None and s.coverage == 0.0
    assert s.missing == [f"acceptability.{n}" for n in (
        "citizen_support", "staff_support", "assisted_digital", "retains_face_to_face",
        "open_book", "performance_regime", "jobs_transferred", "jobs_lost")]
    partial = acceptability_score(Acceptability(citizen_support=0.8, open_book=False),
                                  digital_share_target=None)
    # (0.25*0.8 + 0.1*0) / 0.35 = 57.14; coverage 0.35.
    assert partial.score == pytest.approx(100 * 0.2 / 0.35)
    assert partial.coverage == pytest.approx(0.35)
    assert "acceptability.open_book" not in partial.missing


# ----------------------------------------------------------------------------- properties


@settings(max_examples=100, deadline=None, derandomize=True)
@given(a=st.floats(0.0, 5.0), b=st.floats(0.0, 5.0))
def test_support_is_monotone_and_bounded(a, b):
    lo, hi = sorted((a, b))
    s_lo = support_score(support_ratio=lo, support_ratio_risk_adjusted=lo).score
    s_hi = support_score(support_ratio=hi, support_ratio_risk_adjusted=hi).score
    assert 0.0 <= s_lo <= s_hi <= 100.0


@settings(max_examples=100, deadline=None, derandomize=True)
@given(citizens=st.none() | st.floats(0.0, 1.0), staff=st.none() | st.floats(0.0, 1.0),
       flags=st.lists(st.none() | st.booleans(), min_size=4, max_size=4),
       transferred=st.none() | st.integers(0, 1000), lost=st.none() | st.integers(0, 1000),
       target=st.none() | st.floats(0.0, 1.0))
def test_acceptability_is_bounded_and_names_every_gap(citizens, staff, flags, transferred, lost,
                                                      target):
    acc = Acceptability(citizens, staff, *flags, transferred, lost)
    s = acceptability_score(acc, digital_share_target=target)
    assert s.score is None or 0.0 <= s.score <= 100.0
    absent = [c.name for c in s.components if c.credit is None]
    assert (s.score is None) == (len(absent) == len(s.components))
    assert len(s.missing) >= len(absent)
