"""The proposal (input) and the appraisal (output) as plain frozen dataclasses.

A yearly figure (``YearlyValue``) is either one number that applies to every contract year or a
sequence with one value per year 1..term_years. Money is a float in the proposal's currency;
rates and shares are decimal fractions. A field annotated :data:`Money` is an amount of money:
the API rounds it to 2 decimals when it renders a response, and only then.

The appraisal's records are declared in the order their fields appear in a response.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal, NamedTuple

YearlyValue = float | Sequence[float]
#: An amount of money in the proposal's currency (real base-year prices).
Money = Annotated[float, "money"]

PartnershipModel = Literal[
    "outsourcing", "long_term_partnership", "joint_venture", "shared_service", "channel_shift",
    "other",
]
PARTNERSHIP_MODELS: tuple[str, ...] = PartnershipModel.__args__  # type: ignore[attr-defined]
ChannelName = Literal["face_to_face", "telephone", "post", "email", "online"]
CHANNEL_NAMES: tuple[str, ...] = ChannelName.__args__  # type: ignore[attr-defined]
ProjectType = Literal[
    "standard_buildings", "non_standard_buildings", "standard_civil_engineering",
    "non_standard_civil_engineering", "equipment_development", "outsourcing",
]
PROJECT_TYPES: tuple[str, ...] = ProjectType.__args__  # type: ignore[attr-defined]
Stage = Literal["strategic_outline", "outline", "full"]
STAGES: tuple[str, ...] = Stage.__args__  # type: ignore[attr-defined]
RATINGS: tuple[str, ...] = ("not_viable", "over_bullish", "viable_with_cautions", "robust")
SIMULATION_INPUTS: tuple[str, ...] = ("public_saving", "upfront_costs", "supplier_operating_cost")
DISTRIBUTIONS: tuple[str, ...] = ("triangular", "uniform", "normal")

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
class RiskInput:
    """The request's ``risk`` block (DESIGN.md 4.6): the optimism-bias class of the one-off
    costs, the business-case stage, and mitigation with the evidence it rests on.

    ``project_type`` ``None`` means the default for the proposal's ``partnership_model``;
    ``stage`` sets where each uplift sits between its upper and lower bound; ``mitigation``
    (0..1) moves it from there toward the lower bound, and is applied only with ``evidence``;
    ``contingency`` is a costed risk allowance, added to the public costs as it is.
    """

    project_type: str | None = None
    stage: str = "outline"
    mitigation: float = 0.0
    evidence: tuple[str, ...] = ()
    contingency: float = 0.0


@dataclass(frozen=True, slots=True)
class Channel:
    """One contact channel: its average cost per contact and its share of contacts now and at
    the target."""

    channel: str
    unit_cost: float
    share_now: float
    share_target: float


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class SocialValue:
    """The social value outcomes a proposal claims. ``base_calendar_year`` is the calendar year
    of year 0, needed by proxies that vary by calendar year (carbon)."""

    outcomes: tuple[Outcome, ...]
    base_calendar_year: int | None = None


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class InputRange:
    """The spread of one key input as relative changes (``-0.1`` = 10% lower than stated).

    ``triangular``: from ``low`` to ``high``, most likely as stated (0 clipped into the range);
    ``uniform``: evenly from ``low`` to ``high``; ``normal``: ``low`` and ``high`` are its 10th and
    90th percentiles.
    """

    low: float
    high: float
    distribution: str = "triangular"


@dataclass(frozen=True, slots=True)
class SimulationInput:
    """The request's ``simulation`` block: iterations, seed and optional ranges per input."""

    iterations: int = 10_000
    seed: int = 0
    bins: int = 20
    ranges: dict[str, InputRange] = field(default_factory=dict)


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
    risk: RiskInput | None = None
    channel_shift: ChannelShift | None = None
    social_value: SocialValue | None = None
    acceptability: Acceptability | None = None
    simulation: SimulationInput | None = None


