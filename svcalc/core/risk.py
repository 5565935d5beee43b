"""The risk-adjusted view (DESIGN.md 4.6): optimism bias where the guidance puts it, savings
banked only up to the evidence, and the supplier's bid stress-tested.

Optimism bias "is expressed as the percentage difference between the estimate at appraisal and
the final outturn" (Mott MacDonald 2002): it belongs to the **appraising body's own estimates**.
HM Treasury's supplementary guidance (Mott MacDonald 2002, Table 2) gives, for six project
types, an upper and a lower bound of the overrun of cost and of works duration; the reference
data (``optimism_bias``) holds them and says which estimate carries which row:

* the public upfront ``it`` costs: equipment/development capex; the other upfront costs:
  ``risk.project_type`` (by default from the partnership model);
* the public retained costs: the outsourcing opex row, which measured exactly this, the public
  body's business-case opex estimate against outturn;
* the annual payment only at strategic outline stage, where it is the public body's estimate of
  a price no one has bid yet; a priced bid is not uplifted ("optimism bias reduction is likely
  to be achieved at least in part through priced risk transfer");
* the supplier's upfront investment (its own capital estimate): ``risk.project_type``;
* phased profiles (payments, retained costs, the supplier's costs and income) arrive later by
  the works-duration uplift of ``risk.project_type`` (none for outsourcing); every channel-shift
  migration by the equipment/development duration uplift (a channel shift is a digital build).

Where each uplift sits is set by the business-case **stage** (``stage_uplift``): the upper bound
at strategic outline, the lower bound at full business case (specific risks costed instead, in
``risk.contingency``), and at outline 0.35 x the upper bound, never below the lower (the
intermediate stage of Transport Scotland's STAG Table 13.4: roads 15% of 44%, bridges 23% of
66%). ``risk.mitigation`` moves an uplift from there toward the lower bound, and only when
``risk.evidence`` says what it rests on.

There are no generic uplifts for benefits, so the **saving** a partnership's price makes against
business as usual is banked up to what outsourcing has realised (``savings_evidence``, IfG 2019:
typically 5-10%), not beyond. The supplier's operating cost carries no uplift: its
sustainability is a **stress test** (:func:`cost_overrun_stress`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from svcalc.core import finance
from svcalc.core.errors import ProposalError
from svcalc.core.flows import (
    Flows,
    contract_saving,
    partnership_costs,
    public_net,
    ratio,
    supplier_net,
    whole_life_margin,
    with_contact,
)
from svcalc.core.model import (
    PROJECT_TYPES,
    STAGES,
    CostOverrun,
    Proposal,
    RiskAssumptions,
    RiskInput,
)
from svcalc.core.reference import REFERENCE

__all__ = ["RiskFigures", "assumptions", "cost_overrun_stress", "risk_adjusted_flows",
           "risk_figures", "stage_uplift", "stretch", "uplift"]

_OB: dict[str, Any] = REFERENCE["optimism_bias"]
_TABLE: dict[str, dict[str, Any]] = {row["project_type"]: row for row in _OB["project_types"]}
if tuple(_TABLE) != PROJECT_TYPES or tuple(_OB["stages"]) != STAGES:  # pragma: no cover
    raise AssertionError("reference.json optimism_bias must match model.PROJECT_TYPES, STAGES")


def _row(project_type: str) -> dict[str, Any]:
    try:
        return _TABLE[project_type]
    except KeyError:
        raise ProposalError(f"unknown project_type {project_type!r}",
                            "#/risk/project_type") from None


def stage_uplift(project_type: str, stage: str, measure: str = "cost") -> float | None:
    """Where the uplift of ``project_type`` sits at ``stage``, before any mitigation; ``None``
    when the guidance gives no figure (``measure`` ``"duration"`` for outsourcing).

    >>> stage_uplift("outsourcing", "strategic_outline"), stage_uplift("outsourcing", "full")
    (0.41, 0.0)
    >>> round(stage_uplift("outsourcing", "outline"), 4)  # 0.35 x 41%
    0.1435
    >>> stage_uplift("standard_buildings", "full", "duration")  # its lower bound
    0.01
    """
    row = _row(project_type)
    upper, lower = row[f"{measure}_upper"], row[f"{measure}_lower"]
    if upper is None:
        return None
    rule = _OB["stages"][stage]
    if rule["rule"] == "upper":
        return float(upper)
    if rule["rule"] == "lower":
        return float(lower)
    return max(float(lower), rule["fraction_of_upper"] * upper)


def uplift(project_type: str, stage: str, mitigation: float = 0.0,
           measure: str = "cost") -> float | None:
    """The uplift applied: the stage's, moved toward the lower bound by ``mitigation`` (0..1:
    at 1, the lower bound, which the guidance expects full risk management to reach).

    >>> round(uplift("non_standard_buildings", "strategic_outline", 0.5), 4)  # 51% -> 4%
    0.275
    """
    if not 0.0 <= mitigation <= 1.0:
        raise ProposalError("mitigation must be between 0 and 1", "#/risk/mitigation")
    at = stage_uplift(project_type, stage, measure)
    if at is None:
        return None
    lower: float = _row(project_type)[f"{measure}_lower"]
    return at - mitigation * (at - lower)


def assumptions(proposal: Proposal) -> RiskAssumptions:
    """What the risk-adjusted view applies to ``proposal`` (echoed in the response)."""
    given = proposal.risk or RiskInput()
    if given.stage not in STAGES:
        raise ProposalError(f"unknown stage {given.stage!r}", "#/risk/stage")
    if given.contingency < 0.0:
        raise ProposalError("contingency must not be negative", "#/risk/contingency")
    defaulted = given.project_type is None
    project_type = (_OB["default_project_type"].get(proposal.partnership_model, "outsourcing")
                    if given.project_type is None else given.project_type)
    stage = given.stage
    applied = given.mitigation if given.evidence else 0.0
    notes: dict[str, str] = {}
    if given.mitigation > 0.0 and not given.evidence:
        notes["mitigation_applied"] = (
            "mitigation needs evidence (risk.evidence: what it rests on), so none is applied "
            f"beyond the {stage} stage's own position")

    def cost(row: str) -> float:
        value = uplift(row, stage, applied)
        assert value is not None  # every row has a cost figure
        return value

    other = cost(project_type)
    it = cost(_OB["it_project_type"])
    duration = uplift(project_type, stage, applied, "duration")
    migration = uplift(_OB["migration_project_type"], stage, applied, "duration")
    assert migration is not None
    if duration is None:
        notes["duration_uplift"] = (
            f"the optimism-bias guidance gives no duration figure for {project_type}, so no "
            "phased profile is slowed")
    payment = cost(_OB["payment_estimate_project_type"]) if stage == "strategic_outline" else 0.0
    if stage != "strategic_outline":
        notes["public_payment_uplift"] = (
            f"at the {stage} stage the annual payment is a priced bid, which carries no "
            "optimism bias: the supplier has taken the risk of its price")
    upfront = proposal.public.upfront_costs
    it_cost = upfront.it or 0.0
    return RiskAssumptions(
        project_type=project_type,
        project_type_defaulted=defaulted,
        stage=stage,
        mitigation=given.mitigation,
        mitigation_applied=applied,
        evidence=list(given.evidence),
        public_it_uplift=it,
        public_other_upfront_uplift=other,
        public_retained_costs_uplift=cost(_OB["retained_costs_project_type"]),
        public_payment_uplift=payment,
        supplier_investment_uplift=other,
        duration_uplift=duration,
        migration_duration_uplift=migration,
        savings_cap_share_of_baseline=REFERENCE["savings_evidence"]["realised_share_high"],
        contingency=given.contingency,
        public_upfront_costs_risk_adjusted=(
            it_cost * (1.0 + it) + (upfront.total - it_cost) * (1.0 + other)
            + given.contingency),
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
    """The stated flows with what ``a`` applies (module docstring). The public side's extra
    cost, ``public_adjustment``, is the payment estimate's overrun plus the saving not banked
    beyond the evidence; the supplier is paid the price as bid."""
    f = with_contact(f, proposal, 1.0 + a.migration_duration_uplift)
    d = a.duration_uplift
    f = replace(
        f,
        payment=stretch(f.payment, d),
        retained=stretch(f.retained, d) * (1.0 + a.public_retained_costs_uplift),
        other_income=stretch(f.other_income, d),
        supplier_opex=stretch(f.supplier_opex, d),
        public_upfront=a.public_upfront_costs_risk_adjusted,
        supplier_investment=f.supplier_investment * (1.0 + a.supplier_investment_uplift),
    )
    overrun = f.payment * a.public_payment_uplift
    unbanked = np.maximum(contract_saving(f) - overrun
                          - a.savings_cap_share_of_baseline * f.baseline, 0.0)
    return replace(f, public_adjustment=overrun + unbanked)


@dataclass(frozen=True, slots=True)
class RiskFigures:
    """The headline figures of the risk-adjusted view (``None`` where a figure does not exist),
    the flows they were made from, and each side's yearly net flows (years 0..T)."""

    flows: Flows
    public_net: np.ndarray
    supplier_net: np.ndarray
    public_npv: float
    public_payback: float | None
    supplier_npv: float
    whole_life_margin: float | None
    support_ratio: float | None


