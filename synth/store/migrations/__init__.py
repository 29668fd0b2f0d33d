"""Alembic migrations of the review database (run by :func:`synth.store.migrate.upgrade`)."""
