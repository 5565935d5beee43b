"""``appraise(proposal) -> Appraisal``: the business case for both sides of a partnership.

The proposal is resolved into yearly flows (:mod:`svcalc.core.flows`); each view then reads
them: both sides' cases here, the risk-adjusted view (:mod:`~svcalc.core.risk`), sensitivity,
social value and channel shift, the flags, the verdict and, when asked, a Monte Carlo simulation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from svcalc import __version__
from svcalc.core import finance, flags, risk, sensitivity, verdict
from svcalc.core.flows import (
    Flows,
    partnership_costs,
    public_costs,
    public_net,
    ratio,
    resolve,
    supplier_net,
    whole_life_margin,
)
from svcalc.core.model import (
    Appraisal,
    CashFlowRow,
    Method,
    PartnershipCase,
    Proposal,
    PublicCase,
    SocialValueCase,
    SupplierCase,
    SwitchingValue,
)
from svcalc.core.reference import REFERENCE
from svcalc.core.simulation import simulate
from svcalc.core.social_appraisal import social_view

__all__ = ["appraise", "appraise_many"]


def _irr(result: finance.IrrResult, notes: dict[str, str]) -> float | None:
    """The IRR's value, its reason noted when it has none."""
    if result.value is None and result.reason:
        notes["irr"] = result.reason
    return result.value


#: How the public BCR is built (DESIGN.md 4.8), said in every response.
BCR_CONSTRUCTION = (
    "PV of business as usual avoided plus monetised social value, over the PV of what the "
    "partnership costs the public body (upfront, payments, retained and contact costs), at the "
    "public discount rate: savings counted as benefits, as HM Treasury's cost-benefit guidance "
    "for local partnerships (2014) does under Green Book 5.54-5.56. NPSV = benefits - costs. "
    "Context only: the Green Book sets no BCR threshold, and NPSV leads.")


def _public_case(f: Flows, net: np.ndarray, npv: float, irr: finance.IrrResult,
                 ra: risk.RiskFigures, social_value: SocialValueCase) -> PublicCase:
    notes: dict[str, str] = {}
    irr_value = _irr(irr, notes)
    payback = finance.payback(net)
    d_payback = finance.payback(net * f.public_factors)
    first = finance.first_positive_year(net)
    share = ratio(float(net[-1]), float(f.baseline[-1] + f.baseline_contact[-1]))
    costs = public_costs(f)
    bcr = ratio(costs + npv + social_value.present_value, costs)
    if payback is None:
        notes["payback_years"] = "the cumulative saving does not recover the costs within the term"
    if ra.public_payback is None:
        notes["payback_years_risk_adjusted"] = (
            "in the risk-adjusted view the cumulative saving does not recover the costs within "
            "the term")
    if d_payback is None:
        notes["discounted_payback_years"] = (
            "the discounted cumulative saving does not recover the costs within the term")
    if first is None:
        notes["first_saving_year"] = "no contract year costs less than business as usual"
    if share is None:
        notes["saving_share_of_baseline"] = (
            "the final-year business-as-usual cost is zero or negligible")
    if bcr is None:
        notes["bcr"] = "the partnership costs the public body nothing"
    return PublicCase(
        npsv=npv + social_value.present_value,
        npsv_risk_adjusted=ra.public_npv + social_value.present_value_risk_adjusted,
        npv=npv,
        npv_risk_adjusted=ra.public_npv,
        irr=irr_value,
        payback_years=payback,
        payback_years_risk_adjusted=ra.public_payback,
        discounted_payback_years=d_payback,
        first_saving_year=first,
        peak_funding_requirement=finance.peak_funding_requirement(net),
        upfront_costs=f.public_upfront,
        annual_saving_steady_state=float(net[-1]),
        saving_share_of_baseline=share,
        bcr=bcr,
        bcr_construction=BCR_CONSTRUCTION,
        notes=notes,
    )


