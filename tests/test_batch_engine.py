"""Batch engine: ``irr_many`` and ``appraise_many`` answer exactly what the one-by-one calls answer.

"Exactly" is compared by ``repr``: every float bit for bit (repr round-trips a double), every
reason and root, every field of every appraisal. The second method is the scalar code itself, which
the existing tests check against hand values and numpy-financial; the hand-worked values here check
the batch path on its own as well.
"""

from __future__ import annotations

import copy
import math
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcalc import core
from svcalc.api import examples
from svcalc.api.bench import BENCH_PROPOSAL
from svcalc.api.schemas import ProposalSchema
from svcalc.core import finance
from tests.test_dumping import proposals as raw_proposals

_PROPOSAL = ProposalSchema()


def _every_group_vectorised() -> Any:
    """Run the vectorised path even for a handful of series (the default leaves small groups to
    the scalar irr, which would make the comparison trivially true)."""
    return mock.patch.object(finance, "_MIN_VECTOR_ROWS", 1)


def _newton_spy() -> Any:
    """Records what reaches the vectorised Newton phase (so a test can tell it ran)."""
    return mock.patch.object(finance, "_newton_rows", wraps=finance._newton_rows)


# --------------------------------------------------------------------------- irr_many

_special = st.sampled_from([0.0, -0.0, math.nan, math.inf, -math.inf, 5e-324, -5e-324,
                            1e-300, -1e-300, 1e300, -1e300, 1.7e308, -1.7e308])
_values = st.one_of(st.floats(), st.floats(-1e9, 1e9), _special,
                    st.floats(-1e-280, 1e-280), st.integers(-1000, 1000).map(float))


@st.composite
def _series(draw: st.DrawFn, n: int) -> np.ndarray:
    """n values: mostly one sign change (an outlay, then returns, zeros mixed in), which is what
    the vectorised Newton phase takes; otherwise anything, several sign changes included."""
    kind = draw(st.integers(0, 4))
    if kind == 4:
        return np.array(draw(st.lists(_values, min_size=n, max_size=n)))
    scale = draw(st.sampled_from([1.0, 1.0, 1.0, 1e-300, 1e-160, 1e150, 1e300]))
    head = draw(st.integers(1, n - 1))
    outlay = st.floats(1.0, 1e9) | st.just(0.0)
    income = st.floats(0.0, 1e9) | st.just(0.0)
    if kind == 3:  # extremes among the returns: tiny, huge, infinite or NaN
        income |= _special.map(abs)
    values = [-v * scale for v in draw(st.lists(outlay, min_size=head, max_size=head))]
    values += [v * scale for v in draw(st.lists(income, min_size=n - head, max_size=n - head))]
    if kind == 2:  # a loan: the same flows with the signs reversed
        values = [-v for v in values]
    return np.array(values)


@st.composite
def _batches(draw: st.DrawFn) -> list[np.ndarray]:
    """Series of a few lengths (2..61), so that rows share groups, in random order."""
    lengths = draw(st.lists(st.integers(2, 61), min_size=1, max_size=3))
    return draw(st.lists(st.sampled_from(lengths).flatmap(_series), min_size=1, max_size=25))


def _same(results: list[finance.IrrResult], series: Any) -> None:
    assert len(results) == len(series)
    assert [repr(r) for r in results] == [repr(finance.irr(s)) for s in series]


@settings(max_examples=200, deadline=None)
@given(_batches())
def test_irr_many_is_irr_bit_for_bit(series: list[np.ndarray]) -> None:
    with np.errstate(all="ignore"), _every_group_vectorised():  # the grid path may overflow
        _same(finance.irr_many(series), series)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 61).flatmap(lambda n: st.lists(_series(n), min_size=1, max_size=40)))
def test_irr_many_of_a_matrix_is_irr_of_each_row(rows: list[np.ndarray]) -> None:
    matrix = np.array(rows)
    with np.errstate(all="ignore"), _every_group_vectorised(), _newton_spy() as spy:
        _same(finance.irr_many(matrix), list(matrix))
    # The rows with one sign change, and only those, went through the vectorised phase.
    fast = [r for r in matrix.tolist() if finance._one_sign_change(r)]
    assert spy.call_args[0][0].tolist() == fast
    with np.errstate(all="ignore"):  # at the default threshold too
        _same(finance.irr_many(matrix), list(matrix))


def _vector_newton(flows: list[float]) -> float:
    """What the vectorised Newton phase makes of ``flows`` on its own (NaN: it broke off)."""
    row = np.array([flows])
    assert finance._one_sign_change_rows(row).tolist() == [finance._one_sign_change(flows)]
    return float(finance._newton_rows(row)[0])


