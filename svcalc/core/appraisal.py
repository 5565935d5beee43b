"""``appraise(proposal) -> Appraisal``: the business case for both sides of a partnership.

Two steps, kept apart so that other views (risk-adjusted, sensitivity, simulation) can reuse them:

1. :func:`resolve` turns a :class:`Proposal` into :class:`Flows`: per-year numpy arrays in real
   base-year prices, plus the discount factors of each side.
2. :func:`public_net` / :func:`supplier_net` and the figure functions read those arrays.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache, partial
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from svcalc import __version__
from svcalc.core import finance
from svcalc.core.channel_shift import ContactCosts, contact_costs, contact_flows
from svcalc.core.errors import ProposalError
from svcalc.core.model import (
    Appraisal,
    CashFlowTable,
    Method,
    PartnershipCase,
    Proposal,
    PublicCase,
    RiskAssumptions,
    SupplierCase,
    YearlyValue,
)
from svcalc.core.records import record
from svcalc.core.reference import REFERENCE, vfm_category
from svcalc.core.social_appraisal import RiskFigures as SocialRiskFigures
from svcalc.core.social_appraisal import social_view

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from svcalc.core.risk import RiskFigures

__all__ = ["Flows", "appraise", "appraise_many", "public_net", "resolve", "supplier_net"]


@record
class Flows:
    """A proposal as arrays in real base-year prices. Yearly arrays cover years 1..T."""

    term_years: int
    baseline: np.ndarray
    payment: np.ndarray
    retained: np.ndarray
    public_upfront: float
    supplier_opex: np.ndarray
    other_income: np.ndarray
    supplier_investment: float
    public_factors: np.ndarray
    supplier_factors: np.ndarray
    # Contact-handling costs (channel shift, DESIGN.md 4.4), years 1..T; zeros when the proposal
    # has no channel_shift block. BAU carries today's mix; the bearing side carries the shifted.
    baseline_contact: np.ndarray
    public_contact: np.ndarray
    supplier_contact: np.ndarray


def _yearly(value: YearlyValue, n: int, pointer: str) -> np.ndarray:
    if isinstance(value, int | float):
        arr = np.empty(n)  # np.full's work, without its Python-level overhead
        arr.fill(float(value))
        return arr
    arr = np.asarray(value, dtype=float)
    if arr.shape != (n,):
        raise ProposalError(f"expected {n} values, one per contract year, got {arr.size}", pointer)
    return arr


def resolve(proposal: Proposal) -> Flows:
    """Expand yearly values, convert nominal to real prices, and build discount factors."""
    return _resolve(proposal)[0]


def _resolve(proposal: Proposal) -> tuple[Flows, ContactCosts | None]:
    """:func:`resolve`, and the channel shift's contact costs (``None`` without one), which the
    channel-shift view reuses rather than recomputes."""
    n = proposal.term_years
    if not 1 <= n <= 60:
        raise ProposalError("term_years must be between 1 and 60", "#/term_years")
    pub, sup = proposal.public, proposal.supplier
    yearly = [
        _yearly(pub.baseline_annual_cost, n, "#/public/baseline_annual_cost"),
        _yearly(pub.annual_payment, n, "#/public/annual_payment"),
        _yearly(pub.retained_costs, n, "#/public/retained_costs"),
        _yearly(sup.annual_operating_cost, n, "#/supplier/annual_operating_cost"),
        _yearly(sup.other_income, n, "#/supplier/other_income"),
    ]
    if proposal.price_basis == "nominal":
        if proposal.inflation is None:
            raise ProposalError("a nominal price basis needs an inflation rate", "#/inflation")
        # Green Book: deflate to base-year prices before discounting at the real STPR.
        deflator = finance.real_terms_factors(n, proposal.inflation)[1:]
        yearly = [series * deflator for series in yearly]
    baseline, payment, retained, opex, other = yearly
    cs = proposal.channel_shift
    contact = None if cs is None else contact_costs(cs, n)
    flows = Flows(
        term_years=n,
        baseline=baseline,
        payment=payment,
        retained=retained,
        public_upfront=pub.upfront_costs.total,
        supplier_opex=opex,
        other_income=other,
        supplier_investment=float(sup.upfront_investment),
        public_factors=finance.discount_factors(n, pub.discount_rate),
        supplier_factors=finance.shared_flat_discount_factors(n, sup.cost_of_capital),
        # Channel shift (DESIGN.md 4.4): BAU at today's mix; the shifted cost to the bearing side.
        **contact_flows(cs, n, costs=contact),
    )
    return flows, contact


def public_net(f: Flows) -> np.ndarray:
    """Public net saving against business as usual, years 0..T (year 0: upfront costs)."""
    net = np.empty(f.term_years + 1)
    net[0] = -f.public_upfront
    np.subtract(f.baseline + f.baseline_contact, f.payment + f.retained + f.public_contact,
                out=net[1:])
    return net


def supplier_net(f: Flows) -> np.ndarray:
    """Supplier cash flow, years 0..T (year 0: its upfront investment)."""
    net = np.empty(f.term_years + 1)
    net[0] = -f.supplier_investment
    np.subtract(f.payment + f.other_income, f.supplier_opex + f.supplier_contact, out=net[1:])
    return net


def _ratio(num: float, den: float) -> float | None:
    # A tiny (denormal) denominator can overflow to infinity, which JSON cannot carry.
    if den == 0.0:
        return None
    ratio = num / den
    return ratio if math.isfinite(ratio) else None


#: :func:`_public_case`'s figures: npv, payback, discounted payback, first saving year, saving
#: share of the baseline, BCR, peak funding, final-year saving.
PublicFigures = tuple[float, float | None, float | None, int | None, float | None, float | None,
                      float, float]


def _public_figures(f: Flows, net: np.ndarray) -> PublicFigures:
    """The figures of :func:`_public_case` from the flows (``appraise_many`` works them out
    for many proposals at once: batch.py)."""
    discounted = net * f.public_factors
    last_baseline = float(f.baseline[-1] + f.baseline_contact[-1])
    # BCR of the incremental case against BAU: PV of the years that save / PV of those that cost.
    years = discounted.tolist()
    benefits = sum([v for v in years if v > 0.0])
    costs = -sum([v for v in years if v < 0.0])
    return (math.fsum(years), finance.payback(net), finance.payback(discounted),
            finance.first_positive_year(net), _ratio(float(net[-1]), last_baseline),
            _ratio(benefits, costs), finance.peak_funding_requirement(net), float(net[-1]))


def _irr_noted(net: np.ndarray, notes: dict[str, str],
               irr: finance.IrrResult | None) -> finance.IrrResult:
    """One side's IRR (``irr``, when appraise_many worked it out for the whole batch, else
    solved here), its reason noted when it has no value."""
    if irr is None:
        irr = finance.irr(net)
    if irr.value is None and irr.reason:
        notes["irr"] = irr.reason
    return irr


def _public_case(f: Flows, net: np.ndarray, notes: dict[str, str],
                 ra: RiskFigures, irr: finance.IrrResult | None = None,
                 figures: PublicFigures | None = None) -> PublicCase:
    irr = _irr_noted(net, notes, irr)
    npv, payback, d_payback, first, share, bcr, peak, steady = (
        _public_figures(f, net) if figures is None else figures)
    if payback is None:
        notes["payback_years"] = "the cumulative saving does not recover the costs within the term"
    if d_payback is None:
        notes["discounted_payback_years"] = (
            "the discounted cumulative saving does not recover the costs within the term"
        )
    if ra.public_payback is None:
        notes["payback_years_risk_adjusted"] = (
            "with optimism bias applied, the cumulative saving does not recover the costs within "
            "the term"
        )
    if first is None:
        notes["first_saving_year"] = "no contract year costs less than business as usual"
    if share is None:
        notes["saving_share_of_baseline"] = (
            "the final-year business-as-usual cost is zero or negligible")
    if bcr is None:
        notes["bcr"] = "no year costs the public body more than business as usual"
    return PublicCase(  # positional, in field order (a keyword costs ~0.1 us)
        npv,  # npv
        irr.value,  # irr
        payback,  # payback_years
        d_payback,  # discounted_payback_years
        first,  # first_saving_year
        peak,  # peak_funding_requirement
        f.public_upfront,  # upfront_costs
        steady,  # annual_saving_steady_state
        share,  # saving_share_of_baseline
        bcr,  # bcr
        vfm_category(bcr),  # vfm_category
        notes,  # notes
        ra.public_npv,  # npv_risk_adjusted
        ra.public_payback,  # payback_years_risk_adjusted
    )


#: :func:`_supplier_case`'s figures: npv, payback, discounted payback, peak funding, whole-life
#: margin, annual margins, whether an annual margin is missing (None).
SupplierFigures = tuple[float, float | None, float | None, float, float | None,
                        list[float | None], bool]


def _supplier_figures(f: Flows, net: np.ndarray) -> SupplierFigures:
    """The figures of :func:`_supplier_case` from the flows (``appraise_many`` works them out
    for many proposals at once: batch.py)."""
    revenue = f.payment + f.other_income
    total_revenue = float(revenue.sum())  # the same reduction as np.sum, without its wrapper
    opex = f.supplier_opex + f.supplier_contact
    whole_life = _ratio(total_revenue - float(opex.sum()) - f.supplier_investment, total_revenue)
    # null in a year with no revenue, or revenue so small that the margin overflows
    # (_ratio inlined: one call per year is most of this line's cost)
    margins = [None if r == 0.0 or not math.isfinite(m := (r - o) / r) else m
               for r, o in zip(revenue.tolist(), opex.tolist(), strict=True)]
    return (finance.npv(net, f.supplier_factors), finance.payback(net),
            finance.payback(net * f.supplier_factors), finance.peak_funding_requirement(net),
            whole_life, margins, None in margins)


def _supplier_case(f: Flows, net: np.ndarray, notes: dict[str, str],
                   ra: RiskFigures, irr: finance.IrrResult | None = None,
                   figures: SupplierFigures | None = None) -> SupplierCase:
    irr = _irr_noted(net, notes, irr)
    npv, payback, d_payback, peak, whole_life, margins, margin_missing = (
        _supplier_figures(f, net) if figures is None else figures)
    if payback is None:
        notes["payback_years"] = "the supplier does not recover its investment within the term"
    if d_payback is None:
        notes["discounted_payback_years"] = (
            "the supplier does not recover its investment at its cost of capital within the term"
        )
    if whole_life is None:
        notes["whole_life_margin"] = "the supplier has no revenue over the term"
    if ra.whole_life_margin is None:
        notes["whole_life_margin_risk_adjusted"] = "the supplier has no revenue over the term"
    if margin_missing:
        notes["annual_margins"] = "a year with no (or negligible) revenue has no margin (null)"
    return SupplierCase(  # positional, in field order (a keyword costs ~0.1 us)
        npv,  # npv
        irr.value,  # irr
        payback,  # payback_years
        d_payback,  # discounted_payback_years
        peak,  # peak_funding_requirement
        whole_life,  # whole_life_margin
        margins,  # annual_margins
        notes,  # notes
        ra.supplier_npv,  # npv_risk_adjusted
        ra.whole_life_margin,  # whole_life_margin_risk_adjusted
    )


#: :func:`_partnership_case`'s figures: individual delivery cost, partnership cost, the supplier's
#: NPV at the public discount rate.
PartnershipFigures = tuple[float, float, float]


def _partnership_figures(f: Flows, supplier_flows: np.ndarray) -> PartnershipFigures:
    dfs = f.public_factors[1:]
    individual = float(np.dot(f.baseline + f.baseline_contact, dfs))
    consumed = f.supplier_investment + f.public_upfront + float(
        np.dot(f.supplier_opex + f.retained + f.public_contact + f.supplier_contact, dfs)
    )
    return individual, consumed, finance.npv(supplier_flows, f.public_factors)


def _partnership_case(
    f: Flows, public_npv: float, supplier_flows: np.ndarray, ra: RiskFigures,
    figures: PartnershipFigures | None = None,
) -> PartnershipCase:
    notes: dict[str, str] = {}
    individual, consumed, supplier_at_public_rate = (
        _partnership_figures(f, supplier_flows) if figures is None else figures)
    support = _ratio(individual, consumed)
    if support is None:
        notes["support_ratio"] = "the partnership consumes no resources"
    if ra.support_ratio is None:
        notes["support_ratio_risk_adjusted"] = "the partnership consumes no resources"
    share: float | None = None
    if public_npv > 0.0 and supplier_at_public_rate > 0.0:
        share = public_npv / (public_npv + supplier_at_public_rate)
    else:
        notes["value_share_public"] = (
            "defined only when both sides' NPVs at the public discount rate are positive"
        )
    return PartnershipCase(  # positional, in field order (a keyword costs ~0.1 us)
        individual,  # individual_delivery_cost
        consumed,  # partnership_cost
        support,  # support_ratio
        supplier_at_public_rate,  # supplier_npv_at_public_rate
        share,  # value_share_public
        notes,  # notes
        ra.support_ratio,  # support_ratio_risk_adjusted
    )


def _fill_cash_flows(t: np.ndarray, pub: np.ndarray, sup: np.ndarray,
                     flows: Callable[[str], Any]) -> None:
    """Fill ``t`` (``(..., 19, T+1)``: a row per CashFlowRow field, year 0 in column 0) from the
    net flows and ``flows(name)``, the Flows field ``name`` (``(..., T)`` or scalars): one table,
    or a group of one term's tables at once, by the same elementwise operations. numpy's
    elementwise arithmetic is Python's float arithmetic bit for bit; cumsum adds left to right."""
    t[..., 0, :] = np.arange(t.shape[-1])
    t[..., 1, :] = public_factors = flows("public_factors")
    t[..., 2, 1:] = flows("baseline")
    t[..., 3, 1:] = payment = flows("payment")
    t[..., 4, 1:] = flows("retained")
    t[..., 5, 0] = flows("public_upfront")
    t[..., 6, :] = pub
    np.cumsum(pub, axis=-1, out=t[..., 7, :])
    np.multiply(pub, public_factors, out=t[..., 8, :])
    np.add(payment, flows("other_income"), out=t[..., 9, 1:])
    t[..., 10, 1:] = flows("supplier_opex")
    t[..., 11, 0] = flows("supplier_investment")
    t[..., 12, :] = sup
    np.cumsum(sup, axis=-1, out=t[..., 13, :])
    t[..., 14, :] = supplier_factors = flows("supplier_factors")
    np.multiply(sup, supplier_factors, out=t[..., 15, :])
    t[..., 16, 1:] = flows("baseline_contact")
    t[..., 17, 1:] = flows("public_contact")
    t[..., 18, 1:] = flows("supplier_contact")


