"""The social side of an appraisal: channel shift, monetised social value, scores and flags.

:func:`social_view` is called by :func:`svcalc.core.appraisal.appraise` once the business cases
of both sides exist. The scores need risk-adjusted financial figures; they arrive through
:class:`RiskFigures`, so the optimism-bias view can supply them without this module knowing how
they are made.
"""

from __future__ import annotations

import numpy as np

from svcalc.core.channel_shift import ContactCosts, channel_shift_case
from svcalc.core.model import (
    ChannelShiftCase,
    Flag,
    OutcomeValue,
    PartnershipCase,
    Proposal,
    PublicCase,
    Scores,
    SocialValueCase,
    SupplierCase,
)
from svcalc.core.records import record
from svcalc.core.scores import _benefit_score, _support_score, acceptability_score
from svcalc.core.social_flags import social_flags
from svcalc.core.social_value import social_value_figures

__all__ = ["RiskFigures", "social_view"]


@record
class RiskFigures:
    """The risk-adjusted figures the scores read, and the channel-shift stretch.

    ``channel_shift_stretch`` is ``1 + works-duration optimism-bias uplift`` (1.0: no stretch).
    """

    public_npv: float
    supplier_npv: float
    support_ratio: float | None
    channel_shift_stretch: float = 1.0

    @classmethod
    def as_stated(cls, public: PublicCase, supplier: SupplierCase,
                  partnership: PartnershipCase) -> RiskFigures:
        """The stated figures standing in for a risk view that has not been computed."""
        return cls(public.npv, supplier.npv, partnership.support_ratio)


def social_view(proposal: Proposal, public_factors: np.ndarray, payments: np.ndarray,
                public: PublicCase, supplier: SupplierCase, partnership: PartnershipCase,
                risk: RiskFigures, *, stated_contact: ContactCosts | None = None,
                adjusted_contact: ContactCosts | None = None, payments_pv: float | None = None,
                ) -> tuple[SocialValueCase, ChannelShiftCase | None, list[Flag]]:
    """Social value (always present, with its scores), channel shift (if given) and flags.

    ``public_factors`` are the public discount factors for years 0..T and ``payments`` the
    annual payments for years 1..T in real prices. ``stated_contact`` / ``adjusted_contact``:
    the channel shift's contact costs, as stated and stretched, when already computed;
    ``payments_pv``: the payments' present value, when already computed.
    """
    cs_case = None
    if proposal.channel_shift is not None:
        cs_case = channel_shift_case(proposal.channel_shift, public_factors,
                                     risk.channel_shift_stretch, stated=stated_contact,
                                     adjusted=adjusted_contact)
    if payments_pv is None:  # appraise_many gives it, worked out for many proposals at once
        payments_pv = float(payments.dot(public_factors[1:]))  # np.dot without its dispatch
    notes: dict[str, str] = {}
    sv_pv: float | None = None
    sv_pv_ra: float | None = None
    share: float | None = None
    outcomes: list[OutcomeValue] = []
    if proposal.social_value is not None:
        sv_pv, sv_pv_ra, share, outcomes, notes = social_value_figures(
            proposal.social_value, proposal.public.discount_rate, payments_pv)
    else:
        notes["present_value"] = "the proposal claims no monetised social value"
        notes["share_of_contract_value"] = "the proposal claims no monetised social value"
    acc = proposal.acceptability
    scores = Scores(
        # benefit_score and support_score by their positional twins (keywords cost ~0.1 us)
        _benefit_score(public.npv, risk.public_npv, supplier.npv, risk.supplier_npv, sv_pv,
                       sv_pv_ra, None if acc is None else acc.jobs_lost),
        _support_score(partnership.support_ratio, risk.support_ratio),
        acceptability_score(
            acc, digital_share_target=None if cs_case is None else cs_case.digital_share_target),
    )
    case = SocialValueCase(  # positional, in field order (a keyword costs ~0.1 us)
        sv_pv or 0.0,  # present_value
        sv_pv_ra or 0.0,  # present_value_risk_adjusted
        share,  # share_of_contract_value
        outcomes,  # outcomes
        scores,  # scores
        notes,  # notes
    )
    return case, cs_case, social_flags(proposal, share)
