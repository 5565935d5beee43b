"""marshmallow schemas: one declaration validates requests, serialises responses and documents both.

Every field carries ``description``, ``example`` and an ``x-unit`` extension in its metadata, and
explicit bounds, so that ``openapi.yaml`` tells a client exactly what the server accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from svcalc.api.dumping import CompiledDump
from svcalc.api.loading import CompiledLoad, floats_in_range
from svcalc.core import model
from svcalc.core.reference import REFERENCE

#: Money in and out of the API is bounded to +/- 1e12 (DESIGN.md section 10).
MONEY_MAX = 1e12
MAX_TERM = 60

UNIT_MONEY = "currency units (the proposal's currency, GBP by default), real base-year prices"
UNIT_MONEY_YEAR = UNIT_MONEY + ", per year"
UNIT_RATE = "decimal fraction per year (0.035 = 3.5%)"
UNIT_SHARE = "decimal fraction (0.1 = 10%)"
UNIT_YEARS = "years"


def _meta(description: str, example: Any, unit: str | None = None, **extra: Any) -> dict[str, Any]:
    meta = {"description": description, "example": example, **extra}
    if unit:
        meta["x-unit"] = unit
    return meta


class Number(fields.Float):
    """A finite JSON number. Strings and booleans are refused: the spec says ``number``."""

    #: What _deserialize returns for a value it is sure of (svcalc.api.loading inlines it).
    load_inline = "_finite_float({v})"

    def __init__(self, *, minimum: float, maximum: float, min_inclusive: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(
            allow_nan=False,
            validate=validate.Range(minimum, maximum, min_inclusive=min_inclusive),
            **kwargs,
        )

    def _validated(self, value: Any) -> float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def Money(description: str, example: float, *, per_year: bool = False, **kwargs: Any) -> Number:
    """A non-negative amount of money within the API's bounds."""
    unit = UNIT_MONEY_YEAR if per_year else UNIT_MONEY
    return Number(minimum=0.0, maximum=MONEY_MAX, metadata=_meta(description, example, unit),
                  **kwargs)


def Rate(description: str, example: float, **kwargs: Any) -> Number:
    """A rate as a decimal fraction in (-0.99, 1]: catches 3.5 given for 3.5%."""
    return Number(minimum=-0.99, maximum=1.0, min_inclusive=False,
                  metadata=_meta(description, example, UNIT_RATE), **kwargs)


class Yearly(fields.Field):
    """One number for every contract year, or a list with one number per year 1..term_years.

    Element errors are reported at the element's index, so the pointer names the exact cell.
    """

    #: What _deserialize returns for a value it is sure of (svcalc.api.loading inlines it).
    load_inline = f"_number_or_numbers({{v}}, {{f}}._minimum, {{f}}._maximum, {MAX_TERM})"

    default_error_messages = {
        "invalid": "Not a valid number or list of numbers.",
        "length": "Give between 1 and 60 values, one per contract year.",
    }

    def __init__(self, description: str, example: Any, *, minimum: float = 0.0,
                 maximum: float = MONEY_MAX, unit: str = UNIT_MONEY_YEAR, **kwargs: Any) -> None:
        self._item = Number(minimum=minimum, maximum=maximum)
        self._minimum, self._maximum = minimum, maximum
        number = {"type": "number", "minimum": minimum, "maximum": maximum}
        one_of = [
            {**number, "description": "the same value in every contract year"},
            {
                "type": "array",
                "description": "one value per contract year 1..term_years",
                "items": number,
                "minItems": 1,
                "maxItems": MAX_TERM,
                # Machine-readable form of the rule JSON Schema cannot express (contract tests).
                "x-length-equals": "term_years",
            },
        ]
        description += (
            " A single number applies to every contract year; a list gives one value per year "
            "1..term_years and must have exactly term_years items."
        )
        super().__init__(metadata=_meta(description, example, unit, oneOf=one_of), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, list):
            if not 1 <= len(value) <= MAX_TERM:
                raise self.make_error("length")
            # Fast path for the usual case, a list of in-range numbers: the same floats that
            # the per-item Number fields give (float(x), bounds inclusive), without their
            # per-item machinery (~3.5 us each: 0.4 ms of a proposal with 25-year profiles).
            # Anything else (a bool, a string, NaN, a huge int, out of range) takes the loop
            # below, which names each bad item.
            floats = floats_in_range(value, self._minimum, self._maximum)
            if floats is not None:
                return floats
            out: list[float] = []
            errors: dict[int, list[str]] = {}
            for i, item in enumerate(value):
                try:
                    out.append(self._item.deserialize(item))
                except ValidationError as exc:
                    errors[i] = exc.messages  # type: ignore[assignment]
            if errors:
                raise ValidationError(errors)  # type: ignore[arg-type]
            return tuple(out)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return self._item.deserialize(value)


# --------------------------------------------------------------------------- request


class UpfrontCostsSchema(Schema):
    """One-off public costs in year 0 (undiscounted). Leave out an item only if it truly is nil:
    an absent procurement or transition cost is itself a warning sign."""

    procurement = Money("Cost of running the procurement (advisers, bid evaluation).", 250_000.0)
    transition = Money("Cost of moving the service to the new model (TUPE, parallel running).",
                       400_000.0)
    it = Money("IT and digital build or integration cost.", 300_000.0)
    legal = Money("Legal and commercial advice.", 100_000.0)
    other = Money("Any other one-off cost.", 0.0)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.UpfrontCosts:
        return model.UpfrontCosts(**data)


class PublicSideSchema(Schema):
    """The public body's side of the deal."""

    baseline_annual_cost = Yearly(
        "Cost of business as usual (in-house delivery) each year: the counterfactual.",
        10_000_000.0, required=True)
    upfront_costs = fields.Nested(
        UpfrontCostsSchema,
        metadata={"description": "One-off public costs in year 0, by kind."},
    )
    annual_payment = Yearly("Contract price paid to the supplier each year.", 8_600_000.0,
                            required=True)
    retained_costs = Yearly(
        "Client-side costs the public body keeps each year (contract management, retained "
        "functions). Default 0.", 400_000.0)
    discount_rate = Rate(
        "A flat real discount rate for the public side. Leave it out to use the HM Treasury Green "
        "Book STPR schedule (3.5% for years 0-30, then declining), which is what appraisals of "
        "public spending should use.", 0.035)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.PublicSide:
        return model.PublicSide(**data)


class SupplierSideSchema(Schema):
    """The private partner's side of the deal."""

    upfront_investment = Money("The supplier's own investment in year 0 (mobilisation, assets).",
                               500_000.0)
    annual_operating_cost = Yearly("The supplier's cost of running the service each year.",
                                   8_000_000.0, required=True)
    other_income = Yearly(
        "Third-party income the supplier earns from the partnership each year (joint ventures, "
        "commercialisation). Default 0.", 0.0)
    cost_of_capital = Rate(
        "The supplier's real cost of capital, used to discount its cash flows. Default 0.08.",
        0.08)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.SupplierSide:
        return model.SupplierSide(**data)


class RiskSchema(Schema):
    """The risk-adjusted view (Green Book optimism bias): which reference class applies and how
    far its upper-bound uplift is mitigated. Leave it out to start at the upper bound of the
    default class for the partnership_model, as the Green Book asks."""

    project_type = fields.String(
        validate=validate.OneOf(model.PROJECT_TYPES),
        metadata=_meta(
            "Optimism-bias reference class for the one-off costs other than IT (Mott MacDonald "
            "2002). Default by partnership_model: outsourcing for service partnerships, "
            "equipment_development for channel_shift. IT costs always use "
            "equipment_development and the supplier's operating cost always uses outsourcing.",
            "outsourcing"),
    )
    mitigation = Number(
        minimum=0.0, maximum=1.0, load_default=0.0,
        metadata=_meta(
            "Share of the upper-bound uplift removed by evidenced risk management (0 = none, the "
            "Green Book default; 1 = all): uplift = upper x (1 - mitigation).", 0.5, UNIT_SHARE),
    )

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.RiskInput:
        return model.RiskInput(**data)


# --------------------------------------------------------------------------- channel shift,
# social value and acceptability (request)

UNIT_CONTACTS = "contacts per year"
UNIT_MONEY_CONTACT = "currency units per contact, base-year prices"
_SHARE_TOLERANCE = 1e-6
MAX_OUTCOMES = 100
PROXY_NAMES = tuple(REFERENCE["social_value_proxies"]["proxies"])


