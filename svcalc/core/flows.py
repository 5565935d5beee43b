"""A proposal as yearly arrays: what every figure of an appraisal is computed from.

:func:`resolve` turns a :class:`~svcalc.core.model.Proposal` into :class:`Flows` (per-year numpy
arrays in real base-year prices, and each side's discount factors); :func:`public_net` and
:func:`supplier_net` give each side's net flow for years 0..T.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from svcalc.core import finance
from svcalc.core.channel_shift import ContactCosts, contact_costs
from svcalc.core.errors import ProposalError
from svcalc.core.model import Proposal, YearlyValue

__all__ = ["Flows", "contract_saving", "partnership_costs", "public_costs", "public_net",
           "ratio", "resolve", "supplier_net", "whole_life_margin", "with_contact"]


@dataclass(frozen=True, slots=True)
class Flows:
    """A proposal as arrays in real base-year prices. Yearly arrays cover years 1..T.

    The contact-handling costs (channel shift, DESIGN.md 4.4) are zeros without a
    ``channel_shift`` block: business as usual carries today's mix, the bearing side the
    shifted cost; ``contact`` holds the channel shift's own figures (``None`` without one).
    ``public_adjustment`` is what the risk-adjusted view adds to the public side's yearly costs
    (:func:`svcalc.core.risk.risk_adjusted_flows`); zeros as stated.
    """

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
    baseline_contact: np.ndarray
    public_contact: np.ndarray
    supplier_contact: np.ndarray
    contact: ContactCosts | None
    public_adjustment: np.ndarray


def _yearly(value: YearlyValue, n: int, pointer: str) -> np.ndarray:
    if isinstance(value, int | float):
        return np.full(n, float(value))
    arr = np.asarray(value, dtype=float)
    if arr.shape != (n,):
        raise ProposalError(f"expected {n} values, one per contract year, got {arr.size}", pointer)
    return arr


def resolve(proposal: Proposal) -> Flows:
    """Expand yearly values, convert nominal to real prices, and build discount factors."""
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
    zeros = np.zeros(n)
    flows = Flows(
        term_years=n, baseline=baseline, payment=payment, retained=retained,
        public_upfront=pub.upfront_costs.total, supplier_opex=opex, other_income=other,
        supplier_investment=float(sup.upfront_investment),
        public_factors=finance.discount_factors(n, pub.discount_rate),
        supplier_factors=finance.discount_factors(n, sup.cost_of_capital),
        baseline_contact=zeros, public_contact=zeros, supplier_contact=zeros, contact=None,
        public_adjustment=zeros,
    )
    return with_contact(flows, proposal, 1.0)


def with_contact(f: Flows, proposal: Proposal, stretch: float) -> Flows:
    """``f`` with the contact costs of the proposal's channel shift, its migration slowed by
    ``stretch`` (>= 1; the risk-adjusted view slows it). Unchanged without a channel shift."""
    cs = proposal.channel_shift
    if cs is None:
        return f
    costs = contact_costs(cs, f.term_years, stretch)
    zeros = np.zeros(f.term_years)
    public = cs.borne_by == "public"
    return replace(f, baseline_contact=costs.cost_baseline,
                    public_contact=costs.cost_shifted if public else zeros,
                    supplier_contact=zeros if public else costs.cost_shifted, contact=costs)


def public_net(f: Flows) -> np.ndarray:
    """Public net saving against business as usual, years 0..T (year 0: upfront costs)."""
    saving = f.baseline + f.baseline_contact - (f.payment + f.retained + f.public_contact
                                                 + f.public_adjustment)
    return np.concatenate(([-f.public_upfront], saving))


def supplier_net(f: Flows) -> np.ndarray:
    """Supplier cash flow, years 0..T (year 0: its upfront investment)."""
    cash = f.payment + f.other_income - (f.supplier_opex + f.supplier_contact)
    return np.concatenate(([-f.supplier_investment], cash))


def contract_saving(f: Flows) -> np.ndarray:
    """The yearly saving the price makes against business as usual, years 1..T, contact
    handling set apart: business as usual less the payments and retained costs, with the
    shifted contact cost a supplier bearing it has priced into its payment added back (a
    channel shift is judged by its own migration, DESIGN.md 4.6)."""
    return f.baseline - (f.payment + f.retained) + f.supplier_contact


def ratio(num: float, den: float) -> float | None:
    """``num / den``, or ``None`` when undefined or when a tiny denominator overflows it (JSON
    carries no Infinity)."""
    if den == 0.0:
        return None
    value = num / den
    return value if math.isfinite(value) else None


def whole_life_margin(f: Flows) -> float | None:
    """(Total revenue - total operating cost - upfront investment) / total revenue."""
    revenue = math.fsum((f.payment + f.other_income).tolist())
    cost = math.fsum((f.supplier_opex + f.supplier_contact).tolist())
    return ratio(revenue - cost - f.supplier_investment, revenue)


def partnership_costs(f: Flows) -> tuple[float, float]:
    """The PV of business as usual over the term, and the PV of the resources the partnership
    consumes (DESIGN.md 4.3), both at the public discount factors."""
    dfs = f.public_factors[1:]
    individual = finance.npv(f.baseline + f.baseline_contact, dfs)
    used = f.supplier_opex + f.retained + f.public_contact + f.supplier_contact
    return individual, f.supplier_investment + f.public_upfront + finance.npv(used, dfs)


def public_costs(f: Flows) -> float:
    """The PV of what the partnership costs the public body: its upfront costs, and the
    payments, retained and contact costs each year (the BCR's denominator, DESIGN.md 4.8)."""
    yearly = f.payment + f.retained + f.public_contact + f.public_adjustment
    return f.public_upfront + finance.npv(yearly, f.public_factors[1:])
