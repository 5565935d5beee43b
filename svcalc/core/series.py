"""Figures of one series of cash flows: what a spreadsheet's NPV/IRR/payback cell asks.

``values[0]`` is year 0 (undiscounted), ``values[t]`` the end of year t, as everywhere in svcalc.
Excel's ``NPV(rate, B1:B11)`` discounts its first value too: ``=B1+NPV(rate, B2:B11)`` matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from svcalc.core import finance
from svcalc.core.model import Money

__all__ = ["SeriesFigures", "evaluate"]


@dataclass(frozen=True, slots=True)
class SeriesFigures:
    """NPV, IRR and paybacks of a series; ``notes`` says why a figure is ``None``."""

    discounting: str
    rate: float | None
    npv: Money
    irr: float | None
    payback_years: float | None
    discounted_payback_years: float | None
    notes: dict[str, str] = field(default_factory=dict)


def evaluate(values: Sequence[float], rate: float | None = None) -> SeriesFigures:
    """Evaluate a series at a flat ``rate``, or at the Green Book STPR schedule when None.

    Consider 1,000 invested now and 300, 400, 500 back over three years at 5%:
    NPV = -1000 + 300/1.05 + 400/1.05^2 + 500/1.05^3 = 80.44 (by hand: 285.71 + 362.81 + 431.92).

    >>> s = evaluate([-1000, 300, 400, 500], 0.05)
    >>> round(s.npv, 2), round(s.payback_years, 2), s.discounting
    (80.44, 2.6, 'flat_rate')
    >>> evaluate([5, 5]).notes["irr"]
    'the cash flows never change sign, so no rate makes the NPV zero'
    """
    flows = np.asarray(values, dtype=float)
    n = flows.size - 1
    factors = finance.discount_factors(n, rate)
    notes: dict[str, str] = {}
    irr = finance.irr(flows)
    if irr.value is None and irr.reason:
        notes["irr"] = irr.reason
    payback = finance.payback(flows)
    if payback is None:
        notes["payback_years"] = "the cumulative flow does not come back to zero within the series"
    d_payback = finance.payback(flows * factors)
    if d_payback is None:
        notes["discounted_payback_years"] = (
            "the discounted cumulative flow does not come back to zero within the series")
    return SeriesFigures(
        discounting="flat_rate" if rate is not None else "green_book_stpr",
        rate=rate,
        npv=finance.npv(flows, factors),
        irr=irr.value,
        payback_years=payback,
        discounted_payback_years=d_payback,
        notes=notes,
    )