def _cash_flows(f: Flows, pub: np.ndarray, sup: np.ndarray) -> CashFlowTable:
    t = np.zeros((len(CashFlowTable.column_names), f.term_years + 1))
    _fill_cash_flows(t, pub, sup, partial(getattr, f))
    return CashFlowTable(t)


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
    f, stated_contact = _resolve(proposal)
    return _appraise(proposal, f, stated_contact, public_net(f), supplier_net(f))


class Precomputed(NamedTuple):
    """What :func:`appraise_many` works out for many proposals at once and gives
    :func:`_appraise` for one: each is what ``_appraise`` would otherwise work out itself.
    (A named tuple: made once per proposal and read once, never part of an answer; it is
    built at a third of a record's cost.)

    ``risk_figures`` is ``None`` where the risk-adjusted view stretches a profile (it is then
    worked out here); ``checks``: each sensitivity lever's NPV at its closed-form switching
    value; ``opex_pv``: the supplier's operating cost at its discount factors; ``payments_pv``:
    the payments at the public ones; ``first_saving``: the year-1 public saving as
    :func:`flags.evaluate` works it out.
    """

    assumptions: RiskAssumptions
    risk_figures: RiskFigures | None
    public: PublicFigures
    supplier: SupplierFigures
    partnership: PartnershipFigures
    opex_pv: float
    checks: tuple[float, float, float]
    payments_pv: float
    method: Method
    first_saving: float
    #: :func:`sensitivity.closed_forms`' figures after the two NPVs (None: levers and analyse)
    sensitivity: tuple[Any, ...] | None = None


