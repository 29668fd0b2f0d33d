"""What the room wrote, as stored (issue 30): notes with their matched theme, and paper dots.

A note points at the theme it was matched to. Review edits keep that sensible without
touching the notes: a merged theme's notes count for the theme it was merged into (followed
here, so an undone merge gives them back), a split leaves them with the part that keeps the
theme, and a deleted theme unmatches them (``ON DELETE SET NULL``). A note whose theme was
discarded counts as matching nothing (its theme is kept, so undoing the discard brings it back).

Paper dots are the wall's, never the app's ballots: a theme's paper dots are the count staff
entered for the whole priority when there is one (:class:`PaperDots`), else the sum of the
dots on its notes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from synth.errors import NotFoundError
from synth.store.queries import themes_of
from synth.store.schema import PaperDots, StoredNote, StoredTheme

log = logging.getLogger(__name__)


def notes_of(session: Session, convening_id: int) -> list[StoredNote]:
    """The convening's notes in the order of its result (file order)."""
    return list(session.scalars(select(StoredNote).where(StoredNote.convening_id == convening_id)
                                .order_by(StoredNote.position, StoredNote.id)))


def get_note(session: Session, convening_id: int, note_id: str) -> StoredNote:
    """One note, or :class:`NotFoundError` saying where to find the ids."""
    row = session.get(StoredNote, (convening_id, note_id))
    if row is None:
        raise NotFoundError(f"convening {convening_id} has no note {note_id!r}; "
                            f"`synth review notes {convening_id}` lists them with their ids.")
    return row


def paper_dots_of(session: Session, convening_id: int) -> dict[int, int]:
    """Theme id -> the paper dots staff entered for the whole theme."""
    return {row.theme_id: row.dots for row in session.scalars(
        select(PaperDots).where(PaperDots.convening_id == convening_id))}


def discarded_from(themes: Mapping[int, StoredTheme], theme_id: int | None) -> int | None:
    """The discarded theme a note matched to ``theme_id`` is in now (merges followed), if any."""
    now = current_theme(themes, theme_id)
    return now if now is not None and now in themes and themes[now].status == "discarded" \
        else None


def warn_dropped_count(session: Session, theme: StoredTheme) -> None:
    """Before a re-run drops an untouched candidate: warn when staff entered paper dots for it,
    since that count goes with it (the dots entered on its notes stay: they move with the
    notes to the candidates those match now)."""
    row = session.get(PaperDots, theme.id)
    if row is not None:
        log.warning("the re-run no longer finds candidate theme %d \u201c%s\u201d (nobody had "
                    "reviewed it), so the %d paper dots entered for it are dropped; enter them "
                    "again on the theme that carries it on (`synth review dots -c %d --theme "
                    "THEME %d`)", theme.id, theme.label, row.dots, theme.convening_id, row.dots)


def current_theme(themes: Mapping[int, StoredTheme], theme_id: int | None) -> int | None:
    """The theme a note matched to ``theme_id`` belongs to now: merges followed."""
    seen: set[int] = set()
    while theme_id is not None and theme_id in themes and theme_id not in seen:
        seen.add(theme_id)
        nxt = themes[theme_id].merged_into
        if themes[theme_id].status != "merged" or nxt is None:
            return theme_id
        theme_id = nxt
    return theme_id


@dataclass(frozen=True, slots=True)
class Written:
    """A theme's written support: its notes (file order) and its paper dots."""

    notes: tuple[StoredNote, ...]
    dots: int
    dots_entered: bool  # True: staff counted the whole priority; False: the sum of its notes


def written_by_theme(session: Session, convening_id: int,
                     themes: Mapping[int, StoredTheme]) -> tuple[dict[int, Written],
                                                                 list[StoredNote]]:
    """Per theme (by id, merges followed) its written support, and the notes that match no
    theme (none, or one discarded since). ``themes``: the convening's themes by id.

    Each theme merged into another brings its own paper dots (its entered count, else its
    notes' dots), so a merge adds the two walls and never counts a dot twice.
    """
    own: dict[int, list[StoredNote]] = {}
    unmatched: list[StoredNote] = []
    for note in notes_of(session, convening_id):
        tid = note.theme_id
        if tid is None or tid not in themes or discarded_from(themes, tid) is not None:
            unmatched.append(note)
        else:
            own.setdefault(tid, []).append(note)
    entered = paper_dots_of(session, convening_id)
    notes: dict[int, list[StoredNote]] = {}
    dots: dict[int, int] = {}
    counted: set[int] = set()
    for tid in sorted(set(own) | set(entered)):
        now = current_theme(themes, tid)
        assert now is not None
        notes.setdefault(now, []).extend(own.get(tid, ()))
        dots[now] = dots.get(now, 0) + (entered[tid] if tid in entered
                                        else sum(n.dots for n in own.get(tid, ())))
        if tid in entered:
            counted.add(now)
    return ({tid: Written(tuple(sorted(notes[tid], key=lambda n: (n.position, n.id))),
                          dots[tid], tid in counted) for tid in notes}, unmatched)


def paper_dots_by_theme(session: Session, convening_id: int) -> dict[int, int] | None:
    """Theme id -> its paper dots (0 for a theme the wall gave none), for the exports; None
    when the convening recorded no paper at all (no notes, no dots entered)."""
    themes = {t.id: t for t in themes_of(session, convening_id)}
    written, unmatched = written_by_theme(session, convening_id, themes)
    if not written and not unmatched:
        return None
    return {tid: written[tid].dots if tid in written else 0 for tid in themes}
