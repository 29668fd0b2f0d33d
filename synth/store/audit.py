"""The audit log: snapshots of what an action touched, recorded before and after.

A snapshot holds the touched themes (every reviewable field), the touched statements'
memberships and the touched speakers, as plain JSON; an action on a partnership's priorities
also holds the touched priorities, theme-to-priority links, task teams and action-plan rows
(those parts only when the action named some, so older entries compare as they were); an
action on what the room wrote holds the touched notes (their theme and paper dots) and the
paper dots entered per theme, again only when it named some. Undo
writes the ``before`` snapshot back; because a snapshot names exactly what the action touched,
undo never disturbs anything else. Versions are never restored: an undo is a new change and
bumps them. An entry belongs to a convening (review) or to a partnership (its priorities).
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from synth.store import queries
from synth.store.schema import (
    ActionItem,
    AuditEntry,
    Membership,
    PaperDots,
    Priority,
    PriorityTheme,
    Speaker,
    StoredNote,
    StoredTheme,
    TeamMember,
    utcnow,
)

THEME_FIELDS = ("status", "label", "label_generated", "keywords", "stability", "merged_into",
                "edited")
SPEAKER_FIELDS = ("name", "merged_into", "participant_id")
PRIORITY_FIELDS = ("partnership_id", "name", "description", "status", "created_convening_id",
                   "created_theme_id")
ITEM_FIELDS = ("priority_id", "position", "objective", "measure", "owner", "support_partners",
               "goal_60_day", "status", "due")
PRIORITY_PARTS = ("priorities", "links", "teams", "items")
REVIEW_PARTS = ("themes", "members", "speakers")
WRITTEN_PARTS = ("notes", "paper_dots")  # issue 30: what the room wrote

Snapshot = dict[str, dict[str, Any]]


def default_who() -> str:
    """Who is acting, when the caller does not say: the login name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def capture(session: Session, convening_id: int | None, *, themes: Iterable[int] = (),
            statements: Iterable[str] = (), speakers: Iterable[str] = (),
            priorities: Iterable[int] = (), links: Iterable[int] = (),
            teams: Iterable[int] = (), items: Iterable[int] = (), notes: Iterable[str] = (),
            paper_dots: Iterable[int] = ()) -> Snapshot:
    """The current state of the named themes, statement memberships and speakers (of a
    convening), of priorities, theme links, task teams and action-plan rows, and of notes
    and the paper dots entered per theme (by theme id).

    A theme, speaker, priority or plan row that does not exist is recorded as ``None``, so
    undo can remove it.
    """
    session.flush()
    snap: Snapshot = {"themes": {}, "members": {}, "speakers": {}}
    snap.update(_capture_priorities(session, priorities, links, teams, items))
    if convening_id is None:
        return snap
    for tid in sorted(set(themes)):
        t = session.get(StoredTheme, tid)
        snap["themes"][str(tid)] = ({f: _json(getattr(t, f)) for f in THEME_FIELDS}
                                    if t is not None else None)
    sids = sorted(set(statements))
    rows = queries.memberships(session, convening_id, sids)
    for sid in sids:
        m = rows.get(sid)
        snap["members"][sid] = ({"theme": m.theme_id, "pinned": m.pinned} if m is not None
                                else None)
    for label in sorted(set(speakers)):
        s = session.get(Speaker, (convening_id, label))
        snap["speakers"][label] = ({f: getattr(s, f) for f in SPEAKER_FIELDS} if s is not None
                                   else None)
    snap.update(_capture_written(session, convening_id, notes, paper_dots))
    return snap


def recapture(session: Session, convening_id: int | None, snap: Snapshot) -> Snapshot:
    """The current state of exactly what ``snap`` names (to tell whether it changed since)."""
    named = {part: list(snap.get(part, {})) for part in (*REVIEW_PARTS, *PRIORITY_PARTS,
                                                           *WRITTEN_PARTS)}
    return capture(session, convening_id, themes=[int(k) for k in named["themes"]],
                   statements=named["members"], speakers=named["speakers"],
                   notes=named["notes"], paper_dots=[int(k) for k in named["paper_dots"]],
                   **{part: [int(k) for k in named[part]] for part in PRIORITY_PARTS})


