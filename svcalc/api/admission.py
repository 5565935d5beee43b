"""Admission control: a request's cost is known before it computes, and heavy work is rationed.

Every operation that appraises works out what it will cost before any appraisal runs, and calls
:func:`admit`; batches do it from their items as sent, before even validating them
(:func:`estimate`), so that refusing a heavy batch costs next to nothing:

* **Cost.** In units of about one millisecond of one idle core (measured: bench/RESULTS.md):
  1 per proposal appraised, plus ``term_years / 100``, plus ``iterations / 10,000`` for its Monte
  Carlo simulation (:func:`proposal_cost`); 1 per series of cash flows. A batch costs the sum of
  its items.
* **The operator's caps**, on every path: ``MAX_BATCH_SIZE`` (items in a batch: proposals,
  spreadsheet operations), ``MAX_SIMULATION_ITERATIONS`` (per simulation, wherever a proposal is
  given) and ``MAX_REQUEST_COST``: a request over a cap is a 422 naming the field, before any
  work.
* **Heavy work is rationed.** A request costing ``HEAVY_REQUEST_COST`` or more must hold one of
  ``HEAVY_CONCURRENCY`` slots shared by every worker of the server, or it is answered at once
  with ``503`` problem+json of type ``server-busy`` and ``Retry-After`` (when the running heavy
  requests should be done). With 1 slot and 3 workers, two workers are always free for
  ``/healthz``, single appraisals and the spreadsheet GETs, however many batches arrive.

A slot is an exclusive ``flock`` on a file ``slot-<n>`` in ``ADMISSION_DIR`` (gunicorn.conf.py
makes one directory per server and hands it to its workers): the kernel releases it when the
request ends, and also when a worker is killed mid-request, so no crash can leak a slot. The
file holds when its holder expects to finish, from which ``Retry-After`` is worked out.
"""

from __future__ import annotations

import atexit
import fcntl
import math
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from functools import cache
from typing import Any

import flask
from flask_smorest import abort

from svcalc.api.problems import problem_response
from svcalc.api.schemas.fields import MAX_TERM
from svcalc.api.schemas.proposal import MAX_ITERATIONS, SimulationRequestSchema
from svcalc.core.model import Proposal

#: Iterations of a simulation that does not say how many.
DEFAULT_ITERATIONS = int(SimulationRequestSchema().fields["iterations"].load_default)

#: Cost of a simulation: this many iterations cost about as much as one appraisal.
ITERATIONS_PER_UNIT = 10_000
#: Cost of the years of a proposal: this many years cost about as much as one appraisal.
YEARS_PER_UNIT = 100
#: One unit is about this many seconds of one idle core (to estimate Retry-After).
SECONDS_PER_UNIT = 0.001
#: Retry-After is at least 1 s and at most this.
MAX_RETRY_AFTER = 60


