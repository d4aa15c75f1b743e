"""Alembic environment: runs on the connection :func:`geomap.store.engine.migrate` hands over."""

from __future__ import annotations

from alembic import context

import geomap.store.tables as tables

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=tables.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
