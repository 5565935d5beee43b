"""The six channel-shift and social-value flags, just below, at and just above each threshold."""

from __future__ import annotations

import pytest

from svcalc.core.model import Acceptability, Channel, ChannelShift, Outcome, SocialValue
from svcalc.core.reference import REFERENCE
from svcalc.core.social_flags import (
    avoidable_contact_claim_high,
    digital_target_above_ceiling,
    migration_too_fast,
    social_value_above_benchmark,
    social_value_unadjusted,
    unit_cost_out_of_range,
)

ASSISTED = Acceptability(assisted_digital=True)


def _shift(*channels: Channel, years: int = 3, avoidable: float = 0.0) -> ChannelShift:
    return ChannelShift(1000.0, channels, years, "public", avoidable_contact_now=avoidable)


def _codes(flags):
    return [f.code for f in flags]


@pytest.mark.parametrize("years, flagged", [(6, False), (5, False), (4, True)])
def test_migration_too_fast(years, flagged):
    # 75 points moved online: 12.5 pp/yr over 6 years, exactly 15 over 5, 18.75 over 4.
    cs = _shift(Channel("telephone", 3.0, 1.0, 0.25), Channel("online", 0.2, 0.0, 0.75),
                years=years)
    flags = migration_too_fast(cs)
    assert bool(flags) is flagged
    if flagged:
        (f,) = flags
        assert f.field == "#/channel_shift/years_to_target" and f.severity == "warning"
        assert f.given == pytest.approx(18.75) and f.benchmark == 15.0
        assert f.source == REFERENCE["social_flags"]["thresholds"]["MIGRATION_TOO_FAST"]["source"]


def test_migration_just_above_threshold():
    cs = _shift(Channel("telephone", 3.0, 1.0, 0.2499), Channel("online", 0.2, 0.0, 0.7501),
                years=5)
    assert _codes(migration_too_fast(cs)) == ["MIGRATION_TOO_FAST"]


@pytest.mark.parametrize("online, flagged", [(0.89, False), (0.90, False), (0.91, True)])
def test_digital_target_above_ceiling(online, flagged):
    cs = _shift(Channel("face_to_face", 8.0, 0.5, 1.0 - online),
                Channel("online", 0.2, 0.5, online))
    flags = digital_target_above_ceiling(cs, ASSISTED)
    assert bool(flags) is flagged
    if flagged:
        assert flags[0].field == "#/channel_shift/channels/1/share_target"
        assert flags[0].given == pytest.approx(0.91)


def test_digital_ceiling_counts_email_with_online():
    cs = _shift(Channel("telephone", 3.0, 0.6, 0.05), Channel("email", 1.0, 0.2, 0.45),
                Channel("online", 0.2, 0.2, 0.5))
    (f,) = digital_target_above_ceiling(cs, ASSISTED)
    assert f.given == pytest.approx(0.95)


@pytest.mark.parametrize("acceptability, given", [
    (None, "not given"), (Acceptability(assisted_digital=False), "no"),
    (Acceptability(citizen_support=0.5), "not given"),
])
def test_no_assisted_digital_is_flagged(acceptability, given):
    cs = _shift(Channel("telephone", 3.0, 0.8, 0.5), Channel("online", 0.2, 0.2, 0.5))
    (f,) = digital_target_above_ceiling(cs, acceptability)
    assert f.field == "#/acceptability/assisted_digital" and f.given == given


def test_no_shift_online_needs_no_assisted_digital():
    cs = _shift(Channel("telephone", 3.0, 0.5, 0.5), Channel("online", 0.2, 0.5, 0.5))
    assert digital_target_above_ceiling(cs, None) == []


@pytest.mark.parametrize("online, flagged", [(0.081, False), (0.08, False), (0.079, True)])
def test_online_unit_cost_floor(online, flagged):
    cs = _shift(Channel("telephone", 3.0, 0.5, 0.5), Channel("online", online, 0.5, 0.5))
    flags = unit_cost_out_of_range(cs)
    assert bool(flags) is flagged
    if flagged:
        assert flags[0].field == "#/channel_shift/channels/1/unit_cost"


@pytest.mark.parametrize("f2f, flagged", [
    (3.99, True), (4.0, False), (4.01, False), (14.99, False), (15.0, False), (15.01, True),
])
def test_face_to_face_unit_cost_range(f2f, flagged):
    cs = _shift(Channel("face_to_face", f2f, 1.0, 1.0))
    flags = unit_cost_out_of_range(cs)
    assert bool(flags) is flagged
    if flagged:
        assert flags[0].field == "#/channel_shift/channels/0/unit_cost"


@pytest.mark.parametrize("f2f, flagged", [(4.99, False), (5.0, False), (5.01, True)])
def test_face_to_face_to_online_ratio(f2f, flagged):
    # Online at 0.10: a ratio of exactly 50 at 5.00.
    cs = _shift(Channel("face_to_face", f2f, 0.5, 0.5), Channel("online", 0.10, 0.5, 0.5))
    flags = unit_cost_out_of_range(cs)
    assert bool(flags) is flagged
    if flagged:
        assert flags[0].given == pytest.approx(50.1)


def test_an_online_cost_too_small_for_a_ratio_is_flagged_once_and_finite():
    # 8.62 / 5e-324 overflows a float: schemathesis found the ratio flag carrying Infinity.
    cs = _shift(Channel("face_to_face", 8.62, 0.5, 0.5), Channel("online", 5e-324, 0.5, 0.5))
    (flag,) = unit_cost_out_of_range(cs)
    assert flag.field == "#/channel_shift/channels/1/unit_cost" and flag.given == 5e-324


@pytest.mark.parametrize("avoidable, flagged", [(0.49, False), (0.50, False), (0.51, True)])
def test_avoidable_contact_claim_high(avoidable, flagged):
    cs = _shift(Channel("telephone", 3.0, 1.0, 1.0), avoidable=avoidable)
    flags = avoidable_contact_claim_high(cs)
    assert bool(flags) is flagged
    if flagged:
        assert flags[0].field == "#/channel_shift/avoidable_contact_now"


@pytest.mark.parametrize("adjust", [{}, {"deadweight": 0.01}, {"attribution": 0.01},
                                    {"displacement": 0.01}, {"drop_off": 0.5}])
def test_social_value_unadjusted(adjust):
    o = Outcome("o", 1.0, 1, 1, 1, unit_value=1.0, source="s", **adjust)
    other = Outcome("p", 1.0, 1, 1, 1, unit_value=1.0, source="s", deadweight=0.2)
    flags = social_value_unadjusted(SocialValue((other, o)))
    # Drop-off alone does not adjust for additionality.
    flagged = not {"deadweight", "attribution", "displacement"} & set(adjust)
    assert _codes(flags) == (["SOCIAL_VALUE_UNADJUSTED"] if flagged else [])
    if flagged:
        assert flags[0].field == "#/social_value/outcomes/1"


@pytest.mark.parametrize("share, severity", [
    (None, None), (0.29, None), (0.30, None), (0.3001, "warning"), (0.40, "warning"),
    (0.4001, "critical"),
])
def test_social_value_above_benchmark(share, severity):
    flags = social_value_above_benchmark(share)
    assert [f.severity for f in flags] == ([severity] if severity else [])
