"""The response: the appraisal of one proposal (``AppraisalSchema``) and its blocks.

These schemas declare the contract (the OpenAPI document is generated from them); the body is
written from the core's records by :mod:`svcalc.api.render`, and a test holds the two equal.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from svcalc.api.schemas.fields import (
    UNIT_CHANGE,
    UNIT_CONTACTS,
    UNIT_MONEY,
    UNIT_RATE,
    UNIT_SHARE,
    UNIT_YEARS,
    MoneyOut,
    doc,
    out_money,
    out_notes,
    out_ratio,
    out_years,
)
from svcalc.core import model


class MethodSchema(Schema):
    """How the figures were made, so an appraisal can be reproduced."""

    version = fields.String(required=True, metadata=doc("svcalc version.", "0.1.0"))
    reference_version = fields.String(
        required=True, metadata=doc("Version of the reference data (GET /v1/reference).",
                                      "2026.11.0"))
    discounting = fields.String(
        required=True, validate=validate.OneOf(("green_book_stpr", "flat_rate")),
        metadata=doc("Public-side discounting: the Green Book STPR schedule or the flat rate "
                       "the proposal gave.", "green_book_stpr"))
    public_discount_rate = fields.Float(
        required=True, allow_none=True,
        metadata=doc("The flat public rate used, or null for the STPR schedule.", None,
                       UNIT_RATE))
    supplier_discount_rate = fields.Float(
        required=True, metadata=doc("The supplier's cost of capital used.", 0.08, UNIT_RATE))
    price_basis = fields.String(
        required=True, metadata=doc("Price basis of the proposal as given; every output figure "
                                      "is in real base-year prices.", "real"))
    currency = fields.String(required=True, metadata=doc("Currency of money figures.", "GBP"))


class PublicCaseSchema(Schema):
    """The public body's business case against business as usual."""

    npsv = out_money("Net present social value, the Green Book's headline: the public NPV plus "
                     "the PV of monetised social value (social_value.present_value).",
                     7_266_605.32)
    npsv_risk_adjusted = out_money("npsv in the risk-adjusted view (see risk): the public body's "
                                   "own estimates with optimism bias, the saving banked up to "
                                   "the evidence, social value after its evidence haircuts. "
                                   "Below 0 the public side is not sustainable.", 6_070_000.0)
    npv = out_money("Net present value of the saving against business as usual, discounted at "
                    "the STPR (or the flat rate given).", 7_266_605.32)
    npv_risk_adjusted = out_money("Public NPV in the risk-adjusted view (see risk).",
                                  6_070_000.0)
    irr = out_ratio("Internal rate of return of the public net flows; null when none exists or "
                    "when several do (see notes).", 0.95, UNIT_RATE)
    payback_years = out_years("Years until the cumulative (undiscounted) saving first recovers "
                              "the upfront costs, interpolated within the year; null if never "
                              "within the term.", 1.05)
    payback_years_risk_adjusted = out_years("payback_years in the risk-adjusted view; null if "
                                            "never within the term.", 1.3)
    discounted_payback_years = out_years("As payback_years, on discounted flows.", 1.1)
    first_saving_year = fields.Integer(
        required=True, allow_none=True,
        metadata=doc("First contract year that costs less than business as usual.", 1,
                     UNIT_YEARS))
    peak_funding_requirement = out_money("Deepest cumulative (undiscounted) shortfall: the cash "
                                         "the public body must find before savings arrive.",
                                         1_050_000.0)
    upfront_costs = out_money("Total one-off public costs in year 0.", 1_050_000.0)
    annual_saving_steady_state = out_money("Saving in the final contract year.", 1_000_000.0)
    saving_share_of_baseline = out_ratio("Final-year saving as a share of the final-year "
                                         "business-as-usual cost.", 0.1)
    bcr = out_ratio("Benefit-cost ratio: PV of benefits over PV of costs to the public body, "
                    "built as bcr_construction says; null when the partnership costs the "
                    "public body nothing. Context only: the Green Book sets no threshold, and "
                    "NPSV leads.", 1.1, "ratio")
    bcr_construction = fields.String(required=True, metadata=doc(
        "How bcr is built: what is counted as benefit and as cost.",
        "PV of business as usual avoided plus monetised social value, over the PV of what the "
        "partnership costs the public body ..."))
    notes = out_notes()


