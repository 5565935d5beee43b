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

import numpy as np

from svcalc.core.appraisal import Flows
from svcalc.core.model import Sensitivity, SwitchingValue, TornadoRow
from svcalc.core.records import record
from svcalc.core.reference import REFERENCE

__all__ = ["LEVERS", "Lever", "analyse", "closed_forms", "find_root", "levers", "switching_value"]

_SETTINGS = REFERENCE["sensitivity"]
#: The tornado steps, -20%, -10%, +10%, +20% (DESIGN.md 4.7).
STEPS = np.array(_SETTINGS["tornado_steps"], dtype=float)
_STEPS: tuple[float, ...] = tuple(STEPS.tolist())
if _STEPS != (-0.2, -0.1, 0.1, 0.2):  # pragma: no cover - the table's columns are named so
    raise AssertionError("reference.json sensitivity.tornado_steps must be -20%, -10%, +10%, +20%")
_M20, _M10, _P10, _P20 = _STEPS
#: A switching value is searched from -100% (the input removed) to +1,000%.
SEARCH_LO, SEARCH_HI = (float(v) for v in _SETTINGS["switching_search_range"])


@record
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
    #: ``evaluate(-npv / slope)`` when the caller has it (appraise_many works it out for many
    #: proposals at once), else None: worked out here when needed.
    check: float | None = None


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
    if lever.slope is not None:
        if lever.slope == 0.0:
            return SwitchingValue(lever.input, lever.field, lever.side, lever.npv, None,
                                  f"the {lever.side} NPV does not depend on {lever.noun}, "
                                  "so no change of it switches the decision")
        x = -lever.npv / lever.slope
        # The closed form assumes the NPV is affine in the input; check it where it matters.
        if SEARCH_LO <= x <= SEARCH_HI and abs(
                lever.evaluate(x) if lever.check is None else lever.check
        ) > 1e-9 * max(1.0, abs(lever.npv), abs(lever.slope)):
            x = find_root(lever.evaluate, SEARCH_LO, SEARCH_HI)
    else:
        x = find_root(lever.evaluate, SEARCH_LO, SEARCH_HI)
    if x is not None and SEARCH_LO <= x <= SEARCH_HI:
        return SwitchingValue(lever.input, lever.field, lever.side, lever.npv, x, None)
    return SwitchingValue(lever.input, lever.field, lever.side, lever.npv, None,
                          _reason(lever.noun, lever.side, x is not None and x < SEARCH_LO))


def _tornado(lever: Lever) -> TornadoRow:
    # Four points: plain floats are cheaper than a numpy round trip.
    npv, slope = lever.npv, lever.slope
    if slope is not None:
        m20, m10, p10, p20 = (npv + slope * _M20, npv + slope * _M10,
                              npv + slope * _P10, npv + slope * _P20)
    else:
        m20, m10, p10, p20 = (lever.evaluate(s) for s in _STEPS)
    return TornadoRow(lever.input, lever.field, lever.side, m20, m10, npv, p10, p20,
                      abs(p20 - m20))


def _widest_first(row: TornadoRow) -> float:
    return -row.swing


def analyse(all_levers: Sequence[Lever]) -> Sensitivity:
    """Switching values for every lever, and the tornado table sorted by swing (widest first)."""
    tornado = [_tornado(lv) for lv in all_levers]
    tornado.sort(key=_widest_first)
    return Sensitivity(switching_values=[switching_value(lv) for lv in all_levers],
                       tornado=tornado)


def _opex_years(f: Flows) -> np.ndarray:
    """The supplier's operating cost, years 0..T (none in year 0)."""
    opex = np.empty(f.term_years + 1)
    opex[0] = 0.0
    opex[1:] = f.supplier_opex
    return opex


#: The engine's key inputs, in :func:`levers`' order: input, field, side and noun of each.
LEVERS: tuple[tuple[str, str, str, str], ...] = (
    ("public_saving", "#/public/annual_payment", "public", "the annual public saving"),
    ("upfront_costs", "#/public/upfront_costs", "public", "the public upfront costs"),
    ("supplier_operating_cost", "#/supplier/annual_operating_cost", "supplier",
     "the supplier's operating cost"),
)


