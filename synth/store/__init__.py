"""The review database: all of synth's SQL lives in this package.

``make_engine`` opens the store (``SYNTH_DATABASE_URL``, default a SQLite file in the user's
data dir), ``init_db`` creates or upgrades its schema, ``import_result`` brings a pipeline
result in, and :mod:`synth.store.queries` reads it back. Review actions are in
:mod:`synth.decisions.review`.
"""

from __future__ import annotations

from sqlalchemy import Engine

from synth.store.db import database_url, make_engine, transaction
from synth.store.importer import ConveningSpec, ImportReport, import_result


def init_db(engine: Engine) -> None:
    """Create or upgrade the schema (``alembic upgrade head``); safe to run again."""
    from synth.store.migrate import upgrade

    upgrade(engine)


__all__ = ["ConveningSpec", "ImportReport", "database_url", "import_result", "init_db",
           "make_engine", "transaction"]
