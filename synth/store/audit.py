"""The audit log: snapshots of what an action touched, recorded before and after.

A snapshot holds the touched themes (every reviewable field), the touched statements'
memberships and the touched speakers, as plain JSON. Undo writes the ``before`` snapshot
back; because a snapshot names exactly what the action touched, undo never disturbs anything
else. Versions are never restored: an undo is a new change and bumps them.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from synth.store import queries
from synth.store.schema import AuditEntry, Membership, Speaker, StoredTheme, utcnow

THEME_FIELDS = ("status", "label", "label_generated", "keywords", "stability", "merged_into",
                "edited")
SPEAKER_FIELDS = ("name", "merged_into", "participant_id")

Snapshot = dict[str, dict[str, Any]]


def default_who() -> str:
    """Who is acting, when the caller does not say: the login name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def capture(session: Session, convening_id: int, *, themes: Iterable[int] = (),
            statements: Iterable[str] = (), speakers: Iterable[str] = ()) -> Snapshot:
    """The current state of the named themes, statement memberships and speakers.

    A theme or speaker that does not exist is recorded as ``None``, so undo can remove it.
    """
    session.flush()
    snap: Snapshot = {"themes": {}, "members": {}, "speakers": {}}
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
    return snap


def _json(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


def record(session: Session, convening_id: int, *, action: str, target: str, who: str | None,
           before: dict[str, Any], after: dict[str, Any]) -> AuditEntry:
    """Append one entry to the audit log."""
    entry = AuditEntry(convening_id=convening_id, at=utcnow(), who=who or default_who(),
                       action=action, target=target[:500], before=before, after=after)
    session.add(entry)
    session.flush()
    return entry


def restore(session: Session, convening_id: int, snap: Snapshot) -> set[int]:
    """Write a snapshot back; returns the ids of the themes whose state changed.

    Memberships go first so that a theme the action created can then be deleted.
    """
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
    return {tid for tid in changed if session.get(StoredTheme, tid) is not None}
