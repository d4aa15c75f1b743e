"""Verification on records, partner proposals awaiting review, and accounts in the store.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("verified_at", sa.Text, nullable=True))
        batch.add_column(sa.Column("verified_by", sa.Text, nullable=True))
    op.create_table(
        "proposals",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("directory", sa.Text, sa.ForeignKey("directories.name", ondelete="CASCADE"), nullable=False),
        sa.Column("record_id", sa.Text, nullable=False),
        sa.Column("base_version", sa.Integer, nullable=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("proposed_by", sa.Text, nullable=False),
        sa.Column("proposed_at", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("decided_by", sa.Text, nullable=True),
        sa.Column("decided_at", sa.Text, nullable=True),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.Text, nullable=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        contents = sa.table("gpkg_contents", sa.column("table_name"), sa.column("data_type"),
                            sa.column("identifier"), sa.column("description"), sa.column("last_change"))
        op.bulk_insert(contents, [{"table_name": "proposals", "data_type": "attributes", "identifier": "proposals",
                                   "description": "geomap: proposed changes awaiting review",
                                   "last_change": "2026-12-07T00:00:00.000Z"}])