class CostOverrunSchema(Schema):
    """The supplier's figures with its operating cost raised by one overrun."""

    cost_overrun = fields.Float(required=True, metadata=doc(
        "The rise in the supplier's operating cost, every year, all else as priced.", 0.1,
        UNIT_SHARE))
    npv = out_money("The supplier's NPV at its cost of capital with that overrun.", 1_500_000.0)
    whole_life_margin = out_ratio("The supplier's whole-life margin with that overrun.", 0.02)
    label = fields.String(required=True, metadata=doc(
        "What the overrun stands for (+41% is the extreme of the outsourcing evidence).",
        "a 10% overrun"))


class SupplierCaseSchema(Schema):
    """The supplier's business case at its own cost of capital, and its cost-overrun stress."""

    npv = out_money("Net present value of the supplier's cash flows at its cost of capital.",
                    3_526_048.84)
    npv_risk_adjusted = out_money("Supplier NPV in the risk-adjusted view: its upfront "
                                  "investment (its own capital estimate) with the capex uplift "
                                  "of risk.project_type, its phased profiles delayed; its "
                                  "operating cost is stress-tested instead (see "
                                  "cost_overrun_stress).", 3_450_000.0)
    irr = out_ratio("Internal rate of return of the supplier's cash flows; null when none "
                    "exists or several do (see notes).", 1.19, UNIT_RATE)
    payback_years = out_years("Years until the supplier's cumulative cash recovers its "
                              "investment; null if never within the term.", 0.8)
    discounted_payback_years = out_years("As payback_years, discounted at the cost of capital.",
                                         0.9)
    peak_funding_requirement = out_money("Deepest cumulative cash shortfall of the supplier.",
                                         500_000.0)
    whole_life_margin = out_ratio("(Total revenue - total operating cost - upfront investment) "
                                  "/ total revenue, undiscounted.", 0.064)
    whole_life_margin_risk_adjusted = out_ratio("whole_life_margin in the risk-adjusted view.",
                                                0.063)
    annual_margins = fields.List(
        fields.Float(allow_none=True), required=True,
        metadata=doc("Operating margin each contract year 1..T: (revenue - operating cost) / "
                     "revenue; null in a year without revenue.", [0.07, 0.07], UNIT_SHARE))
    breakeven_cost_overrun = out_ratio(
        "The rise in the supplier's operating cost, every year, at which its NPV at its cost of "
        "capital reaches zero, found by root-finding (negative: its costs must fall). Below 10% "
        "it cannot absorb an ordinary overrun (a caution); below 3% it is not sustainable. Null "
        "when no rise between -100% and +1,000% does it (see notes).", 0.066)
    cost_overrun_stress = fields.List(fields.Nested(CostOverrunSchema), required=True,
                                      metadata={"description": "The supplier's NPV and margin "
                                                "with its operating cost 10%, 20% and 41% (the "
                                                "extreme of the outsourcing evidence) over plan."})
    notes = out_notes()


class PartnershipCaseSchema(Schema):
    """The Support principle: does the partnership deliver for less than going it alone?"""

    individual_delivery_cost = out_money("PV of business as usual over the term (public "
                                          "discounting).", 85_000_000.0)
    partnership_cost = out_money("PV of the resources the partnership consumes: supplier "
                                  "investment and operating costs, public retained and upfront "
                                  "costs (public discounting).", 80_000_000.0)
    support_ratio = out_ratio("individual_delivery_cost / partnership_cost; above 1 the "
                               "partnership delivers for less.", 1.06, "ratio")
    supplier_npv_at_public_rate = out_money("The supplier's NPV discounted like the public "
                                             "side, to compare who captures the value.",
                                             1_900_000.0)
    value_share_public = out_ratio("Public NPV / (public NPV + supplier NPV at the public rate), "
                                    "when both are positive: the public body's share of the value "
                                    "the partnership creates.", 0.63)
    notes = out_notes()
    support_ratio_risk_adjusted = out_ratio("support_ratio with optimism bias applied.", 1.01,
                                             "ratio")


