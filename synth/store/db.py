"""Engines and transactions: a SQLite file by default, PostgreSQL by URL, the same code.

SQLite is set up for several processes at once: WAL (readers never block the writer),
foreign keys on, a busy timeout, and ``BEGIN IMMEDIATE`` so a write transaction takes the
write lock up front instead of failing half-way when another writer got there first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from synth.errors import StoreError

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else ``SYNTH_DATABASE_URL``, else the user's data dir."""
    if url:
        return url
    from synth import settings

    return settings.load().database_url


def _sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def make_engine(url: str | None = None, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> Engine:
    """An engine for the URL (see :func:`database_url`), with the pragmas set on SQLite."""
    url = database_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(u, connect_args={"timeout": busy_timeout_s})
        _sqlite_events(engine, busy_timeout_s)
    elif u.get_backend_name() == "postgresql":
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")  # psycopg 3 is what we ship
        # lock_timeout plays the part of SQLite's busy timeout.
        engine = create_engine(u, pool_pre_ping=True, connect_args={
            "options": " ".join(filter(None, [u.query.get("options"),  # type: ignore[list-item]
                                              f"-c lock_timeout={int(busy_timeout_s * 1000)}"]))})
    else:
        raise StoreError(f"unsupported database URL '{u.render_as_string()}': "
                         "use sqlite:///path/to/synth.db or postgresql+psycopg://...")
    return engine


def _sqlite_events(engine: Engine, busy_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so that "begin" below is
        # the only BEGIN issued (the module's implicit BEGIN is DEFERRED).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        # NORMAL is safe against a killed process in WAL mode; only power loss can lose the
        # last commit.
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        # Deleted and overwritten content is zeroed on disk, so a withdrawn quote or a deleted
        # recording's words do not linger in free pages (see synth.decisions.privacy).
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error.

    Database failures (busy for too long, unreachable) become a :class:`StoreError`.
    """
    session = Session(engine, expire_on_commit=False, autoflush=True)
    try:
        with session.begin():
            yield session
    except OperationalError as exc:
        raise StoreError(_explain(exc)) from exc
    finally:
        session.close()


def _explain(exc: DBAPIError) -> str:
    text = str(exc.orig or exc).strip().splitlines()[0]
    if "locked" in text or "lock timeout" in text or "busy" in text:
        return (f"the database is busy ({text}): another synth process holds it; "
                "try again in a moment.")
    if "no such table" in text or "does not exist" in text:
        return f"the database is not initialised ({text}): run `synth db init`."
    return f"database error: {text}"


def is_initialised(engine: Engine) -> bool:
    """True when the schema has been created (``synth db init`` or a first import)."""
    try:
        return inspect(engine).has_table("alembic_version")
    except OperationalError as exc:
        raise StoreError(_explain(exc)) from exc


def require_initialised(engine: Engine) -> None:
    """Raise a clear :class:`StoreError` when the database has no schema yet."""
    if not is_initialised(engine):
        raise StoreError(f"no synth database at {engine.url.render_as_string()}: "
                         "run `synth db init` or import a result first.")
