"""Task teams fed by the vote and the review (issue 29): a leader who volunteers after a vote
joins the task team of the priority the theme feeds, in the same transaction; confirming a
theme into a chosen priority from the CLI and from the facilitator's card.

Runs on SQLite, and on PostgreSQL too when SYNTH_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from test_ballots import ROSTER as VOTERS
from test_ballots import RULES, THEMES
from test_store import load, result, theme_id

from synth.decisions import ballots, priorities, review, secret_hash
from synth.store import queries, transaction
from synth.store.schema import PriorityTheme, TeamMember, VolunteerSignup


@pytest.fixture(autouse=True)
def _fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheaper scrypt for the codes made here (stored hashes carry their parameters)."""
    monkeypatch.setitem(secret_hash._SCRYPT, "n", 2**10)


def convening(engine: Engine, title: str = "Launch") -> dict[str, Any]:
    """A convening of the test partnership with hire, care and house confirmed, its vote
    open; its theme ids, its codes by name and the partnership's priorities by name."""
    c = load(engine, result(THEMES, n=14, roster=VOTERS), title).convening_id
    ids = {k: theme_id(engine, c, k) for k in THEMES}
    for k in ("hire", "care", "house"):
        review.confirm(engine, ids[k], who="fay")
    codes = dict(ballots.issue_codes(engine, c))
    ballots.open_vote(engine, c, RULES, who="fay")
    pid = priorities.partnership_of(engine, c)
    known = {p.name: p.id for p in priorities.list_priorities(engine, pid)}
    return {"id": c, "partnership": pid, "codes": codes, "priority": known, **ids}


def team(engine: Engine, priority_id: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    view = priorities.get_priority(engine, priority_id)
    return view.champions, view.members


def signups(engine: Engine) -> int:
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(VolunteerSignup)) or 0


# --- volunteers join the task team -----------------------------------------------------------


def test_a_volunteer_joins_the_team_of_the_priority_the_theme_feeds(engine: Engine) -> None:
    launch = convening(engine)
    codes, hire = launch["codes"], launch["priority"]["label hire"]
    assert team(engine, hire) == ((), ())
    ballots.volunteer(engine, codes["Ana"], launch["hire"], "champion")
    ballots.volunteer(engine, codes["Ben"], launch["hire"], "member")
    ballots.volunteer(engine, codes["Pat"], launch["hire"], "member")
    assert team(engine, hire) == (("Ana",), ("Ben", "Pat"))
    ballots.volunteer(engine, codes["Ben"], launch["hire"], "champion")  # offers to lead now
    assert team(engine, hire) == (("Ana", "Ben"), ("Pat",))
    assert team(engine, launch["priority"]["label care"]) == ((), ())
    # With champions the priority can go active; each join is in its history, by the volunteer.
    priorities.set_status(engine, hire, "active", who="staff")
    joins = [(who, target) for _, who, action, target, _ in
             priorities.history(engine, launch["partnership"]) if action == "priority_team"]
    assert joins == [("Ana", f"priority {hire}: champion (vote sign-up)"),
                     ("Ben", f"priority {hire}: member (vote sign-up)"),
                     ("Pat", f"priority {hire}: member (vote sign-up)"),
                     ("Ben", f"priority {hire}: champion (vote sign-up)")]


def test_offering_the_same_again_changes_nothing_and_staff_can_undo_a_join(
        engine: Engine) -> None:
    launch = convening(engine)
    codes, care = launch["codes"], launch["priority"]["label care"]
    ballots.volunteer(engine, codes["Cy"], launch["care"], "member")
    entries = len(priorities.history(engine, launch["partnership"]))
    ballots.volunteer(engine, codes["Cy"], launch["care"], "member")
    assert len(priorities.history(engine, launch["partnership"])) == entries
    assert priorities.undo(engine, launch["partnership"], who="staff") == \
        f"priority_team priority {care}: member (vote sign-up)"
    assert team(engine, care) == ((), ())  # the sign-up itself stays on the vote's roster
    rosters = {r.priority_id: r for r in ballots.champion_rosters(engine, launch["id"])}
    assert rosters[str(launch["care"])].members == ("Cy",)