def Share(description: str, example: float, *, maximum: float = 1.0, **kwargs: Any) -> Number:
    """A share as a decimal fraction in [0, maximum]."""
    return Number(minimum=0.0, maximum=maximum, metadata=_meta(description, example, UNIT_SHARE),
                  **kwargs)


class StrictBoolean(fields.Boolean):
    """A JSON true or false; strings and numbers are refused."""

    #: What _deserialize returns for a value it is sure of (svcalc.api.loading inlines it).
    load_inline = "{v} if {v}.__class__ is bool else _give_up()"

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class ChannelSchema(Schema):
    """One contact channel: average cost per contact and its share of contacts now and at the
    target."""

    channel = fields.String(
        required=True, validate=validate.OneOf(model.CHANNEL_NAMES),
        metadata=_meta("The channel: " + ", ".join(model.CHANNEL_NAMES) + ". Each at most once.",
                       "online"))
    unit_cost = Number(
        minimum=0.0, maximum=1e6, required=True,
        metadata=_meta("Average cost of handling one contact in this channel (Socitm 2011 "
                       "benchmarks: face-to-face 8.62, telephone 2.83, online 0.15).", 0.15,
                       UNIT_MONEY_CONTACT))
    share_now = Share("Share of contacts in this channel today. Shares sum to 1 across channels.",
                      0.2, required=True)
    share_target = Share("Share of contacts in this channel at the target. Shares sum to 1.",
                         0.45, required=True)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.Channel:
        return model.Channel(**data)


class ChannelShiftSchema(Schema):
    """Moving contact to cheaper channels (DESIGN.md 4.4). The other figures of the proposal
    exclude contact handling: svcalc adds contact cost at today's mix to business as usual and the
    shifted cost to the side named by borne_by."""

    annual_contacts = Number(
        minimum=0.0, maximum=1e12, required=True,
        metadata=_meta("Contacts in contract year 1 at today's avoidable-contact rate.",
                       1_000_000.0, UNIT_CONTACTS))
    contact_growth = Rate("Annual growth of contact volume (before removing avoidable contact). "
                          "Default 0.", 0.0)
    channels = fields.List(
        fields.Nested(ChannelSchema), required=True, validate=validate.Length(1, 5),
        metadata={"description": "The channels, each at most once; share_now and share_target "
                                 "each sum to 1 (within 1e-6)."})
    years_to_target = fields.Integer(
        required=True, strict=True, validate=validate.Range(1, MAX_TERM),
        metadata=_meta("Contract years to move linearly from share_now to share_target.", 3,
                       UNIT_YEARS))
    avoidable_contact_now = Share(
        "Share of today's contacts that are avoidable (chasing, unclear letters). Default 0.",
        0.3, maximum=0.99)
    avoidable_contact_target = Share(
        "Avoidable share at the target (moves linearly like the shares). Default: unchanged.",
        0.2, maximum=0.99)
    borne_by = fields.String(
        required=True, validate=validate.OneOf(("supplier", "public")),
        metadata=_meta("Who pays for handling contacts under the partnership: supplier or "
                       "public. When the supplier does, annual_payment is the whole price "
                       "including contact handling.", "supplier"))

    @validates_schema
    def _check_channels(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, Any] = {}
        channels = data["channels"]
        seen: set[str] = set()
        for i, ch in enumerate(channels):
            if ch.channel in seen:
                errors.setdefault("channels", {})[i] = {"channel": ["Listed more than once."]}
            seen.add(ch.channel)
        for key in ("share_now", "share_target"):
            total = sum(getattr(ch, key) for ch in channels)
            if abs(total - 1.0) > _SHARE_TOLERANCE:
                errors.setdefault("channels", {}).setdefault("_schema", []).append(
                    f"{key} must sum to 1 across channels (within 1e-6); it sums to {total:.6g}.")
        if errors:
            raise ValidationError(errors)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.ChannelShift:
        return model.ChannelShift(**{**data, "channels": tuple(data["channels"])})


class OutcomeSchema(Schema):
    """One monetised social outcome. Give unit_value with its source, or a built-in open proxy
    (wellby, carbon). National TOMs and HACT values are not shipped (their licences forbid it):
    give them as unit_value with their source if you hold a licence."""

    name = fields.String(required=True, validate=validate.Length(1, 200),
                         metadata=_meta("What the outcome is.", "Long-term unemployed into work"))
    quantity = Number(minimum=0.0, maximum=1e12, required=True,
                      metadata=_meta("How many units a year (people, tonnes CO2e, WELLBYs).",
                                     20.0, "units of the outcome per year"))
    unit_value = Number(minimum=-MONEY_MAX, maximum=MONEY_MAX,
                        metadata=_meta("Value of one unit for one year; negative for a "
                                       "disbenefit. Give this or proxy, not both.", 5_000.0,
                                       UNIT_MONEY))
    proxy = fields.String(validate=validate.OneOf(PROXY_NAMES),
                          metadata=_meta("A built-in open proxy instead of unit_value: "
                                         + ", ".join(PROXY_NAMES) + " (see GET /v1/reference).",
                                         "wellby"))
    source = fields.String(validate=validate.Length(1, 500),
                           metadata=_meta("Where unit_value comes from; required with it.",
                                          "Council evaluation of the 2024 employment scheme"))
    start_year = fields.Integer(
        load_default=1, strict=True, validate=validate.Range(1, MAX_TERM),
        metadata=_meta("First contract year the outcome is valued. Default 1.", 1, UNIT_YEARS))
    duration_years = fields.Integer(
        required=True, strict=True, validate=validate.Range(1, MAX_TERM),
        metadata=_meta("Years the outcome lasts (it may run past the term).", 3, UNIT_YEARS))
    deadweight = Share("Share that would have happened anyway. Default 0.", 0.25)
    attribution = Share("Share due to others' contributions. Default 0.", 0.2)
    displacement = Share("Share that merely displaces outcomes elsewhere. Default 0.", 0.05)
    drop_off = Share("Share of the remaining outcome lost each year after the first. Default 0.",
                     0.1)
    evidence_grade = fields.Integer(
        required=True, strict=True, validate=validate.Range(1, 5),
        metadata=_meta("1 independent evaluation of this service; 2 measured in a comparable "
                       "service; 3 before/after without comparison; 4 modelled from benchmarks; "
                       "5 asserted. Sets the haircut in the risk-adjusted view.", 3, "grade"))

    @validates_schema
    def _check_value(self, data: dict[str, Any], **_: Any) -> None:
        has_value, has_proxy = "unit_value" in data, "proxy" in data
        if has_value == has_proxy:
            raise ValidationError("Give exactly one of unit_value and proxy.", "unit_value")
        if has_value and "source" not in data:
            raise ValidationError("Required with unit_value: say where the value comes from.",
                                  "source")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.Outcome:
        return model.Outcome(**data)


class SocialValueSchema(Schema):
    """Monetised social value claimed by the proposal (DESIGN.md 4.5)."""

    outcomes = fields.List(
        fields.Nested(OutcomeSchema), required=True,
        validate=validate.Length(1, MAX_OUTCOMES),
        metadata={"description": f"The outcomes, 1 to {MAX_OUTCOMES}."})
    base_calendar_year = fields.Integer(
        strict=True, validate=validate.Range(2000, 2100),
        metadata=_meta("Calendar year of year 0; required when an outcome uses a proxy that "
                       "varies by year (carbon).", 2026, "calendar year"))

    @validates_schema
    def _check_calendar(self, data: dict[str, Any], **_: Any) -> None:
        if "base_calendar_year" in data:
            return
        for i, o in enumerate(data["outcomes"]):
            values = REFERENCE["social_value_proxies"]["proxies"].get(o.proxy or "", {})
            if any(v["year"] is not None for v in values.get("values", ())):
                raise ValidationError(f"Required: outcome {i} uses the {o.proxy} proxy, which "
                                      "varies by calendar year.", "base_calendar_year")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.SocialValue:
        return model.SocialValue(**{**data, "outcomes": tuple(data["outcomes"])})


