"""Discounting and investment figures: NPV, IRR, payback, funding need.

Conventions (the same everywhere in svcalc)
-------------------------------------------
* ``flows[0]`` is year 0, the appraisal base year, and is **not** discounted; ``flows[t]`` falls at
  the end of contract year t. This is numpy-financial's ``npv`` convention. Excel's ``NPV()``
  discounts its first value by one period: in a spreadsheet, ``=B1+NPV(r, B2:B11)`` matches
  ``npv`` here.
* Rates are decimal fractions (0.035, not 3.5) and real (base-year prices).
* A figure that does not exist is ``None`` with a reason, never NaN.
* Every figure is the same on every machine: discount factors are made by IEEE divisions in
  order, and sums of money by ``math.fsum`` (exactly rounded), not by a BLAS dot product or a
  SIMD ``pow`` whose last bits depend on the processor.

numpy-financial serves as the reference in tests and benchmarks; svcalc itself does not need it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from svcalc.core.reference import REFERENCE

__all__ = [
    "IrrResult",
    "discount_factors",
    "first_positive_year",
    "irr",
    "irr_many",
    "npv",
    "payback",
    "peak_funding_requirement",
    "real_terms_factors",
]

#: The IRR search covers rates from -99% ...
IRR_MIN_RATE = -0.99
#: ... to +999,900% a year; a root beyond is reported as out of range, not guessed.
IRR_MAX_RATE = 9999.0

# The IRR is searched in x = 1/(1+r), where NPV is the polynomial sum(c_t x^t). A geometric grid
# in x brackets every sign change; each bracket is then polished by safeguarded Newton.
_X_LO = 1.0 / (1.0 + IRR_MAX_RATE)
_X_HI = 1.0 / (1.0 + IRR_MIN_RATE)
_GRID = np.array([math.exp(math.log(_X_LO) + i * math.log(_X_HI / _X_LO) / 159)
                  for i in range(160)])
#: x^t at every grid point for t = 0..60 (a 60-year term), so that the NPV on the whole grid is
#: one product; a longer series gets its own.
_POWERS = np.polynomial.polynomial.polyvander(_GRID, 60)


def _factors(rates: Sequence[float]) -> np.ndarray:
    """``DF_0 = 1`` and ``DF_t = DF_{t-1} / (1 + r_t)`` for the rates of years 1..n."""
    factors = [1.0]
    for rate in rates:
        factors.append(factors[-1] / (1.0 + rate))
    return np.array(factors)


def _stpr_rates(n_years: int) -> list[float]:
    """The Green Book STPR of each year 1..n_years, band by band."""
    rates: list[float] = []
    for band in REFERENCE["stpr"]["bands"]:
        first = max(band["from_year"], 1)
        last = n_years if band["to_year"] is None else min(band["to_year"], n_years)
        rates += [band["rate"]] * max(0, last - first + 1)
    return rates


def discount_factors(n_years: int, rate: float | None = None) -> np.ndarray:
    """Discount factors for years 0..n_years: at a flat ``rate`` if one is given, else on the
    Green Book STPR schedule.

    ``DF_t = prod_{y=1..t} 1/(1+r_y)`` with ``r_y`` the rate of the schedule band containing
    year y (3.5% for years 0-30, 3.0% for 31-75, ...).

    >>> df = discount_factors(50)
    >>> [round(float(df[t]), 4) for t in (0, 1, 10, 30, 31, 50)]
    [1.0, 0.9662, 0.7089, 0.3563, 0.3459, 0.1973]
    >>> [round(float(f), 6) for f in discount_factors(2, 0.08)]
    [1.0, 0.925926, 0.857339]
    """
    return _factors(_stpr_rates(n_years) if rate is None else [rate] * n_years)


def real_terms_factors(n_years: int, inflation: float) -> np.ndarray:
    """Factors that turn nominal year-t money into base-year (year 0) prices: ``(1+i)^-t``.

    Green Book 2022 Table 1 (2% GDP deflator): nominal 1,000 a year is 1,000, 980, 961, 942,
    924, 906 in real terms for years 0..5.

    >>> [round(1000 * float(f)) for f in real_terms_factors(5, 0.02)]
    [1000, 980, 961, 942, 924, 906]
    """
    return discount_factors(n_years, inflation)


def npv(flows: np.ndarray, factors: np.ndarray) -> float:
    """Net present value: ``sum(flows[t] * factors[t])``; year 0 undiscounted.

    Consider an upfront cost of 1,000 and savings of 300 a year for four years at 3.5%:

    >>> round(npv(np.array([-1000.0, 300, 300, 300, 300]), discount_factors(4, 0.035)), 2)
    101.92
    """
    return math.fsum((flows * factors).tolist())


@dataclass(frozen=True, slots=True)
class IrrResult:
    """An internal rate of return, or why there is none.

    ``value`` is the IRR when exactly one exists in the searched range; otherwise ``None`` and
    ``reason`` says why. ``roots`` lists every root found (more than one means the IRR is
    ambiguous and must not be reported as a single figure).
    """

    value: float | None
    reason: str | None = None
    roots: tuple[float, ...] = ()


def _horner(coeffs: list[float], x: float) -> tuple[float, float]:
    """p(x) and p'(x) for p(x) = sum c_t x^t, given the coefficients highest power first."""
    p = d = 0.0
    for a in coeffs:
        d = d * x + p
        p = p * x + a
    return p, d


