"""How figures read in the sentences of flags, verdicts and comparisons."""

from __future__ import annotations

__all__ = ["money", "symbol"]

_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def symbol(currency: str) -> str:
    """What goes before an amount: ``£`` for GBP, the code and a space for a currency with no
    symbol here.

    >>> symbol("GBP"), symbol("CHF")
    ('£', 'CHF ')
    """
    return _SYMBOLS.get(currency, currency + " ")


def money(value: float, currency: str = "GBP") -> str:
    """Money for a sentence: ``£1.2m``, ``-£350k``, ``€900``.

    >>> money(1_234_567.0), money(-350_000.0), money(900.0, "EUR"), money(2.5e9, "CHF")
    ('£1.23m', '-£350k', '€900', 'CHF 2.50bn')
    """
    sign = "-" if value < 0 else ""
    v = abs(value)
    unit = symbol(currency)
    if v >= 1e9:
        return f"{sign}{unit}{v / 1e9:,.2f}bn"
    if v >= 1e6:
        return f"{sign}{unit}{v / 1e6:,.2f}m"
    if v >= 1e3:
        return f"{sign}{unit}{v / 1e3:,.0f}k"
    return f"{sign}{unit}{v:,.0f}"
