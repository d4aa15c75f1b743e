"""The store's tables: the one definition of what the system of record holds.

Both backends (GeoPackage and PostGIS) hold the same tables, created and changed only by the
versioned migrations in :mod:`geomap.store.migrations`. Keys are natural or random text, never
database sequences, so a backup restores identically on either backend.

- ``directories``: one named directory (or project set) per row, with its country, owner,
  licence, sensitivity and whether it is a fictional sample.
- ``records``: the current, approved version of each record; ``data`` holds the schema's fields
  as text (:mod:`geomap.directory.schema`), ``version`` counts its saved changes.
- ``changes``: every change, one row per field, in the shape of the HSDS 3.0 ``metadata`` table
  (``resource_id``, ``resource_type``, ``last_action_date``, ``last_action_type``,
  ``field_name``, ``previous_value``, ``replacement_value``, ``updated_by``) plus ``reason``,
  ``directory`` and the record ``version`` the change produced.
- ``proposals``: changes proposed by partners, invisible to the public until an editor approves.
- ``users``: accounts (bcrypt hashes only), roles, sign-in lockout and whether disabled.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["metadata", "directories", "records", "changes", "proposals", "users", "DATA_TABLES"]

metadata = sa.MetaData()

directories = sa.Table(
    "directories",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("country", sa.Text, nullable=False),
    sa.Column("owner", sa.Text, nullable=False, server_default=""),
    sa.Column("licence", sa.Text, nullable=False, server_default=""),
    sa.Column("sensitivity", sa.Text, nullable=False, server_default="restricted"),
    sa.Column("fictional", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("kind", sa.Text, nullable=False, server_default="directory"),
    sa.Column("created_at", sa.Text, nullable=False),
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("directory", sa.Text, sa.ForeignKey("directories.name", ondelete="CASCADE"), primary_key=True),
    sa.Column("record_id", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("extra", sa.JSON, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("verified_at", sa.Text, nullable=True),
    sa.Column("verified_by", sa.Text, nullable=True),
)

changes = sa.Table(
    "changes",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("directory", sa.Text, nullable=False),
    sa.Column("resource_id", sa.Text, nullable=False),
    sa.Column("resource_type", sa.Text, nullable=False, server_default="service"),
    sa.Column("last_action_date", sa.Text, nullable=False),
    sa.Column("last_action_type", sa.Text, nullable=False),
    sa.Column("field_name", sa.Text, nullable=False),
    sa.Column("previous_value", sa.Text, nullable=True),
    sa.Column("replacement_value", sa.Text, nullable=True),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_changes_record", "directory", "resource_id", "version"),
)

proposals = sa.Table(
    "proposals",
    metadata,
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

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.Text, nullable=True),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
)

#: Tables a backup copies, parents first.
DATA_TABLES: tuple[sa.Table, ...] = (directories, records, changes, proposals, users)
