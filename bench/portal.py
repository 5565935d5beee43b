"""Portal benchmarks (issue 7, DESIGN.md section 11): ratios measured in one run.

1. Batch vs single: N distinct proposals as N POST /v1/appraisals calls vs one POST
   /v1/appraisals/batch, both in-process through Flask's test client (WSGI, no sockets: the
   ratio compares the per-request work the batch saves, not network cost).
2. Monte Carlo 10,000 scenarios x 30 years, both sides: the simulation (draws + matrices + the
   two matrix-vector products) against (a) drawing its random numbers alone and (b) a
   per-scenario numpy-financial loop computing the same NPVs.

    python bench/portal.py            # full run, prints the ratios
    python bench/portal.py --quick    # small sizes, checks results agree (run by make test)
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from typing import Any

import numpy as np
import numpy_financial as npf

from svcalc.api import examples
from svcalc.app import create_app
from svcalc.core.appraisal import public_net, resolve, supplier_net
from svcalc.core.model import SIMULATION_INPUTS, InputRange, PublicSide, Proposal, SupplierSide
from svcalc.core.simulation import draw, npvs


def _proposals(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        p = copy.deepcopy(examples.PROPOSAL)
        p["name"] = f"bid {i}"
        p["public"]["baseline_annual_cost"] = 10_000_000 + 1_000 * i
        out.append(p)
    return out


def bench_batch(n: int) -> dict[str, float]:
    app = create_app({"TESTING": True})
    client = app.test_client()
    proposals = _proposals(n)
    client.post("/v1/appraisals", json=proposals[0])  # warm up
    t0 = time.perf_counter()
    singles = [client.post("/v1/appraisals", json=p).json for p in proposals]
    t_single = time.perf_counter() - t0
    t0 = time.perf_counter()
    response = client.post("/v1/appraisals/batch", json={"proposals": proposals})
    t_batch = time.perf_counter() - t0
    assert response.status_code == 200, response.json
    assert response.json["results"] == singles, "batch results differ from single calls"
    return {"proposals": n, "single_s": t_single, "batch_s": t_batch,
            "single_per_s": n / t_single, "batch_per_s": n / t_batch,
            "ratio": t_single / t_batch}


def _best(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_monte_carlo(iterations: int, years: int, repeat: int) -> dict[str, float]:
    proposal = Proposal(
        term_years=years,
        public=PublicSide(baseline_annual_cost=1_000.0, annual_payment=880.0,
                          retained_costs=40.0, discount_rate=0.035),
        supplier=SupplierSide(annual_operating_cost=820.0, upfront_investment=300.0,
                              cost_of_capital=0.08),
    )
    f = resolve(proposal)
    pub, sup = public_net(f), supplier_net(f)
    ranges = {"public_saving": InputRange(-0.41, 0.0), "upfront_costs": InputRange(0.0, 0.5),
              "supplier_operating_cost": InputRange(0.0, 0.41)}

    def draws() -> dict[str, np.ndarray]:
        rng = np.random.default_rng(7)
        return {k: draw(rng, ranges[k], iterations) for k in SIMULATION_INPUTS}

    def simulation() -> tuple[np.ndarray, np.ndarray]:
        return npvs(f, pub, sup, draws())

    x = draws()
    opex = np.concatenate(((0.0,), f.supplier_opex))

    def npf_loop() -> tuple[np.ndarray, np.ndarray]:
        p_out, s_out = np.empty(iterations), np.empty(iterations)
        for i in range(iterations):
            p = pub * (1.0 + x["public_saving"][i])
            p[0] = pub[0] * (1.0 + x["upfront_costs"][i])
            p_out[i] = npf.npv(0.035, p)
            s_out[i] = npf.npv(0.08, sup - x["supplier_operating_cost"][i] * opex)
        return p_out, s_out

    vec = simulation()
    ref = npf_loop()
    for a, b in zip(vec, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)
    t_draw = _best(draws, repeat)
    t_sim = _best(simulation, repeat)
    t_npf = _best(npf_loop, 1)
    return {"iterations": iterations, "years": years, "draw_ms": 1e3 * t_draw,
            "simulation_ms": 1e3 * t_sim, "npf_loop_ms": 1e3 * t_npf,
            "simulation_over_draw": t_sim / t_draw, "npf_over_simulation": t_npf / t_sim}


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; correctness only")
    args = parser.parse_args(argv)
    if args.quick:
        batch = bench_batch(5)
        mc = bench_monte_carlo(500, 30, 1)
    else:
        batch = bench_batch(1_000)
        mc = bench_monte_carlo(10_000, 30, 20)
    print(f"batch vs single (in-process, Flask test client), {batch['proposals']:.0f} proposals: "
          f"single {batch['single_per_s']:.0f}/s, batch {batch['batch_per_s']:.0f}/s, "
          f"ratio {batch['ratio']:.2f}x (target >= 5x)")
    print(f"Monte Carlo {mc['iterations']:.0f} x {mc['years']:.0f} years, both sides: "
          f"simulation {mc['simulation_ms']:.3f} ms, drawing alone {mc['draw_ms']:.3f} ms "
          f"(ratio {mc['simulation_over_draw']:.2f}x, target <= 2x), npf loop "
          f"{mc['npf_loop_ms']:.1f} ms ({mc['npf_over_simulation']:.0f}x faster, target >= 100x)")
    return {"batch": batch, "monte_carlo": mc}


if __name__ == "__main__":
    main(sys.argv[1:])