class AcceptabilitySchema(Schema):
    """Evidence that citizens, staff and organisations will accept the new way of delivery.
    Leave out what you do not know: the Acceptability score names it as missing."""

    citizen_support = Share("Share of citizens in favour, from consultation.", 0.62)
    staff_support = Share("Share of staff in favour, from consultation.", 0.48)
    assisted_digital = StrictBoolean(metadata=_meta(
        "Is there help for people who cannot use online services (about 4% of adults are "
        "offline, 16% lack basic digital skills)?", True))
    retains_face_to_face = StrictBoolean(metadata=_meta("Does a face-to-face route remain?",
                                                        True))
    open_book = StrictBoolean(metadata=_meta("Does the supplier keep open-book accounts (service "
                                             "visibility)?", True))
    performance_regime = StrictBoolean(metadata=_meta(
        "Are there KPIs with step-in rights (control and accountability)?", True))
    jobs_transferred = fields.Integer(
        strict=True, validate=validate.Range(0, 10_000_000),
        metadata=_meta("Staff transferred to the partnership (e.g. under TUPE).", 120, "jobs"))
    jobs_lost = fields.Integer(
        strict=True, validate=validate.Range(0, 10_000_000),
        metadata=_meta("Jobs lost (redundancies, posts deleted).", 10, "jobs"))

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.Acceptability:
        return model.Acceptability(**data)


# --------------------------------------------------------------------------- simulation (request)

UNIT_CHANGE = "relative change of the stated value (decimal fraction: -0.1 = 10% lower)"
MAX_ITERATIONS = 100_000
MAX_SEED = 2**53 - 1


class InputRangeSchema(Schema):
    """The spread of one key input, as relative changes of its stated value."""

    low = Number(minimum=-1.0, maximum=10.0, required=True, metadata=_meta(
        "One end of the range, as a relative change (-1 = the input removed); the lower end is "
        "low whichever order they come in. For normal: the 10th percentile.",
        -0.1, UNIT_CHANGE))
    high = Number(minimum=-1.0, maximum=10.0, required=True, metadata=_meta(
        "Highest relative change (10 = +1,000%). For normal: the 90th percentile. Equal to low "
        "for a fixed change.", 0.2, UNIT_CHANGE))
    distribution = fields.String(
        load_default="triangular", validate=validate.OneOf(model.DISTRIBUTIONS),
        metadata=_meta("triangular (default; most likely as stated, i.e. 0 clipped into the "
                       "range), uniform, or normal (low and high are its P10 and P90).",
                       "triangular"))

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.InputRange:
        # The two ends may come in either order (a spreadsheet row is not always sorted).
        low, high = sorted((data["low"], data["high"]))
        return model.InputRange(low, high, data["distribution"])


class SimulationRangesSchema(Schema):
    """Ranges per key input (the switching-value inputs); an input left out gets its default
    from the optimism-bias uplifts of the risk-adjusted view (see docs/portals.md)."""

    public_saving = fields.Nested(InputRangeSchema, metadata={
        "description": "The public net saving of every contract year. Default: triangular from "
                       "minus the outsourcing opex uplift to 0."})
    upfront_costs = fields.Nested(InputRangeSchema, metadata={
        "description": "The public upfront costs. Default: triangular from 0 to the risk-adjusted "
                       "uplift on them."})
    supplier_operating_cost = fields.Nested(InputRangeSchema, metadata={
        "description": "The supplier's operating cost. Default: triangular from 0 to the "
                       "outsourcing opex uplift."})


class SimulationRequestSchema(Schema):
    """Ask for a Monte Carlo simulation of both NPVs over the key inputs (DESIGN.md 4.7)."""

    iterations = fields.Integer(
        load_default=10_000, strict=True, validate=validate.Range(1, MAX_ITERATIONS),
        metadata=_meta("Number of scenarios (the server may set a lower cap, "
                       "MAX_SIMULATION_ITERATIONS). Default 10,000.", 10_000, "scenarios"))
    seed = fields.Integer(
        load_default=0, strict=True, validate=validate.Range(0, MAX_SEED),
        metadata=_meta("Seed of the random-number generator: the same seed gives the same "
                       "result. Default 0.", 42, "seed"))
    bins = fields.Integer(
        load_default=20, strict=True, validate=validate.Range(1, 100),
        metadata=_meta("Histogram bins per NPV. Default 20.", 20, "bins"))
    ranges = fields.Nested(SimulationRangesSchema, metadata={
        "description": "Optional ranges per input; defaults from the optimism-bias bounds."})

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.SimulationInput:
        return model.SimulationInput(**data)


#: Per-year fields checked against term_years: (block, field).
YEARLY_FIELDS = (
    ("public", "baseline_annual_cost"),
    ("public", "annual_payment"),
    ("public", "retained_costs"),
    ("supplier", "annual_operating_cost"),
    ("supplier", "other_income"),
)


class ProposalSchema(CompiledLoad, Schema):
    """A proposed public/private partnership. Unknown fields are rejected."""

    name = fields.String(validate=validate.Length(max=200),
                         metadata=_meta("A label for the proposal, echoed back.",
                                        "Revenues and benefits outsourcing"))
    partnership_model = fields.String(
        load_default="other",
        validate=validate.OneOf(model.PARTNERSHIP_MODELS),
        metadata=_meta("The kind of partnership. Default other.", "outsourcing"),
    )
    term_years = fields.Integer(
        required=True, strict=True, validate=validate.Range(1, MAX_TERM),
        metadata=_meta("Contract term: the number of contract years after the base year 0.", 10,
                       UNIT_YEARS),
    )
    price_basis = fields.String(
        load_default="real",
        validate=validate.OneOf(("real", "nominal")),
        metadata=_meta(
            "real (default): every money figure is in base-year prices. nominal: figures include "
            "inflation; give inflation and svcalc converts them to real before discounting.",
            "real"),
    )
    inflation = Rate("Annual inflation (GDP deflator) used to deflate nominal figures; required "
                     "when price_basis is nominal.", 0.02)
    currency = fields.String(
        load_default="GBP",
        validate=validate.Regexp(r"^[A-Z]{3}$", error="Give an ISO 4217 code such as GBP."),
        metadata=_meta("ISO 4217 currency of every money figure. Default GBP.", "GBP"),
    )
    public = fields.Nested(PublicSideSchema, required=True,
                           metadata={"description": "The public body's side."})
    supplier = fields.Nested(SupplierSideSchema, required=True,
                             metadata={"description": "The supplier's side."})
    risk = fields.Nested(RiskSchema, metadata={
        "description": "Optimism-bias class and mitigation for the risk-adjusted view; default: "
                       "the upper bound of the partnership_model's default class."})
    channel_shift = fields.Nested(ChannelShiftSchema,
                                  metadata={"description": "Optional: moving contact to cheaper "
                                                           "channels."})
    social_value = fields.Nested(SocialValueSchema,
                                 metadata={"description": "Optional: monetised social value "
                                                          "outcomes."})
    acceptability = fields.Nested(AcceptabilitySchema,
                                  metadata={"description": "Optional: evidence of acceptance "
                                                           "(scored; missing items are named)."})
    simulation = fields.Nested(SimulationRequestSchema,
                               metadata={"description": "Optional: a Monte Carlo simulation of "
                                                        "both NPVs (response: simulation)."})

    @validates_schema(skip_on_field_errors=False)
    def _check_consistency(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, Any] = {}
        term = data.get("term_years")
        if isinstance(term, int):
            for block, name in YEARLY_FIELDS:
                side = data.get(block)
                value = getattr(side, name, None)
                if isinstance(value, tuple) and len(value) != term:
                    errors.setdefault(block, {})[name] = [
                        f"Expected {term} values (one per contract year, term_years = {term}), "
                        f"got {len(value)}."
                    ]
        if data.get("price_basis") == "nominal" and "inflation" not in data:
            errors["inflation"] = ["Required when price_basis is nominal."]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.Proposal:
        return model.Proposal(**data)


# --------------------------------------------------------------------------- response


