"""The worked examples of the try-it page: the kinds of partnership the project's seed articles
describe, with illustrative figures (not the real deals' figures, which were never published).

Each proposal is a body ``POST /v1/appraisals`` accepts; ``tests/test_report.py`` appraises each
and holds its rating to the one named here, so the page never offers an example that the
method has since come to read differently without someone noticing.
"""

from __future__ import annotations

from typing import Any


def _ramp(first: float, step: float, steady_from: int, years: int) -> list[float]:
    """A yearly profile that moves by ``step`` a year until year ``steady_from``, then holds."""
    return [round(first + step * (min(t, steady_from) - 1), 2) for t in range(1, years + 1)]


#: A council's customer-services contract extended by five years and re-engineered: contact
#: moves from face to face (about GBP 15 a visit in the article) to online (under 50p),
#: avoidable contact is cut, and the saving on contact handling stays with the council.
CONTACT_CENTRE: dict[str, Any] = {
    "name": "Customer services extension with channel shift",
    "partnership_model": "channel_shift",
    "term_years": 5,
    "public": {
        "baseline_annual_cost": 6_000_000,
        "annual_payment": _ramp(5_820_000, -90_000, 3, 5),
        "retained_costs": 150_000,
        "upfront_costs": {"procurement": 160_000, "transition": 120_000, "it": 450_000,
                          "legal": 40_000},
    },
    "supplier": {
        "upfront_investment": 300_000,
        "annual_operating_cost": _ramp(5_330_000, -60_000, 3, 5),
        "cost_of_capital": 0.08,
    },
    "channel_shift": {
        "annual_contacts": 400_000,
        "years_to_target": 4,
        "borne_by": "public",
        "channels": [
            {"channel": "face_to_face", "unit_cost": 14.0, "share_now": 0.2,
             "share_target": 0.1},
            {"channel": "telephone", "unit_cost": 2.83, "share_now": 0.55,
             "share_target": 0.45},
            {"channel": "online", "unit_cost": 0.45, "share_now": 0.25, "share_target": 0.45},
        ],
        "avoidable_contact_now": 0.3,
        "avoidable_contact_target": 0.2,
    },
    "acceptability": {"citizen_support": 0.58, "staff_support": 0.52, "assisted_digital": True,
                      "retains_face_to_face": True, "open_book": True,
                      "performance_regime": True},
}

#: A ten-year property alliance: the supplier invests up front in the council's estate and earns
#: some third-party income from it; savings on running the estate build up over three years.
PROPERTY_ALLIANCE: dict[str, Any] = {
    "name": "Corporate property alliance",
    "partnership_model": "long_term_partnership",
    "term_years": 10,
    "public": {
        "baseline_annual_cost": 12_000_000,
        "annual_payment": _ramp(11_700_000, -200_000, 3, 10),
        "retained_costs": 350_000,
        "upfront_costs": {"procurement": 560_000, "transition": 300_000, "legal": 120_000},
    },
    "supplier": {
        "upfront_investment": 2_500_000,
        "annual_operating_cost": _ramp(10_600_000, -150_000, 3, 10),
        "other_income": 250_000,
        "cost_of_capital": 0.08,
    },
    "risk": {"project_type": "standard_buildings", "stage": "outline"},
    "social_value": {
        "outcomes": [
            {"name": "Apprenticeships in estate services", "quantity": 8, "unit_value": 4_500,
             "source": "council's own evaluation of its apprenticeship scheme",
             "start_year": 2, "duration_years": 8, "deadweight": 0.3, "attribution": 0.2,
             "displacement": 0.1, "evidence_grade": 3},
        ],
    },
    "acceptability": {"staff_support": 0.55, "open_book": True, "performance_regime": True,
                      "jobs_transferred": 45, "jobs_lost": 3},
}

#: A joint venture for development and regulatory services: the service is commercialised, so
#: the venture sells to other councils and developers, and both sides share in its success.
JOINT_VENTURE: dict[str, Any] = {
    "name": "Regulatory services joint venture",
    "partnership_model": "joint_venture",
    "term_years": 10,
    "public": {
        "baseline_annual_cost": 8_000_000,
        "annual_payment": _ramp(7_760_000, -200_000, 3, 10),
        "retained_costs": 250_000,
        "upfront_costs": {"procurement": 380_000, "transition": 250_000, "it": 150_000,
                          "legal": 90_000},
    },
    "supplier": {
        "upfront_investment": 1_200_000,
        "annual_operating_cost": _ramp(7_200_000, -100_000, 3, 10),
        "other_income": _ramp(300_000, 100_000, 5, 10),
        "cost_of_capital": 0.09,
    },
    "social_value": {
        "outcomes": [
            {"name": "Local people into work", "quantity": 12, "unit_value": 6_000,
             "source": "venture's evaluation of its local recruitment", "start_year": 1,
             "duration_years": 10, "deadweight": 0.35, "attribution": 0.25,
             "displacement": 0.2, "drop_off": 0.1, "evidence_grade": 3},
        ],
    },
    "acceptability": {"citizen_support": 0.6, "staff_support": 0.5, "open_book": True,
                      "performance_regime": True, "jobs_transferred": 110, "jobs_lost": 5},
}

#: A bid that wins on price: a 22% saving from the first year on a margin of about 2%, the
#: range of the outsourcers that failed. A Monte Carlo run shows how often each side loses.
LOW_BALL: dict[str, Any] = {
    "name": "Low-ball facilities bid",
    "partnership_model": "outsourcing",
    "term_years": 7,
    "public": {
        "baseline_annual_cost": 9_000_000,
        "annual_payment": 6_750_000,
        "retained_costs": 250_000,
        "upfront_costs": {"procurement": 230_000, "transition": 150_000, "legal": 40_000},
    },
    "supplier": {
        "upfront_investment": 200_000,
        "annual_operating_cost": 6_590_000,
        "cost_of_capital": 0.08,
    },
    "simulation": {"iterations": 5_000, "seed": 7},
}

#: The examples in the order the page offers them: (key, title, what it shows, expected rating,
#: proposal).
EXAMPLES: list[dict[str, Any]] = [
    {"key": "contact-centre", "title": "Contact-centre extension with channel shift",
     "story": "A customer-services contract extended by five years and re-engineered: contact "
              "moves from face to face to online and avoidable contact is cut.",
     "rating": "viable_with_cautions", "proposal": CONTACT_CENTRE},
    {"key": "property-alliance", "title": "Property alliance with supplier investment",
     "story": "A ten-year alliance to run a council's estate, in which the supplier invests up "
              "front and earns some income from the property.",
     "rating": "viable_with_cautions", "proposal": PROPERTY_ALLIANCE},
    {"key": "joint-venture", "title": "Joint venture that sells its services",
     "story": "Development and regulatory services in a joint venture that sells to other "
              "councils and developers.",
     "rating": "robust", "proposal": JOINT_VENTURE},
    {"key": "low-ball", "title": "Low-ball bid",
     "story": "A bid that wins on price: a 22% saving from the first year on a margin of "
              "about 2%, with a Monte Carlo run of the risks.",
     "rating": "over_bullish", "proposal": LOW_BALL},
]
