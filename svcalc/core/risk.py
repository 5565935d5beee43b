"""The risk-adjusted view: Green Book optimism-bias uplifts applied to the stated flows.

HM Treasury's Supplementary Green Book Guidance on optimism bias (Mott MacDonald 2002, Table 2)
gives, for six project types, an upper and a lower bound for the overrun of cost and of works
duration. An appraisal starts at the upper bound and reduces it only with evidence that the risks
are managed::

    uplift = upper x (1 - mitigation)        mitigation in [0, 1]

What carries which uplift (DESIGN.md section 4.6; the table is in ``reference.json``):

* public upfront ``it`` costs: the equipment/development capex uplift (upper bound 200%);
* the other public upfront costs and the supplier's upfront investment: the cost uplift of
  ``risk.project_type`` (its capex figure, or the opex figure for outsourcing);
* the supplier's annual operating cost: the outsourcing opex uplift (upper bound 41%), because
  under a fixed price the supplier bears the overrun, which is how low-ball bids fail;
* a ramp (phased figures) in the contract payments, retained costs, supplier operating cost and
  other income: stretched in time by the duration uplift of ``risk.project_type`` (outsourcing
  has no duration figure, so nothing is stretched). Business as usual is not stretched: it is the
  counterfactual. Contact costs are left to the channel-shift view, which stretches its own
  migration.

References
----------
HM Treasury (2003), *Supplementary Green Book Guidance: Optimism Bias*, from Mott MacDonald
(2002), *Review of Large Public Procurement in the UK*, Table 2 and worked examples.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from svcalc.core import finance
from svcalc.core.appraisal import Flows, public_net, supplier_net
from svcalc.core.errors import ProposalError
from svcalc.core.model import PROJECT_TYPES, Proposal, RiskAssumptions, RiskInput
from svcalc.core.records import record
from svcalc.core.reference import REFERENCE

__all__ = [
    "RiskFigures",
    "assumptions",
    "blended_upper",
    "risk_adjusted_flows",
    "risk_figures",
    "risk_view",
    "stretch",
    "uplift",
]

_sum = np.add.reduce

_OB: dict[str, Any] = REFERENCE["optimism_bias"]
_TABLE: dict[str, dict[str, Any]] = {row["project_type"]: row for row in _OB["project_types"]}
if tuple(_TABLE) != PROJECT_TYPES:  # pragma: no cover - guards a data edit
    raise AssertionError("reference.json optimism_bias rows must match model.PROJECT_TYPES")


#: Looked up once: the default project type by partnership model, the cost upper bounds of the
#: rows that the public IT costs and the supplier's operating cost always use, and "no risk block".
_DEFAULT_PROJECT_TYPE: dict[str, str] = _OB["default_project_type"]
_IT_COST_UPPER: float = _TABLE[_OB["it_project_type"]]["cost_upper"]
_OPEX_COST_UPPER: float = _TABLE[_OB["supplier_operating_cost_project_type"]]["cost_upper"]
_NO_RISK = RiskInput()


def _row(project_type: str) -> dict[str, Any]:
    try:
        return _TABLE[project_type]
    except KeyError:
        raise ProposalError(f"unknown project_type {project_type!r}",
                            "#/risk/project_type") from None


def _upper(project_type: str, measure: str) -> float | None:
    value: float | None = _row(project_type)[f"{measure}_upper"]
    return value


def _kept(mitigation: float) -> float:
    """The share of the optimism bias left once ``mitigation`` (0..1) is applied."""
    if not 0.0 <= mitigation <= 1.0:
        raise ProposalError("mitigation must be between 0 and 1", "#/risk/mitigation")
    return 1.0 - mitigation


def uplift(project_type: str, mitigation: float = 0.0, measure: str = "cost") -> float | None:
    """Optimism-bias uplift ``upper x (1 - mitigation)`` for one project type.

    ``measure`` is ``"cost"`` (capex, or opex for outsourcing) or ``"duration"``; ``None`` when the
    guidance gives no figure (outsourcing duration).

    The Green Book's worked example: a non-standard building at contract award, 92% of its
    optimism-bias contribution mitigated, carries (100% - 92%) x 51% = 4% (its lower bound).

    >>> round(uplift("non_standard_buildings", 0.92), 4)
    0.0408
    >>> uplift("outsourcing"), uplift("outsourcing", measure="duration") is None
    (0.41, True)
    """
    keep = _kept(mitigation)
    upper = _upper(project_type, measure)
    return None if upper is None else upper * keep


def blended_upper(mix: Mapping[str, float], measure: str = "cost") -> float:
    """Upper-bound uplift of a combined project: each row weighted by its share of cost.

    The guidance's worked example: 30% non-standard and 70% standard buildings.

    >>> mix = {"non_standard_buildings": 0.3, "standard_buildings": 0.7}
    >>> round(blended_upper(mix), 4), round(blended_upper(mix, "duration"), 4)
    (0.321, 0.145)
    """
    shares = np.fromiter(mix.values(), dtype=float, count=len(mix))
    if np.any(shares < 0.0) or abs(float(shares.sum()) - 1.0) > 1e-9:
        raise ProposalError("the shares of a combined project must be >= 0 and sum to 1", "#/risk")
    uppers = [_upper(t, measure) for t in mix]
    if any(u is None for u in uppers):
        raise ProposalError(f"a project type in the mix has no {measure} figure", "#/risk")
    return float(np.dot(shares, np.array(uppers, dtype=float)))


def assumptions(proposal: Proposal, public_upfront_total: float | None = None) -> RiskAssumptions:
    """The uplifts the risk-adjusted view applies to ``proposal`` (echoed in the response).

    ``project_type`` defaults by ``partnership_model`` (``reference.json``
    ``optimism_bias.default_project_type``): service partnerships use the outsourcing row, a
    channel shift the equipment/development row.
    """
    given = proposal.risk or _NO_RISK
    m = given.mitigation
    # Everything but the risk-adjusted upfront total depends only on these (the sign of m: a
    # note prints it): worked out once for each.
    key = (given.project_type, proposal.partnership_model, m, math.copysign(1.0, m))
    made = _UPLIFTS.get(key)
    if made is None:
        made = _uplifts(given.project_type, proposal.partnership_model, m)
        if len(_UPLIFTS) >= 1024:
            _UPLIFTS.clear()
        _UPLIFTS[key] = made
    project_type, defaulted, it, other, opex, duration, notes = made
    upfront = proposal.public.upfront_costs
    it_cost = upfront.it or 0.0
    total = upfront.total if public_upfront_total is None else public_upfront_total
    return RiskAssumptions(  # positional, in field order (a keyword costs ~0.1 us)
        project_type,  # project_type
        defaulted,  # project_type_defaulted
        m,  # mitigation
        it,  # public_it_uplift
        other,  # public_other_upfront_uplift
        other,  # supplier_investment_uplift
        opex,  # supplier_operating_cost_uplift
        duration,  # duration_uplift
        # public_upfront_costs_risk_adjusted
        it_cost * (1.0 + it) + (total - it_cost) * (1.0 + other),
        dict(notes),  # notes: each appraisal its own dict
    )


#: :func:`_uplifts` by (project type, partnership model, mitigation, its sign).
_UPLIFTS: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _uplifts(given_type: str | None, partnership_model: str, m: float) -> tuple[Any, ...]:
    """:func:`assumptions`' figures that do not depend on the upfront costs: the project type,
    whether it was defaulted, the IT, other and operating-cost uplifts, the duration uplift and
    the notes (raises what assumptions raises)."""
    defaulted = given_type is None
    project_type = (
        _DEFAULT_PROJECT_TYPE.get(partnership_model, "outsourcing")
        if defaulted
        else given_type
    )
    # uplift() four times over, with its checks made once: the same products.
    keep = _kept(m)
    row = _row(project_type)
    other = row["cost_upper"] * keep
    it = _IT_COST_UPPER * keep
    opex = _OPEX_COST_UPPER * keep
    duration_upper = row["duration_upper"]
    duration = None if duration_upper is None else duration_upper * keep
    notes: dict[str, str] = {}
    if duration is None:
        notes["duration_uplift"] = (
            f"the optimism-bias guidance gives no duration figure for {project_type}, so no ramp "
            "is stretched"
        )
    lower = row["cost_lower"]
    if other < lower:
        notes["mitigation"] = (
            f"mitigation {m:.0%} takes the {project_type} cost uplift to {other:.1%}, below the "
            f"{lower:.0%} lower bound that the guidance expects full risk management to reach"
        )
    return project_type, defaulted, it, other, opex, duration, tuple(notes.items())


def stretch(series: np.ndarray, factor: float) -> np.ndarray:
    """Stretch a yearly profile (years 1..T) in time by ``1 + factor``, keeping its start.

    Year t takes the value the profile had at year ``1 + (t - 1) / (1 + factor)`` (linear
    interpolation): a ramp that reached steady state in year 3 reaches it ``factor`` later. A
    constant profile is unchanged.

    >>> stretch(np.array([0.0, 50, 100, 100, 100]), 1.0).tolist()
    [0.0, 25.0, 50.0, 75.0, 100.0]
    """
    points = _stretch_points(series.size, factor)
    return series if points is None else np.interp(*points, series)


def _stretch_points(n: int, factor: float | None) -> tuple[np.ndarray, np.ndarray] | None:
    """Where :func:`stretch` reads a profile of ``n`` years, and the years it is given at; None
    when nothing is stretched (no or a non-positive factor, fewer than two years)."""
    if not factor or factor <= 0.0 or n < 2:
        return None
    years = np.arange(1.0, n + 1.0)
    return 1.0 + (years - 1.0) / (1.0 + factor), years


def risk_adjusted_flows(f: Flows, a: RiskAssumptions) -> Flows:
    """The stated flows with the optimism-bias uplifts of ``a`` applied (module docstring)."""
    payment, retained, opex, other = f.payment, f.retained, f.supplier_opex, f.other_income
    # stretch() of each profile, with the interpolation points worked out once for all four
    points = _stretch_points(f.term_years, a.duration_uplift)
    if points is not None:
        payment, retained, opex, other = (np.interp(*points, x)
                                           for x in (payment, retained, opex, other))
    return replace(
        f,
        payment=payment,
        retained=retained,
        other_income=other,
        public_upfront=a.public_upfront_costs_risk_adjusted,
        supplier_opex=opex * (1.0 + a.supplier_operating_cost_uplift),
        supplier_investment=f.supplier_investment * (1.0 + a.supplier_investment_uplift),
    )


@record
class RiskFigures:
    """The headline figures of the risk-adjusted view (``None`` where a figure does not exist)."""

    public_npv: float
    public_payback: float | None
    supplier_npv: float
    whole_life_margin: float | None
    support_ratio: float | None


def _figures(f: Flows, pub: np.ndarray, sup: np.ndarray, public_upfront: float,
             supplier_investment: float, opex: np.ndarray) -> RiskFigures:
    # np.add.reduce is what ndarray.sum() calls (the same pairwise sums), without its wrapper;
    # ndarray.dot is np.dot (the same BLAS call) without numpy's dispatch.
    dfs = f.public_factors[1:]
    revenue = float(_sum(f.payment) + _sum(f.other_income))
    cost = float(_sum(opex) + _sum(f.supplier_contact)) + supplier_investment
    individual = float((f.baseline + f.baseline_contact).dot(dfs))
    used = opex + f.retained  # then added to in place: the same sums, fewer temporaries
    used += f.public_contact
    used += f.supplier_contact
    consumed = supplier_investment + public_upfront + float(used.dot(dfs))
    return RiskFigures(
        public_npv=finance.npv(pub, f.public_factors),
        public_payback=finance.payback(pub),
        supplier_npv=finance.npv(sup, f.supplier_factors),
        whole_life_margin=_ratio(revenue - cost, revenue),
        support_ratio=_ratio(individual, consumed),
    )


def _ratio(num: float, den: float) -> float | None:
    # None when undefined, or when a tiny denominator overflows (JSON carries no Infinity).
    if den == 0.0:
        return None
    ratio = num / den
    return ratio if math.isfinite(ratio) else None


def risk_figures(adj: Flows) -> RiskFigures:
    """Public NPV and payback, supplier NPV and whole-life margin, and the support ratio of
    ``adj`` (the same definitions as the stated figures, DESIGN.md 4.1-4.3)."""
    return _figures(adj, public_net(adj), supplier_net(adj), adj.public_upfront,
                    adj.supplier_investment, adj.supplier_opex)


def risk_view(f: Flows, a: RiskAssumptions, pub: np.ndarray, sup: np.ndarray) -> RiskFigures:
    """``risk_figures(risk_adjusted_flows(f, a))``, without rebuilding the flows when nothing is
    stretched: then only year 0 of each side and the supplier's operating cost change, so the
    stated net flows ``pub`` / ``sup`` (years 0..T) are patched in place of a copy."""
    if a.duration_uplift:
        return risk_figures(risk_adjusted_flows(f, a))
    u = a.supplier_operating_cost_uplift
    investment = f.supplier_investment * (1.0 + a.supplier_investment_uplift)
    opex = f.supplier_opex * (1.0 + u)
    pub_ra = pub.copy()
    pub_ra[0] = -a.public_upfront_costs_risk_adjusted
    sup_ra = sup.copy()
    sup_ra[0] = -investment
    sup_ra[1:] -= f.supplier_opex * u
    return _figures(f, pub_ra, sup_ra, a.public_upfront_costs_risk_adjusted, investment, opex)
