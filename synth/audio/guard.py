"""Detect and remove what Whisper invents on room noise and silence.

Whisper's known failures on meeting audio are repetition loops and stock phrases ("Thank you.",
"Thanks for watching") produced from silence. Each rule below removes text only on evidence
from the decoder itself (compression ratio, no-speech probability, log-probability) or from
repetition a person would not produce, and every removal is reported, never silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from synth.records import Removal, Word

# Whisper's own fallback threshold for "too repetitive to be speech".
MAX_COMPRESSION_RATIO = 2.4
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -0.8
UNSURE_LOGPROB = -0.5
# Phrases Whisper is known to produce from silence (training data of subtitled videos).
STOCK_PHRASES = {
    "you", "thank you", "thanks", "thanks for watching", "thank you for watching", "bye",
    "please subscribe", "subscribe", "like and subscribe", "thank you very much", "so",
    "subtitles by the amara org community", "transcribed by", "music", "applause", "silence",
}
# A word repeated this many times in a row, or a phrase of 2-8 words this many times, is a loop.
WORD_LOOP = 6
PHRASE_LOOP = 3


@dataclass(frozen=True, slots=True)
class RawSegment:
    """A decoded segment with the decoder's own confidence signals."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0


def normalise(text: str) -> str:
    """Lower-case words only, for comparing phrases."""
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _loop_span(tokens: list[str]) -> tuple[int, int, int] | None:
    """Find the first run of a repeated n-gram; return (start, n, repeats) or None."""
    for i in range(len(tokens)):
        for n in range(1, 9):
            need = WORD_LOOP if n == 1 else PHRASE_LOOP
            if i + n * need > len(tokens):
                break
            gram = tokens[i:i + n]
            reps = 1
            while tokens[i + reps * n:i + (reps + 1) * n] == gram:
                reps += 1
            if reps >= need:
                return i, n, reps
    return None


def _cut_loops(seg: RawSegment, recording_id: str) -> tuple[RawSegment, list[Removal]]:
    """Keep the first occurrence of a looping n-gram and drop the repeats."""
    if not seg.words:
        return seg, []
    words = list(seg.words)
    removals: list[Removal] = []
    while True:
        tokens = [normalise(w.text) for w in words]
        found = _loop_span(tokens)
        if not found:
            break
        i, n, reps = found
        cut = words[i + n:i + n * reps]
        removals.append(Removal(recording_id, cut[0].start, cut[-1].end,
                                "".join(w.text for w in cut).strip(),
                                f"loop: '{' '.join(tokens[i:i + n])}' repeated {reps} times"))
        words = words[:i + n] + words[i + n * reps:]
    if not removals:
        return seg, []
    return replace(seg, words=tuple(words), text="".join(w.text for w in words).strip()), removals


def _reason_to_drop(seg: RawSegment, previous: list[str]) -> str | None:
    norm = normalise(seg.text)
    if not norm:
        return "no words"
    # A person may really say a sentence twice: repetition alone is evidence only when the
    # decoder was unsure too (loops of short n-grams are cut separately, in _cut_loops).
    unsure = seg.avg_logprob < UNSURE_LOGPROB or seg.no_speech_prob > 0.3
    if seg.compression_ratio > MAX_COMPRESSION_RATIO and unsure:
        return f"repetitive text (compression ratio {seg.compression_ratio:.1f})"
    if seg.no_speech_prob > NO_SPEECH_PROB and seg.avg_logprob < LOW_LOGPROB:
        return f"probably not speech (no-speech probability {seg.no_speech_prob:.2f})"
    if norm in STOCK_PHRASES and (seg.no_speech_prob > 0.3 or seg.avg_logprob < LOW_LOGPROB):
        return f"stock phrase Whisper produces from silence ('{seg.text.strip()}')"
    if len(previous) >= 2 and previous[-1] == norm and previous[-2] == norm:
        return "the same segment repeated three or more times"
    return None


def guard_segments(segments: Iterable[RawSegment], recording_id: str
                   ) -> tuple[list[RawSegment], list[Removal]]:
    """Split segments into those kept (loops cut) and the removals, with reasons."""
    kept: list[RawSegment] = []
    removed: list[Removal] = []
    previous: list[str] = []
    for seg in segments:
        reason = _reason_to_drop(seg, previous)
        previous.append(normalise(seg.text))
        if reason:
            removed.append(Removal(recording_id, seg.start, seg.end, seg.text.strip(), reason))
            continue
        seg, cuts = _cut_loops(seg, recording_id)
        removed.extend(cuts)
        kept.append(seg)
    return kept, removed
