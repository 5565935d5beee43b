"""Databases for the tests: migrated, with the documented example's organisation and a key for
it, and the saved worked example (svcalc.api.examples.SAVED), so that every documented example
of the saved appraisals' operations replays against them (tests/test_contract.py)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.orm import Session

from svcalc.api import examples
from svcalc.store import keys, migrate
from svcalc.store.database import Store
from svcalc.store.models import SavedAppraisal

EXAMPLE_ORGANISATION = examples.SAVED["organisation"]


def seed(url: str) -> str:
    """Migrate the empty database at ``url``, give it the example organisation and its saved
    worked example, and return a key of that organisation."""
    migrate.upgrade(url)
    store = Store(url)
    try:
        key_id, key = keys.create_key(store, EXAMPLE_ORGANISATION, "tests")
        saved = examples.saved_example()
        with orm(url) as session:
            session.add(SavedAppraisal(
                id=saved["id"], organisation_id=1, api_key_id=key_id,
                saved_at=datetime.fromisoformat(saved["saved_at"]),
                request_id=saved["request_id"], idempotency_key=saved["idempotency_key"],
                name=saved["name"], rating=saved["rating"],
                method_version=saved["method_version"],
                reference_version=saved["reference_version"],
                proposal_sha256=saved["proposal_sha256"], proposal=examples.SAVED_PROPOSAL_TEXT,
                result=json.dumps(saved["result"], separators=(",", ":"))))
    finally:
        store.dispose()
    return key


def key_for(url: str, organisation: str) -> str:
    """A new key of ``organisation`` in the database at ``url``."""
    store = Store(url)
    try:
        return keys.create_key(store, organisation)[1]
    finally:
        store.dispose()


@contextlib.contextmanager
def orm(url: str) -> Iterator[Session]:
    """An ORM session on the database at ``url`` in one transaction, for tests to look at and
    change rows directly."""
    store = Store(url)
    try:
        with Session(store.engine) as session, session.begin():
            yield session
    finally:
        store.dispose()
