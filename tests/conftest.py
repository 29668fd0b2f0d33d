"""Shared fixtures: real models loaded once per test session, real clips from ../shared.

A clone without ``../shared`` beside it still runs every test that does not need it: those
that do are marked with :func:`needs_shared` (or call :func:`require_shared`) and skip with
the missing file's name.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from synth.store import init_db, make_engine
from synth.store.schema import Base

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
JFK = SHARED / "audio" / "jfk" / "jfk.flac"
CALL = SHARED / "audio" / "two-speaker-call" / "sample.wav"
SAMPLE_DIR = ROOT / "samples" / "convening"
# Store tests run on SQLite, and on PostgreSQL too when this is set
# (eval "$(bash .ci/postgres.sh)").
PG_URL = os.environ.get("SYNTH_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _missing_shared(paths: tuple[Path, ...]) -> str | None:
    """Why tests using ``paths`` cannot run here, or None when all of them are present."""
    missing = [p for p in paths if not p.exists()]
    if not missing:
        return None
    names = ", ".join(f"../shared/{p.relative_to(SHARED.parent)}" for p in missing)
    return f"needs {names} (no ../shared beside the repository)"


def needs_shared(*paths: Path) -> pytest.MarkDecorator:
    """Skip a test (or, as ``pytestmark``, a module) when a file of ../shared is missing."""
    reason = _missing_shared(paths)
    return pytest.mark.skipif(reason is not None, reason=reason or "")


def require_shared(*paths: Path) -> None:
    """Skip the running test or fixture when a file of ../shared is missing."""
    if reason := _missing_shared(paths):
        pytest.skip(reason)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder per test session, so tests never touch the user's cache."""
    return tmp_path_factory.mktemp("synth-cache")


@pytest.fixture(scope="session")
def settings(cache_dir: Path):
    from synth import settings as settings_mod

    return settings_mod.load().with_(cache_dir=cache_dir)


@pytest.fixture(autouse=True)
def _isolated_cache(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_CACHE_DIR", str(cache_dir))


@pytest.fixture(scope="session")
def nlp(settings):
    from synth import models

    return models.load_nlp(settings)


@pytest.fixture(scope="session")
def embedder(settings):
    from synth import models

    return models.load_embedder(settings)


@pytest.fixture(scope="session")
def jfk_audio():
    from synth.audio.ingest import decode_audio

    require_shared(JFK)
    return decode_audio(JFK)


# --- the database of the store, review, voting and privacy tests -------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per session; each test gets a copy (migrating is slower)."""
    path = tmp_path_factory.mktemp("store") / "template.db"
    e = make_engine(f"sqlite:///{path}")
    init_db(e)
    e.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def _pg_schema() -> Iterator[str]:
    """One migrated schema on the test PostgreSQL per session, dropped at the end."""
    assert PG_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(PG_URL).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    e = make_engine(url)
    init_db(e)
    e.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a SQLite file, or the session's schema on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "synth.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("_pg_schema")
    e = make_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with e.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    e.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A store on :func:`db_url`."""
    e = make_engine(db_url)
    yield e
    e.dispose()


# --- the browser tests (tests/browser.py) ---------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """A headless chromium for a module's browser tests (a Playwright browser context)."""
    from browser import chromium  # here, not above: it skips a module without playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with chromium(profile) as context:
        yield context
    shutil.rmtree(profile, ignore_errors=True)
