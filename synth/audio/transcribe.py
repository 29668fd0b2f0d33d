"""Recordings to timed, verbatim turns with faster-whisper, tuned for room audio.

Defaults follow what goes wrong on meeting recordings: voice activity detection is on so that
silence and pre-meeting noise never reach the decoder, ``condition_on_previous_text`` is off so
one hallucination cannot seed a loop, and every segment passes the guard in
:mod:`synth.audio.guard`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from synth import models, paths
from synth.audio import ingest
from synth.audio.guard import RawSegment, guard_segments
from synth.errors import InputError, NoSpeechError
from synth.files import atomic_write_text, sha256_file
from synth.records import Recording, Transcript, Turn, Word
from synth.settings import Settings
from synth.settings import load as load_settings
from synth.text.transcripts import load_transcript
from synth.text.writers import to_json

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

    from synth.audio.diarize import (
        SpeakerSegment,  # imports torch: only where speakers are asked for
    )

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
# Room audio: keep short pauses inside speech, drop long silences and murmur below threshold.
VAD_PARAMETERS = {"threshold": 0.5, "min_silence_duration_ms": 700, "speech_pad_ms": 200}
# How much of the start of a recording is listened to for the language check.
LANGUAGE_CHECK_SECONDS = 120
BLOCK_SECONDS = 600.0  # longest stretch of audio decoded at once (bounds memory)
# Batched decoding packs speech into chunks decoded in one pass each, with no second look at
# the rest of a chunk: with faster-whisper's 30 s chunks Whisper often stops early and whole
# sentences vanish. Whisper base, float16, 65 minutes on one H200 (pipelines/benchmark_gpu.py):
# 30 s chunks 9,599 words (WER 0.166), 20 s 9,827 (0.160), 15 s 10,005 (0.129), against 9,920
# (0.142) decoded sequentially; tiny.en on the CPU: 869 / 910 / 911 words against 901.
BATCH_CHUNK_SECONDS = 15


class Transcriber(Protocol):
    """Anything that turns decoded audio into guarded segments."""

    name: str

    def segments(self, audio: np.ndarray, progress: Progress | None) -> tuple[
            Iterable[RawSegment], str | None]: ...


class WhisperTranscriber:
    """faster-whisper with room-audio defaults; the model is injected so it loads once."""

    def __init__(self, model: WhisperModel, *, name: str, language: str | None = "en",
                 beam_size: int = 5, batch_size: int = 0,
                 chunk_s: int = BATCH_CHUNK_SECONDS, workers: int | None = None) -> None:
        self.model = model
        self.name = name
        self.language = None if language in (None, "", "auto") else language
        self.beam_size = beam_size
        # batch_size > 0 wraps the model in faster-whisper's batched pipeline (speech chunks
        # decoded side by side); it is much faster on a GPU. 0 decodes sequentially.
        self.batch_size = batch_size
        self.chunk_s = chunk_s
        # Blocks decoded side by side: as many as the model has decoders (see
        # Settings.whisper_workers).
        if workers is None:
            workers = getattr(getattr(model, "model", None), "num_workers", 1)
        self.workers = max(1, int(workers))

    def _decode(self, audio: np.ndarray, language: str | None) -> tuple[Iterable[Any], Any]:
        options = dict(language=language, beam_size=self.beam_size, vad_filter=True,
                       vad_parameters=VAD_PARAMETERS, condition_on_previous_text=False,
                       word_timestamps=True)
        if self.batch_size:
            from faster_whisper import BatchedInferencePipeline

            batched = BatchedInferencePipeline(model=self.model)
            # Timestamps kept on: without them (faster-whisper's batched default) 8% of the
            # words went missing in a probe.
            return batched.transcribe(audio, batch_size=self.batch_size,
                                      chunk_length=self.chunk_s, without_timestamps=False,
                                      **options)
        return self.model.transcribe(audio, **options)

    def _check_language(self, audio: np.ndarray) -> None:
        """Refuse a pinned language that the speech plainly is not in.

        Told the wrong language, Whisper translates: a Spanish clip pinned to English comes
        out as fluent English nobody said, which would then be shown as verbatim quotes.
        English-only models (tiny.en) cannot tell languages apart, so they are not checked.
        """
        if not getattr(getattr(self.model, "model", None), "is_multilingual", False):
            return
        from faster_whisper.vad import VadOptions

        try:
            found, prob, probs = self.model.detect_language(
                audio, vad_filter=True, vad_parameters=VadOptions(**VAD_PARAMETERS),
                language_detection_segments=1)
        except (ValueError, RuntimeError, IndexError):  # no speech to judge: nothing to refuse
            return
        pinned = dict(probs).get(self.language, 0.0)
        # Judged on the pinned language's own probability: English speech, accented or
        # synthetic, scored 0.77 to 0.99 here; a short Spanish sentence 0.02 (Spanish 0.61).
        if found != self.language and prob >= 0.5 and pinned < 0.05:
            raise InputError(
                f"This recording sounds like '{found}' (probability {prob:.2f}; "
                f"'{self.language}' {pinned:.2f}), but the language is set to "
                f"'{self.language}', which would make Whisper write words nobody said. "
                f"Transcribe it with --language {found} (or --language auto)."
            )

    def segments(self, audio: np.ndarray, progress: Progress | None = None
                 ) -> tuple[Iterable[RawSegment], str | None]:
        """Decode lazily, block by block; the caller drives the generator and sees progress.

        faster-whisper computes the mel spectrogram of all the audio it is given at once
        (about 1 GB per 20 minutes), so long recordings go in blocks cut at quiet moments.
        With several decoders the blocks are decoded side by side and yielded in order.
        """
        duration = len(audio) / ingest.SAMPLE_RATE
        blocks = quiet_cuts(audio, block_seconds(duration, self.workers))
        if self.language:
            self._check_language(audio[: LANGUAGE_CHECK_SECONDS * ingest.SAMPLE_RATE])
        language = self.language
        first = None
        if not language:  # detected once, on the first block, and kept for the others
            first, info = self._decode(audio[blocks[0][0]:blocks[0][1]], None)
            language = info.language

        def block(i: int) -> Iterable[Any]:
            if i == 0 and first is not None:
                return first
            a, b = blocks[i]
            return self._decode(audio[a:b], language)[0]

        def decoded() -> Iterable[Iterable[Any]]:
            if self.workers == 1 or len(blocks) == 1:
                yield from (block(i) for i in range(len(blocks)))
                return
            # Each block is decoded to a list in a worker thread; at most ``workers`` blocks
            # (and their mel spectrograms) are in memory at once. With the language known, the
            # first block's voice detection runs beside the others' instead of before them.
            pool = ThreadPoolExecutor(self.workers, thread_name_prefix="whisper")
            try:
                jobs = [pool.submit(lambda i: list(block(i)), i) for i in range(len(blocks))]
                for job in jobs:
                    yield job.result()
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

        def generate() -> Iterable[RawSegment]:
            started = time.monotonic()
            for (a, _), raw in zip(blocks, decoded(), strict=True):
                offset = a / ingest.SAMPLE_RATE
                for seg in raw:
                    words = tuple(Word(round(w.start + offset, 3), round(w.end + offset, 3),
                                       w.word, round(w.probability, 4)) for w in seg.words or ())
                    yield RawSegment(round(seg.start + offset, 3), round(seg.end + offset, 3),
                                     seg.text, words, seg.avg_logprob, seg.no_speech_prob,
                                     seg.compression_ratio)
                    if progress and duration:
                        done = min((seg.end + offset) / duration, 1.0)
                        elapsed = time.monotonic() - started
                        # Too early to tell: the first seconds say nothing of the rest.
                        eta = (f", about {elapsed / done - elapsed:.0f} s left"
                               if done >= 0.05 else "")
                        progress(done, f"{done:.0%} of audio{eta}")
            if progress:
                progress(1.0, "done")

        return generate(), language


def block_seconds(duration: float, workers: int, search_s: float = 30.0) -> float:
    """Longest block for ``workers`` decoders: one decoder keeps BLOCK_SECONDS blocks; several
    get a multiple of ``workers`` blocks of even length, so no decoder sits idle at the end.
    (Each cut falls in the ``search_s`` before the limit, hence the allowance.)"""
    if workers <= 1 or duration < 2 * search_s:
        return BLOCK_SECONDS
    rounds = math.ceil(duration / (workers * BLOCK_SECONDS))
    return duration / (workers * rounds) + search_s


def quiet_cuts(audio: np.ndarray, block_s: float = BLOCK_SECONDS,
               search_s: float = 30.0) -> list[tuple[int, int]]:
    """Split audio into blocks of at most ``block_s`` seconds, each cut at the quietest
    0.2 s in the ``search_s`` seconds before the limit, so no word is cut in two."""
    rate = ingest.SAMPLE_RATE
    block, search, frame = int(block_s * rate), int(search_s * rate), rate // 5
    cuts, start = [], 0
    while len(audio) - start > block:
        lo, hi = start + block - search, start + block
        frames = audio[lo:hi].reshape(-1, frame)
        quietest = int(np.argmin(np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))))
        cut = lo + quietest * frame + frame // 2
        cuts.append((start, cut))
        start = cut
    cuts.append((start, len(audio)))
    return cuts


def turns_from_segments(segments: Iterable[RawSegment], recording_id: str) -> list[Turn]:
    """Without speaker labels, each guarded segment is one turn; text is its words verbatim."""
    turns: list[Turn] = []
    for seg in segments:
        text = "".join(w.text for w in seg.words).strip() if seg.words else seg.text.strip()
        if not text:
            continue
        conf = float(np.mean([w.probability for w in seg.words])) if seg.words else None
        turns.append(Turn(recording_id=recording_id, index=len(turns), start=seg.start,
                          end=seg.end, text=text, words=seg.words,
                          confidence=None if conf is None else round(conf, 4)))
    return turns


def transcribe_audio(audio: np.ndarray, recording: Recording, transcriber: Transcriber, *,
                     speakers: str | int | None = None,
                     progress: Progress | None = None) -> Transcript:
    """Transcribe decoded audio (16 kHz mono float32) into a guarded transcript."""
    stream, language = transcriber.segments(audio, progress)
    kept, removed = guard_segments(stream, recording.id)
    if removed:
        log.warning("%s: the guard removed %d stretch(es) of likely invented text",
                    recording.name, len(removed))
    duration = round(len(audio) / ingest.SAMPLE_RATE, 3)
    rec = Recording(recording.id, recording.name, recording.kind, duration, recording.sha256)
    transcript = Transcript(recording=rec, turns=tuple(turns_from_segments(kept, recording.id)),
                            language=language, removed=tuple(removed), model=transcriber.name)
    if speakers is None:
        return transcript
    return with_speakers(transcript, find_speakers(audio, speakers))


def find_speakers(audio: np.ndarray, speakers: str | int,
                  voices: Mapping[str, str | Path] | None = None) -> list[SpeakerSegment]:
    """Who spoke when: ``"auto"`` finds the number of voices, a number fixes it. ``voices``
    (name -> voice sample) sharpen the speakers whose voices they match."""
    from synth.audio import speakers as diarization  # optional, heavy: only when asked

    num = None if speakers == "auto" else int(speakers)
    known = diarization.voice_samples(voices) if voices else {}
    return diarization.diarize(audio, sample_rate=ingest.SAMPLE_RATE, num_speakers=num,
                               known_voices=np.stack(list(known.values())) if known else None)


def with_speakers(transcript: Transcript, segments: Sequence[SpeakerSegment]) -> Transcript:
    """The transcript's words regrouped into one turn per speaker (and long pause)."""
    from synth.audio import speakers as diarization

    words = diarization.label_words([w for t in transcript.turns for w in t.words], segments)
    turns = diarization.words_to_turns(words, transcript.recording.id)
    return replace(transcript, turns=tuple(turns))


