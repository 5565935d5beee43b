"""Channel shift (DESIGN.md 4.4): every figure checked against a hand computation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcalc.core import appraise
from svcalc.core.channel_shift import channel_shift_case, contact_costs, migration_pp_per_year
from svcalc.core.errors import ProposalError
from svcalc.core.finance import discount_factors
from svcalc.core.model import (
    Channel,
    ChannelShift,
    Proposal,
    PublicSide,
    SupplierSide,
)

# The issue's case: 1,000,000 contacts a year; face-to-face 8.62, telephone 2.83, online 0.15
# (Socitm 2011); shares 30/50/20 moving to 15/40/45 over 3 years.
ISSUE_CASE = ChannelShift(
    annual_contacts=1_000_000.0,
    channels=(
        Channel("face_to_face", 8.62, 0.30, 0.15),
        Channel("telephone", 2.83, 0.50, 0.40),
        Channel("online", 0.15, 0.20, 0.45),
    ),
    years_to_target=3,
    borne_by="public",
)

# Cost per contact at today's mix: 0.30*8.62 + 0.50*2.83 + 0.20*0.15
#   = 2.586 + 1.415 + 0.030 = 4.031            -> 4,031,000 a year as usual.
# At the target mix: 0.15*8.62 + 0.40*2.83 + 0.45*0.15
#   = 1.293 + 1.132 + 0.0675 = 2.4925           -> 2,492,500 a year.
# Year 1 is one third of the way (shares 25 / 46.667 / 28.333):
#   0.25*8.62 + 0.466667*2.83 + 0.283333*0.15 = 2.155 + 1.320667 + 0.0425 = 3.518167
#   -> 3,518,166.67. The cost per contact falls by (4.031 - 2.4925)/3 = 0.512833 a year, so
# year 2 = 4.031 - 2*0.512833 = 3.005333 -> 3,005,333.33; year 3 = 2,492,500; year 4 stays there.
BAU = 4_031_000.0
SHIFTED = [3_518_166.67, 3_005_333.33, 2_492_500.00, 2_492_500.00]
SAVING = [512_833.33, 1_025_666.67, 1_538_500.00, 1_538_500.00]


def test_issue_case_every_year():
    cc = contact_costs(ISSUE_CASE, 4)
    assert cc.cost_baseline.tolist() == pytest.approx([BAU] * 4, abs=1e-6)
    assert cc.cost_shifted.tolist() == pytest.approx(SHIFTED, abs=0.005)
    assert cc.saving.tolist() == pytest.approx(SAVING, abs=0.005)
    assert cc.contacts_shifted.tolist() == [1_000_000.0] * 4
    # Shares in year 1: face-to-face 30 -> 15 a third of the way = 25%.
    assert cc.shares[:, 0].tolist() == pytest.approx([0.25, 0.5 - 0.1 / 3, 0.2 + 0.25 / 3])


def test_issue_case_migration_and_pv():
    stated = contact_costs(ISSUE_CASE, 4)
    case = channel_shift_case(ISSUE_CASE, discount_factors(4), stated, stated, 1.0)
    # Online +25 points over 3 years = 8.333 pp/yr; face-to-face -15/3 = -5; telephone -10/3.
    assert case.migration_pp_per_year == pytest.approx(
        {"face_to_face": -5.0, "telephone": -10 / 3, "online": 25 / 3})
    assert case.max_migration_pp_per_year == pytest.approx(25 / 3)
    assert case.digital_share_now == pytest.approx(0.2)
    assert case.digital_share_target == pytest.approx(0.45)
    # PV at 3.5% (years 1-4 are in the first STPR band), summed here by explicit powers.
    pv = sum(s / 1.035 ** t for t, s in enumerate(SAVING, start=1))
    assert case.saving_pv == pytest.approx(pv, abs=0.05)
    assert case.baseline_cost_pv - case.shifted_cost_pv == pytest.approx(case.saving_pv)
    assert [y.year for y in case.years] == [1, 2, 3, 4]
    assert case.years[0].shares["face_to_face"] == pytest.approx(0.25)
    assert case.years[2].digital_share == pytest.approx(0.45)


def test_avoidable_contact_and_growth_by_hand():
    cs = ChannelShift(
        annual_contacts=1_000_000.0,
        channels=(Channel("telephone", 3.0, 0.6, 0.4), Channel("online", 0.2, 0.4, 0.6)),
        years_to_target=2, borne_by="supplier", contact_growth=0.10,
        avoidable_contact_now=0.3, avoidable_contact_target=0.2,
    )
    cc = contact_costs(cs, 3)
    # Volume as usual: 1.0m, 1.1m, 1.21m; cost per contact as usual 0.6*3 + 0.4*0.2 = 1.88.
    assert cc.cost_baseline.tolist() == pytest.approx([1_880_000.0, 2_068_000.0, 2_274_800.0])
    # Avoidable share 0.25 in year 1, 0.2 from year 2. The necessary 70% stays:
    # year 1: 1.0m * 0.7/0.75 = 933,333.33; year 2: 1.1m * 0.7/0.8 = 962,500;
    # year 3: 1.21m * 0.875 = 1,058,750.
    assert cc.contacts_shifted.tolist() == pytest.approx([933_333.3333, 962_500.0, 1_058_750.0])
    # Cost per contact: year 1 (50/50) 1.5 + 0.1 = 1.60; from year 2 (40/60) 1.2 + 0.12 = 1.32.
    # 933,333.33*1.60 = 1,493,333.33; 962,500*1.32 = 1,270,500; 1,058,750*1.32 = 1,397,550.
    assert cc.cost_shifted.tolist() == pytest.approx([1_493_333.3333, 1_270_500.0, 1_397_550.0])


def test_stretch_slows_the_migration():
    cc = contact_costs(ISSUE_CASE, 6, stretch=2.0)
    # Six years to the target: cost per contact falls by 1.5385/6 = 0.256417 a year.
    expected = [1e6 * (4.031 - 1.5385 * t / 6) for t in range(1, 7)]
    assert cc.cost_shifted.tolist() == pytest.approx(expected)
    assert migration_pp_per_year(ISSUE_CASE, 2.0)["online"] == pytest.approx(25 / 6)
    case = channel_shift_case(ISSUE_CASE, discount_factors(6), contact_costs(ISSUE_CASE, 6), cc,
                              2.0)
    assert case.saving_pv_risk_adjusted < case.saving_pv
    with pytest.raises(ValueError):
        contact_costs(ISSUE_CASE, 3, stretch=0.5)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(stretch=st.floats(1.0, 5.0), term=st.integers(1, 20))
def test_stretch_never_increases_a_saving(stretch, term):
    # The target mix is cheaper, so migrating more slowly can only save less.
    fast = contact_costs(ISSUE_CASE, term)
    slow = contact_costs(ISSUE_CASE, term, stretch)
    assert (slow.saving <= fast.saving + 1e-6).all()


def _proposal(borne_by: str) -> Proposal:
    cs = ChannelShift(ISSUE_CASE.annual_contacts, ISSUE_CASE.channels, 3, borne_by)
    return Proposal(
        term_years=4,
        public=PublicSide(baseline_annual_cost=10_000_000.0, annual_payment=9_000_000.0),
        supplier=SupplierSide(annual_operating_cost=8_500_000.0),
        channel_shift=cs,
    )


def test_contact_cost_borne_by_public_enters_public_net():
    a = appraise(_proposal("public"))
    for row, shifted, saving in zip(a.cash_flows[1:], SHIFTED, SAVING, strict=True):
        assert row.baseline_contact_cost == pytest.approx(BAU)
        assert row.public_contact_cost == pytest.approx(shifted, abs=0.005)
        assert row.supplier_contact_cost == 0.0
        # 10m - 9m = 1m saved on the service, plus the contact saving.
        assert row.public_net == pytest.approx(1_000_000.0 + saving, abs=0.005)
        assert row.supplier_net == pytest.approx(500_000.0)


def test_contact_cost_borne_by_supplier_enters_supplier_cash():
    a = appraise(_proposal("supplier"))
    for row, shifted in zip(a.cash_flows[1:], SHIFTED, strict=True):
        assert row.supplier_contact_cost == pytest.approx(shifted, abs=0.005)
        assert row.public_contact_cost == 0.0
        # The public body no longer handles contact: it saves the whole BAU contact cost.
        assert row.public_net == pytest.approx(1_000_000.0 + BAU)
        assert row.supplier_net == pytest.approx(500_000.0 - shifted, abs=0.005)
    assert a.channel_shift is not None and a.channel_shift.borne_by == "supplier"


def test_no_block_no_contact_cost():
    p = _proposal("public")
    a = appraise(Proposal(p.term_years, p.public, p.supplier))
    assert a.channel_shift is None
    assert all(r.baseline_contact_cost == 0.0 for r in a.cash_flows)


@pytest.mark.parametrize("channels, pointer", [
    ((Channel("online", 0.1, 0.5, 0.5),), "#/channel_shift/channels"),
    ((Channel("fax", 0.1, 1.0, 1.0),), "#/channel_shift/channels/0/channel"),
    ((Channel("online", 0.1, 0.5, 0.5), Channel("online", 0.1, 0.5, 0.5)),
     "#/channel_shift/channels/1/channel"),
    ((), "#/channel_shift/channels"),
])
def test_core_rejects_inconsistent_blocks(channels, pointer):
    with pytest.raises(ProposalError) as err:
        contact_costs(ChannelShift(1.0, channels, 1, "public"), 3)
    assert err.value.pointer == pointer


def test_contact_costs_for_a_risk_adjusted_view():
    # The risk view rebuilds its Flows with the migration stretched: BAU is unchanged, the
    # bearing side's shifted cost is higher while migrating (1.5385/6 a year instead of /3).
    import dataclasses

    from svcalc.core.flows import public_net, resolve, with_contact

    p = _proposal("public")
    flows = resolve(p)
    stretched = with_contact(flows, p, 2.0)
    assert stretched.baseline_contact.tolist() == pytest.approx([BAU] * 4)
    assert stretched.public_contact.tolist() == pytest.approx(
        [1e6 * (4.031 - 1.5385 * t / 6) for t in range(1, 5)])
    assert stretched.supplier_contact.tolist() == [0.0] * 4
    assert (public_net(stretched)[1:] < public_net(flows)[1:]).all()
    plain = resolve(dataclasses.replace(p, channel_shift=None))
    assert plain.contact is None
    assert plain.baseline_contact.tolist() == plain.public_contact.tolist() == [0.0] * 4
