"""The request: a proposed partnership (``ProposalSchema``) and its blocks.

Each schema loads into the core's frozen dataclasses (``post_load``); unknown fields are refused,
so a misspelt field from a spreadsheet is an error, never silently ignored.
"""

from __future__ import annotations

import math
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from svcalc.api.schemas.fields import (
    MAX_TERM,
    MONEY_MAX,
    UNIT_CHANGE,
    UNIT_CONTACTS,
    UNIT_MONEY,
    UNIT_MONEY_CONTACT,
    UNIT_SHARE,
    UNIT_YEARS,
    Money,
    Number,
    Pattern,
    Rate,
    Share,
    StrictBoolean,
    Yearly,
    doc,
)
from svcalc.core import model
from svcalc.core.reference import REFERENCE


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
    """The risk-adjusted view (DESIGN.md 4.6): optimism bias on the public body's own estimates,
    scaled by the business-case stage; savings banked only up to the evidence; the supplier's
    bid stress-tested. Leave it out for the defaults: outline stage, no mitigation."""

    project_type = fields.String(
        validate=validate.OneOf(model.PROJECT_TYPES),
        metadata=doc(
            "Optimism-bias reference class (Mott MacDonald 2002) of the public one-off costs "
            "other than IT and of the supplier's upfront investment; its works-duration figure "
            "slows phased profiles. Default by partnership_model: outsourcing for service "
            "partnerships, equipment_development for channel_shift. IT costs always use "
            "equipment_development, retained costs the outsourcing opex row.", "outsourcing"),
    )
    stage = fields.String(
        load_default="outline", validate=validate.OneOf(model.STAGES),
        metadata=doc(
            "Business-case stage, which sets where each uplift sits: strategic_outline the "
            "upper bound (and the annual payment, not yet bid, is an estimate carrying the "
            "outsourcing opex uplift); outline (default, where bids are priced) 0.35 x the "
            "upper bound, never below the lower (STAG Table 13.4); full the lower bound, with "
            "specific risks costed in contingency.", "outline"),
    )
    mitigation = Number(
        minimum=0.0, maximum=1.0, load_default=0.0,
        metadata=doc(
            "Share of the way from the stage's uplift to the lower bound that evidenced risk "
            "management covers (0 = none, the default; 1 = the lower bound). Applied only with "
            "evidence; without, it is flagged (MITIGATION_WITHOUT_EVIDENCE) and not applied.",
            0.5, UNIT_SHARE),
    )
    evidence = fields.List(
        fields.String(validate=validate.Length(1, 300)), validate=validate.Length(max=20),
        load_default=(),
        metadata=doc("What the mitigation rests on, one short statement each (at most 20 of "
                     "at most 300 characters): a risk register, a costed mitigation, a "
                     "completed pilot.", ["Quantified risk register, March 2026"],
                     "statements"),
    )
    contingency = Money("A costed risk allowance for specific risks identified (the expected "
                        "cost of the risk register), added to the public upfront costs in the "
                        "risk-adjusted view as it is, with no uplift. Default 0.", 150_000.0)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.RiskInput:
        return model.RiskInput(**{**data, "evidence": tuple(data["evidence"])})


# --------------------------------------------------------------------------- channel shift,
# social value and acceptability (request)

_SHARE_TOLERANCE = 1e-6
MAX_OUTCOMES = 100
PROXY_NAMES = tuple(REFERENCE["social_value_proxies"]["proxies"])


