"""Setting a convening up: the store the app opens, and the convenings to choose from.

The app reaches the store only through services (this one and those of :mod:`synth.decisions`
and :mod:`synth.export`), each call one transaction; it never opens one itself.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from synth.store import init_db, make_engine, queries, transaction

log = logging.getLogger(__name__)


def open_store(url: str) -> Engine:
    """The store at ``url``, its schema created or upgraded first: a fresh install opens on an
    empty, ready database."""
    engine = make_engine(url)
    init_db(engine)
    return engine


def convenings(engine: Engine) -> list[tuple[int, str]]:
    """Every convening, newest first, as its id and the name a chooser shows:
    ``title - industry, region (date)``."""
    with transaction(engine) as s:
        return [(c.id, f"{c.title} - {p.industry}, {p.region} ({c.date})")
                for c, p in queries.list_convenings(s)]
