"""Options appraisal: rank delivery options for one service by net present social value.

Green Book (2022, chapter 4 and 5): a shortlist always includes *business as usual* (BAU), the
counterfactual; every other option is appraised against it and the preferred option is the one
with the highest net present social value (NPSV), judged after optimism bias.

In svcalc every proposal already measures itself against BAU: its public NPV is the saving
against ``public.baseline_annual_cost`` (in-house delivery). So BAU is not sent as an option: it
is added to the ranking with NPSV 0 *by construction* (a proposal compared with itself saves
nothing and creates no additional social value). An option ranks above BAU only if its NPSV is
positive.

``NPSV = public NPV + present value of monetised social value`` (``public.npsv``), both at the
public discount rate. The rank uses the **risk-adjusted** NPSV (``public.npsv_risk_adjusted``),
because the Green Book requires optimism bias in the appraisal of every option before they are
compared: ranking on stated figures would reward the most optimistic bid. The stated NPSV is
reported beside it, and a ranking that would differ on stated figures is said in ``reason``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from svcalc.core.appraisal import appraise
from svcalc.core.model import (
    Appraisal,
    Flag,
    Money,
    Proposal,
    Scores,
    Sustainable,
    Verdict,
)
from svcalc.core.texts import money

__all__ = ["BAU", "ComparedOption", "Comparison", "compare"]

#: The label of the implicit business-as-usual option.
BAU = "business_as_usual"


@dataclass(frozen=True, slots=True)
class ComparedOption:
    """One option's place in the ranking. The supplier's figures, verdict, sustainability and
    scores are ``None`` for business as usual (and ``scores`` for an option with no social value
    block); its flags are empty."""

    rank: int
    option: str
    counterfactual: bool
    npsv_risk_adjusted: Money
    npsv: Money
    public_npv_risk_adjusted: Money
    public_npv: Money
    social_value_risk_adjusted: Money
    social_value: Money
    supplier_npv: Money | None
    supplier_npv_risk_adjusted: Money | None
    verdict: Verdict | None
    sustainable: Sustainable | None
    flags: list[Flag]
    scores: Scores | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """The ranked options (business as usual included) and why the top one wins."""

    ranked_by: str
    preferred: str
    reason: str
    options: list[ComparedOption]


def _row(label: str, a: Appraisal) -> ComparedOption:
    return ComparedOption(rank=0, option=label, counterfactual=False,
                          npsv_risk_adjusted=a.public.npsv_risk_adjusted, npsv=a.public.npsv,
                          public_npv_risk_adjusted=a.public.npv_risk_adjusted,
                          public_npv=a.public.npv,
                          social_value_risk_adjusted=a.social_value.present_value_risk_adjusted,
                          social_value=a.social_value.present_value,
                          supplier_npv=a.supplier.npv,
                          supplier_npv_risk_adjusted=a.supplier.npv_risk_adjusted,
                          verdict=a.verdict, sustainable=a.verdict.sustainable, flags=a.flags,
                          scores=a.social_value.scores)


def _order(rows: Sequence[ComparedOption], key: str) -> list[ComparedOption]:
    # Highest NPSV first; ties keep the order given (BAU last among equals: it is the default).
    return sorted(rows, key=lambda r: -getattr(r, key))


def compare(options: Sequence[tuple[str, Proposal]], currency: str = "GBP") -> Comparison:
    """Appraise each ``(label, proposal)`` on the same basis and rank them with BAU.

    The proposals must share term and discounting (the API checks it, naming the field).
    """
    rows = [_row(label, appraise(p)) for label, p in options]
    bau = ComparedOption(rank=0, option=BAU, counterfactual=True, npsv_risk_adjusted=0.0,
                         npsv=0.0, public_npv_risk_adjusted=0.0, public_npv=0.0,
                         social_value_risk_adjusted=0.0, social_value=0.0, supplier_npv=None,
                         supplier_npv_risk_adjusted=None, verdict=None, sustainable=None,
                         flags=[], scores=None)
    ranked = [replace(r, rank=i + 1)
              for i, r in enumerate(_order([*rows, bau], "npsv_risk_adjusted"))]
    stated_top = _order([*rows, bau], "npsv")[0].option
    top = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    if top.counterfactual:
        best = ranked[1]
        reason = (f"Business as usual is preferred: no option has a positive risk-adjusted net "
                  f"present social value; the best, {best.option}, has "
                  f"{money(best.npsv_risk_adjusted, currency)}.")
    else:
        assert top.verdict is not None and runner is not None
        lead = top.npsv_risk_adjusted - runner.npsv_risk_adjusted
        reason = (f"{top.option} has the highest risk-adjusted net present social value, "
                  f"{money(top.npsv_risk_adjusted, currency)} (public NPV "
                  f"{money(top.public_npv_risk_adjusted, currency)} + social value "
                  f"{money(top.social_value_risk_adjusted, currency)}), "
                  f"{money(lead, currency)} ahead of {runner.option}; its verdict is "
                  f"{top.verdict.rating}.")
    if stated_top != top.option:
        reason += (f" On stated figures {stated_top} would rank first: its case depends on "
                   f"assumptions that optimism bias removes.")
    return Comparison(ranked_by="npsv_risk_adjusted", preferred=top.option, reason=reason,
                      options=ranked)
