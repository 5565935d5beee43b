"""The service's own answers: health and the reference data (``GET /v1/reference``)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from svcalc.api.schemas.fields import (
    UNIT_MONEY,
    UNIT_MONEY_CONTACT,
    UNIT_RATE,
    UNIT_SHARE,
    UNIT_YEARS,
    doc,
)


class HealthSchema(Schema):
    """Liveness."""

    status = fields.String(required=True, validate=validate.OneOf(("ok", "degraded")),
                           metadata=doc("ok; degraded when the database is unavailable (saved "
                                        "appraisals answer 503, appraisal still works).", "ok"))
    version = fields.String(required=True, metadata=doc("svcalc version.", "0.1.0"))
    reference_version = fields.String(required=True,
                                      metadata=doc("Reference data version.", "2026.11.0"))
    database = fields.String(required=True, validate=validate.OneOf(("ok", "unavailable")),
                             metadata=doc("Whether the database answers.", "ok"))


class SourcedSchema(Schema):
    """Provenance shared by every reference dataset."""

    name = fields.String(required=True, metadata=doc("What the figures are.", "STPR"))
    source = fields.String(required=True, metadata=doc("Where they come from.", "HM Treasury"))
    url = fields.String(metadata=doc("Where to read the source.", "https://www.gov.uk/"))
    year = fields.Integer(required=True, metadata=doc("Year of the source.", 2026,
                                                         "calendar year"))
    licence = fields.String(required=True, metadata=doc("Licence of the figures.", "OGL v3.0"))
    note = fields.String(metadata=doc("How svcalc applies them.", "Applied year by year."))


class StprBandSchema(Schema):
    """One band of the STPR schedule."""

    from_year = fields.Integer(required=True, metadata=doc("First year of the band.", 0,
                                                             UNIT_YEARS))
    to_year = fields.Integer(required=True, allow_none=True,
                             metadata=doc("Last year (null: open-ended).", 30, UNIT_YEARS))
    rate = fields.Float(required=True, metadata=doc("Real discount rate.", 0.035, UNIT_RATE))


class StprSchema(SourcedSchema):
    """The Green Book STPR schedule."""

    bands = fields.List(fields.Nested(StprBandSchema), required=True,
                        metadata={"description": "The schedule, by band of years."})


class DefaultRateSchema(SourcedSchema):
    """A default rate with its provenance."""

    default = fields.Float(required=True, metadata=doc("The default.", 0.08, UNIT_RATE))


class ChannelBenchmarkSchema(Schema):
    """Benchmark cost per contact of one channel."""

    benchmark = fields.Float(required=True, allow_none=True, metadata=doc(
        "Central benchmark (null: none published).", 8.62, UNIT_MONEY_CONTACT))
    low = fields.Float(required=True, allow_none=True, metadata=doc("Lowest figure seen.", 7.4,
                                                                     UNIT_MONEY_CONTACT))
    high = fields.Float(required=True, allow_none=True, metadata=doc("Highest figure seen.",
                                                                      14.0, UNIT_MONEY_CONTACT))
    digital = fields.Boolean(required=True, metadata=doc("Needs the citizen to be online.",
                                                           False))


class ChannelCostsSchema(SourcedSchema):
    """Channel unit-cost benchmarks."""

    channels = fields.Dict(keys=fields.String(), values=fields.Nested(ChannelBenchmarkSchema),
                           required=True, metadata={"description": "By channel name."})


class DigitalInclusionSchema(SourcedSchema):
    """The digital inclusion ceiling."""

    adults_offline = fields.Float(required=True, metadata=doc("Share of adults offline.", 0.04,
                                                                UNIT_SHARE))
    adults_lacking_basic_skills = fields.Float(required=True, metadata=doc(
        "Share of adults lacking basic digital skills.", 0.16, UNIT_SHARE))
    online_share_ceiling = fields.Float(required=True, metadata=doc(
        "Digital share above which a target is flagged and Acceptability penalised.", 0.9,
        UNIT_SHARE))


class ProxyValueSchema(Schema):
    """A proxy's value, for one calendar year or for all (year null)."""

    year = fields.Integer(required=True, allow_none=True,
                          metadata=doc("Calendar year (null: every year).", 2021,
                                         "calendar year"))
    value = fields.Float(required=True, metadata=doc("Value per unit.", 245.0, UNIT_MONEY))


