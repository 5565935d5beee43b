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
* a dot product is BLAS ``ddot`` (OpenBLAS's adds fused multiply-adds in blocks, its own
  order), which no elementwise numpy expression reproduces and a matrix-vector product
  (``dgemv``) does not match; it is ``np.vecdot``, which calls the same ddot on each pair of
  rows (:func:`_dots`);
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

from svcalc.core import finance, sensitivity
from svcalc.core.appraisal import (
    Flows,
    Precomputed,
    _appraise,
    _fill_cash_flows,
    _method,
    _resolve,
    public_net,
    supplier_net,
)
from svcalc.core.channel_shift import ContactCosts, contact_costs, contact_flows
from svcalc.core.errors import ProposalError
from svcalc.core.model import (
    Appraisal,
    CashFlowTable,
    Method,
    Proposal,
    RiskAssumptions,
    YearlyValue,
)
from svcalc.core.risk import RiskFigures, assumptions

__all__ = ["appraise_many"]

#: Fewer proposals of one term than this are appraised one by one, as appraise() does (the
#: figures are the same either way): a term's arrays cost ~150 numpy calls, which they repay
#: from about 6 proposals (bench proposals, us a proposal, one by one / as arrays: 4: 283 /
#: 314, 5: 284 / 276, 6: 282 / 257, 8: 278 / 227, 16: 287 / 180).
_MIN_GROUP_ROWS = 6


_vecdot = getattr(np, "vecdot", None)  # numpy >= 2.0


def _dots(a: np.ndarray, b: np.ndarray) -> list[float]:
    """``float(a[i].dot(b[i]))`` for each row: BLAS ddot, as the scalar code calls it.

    ``np.vecdot``'s float64 loop calls the dtype's dot function on each pair of rows, the one
    ``ndarray.dot`` calls on 1-D arrays (cblas_ddot for rows of unit stride), all in C;
    without it (numpy 1.x) one ``ndarray.dot`` per row. tests/test_batch_engine.py checks
    both against ``ndarray.dot`` for every length a term gives."""
    if _vecdot is not None:
        out: list[float] = _vecdot(a, b).tolist()
        return out
    return [float(x.dot(y)) for x, y in zip(a, b, strict=True)]


def _ratios(num: np.ndarray, den: np.ndarray) -> list[float | None]:
    """``appraisal._ratio`` of each pair: None where the denominator is 0 or the ratio is not
    finite (IEEE division, as Python's)."""
    with np.errstate(all="ignore"):
        ratio = num / den
    ok = (den != 0.0) & np.isfinite(ratio)
    return [r if o else None for r, o in zip(ratio.tolist(), ok.tolist(), strict=True)]


def _consumed(opex: np.ndarray, retained: np.ndarray, public_contact: np.ndarray,
              supplier_contact: np.ndarray, investment: np.ndarray, upfront: np.ndarray,
              dfs: np.ndarray) -> np.ndarray:
    """Each row's partnership cost, in the scalar code's order: ``investment + upfront +
    dot(((opex + retained) + public_contact) + supplier_contact, dfs)`` (the stated case's
    and, with the uplifted figures, the risk-adjusted view's)."""
    used = opex + retained
    used += public_contact
    used += supplier_contact
    return investment + upfront + np.array(_dots(used, dfs))


