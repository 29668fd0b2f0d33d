"""Shared fixtures: real models loaded once per test session, real clips from ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
JFK = SHARED / "audio" / "jfk" / "jfk.flac"
CALL = SHARED / "audio" / "two-speaker-call" / "sample.wav"
SAMPLE_DIR = ROOT / "samples" / "convening"


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
    from synth.ingest import decode_audio

    return decode_audio(JFK)
