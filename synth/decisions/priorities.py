"""A partnership's priorities across convenings: status, task team, action plan (issue 29).

Every change is one transaction holding the partnership's lock, is written to the audit log
with the partnership's id and the state before and after (:mod:`synth.store.audit`, the same
snapshots as the review's), and can be undone with :func:`undo`, last change first. A theme the
facilitator confirms becomes, or joins, a priority (:func:`link_confirmed`, called by the
review inside its own audited action); a leader who volunteers at a vote joins its task team
(:func:`follow_signup`, called inside the sign-up's transaction).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from synth.errors import ConflictError, ReviewError
from synth.store import audit, queries
from synth.store.db import transaction
from synth.store.schema import (
    PLAN_STATUSES,
    PRIORITY_STATUSES,
    ActionItem,
    Affiliation,
    Priority,
    PriorityTheme,
    StoredConvening,
    StoredParticipant,
    StoredTheme,
    TeamMember,
    utcnow,
)

log = logging.getLogger(__name__)

PLAN_FIELDS = ("objective", "measure", "owner", "support_partners", "goal_60_day", "status",
               "due")


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One action-plan row as staff edit and send it."""

    id: int
    objective: str
    measure: str
    owner: str
    support_partners: str
    goal_60_day: str
    status: str
    due: dt.date | None


@dataclass(frozen=True, slots=True)
class PriorityView:
    """A priority with where it came from, its task team and its action plan."""

    id: int
    partnership_id: int
    name: str
    description: str
    status: str
    convenings: tuple[str, ...]  # titles of the convenings that raised it, oldest first
    champions: tuple[str, ...]
    members: tuple[str, ...]
    plan: tuple[PlanRow, ...]

    @property
    def needs_champion(self) -> bool:
        """True when nobody leads the task team yet."""
        return not self.champions


class _Change:
    """One audited change to a partnership's priorities inside one transaction."""

    def __init__(self, session: Session, partnership_id: int, action: str,
                 who: str | None) -> None:
        self.s, self.partnership_id, self.action, self.who = session, partnership_id, action, who
        self.keys: dict[str, list[int]] = {}
        self.before: audit.Snapshot = {}

    def begin(self, **keys: Sequence[int]) -> None:
        """Record the state of the priorities, teams and plan rows about to change."""
        self.keys = {k: list(v) for k, v in keys.items()}
        self.before = audit.capture(self.s, None, **self.keys)  # type: ignore[arg-type]

    def finish(self, target: str, *, created_items: Sequence[int] = ()) -> int:
        """Write the audit entry; plan rows the change created were absent before."""
        self.s.flush()
        for item in created_items:
            self.before.setdefault("items", {})[str(item)] = None
            self.keys.setdefault("items", []).append(item)
        after = audit.capture(self.s, None, **self.keys)  # type: ignore[arg-type]
        entry = audit.record(self.s, None, partnership_id=self.partnership_id,
                             action=self.action, target=target, who=self.who,
                             before=self.before, after=after)
        log.info("%s %s (partnership %d, audit %d)", self.action, target, self.partnership_id,
                 entry.id)
        return entry.id


@contextmanager
def _change(engine: Engine, action: str, priority_id: int,
            who: str | None) -> Iterator[tuple[_Change, Priority]]:
    with transaction(engine) as s:
        p = queries.get_priority(s, priority_id)
        queries.get_partnership(s, p.partnership_id, lock=True)
        s.refresh(p)
        yield _Change(s, p.partnership_id, action, who), p


# --- reading ---------------------------------------------------------------------------------


def partnership_of(engine: Engine, convening_id: int) -> int:
    """The id of the partnership a convening belongs to."""
    with transaction(engine) as s:
        return queries.get_convening(s, convening_id).partnership_id


def list_priorities(engine: Engine, partnership_id: int) -> list[PriorityView]:
    """The partnership's priorities with their teams and plans, oldest first."""
    with transaction(engine) as s:
        queries.get_partnership(s, partnership_id)
        return [_view(s, p) for p in queries.priorities_of(s, partnership_id)]


def get_priority(engine: Engine, priority_id: int) -> PriorityView:
    """One priority with its team and plan."""
    with transaction(engine) as s:
        return _view(s, queries.get_priority(s, priority_id))


