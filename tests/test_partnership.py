"""Partnership memory (issue 29): priorities across convenings, their status with audit and
undo, task teams, action plans; the review's confirm making or joining a priority.

Runs on SQLite, and on PostgreSQL too when SYNTH_TEST_POSTGRES_URL is set.
"""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine
from test_store import load, result, theme_id

from synth.decisions import priorities, review
from synth.errors import ConflictError, NotFoundError, ReviewError
from synth.store import ConveningSpec, queries, transaction

THEMES = {"hire": [0, 1, 2, 3], "care": [4, 5, 6], "house": [7, 8]}


@pytest.fixture
def launch(engine: Engine) -> dict[str, int]:
    """A launch convening with three candidates, "hire" and "care" confirmed."""
    c = load(engine, result(THEMES, n=10)).convening_id
    ids = {k: theme_id(engine, c, k) for k in THEMES}
    review.confirm(engine, ids["hire"], who="fay")
    review.confirm(engine, ids["care"], who="fay")
    return {"id": c, "partnership": priorities.partnership_of(engine, c), **ids}


def by_name(engine: Engine, partnership: int) -> dict[str, priorities.PriorityView]:
    return {p.name: p for p in priorities.list_priorities(engine, partnership)}


def history(engine: Engine, partnership: int) -> list[tuple[str, str, bool]]:
    return [(action, who, undone) for _, who, action, _, undone
            in priorities.history(engine, partnership)]


# --- confirm makes or joins a priority --------------------------------------------------------


def test_confirm_makes_a_priority_and_a_later_meeting_joins_it(engine: Engine, launch) -> None:
    pid = launch["partnership"]
    known = by_name(engine, pid)
    assert sorted(known) == ["label care", "label hire"]
    assert all(p.status == "confirmed" and p.convenings == ("Launch",) for p in known.values())

    q = load(engine, result(THEMES, n=10), "Quarterly 1").convening_id
    assert priorities.partnership_of(engine, q) == pid
    house = theme_id(engine, q, "house")
    review.confirm(engine, theme_id(engine, q, "hire"))  # same name: joins
    review.confirm(engine, house, priority=known["label care"].id)  # named: joins that one
    after = by_name(engine, pid)
    assert sorted(after) == ["label care", "label hire"]
    assert after["label hire"].convenings == ("Launch", "Quarterly 1")
    assert after["label care"].convenings == ("Launch", "Quarterly 1")
    with transaction(engine) as s:
        linked = queries.linked_themes(s, [known["label care"].id])[known["label care"].id]
        assert [t.id for t in linked] == [launch["care"], house]
        (care_known,) = [k for k in queries.known_priorities(s, pid) if k.name == "label care"]
    assert {st.id for st in care_known.statements if st.convening_id == q} == {"s07", "s08"}
    assert {st.id for st in care_known.statements if st.convening_id == launch["id"]} == \
        {"s04", "s05", "s06"}


def test_confirm_into_another_partnerships_priority_is_refused(engine: Engine, launch) -> None:
    far = load(engine, result(THEMES, n=10),
               ConveningSpec("Launch", industry="health care", region="South Bay")).convening_id
    hire = by_name(engine, launch["partnership"])["label hire"].id
    with pytest.raises(ReviewError, match="belongs to another partnership"):
        review.confirm(engine, theme_id(engine, far, "hire"), priority=hire)
    with pytest.raises(NotFoundError, match="no priority with id 999"):
        review.confirm(engine, theme_id(engine, far, "hire"), priority=999)


def test_review_undo_of_a_confirm_removes_the_priority_it_made(engine: Engine, launch) -> None:
    pid = launch["partnership"]
    review.confirm(engine, launch["house"])
    assert "label house" in by_name(engine, pid)
    review.undo(engine, launch["id"])
    assert "label house" not in by_name(engine, pid)
    review.undo(engine, launch["id"])  # the confirm of care
    assert sorted(by_name(engine, pid)) == ["label hire"]


def test_discard_unlinks_and_undo_brings_the_priority_back(engine: Engine, launch) -> None:
    pid = launch["partnership"]
    care = by_name(engine, pid)["label care"].id
    review.discard(engine, launch["care"])
    assert "label care" not in by_name(engine, pid)
    review.undo(engine, launch["id"])
    assert by_name(engine, pid)["label care"].id == care
    assert by_name(engine, pid)["label care"].convenings == ("Launch",)


