"""Speakers for words and turns: attribute each recognised word, then regroup into turns.

Diarization itself lives in :mod:`synth.audio.diarize` (re-exported here). Words are labelled one by
one rather than whole Whisper segments, because a Whisper segment often runs across a change
of speaker and would hand the next person's first words to the previous one.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from synth.audio.diarize import (
    SAME_VOICE,
    DiarizationOptions,
    SpeakerSegment,
    diarize,
    diarize_channels,
    one_to_one,
)
from synth.records import Transcript, Turn, Word

__all__ = ["DiarizationOptions", "SpeakerSegment", "diarize", "diarize_channels",
           "label_words", "match_voices", "name_speakers", "name_voices", "share_speakers",
           "speaker_voices", "voice_samples", "words_to_turns"]

log = logging.getLogger(__name__)

# Whisper's punctuation: a word that ends a sentence (a closing quote or bracket may follow).
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")


class _SegmentIndex:
    """Segments sorted by start, with what is needed to find overlaps and neighbours fast."""

    def __init__(self, segments: Sequence[SpeakerSegment]) -> None:
        self.segments = sorted(segments, key=lambda s: (s.start, s.end))
        self.starts = [s.start for s in self.segments]
        # Running maximum of end times (and where it was reached), so that overlapping
        # segments from several microphones are still found by bisection.
        self.max_end: list[float] = []
        self.max_at: list[int] = []
        for i, seg in enumerate(self.segments):
            if not self.max_end or seg.end > self.max_end[-1]:
                self.max_end.append(seg.end)
                self.max_at.append(i)
            else:
                self.max_end.append(self.max_end[-1])
                self.max_at.append(self.max_at[-1])

    def speaker_of(self, start: float, end: float) -> str:
        """The speaker covering most of [start, end], else the nearest segment's speaker."""
        first = bisect.bisect_right(self.max_end, start)
        last = bisect.bisect_left(self.starts, end)
        cover: dict[str, float] = {}
        for seg in self.segments[first:last]:
            overlap = min(end, seg.end) - max(start, seg.start)
            if overlap > 0:
                cover[seg.speaker] = cover.get(seg.speaker, 0.0) + overlap
        if cover:
            return max(cover, key=lambda s: cover[s])
        # No overlap: compare the segment ending last before the word with the first one
        # starting after it.
        candidates = []
        if first > 0:
            before = self.segments[self.max_at[first - 1]]
            candidates.append((start - before.end, before.speaker))
        if last < len(self.segments):
            after = self.segments[last]
            candidates.append((after.start - end, after.speaker))
        if not candidates:  # a zero-length word exactly on a boundary
            nearest = min(self.segments, key=lambda s: abs(s.start - start))
            return nearest.speaker
        return min(candidates)[1]


def label_words(words: Sequence[Word], segments: Sequence[SpeakerSegment], *,
                smooth: bool = True) -> list[Word]:
    """Each word with the speaker whose segments cover most of it (the nearest if none).

    With no segments at all (silence, or diarization not run) the words come back unchanged.
    """
    if not segments:
        return list(words)
    index = _SegmentIndex(segments)
    labelled = [replace(w, speaker=index.speaker_of(w.start, w.end)) for w in words]
    return one_speaker_per_sentence(smooth_flips(labelled)) if smooth else labelled


def smooth_flips(words: Sequence[Word], *, max_words: int = 2,
                 max_seconds: float = 1.0) -> list[Word]:
    """Give a short island of words the speaker on both sides of it.

    Frame-level diarization flickers for a moment inside one person's sentence; a person does
    not say one or two words in the middle of someone else's sentence with no pause, so such
    an island (both neighbours the same other speaker, gaps under half a second) is relabelled.
    """
    out = list(words)
    i = 0
    while i < len(out):
        j = i
        while j + 1 < len(out) and out[j + 1].speaker == out[i].speaker:
            j += 1
        if 0 < i and j + 1 < len(out) and out[i - 1].speaker == out[j + 1].speaker:
            short = j - i + 1 <= max_words and out[j].end - out[i].start <= max_seconds
            tight = out[i].start - out[i - 1].end < 0.5 and out[j + 1].start - out[j].end < 0.5
            if short and tight:
                for k in range(i, j + 1):
                    out[k] = replace(out[k], speaker=out[i - 1].speaker)
        i = j + 1
    return out


