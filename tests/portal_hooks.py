"""Schemathesis hook (``before_call``) for the portal operations (imported by conftest.py, so it
is registered before tests/test_contract_fuzz.py loads the spec).

``test_contract_fuzz.consistent`` applies the cross-field rules the spec states in words to a
proposal at the top of a body. A comparison carries its proposals at ``options/*/proposal``, and
its description adds one rule more: every option shares option 0's term, public discounting and
currency. This hook applies the same rules there (a batch needs nothing: an inconsistent item is
answered as its own problem details inside a 200). Schemathesis re-validates a body a hook
changed, so a negative case stays negative.
"""

from __future__ import annotations

from typing import Any

import schemathesis


class _ProposalOperation:
    """Just enough of an operation for ``consistent``: a body that is one Proposal."""

    class definition:  # noqa: N801 - mirrors schemathesis' attribute name
        raw = {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Proposal"}}}}}


def consistent_comparison(body: Any) -> Any:
    from tests.test_contract_fuzz import consistent

    options = body.get("options") if isinstance(body, dict) else None
    if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
        return body
    fixed: list[Any] = []
    first: dict[str, Any] | None = None
    for opt in options:
        proposal = opt.get("proposal")
        if isinstance(proposal, dict):
            if first is None:
                first = proposal
            else:
                proposal = {**proposal}
                for key in ("term_years", "currency"):
                    if key in first:
                        proposal[key] = first[key]
                    else:
                        proposal.pop(key, None)
                pub, pub0 = proposal.get("public"), first.get("public")
                if isinstance(pub, dict) and isinstance(pub0, dict):
                    pub = {k: v for k, v in pub.items() if k != "discount_rate"}
                    if "discount_rate" in pub0:
                        pub["discount_rate"] = pub0["discount_rate"]
                    proposal["public"] = pub
            proposal = consistent(_ProposalOperation, proposal)
            opt = {**opt, "proposal": proposal}
        fixed.append(opt)
    labels = [o.get("option") for o in fixed]
    if len(set(map(repr, labels))) == len(labels) and "business_as_usual" not in labels:
        return {**body, "options": fixed}
    return {**body, "options": [{**o, "option": f"option {i}"} for i, o in enumerate(fixed)]}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: Any) -> None:
    # At call time, so every phase is covered (examples, coverage, fuzzing), as the test's own
    # hook is; schemathesis judges positive/negative on the body actually sent.
    if case.operation.path == "/v1/comparisons" and isinstance(case.body, dict):
        case.body = consistent_comparison(case.body)
