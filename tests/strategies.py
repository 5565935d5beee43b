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
