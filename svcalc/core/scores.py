"""The three principles of social value in a partnership, scored 0-100 (DESIGN.md 5).

* **Benefit**: is there value for every stakeholder? Components: public NPV > 0, supplier NPV >= 0
  at its cost of capital, net social value > 0, workforce not worse off (no jobs lost). Full
  credit when a component holds in the risk-adjusted view, half when it holds only as stated.
* **Support**: do the partnership's benefits exceed the cost of individual delivery? From the
  risk-adjusted support ratio: 0 at <= 0.8, 50 at 1.0, 100 at >= 1.2, linear between.
* **Acceptability**: will citizens, staff and organisations accept the new way of delivery?
  Components from the ``acceptability`` block (consultation support, assisted digital, a
  face-to-face route, open book, a performance regime, jobs kept), less a penalty when the
  digital target exceeds the digital inclusion ceiling.

Weights and breakpoints are reference data (``scores``). A component whose inputs are missing is
named in ``missing`` and left out; the score is taken over the weight that is present
(``coverage``) and is ``None`` when nothing is present. Nothing missing is scored as 0 or full.

Every function takes the stated and the risk-adjusted figures as separate parameters.
"""

from __future__ import annotations

from functools import lru_cache

from svcalc.core.model import Acceptability, Score, ScoreComponent
from svcalc.core.reference import REFERENCE

__all__ = ["acceptability_score", "benefit_score", "support_score"]

_SCORES = REFERENCE["scores"]


def _combine(components: list[ScoreComponent], missing: list[str], note: str,
             penalty: float = 0.0, total: float | None = None) -> Score:
    # ``components`` and ``missing``: fresh lists, which the Score keeps. Lists, not generators,
    # into sum(): the same additions in the same order, with less overhead. ``total``: the sum of
    # all the weights, when the caller has it (the same sum, made once).
    if total is None:
        total = sum([c.weight for c in components])
    present = [c for c in components if c.credit is not None]
    weight = sum([c.weight for c in present])
    coverage = weight / total if total else 0.0
    if weight > 0.0:
        raw = 100.0 * sum([c.weight * (c.credit or 0.0) for c in present]) / weight
        applied = min(penalty, raw)
        return Score(raw - applied, coverage, components, missing, applied, note)
    return Score(None, coverage, components, missing, 0.0, note)


class _TwoView:
    """A Benefit component judged in both views, and everything about it that is the same for
    every proposal: its weight, its test, its three reasons and its component when not given."""

    __slots__ = ("name", "weight", "strict", "missing_name", "not_given", "holds_risk_adjusted",
                 "holds_stated", "fails")

    def __init__(self, name: str, holds_if: str, strict: bool, missing_name: str) -> None:
        self.name = name
        self.weight = _BENEFIT["weights"][name]
        self.strict = strict
        self.missing_name = missing_name
        # Frozen, so one instance serves every proposal (as _nothing_given's components do).
        self.not_given = ScoreComponent(name, self.weight, None, None,
                                        f"{missing_name} was not given")
        self.holds_risk_adjusted = f"holds in the risk-adjusted view: {holds_if}"
        self.holds_stated = f"holds as stated only, not risk-adjusted: {holds_if}"
        self.fails = f"fails even as stated: {holds_if} is not true"


_BENEFIT = _SCORES["benefit"]
_CREDIT_RISK_ADJUSTED = float(_BENEFIT["credit_risk_adjusted"])
_CREDIT_STATED_ONLY = float(_BENEFIT["credit_stated_only"])
_PUBLIC_NPV = _TwoView("public_npv", "the public NPV is positive", True, "public_npv")
_SUPPLIER_NPV = _TwoView("supplier_npv", "the supplier covers its cost of capital (NPV >= 0)",
                         False, "supplier_npv")
_SOCIAL_VALUE = _TwoView("net_social_value", "the net social value is positive", True,
                         "social_value")
