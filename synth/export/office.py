"""The XLSX workbook and DOCX report of the staff exports, byte for byte reproducible.

Office files are zip archives whose members carry the time they were written, and whose
metadata says when the document was created and modified. Both are pinned to the convening's
date, so the same report always gives the same bytes (and diffs, hashes and caches work).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from typing import Any

from synth.export.common import (
    GENERATED_NOTE,
    ROLE_NAMES,
    attendance_line,
    counting_note,
    has_paper,
    label_text,
    long_date,
    neutralise,
    person,
    priority_columns,
    priority_rows,
    quote_line,
    vote_summary,
)
from synth.export.records import PriorityReport
from synth.themes.quotes import said_at

# XML 1.0 cannot hold these control characters; openpyxl and lxml refuse them outright.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(_NOT_XML.sub("", value))
    return value


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def fixed_zip(data: bytes, when: date) -> bytes:
    """``data`` (a zip) rewritten with every member stamped ``when``, in the same order."""
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)  # zip dates start in 1980
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def workbook_bytes(wb: Any, title: str, day: date) -> bytes:
    """An openpyxl workbook's file, by synth, dated ``day``: the same sheets, the same bytes."""
    from openpyxl.writer.excel import ExcelWriter

    props = wb.properties
    props.creator = props.lastModifiedBy = "synth"
    props.title = title
    props.created = props.modified = _midnight(day)
    buffer = io.BytesIO()
    # Workbook.save() stamps "modified" with the current time; the writer itself does not.
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return fixed_zip(buffer.getvalue(), day)


def document_bytes(doc: Any, title: str, day: date) -> bytes:
    """A python-docx document's file, by synth, dated ``day``: the same text, the same bytes."""
    core = doc.core_properties
    core.author = core.last_modified_by = "synth"
    core.title = title
    core.revision = 1
    core.created = core.modified = _midnight(day)
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip(buffer.getvalue(), day)


def _sheet(wb: Any, title: str, header: tuple[str, ...], rows: list[list[Any]]) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(title)
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_clean(v) for v in row])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def to_xlsx(r: PriorityReport) -> bytes:
    """A workbook with sheets priorities, quotes, votes and champions."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "priorities", priority_columns(r), priority_rows(r))
    # A typed transcript's times are estimates: its line instead, and no seconds.
    _sheet(wb, "quotes", ("rank", "priority", "quote", "speaker", "time", "start (seconds)",
                          "recording"),
           [[p.rank, p.label, q.text, q.speaker or "", said_at(q.start, q.line),
             q.start if q.line is None else None, q.recording]
            for p in r.priorities for q in p.quotes])
    if r.anonymous:
        paper = has_paper(r)  # the wall's dots beside the ballots', never added to them
        _sheet(wb, "votes", ("rank", "priority", "dots", "voters", "public partner dots",
                             "public partner voters") + (("paper dots",) if paper else ()),
               [[p.rank, p.label, p.dots, p.voters, p.public_dots, p.public_voters]
                + ([p.paper_dots] if paper else []) for p in r.priorities])
    else:
        labels = {p.id: p.label for p in r.priorities}
        _sheet(wb, "votes", ("voter", "role", "priority", "dots", "importance", "feasibility"),
               [[v.voter, ROLE_NAMES.get(v.role, v.role), labels.get(v.priority_id,
                                                                     v.priority_id),
                 v.dots, v.importance, v.feasibility] for v in r.votes])
    _sheet(wb, "champions", ("rank", "priority", "role", "name", "company"),
           [[p.rank, p.label, role, who.name, who.company or ""]
            for p in r.priorities
            for role, people in (("champion", p.champions), ("member", p.members))
            for who in people])
    return workbook_bytes(wb, f"{r.partnership}: shared priorities", r.convening_date)


def to_docx(r: PriorityReport) -> bytes:
    """The report as a Word document, the same content as the Markdown one."""
    from docx import Document

    def text(value: str) -> str:
        return _NOT_XML.sub("", value)

    doc = Document()
    doc.add_heading(text(f"{r.partnership}: shared priorities"), level=0)
    doc.add_paragraph(text(f"{r.industry}, {r.region}"))
    doc.add_paragraph(text(f"Convening: {r.convening_title} ({r.convening_kind}), "
                           f"{long_date(r.convening_date)}"))
    doc.add_paragraph(text(f"Attendance: {attendance_line(r.attendance)}"))
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Role", "People"
    for role, n in r.attendance.items():
        cells = table.add_row().cells
        cells[0].text, cells[1].text = text(ROLE_NAMES.get(role, role)), str(n)
    doc.add_paragraph(f"Vote: {counting_note(r)}")
    for p in r.priorities:
        doc.add_heading(text(f"{p.rank}. {label_text(p)}"), level=1)
        doc.add_paragraph(vote_summary(p))
        for q in p.quotes:
            doc.add_paragraph(text(quote_line(q)), style="Quote")
        champions = "; ".join(map(person, p.champions)) or "champion needed"
        doc.add_paragraph(text(f"Champions: {champions}"))
        if p.members:
            doc.add_paragraph(text("Task team: " + "; ".join(map(person, p.members))))
    doc.add_paragraph(GENERATED_NOTE).runs[0].italic = True
    return document_bytes(doc, text(f"{r.partnership}: shared priorities"), r.convening_date)
