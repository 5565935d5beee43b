"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

#: Real discount rates a caller may realistically give.
rates = st.floats(min_value=-0.5, max_value=0.5, allow_nan=False, allow_infinity=False)

_money = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)

#: Any cash-flow series of 2..61 values (years 0..60).
flows_arrays = st.lists(_money, min_size=2, max_size=61).map(np.array)


@st.composite
def _conventional(draw: st.DrawFn) -> np.ndarray:
    """An investment followed by returns: one sign change, so exactly one IRR (Descartes)."""
    upfront = draw(st.floats(min_value=1.0, max_value=1e9))
    n = draw(st.integers(min_value=1, max_value=60))
    returns = draw(st.lists(st.floats(min_value=0.0, max_value=1e9), min_size=n, max_size=n))
    if not any(r > 0 for r in returns):
        returns[-1] = 1.0
    return np.array([-upfront, *returns])


conventional_flows = _conventional()


_share = st.floats(0.0, 0.6)
_amount = st.floats(1e4, 5e7)


@st.composite
def _yearly(draw: st.DrawFn, value: float, term: int) -> float | list[float]:
    """One value for every year, or a list of values around it (a ramp now and then)."""
    if draw(st.booleans()):
        return round(value, 2)
    ramp = draw(st.integers(1, 3))
    return [round(value * min(1.0, t / ramp) * draw(st.floats(0.9, 1.1)), 2)
            for t in range(1, term + 1)]


@st.composite
def proposal_bodies(draw: st.DrawFn) -> dict:
    """Valid proposals as a client sends them (JSON), with every optional block now and then:
    upfront costs, a flat rate, nominal prices, risk, channel shift, social value,
    acceptability and a small simulation."""
    term = draw(st.sampled_from([1, 2, 5, 10, 25, 31, 60]))
    bau = draw(_amount)
    payment = bau * draw(st.floats(0.6, 1.1))
    p: dict = {
        "term_years": term,
        "partnership_model": draw(st.sampled_from(
            ["outsourcing", "long_term_partnership", "joint_venture", "shared_service",
             "channel_shift", "other"])),
        "public": {"baseline_annual_cost": draw(_yearly(bau, term)),
                   "annual_payment": draw(_yearly(payment, term)),
                   "retained_costs": draw(_yearly(bau * 0.04, term))},
        "supplier": {"annual_operating_cost": draw(_yearly(payment * draw(st.floats(0.7, 1.05)),
                                                           term)),
                     "upfront_investment": draw(st.floats(0.0, bau))},
    }
    if draw(st.booleans()):
        p["public"]["upfront_costs"] = draw(st.dictionaries(
            st.sampled_from(["procurement", "transition", "it", "legal", "other"]),
            st.floats(0.0, bau * 0.2), max_size=5))
    if draw(st.booleans()):
        p["public"]["discount_rate"] = draw(st.sampled_from([0.0, 0.02, 0.035, 0.06]))
    if draw(st.booleans()):
        p["price_basis"], p["inflation"] = "nominal", draw(st.floats(0.0, 0.05))
    if draw(st.booleans()):
        p["risk"] = {"mitigation": draw(st.floats(0.0, 1.0))}
    if draw(st.integers(0, 3)) == 0:
        now = draw(st.floats(0.1, 0.5))
        target = draw(st.floats(now, 0.95))
        p["channel_shift"] = {
            "annual_contacts": draw(st.floats(1e3, 1e6)), "years_to_target": draw(
                st.integers(1, 8)), "borne_by": draw(st.sampled_from(["public", "supplier"])),
            "channels": [
                {"channel": "telephone", "unit_cost": 2.83, "share_now": 1 - now,
                 "share_target": 1 - target},
                {"channel": "online", "unit_cost": 0.15, "share_now": now,
                 "share_target": target}],
            "avoidable_contact_now": draw(_share)}
    if draw(st.integers(0, 3)) == 0:
        p["social_value"] = {"base_calendar_year": 2026, "outcomes": [
            {"name": "outcome", "quantity": draw(st.floats(1.0, 1e3)),
             "start_year": draw(st.integers(1, term)), "duration_years": draw(st.integers(1, 20)),
             "evidence_grade": draw(st.integers(1, 5)), "deadweight": draw(_share),
             **draw(st.sampled_from([{"proxy": "wellby"}, {"proxy": "carbon"},
                                     {"unit_value": 1_000.0, "source": "test"}]))}]}
    if draw(st.integers(0, 3)) == 0:
        p["acceptability"] = {"citizen_support": draw(st.floats(0.0, 1.0)),
                              "assisted_digital": draw(st.booleans()),
                              "jobs_transferred": draw(st.integers(0, 50)),
                              "jobs_lost": draw(st.integers(0, 50))}
    if draw(st.integers(0, 5)) == 0:
        p["simulation"] = {"iterations": 200, "seed": draw(st.integers(0, 99))}
    return p
