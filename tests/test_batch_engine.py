"""Batch engine: ``irr_many`` and ``appraise_many`` answer exactly what the one-by-one calls answer.

"Exactly" is compared by ``repr``: every float bit for bit (repr round-trips a double), every
reason and root, every field of every appraisal. The second method is the scalar code itself, which
the existing tests check against hand values and numpy-financial; the hand-worked values here check
the batch path on its own as well.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
from collections.abc import Iterator
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
from svcalc.core import batch, finance
from svcalc.core.model import Proposal, PublicSide, RiskInput, SupplierSide, UpfrontCosts
from tests.test_dumping import proposals as raw_proposals

_PROPOSAL = ProposalSchema()


@contextlib.contextmanager
def _every_group_vectorised() -> Iterator[None]:
    """Run the vectorised paths even for a handful of series or proposals (the defaults leave
    small groups to the scalar irr and appraise, which would make the comparison trivially
    true)."""
    with mock.patch.object(finance, "_MIN_VECTOR_ROWS", 1), \
            mock.patch.object(batch, "_MIN_GROUP_ROWS", 1):
        yield


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


def test_appraise_many_takes_the_group_path_for_groups_of_a_term() -> None:
    raws = []
    for i in range(batch._MIN_GROUP_ROWS + 1):
        p = copy.deepcopy(BENCH_PROPOSAL)
        p["name"] = f"bid {i}"
        p["supplier"]["upfront_investment"] += 10_000 * i
        raws.append(p)
    raws.append(copy.deepcopy(examples.PROPOSAL))  # a term of its own: appraised one by one
    proposals = [_PROPOSAL.load(r) for r in raws]
    assert batch._resolve_terms(proposals) is not None  # resolved as arrays, term by term
    with mock.patch.object(batch, "_group", wraps=batch._group) as spy:
        _same_appraisals(proposals)
    assert [len(c[0][0]) for c in spy.call_args_list] == [len(raws) - 1]


# --------------------------------------------------------------------------- the group figures

_row_values = st.one_of(st.floats(-1e9, 1e9), st.integers(-1000, 1000).map(float),
                        _special, st.floats(-1e-300, 1e-300))


@st.composite
def _rows(draw: st.DrawFn) -> np.ndarray:
    """A (k, n) matrix: rows shaped like net flows (an outlay, then returns, zeros, a relapse)
    or anything, NaN, infinities and signed zeros included."""
    n = draw(st.integers(1, 62))
    k = draw(st.integers(1, 12))
    rows = []
    for _ in range(k):
        if draw(st.booleans()):
            rows.append(draw(st.lists(_row_values, min_size=n, max_size=n)))
        else:
            outlay = draw(st.floats(0.0, 1e7))
            yearly = draw(st.lists(st.floats(-2e6, 3e6) | st.just(0.0), min_size=n - 1,
                                   max_size=n - 1))
            rows.append([-outlay, *yearly])
    return np.array(rows, dtype=float).reshape(k, n)


@settings(max_examples=300, deadline=None)
@given(_rows())
def test_figures_of_many_rows_are_the_scalar_figures_bit_for_bit(rows: np.ndarray) -> None:
    # Outside np.errstate: like the scalar loops, the *_many functions never warn (and the
    # suite turns warnings into errors).
    for many, one in ((finance.payback_many, finance.payback),
                      (finance.peak_funding_requirement_many, finance.peak_funding_requirement),
                      (finance.first_positive_year_many, finance.first_positive_year)):
        assert repr(many(rows)) == repr([one(r) for r in rows]), many.__name__


@pytest.mark.parametrize(("flows", "payback", "peak", "first"), [
    ([0.0, 0.0, 0.0], 0.0, 0.0, None),  # all zeros: never negative, pays back at once
    ([-100.0, 10.0, 10.0], None, 100.0, 1),  # never recovers
    ([-100.0, 50.0, 50.0], 2.0, 100.0, 1),  # cum -100, -50, 0: exactly at the end of year 2
    ([-100.0, 100.0, 5.0], 1.0, 100.0, 1),  # exactly at the end of year 1
    ([-0.0, -0.0, 0.0], 0.0, 0.0, None),  # negative zeros never count as negative
    ([-1e300, 0.0, 4e300], 1.25, 1e300, 2),  # by hand: 1 + 1e300 / 4e300
    ([-5e-324, 0.0, 5e-324, 5e-324], 2.0, 5e-324, 2),  # denormals: cum 0 in year 2, 1 + 1
    ([-1000.0, 300.0, 300.0, 300.0, 300.0], 3.0 + 100.0 / 300.0, 1000.0, 1),
    ([50.0, -80.0, 10.0, 40.0], 2.5, 30.0, 2),  # cum 50, -30, -20, 20: 2 + 20/40
    ([10.0, np.nan, 5.0], 0.0, 0.0, 2),  # NaN is never negative
    ([-10.0, np.nan, 5.0], 0.0 + 10.0 / np.nan, 10.0, 2),  # NaN "recovers" (the scalar rule)
    ([-10.0, np.inf, -np.inf], 0.0, 10.0, 1),  # cum -10, inf, NaN: 0 + 10/inf
])
def test_figures_of_many_rows_edge_cases(flows: list[float], payback: float | None,
                                         peak: float, first: int | None) -> None:
    rows = np.array([flows, flows[::-1]])
    with np.errstate(all="ignore"):
        assert repr(finance.payback_many(rows)) == repr([finance.payback(r) for r in rows])
        got = finance.payback_many(rows)[0]
        assert repr(got) == repr(payback)
        assert finance.peak_funding_requirement_many(rows)[0] == peak
        assert finance.first_positive_year_many(rows)[0] == first
        assert repr(finance.peak_funding_requirement_many(rows)) == repr(
            [finance.peak_funding_requirement(r) for r in rows])


def test_row_reductions_are_the_one_dimensional_ones() -> None:
    # batch.py relies on these: numpy's pairwise sum of each row of a matrix is the sum of that
    # row alone, and a row's ddot is the same wherever the row lies in memory.
    rng = np.random.default_rng(20261123)
    for n in range(1, 62):
        rows = rng.standard_normal((9, n)) * rng.choice([1.0, 1e6, 1e12], size=(9, 1))
        v = rng.standard_normal(n)
        assert np.add.reduce(rows, axis=1).tolist() == [float(np.array(r).sum()) for r in rows]
        dots = [float(np.array(r).dot(v)) for r in rows]
        assert batch._dots(rows, np.array([v] * 9)) == dots
        shifted = np.concatenate((rng.standard_normal((9, 1)), np.array([v] * 9)), axis=1)
        assert batch._dots(rows, shifted[:, 1:]) == dots  # rows of a view, as pdf[:, 1:]
        with mock.patch.object(batch, "_vecdot", None):  # numpy 1.x: one dot a row
            assert batch._dots(rows, np.array([v] * 9)) == dots
        assert np.cumsum(rows, axis=1)[:, -1].tolist() == [math.fsum([]) + _left_to_right(r)
                                                           for r in rows.tolist()]


def _left_to_right(values: list[float]) -> float:
    total = 0.0
    for v in values:
        total += v
    return total


_core_values = st.one_of(st.floats(0.0, 2e7), st.just(0.0), st.just(-0.0),
                         st.sampled_from([1e300, 5e-324, 1e-300, -3e6, 1e15]))


@st.composite
def _core_proposals(draw: st.DrawFn) -> list[Proposal]:
    """Proposals built directly (no API bounds: signed zeros, denormals, huge and negative
    amounts), of two terms so that each term forms a group."""
    terms = draw(st.lists(st.sampled_from([1, 2, 5, 25, 60]), min_size=1, max_size=2))
    out = []
    for i in range(draw(st.integers(1, 8))):
        n = draw(st.sampled_from(terms))

        def yearly(n: int = n) -> Any:
            # lists (the API's), or tuples and arrays, which the batch resolves one by one
            return draw(_core_values | st.lists(_core_values, min_size=n, max_size=n).map(
                draw(st.sampled_from([list, list, list, tuple, np.array]))))

        upfront = UpfrontCosts(*(draw(st.none() | _core_values) for _ in range(5)))
        risk = draw(st.none() | st.builds(
            RiskInput, st.sampled_from([None, "outsourcing", "standard_buildings",
                                        "equipment_development"]),
            st.sampled_from([0.0, 0.5, 1.0])))
        out.append(Proposal(
            term_years=n, name=f"p{i}",
            public=PublicSide(yearly(), yearly(), upfront, yearly(),
                              draw(st.sampled_from([None, None, 0.0, 0.035, -0.02, 0.5]))),
            supplier=SupplierSide(yearly(), draw(_core_values), yearly(),
                                  draw(st.sampled_from([0.0, 0.08, 0.12]))),
            partnership_model=draw(st.sampled_from(["outsourcing", "channel_shift", "other"])),
            risk=risk))
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_core_proposals())
def test_appraise_many_is_appraise_of_each_beyond_the_api_bounds(
        proposals: list[Proposal]) -> None:
    with _every_group_vectorised(), np.errstate(all="ignore"):
        try:
            expected = repr([core.appraise(p) for p in proposals])
        except Exception as e:  # noqa: BLE001 - whatever appraise raises, the batch must
            with pytest.raises(type(e)) as raised:
                core.appraise_many(proposals)
            assert str(raised.value) == str(e)
            return
        assert repr(core.appraise_many(proposals)) == expected


def test_appraise_many_resolves_odd_yearly_values_as_appraise_does() -> None:
    def proposal(payment: Any, n: int = 3) -> Proposal:
        return Proposal(term_years=n, public=PublicSide(
            baseline_annual_cost=1000.0, annual_payment=payment,
            upfront_costs=UpfrontCosts(procurement=10.0)),
            supplier=SupplierSide(annual_operating_cost=[700.0, 800, 900]))
    fine = [proposal(p) for p in (850.0, [800.0, 850, 900], (800.0, 850, 900),
                                  np.array([800.0, 850, 900]), True, [1, 2, 3])]
    assert batch._resolve_terms(fine[:3]) is not None  # numbers, lists, tuples: all at once
    assert batch._resolve_terms(fine) is None  # an array: one by one
    with _every_group_vectorised():
        _same_appraisals(fine)
        _same_appraisals(fine[:3])
    _same_appraisals(fine)  # a term of too few proposals: one by one (from _resolve, as here)
    for bad in ([[1.0, 2.0]] * 3, [1.0, 2.0], "abc", [1.0, "x", 2.0]):
        with pytest.raises(Exception) as single:  # noqa: PT011 - whatever appraise raises
            core.appraise(proposal(bad))
        with pytest.raises(type(single.value)) as many:
            core.appraise_many([*fine[:3], proposal(bad), fine[0]])
        assert str(many.value) == str(single.value)


def test_appraise_many_raises_what_appraise_raises_from_a_group() -> None:
    # A rule only the appraisal checks (mitigation in 0..1), met by a proposal in the middle of
    # a group of one term: the group's figures are not used, and the batch raises the error of
    # the first proposal that appraise refuses.
    good = [_PROPOSAL.load(BENCH_PROPOSAL) for _ in range(batch._MIN_GROUP_ROWS + 2)]
    bad = [dataclasses.replace(good[0], risk=RiskInput(mitigation=m)) for m in (1.5, -0.1)]
    bad.append(dataclasses.replace(good[0], risk=RiskInput(project_type="castles")))
    for first, second in ((bad[0], bad[2]), (bad[2], bad[1])):
        with pytest.raises(core.ProposalError) as single:
            core.appraise(first)
        batch_ = [*good[:2], first, *good[2:4], second, *good[4:]]
        with pytest.raises(core.ProposalError) as many:
            core.appraise_many(batch_)
        assert (str(many.value), many.value.pointer) == (str(single.value), single.value.pointer)
