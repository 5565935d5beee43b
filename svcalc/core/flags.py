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
from typing import Any

from svcalc.core import finance
from svcalc.core.flows import Flows, contract_saving, public_net, ratio
from svcalc.core.model import (
    Flag,
    Proposal,
    PublicCase,
    RiskAssumptions,
    Sensitivity,
    SupplierCase,
)
from svcalc.core.reference import REFERENCE
from svcalc.core.texts import money

__all__ = ["RULES", "evaluate", "flag", "threshold"]

#: The rules by code, as in ``reference.json`` ``flag_rules.rules``.
RULES: dict[str, dict[str, Any]] = {r["code"]: r for r in REFERENCE["flag_rules"]["rules"]}

#: The words of finance.irr's reason when the flows have several IRRs.
_SEVERAL_IRRS = "several rates"


def threshold(code: str, name: str) -> float:
    """A flag threshold from the reference data.

    >>> threshold("SAVINGS_ABOVE_EVIDENCE", "critical_from")
    0.2
    """
    value: float = RULES[code]["thresholds"][name]
    return value


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def flag(code: str, field: str, message: str, given: float | str | None,
         benchmark: float | str | None, severity: str | None = None) -> Flag:
    """A flag of the catalogue: its severity (unless given) and source from the reference data."""
    rule = RULES[code]
    return Flag(code=code, severity=severity or rule["severity"], field=field, message=message,
                given=given, benchmark=benchmark, source=rule["source"])


_NOUNS = {
    "public_saving": "the annual public saving",
    "upfront_costs": "the public upfront costs",
}


