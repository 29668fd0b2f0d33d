"""Alembic environment: runs on the connection that synth.store.migrate hands over.

There is no alembic.ini: the configuration is built in code (see synth/store/migrate.py), so
``synth db init`` works from an installed package with no files beside it.
"""

from __future__ import annotations

from alembic import context

from synth.store.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through synth.store.migrate.upgrade (synth db init)")

# render_as_batch lets later revisions alter tables on SQLite, which has no ALTER COLUMN.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