def risk_figures(adj: Flows) -> RiskFigures:
    """Public NPV and payback, supplier NPV and whole-life margin, and the support ratio of
    ``adj`` (the same definitions as the stated figures, DESIGN.md 4.1-4.3)."""
    pub, sup = public_net(adj), supplier_net(adj)
    return RiskFigures(
        flows=adj,
        public_net=pub,
        supplier_net=sup,
        public_npv=finance.npv(pub, adj.public_factors),
        public_payback=finance.payback(pub),
        supplier_npv=finance.npv(sup, adj.supplier_factors),
        whole_life_margin=whole_life_margin(adj),
        support_ratio=ratio(*partnership_costs(adj)),
    )


def cost_overrun_stress(f: Flows) -> list[CostOverrun]:
    """The supplier's NPV and whole-life margin with its operating cost raised by each overrun
    of the reference data (``supplier_stress``: +10%, +20%, and +41%, the extreme of the
    outsourcing evidence), all else as priced."""
    stress = REFERENCE["supplier_stress"]
    out = []
    for x in stress["overruns"]:
        g = replace(f, supplier_opex=f.supplier_opex * (1.0 + x))
        label = ("the extreme of the outsourcing evidence" if x == stress["extreme"]
                 else f"a {x:.0%} overrun")
        out.append(CostOverrun(cost_overrun=x,
                               npv=finance.npv(supplier_net(g), g.supplier_factors),
                               whole_life_margin=whole_life_margin(g), label=label))
    return out
