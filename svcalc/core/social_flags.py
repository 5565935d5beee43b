"""Flags on the channel-shift and social-value assumptions (DESIGN.md 6).

Each function is pure: it reads the proposal's block (and computed figures where needed) and
returns a list of :class:`~svcalc.core.model.Flag`. Thresholds and their sources are reference
data (``social_flags``). Every comparison is strict: a figure exactly at a threshold passes.
"""

from __future__ import annotations

import math

from svcalc.core.channel_shift import DIGITAL_CHANNELS, migration_pp_per_year
from svcalc.core.model import Acceptability, ChannelShift, Flag, Proposal, SocialValue
from svcalc.core.reference import REFERENCE

__all__ = [
    "avoidable_contact_claim_high",
    "digital_target_above_ceiling",
    "migration_too_fast",
    "social_flags",
    "social_value_above_benchmark",
    "social_value_unadjusted",
    "unit_cost_out_of_range",
]

_T = REFERENCE["social_flags"]["thresholds"]
_CS = "#/channel_shift"


def migration_too_fast(cs: ChannelShift) -> list[Flag]:
    """Any channel's share moving faster than observed migrations: > 15 pp a year a warning,
    > 20 (faster than any recorded) critical."""
    rule = _T["MIGRATION_TOO_FAST"]
    limit = rule["max_pp_per_year"]
    speeds = migration_pp_per_year(cs)
    channel, speed = max(speeds.items(), key=lambda kv: abs(kv[1]))
    if abs(speed) <= limit:
        return []
    critical = abs(speed) > rule["critical_above"]
    return [Flag(
        code="MIGRATION_TOO_FAST", severity="critical" if critical else "warning",
        field=f"{_CS}/years_to_target",
        message=f"The {channel} share moves {abs(speed):.1f} percentage points a year; observed "
        f"channel migrations run at 3-14 points a year (HMRC at its fastest 15-18, with a "
        f"filing deadline behind it), so allow more years_to_target.",
        given=abs(speed), benchmark=rule["critical_above"] if critical else limit,
        source=rule["source"])]


def digital_target_above_ceiling(cs: ChannelShift,
                                 acceptability: Acceptability | None) -> list[Flag]:
    """A digital target above the inclusion ceiling, or a shift online with no assisted digital:
    each a warning, the first critical when there is no assisted digital either (offline
    residents are left with no way in)."""
    rule = _T["DIGITAL_TARGET_ABOVE_CEILING"]
    ceiling = rule["max_online_share"]
    now = sum(ch.share_now for ch in cs.channels if ch.channel in DIGITAL_CHANNELS)
    target = sum(ch.share_target for ch in cs.channels if ch.channel in DIGITAL_CHANNELS)
    assisted = acceptability is not None and acceptability.assisted_digital is True
    flags: list[Flag] = []
    if target > ceiling:
        index = next((i for i, ch in enumerate(cs.channels) if ch.channel == "online"),
                     next(i for i, ch in enumerate(cs.channels) if ch.channel in DIGITAL_CHANNELS))
        flags.append(Flag(
            code="DIGITAL_TARGET_ABOVE_CEILING", severity="warning" if assisted else "critical",
            field=f"{_CS}/channels/{index}/share_target",
            message=f"The target puts {target:.0%} of contact online; about 4% of adults are "
            f"offline and 16% lack basic digital skills, and HMRC reached 85-90% only after 15 "
            f"years" + ("." if assisted else ", and no assisted digital route is offered."),
            given=target, benchmark=ceiling, source=rule["source"]))
    if target > now and not assisted:
        flags.append(Flag(
            code="DIGITAL_TARGET_ABOVE_CEILING", severity="warning",
            field="#/acceptability/assisted_digital",
            message="Contact moves online but the proposal does not provide assisted digital "
            "support for people who cannot use online services.",
            given="no" if acceptability is not None and acceptability.assisted_digital is False
            else "not given", benchmark="yes", source=rule["source"]))
    return flags


