"""The proposal (input) and the appraisal (output) as plain frozen dataclasses.

A yearly figure (``YearlyValue``) is either one number that applies to every contract year or a
sequence with one value per year 1..term_years. Money is a float in the proposal's currency;
rates and shares are decimal fractions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import field
from typing import Literal, NamedTuple, overload

import numpy as np

from svcalc.core.records import record

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
    "PROJECT_TYPES",
    "RATINGS",
    "Appraisal",
    "CashFlowRow",
    "CashFlowTable",
    "Flag",
    "Method",
    "PartnershipCase",
    "Proposal",
    "PublicCase",
    "PublicSide",
    "RiskAssumptions",
    "RiskInput",
    "Sensitivity",
    "SupplierCase",
    "SupplierSide",
    "Sustainable",
    "SwitchingValue",
    "TornadoRow",
    "UpfrontCosts",
    "Verdict",
    "YearlyValue",
    "CHANNEL_NAMES",
    "Acceptability",
    "Channel",
    "ChannelShift",
    "ChannelShiftCase",
    "ChannelShiftYear",
    "Outcome",
    "OutcomeValue",
    "Score",
    "ScoreComponent",
    "Scores",
    "SocialValue",
    "SocialValueCase",
]

ChannelName = Literal["face_to_face", "telephone", "post", "email", "online"]
CHANNEL_NAMES: tuple[str, ...] = ChannelName.__args__  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- the proposal


@record
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
        return float(sum([v for v in items if v is not None]))  # a list: the same sum, faster


@record
class PublicSide:
    """The public body: its business-as-usual cost and what the partnership costs it."""

    baseline_annual_cost: YearlyValue
    annual_payment: YearlyValue
    upfront_costs: UpfrontCosts = field(default_factory=UpfrontCosts)
    retained_costs: YearlyValue = 0.0
    discount_rate: float | None = None


@record
class SupplierSide:
    """The private partner: its investment, running cost and other income."""

    annual_operating_cost: YearlyValue
    upfront_investment: float = 0.0
    other_income: YearlyValue = 0.0
    cost_of_capital: float = 0.08


@record
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
    risk: RiskInput | None = None
    channel_shift: ChannelShift | None = None
    social_value: SocialValue | None = None
    acceptability: Acceptability | None = None
    simulation: SimulationInput | None = None


# --------------------------------------------------------------------------- the appraisal


Severity = Literal["info", "warning", "critical"]


@record
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


@record
class Method:
    """How the figures were made, so that an appraisal can be reproduced."""

    version: str
    reference_version: str
    discounting: str
    public_discount_rate: float | None
    supplier_discount_rate: float
    price_basis: str
    currency: str


@record
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
    npv_risk_adjusted: float
    payback_years_risk_adjusted: float | None


@record
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
    npv_risk_adjusted: float
    whole_life_margin_risk_adjusted: float | None


@record
class PartnershipCase:
    """The Support principle: does the partnership deliver for less than going it alone?"""

    individual_delivery_cost: float
    partnership_cost: float
    support_ratio: float | None
    supplier_npv_at_public_rate: float
    value_share_public: float | None
    notes: dict[str, str]
    support_ratio_risk_adjusted: float | None


class CashFlowRow(NamedTuple):
    """One year of the cash-flow table (real, base-year prices).

    A NamedTuple, not a frozen dataclass: a table has up to 61 rows and a frozen dataclass's
    ``__init__`` sets each of the 19 fields through ``object.__setattr__``.
    """

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
    baseline_contact_cost: float = 0.0
    public_contact_cost: float = 0.0
    supplier_contact_cost: float = 0.0


class CashFlowTable(Sequence[CashFlowRow]):
    """The cash-flow table, held by column: a read-only float array with one row per
    :class:`CashFlowRow` field (year included) and one column per year 0..term_years.

    It reads as a sequence of :class:`CashFlowRow` (``table[3].public_net``, slicing, iteration,
    ``==`` with another table or a list of rows), each row made when asked for. The response
    dump reads :attr:`columns` instead: one array, rounded in one numpy call, rather than 19 x
    (T+1) row attributes transposed back into columns.
    """

    __slots__ = ("columns",)
    #: The field each row of :attr:`columns` holds, in order (``CashFlowRow._fields``).
    column_names: tuple[str, ...] = CashFlowRow._fields

    def __init__(self, columns: np.ndarray) -> None:
        if columns.ndim != 2 or columns.shape[0] != len(self.column_names):
            raise ValueError(f"expected {len(self.column_names)} columns, got {columns.shape}")
        columns.flags.writeable = False
        self.columns: np.ndarray = columns

    def __len__(self) -> int:
        return int(self.columns.shape[1])

    def _row(self, values: list[float]) -> CashFlowRow:
        return CashFlowRow(int(values[0]), *values[1:])

    @overload
    def __getitem__(self, index: int) -> CashFlowRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[CashFlowRow]: ...

    def __getitem__(self, index: int | slice) -> CashFlowRow | list[CashFlowRow]:
        if isinstance(index, slice):
            return [self._row(v) for v in self.columns[:, index].T.tolist()]
        return self._row(self.columns[:, index].tolist())

    def __iter__(self) -> Iterator[CashFlowRow]:
        return map(self._row, self.columns.T.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CashFlowTable | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[CashFlowTable], tuple[np.ndarray]]:
        # Copies and pickles are made through __init__, so they are read-only too.
        return CashFlowTable, (self.columns,)

    def __repr__(self) -> str:
        return f"CashFlowTable({list(self)!r})"


@record
class Appraisal:
    """The whole answer for one proposal."""

    name: str | None
    method: Method
    public: PublicCase
    supplier: SupplierCase
    partnership: PartnershipCase
    cash_flows: CashFlowTable
    verdict: Verdict
    risk: RiskAssumptions
    sensitivity: Sensitivity
    flags: list[Flag]
    social_value: SocialValueCase | None = None
    channel_shift: ChannelShiftCase | None = None
    simulation: SimulationResult | None = None


# --------------------------------------------------------------------------- risk, sensitivity,
# verdict (DESIGN.md sections 4.6, 4.7, 7). Appended here so the proposal and appraisal above can
# refer to them without reshaping the existing classes.

ProjectType = Literal[
    "standard_buildings",
    "non_standard_buildings",
    "standard_civil_engineering",
    "non_standard_civil_engineering",
    "equipment_development",
    "outsourcing",
]
PROJECT_TYPES: tuple[str, ...] = ProjectType.__args__  # type: ignore[attr-defined]
RATINGS: tuple[str, ...] = ("not_viable", "over_bullish", "viable_with_cautions", "robust")


@record
class RiskInput:
    """The request's ``risk`` block: which optimism-bias row applies, and how far it is mitigated.

    ``project_type`` ``None`` means the default for the proposal's ``partnership_model``;
    ``mitigation`` is the evidenced share (0..1) of the upper-bound uplift that risk management
    removes (Green Book: start at the upper bound).
    """

    project_type: str | None = None
    mitigation: float = 0.0


@record
class RiskAssumptions:
    """The optimism-bias uplifts applied in the risk-adjusted view (echoed in the response)."""

    project_type: str
    project_type_defaulted: bool
    mitigation: float
    public_it_uplift: float
    public_other_upfront_uplift: float
    supplier_investment_uplift: float
    supplier_operating_cost_uplift: float
    duration_uplift: float | None
    public_upfront_costs_risk_adjusted: float
    notes: dict[str, str]


# --------------------------------------------------------------------------- channel shift,
# social value and acceptability (DESIGN.md 4.4, 4.5, 5)


@record
class Channel:
    """One contact channel: its average cost per contact and its share of contacts now and at
    the target."""

    channel: str
    unit_cost: float
    share_now: float
    share_target: float


@record
class ChannelShift:
    """Moving contact from costly channels to cheaper ones (DESIGN.md 4.4).

    ``annual_contacts`` is the year-1 volume at today's avoidable-contact rate. Shares move
    linearly from ``share_now`` to ``share_target`` over ``years_to_target`` contract years, as
    does the avoidable share from ``avoidable_contact_now`` to ``avoidable_contact_target``
    (``None``: unchanged). ``borne_by`` names the side that pays for contact handling.
    """

    annual_contacts: float
    channels: tuple[Channel, ...]
    years_to_target: int
    borne_by: str
    contact_growth: float = 0.0
    avoidable_contact_now: float = 0.0
    avoidable_contact_target: float | None = None


@record
class Outcome:
    """One monetised social outcome (DESIGN.md 4.5).

    Either ``unit_value`` with its ``source``, or ``proxy`` naming a built-in open proxy
    (``wellby``, ``carbon``) whose value and source come from the reference data.
    """

    name: str
    quantity: float
    start_year: int
    duration_years: int
    evidence_grade: int
    unit_value: float | None = None
    proxy: str | None = None
    source: str | None = None
    deadweight: float = 0.0
    attribution: float = 0.0
    displacement: float = 0.0
    drop_off: float = 0.0


@record
class SocialValue:
    """The social value outcomes a proposal claims. ``base_calendar_year`` is the calendar year
    of year 0, needed by proxies that vary by calendar year (carbon)."""

    outcomes: tuple[Outcome, ...]
    base_calendar_year: int | None = None


@record
class Acceptability:
    """Evidence that citizens, staff and organisations will accept the new way of delivery.
    ``None`` means "not given": the score names it as missing rather than guessing."""

    citizen_support: float | None = None
    staff_support: float | None = None
    assisted_digital: bool | None = None
    retains_face_to_face: bool | None = None
    open_book: bool | None = None
    performance_regime: bool | None = None
    jobs_transferred: int | None = None
    jobs_lost: int | None = None


@record
class ChannelShiftYear:
    """One contract year of the channel-shift table."""

    year: int
    contacts_baseline: float
    contacts_shifted: float
    avoidable_share: float
    digital_share: float
    cost_baseline: float
    cost_shifted: float
    saving: float
    shares: dict[str, float]


@record
class ChannelShiftCase:
    """The channel-shift results: contact cost as usual vs shifted, and how fast it moves."""

    borne_by: str
    years_to_target: int
    stretch_risk_adjusted: float
    migration_pp_per_year: dict[str, float]
    max_migration_pp_per_year: float
    digital_share_now: float
    digital_share_target: float
    baseline_cost_pv: float
    shifted_cost_pv: float
    saving_pv: float
    saving_pv_risk_adjusted: float
    years: list[ChannelShiftYear]
    notes: dict[str, str]


@record
class SwitchingValue:
    """The relative change of one input that brings the NPV it drives to zero, or why none does."""

    input: str
    field: str
    side: str
    npv: float
    switching_value: float | None
    reason: str | None


@record
class TornadoRow:
    """NPV of one side with one input moved by -20%, -10%, +10%, +20% (all else as stated)."""

    input: str
    field: str
    side: str
    npv_minus_20: float
    npv_minus_10: float
    npv_base: float
    npv_plus_10: float
    npv_plus_20: float
    swing: float


@record
class Sensitivity:
    """Switching values and the tornado table (DESIGN.md section 4.7)."""

    switching_values: list[SwitchingValue]
    tornado: list[TornadoRow]


@record
class Sustainable:
    """Whether each side's NPV is non-negative in the risk-adjusted view."""

    public: bool
    supplier: bool


