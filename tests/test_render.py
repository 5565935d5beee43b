"""The body svcalc sends is what the response schemas declare (svcalc/api/render.py).

Bodies are written from the core's records by ``render.body``; the marshmallow schemas stay the
declaration of the contract (the spec is generated from them). marshmallow's own ``dump`` of a
record is the reference: the body must equal it value for value and key for key, money rounded
to 2 decimals by both. schemathesis (tests/test_contract_fuzz.py) checks the same against the
spec over HTTP.
"""

from __future__ import annotations

import json

from hypothesis import given, settings

from svcalc.api.render import body
from svcalc.api.schemas.appraisal import AppraisalSchema
from svcalc.api.schemas.proposal import ProposalSchema
from svcalc.core import appraise
from tests.strategies import proposal_bodies

PROPOSAL, APPRAISAL = ProposalSchema(), AppraisalSchema()


def _same_json(a: object, b: object) -> bool:
    """Equal values with keys in the same order (what a client parsing the text sees)."""
    return json.dumps(a) == json.dumps(b)


@settings(max_examples=150, deadline=None)
@given(proposal_bodies())
def test_body_equals_marshmallows_dump_of_the_schema(raw):
    appraisal = appraise(PROPOSAL.load(raw))
    rendered = body(appraisal)
    assert _same_json(rendered, APPRAISAL.dump(appraisal))
    APPRAISAL.load(rendered)  # every declared field present, of its type; nothing undeclared


def test_money_is_rounded_to_cents_and_only_money(proposal):
    appraisal = appraise(PROPOSAL.load(proposal))
    rendered = body(appraisal)
    assert appraisal.public.npv != round(appraisal.public.npv, 2)  # the core keeps precision
    assert rendered["public"]["npv"] == round(appraisal.public.npv, 2)
    assert rendered["cash_flows"][3]["public_discounted"] == round(
        appraisal.cash_flows[3].public_discounted, 2)
    # Ratios and factors are not money: they are sent as computed.
    assert rendered["partnership"]["support_ratio"] == appraisal.partnership.support_ratio
    assert rendered["cash_flows"][3]["discount_factor"] == appraisal.cash_flows[3].discount_factor
