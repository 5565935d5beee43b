"""The verdict: one rating, one sentence, and the flags that drove it (DESIGN.md section 7).

The rating is decided by both sides' figures, as stated and in the risk-adjusted view of
DESIGN.md 4.6, and by the severities of the flags, in this order:

* ``not_viable`` - fails on its own assumptions: public NPV < 0 or supplier NPV < 0 as stated;
* ``over_bullish`` - passes as stated, but not sustainable in the risk-adjusted view (public
  NPSV < 0, or the supplier's NPV < 0, its margin or its break-even cost overrun below the 3%
  low-ball floor), or a flag is critical;
* ``viable_with_cautions`` - passes both views, with warning flags;
* ``robust`` - passes both views for both sides with no warning or critical flag.

``info`` flags never change the rating. The headline leads with the decisive finding in a board
member's words; ``reasons`` lists the codes behind the rating, most decisive first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from svcalc.core.flags import threshold
from svcalc.core.model import Flag, Method, PublicCase, SupplierCase, Sustainable, Verdict
from svcalc.core.texts import money

__all__ = ["DECISIVE_ORDER", "decide", "sustainable"]

#: The order in which flags explain a rating: the first of a severity leads the headline.
DECISIVE_ORDER: tuple[str, ...] = (
    "PUBLIC_NPV_NEGATIVE",
    "SUPPLIER_BELOW_COST_OF_CAPITAL",
    "CASE_HOLDS_ONLY_BELOW_STPR",
    "PUBLIC_PAYBACK_BEYOND_TERM",
    "SUPPLIER_MARGIN_LOW_BALL",
    "SUPPLIER_CANNOT_ABSORB_OVERRUN",
    "SAVINGS_ABOVE_EVIDENCE",
    "SOCIAL_VALUE_ABOVE_BENCHMARK",
    "MIGRATION_TOO_FAST",
    "DIGITAL_TARGET_ABOVE_CEILING",
    "CASE_RELIES_ON_OPTIMISM",
    "SAVINGS_TOO_SOON",
    "UPFRONT_COSTS_UNDERSTATED",
    "FRAGILE_CASE",
    "SOCIAL_VALUE_UNADJUSTED",
    "MITIGATION_WITHOUT_EVIDENCE",
    "DISCOUNT_RATE_BELOW_GREEN_BOOK",
    "SUPPLIER_MARGIN_EXCESSIVE",
)


def _times(share: float, ceiling: float) -> str:
    multiple = round(share / ceiling, 1)
    return ("three times" if multiple >= 3 else "twice" if multiple >= 2
            else f"{multiple:.1f} times")


def _given(fl: Flag) -> float:
    """The figure a flag was raised on (0 when it has none)."""
    return float(fl.given or 0.0) if not isinstance(fl.given, str) else 0.0


def _side(fl: Flag) -> str:
    return "supplier" if fl.field.startswith("#/supplier") else "public body"


#: Each flag's finding as a board member would say it: code -> (flag, currency) -> clause.
_PLAIN: dict[str, Callable[[Flag, str], str]] = {
    "CASE_HOLDS_ONLY_BELOW_STPR": lambda fl, cur: (
        "the public case holds only at the low discount rate chosen: at the Green Book's rate "
        f"the public body is {money(-_given(fl), cur)} worse off than doing it "
        "itself"),
    "PUBLIC_PAYBACK_BEYOND_TERM": lambda fl, cur: (
        "the public body never recovers its upfront costs within the contract"),
    "SUPPLIER_MARGIN_LOW_BALL": lambda fl, cur: (
        f"a {_given(fl):.1%} margin leaves the supplier nothing to absorb a cost "
        "overrun" if fl.severity == "critical" else
        f"the supplier's {_given(fl):.1%} margin is thinner than outsourcers "
        "usually bid"),
    "SUPPLIER_CANNOT_ABSORB_OVERRUN": lambda fl, cur: (
        f"the supplier goes under if its costs run {_given(fl):.1%} over plan"
        if fl.severity == "critical" else
        f"the supplier breaks even at a {_given(fl):.1%} cost overrun, short of the "
        "10% a bid should absorb"),
    "SAVINGS_ABOVE_EVIDENCE": lambda fl, cur: (
        f"the savings claimed, {_given(fl):.0%} of today's cost, are "
        f"{_times(_given(fl), 0.10)} what outsourcing has typically delivered "
        "(5-10%)"),
    "SOCIAL_VALUE_ABOVE_BENCHMARK": lambda fl, cur: (
        f"the social value claimed, {_given(fl):.0%} of the contract's value, is "
        "above what comparable contracts deliver (20-30%)"),
    "MIGRATION_TOO_FAST": lambda fl, cur: (
        f"contact is assumed to move to cheaper channels at {_given(fl):.0f} "
        "points a year, faster than councils and departments have managed (3-14, 15-18 at "
        "HMRC's fastest)"),
    "DIGITAL_TARGET_ABOVE_CEILING": lambda fl, cur: (
        "the plan moves contact online with no help for people who cannot use online "
        "services" if fl.field.endswith("assisted_digital") else
        f"{_given(fl):.0%} of contact is to go online, more than the 4% of adults "
        "who are offline and the 16% without basic digital skills allow"),
    "CASE_RELIES_ON_OPTIMISM": lambda fl, cur: (
        f"the {_side(fl)}'s case turns negative once its own estimates carry the usual "
        f"overruns ({money(_given(fl), cur)} risk-adjusted)"),
    "SAVINGS_TOO_SOON": lambda fl, cur: (
        "the savings are assumed to arrive sooner than transformations have delivered them"),
    "UPFRONT_COSTS_UNDERSTATED": lambda fl, cur: (
        "the public body's procurement or transition cost looks understated"),
    "FRAGILE_CASE": lambda fl, cur: (
        f"a {abs(_given(fl)):.0%} change in one input would wipe out the public "
        "case"),
    "SOCIAL_VALUE_UNADJUSTED": lambda fl, cur: (
        "social value is claimed in full, with nothing taken off for what would have happened "
        "anyway"),
    "MITIGATION_WITHOUT_EVIDENCE": lambda fl, cur: (
        "risk mitigation is claimed without the evidence it rests on"),
    "DISCOUNT_RATE_BELOW_GREEN_BOOK": lambda fl, cur: (
        "the public side is discounted below the Green Book rate"),
    "SUPPLIER_MARGIN_EXCESSIVE": lambda fl, cur: (
        f"the supplier's {_given(fl):.0%} margin suggests the public body may be "
        "overpaying"),
}


def _plain(fl: Flag, currency: str) -> str:
    """A flag's finding in plain words: its own phrase, or its message as a clause."""
    phrase = _PLAIN.get(fl.code)
    if phrase is not None:
        return phrase(fl, currency)
    text = fl.message.split("; ")[0].rstrip(".")
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _decisive_first(flags: list[Flag]) -> list[Flag]:
    """``flags`` in decisive order (a stable sort: raising order among equals)."""
    rank = {code: i for i, code in enumerate(DECISIVE_ORDER)}
    return sorted(flags, key=lambda fl: rank.get(fl.code, len(rank)))


