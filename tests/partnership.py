"""A partnership that has met twice, for the dashboard, follow-up and Partnership-page tests.

The North Bay manufacturing partnership's launch (15 January 2026) and its first quarterly
meeting (15 April 2026), imported as typed transcripts whose statements last known seconds,
so a test can work out attendance and talk time by hand from :data:`LAUNCH` and
:data:`QUARTERLY`:

* launch: "Welder apprenticeships" and "Childcare near plants" confirmed (two priorities),
  "Faster air permits" left a candidate; a closed vote gives business leaders' dots 7 and 5;
* quarterly: "Apprenticeship progress" confirmed onto the welder priority (raised again by Ana
  and Cy), "Broadband at remote sites" left a candidate (a new issue); childcare not raised;
* the welder priority is active with Ana as champion and Pat on its team; childcare has no
  champion; three action-plan rows are overdue or done on 16 April 2026 (:data:`TODAY`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

PEOPLE = {"Ana Ruiz": ("Acme Welding", "business"), "Ben Cho": ("Bolt Fab", "business"),
          "Cy Diaz": ("Cobalt Machining", "business"),
          "Dee Ford": ("Delta Plastics", "business"), "Pat Lund": ("North College", "public"),
          "Quinn Vo": ("County Workforce Board", "public"),
          "Rae Sun": ("Bay Economic Development", "public"),
          "Sol Park": ("Port Authority", "public"), "Fay Moss": ("Facilitation Co", "facilitator")}
TEXT = {
    "weld": "We need a welder apprenticeship that starts in the high schools ({who}).",
    "care": "Parents on the early shift cannot find childcare that opens before six ({who}).",
    "permit": "Our plant expansion waited months on an air permit ({who}).",
    "appr": "The apprenticeship pilot took its first four students this spring ({who}).",
    "band": "Our remote sites have no broadband, so the new machines cannot report ({who}).",
    "chat": "Thank you all for coming; let us start with what keeps you up at night ({who}).",
}
LABELS = {"weld": "Welder apprenticeships", "care": "Childcare near plants",
          "permit": "Faster air permits", "appr": "Apprenticeship progress",
          "band": "Broadband at remote sites"}
# (speaker, topic, seconds) in the order said; "chat" is in no theme.
LAUNCH = [("Fay Moss", "chat", 5), ("Ana Ruiz", "weld", 20), ("Ben Cho", "weld", 15),
          ("Cy Diaz", "weld", 10), ("Pat Lund", "weld", 30), ("Ana Ruiz", "care", 12),
          ("Dee Ford", "care", 18), ("Ben Cho", "permit", 8)]
QUARTERLY = [("Fay Moss", "chat", 6), ("Ana Ruiz", "appr", 10), ("Cy Diaz", "appr", 14),
             ("Pat Lund", "appr", 25), ("Quinn Vo", "appr", 20), ("Dee Ford", "band", 9),
             ("Rae Sun", "band", 30), ("Sol Park", "band", 10)]
LAUNCH_DAY, QUARTERLY_DAY, TODAY = dt.date(2026, 1, 15), dt.date(2026, 4, 15), dt.date(2026, 4, 16)
# Business leaders' dots at the launch (public partners' are counted apart).
BALLOTS = {"Ana Ruiz": {"weld": 2, "care": 1}, "Ben Cho": {"weld": 2, "care": 1},
           "Cy Diaz": {"weld": 1, "care": 2}, "Dee Ford": {"weld": 2, "care": 1},
           "Pat Lund": {"care": 3}}


@dataclass(frozen=True, slots=True)
class Built:
    """Ids of what :func:`build` made."""

    partnership: int
    launch: int
    quarterly: int
    themes: dict[str, int]  # topic -> theme id
    welders: int  # priority ids
    childcare: int


def result(rows: list[tuple[str, str, int]], recording: str, name: str) -> dict[str, Any]:
    """A typed transcript's pipeline result: one statement per row, one theme per topic."""
    statements, members, start = [], {}, 0.0
    for n, (who, topic, seconds) in enumerate(rows):
        sid = f"{topic}-{n}"
        statements.append({"id": sid, "text": TEXT[topic].format(who=who), "speaker": who,
                           "start": start, "end": start + seconds, "recording": recording,
                           "line": n, "turn": n, "kind": "need", "clusterable": topic != "chat",
                           "theme": None if topic == "chat" else topic})
        if topic != "chat":
            members.setdefault(topic, []).append(sid)
        start += seconds
    themes = [{"id": topic, "rank": rank, "label": LABELS[topic], "label_generated": True,
               "keywords": LABELS[topic].lower().split(), "statement_ids": ids,
               "statement_count": len(ids), "speakers": [], "breadth": 0, "companies": [],
               "talk_share": 0.0, "stability": 0.8, "kinds": {"need": len(ids)}, "quotes": []}
              for rank, (topic, ids) in enumerate(members.items(), start=1)]
    return {"schema": 1,
            "recordings": [{"id": recording, "name": name, "kind": "transcript",
                            "duration": start, "sha256": "", "language": "en", "model": "",
                            "turns": len(rows), "removed": []}],
            "participants": [{"name": n, "company": c, "role": r}
                             for n, (c, r) in PEOPLE.items()],
            "talk_time_by_role": {}, "statements": statements, "themes": themes}


