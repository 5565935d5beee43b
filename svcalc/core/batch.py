"""The batch engine behind :func:`svcalc.core.appraisal.appraise_many`: the figures of many
proposals of one term worked out together, as numpy operations across the proposals.

:func:`svcalc.core.appraisal.appraise` works out, for one proposal, a few dozen figures from its
yearly arrays: NPVs, paybacks, peak funding, margins, the risk-adjusted view's figures, the
sensitivity levers. Each takes one or two numpy calls on arrays of T+1 values, so the per-call
overhead, not the arithmetic, is its cost. Here the proposals of one term are stacked into
``(k, T+1)`` arrays and every figure is worked out once for all ``k`` rows; each proposal's
figures then go to :func:`~svcalc.core.appraisal._appraise` (a :class:`Precomputed`), which
builds the appraisal from them exactly as it would from its own.

Identity, not closeness, is the contract: ``appraise_many(ps) == [appraise(p) for p in ps]``
float for float (tests/test_batch_engine.py compares by repr). So every figure here is the
scalar code's own sequence of IEEE operations:

* elementwise arithmetic is the same in numpy on a row of a matrix as on a 1-D array (one ufunc
  per Python operator: no fused multiply-add);
* ``np.add.reduce`` along the rows of a C-contiguous matrix runs numpy's pairwise summation on
  each row, as ``ndarray.sum()`` does on one (tested for every term);
* a dot product is BLAS ``ddot`` (fused multiply-adds in blocks of 16), which no numpy
  expression reproduces and a matrix-vector product (``dgemv``) does not match, so it stays one
  ``ndarray.dot`` per row (:func:`_dots`);
* ``math.fsum`` stays ``math.fsum``, over each row as a Python list;
* cumulative flows are ``np.cumsum`` (left to right, like the scalar loops; see finance.py's
  ``*_many`` functions).

A proposal whose risk-adjusted view stretches a profile in time (a project type with a duration
uplift) has its risk figures worked out by the scalar view (``np.interp`` is one call per
profile); everything else about it is vectorised.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from svcalc.core import finance
from svcalc.core.appraisal import (
    Flows,
    Precomputed,
    _appraise,
    _cash_flow_tables,
    _method,
    _resolve,
    public_net,
    supplier_net,
)
from svcalc.core.errors import ProposalError
from svcalc.core.model import Appraisal, CashFlowTable, Proposal, RiskAssumptions
from svcalc.core.risk import RiskFigures, assumptions

__all__ = ["appraise_many"]

#: Fewer proposals of one term than this are appraised one by one (the figures are the same
#: either way): the group's fixed cost (~40 numpy calls) is repaid from about this many rows.
_MIN_GROUP_ROWS = 4


def _dots(a: np.ndarray, b: np.ndarray) -> list[float]:
    """``float(a[i].dot(b[i]))`` for each row: BLAS ddot, as the scalar code calls it."""
    return [float(x.dot(y)) for x, y in zip(a, b, strict=True)]


def _ratios(num: np.ndarray, den: np.ndarray) -> list[float | None]:
    """``appraisal._ratio`` of each pair: None where the denominator is 0 or the ratio is not
    finite (IEEE division, as Python's)."""
    with np.errstate(all="ignore"):
        ratio = num / den
    ok = (den != 0.0) & np.isfinite(ratio)
    return [r if o else None for r, o in zip(ratio.tolist(), ok.tolist(), strict=True)]


def _group(proposals: Sequence[Proposal], fs: Sequence[Flows], pubs: Sequence[np.ndarray],
           sups: Sequence[np.ndarray], assumed: Sequence[RiskAssumptions]) -> list[Precomputed]:
    """The :class:`Precomputed` figures of proposals of one term."""
    def stack(name: str) -> np.ndarray:
        return np.array([getattr(f, name) for f in fs])

    k = len(fs)
    base, base_contact = stack("baseline"), stack("baseline_contact")
    payment, retained, public_contact = stack("payment"), stack("retained"), stack("public_contact")
    opex, other, supplier_contact = (stack("supplier_opex"), stack("other_income"),
                                     stack("supplier_contact"))
    upfront, investment = stack("public_upfront"), stack("supplier_investment")
    pdf, sdf = stack("public_factors"), stack("supplier_factors")
    dfs = pdf[:, 1:]
    pub, sup = np.array(pubs), np.array(sups)
    with np.errstate(all="ignore"):  # overflow and NaN come out as the scalar code's
        # --- the public case (appraisal._public_figures)
        discounted = pub * pdf
        rows = discounted.tolist()
        public_npv = [math.fsum(r) for r in rows]
        zero = np.zeros_like(discounted)
        benefits = np.cumsum(np.where(discounted > 0.0, discounted, zero), axis=1)[:, -1]
        costs = -np.cumsum(np.where(discounted < 0.0, discounted, zero), axis=1)[:, -1]
        steady = pub[:, -1]
        public = list(zip(
            public_npv, finance.payback_many(pub), finance.payback_many(discounted),
            finance.first_positive_year_many(pub),
            _ratios(steady, base[:, -1] + base_contact[:, -1]), _ratios(benefits, costs),
            finance.peak_funding_requirement_many(pub), steady.tolist(), strict=True))
        # --- the supplier case (appraisal._supplier_figures)
        supplier_npv = _dots(sup, sdf)
        revenue = payment + other
        total_revenue = np.add.reduce(revenue, axis=1)
        cost = opex + supplier_contact
        whole_life = _ratios(total_revenue - np.add.reduce(cost, axis=1) - investment,
                             total_revenue)
        margin = (revenue - cost) / revenue
        no_margin = (revenue == 0.0) | ~np.isfinite(margin)
        margins: list[list[float | None]] = margin.tolist()
        missing = no_margin.any(axis=1).tolist()
        for i in np.flatnonzero(no_margin.any(axis=1)).tolist():
            margins[i] = [None if b else m for m, b in zip(margins[i], no_margin[i].tolist(),
                                                             strict=True)]
        supplier = list(zip(
            supplier_npv, finance.payback_many(sup), finance.payback_many(sup * sdf),
            finance.peak_funding_requirement_many(sup), whole_life, margins, missing,
            strict=True))
        # --- the partnership case (appraisal._partnership_figures)
        individual = _dots(base + base_contact, dfs)
        used = opex + retained
        used += public_contact
        used += supplier_contact
        consumed = (investment + upfront + np.array(_dots(used, dfs))).tolist()
        partnership = list(zip(individual, consumed, _dots(sup, pdf), strict=True))
        # --- the risk-adjusted view where nothing is stretched (risk.risk_view's patched flows)
        flat = [i for i, a in enumerate(assumed) if not a.duration_uplift]
        risk: list[RiskFigures | None] = [None] * k
        if flat:
            risk_rows = _risk_figures(
                [assumed[i] for i in flat], pub[flat], sup[flat], payment[flat], other[flat],
                opex[flat], retained[flat], public_contact[flat], supplier_contact[flat],
                investment[flat], pdf[flat], sdf[flat], np.array(individual)[flat])
            for i, figures in zip(flat, risk_rows, strict=True):
                risk[i] = figures
        # --- the sensitivity levers (sensitivity.levers, switching_value's check)
        opex_years = np.zeros_like(sup)
        opex_years[:, 1:] = opex
        opex_pv = np.array(_dots(opex_years, sdf))
        pnpv, snpv = np.array(public_npv), np.array(supplier_npv)
        start = pub[:, 0].copy()
        x_saving = -pnpv / (pnpv - start)
        x_upfront = -pnpv / start
        x_opex = -snpv / -opex_pv
        saving_net = pub * (1.0 + x_saving)[:, None]
        saving_net[:, 0] = start
        upfront_net = pub.copy()
        upfront_net[:, 0] = start * (1.0 + x_upfront)
        checks = list(zip(_dots(saving_net, pdf), _dots(upfront_net, pdf),
                          _dots(sup - x_opex[:, None] * opex_years, sdf), strict=True))
        payments_pv = _dots(payment, dfs)
    methods: dict[tuple[object, ...], object] = {}
    out = []
    for i, p in enumerate(proposals):
        key = (p.public.discount_rate, p.supplier.cost_of_capital, p.price_basis, p.currency)
        method = methods.get(key)
        if method is None:
            method = methods[key] = _method(p)
        out.append(Precomputed(assumed[i], risk[i], public[i], supplier[i], partnership[i],
                               opex_pv.item(i), checks[i], payments_pv[i], method))
    return out


def _risk_figures(assumed: Sequence[RiskAssumptions], pub: np.ndarray, sup: np.ndarray,
                  payment: np.ndarray, other: np.ndarray, opex: np.ndarray,
                  retained: np.ndarray, public_contact: np.ndarray,
                  supplier_contact: np.ndarray, investment: np.ndarray, pdf: np.ndarray,
                  sdf: np.ndarray, individual: np.ndarray) -> list[RiskFigures]:
    """``risk.risk_view`` of rows that stretch nothing: year 0 of both sides and the supplier's
    operating cost carry their uplifts (risk._figures' sums and dot products, row by row)."""
    u = np.array([a.supplier_operating_cost_uplift for a in assumed])
    upfront = np.array([a.public_upfront_costs_risk_adjusted for a in assumed])
    invested = investment * (1.0 + np.array([a.supplier_investment_uplift for a in assumed]))
    opex_ra = opex * (1.0 + u)[:, None]
    pub_ra = pub.copy()
    pub_ra[:, 0] = -upfront
    sup_ra = sup.copy()
    sup_ra[:, 0] = -invested
    sup_ra[:, 1:] -= opex * u[:, None]
    revenue = np.add.reduce(payment, axis=1) + np.add.reduce(other, axis=1)
    cost = np.add.reduce(opex_ra, axis=1) + np.add.reduce(supplier_contact, axis=1) + invested
    used = opex_ra + retained
    used += public_contact
    used += supplier_contact
    consumed = invested + upfront + np.array(_dots(used, pdf[:, 1:]))
    return [
        RiskFigures(public_npv=a, public_payback=b, supplier_npv=c, whole_life_margin=d,
                    support_ratio=e)
        for a, b, c, d, e in zip(_dots(pub_ra, pdf), finance.payback_many(pub_ra),
                                 _dots(sup_ra, sdf), _ratios(revenue - cost, revenue),
                                 _ratios(individual, consumed), strict=True)
    ]


def appraise_many(proposals: Sequence[Proposal]) -> list[Appraisal]:
    """:func:`svcalc.core.appraisal.appraise_many` (its docstring says what it answers)."""
    resolved = []
    for proposal in proposals:
        f, stated_contact = _resolve(proposal)
        resolved.append((proposal, f, stated_contact, public_net(f), supplier_net(f)))
    n = len(resolved)
    # Both sides in one call: a proposal's two series have the same length (years 0..T), so
    # they share irr_many's groups, and its fixed cost is paid once.
    irrs = finance.irr_many([r[3] for r in resolved] + [r[4] for r in resolved])
    by_term: dict[int, list[int]] = {}
    for i, r in enumerate(resolved):
        by_term.setdefault(r[1].term_years, []).append(i)
    tables: list[CashFlowTable | None] = [None] * n
    pre: list[Precomputed | None] = [None] * n
    try:
        assumed = [assumptions(r[0], r[1].public_upfront) for r in resolved]
    except ProposalError:
        assumed = None  # appraised one by one below, which raises what appraise() raises
    for where in by_term.values():
        if len(where) > 1:  # the cash-flow tables of each term's proposals, built together
            built = _cash_flow_tables([(resolved[i][1], resolved[i][3], resolved[i][4])
                                       for i in where])
            for i, table in zip(where, built, strict=True):
                tables[i] = table
        if assumed is not None and len(where) >= _MIN_GROUP_ROWS:
            group = [resolved[i] for i in where]
            figures = _group([g[0] for g in group], [g[1] for g in group],
                             [g[3] for g in group], [g[4] for g in group],
                             [assumed[i] for i in where])
            for i, fig in zip(where, figures, strict=True):
                pre[i] = fig
    return [_appraise(*r, irrs[i], irrs[n + i], tables[i], pre[i])
            for i, r in enumerate(resolved)]
