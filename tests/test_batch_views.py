"""The per-proposal views' shortcuts against the code they stand in for.

appraise_many's group figures for the sensitivity view (``batch._sensitivity`` +
``sensitivity.closed_forms``) against ``analyse(levers(...))``; and the caches and fast paths of
the views themselves (``flags.money``, ``reference.vfm_category``, ``risk.assumptions``, the
Benefit and Support scores, ``verdict._ordered``) against the general code, worked out afresh.
Compared by ``repr`` where floats are involved (bit for bit).
"""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcalc.api.bench import BENCH_PROPOSAL
from svcalc.api.schemas import ProposalSchema
from svcalc.core import batch, flags, reference, risk, scores, sensitivity, verdict
from svcalc.core.model import (
    Flag,
    Proposal,
    PublicSide,
    RiskInput,
    ScoreComponent,
    SupplierSide,
    UpfrontCosts,
)
from svcalc.core.risk import assumptions
from tests.test_verdict import changed

_PROPOSAL = ProposalSchema()

# --------------------------------------------------------------------------- sensitivity


def _group_sensitivity(proposals: list[Proposal]) -> list[tuple[Any, Any]]:
    """(closed_forms from the group's figures or None, analyse(levers)) of each proposal of one
    term, through the group path."""
    terms = batch._resolve_terms(proposals)
    assert terms is not None
    out = []
    for term in terms:
        assert term.m is not None
        group = [proposals[i] for i in term.where]
        pre = batch._group(group, term.m,
                           [assumptions(p, f.public_upfront)
                            for p, f in zip(group, term.flows, strict=True)])
        for pr, f, pub, sup in zip(pre, term.flows, term.pubs, term.sups, strict=True):
            pnpv, snpv = pr.public[0], pr.supplier[0]
            scalar = sensitivity.analyse(sensitivity.levers(f, pub, sup, pnpv, snpv))
            fast = (None if pr.sensitivity is None
                    else sensitivity.closed_forms(pnpv, snpv, *pr.sensitivity))
            out.append((fast, scalar))
    return out


_amounts = st.one_of(st.floats(0.0, 2e7), st.just(0.0), st.just(-0.0),
                     st.sampled_from([1e300, 5e-324, -3e6, 1e15, 1.0]))


@st.composite
def _one_term(draw: st.DrawFn) -> list[Proposal]:
    n = draw(st.sampled_from([1, 2, 7, 25]))
    out = []
    for i in range(draw(st.integers(6, 10))):
        def yearly() -> Any:
            return draw(_amounts | st.lists(_amounts, min_size=n, max_size=n))
        out.append(Proposal(
            term_years=n, name=f"p{i}",
            public=PublicSide(yearly(), yearly(),
                              UpfrontCosts(*(draw(st.none() | _amounts) for _ in range(5))),
                              yearly(), draw(st.sampled_from([None, 0.0, 0.035, 0.5]))),
            supplier=SupplierSide(yearly(), draw(_amounts), yearly(),
                                  draw(st.sampled_from([0.0, 0.08])))))
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_one_term())
def test_closed_forms_are_analyse_of_the_levers(proposals: list[Proposal]) -> None:
    with np.errstate(all="ignore"):
        for fast, scalar in _group_sensitivity(proposals):
            if fast is not None:
                assert repr(fast) == repr(scalar)


def _bench(i: int, **changes: Any) -> dict[str, Any]:
    p = copy.deepcopy(BENCH_PROPOSAL)
    p["name"] = f"bid {i}"
    p["supplier"]["upfront_investment"] += 10_000 * i
    out: dict[str, Any] = changed(p, **changes)
    return out


def test_closed_forms_take_every_kind_and_leave_a_zero_slope_to_analyse() -> None:
    raws = [_bench(i) for i in range(6)]
    # a switching value below -100%: a public NPV below zero that even removing the yearly
    # saving (negative here: the payment exceeds the baseline) cannot bring to zero, and one
    # outside the range above (a tiny supplier opex against a large NPV)
    raws.append(_bench(6, public__annual_payment=20_000_000.0))
    raws.append(_bench(7, supplier__annual_operating_cost=1.0))
    # no upfront costs: the upfront lever's slope is zero, so analyse works it out
    raws.append(_bench(8, public__upfront_costs={"procurement": 0.0, "transition": 0.0}))
    proposals = [_PROPOSAL.load(r) for r in raws]
    pairs = _group_sensitivity(proposals)
    kinds = set()
    for fast, scalar in pairs[:-1]:
        assert fast is not None
        assert repr(fast) == repr(scalar)
        for sv in fast.switching_values:
            kinds.add("value" if sv.reason is None else sv.reason.split()[1])
    assert kinds == {"value", "cut", "change"}  # in range, below it, outside it
    fast, scalar = pairs[-1]
    assert fast is None
    assert "does not depend" in scalar.switching_values[1].reason