# --------------------------------------------------------------------------- the appraisal


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
class Sustainable:
    """Whether each side's NPV is non-negative in the risk-adjusted view."""

    public: bool
    supplier: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer in one word and one sentence, with the flags that drove it (DESIGN.md 7), and
    the three questions of the five-case model it answers."""

    rating: str
    headline: str
    sustainable: Sustainable
    reasons: list[str]
    economic: str
    commercial: str
    financial: str


@dataclass(frozen=True, slots=True)
class PublicCase:
    """The public body's business case against business as usual (STPR or its flat rate)."""

    npsv: Money
    npsv_risk_adjusted: Money
    npv: Money
    npv_risk_adjusted: Money
    irr: float | None
    payback_years: float | None
    payback_years_risk_adjusted: float | None
    discounted_payback_years: float | None
    first_saving_year: int | None
    peak_funding_requirement: Money
    upfront_costs: Money
    annual_saving_steady_state: Money
    saving_share_of_baseline: float | None
    bcr: float | None
    bcr_construction: str
    notes: dict[str, str]


@dataclass(frozen=True, slots=True)
class CostOverrun:
    """The supplier's figures with its operating cost raised by ``cost_overrun``."""

    cost_overrun: float
    npv: Money
    whole_life_margin: float | None
    label: str


@dataclass(frozen=True, slots=True)
class SupplierCase:
    """The supplier's business case at its own cost of capital, and its cost-overrun stress."""

    npv: Money
    npv_risk_adjusted: Money
    irr: float | None
    payback_years: float | None
    discounted_payback_years: float | None
    peak_funding_requirement: Money
    whole_life_margin: float | None
    whole_life_margin_risk_adjusted: float | None
    annual_margins: list[float | None]
    breakeven_cost_overrun: float | None
    cost_overrun_stress: list[CostOverrun]
    notes: dict[str, str]


@dataclass(frozen=True, slots=True)
class PartnershipCase:
    """The Support principle: does the partnership deliver for less than going it alone?"""

    individual_delivery_cost: Money
    partnership_cost: Money
    support_ratio: float | None
    supplier_npv_at_public_rate: Money
    value_share_public: float | None
    notes: dict[str, str]
    support_ratio_risk_adjusted: float | None


@dataclass(frozen=True, slots=True)
class OutcomeValue:
    """One outcome's value: gross, after adjustments, and discounted."""

    name: str
    proxy: str | None
    unit_value: Money
    price_year: int | None
    source: str
    evidence_grade: int
    haircut: float
    adjustment_factor: float
    gross_value: Money
    adjusted_value: Money
    present_value: Money
    present_value_risk_adjusted: Money


@dataclass(frozen=True, slots=True)
class ScoreComponent:
    """One component of a score: its weight, the credit it earned (0..1, ``None`` when its
    inputs are missing), the figure it was judged on, and why."""

    name: str
    weight: float
    credit: float | None
    given: float | str | None
    reason: str


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Scores:
    """The three principles of social value in a partnership (DESIGN.md 5)."""

    benefit: Score
    support: Score
    acceptability: Score


@dataclass(frozen=True, slots=True)
class SocialValueCase:
    """Monetised social value and the three scores."""

    present_value: Money
    present_value_risk_adjusted: Money
    share_of_contract_value: float | None
    outcomes: list[OutcomeValue]
    scores: Scores
    notes: dict[str, str]


@dataclass(frozen=True, slots=True)
class ChannelShiftYear:
    """One contract year of the channel-shift table."""

    year: int
    contacts_baseline: float
    contacts_shifted: float
    avoidable_share: float
    digital_share: float
    cost_baseline: Money
    cost_shifted: Money
    saving: Money
    shares: dict[str, float]


@dataclass(frozen=True, slots=True)
class ChannelShiftCase:
    """The channel-shift results: contact cost as usual vs shifted, and how fast it moves."""

    borne_by: str
    years_to_target: int
    stretch_risk_adjusted: float
    migration_pp_per_year: dict[str, float]
    max_migration_pp_per_year: float
    digital_share_now: float
    digital_share_target: float
    baseline_cost_pv: Money
    shifted_cost_pv: Money
    saving_pv: Money
    saving_pv_risk_adjusted: Money
    years: list[ChannelShiftYear]
    notes: dict[str, str]