def one_speaker_per_sentence(words: Sequence[Word], *, max_words: int = 3,
                             max_gap: float = 2.0) -> list[Word]:
    """Give a few words by someone else inside a sentence the sentence's speaker.

    Frame-level diarization places a change of speaker a window late or early, so a turn often
    ends with the first word of the next person's sentence, or starts with the last words of
    the previous one ("...much bigger jobs. For" | "us, it's new markets"): the quote then
    reads cut, and the words count for the wrong person. Whisper's punctuation says where a
    sentence ends. Within one sentence (ended by its punctuation or by a pause over
    ``max_gap`` seconds) a run of at most ``max_words`` words labelled with another speaker
    takes the speaker with the most words of the sentence; on a tie, the one who finishes it
    (diarization lags behind a change). Longer runs stay: two people share a "sentence" when
    Whisper left out the full stop between them. Words in time order; no speaker, no change.
    """
    out = list(words)
    start = 0
    for i, w in enumerate(out):
        last = i + 1 == len(out)
        if last or _SENTENCE_END.search(w.text.strip()) or out[i + 1].start - w.end > max_gap:
            _settle_sentence(out, start, i + 1, max_words)
            start = i + 1
    return out


def _settle_sentence(words: list[Word], a: int, b: int, max_words: int) -> None:
    """Relabel, in place, the short runs of other speakers in ``words[a:b]`` (one sentence)."""
    spoken = [w.speaker for w in words[a:b]]
    if None in spoken or len(set(spoken)) < 2:
        return
    counts = Counter(spoken)
    last_at = {s: k for k, s in enumerate(spoken)}
    main = max(counts, key=lambda s: (counts[s], last_at[s]))
    k = 0
    while k < len(spoken):
        end = k
        while end + 1 < len(spoken) and spoken[end + 1] == spoken[k]:
            end += 1
        if spoken[k] != main and end - k + 1 <= max_words:
            for j in range(a + k, a + end + 1):
                words[j] = replace(words[j], speaker=main)
        k = end + 1


def words_to_turns(words: Sequence[Word], recording_id: str, *,
                   max_gap: float = 2.0) -> list[Turn]:
    """Group labelled words into turns: a new turn at every change of speaker, and after any
    pause longer than ``max_gap`` seconds (a long pause usually starts a new thought).

    Turn text is the words' own text joined verbatim (faster-whisper words carry their
    leading space), stripped at both ends.
    """
    turns: list[Turn] = []
    group: list[Word] = []
    for word in sorted(words, key=lambda w: (w.start, w.end)):
        if group and (word.speaker != group[-1].speaker or word.start - group[-1].end > max_gap):
            turns.append(_turn(group, recording_id, len(turns)))
            group = []
        group.append(word)
    if group:
        turns.append(_turn(group, recording_id, len(turns)))
    return turns


def _turn(words: Sequence[Word], recording_id: str, index: int) -> Turn:
    return Turn(recording_id=recording_id, index=index, start=words[0].start, end=words[-1].end,
                text="".join(w.text for w in words).strip(), speaker=words[0].speaker,
                words=tuple(words),
                confidence=float(np.mean([w.probability for w in words])))