@record
class Verdict:
    """The answer in one word and one sentence, with the flags that drove it (DESIGN.md 7).

    ``bcr`` and ``vfm_category`` are context only: the Green Book (2026) says a BCR is not a
    pass/fail test, so they never decide the rating.
    """

    rating: str
    headline: str
    sustainable: Sustainable
    reasons: list[str]
    economic: str
    commercial: str
    financial: str
    bcr: float | None
    vfm_category: str | None


@record
class OutcomeValue:
    """One outcome's value: gross, after adjustments, and discounted."""

    name: str
    proxy: str | None
    unit_value: float
    price_year: int | None
    source: str
    evidence_grade: int
    haircut: float
    adjustment_factor: float
    gross_value: float
    adjusted_value: float
    present_value: float
    present_value_risk_adjusted: float


@record
class ScoreComponent:
    """One component of a score: its weight, the credit it earned (0..1, ``None`` when its
    inputs are missing), the figure it was judged on, and why."""

    name: str
    weight: float
    credit: float | None
    given: float | str | None
    reason: str


@record
class Score:
    """A 0-100 score with its components. ``coverage`` is the share of the weight whose inputs
    were given; ``missing`` names the inputs that were not; ``penalty`` is the points taken off
    (Acceptability: a digital target above the inclusion ceiling). ``score`` is ``None`` when
    nothing could be scored."""

    score: float | None
    coverage: float
    components: list[ScoreComponent]
    missing: list[str]
    penalty: float
    note: str


