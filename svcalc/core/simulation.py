"""Monte Carlo risk: both sides' NPVs over uncertain key inputs (DESIGN.md 4.7, issue 7).

The simulation varies the same inputs as the switching values
(:func:`svcalc.core.sensitivity.levers`), each as a relative change ``x`` of its stated value,
drawn independently per scenario:

* ``public_saving`` scales the public net saving of every contract year by ``1 + x``;
* ``upfront_costs`` scales the public upfront costs (year 0) by ``1 + x``;
* ``supplier_operating_cost`` adds ``x`` times the stated operating cost to the supplier's costs.

Scenario ``i`` is one row of an ``iterations x inputs`` matrix of draws; as every input scales a
fixed flow vector, both NPVs are one matrix-vector product of that matrix with the inputs'
discounted flows (Green Book STPR or the flat public rate; the supplier's cost of capital), so
the whole run is a handful of array operations (:func:`npvs`).

Default ranges (when the request gives none for an input) run from the risk-adjusted view of
DESIGN.md 4.6 (:mod:`svcalc.core.risk`) to the figures as stated:

* public saving: ``[S_ra / S - 1, 0]``, where ``S`` is the PV of the stated yearly savings and
  ``S_ra`` that of the risk-adjusted view's (its uplifts, delays and the savings banked only up
  to the evidence);
* upfront costs: ``[0, U_ra / U - 1]``, the uplifts (and contingency) on the public upfront
  costs;
* supplier operating cost: ``[0, +20%]``, the second step of the supplier's cost-overrun stress
  test (``supplier_stress.simulation_high``; +41% is its extreme, not its range).

Each is triangular with its mode at the stated value, so the stated case is the most likely one
and the risk-adjusted case the worst one. A scenario is *sustainable* for a side when its NPV is
``>= 0``: the test the verdict applies to the risk-adjusted view (``verdict.sustainable``).
"""

from __future__ import annotations

import math

import numpy as np

from svcalc.core import finance
from svcalc.core.flows import Flows, public_net
from svcalc.core.model import (
    SIMULATION_INPUTS,
    Histogram,
    InputRange,
    NpvDistribution,
    SimulationInput,
    SimulationResult,
)
from svcalc.core.reference import REFERENCE
from svcalc.core.risk import RiskFigures

__all__ = ["default_ranges", "draw", "npvs", "simulate", "summarise"]

#: z of the 90th percentile of the standard normal: a normal range's low/high are its P10/P90.
Z90 = 1.2815515655446004


def default_ranges(f: Flows, public: np.ndarray, ra: RiskFigures) -> dict[str, InputRange]:
    """The ranges from the risk-adjusted view ``ra`` to the stated flows ``f`` (module
    docstring); ``public`` is the stated public net flow, years 0..T."""
    saving = finance.npv(public[1:], f.public_factors[1:])
    saving_ra = finance.npv(public_net(ra.flows)[1:], ra.flows.public_factors[1:])
    shortfall = min(0.0, max(-1.0, saving_ra / saving - 1.0)) if saving > 0.0 else 0.0
    upfront = (ra.flows.public_upfront / f.public_upfront - 1.0 if f.public_upfront > 0.0
               else 0.0)
    return {
        "public_saving": InputRange(shortfall, 0.0),
        "upfront_costs": InputRange(0.0, upfront),
        "supplier_operating_cost": InputRange(
            0.0, REFERENCE["supplier_stress"]["simulation_high"]),
    }


def draw(rng: np.random.Generator, r: InputRange, n: int) -> np.ndarray:
    """``n`` relative changes from the range ``r`` (a zero-width range gives its one value)."""
    if r.high == r.low:
        return np.full(n, r.low)
    if r.distribution == "uniform":
        return rng.uniform(r.low, r.high, n)
    if r.distribution == "normal":
        mean = 0.5 * (r.low + r.high)
        return rng.normal(mean, (r.high - r.low) / (2.0 * Z90), n)
    mode = min(max(0.0, r.low), r.high)
    return rng.triangular(r.low, mode, r.high, n)


