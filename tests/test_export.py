"""Staff exports: every format read back with its own reader, inert cells, stable bytes."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from synth.decisions.voting import Ballot, BallotRules, Volunteer, build_rosters, tally
from synth.errors import InputError
from synth.export import common as ex
from synth.export.common import GENERATED_NOTE
from synth.export.records import (
    PriorityReport,
    ReportPriority,
    ReportQuote,
    VoteRecord,
    report_priority,
)
from synth.export.render import FORMATS, export
from synth.records import Participant

QUOTE = ReportQuote("-2+3 more welders: see [link](http://x) and <b>now</b>\x07", "Ann Lee",
                    75.4, "plenary.ogg")
PRIORITIES = (
    ReportPriority("p1", 1, "=HYPERLINK(\"http://evil\")", label_generated=True, dots=12,
                   voters=7, importance_mean=4.25, feasibility_mean=3.5, public_dots=3,
                   public_voters=2,
                   quotes=(QUOTE, ReportQuote("We lose people to the next county.", None,
                                              3725.0, "table-2.m4a")),
                   champions=(Participant("@Bea Ruiz", "Café Müller"),),
                   members=(Participant("Cy Park", "Metro College", "public"),)),
    ReportPriority("p2", 2, "Childcare for shift workers", tied=True, dots=5, voters=4,
                   public_dots=0, public_voters=0,
                   quotes=(ReportQuote("+1 on childcare", "Dan", 12.0, "plenary.ogg"),)),
    ReportPriority("p3", 2, "Housing", tied=True, dots=5, voters=3, public_dots=1,
                   public_voters=1),
)
REPORT = PriorityReport(
    partnership="Metro Manufacturing Partnership", industry="Manufacturing",
    region="Metro Valley", convening_title="Launch meeting", convening_date=date(2025, 3, 14),
    convening_kind="launch", attendance={"business": 23, "public": 9, "facilitator": 2},
    priorities=PRIORITIES)
OPEN = replace(REPORT, anonymous=False, votes=(
    VoteRecord("Ann Lee", "business", "p1", 2, 5, 4), VoteRecord("=cmd|x", "business", "p2", 1)))


def write(tmp_path: Path, fmt: str, report: PriorityReport = REPORT) -> Path:
    return export(report, fmt, tmp_path / f"out.{fmt}")


def test_csv_opens_in_excel_with_formulas_made_inert(tmp_path):
    raw = write(tmp_path, "csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    # Every record ends in CRLF; the only bare LF is the one between two quotes in a cell.
    assert text.count("\r\n") == len(rows) == 4 and text.count("\n") == 5
    header, first, second, third = rows
    assert header[:6] == ["rank", "tied", "priority", "generated label", "dots", "voters"]
    assert first[:10] == ["1", "", "'=HYPERLINK(\"http://evil\")", "yes", "12", "7", "4.25",
                          "3.5", "3", "2"]
    assert first[10] == "'@Bea Ruiz (Café Müller)" and first[11] == "Cy Park (Metro College)"
    assert first[12].splitlines() == [
        "\u201c-2+3 more welders: see [link](http://x) and <b>now</b>\x07\u201d \u2014 Ann Lee, "
        "1:15 (plenary.ogg)",
        "\u201cWe lose people to the next county.\u201d \u2014 unknown speaker, 1:02:05 "
        "(table-2.m4a)"]
    assert (second[0], second[1], third[0], third[1]) == ("2", "yes", "2", "yes")
    assert third[6:10] == ["", "", "1", "1"]


def test_neutralise_covers_every_formula_start():
    for start in "=+-@\t\r":
        assert ex.neutralise(start + "1") == "'" + start + "1"
    assert ex.neutralise("Hiring") == "Hiring" and ex.neutralise(-3) == -3


def test_voter_codes_csv_makes_roster_names_inert():
    """Issue 26: the codes list wrote roster names raw (``=HYPERLINK(...)``, ``@Greg``), in the
    one file that holds every voter's code. It goes through the exports' neutralising."""
    from synth_app.results import codes_file

    names = ['=HYPERLINK("http://evil","Ana")', "@Greg", "+1 Ben", "-Cy", "\tDee", "\rEve",
             "Fay Lee"]
    raw = codes_file([(n, "ABCDEFGHJKMN") for n in names], "http://10.0.0.5:8501/")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["name", "code", "link"]
    assert [r[0] for r in rows[1:]] == ["'" + n for n in names[:-1]] + ["Fay Lee"]
    assert all(r[1] == "ABCD-EFGH-JKMN" and r[2] == "http://10.0.0.5:8501/?code=ABCDEFGHJKMN"
               for r in rows[1:])
    assert not any(c.startswith(ex._FORMULA_STARTS) for r in rows for c in r)


def test_xlsx_has_four_sheets_and_no_live_formula(tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(write(tmp_path, "xlsx"))
    assert wb.sheetnames == ["priorities", "quotes", "votes", "champions"]
    assert all(cell.data_type != "f" for ws in wb for row in ws.iter_rows() for cell in row)
    pri = [[c.value for c in row] for row in wb["priorities"].iter_rows()]
    assert pri[1][:8] == [1, None, "'=HYPERLINK(\"http://evil\")", "yes", 12, 7, 4.25, 3.5]
    assert pri[1][10] == "'@Bea Ruiz (Café Müller)"
    quotes = [[c.value for c in row] for row in wb["quotes"].iter_rows(min_row=2)]
    assert quotes[0] == [1, "'=HYPERLINK(\"http://evil\")",
                         "'-2+3 more welders: see [link](http://x) and <b>now</b>", "Ann Lee",
                         "1:15", 75.4, "plenary.ogg"]
    assert quotes[1][3:5] == [None, "1:02:05"] and quotes[2][2] == "'+1 on childcare"
    votes = [[c.value for c in row] for row in wb["votes"].iter_rows()]
    assert votes[0] == ["rank", "priority", "dots", "voters", "public partner dots",
                        "public partner voters"]
    assert votes[1:] == [[1, "'=HYPERLINK(\"http://evil\")", 12, 7, 3, 2],
                         [2, "Childcare for shift workers", 5, 4, 0, 0],
                         [2, "Housing", 5, 3, 1, 1]]
    champs = [[c.value for c in row] for row in wb["champions"].iter_rows(min_row=2)]
    assert [row[2:] for row in champs] == [["champion", "'@Bea Ruiz", "Café Müller"],
                                           ["member", "Cy Park", "Metro College"]]
    assert wb.properties.created == wb.properties.modified == datetime(2025, 3, 14)


def test_an_open_vote_exports_votes_by_voter_and_a_secret_one_cannot(tmp_path):
    from openpyxl import load_workbook

    votes = [[c.value for c in row] for row in load_workbook(write(tmp_path, "xlsx", OPEN))
             ["votes"].iter_rows()]
    assert votes == [["voter", "role", "priority", "dots", "importance", "feasibility"],
                     ["Ann Lee", "Business leaders", "'=HYPERLINK(\"http://evil\")", 2, 5, 4],
                     ["'=cmd|x", "Business leaders", "Childcare for shift workers", 1, None,
                      None]]
    with pytest.raises(InputError, match="anonymous"):
        replace(OPEN, anonymous=True)


def test_docx_report_reads_back(tmp_path):
    from docx import Document

    doc = Document(str(write(tmp_path, "docx")))
    paragraphs = [p.text for p in doc.paragraphs]
    text = "\n".join(paragraphs)
    assert paragraphs[0] == "Metro Manufacturing Partnership: shared priorities"
    assert "Convening: Launch meeting (launch), 14 March 2025" in paragraphs
    assert "Attendance: Business leaders: 23, Public partners: 9, Facilitators: 2" in paragraphs
    table = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert table == [["Role", "People"], ["Business leaders", "23"], ["Public partners", "9"],
                     ["Facilitators", "2"]]
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["1. =HYPERLINK(\"http://evil\") (generated label)",
                        "2. Childcare for shift workers", "2. Housing"]
    assert ("12 dots from 7 voters; importance 4.2 of 5; feasibility 3.5 of 5; "
            "public partners: 3 dots from 2") in paragraphs
    assert "5 dots from 4 voters (tied); public partners: 0 dots from 0" in paragraphs
    quotes = [p.text for p in doc.paragraphs if p.style.name == "Quote"]
    assert quotes[0] == ("\u201c-2+3 more welders: see [link](http://x) and <b>now</b>\u201d "
                         "\u2014 Ann Lee, 1:15 (plenary.ogg)")
    assert len(quotes) == 3 and "unknown speaker, 1:02:05 (table-2.m4a)" in quotes[1]
    assert "Champions: @Bea Ruiz (Café Müller)" in paragraphs
    assert "Task team: Cy Park (Metro College)" in paragraphs
    assert text.count("Champions: champion needed") == 2 and paragraphs[-1] == GENERATED_NOTE
    assert doc.core_properties.created.date() == date(2025, 3, 14)
    assert doc.core_properties.modified.date() == date(2025, 3, 14)


def test_markdown_escapes_participants_words(tmp_path):
    md = write(tmp_path, "md").read_text(encoding="utf-8")
    assert "see \\[link\\]\\(http://x\\) and \\<b\\>now\\</b\\>" in md
    assert "[link](http://x)" not in md and "<b>" not in md
    assert "## 1. =HYPERLINK\\(\"http://evil\"\\) \\(generated label\\)" in md
    assert "> \u2014 Ann Lee, 1:15 (plenary.ogg)" in md
    assert "**Champions:** @Bea Ruiz \\(Café Müller\\)" in md
    assert "14 March 2025" in md and "Business leaders: 23" in md and GENERATED_NOTE in md


def test_follow_up_email_lists_priorities_champions_and_marked_placeholders(tmp_path):
    text = write(tmp_path, "email").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "Subject: Thank you, and our shared priorities from the Launch meeting"
    assert lines[1] == ""
    assert "1. =HYPERLINK(\"http://evil\") (12 dots)" in lines
    assert "   Champion: @Bea Ruiz (Café Müller)" in lines
    assert "   Task team: Cy Park (Metro College)" in lines
    assert lines.count("   Champion needed: reply to this email if you will lead it.") == 2
    assert "- [EDIT: the 60-day goal of each task team]" in lines
    assert text.count("[EDIT:") >= 3 and "Drafted by synth" in text


def test_line_breaks_in_single_line_fields_add_no_header_or_heading(tmp_path):
    """Issue 26: a convening title with a newline added a ``Bcc:`` header line to the email;
    a label with one would start a Markdown heading. Single-line fields have their line
    breaks collapsed to a space in every text export."""
    breaks = "\n\r\n\r\x0b\x0c\x85\u2028\u2029"
    evil = replace(PRIORITIES[0], label="Hiring\n# injected heading",
                   champions=(Participant("Bea\r\nCc: all@example.com", "Acme\u2028Co"),))
    report = replace(REPORT, convening_title="Launch" + breaks + "Bcc: evil@example.com",
                     partnership="Metro\nTo: x@example.com", convening_kind="launch\n",
                     priorities=(evil, *PRIORITIES[1:]))
    email = write(tmp_path, "email", report).read_text(encoding="utf-8")
    lines = email.splitlines()
    assert lines[0] == ("Subject: Thank you, and our shared priorities from the Launch "
                        "Bcc: evil@example.com") and lines[1] == ""
    assert not any(ln.startswith(("Bcc:", "Cc:", "To:", "# ")) for ln in lines)
    assert "   Champion: Bea Cc: all@example.com (Acme Co)" in lines
    assert "1. Hiring # injected heading (12 dots)" in lines
    md = write(tmp_path, "md", report).read_text(encoding="utf-8").splitlines()
    assert not any(ln.startswith(("# injected", "Bcc:", "Cc:", "To:")) for ln in md)
    assert md[0] == "# Metro To: x@example.com: shared priorities"
    assert any(ln.startswith("**Convening:** Launch Bcc: evil@example.com") for ln in md)


def test_json_dump_holds_everything(tmp_path):
    data = json.loads(write(tmp_path, "json", OPEN).read_text(encoding="utf-8"))
    assert data["schema"] == 1 and data["convening_date"] == "2025-03-14"
    assert data["attendance"] == {"business": 23, "public": 9, "facilitator": 2}
    p1 = data["priorities"][0]
    assert p1["quotes"][0] == {"text": QUOTE.text, "speaker": "Ann Lee", "start": 75.4,
                               "recording": "plenary.ogg", "line": None}
    assert p1["champions"] == [{"name": "@Bea Ruiz", "company": "Café Müller",
                                "role": "business"}]
    assert data["votes"][0]["voter"] == "Ann Lee" and data["anonymous"] is False


def test_every_format_is_byte_identical_across_runs(tmp_path, monkeypatch):
    first = {fmt: write(tmp_path / "a", fmt).read_bytes() for fmt in FORMATS}
    later = time.time() + 86_400 * 3  # zip members would carry this time if not pinned
    monkeypatch.setattr(time, "time", lambda: later)
    for fmt in FORMATS:
        assert write(tmp_path / "b", fmt).read_bytes() == first[fmt], fmt


def test_unknown_format_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="unknown export format 'pdf'.*csv"):
        export(REPORT, "pdf", tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    assert export(REPORT, "CSV", tmp_path / "x.csv").exists()


def test_a_failed_binary_write_leaves_the_previous_file(tmp_path, monkeypatch):
    good = write(tmp_path, "xlsx").read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write(tmp_path, "xlsx", OPEN)
    assert (tmp_path / "out.xlsx").read_bytes() == good
    assert os.listdir(tmp_path) == ["out.xlsx"]


def test_a_failed_text_write_leaves_the_previous_file(tmp_path, monkeypatch):
    good = write(tmp_path, "md").read_text(encoding="utf-8")
    real = Path.write_text

    def half_then_full(self: Path, text: str, *args, **kwargs) -> int:
        real(self, text[: len(text) // 2], *args, **kwargs)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", half_then_full)
    with pytest.raises(OSError):
        write(tmp_path, "md", replace(REPORT, partnership="Another"))
    assert (tmp_path / "out.md").read_text(encoding="utf-8") == good
    assert os.listdir(tmp_path) == ["out.md"]


def test_report_priorities_come_from_the_tally_and_rosters():
    rules = BallotRules(dots_per_voter=3)
    rows = tally([Ballot("v1", {"b": 2, "a": 1}), Ballot("v2", {"b": 1})],
                 {"a": "Hiring", "b": "Childcare"}, {"v1": "business", "v2": "business"}, rules)
    rosters = build_rosters([Volunteer("Ann", "b", "champion")], ["a", "b"])
    people = {"Ann": Participant("Ann", "Acme")}
    quotes = [ReportQuote(f"q{i}", "Ann", i, "r.ogg") for i in range(5)]
    p = report_priority(rows[0], quotes=quotes, roster=rosters["b"], people=people)
    assert (p.id, p.rank, p.label, p.dots, p.voters, p.public_dots) == ("b", 1, "Childcare",
                                                                        3, 2, 0)
    assert len(p.quotes) == 3 and p.champions == (Participant("Ann", "Acme"),)
    with pytest.raises(InputError, match="rank order"):
        replace(REPORT, priorities=PRIORITIES[::-1])