@record
class Scores:
    """The three principles of social value in a partnership (DESIGN.md 5)."""

    benefit: Score
    support: Score
    acceptability: Score


@record
class SocialValueCase:
    """Monetised social value and the three scores."""

    present_value: float
    present_value_risk_adjusted: float
    share_of_contract_value: float | None
    outcomes: list[OutcomeValue]
    scores: Scores
    notes: dict[str, str]


# --------------------------------------------------------------------------- Monte Carlo
# simulation (DESIGN.md 4.7, issue 7). Appended; the core is svcalc/core/simulation.py.

SIMULATION_INPUTS: tuple[str, ...] = ("public_saving", "upfront_costs", "supplier_operating_cost")
DISTRIBUTIONS: tuple[str, ...] = ("triangular", "uniform", "normal")


@record
class InputRange:
    """The spread of one key input as relative changes (``-0.1`` = 10% lower than stated).

    ``triangular``: from ``low`` to ``high``, most likely as stated (0 clipped into the range);
    ``uniform``: evenly from ``low`` to ``high``; ``normal``: ``low`` and ``high`` are its 10th and
    90th percentiles.
    """

    low: float
    high: float
    distribution: str = "triangular"


@record
class SimulationInput:
    """The request's ``simulation`` block: iterations, seed and optional ranges per input."""

    iterations: int = 10_000
    seed: int = 0
    bins: int = 20
    ranges: dict[str, InputRange] = field(default_factory=dict)


@record
class Histogram:
    """Bin edges (``len(counts) + 1`` of them) and the count of scenarios in each bin."""

    edges: list[float]
    counts: list[int]


@record
class NpvDistribution:
    """One side's NPV over the simulated scenarios."""

    p10: float
    p50: float
    p90: float
    mean: float
    probability_negative: float
    histogram: Histogram


@record
class SimulationResult:
    """Monte Carlo over the key inputs (the switching-value levers)."""

    iterations: int
    seed: int
    ranges: dict[str, InputRange]
    public_npv: NpvDistribution
    supplier_npv: NpvDistribution
    probability_both_sustainable: float
