"""The follow-up of a meeting, read from the store in one transaction (rendered by
:mod:`synth.export.followup`).

Progress lists the partnership's priorities the room chose (confirmed, active, done), each with
its task team, its action plan and how many business leaders raised it at this meeting, with
their words. A theme of the meeting that is linked to no priority, or to one first raised at
this meeting and still a candidate, is a new issue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from synth.decisions.dashboard import (
    Moment,
    attendance,
    leaders_of,
    partnership_name,
    theme_moments,
)
from synth.export.followup import FollowUp, NewIssue, PlanLine, Progress
from synth.export.records import ReportQuote
from synth.export.results import priority_quotes
from synth.records import Participant
from synth.store import queries
from synth.store.db import transaction
from synth.store.schema import (
    ActionItem,
    Partnership,
    Priority,
    StoredConvening,
    StoredParticipant,
)

PROGRESS = ("active", "confirmed", "done")  # in this order
QUOTES = 3


def _plan(rows: Sequence[ActionItem], today: dt.date) -> tuple[PlanLine, ...]:
    return tuple(PlanLine(a.objective, a.owner, a.goal_60_day, a.status, a.due,
                          a.due is not None and a.due < today and a.status != "done")
                 for a in rows)


def _teams(s: Session, priorities: Sequence[Priority]
           ) -> dict[int, tuple[list[Participant], list[Participant]]]:
    """Each priority's champions and members."""
    roster: dict[int, StoredParticipant] = {}
    for partnership_id in {p.partnership_id for p in priorities}:
        roster |= queries.roster_of(s, partnership_id)
    teams: dict[int, tuple[list[Participant], list[Participant]]] = {}
    for priority in priorities:
        champions, members = teams.setdefault(priority.id, ([], []))
        for member in queries.team_rows(s, priority.id):
            p = roster[member.participant_id]
            who = Participant(p.name, p.company, p.role)  # type: ignore[arg-type]
            (champions if member.role == "champion" else members).append(who)
    return teams


def _progress(s: Session, priorities: Sequence[Priority], here: Mapping[int, list[int]],
              moments: Mapping[int, Moment], quotes: Mapping[int, list[ReportQuote]],
              today: dt.date) -> tuple[Progress, ...]:
    chosen = sorted((p for p in priorities if p.status in PROGRESS),
                    key=lambda p: (PROGRESS.index(p.status), p.id))
    teams = _teams(s, chosen)
    out = []
    for p in chosen:
        themes = sorted(here.get(p.id, []), key=lambda t: -moments[t].breadth)
        said = [q for t in themes for q in quotes.get(t, [])][:QUOTES]
        out.append(Progress(p.name, p.status, tuple(teams[p.id][0]), tuple(teams[p.id][1]),
                            leaders_of([moments[t] for t in themes]), tuple(said),
                            _plan(queries.plan_of(s, p.id), today)))
    return tuple(out)


def _new_issues(s: Session, conv: StoredConvening, priorities: Sequence[Priority],
                links: Mapping[int, int], moments: Mapping[int, Moment],
                quotes: Mapping[int, list[ReportQuote]]) -> tuple[NewIssue, ...]:
    # A priority first raised here and not yet confirmed is as new as an unlinked theme.
    fresh = {p.id for p in priorities
             if p.status == "candidate" and p.created_convening_id == conv.id}
    out = []
    for t in queries.theme_summaries(s, conv.id):  # candidates and confirmed, by breadth
        if t.id not in links or links[t.id] in fresh:
            out.append(NewIssue(t.label, t.label_generated, leaders_of([moments[t.id]]),
                                t.companies, tuple(quotes.get(t.id, [])[:QUOTES])))
    return tuple(out)


def read_followup(engine: Engine, convening_id: int, *,
                  today: dt.date | None = None) -> FollowUp:
    """The follow-up of a meeting; ``today`` (default: today) decides which action-plan rows
    are overdue."""
    today = today or dt.date.today()
    with transaction(engine) as s:
        conv = queries.get_convening(s, convening_id)
        partnership = s.get(Partnership, conv.partnership_id)
        assert partnership is not None  # a foreign key
        moments = theme_moments(s, conv.id)
        priorities = queries.priorities_of(s, conv.partnership_id)
        # This meeting's live themes, by the priority each raised.
        here: dict[int, list[int]] = {}
        for pid, themes in queries.linked_themes(s, [p.id for p in priorities]).items():
            here[pid] = [t.id for t in themes if t.id in moments]
        links = {tid: pid for pid, tids in here.items() for tid in tids}
        quotes = priority_quotes(s, conv, list(moments))
        return FollowUp(partnership_name(partnership), conv.title, conv.date,
                        conv.kind.replace("_", " "), attendance(s, conv),
                        _progress(s, priorities, here, moments, quotes, today),
                        _new_issues(s, conv, priorities, links, moments, quotes))
