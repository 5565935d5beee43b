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
  counterfactual. A channel shift's migration is slowed by the same uplift.

References
----------
HM Treasury (2003), *Supplementary Green Book Guidance: Optimism Bias*, from Mott MacDonald
(2002), *Review of Large Public Procurement in the UK*, Table 2 and worked examples.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from svcalc.core import finance
from svcalc.core.errors import ProposalError
from svcalc.core.flows import (
    Flows,
    partnership_costs,
    public_net,
    ratio,
    supplier_net,
    whole_life_margin,
    with_contact,
)
from svcalc.core.model import PROJECT_TYPES, Proposal, RiskAssumptions, RiskInput
from svcalc.core.reference import REFERENCE

__all__ = ["RiskFigures", "assumptions", "blended_upper", "risk_adjusted_flows", "risk_figures",
           "stretch", "uplift"]

_OB: dict[str, Any] = REFERENCE["optimism_bias"]
_TABLE: dict[str, dict[str, Any]] = {row["project_type"]: row for row in _OB["project_types"]}
if tuple(_TABLE) != PROJECT_TYPES:  # pragma: no cover - guards a data edit
    raise AssertionError("reference.json optimism_bias rows must match model.PROJECT_TYPES")


def _row(project_type: str) -> dict[str, Any]:
    try:
        return _TABLE[project_type]
    except KeyError:
        raise ProposalError(f"unknown project_type {project_type!r}",
                            "#/risk/project_type") from None


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
    if not 0.0 <= mitigation <= 1.0:
        raise ProposalError("mitigation must be between 0 and 1", "#/risk/mitigation")
    upper: float | None = _row(project_type)[f"{measure}_upper"]
    return None if upper is None else upper * (1.0 - mitigation)


def blended_upper(mix: Mapping[str, float], measure: str = "cost") -> float:
    """Upper-bound uplift of a combined project: each row weighted by its share of cost.

    The guidance's worked example: 30% non-standard and 70% standard buildings.

    >>> mix = {"non_standard_buildings": 0.3, "standard_buildings": 0.7}
    >>> round(blended_upper(mix), 4), round(blended_upper(mix, "duration"), 4)
    (0.321, 0.145)
    """
    shares = list(mix.values())
    if any(s < 0.0 for s in shares) or abs(math.fsum(shares) - 1.0) > 1e-9:
        raise ProposalError("the shares of a combined project must be >= 0 and sum to 1", "#/risk")
    uppers = [_row(t)[f"{measure}_upper"] for t in mix]
    if any(u is None for u in uppers):
        raise ProposalError(f"a project type in the mix has no {measure} figure", "#/risk")
    return math.fsum(s * u for s, u in zip(shares, uppers, strict=True))


def assumptions(proposal: Proposal) -> RiskAssumptions:
    """The uplifts the risk-adjusted view applies to ``proposal`` (echoed in the response).

    ``project_type`` defaults by ``partnership_model`` (``reference.json``
    ``optimism_bias.default_project_type``): service partnerships use the outsourcing row, a
    channel shift the equipment/development row.
    """
    given = proposal.risk or RiskInput()
    m = given.mitigation
    defaulted = given.project_type is None
    project_type = (_OB["default_project_type"].get(proposal.partnership_model, "outsourcing")
                    if given.project_type is None else given.project_type)
    other = uplift(project_type, m)
    it = uplift(_OB["it_project_type"], m)
    opex = uplift(_OB["supplier_operating_cost_project_type"], m)
    duration = uplift(project_type, m, "duration")
    assert other is not None and it is not None and opex is not None  # every row has a cost
    notes: dict[str, str] = {}
    if duration is None:
        notes["duration_uplift"] = (
            f"the optimism-bias guidance gives no duration figure for {project_type}, so no ramp "
            "is stretched"
        )
    lower = _row(project_type)["cost_lower"]
    if other < lower:
        notes["mitigation"] = (
            f"mitigation {m:.0%} takes the {project_type} cost uplift to {other:.1%}, below the "
            f"{lower:.0%} lower bound that the guidance expects full risk management to reach"
        )
    upfront = proposal.public.upfront_costs
    it_cost = upfront.it or 0.0
    return RiskAssumptions(
        project_type=project_type,
        project_type_defaulted=defaulted,
        mitigation=m,
        public_it_uplift=it,
        public_other_upfront_uplift=other,
        supplier_investment_uplift=other,
        supplier_operating_cost_uplift=opex,
        duration_uplift=duration,
        public_upfront_costs_risk_adjusted=(
            it_cost * (1.0 + it) + (upfront.total - it_cost) * (1.0 + other)),
        notes=notes,
    )


def stretch(series: np.ndarray, factor: float | None) -> np.ndarray:
    """Stretch a yearly profile (years 1..T) in time by ``1 + factor``, keeping its start.

    Year t takes the value the profile had at year ``1 + (t - 1) / (1 + factor)`` (linear
    interpolation): a ramp that reached steady state in year 3 reaches it ``factor`` later. A
    constant profile is unchanged, and so is any profile when ``factor`` is ``None`` or 0.

    >>> stretch(np.array([0.0, 50, 100, 100, 100]), 1.0).tolist()
    [0.0, 25.0, 50.0, 75.0, 100.0]
    """
    if not factor or factor <= 0.0 or series.size < 2:
        return series
    years = np.arange(1.0, series.size + 1.0)
    return np.interp(1.0 + (years - 1.0) / (1.0 + factor), years, series)


def risk_adjusted_flows(f: Flows, a: RiskAssumptions, proposal: Proposal) -> Flows:
    """The stated flows with the optimism-bias uplifts of ``a`` applied (module docstring)."""
    f = with_contact(f, proposal, 1.0 + (a.duration_uplift or 0.0))
    d = a.duration_uplift
    return replace(
        f,
        payment=stretch(f.payment, d),
        retained=stretch(f.retained, d),
        other_income=stretch(f.other_income, d),
        public_upfront=a.public_upfront_costs_risk_adjusted,
        supplier_opex=stretch(f.supplier_opex, d) * (1.0 + a.supplier_operating_cost_uplift),
        supplier_investment=f.supplier_investment * (1.0 + a.supplier_investment_uplift),
    )


@dataclass(frozen=True, slots=True)
class RiskFigures:
    """The headline figures of the risk-adjusted view (``None`` where a figure does not exist),
    and the flows they were made from."""

    flows: Flows
    public_npv: float
    public_payback: float | None
    supplier_npv: float
    whole_life_margin: float | None
    support_ratio: float | None


def risk_figures(adj: Flows) -> RiskFigures:
    """Public NPV and payback, supplier NPV and whole-life margin, and the support ratio of
    ``adj`` (the same definitions as the stated figures, DESIGN.md 4.1-4.3)."""
    pub = public_net(adj)
    return RiskFigures(
        flows=adj,
        public_npv=finance.npv(pub, adj.public_factors),
        public_payback=finance.payback(pub),
        supplier_npv=finance.npv(supplier_net(adj), adj.supplier_factors),
        whole_life_margin=whole_life_margin(adj),
        support_ratio=ratio(*partnership_costs(adj)),
    )
