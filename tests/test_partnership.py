"""Partnership memory (issue 29): priorities across convenings, their status with audit and
undo, task teams, action plans; the review's confirm making or joining a priority.

Runs on SQLite, and on PostgreSQL too when SYNTH_TEST_POSTGRES_URL is set.
"""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from conftest import BACKENDS, PG_URL
from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, text
from sqlalchemy.engine import make_url
from test_store import load, result, theme_id
from typer.testing import CliRunner

from synth.cli.priority import priority_app
from synth.decisions import priorities, review
from synth.errors import ConflictError, NotFoundError, ReviewError
from synth.store import ConveningSpec, make_engine, queries, transaction
from synth.store.schema import ActionItem, Base

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


# --- the CLI: synth priority ... -------------------------------------------------------------

# The app as synth/cli/main.py mounts it: `synth priority ...`.
cli_app = typer.Typer()
cli_app.add_typer(priority_app, name="priority")
runner = CliRunner()


def cli(*args: str) -> Any:
    return runner.invoke(cli_app, ["priority", *args])


def test_cli_status_team_plan_undo_and_history(engine: Engine, launch, db_url: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    pid = launch["partnership"]
    hire = by_name(engine, pid)["label hire"].id
    out = cli("partnerships")
    assert out.exit_code == 0, out.output
    assert out.stdout.split() == [str(pid), "manufacturing,", "North", "Bay:", "1", "convenings,",
                                  "2", "priorities"]
    out = cli("list")  # one partnership: found without -p
    assert [line.split()[:3] for line in out.stdout.splitlines()] == [
        [str(hire), "confirmed", "label"], [str(hire + 1), "confirmed", "label"]]
    assert "champion needed" in out.stdout and "raised at: Launch" in out.stdout

    out = cli("status", str(hire), "active", "--who", "lee")
    assert out.exit_code == 2 and out.output.startswith(f"error: priority {hire} (label hire) "
                                                        "has no champion")
    assert cli("champion", str(hire), "Ana", "--who", "lee").exit_code == 0
    assert cli("member", str(hire), "Pat", "--who", "lee").exit_code == 0
    out = cli("status", str(hire), "active", "--who", "lee")
    assert out.exit_code == 0 and "active    label hire  [champions: Ana; members: 1" in out.stdout
    out = cli("list", "--status", "active", "-s", "done")
    assert [line.split()[:2] for line in out.stdout.splitlines()] == [[str(hire), "active"]]
    out = cli("plan", "add", str(hire), "--objective", "Shared apprenticeship", "--owner", "Ana",
              "--due", "2027-03-31", "--goal", "10 placed", "--support", "North College")
    assert out.exit_code == 0, out.output
    row = int(out.stdout.split()[3])
    assert cli("plan", "update", str(row), "--status", "in_progress").exit_code == 0
    out = cli("plan", "show", str(hire))
    assert out.stdout.splitlines()[-1].split("\t") == [
        str(row), "Shared apprenticeship", "", "Ana", "North College", "10 placed",
        "in_progress", "2027-03-31"]
    out = cli("history", "-p", str(pid))
    assert [line.split()[2:4] for line in out.stdout.splitlines()] == [
        ["lee", "priority_team"], ["lee", "priority_team"], ["lee", "priority_status"],
        [audit_who(), "plan_add"], [audit_who(), "plan_edit"]]
    out = cli("undo")
    assert out.stdout.strip() == f"undone: plan_edit priority {hire}: plan row {row}"
    assert "(undone)" in cli("history").output.splitlines()[-2]
    assert cli("member", str(hire), "Pat", "--remove").exit_code == 0
    assert by_name(engine, pid)["label hire"].members == ()


def audit_who() -> str:
    from synth.store.audit import default_who
    return default_who()


@pytest.mark.parametrize(("args", "message"), [
    (("status", "{hire}", "finished"), "'finished' is not a priority status: use candidate"),
    (("status", "999", "done"), "no priority with id 999; `synth priority list` shows them"),
    (("champion", "{hire}", "Pat"), "Pat is a public partner: champions are business leaders"),
    (("member", "{hire}", "Zed"), "'Zed' is not on this partnership's roster"),
    (("plan", "add", "{hire}", "--objective", "x", "--due", "soon"),
     "due date 'soon' is not a date: write it as YYYY-MM-DD"),
    (("plan", "add", "{hire}", "--objective", "x", "--status", "late"),
     "'late' is not an action-plan status"),
    (("plan", "update", "999", "--status", "done"), "no action-plan row 999"),
    (("plan", "update", "{row}"), "nothing to change: give at least one of --objective"),
    (("list", "-p", "999"), "no partnership with id 999; `synth priority partnerships`"),
    (("undo", "-p", "{pid}"), "nothing to undo in partnership"),
])
def test_cli_errors_are_one_line_and_change_nothing(engine: Engine, launch, db_url: str,
                                                    monkeypatch: pytest.MonkeyPatch, args,
                                                    message) -> None:
    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    pid = launch["partnership"]
    hire = by_name(engine, pid)["label hire"].id
    with transaction(engine) as s:  # a plan row written outside the audit log: undo skips it
        s.add(ActionItem(priority_id=hire, objective="kept"))
        s.flush()
        row = max(a.id for a in queries.plan_of(s, hire))
    before = (by_name(engine, pid), priorities.history(engine, pid))
    out = cli(*[a.format(hire=hire, row=row, pid=pid) for a in args])
    assert out.exit_code != 0
    assert out.output.startswith("error: ") and message in out.output
    assert len(out.output.strip().splitlines()) == 1
    assert (by_name(engine, pid), priorities.history(engine, pid)) == before


def test_cli_asks_which_partnership_when_there_are_several(engine: Engine, launch, db_url: str,
                                                           monkeypatch) -> None:
    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    load(engine, result(THEMES, n=10),
         ConveningSpec("Launch", industry="health care", region="South Bay"))
    out = cli("list")
    assert out.exit_code == 2
    assert "2 partnerships: name one with --partnership ID" in out.output
    out = cli("list", "-p", str(launch["partnership"]))
    assert out.exit_code == 0 and len(out.stdout.splitlines()) == 2


# --- migration 0005 on a database made by the schema at 0004 --------------------------------


@pytest.fixture(params=BACKENDS)
def bare_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """An empty database (no tables): a SQLite file, or a new schema on the test PostgreSQL."""
    if request.param == "sqlite":
        e = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield e
        e.dispose()
        return
    assert PG_URL
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    e = make_engine(make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
                    .render_as_string(hide_password=False))
    try:
        yield e
    finally:
        e.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


class _Old:
    """Rows written through the tables as revision 0004 made them (reflected, not the models)."""

    def __init__(self, conn: Connection) -> None:
        self.conn, self.meta = conn, MetaData()

    def add(self, table: str, **row: Any) -> Any:
        t = Table(table, self.meta, autoload_with=self.conn)
        return self.conn.execute(t.insert().values(**row)).inserted_primary_key[0]


def _old_database(e: Engine) -> dict[str, int]:
    """Two partnerships; the manufacturing one with a launch and a quarterly that raised the
    same priority again (its label spelt differently), a discarded and a candidate theme, a
    closed vote, volunteers, and a confirm in the audit log with an undone rename before it."""
    when = dt.datetime(2026, 3, 14, 18, 0, tzinfo=dt.UTC)
    with e.begin() as conn:
        old = _Old(conn)
        ids: dict[str, int] = {}
        ids["mfg"] = old.add("partnerships", industry="manufacturing", region="North Bay")
        ids["care"] = old.add("partnerships", industry="health care", region="South Bay")
        for key, p, day, title, kind in (("launch", "mfg", 14, "Launch", "launch"),
                                         ("q1", "mfg", 20, "Quarterly 1", "quarterly"),
                                         ("hc", "care", 16, "Launch", "launch")):
            ids[key] = old.add("convenings", partnership_id=ids[p], date=dt.date(2026, 3, day),
                               title=title, kind=kind)
        for name, company, role in (("Ana", "Acme Welding", "business"),
                                    ("Ben", "Bolt Fab", "business"), ("Pat", "", "public")):
            ids[name] = old.add("participants", partnership_id=ids["mfg"], name=name,
                                company=company, role=role)
        for key, conv, status, label in (
                ("hire", "launch", "confirmed", "Hiring machinists"),
                ("kids", "launch", "confirmed", "Childcare"),
                ("house", "launch", "discarded", "Housing"),
                ("bus", "launch", "candidate", "Transit"),
                ("hire2", "q1", "confirmed", "  hiring   MACHINISTS "),
                ("hc_hire", "hc", "confirmed", "Hiring machinists"),
                ("hc_nurse", "hc", "discarded", "Nurse hiring")):
            ids[key] = old.add("themes", convening_id=ids[conv], status=status, label=label,
                               label_generated=False, keywords=["k"], stability=0.5,
                               edited=True, version=2, updated_at=when)
        _old_review_and_vote(old, ids, when)
    return ids


def _old_review_and_vote(old: _Old, ids: dict[str, int], when: dt.datetime) -> None:
    old.add("recordings", convening_id=ids["launch"], id="r1", name="r1.ogg", kind="audio",
            duration=60.0)
    for i, theme in enumerate(("hire", "hire", "kids", "house")):
        old.add("statements", convening_id=ids["launch"], id=f"s{i}", recording_id="r1", turn=i,
                line=None, start_s=float(i), end_s=i + 0.5, text=f"words {i}", speaker="Ana",
                kind="need", clusterable=True, position=i, withdrawn=False)
        old.add("theme_members", convening_id=ids["launch"], statement_id=f"s{i}",
                theme_id=ids[theme], pinned=False)
    state = {"status": "candidate", "label": "Childcare", "label_generated": False,
             "keywords": ["k"], "stability": 0.5, "merged_into": None, "edited": True}
    snap = {"themes": {str(ids["kids"]): state}, "members": {}, "speakers": {}}
    renamed = old.add("audit_log", convening_id=ids["launch"], at=when, who="fay",
                      action="rename", target="theme", before=snap, after=snap)
    undo = old.add("audit_log", convening_id=ids["launch"], at=when, who="fay", action="undo",
                   target="rename theme", before=snap, after=snap)
    old.conn.execute(text("UPDATE audit_log SET undone_by = :u WHERE id = :i"),
                     {"u": undo, "i": renamed})
    ids["confirm"] = old.add("audit_log", convening_id=ids["launch"], at=when, who="fay",
                             action="confirm", target=f"theme {ids['kids']}", before=snap,
                             after={**snap, "themes": {str(ids["kids"]): {
                                 **state, "status": "confirmed"}}})
    nurse = {**state, "label": "Nurse hiring"}
    old.add("audit_log", convening_id=ids["hc"], at=when, who="fay", action="discard",
            target=f"theme {ids['hc_nurse']}",
            before={**snap, "themes": {str(ids["hc_nurse"]): {**nurse, "status": "confirmed"}}},
            after={**snap, "themes": {str(ids["hc_nurse"]): {**nurse, "status": "discarded"}}})
    old.add("votes", convening_id=ids["launch"], status="closed", dots_per_voter=3,
            max_per_priority=2, ask_scores=False, anonymous=True, public_partners="separate",
            opened_at=when, opened_by="fay", closed_at=when, closed_by="fay")
    for pos, theme in enumerate(("hire", "kids")):
        old.add("ballot_priorities", convening_id=ids["launch"], theme_id=ids[theme],
                position=pos)
    code = old.add("voter_codes", convening_id=ids["launch"], participant_id=ids["Ana"],
                   code_key="abcd", code_hash="x", issued_at=when)
    ballot = old.add("ballots", convening_id=ids["launch"], voter_code_id=code, revision=1,
                     cast_at=when, updated_at=when)
    old.add("ballot_marks", ballot_id=ballot, theme_id=ids["hire"], dots=2)
    old.add("ballot_marks", ballot_id=ballot, theme_id=ids["kids"], dots=1)
    # Ana volunteered as a member at the launch and as champion at the quarterly: champion.
    for conv, theme, who, role in (("launch", "hire", "Ana", "member"),
                                   ("q1", "hire2", "Ana", "champion"),
                                   ("launch", "hire", "Pat", "member"),
                                   ("launch", "kids", "Ben", "champion")):
        old.add("volunteers", convening_id=ids[conv], theme_id=ids[theme],
                participant_id=ids[who], role=role, at=when)


def test_a_0004_database_upgrades_keeping_reviews_votes_and_champions(
        bare_engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from test_store import head

    from synth.store import init_db
    from synth.store.migrate import upgrade

    e = bare_engine
    upgrade(e, "0004")
    ids = _old_database(e)
    with e.connect() as conn:
        # the columns of 0004 (later migrations add some), and their rows
        columns = {t: ", ".join(conn.execute(text(f"SELECT * FROM {t}")).keys())
                   for t in ("themes", "theme_members", "ballot_marks", "volunteers")}
        before = {t: conn.execute(text(f"SELECT {c} FROM {t} ORDER BY 1, 2")).all()
                  for t, c in columns.items()}
        audit_before = conn.execute(text("SELECT id, action, who, undone_by FROM audit_log "
                                         "ORDER BY id")).all()
    init_db(e)
    with e.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head(e)
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert {t: conn.execute(text(f"SELECT {c} FROM {t} ORDER BY 1, 2")).all()
                for t, c in columns.items()} == before  # reviews, votes, volunteers as they were
        assert conn.execute(text("SELECT id, action, who, undone_by FROM audit_log "
                                 "ORDER BY id")).all() == audit_before
    # Each convening keeps its partnership; the quarterly's label joins the launch's priority.
    assert priorities.partnership_of(e, ids["q1"]) == ids["mfg"]
    mfg = by_name(e, ids["mfg"])
    assert sorted(mfg) == ["Childcare", "Hiring machinists"]
    assert mfg["Hiring machinists"].convenings == ("Launch", "Quarterly 1")
    assert (mfg["Hiring machinists"].champions, mfg["Hiring machinists"].members) == \
        (("Ana",), ("Pat",))
    assert mfg["Childcare"].champions == ("Ben",)
    assert [(v.name, v.convenings) for v in priorities.list_priorities(e, ids["care"])] == [
        ("Hiring machinists", ("Launch",))]
    with transaction(e) as s:
        assert [(a.company, a.since) for a in queries.affiliations_of(s, ids["Ana"])] == [
            ("Acme Welding", None)]
        assert queries.affiliations_of(s, ids["Pat"]) == []
    _works_after_the_upgrade(e, ids)


def _works_after_the_upgrade(e: Engine, ids: dict[str, int]) -> None:
    """The old review's undo, a new confirm and the priorities' own changes all work."""
    review.undo(e, ids["launch"])  # the old confirm of Childcare: the theme leaves its
    # priority, which stays for its champion
    assert by_name(e, ids["mfg"])["Childcare"].convenings == ()
    assert by_name(e, ids["mfg"])["Childcare"].champions == ("Ben",)
    with transaction(e) as s:
        assert queries.get_theme(s, ids["kids"]).status == "candidate"
    review.undo(e, ids["hc"])  # an old discard of a confirmed theme: it makes its priority
    assert [(v.name, v.convenings) for v in priorities.list_priorities(e, ids["care"])] == [
        ("Hiring machinists", ("Launch",)), ("Nurse hiring", ("Launch",))]
    review.confirm(e, ids["bus"])
    hire = by_name(e, ids["mfg"])["Hiring machinists"].id
    priorities.set_status(e, hire, "active", who="lee")
    priorities.add_plan_row(e, hire, objective="Shared apprenticeship", due="2026-06-30")
    assert by_name(e, ids["mfg"])["Transit"].status == "confirmed"
    assert [a for _, _, a, _, _ in priorities.history(e, ids["mfg"])] == ["priority_status",
                                                                           "plan_add"]
    priorities.undo(e, ids["mfg"])
    assert by_name(e, ids["mfg"])["Hiring machinists"].plan == ()


# --- the plan saved as one table ---------------------------------------------------------------


def test_save_plan_adds_keeps_reorders_and_removes_in_one_undoable_change(engine: Engine,
                                                                          launch) -> None:
    pid = launch["partnership"]
    hire = by_name(engine, pid)["label hire"].id
    a = priorities.add_plan_row(engine, hire, objective="A")
    b = priorities.add_plan_row(engine, hire, objective="B", owner="Ben")
    priorities.save_plan(engine, hire, [
        {"id": b, "objective": "B", "owner": "Ana", "status": "blocked", "due": "2027-05-01"},
        {"id": None, "objective": "C", "measure": "m", "due": None}], who="lee")
    plan = by_name(engine, pid)["label hire"].plan
    assert [(r.objective, r.owner, r.status, r.due) for r in plan] == [
        ("B", "Ana", "blocked", dt.date(2027, 5, 1)), ("C", "", "not_started", None)]
    assert plan[0].id == b and plan[1].id not in (a, b)
    assert history(engine, pid)[-1] == ("plan_save", "lee", False)
    priorities.undo(engine, pid)
    assert [(r.id, r.objective, r.owner) for r in by_name(engine, pid)["label hire"].plan] == [
        (a, "A", ""), (b, "B", "Ben")]
    with pytest.raises(ReviewError, match="plan row 2: 'late' is not an action-plan status"):
        priorities.save_plan(engine, hire, [{"id": a, "objective": "A"},
                                            {"objective": "x", "status": "late"}])
    with pytest.raises(ReviewError, match="plan row 1: an action-plan row needs an objective"):
        priorities.save_plan(engine, hire, [{"id": a, "objective": ""}])
    with pytest.raises(ConflictError, match="plan rows 999 are no longer in priority"):
        priorities.save_plan(engine, hire, [{"id": 999, "objective": "x"}])
    assert [r.id for r in by_name(engine, pid)["label hire"].plan] == [a, b]


# --- the Priorities page (AppTest) -------------------------------------------------------------


def test_edited_table_rows_become_plan_rows() -> None:
    import pandas as pd

    from synth_app.priorities import edited_rows

    frame = pd.DataFrame([
        {"id": 4.0, "objective": "A", "measure": float("nan"), "owner": None,
         "support_partners": "", "goal_60_day": "g", "status": "done",
         "due": dt.date(2027, 1, 2)},
        {"id": float("nan"), "objective": "New", "measure": None, "owner": "Ana",
         "support_partners": None, "goal_60_day": None, "status": None,
         "due": pd.Timestamp("2027-02-03")},
        {"id": float("nan"), "objective": None, "measure": None, "owner": None,
         "support_partners": None, "goal_60_day": None, "status": None, "due": None}])
    assert edited_rows(frame) == [
        {"id": 4, "objective": "A", "measure": "", "owner": "", "support_partners": "",
         "goal_60_day": "g", "status": "done", "due": dt.date(2027, 1, 2)},
        {"id": None, "objective": "New", "measure": "", "owner": "Ana", "support_partners": "",
         "goal_60_day": "", "status": "not_started", "due": dt.date(2027, 2, 3)}]


def test_priorities_page_changes_status_team_and_plan_with_undo(tmp_path, monkeypatch) -> None:
    pytest.importorskip("streamlit")
    from conftest import ROOT
    from partnership import build
    from streamlit.testing.v1 import AppTest

    from synth.convening import jobs
    from synth.store import init_db
    from synth_app import auth

    url = f"sqlite:///{tmp_path / 'synth.db'}"
    monkeypatch.setenv("SYNTH_DATABASE_URL", url)
    engine = make_engine(url)
    init_db(engine)
    b = build(engine)
    auth.set_passcode(jobs.files_dir(url), "priorities-passcode")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at.text_input[0].input("priorities-passcode")
    at.get("form_submit_button")[0].click()
    at.run()
    at.switch_page("synth_app/pages/priorities.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Priorities"]
    overview = at.dataframe[0].value
    assert list(overview["priority"]) == ["Welder apprenticeships", "Childcare near plants"]
    assert list(overview["champions"]) == ["Ana Ruiz", "champion needed"]
    assert [d.label for d in at.get("download_button")] == [
        "Action plans (.xlsx)", "Action plans (.docx)", "Action plans (.md)"]

    at.selectbox(key="priorities-pick").select(b.childcare).run()
    at.selectbox(key=f"status-{b.childcare}").select("active").run()
    at.button(key=f"status-save-{b.childcare}").click().run()
    assert "has no champion" in at.error[0].value
    at.selectbox(key=f"team-person-{b.childcare}").select("Ben Cho").run()
    at.button(key=f"team-save-{b.childcare}").click().run()
    at.button(key=f"status-save-{b.childcare}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    overview = at.dataframe[0].value
    assert list(overview["status"])[1] == "active" and list(overview["champions"])[1] == "Ben Cho"
    at.button(key=f"plan-save-{b.childcare}").click().run()  # the table as it is: saved
    assert at.success[0].value == "Saved the action plan."
    assert [a for _, _, a, _, _ in priorities.history(engine, b.partnership)][-3:] == [
        "priority_team", "priority_status", "plan_save"]
    at.button(key="priorities-undo").click().run()
    at.button(key="priorities-undo").click().run()
    assert list(at.dataframe[0].value["status"])[1] == "confirmed"
    engine.dispose()


def test_merging_a_confirmed_theme_away_unlinks_it_and_undo_links_it_back(engine: Engine,
                                                                          launch) -> None:
    pid = launch["partnership"]
    care = by_name(engine, pid)["label care"].id
    review.merge(engine, [launch["hire"], launch["care"]])
    assert sorted(by_name(engine, pid)) == ["label hire"]  # care's priority was bare: gone
    review.undo(engine, launch["id"])
    assert by_name(engine, pid)["label care"].id == care
    assert by_name(engine, pid)["label care"].convenings == ("Launch",)
    priorities.set_team_member(engine, care, "Ben", "champion")
    review.merge(engine, [launch["hire"], launch["care"]])
    kept = by_name(engine, pid)["label care"]  # it has a team: kept, raised nowhere now
    assert (kept.convenings, kept.champions) == ((), ("Ben",))
    review.undo(engine, launch["id"])
    assert by_name(engine, pid)["label care"].convenings == ("Launch",)
