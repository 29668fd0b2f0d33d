"""Action-plan exports (issue 29): XLSX, DOCX and Markdown read back, one section per active
priority with its champions, members and rows; the CLI writes them.

Runs on SQLite, and on PostgreSQL too when SYNTH_TEST_POSTGRES_URL is set.
"""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import typer
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import Engine
from test_store import load, result, theme_id
from typer.testing import CliRunner

from synth.cli.priority import priority_app
from synth.decisions import priorities, review
from synth.errors import InputError
from synth.export import action_plans

THEMES = {"hire": [0, 1, 2, 3], "care": [4, 5, 6], "house": [7, 8]}
DAY = dt.date(2027, 1, 15)
HEADER = ["objective", "measure", "owner", "support partners", "60-day goal", "status",
          "due date"]


@pytest.fixture
def partnership(engine: Engine) -> dict[str, int]:
    """Hire (active: Ana champion, Ben and Pat members, two plan rows), care (active: Cy
    champion, no rows), house (confirmed: not exported by default)."""
    c = load(engine, result(THEMES, n=10)).convening_id
    for key in THEMES:
        review.confirm(engine, theme_id(engine, c, key))
    pid = priorities.partnership_of(engine, c)
    ids = {v.name.split()[-1]: v.id for v in priorities.list_priorities(engine, pid)}
    priorities.rename(engine, ids["hire"], "Hiring skilled machinists: apprentices [Q1]")
    for name, role in (("Ana", "champion"), ("Ben", "member"), ("Pat", "member")):
        priorities.set_team_member(engine, ids["hire"], name, role)
    priorities.set_team_member(engine, ids["care"], "Cy", "champion")
    priorities.add_plan_row(engine, ids["hire"], objective="Shared apprenticeship",
                            measure="apprentices placed", owner="Ana",
                            support_partners="North College; County Board",
                            goal_60_day="10 placed", status="in_progress", due="2027-03-31")
    priorities.add_plan_row(engine, ids["hire"], objective="=HYPERLINK(\"x\") | job fair *now*",
                            owner="Ben")
    for key in ("hire", "care"):
        priorities.set_status(engine, ids[key], "active")
    return {"id": pid, **ids}


def test_xlsx_has_an_overview_and_a_sheet_per_active_priority(engine: Engine,
                                                              partnership) -> None:
    plans = action_plans.read_action_plans(engine, partnership["id"], as_of=DAY)
    wb = load_workbook(io.BytesIO(action_plans.to_xlsx(plans)))
    assert wb.sheetnames == ["priorities", "Hiring skilled machinists  a", "label care"]
    overview = [list(r) for r in wb["priorities"].iter_rows(values_only=True)]
    assert overview == [
        ["priority", "status", "champions", "members", "rows", "sheet"],
        ["Hiring skilled machinists: apprentices [Q1]", "active", "Ana (Acme Welding)",
         "Ben (Bolt Fab); Pat (North College)", 2, "Hiring skilled machinists  a"],
        ["label care", "active", "Cy (Cobalt Machining)", None, 0, "label care"]]
    hire = [list(r) for r in wb["Hiring skilled machinists  a"].iter_rows(values_only=True)]
    assert [r[:2] for r in hire[:4]] == [
        ["Priority", "Hiring skilled machinists: apprentices [Q1]"], ["Status", "active"],
        ["Champions", "Ana (Acme Welding)"], ["Members", "Ben (Bolt Fab); Pat (North College)"]]
    assert hire[5] == HEADER
    assert hire[6] == ["Shared apprenticeship", "apprentices placed", "Ana",
                       "North College; County Board", "10 placed", "in progress",
                       dt.datetime(2027, 3, 31)]
    # A cell a spreadsheet would run as a formula is made inert.
    assert hire[7][0] == "'=HYPERLINK(\"x\") | job fair *now*"
    assert hire[7][5:] == ["not started", None]
    care = [list(r) for r in wb["label care"].iter_rows(values_only=True)]
    assert care[2][1] == "Cy (Cobalt Machining)" and care[3][1] == "none yet"
    assert len(care) == 6  # the header, no rows
    assert wb.properties.title == "North Bay Manufacturing Partnership: action plans"


