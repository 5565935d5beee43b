"""How the report writes a figure: money in whole currency units (as the JSON rounds it, to the
unit), shares as percentages, years and ratios to fixed decimals, and a dash for a figure that
does not exist."""

from __future__ import annotations

from svcalc.core import texts

#: A figure that does not exist (``null`` in the JSON, with the reason in its block's notes).
NONE = "—"


class Format:
    """Figures in one proposal's currency.

    >>> f = Format("GBP")
    >>> f.money(7266605.32), f.money(-1842016.28), f.money(None), f.short(7266605.32)
    ('£7,266,605', '-£1,842,016', '—', '£7.27m')
    >>> f.pct(0.06395), f.pct(-0.0291, 1), f.years(1.4509), f.ratio(1.0957), f.count(1234567)
    ('6.4%', '-2.9%', '1.5 years', '1.10', '1,234,567')
    """

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.symbol = texts.symbol(currency)

    def money(self, value: float | None) -> str:
        if value is None:
            return NONE
        whole = round(value)
        return f"{'-' if whole < 0 else ''}{self.symbol}{abs(whole):,}"

    def short(self, value: float | None) -> str:
        return NONE if value is None else texts.money(value, self.currency)

    def pct(self, value: float | None, digits: int = 1) -> str:
        return NONE if value is None else f"{value * 100:.{digits}f}%"

    def years(self, value: float | None) -> str:
        return NONE if value is None else f"{value:.1f} years"

    def ratio(self, value: float | None) -> str:
        return NONE if value is None else f"{value:.2f}"

    def count(self, value: float | None) -> str:
        return NONE if value is None else f"{value:,.0f}"
