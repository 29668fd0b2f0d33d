"""The follow-up after a quarterly meeting (issue 29, part 5): read from a real store (SQLite
and PostgreSQL) holding a partnership's launch and quarterly (tests/partnership.py), rendered
as an email draft and a Markdown report, and written by ``synth followup``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from partnership import TODAY, build
from sqlalchemy import Engine
from typer.testing import CliRunner

from synth.errors import InputError, NotFoundError
from synth.export import followup
from synth.export.followup_store import read_followup


def test_progress_new_issues_and_a_champion_asked_for(engine: Engine) -> None:
    b = build(engine)
    f = read_followup(engine, b.quarterly, today=TODAY)
    assert (f.partnership, f.convening_title, f.convening_kind, f.convening_date) == (
        "North Bay Manufacturing Partnership", "Spring quarterly", "quarterly",
        dt.date(2026, 4, 15))
    assert dict(f.attendance) == {"business": 3, "public": 4, "facilitator": 1, "other": 0}
    welders, childcare = f.progress  # active first
    assert (welders.name, welders.status, [p.name for p in welders.champions],
            [p.name for p in welders.members]) == (
        "Welder apprenticeships", "active", ["Ana Ruiz"], ["Pat Lund"])
    # Raised again by Ana and Cy (Pat and Quinn are public partners); their own words.
    assert welders.leaders == 2
    assert [q.speaker for q in welders.quotes][:2] == ["Ana Ruiz", "Cy Diaz"]
    assert welders.quotes[0].text == ("The apprenticeship pilot took its first four students "
                                      "this spring (Ana Ruiz).")
    assert [(r.objective, r.overdue) for r in welders.plan] == [
        ("Pre-apprenticeship with North College", True), ("Tour of three shops", False),
        ("Apprentice wage study", False)]
    assert (childcare.status, childcare.leaders, childcare.quotes) == ("confirmed", 0, ())
    # Childcare has nobody leading it: the follow-up asks for a champion, for it alone.
    assert childcare.needs_champion and not welders.needs_champion
    assert [p.name for p in f.champion_asks] == ["Childcare near plants"]
    (issue,) = f.new_issues  # broadband follows up no priority; Dee is its business leader
    assert (issue.label, issue.label_generated, issue.leaders, issue.companies) == (
        "Broadband at remote sites", True, 1, ("Delta Plastics",))
    assert {q.speaker for q in issue.quotes} == {"Dee Ford", "Rae Sun", "Sol Park"}


def test_the_launch_follow_up_has_its_own_new_issue_and_no_repeat(engine: Engine) -> None:
    b = build(engine)
    f = read_followup(engine, b.launch, today=TODAY)
    by_name = {p.name: p for p in f.progress}
    assert by_name["Welder apprenticeships"].leaders == 3
    assert by_name["Childcare near plants"].leaders == 2
    # The permits candidate was never confirmed: at the launch it is the new issue.
    assert [n.label for n in f.new_issues] == ["Faster air permits"]


def test_email_draft_lists_progress_new_issues_and_asks_for_a_champion(engine: Engine) -> None:
    b = build(engine)
    email = followup.to_email(read_followup(engine, b.quarterly, today=TODAY))
    assert email.startswith("Subject: Where our shared priorities stand after the Spring "
                            "quarterly\n")
    assert ("North Bay Manufacturing Partnership quarterly on 15 April 2026 (Business "
            "leaders: 3, Public partners: 4, Facilitators: 1)") in email
    assert "1. Welder apprenticeships: active" in email
    assert "Champion: Ana Ruiz (Acme Welding); task team: Pat Lund (North College)" in email
    assert "Raised again by 2 business leaders at this meeting." in email
    assert ("\u201cThe apprenticeship pilot took its first four students this spring (Ana "
            "Ruiz).\u201d \u2014 Ana Ruiz, line 2 (quarterly.txt)") in email
    assert ("Pre-apprenticeship with North College (owner: Pat Lund; 60-day goal: Ten "
            "students enrolled; in progress; due 1 March 2026, overdue)") in email
    assert "2. Childcare near plants: confirmed, not started" in email
    assert "Champion: champion needed" in email
    assert "- Broadband at remote sites (generated label): raised by 1 business leader " \
           "(Delta Plastics)" in email
    champions = email.split("CHAMPIONS NEEDED", 1)[1]
    assert "- Childcare near plants: reply to this email" in champions
    assert "Welder" not in champions
    assert "[EDIT:" in email and "Drafted by synth" in email


def test_markdown_report_escapes_and_marks_overdue_rows(engine: Engine) -> None:
    from synth.decisions import priorities

    b = build(engine)
    priorities.rename(engine, b.childcare, "Childcare *now* <b>")  # the staff's own name
    md = followup.to_markdown(read_followup(engine, b.quarterly, today=TODAY))
    assert md.startswith("# North Bay Manufacturing Partnership: follow-up\n")
    assert "### 1. Welder apprenticeships" in md
    assert "### 2. Childcare \\*now\\* \\<b\\>" in md and "<b>" not in md
    assert "| 1 March 2026 **overdue** |" in md
    assert "| Apprentice wage study | Cy Diaz |  | not started | 30 June 2026 |" in md
    assert "> \u2014 Ana Ruiz, line 2 (quarterly.txt)" in md
    champions = md.split("## Champions needed", 1)[1]
    assert "- Childcare \\*now\\* \\<b\\>: nobody leads its task team yet." in champions
    assert "Welder" not in champions


def test_every_priority_led_means_no_ask(engine: Engine) -> None:
    from synth.decisions import priorities

    b = build(engine)
    priorities.set_team_member(engine, b.childcare, "Dee Ford", "champion")
    f = read_followup(engine, b.quarterly, today=TODAY)
    assert f.champion_asks == []
    assert "Every priority the room chose has a champion." in followup.to_markdown(f)
    assert "CHAMPIONS NEEDED" not in followup.to_email(f)


def test_unknown_format_and_convening_are_clear_errors(engine: Engine) -> None:
    b = build(engine)
    f = read_followup(engine, b.quarterly, today=TODAY)
    with pytest.raises(InputError, match="unknown follow-up format 'pdf'. Use one of: email, md"):
        followup.render(f, "pdf")
    assert followup.render(f, "MD") == followup.to_markdown(f)
    with pytest.raises(NotFoundError):
        read_followup(engine, 999)


# --- the command ---------------------------------------------------------------------------


def test_cli_writes_the_email_and_the_report(engine: Engine, db_url: str,
                                             tmp_path: Path) -> None:
    from synth.cli.main import app

    b = build(engine)
    runner = CliRunner()
    env = {"SYNTH_DATABASE_URL": db_url}
    email, md = tmp_path / "email.txt", tmp_path / "report.md"
    for fmt, out in (("email", email), ("md", md)):
        done = runner.invoke(app, ["followup", str(b.quarterly), "--format", fmt, "--out",
                                   str(out), "--as-of", "2026-04-16"], env=env)
        assert done.exit_code == 0, done.output
    f = read_followup(engine, b.quarterly, today=TODAY)
    assert email.read_text(encoding="utf-8") == followup.to_email(f)
    assert md.read_text(encoding="utf-8") == followup.to_markdown(f)


def test_cli_refuses_a_bad_format_and_an_unknown_convening(engine: Engine, db_url: str,
                                                           tmp_path: Path) -> None:
    from synth.cli.main import app

    b = build(engine)
    runner = CliRunner()
    env = {"SYNTH_DATABASE_URL": db_url}
    out = tmp_path / "x.pdf"
    bad = runner.invoke(app, ["followup", str(b.quarterly), "--format", "pdf", "--out",
                              str(out)], env=env)
    assert bad.exit_code != 0 and "email, md" in bad.output and not out.exists()
    missing = runner.invoke(app, ["followup", "999", "--out", str(out)], env=env)
    assert missing.exit_code != 0 and "999" in missing.output and not out.exists()
    day = runner.invoke(app, ["followup", str(b.quarterly), "--out", str(out), "--as-of",
                              "16/04/2026"], env=env)
    assert day.exit_code != 0 and "YYYY-MM-DD" in day.output and not out.exists()
