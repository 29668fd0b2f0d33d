"""Speakers for words and turns: attribute each recognised word, then regroup into turns.

Diarization itself lives in :mod:`synth.diarize` (re-exported here). Words are labelled one by
one rather than whole Whisper segments, because a Whisper segment often runs across a change
of speaker and would hand the next person's first words to the previous one.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from synth.diarize import DiarizationOptions, SpeakerSegment, diarize, diarize_channels
from synth.records import Turn, Word

__all__ = ["DiarizationOptions", "SpeakerSegment", "diarize", "diarize_channels",
           "label_words", "words_to_turns"]

log = logging.getLogger(__name__)


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
    return smooth_flips(labelled) if smooth else labelled


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