def round_money_columns(columns: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """``[[round(v, 2) for v in c] for c in columns]`` (``None`` kept), done with numpy at once
    when every value is a float (a 2-D float array, such as a cash-flow table's money, is taken
    as it is): :func:`round_money_array`, as lists."""
    if isinstance(columns, np.ndarray) and columns.dtype == np.float64 and columns.ndim == 2:
        x = columns  # a columnar table's money: every value a float by construction
    elif set(map(type, chain.from_iterable(columns))) - {float} or len(set(map(len, columns))) > 1:
        return [[None if v is None else round(v, 2) for v in c] for c in columns]
    else:
        x = np.array(columns, dtype=float)
    out: list[list[Any]] = round_money_array(x).tolist()
    return out


def round_money_array(x: np.ndarray) -> np.ndarray:
    """``round(v, 2)`` of every value of the float array ``x``, as a new float array.

    ``round(x, 2)`` is the double nearest the decimal ``k/100``, ``k`` the integer nearest the
    exact ``100x``. Away from a tie, ``rint(fl(100x))`` is that ``k`` (``fl`` errs by half an
    ulp, ~1e-16 relative, far less than the margin checked), and ``k / 100.0`` is the nearest
    double to ``k/100`` (IEEE division is correctly rounded), sign of zero included. Values
    within the margin of a tie, beyond 4e13 or not finite are left to ``round`` itself.
    ``tests/test_dumping.py`` checks this against ``round`` on values at and next to ties.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        y = x * 100.0
        k = np.rint(y)
        exact = (np.abs(y) < 4e15) & (np.abs(np.abs(y - k) - 0.5) > np.abs(y) * 1e-15)
    out = k / 100.0
    if not exact.all():
        for where in np.argwhere(~exact).tolist():
            out[tuple(where)] = round(float(x[tuple(where)]), 2)
    return out


class MoneyOut(fields.Float):
    """Money in a response: rounded to 2 decimals when rendered (the core keeps full precision)."""

    #: The same conversion as :meth:`_serialize`, inlined by :mod:`svcalc.api.dumping`, and for
    #: all of a table's columns of this type at once.
    dump_inline = "None if {v} is None else round({v}, 2)"
    dump_columns = staticmethod(round_money_columns)
    #: The same for a float array, answered as one (a table encoded straight to JSON).
    dump_array = staticmethod(round_money_array)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> float | None:
        return None if value is None else round(value, 2)


def _out_money(description: str, example: float, nullable: bool = False) -> MoneyOut:
    return MoneyOut(required=True, allow_none=nullable,
                    metadata=_meta(description, example, UNIT_MONEY))


def _out_ratio(description: str, example: float | None, unit: str = UNIT_SHARE,
               nullable: bool = True) -> fields.Float:
    return fields.Float(required=True, allow_none=nullable,
                        metadata=_meta(description, example, unit))


def _out_years(description: str, example: float | None) -> fields.Float:
    return fields.Float(required=True, allow_none=True,
                        metadata=_meta(description, example, UNIT_YEARS))


def _notes() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(), values=fields.String(), required=True,
        metadata={
            "description": "Why a figure in this block is null: figure name -> reason. Empty when "
                           "every figure exists.",
            "example": {"irr": "the cash flows never change sign, so no rate makes the NPV zero"},
        },
    )


class MethodSchema(Schema):
    """How the figures were made, so an appraisal can be reproduced."""

    version = fields.String(required=True, metadata=_meta("svcalc version.", "0.1.0"))
    reference_version = fields.String(
        required=True, metadata=_meta("Version of the reference data (GET /v1/reference).",
                                      "2026.11.0"))
    discounting = fields.String(
        required=True, validate=validate.OneOf(("green_book_stpr", "flat_rate")),
        metadata=_meta("Public-side discounting: the Green Book STPR schedule or the flat rate "
                       "the proposal gave.", "green_book_stpr"))
    public_discount_rate = fields.Float(
        required=True, allow_none=True,
        metadata=_meta("The flat public rate used, or null for the STPR schedule.", None,
                       UNIT_RATE))
    supplier_discount_rate = fields.Float(
        required=True, metadata=_meta("The supplier's cost of capital used.", 0.08, UNIT_RATE))
    price_basis = fields.String(
        required=True, metadata=_meta("Price basis of the proposal as given; every output figure "
                                      "is in real base-year prices.", "real"))
    currency = fields.String(required=True, metadata=_meta("Currency of money figures.", "GBP"))


class PublicCaseSchema(Schema):
    """The public body's business case against business as usual."""

    npv = _out_money("Net present value of the saving against business as usual, discounted at "
                     "the STPR (or the flat rate given).", 3_214_000.0)
    irr = _out_ratio("Internal rate of return of the public net flows; null when none exists or "
                     "when several do (see notes).", 0.31, UNIT_RATE)
    payback_years = _out_years("Years until the cumulative (undiscounted) saving first recovers "
                               "the upfront costs, interpolated within the year; null if never "
                               "within the term.", 3.6)
    discounted_payback_years = _out_years("As payback_years, on discounted flows.", 3.9)
    first_saving_year = fields.Integer(
        required=True, allow_none=True,
        metadata=_meta("First contract year that costs less than business as usual.", 1,
                       UNIT_YEARS))
    peak_funding_requirement = _out_money("Deepest cumulative (undiscounted) shortfall: the cash "
                                          "the public body must find before savings arrive.",
                                          1_050_000.0)
    upfront_costs = _out_money("Total one-off public costs in year 0.", 1_050_000.0)
    annual_saving_steady_state = _out_money("Saving in the final contract year.", 1_000_000.0)
    saving_share_of_baseline = _out_ratio("Final-year saving as a share of the final-year "
                                          "business-as-usual cost.", 0.1)
    bcr = _out_ratio("Benefit-cost ratio of the incremental case against business as usual: PV "
                     "of the years that save over PV of the years that cost (including year 0). "
                     "Context only: the Green Book (2026) says a BCR is not a pass/fail test.",
                     4.1, "ratio")
    vfm_category = fields.String(
        required=True, allow_none=True,
        validate=validate.OneOf(("poor", "low", "medium", "high", "very_high")),
        metadata=_meta("DfT value-for-money category of the BCR (context, not a verdict).",
                       "very_high"))
    notes = _notes()
    npv_risk_adjusted = _out_money("Public NPV with the Green Book optimism-bias uplifts applied "
                                   "(see risk).", 2_900_000.0)
    payback_years_risk_adjusted = _out_years("payback_years with optimism bias applied; null if "
                                             "never within the term.", 4.2)


class SupplierCaseSchema(Schema):
    """The supplier's business case at its own cost of capital."""

    npv = _out_money("Net present value of the supplier's cash flows at its cost of capital.",
                     1_600_000.0)
    irr = _out_ratio("Internal rate of return of the supplier's cash flows; null when none "
                     "exists or several do (see notes).", 1.19, UNIT_RATE)
    payback_years = _out_years("Years until the supplier's cumulative cash recovers its "
                               "investment; null if never within the term.", 0.8)
    discounted_payback_years = _out_years("As payback_years, discounted at the cost of capital.",
                                          0.9)
    peak_funding_requirement = _out_money("Deepest cumulative cash shortfall of the supplier.",
                                          500_000.0)
    whole_life_margin = _out_ratio("(Total revenue - total operating cost - upfront investment) "
                                   "/ total revenue, undiscounted.", 0.064)
    annual_margins = fields.List(
        fields.Float(allow_none=True), required=True,
        metadata=_meta("Operating margin each contract year 1..T: (revenue - operating cost) / "
                       "revenue; null in a year without revenue.", [0.07, 0.07], UNIT_SHARE))
    notes = _notes()
    npv_risk_adjusted = _out_money("Supplier NPV at its cost of capital with its operating cost "
                                   "carrying the outsourcing opex optimism-bias uplift (see "
                                   "risk).", -1_200_000.0)
    whole_life_margin_risk_adjusted = _out_ratio("whole_life_margin with optimism bias applied; "
                                                 "below 0 the supplier runs at a loss.", 0.02)


class PartnershipCaseSchema(Schema):
    """The Support principle: does the partnership deliver for less than going it alone?"""

    individual_delivery_cost = _out_money("PV of business as usual over the term (public "
                                          "discounting).", 85_000_000.0)
    partnership_cost = _out_money("PV of the resources the partnership consumes: supplier "
                                  "investment and operating costs, public retained and upfront "
                                  "costs (public discounting).", 80_000_000.0)
    support_ratio = _out_ratio("individual_delivery_cost / partnership_cost; above 1 the "
                               "partnership delivers for less.", 1.06, "ratio")
    supplier_npv_at_public_rate = _out_money("The supplier's NPV discounted like the public "
                                             "side, to compare who captures the value.",
                                             1_900_000.0)
    value_share_public = _out_ratio("Public NPV / (public NPV + supplier NPV at the public rate), "
                                    "when both are positive: the public body's share of the value "
                                    "the partnership creates.", 0.63)
    notes = _notes()
    support_ratio_risk_adjusted = _out_ratio("support_ratio with optimism bias applied.", 1.01,
                                             "ratio")


class CashFlowRowSchema(Schema):
    """One year of the cash-flow table, in real base-year prices."""

    year = fields.Integer(required=True, metadata=_meta("Year (0 = base year).", 1, UNIT_YEARS))
    discount_factor = fields.Float(required=True,
                                   metadata=_meta("Public discount factor.", 0.966184, "factor"))
    baseline_cost = _out_money("Business-as-usual cost.", 10_000_000.0)
    annual_payment = _out_money("Payment to the supplier.", 8_600_000.0)
    retained_costs = _out_money("Public retained costs.", 400_000.0)
    public_upfront_costs = _out_money("Public one-off costs (year 0 only).", 0.0)
    public_net = _out_money("Public net saving.", 1_000_000.0)
    public_cumulative = _out_money("Cumulative public net saving.", -50_000.0)
    public_discounted = _out_money("Public net saving x discount factor.", 966_183.57)
    supplier_revenue = _out_money("Supplier revenue (payment + other income).", 8_600_000.0)
    supplier_operating_cost = _out_money("Supplier operating cost.", 8_000_000.0)
    supplier_upfront_investment = _out_money("Supplier investment (year 0 only).", 0.0)
    supplier_net = _out_money("Supplier net cash.", 600_000.0)
    supplier_cumulative = _out_money("Cumulative supplier net cash.", 100_000.0)
    supplier_discount_factor = fields.Float(
        required=True, metadata=_meta("Supplier discount factor at its cost of capital.",
                                      0.925926, "factor"))
    supplier_discounted = _out_money("Supplier net cash x its discount factor.", 555_555.56)
    baseline_contact_cost = _out_money("Contact-handling cost added to business as usual "
                                       "(channel shift; 0 without one).", 0.0)
    public_contact_cost = _out_money("Shifted contact cost borne by the public body.", 0.0)
    supplier_contact_cost = _out_money("Shifted contact cost borne by the supplier.", 0.0)


class ChannelShiftYearSchema(Schema):
    """One contract year of the channel-shift table."""

    year = fields.Integer(required=True, metadata=_meta("Contract year.", 1, UNIT_YEARS))
    contacts_baseline = fields.Float(required=True, metadata=_meta(
        "Contacts as usual (today's mix and avoidable rate, with growth).", 1_000_000.0,
        UNIT_CONTACTS))
    contacts_shifted = fields.Float(required=True, metadata=_meta(
        "Contacts after avoidable contact is reduced.", 950_000.0, UNIT_CONTACTS))
    avoidable_share = fields.Float(required=True, metadata=_meta(
        "Avoidable share of contacts this year.", 0.25, UNIT_SHARE))
    digital_share = fields.Float(required=True, metadata=_meta(
        "Share of contacts in digital channels (online, email) this year.", 0.28, UNIT_SHARE))
    cost_baseline = _out_money("Contact cost as usual.", 4_031_000.0)
    cost_shifted = _out_money("Contact cost after the shift.", 3_518_166.67)
    saving = _out_money("cost_baseline - cost_shifted.", 512_833.33)
    shares = fields.Dict(keys=fields.String(), values=fields.Float(), required=True,
                         metadata=_meta("Each channel's share of contacts this year.",
                                        {"face_to_face": 0.25, "telephone": 0.4667,
                                         "online": 0.2833}, UNIT_SHARE))


class ChannelShiftCaseSchema(Schema):
    """Channel shift: contact cost as usual against shifted, and how fast contact moves."""

    borne_by = fields.String(required=True, metadata=_meta("Who bears the shifted contact cost.",
                                                           "supplier"))
    years_to_target = fields.Integer(required=True, metadata=_meta(
        "Years to reach the target mix, as given.", 3, UNIT_YEARS))
    stretch_risk_adjusted = fields.Float(required=True, metadata=_meta(
        "Factor on years_to_target in the risk-adjusted view (1 + works-duration optimism "
        "bias); 1 means no stretch.", 1.0, "factor"))
    migration_pp_per_year = fields.Dict(
        keys=fields.String(), values=fields.Float(), required=True,
        metadata=_meta("Change of each channel's share per year while migrating.",
                       {"face_to_face": -5.0, "telephone": -3.33, "online": 8.33},
                       "percentage points per year"))
    max_migration_pp_per_year = fields.Float(required=True, metadata=_meta(
        "The fastest channel's change (observed migrations run at 3-14 points a year).", 8.33,
        "percentage points per year"))
    digital_share_now = fields.Float(required=True, metadata=_meta(
        "Share of contact in digital channels today.", 0.2, UNIT_SHARE))
    digital_share_target = fields.Float(required=True, metadata=_meta(
        "Share of contact in digital channels at the target.", 0.45, UNIT_SHARE))
    baseline_cost_pv = _out_money("PV of contact cost as usual over the term (public "
                                  "discounting).", 33_500_000.0)
    shifted_cost_pv = _out_money("PV of contact cost after the shift.", 22_000_000.0)
    saving_pv = _out_money("PV of the contact-cost saving. Averages include fixed costs: the "
                           "cashable saving is smaller unless capacity is released.",
                           11_500_000.0)
    saving_pv_risk_adjusted = _out_money("PV of the saving with the migration stretched.",
                                         10_900_000.0)
    years = fields.List(fields.Nested(ChannelShiftYearSchema), required=True,
                        metadata={"description": "Contract years 1..term_years."})
    notes = _notes()


class OutcomeValueSchema(Schema):
    """One outcome's value: gross, adjusted, discounted and risk-adjusted."""

    name = fields.String(required=True, metadata=_meta("The outcome.", "Into work"))
    proxy = fields.String(required=True, allow_none=True,
                          metadata=_meta("The built-in proxy used, or null.", None))
    unit_value = _out_money("Value per unit in the outcome's first year.", 5_000.0)
    price_year = fields.Integer(required=True, allow_none=True, metadata=_meta(
        "Price year of a built-in proxy (not rebased); null for a caller's value.", None,
        "calendar year"))
    source = fields.String(required=True, metadata=_meta("Source of the unit value.",
                                                         "Council evaluation"))
    evidence_grade = fields.Integer(required=True, metadata=_meta("Evidence grade as given.", 3,
                                                                  "grade"))
    haircut = fields.Float(required=True, metadata=_meta(
        "Share of the quantity removed in the risk-adjusted view.", 0.25, UNIT_SHARE))
    adjustment_factor = fields.Float(required=True, metadata=_meta(
        "(1 - deadweight)(1 - attribution)(1 - displacement).", 0.57, "factor"))
    gross_value = _out_money("Quantity x unit value over the duration, undiscounted, before "
                             "adjustments and drop-off.", 300_000.0)
    adjusted_value = _out_money("Value after adjustments and drop-off, undiscounted.",
                                155_000.0)
    present_value = _out_money("Adjusted value discounted at the public rate.", 145_000.0)
    present_value_risk_adjusted = _out_money("present_value after the evidence haircut.",
                                             108_750.0)


class ScoreComponentSchema(Schema):
    """One component of a score."""

    name = fields.String(required=True, metadata=_meta("Component.", "public_npv"))
    weight = fields.Float(required=True, metadata=_meta("Its weight (reference data).", 0.25,
                                                        "weight"))
    credit = fields.Float(required=True, allow_none=True, metadata=_meta(
        "Credit earned, 0..1; null when its inputs are missing.", 1.0, "fraction of the weight"))
    given = fields.Raw(required=True, allow_none=True, metadata=_meta(
        "The figure the component was judged on.", 3_214_000.0))
    reason = fields.String(required=True, metadata=_meta("Why it earned that credit.",
                                                         "the public NPV is positive in the "
                                                         "risk-adjusted view"))


class ScoreSchema(Schema):
    """A 0-100 score with its components."""

    score = fields.Float(required=True, allow_none=True, metadata=_meta(
        "0-100; null when no component could be scored.", 75.0, "points (0-100)"))
    coverage = fields.Float(required=True, metadata=_meta(
        "Share of the weight whose inputs were given.", 1.0, UNIT_SHARE))
    components = fields.List(fields.Nested(ScoreComponentSchema), required=True,
                             metadata={"description": "Every component, scored or missing."})
    missing = fields.List(fields.String(), required=True, metadata=_meta(
        "Inputs not given (left out of the score, never scored as 0 or full).",
        ["acceptability.staff_support"]))
    penalty = fields.Float(required=True, metadata=_meta(
        "Points taken off (Acceptability: digital target above the inclusion ceiling).", 0.0,
        "points"))
    note = fields.String(required=True, metadata=_meta("How the score is made.",
                                                       "Weighted share of the components."))


class ScoresSchema(Schema):
    """The three principles: Benefit, Support, Acceptability."""

    benefit = fields.Nested(ScoreSchema, required=True,
                            metadata={"description": "Value for every stakeholder."})
    support = fields.Nested(ScoreSchema, required=True, metadata={
        "description": "The partnership costs less than individual delivery."})
    acceptability = fields.Nested(ScoreSchema, required=True, metadata={
        "description": "Citizens, staff and organisations will accept the new delivery."})


class SocialValueCaseSchema(Schema):
    """Monetised social value and the three scores."""

    present_value = _out_money("PV of the adjusted social value (public discounting); 0 when "
                               "none is claimed.", 1_200_000.0)
    present_value_risk_adjusted = _out_money("PV after the evidence-grade haircuts.",
                                             900_000.0)
    share_of_contract_value = _out_ratio("present_value / PV of the annual payments.", 0.018)
    outcomes = fields.List(fields.Nested(OutcomeValueSchema), required=True,
                           metadata={"description": "Each outcome, in request order."})
    scores = fields.Nested(ScoresSchema, required=True)
    notes = _notes()


SEVERITIES = ("info", "warning", "critical")


class SustainableSchema(Schema):
    """Whether each side's NPV is non-negative in the risk-adjusted view."""

    public = fields.Boolean(required=True, metadata=_meta(
        "Public NPV >= 0 with optimism bias applied.", True, "boolean"))
    supplier = fields.Boolean(required=True, metadata=_meta(
        "Supplier NPV >= 0 at its cost of capital with optimism bias applied.", False,
        "boolean"))


class VerdictSchema(Schema):
    """The answer: is the deal good and sustainable for both sides, or only over-bullish?"""

    rating = fields.String(
        required=True, validate=validate.OneOf(model.RATINGS),
        metadata=_meta(
            "not_viable: a side's NPV is negative on the proposal's own figures. over_bullish: "
            "it passes as stated but a side fails risk-adjusted, or a flag is critical. "
            "viable_with_cautions: passes both views with warnings. robust: passes both views "
            "for both sides with no warning or critical flag.", "over_bullish"))
    headline = fields.String(required=True, metadata=_meta(
        "One sentence naming the decisive reason.",
        "Over-bullish: it works only as stated, because ..."))
    sustainable = fields.Nested(SustainableSchema, required=True)
    reasons = fields.List(fields.String(), required=True, metadata=_meta(
        "Codes of the flags that drove the rating (critical for not_viable and over_bullish, "
        "warnings for viable_with_cautions), decisive first; see flags.",
        ["SUPPLIER_FAILS_UNDER_OPTIMISM_BIAS"]))
    economic = fields.String(required=True, metadata=_meta(
        "Economic case: the public net present value, stated and risk-adjusted.", "Public NPV ..."))
    commercial = fields.String(required=True, metadata=_meta(
        "Commercial case: is the supplier's side sustainable?", "Supplier NPV ..."))
    financial = fields.String(required=True, metadata=_meta(
        "Financial case: upfront need and time to savings.", "Upfront costs ..."))
    bcr = _out_ratio("The public BCR, as context only (Green Book 2026: not a pass/fail test).",
                     4.1, "ratio")
    vfm_category = fields.String(required=True, allow_none=True, metadata=_meta(
        "DfT value-for-money category of the BCR, as context only.", "very_high"))


class RiskAssumptionsSchema(Schema):
    """The optimism-bias uplifts the risk-adjusted figures assume (GET /v1/reference has the
    table with its upper and lower bounds)."""

    project_type = fields.String(required=True, metadata=_meta(
        "Reference class used for the non-IT one-off costs.", "outsourcing"))
    project_type_defaulted = fields.Boolean(required=True, metadata=_meta(
        "True when project_type is the default for the partnership_model.", True, "boolean"))
    mitigation = fields.Float(required=True, metadata=_meta(
        "Share of the upper-bound uplifts removed.", 0.0, UNIT_SHARE))
    public_it_uplift = fields.Float(required=True, metadata=_meta(
        "Uplift on public IT upfront costs (equipment/development capex).", 2.0, UNIT_SHARE))
    public_other_upfront_uplift = fields.Float(required=True, metadata=_meta(
        "Uplift on the other public upfront costs (project_type).", 0.41, UNIT_SHARE))
    supplier_investment_uplift = fields.Float(required=True, metadata=_meta(
        "Uplift on the supplier's upfront investment (project_type).", 0.41, UNIT_SHARE))
    supplier_operating_cost_uplift = fields.Float(required=True, metadata=_meta(
        "Uplift on the supplier's operating cost (outsourcing opex).", 0.41, UNIT_SHARE))
    duration_uplift = fields.Float(required=True, allow_none=True, metadata=_meta(
        "Stretch of any ramp in the yearly figures (project_type works duration); null when the "
        "class has none.", None, UNIT_SHARE))
    public_upfront_costs_risk_adjusted = _out_money("Public upfront costs with the uplifts.",
                                                    1_957_500.0)
    notes = _notes()


class SwitchingValueSchema(Schema):
    """How far one input can move, all else as stated, before its NPV reaches zero."""

    input = fields.String(required=True, metadata=_meta(
        "The input: public_saving, upfront_costs or supplier_operating_cost.", "public_saving"))
    field = fields.String(required=True, metadata=_meta(
        "JSON pointer to the input in the request.", "#/public/annual_payment"))
    side = fields.String(required=True, validate=validate.OneOf(("public", "supplier")),
                         metadata=_meta("Whose NPV the input drives.", "public"))
    npv = _out_money("That side's NPV as stated.", 7_266_605.32)
    switching_value = _out_ratio(
        "Relative change of the input that brings the NPV to zero (-0.23 = a 23% fall), found "
        "by root-finding; null when no change between -100% and +1,000% does (see reason).",
        -0.87)
    reason = fields.String(required=True, allow_none=True, metadata=_meta(
        "Why switching_value is null; null otherwise.", None))


class TornadoRowSchema(Schema):
    """One input's NPV at -20%, -10%, as stated, +10% and +20%, all else as stated."""

    input = fields.String(required=True, metadata=_meta("The input.", "supplier_operating_cost"))
    field = fields.String(required=True, metadata=_meta(
        "JSON pointer to the input in the request.", "#/supplier/annual_operating_cost"))
    side = fields.String(required=True, validate=validate.OneOf(("public", "supplier")),
                         metadata=_meta("Whose NPV.", "supplier"))
    npv_minus_20 = _out_money("NPV with the input 20% lower.", 14_262_179.08)
    npv_minus_10 = _out_money("NPV with the input 10% lower.", 8_894_113.96)
    npv_base = _out_money("NPV as stated.", 3_526_048.84)
    npv_plus_10 = _out_money("NPV with the input 10% higher.", -1_842_016.28)
    npv_plus_20 = _out_money("NPV with the input 20% higher.", -7_210_081.40)
    swing = _out_money("|npv_plus_20 - npv_minus_20|; rows are sorted by it, widest first.",
                       21_472_260.48)


class SensitivitySchema(Schema):
    """Switching values and the tornado table (stated view)."""

    switching_values = fields.List(fields.Nested(SwitchingValueSchema), required=True,
                                   metadata={"description": "One per key input."})
    tornado = fields.List(fields.Nested(TornadoRowSchema), required=True,
                          metadata={"description": "One row per key input, widest swing first."})


class FlagSchema(Schema):
    """An over-bullish or one-sided assumption, with its evidence."""

    code = fields.String(required=True, metadata=_meta(
        "Stable machine-readable code (GET /v1/reference flag_rules lists them).",
        "SUPPLIER_MARGIN_LOW_BALL"))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES),
                             metadata=_meta("info, warning or critical.", "critical"))
    field = fields.String(required=True, metadata=_meta(
        "JSON pointer into the request to the figure at issue.", "#/public/annual_payment"))
    message = fields.String(required=True, metadata=_meta(
        "What is wrong, with the numbers, for a procurement officer.",
        "The supplier's whole-life margin is 2.0%, below 5% ..."))
    given = fields.Raw(required=True, allow_none=True, metadata=_meta(
        "The figure the proposal implies (a number in the unit the message names, or a text).",
        0.02, "as the message says", oneOf=[{"type": "number"}, {"type": "string"}]))
    benchmark = fields.Raw(required=True, allow_none=True, metadata=_meta(
        "The threshold or reference it is judged against.", 0.03, "as the message says",
        oneOf=[{"type": "number"}, {"type": "string"}]))
    source = fields.String(required=True, metadata=_meta("Where the benchmark comes from.",
                                                         "Carillion ..."))


