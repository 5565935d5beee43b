"""API keys and organisations.

A key is 256 random bits (``svc_`` and 43 URL-safe characters), shown once when it is made. Only
its SHA-256 digest is stored; a request's key is hashed, the row is found by that digest (an
index lookup), and the digests are compared again with :func:`hmac.compare_digest`, so neither
the key nor its digest is ever compared as text in a way whose timing depends on it. A fast hash
is enough here (unlike passwords): a key has 256 bits of entropy, so its digest cannot be
brute-forced.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from svcalc.store.database import Store
from svcalc.store.models import ApiKey, Organisation

KEY_PREFIX = "svc_"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's id and its organisation."""

    key_id: int
    organisation_id: int
    organisation: str


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A key as ``flask keys list`` shows it (never the key)."""

    id: int
    organisation: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


def new_key() -> str:
    """A fresh API key: 256 random bits.

    >>> key = new_key()
    >>> key.startswith("svc_"), len(key)
    (True, 47)
    """
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    """The SHA-256 digest of ``key`` as 64 hex characters: what is stored and looked up.

    >>> digest("svc_example")
    '3583344ae277c345d382983b2e8dcbae7efa98e22d8ead29f643e7e9fa415797'
    """
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_key(store: Store, organisation: str, label: str = "") -> tuple[int, str]:
    """Make a key for ``organisation`` (created if new): ``(key id, the key)``. The key is
    returned once and stored only as its digest."""
    key = new_key()
    now = datetime.now(UTC)
    with store.transaction() as session:
        org = session.scalar(select(Organisation).where(Organisation.name == organisation))
        if org is None:
            org = Organisation(name=organisation, created_at=now)
            session.add(org)
            session.flush()
        row = ApiKey(organisation_id=org.id, key_sha256=digest(key), label=label, created_at=now)
        session.add(row)
        session.flush()
        return row.id, key


def revoke_key(store: Store, key_id: int) -> bool:
    """Revoke key ``key_id`` from now on; False if there is no such key (revoking twice keeps
    the first time)."""
    with store.transaction() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            return False
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
        return True


def list_keys(store: Store, organisation: str | None = None) -> list[KeyInfo]:
    """Every key (of ``organisation``, if given), oldest first."""
    query = (select(ApiKey, Organisation.name).join(Organisation)
             .order_by(ApiKey.id))
    if organisation is not None:
        query = query.where(Organisation.name == organisation)
    with store.transaction() as session:
        return [KeyInfo(k.id, org, k.label, k.created_at, k.revoked_at)
                for k, org in session.execute(query)]


def authenticate(store: Store, key: str) -> Principal | None:
    """The principal of a live ``key``; None for an unknown or revoked one."""
    wanted = digest(key)
    query = (select(ApiKey.id, ApiKey.key_sha256, ApiKey.revoked_at, Organisation.id,
                    Organisation.name)
             .join(Organisation).where(ApiKey.key_sha256 == wanted))
    with store.transaction() as session:
        row = session.execute(query).first()
    if row is None:
        return None
    key_id, stored, revoked_at, organisation_id, organisation = row
    if not hmac.compare_digest(stored, wanted) or revoked_at is not None:
        return None
    return Principal(key_id, organisation_id, organisation)