def test_docx_has_a_section_and_a_table_per_priority(engine: Engine, partnership) -> None:
    plans = action_plans.read_action_plans(engine, partnership["id"], as_of=DAY)
    doc = Document(io.BytesIO(action_plans.to_docx(plans)))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[:2] == ["North Bay Manufacturing Partnership: action plans",
                              "As of 15 January 2027"]
    at = paragraphs.index("Hiring skilled machinists: apprentices [Q1]")
    assert paragraphs[at + 1:at + 4] == [
        "Status: active", "Champions: Ana (Acme Welding)",
        "Members: Ben (Bolt Fab); Pat (North College)"]
    at = paragraphs.index("label care")
    assert paragraphs[at + 1:at + 5] == ["Status: active", "Champions: Cy (Cobalt Machining)",
                                         "Members: none yet", "No action-plan rows yet."]
    (table,) = doc.tables
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows == [HEADER,
                    ["Shared apprenticeship", "apprentices placed", "Ana",
                     "North College; County Board", "10 placed", "in progress", "2027-03-31"],
                    ["=HYPERLINK(\"x\") | job fair *now*", "", "Ben", "", "", "not started",
                     ""]]


def test_markdown_tables_escape_what_staff_typed(engine: Engine, partnership) -> None:
    plans = action_plans.read_action_plans(engine, partnership["id"], as_of=DAY)
    md = action_plans.to_markdown(plans)
    lines = md.splitlines()
    assert lines[0] == "# North Bay Manufacturing Partnership: action plans"
    assert "## Hiring skilled machinists: apprentices \\[Q1\\]" in lines
    assert "**Champions:** Ana \\(Acme Welding\\)  " in lines
    assert "| " + " | ".join(HEADER) + " |" in lines
    assert ("| =HYPERLINK\\(\"x\"\\) \\| job fair \\*now\\* |  | Ben |  |  | not started |  |"
            in lines)
    at = lines.index("## label care")
    assert lines[at + 3:at + 7] == ["**Champions:** Cy \\(Cobalt Machining\\)  ",
                                    "**Members:** none yet", "", "No action-plan rows yet."]
    assert "label house" not in md


def test_all_takes_confirmed_priorities_and_same_day_gives_same_bytes(engine: Engine,
                                                                      partnership) -> None:
    plans = action_plans.read_action_plans(engine, partnership["id"], as_of=DAY,
                                           statuses=("confirmed", "active", "done"))
    assert [s.name for s in plans.sections][-1] == "label house"
    again = action_plans.read_action_plans(engine, partnership["id"], as_of=DAY,
                                           statuses=("confirmed", "active", "done"))
    for render in (action_plans.to_xlsx, action_plans.to_docx):
        assert render(plans) == render(again)
    later = action_plans.read_action_plans(engine, partnership["id"], as_of=DAY.replace(day=16),
                                           statuses=("confirmed", "active", "done"))
    assert action_plans.to_xlsx(later) != action_plans.to_xlsx(plans)


def test_sheet_titles_are_valid_and_unique() -> None:
    used = {"priorities"}
    titles = [action_plans._sheet_title(n, used)
              for n in ("Care/shifts: nights?", "Care/shifts: nights!", "x" * 40, "x" * 40,
                        "Priorities", "[]")]
    assert titles == ["Care shifts  nights", "Care shifts  nights!", "x" * 28,
                      "x" * 27 + " (2)", "Priorities (2)", "priority"]
    assert all(len(t) <= 31 for t in titles)


def test_nothing_active_says_what_to_do(engine: Engine) -> None:
    c = load(engine, result(THEMES, n=10)).convening_id
    with pytest.raises(InputError, match="has no active priority to export: make one active"):
        action_plans.read_action_plans(engine, priorities.partnership_of(engine, c))


def test_cli_export_writes_each_format(engine: Engine, partnership, db_url: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    app = typer.Typer()
    app.add_typer(priority_app, name="priority")
    runner = CliRunner()
    for name in ("plans.xlsx", "plans.docx", "plans.md"):
        out = runner.invoke(app, ["priority", "export", "--out", str(tmp_path / name),
                                  "--as-of", "2027-01-15"])
        assert out.exit_code == 0, out.output
        assert out.output.strip() == f"wrote {tmp_path / name}: 2 priorities"
    assert load_workbook(tmp_path / "plans.xlsx").sheetnames[0] == "priorities"
    assert Document(str(tmp_path / "plans.docx")).tables[0].rows[1].cells[0].text == \
        "Shared apprenticeship"
    assert (tmp_path / "plans.md").read_text().startswith("# North Bay Manufacturing")
    out = runner.invoke(app, ["priority", "export", "--out", str(tmp_path / "plans.pdf")])
    assert out.exit_code == 2
    assert out.output.strip() == "error: unknown action-plan format 'pdf': use xlsx, docx, md."
    assert not (tmp_path / "plans.pdf").exists()
    out = runner.invoke(app, ["priority", "export", "-o", str(tmp_path / "x.md"),
                              "--as-of", "15/01/2027"])
    assert out.output.strip() == ("error: --as-of '15/01/2027' is not a date: write it as "
                                  "YYYY-MM-DD (2027-03-31).")