def test_stepping_back_and_withdrawing_undo_only_what_the_sign_up_did(engine: Engine) -> None:
    launch = convening(engine)
    codes, hire = launch["codes"], launch["priority"]["label hire"]
    ballots.volunteer(engine, codes["Ben"], launch["hire"], "champion")
    ballots.volunteer(engine, codes["Ben"], launch["hire"], "member")  # steps back
    assert team(engine, hire) == ((), ("Ben",))
    ballots.withdraw_volunteer(engine, codes["Ben"], launch["hire"])
    assert team(engine, hire) == ((), ())
    # Staff made Cy champion; Cy's member sign-up, or its withdrawal, leaves Cy champion.
    priorities.set_team_member(engine, hire, "Cy", "champion", who="staff")
    ballots.volunteer(engine, codes["Cy"], launch["hire"], "member")
    ballots.withdraw_volunteer(engine, codes["Cy"], launch["hire"])
    assert team(engine, hire) == (("Cy",), ())


def test_sign_ups_at_two_meetings_feed_one_team(engine: Engine) -> None:
    launch = convening(engine)
    quarterly = convening(engine, "Quarterly 1")
    assert quarterly["partnership"] == launch["partnership"]
    assert quarterly["priority"] == launch["priority"]  # its confirms joined the same ones
    care = launch["priority"]["label care"]
    ballots.volunteer(engine, launch["codes"]["Dee"], launch["care"], "member")
    ballots.volunteer(engine, quarterly["codes"]["Dee"], quarterly["care"], "champion")
    assert team(engine, care) == (("Dee",), ())
    # Withdrawing the quarterly's champion offer leaves the launch's member sign-up.
    ballots.withdraw_volunteer(engine, quarterly["codes"]["Dee"], quarterly["care"])
    assert team(engine, care) == ((), ("Dee",))
    ballots.withdraw_volunteer(engine, launch["codes"]["Dee"], launch["care"])
    assert team(engine, care) == ((), ())


def test_a_theme_that_feeds_no_priority_yet_changes_no_team(engine: Engine) -> None:
    launch = convening(engine)
    with transaction(engine) as s:  # as a confirm made before the partnership memory left it
        s.delete(s.get(PriorityTheme, launch["house"]))
    entries = len(priorities.history(engine, launch["partnership"]))
    ballots.volunteer(engine, launch["codes"]["Ana"], launch["house"], "champion")
    ballots.withdraw_volunteer(engine, launch["codes"]["Ana"], launch["house"])
    ballots.volunteer(engine, launch["codes"]["Ana"], launch["house"], "member")
    assert signups(engine) == 1
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(TeamMember)) == 0
    assert len(priorities.history(engine, launch["partnership"])) == entries