_WORKFORCE_WEIGHT = _BENEFIT["weights"]["workforce"]
_WORKFORCE_NOT_GIVEN = ScoreComponent("workforce", _WORKFORCE_WEIGHT, None, None,
                                      "acceptability.jobs_lost was not given")
_WORKFORCE_KEPT = ScoreComponent("workforce", _WORKFORCE_WEIGHT, 1.0, 0.0, "no jobs are lost")
#: The Benefit weights summed as _combine sums them (in component order), once.
_BENEFIT_TOTAL = sum([_PUBLIC_NPV.weight, _SUPPLIER_NPV.weight, _SOCIAL_VALUE.weight,
                      _WORKFORCE_WEIGHT])
_BENEFIT_NOTE = "Full credit when a component holds risk-adjusted, half when only as stated."


def _holds(x: float | None, strict: bool) -> bool:
    return x is not None and (x > 0.0 if strict else x >= 0.0)


def _two_view(view: _TwoView, stated: float | None, risk_adjusted: float | None,
              missing: list[str]) -> ScoreComponent:
    """A component that holds when a figure is > 0 (strict) or >= 0, judged in both views."""
    if stated is None and risk_adjusted is None:
        missing.append(view.missing_name)
        return view.not_given
    if _holds(risk_adjusted, view.strict):
        return ScoreComponent(view.name, view.weight, _CREDIT_RISK_ADJUSTED, risk_adjusted,
                              view.holds_risk_adjusted)
    if _holds(stated, view.strict):
        return ScoreComponent(view.name, view.weight, _CREDIT_STATED_ONLY, risk_adjusted,
                              view.holds_stated)
    return ScoreComponent(view.name, view.weight, 0.0,
                          risk_adjusted if risk_adjusted is not None else stated, view.fails)


def benefit_score(*, public_npv: float, public_npv_risk_adjusted: float, supplier_npv: float,
                  supplier_npv_risk_adjusted: float, social_value: float | None,
                  social_value_risk_adjusted: float | None, jobs_lost: int | None) -> Score:
    """Benefit: value for every stakeholder.

    ``social_value`` is the adjusted PV of the monetised outcomes (``None`` when the proposal
    claims none); ``jobs_lost`` comes from the acceptability block (``None``: not given).

    >>> s = benefit_score(public_npv=10.0, public_npv_risk_adjusted=-1.0, supplier_npv=5.0,
    ...                   supplier_npv_risk_adjusted=2.0, social_value=None,
    ...                   social_value_risk_adjusted=None, jobs_lost=0)
    >>> round(s.score, 4), s.missing, round(s.coverage, 2)
    (83.3333, ['social_value'], 0.75)
    """
    return _benefit_score(public_npv, public_npv_risk_adjusted, supplier_npv,
                          supplier_npv_risk_adjusted, social_value, social_value_risk_adjusted,
                          jobs_lost)


def _benefit_score(public_npv: float, public_npv_risk_adjusted: float, supplier_npv: float,
                   supplier_npv_risk_adjusted: float, social_value: float | None,
                   social_value_risk_adjusted: float | None, jobs_lost: int | None) -> Score:
    """:func:`benefit_score` from positional arguments (seven keywords cost ~0.6 us a call)."""
    missing: list[str] = []
    components = [
        _two_view(_PUBLIC_NPV, public_npv, public_npv_risk_adjusted, missing),
        _two_view(_SUPPLIER_NPV, supplier_npv, supplier_npv_risk_adjusted, missing),
        _two_view(_SOCIAL_VALUE, social_value, social_value_risk_adjusted, missing),
    ]
    if jobs_lost is None:
        missing.append("acceptability.jobs_lost")
        components.append(_WORKFORCE_NOT_GIVEN)
    elif jobs_lost == 0:
        components.append(_WORKFORCE_KEPT)
    else:
        components.append(ScoreComponent("workforce", _WORKFORCE_WEIGHT, 0.0, float(jobs_lost),
                                         f"{jobs_lost} jobs are lost"))
    # The score, coverage and penalty depend only on the components' credits (their weights
    # are fixed): _combine's figures for each pattern of credits, kept once made.
    credits = (components[0].credit, components[1].credit, components[2].credit,
               components[3].credit)
    figures = _BENEFIT_FIGURES.get(credits)
    if figures is None:
        made = _combine(components, missing, _BENEFIT_NOTE, total=_BENEFIT_TOTAL)
        _BENEFIT_FIGURES[credits] = (made.score, made.coverage, made.penalty)
        return made
    score, coverage, penalty = figures
    return Score(score, coverage, components, missing, penalty, _BENEFIT_NOTE)