class ProxySchema(Schema):
    """A built-in open social value proxy."""

    description = fields.String(required=True, metadata=doc("What one unit is.", "One WELLBY"))
    unit = fields.String(required=True, metadata=doc("The unit.", "tCO2e"))
    price_year = fields.Integer(required=True, metadata=doc("Price base.", 2020,
                                                              "calendar year"))
    source = fields.String(required=True, metadata=doc("Source.", "DESNZ 2021"))
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
                           metadata=doc("Haircut on the quantity by grade.",
                                          {"1": 0.0, "5": 0.6}, UNIT_SHARE))


class ScoreWeightsSchema(SourcedSchema):
    """Weights and breakpoints of the three scores."""

    benefit = fields.Dict(required=True, metadata=doc(
        "weights by component; credit_risk_adjusted and credit_stated_only.",
        {"weights": {"public_npv": 0.25}, "credit_risk_adjusted": 1.0, "credit_stated_only": 0.5}))
    support = fields.Dict(required=True, metadata=doc(
        "Risk-adjusted support ratio at 0, 50 and 100 points.",
        {"ratio_at_zero": 0.8, "ratio_at_fifty": 1.0, "ratio_at_full": 1.2}, "ratio"))
    acceptability = fields.Dict(required=True, metadata=doc(
        "weights by component; digital_ceiling_penalty_points.",
        {"weights": {"citizen_support": 0.25}, "digital_ceiling_penalty_points": 15.0}))


class SocialFlagsSchema(SourcedSchema):
    """Thresholds of the channel-shift and social-value flags."""

    thresholds = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True,
                             metadata=doc("By flag code: severity, thresholds and source.",
                                            {"MIGRATION_TOO_FAST": {"severity": "warning",
                                                                    "max_pp_per_year": 15.0}}))


class ReferenceSchema(Schema):
    """Every reference figure svcalc uses, with source, year and licence."""

    version = fields.String(required=True, metadata=doc("Reference data version.",
                                                          "2026.12.0"))
    description = fields.String(required=True, metadata=doc("What this is.", "Every figure."))
    stpr = fields.Nested(StprSchema, required=True)
    supplier_cost_of_capital = fields.Nested(DefaultRateSchema, required=True)
    optimism_bias = fields.Nested("OptimismBiasSchema", required=True)
    savings_evidence = fields.Nested("SavingsEvidenceSchema", required=True)
    supplier_stress = fields.Nested("SupplierStressSchema", required=True)
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

    project_type = fields.String(required=True, metadata=doc("Reference class.",
                                                               "standard_buildings"))
    cost_measure = fields.String(required=True, validate=validate.OneOf(("capex", "opex")),
                                 metadata=doc("What the cost bounds measure.", "capex"))
    cost_upper = fields.Float(required=True, metadata=doc("Cost upper bound.", 0.24, UNIT_SHARE))
    cost_lower = fields.Float(required=True, metadata=doc("Cost lower bound.", 0.02, UNIT_SHARE))
    duration_upper = fields.Float(required=True, allow_none=True, metadata=doc(
        "Works-duration upper bound (null: none given).", 0.04, UNIT_SHARE))
    duration_lower = fields.Float(required=True, allow_none=True, metadata=doc(
        "Works-duration lower bound (null: none given).", 0.01, UNIT_SHARE))


class StageSchema(Schema):
    """Where the uplifts sit at one business-case stage."""

    rule = fields.String(required=True, validate=validate.OneOf(
        ("upper", "lower", "fraction_of_upper")), metadata=doc(
        "upper bound, lower bound, or a fraction of the upper bound (never below the lower).",
        "fraction_of_upper"))
    fraction_of_upper = fields.Float(metadata=doc("The fraction, for fraction_of_upper.", 0.35,
                                                  UNIT_SHARE))
    description = fields.String(required=True, metadata=doc("The stage and its evidence.",
                                                            "Outline business case ..."))