def test_the_tornado_order_is_the_stable_sort_for_equal_swings() -> None:
    # three levers of the same swing: the sort keeps lever order, as argsort(kind="stable")
    points = [[1.0, 2.0, 3.0, 4.0, 5.0]] * 3
    fast = sensitivity.closed_forms(10.0, 20.0, [0.5, 0.5, 0.5], [0, 1, 2], points,
                                    np.argsort(-np.array([5.0, 5.0, 5.0]), kind="stable").tolist())
    assert [r.input for r in fast.tornado] == [name for name, *_ in sensitivity.LEVERS]
    assert [sv.switching_value for sv in fast.switching_values] == [0.5, None, None]
    assert [sv.npv for sv in fast.switching_values] == [10.0, 10.0, 20.0]


# --------------------------------------------------------------------------- money


@given(st.floats(allow_nan=False) | st.integers(-10**12, 10**12),
       st.sampled_from(["GBP", "EUR", "USD", "CHF"]))
def test_money_is_its_formatting(value: float, currency: str) -> None:
    assert flags.money(value, currency) == flags._money(value, currency)
    assert flags.money(value, currency) == flags.money(value, currency)


def test_money_by_hand_and_its_cache_is_bounded() -> None:
    assert [flags.money(v) for v in (1_234_567.0, -350_000.0, 900.0, 0.0, -0.0, 999.5, 2.5e9)] \
        == ["£1.23m", "-£350k", "£900", "£0", "£0", "£1,000", "£2.50bn"]
    assert flags.money(-0.0) == flags._money(-0.0, "GBP") == "£0"  # 0.0 and -0.0: one text
    assert flags.money(12.0, "USD") == "$12"
    assert flags.money(12.0, "CHF") == "CHF 12"
    for i in range(flags._MONEY_KEPT + 10):
        flags.money(float(i))
    assert len(flags._MONEY_TEXT) <= flags._MONEY_KEPT


# --------------------------------------------------------------------------- VfM category


def _scan(bcr: float) -> str | None:
    for band in reference.REFERENCE["vfm_categories"]["bands"]:
        lo, hi = band["min_bcr"], band["max_bcr"]
        if (lo is None or bcr >= lo) and (hi is None or bcr < hi):
            return str(band["category"])
    return None


_bounds = [b for band in reference.REFERENCE["vfm_categories"]["bands"]
           for b in (band["min_bcr"], band["max_bcr"]) if b is not None]


@given(st.floats(allow_nan=False) | st.sampled_from(_bounds)
       | st.sampled_from(_bounds).map(lambda b: math.nextafter(b, -math.inf)))
def test_vfm_category_is_the_scan_of_the_bands(bcr: float) -> None:
    assert reference._VFM_LOWS is not None  # the reference bands tile the line
    assert reference.vfm_category(bcr) == _scan(bcr)


def test_vfm_bands_that_do_not_tile_are_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    tiling = reference._VFM_BANDS
    assert reference._contiguous_lows() == [lo for lo, _, _ in tiling[1:]]
    gap = ((None, 1.0, "poor"), (1.5, None, "high"))
    overlap = ((None, 2.0, "poor"), (1.0, None, "high"))
    closed = ((0.0, 1.0, "poor"), (1.0, None, "high"))
    for bands in (gap, overlap, closed, ()):
        monkeypatch.setattr(reference, "_VFM_BANDS", bands)
        assert reference._contiguous_lows() is None
    monkeypatch.setattr(reference, "_VFM_BANDS", tiling)
    monkeypatch.setattr(reference, "_VFM_LOWS", None)
    assert [reference.vfm_category(b) for b in (0.5, 1.0, 4.0)] == ["poor", "low", "very_high"]


# --------------------------------------------------------------------------- risk assumptions


def _fresh(p: Proposal, total: float | None = None) -> Any:
    risk._UPLIFTS.clear()
    return assumptions(p, total)


def _proposal(risk_input: RiskInput | None, model: str = "other",
              upfront: UpfrontCosts | None = None) -> Proposal:
    return Proposal(term_years=3, public=PublicSide(1000.0, 900.0, upfront or UpfrontCosts(
        procurement=10.0, it=30.0)), supplier=SupplierSide(800.0), partnership_model=model,
        risk=risk_input)


@given(st.sampled_from([None, "outsourcing", "standard_buildings", "equipment_development",
                        "non_standard_buildings"]),
       st.sampled_from([0.0, -0.0, 0, 1, 0.3, 0.92, 1.0, True]),
       st.sampled_from(["outsourcing", "channel_shift", "other", "joint_venture"]),
       st.floats(0.0, 1e9), st.none() | st.floats(0.0, 1e9))
