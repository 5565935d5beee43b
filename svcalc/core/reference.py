"""The versioned reference data (``reference.json``): every figure with its source.

Loaded once at import; the data is read-only and shared by every appraisal.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["REFERENCE", "stpr_rate"]

REFERENCE: dict[str, Any] = json.loads(
    resources.files("svcalc.core").joinpath("reference.json").read_text("utf-8"))


def stpr_rate(year: int) -> float:
    """The Green Book STPR that discounts year ``year`` back to year ``year - 1``.

    >>> stpr_rate(1), stpr_rate(30), stpr_rate(31), stpr_rate(76), stpr_rate(301)
    (0.035, 0.035, 0.03, 0.025, 0.01)
    """
    for band in REFERENCE["stpr"]["bands"]:
        if band["from_year"] <= year and (band["to_year"] is None or year <= band["to_year"]):
            rate: float = band["rate"]
            return rate
    raise ValueError(f"no STPR band holds year {year}")