def _group(proposals: Sequence[Proposal], m: dict[str, np.ndarray],
           assumed: Sequence[RiskAssumptions]) -> list[Precomputed]:
    """The :class:`Precomputed` figures of proposals of one term, from their stacked flows
    ``m`` (:class:`Flows` field name, ``"pub"``, ``"sup"`` -> one row per proposal)."""
    k = len(proposals)
    base, base_contact = m["baseline"], m["baseline_contact"]
    payment, retained, public_contact = m["payment"], m["retained"], m["public_contact"]
    opex, other, supplier_contact = m["supplier_opex"], m["other_income"], m["supplier_contact"]
    upfront, investment = m["public_upfront"], m["supplier_investment"]
    pdf, sdf = m["public_factors"], m["supplier_factors"]
    dfs = pdf[:, 1:]
    pub, sup = m["pub"], m["sup"]
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
            margins[i] = [None if b else v for v, b in zip(margins[i], no_margin[i].tolist(),
                                                             strict=True)]
        supplier = list(zip(
            supplier_npv, finance.payback_many(sup), finance.payback_many(sup * sdf),
            finance.peak_funding_requirement_many(sup), whole_life, margins, missing,
            strict=True))
        # --- the partnership case (appraisal._partnership_figures)
        individual = _dots(base + base_contact, dfs)
        consumed = _consumed(opex, retained, public_contact, supplier_contact, investment,
                             upfront, dfs).tolist()
        partnership = list(zip(individual, consumed, _dots(sup, pdf), strict=True))
        # --- the risk-adjusted view where nothing is stretched (risk.risk_view's patched flows)
        flat = [i for i, a in enumerate(assumed) if not a.duration_uplift]
        risk: list[RiskFigures | None] = [None] * k
        if len(flat) == k:  # the common case: no row to leave out
            risk = _risk_figures(assumed, pub, sup, payment, other, opex, retained,
                                 public_contact, supplier_contact, investment, pdf, sdf,
                                 individual)
        elif flat:
            risk_rows = _risk_figures(
                [assumed[i] for i in flat], pub[flat], sup[flat], payment[flat], other[flat],
                opex[flat], retained[flat], public_contact[flat], supplier_contact[flat],
                investment[flat], pdf[flat], sdf[flat], [individual[i] for i in flat])
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
        check_rows = (_dots(saving_net, pdf), _dots(upfront_net, pdf),
                      _dots(sup - x_opex[:, None] * opex_years, sdf))
        checks = list(zip(*check_rows, strict=True))
        sens = _sensitivity((pnpv, pnpv, snpv), (pnpv - start, start, -opex_pv),
                            (x_saving, x_upfront, x_opex), check_rows)
        payments_pv = _dots(payment, dfs)
        # flags.evaluate's year-1 saving, in its order: ((((B + BC) - PAY) - R) - PC)
        first_saving = (base[:, 0] + base_contact[:, 0] - payment[:, 0] - retained[:, 0]
                        - public_contact[:, 0]).tolist()
    methods: dict[tuple[object, ...], Method] = {}  # one (immutable) Method per basis
    method_of = []
    for p in proposals:
        key = (p.public.discount_rate, p.supplier.cost_of_capital, p.price_basis, p.currency)
        method = methods.get(key)
        if method is None:
            method = methods[key] = _method(p)
        method_of.append(method)
    return list(map(Precomputed, assumed, risk, public, supplier, partnership, opex_pv.tolist(),
                    checks, payments_pv, method_of, first_saving, sens))


def _sensitivity(npvs: tuple[np.ndarray, ...], slopes: tuple[np.ndarray, ...],
                 xs: tuple[np.ndarray, ...], checks: tuple[list[float], ...],
                 ) -> list[tuple[object, ...] | None]:
    """:func:`sensitivity.closed_forms`' figures of each row (after its two NPVs), or None for
    a row that a lever sends down another path of ``switching_value`` (a zero slope, a
    closed-form root that fails its check and is searched for) or that has a figure that is
    not finite. The same operations as ``switching_value`` and ``_tornado`` on each lever
    (``-npv / slope`` is ``xs``, worked out by the caller)."""
    lo, hi = sensitivity.SEARCH_LO, sensitivity.SEARCH_HI
    npv, slope, x = np.array(npvs).T, np.array(slopes).T, np.array(xs).T  # (k, 3)
    check = np.array(checks).T
    m20, m10 = npv + slope * sensitivity._M20, npv + slope * sensitivity._M10
    p10, p20 = npv + slope * sensitivity._P10, npv + slope * sensitivity._P20
    swing = np.abs(p20 - m20)
    in_range = (lo <= x) & (x <= hi)
    # a check that fails: the root is searched for (switching_value's tolerance, finite here)
    search = in_range & (np.abs(check) > 1e-9 * np.maximum(np.maximum(1.0, np.abs(npv)),
                                                           np.abs(slope)))
    ok = (np.isfinite(npv) & np.isfinite(slope) & np.isfinite(x) & np.isfinite(check)
          & np.isfinite(swing) & (slope != 0.0) & ~search).all(axis=1)
    kinds = np.where(in_range, sensitivity.IN_RANGE,
                     np.where(x < lo, sensitivity.BELOW, sensitivity.OUTSIDE))
    # widest swing first, equal swings in lever order (analyse's stable sort by -swing)
    order = np.argsort(-swing, axis=1, kind="stable")
    points = np.stack((m20, m10, p10, p20, swing), axis=2).tolist()  # (k, 3, 5)
    return [(xr, kr, pr, orr) if good else None
            for good, xr, kr, pr, orr in zip(ok.tolist(), x.tolist(), kinds.tolist(), points,
                                              order.tolist(), strict=True)]