def test_assumptions_kept_are_assumptions_worked_out(
        project_type: str | None, mitigation: float, model: str, it: float,
        total: float | None) -> None:
    p = _proposal(RiskInput(project_type, mitigation), model, UpfrontCosts(procurement=1.0, it=it))
    made = assumptions(p, total)  # perhaps from the cache
    assert repr(made) == repr(_fresh(p, total))
    again = assumptions(p, total)
    assert again.notes == made.notes and again.notes is not made.notes


def test_assumptions_keep_the_sign_of_a_zero_mitigation_and_raise_every_time() -> None:
    plus = assumptions(_proposal(RiskInput("outsourcing", 0.0)))
    minus = assumptions(_proposal(RiskInput("outsourcing", -0.0)))
    assert repr(plus.mitigation) == "0.0" and repr(minus.mitigation) == "-0.0"
    # the mitigation note prints the mitigation: (1 - 0.95) x 24% = 1.2%, below the 2% lower
    # bound of standard buildings (the cache keeps -0.0 apart from 0.0 as the note would)
    low = assumptions(_proposal(RiskInput("standard_buildings", 0.95)))
    assert low.notes["mitigation"].startswith("mitigation 95% takes the standard_buildings cost "
                                              "uplift to 1.2%")
    for bad in (RiskInput("outsourcing", 1.5), RiskInput("castles", 0.0),
                RiskInput("outsourcing", math.nan)):
        for _ in range(2):
            with pytest.raises(Exception) as raised:  # noqa: PT011 - ProposalError
                assumptions(_proposal(bad))
            assert "#/risk" in raised.value.pointer  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- scores


_CREDITS = (None, 1.0, 0.5, 0.0)


def test_benefit_scores_of_every_pattern_are_combine_of_their_components() -> None:
    figures = [None, -1.0, 0.0, -0.0, 5.0]
    for pub, pub_ra, sup, sup_ra, sv, sv_ra, jobs in itertools.product(
            figures, figures, figures, figures, [None, 1.0, -1.0], [None, 2.0, -2.0],
            [None, 0, 3]):
        if pub is None or sup is None:
            continue  # the NPVs are always given
        kwargs = dict(public_npv=pub, public_npv_risk_adjusted=pub_ra, supplier_npv=sup,
                      supplier_npv_risk_adjusted=sup_ra, social_value=sv,
                      social_value_risk_adjusted=sv_ra, jobs_lost=jobs)
        made = scores.benefit_score(**kwargs)
        assert all(c.credit in _CREDITS for c in made.components)
        worked = scores._combine(list(made.components), list(made.missing),
                                 scores._BENEFIT_NOTE, total=scores._BENEFIT_TOTAL)
        assert repr(made) == repr(worked)
        scores._BENEFIT_FIGURES.clear()
        assert repr(scores.benefit_score(**kwargs)) == repr(worked)  # made afresh


@given(st.none() | st.floats(-10.0, 10.0) | st.sampled_from([0.8, 1.0, 1.2, -0.0, 0.0]),
       st.none() | st.floats(allow_nan=False, allow_infinity=False))
def test_support_score_is_combine_of_its_component(ratio: float | None,
                                                   stated: float | None) -> None:
    made = scores.support_score(support_ratio=stated, support_ratio_risk_adjusted=ratio)
    worked = scores._combine(list(made.components), list(made.missing), made.note,
                             made.penalty if ratio is None else 0.0)
    assert repr(made) == repr(worked)
    if ratio is not None:
        assert made.coverage == 1.0 and 0.0 <= made.score <= 100.0
        component: ScoreComponent = made.components[0]
        assert made.score == 100.0 * component.credit  # one component of weight 1


# --------------------------------------------------------------------------- verdict


def test_two_flags_are_ordered_as_the_sort_orders_them() -> None:
    codes = [*verdict.DECISIVE_ORDER, "IT_FAT_TAIL", "LONG_HORIZON"]
    for a, b in itertools.product(codes, codes):
        pair = [Flag(a, "critical", "#", "one", None, None, "s"),
                Flag(b, "critical", "#", "two", None, None, "s")]
        expected = sorted(pair, key=verdict._rank)
        assert verdict._ordered(list(pair)) == expected
        assert [f.message for f in verdict._ordered(list(pair))] == [
            f.message for f in expected]
        in_place = list(pair)
        assert verdict._reasons(in_place) == flags.codes(expected)  # codes(_ordered(pair))
        assert [f.message for f in in_place] == [f.message for f in expected]
    for triple in itertools.product(codes[:4], repeat=3):
        three = [Flag(c, "warning", "#", str(i), None, None, "s") for i, c in enumerate(triple)]
        assert verdict._reasons(list(three)) == flags.codes(sorted(three, key=verdict._rank))
    one = [Flag("IT_FAT_TAIL", "info", "#", "m", None, None, "s")]
    assert flags.codes(one) == ["IT_FAT_TAIL"] and flags.codes([]) == []
