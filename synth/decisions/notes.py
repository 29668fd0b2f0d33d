"""What the room wrote, in the review (issue 30): said beside written per candidate, paper dots
entered by staff, and a note that matched nothing made a candidate.

Notes are written, never said: the pages show them as written (sheet, table, author, file
and line), never as a quote and never with audio. Paper dots are the wall's count and are
reported beside the app's ballots, never added to them.

Making a note a candidate and entering paper dots (per note, per theme, or forgetting a
theme's count) are review actions like the others: audited, and undone by the review's undo
(making a candidate undone gives the note back to where it was: unmatched, or its discarded
theme). A note whose theme the facilitator discarded is listed with the notes that matched
nothing, so it can be made a candidate too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from synth.convening.report import note_source
from synth.decisions.review import Outcome, _edit
from synth.errors import ReviewError
from synth.store import queries, transaction
from synth.store.notes import (
    discarded_from,
    get_note,
    paper_dots_by_theme,
    written_by_theme,
)
from synth.store.schema import PaperDots, StoredNote, StoredTheme
from synth.text.notes import MAX_DOTS
from synth.themes.written import Tally, reconcile

log = logging.getLogger(__name__)

FROM_NOTE = "note:"  # a theme's source_key when a facilitator made it from a note


@dataclass(frozen=True, slots=True)
class WrittenNote:
    """A note as the pages show it: its words as written and where they were written."""

    id: str
    text: str
    file: str
    line: int  # 0-based
    author: str | None
    table: str | None
    sheet: str | None
    dots: int
    theme_id: int | None  # the theme it counts for now (merges followed); None: unmatched
    discarded: str | None = None  # unmatched because its theme (this label) was discarded

    @property
    def source(self) -> str:
        """Who wrote it and where, as the Markdown report says it
        (:func:`synth.convening.report.note_source`): ``written by Linda Park at Table 2;
        notes.md line 4, under "Ideas"``."""
        # The discard is said here because the pages show ``source`` under every note listed.
        gone = f"; its theme \u201c{self.discarded}\u201d was discarded" if self.discarded else ""
        return note_source(self.author, self.table, self.file, self.line, self.sheet) + gone


@dataclass(frozen=True, slots=True)
class WrittenTheme:
    """One theme's said support beside its written support, and the reconciliation's flags."""

    statements: int
    leaders: int
    talk_seconds: float
    notes: tuple[WrittenNote, ...]
    dots: int  # paper dots: the count entered for the theme, else its notes' dots
    dots_entered: bool
    flags: tuple[str, ...]
    from_note: bool  # made by a facilitator from a note that matched nothing
    compared: bool = True  # False: the convening has no notes, only paper dots maybe
    label: str = ""  # the theme's label now, for lists that show no card


@dataclass(frozen=True, slots=True)
class WrittenView:
    """What the room wrote, for the review: per active theme, and the unmatched notes."""

    themes: dict[int, WrittenTheme]
    unmatched: tuple[WrittenNote, ...]
    has_notes: bool


def _shown(note: StoredNote, theme_id: int | None,
           themes: Mapping[int, StoredTheme] | None = None) -> WrittenNote:
    gone = discarded_from(themes, note.theme_id) if themes else None
    discarded = themes[gone].label if themes and gone is not None else None
    return WrittenNote(note.id, note.text, note.file, note.line, note.author, note.table_label,
                       note.sheet, note.dots, theme_id, discarded)


def read_written(engine: Engine, convening_id: int) -> WrittenView:
    """Said beside written for each active theme, with the flags (:mod:`synth.themes.written`),
    and the notes that match no theme; read in one transaction."""
    with transaction(engine) as s:
        themes = {t.id: t for t in queries.themes_of(s, convening_id)}
        summaries = queries.theme_summaries(s, convening_id)
        written, unmatched = written_by_theme(s, convening_id, themes)
        has_notes = bool(unmatched) or any(w.notes for w in written.values())
        tallies = {t.id: Tally(len(t.statement_ids), t.breadth, t.talk_seconds,
                               len(written[t.id].notes) if t.id in written else 0,
                               written[t.id].dots if t.id in written else 0)
                   for t in summaries}
        flags = reconcile(tallies)
        out = {}
        for t in summaries:
            w = written.get(t.id)
            out[t.id] = WrittenTheme(
                tallies[t.id].statements, t.breadth, t.talk_seconds,
                tuple(_shown(n, t.id) for n in w.notes) if w else (), tallies[t.id].dots,
                bool(w and w.dots_entered), flags[t.id],
                (themes[t.id].source_key or "").startswith(FROM_NOTE), has_notes, t.label)
        return WrittenView(out, tuple(_shown(n, None, themes) for n in unmatched), has_notes)


def paper_dots(engine: Engine, convening_id: int) -> dict[int, int] | None:
    """Theme id -> its paper dots, for the results beside the ballots; None when the
    convening recorded no paper at all."""
    with transaction(engine) as s:
        return paper_dots_by_theme(s, convening_id)


def _check_dots(dots: int) -> int:
    if isinstance(dots, bool) or not isinstance(dots, int) or not 0 <= dots <= MAX_DOTS:
        raise ReviewError(f"paper dots are a whole number from 0 to {MAX_DOTS}, not {dots!r}.")
    return dots


def set_note_dots(engine: Engine, convening_id: int, note_id: str, dots: int, *,
                  who: str | None = None) -> int:
    """The paper dots counted on one note (audited, undone by the review's undo); returns the
    count it had before."""
    _check_dots(dots)
    with _edit(engine, "paper_dots", who=who, convening=convening_id) as e:
        note = get_note(e.s, convening_id, note_id)
        before = note.dots
        if before != dots:  # the same count again changes nothing: nothing to undo
            e.begin(notes=[note_id])
            note.dots = dots
            e.finish(f"note {note_id}: {before} -> {dots} paper dots")
    return before


def set_theme_dots(engine: Engine, theme_id: int, dots: int | None, *,
                   who: str | None = None) -> int | None:
    """The paper dots counted on the wall for a whole theme (None: forget the count, so its
    notes' dots count again; audited, undone by the review's undo); returns the count entered
    before (None when there was none)."""
    if dots is not None:
        _check_dots(dots)
    with _edit(engine, "paper_dots", who=who, theme=theme_id) as e:
        theme = queries.get_theme(e.s, theme_id)
        if theme.status == "merged":
            raise ReviewError(f"theme {theme_id} was merged into theme {theme.merged_into}; "
                              "enter its paper dots there.")
        row = e.s.get(PaperDots, theme_id)
        before = row.dots if row is not None else None
        if before == dots:
            return before
        e.begin(paper_dots=[theme_id])
        if dots is None:
            if row is not None:
                e.s.delete(row)
        elif row is None:
            e.s.add(PaperDots(theme_id=theme_id, convening_id=theme.convening_id, dots=dots))
        else:
            row.dots = dots
        e.finish(f"theme {theme_id}: {'-' if before is None else before} -> "
                 f"{'its notes' if dots is None else dots} paper dots")
    return before


def note_to_candidate(engine: Engine, convening_id: int, note_id: str, *,
                      who: str | None = None) -> Outcome:
    """A candidate made from a note that matches nothing said (or whose theme was discarded):
    labelled with the note's own words (not generated; marked as from a note), the note matched
    to it. Undo removes it and gives the note back to where it was."""
    with _edit(engine, "create", who=who, convening=convening_id) as e:
        note = get_note(e.s, convening_id, note_id)
        themes = {t.id: t for t in queries.themes_of(e.s, convening_id)}
        if note.theme_id in themes and discarded_from(themes, note.theme_id) is None:
            raise ReviewError(f"note {note_id} already counts for theme {note.theme_id}; only a "
                              "note that matched nothing (or whose theme was discarded) becomes "
                              "a candidate.")
        e.begin(notes=[note.id])
        new = StoredTheme(convening_id=convening_id, status="candidate",
                          label=" ".join(note.text.split())[:300], label_generated=False,
                          keywords=[], edited=True, source_key=f"{FROM_NOTE}{note.id}")
        e.s.add(new)
        e.s.flush()
        note.theme_id = new.id
        return e.finish(f"theme {new.id} from note {note.id}: {new.label}", created=[new])