def _codes(flags: list[Flag]) -> list[str]:
    """The distinct codes of ``flags``, in order."""
    return list(dict.fromkeys(fl.code for fl in flags))


def sustainable(public: PublicCase, supplier: SupplierCase) -> Sustainable:
    """Each side in the risk-adjusted view (DESIGN.md 4.6): the public body when its NPSV is
    >= 0; the supplier when its NPV is >= 0 and neither its whole-life margin nor its
    break-even cost overrun is below the low-ball floor (3%)."""
    floor_margin = threshold("SUPPLIER_MARGIN_LOW_BALL", "critical_below")
    floor_overrun = threshold("SUPPLIER_CANNOT_ABSORB_OVERRUN", "critical_below")
    margin, breakeven = supplier.whole_life_margin, supplier.breakeven_cost_overrun
    return Sustainable(
        public=public.npsv_risk_adjusted >= 0.0,
        supplier=(supplier.npv_risk_adjusted >= 0.0
                  and (margin is None or margin >= floor_margin)
                  and (breakeven is None or breakeven >= floor_overrun)))


def decide(public: PublicCase, supplier: SupplierCase, flags: Sequence[Flag],
           method: Method) -> Verdict:
    """Rate a proposal from both sides' cases (stated and risk-adjusted) and all its flags.

    ``flags`` is the full list, from every view (core, channel shift, social value); the verdict
    does not compute flags itself, so a new rule only has to add its flag to the list.
    """
    cur = method.currency
    coc = f"{method.supplier_discount_rate:.1%}"
    critical = _decisive_first([fl for fl in flags if fl.severity == "critical"])
    warnings = _decisive_first([fl for fl in flags if fl.severity == "warning"])
    holds = sustainable(public, supplier)

    def more(found: list[str], what: str) -> str:
        n = len(found) - 1
        return f" (and {n} more {what}{'s' if n > 1 else ''})" if n else ""

    if public.npv < 0.0 or supplier.npv < 0.0:
        rating = "not_viable"
        failing = []
        if public.npv < 0.0:
            failing.append("the public body pays more than delivering the service itself "
                           f"(NPV {money(public.npv, cur)})")
        if supplier.npv < 0.0:
            failing.append(f"the supplier loses money at its own {coc} cost of capital "
                           f"(NPV {money(supplier.npv, cur)})")
        headline = f"Not viable on its own figures: {' and '.join(failing)}."
        reasons = _codes(critical)
    elif critical or not (holds.public and holds.supplier):
        rating = "over_bullish"
        reasons = _codes(critical)
        if critical:
            lead = _plain(critical[0], cur)
        else:  # pragma: no cover - a side that fails risk-adjusted also raises a critical flag
            lead = (f"the {'public body' if not holds.public else 'supplier'}'s case does not "
                    "hold in the risk-adjusted view")
        headline = f"Over-bullish: {lead}{more(reasons, 'critical finding')}."
    elif warnings:
        rating = "viable_with_cautions"
        reasons = _codes(warnings)
        headline = (f"Viable with cautions: both sides hold up in the risk-adjusted view, but "
                    f"{_plain(warnings[0], cur)}{more(reasons, 'caution')}.")
    else:
        rating = "robust"
        reasons = []
        headline = (f"Robust: both sides hold up in the risk-adjusted view (public NPSV "
                    f"{money(public.npsv_risk_adjusted, cur)}, supplier NPV "
                    f"{money(supplier.npv_risk_adjusted, cur)}) with no warning.")

    rate = ("the Green Book STPR" if method.public_discount_rate is None
            else f"a flat {method.public_discount_rate:.1%}")
    bcr = "no BCR" if public.bcr is None else f"a BCR of {public.bcr:.2f}"
    economic = (f"Public NPSV {money(public.npsv, cur)} as stated and "
                f"{money(public.npsv_risk_adjusted, cur)} risk-adjusted against business as "
                f"usual at {rate}; {bcr} (savings counted as benefits) is context, not a "
                "pass/fail test.")
    margin = supplier.whole_life_margin
    breakeven = supplier.breakeven_cost_overrun
    stress = ", ".join(f"{money(s.npv, cur)} at +{s.cost_overrun:.0%}"
                       for s in supplier.cost_overrun_stress)
    commercial = (f"Supplier NPV {money(supplier.npv, cur)} at its {coc} cost of capital "
                  f"({money(supplier.npv_risk_adjusted, cur)} risk-adjusted), whole-life margin "
                  f"{'none' if margin is None else f'{margin:.1%}'}; it breaks even at "
                  f"{'no' if breakeven is None else f'a {breakeven:.1%}'} cost overrun "
                  f"({stress}): {'sustainable' if holds.supplier else 'not sustainable'}.")
    first = ("no year" if public.first_saving_year is None
             else f"year {public.first_saving_year}")
    payback, payback_ra = public.payback_years, public.payback_years_risk_adjusted
    never = "never within the term"
    financial = (f"Upfront costs {money(public.upfront_costs, cur)}, peak funding need "
                 f"{money(public.peak_funding_requirement, cur)}, first saving in {first}, "
                 f"payback {never if payback is None else f'{payback:.1f} years'} as stated and "
                 f"{never if payback_ra is None else f'{payback_ra:.1f} years'} risk-adjusted.")
    return Verdict(rating=rating, headline=headline, sustainable=holds, reasons=reasons,
                   economic=economic, commercial=commercial, financial=financial)