def test_review_undo_refuses_when_the_priority_grew_a_team(engine: Engine, launch) -> None:
    review.confirm(engine, launch["house"])
    house = by_name(engine, launch["partnership"])["label house"].id
    priorities.set_team_member(engine, house, "Ana", "champion")
    with pytest.raises(ConflictError, match="has since gained a task team"):
        review.undo(engine, launch["id"])
    assert "label house" in by_name(engine, launch["partnership"])


# --- status, with who and when, and undo -----------------------------------------------------


def test_status_changes_are_audited_and_undone_last_first(engine: Engine, launch) -> None:
    pid = launch["partnership"]
    hire = by_name(engine, pid)["label hire"].id
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    with pytest.raises(ReviewError, match="has no champion: name one"):
        priorities.set_status(engine, hire, "active", who="staff")
    priorities.set_team_member(engine, hire, "Ana", "champion", who="staff")
    priorities.set_status(engine, hire, "active", who="staff")
    priorities.set_status(engine, hire, "done", who="lee")
    assert by_name(engine, pid)["label hire"].status == "done"
    log = priorities.history(engine, pid)
    assert [(a, w, t) for _, w, a, t, _ in log] == [
        ("priority_team", "staff", f"priority {hire}: Ana champion"),
        ("priority_status", "staff", f"priority {hire}: confirmed -> active"),
        ("priority_status", "lee", f"priority {hire}: active -> done")]
    assert all(start <= at.replace(tzinfo=at.tzinfo or dt.UTC) for at, *_ in log)

    assert priorities.undo(engine, pid, who="lee") == \
        f"priority_status priority {hire}: active -> done"
    assert by_name(engine, pid)["label hire"].status == "active"
    priorities.undo(engine, pid)
    assert by_name(engine, pid)["label hire"].status == "confirmed"
    priorities.undo(engine, pid)
    assert by_name(engine, pid)["label hire"].champions == ()
    assert history(engine, pid)[:3] == [("priority_team", "staff", True),
                                        ("priority_status", "staff", True),
                                        ("priority_status", "lee", True)]
    with pytest.raises(ReviewError, match="nothing to undo"):
        priorities.undo(engine, pid)


def test_every_status_is_reachable_and_a_bad_one_says_which_exist(engine: Engine,
                                                                  launch) -> None:
    pid = launch["partnership"]
    care = by_name(engine, pid)["label care"].id
    for status in ("candidate", "confirmed", "retired"):
        priorities.set_status(engine, care, status)
        assert by_name(engine, pid)["label care"].status == status
    with pytest.raises(ReviewError, match="'finished' is not a priority status: use candidate, "
                                          "confirmed, active, done, retired"):
        priorities.set_status(engine, care, "finished")
    with pytest.raises(NotFoundError, match="no priority with id 999"):
        priorities.set_status(engine, 999, "done")


def test_undo_refuses_when_what_it_changed_has_changed_since(engine: Engine, launch) -> None:
    pid = launch["partnership"]
    care = by_name(engine, pid)["label care"].id
    priorities.rename(engine, care, "  Childcare  for shift workers ", description="Evenings.")
    assert by_name(engine, pid)["Childcare for shift workers"].description == "Evenings."
    review.discard(engine, launch["care"])  # the review removes the priority the theme made
    with pytest.raises(ConflictError, match="has changed since"):
        priorities.undo(engine, pid)
    review.undo(engine, launch["id"])  # the priority comes back as renamed; now undo works
    priorities.undo(engine, pid)
    assert by_name(engine, pid)["label care"].id == care


def test_rename_to_nothing_is_refused(engine: Engine, launch) -> None:
    care = by_name(engine, launch["partnership"])["label care"].id
    with pytest.raises(ReviewError, match="cannot be empty"):
        priorities.rename(engine, care, "   ")


# --- task teams ------------------------------------------------------------------------------


