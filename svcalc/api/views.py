"""What the operations of several blueprints share: their documented body errors, the server's
simulation cap, and JSON bodies written from the core's records."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from flask import Response, current_app
from flask_smorest import Blueprint

from svcalc.api.problems import EXAMPLES, PROBLEM_MEDIA_TYPE, ProblemSchema
from svcalc.api.render import body
from svcalc.core.errors import ProposalError
from svcalc.core.model import Proposal

View = TypeVar("View", bound=Callable[..., Any])

#: Status codes every body-taking operation can answer besides 200 and 422 (408: a body that
#: stops arriving, svcalc/api/limits.py).
BODY_ERRORS = {status: HTTPStatus(status).name for status in (400, 408, 413, 415)}


def document_body_errors(bp: Blueprint) -> Callable[[View], View]:
    """Declare the problem+json answers of an operation of ``bp`` that reads a JSON body."""

    def decorate(func: View) -> View:
        for status, name in BODY_ERRORS.items():
            func = bp.alt_response(status, response=name)(func)
        return func

    return decorate


def document_busy(bp: Blueprint) -> Callable[[View], View]:
    """Declare the 503 of an operation that may be heavy (svcalc/api/admission.py)."""
    return bp.alt_response(
        503, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, example=EXAMPLES["SERVER_BUSY"],
        description="The server is busy: every heavy-work slot is taken (problem type "
                    "server-busy; retry after Retry-After seconds), or the request computed "
                    "past the server's budget (compute-budget-exceeded; send a smaller one).",
        headers={"Retry-After": {
            "description": "With server-busy: seconds after which a slot should be free.",
            "schema": {"type": "integer", "minimum": 1, "maximum": 60}}})


def check_simulation(proposal: Proposal, at: str = "#", cap: int | None = None) -> None:
    """Refuse more iterations than the deployment allows (``MAX_SIMULATION_ITERATIONS``)."""
    if cap is None:
        cap = current_app.config["MAX_SIMULATION_ITERATIONS"]
    if proposal.simulation is not None and proposal.simulation.iterations > cap:
        raise ProposalError(f"at most {cap:,} iterations on this server",
                            at + "/simulation/iterations")


def json_response(record: Any) -> Response:
    """A 200 whose JSON body is ``record`` (a core record, or objects holding them) as
    :func:`svcalc.api.render.body` writes it."""
    response: Response = current_app.json.response(body(record))  # type: ignore[attr-defined]
    return response