class CashFlowRowSchema(Schema):
    """One year of the cash-flow table, in real base-year prices."""

    year = fields.Integer(required=True, metadata=doc("Year (0 = base year).", 1, UNIT_YEARS))
    discount_factor = fields.Float(required=True,
                                   metadata=doc("Public discount factor.", 0.966184, "factor"))
    baseline_cost = out_money("Business-as-usual cost.", 10_000_000.0)
    annual_payment = out_money("Payment to the supplier.", 8_600_000.0)
    retained_costs = out_money("Public retained costs.", 400_000.0)
    public_upfront_costs = out_money("Public one-off costs (year 0 only).", 0.0)
    public_net = out_money("Public net saving.", 1_000_000.0)
    public_cumulative = out_money("Cumulative public net saving.", -50_000.0)
    public_discounted = out_money("Public net saving x discount factor.", 966_183.57)
    supplier_revenue = out_money("Supplier revenue (payment + other income).", 8_600_000.0)
    supplier_operating_cost = out_money("Supplier operating cost.", 8_000_000.0)
    supplier_upfront_investment = out_money("Supplier investment (year 0 only).", 0.0)
    supplier_net = out_money("Supplier net cash.", 600_000.0)
    supplier_cumulative = out_money("Cumulative supplier net cash.", 100_000.0)
    supplier_discount_factor = fields.Float(
        required=True, metadata=doc("Supplier discount factor at its cost of capital.",
                                      0.925926, "factor"))
    supplier_discounted = out_money("Supplier net cash x its discount factor.", 555_555.56)
    baseline_contact_cost = out_money("Contact-handling cost added to business as usual "
                                       "(channel shift; 0 without one).", 0.0)
    public_contact_cost = out_money("Shifted contact cost borne by the public body.", 0.0)
    supplier_contact_cost = out_money("Shifted contact cost borne by the supplier.", 0.0)
    public_net_risk_adjusted = out_money(
        "Public net saving in the risk-adjusted view (see risk); its NPV is "
        "public.npv_risk_adjusted.", 942_600.0)
    public_cumulative_risk_adjusted = out_money(
        "Cumulative public net saving in the risk-adjusted view; it turns non-negative at "
        "public.payback_years_risk_adjusted.", -425_025.0)
    supplier_net_risk_adjusted = out_money(
        "Supplier net cash in the risk-adjusted view; its NPV is supplier.npv_risk_adjusted.",
        600_000.0)
    supplier_cumulative_risk_adjusted = out_money(
        "Cumulative supplier net cash in the risk-adjusted view.", 28_250.0)


class ChannelShiftYearSchema(Schema):
    """One contract year of the channel-shift table."""

    year = fields.Integer(required=True, metadata=doc("Contract year.", 1, UNIT_YEARS))
    contacts_baseline = fields.Float(required=True, metadata=doc(
        "Contacts as usual (today's mix and avoidable rate, with growth).", 1_000_000.0,
        UNIT_CONTACTS))
    contacts_shifted = fields.Float(required=True, metadata=doc(
        "Contacts after avoidable contact is reduced.", 950_000.0, UNIT_CONTACTS))
    avoidable_share = fields.Float(required=True, metadata=doc(
        "Avoidable share of contacts this year.", 0.25, UNIT_SHARE))
    digital_share = fields.Float(required=True, metadata=doc(
        "Share of contacts in digital channels (online, email) this year.", 0.28, UNIT_SHARE))
    cost_baseline = out_money("Contact cost as usual.", 4_031_000.0)
    cost_shifted = out_money("Contact cost after the shift.", 3_518_166.67)
    saving = out_money("cost_baseline - cost_shifted.", 512_833.33)
    shares = fields.Dict(keys=fields.String(), values=fields.Float(), required=True,
                         metadata=doc("Each channel's share of contacts this year.",
                                        {"face_to_face": 0.25, "telephone": 0.4667,
                                         "online": 0.2833}, UNIT_SHARE))