def unit_cost_out_of_range(cs: ChannelShift) -> list[Flag]:
    """Unit costs outside the benchmark ranges, or a face-to-face/online ratio above 50."""
    rule = _T["UNIT_COST_OUT_OF_RANGE"]
    flags: list[Flag] = []
    index = {ch.channel: i for i, ch in enumerate(cs.channels)}

    def flag(i: int, message: str, given: float, benchmark: float | str) -> None:
        flags.append(Flag(code="UNIT_COST_OUT_OF_RANGE", severity=rule["severity"],
                          field=f"{_CS}/channels/{i}/unit_cost", message=message, given=given,
                          benchmark=benchmark, source=rule["source"]))

    online = cs.channels[index["online"]].unit_cost if "online" in index else None
    f2f = cs.channels[index["face_to_face"]].unit_cost if "face_to_face" in index else None
    if online is not None and online < rule["online_min"]:
        flag(index["online"], f"An online contact at {online:.2f} is below the lowest published "
             f"benchmark ({rule['online_min']:.2f}); Socitm found 0.15.", online,
             rule["online_min"])
    if f2f is not None and not rule["face_to_face_min"] <= f2f <= rule["face_to_face_max"]:
        lo, hi = rule["face_to_face_min"], rule["face_to_face_max"]
        flag(index["face_to_face"], f"A face-to-face contact at {f2f:.2f} is outside "
             f"{lo:.2f}-{hi:.2f}; Socitm found 8.62 (range 7.40-14.00).", f2f,
             f"{lo:g}-{hi:g}")
    if online is not None and f2f is not None and online > 0.0:
        ratio = f2f / online
        # An online cost so small that the ratio overflows is already flagged below online_min.
        if math.isfinite(ratio) and ratio > rule["max_face_to_face_online_ratio"]:
            flag(index["face_to_face"], f"Face-to-face costs {ratio:.0f} times online; even the "
                 "Cabinet Office's claim is at most 50 times.", ratio,
                 rule["max_face_to_face_online_ratio"])
    return flags


def avoidable_contact_claim_high(cs: ChannelShift) -> list[Flag]:
    """A claim that more than half of today's contact is avoidable."""
    rule = _T["AVOIDABLE_CONTACT_CLAIM_HIGH"]
    limit = rule["max_avoidable_share"]
    if cs.avoidable_contact_now <= limit:
        return []
    return [Flag(
        code="AVOIDABLE_CONTACT_CLAIM_HIGH", severity=rule["severity"],
        field=f"{_CS}/avoidable_contact_now",
        message=f"{cs.avoidable_contact_now:.0%} of contact is claimed avoidable; measured "
        f"avoidable contact is typically 20-40%.", given=cs.avoidable_contact_now,
        benchmark=limit, source=rule["source"])]


def social_value_unadjusted(sv: SocialValue) -> list[Flag]:
    """Each outcome with deadweight, attribution and displacement all zero."""
    rule = _T["SOCIAL_VALUE_UNADJUSTED"]
    return [
        Flag(code="SOCIAL_VALUE_UNADJUSTED", severity=rule["severity"],
             field=f"#/social_value/outcomes/{i}",
             message=f"Outcome {o.name!r} claims its full value: no deadweight, attribution or "
             f"displacement. Say what would have happened anyway and who else contributed.",
             given=0.0, benchmark="deadweight, attribution or displacement > 0",
             source=rule["source"])
        for i, o in enumerate(sv.outcomes)
        if o.deadweight == 0.0 and o.attribution == 0.0 and o.displacement == 0.0
    ]


def social_value_above_benchmark(share_of_contract_value: float | None) -> list[Flag]:
    """Social value above 30% (warning) or 40% (critical) of the contract value."""
    rule = _T["SOCIAL_VALUE_ABOVE_BENCHMARK"]
    if share_of_contract_value is None or share_of_contract_value <= rule["warning_share"]:
        return []
    critical = share_of_contract_value > rule["critical_share"]
    benchmark = rule["critical_share"] if critical else rule["warning_share"]
    return [Flag(
        code="SOCIAL_VALUE_ABOVE_BENCHMARK", severity="critical" if critical else "warning",
        field="#/social_value/outcomes",
        message=f"The social value claimed is {share_of_contract_value:.0%} of the contract "
        f"value (PV); construction benchmarks run at 19.6-30.3%.",
        given=share_of_contract_value, benchmark=benchmark, source=rule["source"])]


def social_flags(proposal: Proposal, share_of_contract_value: float | None) -> list[Flag]:
    """All six channel-shift and social-value flags for a proposal, in catalogue order."""
    flags: list[Flag] = []
    cs = proposal.channel_shift
    if cs is not None:
        flags += migration_too_fast(cs)
        flags += digital_target_above_ceiling(cs, proposal.acceptability)
        flags += unit_cost_out_of_range(cs)
        flags += avoidable_contact_claim_high(cs)
    if proposal.social_value is not None:
        flags += social_value_unadjusted(proposal.social_value)
        flags += social_value_above_benchmark(share_of_contract_value)
    return flags
