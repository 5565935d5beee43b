"""The versioned reference data (``reference.json``): every figure with its source.

Loaded once at import; the data is read-only and shared by every appraisal.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

__all__ = ["REFERENCE", "load_reference", "stpr_band_rates", "vfm_category"]


@cache
def load_reference() -> dict[str, Any]:
    """Return the packaged reference data as a dict (parsed once, then cached)."""
    text = resources.files("svcalc.core").joinpath("reference.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


REFERENCE = load_reference()


@cache
def stpr_band_rates(max_year: int = 400) -> np.ndarray:
    """Annual STPR for years 0..max_year from the reference schedule.

    ``rates[y]`` is the rate applied to discount year y back to year y-1.

    >>> r = stpr_band_rates()
    >>> float(r[1]), float(r[30]), float(r[31]), float(r[76]), float(r[301])
    (0.035, 0.035, 0.03, 0.025, 0.01)
    """
    rates = np.empty(max_year + 1)
    for band in REFERENCE["stpr"]["bands"]:
        end = max_year if band["to_year"] is None else min(band["to_year"], max_year)
        rates[band["from_year"] : end + 1] = band["rate"]
    rates.flags.writeable = False
    return rates


def vfm_category(bcr: float | None) -> str | None:
    """DfT value-for-money category of a benefit-cost ratio (context, never a verdict).

    Bands are half-open, lower bound included: a BCR of exactly 1.5 is ``medium``.

    >>> vfm_category(0.9), vfm_category(1.0), vfm_category(1.5), vfm_category(4.0)
    ('poor', 'low', 'medium', 'very_high')
    >>> vfm_category(None) is None
    True
    """
    if bcr is None:
        return None
    if _VFM_LOWS is not None and bcr == bcr:  # contiguous bands: the one band holding bcr
        return _VFM_CATEGORIES[bisect_right(_VFM_LOWS, bcr)]
    for lo, hi, category in _VFM_BANDS:
        if (lo is None or bcr >= lo) and (hi is None or bcr < hi):
            return category
    raise AssertionError("VfM bands must cover every real BCR")  # pragma: no cover


#: The value-for-money bands as (min_bcr, max_bcr, category), in reference order, read once.
_VFM_BANDS: tuple[tuple[float | None, float | None, str], ...] = tuple(
    (band["min_bcr"], band["max_bcr"], band["category"])
    for band in REFERENCE["vfm_categories"]["bands"])
_VFM_CATEGORIES: tuple[str, ...] = tuple(category for _, _, category in _VFM_BANDS)


def _contiguous_lows() -> list[float] | None:
    """The lower bounds of the bands after the first, when the bands tile the line in order
    (the first open below, the last open above, each ending where the next begins): then the
    band holding a BCR is the one bisect finds, as the scan above would. None otherwise."""
    bands = _VFM_BANDS
    if not bands or bands[0][0] is not None or bands[-1][1] is not None:
        return None
    lows = [lo for lo, _, _ in bands[1:]]
    for (_, hi, _), lo in zip(bands, lows, strict=False):
        if hi is None or lo is None or hi != lo:
            return None
    if any(not a < b for a, b in zip(lows, lows[1:], strict=False)):
        return None
    return lows


_VFM_LOWS: list[float] | None = _contiguous_lows()