def evaluate(proposal: Proposal, f: Flows, public: PublicCase, supplier: SupplierCase,
             risk: RiskAssumptions, sensitivity: Sensitivity) -> list[Flag]:
    """Every flag of this module that the proposal raises, in catalogue order.

    ``public`` and ``supplier`` carry both the stated and the risk-adjusted figures; ``f`` the
    stated flows (real prices) and ``risk`` what the risk-adjusted view applied.
    """
    out: list[Flag] = []
    cur = proposal.currency
    pub = proposal.public
    n = f.term_years

    min_rate = threshold("DISCOUNT_RATE_BELOW_GREEN_BOOK", "min_rate")
    rate = pub.discount_rate
    if rate is not None and rate < min_rate:
        out.append(flag(
            "DISCOUNT_RATE_BELOW_GREEN_BOOK", "#/public/discount_rate",
            f"The public side is discounted at {rate:.2%}, below the Green Book's "
            f"{min_rate:.1%} social time preference rate; a lower rate makes distant savings "
            "look bigger.",
            rate, min_rate))

    # The saving the price makes against business as usual; contact handling apart, which a
    # channel shift's own flags judge by its migration and unit costs.
    warn, crit = (threshold("SAVINGS_ABOVE_EVIDENCE", "warning_above"),
                  threshold("SAVINGS_ABOVE_EVIDENCE", "critical_from"))
    bau = float(f.baseline[-1])
    # (None when business as usual costs nothing, or so little that the share overflows)
    share = ratio(float(contract_saving(f)[-1]), bau) if bau > 0.0 else None
    if share is not None and share > warn:
        critical = share >= crit
        out.append(flag(
            "SAVINGS_ABOVE_EVIDENCE", "#/public/annual_payment",
            f"The price saves {share:.1%} of the business-as-usual cost by the final year; "
            f"outsourcing has typically realised {0.05:.0%}-{warn:.0%}, and there is no evidence "
            "that the 20-30% savings often claimed are available (Institute for Government, "
            f"2019). The risk-adjusted view banks at most {warn:.0%}.",
            share, crit if critical else warn, "critical" if critical else "warning"))

    min_payback = threshold("SAVINGS_TOO_SOON", "min_payback_years")
    payback = public.payback_years
    if payback is not None and 0.0 < payback < min_payback:
        out.append(flag(
            "SAVINGS_TOO_SOON", "#/public/annual_payment",
            f"The public body recovers its peak outlay of "
            f"{money(public.peak_funding_requirement, cur)} in {payback:.1f} years; "
            f"transformation and shared-service programmes have taken {min_payback:.0f} years or "
            "more (NAO 2016: GBP 90m saved against GBP 94m spent in the first 2.5 years).",
            payback, min_payback))
    savings = f.baseline + f.baseline_contact - (f.payment + f.retained + f.public_contact)
    final_saving = public.annual_saving_steady_state
    first_saving = float(savings[0])
    if n >= 2 and final_saving > 0.0 and first_saving >= final_saving:
        out.append(flag(
            "SAVINGS_TOO_SOON", "#/public/annual_payment",
            f"The full saving of {money(final_saving, cur)} a year arrives in year 1 with no "
            "ramp-up; moving a service takes time, and planned savings have arrived late or not "
            "at all (NAO 2012: shared service centres cost GBP 1.4bn against GBP 0.9bn planned).",
            _finite(first_saving / final_saving),
            "a ramp-up: year-1 saving below the final-year saving"))

    min_share = threshold("UPFRONT_COSTS_UNDERSTATED", "min_procurement_share")
    upfront = pub.upfront_costs
    contract_pv = finance.npv(f.payment, f.public_factors[1:])
    if upfront.procurement is None:
        out.append(flag(
            "UPFRONT_COSTS_UNDERSTATED", "#/public/upfront_costs/procurement",
            "No procurement cost is given; the public body's own procurement costs are "
            "'rarely quantified but instead absorbed as public sector overheads' (HM Treasury "
            "2010), yet its advisers alone averaged 2.6% of a PFI project's capital value (NAO "
            "2007).",
            None, min_share))
    elif contract_pv > 0.0 and upfront.procurement / contract_pv < min_share:
        given_share = upfront.procurement / contract_pv
        out.append(flag(
            "UPFRONT_COSTS_UNDERSTATED", "#/public/upfront_costs/procurement",
            f"The procurement cost of {money(upfront.procurement, cur)} is {given_share:.2%} of "
            f"the contract's present value ({money(contract_pv, cur)}), below {min_share:.1%}: "
            "a contracting authority's own share of an average procedure is about 0.25% of "
            "contract value (PwC/London Economics 2011), and its advisers alone averaged 2.6% "
            "of a PFI project's capital value (NAO 2007).",
            given_share, min_share))
    if upfront.transition is None:
        out.append(flag(
            "UPFRONT_COSTS_UNDERSTATED", "#/public/upfront_costs/transition",
            "No transition cost is given; moving a service (staff transfer, parallel running, "
            "data migration) is rarely free.",
            None, "a transition cost"))

    low_warn, low_crit = (threshold("SUPPLIER_MARGIN_LOW_BALL", "warning_below"),
                          threshold("SUPPLIER_MARGIN_LOW_BALL", "critical_below"))
    high = threshold("SUPPLIER_MARGIN_EXCESSIVE", "warning_above")
    margin = supplier.whole_life_margin
    if margin is not None and margin < low_warn:
        critical = margin < low_crit
        out.append(flag(
            "SUPPLIER_MARGIN_LOW_BALL", "#/public/annual_payment",
            f"The supplier's whole-life margin is {margin:.1%}, below {low_warn:.0%}; "
            "Carillion failed on margins of 0.6-4.4% and outsourcers rarely bid below 5-6%, so a "
            "price this thin invites renegotiation or failure.",
            margin, low_crit if critical else low_warn, "critical" if critical else "warning"))
    if margin is not None and margin > high:
        out.append(flag(
            "SUPPLIER_MARGIN_EXCESSIVE", "#/public/annual_payment",
            f"The supplier's whole-life margin is {margin:.1%}, above {high:.0%}; "
            "regulated single-source contracts earn a baseline 8.24% and realise about 11.6% "
            "(SSRO), so the public body may be overpaying.",
            margin, high))

    coc = proposal.supplier.cost_of_capital
    if supplier.npv < threshold("SUPPLIER_BELOW_COST_OF_CAPITAL", "max_npv"):
        out.append(flag(
            "SUPPLIER_BELOW_COST_OF_CAPITAL", "#/public/annual_payment",
            f"The supplier's NPV at its own {coc:.1%} cost of capital is "
            f"{money(supplier.npv, cur)}: on the proposal's own figures the price does not pay "
            "for the supplier's costs and capital.",
            supplier.npv, 0.0))

    absorb_warn, absorb_crit = (threshold("SUPPLIER_CANNOT_ABSORB_OVERRUN", "warning_below"),
                                threshold("SUPPLIER_CANNOT_ABSORB_OVERRUN", "critical_below"))
    breakeven = supplier.breakeven_cost_overrun
    if supplier.npv >= 0.0 and breakeven is not None and breakeven < absorb_warn:
        critical = breakeven < absorb_crit
        stress = "; ".join(f"+{s.cost_overrun:.0%}: NPV {money(s.npv, cur)}"
                           for s in supplier.cost_overrun_stress)
        out.append(flag(
            "SUPPLIER_CANNOT_ABSORB_OVERRUN", "#/supplier/annual_operating_cost",
            f"The supplier's NPV at its {coc:.1%} cost of capital reaches zero if its operating "
            f"cost runs {breakeven:.1%} over its plan ({stress}, the last the extreme of the "
            "outsourcing evidence); a bid should absorb an ordinary +10% (Sourcing Playbook "
            "should-cost and financial-standing tests)"
            + (", and below 3% it cannot absorb any cost pressure (Carillion's margins were "
               "0.6-4.4%)." if critical else "."),
            breakeven, absorb_crit if critical else absorb_warn,
            "critical" if critical else "warning"))

    if payback is None or payback > n:
        cumulative = math.fsum(savings.tolist()) - public.upfront_costs
        out.append(flag(
            "PUBLIC_PAYBACK_BEYOND_TERM", "#/public/annual_payment",
            f"The public body does not recover its upfront costs of "
            f"{money(public.upfront_costs, cur)} within the {n}-year term: the cumulative saving "
            f"at the end of the term is {money(cumulative, cur)}.",
            payback, float(n)))

    if public.npv < threshold("PUBLIC_NPV_NEGATIVE", "max_npv"):
        out.append(flag(
            "PUBLIC_NPV_NEGATIVE", "#/public/annual_payment",
            f"The public NPV is {money(public.npv, cur)} against business as usual: over the term "
            "the partnership costs the public body more than delivering the service itself.",
            public.npv, 0.0))

    zero = threshold("CASE_HOLDS_ONLY_BELOW_STPR", "max_npv")
    if rate is not None and public.npv > zero:
        at_stpr = finance.npv(public_net(f), finance.discount_factors(n))
        if at_stpr < zero:
            out.append(flag(
                "CASE_HOLDS_ONLY_BELOW_STPR", "#/public/discount_rate",
                f"The public NPV is {money(public.npv, cur)} at the flat {rate:.1%} given but "
                f"{money(at_stpr, cur)} at the Green Book's social time preference rate: the "
                "case holds only at a rate the Green Book does not use (its lower-rate schedule "
                "is a sensitivity test for horizons over 50 years).",
                at_stpr, zero))

    zero = threshold("CASE_RELIES_ON_OPTIMISM", "max_npv")
    applied = (f"at the {risk.stage.replace('_', ' ')} stage: upfront costs +"
               f"{risk.public_other_upfront_uplift:.0%} (IT +{risk.public_it_uplift:.0%}), "
               f"retained costs +{risk.public_retained_costs_uplift:.0%}, savings banked up to "
               f"{risk.savings_cap_share_of_baseline:.0%} of business as usual")
    if public.npsv > zero > public.npsv_risk_adjusted:
        out.append(flag(
            "CASE_RELIES_ON_OPTIMISM", "#/public/upfront_costs",
            f"The public NPSV of {money(public.npsv, cur)} becomes "
            f"{money(public.npsv_risk_adjusted, cur)} once the public body's own estimates "
            f"carry the Green Book's optimism bias ({applied}): the case relies on every "
            "estimate being right.",
            public.npsv_risk_adjusted, zero))
    if supplier.npv > zero > supplier.npv_risk_adjusted:
        out.append(flag(
            "CASE_RELIES_ON_OPTIMISM", "#/supplier/upfront_investment",
            f"The supplier's NPV of {money(supplier.npv, cur)} becomes "
            f"{money(supplier.npv_risk_adjusted, cur)} once its investment of "
            f"{money(f.supplier_investment, cur)} carries the "
            f"{risk.supplier_investment_uplift:.0%} capital-cost uplift of {risk.project_type} "
            "at this stage: its case relies on building exactly to budget.",
            supplier.npv_risk_adjusted, zero))

    if risk.mitigation > 0.0 and not risk.evidence:
        out.append(flag(
            "MITIGATION_WITHOUT_EVIDENCE", "#/risk/evidence",
            f"A mitigation of {risk.mitigation:.0%} is claimed with no evidence of what it rests "
            "on, so it is not applied: the Green Book reduces optimism bias as specific risks "
            "are identified and costed, not by assertion.",
            risk.mitigation, "risk.evidence naming what the mitigation rests on"))

    limit = threshold("FRAGILE_CASE", "max_switching_value")
    for sv in sensitivity.switching_values:
        x = sv.switching_value
        noun = _NOUNS.get(sv.input)  # the supplier's cost: SUPPLIER_CANNOT_ABSORB_OVERRUN
        if noun is None or x is None or sv.npv <= 0.0 or abs(x) >= limit:
            continue
        direction = "fall" if x < 0 else "rise"
        out.append(flag(
            "FRAGILE_CASE", sv.field,
            f"A {abs(x):.1%} {direction} in {noun} would bring the {sv.side} NPV of "
            f"{money(sv.npv, cur)} to zero; a switching value under {limit:.0%} makes "
            "the case fragile.",
            x, limit))

    material = threshold("IT_FAT_TAIL", "material_share")
    it = upfront.it or 0.0
    total = public.upfront_costs
    if it > 0.0 and total > 0.0 and it / total > material:
        out.append(flag(
            "IT_FAT_TAIL", "#/public/upfront_costs/it",
            f"IT is {it / total:.0%} of the public upfront costs ({money(it, cur)}); one IT "
            "project in six overruns its cost by about 200% (Flyvbjerg and Budzier 2011), a fat "
            "tail that a symmetric range hides.",
            it / total, material))

    max_years = threshold("LONG_HORIZON", "max_years")
    if n > max_years:
        out.append(flag(
            "LONG_HORIZON", "#/term_years",
            f"The term of {n} years runs beyond {max_years:.0f} years; the Green Book (2026) "
            "asks for an additional sensitivity test at the reduced discount rate.",
            float(n), max_years))

    for side, notes in (("public", public.notes), ("supplier", supplier.notes)):
        if _SEVERAL_IRRS in notes.get("irr", ""):
            out.append(flag(
                "IRR_AMBIGUOUS", f"#/{side}",
                f"The {side} cash flows change sign more than once and have several internal "
                f"rates of return, so none is reported; judge the {side} case by its NPV.",
                notes["irr"], None))
    return out