def speaker_voices(audio: np.ndarray, spans: Sequence[tuple[float, float, str]], *,
                   sample_rate: int = 16000, window: float = 1.6, hop: float = 0.8,
                   min_span: float = 1.0, max_windows: int = 120) -> dict[str, np.ndarray]:
    """Each speaker's voice: the unit mean embedding of windows inside their speech spans.

    ``spans`` are (start, end, speaker) in seconds. Windows never cross a span (a span is one
    speaker) and at most ``max_windows`` evenly spread ones are embedded per speaker, so a
    long recording costs little. A speaker with no span of ``min_span`` seconds is voiced
    by their longest span; one with no speech at all is left out.
    """
    from synth.audio import voice_encoder
    from synth.audio.diarize import _window_starts
    from synth.audio.voice_encoder import FRAMES_PER_SECOND, HOP

    audio = np.asarray(audio, dtype=np.float32)
    by_speaker: dict[str, list[tuple[int, int]]] = {}
    for start, end, speaker in spans:
        a, b = max(int(start * sample_rate), 0), min(int(end * sample_rate), len(audio))
        if b - a >= HOP * 10:  # 0.1 s
            by_speaker.setdefault(speaker, []).append((a, b))
    length = int(round(window * FRAMES_PER_SECOND))
    step = int(round(hop * FRAMES_PER_SECOND))
    voices: dict[str, np.ndarray] = {}
    for speaker, parts in by_speaker.items():
        long = [p for p in parts if p[1] - p[0] >= min_span * sample_rate]
        parts = long or [max(parts, key=lambda p: p[1] - p[0])]
        mels, starts, lengths, offset = [], [], [], 0
        for a, b in parts:
            m = voice_encoder.mel_frames(audio[a:b])[:(b - a) // HOP]
            size = min(length, len(m))
            starts += list(_window_starts(len(m), size, step) + offset)
            lengths += [size] * len(_window_starts(len(m), size, step))
            mels.append(m)
            offset += len(m)
        pick = np.unique(np.linspace(0, len(starts) - 1, min(max_windows, len(starts))).round()
                         ).astype(int)
        stream = np.concatenate(mels)
        chosen = [(starts[i], lengths[i]) for i in pick]
        embedded = [voice_encoder.embed_windows(
            stream, np.array([s for s, n in chosen if n == size]), size)
            for size in sorted({n for _, n in chosen})]
        voices[speaker] = _unit(np.concatenate(embedded).mean(0))
    return voices


def match_voices(recordings: Sequence[dict[str, np.ndarray]], *,
                 threshold: float = SAME_VOICE) -> list[dict[str, str]]:
    """Shared labels for the speakers of several recordings of one convening.

    Recordings are taken in order; each one's speakers are matched one to one (Hungarian
    algorithm on cosine similarity) with the people found so far, and a match counts only at
    ``threshold`` or above; the rest are new people. Two speakers of one recording are never
    joined: diarization already told them apart. A person's voice is the mean of their
    matched voices. Returns, per recording, local label -> shared label (S1, S2... in order
    of first appearance across the recordings).
    """
    people: list[np.ndarray] = []  # sum of unit voices per shared person
    mappings: list[dict[str, str]] = []
    for voices in recordings:
        labels = list(voices)
        mapping: dict[str, str] = {}
        if people and labels:
            known = np.stack([p / np.linalg.norm(p) for p in people])
            for r, c, _ in one_to_one(np.stack([voices[label] for label in labels]), known,
                                       threshold):
                mapping[labels[r]] = f"S{c + 1}"
                people[c] = people[c] + voices[labels[r]]
        for label in labels:
            if label not in mapping:
                people.append(np.array(voices[label], dtype=np.float64))
                mapping[label] = f"S{len(people)}"
        mappings.append(mapping)
    return mappings


def voice_samples(paths: Mapping[str, str | Path]) -> dict[str, np.ndarray]:
    """Each person's voice from their voice sample (a short recording of them alone).

    A sample is embedded once per process while its file is unchanged: synthesize reads the
    samples twice, to tell the speakers apart and then to name them.
    """
    voices: dict[str, np.ndarray] = {}
    for name, path in paths.items():
        try:
            stat = Path(path).stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:  # decoding says what is wrong with it, as it always did
            stamp = (0, 0)
        voice = _sample_voice(str(Path(path).resolve()), *stamp)
        if voice is not None:
            voices[name] = voice
    return voices


@functools.lru_cache(maxsize=256)
def _sample_voice(path: str, mtime_ns: int, size: int) -> np.ndarray | None:
    """The voice in one sample file (None when it holds no speech); the file's time and size
    are part of the key, so a sample recorded again is embedded again."""
    from synth.audio import ingest

    audio = ingest.decode_audio(path)
    return speaker_voices(audio, [(0.0, len(audio) / ingest.SAMPLE_RATE, "")]).get("")


def name_voices(found: Mapping[str, np.ndarray], people: Mapping[str, np.ndarray], *,
                threshold: float = SAME_VOICE) -> dict[str, str]:
    """Speaker label -> the roster person whose voice sample it matches.

    One to one over all labels and people at once (two labels are never the same person:
    diarization told them apart), and only at ``threshold`` or above, so a voice that is
    nobody's on the roster keeps its label. On the sample convening (synthetic voices, samples
    recorded apart from the meeting) each speaker scored 0.94-0.96 with their own sample and
    at most 0.92 with another person's, which the one-to-one matching keeps apart.
    """
    labels, names = list(found), list(people)
    if not labels or not names:
        return {}
    pairs = one_to_one(np.stack([found[k] for k in labels]),
                        np.stack([people[n] for n in names]), threshold)
    for r, c, score in pairs:
        log.info("speaker %s is %s (voice %.3f)", labels[r], names[c], score)
    return {labels[r]: names[c] for r, c, _ in pairs}


def name_speakers(transcripts: Sequence[Transcript], audio_paths: Sequence[str | Path],
                  samples: Mapping[str, str | Path], *,
                  threshold: float = SAME_VOICE) -> list[Transcript]:
    """The transcripts with each speaker whose voice matches a person's voice sample
    relabelled by that person's name (``samples``: name -> recording of them alone).

    ``audio_paths[i]`` is the recording of ``transcripts[i]``. Speakers are matched across all
    recordings together, after :func:`share_speakers`, so one label is one person throughout;
    transcripts read from text files already name their speakers and are left as they are.
    """
    from synth.audio import ingest

    taking_part = [i for i, t in enumerate(transcripts)
                   if t.recording.kind == "audio" and any(turn.speaker for turn in t.turns)]
    if not taking_part or not samples:
        return list(transcripts)
    spans: dict[str, list[np.ndarray]] = {}
    for i in taking_part:
        audio = ingest.decode_audio(audio_paths[i])
        for label, voice in speaker_voices(audio, _speech_spans(transcripts[i].turns)).items():
            spans.setdefault(label, []).append(voice)
    found = {k: _unit(np.mean(v, axis=0)) for k, v in spans.items()}
    mapping = name_voices(found, voice_samples(samples), threshold=threshold)
    unnamed = sorted(set(found) - set(mapping))
    if unnamed:
        log.info("no voice sample matches speaker(s) %s; they keep their labels",
                 ", ".join(unnamed))
    out = list(transcripts)
    for i in taking_part:
        out[i] = _relabel(transcripts[i], mapping)
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-10)


