"""The proposal (input) and the appraisal (output) as plain frozen dataclasses.

A yearly figure (``YearlyValue``) is either one number that applies to every contract year or a
sequence with one value per year 1..term_years. Money is a float in the proposal's currency;
rates and shares are decimal fractions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

YearlyValue = float | Sequence[float]

PartnershipModel = Literal[
    "outsourcing",
    "long_term_partnership",
    "joint_venture",
    "shared_service",
    "channel_shift",
    "other",
]
PARTNERSHIP_MODELS: tuple[str, ...] = PartnershipModel.__args__  # type: ignore[attr-defined]
PriceBasis = Literal["real", "nominal"]

__all__ = [
    "PARTNERSHIP_MODELS",
    "Appraisal",
    "CashFlowRow",
    "Flag",
    "Method",
    "PartnershipCase",
    "Proposal",
    "PublicCase",
    "PublicSide",
    "SupplierCase",
    "SupplierSide",
    "UpfrontCosts",
    "YearlyValue",
]


# --------------------------------------------------------------------------- the proposal


@dataclass(frozen=True, slots=True)
class UpfrontCosts:
    """One-off public costs in year 0. ``None`` means "not given" (flags tell it from 0)."""

    procurement: float | None = None
    transition: float | None = None
    it: float | None = None
    legal: float | None = None
    other: float | None = None

    @property
    def total(self) -> float:
        """Sum of the given items."""
        items = (self.procurement, self.transition, self.it, self.legal, self.other)
        return float(sum(v for v in items if v is not None))


@dataclass(frozen=True, slots=True)
class PublicSide:
    """The public body: its business-as-usual cost and what the partnership costs it."""

    baseline_annual_cost: YearlyValue
    annual_payment: YearlyValue
    upfront_costs: UpfrontCosts = field(default_factory=UpfrontCosts)
    retained_costs: YearlyValue = 0.0
    discount_rate: float | None = None


@dataclass(frozen=True, slots=True)
class SupplierSide:
    """The private partner: its investment, running cost and other income."""

    annual_operating_cost: YearlyValue
    upfront_investment: float = 0.0
    other_income: YearlyValue = 0.0
    cost_of_capital: float = 0.08


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed partnership, as DESIGN.md section 3 describes it."""

    term_years: int
    public: PublicSide
    supplier: SupplierSide
    name: str | None = None
    partnership_model: str = "other"
    price_basis: str = "real"
    inflation: float | None = None
    currency: str = "GBP"


# --------------------------------------------------------------------------- the appraisal


Severity = Literal["info", "warning", "critical"]


@dataclass(frozen=True, slots=True)
class Flag:
    """An over-bullish or one-sided assumption, with its evidence (DESIGN.md section 6).

    ``field`` is a JSON pointer into the request (``#/public/annual_payment``); ``given`` is the
    figure the proposal implies and ``benchmark`` the reference it is judged against, both in the
    unit the message names; ``source`` cites the benchmark.
    """

    code: str
    severity: str
    field: str
    message: str
    given: float | str | None
    benchmark: float | str | None
    source: str


@dataclass(frozen=True, slots=True)
class Method:
    """How the figures were made, so that an appraisal can be reproduced."""

    version: str
    reference_version: str
    discounting: str
    public_discount_rate: float | None
    supplier_discount_rate: float
    price_basis: str
    currency: str


@dataclass(frozen=True, slots=True)
class PublicCase:
    """The public body's business case against business as usual (STPR or its flat rate)."""

    npv: float
    irr: float | None
    payback_years: float | None
    discounted_payback_years: float | None
    first_saving_year: int | None
    peak_funding_requirement: float
    upfront_costs: float
    annual_saving_steady_state: float
    saving_share_of_baseline: float | None
    bcr: float | None
    vfm_category: str | None
    notes: dict[str, str]


@dataclass(frozen=True, slots=True)
class SupplierCase:
    """The supplier's business case at its own cost of capital."""

    npv: float
    irr: float | None
    payback_years: float | None
    discounted_payback_years: float | None
    peak_funding_requirement: float
    whole_life_margin: float | None
    annual_margins: list[float | None]
    notes: dict[str, str]


@dataclass(frozen=True, slots=True)
class PartnershipCase:
    """The Support principle: does the partnership deliver for less than going it alone?"""

    individual_delivery_cost: float
    partnership_cost: float
    support_ratio: float | None
    supplier_npv_at_public_rate: float
    value_share_public: float | None
    notes: dict[str, str]


@dataclass(frozen=True, slots=True)
class CashFlowRow:
    """One year of the cash-flow table (real, base-year prices)."""

    year: int
    discount_factor: float
    baseline_cost: float
    annual_payment: float
    retained_costs: float
    public_upfront_costs: float
    public_net: float
    public_cumulative: float
    public_discounted: float
    supplier_revenue: float
    supplier_operating_cost: float
    supplier_upfront_investment: float
    supplier_net: float
    supplier_cumulative: float
    supplier_discount_factor: float
    supplier_discounted: float


@dataclass(frozen=True, slots=True)
class Appraisal:
    """The whole answer for one proposal."""

    name: str | None
    method: Method
    public: PublicCase
    supplier: SupplierCase
    partnership: PartnershipCase
    cash_flows: list[CashFlowRow]