def _cache_path(settings: Settings, recording: Recording, kind: str, key: dict[str, Any]) -> Path:
    tag = "-".join(str(v).replace("/", "_") for v in key.values())
    return paths.transcript_cache(settings.cache_dir, recording.id, kind, tag)


def _read_words(cached: Path, path: str | Path, recording: Recording) -> Transcript:
    from synth.text.transcripts import parse_json

    text = cached.read_text(encoding="utf-8")
    transcript = parse_json(text, recording, cached)
    rec = Recording(recording.id, Path(path).name, recording.kind,
                    json.loads(text)["recording"]["duration"], recording.sha256)
    return replace(transcript, recording=rec)


def transcribe_file(path: str | Path, *, settings: Settings | None = None,
                    model: str | None = None, speakers: str | int | None = None,
                    force: bool = False, progress: Progress | None = None,
                    voices: Mapping[str, str | Path] | None = None) -> Transcript:
    """Transcribe one recording, or read a transcript file, with a content-hash cache.

    The words and the speakers are cached apart: the same bytes with the same model and
    options are never transcribed twice unless ``force`` is set, whatever ``speakers`` asks
    for, and each speaker setting is found once. ``voices`` (name -> voice sample of the
    people in the room) sharpen the speakers they match; naming them is
    :func:`synth.audio.speakers.name_speakers`. Raises :class:`InputError` (or
    :class:`NoSpeechError`) for bad input.
    """
    settings = settings or load_settings()
    recording = ingest.identify(path)
    if recording.kind == "transcript":
        return load_transcript(path, recording, settings.max_transcript_bytes)
    name = model or settings.whisper_model
    batch = settings.whisper_batch_size()
    key: dict[str, Any] = {"model": Path(name).name, "lang": settings.language,
                           "beam": settings.beam_size}
    if batch:  # batched decoding gives a (slightly) different transcript: cache it apart
        key["batch"] = batch
    if (workers := settings.whisper_workers()) > 1:  # so do blocks cut for side-by-side decoders
        key["workers"] = workers
    cached = _cache_path(settings, recording, "words", key)
    audio = None
    if cached.exists() and not force:
        log.info("%s: using the cached transcript %s", recording.name, cached)
        transcript = _read_words(cached, path, recording)
    else:
        audio = ingest.decode_audio(path)
        transcriber = WhisperTranscriber(models.load_whisper(name, settings), name=name,
                                         language=settings.language,
                                         beam_size=settings.beam_size, batch_size=batch)
        transcript = transcribe_audio(audio, recording, transcriber, progress=progress)
        if not transcript.turns:
            raise NoSpeechError(
                f"{path}: no speech found in {transcript.recording.duration:.0f} s of audio "
                f"({len(transcript.removed)} invented stretch(es) removed). Check that this is "
                "the right recording and that the microphone was on."
            )
        atomic_write_text(cached, to_json(transcript))
    if speakers is None:
        return transcript
    return with_speakers(transcript, _speaker_segments(path, recording, speakers, settings,
                                                       audio=audio, force=force, voices=voices))


