"""Organisations, API keys and saved appraisals.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from svcalc.store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("name", name="uq_organisations_name"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(),
                  sa.ForeignKey("organisations.id", ondelete="CASCADE",
                                name="fk_api_keys_organisation_id"), nullable=False),
        sa.Column("key_sha256", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("key_sha256", name="uq_api_keys_key_sha256"),
    )
    op.create_index("ix_api_keys_organisation_id", "api_keys", ["organisation_id"])
    op.create_table(
        "saved_appraisals",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("organisation_id", sa.Integer(),
                  sa.ForeignKey("organisations.id", ondelete="CASCADE",
                                name="fk_saved_appraisals_organisation_id"), nullable=False),
        sa.Column("api_key_id", sa.Integer(),
                  sa.ForeignKey("api_keys.id", ondelete="SET NULL",
                                name="fk_saved_appraisals_api_key_id"), nullable=True),
        sa.Column("saved_at", UTCDateTime(), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("rating", sa.String(32), nullable=False),
        sa.Column("method_version", sa.String(32), nullable=False),
        sa.Column("reference_version", sa.String(32), nullable=False),
        sa.Column("proposal_sha256", sa.String(64), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.UniqueConstraint("organisation_id", "idempotency_key",
                            name="uq_saved_appraisals_organisation_idempotency_key"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and bind.dialect.server_version_info >= (14,):
        # The texts (~20 KB a result) are compressed when stored: lz4 costs the server a
        # fraction of the default pglz's CPU on every save. Left at pglz where the server was
        # built without lz4.
        with bind.begin_nested():
            lz4 = bind.exec_driver_sql("SELECT 1 FROM pg_settings WHERE name = "
                                       "'default_toast_compression' AND 'lz4' = ANY(enumvals)")
            if lz4.first() is not None:
                op.execute("ALTER TABLE saved_appraisals ALTER COLUMN proposal SET COMPRESSION "
                           "lz4, ALTER COLUMN result SET COMPRESSION lz4")
    op.create_index("ix_saved_appraisals_organisation_id_id", "saved_appraisals",
                    ["organisation_id", "id"])
    op.create_index("ix_saved_appraisals_organisation_rating_id", "saved_appraisals",
                    ["organisation_id", "rating", "id"])


def downgrade() -> None:
    op.drop_index("ix_saved_appraisals_organisation_rating_id", "saved_appraisals")
    op.drop_index("ix_saved_appraisals_organisation_id_id", "saved_appraisals")
    op.drop_table("saved_appraisals")
    op.drop_index("ix_api_keys_organisation_id", "api_keys")
    op.drop_table("api_keys")
    op.drop_table("organisations")
