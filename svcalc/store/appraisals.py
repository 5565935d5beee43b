"""Saved appraisals: save (idempotently), read, list a page, delete. Always within one
organisation: a query names the caller's organisation, so another's id is simply not found.

A save is one INSERT, a transaction by itself. ``Idempotency-Key``: an organisation's key
names at most one saved appraisal (a unique constraint), so of many concurrent saves with one
key exactly one inserts and the others find its row; :func:`save` says which happened, and the
caller compares fingerprints to tell a retry (same proposal) from a reuse (another one).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import orjson
from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from svcalc.store import ids
from svcalc.store.database import Store
from svcalc.store.models import SavedAppraisal

TABLE = SavedAppraisal.__table__
#: The columns of a page's items (never the proposal or the result: a page stays small).
_SUMMARY = (TABLE.c.id, TABLE.c.saved_at, TABLE.c.name, TABLE.c.rating, TABLE.c.method_version,
            TABLE.c.reference_version, TABLE.c.proposal_sha256)
#: Every column of a saved appraisal, in the order of :class:`Saved`.
_FULL = (*_SUMMARY, TABLE.c.request_id, TABLE.c.idempotency_key, TABLE.c.proposal,
         TABLE.c.result)


@dataclass(frozen=True, slots=True)
class NewAppraisal:
    """What a save stores, besides the id and the time it makes."""

    organisation_id: int
    api_key_id: int | None
    request_id: str
    idempotency_key: str | None
    name: str | None
    rating: str
    method_version: str
    reference_version: str
    proposal: str
    result: str


@dataclass(frozen=True, slots=True)
class Summary:
    """A saved appraisal in a page of a list."""

    id: str
    saved_at: datetime
    name: str | None
    rating: str
    method_version: str
    reference_version: str
    proposal_sha256: str


@dataclass(frozen=True, slots=True)
class Saved(Summary):
    """A saved appraisal in full: its summary, then what a summary leaves out."""

    request_id: str
    idempotency_key: str | None
    proposal: str
    result: str


@dataclass(frozen=True, slots=True)
class Filters:
    """What a list may be narrowed to: a rating, a name containing some text (any case), and
    the days (UTC, inclusive) it was saved in."""

    rating: str | None = None
    name: str | None = None
    saved_from: date | None = None
    saved_to: date | None = None


def fingerprint(proposal: str) -> str:
    """SHA-256 of the proposal's canonical JSON (orjson's: keys sorted, no spaces, UTF-8), so
    that the same proposal written with other spacing or key order has the same fingerprint.

    >>> fingerprint('{"b": 1, "a": [1.5, "é"]}') == fingerprint('{"a":[1.5,"é"],"b":1}')
    True
    """
    canonical = orjson.dumps(orjson.loads(proposal), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def save(store: Store, new: NewAppraisal, when: datetime | None = None) -> tuple[Saved, bool]:
    """Save ``new`` with one INSERT (atomic): ``(the saved appraisal, True)``; or, when
    the organisation already used ``new.idempotency_key``, ``(the one saved with it, False)``."""
    when = when or datetime.now(UTC)
    # PostgreSQL text cannot hold NUL; the name column is for lists and filters (the proposal
    # keeps the name as it was, escaped in its JSON text).
    name = None if new.name is None else new.name.replace("\x00", "\ufffd")
    saved = Saved(ids.new_id(when), when, name, new.rating, new.method_version,
                  new.reference_version, fingerprint(new.proposal), new.request_id,
                  new.idempotency_key, new.proposal, new.result)
    try:
        store.run(insert(TABLE).values(
            id=saved.id, organisation_id=new.organisation_id, api_key_id=new.api_key_id,
            saved_at=when, request_id=new.request_id, idempotency_key=new.idempotency_key,
            name=name, rating=new.rating, method_version=new.method_version,
            reference_version=new.reference_version, proposal_sha256=saved.proposal_sha256,
            proposal=new.proposal, result=new.result), read_only=False)
    except IntegrityError:
        if new.idempotency_key is None:
            raise
        existing = by_idempotency_key(store, new.organisation_id, new.idempotency_key)
        if existing is None:  # pragma: no cover - the row that conflicted was deleted since
            raise
        return existing, False
    return saved, True


def _one(store: Store, *where: Any) -> Saved | None:
    row = store.run(select(*_FULL).where(*where)).first()
    return None if row is None else Saved(*row)


def by_idempotency_key(store: Store, organisation_id: int, key: str) -> Saved | None:
    """The appraisal ``organisation_id`` saved with Idempotency-Key ``key``, if any."""
    return _one(store, TABLE.c.organisation_id == organisation_id,
                TABLE.c.idempotency_key == key)


def get(store: Store, organisation_id: int, id_: str) -> Saved | None:
    """Saved appraisal ``id_`` of ``organisation_id``; None if it has none by that id."""
    if not ids.ID_PATTERN.fullmatch(id_):
        return None
    return _one(store, TABLE.c.organisation_id == organisation_id, TABLE.c.id == id_)


def page(store: Store, organisation_id: int, filters: Filters = Filters(),
         after: str | None = None, limit: int = 20) -> tuple[list[Summary], str | None]:
    """One page of ``organisation_id``'s saved appraisals, newest first: the ``limit`` after the
    id ``after`` (the previous page's cursor), and the cursor of the next page (None on the
    last). Keyset pagination: the page is an index range from ``after``, so it costs the same
    on the first page as on the thousandth, with a hundred rows or a million."""
    query = select(*_SUMMARY).where(TABLE.c.organisation_id == organisation_id)
    if filters.rating is not None:
        query = query.where(TABLE.c.rating == filters.rating)
    if filters.name is not None:
        query = query.where(TABLE.c.name.icontains(filters.name, autoescape=True))
    if filters.saved_from is not None:
        query = query.where(TABLE.c.id >= ids.floor_id(_midnight(filters.saved_from)))
    if filters.saved_to is not None and filters.saved_to < date.max:
        next_day = filters.saved_to + timedelta(days=1)
        query = query.where(TABLE.c.id < ids.floor_id(_midnight(next_day)))
    if after is not None:
        query = query.where(TABLE.c.id < after)
    query = query.order_by(TABLE.c.id.desc()).limit(limit + 1)
    rows = [Summary(*row) for row in store.run(query)]
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def delete(store: Store, organisation_id: int, id_: str) -> bool:
    """Delete saved appraisal ``id_`` of ``organisation_id``; False if it has none by that id."""
    if not ids.ID_PATTERN.fullmatch(id_):
        return False
    result: Any = store.run(sql_delete(TABLE).where(
        TABLE.c.organisation_id == organisation_id, TABLE.c.id == id_), read_only=False)
    return bool(result.rowcount)