def _supplier_case(f: Flows, net: np.ndarray, npv: float, irr: finance.IrrResult,
                   ra: risk.RiskFigures, breakeven: SwitchingValue) -> SupplierCase:
    notes: dict[str, str] = {}
    irr_value = _irr(irr, notes)
    revenue = (f.payment + f.other_income).tolist()
    opex = (f.supplier_opex + f.supplier_contact).tolist()
    # null in a year with no revenue, or with revenue so small that the margin overflows
    margins = [ratio(r - o, r) for r, o in zip(revenue, opex, strict=True)]
    payback = finance.payback(net)
    d_payback = finance.payback(net * f.supplier_factors)
    margin = whole_life_margin(f)
    if payback is None:
        notes["payback_years"] = "the supplier does not recover its investment within the term"
    if d_payback is None:
        notes["discounted_payback_years"] = (
            "the supplier does not recover its investment at its cost of capital within the term")
    if margin is None:
        notes["whole_life_margin"] = "the supplier has no revenue over the term"
    if ra.whole_life_margin is None:
        notes["whole_life_margin_risk_adjusted"] = "the supplier has no revenue over the term"
    if None in margins:
        notes["annual_margins"] = "a year with no (or negligible) revenue has no margin (null)"
    if breakeven.reason is not None:
        notes["breakeven_cost_overrun"] = breakeven.reason
    return SupplierCase(
        npv=npv,
        npv_risk_adjusted=ra.supplier_npv,
        irr=irr_value,
        payback_years=payback,
        discounted_payback_years=d_payback,
        peak_funding_requirement=finance.peak_funding_requirement(net),
        whole_life_margin=margin,
        whole_life_margin_risk_adjusted=ra.whole_life_margin,
        annual_margins=margins,
        breakeven_cost_overrun=breakeven.switching_value,
        cost_overrun_stress=risk.cost_overrun_stress(f),
        notes=notes,
    )


def _partnership_case(f: Flows, public_npv: float, supplier_net_flows: np.ndarray,
                      ra: risk.RiskFigures) -> PartnershipCase:
    notes: dict[str, str] = {}
    individual, consumed = partnership_costs(f)
    support = ratio(individual, consumed)
    supplier_at_public_rate = finance.npv(supplier_net_flows, f.public_factors)
    if support is None:
        notes["support_ratio"] = "the partnership consumes no resources"
    if ra.support_ratio is None:
        notes["support_ratio_risk_adjusted"] = "the partnership consumes no resources"
    share: float | None = None
    if public_npv > 0.0 and supplier_at_public_rate > 0.0:
        share = public_npv / (public_npv + supplier_at_public_rate)
    else:
        notes["value_share_public"] = (
            "defined only when both sides' NPVs at the public discount rate are positive")
    return PartnershipCase(
        individual_delivery_cost=individual,
        partnership_cost=consumed,
        support_ratio=support,
        supplier_npv_at_public_rate=supplier_at_public_rate,
        value_share_public=share,
        notes=notes,
        support_ratio_risk_adjusted=ra.support_ratio,
    )


def _cash_flows(f: Flows, pub: np.ndarray, sup: np.ndarray,
                ra: risk.RiskFigures) -> list[CashFlowRow]:
    """The year-by-year table, years 0..T (yearly figures are 0 in year 0, one-off ones 0
    after it), from its columns in :class:`CashFlowRow`'s order."""
    later = [0.0] * f.term_years

    def yearly(values: np.ndarray) -> list[float]:
        return [0.0, *values.tolist()]

    columns = (
        range(f.term_years + 1),  # year
        f.public_factors.tolist(),  # discount_factor
        yearly(f.baseline),  # baseline_cost
        yearly(f.payment),  # annual_payment
        yearly(f.retained),  # retained_costs
        [f.public_upfront, *later],  # public_upfront_costs
        pub.tolist(),  # public_net
        np.cumsum(pub).tolist(),  # public_cumulative
        (pub * f.public_factors).tolist(),  # public_discounted
        yearly(f.payment + f.other_income),  # supplier_revenue
        yearly(f.supplier_opex),  # supplier_operating_cost
        [f.supplier_investment, *later],  # supplier_upfront_investment
        sup.tolist(),  # supplier_net
        np.cumsum(sup).tolist(),  # supplier_cumulative
        f.supplier_factors.tolist(),  # supplier_discount_factor
        (sup * f.supplier_factors).tolist(),  # supplier_discounted
        yearly(f.baseline_contact),  # baseline_contact_cost
        yearly(f.public_contact),  # public_contact_cost
        yearly(f.supplier_contact),  # supplier_contact_cost
        ra.public_net.tolist(),  # public_net_risk_adjusted
        np.cumsum(ra.public_net).tolist(),  # public_cumulative_risk_adjusted
        ra.supplier_net.tolist(),  # supplier_net_risk_adjusted
        np.cumsum(ra.supplier_net).tolist(),  # supplier_cumulative_risk_adjusted
    )
    return [CashFlowRow._make(row) for row in zip(*columns, strict=True)]