# --------------------------------------------------------------------------- simulation (response)


class InputRangeOutSchema(Schema):
    """The range used for one input."""

    low = fields.Float(required=True, metadata=_meta("Lowest relative change.", 0.0, UNIT_CHANGE))
    high = fields.Float(required=True, metadata=_meta("Highest relative change.", 0.41,
                                                      UNIT_CHANGE))
    distribution = fields.String(required=True, metadata=_meta("The distribution.",
                                                               "triangular"))


class SimulationRangesOutSchema(Schema):
    """The range used for each input (given, or defaulted from optimism bias)."""

    public_saving = fields.Nested(InputRangeOutSchema, required=True)
    upfront_costs = fields.Nested(InputRangeOutSchema, required=True)
    supplier_operating_cost = fields.Nested(InputRangeOutSchema, required=True)


class HistogramSchema(Schema):
    """A histogram a client can plot: bins+1 edges and a count per bin."""

    edges = fields.List(MoneyOut(), required=True, metadata=_meta(
        "Bin edges, ascending (one more than counts).", [-1_000_000.0, 0.0, 1_000_000.0],
        UNIT_MONEY))
    counts = fields.List(fields.Integer(), required=True, metadata=_meta(
        "Scenarios in each bin (the last bin includes its upper edge).", [120, 9880],
        "scenarios"))