class OptimismBiasSchema(SourcedSchema):
    """Green Book optimism-bias uplifts, upper and lower bounds, and how svcalc applies them."""

    project_types = fields.List(fields.Nested(OptimismBiasRowSchema), required=True,
                                metadata={"description": "The table, one row per class."})
    stages = fields.Dict(keys=fields.String(), values=fields.Nested(StageSchema), required=True,
                         metadata={"description": "Where the uplifts sit at each "
                                                  "business-case stage (risk.stage)."})
    stages_source = fields.String(required=True, metadata=doc(
        "The evidence for the stage rule.", "HM Treasury, The Green Book 5.44 ..."))
    stages_url = fields.String(required=True, metadata=doc(
        "Where to read the stage table.", "http://mobile.transportscotland.gov.uk/stag/"))
    default_stage = fields.String(required=True, metadata=doc("risk.stage by default.",
                                                              "outline"))
    it_project_type = fields.String(required=True, metadata=doc(
        "Class applied to public IT upfront costs.", "equipment_development"))
    retained_costs_project_type = fields.String(required=True, metadata=doc(
        "Class applied to the public retained costs (an opex estimate).", "outsourcing"))
    payment_estimate_project_type = fields.String(required=True, metadata=doc(
        "Class applied to the annual payment when it is an estimate (strategic outline).",
        "outsourcing"))
    migration_project_type = fields.String(required=True, metadata=doc(
        "Class whose works duration slows a channel shift's migration.",
        "equipment_development"))
    default_project_type = fields.Dict(
        keys=fields.String(), values=fields.String(), required=True,
        metadata=doc("Default risk.project_type by partnership_model.",
                     {"outsourcing": "outsourcing"}))
    default_project_type_note = fields.String(required=True, metadata=doc(
        "Why these defaults.", "svcalc design choice ..."))


class SavingsEvidenceSchema(SourcedSchema):
    """What outsourcing has realised: the most of business as usual a saving is banked at."""

    realised_share_low = fields.Float(required=True, metadata=doc(
        "Low end of the realised savings.", 0.05, UNIT_SHARE))
    realised_share_high = fields.Float(required=True, metadata=doc(
        "High end: the risk-adjusted view banks no more.", 0.1, UNIT_SHARE))


class SupplierStressSchema(SourcedSchema):
    """The cost overruns the supplier's bid is stress-tested at."""

    overruns = fields.List(fields.Float(), required=True, metadata=doc(
        "Rises of the supplier's operating cost.", [0.1, 0.2, 0.41], UNIT_SHARE))
    extreme = fields.Float(required=True, metadata=doc(
        "The overrun labelled the extreme of the evidence.", 0.41, UNIT_SHARE))
    simulation_high = fields.Float(required=True, metadata=doc(
        "A simulation's default high end for the supplier's operating cost.", 0.2,
        UNIT_SHARE))


class FlagRuleSchema(Schema):
    """One flag rule: its condition, thresholds and evidence."""

    code = fields.String(required=True, metadata=doc("Flag code.", "SAVINGS_ABOVE_EVIDENCE"))
    severity = fields.String(required=True, metadata=doc(
        "Severity (two tiers are written 'warning / critical').", "warning / critical"))
    condition = fields.String(required=True, metadata=doc("When it fires.", "share > 0.10"))
    thresholds = fields.Dict(keys=fields.String(), values=fields.Float(), required=True,
                             metadata=doc("Named thresholds.", {"warning_above": 0.1}))
    source = fields.String(required=True, metadata=doc("Evidence.", "Institute for Government"))
    url = fields.String(metadata=doc("Where to read it.", "https://www.gov.uk/"))
    year = fields.Integer(required=True,
                          metadata=doc("Year of the evidence.", 2019, "calendar year"))
    licence = fields.String(required=True, metadata=doc("Licence.", "OGL v3.0"))


class FlagRulesSchema(SourcedSchema):
    """The flag catalogue with every threshold and its source."""

    rules = fields.List(fields.Nested(FlagRuleSchema), required=True,
                        metadata={"description": "One entry per flag code."})


class SensitivitySettingsSchema(SourcedSchema):
    """Tornado steps and the switching-value search range."""

    tornado_steps = fields.List(fields.Float(), required=True, metadata=doc(
        "Relative changes of the tornado table.", [-0.2, -0.1, 0.1, 0.2], UNIT_SHARE))
    switching_search_range = fields.List(fields.Float(), required=True, metadata=doc(
        "Relative changes between which a switching value is searched.", [-1.0, 10.0],
        UNIT_SHARE))

