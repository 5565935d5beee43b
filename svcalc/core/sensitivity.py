"""Sensitivity: switching values (by root-finding) and the tornado table (DESIGN.md 4.7).

A *switching value* is "the value a key input variable would need to take for a proposed
intervention to switch from a recommended option ... or for a proposal not to receive funding
approval" (Green Book 2022, 5.60). svcalc reports it as the relative change of one input, all else
as stated, that brings the NPV that input drives to zero: ``-0.23`` means "a 23% fall".

Each input is a :class:`Lever`: the NPV at the stated value, and a function giving the NPV with the
input scaled by ``1 + x``. Where the NPV is affine in ``x`` (every input of the engine today) the
lever also carries the slope, so the root is the closed form ``-npv / slope``, checked by evaluating
the lever there; a lever without a slope (or whose check fails) is solved by a bracketing
root-finder on ``[-100%, +1,000%]``. No grid is searched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from svcalc.core import finance
from svcalc.core.flows import Flows
from svcalc.core.model import Sensitivity, SwitchingValue, TornadoRow
from svcalc.core.reference import REFERENCE

__all__ = ["LEVERS", "Lever", "analyse", "find_root", "levers", "switching_value"]

_SETTINGS = REFERENCE["sensitivity"]
#: The tornado steps, -20%, -10%, +10%, +20% (DESIGN.md 4.7).
STEPS: tuple[float, ...] = tuple(_SETTINGS["tornado_steps"])
if STEPS != (-0.2, -0.1, 0.1, 0.2):  # pragma: no cover - the table's columns are named so
    raise AssertionError("reference.json sensitivity.tornado_steps must be -20%, -10%, +10%, +20%")
#: A switching value is searched from -100% (the input removed) to +1,000%.
SEARCH_LO, SEARCH_HI = (float(v) for v in _SETTINGS["switching_search_range"])


@dataclass(frozen=True, slots=True)
class Lever:
    """One key input: its name, where it is in the request, the NPV it drives and how.

    ``evaluate(x)`` is that NPV with the input scaled by ``1 + x``; ``slope`` is ``dNPV/dx`` when
    the NPV is affine in ``x`` (``None`` otherwise); ``noun`` names the input in a sentence.
    """

    input: str
    field: str
    side: str
    noun: str
    npv: float
    evaluate: Callable[[float], float]
    slope: float | None = None


def find_root(g: Callable[[float], float], lo: float, hi: float,
              xtol: float = 1e-12, maxiter: int = 200) -> float | None:
    """A root of ``g`` in ``[lo, hi]`` by the Illinois method (regula falsi kept bracketing).

    Returns ``None`` when ``g`` has the same sign at both ends (no bracketed root).

    >>> round(find_root(lambda x: x**3 - 2.0, 0.0, 2.0), 12)
    1.259921049895
    >>> find_root(lambda x: x * x + 1.0, -1.0, 1.0) is None
    True
    """
    f_lo, f_hi = g(lo), g(hi)
    if f_lo == 0.0:
        return lo
    if f_hi == 0.0:
        return hi
    if (f_lo < 0.0) == (f_hi < 0.0):
        return None
    side = 0
    x = lo
    for _ in range(maxiter):
        x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        fx = g(x)
        if fx == 0.0 or hi - lo <= xtol * max(1.0, abs(x)):
            return x
        if (fx < 0.0) == (f_hi < 0.0):
            hi, f_hi = x, fx
            if side == -1:
                f_lo *= 0.5
            side = -1
        else:
            lo, f_lo = x, fx
            if side == 1:
                f_hi *= 0.5
            side = 1
    return x  # pragma: no cover - Illinois converges well within maxiter on a bracket


def _reason(noun: str, side: str, below: bool) -> str:
    """Why a lever has no switching value in the search range (``below``: its root is under
    -100%, so even removing the input keeps the NPV's sign)."""
    if below:
        return (f"no cut in {noun} switches the decision: the {side} NPV keeps its sign even "
                f"with {noun} removed")
    return f"no change of {noun} between -100% and +1,000% brings the {side} NPV to zero"


def switching_value(lever: Lever) -> SwitchingValue:
    """The relative change of ``lever``'s input that brings its NPV to zero, or ``None`` + why."""
    x: float | None
    reason = None
    if lever.slope == 0.0:
        x = None
        reason = (f"the {lever.side} NPV does not depend on {lever.noun}, so no change of it "
                  "switches the decision")
    elif lever.slope is not None:
        x = -lever.npv / lever.slope
        # The closed form assumes the NPV is affine in the input; check it where it matters.
        if SEARCH_LO <= x <= SEARCH_HI and abs(lever.evaluate(x)) > 1e-9 * max(
                1.0, abs(lever.npv), abs(lever.slope)):
            x = find_root(lever.evaluate, SEARCH_LO, SEARCH_HI)
    else:
        x = find_root(lever.evaluate, SEARCH_LO, SEARCH_HI)
    if reason is None and not (x is not None and SEARCH_LO <= x <= SEARCH_HI):
        reason = _reason(lever.noun, lever.side, x is not None and x < SEARCH_LO)
        x = None
    return SwitchingValue(input=lever.input, field=lever.field, side=lever.side, npv=lever.npv,
                          switching_value=x, reason=reason)


def _tornado(lever: Lever) -> TornadoRow:
    if lever.slope is not None:
        points = [lever.npv + lever.slope * step for step in STEPS]
    else:
        points = [lever.evaluate(step) for step in STEPS]
    m20, m10, p10, p20 = points
    return TornadoRow(input=lever.input, field=lever.field, side=lever.side, npv_minus_20=m20,
                      npv_minus_10=m10, npv_base=lever.npv, npv_plus_10=p10, npv_plus_20=p20,
                      swing=abs(p20 - m20))


def analyse(all_levers: Sequence[Lever]) -> Sensitivity:
    """Switching values for every lever, and the tornado table sorted by swing (widest first)."""
    tornado = sorted((_tornado(lv) for lv in all_levers), key=lambda row: -row.swing)
    return Sensitivity(switching_values=[switching_value(lv) for lv in all_levers],
                       tornado=tornado)


def _opex_years(f: Flows) -> np.ndarray:
    """The supplier's operating cost, years 0..T (none in year 0)."""
    return np.concatenate(([0.0], f.supplier_opex))


#: The engine's key inputs, in :func:`levers`' order: input, field, side and noun of each.
LEVERS: tuple[tuple[str, str, str, str], ...] = (
    ("public_saving", "#/public/annual_payment", "public", "the annual public saving"),
    ("upfront_costs", "#/public/upfront_costs", "public", "the public upfront costs"),
    ("supplier_operating_cost", "#/supplier/annual_operating_cost", "supplier",
     "the supplier's operating cost"),
)


def levers(f: Flows, public: np.ndarray, supplier: np.ndarray,
           public_npv: float, supplier_npv: float) -> list[Lever]:
    """The engine's key inputs (stated view): the public saving, the public upfront costs and
    the supplier's operating cost. ``public`` / ``supplier`` are the net flows, years 0..T.

    The public NPV is ``-U + sum_t DF_t s_t`` with ``s_t`` the yearly saving and ``U`` the upfront
    costs, and the supplier's is ``-I + sum_t DF'_t (revenue_t - opex_t - contact_t)``; each is
    affine in a scaled input, with slopes ``PV(s)``, ``-U`` and ``-PV'(opex)``.
    """
    pdf, sdf = f.public_factors, f.supplier_factors
    opex = _opex_years(f)
    upfront = float(public[0])

    def saving_npv(x: float) -> float:
        net = public * (1.0 + x)
        net[0] = upfront
        return finance.npv(net, pdf)

    def upfront_npv(x: float) -> float:
        net = public.copy()
        net[0] = upfront * (1.0 + x)
        return finance.npv(net, pdf)

    def opex_npv(x: float) -> float:
        return finance.npv(supplier - x * opex, sdf)

    saving, upfront_costs, opex_cost = LEVERS
    return [
        Lever(*saving, npv=public_npv, evaluate=saving_npv, slope=public_npv - upfront),
        Lever(*upfront_costs, npv=public_npv, evaluate=upfront_npv, slope=upfront),
        Lever(*opex_cost, npv=supplier_npv, evaluate=opex_npv, slope=-finance.npv(opex, sdf)),
    ]