class ServerBusy(Exception):
    """Every heavy-work slot is taken; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int, cost: float) -> None:
        super().__init__(retry_after, cost)
        self.retry_after, self.cost = retry_after, cost


def unit_cost(term_years: int, iterations: int = 0) -> float:
    """Cost of appraising one proposal, in units of ~1 ms of one idle core.

    >>> unit_cost(60), unit_cost(10, 100_000), unit_cost(60, 100_000)
    (1.6, 11.1, 11.6)
    """
    return 1.0 + term_years / YEARS_PER_UNIT + iterations / ITERATIONS_PER_UNIT


def proposal_cost(proposal: Proposal) -> float:
    """Cost of appraising ``proposal`` (with its simulation, if it asks for one)."""
    simulation = proposal.simulation
    return unit_cost(proposal.term_years, simulation.iterations if simulation else 0)


def cost(proposals: Iterable[Proposal]) -> float:
    """Cost of appraising ``proposals``."""
    return sum(proposal_cost(p) for p in proposals)


def _count(value: Any, default: int, most: int) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most
    return value if ok else default


def estimate(raw: Any) -> float:
    """Cost of a proposal as sent, before it is validated (an invalid one is answered with its
    problem, which costs less than this).

    >>> estimate({"term_years": 60, "simulation": {"iterations": 100_000}}), estimate("junk")
    (11.6, 1.0)
    >>> estimate({"term_years": 10, "simulation": {}})  # the default 10,000 iterations
    2.1
    """
    if not isinstance(raw, dict):
        return 1.0
    term = _count(raw.get("term_years"), 0, MAX_TERM)
    simulation = raw.get("simulation")
    iterations = 0
    if isinstance(simulation, dict):
        iterations = _count(simulation.get("iterations", DEFAULT_ITERATIONS), 0, MAX_ITERATIONS)
    return unit_cost(term, iterations)


def check_batch_size(count: int, at: str, what: str) -> None:
    """422 naming ``at`` when a batch holds more than ``MAX_BATCH_SIZE`` items."""
    limit = int(flask.current_app.config["MAX_BATCH_SIZE"])
    if count > limit:
        abort(422, detail=f"A batch holds at most {limit:,} {what}; this one has {count:,}. "
                          "Split it.", kind="validation-error",
              errors=[{"pointer": at, "detail": f"At most {limit:,} {what}; got {count:,}."}])


def admit(units: float, at: str = "#") -> None:
    """Let a request costing ``units`` compute, or refuse it: 422 (over ``MAX_REQUEST_COST``,
    naming ``at``), 503 server-busy (heavy, and every slot taken). A heavy request keeps its
    slot until it ends."""
    config = flask.current_app.config
    cap = float(config["MAX_REQUEST_COST"] or 0)
    if cap and units > cap:
        parts = math.ceil(units / cap)
        abort(422, detail=f"This request would cost {units:,.0f} units of work; this server "
                          f"computes at most {cap:,.0f} in one request. Split it into {parts} "
                          "or more requests, or ask for fewer simulation iterations.",
              kind="validation-error",
              errors=[{"pointer": at, "detail": f"Costs {units:,.0f} units; at most "
                                                f"{cap:,.0f} (MAX_REQUEST_COST)."}])
    if units < float(config["HEAVY_REQUEST_COST"]):
        return
    fd, retry_after = _take_slot(_directory(str(config["ADMISSION_DIR"] or "")),
                                 int(config["HEAVY_CONCURRENCY"]), units)
    if fd is None:
        raise ServerBusy(retry_after, units)
    flask.g.admission_slot = fd


@cache
def _own_directory() -> str:
    """A slot directory for this process alone (the test client, ``flask run``)."""
    directory = tempfile.mkdtemp(prefix="svcalc-admission-")
    atexit.register(shutil.rmtree, directory, True)
    return directory


def _directory(configured: str) -> str:
    if not configured:
        return _own_directory()
    os.makedirs(configured, mode=0o700, exist_ok=True)
    return configured


def _take_slot(directory: str, slots: int, units: float) -> tuple[int | None, int]:
    """(a locked slot's file descriptor, 0), or, when every slot is taken, (None, seconds until
    the first holder expects to finish: ``Retry-After``). With 0 slots nothing heavy runs."""
    now = time.time()
    ends: list[float] = []
    for n in range(max(slots, 0)):
        fd = os.open(os.path.join(directory, f"slot-{n}"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            ends.append(_expected_end(fd, now))
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{now:.3f} {now + units * SECONDS_PER_UNIT:.3f}".encode(), 0)
        return fd, 0
    wait = min(ends, default=now + MAX_RETRY_AFTER) - now
    return None, max(1, min(MAX_RETRY_AFTER, math.ceil(wait)))


def _expected_end(fd: int, now: float) -> float:
    """When the holder of a slot should be done: as it estimated, or, once it is past that
    (a loaded machine), a quarter of the time it has run so far from now."""
    try:
        start, end = (float(x) for x in os.pread(fd, 64, 0).split())
    except ValueError:
        return now
    return end if end > now else now + 0.25 * (now - start)


def _release(error: BaseException | None = None) -> None:
    fd = flask.g.pop("admission_slot", None)
    if fd is not None:
        os.close(fd)  # closing the file releases its lock


def handle_server_busy(error: ServerBusy) -> flask.Response:
    """503 server-busy with Retry-After: the request is valid; the server is full of heavy work."""
    return problem_response(
        503,
        f"The server is already computing as many heavy requests as it allows at once (this one "
        f"costs {error.cost:,.0f} units of work). Retry after {error.retry_after} s, or send "
        "smaller requests.",
        kind="server-busy", title="Server busy",
        headers={"Retry-After": str(error.retry_after)})


def register(app: flask.Flask) -> None:
    """Release a request's slot when it ends; answer a refusal with 503 problem+json."""
    app.teardown_request(_release)
    app.register_error_handler(ServerBusy, handle_server_busy)
