"""How a partnership is doing across its convenings: what the partnership dashboard shows.

One read of a partnership, in one transaction: its convenings over time; who was in the room
and who did the talking at each (a healthy partnership keeps business leaders ahead of public
partners in both); each priority's momentum (how many business leaders raised it at each
convening, its dots there, its status and champions now); and the action-plan rows past their
due date and not done. Plain dataclasses out, for the app's page and the follow-up
(:mod:`synth.export.followup`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from synth.decisions.ballots import stored_tally
from synth.errors import NotFoundError
from synth.store import ballots as store
from synth.store import queries
from synth.store.db import transaction
from synth.store.schema import ActionItem, Partnership, Priority, StoredConvening

log = logging.getLogger(__name__)

ROOM_ROLES = ("business", "public", "facilitator", "other")


@dataclass(frozen=True, slots=True)
class ConveningPoint:
    """One convening of the partnership: when, what, who was in the room, who talked."""

    id: int
    date: dt.date
    title: str
    kind: str  # launch, task_team, quarterly
    attendance: Mapping[str, int]  # role -> people who spoke, voted or volunteered
    talk_seconds: Mapping[str, float]  # role -> seconds of statements ("unknown" unmapped)

    @property
    def business_room_share(self) -> float | None:
        """Business leaders' share of the business leaders and public partners in the room."""
        return _share(self.attendance.get("business", 0), self.attendance.get("public", 0))

    @property
    def business_talk_share(self) -> float | None:
        """Business leaders' share of the talk time of business leaders and public partners."""
        return _share(self.talk_seconds.get("business", 0.0),
                      self.talk_seconds.get("public", 0.0))

    @property
    def public_outnumber_business(self) -> bool:
        """More public partners than business leaders in the room: a warning sign."""
        return self.attendance.get("public", 0) > self.attendance.get("business", 0)

    @property
    def public_outtalk_business(self) -> bool:
        """Public partners spoke longer than business leaders: a warning sign."""
        return self.talk_seconds.get("public", 0.0) > self.talk_seconds.get("business", 0.0)


def _share(business: float, public: float) -> float | None:
    return round(business / (business + public), 4) if business + public else None


@dataclass(frozen=True, slots=True)
class Raised:
    """A priority at one convening: how many business leaders raised it, its dots there."""

    convening_id: int
    leaders: int  # distinct business leaders (distinct speakers without a roster); 0: not raised
    dots: int | None  # business leaders' dots at that convening's vote; None: not voted on there


@dataclass(frozen=True, slots=True)
class Momentum:
    """A priority across the partnership's convenings."""

    priority_id: int
    name: str
    status: str  # candidate, confirmed, active, done, retired
    champions: tuple[str, ...]
    raised: tuple[Raised, ...]  # one per convening, in the order of Dashboard.convenings

    @property
    def dots(self) -> int:
        """Dots over every vote it was on."""
        return sum(r.dots or 0 for r in self.raised)


@dataclass(frozen=True, slots=True)
class Overdue:
    """An action-plan row past its due date and not done."""

    priority_id: int
    priority: str
    objective: str
    owner: str
    goal_60_day: str
    status: str
    due: dt.date
    days_late: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the partnership dashboard shows, read in one transaction."""

    partnership_id: int
    name: str  # "North Bay Manufacturing Partnership"
    as_of: dt.date
    convenings: tuple[ConveningPoint, ...]  # oldest first
    momentum: tuple[Momentum, ...]  # by status (active first), then dots and leaders
    overdue: tuple[Overdue, ...]  # most late first

    @property
    def warnings(self) -> list[str]:
        """Each convening where public partners outnumbered or out-talked business leaders."""
        out = []
        for c in self.convenings:
            if c.public_outtalk_business:
                out.append(f"{c.title} ({c.date}): public partners talked longer than "
                           "business leaders.")
            if c.public_outnumber_business:
                out.append(f"{c.title} ({c.date}): more public partners than business "
                           "leaders in the room.")
        return out


def partnership_name(p: Partnership) -> str:
    """``North Bay Manufacturing Partnership``: the region, then the industry capitalised."""
    return f"{p.region} {p.industry[:1].upper()}{p.industry[1:]} Partnership"


def attendance(s: Session, conv: StoredConvening) -> dict[str, int]:
    """People by role who spoke, voted or volunteered at a convening: the evidence of who was
    in the room (a silent leader who voted was there). Every role of :data:`ROOM_ROLES`."""
    roles = {w.name: w.role for w in queries.resolve_speakers(s, conv).values()}
    roles |= {b.name: b.role for b in store.ballots_of(s, conv.id)}
    roles |= {p.name: p.role for _, p in store.volunteers_of(s, conv.id)}
    counts = dict.fromkeys(ROOM_ROLES, 0)
    for role in roles.values():
        counts[role if role in counts else "other"] += 1
    return counts


def convening_point(s: Session, conv: StoredConvening) -> ConveningPoint:
    """One convening's place on the dashboard: attendance and talk time by role."""
    talk = queries.talk_time(s, conv.id)
    return ConveningPoint(conv.id, conv.date, conv.title, conv.kind, attendance(s, conv),
                          dict(talk.seconds))


@dataclass(frozen=True, slots=True)
class Moment:
    """One theme at its convening: who raised it, and its dots at the vote."""

    leaders: frozenset[str]  # business leaders who raised it (empty without a roster)
    breadth: int  # business leaders, or distinct speakers when nobody is on the roster
    dots: int | None  # None: the convening held no vote, or the theme was not on it