@dataclass(frozen=True, slots=True)
class RiskAssumptions:
    """Exactly what the risk-adjusted view applied (DESIGN.md 4.6), echoed in the response.

    Each uplift is the share added to a public or supplier estimate, set by ``stage`` and moved
    toward the lower bound by ``mitigation_applied``; ``duration_uplift`` slows phased profiles
    (``None`` when the class has no duration figure) and ``migration_duration_uplift`` any
    channel-shift migration; ``savings_cap_share_of_baseline`` is the most of business as usual
    a saving is banked at.
    """

    project_type: str
    project_type_defaulted: bool
    stage: str
    mitigation: float
    mitigation_applied: float
    evidence: list[str]
    public_it_uplift: float
    public_other_upfront_uplift: float
    public_retained_costs_uplift: float
    public_payment_uplift: float
    supplier_investment_uplift: float
    duration_uplift: float | None
    migration_duration_uplift: float
    savings_cap_share_of_baseline: float
    contingency: Money
    public_upfront_costs_risk_adjusted: Money
    notes: dict[str, str]


@dataclass(frozen=True, slots=True)
class SwitchingValue:
    """The relative change of one input that brings the NPV it drives to zero, or why none does."""

    input: str
    field: str
    side: str
    npv: Money
    switching_value: float | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class TornadoRow:
    """NPV of one side with one input moved by -20%, -10%, +10%, +20% (all else as stated)."""

    input: str
    field: str
    side: str
    npv_minus_20: Money
    npv_minus_10: Money
    npv_base: Money
    npv_plus_10: Money
    npv_plus_20: Money
    swing: Money


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """Switching values and the tornado table (DESIGN.md section 4.7)."""

    switching_values: list[SwitchingValue]
    tornado: list[TornadoRow]


@dataclass(frozen=True, slots=True)
class Histogram:
    """Bin edges (``len(counts) + 1`` of them) and the count of scenarios in each bin."""

    edges: list[Money]
    counts: list[int]


@dataclass(frozen=True, slots=True)
class NpvDistribution:
    """One side's NPV over the simulated scenarios."""

    p10: Money
    p50: Money
    p90: Money
    mean: Money
    probability_negative: float
    histogram: Histogram


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Monte Carlo over the key inputs (the switching-value levers)."""

    iterations: int
    seed: int
    ranges: dict[str, InputRange]
    public_npv: NpvDistribution
    supplier_npv: NpvDistribution
    probability_both_sustainable: float


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


class CashFlowRow(NamedTuple):
    """One year of the cash-flow table (real, base-year prices): a row of a table, made from
    its columns (``CashFlowRow._make``). The ``_risk_adjusted`` columns are each side's net and
    cumulative flows in the risk-adjusted view (DESIGN.md 4.6), whose NPVs and paybacks are the
    cases' ``_risk_adjusted`` figures."""

    year: int
    discount_factor: float
    baseline_cost: Money
    annual_payment: Money
    retained_costs: Money
    public_upfront_costs: Money
    public_net: Money
    public_cumulative: Money
    public_discounted: Money
    supplier_revenue: Money
    supplier_operating_cost: Money
    supplier_upfront_investment: Money
    supplier_net: Money
    supplier_cumulative: Money
    supplier_discount_factor: float
    supplier_discounted: Money
    baseline_contact_cost: Money
    public_contact_cost: Money
    supplier_contact_cost: Money
    public_net_risk_adjusted: Money
    public_cumulative_risk_adjusted: Money
    supplier_net_risk_adjusted: Money
    supplier_cumulative_risk_adjusted: Money


@dataclass(frozen=True, slots=True)
class Appraisal:
    """The whole answer for one proposal."""

    name: str | None
    method: Method
    verdict: Verdict
    public: PublicCase
    supplier: SupplierCase
    partnership: PartnershipCase
    social_value: SocialValueCase
    channel_shift: ChannelShiftCase | None
    risk: RiskAssumptions
    sensitivity: Sensitivity
    simulation: SimulationResult | None
    flags: list[Flag]
    cash_flows: list[CashFlowRow]