def _risk_figures(assumed: Sequence[RiskAssumptions], pub: np.ndarray, sup: np.ndarray,
                  payment: np.ndarray, other: np.ndarray, opex: np.ndarray,
                  retained: np.ndarray, public_contact: np.ndarray,
                  supplier_contact: np.ndarray, investment: np.ndarray, pdf: np.ndarray,
                  sdf: np.ndarray, individual: list[float]) -> list[RiskFigures | None]:
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
    consumed = _consumed(opex_ra, retained, public_contact, supplier_contact, invested, upfront,
                         pdf[:, 1:])
    # RiskFigures' fields, in order: public NPV and payback, supplier NPV, whole-life margin,
    # support ratio.
    return list(map(RiskFigures, _dots(pub_ra, pdf), finance.payback_many(pub_ra),
                    _dots(sup_ra, sdf), _ratios(revenue - cost, revenue),
                    _ratios(np.array(individual), consumed)))


#: The yearly fields of a proposal, in the order _resolve expands them, as Flows names.
_YEARLY = ("baseline", "payment", "retained", "supplier_opex", "other_income")


class _Term:
    """The proposals of one term: where they are in the batch, their flows stacked (``m``: a
    :class:`Flows` field, ``"pub"`` or ``"sup"`` -> one row per proposal, read-only; None for
    a term of too few proposals to gain from arrays), and each one's :class:`Flows` (rows of
    ``m``), channel-shift contact costs and net flows (``pubs``, ``sups``)."""

    __slots__ = ("where", "m", "flows", "contacts", "pubs", "sups")

    def __init__(self, where: list[int], m: dict[str, np.ndarray] | None, flows: list[Flows],
                 contacts: list[ContactCosts | None], pubs: list[np.ndarray],
                 sups: list[np.ndarray]) -> None:
        self.where, self.m, self.flows, self.contacts = where, m, flows, contacts
        self.pubs, self.sups = pubs, sups


def _one_by_one(where: list[int], resolved: list[tuple[Flows, ContactCosts | None]]) -> _Term:
    """A term of proposals resolved one by one (``resolved``: ``_resolve`` of each)."""
    flows = [r[0] for r in resolved]
    return _Term(where, None, flows, [r[1] for r in resolved], [public_net(f) for f in flows],
                 [supplier_net(f) for f in flows])


def _nets(m: dict[str, np.ndarray]) -> None:
    """``public_net`` and ``supplier_net`` of every row, the same elementwise operations."""
    k, n = m["baseline"].shape
    pub = m["pub"] = np.empty((k, n + 1))
    pub[:, 0] = -m["public_upfront"]
    np.subtract(m["baseline"] + m["baseline_contact"],
                m["payment"] + m["retained"] + m["public_contact"], out=pub[:, 1:])
    sup = m["sup"] = np.empty((k, n + 1))
    sup[:, 0] = -m["supplier_investment"]
    np.subtract(m["payment"] + m["other_income"], m["supplier_opex"] + m["supplier_contact"],
                out=sup[:, 1:])


