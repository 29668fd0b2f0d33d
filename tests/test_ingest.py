"""Every supported input format decodes; every bad input gets one clear InputError."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from audio import FORMATS, encode
from conftest import JFK, needs_shared

from synth.audio.ingest import decode_audio, identify
from synth.errors import InputError


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_every_audio_format_decodes_to_16k_mono(ext: str, jfk_audio, tmp_path: Path) -> None:
    path = encode(jfk_audio, tmp_path / f"clip{ext}", video=ext == ".mp4")
    assert identify(path).kind == "audio"
    audio = decode_audio(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    # Codecs pad a frame at most; the length must stay within 0.1 s of the source.
    assert abs(len(audio) - len(jfk_audio)) < 1600
    # And it is the same sound: strongly correlated with the source.
    n = min(len(audio), len(jfk_audio))
    lag = int(np.argmax(np.correlate(audio[:16000], jfk_audio[:16000], "full"))) - 15999
    a, b = (audio[lag:n], jfk_audio[:n - lag]) if lag >= 0 else (audio[:n + lag], jfk_audio[-lag:n])
    assert np.corrcoef(a[: len(b)], b[: len(a)])[0, 1] > 0.9


@needs_shared(JFK)
def test_same_bytes_same_id_different_bytes_different_id(tmp_path: Path) -> None:
    copy = tmp_path / "renamed.flac"
    copy.write_bytes(JFK.read_bytes())
    assert identify(copy).id == identify(JFK).id
    copy.write_bytes(JFK.read_bytes() + b"\0")
    assert identify(copy).id != identify(JFK).id


def test_zero_byte_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.touch()
    with pytest.raises(InputError, match="empty.wav: the file is empty"):
        identify(empty)


def test_text_renamed_to_wav(tmp_path: Path) -> None:
    fake = tmp_path / "notes.wav"
    fake.write_text("Tom: we need welders\n")
    with pytest.raises(InputError, match="named like audio .* but holds text"):
        identify(fake)


def test_truncated_mp3_decodes_what_is_there(jfk_audio, tmp_path: Path) -> None:
    whole = encode(jfk_audio, tmp_path / "whole.mp3")
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    audio = decode_audio(cut)
    assert 0.3 * len(jfk_audio) < len(audio) < 0.7 * len(jfk_audio)


def test_corrupt_audio_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "corrupt.wav"
    bad.write_bytes(b"RIFF" + bytes(np.random.default_rng(0).integers(0, 255, 5000, np.uint8)))
    with pytest.raises(InputError, match="corrupt.wav: cannot be decoded"):
        decode_audio(bad)


def test_video_without_audio_track(jfk_audio, tmp_path: Path) -> None:
    video = encode(jfk_audio, tmp_path / "silent-film.mp4", video=True, audio_track=False)
    with pytest.raises(InputError, match="has no audio track"):
        decode_audio(video)


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    odd = tmp_path / "slides.pptx"
    odd.write_bytes(b"PK\x03\x04 not audio")
    with pytest.raises(InputError, match="unsupported file type"):
        identify(odd)
    with pytest.raises(InputError, match="no such file"):
        identify(tmp_path / "missing.wav")
    with pytest.raises(InputError, match="is a folder"):
        identify(tmp_path)


def test_wav_with_no_samples_is_reported(tmp_path: Path) -> None:
    path = encode(np.zeros(0, dtype=np.float32), tmp_path / "nothing.wav")
    with pytest.raises(InputError, match="nothing.wav"):
        decode_audio(path)
