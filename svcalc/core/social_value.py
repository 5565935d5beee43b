"""Monetised social value: outcomes valued, adjusted for additionality, dropped off and discounted.

For an outcome with quantity q, unit value u_t, deadweight d, attribution a, displacement p and
drop-off r (DESIGN.md 4.5), the value in year t is

    v_t = q * u_t * (1 - d) * (1 - a) * (1 - p) * (1 - r)^(t - start_year)

for t in [start_year, start_year + duration_years - 1], and 0 outside. u_t is the caller's
``unit_value`` (constant) or a built-in open proxy from the reference data: ``wellby`` (GBP 13,000,
2019 prices) or ``carbon`` (DESNZ central value for the calendar year ``base_calendar_year + t``,
2020 prices). National TOMs and HACT values are not shipped: their licences (CC BY-NC-ND 4.0)
forbid it.

The gross value is ``q * u_t`` summed over the duration, with no adjustment and no drop-off. The
present value discounts ``v_t`` at the public factors (Green Book STPR unless the proposal gives a
flat public rate). The risk-adjusted view cuts the quantity by the haircut of the outcome's
``evidence_grade`` (reference data ``evidence_grades``; grade 1 = 0%).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from svcalc.core import finance
from svcalc.core.errors import ProposalError
from svcalc.core.model import Outcome, OutcomeValue, SocialValue
from svcalc.core.reference import REFERENCE

__all__ = [
    "PROXIES",
    "evidence_haircut",
    "outcome_values",
    "proxy_unit_values",
    "social_value_figures",
    "value_matrices",
]

#: The built-in open proxies, by name.
PROXIES: dict[str, dict[str, Any]] = REFERENCE["social_value_proxies"]["proxies"]


def evidence_haircut(grade: int) -> float:
    """Share of an outcome's quantity removed in the risk-adjusted view, by evidence grade.

    >>> evidence_haircut(1), evidence_haircut(5)
    (0.0, 0.6)
    """
    haircuts: dict[str, float] = REFERENCE["evidence_grades"]["haircuts"]
    try:
        return float(haircuts[str(grade)])
    except KeyError:
        raise ProposalError(f"evidence_grade must be one of {', '.join(haircuts)}") from None


def proxy_unit_values(name: str, calendar_years: np.ndarray | None) -> np.ndarray | float:
    """Unit value of a proxy: one number, or one per calendar year for a year-dependent proxy.

    Between two published years the value is interpolated geometrically; outside the published
    range it is held at the nearer end.

    >>> proxy_unit_values("wellby", None)
    13000.0
    >>> years = np.array([2020, 2021, 2050, 2060])
    >>> [round(float(v), 2) for v in proxy_unit_values("carbon", years)]
    [245.0, 245.0, 378.0, 378.0]
    """
    values = PROXIES[name]["values"]
    if len(values) == 1 and values[0]["year"] is None:
        return float(values[0]["value"])
    if calendar_years is None:
        raise ProposalError(f"the {name} proxy varies by calendar year: give "
                            "social_value.base_calendar_year", "#/social_value/base_calendar_year")
    years = [v["year"] for v in values]
    logs = [math.log(v["value"]) for v in values]
    calendar = np.asarray(calendar_years, dtype=float).tolist()
    return np.array([math.exp(v) for v in np.interp(calendar, years, logs).tolist()])


def _unit_matrix(outcomes: Sequence[Outcome], horizon: int,
                 base_calendar_year: int | None) -> np.ndarray:
    """Unit value of each outcome in years 0..horizon (outcomes x years)."""
    unit = np.empty((len(outcomes), horizon + 1))
    calendar = None
    if base_calendar_year is not None:
        calendar = base_calendar_year + np.arange(horizon + 1, dtype=float)
    for i, o in enumerate(outcomes):
        unit[i] = o.unit_value if o.proxy is None else proxy_unit_values(o.proxy, calendar)
    return unit


def value_matrices(outcomes: Sequence[Outcome], horizon: int,
                   base_calendar_year: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Gross and adjusted value of each outcome in years 0..horizon (outcomes x years).

    >>> o = Outcome("jobs", 10, start_year=1, duration_years=3, evidence_grade=1,
    ...             unit_value=100.0, source="own", deadweight=0.5, drop_off=0.1)
    >>> gross, adjusted = value_matrices([o], 4)
    >>> gross[0].tolist(), [round(float(v), 6) for v in adjusted[0]]
    ([0.0, 1000.0, 1000.0, 1000.0, 0.0], [0.0, 500.0, 450.0, 405.0, 0.0])
    """
    return _value_matrices(outcomes, horizon,
                           _unit_matrix(outcomes, horizon, base_calendar_year))