class ChannelShiftCaseSchema(Schema):
    """Channel shift: contact cost as usual against shifted, and how fast contact moves."""

    borne_by = fields.String(required=True, metadata=doc("Who bears the shifted contact cost.",
                                                           "supplier"))
    years_to_target = fields.Integer(required=True, metadata=doc(
        "Years to reach the target mix, as given.", 3, UNIT_YEARS))
    stretch_risk_adjusted = fields.Float(required=True, metadata=doc(
        "Factor on years_to_target in the risk-adjusted view (1 + works-duration optimism "
        "bias); 1 means no stretch.", 1.0, "factor"))
    migration_pp_per_year = fields.Dict(
        keys=fields.String(), values=fields.Float(), required=True,
        metadata=doc("Change of each channel's share per year while migrating.",
                       {"face_to_face": -5.0, "telephone": -3.33, "online": 8.33},
                       "percentage points per year"))
    max_migration_pp_per_year = fields.Float(required=True, metadata=doc(
        "The fastest channel's change (observed migrations run at 3-14 points a year).", 8.33,
        "percentage points per year"))
    digital_share_now = fields.Float(required=True, metadata=doc(
        "Share of contact in digital channels today.", 0.2, UNIT_SHARE))
    digital_share_target = fields.Float(required=True, metadata=doc(
        "Share of contact in digital channels at the target.", 0.45, UNIT_SHARE))
    baseline_cost_pv = out_money("PV of contact cost as usual over the term (public "
                                  "discounting).", 33_500_000.0)
    shifted_cost_pv = out_money("PV of contact cost after the shift.", 22_000_000.0)
    saving_pv = out_money("PV of the contact-cost saving. Averages include fixed costs: the "
                           "cashable saving is smaller unless capacity is released.",
                           11_500_000.0)
    saving_pv_risk_adjusted = out_money("PV of the saving with the migration stretched.",
                                         10_900_000.0)
    years = fields.List(fields.Nested(ChannelShiftYearSchema), required=True,
                        metadata={"description": "Contract years 1..term_years."})
    notes = out_notes()


class OutcomeValueSchema(Schema):
    """One outcome's value: gross, adjusted, discounted and risk-adjusted."""

    name = fields.String(required=True, metadata=doc("The outcome.", "Into work"))
    proxy = fields.String(required=True, allow_none=True,
                          metadata=doc("The built-in proxy used, or null.", None))
    unit_value = out_money("Value per unit in the outcome's first year.", 5_000.0)
    price_year = fields.Integer(required=True, allow_none=True, metadata=doc(
        "Price year of a built-in proxy (not rebased); null for a caller's value.", None,
        "calendar year"))
    source = fields.String(required=True, metadata=doc("Source of the unit value.",
                                                         "Council evaluation"))
    evidence_grade = fields.Integer(required=True, metadata=doc("Evidence grade as given.", 3,
                                                                  "grade"))
    haircut = fields.Float(required=True, metadata=doc(
        "Share of the quantity removed in the risk-adjusted view.", 0.25, UNIT_SHARE))
    adjustment_factor = fields.Float(required=True, metadata=doc(
        "(1 - deadweight)(1 - attribution)(1 - displacement).", 0.57, "factor"))
    gross_value = out_money("Quantity x unit value over the duration, undiscounted, before "
                             "adjustments and drop-off.", 300_000.0)
    adjusted_value = out_money("Value after adjustments and drop-off, undiscounted.",
                                155_000.0)
    present_value = out_money("Adjusted value discounted at the public rate.", 145_000.0)
    present_value_risk_adjusted = out_money("present_value after the evidence haircut.",
                                             108_750.0)


class ScoreComponentSchema(Schema):
    """One component of a score."""

    name = fields.String(required=True, metadata=doc("Component.", "public_npv"))
    weight = fields.Float(required=True, metadata=doc("Its weight (reference data).", 0.25,
                                                        "weight"))
    credit = fields.Float(required=True, allow_none=True, metadata=doc(
        "Credit earned, 0..1; null when its inputs are missing.", 1.0, "fraction of the weight"))
    given = fields.Raw(required=True, allow_none=True, metadata=doc(
        "The figure the component was judged on.", 3_214_000.0))
    reason = fields.String(required=True, metadata=doc("Why it earned that credit.",
                                                         "the public NPV is positive in the "
                                                         "risk-adjusted view"))