def _resolve_terms(proposals: Sequence[Proposal]) -> list[_Term] | None:
    """``_resolve`` of every proposal, as one array per field and term; None (the caller then
    resolves one by one, raising what appraise raises) unless every proposal has a term in
    range, every yearly figure a number or a list (tuple) of one per year, and an inflation
    rate for nominal prices."""
    by_term: dict[int, list[int]] = {}
    yearly = []
    for i, p in enumerate(proposals):
        n = p.term_years
        if type(n) is not int or not 1 <= n <= 60 or (
                p.price_basis == "nominal" and p.inflation is None):
            return None
        pub, sup = p.public, p.supplier
        values = (pub.baseline_annual_cost, pub.annual_payment, pub.retained_costs,
                  sup.annual_operating_cost, sup.other_income)  # _YEARLY's order
        for v in values:
            kind = type(v)
            if not (kind is float or ((kind is list or kind is tuple) and len(v) == n)
                    or isinstance(v, int | float)):
                return None
        yearly.append(values)
        by_term.setdefault(n, []).append(i)
    try:
        return [_resolve_term(proposals, yearly, where) if len(where) >= _MIN_GROUP_ROWS
                else _one_by_one(where, [_resolve(proposals[i]) for i in where])
                for where in by_term.values()]
    except Exception:  # noqa: BLE001 - e.g. a list of odd values: resolved one by one instead
        return None


def _resolve_term(proposals: Sequence[Proposal], yearly: list[tuple[YearlyValue, ...]],
                  where: list[int]) -> _Term:
    group = [proposals[i] for i in where]
    k, n = len(group), group[0].term_years
    m: dict[str, np.ndarray] = {}
    nominal = [j for j, p in enumerate(group) if p.price_basis == "nominal"]
    if nominal:  # deflated to base-year prices, each by its own inflation (as _resolve)
        deflator = np.array([finance.real_terms_factors(n, group[j].inflation)[1:]
                             for j in nominal])
    for field, name in enumerate(_YEARLY):
        column = [yearly[i][field] for i in where]
        lists = [j for j, v in enumerate(column) if type(v) in (list, tuple)]
        if len(lists) == k:
            arr = np.array(column, dtype=float)
        else:  # numbers fill their rows (_yearly's float(value)), lists are converted
            arr = np.empty((k, n))
            numbers = [j for j, v in enumerate(column) if type(v) not in (list, tuple)]
            arr[numbers] = np.array([float(column[j]) for j in numbers])[:, None]
            if lists:
                arr[lists] = np.array([column[j] for j in lists], dtype=float)
        if arr.shape != (k, n):
            raise ValueError("not one value per year")
        if nominal:
            arr[nominal] = arr[nominal] * deflator
        m[name] = arr
    contacts: list[ContactCosts | None] = [None] * k
    m["baseline_contact"], m["public_contact"], m["supplier_contact"] = (
        np.zeros((k, n)), np.zeros((k, n)), np.zeros((k, n)))
    for j, p in enumerate(group):
        cs = p.channel_shift
        if cs is not None:
            contacts[j] = contact_costs(cs, n)
            for name, arr in contact_flows(cs, n, costs=contacts[j]).items():
                m[name][j] = arr
    m["public_upfront"] = np.array([p.public.upfront_costs.total for p in group])
    m["supplier_investment"] = np.array([float(p.supplier.upfront_investment) for p in group])
    public_factors = [finance.discount_factors(n, p.public.discount_rate) for p in group]
    supplier_factors = [finance.shared_flat_discount_factors(n, p.supplier.cost_of_capital)
                        for p in group]
    m["public_factors"], m["supplier_factors"] = np.array(public_factors), np.array(
        supplier_factors)
    _nets(m)
    for arr in m.values():
        arr.flags.writeable = False  # every proposal's Flows are rows of these
    rows = [list(m[name]) for name in (*_YEARLY, "baseline_contact", "public_contact",
                                       "supplier_contact")]
    upfront, investment = m["public_upfront"].tolist(), m["supplier_investment"].tolist()
    flows = [
        Flows(n, b, pay, ret, upfront[j], opex, other, investment[j], public_factors[j],
              supplier_factors[j], bc, pc, sc)
        for j, (b, pay, ret, opex, other, bc, pc, sc) in enumerate(zip(*rows, strict=True))
    ]
    return _Term(where, m, flows, contacts, list(m["pub"]), list(m["sup"]))