class NpvDistributionSchema(Schema):
    """One side's NPV over the simulated scenarios."""

    p10 = _out_money("10th percentile.", 1_000_000.0)
    p50 = _out_money("Median.", 3_000_000.0)
    p90 = _out_money("90th percentile.", 5_000_000.0)
    mean = _out_money("Mean.", 3_000_000.0)
    probability_negative = _out_ratio("Share of scenarios with NPV < 0.", 0.05, nullable=False)
    histogram = fields.Nested(HistogramSchema, required=True)


class SimulationResultSchema(Schema):
    """Monte Carlo over the key inputs: both NPVs' distributions (null unless asked)."""

    iterations = fields.Integer(required=True, metadata=_meta("Scenarios simulated.", 10_000,
                                                              "scenarios"))
    seed = fields.Integer(required=True, metadata=_meta("Seed used.", 42, "seed"))
    ranges = fields.Nested(SimulationRangesOutSchema, required=True)
    public_npv = fields.Nested(NpvDistributionSchema, required=True)
    supplier_npv = fields.Nested(NpvDistributionSchema, required=True)
    probability_both_sustainable = _out_ratio(
        "Share of scenarios in which both NPVs are >= 0 (the verdict's sustainable test).", 0.7,
        nullable=False)


class AppraisalSchema(CompiledDump, Schema):
    """The appraisal of one proposal."""

    name = fields.String(required=True, allow_none=True,
                         metadata=_meta("The proposal's name, if it had one.",
                                        "Revenues and benefits outsourcing"))
    method = fields.Nested(MethodSchema, required=True)
    verdict = fields.Nested(VerdictSchema, required=True)
    public = fields.Nested(PublicCaseSchema, required=True)
    supplier = fields.Nested(SupplierCaseSchema, required=True)
    partnership = fields.Nested(PartnershipCaseSchema, required=True)
    social_value = fields.Nested(SocialValueCaseSchema, required=True)
    channel_shift = fields.Nested(ChannelShiftCaseSchema, required=True, allow_none=True,
                                  metadata={"description": "Null without a channel_shift block."})
    risk = fields.Nested(RiskAssumptionsSchema, required=True)
    sensitivity = fields.Nested(SensitivitySchema, required=True)
    simulation = fields.Nested(SimulationResultSchema, required=True, allow_none=True,
                               metadata={"description": "Null without a simulation block."})
    flags = fields.List(fields.Nested(FlagSchema), required=True, metadata={
        "description": "Every over-bullish or one-sided assumption found: the financial "
                       "catalogue first, then channel shift and social value."})
    cash_flows = fields.List(fields.Nested(CashFlowRowSchema), required=True,
                             metadata={"description": "Years 0..term_years."})