class ScoreSchema(Schema):
    """A 0-100 score with its components."""

    score = fields.Float(required=True, allow_none=True, metadata=doc(
        "0-100; null when no component could be scored.", 75.0, "points (0-100)"))
    coverage = fields.Float(required=True, metadata=doc(
        "Share of the weight whose inputs were given.", 1.0, UNIT_SHARE))
    components = fields.List(fields.Nested(ScoreComponentSchema), required=True,
                             metadata={"description": "Every component, scored or missing."})
    missing = fields.List(fields.String(), required=True, metadata=doc(
        "Inputs not given (left out of the score, never scored as 0 or full).",
        ["acceptability.staff_support"]))
    penalty = fields.Float(required=True, metadata=doc(
        "Points taken off (Acceptability: digital target above the inclusion ceiling).", 0.0,
        "points"))
    note = fields.String(required=True, metadata=doc("How the score is made.",
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

    present_value = out_money("PV of the adjusted social value (public discounting); 0 when "
                               "none is claimed.", 1_200_000.0)
    present_value_risk_adjusted = out_money("PV after the evidence-grade haircuts.",
                                             900_000.0)
    share_of_contract_value = out_ratio("present_value / PV of the annual payments.", 0.018)
    outcomes = fields.List(fields.Nested(OutcomeValueSchema), required=True,
                           metadata={"description": "Each outcome, in request order."})
    scores = fields.Nested(ScoresSchema, required=True)
    notes = out_notes()


SEVERITIES = ("info", "warning", "critical")


class SustainableSchema(Schema):
    """Whether each side is sustainable in the risk-adjusted view (DESIGN.md 4.6)."""

    public = fields.Boolean(required=True, metadata=doc(
        "Public NPSV >= 0 in the risk-adjusted view.", True, "boolean"))
    supplier = fields.Boolean(required=True, metadata=doc(
        "Supplier NPV >= 0 at its cost of capital in the risk-adjusted view, with its "
        "whole-life margin and its break-even cost overrun at or above the 3% low-ball floor.",
        True, "boolean"))


class VerdictSchema(Schema):
    """The answer: is the deal good and sustainable for both sides, or only over-bullish?"""

    rating = fields.String(
        required=True, validate=validate.OneOf(model.RATINGS),
        metadata=doc(
            "not_viable: a side's NPV is negative on the proposal's own figures. over_bullish: "
            "it passes as stated but a side is not sustainable in the risk-adjusted view, or a "
            "flag is critical. viable_with_cautions: passes both views with warnings. robust: "
            "passes both views for both sides with no warning or critical flag.",
            "viable_with_cautions"))
    headline = fields.String(required=True, metadata=doc(
        "One sentence for a board, leading with the decisive finding.",
        "Viable with cautions: both sides hold up in the risk-adjusted view, but ..."))
    sustainable = fields.Nested(SustainableSchema, required=True)
    reasons = fields.List(fields.String(), required=True, metadata=doc(
        "Codes of the flags that drove the rating (critical for not_viable and over_bullish, "
        "warnings for viable_with_cautions), most decisive first; see flags.",
        ["SUPPLIER_CANNOT_ABSORB_OVERRUN"]))
    economic = fields.String(required=True, metadata=doc(
        "Economic case: the public NPSV, stated and risk-adjusted (the BCR as context).",
        "Public NPSV ..."))
    commercial = fields.String(required=True, metadata=doc(
        "Commercial case: is the supplier's side sustainable?", "Supplier NPV ..."))
    financial = fields.String(required=True, metadata=doc(
        "Financial case: upfront need and time to savings.", "Upfront costs ..."))


class RiskAssumptionsSchema(Schema):
    """Exactly what the risk-adjusted view applied (DESIGN.md 4.6; GET /v1/reference has the
    optimism-bias table, its stages and the evidence behind each)."""

    project_type = fields.String(required=True, metadata=doc(
        "Reference class of the non-IT one-off costs and the supplier's investment.",
        "outsourcing"))
    project_type_defaulted = fields.Boolean(required=True, metadata=doc(
        "True when project_type is the default for the partnership_model.", True, "boolean"))
    stage = fields.String(required=True, validate=validate.OneOf(model.STAGES), metadata=doc(
        "The business-case stage the uplifts are set for.", "outline"))
    mitigation = fields.Float(required=True, metadata=doc(
        "The mitigation asked for.", 0.0, UNIT_SHARE))
    mitigation_applied = fields.Float(required=True, metadata=doc(
        "The mitigation applied: as asked with evidence, 0 without.", 0.0, UNIT_SHARE))
    evidence = fields.List(fields.String(), required=True, metadata=doc(
        "What the mitigation rests on, as given.", []))
    public_it_uplift = fields.Float(required=True, metadata=doc(
        "Uplift on public IT upfront costs (equipment/development capex).", 0.7, UNIT_SHARE))
    public_other_upfront_uplift = fields.Float(required=True, metadata=doc(
        "Uplift on the other public upfront costs (project_type).", 0.1435, UNIT_SHARE))
    public_retained_costs_uplift = fields.Float(required=True, metadata=doc(
        "Uplift on the public retained costs (outsourcing opex).", 0.1435, UNIT_SHARE))
    public_payment_uplift = fields.Float(required=True, metadata=doc(
        "Uplift on the annual payment: 0 for a priced bid (outline and full stages), the "
        "outsourcing opex uplift at strategic_outline, where it is an estimate.", 0.0,
        UNIT_SHARE))
    supplier_investment_uplift = fields.Float(required=True, metadata=doc(
        "Uplift on the supplier's upfront investment (project_type capex).", 0.1435,
        UNIT_SHARE))
    duration_uplift = fields.Float(required=True, allow_none=True, metadata=doc(
        "How much later phased profiles arrive (project_type works duration); null when the "
        "class has none.", None, UNIT_SHARE))
    migration_duration_uplift = fields.Float(required=True, metadata=doc(
        "How much longer a channel shift's migration takes (equipment/development works "
        "duration).", 0.189, UNIT_SHARE))
    savings_cap_share_of_baseline = fields.Float(required=True, metadata=doc(
        "The most of business as usual the saving is banked at each year (what outsourcing has "
        "realised, IfG 2019), contact handling apart.", 0.1, UNIT_SHARE))
    contingency = out_money("The costed risk allowance added to the public upfront costs.", 0.0)
    public_upfront_costs_risk_adjusted = out_money(
        "Public upfront costs with their uplifts and the contingency.", 1_317_612.5)
    notes = out_notes()


class SwitchingValueSchema(Schema):
    """How far one input can move, all else as stated, before its NPV reaches zero."""

    input = fields.String(required=True, metadata=doc(
        "The input: public_saving, upfront_costs or supplier_operating_cost.", "public_saving"))
    field = fields.String(required=True, metadata=doc(
        "JSON pointer to the input in the request.", "#/public/annual_payment"))
    side = fields.String(required=True, validate=validate.OneOf(("public", "supplier")),
                         metadata=doc("Whose NPV the input drives.", "public"))
    npv = out_money("That side's NPV as stated.", 7_266_605.32)
    switching_value = out_ratio(
        "Relative change of the input that brings the NPV to zero (-0.23 = a 23% fall), found "
        "by root-finding; null when no change between -100% and +1,000% does (see reason).",
        -0.87)
    reason = fields.String(required=True, allow_none=True, metadata=doc(
        "Why switching_value is null; null otherwise.", None))


class TornadoRowSchema(Schema):
    """One input's NPV at -20%, -10%, as stated, +10% and +20%, all else as stated."""

    input = fields.String(required=True, metadata=doc("The input.", "supplier_operating_cost"))
    field = fields.String(required=True, metadata=doc(
        "JSON pointer to the input in the request.", "#/supplier/annual_operating_cost"))
    side = fields.String(required=True, validate=validate.OneOf(("public", "supplier")),
                         metadata=doc("Whose NPV.", "supplier"))
    npv_minus_20 = out_money("NPV with the input 20% lower.", 14_262_179.08)
    npv_minus_10 = out_money("NPV with the input 10% lower.", 8_894_113.96)
    npv_base = out_money("NPV as stated.", 3_526_048.84)
    npv_plus_10 = out_money("NPV with the input 10% higher.", -1_842_016.28)
    npv_plus_20 = out_money("NPV with the input 20% higher.", -7_210_081.40)
    swing = out_money("|npv_plus_20 - npv_minus_20|; rows are sorted by it, widest first.",
                       21_472_260.48)


class SensitivitySchema(Schema):
    """Switching values and the tornado table (stated view)."""

    switching_values = fields.List(fields.Nested(SwitchingValueSchema), required=True,
                                   metadata={"description": "One per key input."})
    tornado = fields.List(fields.Nested(TornadoRowSchema), required=True,
                          metadata={"description": "One row per key input, widest swing first."})


class FlagSchema(Schema):
    """An over-bullish or one-sided assumption, with its evidence."""

    code = fields.String(required=True, metadata=doc(
        "Stable machine-readable code (GET /v1/reference flag_rules lists them).",
        "SUPPLIER_MARGIN_LOW_BALL"))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES),
                             metadata=doc("info, warning or critical.", "critical"))
    field = fields.String(required=True, metadata=doc(
        "JSON pointer into the request to the figure at issue.", "#/public/annual_payment"))
    message = fields.String(required=True, metadata=doc(
        "What is wrong, with the numbers, for a procurement officer.",
        "The supplier's whole-life margin is 2.0%, below 5% ..."))
    given = fields.Raw(required=True, allow_none=True, metadata=doc(
        "The figure the proposal implies (a number in the unit the message names, or a text).",
        0.02, "as the message says", oneOf=[{"type": "number"}, {"type": "string"}]))
    benchmark = fields.Raw(required=True, allow_none=True, metadata=doc(
        "The threshold or reference it is judged against.", 0.03, "as the message says",
        oneOf=[{"type": "number"}, {"type": "string"}]))
    source = fields.String(required=True, metadata=doc("Where the benchmark comes from.",
                                                         "Carillion ..."))


