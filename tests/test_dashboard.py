"""The partnership dashboard read (issue 29, part 4) on SQLite and PostgreSQL: a partnership's
launch and quarterly meeting (tests/partnership.py), worked out by hand from the statements."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from partnership import LAUNCH, QUARTERLY, TODAY, build
from sqlalchemy import Engine

from synth.decisions import dashboard, priorities
from synth.decisions.dashboard import Raised
from synth.errors import NotFoundError


def _seconds(rows: list[tuple[str, str, int]], names: set[str]) -> float:
    return float(sum(sec for who, _, sec in rows if who in names))


BUSINESS = {"Ana Ruiz", "Ben Cho", "Cy Diaz", "Dee Ford"}
PUBLIC = {"Pat Lund", "Quinn Vo", "Rae Sun", "Sol Park"}
ROOT = Path(__file__).resolve().parent.parent


def test_convenings_over_time_with_attendance_and_talk_shares(engine: Engine) -> None:
    b = build(engine)
    d = dashboard.read_dashboard(engine, b.partnership, today=TODAY)
    assert d.name == "North Bay Manufacturing Partnership" and d.as_of == TODAY
    launch, quarterly = d.convenings
    assert (launch.id, launch.kind, launch.date) == (b.launch, "launch", dt.date(2026, 1, 15))
    assert (quarterly.id, quarterly.kind) == (b.quarterly, "quarterly")
    # In the room: who spoke or voted. Launch: Ana, Ben, Cy, Dee; Pat; Fay facilitates.
    assert dict(launch.attendance) == {"business": 4, "public": 1, "facilitator": 1,
                                       "other": 0}
    # Quarterly: Ana, Cy, Dee against Pat, Quinn, Rae, Sol: public partners outnumber them.
    assert dict(quarterly.attendance) == {"business": 3, "public": 4, "facilitator": 1,
                                          "other": 0}
    # Talk time by hand: launch business 20+15+10+12+18+8 = 83 s, public 30 s.
    assert launch.talk_seconds["business"] == _seconds(LAUNCH, BUSINESS) == 83
    assert launch.talk_seconds["public"] == 30 and launch.talk_seconds["facilitator"] == 5
    assert launch.business_room_share == round(4 / 5, 4)
    assert launch.business_talk_share == round(83 / 113, 4)
    # Quarterly business 10+14+9 = 33 s, public 25+20+30+10 = 85 s.
    assert quarterly.talk_seconds["business"] == _seconds(QUARTERLY, BUSINESS) == 33
    assert quarterly.talk_seconds["public"] == _seconds(QUARTERLY, PUBLIC) == 85
    assert quarterly.business_room_share == round(3 / 7, 4)
    assert quarterly.business_talk_share == round(33 / 118, 4)
    assert not launch.public_outnumber_business and not launch.public_outtalk_business
    assert quarterly.public_outnumber_business and quarterly.public_outtalk_business
    assert d.warnings == [
        "Spring quarterly (2026-04-15): public partners talked longer than business leaders.",
        "Spring quarterly (2026-04-15): more public partners than business leaders in the "
        "room."]


def test_momentum_counts_leaders_per_convening_with_votes_and_status(engine: Engine) -> None:
    b = build(engine)
    d = dashboard.read_dashboard(engine, b.partnership, today=TODAY)
    welders, childcare = d.momentum  # the active one first
    assert (welders.priority_id, welders.status, welders.champions) == (
        b.welders, "active", ("Ana Ruiz",))
    # Launch: Ana, Ben, Cy raised it (Pat is a public partner), 2+2+1+2 business dots;
    # quarterly: Ana and Cy again, no vote there.
    assert welders.raised == (Raised(b.launch, 3, 7), Raised(b.quarterly, 2, None))
    assert welders.dots == 7
    assert (childcare.priority_id, childcare.status, childcare.champions) == (
        b.childcare, "confirmed", ())
    assert childcare.raised == (Raised(b.launch, 2, 5), Raised(b.quarterly, 0, None))
    # The candidates nobody confirmed are not priorities of the partnership.
    assert {m.name for m in d.momentum} == {"Welder apprenticeships", "Childcare near plants"}


def test_overdue_rows_most_late_first_and_what_is_not_overdue(engine: Engine) -> None:
    b = build(engine)
    d = dashboard.read_dashboard(engine, b.partnership, today=TODAY)
    assert [(o.priority, o.objective, o.due, o.days_late, o.status) for o in d.overdue] == [
        ("Childcare near plants", "Survey night-shift parents", dt.date(2026, 2, 1), 74,
         "not_started"),
        ("Welder apprenticeships", "Pre-apprenticeship with North College",
         dt.date(2026, 3, 1), 46, "in_progress")]
    # A day before the first due date nothing is late; the done row never is.
    assert dashboard.read_dashboard(engine, b.partnership,
                                    today=dt.date(2026, 2, 1)).overdue == ()
    # A retired priority's rows are nobody's work any more.
    priorities.set_status(engine, b.childcare, "retired")
    later = dashboard.read_dashboard(engine, b.partnership, today=TODAY)
    assert [o.priority_id for o in later.overdue] == [b.welders]
    assert [m.status for m in later.momentum] == ["active", "retired"]


def test_a_discarded_theme_no_longer_counts_as_raising_its_priority(engine: Engine) -> None:
    from synth.decisions import review

    b = build(engine)
    review.discard(engine, b.themes["appr"], who="fay")
    d = dashboard.read_dashboard(engine, b.partnership, today=TODAY)
    welders = next(m for m in d.momentum if m.priority_id == b.welders)
    assert welders.raised[1] == Raised(b.quarterly, 0, None)


def test_partnerships_list_and_an_unknown_partnership(engine: Engine) -> None:
    b = build(engine)
    assert dashboard.partnerships(engine) == [(b.partnership,
                                               "North Bay Manufacturing Partnership")]
    with pytest.raises(NotFoundError, match="no partnership with id 999"):
        dashboard.read_dashboard(engine, 999)


def test_a_partnership_without_priorities_or_plans(engine: Engine) -> None:
    from partnership import import_convening

    conv, _ = import_convening(engine, LAUNCH, "c3d4e5f607182930", "Launch", dt.date(2026, 1, 15),
                      "launch")
    d = dashboard.read_dashboard(engine, priorities.partnership_of(engine, conv), today=TODAY)
    assert [c.id for c in d.convenings] == [conv]
    assert d.momentum == () and d.overdue == ()


# --- the Partnership page (AppTest; the browser test is test_app_browser_partnership.py) ----


def _signed_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fill) -> tuple[Any, Any]:
    """The app (AppTest) signed in as staff over a new database ``fill(engine)`` filled; the
    AppTest and what ``fill`` returned."""
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    from synth.convening import jobs
    from synth.store import init_db, make_engine
    from synth_app import auth

    url = f"sqlite:///{tmp_path / 'synth.db'}"
    monkeypatch.setenv("SYNTH_DATABASE_URL", url)
    engine = make_engine(url)
    init_db(engine)
    made = fill(engine)
    engine.dispose()
    auth.set_passcode(jobs.files_dir(url), "dashboard-passcode")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at.text_input[0].input("dashboard-passcode")
    at.get("form_submit_button")[0].click()
    at.run()
    assert not at.exception, at.exception
    return at, made


def test_partnership_page_shows_warnings_momentum_and_overdue(tmp_path, monkeypatch) -> None:
    at, b = _signed_in(tmp_path, monkeypatch, build)
    at.switch_page("synth_app/pages/dashboard.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Partnership"]
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 2 and all("Spring quarterly" in w for w in warnings), warnings
    frames = [df.value for df in at.dataframe]
    visits, momentum, late = frames
    assert list(visits["business leaders"]) == [4, 3]
    assert list(visits["business share of talk time"]) == ["73%", "28%"]  # 83/113, 33/118
    assert list(momentum["priority"]) == ["Welder apprenticeships", "Childcare near plants"]
    assert list(momentum["champions"]) == ["Ana Ruiz", "champion needed"]
    assert list(momentum["Launch (2026-01-15)"]) == [3, 2]
    assert list(momentum["Spring quarterly (2026-04-15)"]) == [2, 0]
    assert list(momentum["dots"]) == [7, 5]
    # Overdue as of the real today: both rows are long past due (2026).
    assert set(late["objective"]) >= {"Survey night-shift parents",
                                     "Pre-apprenticeship with North College"}
    assert [d.label for d in at.get("download_button")] == [
        "Follow-up email (.txt)", "Follow-up report (.md)"]
    # The follow-up offered first is the latest meeting's.
    assert at.selectbox(key="dashboard-followup").value == b.quarterly


def test_the_partnership_follows_the_convening_then_is_remembered(tmp_path,
                                                                  monkeypatch) -> None:
    from partnership import import_convening

    def two(engine: Engine) -> tuple[Any, int]:
        b = build(engine)
        south, _ = import_convening(engine, LAUNCH, "d4e5f60718293a4b", "South launch",
                                    dt.date(2026, 5, 1), "launch", region="South Coast")
        return b, priorities.partnership_of(engine, south)

    at, (b, south) = _signed_in(tmp_path, monkeypatch, two)
    # The Review page's convening is North Bay's quarterly: the page opens on North Bay,
    # though South Coast met last.
    at.session_state["convening_id"] = b.quarterly
    at.switch_page("synth_app/pages/dashboard.py").run()
    assert at.selectbox(key="dashboard-partnership").options == [
        "South Coast Manufacturing Partnership", "North Bay Manufacturing Partnership"]
    assert at.selectbox(key="dashboard-partnership").value == b.partnership
    assert at.caption[0].value.startswith("North Bay Manufacturing Partnership")
    at.selectbox(key="dashboard-partnership").select(south).run()
    assert any("No priorities yet" in i.value for i in at.info)  # South Coast's
    # The choice is kept on the Priorities page and back on this one.
    at.switch_page("synth_app/pages/priorities.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="partnership").value == south
    at.switch_page("synth_app/pages/dashboard.py").run()
    assert at.selectbox(key="dashboard-partnership").value == south