@cache
def _views() -> tuple[Any, Any, Any, Any]:
    """The views :func:`_appraise` calls: imported on first use, as they import this module."""
    from svcalc.core import flags, risk, sensitivity, verdict

    return flags, risk, sensitivity, verdict


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


def _appraise(proposal: Proposal, f: Flows, stated_contact: ContactCosts | None,
              pub: np.ndarray, sup: np.ndarray, public_irr: finance.IrrResult | None = None,
              supplier_irr: finance.IrrResult | None = None,
              cash_flows: CashFlowTable | None = None,
              pre: Precomputed | None = None) -> Appraisal:
    """:func:`appraise` from the resolved flows and both sides' net flows; an IRR, cash-flow
    table or the :class:`Precomputed` figures not given (``None``) are worked out here, those
    given are used as they are."""
    flags, risk, sensitivity, verdict = _views()
    if pre is None:
        assumptions = risk.assumptions(proposal, f.public_upfront)
        method = _method(proposal)
        ra = None
        payments_pv = float(f.payment.dot(f.public_factors[1:]))  # np.dot without its dispatch
    else:
        assumptions, method, ra, payments_pv = (pre.assumptions, pre.method, pre.risk_figures,
                                                pre.payments_pv)
    # The risk-adjusted view slows any channel-shift migration by the works-duration uplift.
    stretch = 1.0 + (assumptions.duration_uplift or 0.0)
    adjusted_contact = None
    if proposal.channel_shift is not None and stretch != 1.0:
        adjusted_contact = contact_costs(proposal.channel_shift, f.term_years, stretch)
        contact = contact_flows(proposal.channel_shift, f.term_years, stretch, adjusted_contact)
        ra = risk.risk_view(replace(f, **contact), assumptions, pub, sup)
    elif ra is None:
        ra = risk.risk_view(f, assumptions, pub, sup)
    if pre is None:
        public = _public_case(f, pub, {}, ra, public_irr)
        supplier = _supplier_case(f, sup, {}, ra, supplier_irr)
        partnership = _partnership_case(f, public.npv, sup, ra)
        lever_list = sensitivity.levers(f, pub, sup, public.npv, supplier.npv)
    else:
        public = _public_case(f, pub, {}, ra, public_irr, pre.public)
        supplier = _supplier_case(f, sup, {}, ra, supplier_irr, pre.supplier)
        partnership = _partnership_case(f, public.npv, sup, ra, pre.partnership)
        lever_list = None if pre.sensitivity is not None else sensitivity.levers(
            f, pub, sup, public.npv, supplier.npv, pre.opex_pv, pre.checks)
    social, channel_shift, social_flags = social_view(
        proposal, f.public_factors, f.payment, public, supplier, partnership,
        # public_npv, supplier_npv, support_ratio, channel_shift_stretch (positional)
        SocialRiskFigures(ra.public_npv, ra.supplier_npv, ra.support_ratio, stretch),
        stated_contact=stated_contact, adjusted_contact=adjusted_contact, payments_pv=payments_pv,
    )
    sens = (sensitivity.analyse(lever_list) if lever_list is not None
            else sensitivity.closed_forms(public.npv, supplier.npv, *pre.sensitivity))
    found = flags.evaluate(proposal, f, public, supplier, assumptions, sens, payments_pv,
                           None if pre is None else pre.first_saving) + social_flags
    sim = None
    if proposal.simulation is not None:
        from svcalc.core.simulation import simulate

        sim = simulate(f, pub, sup, proposal.simulation, assumptions)
    return Appraisal(  # positional, in field order (a keyword costs ~0.1 us)
        proposal.name,  # name
        method,  # method
        public,  # public
        supplier,  # supplier
        partnership,  # partnership
        _cash_flows(f, pub, sup) if cash_flows is None else cash_flows,  # cash_flows
        verdict.decide(public, supplier, found, method),  # verdict
        assumptions,  # risk
        sens,  # sensitivity
        found,  # flags
        social,  # social_value
        channel_shift,  # channel_shift
        sim,  # simulation
    )


