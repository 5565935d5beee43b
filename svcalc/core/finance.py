"""Discounting and investment figures: NPV, IRR, payback, funding need.

Conventions (the same everywhere in svcalc)
-------------------------------------------
* ``flows[0]`` is year 0, the appraisal base year, and is **not** discounted; ``flows[t]`` falls at
  the end of contract year t. This is numpy-financial's ``npv`` convention. Excel's ``NPV()``
  discounts its first value by one period: in a spreadsheet, ``=B1+NPV(r, B2:B11)`` matches
  ``npv`` here.
* Rates are decimal fractions (0.035, not 3.5) and real (base-year prices).
* A figure that does not exist is ``None`` with a reason, never NaN.

This module is the only one in svcalc that may import ``numpy_financial``; the hot path does not
need it (it serves as a reference in tests and benchmarks).
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

import numpy as np

from svcalc.core.records import record
from svcalc.core.reference import stpr_band_rates

__all__ = [
    "IrrResult",
    "discount_factors",
    "flat_discount_factors",
    "first_positive_year",
    "first_positive_year_many",
    "irr",
    "irr_many",
    "npv",
    "payback",
    "payback_many",
    "peak_funding_requirement",
    "peak_funding_requirement_many",
    "real_terms_factors",
    "shared_flat_discount_factors",
    "stpr_discount_factors",
]

#: The IRR search covers rates from -99% ...
IRR_MIN_RATE = -0.99
#: ... to +999,900% a year; a root beyond is reported as out of range, not guessed.
IRR_MAX_RATE = 9999.0

# The IRR is searched in x = 1/(1+r), where NPV is the polynomial sum(c_t x^t). A geometric grid
# in x brackets every sign change; each bracket is then polished by safeguarded Newton.
_X_LO = 1.0 / (1.0 + IRR_MAX_RATE)
_X_HI = 1.0 / (1.0 + IRR_MIN_RATE)
_GRID = np.geomspace(_X_LO, _X_HI, 160)
# x^t for every grid point and t = 0..60 (a 60-year term), built once: evaluating the NPV on
# the whole grid is then one small matrix product.
_POWERS = np.cumprod(np.column_stack([np.ones_like(_GRID)] + [_GRID] * 60), axis=1)
_POWERS.flags.writeable = False
_GRID_LIST: list[float] = _GRID.tolist()


@cache
def stpr_discount_factors(n_years: int) -> np.ndarray:
    """Green Book STPR discount factors for years 0..n_years (cached and read-only: every
    appraisal of the same term shares one array).

    ``DF_t = prod_{y=1..t} 1/(1+r_y)`` with ``r_y`` the rate of the schedule band containing
    year y (3.5% for years 0-30, 3.0% for 31-75, ...).

    >>> df = stpr_discount_factors(50)
    >>> [round(float(df[t]), 4) for t in (0, 1, 10, 30, 31, 50)]
    [1.0, 0.9662, 0.7089, 0.3563, 0.3459, 0.1973]
    """
    rates = stpr_band_rates(max(n_years, 1))[: n_years + 1]
    factors = np.empty(n_years + 1)
    factors[0] = 1.0
    np.cumprod(1.0 / (1.0 + rates[1:]), out=factors[1:])
    factors.flags.writeable = False
    return factors


def flat_discount_factors(n_years: int, rate: float) -> np.ndarray:
    """Discount factors ``(1+rate)^-t`` for years 0..n_years.

    >>> [round(float(f), 6) for f in flat_discount_factors(2, 0.08)]
    [1.0, 0.925926, 0.857339]
    """
    return np.power(1.0 + rate, -np.arange(n_years + 1, dtype=float))


@lru_cache(maxsize=256)
def shared_flat_discount_factors(n_years: int, rate: float) -> np.ndarray:
    """:func:`flat_discount_factors`, cached and read-only (like the STPR factors): appraisals
    with the same term and rate, such as the default 8% cost of capital, share one array."""
    factors = flat_discount_factors(n_years, rate)
    factors.flags.writeable = False
    return factors


def discount_factors(n_years: int, rate: float | None = None) -> np.ndarray:
    """Flat-rate factors if ``rate`` is given, else the Green Book STPR schedule."""
    if rate is None:
        return stpr_discount_factors(n_years)
    return flat_discount_factors(n_years, rate)


def real_terms_factors(n_years: int, inflation: float) -> np.ndarray:
    """Factors that turn nominal year-t money into base-year (year 0) prices: ``(1+i)^-t``.

    Green Book 2022 Table 1 (2% GDP deflator): nominal 1,000 a year is 1,000, 980, 961, 942,
    924, 906 in real terms for years 0..5.

    >>> [round(1000 * float(f)) for f in real_terms_factors(5, 0.02)]
    [1000, 980, 961, 942, 924, 906]
    """
    return flat_discount_factors(n_years, inflation)


def npv(flows: np.ndarray, factors: np.ndarray) -> float:
    """Net present value: ``sum(flows[t] * factors[t])``; year 0 undiscounted.

    Consider an upfront cost of 1,000 and savings of 300 a year for four years at 3.5%:

    >>> round(npv(np.array([-1000.0, 300, 300, 300, 300]), flat_discount_factors(4, 0.035)), 2)
    101.92
    """
    return float(flows.dot(factors))  # np.dot's BLAS call, without its dispatch


@record
class IrrResult:
    """An internal rate of return, or why there is none.

    ``value`` is the IRR when exactly one exists in the searched range; otherwise ``None`` and
    ``reason`` says why. ``roots`` lists every root found (more than one means the IRR is
    ambiguous and must not be reported as a single figure).
    """

    value: float | None
    reason: str | None = None
    roots: tuple[float, ...] = ()


def _polish(coeffs: list[float], lo: float, hi: float, p_lo: float) -> float:
    """Root of p(x) = sum(c_t x^t) in [lo, hi], where p changes sign, by Newton's method kept
    inside the bracket (a step that would leave it bisects instead).

    ``coeffs`` runs from the highest power down (Horner's order); ``p_lo`` is p(lo). Plain
    Python floats: for at most 61 coefficients this beats numpy's per-call overhead.
    """
    lo_negative = p_lo < 0.0
    # First guess by linear interpolation across the bracket (regula falsi).
    p_hi = 0.0
    for a in coeffs:
        p_hi = p_hi * hi + a
    x = lo + (hi - lo) * p_lo / (p_lo - p_hi)
    if not lo < x < hi:
        x = 0.5 * (lo + hi)
    for _ in range(100):
        p = d = 0.0
        for a in coeffs:
            d = d * x + p
            p = p * x + a
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


def _horner(reversed_coeffs: list[float], x: float) -> tuple[float, float]:
    """p(x) and p'(x) for p(x) = sum c_t x^t, given the coefficients highest power first."""
    p = d = 0.0
    for a in reversed_coeffs:
        d = d * x + p
        p = p * x + a
    return p, d


def _single_root(coeffs: list[float]) -> float | None:
    """The one positive root x of sum(c_t x^t) in [_X_LO, _X_HI], or None if it lies outside.

    For flows with exactly one sign change (Descartes: exactly one positive root), which is
    almost every real proposal. Safeguarded Newton from x = 1/1.1 (r = 10%), falling back to
    bisection in log x, which suits a range spanning six orders of magnitude. Plain floats: for
    60 years a numpy call costs more than the whole Horner loop.
    """
    rev = coeffs[::-1]
    # Plain Newton first: with a single positive root, wherever it converges (x > 0) is *the*
    # root, so the range only needs checking afterwards. Typical flows take 4-6 steps.
    x = 1.0 / 1.1
    for _ in range(40):
        f = d = 0.0
        for a in rev:  # Horner's rule for p(x) and p'(x), inlined: this loop is the hot path
            d = d * x + f
            f = f * x + a
        if d == 0.0 or not math.isfinite(f) or not math.isfinite(d):
            break
        step = f / d
        x -= step
        if x <= 0.0:
            break
        if abs(step) <= 1e-15 * x:
            return x if _X_LO <= x <= _X_HI else None
    lo, hi = float(_X_LO), float(_X_HI)
    f_lo = _horner(rev, lo)[0]
    f_hi = _horner(rev, hi)[0]
    if f_lo == 0.0:
        return lo
    if f_hi == 0.0:
        return hi
    negative_lo = f_lo < 0.0
    if negative_lo == (f_hi < 0.0):
        return None
    x = 1.0 / 1.1
    for _ in range(200):
        f, d = _horner(rev, x)
        if f == 0.0:
            return x
        if (f < 0.0) == negative_lo:
            lo = x
        else:
            hi = x
        nxt = x - f / d if d != 0.0 else lo
        if not lo < nxt < hi:
            nxt = math.sqrt(lo * hi)
        if abs(nxt - x) <= 1e-15 * x or hi - lo <= 1e-15 * hi:
            return nxt
        x = nxt
    return x  # pragma: no cover - the log-bracket halves at worst: ~55 steps always suffice


def _one_sign_change(coeffs: list[float]) -> bool:
    """True when the finite flows change sign exactly once (zeros skipped)."""
    if math.inf in coeffs or -math.inf in coeffs:
        return False
    changes, last_negative = 0, None  # the sign of the last non-zero value, None before any
    for value in coeffs:
        if value < 0.0:
            if last_negative is False:
                changes += 1
            last_negative = True
        elif value > 0.0:
            if last_negative:
                changes += 1
            last_negative = False
        elif value != 0.0:  # NaN
            return False
        if changes > 1:
            return False
    return changes == 1


def irr(flows: np.ndarray) -> IrrResult:
    """Internal rate of return of ``flows`` (year 0 first), robustly.

    Returns the unique rate r in (-99%, 999,900%] with NPV(r) = 0, or ``None`` with the reason:
    no sign change in the flows, no root in range, or several roots (then ``roots`` lists them;
    choosing one silently would mislead).

    Notes
    -----
    With x = 1/(1+r) the NPV is the polynomial p(x) = sum_t flows[t] x^t. p is evaluated on a
    geometric grid of 160 points in x (one matrix product with a power table built at import);
    each sign change is a bracket, polished by Newton's method safeguarded by bisection, in plain
    floats (Horner's rule). A pair of roots closer together than one grid cell (about 9% apart in
    1+r), or a root of even multiplicity (NPV touches zero without crossing), is not seen.
    Measured 6-8x faster than ``numpy_financial.irr`` on 10- and 25-year series (bench/).

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
    coeffs = c.tolist()
    # Fast path: one sign change means exactly one root (Descartes), so no grid search is needed.
    # Years beyond 100 could overflow x^t at the range's edge: those take the grid path, as does
    # a root outside the searched range (the grid path says which side it lies).
    if len(coeffs) <= 101 and _one_sign_change(coeffs):
        x = _single_root(coeffs)
        if x is not None:
            rate = float(1.0 / x - 1.0)
            return IrrResult(rate, None, (rate,))
    if c.size <= _POWERS.shape[1]:
        values = _POWERS[:, : c.size] @ c
    else:  # longer than a 60-year term: build the power table for this length
        values = np.cumprod(np.column_stack([np.ones_like(_GRID)] + [_GRID] * (c.size - 1)),
                            axis=1) @ c
    # A grid value of exactly 0 counts as non-negative: the cell it bounds on a crossing is
    # still found, and the polish returns that grid point.
    signs = values < 0.0
    cells = np.flatnonzero(signs[1:] != signs[:-1]).tolist()
    if len(cells) == 1:  # the common case: one crossing
        i = cells[0]
        cl = c.tolist()
        cl.reverse()
        root = 1.0 / _polish(cl, _GRID_LIST[i], _GRID_LIST[i + 1], float(values[i])) - 1.0
        return IrrResult(root, None, (root,))
    if not (c.size and c.max() > 0.0 > c.min()):
        return IrrResult(None, "the cash flows never change sign, so no rate makes the NPV zero")
    cl = c.tolist()
    cl.reverse()
    xs = [_polish(cl, _GRID_LIST[i], _GRID_LIST[i + 1], float(values[i])) for i in cells]
    roots = tuple(sorted({1.0 / x - 1.0 for x in xs}))
    if len(roots) == 1:
        return IrrResult(roots[0], None, roots)
    if not roots:
        if c[0] != 0.0 and bool(c[0] < 0.0) != bool(signs[0]):
            # p changes sign between x = 0 (r = infinity) and the grid's smallest x.
            return IrrResult(None, "the IRR is above 999,900% a year: the return is so large "
                                   "against the investment that a rate is not meaningful")
        return IrrResult(
            None,
            "no rate between -99% and 999,900% a year makes the NPV zero "
            "(the NPV only touches zero without crossing it)",
        )
    listed = ", ".join(f"{r:.4%}" for r in roots)
    return IrrResult(
        None,
        f"the cash flows change sign more than once and the NPV is zero at several rates "
        f"({listed}), so no single IRR is meaningful; use the NPV",
        roots,
    )


#: Fewer series of one length than this take the scalar :func:`irr`: the vectorised Newton phase
#: costs a fixed number of ufunc calls (2 per value per step: ~450 for 26 values and the 8 steps
#: bench/portal.py's flows take), which the scalar loop's ~14 us per series repays from about 30
#: series on (measured break-even: 24-32 series of 26 or 61 values, ~60 of 6 values; the answers
#: are the same either way).
_MIN_VECTOR_ROWS = 32


def _one_sign_change_rows(rows: np.ndarray) -> np.ndarray:
    """:func:`_one_sign_change` for each row of a 2-D array, as a boolean array.

    Zeros are skipped, so the finite non-zero values change sign exactly once when they are all
    negative before all positive, or all positive before all negative (both present). NaN or an
    infinity anywhere is False, as in the scalar test.
    """
    neg = rows < 0.0
    pos = rows > 0.0
    last = rows.shape[1] - 1
    first_neg, first_pos = neg.argmax(axis=1), pos.argmax(axis=1)
    last_neg, last_pos = last - neg[:, ::-1].argmax(axis=1), last - pos[:, ::-1].argmax(axis=1)
    ordered = (last_neg < first_pos) | (last_pos < first_neg)
    out: np.ndarray = (np.isfinite(rows).all(axis=1) & neg.any(axis=1) & pos.any(axis=1)
                       & ordered)
    return out


def _newton_rows(rows: np.ndarray) -> np.ndarray:
    """The plain Newton phase of :func:`_single_root` for every row of a 2-D array at once.

    Returns x where a row's Newton converged (``abs(step) <= 1e-15 * x``), NaN where it broke
    off (zero or non-finite derivative, non-finite value, ``x <= 0``) or did not converge in 40
    steps: those rows need the scalar path's bisection. Each row sees exactly the scalar
    sequence of IEEE operations (one numpy ufunc per Python operator, so no fused multiply-add),
    hence the same x bit for bit; a row stops being iterated once it has converged or broken.
    """
    m, n = rows.shape
    out = np.full(m, np.nan)
    # Horner's state and the coefficients share one flat array of n+2 blocks of one value per
    # row: blocks j, j+1 are (d, f) before coefficient j, block j+2 is that coefficient (highest
    # power first). Step j is then z[j:j+2] * x + z[j+1:j+3] into z[j+1:j+3], which is d*x + f
    # and f*x + a: two 1-D ufunc calls per power on prebuilt views.
    start = np.zeros((n + 2, m))
    start[2:] = rows[:, ::-1].T
    active = np.arange(m)
    x = np.full(m, 1.0 / 1.1)
    built = -1
    multiply, add = np.multiply, np.add
    with np.errstate(all="ignore"):  # the rows that overflow or divide by zero break off
        for _ in range(40):
            k = active.size
            if k != built:  # (re)build for the rows still iterating
                built = k
                flat = start.ravel()
                z = np.empty_like(flat)
                views = [(z[j * k:(j + 2) * k], z[(j + 1) * k:(j + 3) * k]) for j in range(n)]
                product = np.empty(2 * k)
            np.copyto(z, flat)
            xx = np.concatenate((x, x))
            for src, dst in views:
                multiply(src, xx, product)
                add(product, dst, dst)
            d, f = z[n * k:(n + 1) * k], z[(n + 1) * k:]
            broken = (d == 0.0) | ~np.isfinite(f) | ~np.isfinite(d)
            step = f / d
            x = x - step
            broken |= x <= 0.0
            converged = ~broken & (np.abs(step) <= 1e-15 * x)
            out[active[converged]] = x[converged]
            going = ~(broken | converged)
            if not going.any():
                break
            if not going.all():
                active, x, start = active[going], x[going], start[:, going]
    return out


def irr_many(series: np.ndarray | list[np.ndarray]) -> list[IrrResult]:
    """:func:`irr` of many series at once: ``[irr(s) for s in series]``, bit for bit.

    ``series`` is a 2-D array (one series per row) or a list of 1-D arrays of any lengths. Series
    of the same length with exactly one sign change run the fast path's Newton iteration as
    numpy column operations across all of them; each converged root gets :func:`irr`'s range
    check and result. Everything else (several sign changes, a Newton step that breaks off, a
    root out of range, more than 101 values, too few series of that length) goes through
    :func:`irr` itself.

    >>> [round(r.value, 6) for r in irr_many(np.array([[-100.0, 0, 110], [-100.0, 0, 121]]))]
    [0.048809, 0.1]
    >>> irr_many([np.array([-100.0, 39, 59, 55, 20]), np.array([100.0, 10, 10])])[1].reason
    'the cash flows never change sign, so no rate makes the NPV zero'
    """
    if isinstance(series, np.ndarray) and series.ndim == 2:
        matrix: np.ndarray | None = np.asarray(series, dtype=float)
        items: list[np.ndarray] = list(matrix)
        groups = {matrix.shape[1:]: range(len(items))}
    else:
        matrix = None
        items = [np.asarray(s, dtype=float) for s in series]
        groups = {}
        for i, s in enumerate(items):
            groups.setdefault(s.shape, []).append(i)
    results: list[IrrResult] = [None] * len(items)  # type: ignore[list-item]  # all filled
    for shape, where in groups.items():
        if len(where) < _MIN_VECTOR_ROWS or len(shape) != 1 or not 2 <= shape[0] <= 101:
            for i in where:
                results[i] = irr(items[i])
            continue
        if matrix is not None:
            rows = matrix
        else:  # one concatenate: cheaper than np.stack's per-array checks
            rows = np.concatenate([items[i] for i in where]).reshape(len(where), shape[0])
        fast = _one_sign_change_rows(rows)
        xs = np.full(len(where), np.nan)
        xs[fast] = _newton_rows(rows[fast])
        # _single_root's range check (NaN, no convergence, fails it too) and irr's rate.
        found = ((xs >= _X_LO) & (xs <= _X_HI)).tolist()
        with np.errstate(all="ignore"):
            rates = (1.0 / xs - 1.0).tolist()
        for i, ok, rate in zip(where, found, rates, strict=True):
            results[i] = IrrResult(rate, None, (rate,)) if ok else irr(items[i])
    return results


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
    # A plain loop: for at most 61 years it is several times faster than numpy's calls.
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
    cum = deepest = 0.0
    for value in flows.tolist():
        cum += value
        if cum < deepest:  # min(deepest, cum), without a call per year
            deepest = cum
    return 0.0 - deepest  # never -0.0


# --------------------------------------------------------------------------- many series at once
# The figures above for every row of a 2-D array (one series per row), as numpy operations across
# the rows: the same floats as the scalar function of each row. The cumulative flow is np.cumsum
# along the row, which adds left to right as the scalar loops do; it can differ from theirs only
# in the sign of a zero (they start from 0.0, cumsum from the first value), which no comparison
# and no result below can tell. Like the scalar loops (Python floats), they never warn: an
# overflow to infinity or a NaN is an answer here, as there.


def payback_many(rows: np.ndarray) -> list[float | None]:
    """:func:`payback` of each row of a 2-D array, bit for bit.

    The scalar loop returns at the first year t after the cumulative first went negative where
    it is no longer negative (``not cum < 0``: NaN counts, as there), with the same
    interpolation ``(t - 1) + -cum[t-1] / flows[t]``; 0.0 when it never goes negative, ``None``
    when it never comes back.

    >>> payback_many(np.array([[-1000.0, 300, 300, 300, 300], [-1000.0, 100, 100, 100, 100],
    ...                        [0.0, 50, 50, 50, 50]]))
    [3.3333333333333335, None, 0.0]
    """
    k, n = rows.shape
    if k == 0 or n == 0:
        return [0.0] * k
    with np.errstate(all="ignore"):
        cum = np.cumsum(rows, axis=1)
    negative = cum < 0.0
    went = negative.any(axis=1)
    first_negative = negative.argmax(axis=1)
    # the first year after the first negative one that is not negative
    back = ~negative
    back &= np.arange(n) > first_negative[:, None]
    recovered = back.any(axis=1)
    t = back.argmax(axis=1)
    at = np.flatnonzero(recovered)
    ta = t[at]
    with np.errstate(all="ignore"):
        value = (ta - 1).astype(float) + -cum[at, ta - 1] / rows[at, ta]
    out: list[float | None] = [None] * k
    for i, v in zip(at.tolist(), value.tolist(), strict=True):
        out[i] = v
    for i in np.flatnonzero(~went).tolist():
        out[i] = 0.0
    return out


def peak_funding_requirement_many(rows: np.ndarray) -> list[float]:
    """:func:`peak_funding_requirement` of each row of a 2-D array, bit for bit.

    The scalar loop keeps the deepest cumulative below 0.0; a NaN cumulative never compares,
    and every one after it is NaN too, so ``np.fmin`` (which skips NaN) finds the same depth.

    >>> peak_funding_requirement_many(np.array([[-100.0, -50, 80, 200], [10.0, 5, 0, 0]]))
    [150.0, 0.0]
    """
    k, n = rows.shape
    if n == 0:
        return [0.0] * k
    with np.errstate(all="ignore"):
        deepest = np.fmin(np.fmin.reduce(np.cumsum(rows, axis=1), axis=1), 0.0)
    return (0.0 - deepest).tolist()


def first_positive_year_many(rows: np.ndarray) -> list[int | None]:
    """:func:`first_positive_year` of each row of a 2-D array.

    >>> first_positive_year_many(np.array([[-5.0, -1, 0, 2], [1.0, -1, 0, 0]]))
    [3, None]
    """
    if rows.shape[1] < 2:
        return [None] * rows.shape[0]
    positive = rows[:, 1:] > 0.0
    found = positive.any(axis=1).tolist()
    first = (positive.argmax(axis=1) + 1).tolist()
    return [t if ok else None for t, ok in zip(first, found, strict=True)]