def test_team_champions_and_members(engine: Engine, launch) -> None:
    pid = launch["partnership"]
    hire = by_name(engine, pid)["label hire"].id
    priorities.set_team_member(engine, hire, "Ana", "champion")
    priorities.set_team_member(engine, hire, "Ben", "champion")
    priorities.set_team_member(engine, hire, "Pat", "member")
    priorities.set_team_member(engine, hire, "Ben", "member")
    view = by_name(engine, pid)["label hire"]
    assert (view.champions, view.members) == (("Ana",), ("Ben", "Pat"))
    assert not view.needs_champion and by_name(engine, pid)["label care"].needs_champion
    with pytest.raises(ReviewError, match="Pat is a public partner: champions are business "
                                          "leaders; add them as a member instead"):
        priorities.set_team_member(engine, hire, "Pat", "champion")
    with pytest.raises(NotFoundError, match="'Zed' is not on this partnership's roster"):
        priorities.set_team_member(engine, hire, "Zed", "member")
    with pytest.raises(ReviewError, match="'lead' is not a task-team role"):
        priorities.set_team_member(engine, hire, "Ben", "lead")
    priorities.set_team_member(engine, hire, "Pat", None)
    assert by_name(engine, pid)["label hire"].members == ("Ben",)
    with pytest.raises(ReviewError, match="Pat is not on priority"):
        priorities.set_team_member(engine, hire, "Pat", None)
    priorities.undo(engine, pid)
    assert by_name(engine, pid)["label hire"].members == ("Ben", "Pat")


# --- action plans ----------------------------------------------------------------------------


def test_plan_rows_add_update_remove_and_undo(engine: Engine, launch) -> None:
    pid = launch["partnership"]
    hire = by_name(engine, pid)["label hire"].id
    first = priorities.add_plan_row(engine, hire, objective="Shared apprenticeship",
                                    measure="apprentices placed", owner="Ana",
                                    support_partners="North College", goal_60_day="10 placed",
                                    due="2027-03-31")
    second = priorities.add_plan_row(engine, hire, objective="Job fair", due="")
    plan = by_name(engine, pid)["label hire"].plan
    assert [(r.id, r.objective, r.status, r.due) for r in plan] == [
        (first, "Shared apprenticeship", "not_started", dt.date(2027, 3, 31)),
        (second, "Job fair", "not_started", None)]
    priorities.update_plan_row(engine, first, status="in_progress", due=dt.date(2027, 4, 30))
    priorities.remove_plan_row(engine, second)
    plan = by_name(engine, pid)["label hire"].plan
    assert [(r.id, r.status, r.due) for r in plan] == [(first, "in_progress",
                                                        dt.date(2027, 4, 30))]
    priorities.undo(engine, pid)  # the removal
    priorities.undo(engine, pid)  # the update
    plan = by_name(engine, pid)["label hire"].plan
    assert [(r.id, r.objective, r.status, r.due) for r in plan] == [
        (first, "Shared apprenticeship", "not_started", dt.date(2027, 3, 31)),
        (second, "Job fair", "not_started", None)]
    priorities.undo(engine, pid)  # the second add
    assert [r.id for r in by_name(engine, pid)["label hire"].plan] == [first]


@pytest.mark.parametrize(("fields", "message"), [
    ({"objective": "x", "status": "late"},
     "'late' is not an action-plan status: use not_started, in_progress, done, blocked"),
    ({"objective": "x", "due": "31/03/2027"},
     r"due date '31/03/2027' is not a date: write it as YYYY-MM-DD \(2027-03-31\)"),
    ({"objective": "  "}, "an action-plan row needs an objective"),
    ({"measure": "m"}, "an action-plan row needs an objective"),
    ({"objective": "x", "colour": "red"}, "unknown action-plan field 'colour': use objective"),
])
def test_bad_plan_rows_say_what_to_do_and_change_nothing(engine: Engine, launch, fields,
                                                          message) -> None:
    pid = launch["partnership"]
    hire = by_name(engine, pid)["label hire"].id
    before = priorities.history(engine, pid)
    with pytest.raises(ReviewError, match=message):
        priorities.add_plan_row(engine, hire, **fields)
    row = priorities.add_plan_row(engine, hire, objective="ok")
    if "needs an objective" not in message:  # an update need not name the objective
        with pytest.raises(ReviewError, match=message):
            priorities.update_plan_row(engine, row, **fields)
    assert [r.objective for r in by_name(engine, pid)["label hire"].plan] == ["ok"]
    assert len(priorities.history(engine, pid)) == len(before) + 1
    with pytest.raises(ReviewError, match="no action-plan row 999"):
        priorities.update_plan_row(engine, 999, status="done")
