"""Finance kernels against numpy-financial, and one appraisal against a plain numpy-financial one.

    python -m bench.kernels [--short]

* IRR: ``svcalc.core.finance.irr`` vs ``npf.irr`` on seeded 25-year series (an investment then
  returns), both checked against a bisection reference written here (no scipy) to 1e-9.
* NPV: ``finance.npv`` (a dot product with precomputed discount factors; also timed with the
  factors built per call) vs ``npf.npv``.
* One appraisal: ``svcalc.core.appraise`` checked against :func:`plain_appraisal` (its headline
  figures and cash-flow table the plain way: Python loops plus ``npf.npv``/``npf.irr``), and both
  timed; ``appraise()`` also runs the risk-adjusted view, sensitivity, flags, verdict and social
  value, so the ratio is for scale only.

The agreement checks are asserted; the speed ratios are printed for information, never asserted.
"""

from __future__ import annotations

import argparse
import sys
import timeit
from typing import Any

import numpy as np
import numpy_financial as npf

from bench.proposals import BENCH_PROPOSAL
from svcalc.api.schemas.proposal import ProposalSchema
from svcalc.core import appraise, finance


def series(count: int, years: int = 25, seed: int = 20261123) -> list[np.ndarray]:
    """Seeded conventional series: an upfront cost, then 25 years of returns of 3%..20% of it."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        upfront = rng.uniform(1e5, 5e7)
        out.append(np.concatenate(([-upfront], upfront * rng.uniform(0.03, 0.2, years))))
    return out


def bisection_irr(flows: np.ndarray, lo: float = -0.99, hi: float = 10.0) -> float:
    """The root of NPV(r) in [lo, hi] by plain bisection in r (needs one sign change there)."""
    t = np.arange(flows.size)

    def f(r: float) -> float:
        return float(np.sum(flows / (1.0 + r) ** t))

    f_lo = f(lo)
    assert (f_lo < 0) != (f(hi) < 0), "not bracketed"
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        f_mid = f(mid)
        if (f_mid < 0) == (f_lo < 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def per_call_us(func: Any, items: list[Any], repeat: int) -> float:
    """Best-of-``repeat`` mean time per call over ``items``, in microseconds."""
    def run() -> None:
        for item in items:
            func(item)
    return min(timeit.repeat(run, number=1, repeat=repeat)) / len(items) * 1e6


def _payback(flows: list[float]) -> float | None:
    cum, prev, gone_negative = 0.0, 0.0, False
    for t, value in enumerate(flows):
        prev, cum = cum, cum + value
        if cum < 0:
            gone_negative = True
        elif gone_negative:
            return (t - 1) + -prev / value
    return None if gone_negative else 0.0


def plain_appraisal(body: dict[str, Any]) -> dict[str, Any]:
    """The appraisal's headline figures done plainly: Python lists, loops and numpy-financial."""
    n = body["term_years"]
    pub, sup = body["public"], body["supplier"]

    def yearly(value: Any) -> list[float]:
        return list(value) if isinstance(value, list) else [float(value)] * n

    baseline, payment = yearly(pub["baseline_annual_cost"]), yearly(pub["annual_payment"])
    retained, opex = yearly(pub.get("retained_costs", 0.0)), yearly(sup["annual_operating_cost"])
    other = yearly(sup.get("other_income", 0.0))
    upfront = sum(pub.get("upfront_costs", {}).values())
    public = [-upfront] + [b - p - r for b, p, r in zip(baseline, payment, retained, strict=True)]
    supplier = [-sup.get("upfront_investment", 0.0)] + [
        p + o - c for p, o, c in zip(payment, other, opex, strict=True)]
    factors = finance.discount_factors(n).tolist()  # the Green Book STPR schedule
    coc = sup.get("cost_of_capital", 0.08)
    investment = sup.get("upfront_investment", 0.0)
    revenue = [p + o for p, o in zip(payment, other, strict=True)]
    supplier_factors = [(1 + coc) ** -t for t in range(n + 1)]
    public_discounted = [v * f for v, f in zip(public, factors, strict=True)]
    supplier_discounted = [v * f for v, f in zip(supplier, supplier_factors, strict=True)]

    def cumulative(values: list[float]) -> list[float]:
        out, total = [], 0.0
        for value in values:
            total += value
            out.append(total)
        return out

    public_cum, supplier_cum = cumulative(public), cumulative(supplier)
    individual = sum(b * f for b, f in zip(baseline, factors[1:], strict=True))
    consumed = investment + upfront + sum(
        (c + r) * f for c, r, f in zip(opex, retained, factors[1:], strict=True))
    # The Green Book BCR as svcalc builds it: business as usual avoided over what the
    # partnership costs the public body (upfront, payments and retained costs).
    benefits = individual
    costs = upfront + sum((p + r) * f for p, r, f in zip(payment, retained, factors[1:],
                                                          strict=True))
    public_npv = sum(public_discounted)
    supplier_at_public = sum(v * f for v, f in zip(supplier, factors, strict=True))
    zero = [0.0]
    return {
        "public_npv": public_npv,
        "public_irr": float(npf.irr(public)),
        "public_payback": _payback(public),
        "public_discounted_payback": _payback(public_discounted),
        "public_first_saving_year": next((t for t in range(1, n + 1) if public[t] > 0), None),
        "public_peak_funding": max(0.0, -min(public_cum)),
        "annual_saving_steady_state": public[-1],
        "saving_share_of_baseline": public[-1] / baseline[-1],
        "bcr": benefits / costs,
        "supplier_npv": float(npf.npv(coc, supplier)),
        "supplier_irr": float(npf.irr(supplier)),
        "supplier_payback": _payback(supplier),
        "supplier_discounted_payback": _payback(supplier_discounted),
        "supplier_peak_funding": max(0.0, -min(supplier_cum)),
        "whole_life_margin": (sum(revenue) - sum(opex) - investment) / sum(revenue),
        "annual_margins": [(r - c) / r for r, c in zip(revenue, opex, strict=True)],
        "individual_delivery_cost": individual,
        "partnership_cost": consumed,
        "support_ratio": individual / consumed,
        "supplier_npv_at_public_rate": supplier_at_public,
        "value_share_public": public_npv / (public_npv + supplier_at_public),
        # The 16 stated columns of svcalc's cash_flows table (it adds the risk-adjusted view).
        "cash_flows": [dict(zip(
            ("year", "discount_factor", "baseline", "payment", "retained", "upfront",
             "public_net", "public_cumulative", "public_discounted", "supplier_revenue",
             "supplier_opex", "supplier_investment", "supplier_net", "supplier_cumulative",
             "supplier_discount_factor", "supplier_discounted"), row, strict=True)) for row in zip(
            range(n + 1), factors, zero + baseline, zero + payment, zero + retained,
            [upfront] + [0.0] * n, public, public_cum, public_discounted, zero + revenue,
            zero + opex, [investment] + [0.0] * n, supplier, supplier_cum, supplier_factors,
            supplier_discounted, strict=True)],
    }