def levers(f: Flows, public: np.ndarray, supplier: np.ndarray,
           public_npv: float, supplier_npv: float, opex_pv: float | None = None,
           checks: tuple[float, float, float] | None = None) -> list[Lever]:
    """The engine's key inputs (stated view): the public saving, the public upfront costs and
    the supplier's operating cost. ``public`` / ``supplier`` are the net flows, years 0..T.

    The public NPV is ``-U + sum_t DF_t s_t`` with ``s_t`` the yearly saving and ``U`` the upfront
    costs, and the supplier's is ``-I + sum_t DF'_t (revenue_t - opex_t - contact_t)``; each is
    affine in a scaled input, with slopes ``PV(s)``, ``-U`` and ``-PV'(opex)``.

    ``opex_pv`` (``PV'(opex)``) and ``checks`` (each lever's NPV at its closed-form switching
    value) are given by ``appraise_many``, which works them out for many proposals at once.
    """
    pdf, sdf = f.public_factors, f.supplier_factors
    opex = None if opex_pv is not None else _opex_years(f)
    upfront = public.item(0)
    # ndarray.dot is np.dot (the same BLAS call) without numpy's dispatch.

    def saving_npv(x: float) -> float:
        net = public * (1.0 + x)
        net[0] = upfront
        return float(net.dot(pdf))

    def upfront_npv(x: float) -> float:
        net = public.copy()
        net[0] = upfront * (1.0 + x)
        return float(net.dot(pdf))

    def opex_npv(x: float) -> float:
        return float((supplier - x * (_opex_years(f) if opex is None else opex)).dot(sdf))

    if opex is not None:
        opex_pv = float(opex.dot(sdf))
    c_saving, c_upfront, c_opex = (None, None, None) if checks is None else checks
    saving, upfront_costs, opex_cost = LEVERS
    return [
        Lever(*saving, public_npv, saving_npv, public_npv - upfront, c_saving),
        Lever(*upfront_costs, public_npv, upfront_npv, upfront, c_upfront),
        Lever(*opex_cost, supplier_npv, opex_npv, -opex_pv, c_opex),
    ]


#: The reasons of :func:`switching_value` for each of :data:`LEVERS` (no switching value: its
#: root below the range, or none in it), worked out once.
_REASONS: tuple[tuple[str, str], ...] = tuple(
    (_reason(noun, side, True), _reason(noun, side, False)) for _, _, side, noun in LEVERS)

#: A lever's switching value in :func:`closed_forms`: in the search range, below it, neither.
IN_RANGE, BELOW, OUTSIDE = 0, 1, 2


def closed_forms(public_npv: float, supplier_npv: float, xs: Sequence[float],
                 kinds: Sequence[int], points: Sequence[tuple[float, float, float, float, float]],
                 order: Sequence[int]) -> Sensitivity:
    """``analyse(levers(...))`` from figures worked out elsewhere (``appraise_many``, for many
    proposals at once), for a proposal each of whose levers has a non-zero slope and a
    closed-form root that needs no search (its check passes, or it lies outside the range).

    For each of :data:`LEVERS`, in order: ``xs`` its ``-npv / slope``; ``kinds`` where that is
    (:data:`IN_RANGE`: the switching value; :data:`BELOW` / :data:`OUTSIDE`: none, and why);
    ``points`` its tornado row's NPVs at -20%, -10%, +10%, +20% and its swing. ``order``: the
    tornado rows widest swing first (a stable sort), as :func:`analyse` sorts them."""
    # the three levers written out (LEVERS' order): no loop machinery for three records each
    (n0, f0, s0, _), (n1, f1, s1, _), (n2, f2, s2, _) = LEVERS
    x0, x1, x2 = xs
    k0, k1, k2 = kinds
    (a0, b0, c0, d0, w0), (a1, b1, c1, d1, w1), (a2, b2, c2, d2, w2) = points
    switching = [
        SwitchingValue(n0, f0, s0, public_npv, x0, None) if k0 == IN_RANGE
        else SwitchingValue(n0, f0, s0, public_npv, None, _REASONS[0][k0 - 1]),
        SwitchingValue(n1, f1, s1, public_npv, x1, None) if k1 == IN_RANGE
        else SwitchingValue(n1, f1, s1, public_npv, None, _REASONS[1][k1 - 1]),
        SwitchingValue(n2, f2, s2, supplier_npv, x2, None) if k2 == IN_RANGE
        else SwitchingValue(n2, f2, s2, supplier_npv, None, _REASONS[2][k2 - 1]),
    ]
    rows = (TornadoRow(n0, f0, s0, a0, b0, public_npv, c0, d0, w0),
            TornadoRow(n1, f1, s1, a1, b1, public_npv, c1, d1, w1),
            TornadoRow(n2, f2, s2, a2, b2, supplier_npv, c2, d2, w2))
    return Sensitivity(switching, [rows[i] for i in order])  # switching values, tornado