def _capture_written(session: Session, convening_id: int, notes: Iterable[str],
                     paper_dots: Iterable[int]) -> Snapshot:
    snap: Snapshot = {}
    if ids := sorted(set(notes)):
        rows = {i: session.get(StoredNote, (convening_id, i)) for i in ids}
        snap["notes"] = {i: ({"theme": n.theme_id, "dots": n.dots} if n is not None else None)
                         for i, n in rows.items()}
    if tids := sorted(set(paper_dots)):
        counts = {t: session.get(PaperDots, t) for t in tids}
        snap["paper_dots"] = {str(t): (row.dots if row is not None else None)
                              for t, row in counts.items()}
    return snap


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return list(value) if isinstance(value, list | tuple) else value


def _capture_priorities(session: Session, priorities: Iterable[int], links: Iterable[int],
                        teams: Iterable[int], items: Iterable[int]) -> Snapshot:
    snap: Snapshot = {}
    if ids := sorted(set(priorities)):
        rows = {i: session.get(Priority, i) for i in ids}
        snap["priorities"] = {str(i): ({f: getattr(p, f) for f in PRIORITY_FIELDS}
                                       if p is not None else None) for i, p in rows.items()}
    if ids := sorted(set(links)):
        linked = {i: session.get(PriorityTheme, i) for i in ids}
        snap["links"] = {str(i): (row.priority_id if row is not None else None)
                         for i, row in linked.items()}
    if ids := sorted(set(teams)):
        snap["teams"] = {str(i): [[m.participant_id, m.role] for m in queries.team_rows(session, i)]
                         for i in ids}
    if ids := sorted(set(items)):
        plan = {i: session.get(ActionItem, i) for i in ids}
        snap["items"] = {str(i): ({f: _json(getattr(a, f)) for f in ITEM_FIELDS}
                                  if a is not None else None) for i, a in plan.items()}
    return snap


def record(session: Session, convening_id: int | None, *, action: str, target: str,
           who: str | None, before: dict[str, Any], after: dict[str, Any],
           partnership_id: int | None = None) -> AuditEntry:
    """Append one entry to the audit log: a convening's, or (``convening_id`` None) a
    partnership's."""
    entry = AuditEntry(convening_id=convening_id, partnership_id=partnership_id, at=utcnow(),
                       who=who or default_who(), action=action, target=target[:500],
                       before=before, after=after)
    session.add(entry)
    session.flush()
    return entry


def restore(session: Session, convening_id: int | None, snap: Snapshot) -> set[int]:
    """Write a snapshot back; returns the ids of the themes whose state changed.

    Priorities the action removed come back first (links and plans point at them), then
    memberships, so that a theme the action created can then be deleted; priorities the
    action created go last.
    """
    _restore_priorities(session, snap)
    if convening_id is None:
        _drop_created_priorities(session, snap)
        return set()
    changed = _restore_review(session, convening_id, snap)
    _drop_created_priorities(session, snap)
    return {tid for tid in changed if session.get(StoredTheme, tid) is not None}


