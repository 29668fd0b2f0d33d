"""What the room wrote beside what it said: notes matched to candidates, and the two compared.

Notes (flip-chart lines, sticky notes: :mod:`synth.text.notes`) do not join the clustering.
They are attached afterwards, each to the candidate of the said statement it is closest to,
because:

* the candidates stay what the talk alone forms, so the spoken evaluation and a re-run
  without the notes give the same themes (a flip chart summarises; clustered with speech, its
  terse lines would pull candidates towards the facilitator's wording);
* a note then says which statement it wrote down, which the review card can show;
* a note close to nothing said is left unmatched and listed, so the facilitator can make it a
  candidate: that is what "written down, never said" looks like.

A note is matched when its nearest said statement is at least as close as the meeting's own
statements are to their nearest neighbour at the lower quartile: the bar is read from each
meeting, not fixed (MiniLM's similarities run higher on long, on-topic meetings).

The reconciliation compares, per candidate, how much was said (statements, business leaders,
talk time) with how much was written (notes, paper dots), and flags the two mismatches a
facilitator wants to ask the room about; both bars are read from the meeting's candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from synth.records import Note

UNWRITTEN = "said by many, never written down"
UNSAID = "written down, barely said"
MATCH_QUANTILE = 25  # percentile of the statements' nearest-neighbour similarity
Key = TypeVar("Key")  # a candidate's key: the result's theme id, or the store's


@dataclass(frozen=True, slots=True)
class NoteMatch:
    """Where a note went: the candidate of its nearest said statement, or none."""

    note_id: str
    theme_id: str | None  # None: close to nothing said (unmatched)
    statement_id: str | None  # the said statement it is nearest to
    similarity: float  # cosine to that statement


def match_floor(said: np.ndarray) -> float:
    """The similarity a note needs to its nearest said statement: the lower quartile of how
    close each said statement is to its own nearest other statement (inf with fewer than
    two: then nothing was said to match)."""
    if len(said) < 2:
        return float("inf")
    unit = _unit(said)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    return float(np.percentile(sims.max(axis=1), MATCH_QUANTILE))


def attach_notes(notes: Sequence[Note], note_vectors: np.ndarray, said_ids: Sequence[str],
                 said_vectors: np.ndarray,
                 theme_of: Mapping[str, str | None]) -> tuple[NoteMatch, ...]:
    """Each note matched to the theme of its nearest said statement (``said_ids``: the
    clusterable statements, with ``said_vectors`` row for row; ``theme_of``: statement id ->
    theme id). A note below :func:`match_floor`, or nearest to a statement in no theme, is
    unmatched."""
    if not notes:
        return ()
    if len(said_ids) == 0:
        return tuple(NoteMatch(n.id, None, None, 0.0) for n in notes)
    floor = match_floor(said_vectors)
    sims = _unit(note_vectors) @ _unit(said_vectors).T
    out = []
    for note, row in zip(notes, sims, strict=True):
        best = int(np.argmax(row))
        sid, sim = said_ids[best], round(float(row[best]), 4)
        theme = theme_of.get(sid) if sim >= floor else None
        out.append(NoteMatch(note.id, theme, sid, sim))
    return tuple(out)


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


@dataclass(frozen=True, slots=True)
class Tally:
    """One candidate's said and written support, side by side."""

    statements: int
    leaders: int  # business leaders (speakers without a roster): its breadth
    seconds: float  # talk time of its statements
    notes: int = 0
    dots: int = 0  # paper dots on the wall: never the app's ballots


def reconcile(tallies: Mapping[Key, Tally]) -> dict[Key, tuple[str, ...]]:
    """Candidate key -> its flags (:data:`UNWRITTEN`, :data:`UNSAID`; none for most).

    * said by many, never written down: no note and no dot, and at least as many leaders as
      the meeting's median candidate (and at least two: one voice is not "many");
    * written down, barely said: less talk than the median candidate, and a share of the
      notes at least twice its share of the talk.

    A meeting with nothing written has nothing to reconcile: no flags.
    """
    if not tallies or not any(t.notes or t.dots for t in tallies.values()):
        return {key: () for key in tallies}
    leaders = float(np.median([t.leaders for t in tallies.values()]))
    seconds = float(np.median([t.seconds for t in tallies.values()]))
    total_notes = sum(t.notes for t in tallies.values()) or 1
    total_seconds = sum(t.seconds for t in tallies.values()) or 1.0
    out: dict[Key, tuple[str, ...]] = {}
    for key, t in tallies.items():
        flags = []
        if not t.notes and not t.dots and t.leaders >= max(leaders, 2):
            flags.append(UNWRITTEN)
        if t.notes and t.seconds < seconds and \
                t.notes / total_notes >= 2 * t.seconds / total_seconds:
            flags.append(UNSAID)
        out[key] = tuple(flags)
    return out
