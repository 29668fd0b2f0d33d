"""What lets a facilitator tell who a speaker label is: a few of their sentences and a
moment of their voice.

Diarization names voices S1, S2...; mapping them to the roster by hand needs something to
go on. For each label this picks two telling sentences (long, substantive ones say more
about who someone is than "Yeah") and the span of recording to play.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine

SENTENCES = 2
CLIP_SECONDS = 6.0  # long enough to know a voice, short enough to play for every speaker
MIN_WORDS = 6  # below this a sentence rarely says who someone is


class _Said(Protocol):
    speaker: str | None
    text: str
    start: float
    end: float
    recording_id: str
    line: int | None
    clusterable: bool
    position: int


@dataclass(frozen=True, slots=True)
class SpeakerSample:
    """A speaker label's sample sentences (spoken order) and a moment of their voice."""

    label: str
    sentences: tuple[tuple[float, int | None, str], ...]  # (start, transcript line, text)
    recording_id: str | None = None  # where to play; None when only typed transcripts
    start: float = 0.0
    end: float = 0.0


def pick_samples(statements: Iterable[_Said], *, sentences: int = SENTENCES,
                 clip_seconds: float = CLIP_SECONDS) -> dict[str, SpeakerSample]:
    """Each label's most telling sentences and the clip to play: the longest substantive
    statements (clusterable, at least MIN_WORDS words), then any; the clip is the start of the
    longest one that has audio, at most ``clip_seconds``."""
    by_label: dict[str, list[_Said]] = {}
    for s in statements:
        if s.speaker:
            by_label.setdefault(s.speaker, []).append(s)
    out: dict[str, SpeakerSample] = {}
    for label, said in by_label.items():
        ranked = sorted(said, key=lambda s: (not s.clusterable, len(s.text.split()) < MIN_WORDS,
                                             -len(s.text.split()), s.position))
        chosen = sorted(ranked[:sentences], key=lambda s: s.position)
        heard = [s for s in ranked if s.line is None and s.end > s.start]
        clip = max(heard[:sentences] or heard, key=lambda s: s.end - s.start, default=None)
        out[label] = SpeakerSample(
            label, tuple((s.start, s.line, s.text) for s in chosen),
            clip.recording_id if clip else None, clip.start if clip else 0.0,
            min(clip.end, clip.start + clip_seconds) if clip else 0.0)
    return out


def speaker_samples(engine: Engine, convening_id: int) -> dict[str, SpeakerSample]:
    """:func:`pick_samples` of a convening's stored statements (withdrawn words never)."""
    from synth.store import queries, transaction

    with transaction(engine) as s:
        rows = [st for st in queries.statements_of(s, convening_id).values() if not st.withdrawn]
        return pick_samples(rows)