def _stacked_terms(proposals: Sequence[Proposal]) -> list[_Term]:
    """Each proposal resolved by ``_resolve`` (which raises what appraise raises), then
    stacked by term."""
    by_term: dict[int, list[int]] = {}
    resolved = []
    for i, p in enumerate(proposals):
        resolved.append(_resolve(p))
        by_term.setdefault(p.term_years, []).append(i)
    terms = []
    for where in by_term.values():
        if len(where) < _MIN_GROUP_ROWS:
            terms.append(_one_by_one(where, [resolved[i] for i in where]))
            continue
        flows = [resolved[i][0] for i in where]
        m = {name: np.array([getattr(f, name) for f in flows])
             for name in (*_YEARLY, "baseline_contact", "public_contact", "supplier_contact",
                          "public_upfront", "supplier_investment", "public_factors",
                          "supplier_factors")}
        pubs, sups = [public_net(f) for f in flows], [supplier_net(f) for f in flows]
        m["pub"], m["sup"] = np.array(pubs), np.array(sups)
        terms.append(_Term(where, m, flows, [resolved[i][1] for i in where], pubs, sups))
    return terms


def appraise_many(proposals: Sequence[Proposal]) -> list[Appraisal]:
    """:func:`svcalc.core.appraisal.appraise_many` (its docstring says what it answers)."""
    terms = _resolve_terms(proposals)
    if terms is None:
        terms = _stacked_terms(proposals)
    count = len(proposals)
    # _appraise's arguments after the proposal (None: worked out there), by batch position
    parts: list[tuple[Flows, ContactCosts | None, np.ndarray, np.ndarray,
                      finance.IrrResult | None, finance.IrrResult | None,
                      CashFlowTable | None, Precomputed | None]] = (
        [None] * count)  # type: ignore[list-item]  # all filled
    for term in terms:
        where, m = term.where, term.m
        if m is None:  # too few of this term to gain from arrays: _appraise as appraise() does
            for j, i in enumerate(where):
                parts[i] = (term.flows[j], term.contacts[j], term.pubs[j], term.sups[j], None,
                            None, None, None)
            continue
        k = len(where)
        # Both sides in one call: its fixed cost paid once per term.
        irrs = finance.irr_many(np.concatenate((m["pub"], m["sup"])))
        # the cash-flow tables of the term's proposals, built together
        t = np.zeros((k, len(CashFlowTable.column_names), m["pub"].shape[1]))
        _fill_cash_flows(t, m["pub"], m["sup"], m.__getitem__)
        t.flags.writeable = False  # each table is read-only: so is the group they are views of
        tables = [CashFlowTable(table) for table in t]
        pre: list[Precomputed | None] = [None] * k
        group = [proposals[i] for i in where]
        try:
            assumed = [assumptions(p, f.public_upfront)
                       for p, f in zip(group, term.flows, strict=True)]
        except ProposalError:  # left to _appraise, which raises what appraise() raises
            pass
        else:
            pre = _group(group, m, assumed)
        for j, (i, pub, sup) in enumerate(zip(where, term.pubs, term.sups, strict=True)):
            parts[i] = (term.flows[j], term.contacts[j], pub, sup, irrs[j], irrs[k + j],
                        tables[j], pre[j])
    return [_appraise(p, *part) for p, part in zip(proposals, parts, strict=True)]