def confirm_choices(engine: Engine, theme_id: int) -> tuple[list[tuple[int, str]], int | None]:
    """What confirming a theme can join: the partnership's priorities as (id, name, with the
    status when not confirmed), oldest first, and the one it joins by default (the priority it
    already raises, as an import linked it; else the priority of the theme's name; None: a
    new one). One read, for the review card's choice."""
    with transaction(engine) as s:
        theme = queries.get_theme(s, theme_id)
        conv = queries.get_convening(s, theme.convening_id)
        rows = queries.priorities_of(s, conv.partnership_id)
        linked = queries.priority_link(s, theme.id)
        same = queries.priority_named(s, conv.partnership_id, theme.label)
        return ([(p.id, p.name if p.status == "confirmed" else f"{p.name} ({p.status})")
                 for p in rows], linked if linked is not None
                else same.id if same is not None else None)


def _view(s: Session, p: Priority) -> PriorityView:
    themes = queries.linked_themes(s, [p.id])[p.id]
    titles = list(dict.fromkeys(queries.get_convening(s, t.convening_id).title for t in themes))
    roster = queries.roster_of(s, p.partnership_id)
    team = queries.team_rows(s, p.id)
    return PriorityView(
        p.id, p.partnership_id, p.name, p.description, p.status, tuple(titles),
        tuple(roster[m.participant_id].name for m in team if m.role == "champion"),
        tuple(roster[m.participant_id].name for m in team if m.role == "member"),
        tuple(PlanRow(a.id, a.objective, a.measure, a.owner, a.support_partners, a.goal_60_day,
                      a.status, a.due) for a in queries.plan_of(s, p.id)))


# --- status, name, team ----------------------------------------------------------------------


def set_status(engine: Engine, priority_id: int, status: str, *, who: str | None = None) -> int:
    """Move a priority to ``status``; active needs a champion. Returns the audit entry's id."""
    if status not in PRIORITY_STATUSES:
        raise ReviewError(f"'{status}' is not a priority status: use "
                          f"{', '.join(PRIORITY_STATUSES)}.")
    with _change(engine, "priority_status", priority_id, who) as (c, p):
        if status == "active" and not any(m.role == "champion"
                                          for m in queries.team_rows(c.s, p.id)):
            raise ReviewError(f"priority {p.id} ({p.name}) has no champion: name one "
                              f"(`synth priority champion {p.id} NAME`) before making it "
                              "active.")
        c.begin(priorities=[p.id])
        before, p.status, p.updated_at = p.status, status, utcnow()
        return c.finish(f"priority {p.id}: {before} -> {status}")


def rename(engine: Engine, priority_id: int, name: str, *, description: str | None = None,
           who: str | None = None) -> int:
    """Give a priority the partnership's own name (and, optionally, a description)."""
    name = " ".join(name.split())
    if not name:
        raise ReviewError("a priority's name cannot be empty.")
    with _change(engine, "priority_rename", priority_id, who) as (c, p):
        c.begin(priorities=[p.id])
        p.name = name[:300]
        if description is not None:
            p.description = description.strip()
        p.updated_at = utcnow()
        return c.finish(f"priority {p.id}: {name}")


def set_team_member(engine: Engine, priority_id: int, person: str, role: str | None, *,
                    who: str | None = None) -> int:
    """Put a roster participant on the task team as champion or member (``None`` takes them
    off). Champions are business leaders: the partnership is industry-led."""
    if role not in ("champion", "member", None):
        raise ReviewError(f"'{role}' is not a task-team role: use champion or member.")
    with _change(engine, "priority_team", priority_id, who) as (c, p):
        participant = queries.find_participant(c.s, p.partnership_id, person)
        if role == "champion" and participant.role != "business":
            raise ReviewError(f"{person} is a {participant.role} partner: champions are business "
                              "leaders; add them as a member instead.")
        c.begin(teams=[p.id])
        row = c.s.get(TeamMember, (p.id, participant.id))
        if role is None:
            if row is None:
                raise ReviewError(f"{person} is not on priority {p.id}'s task team.")
            c.s.delete(row)
        elif row is None:
            c.s.add(TeamMember(priority_id=p.id, participant_id=participant.id, role=role,
                               since=utcnow()))
        else:
            row.role = role
        return c.finish(f"priority {p.id}: {person} {role or 'off the team'}")