def leaders_of(moments: Sequence[Moment]) -> int:
    """How many business leaders raised any of these themes (the same leader once); without
    a roster, the most distinct speakers of one of them."""
    return (len(frozenset().union(*(m.leaders for m in moments)))
            or max((m.breadth for m in moments), default=0))


def theme_moments(s: Session, convening_id: int) -> dict[int, Moment]:
    """Each candidate or confirmed theme of a convening with its leaders and dots."""
    vote = store.get_vote(s, convening_id)
    dots: dict[int, int] = {}
    if vote is not None and vote.status != "draft":
        dots = {int(r.priority_id): r.dots for r in stored_tally(s, convening_id)[0]}
    return {t.id: Moment(frozenset(t.business_leaders), t.breadth, dots.get(t.id))
            for t in queries.theme_summaries(s, convening_id)}


def convenings_of(s: Session, partnership_id: int) -> list[StoredConvening]:
    """The partnership's convenings, oldest first."""
    rows = [c for c, p in queries.list_convenings(s) if p.id == partnership_id]
    return sorted(rows, key=lambda c: (c.date, c.id))


# --- priorities across convenings --------------------------------------------------------

STATUS_ORDER = ("active", "confirmed", "candidate", "done", "retired")


@dataclass(frozen=True, slots=True)
class PriorityThread:
    """A priority as the store links it: its themes by convening, its champions."""

    id: int
    name: str
    status: str
    themes: Mapping[int, Sequence[int]]  # convening id -> the theme ids that raised it there
    champions: tuple[str, ...] = ()


def momentum(thread: PriorityThread, convenings: Sequence[int],
             moments: Mapping[int, Mapping[int, Moment]]) -> Momentum:
    """A priority's momentum over ``convenings`` (ids, oldest first), from each convening's
    :func:`theme_moments`. Two themes of one convening on one priority add their dots and
    count each leader once."""
    raised = []
    for cid in convenings:
        here = [m for tid in thread.themes.get(cid, ()) if (m := moments.get(cid, {}).get(tid))]
        votes = [m.dots for m in here if m.dots is not None]
        raised.append(Raised(cid, leaders_of(here), sum(votes) if votes else None))
    return Momentum(thread.id, thread.name, thread.status, thread.champions, tuple(raised))


def ranked(rows: Sequence[Momentum]) -> list[Momentum]:
    """Active priorities first, then confirmed ... retired; within a status most dots, then
    most leaders at the latest convening that raised it."""
    def key(m: Momentum) -> tuple[int, int, int, int]:
        latest = next((r.leaders for r in reversed(m.raised) if r.leaders), 0)
        order = STATUS_ORDER.index(m.status) if m.status in STATUS_ORDER else len(STATUS_ORDER)
        return order, -m.dots, -latest, m.priority_id
    return sorted(rows, key=key)


def threads(s: Session, partnership_id: int,
            priorities: Sequence[Priority]) -> list[PriorityThread]:
    """The priorities with the live themes (candidate or confirmed: a discarded or merged
    theme raised nothing) that raised them, by convening, and their champions."""
    linked = queries.linked_themes(s, [p.id for p in priorities])
    roster = queries.roster_of(s, partnership_id)
    out = []
    for p in priorities:
        themes: dict[int, list[int]] = {}
        for t in linked[p.id]:
            if t.status in queries.ACTIVE:
                themes.setdefault(t.convening_id, []).append(t.id)
        champions = tuple(roster[m.participant_id].name for m in queries.team_rows(s, p.id)
                          if m.role == "champion")
        out.append(PriorityThread(p.id, p.name, p.status, themes, champions))
    return out


def overdue(priorities: Sequence[Priority], plans: Sequence[ActionItem],
            today: dt.date) -> list[Overdue]:
    """Action-plan rows due before ``today`` and not done, most late first (a retired
    priority's rows are left out: nobody works on them any more)."""
    names = {p.id: p.name for p in priorities if p.status != "retired"}
    rows = [Overdue(a.priority_id, names[a.priority_id], a.objective, a.owner, a.goal_60_day,
                    a.status, a.due, (today - a.due).days)
            for a in plans if a.priority_id in names and a.due is not None and a.due < today
            and a.status != "done"]
    return sorted(rows, key=lambda o: (-o.days_late, o.priority_id, o.objective))


def read_dashboard(engine: Engine, partnership_id: int, *,
                   today: dt.date | None = None) -> Dashboard:
    """The partnership dashboard, read in one transaction; ``today`` decides what is overdue."""
    today = today or dt.date.today()
    with transaction(engine) as s:
        partnership = s.get(Partnership, partnership_id)
        if partnership is None:
            raise NotFoundError(f"no partnership with id {partnership_id}.")
        convenings = convenings_of(s, partnership_id)
        points = tuple(convening_point(s, c) for c in convenings)
        moments = {c.id: theme_moments(s, c.id) for c in convenings}
        priorities = queries.priorities_of(s, partnership_id)
        order = [c.id for c in convenings]
        rows = ranked([momentum(t, order, moments)
                       for t in threads(s, partnership_id, priorities)])
        plans = [a for p in priorities for a in queries.plan_of(s, p.id)]
        late = overdue(priorities, plans, today)
        return Dashboard(partnership_id, partnership_name(partnership), today, points,
                         tuple(rows), tuple(late))


def partnerships(engine: Engine) -> list[tuple[int, str]]:
    """Every partnership that holds a convening, the one met most recently first: its id and
    name."""
    with transaction(engine) as s:
        seen: dict[int, str] = {}
        for _, p in queries.list_convenings(s):  # newest convening first
            seen.setdefault(p.id, partnership_name(p))
        return list(seen.items())