# --------------------------------------------------------------------------- meta


class HealthSchema(Schema):
    """Liveness."""

    status = fields.String(required=True, metadata=_meta("Always ok when the service answers.",
                                                         "ok"))
    version = fields.String(required=True, metadata=_meta("svcalc version.", "0.1.0"))
    reference_version = fields.String(required=True,
                                      metadata=_meta("Reference data version.", "2026.11.0"))


class SourcedSchema(Schema):
    """Provenance shared by every reference dataset."""

    name = fields.String(required=True, metadata=_meta("What the figures are.", "STPR"))
    source = fields.String(required=True, metadata=_meta("Where they come from.", "HM Treasury"))
    url = fields.String(metadata=_meta("Where to read the source.", "https://www.gov.uk/"))
    year = fields.Integer(required=True, metadata=_meta("Year of the source.", 2026,
                                                         "calendar year"))
    licence = fields.String(required=True, metadata=_meta("Licence of the figures.", "OGL v3.0"))
    note = fields.String(metadata=_meta("How svcalc applies them.", "Applied year by year."))


class StprBandSchema(Schema):
    """One band of the STPR schedule."""

    from_year = fields.Integer(required=True, metadata=_meta("First year of the band.", 0,
                                                             UNIT_YEARS))
    to_year = fields.Integer(required=True, allow_none=True,
                             metadata=_meta("Last year (null: open-ended).", 30, UNIT_YEARS))
    rate = fields.Float(required=True, metadata=_meta("Real discount rate.", 0.035, UNIT_RATE))


class StprSchema(SourcedSchema):
    """The Green Book STPR schedule."""

    bands = fields.List(fields.Nested(StprBandSchema), required=True,
                        metadata={"description": "The schedule, by band of years."})


class DefaultRateSchema(SourcedSchema):
    """A default rate with its provenance."""

    default = fields.Float(required=True, metadata=_meta("The default.", 0.08, UNIT_RATE))


class VfmBandSchema(Schema):
    """One DfT value-for-money band: min_bcr <= BCR < max_bcr."""

    category = fields.String(required=True, metadata=_meta("Category.", "high"))
    min_bcr = fields.Float(required=True, allow_none=True,
                           metadata=_meta("Lower bound, included (null: none).", 2.0, "ratio"))
    max_bcr = fields.Float(required=True, allow_none=True,
                           metadata=_meta("Upper bound, excluded (null: none).", 4.0, "ratio"))


class VfmSchema(SourcedSchema):
    """DfT value-for-money categories."""

    bands = fields.List(fields.Nested(VfmBandSchema), required=True,
                        metadata={"description": "The categories, by BCR band."})


class ChannelBenchmarkSchema(Schema):
    """Benchmark cost per contact of one channel."""

    benchmark = fields.Float(required=True, allow_none=True, metadata=_meta(
        "Central benchmark (null: none published).", 8.62, UNIT_MONEY_CONTACT))
    low = fields.Float(required=True, allow_none=True, metadata=_meta("Lowest figure seen.", 7.4,
                                                                     UNIT_MONEY_CONTACT))
    high = fields.Float(required=True, allow_none=True, metadata=_meta("Highest figure seen.",
                                                                      14.0, UNIT_MONEY_CONTACT))
    digital = fields.Boolean(required=True, metadata=_meta("Needs the citizen to be online.",
                                                           False))