def follow_signup(s: Session, theme_id: int, participant_id: int, *, was: str | None,
                  now: str | None, who: str) -> None:
    """Bring the task team of the priority a theme feeds in line with a vote's sign-up that
    changed from ``was`` to ``now`` (None: no sign-up), inside the caller's transaction: a
    sign-up puts the leader on the team, a champion's makes them champion; stepping back from
    champion, or withdrawing, undoes only what their sign-ups did (a member stays while
    another of their sign-ups feeds the priority). Audited as a team change; a theme that
    feeds no priority yet changes nothing."""
    priority_id = queries.priority_link(s, theme_id)
    if priority_id is None:
        return
    p = queries.get_priority(s, priority_id)
    queries.get_partnership(s, p.partnership_id, lock=True)
    roles = queries.signup_roles(s, p.id, participant_id)
    wanted = ("champion" if "champion" in roles else "member") if roles else None
    row = s.get(TeamMember, (p.id, participant_id))
    role = row.role if row is not None else None
    if now is not None and (row is None or wanted == "champion"):
        role = wanted
    elif row is not None and was == "champion" and wanted != "champion":
        role = wanted
    elif row is not None and now is None and wanted is None and was == row.role:
        role = None
    if role == (row.role if row is not None else None):
        return
    c = _Change(s, p.partnership_id, "priority_team", who)
    c.begin(teams=[p.id])
    if role is None:
        s.delete(row)
    elif row is None:
        s.add(TeamMember(priority_id=p.id, participant_id=participant_id, role=role,
                         since=utcnow()))
    else:
        row.role = role
    # No name in the target: it goes to the log, and the vote keeps names out of the log.
    c.finish(f"priority {p.id}: {'left the team' if role is None else role} (vote sign-up)")


# --- action plan -----------------------------------------------------------------------------


def _plan_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(PLAN_FIELDS))
    if unknown:
        raise ReviewError(f"unknown action-plan field {unknown[0]!r}: use "
                          f"{', '.join(PLAN_FIELDS)}.")
    out = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    if "objective" in out and not out["objective"]:
        raise ReviewError("an action-plan row needs an objective.")
    if "status" in out and out["status"] not in PLAN_STATUSES:
        raise ReviewError(f"'{out['status']}' is not an action-plan status: use "
                          f"{', '.join(PLAN_STATUSES)}.")
    if isinstance(out.get("due"), str):
        out["due"] = parse_due(out["due"])
    return out


def parse_due(text: str, what: str = "due date") -> dt.date | None:
    """A due date (or another day, ``what``) as typed: YYYY-MM-DD, empty for none."""
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ReviewError(f"{what} {text!r} is not a date: write it as YYYY-MM-DD "
                          "(2027-03-31).") from None


def add_plan_row(engine: Engine, priority_id: int, *, who: str | None = None,
                 **fields: Any) -> int:
    """Add a row to the priority's action plan; returns the row's id."""
    values = _plan_values({"status": "not_started", **fields})
    if not values.get("objective"):
        raise ReviewError("an action-plan row needs an objective.")
    with _change(engine, "plan_add", priority_id, who) as (c, p):
        c.begin()
        position = max((a.position for a in queries.plan_of(c.s, p.id)), default=-1) + 1
        item = ActionItem(priority_id=p.id, position=position, **values)
        c.s.add(item)
        c.s.flush()
        c.finish(f"priority {p.id}: plan row {item.id}", created_items=[item.id])
        return item.id


def update_plan_row(engine: Engine, item_id: int, *, who: str | None = None,
                    **fields: Any) -> int:
    """Change fields of an action-plan row; returns the audit entry's id."""
    values = _plan_values(fields)
    with transaction(engine) as s:
        item = _item(s, item_id)
        priority_id = item.priority_id
    with _change(engine, "plan_edit", priority_id, who) as (c, p):
        c.begin(items=[item_id])
        item = _item(c.s, item_id)
        for k, v in values.items():
            setattr(item, k, v)
        return c.finish(f"priority {p.id}: plan row {item_id}")


def remove_plan_row(engine: Engine, item_id: int, *, who: str | None = None) -> int:
    """Delete an action-plan row (undo brings it back)."""
    with transaction(engine) as s:
        priority_id = _item(s, item_id).priority_id
    with _change(engine, "plan_remove", priority_id, who) as (c, p):
        c.begin(items=[item_id])
        c.s.delete(_item(c.s, item_id))
        return c.finish(f"priority {p.id}: plan row {item_id} removed")


