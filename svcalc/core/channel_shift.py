"""Channel shift: the cost of handling contacts as usual and after moving them to cheaper channels.

The model (DESIGN.md 4.4), for contract years t = 1..T:

* Volume as usual: ``C_t = annual_contacts * (1 + contact_growth)^(t-1)`` at today's avoidable
  rate ``a_0``.
* Migration is linear: the share of channel k in year t is
  ``s_k(t) = now_k + (target_k - now_k) * min(t / (Y * stretch), 1)`` with Y = ``years_to_target``;
  the avoidable share ``a(t)`` moves the same way from ``avoidable_contact_now`` to
  ``avoidable_contact_target``. Year 1 is one step along the path; year Y is at the target.
* Removing avoidable contact reduces volume, keeping the necessary contacts fixed:
  ``V_t = C_t * (1 - a_0) / (1 - a(t))``.
* Cost as usual ``B_t = C_t * sum_k now_k * cost_k`` (today's mix and avoidable rate);
  shifted cost ``S_t = V_t * sum_k s_k(t) * cost_k``; saving ``B_t - S_t``.

``stretch`` >= 1 slows the migration (the risk-adjusted view stretches it by the works-duration
optimism-bias uplift: ``stretch = 1 + uplift``).

Limits: unit costs are averages (channel budget / volume) and include fixed costs, so the saving
overstates what is cashable unless capacity is released; digital take-up has a ceiling (about 4%
of adults are offline and 16% lack basic digital skills).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from svcalc.core import finance
from svcalc.core.errors import ProposalError
from svcalc.core.model import CHANNEL_NAMES, ChannelShift, ChannelShiftCase, ChannelShiftYear
from svcalc.core.reference import REFERENCE

__all__ = ["ContactCosts", "DIGITAL_CHANNELS", "channel_shift_case", "contact_costs",
           "migration_pp_per_year"]

#: Channels that need the citizen to be online (reference data ``channel_costs``).
DIGITAL_CHANNELS: frozenset[str] = frozenset(
    name for name, c in REFERENCE["channel_costs"]["channels"].items() if c["digital"]
)

_SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class ContactCosts:
    """Per-year contact figures, years 1..T (arrays of length T; ``shares`` is channels x T)."""

    contacts_baseline: np.ndarray
    contacts_shifted: np.ndarray
    avoidable: np.ndarray
    shares: np.ndarray
    cost_baseline: np.ndarray
    cost_shifted: np.ndarray

    @property
    def saving(self) -> np.ndarray:
        """Contact cost saved each year (as usual minus shifted)."""
        saving: np.ndarray = self.cost_baseline - self.cost_shifted
        return saving


def _check(cs: ChannelShift) -> None:
    """The invariants the API schema enforces, for callers of the core."""
    base = "#/channel_shift"
    if not cs.channels:
        raise ProposalError("give at least one channel", f"{base}/channels")
    seen: set[str] = set()
    for i, ch in enumerate(cs.channels):
        if ch.channel not in CHANNEL_NAMES:
            raise ProposalError(f"unknown channel {ch.channel!r}", f"{base}/channels/{i}/channel")
        if ch.channel in seen:
            raise ProposalError(f"channel {ch.channel!r} is listed twice",
                                f"{base}/channels/{i}/channel")
        seen.add(ch.channel)
    for key in ("share_now", "share_target"):
        total = sum(getattr(ch, key) for ch in cs.channels)
        if abs(total - 1.0) > _SHARE_TOLERANCE:
            raise ProposalError(f"{key} must sum to 1 across channels, got {total:.6g}",
                                f"{base}/channels")
    if cs.years_to_target < 1:
        raise ProposalError("years_to_target must be at least 1", f"{base}/years_to_target")


def _progress(n_years: int, years_to_target: float) -> np.ndarray:
    """Share of the way from now to target reached in years 1..n: min(t / Y, 1)."""
    return np.minimum(np.arange(1, n_years + 1, dtype=float) / years_to_target, 1.0)


def contact_costs(cs: ChannelShift, n_years: int, stretch: float = 1.0) -> ContactCosts:
    """Contact volumes and costs for years 1..n_years, as usual and shifted.

    Parameters
    ----------
    cs : ChannelShift
        The channel-shift block of a proposal (unit costs in base-year prices, per contact).
    n_years : int
        Contract years (term_years).
    stretch : float, default 1.0
        Factor >= 1 on ``years_to_target``: the risk-adjusted view slows the migration.

    Examples
    --------
    A million contacts, 30/50/20 face-to-face/telephone/online moving to 15/40/45 over 3 years:

    >>> from svcalc.core.model import Channel
    >>> cs = ChannelShift(1_000_000, (Channel("face_to_face", 8.62, 0.3, 0.15),
    ...     Channel("telephone", 2.83, 0.5, 0.4), Channel("online", 0.15, 0.2, 0.45)), 3, "public")
    >>> cc = contact_costs(cs, 4)
    >>> [round(float(x), 2) for x in cc.cost_shifted]
    [3518166.67, 3005333.33, 2492500.0, 2492500.0]
    """
    _check(cs)
    if not stretch >= 1.0:
        raise ValueError("stretch must be >= 1 (it only slows the migration)")
    unit = np.array([ch.unit_cost for ch in cs.channels])
    now = np.array([ch.share_now for ch in cs.channels])
    target = np.array([ch.share_target for ch in cs.channels])
    progress = _progress(n_years, cs.years_to_target * stretch)
    growth = np.full(n_years, 1.0 + cs.contact_growth)
    growth[0] = 1.0
    contacts = cs.annual_contacts * np.cumprod(growth)
    a_now = cs.avoidable_contact_now
    a_target = a_now if cs.avoidable_contact_target is None else cs.avoidable_contact_target
    avoidable = a_now + (a_target - a_now) * progress
    # The necessary contacts C(1 - a_0) stay; the total is what they are at the new avoidable rate.
    shifted_volume = contacts * (1.0 - a_now) / (1.0 - avoidable)
    shares = now[:, None] + (target - now)[:, None] * progress[None, :]
    # Sums over the channels in order (not a BLAS product): the same on every machine.
    cost_per_contact = (unit[:, None] * shares).sum(axis=0)
    return ContactCosts(
        contacts_baseline=contacts,
        contacts_shifted=shifted_volume,
        avoidable=avoidable,
        shares=shares,
        cost_baseline=contacts * math.fsum((unit * now).tolist()),
        cost_shifted=shifted_volume * cost_per_contact,
    )


def migration_pp_per_year(cs: ChannelShift, stretch: float = 1.0) -> dict[str, float]:
    """Each channel's change of share per year while migrating, in percentage points.

    >>> from svcalc.core.model import Channel
    >>> cs = ChannelShift(1.0, (Channel("telephone", 3.0, 0.7, 0.4),
    ...                          Channel("online", 0.2, 0.3, 0.6)), 3, "public")
    >>> {k: round(v, 6) for k, v in migration_pp_per_year(cs).items()}
    {'telephone': -10.0, 'online': 10.0}
    """
    years = cs.years_to_target * stretch
    return {ch.channel: 100.0 * (ch.share_target - ch.share_now) / years for ch in cs.channels}


def _digital_share(cs: ChannelShift, key: str) -> float:
    return float(sum(getattr(ch, key) for ch in cs.channels if ch.channel in DIGITAL_CHANNELS))


def channel_shift_case(cs: ChannelShift, factors: np.ndarray, stated: ContactCosts,
                       adjusted: ContactCosts, stretch_risk_adjusted: float) -> ChannelShiftCase:
    """The response block: per-year table, PVs at the public discount factors, migration speed.

    ``factors`` are the public discount factors for years 0..T; ``stated`` and ``adjusted`` the
    contact costs as stated and with the migration slowed by ``stretch_risk_adjusted``.
    """
    n = factors.size - 1
    dfs = factors[1:]
    notes: dict[str, str] = {}
    if cs.years_to_target > n:
        notes["years_to_target"] = (
            f"the target mix is reached after the term ({cs.years_to_target} > {n} years); the "
            "table stops part-way along the migration"
        )
    digital = np.array([ch.channel in DIGITAL_CHANNELS for ch in cs.channels])
    digital_by_year = (digital[:, None] * stated.shares).sum(axis=0)
    names = [ch.channel for ch in cs.channels]
    columns = zip(stated.contacts_baseline.tolist(), stated.contacts_shifted.tolist(),
                  stated.avoidable.tolist(), digital_by_year.tolist(),
                  stated.cost_baseline.tolist(), stated.cost_shifted.tolist(),
                  stated.saving.tolist(), stated.shares.T.tolist(), strict=True)
    years = [
        ChannelShiftYear(year=t, contacts_baseline=cb, contacts_shifted=cv, avoidable_share=av,
                         digital_share=dg, cost_baseline=kb, cost_shifted=ks, saving=sv,
                         shares=dict(zip(names, sh, strict=True)))
        for t, (cb, cv, av, dg, kb, ks, sv, sh) in enumerate(columns, start=1)
    ]
    migration = migration_pp_per_year(cs)
    baseline_pv = finance.npv(stated.cost_baseline, dfs)
    shifted_pv = finance.npv(stated.cost_shifted, dfs)
    return ChannelShiftCase(
        borne_by=cs.borne_by,
        years_to_target=cs.years_to_target,
        stretch_risk_adjusted=stretch_risk_adjusted,
        migration_pp_per_year=migration,
        max_migration_pp_per_year=max(abs(v) for v in migration.values()),
        digital_share_now=_digital_share(cs, "share_now"),
        digital_share_target=_digital_share(cs, "share_target"),
        baseline_cost_pv=baseline_pv,
        shifted_cost_pv=shifted_pv,
        saving_pv=baseline_pv - shifted_pv,
        saving_pv_risk_adjusted=finance.npv(adjusted.saving, dfs),
        years=years,
        notes=notes,
    )