def test_the_sign_up_and_the_team_are_one_transaction(engine: Engine,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    launch = convening(engine)
    hire = launch["priority"]["label hire"]
    ballots.volunteer(engine, launch["codes"]["Ana"], launch["hire"], "member")

    def broken(*_: Any, **__: Any) -> list[str]:
        raise RuntimeError("the team's read failed")

    monkeypatch.setattr(queries, "signup_roles", broken)
    with pytest.raises(RuntimeError):
        ballots.volunteer(engine, launch["codes"]["Ben"], launch["hire"], "champion")
    with pytest.raises(RuntimeError):
        ballots.withdraw_volunteer(engine, launch["codes"]["Ana"], launch["hire"])
    monkeypatch.undo()
    assert signups(engine) == 1  # Ben's offer was not kept, Ana's withdrawal did not happen
    assert team(engine, hire) == ((), ("Ana",))


# --- confirm into a chosen priority -----------------------------------------------------------


def test_cli_confirms_a_theme_into_a_chosen_priority(db_url: str, engine: Engine,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    from synth.cli import review as review_cli

    app = typer.Typer()
    app.add_typer(review_cli.review_app, name="review")
    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    launch = convening(engine)
    care = launch["priority"]["label care"]
    q = load(engine, result(THEMES, n=14, roster=VOTERS), "Quarterly 1").convening_id
    house, solo = theme_id(engine, q, "house"), theme_id(engine, q, "solo")
    out = CliRunner().invoke(app, ["review", "confirm", str(house), "--priority", str(care),
                                   "--who", "fay"])
    assert (out.exit_code, out.stdout.split(" (")[0]) == \
        (0, f"confirmed theme {house} into priority {care}"), out.output
    assert priorities.get_priority(engine, care).convenings == ("Launch", "Quarterly 1")
    # Not the priority of its own name, which it would have joined without --priority.
    assert priorities.get_priority(engine, launch["priority"]["label house"]).convenings == \
        ("Launch",)
    # Already feeding care, the theme is not silently kept there when named into hire.
    hire = launch["priority"]["label hire"]
    moved = CliRunner().invoke(app, ["review", "confirm", str(house), "--priority", str(hire)])
    assert moved.exit_code == 2
    assert f"theme {house} already feeds priority {care}: discard it" in moved.output
    missing = CliRunner().invoke(app, ["review", "confirm", str(solo), "--priority", "999"])
    assert missing.exit_code == 2 and "no priority with id 999" in missing.output
    with transaction(engine) as s:
        assert queries.priority_link(s, solo) is None
        assert queries.get_theme(s, solo).status == "candidate"


def test_a_candidate_an_import_linked_keeps_its_link_or_moves_to_the_one_named(
        engine: Engine) -> None:
    launch = convening(engine)
    hire, care = launch["priority"]["label hire"], launch["priority"]["label care"]
    q = load(engine, result(THEMES, n=14, roster=VOTERS), "Quarterly 1").convening_id
    house, solo = theme_id(engine, q, "house"), theme_id(engine, q, "solo")
    with transaction(engine) as s:  # as an import links a candidate raising a priority again
        s.add_all([PriorityTheme(theme_id=house, priority_id=hire),
                   PriorityTheme(theme_id=solo, priority_id=hire)])
    review.rename(engine, solo, "Label Care", who="fay")
    review.confirm(engine, solo, who="fay")  # its link, not the priority of its new name
    review.confirm(engine, house, who="fay", priority=care)  # the one named
    with transaction(engine) as s:
        assert (queries.priority_link(s, solo), queries.priority_link(s, house)) == (hire, care)
    review.undo(engine, q, who="fay")  # the link it had comes back with the candidate
    with transaction(engine) as s:
        assert queries.priority_link(s, house) == hire
        assert queries.get_theme(s, house).status == "candidate"
    assert {p.name for p in priorities.list_priorities(engine, launch["partnership"])} == \
        {"label hire", "label care", "label house"}


def test_review_card_confirms_a_candidate_into_the_priority_chosen(
        db_url: str, engine: Engine, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest
    from test_app import PASSCODE, button, signed_in

    from synth.convening import jobs
    from synth_app import auth

    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    monkeypatch.setenv("SYNTH_FILES_DIR", str(tmp_path / "files"))
    auth.set_passcode(jobs.files_dir(db_url), PASSCODE)
    c = load(engine, result(THEMES, n=14, roster=VOTERS)).convening_id
    ids = {k: theme_id(engine, c, k) for k in THEMES}

    def page(convening_id: int) -> AppTest:
        at = signed_in()
        at.session_state["convening_id"] = convening_id
        return at.run()

    at = page(c)  # the partnership has no priorities yet: no choice on the cards
    assert not at.exception, at.exception
    assert not [b for b in at.selectbox if str(b.key).startswith("joins-")]
    review.confirm(engine, ids["hire"], who="fay")
    review.confirm(engine, ids["care"], who="fay")
    pid = priorities.partnership_of(engine, c)
    known = {p.name: p.id for p in priorities.list_priorities(engine, pid)}

    q = load(engine, result(THEMES, n=14, roster=VOTERS), "Quarterly 1").convening_id
    house, hire = theme_id(engine, q, "house"), theme_id(engine, q, "hire")
    at = page(q)
    choice = at.selectbox(key=f"joins-{house}")
    assert choice.options == ["new priority", "label hire", "label care"]
    assert choice.value is None  # by default a new one: no priority has its name
    same = at.selectbox(key=f"joins-{hire}")  # one of the same name: that one, no new one
    assert (same.options, same.value) == (["label hire", "label care"], known["label hire"])
    choice.set_value(known["label care"]).run()
    button(at, f"confirm-{house}").click().run()
    assert not at.exception, at.exception
    assert any("into \u201clabel care\u201d" in s.value for s in at.success), \
        [s.value for s in at.success]
    with transaction(engine) as s:
        assert queries.priority_link(s, house) == known["label care"]
    assert {p.name for p in priorities.list_priorities(engine, pid)} == \
        {"label hire", "label care"}
