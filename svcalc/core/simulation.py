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

Default ranges (when the request gives none for an input) come from the optimism-bias uplifts of
the risk-adjusted view (:func:`svcalc.core.risk.assumptions`, Green Book supplementary guidance:
the stated figure is the optimistic end, the upper bound ``x (1 - mitigation)`` the pessimistic):

* upfront costs: ``[0, U_ra / U - 1]``, the blended uplift on the public upfront costs;
* supplier operating cost: ``[0, u_opex]``, the outsourcing opex uplift (41% at the upper bound);
* public saving: ``[-u_opex, 0]``, a shortfall of up to the same outsourcing uplift (realised
  outsourcing savings fall short of claims; IfG 2019).

Each is triangular with its mode at the stated value, so the stated case is the most likely one
and the risk-adjusted case the worst one. A scenario is *sustainable* for a side when its NPV is
``>= 0``: the test the verdict applies to the risk-adjusted view (``verdict.sustainable``).
"""

from __future__ import annotations

import math

import numpy as np

from svcalc.core import finance
from svcalc.core.flows import Flows
from svcalc.core.model import (
    SIMULATION_INPUTS,
    Histogram,
    InputRange,
    NpvDistribution,
    RiskAssumptions,
    SimulationInput,
    SimulationResult,
)

__all__ = ["default_ranges", "draw", "npvs", "simulate", "summarise"]

#: z of the 90th percentile of the standard normal: a normal range's low/high are its P10/P90.
Z90 = 1.2815515655446004


def default_ranges(assumptions: RiskAssumptions, public_upfront: float) -> dict[str, InputRange]:
    """The ranges implied by the optimism-bias uplifts (module docstring)."""
    opex = assumptions.supplier_operating_cost_uplift
    upfront = (assumptions.public_upfront_costs_risk_adjusted / public_upfront - 1.0
               if public_upfront > 0.0 else 0.0)
    return {
        "public_saving": InputRange(-opex, 0.0),
        "upfront_costs": InputRange(0.0, upfront),
        "supplier_operating_cost": InputRange(0.0, opex),
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
             assumptions: RiskAssumptions) -> SimulationResult:
    """Run the Monte Carlo of ``request`` on the stated flows ``f`` (module docstring).

    Reproducible: the same seed, ranges and proposal give the same result (numpy's PCG64
    generator, inputs drawn in the order of ``SIMULATION_INPUTS``).
    """
    ranges = {**default_ranges(assumptions, f.public_upfront), **request.ranges}
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
