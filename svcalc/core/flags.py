"""Over-bullish and one-sided assumptions: the flag catalogue of DESIGN.md section 6.

Every threshold is read from ``reference.json`` (``flag_rules``), where each rule carries its
source. A rule fires strictly beyond its threshold (a figure exactly at it does not fire) unless
its condition says "at or above". The channel-shift and social-value rules (MIGRATION_TOO_FAST,
DIGITAL_TARGET_ABOVE_CEILING, UNIT_COST_OUT_OF_RANGE, AVOIDABLE_CONTACT_CLAIM_HIGH,
SOCIAL_VALUE_UNADJUSTED, SOCIAL_VALUE_ABOVE_BENCHMARK) live with those views; their flags join
these in the list the verdict reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from svcalc.core.appraisal import Flows
from svcalc.core.model import (
    Flag,
    Proposal,
    PublicCase,
    RiskAssumptions,
    Sensitivity,
    SupplierCase,
)
from svcalc.core.reference import REFERENCE

__all__ = ["RULES", "codes", "evaluate", "money", "threshold"]

#: The rules by code, as in ``reference.json`` ``flag_rules.rules``.
RULES: dict[str, dict[str, Any]] = {r["code"]: r for r in REFERENCE["flag_rules"]["rules"]}

#: Upper bound of the optimism-bias uplift on the supplier's operating cost (41%), for messages.
_OPEX_UPPER: float = next(
    row["cost_upper"] for row in REFERENCE["optimism_bias"]["project_types"]
    if row["project_type"] == REFERENCE["optimism_bias"]["supplier_operating_cost_project_type"]
)
_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
#: The words of finance.irr's reason when the flows have several IRRs.
_SEVERAL_IRRS = "several rates"


def threshold(code: str, name: str) -> float:
    """A flag threshold from the reference data.

    >>> threshold("SAVINGS_ABOVE_EVIDENCE", "critical_from")
    0.2
    """
    value: float = RULES[code]["thresholds"][name]
    return value


# An appraisal's flags and verdict name the same few NPVs and costs several times over, so the
# text is kept, by (value, currency), in a dict that is emptied when it grows past
# _MONEY_KEPT texts (cheaper than an LRU cache on a miss, which a batch of distinct NPVs makes
# the common case). The text is a function of the value and the currency alone.
_MONEY_TEXT: dict[tuple[float, str], str] = {}
_MONEY_KEPT = 4096


def money(value: float, currency: str = "GBP") -> str:
    """Money for a sentence: ``£1.2m``, ``-£350k``, ``€900``.

    >>> money(1_234_567.0), money(-350_000.0), money(900.0, "EUR"), money(2.5e9, "CHF")
    ('£1.23m', '-£350k', '€900', 'CHF 2.50bn')
    """
    key = (value, currency)
    text = _MONEY_TEXT.get(key)
    if text is None:
        if len(_MONEY_TEXT) >= _MONEY_KEPT:
            _MONEY_TEXT.clear()
        text = _MONEY_TEXT[key] = _money(value, currency)
    return text


def _money(value: float, currency: str) -> str:
    sign = "-" if value < 0 else ""
    v = abs(value)
    symbol = _SYMBOLS.get(currency, currency + " ")
    if v >= 1e9:
        return f"{sign}{symbol}{v / 1e9:,.2f}bn"
    if v >= 1e6:
        return f"{sign}{symbol}{v / 1e6:,.2f}m"
    if v >= 1e3:
        return f"{sign}{symbol}{v / 1e3:,.0f}k"
    return f"{sign}{symbol}{v:,.0f}"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


#: Each rule's default severity and its source, looked up once rather than per flag.
_SEVERITY_SOURCE: dict[str, tuple[str, str]] = {
    code: (rule["severity"], rule["source"]) for code, rule in RULES.items()
}


def _flag(code: str, field: str, message: str, given: float | str | None,
          benchmark: float | str | None, severity: str | None = None) -> Flag:
    default, source = _SEVERITY_SOURCE[code]
    # Positional, in Flag's field order: code, severity, field, message, given, benchmark, source.
    return Flag(code, severity or default, field, message, given, benchmark, source)


_NOUNS = {
    "public_saving": "the annual public saving",
    "upfront_costs": "the public upfront costs",
    "supplier_operating_cost": "the supplier's operating cost",
}

# The thresholds, read once at import (the reference data does not change while running).
_MIN_RATE = threshold("DISCOUNT_RATE_BELOW_GREEN_BOOK", "min_rate")
_SAVINGS_WARN = threshold("SAVINGS_ABOVE_EVIDENCE", "warning_above")
_SAVINGS_CRIT = threshold("SAVINGS_ABOVE_EVIDENCE", "critical_from")
_MIN_PAYBACK = threshold("SAVINGS_TOO_SOON", "min_payback_years")
_MIN_PROCUREMENT = threshold("UPFRONT_COSTS_UNDERSTATED", "min_procurement_share")
_MARGIN_LOW_WARN = threshold("SUPPLIER_MARGIN_LOW_BALL", "warning_below")
_MARGIN_LOW_CRIT = threshold("SUPPLIER_MARGIN_LOW_BALL", "critical_below")
_MARGIN_HIGH = threshold("SUPPLIER_MARGIN_EXCESSIVE", "warning_above")
_SUPPLIER_MAX_NPV = threshold("SUPPLIER_BELOW_COST_OF_CAPITAL", "max_npv")
_MIN_MARGIN_RA = threshold("SUPPLIER_FAILS_UNDER_OPTIMISM_BIAS", "min_margin")
_PUBLIC_MAX_NPV = threshold("PUBLIC_NPV_NEGATIVE", "max_npv")
_OPTIMISM_ZERO = threshold("CASE_RELIES_ON_OPTIMISM", "max_npv")
_MAX_SWITCHING = threshold("FRAGILE_CASE", "max_switching_value")
_IT_MATERIAL = threshold("IT_FAT_TAIL", "material_share")
if not _IT_MATERIAL > 0.0:  # evaluate() skips IT_FAT_TAIL for a proposal with no IT cost
    raise ValueError("reference.json: IT_FAT_TAIL material_share must be positive")
_MAX_YEARS = threshold("LONG_HORIZON", "max_years")

# The thresholds as the messages print them, formatted once.
_MIN_RATE_TEXT = f"{_MIN_RATE:.1%}"
_SAVINGS_RANGE_TEXT = f"{0.05:.0%}-{_SAVINGS_WARN:.0%}"
_MIN_PAYBACK_TEXT = f"{_MIN_PAYBACK:.0f}"
_MIN_PROCUREMENT_TEXT = f"{_MIN_PROCUREMENT:.0%}"
_MARGIN_LOW_WARN_TEXT = f"{_MARGIN_LOW_WARN:.0%}"
_MARGIN_HIGH_TEXT = f"{_MARGIN_HIGH:.0%}"
_OPEX_UPPER_TEXT = f"{_OPEX_UPPER:.0%}"
_MAX_SWITCHING_TEXT = f"{_MAX_SWITCHING:.0%}"
_MAX_YEARS_TEXT = f"{_MAX_YEARS:.0f}"


def evaluate(
    proposal: Proposal,
    f: Flows,
    public: PublicCase,
    supplier: SupplierCase,
    risk: RiskAssumptions,
    sensitivity: Sensitivity,
    contract_pv: float | None = None,
    first_saving: float | None = None,
) -> list[Flag]:
    """Every flag of this module that the proposal raises, in catalogue order.

    ``public`` and ``supplier`` carry both the stated and the risk-adjusted figures; ``f`` the
    stated flows (real prices) and ``risk`` the uplifts applied. ``contract_pv``: the payments'
    present value at the public discount factors, and ``first_saving``: the year-1 public
    saving (below), when the caller has them (appraise_many works them out for many proposals
    at once).
    """
    out: list[Flag] = []
    cur = proposal.currency
    pub = proposal.public
    n = f.term_years

    # DISCOUNT_RATE_BELOW_GREEN_BOOK
    rate = pub.discount_rate
    if rate is not None and rate < _MIN_RATE:
        out.append(_flag(
            "DISCOUNT_RATE_BELOW_GREEN_BOOK", "#/public/discount_rate",
            f"The public side is discounted at {rate:.2%}, below the Green Book's "
            f"{_MIN_RATE_TEXT} social time preference rate; a lower rate makes distant savings "
            "look bigger.",
            rate, _MIN_RATE))

    # SAVINGS_ABOVE_EVIDENCE
    share = public.saving_share_of_baseline
    if share is not None and share > _SAVINGS_WARN:
        critical = share >= _SAVINGS_CRIT
        out.append(_flag(
            "SAVINGS_ABOVE_EVIDENCE", "#/public/annual_payment",
            f"The proposal saves {share:.1%} of the business-as-usual cost by the final year; "
            f"outsourcing has typically realised {_SAVINGS_RANGE_TEXT}, and there is no evidence "
            "that the 20-30% savings often claimed are available (Institute for Government, "
            "2019).",
            share, _SAVINGS_CRIT if critical else _SAVINGS_WARN,
            "critical" if critical else "warning"))

    # SAVINGS_TOO_SOON
    payback = public.payback_years
    if payback is not None and 0.0 < payback < _MIN_PAYBACK:
        out.append(_flag(
            "SAVINGS_TOO_SOON", "#/public/annual_payment",
            f"The public body recovers its peak outlay of "
            f"{money(public.peak_funding_requirement, cur)} in {payback:.1f} years; "
            "transformation and shared-service programmes have taken "
            f"{_MIN_PAYBACK_TEXT} years or more (NAO 2016: GBP 90m saved against GBP 94m spent in "
            "the first 2.5 years).",
            payback, _MIN_PAYBACK))
    # Years 1 and T of the public saving (business as usual - what the partnership costs);
    # year 1 in Python floats (item), in the same order: the same figure as numpy's.
    final_saving = public.annual_saving_steady_state
    if n >= 2 and final_saving > 0.0 and (
            first_saving := f.baseline.item(0) + f.baseline_contact.item(0) - f.payment.item(0)
            - f.retained.item(0) - f.public_contact.item(0) if first_saving is None
            else first_saving) >= final_saving:
        out.append(_flag(
            "SAVINGS_TOO_SOON", "#/public/annual_payment",
            f"The full saving of {money(final_saving, cur)} a year arrives in year 1 with no "
            "ramp-up; moving a service takes time, and planned savings have arrived late or not "
            "at all (NAO 2012: shared service centres cost GBP 1.4bn against GBP 0.9bn planned).",
            _finite(first_saving / final_saving),
            "a ramp-up: year-1 saving below the final-year saving"))

    # UPFRONT_COSTS_UNDERSTATED
    upfront = pub.upfront_costs
    min_share = _MIN_PROCUREMENT
    if upfront.procurement is None:
        out.append(_flag(
            "UPFRONT_COSTS_UNDERSTATED", "#/public/upfront_costs/procurement",
            "No procurement cost is given; a competitive procurement of a partnership takes "
            "18-34 months of advisers and staff time (NAO 2007), and it is a real cost to the "
            "public body.",
            None, min_share))
    elif (contract_pv := (float(np.dot(f.payment, f.public_factors[1:])) if contract_pv is None
                          else contract_pv)) > 0.0 and \
            upfront.procurement / contract_pv < min_share:
        given_share = upfront.procurement / contract_pv
        out.append(_flag(
            "UPFRONT_COSTS_UNDERSTATED", "#/public/upfront_costs/procurement",
            f"The procurement cost of {money(upfront.procurement, cur)} is {given_share:.2%} of "
            f"the contract's present value ({money(contract_pv, cur)}), below "
            f"{_MIN_PROCUREMENT_TEXT}; "
            "procedures typically cost up to 1.3% of contract value and bidders spend 2-6% "
            "(PwC/London Economics 2011; HM Treasury 2010).",
            given_share, min_share))
    if upfront.transition is None:
        out.append(_flag(
            "UPFRONT_COSTS_UNDERSTATED", "#/public/upfront_costs/transition",
            "No transition cost is given; moving a service (staff transfer, parallel running, "
            "data migration) is rarely free.",
            None, "a transition cost"))

    # SUPPLIER_MARGIN_LOW_BALL / SUPPLIER_MARGIN_EXCESSIVE
    margin = supplier.whole_life_margin
    if margin is not None and margin < _MARGIN_LOW_WARN:
        critical = margin < _MARGIN_LOW_CRIT
        out.append(_flag(
            "SUPPLIER_MARGIN_LOW_BALL", "#/public/annual_payment",
            f"The supplier's whole-life margin is {margin:.1%}, below {_MARGIN_LOW_WARN_TEXT}; "
            "Carillion failed on margins of 0.6-4.4% and outsourcers rarely bid below 5-6%, so a "
            "price this thin invites renegotiation or failure.",
            margin, _MARGIN_LOW_CRIT if critical else _MARGIN_LOW_WARN,
            "critical" if critical else "warning"))
    if margin is not None and margin > _MARGIN_HIGH:
        out.append(_flag(
            "SUPPLIER_MARGIN_EXCESSIVE", "#/public/annual_payment",
            f"The supplier's whole-life margin is {margin:.1%}, above {_MARGIN_HIGH_TEXT}; "
            "regulated single-source contracts earn a baseline 8.24% and realise about 11.6% "
            "(SSRO), so the public body may be overpaying.",
            margin, _MARGIN_HIGH))

    # SUPPLIER_BELOW_COST_OF_CAPITAL
    coc = proposal.supplier.cost_of_capital
    if supplier.npv < _SUPPLIER_MAX_NPV:
        out.append(_flag(
            "SUPPLIER_BELOW_COST_OF_CAPITAL", "#/public/annual_payment",
            f"The supplier's NPV at its own {coc:.1%} cost of capital is "
            f"{money(supplier.npv, cur)}: on the proposal's own figures the price does not pay "
            "for the supplier's costs and capital.",
            supplier.npv, 0.0))

    # SUPPLIER_FAILS_UNDER_OPTIMISM_BIAS
    margin_ra = supplier.whole_life_margin_risk_adjusted
    if margin_ra is not None and margin_ra < _MIN_MARGIN_RA:
        stated = "" if margin is None else f"from {margin:.1%} "
        out.append(_flag(
            "SUPPLIER_FAILS_UNDER_OPTIMISM_BIAS", "#/supplier/annual_operating_cost",
            f"With its operating cost {risk.supplier_operating_cost_uplift:.1%} higher (the "
            f"Green Book's {_OPEX_UPPER_TEXT} outsourcing opex optimism bias, mitigated by "
            f"{risk.mitigation:.0%}), the supplier's whole-life margin falls {stated}to "
            f"{margin_ra:.1%}: under a fixed price it would run the service at a loss.",
            margin_ra, _MIN_MARGIN_RA))

    # PUBLIC_PAYBACK_BEYOND_TERM
    if payback is None or payback > n:
        # The yearly savings (one array, updated in place: the same figures), summed by numpy.
        savings = f.baseline + f.baseline_contact
        savings -= f.payment
        savings -= f.retained
        savings -= f.public_contact
        cumulative = float(savings.sum()) - public.upfront_costs
        out.append(_flag(
            "PUBLIC_PAYBACK_BEYOND_TERM", "#/public/annual_payment",
            f"The public body does not recover its upfront costs of "
            f"{money(public.upfront_costs, cur)} within the {n}-year term: the cumulative saving "
            f"at the end of the term is {money(cumulative, cur)}.",
            payback, float(n)))

    # PUBLIC_NPV_NEGATIVE
    if public.npv < _PUBLIC_MAX_NPV:
        out.append(_flag(
            "PUBLIC_NPV_NEGATIVE", "#/public/annual_payment",
            f"The public NPV is {money(public.npv, cur)} against business as usual: over the term "
            "the partnership costs the public body more than delivering the service itself.",
            public.npv, 0.0))

    # CASE_RELIES_ON_OPTIMISM, one flag per side
    zero = _OPTIMISM_ZERO
    if public.npv > zero > public.npv_risk_adjusted:
        out.append(_flag(
            "CASE_RELIES_ON_OPTIMISM", "#/public/upfront_costs",
            f"The public NPV of {money(public.npv, cur)} becomes "
            f"{money(public.npv_risk_adjusted, cur)} once the upfront costs carry the Green Book "
            f"optimism-bias uplifts (IT +{risk.public_it_uplift:.0%}, other "
            f"+{risk.public_other_upfront_uplift:.0%}): the public case relies on every estimate "
            "being right.",
            public.npv_risk_adjusted, zero))
    if supplier.npv > zero > supplier.npv_risk_adjusted:
        out.append(_flag(
            "CASE_RELIES_ON_OPTIMISM", "#/supplier/annual_operating_cost",
            f"The supplier's NPV of {money(supplier.npv, cur)} becomes "
            f"{money(supplier.npv_risk_adjusted, cur)} once its operating cost carries the "
            f"{risk.supplier_operating_cost_uplift:.1%} outsourcing optimism-bias uplift: its "
            "case relies on running the service exactly to budget.",
            supplier.npv_risk_adjusted, zero))

    # FRAGILE_CASE, one flag per fragile input
    limit = _MAX_SWITCHING
    for sv in sensitivity.switching_values:
        x = sv.switching_value
        if x is None or sv.npv <= 0.0 or abs(x) >= limit:
            continue
        noun = _NOUNS.get(sv.input) or sv.input.replace("_", " ")  # the nouns are not empty
        direction = "fall" if x < 0 else "rise"
        out.append(_flag(
            "FRAGILE_CASE", sv.field,
            f"A {abs(x):.1%} {direction} in {noun} would bring the {sv.side} NPV of "
            f"{money(sv.npv, cur)} to zero; a switching value under {_MAX_SWITCHING_TEXT} makes "
            "the case fragile.",
            x, limit))

    # IT_FAT_TAIL
    # Without a positive IT cost the share cannot exceed the (positive) materiality threshold,
    # so the total is added up only when there is one.
    it = upfront.it or 0.0
    # (public.upfront_costs is their total, upfront.total, worked out once when resolving)
    if it > 0.0 and (total := public.upfront_costs) > 0.0 and (
            it_share := it / total) > _IT_MATERIAL:
        out.append(_flag(
            "IT_FAT_TAIL", "#/public/upfront_costs/it",
            f"IT is {it_share:.0%} of the public upfront costs ({money(it, cur)}); one IT "
            "project in six overruns its cost by about 200% (Flyvbjerg and Budzier 2011), a fat "
            "tail that a symmetric range hides.",
            it_share, _IT_MATERIAL))

    # LONG_HORIZON
    if n > _MAX_YEARS:
        out.append(_flag(
            "LONG_HORIZON", "#/term_years",
            f"The term of {n} years runs beyond {_MAX_YEARS_TEXT} years; the Green Book (2026) "
            "asks for an additional sensitivity test at the reduced discount rate.",
            float(n), _MAX_YEARS))

    # IRR_AMBIGUOUS, one flag per side
    for side, notes in (("public", public.notes), ("supplier", supplier.notes)):
        if _SEVERAL_IRRS in notes.get("irr", ""):
            out.append(_flag(
                "IRR_AMBIGUOUS", f"#/{side}",
                f"The {side} cash flows change sign more than once and have several internal "
                f"rates of return, so none is reported; judge the {side} case by its NPV.",
                notes["irr"], None))
    return out


def codes(flags: Sequence[Flag]) -> list[str]:
    """The distinct codes of ``flags``, in order."""
    if len(flags) == 1:
        return [flags[0].code]
    return list(dict.fromkeys([fl.code for fl in flags]))