def npvs(f: Flows, public: np.ndarray, supplier: np.ndarray,
         x: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Both sides' NPVs for the scenarios ``x`` (input name -> relative changes, one per row).

    ``public`` / ``supplier`` are the stated net flows, years 0..T. Every lever scales a fixed
    flow vector, so each NPV is affine in the draws: ``NPV_i = NPV_0 + sum_k x_ik g_k`` with
    ``g_k`` the discounted value of the flows lever ``k`` scales (the same slopes as the switching
    values). That is exactly discounting the ``iterations x years`` matrix of flows
    (bench/portal.py checks it against a per-scenario numpy-financial loop), at the cost of a
    few array operations.
    """
    pdf, sdf = f.public_factors, f.supplier_factors
    saving_pv = finance.npv(public[1:], pdf[1:])
    upfront_pv = float(public[0])  # year 0 is not discounted
    opex_pv = finance.npv(f.supplier_opex, sdf[1:])
    pub_npv = (finance.npv(public, pdf) + x["public_saving"] * saving_pv
               + x["upfront_costs"] * upfront_pv)
    sup_npv = finance.npv(supplier, sdf) - x["supplier_operating_cost"] * opex_pv
    return pub_npv, sup_npv


def _distribution(values: np.ndarray, bins: int) -> NpvDistribution:
    p10, p50, p90 = np.percentile(values, (10.0, 50.0, 90.0)).tolist()
    try:
        counts, edges = np.histogram(values, bins=bins)
    except ValueError:
        # A range too narrow to split into finite bins (all NPVs equal to a denormal): centre
        # one unit-wide span on the values instead.
        lo, hi = float(values.min()), float(values.max())
        counts, edges = np.histogram(values, bins=np.linspace(lo - 0.5, hi + 0.5, bins + 1))
    return NpvDistribution(
        p10=p10, p50=p50, p90=p90, mean=float(values.mean()),
        probability_negative=float(np.count_nonzero(values < 0.0)) / values.size,
        histogram=Histogram(edges=edges.tolist(), counts=counts.tolist()),
    )


def summarise(pub_npv: np.ndarray, sup_npv: np.ndarray, bins: int) -> tuple[
        NpvDistribution, NpvDistribution, float]:
    """Percentiles, loss probabilities and histograms of both NPVs, and the share of scenarios
    in which both sides are sustainable (NPV >= 0, as ``verdict.sustainable``)."""
    both = float(np.count_nonzero((pub_npv >= 0.0) & (sup_npv >= 0.0))) / pub_npv.size
    return _distribution(pub_npv, bins), _distribution(sup_npv, bins), both


def simulate(f: Flows, public: np.ndarray, supplier: np.ndarray, request: SimulationInput,
             ra: RiskFigures) -> SimulationResult:
    """Run the Monte Carlo of ``request`` on the stated flows ``f`` (module docstring).

    Reproducible: the same seed, ranges and proposal give the same result (numpy's PCG64
    generator, inputs drawn in the order of ``SIMULATION_INPUTS``).
    """
    ranges = {**default_ranges(f, public, ra), **request.ranges}
    rng = np.random.default_rng(request.seed)
    n = request.iterations
    x = {name: draw(rng, ranges[name], n) for name in SIMULATION_INPUTS}
    pub_npv, sup_npv = npvs(f, public, supplier, x)
    if not (np.isfinite(pub_npv).all() and np.isfinite(sup_npv).all()):  # pragma: no cover
        raise ArithmeticError("a simulated NPV is not finite")  # bounded inputs: cannot happen
    pub_d, sup_d, both = summarise(pub_npv, sup_npv, request.bins)
    return SimulationResult(
        iterations=n, seed=request.seed, ranges={k: ranges[k] for k in SIMULATION_INPUTS},
        public_npv=pub_d, supplier_npv=sup_d, probability_both_sustainable=both,
    )


def normal_cdf(z: float) -> float:
    """Phi(z), for the closed-form checks in the docs and tests.

    >>> round(normal_cdf(0.0), 12), round(normal_cdf(Z90), 12)
    (0.5, 0.9)
    """
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