def _restore_review(session: Session, convening_id: int, snap: Snapshot) -> set[int]:
    changed: set[int] = set()
    members = snap.get("members", {})
    current = queries.memberships(session, convening_id, members)
    for sid, state in members.items():
        row = current.get(sid)
        if row is not None and row.theme_id is not None:
            changed.add(row.theme_id)
        if state is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = Membership(convening_id=convening_id, statement_id=sid)
            session.add(row)
        row.theme_id, row.pinned = state["theme"], state["pinned"]
        if state["theme"] is not None:
            changed.add(state["theme"])
    session.flush()
    # Notes first: a note made a candidate goes back to its theme before that theme goes.
    _restore_written(session, convening_id, snap)
    themes = snap.get("themes", {})
    # Restore fields before deleting, since a kept theme may point at a deleted one.
    for key, state in themes.items():
        t = session.get(StoredTheme, int(key))
        if state is not None and t is not None:
            for f in THEME_FIELDS:
                setattr(t, f, state[f])
            changed.add(t.id)
    session.flush()
    for key, state in themes.items():
        t = session.get(StoredTheme, int(key))
        if state is None and t is not None:
            session.delete(t)
            changed.discard(t.id)
    for label, state in snap.get("speakers", {}).items():
        s = session.get(Speaker, (convening_id, label))
        if state is None:
            if s is not None:
                session.delete(s)
        elif s is not None:
            for f in SPEAKER_FIELDS:
                setattr(s, f, state[f])
    session.flush()
    return changed


def _restore_written(session: Session, convening_id: int, snap: Snapshot) -> None:
    """Notes' themes and paper dots, and the counts entered per theme. A note or theme gone
    since (a re-run) has nothing to restore; an import stops undo before that anyway."""
    for nid, state in snap.get("notes", {}).items():
        note = session.get(StoredNote, (convening_id, nid))
        if note is not None and state is not None:
            theme: int | None = state["theme"]
            note.dots = state["dots"]
            if theme is not None and session.get(StoredTheme, theme) is None:
                theme = None  # its theme is gone since: the note matches nothing
            note.theme_id = theme
    for key, dots in snap.get("paper_dots", {}).items():
        row = session.get(PaperDots, int(key))
        if dots is None:
            if row is not None:
                session.delete(row)
        elif row is not None:
            row.dots = dots
        elif session.get(StoredTheme, int(key)) is not None:
            session.add(PaperDots(theme_id=int(key), convening_id=convening_id, dots=dots))
    session.flush()


def _restore_priorities(session: Session, snap: Snapshot) -> None:
    for key, state in snap.get("priorities", {}).items():
        if state is None:
            continue
        p = session.get(Priority, int(key))
        if p is None:
            p = Priority(id=int(key), created_at=utcnow())
            session.add(p)
        for f in PRIORITY_FIELDS:
            setattr(p, f, state[f])
        if p.created_theme_id is not None and session.get(StoredTheme, p.created_theme_id) is None:
            p.created_theme_id = None
        p.updated_at = utcnow()
    session.flush()
    for key, priority_id in snap.get("links", {}).items():
        link = session.get(PriorityTheme, int(key))
        if priority_id is None:
            if link is not None:
                session.delete(link)
        elif link is None:
            session.add(PriorityTheme(theme_id=int(key), priority_id=priority_id))
        else:
            link.priority_id = priority_id
    for key, team in snap.get("teams", {}).items():
        _restore_team(session, int(key), team)
    for key, state in snap.get("items", {}).items():
        _restore_item(session, int(key), state)
    session.flush()


def _restore_team(session: Session, priority_id: int, team: list[list[Any]]) -> None:
    wanted = {int(pid): role for pid, role in team}
    for row in queries.team_rows(session, priority_id):
        if row.participant_id not in wanted:
            session.delete(row)
        else:
            row.role = wanted.pop(row.participant_id)
    for pid, role in wanted.items():
        session.add(TeamMember(priority_id=priority_id, participant_id=pid, role=role,
                               since=utcnow()))


def _restore_item(session: Session, item_id: int, state: dict[str, Any] | None) -> None:
    item = session.get(ActionItem, item_id)
    if state is None:
        if item is not None:
            session.delete(item)
        return
    if item is None:
        item = ActionItem(id=item_id)
        session.add(item)
    for f in ITEM_FIELDS:
        value = state[f]
        setattr(item, f, dt.date.fromisoformat(value) if f == "due" and value else value)


def _drop_created_priorities(session: Session, snap: Snapshot) -> None:
    for key, state in snap.get("priorities", {}).items():
        p = session.get(Priority, int(key))
        if state is None and p is not None:
            session.delete(p)
    session.flush()