def appraise_many(proposals: Sequence[Proposal]) -> list[Appraisal]:
    """Appraise many proposals: ``[appraise(p) for p in proposals]``, equal float for float, at
    less cost per proposal.

    The proposals of each term are resolved into one array per yearly figure
    (:mod:`svcalc.core.batch`); both sides' IRRs are worked out together by
    :func:`finance.irr_many` (Newton's iteration as numpy operations across the proposals,
    bit-identical to :func:`finance.irr`), the cash-flow tables are built as one array, and the
    figures of :func:`_appraise` (NPVs, paybacks, peak funding, margins, the risk-adjusted view,
    the sensitivity levers' checks) are worked out across the term's proposals by the scalar
    code's own IEEE operations; each appraisal is then completed from them as
    :func:`appraise` completes it. A proposal that :func:`appraise` would refuse raises the
    same :class:`ProposalError`, and the batch with it: give only proposals that appraise.

    >>> from svcalc.core.model import PublicSide, SupplierSide, UpfrontCosts
    >>> p = Proposal(
    ...     term_years=5,
    ...     public=PublicSide(baseline_annual_cost=1000.0, annual_payment=850.0,
    ...                       upfront_costs=UpfrontCosts(procurement=200.0)),
    ...     supplier=SupplierSide(annual_operating_cost=800.0, upfront_investment=100.0),
    ... )
    >>> appraise_many([p, p]) == [appraise(p), appraise(p)]
    True
    """
    from svcalc.core.batch import appraise_many as batch  # it builds on this module

    return batch(proposals)