def _speaker_segments(path: str | Path, recording: Recording, speakers: str | int,
                      settings: Settings, *, audio: np.ndarray | None, force: bool,
                      voices: Mapping[str, str | Path] | None = None) -> list[SpeakerSegment]:
    """Who spoke when in a recording, cached per speaker setting and voice samples (finding
    them takes a while on a long recording; labelling the cached words takes no time)."""
    key: dict[str, Any] = {"speakers": speakers}
    if voices:  # other samples, or a sample re-recorded, find other segments
        key["voices"] = _voices_digest(voices)
    cached = _cache_path(settings, recording, "speakers", key)
    if cached.exists() and not force:
        log.info("%s: using the cached speakers %s", recording.name, cached)
        from synth.audio.diarize import SpeakerSegment

        rows = json.loads(cached.read_text(encoding="utf-8"))["segments"]
        return [SpeakerSegment(float(a), float(b), str(who)) for a, b, who in rows]
    segments = find_speakers(ingest.decode_audio(path) if audio is None else audio, speakers,
                             voices)
    rows = [[s.start, s.end, s.speaker] for s in segments]
    atomic_write_text(cached, json.dumps({"speakers": speakers, "segments": rows}))
    return segments


def _voices_digest(voices: Mapping[str, str | Path]) -> str:
    """A short hash of who has which voice sample, by the samples' bytes."""
    pairs = "\n".join(f"{name}\t{sha256_file(Path(voices[name]))}" for name in sorted(voices))
    return hashlib.sha256(pairs.encode("utf-8")).hexdigest()[:16]


__all__ = ["InputError", "NoSpeechError", "WhisperTranscriber", "find_speakers",
           "transcribe_audio", "transcribe_file", "turns_from_segments", "with_speakers"]