def save_plan(engine: Engine, priority_id: int, rows: Sequence[Mapping[str, Any]], *,
              who: str | None = None) -> int:
    """Replace the priority's action plan with ``rows`` as edited in a table, in their order:
    a row with an ``id`` keeps that row, one without is added, a row left out is removed. One
    change in the audit log, so one undo reverts the whole save. Returns the entry's id."""
    edited = []
    for n, row in enumerate(rows, start=1):
        fields = {k: v for k, v in row.items() if k != "id"}
        try:
            values = _plan_values({"status": "not_started", **fields})
        except ReviewError as exc:
            raise ReviewError(f"plan row {n}: {exc}") from None
        if not values.get("objective"):
            raise ReviewError(f"plan row {n}: an action-plan row needs an objective.")
        edited.append((row.get("id"), values))
    with _change(engine, "plan_save", priority_id, who) as (c, p):
        current = {a.id: a for a in queries.plan_of(c.s, p.id)}
        strangers = [str(i) for i, _ in edited if i is not None and i not in current]
        if strangers:
            raise ConflictError(f"plan rows {', '.join(strangers)} are no longer in priority "
                                f"{p.id}'s plan: reload it and edit again.")
        c.begin(items=list(current))
        created = []
        for position, (item_id, values) in enumerate(edited):
            item = current.pop(item_id, None) if item_id is not None else None
            new = item is None
            if item is None:  # a new row (or an id given twice: its copy is a new row)
                item = ActionItem(priority_id=p.id)
                c.s.add(item)
            for k, v in {**values, "position": position}.items():
                setattr(item, k, v)
            c.s.flush()
            if new:
                created.append(item.id)
        for item in current.values():
            c.s.delete(item)
        return c.finish(f"priority {p.id}: action plan saved ({len(edited)} rows)",
                        created_items=created)


def roster(engine: Engine, partnership_id: int) -> list[tuple[str, str]]:
    """The partnership's people who can join a task team: (name, role), by name."""
    with transaction(engine) as s:
        return sorted((p.name, p.role) for p in queries.roster_of(s, partnership_id).values()
                      if p.role != "facilitator")


def _item(s: Session, item_id: int) -> ActionItem:
    item = s.get(ActionItem, item_id)
    if item is None:
        raise ReviewError(f"no action-plan row {item_id}; `synth priority plan show PRIORITY` "
                          "lists them.")
    return item


# --- undo and history ------------------------------------------------------------------------


def undo(engine: Engine, partnership_id: int, *, who: str | None = None) -> str:
    """Undo the partnership's last change to its priorities; returns what was undone."""
    with transaction(engine) as s:
        queries.get_partnership(s, partnership_id, lock=True)
        entry = queries.last_partnership_action(s, partnership_id)
        if entry is None:
            raise ReviewError(f"nothing to undo in partnership {partnership_id}'s priorities.")
        if entry.action == MOVE:
            raise ReviewError(f"cannot undo a move ({entry.target}): move the convening back "
                              "with `synth priority move-convening CONVENING --to "
                              "PARTNERSHIP`; undo stops there.")
        keys = {part: [int(k) for k in entry.after.get(part, {})]
                for part in audit.PRIORITY_PARTS}
        now = audit.capture(s, None, **keys)  # type: ignore[arg-type]
        if _comparable(now) != _comparable(entry.after):
            raise ConflictError(f"cannot undo {entry.action} ({entry.target}): what it changed "
                                "has changed since.")
        audit.restore(s, None, entry.before)
        undo_entry = audit.record(s, None, partnership_id=partnership_id, action="undo",
                                  target=f"{entry.action} {entry.target}", who=who,
                                  before=entry.after, after=entry.before)
        entry.undone_by = undo_entry.id
        log.info("undid %s %s (audit %d)", entry.action, entry.target, entry.id)
        return f"{entry.action} {entry.target}"


def _comparable(snap: audit.Snapshot) -> dict:
    return json.loads(json.dumps(snap, sort_keys=True, default=str))


def history(engine: Engine, partnership_id: int) -> list[tuple[dt.datetime, str, str, str,
                                                               bool]]:
    """The partnership's changes to its priorities: when, who, action, target, undone."""
    with transaction(engine) as s:
        return [(e.at, e.who, e.action, e.target, e.undone_by is not None)
                for e in queries.partnership_audit(s, partnership_id)]


# --- from the review: a confirmed theme becomes, or joins, a priority ------------------------


