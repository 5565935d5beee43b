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

from sqlalchemy import insert, select, update

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


ORGANISATIONS = Organisation.__table__
KEYS = ApiKey.__table__


def create_key(store: Store, organisation: str, label: str = "") -> tuple[int, str]:
    """Make a key for ``organisation`` (created if new): ``(key id, the key)``. The key is
    returned once and stored only as its digest."""
    key = new_key()
    now = datetime.now(UTC)
    with store.transaction() as connection:
        org_id = connection.scalar(select(ORGANISATIONS.c.id).where(
            ORGANISATIONS.c.name == organisation))
        if org_id is None:
            org_id = connection.scalar(insert(ORGANISATIONS).values(
                name=organisation, created_at=now).returning(ORGANISATIONS.c.id))
        key_id = connection.scalar(insert(KEYS).values(
            organisation_id=org_id, key_sha256=digest(key), label=label, created_at=now,
            revoked_at=None).returning(KEYS.c.id))
    return int(key_id), key


def revoke_key(store: Store, key_id: int) -> bool:
    """Revoke key ``key_id`` from now on; False if there is no such key (revoking twice keeps
    the first time)."""
    with store.transaction() as connection:
        if connection.scalar(select(KEYS.c.id).where(KEYS.c.id == key_id)) is None:
            return False
        connection.execute(update(KEYS).where(KEYS.c.id == key_id, KEYS.c.revoked_at.is_(None))
                           .values(revoked_at=datetime.now(UTC)))
        return True


def list_keys(store: Store, organisation: str | None = None) -> list[KeyInfo]:
    """Every key (of ``organisation``, if given), oldest first."""
    query = (select(KEYS.c.id, ORGANISATIONS.c.name, KEYS.c.label, KEYS.c.created_at,
                    KEYS.c.revoked_at).join(ORGANISATIONS).order_by(KEYS.c.id))
    if organisation is not None:
        query = query.where(ORGANISATIONS.c.name == organisation)
    return [KeyInfo(*row) for row in store.run(query)]


_AUTHENTICATE = (select(KEYS.c.id, KEYS.c.key_sha256, KEYS.c.revoked_at, ORGANISATIONS.c.id,
                        ORGANISATIONS.c.name).join(ORGANISATIONS))


def authenticate(store: Store, key: str) -> Principal | None:
    """The principal of a live ``key``; None for an unknown or revoked one."""
    wanted = digest(key)
    row = store.run(_AUTHENTICATE.where(KEYS.c.key_sha256 == wanted)).first()
    if row is None:
        return None
    key_id, stored, revoked_at, organisation_id, organisation = row
    if not hmac.compare_digest(stored, wanted) or revoked_at is not None:
        return None
    return Principal(key_id, organisation_id, organisation)