def import_convening(engine: Engine, rows: list[tuple[str, str, int]], recording: str,
                     title: str, day: dt.date, kind: str, region: str = "North Bay"
                     ) -> tuple[int, dict[str, int]]:
    """Import ``rows`` as a convening of the manufacturing partnership of ``region``: its id
    and its themes' ids by topic."""
    from synth.store import ConveningSpec, import_result, queries, transaction
    from synth.store.result import parse_result

    conv = import_result(engine, parse_result(result(rows, recording, f"{kind}.txt")),
                         convening=ConveningSpec(title, industry="manufacturing",
                                                 region=region, date=day, kind=kind)
                         ).convening_id
    with transaction(engine) as s:
        by_label = {t.label: t.id for t in queries.themes_of(s, conv)}
    return conv, {topic: by_label[label] for topic, label in LABELS.items() if label in by_label}


def _launch_vote(engine: Engine, conv: int, themes: dict[str, int]) -> None:
    from synth.decisions import ballots
    from synth.decisions.voting import BallotRules

    codes = dict(ballots.issue_codes(engine, conv, list(BALLOTS)))
    ballots.open_vote(engine, conv, BallotRules(dots_per_voter=3, max_per_priority=3))
    for name, dots in BALLOTS.items():
        ballots.cast_ballot(engine, codes[name], {themes[k]: n for k, n in dots.items()})
    ballots.close_vote(engine, conv)


def build(engine: Engine) -> Built:
    """The partnership, its two convenings, priorities, teams and plans (see the module)."""
    from synth.decisions import priorities, review

    launch, themes = import_convening(engine, LAUNCH, "a1b2c3d4e5f60718", "Launch", LAUNCH_DAY,
                             "launch")
    for topic in ("weld", "care"):
        review.confirm(engine, themes[topic], who="fay")
    _launch_vote(engine, launch, themes)
    pid = priorities.partnership_of(engine, launch)
    by_name = {p.name: p.id for p in priorities.list_priorities(engine, pid)}
    welders, childcare = by_name[LABELS["weld"]], by_name[LABELS["care"]]
    quarterly, later = import_convening(engine, QUARTERLY, "b2c3d4e5f6071829", "Spring quarterly",
                               QUARTERLY_DAY, "quarterly")
    review.confirm(engine, later["appr"], who="fay", priority=welders)
    priorities.set_team_member(engine, welders, "Ana Ruiz", "champion")
    priorities.set_team_member(engine, welders, "Pat Lund", "member")
    priorities.set_status(engine, welders, "active")
    priorities.add_plan_row(engine, welders, objective="Pre-apprenticeship with North College",
                            owner="Pat Lund", goal_60_day="Ten students enrolled",
                            status="in_progress", due=dt.date(2026, 3, 1))
    priorities.add_plan_row(engine, welders, objective="Tour of three shops",
                            owner="Ana Ruiz", status="done", due=dt.date(2026, 2, 15))
    priorities.add_plan_row(engine, welders, objective="Apprentice wage study",
                            owner="Cy Diaz", due=dt.date(2026, 6, 30))
    priorities.add_plan_row(engine, childcare, objective="Survey night-shift parents",
                            due=dt.date(2026, 2, 1))
    return Built(pid, launch, quarterly, themes | later, welders, childcare)