def _value_matrices(outcomes: Sequence[Outcome], horizon: int,
                    unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`value_matrices` given the unit-value matrix (which the caller also reports)."""
    t = np.arange(horizon + 1, dtype=float)
    # One array for the four per-outcome columns (outcomes x 1 each), not four.
    columns = np.array([(o.start_year, o.duration_years, o.quantity, o.drop_off)
                        for o in outcomes], dtype=float)
    start = columns[:, 0:1]
    end = start + columns[:, 1:2]
    active = (t >= start) & (t < end)
    quantity = columns[:, 2:3]
    gross = np.where(active, quantity * unit, 0.0)
    factor = np.array([(1.0 - o.deadweight) * (1.0 - o.attribution) * (1.0 - o.displacement)
                       for o in outcomes])[:, None]
    # (1 - drop_off)^(t - start) from the start year on, as a running product (the same on
    # every machine, unlike a vectorised power).
    decay = np.cumprod(np.where(t > start, 1.0 - columns[:, 3:4], 1.0), axis=1)
    return gross, gross * factor * decay


def outcome_values(outcome: Outcome, horizon: int,
                   base_calendar_year: int | None = None) -> np.ndarray:
    """Adjusted value of one outcome in years 0..horizon."""
    adjusted: np.ndarray = value_matrices([outcome], horizon, base_calendar_year)[1][0]
    return adjusted


def _horizon(outcomes: Sequence[Outcome]) -> int:
    return max(o.start_year + o.duration_years - 1 for o in outcomes)


def social_value_figures(sv: SocialValue, public_discount_rate: float | None,
                         payments_pv: float) -> tuple[float, float, float | None,
                                                      list[OutcomeValue], dict[str, str]]:
    """PV (stated and risk-adjusted), share of contract value, per-outcome values and notes.

    ``payments_pv`` is the PV of the annual payments (years 1..T) at the public factors; an
    outcome may run past the term, and is discounted at the same public rate or schedule.
    """
    notes: dict[str, str] = {}
    if not sv.outcomes:
        notes["present_value"] = "no outcomes were given"
        return 0.0, 0.0, 0.0 if payments_pv > 0.0 else None, [], notes
    horizon = _horizon(sv.outcomes)
    factors = finance.discount_factors(horizon, public_discount_rate)
    unit = _unit_matrix(sv.outcomes, horizon, sv.base_calendar_year)
    gross, adjusted = _value_matrices(sv.outcomes, horizon, unit)
    pv = np.array([finance.npv(row, factors) for row in adjusted])
    haircut = np.array([evidence_haircut(o.evidence_grade) for o in sv.outcomes])
    pv_ra = pv * (1.0 - haircut)
    rows: list[OutcomeValue] = []
    for i, o in enumerate(sv.outcomes):
        unit_value = float(unit[i, o.start_year])
        if o.proxy is None:
            price_year, source = None, o.source or ""
        else:
            proxy = PROXIES[o.proxy]
            price_year, source = int(proxy["price_year"]), str(proxy["source"])
        rows.append(OutcomeValue(
            name=o.name,
            proxy=o.proxy,
            unit_value=unit_value,
            price_year=price_year,
            source=source,
            evidence_grade=o.evidence_grade,
            haircut=float(haircut[i]),
            adjustment_factor=(1.0 - o.deadweight) * (1.0 - o.attribution)
            * (1.0 - o.displacement),
            gross_value=math.fsum(gross[i].tolist()),
            adjusted_value=math.fsum(adjusted[i].tolist()),
            present_value=float(pv[i]),
            present_value_risk_adjusted=float(pv_ra[i]),
        ))
    if any(o.proxy is not None for o in sv.outcomes):
        notes["price_year"] = ("built-in proxies are in their own price year (see each "
                               "outcome's price_year); svcalc does not rebase them to the "
                               "proposal's base year")
    total = math.fsum(pv.tolist())
    share: float | None = total / payments_pv if payments_pv > 0.0 else None
    if share is not None and not math.isfinite(share):
        share = None  # a denormal payment PV overflows the ratio; JSON carries no Infinity
    if share is None:
        notes["share_of_contract_value"] = "the PV of the annual payments is zero or negligible"
    return total, math.fsum(pv_ra.tolist()), share, rows, notes