def _polish(coeffs: list[float], lo: float, hi: float) -> float:
    """Root of p(x) in [lo, hi], where p changes sign, by Newton's method kept inside the
    bracket (a step that would leave it bisects instead). ``coeffs``: highest power first."""
    p_lo, p_hi = _horner(coeffs, lo)[0], _horner(coeffs, hi)[0]
    lo_negative = p_lo < 0.0
    x = lo + (hi - lo) * p_lo / (p_lo - p_hi)  # first guess by regula falsi
    if not lo < x < hi:
        x = 0.5 * (lo + hi)
    for _ in range(100):
        p, d = _horner(coeffs, x)
        if p == 0.0:
            return x
        if (p < 0.0) == lo_negative:
            lo = x
        else:
            hi = x
        nxt = x - p / d if d != 0.0 else lo - 1.0
        if abs(nxt - x) <= 4e-16 * x:
            return nxt
        if not lo < nxt < hi:
            nxt = 0.5 * (lo + hi)
        x = nxt
    return x  # pragma: no cover - the bracket at least halves, so 100 steps always suffice


def irr(flows: np.ndarray) -> IrrResult:
    """Internal rate of return of ``flows`` (year 0 first), robustly.

    Returns the unique rate r in (-99%, 999,900%] with NPV(r) = 0, or ``None`` with the reason:
    no sign change in the flows, no root in range, or several roots (then ``roots`` lists them;
    choosing one silently would mislead).

    Notes
    -----
    With x = 1/(1+r) the NPV is the polynomial p(x) = sum_t flows[t] x^t. p is evaluated on a
    geometric grid of 160 points in x; each sign change is a bracket, polished by Newton's method
    safeguarded by bisection (Horner's rule in plain floats). A pair of roots closer together
    than one grid cell (about 9% apart in 1+r), or a root of even multiplicity (NPV touches zero
    without crossing), is not seen.

    Examples
    --------
    >>> round(irr(np.array([-100.0, 39, 59, 55, 20])).value, 6)
    0.280948
    >>> irr(np.array([100.0, 10, 10])).reason
    'the cash flows never change sign, so no rate makes the NPV zero'
    >>> r = irr(np.array([-100.0, 230, -132]))
    >>> r.value is None, [round(x, 6) for x in r.roots]
    (True, [0.1, 0.2])
    """
    c = np.asarray(flows, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):  # x^t of a long series can overflow
        powers = (_POWERS[:, :c.size] if c.size <= _POWERS.shape[1]
                  else np.polynomial.polynomial.polyvander(_GRID, c.size - 1))
        values = powers @ c
    # A grid value of exactly 0 counts as non-negative: the cell it bounds on a crossing is
    # still found, and the polish returns that grid point.
    signs = values < 0.0
    cells = np.flatnonzero(signs[1:] != signs[:-1]).tolist()
    coeffs = c.tolist()[::-1]
    roots = tuple(sorted({1.0 / _polish(coeffs, float(_GRID[i]), float(_GRID[i + 1])) - 1.0
                          for i in cells}))
    if len(roots) == 1:
        return IrrResult(roots[0], None, roots)
    if not (c.size and c.max() > 0.0 > c.min()):
        return IrrResult(None, "the cash flows never change sign, so no rate makes the NPV zero")
    if not roots:
        if c[0] != 0.0 and bool(c[0] < 0.0) != bool(signs[0]):
            # p changes sign between x = 0 (r = infinity) and the grid's smallest x.
            return IrrResult(None, "the IRR is above 999,900% a year: the return is so large "
                                   "against the investment that a rate is not meaningful")
        return IrrResult(None, "no rate between -99% and 999,900% a year makes the NPV zero "
                               "(the NPV only touches zero without crossing it)")
    listed = ", ".join(f"{r:.4%}" for r in roots)
    return IrrResult(
        None,
        f"the cash flows change sign more than once and the NPV is zero at several rates "
        f"({listed}), so no single IRR is meaningful; use the NPV",
        roots,
    )


def _one_sign_change(rows: np.ndarray) -> np.ndarray:
    """For each row: are its values finite, and do the non-zero ones change sign exactly once
    (all negative before all positive, or all positive before all negative)?"""
    neg, pos = rows < 0.0, rows > 0.0
    last = rows.shape[1] - 1
    first_neg, first_pos = neg.argmax(axis=1), pos.argmax(axis=1)
    last_neg, last_pos = last - neg[:, ::-1].argmax(axis=1), last - pos[:, ::-1].argmax(axis=1)
    ordered = (last_neg < first_pos) | (last_pos < first_neg)
    one: np.ndarray = np.isfinite(rows).all(axis=1) & neg.any(axis=1) & pos.any(axis=1) & ordered
    return one


