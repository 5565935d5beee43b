"""marshmallow schemas: one declaration validates requests, serialises responses and documents both.

Every field carries ``description``, ``example`` and an ``x-unit`` extension in its metadata, and
explicit bounds, so that ``openapi.yaml`` tells a client exactly what the server accepts.
"""

from __future__ import annotations

from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from svcalc.core import model

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

    default_error_messages = {
        "invalid": "Not a valid number or list of numbers.",
        "length": "Give between 1 and 60 values, one per contract year.",
    }

    def __init__(self, description: str, example: Any, *, minimum: float = 0.0,
                 maximum: float = MONEY_MAX, unit: str = UNIT_MONEY_YEAR, **kwargs: Any) -> None:
        self._item = Number(minimum=minimum, maximum=maximum)
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


class MoneyOut(fields.Float):
    """Money in a response: rounded to 2 decimals when rendered (the core keeps full precision)."""

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


class AppraisalSchema(Schema):
    """The appraisal of one proposal."""

    name = fields.String(required=True, allow_none=True,
                         metadata=_meta("The proposal's name, if it had one.",
                                        "Revenues and benefits outsourcing"))
    method = fields.Nested(MethodSchema, required=True)
    public = fields.Nested(PublicCaseSchema, required=True)
    supplier = fields.Nested(SupplierCaseSchema, required=True)
    partnership = fields.Nested(PartnershipCaseSchema, required=True)
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


class ReferenceSchema(Schema):
    """Every reference figure svcalc uses, with source, year and licence."""

    version = fields.String(required=True, metadata=_meta("Reference data version.",
                                                          "2026.11.0"))
    description = fields.String(required=True, metadata=_meta("What this is.", "Every figure."))
    stpr = fields.Nested(StprSchema, required=True)
    supplier_cost_of_capital = fields.Nested(DefaultRateSchema, required=True)
    vfm_categories = fields.Nested(VfmSchema, required=True)