# --------------------------------------------------------------------------- simulation (response)


class InputRangeOutSchema(Schema):
    """The range used for one input."""

    low = fields.Float(required=True, metadata=doc("Lowest relative change.", 0.0, UNIT_CHANGE))
    high = fields.Float(required=True, metadata=doc("Highest relative change.", 0.41,
                                                      UNIT_CHANGE))
    distribution = fields.String(required=True, metadata=doc("The distribution.",
                                                               "triangular"))


class SimulationRangesOutSchema(Schema):
    """The range used for each input (given, or defaulted from optimism bias)."""

    public_saving = fields.Nested(InputRangeOutSchema, required=True)
    upfront_costs = fields.Nested(InputRangeOutSchema, required=True)
    supplier_operating_cost = fields.Nested(InputRangeOutSchema, required=True)


class HistogramSchema(Schema):
    """A histogram a client can plot: bins+1 edges and a count per bin."""

    edges = fields.List(MoneyOut(), required=True, metadata=doc(
        "Bin edges, ascending (one more than counts).", [-1_000_000.0, 0.0, 1_000_000.0],
        UNIT_MONEY))
    counts = fields.List(fields.Integer(), required=True, metadata=doc(
        "Scenarios in each bin (the last bin includes its upper edge).", [120, 9880],
        "scenarios"))