def _newton(rows: np.ndarray) -> np.ndarray:
    """Newton's method on p(x) = sum_t c_t x^t from x = 1/1.1 (r = 10%), for every row at once.

    Returns the x where a row converged (``abs(step) <= 1e-15 * x``), NaN where it broke off
    (zero or non-finite derivative or value, x <= 0) or did not converge in 40 steps. With one
    sign change there is exactly one positive root (Descartes), so wherever Newton converges to
    a positive x, that is the root."""
    out = np.full(rows.shape[0], np.nan)
    active = np.arange(rows.shape[0])
    coeffs = rows[:, ::-1].T  # one row per power, highest first
    x = np.full(active.size, 1.0 / 1.1)
    with np.errstate(all="ignore"):  # a row that overflows or divides by zero breaks off
        for _ in range(40):
            p = np.zeros(active.size)
            d = np.zeros(active.size)
            for a in coeffs:
                d = d * x + p
                p = p * x + a
            step = p / d
            x = x - step
            broken = (d == 0.0) | ~np.isfinite(p) | ~np.isfinite(d) | (x <= 0.0)
            converged = ~broken & (np.abs(step) <= 1e-15 * x)
            out[active[converged]] = x[converged]
            going = ~(broken | converged)
            if not going.any():
                break
            active, x, coeffs = active[going], x[going], coeffs[:, going]
    return out


def irr_many(series: Sequence[np.ndarray]) -> list[IrrResult]:
    """The IRR of each of many series at once.

    Series of one length whose flows change sign exactly once are solved together by Newton's
    method as numpy operations across them (about 20 times cheaper per series than :func:`irr`
    for a batch); everything else (several sign changes, a step that breaks off, a root out of
    range) is answered by :func:`irr`. Both find the same root to within 1e-15 of it (the last
    binary digit of the rate can differ).

    >>> [round(r.value, 6) for r in irr_many([np.array([-100.0, 0, 110]),
    ...                                       np.array([-100.0, 0, 121])])]
    [0.048809, 0.1]
    >>> irr_many([np.array([-100.0, 39, 59, 55, 20]), np.array([100.0, 10, 10])])[1].reason
    'the cash flows never change sign, so no rate makes the NPV zero'
    """
    items = [np.asarray(s, dtype=float) for s in series]
    results: list[IrrResult | None] = [None] * len(items)
    by_length: dict[int, list[int]] = {}
    for i, s in enumerate(items):
        by_length.setdefault(s.size, []).append(i)
    for length, where in by_length.items():
        if length < 2:
            continue
        rows = np.array([items[i] for i in where])
        one = _one_sign_change(rows)
        xs = np.full(len(where), np.nan)
        xs[one] = _newton(rows[one])
        for i, x in zip(where, xs.tolist(), strict=True):
            if _X_LO <= x <= _X_HI:
                rate = 1.0 / x - 1.0
                results[i] = IrrResult(rate, None, (rate,))
    return [irr(s) if r is None else r for s, r in zip(items, results, strict=True)]


def payback(flows: np.ndarray) -> float | None:
    """Years until the cumulative flow first comes back to zero or above, interpolated.

    Counting from year 0: once the cumulative has gone negative, payback is the first year t where
    it is >= 0 again, less the part of year t not needed (``(t-1) + -cum[t-1] / flows[t]``,
    flows spread evenly within the year). A cumulative that never goes negative pays back at 0;
    one that never recovers within the flows gives ``None``.

    >>> payback(np.array([-1000.0, 300, 300, 300, 300]))
    3.3333333333333335
    >>> payback(np.array([-1000.0, 100, 100])) is None
    True
    >>> payback(np.array([0.0, 50, 50]))
    0.0
    """
    cum = 0.0
    went_negative = False
    for t, value in enumerate(flows.tolist()):
        previous = cum
        cum += value
        if cum < 0.0:
            went_negative = True
        elif went_negative:  # previous < 0 <= cum, so value > 0
            return (t - 1) + -previous / value
    return None if went_negative else 0.0


def first_positive_year(flows: np.ndarray) -> int | None:
    """First year t >= 1 with ``flows[t] > 0`` (the first saving), or ``None``.

    >>> first_positive_year(np.array([-5.0, -1, 0, 2])), first_positive_year(np.array([1.0, -1]))
    (3, None)
    """
    for t, value in enumerate(flows.tolist()[1:], start=1):
        if value > 0.0:
            return t
    return None


def peak_funding_requirement(flows: np.ndarray) -> float:
    """Deepest cumulative shortfall (undiscounted), as a non-negative amount.

    >>> peak_funding_requirement(np.array([-100.0, -50, 80, 200]))
    150.0
    >>> peak_funding_requirement(np.array([10.0, 5]))
    0.0
    """
    deepest = min(0.0, float(np.cumsum(flows).min())) if flows.size else 0.0
    return 0.0 - deepest  # never -0.0
