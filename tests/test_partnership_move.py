"""A convening joins a partnership the facilitator names (issue 29, part 6): its people are
re-homed by name onto that roster, the priorities only it raised move with it (or join the
priority of the same name there), and a priority another convening also raises stops the move.
People change companies (part 1): a later convening's roster closes the old company and opens
the new one in their history.

Runs on SQLite, and on PostgreSQL too when SYNTH_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import typer
from sqlalchemy import Engine, select
from test_store import ROSTER, load, result, theme_id
from typer.testing import CliRunner

from synth.cli.priority import priority_app
from synth.convening import setup
from synth.decisions import ballots, priorities, review
from synth.errors import NotFoundError, ReviewError
from synth.records import Participant
from synth.store import ConveningSpec, queries, transaction
from synth.store.schema import Speaker, StoredParticipant, VolunteerSignup, VoterCode

THEMES = {"hire": [0, 1, 2, 3], "care": [4, 5, 6], "house": [7, 8]}
SOUTH = ConveningSpec("South launch", industry="health care", region="South Bay")
# The other partnership knows Ana, at another company, and nobody else of the launch's roster.
SOUTH_ROSTER = [{"name": "Ana", "company": "Harbor Clinic", "role": "business"},
                {"name": "Dee", "company": "Bay Hospital", "role": "business"}]


def names(engine: Engine, partnership: int) -> dict[str, priorities.PriorityView]:
    return {p.name: p for p in priorities.list_priorities(engine, partnership)}


@pytest.fixture
def two(engine: Engine) -> dict[str, Any]:
    """North: a launch with "hire" (Ana champion) and "care" (a plan row; Ben volunteered at
    the vote, where Ana cast a ballot) confirmed. South: its own launch, "hire" confirmed."""
    north = load(engine, result(THEMES, n=10)).convening_id
    ids = {k: theme_id(engine, north, k) for k in THEMES}
    for key in ("hire", "care"):
        review.confirm(engine, ids[key], who="fay")
    north_p = priorities.partnership_of(engine, north)
    known = names(engine, north_p)
    priorities.set_team_member(engine, known["label hire"].id, "Ana", "champion")
    priorities.add_plan_row(engine, known["label care"].id, objective="Open a shared daycare")
    codes = dict(ballots.issue_codes(engine, north, ["Ana", "Ben"]))
    ballots.open_vote(engine, north)
    ballots.cast_ballot(engine, codes["Ana"], {ids["hire"]: 1})
    ballots.volunteer(engine, codes["Ben"], ids["care"], "member")
    ballots.close_vote(engine, north)
    south = load(engine, result(THEMES, n=10, roster=SOUTH_ROSTER), SOUTH).convening_id
    review.confirm(engine, theme_id(engine, south, "hire"), who="fay")
    return {"north": north, "south": south, "north_p": north_p, "codes": codes,
            "south_p": priorities.partnership_of(engine, south), **ids}


def people(engine: Engine, convening: int) -> list[tuple[str, str, int, str | None]]:
    """Who the convening's speakers, voter codes and volunteers are: (table, name, their
    partnership, company), sorted."""
    out = []
    with transaction(engine) as s:
        for model in (Speaker, VoterCode, VolunteerSignup):
            for row in s.scalars(select(model).where(model.convening_id == convening)):
                if row.participant_id is None:
                    continue
                p = s.get(StoredParticipant, row.participant_id)
                out.append((model.__tablename__, p.name, p.partnership_id, p.company))
    return sorted(out)


def test_move_rehomes_people_and_moves_or_joins_priorities(engine: Engine, two) -> None:
    north, south_p = two["north"], two["south_p"]
    tally = ballots.results(engine, north)
    before = people(engine, north)
    assert {(t, n) for t, n, _, _ in before} >= {("voter_codes", "Ana"), ("voter_codes", "Ben"),
                                                 ("volunteers", "Ben"), ("speakers", "Cy")}
    care = names(engine, two["north_p"])["label care"]

    priorities.move_convening(engine, north, south_p, who="fay")

    assert priorities.partnership_of(engine, north) == south_p
    assert names(engine, two["north_p"]) == {}  # both priorities went with the convening
    after = names(engine, south_p)
    assert sorted(after) == ["label care", "label hire"]
    hire = after["label hire"]  # joined South's own "label hire", Ana still its champion
    assert hire.convenings == ("Launch", "South launch") and hire.champions == ("Ana",)
    assert after["label care"].id == care.id and after["label care"].members == ("Ben",)
    assert [r.objective for r in after["label care"].plan] == ["Open a shared daycare"]
    # Every row now names South's roster: Ana as South knows her, the others added there
    # with their company.
    moved = people(engine, north)
    assert [(t, n) for t, n, _, _ in moved] == [(t, n) for t, n, _, _ in before]
    assert {pid for _, _, pid, _ in moved} == {south_p}
    company = {n: c for _, n, _, c in moved}
    assert company["Ana"] == "Harbor Clinic" and company["Ben"] == "Bolt Fab"
    assert sorted(n for n, _ in priorities.roster(engine, south_p)) == [
        "Ana", "Ben", "Cy", "Dee", "Pat"]
    # The vote stands and its codes still work.
    assert ballots.results(engine, north) == tally
    assert ballots.check_code(engine, two["codes"]["Ana"]) is not None
    # What the review confirms next joins South's priorities.
    review.confirm(engine, two["house"], who="fay")
    assert "label house" in names(engine, south_p)


def test_move_is_in_both_logs_and_undo_stops_there(engine: Engine, two) -> None:
    priorities.move_convening(engine, two["north"], two["south_p"], who="fay")
    for pid in (two["north_p"], two["south_p"]):
        (at, who, action, target, undone) = priorities.history(engine, pid)[-1]
        assert (who, action, undone) == ("fay", "convening_move", False)
        assert target == (f"convening {two['north']} (Launch): partnership {two['north_p']} -> "
                          f"{two['south_p']}")
        with pytest.raises(ReviewError, match="cannot undo a move"):
            priorities.undo(engine, pid)
    # Moving it back is refused too: its "label hire" joined South's, which South's launch
    # raises as well.
    hire = names(engine, two["south_p"])["label hire"].id
    with pytest.raises(ReviewError, match=rf"priority {hire} \(label hire\) is also raised by "
                                          r"convening \d+ \(South launch\)"):
        priorities.move_convening(engine, two["north"], two["north_p"])
    assert priorities.partnership_of(engine, two["north"]) == two["south_p"]


def test_a_convening_moved_alone_moves_back(engine: Engine, two) -> None:
    quarterly = load(engine, result(THEMES, n=10), "Quarterly 1").convening_id
    review.confirm(engine, theme_id(engine, quarterly, "house"))  # only it raises "house"
    priorities.move_convening(engine, quarterly, two["south_p"])
    assert names(engine, two["south_p"])["label house"].convenings == ("Quarterly 1",)
    priorities.move_convening(engine, quarterly, two["north_p"])
    assert sorted(names(engine, two["north_p"])) == ["label care", "label hire", "label house"]
    assert "label house" not in names(engine, two["south_p"])
    assert {pid for _, _, pid, _ in people(engine, quarterly)} == {two["north_p"]}


def test_move_refused_when_another_convening_raises_the_priority(engine: Engine, two) -> None:
    quarterly = load(engine, result(THEMES, n=10), "Quarterly 1").convening_id
    review.confirm(engine, theme_id(engine, quarterly, "hire"))  # joins Launch's "label hire"
    hire = names(engine, two["north_p"])["label hire"].id
    with pytest.raises(ReviewError, match=rf"priority {hire} \(label hire\) is also raised by "
                                          rf"convening {two['north']} \(Launch\)"):
        priorities.move_convening(engine, quarterly, two["south_p"])
    assert priorities.partnership_of(engine, quarterly) == two["north_p"]
    assert names(engine, two["north_p"])["label hire"].convenings == ("Launch", "Quarterly 1")
    assert [action for _, _, action, _, _ in priorities.history(engine, two["south_p"])] == []


def test_unknown_ids_and_the_same_partnership_are_refused(engine: Engine, two) -> None:
    with pytest.raises(NotFoundError, match="no convening with id 999"):
        priorities.move_convening(engine, 999, two["south_p"])
    with pytest.raises(NotFoundError, match="no partnership with id 999"):
        priorities.move_convening(engine, two["north"], 999)
    with pytest.raises(ReviewError, match="already in partnership"):
        priorities.move_convening(engine, two["north"], two["north_p"])
    assert priorities.partnership_of(engine, two["north"]) == two["north_p"]


cli_app = typer.Typer()
cli_app.add_typer(priority_app, name="priority")


def test_cli_moves_by_title_and_says_what_was_wrong(engine: Engine, two, db_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    runner = CliRunner()
    out = runner.invoke(cli_app, ["priority", "move-convening", "Launch", "--to", "999"])
    assert out.exit_code == 2 and out.output.startswith("error: no partnership with id 999")
    out = runner.invoke(cli_app, ["priority", "move-convening", "Launch", "--to",
                                  str(two["south_p"]), "--who", "lee"])
    assert out.exit_code == 0, out.output
    assert sorted(line.split()[2:4] for line in out.stdout.splitlines()) == [
        ["label", "care"], ["label", "hire"]]
    assert priorities.partnership_of(engine, two["north"]) == two["south_p"]
    assert priorities.history(engine, two["south_p"])[-1][1:3] == ("lee", "convening_move")



# --- company history: a later convening's roster says someone changed company ---------------


def north(title: str, day: dt.date) -> ConveningSpec:
    return ConveningSpec(title, industry="manufacturing", region="North Bay", date=day,
                         kind="quarterly")


def companies(engine: Engine, name: str) -> tuple[str | None, list[tuple[str, Any, Any]]]:
    """A North participant's current company and history (company, since, until)."""
    with transaction(engine) as s:
        pid = next(c.partnership_id for c, _ in queries.list_convenings(s)
                   if c.title == "Launch")
        p = queries.find_participant(s, pid, name)
        return p.company, [(a.company, a.since, a.until)
                           for a in queries.affiliations_of(s, p.id)]