def link_target(s: Session, convening: StoredConvening, theme: StoredTheme,
                priority_id: int | None) -> Priority | None:
    """The priority a theme being confirmed will join: the one named, else the one it is
    linked to already (a candidate an import found raising it again), else the partnership's
    priority of the same name; None when a new one is to be made."""
    linked = queries.priority_link(s, theme.id)
    if priority_id is None:
        return (queries.get_priority(s, linked) if linked is not None
                else queries.priority_named(s, convening.partnership_id, theme.label))
    p = queries.get_priority(s, priority_id)
    if p.partnership_id != convening.partnership_id:
        raise ReviewError(f"priority {priority_id} belongs to another partnership.")
    if theme.status == "confirmed" and linked not in (None, p.id):
        # Confirming again would keep the old link and say nothing: refuse instead.
        raise ReviewError(f"theme {theme.id} already feeds priority {linked}: discard it, "
                          f"then confirm it into priority {p.id}.")
    return p


def link_confirmed(s: Session, convening: StoredConvening, theme: StoredTheme,
                   target: Priority | None) -> Priority | None:
    """Link a confirmed theme to ``target`` (a new confirmed priority when None); returns the
    priority made, if one was. A candidate already linked (by an import) moves to ``target``."""
    link = s.get(PriorityTheme, theme.id)
    if link is not None:
        if target is not None and link.priority_id != target.id:
            link.priority_id = target.id
            s.flush()
        return None
    made = None
    if target is None:
        made = target = Priority(partnership_id=convening.partnership_id, name=theme.label,
                                 description="", status="confirmed",
                                 created_convening_id=convening.id, created_theme_id=theme.id,
                                 created_at=utcnow(), updated_at=utcnow())
        s.add(made)
        s.flush()
    s.add(PriorityTheme(theme_id=theme.id, priority_id=target.id))
    s.flush()
    return made


def unlink(s: Session, theme: StoredTheme) -> None:
    """Take a theme no longer confirmed off its priority; a priority it alone made, with no
    team and no plan, goes with it."""
    link = s.get(PriorityTheme, theme.id)
    if link is None:
        return
    p = queries.get_priority(s, link.priority_id)
    s.delete(link)
    s.flush()
    if (p.created_theme_id == theme.id and not queries.linked_themes(s, [p.id])[p.id]
            and not queries.team_rows(s, p.id) and not queries.plan_of(s, p.id)):
        s.delete(p)
        s.flush()


def settle(s: Session, convening: StoredConvening, themes: Sequence[StoredTheme]) -> None:
    """Bring the themes' priority links in line with their status after a review's undo: an
    audit entry written before the partnership memory (migration 0005) holds no links, so
    undoing its confirm leaves a link, and undoing its discard of a confirmed theme none."""
    for t in themes:
        linked = s.get(PriorityTheme, t.id) is not None
        if t.status == "confirmed" and not linked:
            link_confirmed(s, convening, t, link_target(s, convening, t, None))
        elif t.status != "confirmed" and linked:
            unlink(s, t)


def refuse_if_grown(s: Session, before: audit.Snapshot, after: audit.Snapshot) -> None:
    """Refuse a review's undo that would remove a priority it made which has since gained a
    task team, an action plan or another convening's theme (undo would lose them)."""
    for key, state in before.get("priorities", {}).items():
        p = s.get(Priority, int(key))
        if state is not None or p is None:
            continue
        links = {str(t.id) for t in queries.linked_themes(s, [p.id])[p.id]}
        if queries.team_rows(s, p.id) or queries.plan_of(s, p.id) \
                or links - set(after.get("links", {})):
            raise ConflictError(f"cannot undo: priority {p.id} ({p.name}) made by this confirm "
                                "has since gained a task team, an action plan or another "
                                "meeting's theme; discard the theme instead, or retire the "
                                f"priority (`synth priority status {p.id} retired`).")


# --- a convening joins a partnership named by the facilitator (part 6 of issue 29) -----------

MOVE = "convening_move"


