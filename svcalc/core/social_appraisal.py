"""The social side of an appraisal: channel shift, monetised social value, scores and flags.

:func:`social_view` is called by :func:`svcalc.core.appraisal.appraise` once the business cases
of both sides and the risk-adjusted view exist: the scores read both.
"""

from __future__ import annotations

from svcalc.core import finance
from svcalc.core.channel_shift import channel_shift_case
from svcalc.core.flows import Flows
from svcalc.core.model import ChannelShiftCase, Flag, Proposal, Scores, SocialValueCase
from svcalc.core.risk import RiskFigures
from svcalc.core.scores import acceptability_score, benefit_score, support_score
from svcalc.core.social_flags import social_flags
from svcalc.core.social_value import social_value_figures

__all__ = ["social_view"]


def social_view(proposal: Proposal, f: Flows, public_npv: float, supplier_npv: float,
                support_ratio: float | None, risk: RiskFigures, stretch: float,
                ) -> tuple[SocialValueCase, ChannelShiftCase | None, list[Flag]]:
    """Social value (always present, with its scores), channel shift (if given) and flags.

    ``f`` are the stated flows and the NPVs and support ratio the stated figures; ``risk`` the
    risk-adjusted view (whose flows carry the channel shift's migration slowed by ``stretch``).
    """
    cs_case = None
    if proposal.channel_shift is not None:
        assert f.contact is not None and risk.flows.contact is not None
        cs_case = channel_shift_case(proposal.channel_shift, f.public_factors, f.contact,
                                     risk.flows.contact, stretch)
    notes: dict[str, str] = {}
    sv_pv: float | None = None
    sv_pv_ra: float | None = None
    share: float | None = None
    outcomes = []
    if proposal.social_value is not None:
        payments_pv = finance.npv(f.payment, f.public_factors[1:])
        sv_pv, sv_pv_ra, share, outcomes, notes = social_value_figures(
            proposal.social_value, proposal.public.discount_rate, payments_pv)
    else:
        notes["present_value"] = "the proposal claims no monetised social value"
        notes["share_of_contract_value"] = "the proposal claims no monetised social value"
    acc = proposal.acceptability
    scores = Scores(
        benefit=benefit_score(
            public_npv=public_npv, public_npv_risk_adjusted=risk.public_npv,
            supplier_npv=supplier_npv, supplier_npv_risk_adjusted=risk.supplier_npv,
            social_value=sv_pv, social_value_risk_adjusted=sv_pv_ra,
            jobs_lost=None if acc is None else acc.jobs_lost),
        support=support_score(support_ratio=support_ratio,
                              support_ratio_risk_adjusted=risk.support_ratio),
        acceptability=acceptability_score(
            acc, digital_share_target=None if cs_case is None else cs_case.digital_share_target),
    )
    case = SocialValueCase(present_value=sv_pv or 0.0, present_value_risk_adjusted=sv_pv_ra or 0.0,
                           share_of_contract_value=share, outcomes=outcomes, scores=scores,
                           notes=notes)
    return case, cs_case, social_flags(proposal, share)
