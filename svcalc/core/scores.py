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

from svcalc.core.model import Acceptability, Score, ScoreComponent
from svcalc.core.reference import REFERENCE

__all__ = ["acceptability_score", "benefit_score", "support_score"]

_SCORES = REFERENCE["scores"]


def _combine(components: list[ScoreComponent], missing: list[str], note: str,
             penalty: float = 0.0) -> Score:
    total = sum(c.weight for c in components)
    present = [c for c in components if c.credit is not None]
    weight = sum(c.weight for c in present)
    coverage = weight / total if total else 0.0
    if weight > 0.0:
        raw = 100.0 * sum(c.weight * (c.credit or 0.0) for c in present) / weight
        applied = min(penalty, raw)
        return Score(score=raw - applied, coverage=coverage, components=components,
                     missing=missing, penalty=applied, note=note)
    return Score(score=None, coverage=coverage, components=components, missing=missing,
                 penalty=0.0, note=note)


def _holds(x: float | None, strict: bool) -> bool:
    return x is not None and (x > 0.0 if strict else x >= 0.0)


def _two_view(name: str, holds_if: str, stated: float | None, risk_adjusted: float | None,
              missing: list[str], *, strict: bool = True, missing_name: str | None = None
              ) -> ScoreComponent:
    """A Benefit component that holds when a figure is > 0 (strict) or >= 0: full credit when it
    holds risk-adjusted, part credit when it holds only as stated."""
    benefit = _SCORES["benefit"]
    weight = benefit["weights"][name]
    if stated is None and risk_adjusted is None:
        missing.append(missing_name or name)
        return ScoreComponent(name=name, weight=weight, credit=None, given=None,
                              reason=f"{missing_name or name} was not given")
    if _holds(risk_adjusted, strict):
        credit, given, reason = (float(benefit["credit_risk_adjusted"]), risk_adjusted,
                                 f"holds in the risk-adjusted view: {holds_if}")
    elif _holds(stated, strict):
        credit, given, reason = (float(benefit["credit_stated_only"]), risk_adjusted,
                                 f"holds as stated only, not risk-adjusted: {holds_if}")
    else:
        credit, given, reason = (0.0, risk_adjusted if risk_adjusted is not None else stated,
                                 f"fails even as stated: {holds_if} is not true")
    return ScoreComponent(name=name, weight=weight, credit=credit, given=given, reason=reason)


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
    missing: list[str] = []
    components = [
        _two_view("public_npv", "the public NPV is positive", public_npv,
                  public_npv_risk_adjusted, missing),
        _two_view("supplier_npv", "the supplier covers its cost of capital (NPV >= 0)",
                  supplier_npv, supplier_npv_risk_adjusted, missing, strict=False),
        _two_view("net_social_value", "the net social value is positive", social_value,
                  social_value_risk_adjusted, missing, missing_name="social_value"),
    ]
    weight = _SCORES["benefit"]["weights"]["workforce"]
    if jobs_lost is None:
        missing.append("acceptability.jobs_lost")
        components.append(ScoreComponent(name="workforce", weight=weight, credit=None,
                                         given=None,
                                         reason="acceptability.jobs_lost was not given"))
    else:
        components.append(ScoreComponent(
            name="workforce", weight=weight, credit=1.0 if jobs_lost == 0 else 0.0,
            given=float(jobs_lost),
            reason="no jobs are lost" if jobs_lost == 0 else f"{jobs_lost} jobs are lost"))
    return _combine(components, missing,
                    "Full credit when a component holds risk-adjusted, half when only as stated.")


def support_score(*, support_ratio: float | None,
                  support_ratio_risk_adjusted: float | None) -> Score:
    """Support: 0 at a risk-adjusted support ratio <= 0.8, 50 at 1.0, 100 at >= 1.2, linear.

    >>> [round(support_score(support_ratio=r, support_ratio_risk_adjusted=r).score, 9)
    ...  for r in (0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 2.0)]
    [0.0, 0.0, 25.0, 50.0, 75.0, 100.0, 100.0]
    """
    support = _SCORES["support"]
    lo, mid, hi = support["ratio_at_zero"], support["ratio_at_fifty"], support["ratio_at_full"]
    stated = "not defined" if support_ratio is None else format(support_ratio, ".4f")
    note = (f"Risk-adjusted support ratio: 0 at <= {lo}, 50 at {mid}, 100 at >= {hi}, linear "
            f"between. As stated the ratio is {stated}.")
    ratio = support_ratio_risk_adjusted
    if ratio is None:
        component = ScoreComponent(name="support_ratio", weight=1.0, credit=None, given=None,
                                   reason="the risk-adjusted support ratio is not defined")
        return _combine([component], ["support_ratio_risk_adjusted"], note)
    if ratio <= mid:
        credit = max(0.0, (ratio - lo) / (mid - lo)) * 0.5
    else:
        credit = 0.5 + min(1.0, (ratio - mid) / (hi - mid)) * 0.5
    component = ScoreComponent(
        name="support_ratio", weight=1.0, credit=credit, given=ratio,
        reason="the partnership costs less than delivering alone" if ratio > 1.0
        else "the partnership does not cost less than delivering alone")
    return _combine([component], [], note)


def _flag_component(name: str, weight: float, value: bool | None, yes: str, no: str,
                    missing: list[str]) -> ScoreComponent:
    if value is None:
        missing.append(f"acceptability.{name}")
        return ScoreComponent(name=name, weight=weight, credit=None, given=None,
                              reason=f"acceptability.{name} was not given")
    return ScoreComponent(name=name, weight=weight, credit=1.0 if value else 0.0,
                          given="yes" if value else "no", reason=yes if value else no)


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
    acc = acceptability or Acceptability()
    w = _SCORES["acceptability"]["weights"]
    missing: list[str] = []
    components: list[ScoreComponent] = []
    for name, who in (("citizen_support", "citizens"), ("staff_support", "staff")):
        value = getattr(acc, name)
        if value is None:
            missing.append(f"acceptability.{name}")
            components.append(ScoreComponent(name=name, weight=w[name], credit=None, given=None,
                                             reason=f"acceptability.{name} was not given"))
        else:
            components.append(ScoreComponent(
                name=name, weight=w[name], credit=float(value), given=float(value),
                reason=f"share of {who} in favour from consultation"))
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
        components.append(ScoreComponent(name="workforce", weight=w["workforce"], credit=None,
                                         given=None, reason=f"{' and '.join(names)} not given"))
    else:
        affected = acc.jobs_transferred + acc.jobs_lost
        kept = 1.0 if affected == 0 else acc.jobs_transferred / affected
        components.append(ScoreComponent(
            name="workforce", weight=w["workforce"], credit=kept, given=kept,
            reason="share of affected jobs transferred rather than lost"))
    ceiling = REFERENCE["digital_inclusion"]["online_share_ceiling"]
    penalty = 0.0
    note = "Weighted share of the components present, 0-100."
    if digital_share_target is not None and digital_share_target > ceiling:
        penalty = float(_SCORES["acceptability"]["digital_ceiling_penalty_points"])
        note += (f" Less {penalty:g} points: the digital target ({digital_share_target:.0%}) is "
                 f"above the inclusion ceiling ({ceiling:.0%}).")
    return _combine(components, missing, note, penalty)