def _agree(svcalc: Any, plain: dict[str, Any]) -> None:
    pairs = {
        "public_npv": svcalc.public.npv, "public_irr": svcalc.public.irr,
        "public_payback": svcalc.public.payback_years,
        "public_discounted_payback": svcalc.public.discounted_payback_years,
        "public_peak_funding": svcalc.public.peak_funding_requirement,
        "supplier_npv": svcalc.supplier.npv, "supplier_irr": svcalc.supplier.irr,
        "supplier_payback": svcalc.supplier.payback_years,
        "supplier_discounted_payback": svcalc.supplier.discounted_payback_years,
        "whole_life_margin": svcalc.supplier.whole_life_margin,
        "support_ratio": svcalc.partnership.support_ratio,
        "bcr": svcalc.public.bcr, "value_share_public": svcalc.partnership.value_share_public,
        "public_first_saving_year": svcalc.public.first_saving_year,
    }
    assert len(svcalc.cash_flows) == len(plain["cash_flows"])
    for ours, theirs in zip(svcalc.cash_flows, plain["cash_flows"], strict=True):
        assert abs(ours.public_cumulative - theirs["public_cumulative"]) <= 1e-6
        assert abs(ours.supplier_discounted - theirs["supplier_discounted"]) <= 1e-6
    for key, value in pairs.items():
        assert abs(value - plain[key]) <= 1e-7 * max(1.0, abs(plain[key])), (key, value,
                                                                              plain[key])


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="CI mode: few items, one repeat")
    args = parser.parse_args(argv)
    count, repeat = (20, 1) if args.short else (300, 5)

    flows = series(count)
    worst = 0.0
    for c in flows:
        reference = bisection_irr(c)
        ours, theirs = finance.irr(c).value, float(npf.irr(c))
        assert ours is not None
        worst = max(worst, abs(ours - reference), abs(theirs - reference))
    assert worst <= 1e-9, f"IRR disagrees with the bisection reference by {worst:g}"
    irr_ours = per_call_us(finance.irr, flows, repeat)
    irr_npf = per_call_us(npf.irr, flows, repeat)

    rate = 0.035
    factors = finance.discount_factors(25, rate)
    for c in flows:
        assert abs(finance.npv(c, factors) - npf.npv(rate, c)) <= 1e-6 * abs(c[0])
    npv_ours = per_call_us(lambda c: finance.npv(c, factors), flows, repeat)
    npv_ours_full = per_call_us(
        lambda c: finance.npv(c, finance.discount_factors(c.size - 1, rate)), flows, repeat)
    npv_npf = per_call_us(lambda c: npf.npv(rate, c), flows, repeat)

    proposal = ProposalSchema().load(BENCH_PROPOSAL)
    _agree(appraise(proposal), plain_appraisal(BENCH_PROPOSAL))
    many = [proposal] * (20 if args.short else 200)
    app_ours = per_call_us(appraise, many, repeat)
    app_plain = per_call_us(lambda _: plain_appraisal(BENCH_PROPOSAL), many, repeat)

    ratios = {"irr": irr_npf / irr_ours, "npv": npv_npf / npv_ours,
              "npv_with_factors": npv_npf / npv_ours_full, "appraisal": app_plain / app_ours}
    print(f"svcalc kernels vs numpy-financial {npf.__version__} ({count} seeded 25-year series, "
          f"best of {repeat})")
    print(f"IRR agreement with bisection reference: max |diff| = {worst:.2e} (<= 1e-9)")
    print("appraise() agrees with the plain numpy-financial appraisal")
    rows = [("irr", irr_ours, irr_npf), ("npv", npv_ours, npv_npf),
            ("npv_with_factors", npv_ours_full, npv_npf),
            ("appraisal", app_ours, app_plain)]
    print(f"{'kernel':22s} {'svcalc us':>10s} {'plain/npf us':>13s} {'speed-up':>9s}")
    for name, ours, theirs in rows:
        print(f"{name:22s} {ours:10.1f} {theirs:13.1f} {theirs / ours:8.2f}x")
    return ratios


if __name__ == "__main__":
    main(sys.argv[1:])