class ChannelCostsSchema(SourcedSchema):
    """Channel unit-cost benchmarks."""

    channels = fields.Dict(keys=fields.String(), values=fields.Nested(ChannelBenchmarkSchema),
                           required=True, metadata={"description": "By channel name."})


class DigitalInclusionSchema(SourcedSchema):
    """The digital inclusion ceiling."""

    adults_offline = fields.Float(required=True, metadata=_meta("Share of adults offline.", 0.04,
                                                                UNIT_SHARE))
    adults_lacking_basic_skills = fields.Float(required=True, metadata=_meta(
        "Share of adults lacking basic digital skills.", 0.16, UNIT_SHARE))
    online_share_ceiling = fields.Float(required=True, metadata=_meta(
        "Digital share above which a target is flagged and Acceptability penalised.", 0.9,
        UNIT_SHARE))


class ProxyValueSchema(Schema):
    """A proxy's value, for one calendar year or for all (year null)."""

    year = fields.Integer(required=True, allow_none=True,
                          metadata=_meta("Calendar year (null: every year).", 2021,
                                         "calendar year"))
    value = fields.Float(required=True, metadata=_meta("Value per unit.", 245.0, UNIT_MONEY))


class ProxySchema(Schema):
    """A built-in open social value proxy."""

    description = fields.String(required=True, metadata=_meta("What one unit is.", "One WELLBY"))
    unit = fields.String(required=True, metadata=_meta("The unit.", "tCO2e"))
    price_year = fields.Integer(required=True, metadata=_meta("Price base.", 2020,
                                                              "calendar year"))
    source = fields.String(required=True, metadata=_meta("Source.", "DESNZ 2021"))
    values = fields.List(fields.Nested(ProxyValueSchema), required=True,
                         metadata={"description": "Published values (interpolated between)."})


class SocialValueProxiesSchema(SourcedSchema):
    """Built-in open proxies (no National TOMs or HACT values: their licences forbid it)."""

    proxies = fields.Dict(keys=fields.String(), values=fields.Nested(ProxySchema), required=True,
                          metadata={"description": "By proxy name "
                                                   "(social_value.outcomes[].proxy)."})


class EvidenceGradesSchema(SourcedSchema):
    """Evidence-grade haircuts for the risk-adjusted social value."""

    haircuts = fields.Dict(keys=fields.String(), values=fields.Float(), required=True,
                           metadata=_meta("Haircut on the quantity by grade.",
                                          {"1": 0.0, "5": 0.6}, UNIT_SHARE))


class ScoreWeightsSchema(SourcedSchema):
    """Weights and breakpoints of the three scores."""

    benefit = fields.Dict(required=True, metadata=_meta(
        "weights by component; credit_risk_adjusted and credit_stated_only.",
        {"weights": {"public_npv": 0.25}, "credit_risk_adjusted": 1.0, "credit_stated_only": 0.5}))
    support = fields.Dict(required=True, metadata=_meta(
        "Risk-adjusted support ratio at 0, 50 and 100 points.",
        {"ratio_at_zero": 0.8, "ratio_at_fifty": 1.0, "ratio_at_full": 1.2}, "ratio"))
    acceptability = fields.Dict(required=True, metadata=_meta(
        "weights by component; digital_ceiling_penalty_points.",
        {"weights": {"citizen_support": 0.25}, "digital_ceiling_penalty_points": 15.0}))


class SocialFlagsSchema(SourcedSchema):
    """Thresholds of the channel-shift and social-value flags."""

    thresholds = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True,
                             metadata=_meta("By flag code: severity, thresholds and source.",
                                            {"MIGRATION_TOO_FAST": {"severity": "warning",
                                                                    "max_pp_per_year": 15.0}}))


class ReferenceSchema(Schema):
    """Every reference figure svcalc uses, with source, year and licence."""

    version = fields.String(required=True, metadata=_meta("Reference data version.",
                                                          "2026.11.0"))
    description = fields.String(required=True, metadata=_meta("What this is.", "Every figure."))
    stpr = fields.Nested(StprSchema, required=True)
    supplier_cost_of_capital = fields.Nested(DefaultRateSchema, required=True)
    vfm_categories = fields.Nested(VfmSchema, required=True)
    optimism_bias = fields.Nested("OptimismBiasSchema", required=True)
    flag_rules = fields.Nested("FlagRulesSchema", required=True)
    sensitivity = fields.Nested("SensitivitySettingsSchema", required=True)
    channel_costs = fields.Nested(ChannelCostsSchema, required=True)
    digital_inclusion = fields.Nested(DigitalInclusionSchema, required=True)
    social_value_proxies = fields.Nested(SocialValueProxiesSchema, required=True)
    evidence_grades = fields.Nested(EvidenceGradesSchema, required=True)
    scores = fields.Nested(ScoreWeightsSchema, required=True)
    social_flags = fields.Nested(SocialFlagsSchema, required=True)


class OptimismBiasRowSchema(Schema):
    """One reference class of the optimism-bias table."""

    project_type = fields.String(required=True, metadata=_meta("Reference class.",
                                                               "standard_buildings"))
    cost_measure = fields.String(required=True, validate=validate.OneOf(("capex", "opex")),
                                 metadata=_meta("What the cost bounds measure.", "capex"))
    cost_upper = fields.Float(required=True, metadata=_meta("Cost upper bound.", 0.24, UNIT_SHARE))
    cost_lower = fields.Float(required=True, metadata=_meta("Cost lower bound.", 0.02, UNIT_SHARE))
    duration_upper = fields.Float(required=True, allow_none=True, metadata=_meta(
        "Works-duration upper bound (null: none given).", 0.04, UNIT_SHARE))
    duration_lower = fields.Float(required=True, allow_none=True, metadata=_meta(
        "Works-duration lower bound (null: none given).", 0.01, UNIT_SHARE))


class OptimismBiasSchema(SourcedSchema):
    """Green Book optimism-bias uplifts, upper and lower bounds, and how svcalc applies them."""

    project_types = fields.List(fields.Nested(OptimismBiasRowSchema), required=True,
                                metadata={"description": "The table, one row per class."})
    it_project_type = fields.String(required=True, metadata=_meta(
        "Class applied to public IT upfront costs.", "equipment_development"))
    supplier_operating_cost_project_type = fields.String(required=True, metadata=_meta(
        "Class applied to the supplier's operating cost.", "outsourcing"))
    default_project_type = fields.Dict(
        keys=fields.String(), values=fields.String(), required=True,
        metadata=_meta("Default risk.project_type by partnership_model.",
                       {"outsourcing": "outsourcing"}))
    default_project_type_note = fields.String(required=True, metadata=_meta(
        "Why these defaults.", "svcalc design choice ..."))


class FlagRuleSchema(Schema):
    """One flag rule: its condition, thresholds and evidence."""

    code = fields.String(required=True, metadata=_meta("Flag code.", "SAVINGS_ABOVE_EVIDENCE"))
    severity = fields.String(required=True, metadata=_meta(
        "Severity (two tiers are written 'warning / critical').", "warning / critical"))
    condition = fields.String(required=True, metadata=_meta("When it fires.", "share > 0.10"))
    thresholds = fields.Dict(keys=fields.String(), values=fields.Float(), required=True,
                             metadata=_meta("Named thresholds.", {"warning_above": 0.1}))
    source = fields.String(required=True, metadata=_meta("Evidence.", "Institute for Government"))
    url = fields.String(metadata=_meta("Where to read it.", "https://www.gov.uk/"))
    year = fields.Integer(required=True,
                          metadata=_meta("Year of the evidence.", 2019, "calendar year"))
    licence = fields.String(required=True, metadata=_meta("Licence.", "OGL v3.0"))


class FlagRulesSchema(SourcedSchema):
    """The flag catalogue with every threshold and its source."""

    rules = fields.List(fields.Nested(FlagRuleSchema), required=True,
                        metadata={"description": "One entry per flag code."})


class SensitivitySettingsSchema(SourcedSchema):
    """Tornado steps and the switching-value search range."""

    tornado_steps = fields.List(fields.Float(), required=True, metadata=_meta(
        "Relative changes of the tornado table.", [-0.2, -0.1, 0.1, 0.2], UNIT_SHARE))
    switching_search_range = fields.List(fields.Float(), required=True, metadata=_meta(
        "Relative changes between which a switching value is searched.", [-1.0, 10.0],
        UNIT_SHARE))
