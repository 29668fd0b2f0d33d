"""The text exports: CSV for spreadsheets, JSON for other tools, Markdown, and the email.

Every format is deterministic (same report, identical bytes). Cells that a spreadsheet would
run as a formula are neutralised; participants' words are never markup.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from synth.convening.report import md_escape
from synth.export.common import (
    GENERATED_NOTE,
    attendance_line,
    counting_note,
    label_text,
    long_date,
    neutralise,
    paper_dots_text,
    person,
    priority_columns,
    priority_rows,
    vote_summary,
)
from synth.export.records import PriorityReport
from synth.records import one_line
from synth.themes.quotes import said_at

EXPORT_SCHEMA = 1


def csv_file(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Any CSV synth writes: UTF-8 with a BOM, CRLF line ends, every cell :func:`neutralise`d.

    Every CSV goes through here (the priority list, the voter codes), so no cell of one can
    run as a formula when a facilitator opens it in a spreadsheet.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    # The BOM is what makes Excel read UTF-8 (names with accents) instead of a code page.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_csv(r: PriorityReport) -> bytes:
    """The priority list as CSV for Excel: UTF-8 with a BOM, CRLF line ends, inert cells."""
    return csv_file(priority_columns(r), priority_rows(r))


def to_json(r: PriorityReport) -> str:
    """Every field of the report, for other tools."""
    data = {"schema": EXPORT_SCHEMA} | asdict(r)
    data["convening_date"] = r.convening_date.isoformat()
    data["attendance"] = dict(r.attendance)
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def to_markdown(r: PriorityReport) -> str:
    """The report as Markdown; participants' words are escaped so they render as said."""
    def e(text: str) -> str:  # every field here is single-line: a break would end it
        return md_escape(one_line(text))

    lines = [f"# {e(r.partnership)}: shared priorities", "",
             f"{e(r.industry)}, {e(r.region)}", "",
             f"**Convening:** {e(r.convening_title)} ({e(r.convening_kind)}), "
             f"{long_date(r.convening_date)}", "",
             f"**Attendance:** {e(attendance_line(r.attendance))}", "",
             f"**Vote:** {counting_note(r)}", ""]
    for p in r.priorities:
        lines += [f"## {p.rank}. {e(label_text(p))}", "", vote_summary(p), ""]
        for q in p.quotes:
            lines += [f"> \u201c{e(' '.join(q.text.split()))}\u201d  ",
                      f"> \u2014 {e(q.speaker or 'unknown speaker')}, {said_at(q.start, q.line)} "
                      f"({e(q.recording)})", ""]
        lines.append("**Champions:** " + (e("; ".join(map(person, p.champions)))
                                          or "champion needed"))
        if p.members:
            lines.append(f"**Task team:** {e('; '.join(map(person, p.members)))}")
        lines.append("")
    lines += ["---", "", f"_{GENERATED_NOTE}_", ""]
    return "\n".join(lines)


def to_email(r: PriorityReport) -> str:
    """The same-day follow-up email: a subject line, then a plain-text body to edit and send."""
    # Every field is single-line: a line break in the title would add a header (Bcc: ...).
    o = one_line
    lines = [f"Subject: Thank you, and our shared priorities from the {o(r.convening_title)}",
             "", "Hello everyone,", "",
             f"Thank you for joining the {o(r.partnership)} {o(r.convening_kind)} on "
             f"{long_date(r.convening_date)}. Together you set these shared priorities:", ""]
    for p in r.priorities:
        paper = f"; {paper_dots_text(p.paper_dots)}" if p.paper_dots is not None else ""
        lines.append(f"{p.rank}. {o(p.label)} ({p.dots} dot{'s' * (p.dots != 1)}{paper})")
        if p.champions:
            lines.append(f"   Champion{'s' * (len(p.champions) > 1)}: "
                         + o("; ".join(map(person, p.champions))))
        else:
            lines.append("   Champion needed: reply to this email if you will lead it.")
        if p.members:
            lines.append("   Task team: " + o("; ".join(map(person, p.members))))
    lines += ["", "Next steps:",
              "- Each champion will invite their task team to a first meeting.",
              "- [EDIT: the 60-day goal of each task team]",
              "- [EDIT: date and place of the next full partnership meeting]", "",
              "Thank you for your time and your ideas.", "",
              "[EDIT: your name and contact details]", "", "--",
              "Drafted by synth from the convening's votes and sign-ups. Replace every "
              "[EDIT: ...] before sending.", ""]
    return "\n".join(lines)
