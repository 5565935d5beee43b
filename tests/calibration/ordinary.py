"""Ten ordinary deals, as issue 15 describes them: savings of 5-10% of business as usual reached
after a two- or three-year ramp, supplier margins of 6-13%, procurement and transition costed.
Built the way ``cases.json`` was (``make_cases.py`` beside the shared calibration set): payments
ramp to the saving, the supplier's cost is its margin off each year's payment, procurement is a
share of the contract's present value at 3.5%."""

from __future__ import annotations

from typing import Any


def deal(name: str, model: str, term: int, bau: float, saving: float, ramp: int, margin: float,
         procurement_share: float | None, transition: float, it: float = 0.0,
         investment: float = 0.0, retained_share: float = 0.04, **blocks: Any) -> dict[str, Any]:
    """A proposal whose payments ramp to ``saving`` of ``bau`` over ``ramp`` years and whose
    supplier earns ``margin`` on each year's payment (``procurement_share`` None: no
    procurement cost given); ``blocks`` are added as they are (channel_shift, ...)."""
    start, target = bau * (1 - retained_share), bau * (1 - saving - retained_share)
    pays = [round(start + (target - start) * min(t / ramp, 1.0), 2) for t in range(1, term + 1)]
    contract_pv = sum(p / 1.035 ** t for t, p in enumerate(pays, 1))
    upfront = {"transition": transition, "it": it, "legal": round(0.15 * transition, 2)}
    if procurement_share is not None:
        upfront["procurement"] = round(contract_pv * procurement_share, 2)
    return {
        "name": name, "partnership_model": model, "term_years": term,
        "public": {"baseline_annual_cost": bau, "annual_payment": pays,
                   "retained_costs": round(bau * retained_share, 2), "upfront_costs": upfront},
        "supplier": {"annual_operating_cost": [round(p * (1 - margin), 2) for p in pays],
                     "upfront_investment": investment},
        **blocks,
    }


ORDINARY: list[dict[str, Any]] = [
    deal("Revenues and benefits", "outsourcing", 7, 6e6, 0.05, 2, 0.06, 0.010, 200e3),
    deal("Facilities management", "outsourcing", 10, 9e6, 0.06, 3, 0.07, 0.011, 300e3,
         investment=300e3),
    deal("Payroll shared service", "shared_service", 8, 3e6, 0.07, 2, 0.08, 0.012, 150e3,
         it=120e3),
    deal("Highways maintenance", "long_term_partnership", 12, 20e6, 0.08, 3, 0.09, 0.010,
         700e3, investment=1.5e6),
    deal("Waste collection", "outsourcing", 8, 12e6, 0.09, 2, 0.10, 0.010, 500e3,
         investment=1e6),
    deal("IT service desk", "outsourcing", 5, 2.5e6, 0.10, 2, 0.11, 0.012, 100e3, it=80e3),
    deal("Property services", "joint_venture", 10, 7e6, 0.07, 3, 0.12, 0.011, 250e3,
         investment=600e3),
    deal("Cleaning", "outsourcing", 6, 4e6, 0.06, 2, 0.13, 0.012, 120e3),
    deal("Procurement shared service", "shared_service", 7, 1.8e6, 0.08, 3, 0.09, 0.011,
         90e3, it=60e3),
    deal("Adult social care brokerage", "long_term_partnership", 9, 5e6, 0.05, 2, 0.10,
         0.010, 180e3),
]