def test_a_later_roster_moves_a_person_to_another_company(engine: Engine) -> None:
    launch, q1, q2 = dt.date(2026, 3, 14), dt.date(2026, 6, 20), dt.date(2026, 9, 19)
    load(engine, result(THEMES, n=10), north("Launch", launch))
    assert companies(engine, "Ana") == ("Acme Welding", [("Acme Welding", None, None)])
    moved = [{**p, "company": "Bolt Fab"} if p["name"] == "Ana" else p for p in ROSTER]
    q = load(engine, result(THEMES, n=10, roster=moved), north("Quarterly 1", q1)).convening_id
    history = [("Acme Welding", None, q1), ("Bolt Fab", q1, None)]
    assert companies(engine, "Ana") == ("Bolt Fab", history)
    assert companies(engine, "Ben") == ("Bolt Fab", [("Bolt Fab", None, None)])  # unchanged
    with transaction(engine) as s:
        ana = queries.find_participant(s, queries.get_convening(s, q).partnership_id, "Ana")
        assert [queries.company_on(s, ana.id, day) for day in (launch, q1, q2)] == [
            "Acme Welding", "Bolt Fab", "Bolt Fab"]
    # The same roster again, or an earlier meeting's imported late, changes nothing.
    load(engine, result(THEMES, n=10, roster=moved), north("Quarterly 1", q1))
    load(engine, result(THEMES, n=10), north("Site visit", dt.date(2026, 5, 2)))
    assert companies(engine, "Ana") == ("Bolt Fab", history)
    # A roster saved for a later convening (the setup page) moves her on again.
    q_2 = load(engine, result(THEMES, n=10, roster=moved), north("Quarterly 2", q2)).convening_id
    setup.save_roster(engine, q_2, [Participant("Ana", "Cobalt Machining", "business")])
    assert companies(engine, "Ana") == ("Cobalt Machining", [
        *history[:1], ("Bolt Fab", q1, q2), ("Cobalt Machining", q2, None)])


def test_a_company_kept_before_its_history_is_closed_when_it_changes(engine: Engine) -> None:
    c = load(engine, result(THEMES, n=10), north("Launch", dt.date(2026, 3, 14))).convening_id
    with transaction(engine) as s:  # as a participant stored before the history was kept
        for p in queries.roster_of(s, priorities.partnership_of(engine, c)).values():
            for a in queries.affiliations_of(s, p.id):
                s.delete(a)
    day = dt.date(2026, 3, 14)
    setup.save_roster(engine, c, [Participant("Ben", "Acme Welding", "business")])
    assert companies(engine, "Ben") == ("Acme Welding", [("Bolt Fab", None, day),
                                                         ("Acme Welding", day, None)])
    assert companies(engine, "Cy") == ("Cobalt Machining", [])  # not on that roster: as it was