def _method(proposal: Proposal) -> Method:
    return Method(
        version=__version__,
        reference_version=REFERENCE["version"],
        discounting="flat_rate" if proposal.public.discount_rate is not None else "green_book_stpr",
        public_discount_rate=proposal.public.discount_rate,
        supplier_discount_rate=proposal.supplier.cost_of_capital,
        price_basis=proposal.price_basis,
        currency=proposal.currency,
    )


def _appraise(proposal: Proposal, f: Flows, public_irr: finance.IrrResult,
              supplier_irr: finance.IrrResult) -> Appraisal:
    """The appraisal of a resolved proposal, given the IRR of each side's net flows."""
    pub, sup = public_net(f), supplier_net(f)
    assumptions = risk.assumptions(proposal)
    ra = risk.risk_figures(risk.risk_adjusted_flows(f, assumptions, proposal))
    public_npv = finance.npv(pub, f.public_factors)
    supplier_npv = finance.npv(sup, f.supplier_factors)
    levers = sensitivity.levers(f, pub, sup, public_npv, supplier_npv)
    sens = sensitivity.analyse(levers)
    partnership = _partnership_case(f, public_npv, sup, ra)
    social, channel_shift, social_flags = social_view(
        proposal, f, public_npv, supplier_npv, partnership.support_ratio, ra,
        1.0 + assumptions.migration_duration_uplift)
    public = _public_case(f, pub, public_npv, public_irr, ra, social)
    # The supplier's break-even cost overrun is its operating cost's switching value.
    breakeven = next(sv for sv in sens.switching_values if sv.input == "supplier_operating_cost")
    supplier = _supplier_case(f, sup, supplier_npv, supplier_irr, ra, breakeven)
    found = flags.evaluate(proposal, f, public, supplier, assumptions, sens) + social_flags
    method = _method(proposal)
    return Appraisal(
        name=proposal.name,
        method=method,
        verdict=verdict.decide(public, supplier, found, method),
        public=public,
        supplier=supplier,
        partnership=partnership,
        social_value=social,
        channel_shift=channel_shift,
        risk=assumptions,
        sensitivity=sens,
        simulation=None if proposal.simulation is None else simulate(
            f, pub, sup, proposal.simulation, ra),
        flags=found,
        cash_flows=_cash_flows(f, pub, sup, ra),
    )


def appraise(proposal: Proposal) -> Appraisal:
    """Appraise a proposal: the business case for the public body and for the supplier.

    >>> from svcalc.core.model import PublicSide, SupplierSide, UpfrontCosts
    >>> p = Proposal(
    ...     term_years=5,
    ...     public=PublicSide(baseline_annual_cost=1000.0, annual_payment=850.0,
    ...                       upfront_costs=UpfrontCosts(procurement=200.0)),
    ...     supplier=SupplierSide(annual_operating_cost=800.0, upfront_investment=100.0),
    ... )
    >>> a = appraise(p)
    >>> round(a.public.npv, 2), round(a.public.payback_years, 4), a.public.first_saving_year
    (477.26, 1.3333, 1)
    >>> round(a.supplier.whole_life_margin, 4)
    0.0353
    """
    f = resolve(proposal)
    return _appraise(proposal, f, finance.irr(public_net(f)), finance.irr(supplier_net(f)))


def appraise_many(proposals: Sequence[Proposal]) -> list[Appraisal]:
    """Appraise many proposals: :func:`appraise` of each, with every IRR of the batch solved at
    once by :func:`finance.irr_many` (an IRR may differ from a single appraisal's in its last
    binary digit; every other figure is the same). A proposal that :func:`appraise` would
    refuse raises the same :class:`ProposalError`, and the batch with it.

    >>> from svcalc.core.model import PublicSide, SupplierSide
    >>> p = Proposal(term_years=3, public=PublicSide(baseline_annual_cost=10.0, annual_payment=9.0),
    ...              supplier=SupplierSide(annual_operating_cost=8.0, upfront_investment=2.0))
    >>> [round(a.supplier.irr, 6) for a in appraise_many([p, p])]
    [0.233752, 0.233752]
    """
    resolved = [resolve(p) for p in proposals]
    irrs = finance.irr_many([net(f) for f in resolved for net in (public_net, supplier_net)])
    return [_appraise(p, f, irrs[2 * i], irrs[2 * i + 1])
            for i, (p, f) in enumerate(zip(proposals, resolved, strict=True))]
