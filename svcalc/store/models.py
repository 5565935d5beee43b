"""The tables: organisations, their API keys, and their saved appraisals.

The schema is changed only by a migration in :mod:`svcalc.store.migrations` (a test upgrades an
empty database to head and compares it with these models).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in UTC: ``timestamptz`` on PostgreSQL; on SQLite, which has no time zones, text in
    UTC read back as an aware datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: svcalc stores aware UTC moments")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    # Named constraints and indexes, so migrations can name what they drop on every database.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
    })


class Organisation(Base):
    """Whose appraisals are whose: every key belongs to one, and sees only its appraisals."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(Base):
    """An API key, kept only as the SHA-256 digest of the key (the key itself is shown once, when
    it is made, and stored nowhere)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class SavedAppraisal(Base):
    """An appraisal as it was answered: the proposal as received, the body as sent, and what is
    needed to cite and reproduce it."""

    __tablename__ = "saved_appraisals"
    __table_args__ = (
        # An organisation's Idempotency-Key names one saved appraisal (NULLs are distinct).
        UniqueConstraint("organisation_id", "idempotency_key",
                         name="uq_saved_appraisals_organisation_idempotency_key"),
        # Newest first, and newest first of one rating: one index range each (keyset pages).
        Index("ix_saved_appraisals_organisation_id_id", "organisation_id", "id"),
        Index("ix_saved_appraisals_organisation_rating_id", "organisation_id", "rating", "id"),
    )

    #: A ULID (svcalc.store.ids): time-ordered, so it is also the page order and the date filter.
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"))
    #: The key that saved it (kept for the audit trail when the key is deleted).
    api_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    request_id: Mapped[str] = mapped_column(String(128))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(200))
    rating: Mapped[str] = mapped_column(String(32))
    method_version: Mapped[str] = mapped_column(String(32))
    reference_version: Mapped[str] = mapped_column(String(32))
    #: SHA-256 of the proposal's canonical JSON (svcalc.store.appraisals.fingerprint).
    proposal_sha256: Mapped[str] = mapped_column(String(64))
    #: The request body exactly as received (UTF-8 JSON text).
    proposal: Mapped[str] = mapped_column(Text)
    #: The appraisal's JSON body exactly as it was sent.
    result: Mapped[str] = mapped_column(Text)