#: benefit_score's (score, coverage, penalty) by its components' credits (each None or one of
#: a few constants: at most a few dozen patterns).
_BENEFIT_FIGURES: dict[tuple[float | None, ...], tuple[float | None, float, float]] = {}


_SUPPORT = _SCORES["support"]
_RATIO_AT_ZERO = _SUPPORT["ratio_at_zero"]
_RATIO_AT_FIFTY = _SUPPORT["ratio_at_fifty"]
_RATIO_AT_FULL = _SUPPORT["ratio_at_full"]
_SUPPORT_NOTE = (f"Risk-adjusted support ratio: 0 at <= {_RATIO_AT_ZERO}, 50 at "
                 f"{_RATIO_AT_FIFTY}, 100 at >= {_RATIO_AT_FULL}, linear between. As stated the "
                 "ratio is ")
_SUPPORT_NOT_DEFINED = ScoreComponent("support_ratio", 1.0, None, None,
                                      "the risk-adjusted support ratio is not defined")


def support_score(*, support_ratio: float | None,
                  support_ratio_risk_adjusted: float | None) -> Score:
    """Support: 0 at a risk-adjusted support ratio <= 0.8, 50 at 1.0, 100 at >= 1.2, linear.

    >>> [round(support_score(support_ratio=r, support_ratio_risk_adjusted=r).score, 9)
    ...  for r in (0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 2.0)]
    [0.0, 0.0, 25.0, 50.0, 75.0, 100.0, 100.0]
    """
    return _support_score(support_ratio, support_ratio_risk_adjusted)


def _support_score(support_ratio: float | None, support_ratio_risk_adjusted: float | None,
                   ) -> Score:
    """:func:`support_score` from positional arguments."""
    lo, mid, hi = _RATIO_AT_ZERO, _RATIO_AT_FIFTY, _RATIO_AT_FULL
    ratio = support_ratio_risk_adjusted
    note = (_SUPPORT_NOTE
            + ("not defined" if support_ratio is None else format(support_ratio, ".4f")) + ".")
    if ratio is None:
        return _combine([_SUPPORT_NOT_DEFINED], ["support_ratio_risk_adjusted"], note)
    if ratio <= mid:
        credit = max(0.0, (ratio - lo) / (mid - lo)) * 0.5
    else:
        credit = 0.5 + min(1.0, (ratio - mid) / (hi - mid)) * 0.5
    component = ScoreComponent("support_ratio", 1.0, credit, ratio,
                               "the partnership costs less than delivering alone" if ratio > 1.0
                               else "the partnership does not cost less than delivering alone")
    # _combine of this one component (weight 1.0, a credit present), its sums made the same way
    weight = sum([1.0])
    coverage = weight / sum([1.0])
    raw = 100.0 * sum([1.0 * (credit or 0.0)]) / weight
    applied = min(0.0, raw)
    return Score(raw - applied, coverage, [component], [], applied, note)


def _flag_component(name: str, weight: float, value: bool | None, yes: str, no: str,
                    missing: list[str]) -> ScoreComponent:
    if value is None:
        missing.append(f"acceptability.{name}")
        return ScoreComponent(name, weight, None, None, f"acceptability.{name} was not given")
    return ScoreComponent(name, weight, 1.0 if value else 0.0, "yes" if value else "no",
                          yes if value else no)