def test_rows_the_vectorised_phase_cannot_finish_go_to_the_scalar_irr() -> None:
    conventional = [-1000.0, 0.0, 0.0, 0.0, 0.0, 1610.51]
    # Newton breaks off (a step overshoots to x <= 0 or overflows): bisection finishes, as in irr.
    # By hand: (1+r)^21 = 1e30, r = 10^(30/21) - 1 = 25.826957...
    steep = [-1.0] + [0.0] * 20 + [1e30]
    # (1+r)^20 = 1e-5, r = 10^(-1/4) - 1 = -0.437658...
    shallow = [-1.0] + [0.0] * 19 + [1e-5]
    # Newton converges to x = 200, outside the searched range (r = -99.5%): the grid path says so.
    out_of_range = [-100.0, 0.5]
    several = [-100.0, 230.0, -132.0]  # two sign changes: roots 10% and 20% (by hand)
    assert math.isnan(_vector_newton(steep)) and math.isnan(_vector_newton(shallow))
    assert _vector_newton(out_of_range) == 200.0
    batch = [np.array(s) for s in (conventional, steep, shallow, out_of_range, several)]
    with _every_group_vectorised():
        results = finance.irr_many(batch)
    _same(results, batch)
    assert results[0].value == pytest.approx(0.10, rel=1e-12)  # 1.1^5 = 1.61051
    assert results[1].value == pytest.approx(10 ** (30 / 21) - 1, rel=1e-12)
    assert results[2].value == pytest.approx(10 ** -0.25 - 1, rel=1e-12)
    assert results[3].value is None and "no rate between -99%" in results[3].reason
    assert results[4].value is None
    assert [round(r, 9) for r in results[4].roots] == [0.1, 0.2]


def test_irr_many_hand_values_at_the_default_threshold() -> None:
    # 40 series of 11 values: -1000 then an annuity of 162.745394883 for 10 years. By hand, the
    # annuity factor at 10% is (1 - 1.1^-10) / 0.1 = 6.144567106, and 1000 / 6.144567106 =
    # 162.745394883: the IRR is 10%. Scaling a series does not change its IRR.
    pmt = 1000.0 / ((1.0 - 1.1 ** -10) / 0.1)
    assert pmt == pytest.approx(162.745394883, rel=1e-10)
    series = np.array([[-1000.0 * k] + [pmt * k] * 10 for k in range(1, 41)])
    with _newton_spy() as spy:
        results = finance.irr_many(series)
    assert spy.call_args[0][0].shape == (40, 11)  # the vectorised path, not the fallback
    _same(results, list(series))
    assert all(r.value == pytest.approx(0.10, rel=1e-10) for r in results)
    assert all(r.reason is None and r.roots == (r.value,) for r in results)


def test_irr_many_of_nothing_and_of_odd_shapes() -> None:
    assert finance.irr_many([]) == []
    odd = [np.array([]), np.array([5.0]), np.arange(120.0) - 10.0, [-100.0, 110.0]]
    _same(finance.irr_many(odd), odd)


@pytest.mark.parametrize("flows", [[-100.0, 39, 59, 55, 20], [-100.0, 230, -132],
                                   [0.0, 0.0], [np.nan, 1.0], [-np.inf, 1.0]])
def test_one_sign_change_rows_is_the_scalar_test(flows: list[float]) -> None:
    row = np.array([flows])
    assert finance._one_sign_change_rows(row).tolist() == [finance._one_sign_change(flows)]


@given(st.lists(st.lists(_values, min_size=5, max_size=5), min_size=1, max_size=20))
def test_one_sign_change_rows_on_any_values(rows: list[list[float]]) -> None:
    expected = [finance._one_sign_change(r) for r in rows]
    assert finance._one_sign_change_rows(np.array(rows)).tolist() == expected


# --------------------------------------------------------------------------- appraise_many


def _same_appraisals(proposals: list[core.Proposal]) -> None:
    with np.errstate(all="ignore"):
        many = core.appraise_many(proposals)
        one_by_one = [core.appraise(p) for p in proposals]
    assert many == one_by_one
    assert repr(many) == repr(one_by_one)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(raw_proposals(), min_size=1, max_size=6))
def test_appraise_many_is_appraise_of_each(raws: list[dict[str, Any]]) -> None:
    proposals = [_PROPOSAL.load(r) for r in raws]
    with _every_group_vectorised():
        _same_appraisals(proposals)


def test_appraise_many_of_the_examples() -> None:
    raws = [examples.PROPOSAL, BENCH_PROPOSAL]
    for i in range(20):  # 40 distinct proposals of two terms: both groups take the vector path
        for raw in (examples.PROPOSAL, BENCH_PROPOSAL):
            p = copy.deepcopy(raw)
            p["name"] = f"bid {i}"
            p["supplier"]["upfront_investment"] += 10_000 * i
            raws.append(p)
    proposals = [_PROPOSAL.load(r) for r in raws]
    with _newton_spy() as spy:
        _same_appraisals(proposals)
    # Both sides of 21 proposals of each term: two groups of 42 series, vectorised.
    assert sorted(c[0][0].shape for c in spy.call_args_list) == [(42, 11), (42, 26)]
    _same_appraisals(proposals[:3])  # a small batch: the scalar path
    assert core.appraise_many([]) == []


def test_appraise_many_raises_what_appraise_raises() -> None:
    good = _PROPOSAL.load(examples.PROPOSAL)
    bad = core.Proposal(term_years=5, public=core.PublicSide(
        baseline_annual_cost=1.0, annual_payment=[1.0, 2.0], upfront_costs=core.UpfrontCosts()),
        supplier=core.SupplierSide(annual_operating_cost=1.0))
    with pytest.raises(core.ProposalError) as single:
        core.appraise(bad)
    with pytest.raises(core.ProposalError) as batch:
        core.appraise_many([good, bad])
    assert (str(batch.value), batch.value.pointer) == (str(single.value), single.value.pointer)