def _speech_spans(turns: Sequence[Turn], max_gap: float = 0.3) -> list[tuple[float, float, str]]:
    """(start, end, speaker) stretches of labelled speech: runs of words of one speaker with
    no pause over ``max_gap`` seconds (pauses hold no voice), or whole turns without words."""
    spans: list[tuple[float, float, str]] = []
    for turn in turns:
        if turn.speaker is None:
            continue
        if not turn.words:
            spans.append((turn.start, turn.end, turn.speaker))
            continue
        start, end = turn.words[0].start, turn.words[0].end
        for w in turn.words[1:]:
            if w.start - end > max_gap:
                spans.append((start, end, turn.speaker))
                start = w.start
            end = max(end, w.end)
        spans.append((start, end, turn.speaker))
    return spans


def share_speakers(transcripts: Sequence[Transcript], audio_paths: Sequence[str | Path], *,
                   threshold: float = SAME_VOICE) -> list[Transcript]:
    """The transcripts of several recordings of one convening with speaker labels shared
    across them: the same voice gets the same label (see :func:`match_voices`).

    ``audio_paths[i]`` is the recording of ``transcripts[i]``; transcripts read from text
    files (their speakers are names already) and those without speaker labels are left
    as they are and do not take part.
    """
    from synth.audio import ingest

    taking_part = [i for i, t in enumerate(transcripts)
                   if t.recording.kind == "audio" and any(turn.speaker for turn in t.turns)]
    if len(taking_part) < 2:
        return list(transcripts)
    voices = []
    for i in taking_part:
        audio = ingest.decode_audio(audio_paths[i])
        voices.append(speaker_voices(audio, _speech_spans(transcripts[i].turns)))
    out = list(transcripts)
    for i, mapping in zip(taking_part, match_voices(voices, threshold=threshold), strict=True):
        log.info("%s: speakers %s", transcripts[i].recording.name,
                 ", ".join(f"{k} -> {v}" for k, v in mapping.items()))
        out[i] = _relabel(transcripts[i], mapping)
    return out


def _relabel(transcript: Transcript, mapping: dict[str, str]) -> Transcript:
    def name(speaker: str | None) -> str | None:
        return mapping.get(speaker, speaker) if speaker is not None else None

    turns = tuple(replace(t, speaker=name(t.speaker),
                          words=tuple(replace(w, speaker=name(w.speaker)) for w in t.words))
                  for t in transcript.turns)
    return replace(transcript, turns=turns)
