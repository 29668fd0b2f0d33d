"""Real Whisper models on real clips: accuracy, room-audio defaults, cache, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import CALL, JFK, needs_shared

from synth.audio import transcribe as transcribe_mod
from synth.audio.transcribe import transcribe_file
from synth.audio.wer import word_error_rate
from synth.errors import NoSpeechError

JFK_REF = JFK.parent / "jfk.ref.txt"
CALL_REF = CALL.parent / "sample.stm"


def jfk_ref() -> str:
    return JFK_REF.read_text()


def call_ref() -> str:
    return " ".join(line.split(maxsplit=5)[5] for line in CALL_REF.read_text().splitlines())


@needs_shared(JFK, JFK_REF)
@pytest.mark.parametrize(("model", "limit"), [("base", 0.10), ("tiny.en", 0.10)])
def test_jfk_word_error(model: str, limit: float, settings) -> None:
    t = transcribe_file(JFK, settings=settings, model=model)
    assert word_error_rate(jfk_ref(), " ".join(x.text for x in t.turns)) <= limit
    assert t.language == "en" and t.model == model
    turn = t.turns[0]
    # Verbatim: the turn text is exactly its words, and words are timed inside the turn.
    assert turn.text == "".join(w.text for w in turn.words).strip()
    assert all(turn.start <= w.start <= w.end <= turn.end + 0.01 for w in turn.words)
    assert 0 < turn.confidence <= 1


@needs_shared(CALL, CALL_REF)
def test_two_speaker_call_word_error(settings) -> None:
    t = transcribe_file(CALL, settings=settings, model="tiny.en")
    assert word_error_rate(call_ref(), " ".join(x.text for x in t.turns)) < 0.35


@needs_shared(JFK)
def test_same_recording_is_not_transcribed_twice(settings, monkeypatch, tmp_path: Path) -> None:
    first = transcribe_file(JFK, settings=settings, model="tiny.en")
    copy = tmp_path / "renamed.flac"
    copy.write_bytes(JFK.read_bytes())

    def fail(*_a, **_k):
        raise AssertionError("the model ran again on a cached recording")

    monkeypatch.setattr(transcribe_mod.WhisperTranscriber, "segments", fail)
    again = transcribe_file(copy, settings=settings, model="tiny.en")
    assert again.turns == first.turns and again.recording.name == "renamed.flac"
    with pytest.raises(AssertionError, match="ran again"):
        transcribe_file(copy, settings=settings, model="tiny.en", force=True)


def test_silence_and_noise_invent_no_words(settings, tmp_path: Path) -> None:
    from audio import encode

    rng = np.random.default_rng(1)
    minute = 60 * 16000
    for name, audio in {"silence.wav": np.zeros(minute, np.float32),
                        "noise.flac": (0.05 * rng.standard_normal(minute)).astype(np.float32)
                        }.items():
        with pytest.raises(NoSpeechError, match=f"{name}: no speech found"):
            transcribe_file(encode(audio, tmp_path / name), settings=settings, model="tiny.en")


@needs_shared(CALL)
def test_progress_reaches_the_end(settings) -> None:
    seen: list[float] = []
    transcribe_file(CALL, settings=settings, model="tiny.en", force=True,
                    progress=lambda done, _msg: seen.append(done))
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)


def test_long_audio_is_cut_at_quiet_moments_into_bounded_blocks() -> None:
    from synth.audio.transcribe import quiet_cuts

    rate = 16000
    rng = np.random.default_rng(0)
    audio = (0.3 * rng.standard_normal(25 * 60 * rate)).astype(np.float32)
    audio[(9 * 60 + 50) * rate:(9 * 60 + 51) * rate] = 0  # a pause 10 s before the limit
    blocks = quiet_cuts(audio, block_s=600)
    assert blocks[0][0] == 0 and blocks[-1][1] == len(audio)
    assert all(b - a <= 600 * rate for a, b in blocks)
    assert all(blocks[i][1] == blocks[i + 1][0] for i in range(len(blocks) - 1))
    assert (9 * 60 + 50) * rate <= blocks[0][1] <= (9 * 60 + 51) * rate
    assert quiet_cuts(audio[: 5 * rate]) == [(0, 5 * rate)]


def test_blocks_are_even_and_a_multiple_of_the_decoders() -> None:
    from synth.audio.transcribe import BLOCK_SECONDS, block_seconds, quiet_cuts

    rate = 16000
    # Even loudness: each cut falls at the earliest place it may, the most blocks there can be
    # (one decoder: 570 s blocks, so an hour takes 7).
    for minutes, workers, count in [(5.7, 1, 1), (5.7, 2, 2), (60, 1, 7), (60, 2, 6),
                                    (65, 1, 7), (65, 2, 8), (0.5, 2, 1)]:
        audio = np.full(int(minutes * 60 * rate), 0.1, dtype=np.float32)
        blocks = quiet_cuts(audio, block_seconds(minutes * 60, workers))
        assert len(blocks) == count, (minutes, workers)
        # Never longer than a block and a search window: memory stays bounded.
        assert max(b - a for a, b in blocks) <= (BLOCK_SECONDS + 30) * rate
    assert block_seconds(65 * 60, 1) == BLOCK_SECONDS


@needs_shared(JFK_REF)
@pytest.mark.parametrize(("workers", "batch"), [(1, 0), (2, 0), (2, 4)])
def test_blocks_give_the_right_words_with_offset_times(settings, jfk_audio, monkeypatch,
                                                       workers: int, batch: int) -> None:
    import synth.audio.transcribe as tr
    from synth import models
    from synth.audio.transcribe import WhisperTranscriber, transcribe_audio
    from synth.records import Recording

    model = models.load_whisper("tiny.en", settings)
    gap = np.zeros(16000 * 3, dtype=np.float32)
    audio = np.concatenate([jfk_audio, gap, jfk_audio])
    # 14 s blocks, the cut searched in the 2 s before: it lands in the 3 s gap.
    monkeypatch.setattr(tr, "BLOCK_SECONDS", 14.0)
    monkeypatch.setattr(tr.quiet_cuts, "__defaults__", (14.0, 2.0))
    assert len(tr.quiet_cuts(audio, tr.block_seconds(len(audio) / 16000, workers))) == 2

    def run(workers: int):
        return transcribe_audio(audio, Recording("r", "r", "audio"),
                                WhisperTranscriber(model, name="tiny.en", workers=workers,
                                                   batch_size=batch))

    blocked = run(workers)
    text = " ".join(x.text for x in blocked.turns)
    assert word_error_rate(f"{jfk_ref()} {jfk_ref()}", text) < 0.1
    # Times of the second block are offset by where it starts in the recording.
    assert blocked.turns[0].start < 2.0 and blocked.turns[-1].end > 22.0
    assert all(a.end <= b.start + 0.01 for a, b in zip(blocked.turns, blocked.turns[1:],
                                                         strict=False))
    if workers > 1:  # decoded side by side, yielded in order: the same as one after another
        assert blocked == run(1)
