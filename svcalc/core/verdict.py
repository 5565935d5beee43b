"""The verdict: one rating, one sentence, and the flags that drove it (DESIGN.md section 7).

The rating is decided by the NPVs of both sides, as stated and risk-adjusted, and by the
severities of the flags, in this order:

* ``not_viable`` - fails on its own assumptions: public NPV < 0 or supplier NPV < 0 as stated;
* ``over_bullish`` - passes as stated, but a side's NPV is < 0 risk-adjusted, or a flag is critical;
* ``viable_with_cautions`` - passes as stated and risk-adjusted, with warning flags;
* ``robust`` - passes both views for both sides with no warning or critical flag.

``info`` flags never change the rating. The BCR and its DfT value-for-money category are reported
as context only: the Green Book (2026) says a BCR is not a pass/fail test.
"""

from __future__ import annotations

from collections.abc import Sequence

from svcalc.core.model import Flag, Method, PublicCase, SupplierCase, Sustainable, Verdict
from svcalc.core.texts import money

__all__ = ["DECISIVE_ORDER", "decide"]

#: Which flag is named in the headline when several drive the rating: the first in this order,
#: then the rest in the order they were raised.
DECISIVE_ORDER: tuple[str, ...] = (
    "PUBLIC_NPV_NEGATIVE",
    "SUPPLIER_BELOW_COST_OF_CAPITAL",
    "CASE_RELIES_ON_OPTIMISM",
    "SUPPLIER_FAILS_UNDER_OPTIMISM_BIAS",
    "SAVINGS_ABOVE_EVIDENCE",
    "SUPPLIER_MARGIN_LOW_BALL",
    "PUBLIC_PAYBACK_BEYOND_TERM",
)


def _decisive_first(flags: list[Flag]) -> list[Flag]:
    """``flags`` in decisive order (a stable sort: raising order among equals)."""
    rank = {code: i for i, code in enumerate(DECISIVE_ORDER)}
    return sorted(flags, key=lambda fl: rank.get(fl.code, len(rank)))


def _codes(flags: list[Flag]) -> list[str]:
    """The distinct codes of ``flags``, in order."""
    return list(dict.fromkeys(fl.code for fl in flags))


def _sentence(message: str) -> str:
    """A flag message made into a clause: first letter lowered (unless an acronym), no stop."""
    text = message.rstrip(".")
    if len(text) > 1 and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


def decide(public: PublicCase, supplier: SupplierCase, flags: Sequence[Flag],
           method: Method) -> Verdict:
    """Rate a proposal from both sides' cases (stated and risk-adjusted) and all its flags.

    ``flags`` is the full list, from every view (core, channel shift, social value); the verdict
    does not compute flags itself, so a new rule only has to add its flag to the list.
    """
    cur = method.currency
    coc_text = f"{method.supplier_discount_rate:.1%}"
    critical = _decisive_first([fl for fl in flags if fl.severity == "critical"])
    warnings = _decisive_first([fl for fl in flags if fl.severity == "warning"])
    sustainable = Sustainable(public=public.npv_risk_adjusted >= 0.0,
                              supplier=supplier.npv_risk_adjusted >= 0.0)

    if public.npv < 0.0 or supplier.npv < 0.0:
        rating = "not_viable"
        failing = []
        if public.npv < 0.0:
            failing.append("the public body is worse off than delivering the service itself "
                           f"(NPV {money(public.npv, cur)})")
        if supplier.npv < 0.0:
            failing.append(f"the supplier loses money at its {coc_text} cost of capital "
                           f"(NPV {money(supplier.npv, cur)})")
        headline = f"Not viable on its own figures: {' and '.join(failing)}."
        reasons = _codes(critical)
    elif critical or not (sustainable.public and sustainable.supplier):
        rating = "over_bullish"
        reasons = _codes(critical)
        if critical:
            lead = _sentence(critical[0].message)
            more = len(reasons) - 1
            extra = f" (and {more} more critical flag{'s' if more > 1 else ''})" if more else ""
            opening = ("it works only as stated, because" if not (sustainable.public
                       and sustainable.supplier) else "the figures pass, but")
            headline = f"Over-bullish: {opening} {lead}{extra}."
        else:
            side = "public body" if not sustainable.public else "supplier"
            headline = (f"Over-bullish: it works only as stated, because the {side}'s NPV turns "
                        "negative once Green Book optimism bias is applied.")
    elif warnings:
        rating = "viable_with_cautions"
        reasons = _codes(warnings)
        more = len(reasons) - 1
        extra = f" (and {more} more warning{'s' if more > 1 else ''})" if more else ""
        headline = (f"Viable with cautions: both sides stay positive after Green Book optimism "
                    f"bias, but {_sentence(warnings[0].message)}{extra}.")
    else:
        rating = "robust"
        headline = (f"Robust: both sides stay positive after Green Book optimism bias (public NPV "
                    f"{money(public.npv_risk_adjusted, cur)}, supplier NPV "
                    f"{money(supplier.npv_risk_adjusted, cur)} risk-adjusted) with no warning.")
        reasons = []

    rate = ("the Green Book STPR" if method.public_discount_rate is None
            else f"a flat {method.public_discount_rate:.1%}")
    bcr = ("no BCR" if public.bcr is None
           else f"BCR {public.bcr:.2f} ({public.vfm_category} value for money, DfT)")
    economic = (f"Public NPV {money(public.npv, cur)} as stated and "
                f"{money(public.npv_risk_adjusted, cur)} risk-adjusted against business as usual "
                f"at {rate}; {bcr} is context, not a pass/fail test.")
    margin, margin_ra = supplier.whole_life_margin, supplier.whole_life_margin_risk_adjusted
    commercial = (f"Supplier NPV {money(supplier.npv, cur)} at its {coc_text} cost of capital "
                  f"({money(supplier.npv_risk_adjusted, cur)} risk-adjusted); whole-life margin "
                  f"{'none' if margin is None else f'{margin:.1%}'} as stated, "
                  f"{'none' if margin_ra is None else f'{margin_ra:.1%}'} risk-adjusted.")
    first = ("no year" if public.first_saving_year is None
             else f"year {public.first_saving_year}")
    payback, payback_ra = public.payback_years, public.payback_years_risk_adjusted
    never = "never within the term"
    financial = (f"Upfront costs {money(public.upfront_costs, cur)}, peak funding need "
                 f"{money(public.peak_funding_requirement, cur)}, first saving in {first}, "
                 f"payback {never if payback is None else f'{payback:.1f} years'} as stated and "
                 f"{never if payback_ra is None else f'{payback_ra:.1f} years'} risk-adjusted.")
    return Verdict(rating=rating, headline=headline, sustainable=sustainable, reasons=reasons,
                   economic=economic, commercial=commercial, financial=financial,
                   bcr=public.bcr, vfm_category=public.vfm_category)