class ChannelSchema(Schema):
    """One contact channel: average cost per contact and its share of contacts now and at the
    target."""

    channel = fields.String(
        required=True, validate=validate.OneOf(model.CHANNEL_NAMES),
        metadata=doc("The channel: " + ", ".join(model.CHANNEL_NAMES) + ". Each at most once.",
                       "online"))
    unit_cost = Number(
        minimum=0.0, maximum=1e6, required=True,
        metadata=doc("Average cost of handling one contact in this channel (Socitm 2011 "
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
        metadata=doc("Contacts in contract year 1 at today's avoidable-contact rate.",
                       1_000_000.0, UNIT_CONTACTS))
    contact_growth = Rate("Annual growth of contact volume (before removing avoidable contact). "
                          "Default 0.", 0.0)
    channels = fields.List(
        fields.Nested(ChannelSchema), required=True, validate=validate.Length(1, 5),
        metadata={"description": "The channels, each at most once; share_now and share_target "
                                 "each sum to 1 (within 1e-6)."})
    years_to_target = fields.Integer(
        required=True, strict=True, validate=validate.Range(1, MAX_TERM),
        metadata=doc("Contract years to move linearly from share_now to share_target.", 3,
                       UNIT_YEARS))
    avoidable_contact_now = Share(
        "Share of today's contacts that are avoidable (chasing, unclear letters). Default 0.",
        0.3, maximum=0.99)
    avoidable_contact_target = Share(
        "Avoidable share at the target (moves linearly like the shares). Default: unchanged.",
        0.2, maximum=0.99)
    borne_by = fields.String(
        required=True, validate=validate.OneOf(("supplier", "public")),
        metadata=doc("Who pays for handling contacts under the partnership: supplier or "
                       "public. When the supplier does, annual_payment is the whole price "
                       "including contact handling.", "supplier"))

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_channels(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        # Read from the request as sent, so the rule is checked in the same pass as the
        # channels' own fields: a channel with a bad field is missing from ``data``.
        channels = original.get("channels") if isinstance(original, dict) else None
        if not isinstance(channels, list):
            return
        channels = [ch if isinstance(ch, dict) else {} for ch in channels]
        errors: dict[str, Any] = {}
        seen: set[str] = set()
        for i, ch in enumerate(channels):
            name = ch.get("channel")
            if isinstance(name, str) and name in seen:
                errors.setdefault("channels", {})[i] = {"channel": ["Listed more than once."]}
            if isinstance(name, str):
                seen.add(name)
        for key in ("share_now", "share_target"):
            shares = [ch.get(key) for ch in channels]
            if not all(type(v) in (int, float) and math.isfinite(v) for v in shares):
                continue  # a missing or non-numeric share is its own field's error
            total = math.fsum(shares)
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
                         metadata=doc("What the outcome is.", "Long-term unemployed into work"))
    quantity = Number(minimum=0.0, maximum=1e12, required=True,
                      metadata=doc("How many units a year (people, tonnes CO2e, WELLBYs).",
                                     20.0, "units of the outcome per year"))
    unit_value = Number(minimum=-MONEY_MAX, maximum=MONEY_MAX,
                        metadata=doc("Value of one unit for one year; negative for a "
                                       "disbenefit. Give this or proxy, not both.", 5_000.0,
                                       UNIT_MONEY))
    proxy = fields.String(validate=validate.OneOf(PROXY_NAMES),
                          metadata=doc("A built-in open proxy instead of unit_value: "
                                         + ", ".join(PROXY_NAMES) + " (see GET /v1/reference).",
                                         "wellby"))
    source = fields.String(validate=validate.Length(1, 500),
                           metadata=doc("Where unit_value comes from; required with it.",
                                          "Council evaluation of the 2024 employment scheme"))
    start_year = fields.Integer(
        load_default=1, strict=True, validate=validate.Range(1, MAX_TERM),
        metadata=doc("First contract year the outcome is valued. Default 1.", 1, UNIT_YEARS))
    duration_years = fields.Integer(
        required=True, strict=True, validate=validate.Range(1, MAX_TERM),
        metadata=doc("Years the outcome lasts (it may run past the term).", 3, UNIT_YEARS))
    deadweight = Share("Share that would have happened anyway. Default 0.", 0.25)
    attribution = Share("Share due to others' contributions. Default 0.", 0.2)
    displacement = Share("Share that merely displaces outcomes elsewhere. Default 0.", 0.05)
    drop_off = Share("Share of the remaining outcome lost each year after the first. Default 0.",
                     0.1)
    evidence_grade = fields.Integer(
        required=True, strict=True, validate=validate.Range(1, 5),
        metadata=doc("1 independent evaluation of this service; 2 measured in a comparable "
                       "service; 3 before/after without comparison; 4 modelled from benchmarks; "
                       "5 asserted. Sets the haircut in the risk-adjusted view.", 3, "grade"))

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_value(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        given = original if isinstance(original, dict) else {}
        errors: dict[str, list[str]] = {}
        has_value, has_proxy = "unit_value" in given, "proxy" in given
        if has_value == has_proxy:
            errors["unit_value"] = ["Give exactly one of unit_value and proxy."]
        if has_value and "source" not in given:
            errors["source"] = ["Required with unit_value: say where the value comes from."]
        if errors:
            raise ValidationError(errors)

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
        metadata=doc("Calendar year of year 0; required when an outcome uses a proxy that "
                       "varies by year (carbon).", 2026, "calendar year"))

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_calendar(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        given = original if isinstance(original, dict) else {}
        outcomes = given.get("outcomes")
        if "base_calendar_year" in given or not isinstance(outcomes, list):
            return
        proxies = REFERENCE["social_value_proxies"]["proxies"]
        for i, o in enumerate(outcomes):
            proxy = o.get("proxy") if isinstance(o, dict) else None
            values = proxies.get(proxy, {}) if isinstance(proxy, str) else {}
            if any(v["year"] is not None for v in values.get("values", ())):
                raise ValidationError(f"Required: outcome {i} uses the {proxy} proxy, which "
                                      "varies by calendar year.", "base_calendar_year")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.SocialValue:
        return model.SocialValue(**{**data, "outcomes": tuple(data["outcomes"])})


class AcceptabilitySchema(Schema):
    """Evidence that citizens, staff and organisations will accept the new way of delivery.
    Leave out what you do not know: the Acceptability score names it as missing."""

    citizen_support = Share("Share of citizens in favour, from consultation.", 0.62)
    staff_support = Share("Share of staff in favour, from consultation.", 0.48)
    assisted_digital = StrictBoolean(metadata=doc(
        "Is there help for people who cannot use online services (about 4% of adults are "
        "offline, 16% lack basic digital skills)?", True))
    retains_face_to_face = StrictBoolean(metadata=doc("Does a face-to-face route remain?",
                                                        True))
    open_book = StrictBoolean(metadata=doc("Does the supplier keep open-book accounts (service "
                                             "visibility)?", True))
    performance_regime = StrictBoolean(metadata=doc(
        "Are there KPIs with step-in rights (control and accountability)?", True))
    jobs_transferred = fields.Integer(
        strict=True, validate=validate.Range(0, 10_000_000),
        metadata=doc("Staff transferred to the partnership (e.g. under TUPE).", 120, "jobs"))
    jobs_lost = fields.Integer(
        strict=True, validate=validate.Range(0, 10_000_000),
        metadata=doc("Jobs lost (redundancies, posts deleted).", 10, "jobs"))

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> model.Acceptability:
        return model.Acceptability(**data)


# --------------------------------------------------------------------------- simulation (request)

MAX_ITERATIONS = 100_000
MAX_SEED = 2**53 - 1


class InputRangeSchema(Schema):
    """The spread of one key input, as relative changes of its stated value."""

    low = Number(minimum=-1.0, maximum=10.0, required=True, metadata=doc(
        "One end of the range, as a relative change (-1 = the input removed); the lower end is "
        "low whichever order they come in. For normal: the 10th percentile.",
        -0.1, UNIT_CHANGE))
    high = Number(minimum=-1.0, maximum=10.0, required=True, metadata=doc(
        "Highest relative change (10 = +1,000%). For normal: the 90th percentile. Equal to low "
        "for a fixed change.", 0.2, UNIT_CHANGE))
    distribution = fields.String(
        load_default="triangular", validate=validate.OneOf(model.DISTRIBUTIONS),
        metadata=doc("triangular (default; most likely as stated, i.e. 0 clipped into the "
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
                       "the shortfall of the risk-adjusted view's saving (its PV against the "
                       "stated one's) to 0."})
    upfront_costs = fields.Nested(InputRangeSchema, metadata={
        "description": "The public upfront costs. Default: triangular from 0 to the risk-adjusted "
                       "uplift on them."})
    supplier_operating_cost = fields.Nested(InputRangeSchema, metadata={
        "description": "The supplier's operating cost. Default: triangular from 0 to +20%, the "
                       "second step of its cost-overrun stress test."})


class SimulationRequestSchema(Schema):
    """Ask for a Monte Carlo simulation of both NPVs over the key inputs (DESIGN.md 4.7)."""

    iterations = fields.Integer(
        load_default=10_000, strict=True, validate=validate.Range(1, MAX_ITERATIONS),
        metadata=doc("Number of scenarios (the server may set a lower cap, "
                       "MAX_SIMULATION_ITERATIONS). Default 10,000.", 10_000, "scenarios"))
    seed = fields.Integer(
        load_default=0, strict=True, validate=validate.Range(0, MAX_SEED),
        metadata=doc("Seed of the random-number generator: the same seed gives the same "
                       "result. Default 0.", 42, "seed"))
    bins = fields.Integer(
        load_default=20, strict=True, validate=validate.Range(1, 100),
        metadata=doc("Histogram bins per NPV. Default 20.", 20, "bins"))
    ranges = fields.Nested(SimulationRangesSchema, metadata={
        "description": "Optional ranges per input; defaults from the risk-adjusted view."})

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


class ProposalSchema(Schema):
    """A proposed public/private partnership. Unknown fields are rejected."""

    name = fields.String(validate=validate.Length(max=200),
                         metadata=doc("A label for the proposal, echoed back.",
                                        "Revenues and benefits outsourcing"))
    partnership_model = fields.String(
        load_default="other",
        validate=validate.OneOf(model.PARTNERSHIP_MODELS),
        metadata=doc("The kind of partnership. Default other.", "outsourcing"),
    )
    term_years = fields.Integer(
        required=True, strict=True, validate=validate.Range(1, MAX_TERM),
        metadata=doc("Contract term: the number of contract years after the base year 0.", 10,
                       UNIT_YEARS),
    )
    price_basis = fields.String(
        load_default="real",
        validate=validate.OneOf(("real", "nominal")),
        metadata=doc(
            "real (default): every money figure is in base-year prices. nominal: figures include "
            "inflation; give inflation and svcalc converts them to real before discounting.",
            "real"),
    )
    inflation = Rate("Annual inflation (GDP deflator) used to deflate nominal figures; required "
                     "when price_basis is nominal.", 0.02)
    currency = fields.String(
        load_default="GBP",
        validate=Pattern(r"^[A-Z]{3}$", error="Give an ISO 4217 code such as GBP."),
        metadata=doc("ISO 4217 currency of every money figure. Default GBP.", "GBP"),
    )
    public = fields.Nested(PublicSideSchema, required=True,
                           metadata={"description": "The public body's side."})
    supplier = fields.Nested(SupplierSideSchema, required=True,
                             metadata={"description": "The supplier's side."})
    risk = fields.Nested(RiskSchema, metadata={
        "description": "The risk-adjusted view: business-case stage, optimism-bias class, "
                       "evidenced mitigation and costed contingency; default: outline stage, "
                       "the partnership_model's default class, no mitigation."})
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

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_consistency(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        # The lengths are read from the request as sent, so they are checked even when another
        # field of the same side is bad (and the side is missing from ``data``).
        errors: dict[str, Any] = {}
        term = data.get("term_years")
        given = original if isinstance(original, dict) else {}
        if isinstance(term, int):
            for block, name in YEARLY_FIELDS:
                side = given.get(block)
                value = side.get(name) if isinstance(side, dict) else None
                if isinstance(value, list) and len(value) != term:
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