def acceptability_score(acceptability: Acceptability | None, *,
                        digital_share_target: float | None) -> Score:
    """Acceptability: will citizens, staff and organisations accept the new delivery?

    ``digital_share_target`` is the target share of contact in digital channels (``None`` without
    a channel shift); above the inclusion ceiling it costs a fixed number of points.

    >>> a = Acceptability(citizen_support=0.6, staff_support=0.5, assisted_digital=True,
    ...                   retains_face_to_face=True, open_book=True, performance_regime=True,
    ...                   jobs_transferred=90, jobs_lost=10)
    >>> round(acceptability_score(a, digital_share_target=0.5).score, 4)
    81.5
    >>> acceptability_score(a, digital_share_target=0.95).penalty
    15.0
    """
    if acceptability is None:
        # Nothing given: the same score for every proposal with this digital target, so it is
        # built once. Its components are frozen; the lists are fresh for each caller.
        cached = _nothing_given(digital_share_target)
        return Score(cached.score, cached.coverage, list(cached.components), list(cached.missing),
                     cached.penalty, cached.note)
    return _acceptability_score(acceptability, digital_share_target)


@lru_cache(maxsize=64)
def _nothing_given(digital_share_target: float | None) -> Score:
    return _acceptability_score(Acceptability(), digital_share_target)


def _acceptability_score(acc: Acceptability, digital_share_target: float | None) -> Score:
    w = _SCORES["acceptability"]["weights"]
    missing: list[str] = []
    components: list[ScoreComponent] = []
    for name, who in (("citizen_support", "citizens"), ("staff_support", "staff")):
        value = getattr(acc, name)
        if value is None:
            missing.append(f"acceptability.{name}")
            components.append(ScoreComponent(name, w[name], None, None,
                                             f"acceptability.{name} was not given"))
        else:
            components.append(ScoreComponent(name, w[name], float(value), float(value),
                                             f"share of {who} in favour from consultation"))
    components += [
        _flag_component("assisted_digital", w["assisted_digital"], acc.assisted_digital,
                        "people who cannot go online are helped to",
                        "no assisted digital support", missing),
        _flag_component("retains_face_to_face", w["retains_face_to_face"],
                        acc.retains_face_to_face, "a face-to-face route remains",
                        "no face-to-face route remains", missing),
        _flag_component("open_book", w["open_book"], acc.open_book,
                        "open-book accounting keeps the service visible", "no open book", missing),
        _flag_component("performance_regime", w["performance_regime"], acc.performance_regime,
                        "KPIs and step-in rights keep control and accountability",
                        "no performance regime with step-in rights", missing),
    ]
    if acc.jobs_lost is None or acc.jobs_transferred is None:
        names = [f"acceptability.{n}" for n in ("jobs_transferred", "jobs_lost")
                 if getattr(acc, n) is None]
        missing += names
        components.append(ScoreComponent("workforce", w["workforce"], None, None,
                                         f"{' and '.join(names)} not given"))
    else:
        affected = acc.jobs_transferred + acc.jobs_lost
        kept = 1.0 if affected == 0 else acc.jobs_transferred / affected
        components.append(ScoreComponent("workforce", w["workforce"], kept, kept,
                                         "share of affected jobs transferred rather than lost"))
    ceiling = REFERENCE["digital_inclusion"]["online_share_ceiling"]
    penalty = 0.0
    note = "Weighted share of the components present, 0-100."
    if digital_share_target is not None and digital_share_target > ceiling:
        penalty = float(_SCORES["acceptability"]["digital_ceiling_penalty_points"])
        note += (f" Less {penalty:g} points: the digital target ({digital_share_target:.0%}) is "
                 f"above the inclusion ceiling ({ceiling:.0%}).")
    return _combine(components, missing, note, penalty)