class NpvDistributionSchema(Schema):
    """One side's NPV over the simulated scenarios."""

    p10 = out_money("10th percentile.", 1_000_000.0)
    p50 = out_money("Median.", 3_000_000.0)
    p90 = out_money("90th percentile.", 5_000_000.0)
    mean = out_money("Mean.", 3_000_000.0)
    probability_negative = out_ratio("Share of scenarios with NPV < 0.", 0.05, nullable=False)
    histogram = fields.Nested(HistogramSchema, required=True)


class SimulationResultSchema(Schema):
    """Monte Carlo over the key inputs: both NPVs' distributions (null unless asked)."""

    iterations = fields.Integer(required=True, metadata=doc("Scenarios simulated.", 10_000,
                                                              "scenarios"))
    seed = fields.Integer(required=True, metadata=doc("Seed used.", 42, "seed"))
    ranges = fields.Nested(SimulationRangesOutSchema, required=True)
    public_npv = fields.Nested(NpvDistributionSchema, required=True)
    supplier_npv = fields.Nested(NpvDistributionSchema, required=True)
    probability_both_sustainable = out_ratio(
        "Share of scenarios in which both NPVs are >= 0 (the verdict's sustainable test).", 0.7,
        nullable=False)


class AppraisalSchema(Schema):
    """The appraisal of one proposal."""

    name = fields.String(required=True, allow_none=True,
                         metadata=doc("The proposal's name, if it had one.",
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