def move_convening(engine: Engine, convening_id: int, partnership_id: int, *,
                   who: str | None = None) -> int:
    """Move a convening into another partnership: its people (speakers, voter codes and so
    ballots, volunteers) are re-homed by name onto that partnership's roster (added there with
    their company and its history when missing), and each priority its themes feed moves with
    it, joining the partnership's priority of the same name if it has one (task team and plan
    rows too). Refused when such a priority is also fed by another convening, which stays
    behind. One transaction, one entry in each partnership's log; undo does not reverse it
    (move the convening back instead). Returns the target log's entry id."""
    with transaction(engine) as s:
        conv = queries.get_convening(s, convening_id)
        source = conv.partnership_id
        target = queries.get_partnership(s, partnership_id)
        if source == target.id:
            raise ReviewError(f"convening {conv.id} ({conv.title}) is already in partnership "
                              f"{target.id}.")
        for pid in sorted((source, target.id)):  # one order, so two moves never deadlock
            queries.get_partnership(s, pid, lock=True)
        s.refresh(conv)
        if conv.partnership_id != source:
            raise ConflictError(f"convening {conv.id} was moved meanwhile: look again.")
        moving = _moving_priorities(s, conv.id)
        people = _rehome_people(s, conv.id, target.id,
                                [m for p in moving for m in queries.team_rows(s, p.id)])
        joined = {p.id: _move_priority(s, p, target.id, people) for p in moving}
        conv.partnership_id = target.id
        s.flush()
        what = f"convening {conv.id} ({conv.title}): partnership {source} -> {target.id}"
        after = {"convening": conv.id, "partnership": target.id,
                 "priorities": {str(k): v for k, v in joined.items()},
                 "people": {str(k): v for k, v in people.items()}}
        before = {"convening": conv.id, "partnership": source}
        ids = [audit.record(s, None, partnership_id=pid, action=MOVE, target=what, who=who,
                            before=before, after=after).id for pid in (source, target.id)]
        log.info("moved %s (%d priorities, %d people)", what, len(joined), len(people))
        return ids[-1]


def _moving_priorities(s: Session, convening_id: int) -> list[Priority]:
    """The priorities the convening's themes feed, each fed by no other convening."""
    ids = queries.priorities_raised_at(s, convening_id)
    for pid, themes in queries.linked_themes(s, ids).items():
        others = sorted({t.convening_id for t in themes} - {convening_id})
        if others:
            p, other = queries.get_priority(s, pid), queries.get_convening(s, others[0])
            raise ReviewError(
                f"priority {pid} ({p.name}) is also raised by convening {other.id} "
                f"({other.title}), which stays in partnership {p.partnership_id}: a priority "
                "belongs to one partnership. Discard its theme in one of the two convenings "
                "first, or leave this convening where it is.")
    return [queries.get_priority(s, pid) for pid in ids]


def _rehome_people(s: Session, convening_id: int, target: int,
                   team: Sequence[TeamMember]) -> dict[int, int]:
    """Point the convening's people at the target roster's entries of the same name (made
    there when missing); returns old participant id -> new. Task-team rows are the caller's."""
    rows = queries.people_rows(s, convening_id)
    old = queries.roster_of(s, queries.get_convening(s, convening_id).partnership_id)
    there = {p.name: p for p in queries.roster_of(s, target).values()}
    people: dict[int, int] = {}
    for pid in sorted({r.participant_id for r in rows if r.participant_id is not None}
                      | {m.participant_id for m in team}):
        person = old[pid]
        new = there.get(person.name)
        if new is None:
            new = StoredParticipant(partnership_id=target, name=person.name,
                                    company=person.company, role=person.role)
            s.add(new)
            s.flush()
            s.add_all(Affiliation(participant_id=new.id, company=a.company, since=a.since,
                                  until=a.until) for a in queries.affiliations_of(s, pid))
        people[pid] = new.id
    for r in rows:
        if r.participant_id is not None:
            r.participant_id = people[r.participant_id]
    s.flush()
    return people


def _move_priority(s: Session, p: Priority, target: int, people: Mapping[int, int]) -> int:
    """Move a priority to the target partnership, or into its priority of the same name
    (links, task team, plan rows; a champion in either stays champion); returns where it is."""
    into = queries.priority_named(s, target, p.name) or p
    team = [(m.participant_id, m.role, m.since) for m in queries.team_rows(s, p.id)]
    for m in queries.team_rows(s, p.id):
        s.delete(m)
    s.flush()
    for pid, role, since in team:
        row = s.get(TeamMember, (into.id, people[pid]))
        if row is None:
            s.add(TeamMember(priority_id=into.id, participant_id=people[pid], role=role,
                             since=since))
        elif role == "champion":
            row.role = role
    if into is p:
        p.partnership_id, p.updated_at = target, utcnow()
        s.flush()
        return p.id
    start = max((a.position for a in queries.plan_of(s, into.id)), default=-1) + 1
    for n, item in enumerate(queries.plan_of(s, p.id)):
        item.priority_id, item.position = into.id, start + n
    for t in queries.linked_themes(s, [p.id])[p.id]:
        link = s.get(PriorityTheme, t.id)
        if link is not None:
            link.priority_id = into.id
    into.updated_at = utcnow()
    s.flush()
    s.delete(p)
    s.flush()
    return into.id
