"""Action plans in the shapes staff send task teams: XLSX, DOCX and Markdown (issue 29).

One section (a sheet in the workbook) per active priority: its champions and members, then its
action-plan rows (objective, measure, owner, support partners, 60-day goal, status, due date).
The workbook opens with an overview sheet of every priority exported. Office files are pinned
to the ``as_of`` day (:func:`synth.export.office.fixed_zip`), so one plan gives one set of bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from synth.convening.report import md_escape
from synth.decisions.dashboard import partnership_name
from synth.decisions.priorities import PlanRow, list_priorities
from synth.errors import InputError, OutputError
from synth.export.common import long_date
from synth.export.office import _NOT_XML, _clean, _sheet, document_bytes, workbook_bytes
from synth.records import one_line
from synth.store import queries
from synth.store.db import transaction

FORMATS = ("xlsx", "docx", "md")
PLAN_COLUMNS = ("objective", "measure", "owner", "support partners", "60-day goal", "status",
                "due date")
NOTE = ("Action plans as the task teams keep them in synth: champions, members and rows are "
        "entered by staff; nothing here is generated.")


@dataclass(frozen=True, slots=True)
class PlanSection:
    """One priority's task team and action plan."""

    id: int
    name: str
    status: str
    champions: tuple[str, ...]  # "Name (Company)"
    members: tuple[str, ...]
    rows: tuple[PlanRow, ...]


@dataclass(frozen=True, slots=True)
class ActionPlans:
    """A partnership's action plans as of one day."""

    partnership: str
    as_of: dt.date
    sections: tuple[PlanSection, ...]


def read_action_plans(engine: Engine, partnership_id: int, *, as_of: dt.date | None = None,
                      statuses: Sequence[str] = ("active",)) -> ActionPlans:
    """The plans of the partnership's priorities of ``statuses`` (active ones by default)."""
    views = [v for v in list_priorities(engine, partnership_id) if v.status in statuses]
    if not views:
        raise InputError(f"partnership {partnership_id} has no {' or '.join(statuses)} priority "
                         "to export: make one active (`synth priority status ID active`, after "
                         "naming its champion) or pass --all.")
    with transaction(engine) as s:
        p = queries.get_partnership(s, partnership_id)
        companies = {r.name: r.company for r in queries.roster_of(s, partnership_id).values()}
        name = partnership_name(p)

    def who(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(f"{n} ({companies[n]})" if companies.get(n) else n for n in names)

    return ActionPlans(name, as_of or dt.date.today(), tuple(
        PlanSection(v.id, v.name, v.status, who(v.champions), who(v.members), v.plan)
        for v in views))


def _cells(row: PlanRow) -> list[Any]:
    return [row.objective, row.measure, row.owner, row.support_partners, row.goal_60_day,
            row.status.replace("_", " "), row.due]


def _people(names: tuple[str, ...], none: str) -> str:
    return "; ".join(names) or none


# --- Markdown --------------------------------------------------------------------------------


def to_markdown(plans: ActionPlans) -> str:
    """The plans as Markdown: a heading and a table per priority; entered text is escaped."""
    def e(text: str) -> str:
        return md_escape(one_line(text))

    lines = [f"# {e(plans.partnership)}: action plans", "",
             f"As of {long_date(plans.as_of)}", ""]
    for sec in plans.sections:
        lines += [f"## {e(sec.name)}", "",
                  f"**Status:** {sec.status}  ",
                  f"**Champions:** {e(_people(sec.champions, 'champion needed'))}  ",
                  f"**Members:** {e(_people(sec.members, 'none yet'))}", ""]
        if not sec.rows:
            lines += ["No action-plan rows yet.", ""]
            continue
        lines += ["| " + " | ".join(PLAN_COLUMNS) + " |",
                  "|" + "---|" * len(PLAN_COLUMNS)]
        for row in sec.rows:
            cells = [e(str(v)) if v is not None else "" for v in _cells(row)]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["---", "", f"_{NOTE}_", ""]
    return "\n".join(lines)


# --- XLSX ------------------------------------------------------------------------------------


def _sheet_title(name: str, used: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), unique in the book."""
    base = re.sub(r"[\[\]:*?/\\]", " ", _NOT_XML.sub("", name)).strip(" '")[:28] or "priority"
    title, n = base, 1
    while title.casefold() in used:
        n += 1
        title = f"{base[:28 - len(str(n))]} ({n})"
    used.add(title.casefold())
    return title


def _plan_sheet(wb: Any, sec: PlanSection, title: str) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(title)
    for label, value in (("Priority", sec.name), ("Status", sec.status),
                         ("Champions", _people(sec.champions, "champion needed")),
                         ("Members", _people(sec.members, "none yet"))):
        ws.append([label, _clean(value)])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    ws.append([])
    ws.append(list(PLAN_COLUMNS))
    header = ws.max_row
    for cell in ws[header]:
        cell.font = Font(bold=True)
    for row in sec.rows:
        ws.append([_clean(v) for v in _cells(row)])
        if row.due is not None:
            ws.cell(ws.max_row, len(PLAN_COLUMNS)).number_format = "yyyy-mm-dd"
    for line in ws.iter_rows(min_row=header + 1):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"A{header + 1}"


def to_xlsx(plans: ActionPlans) -> bytes:
    """A workbook: an overview sheet, then one sheet per priority with its team and plan."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "priorities", ("priority", "status", "champions", "members", "rows", "sheet"),
           [[sec.name, sec.status, _people(sec.champions, "champion needed"),
             _people(sec.members, ""), len(sec.rows), ""] for sec in plans.sections])
    used = {"priorities"}
    for i, sec in enumerate(plans.sections, start=2):
        title = _sheet_title(sec.name, used)
        wb["priorities"].cell(i, 6).value = title
        _plan_sheet(wb, sec, title)
    return workbook_bytes(wb, f"{plans.partnership}: action plans", plans.as_of)


# --- DOCX ------------------------------------------------------------------------------------


def _docx_section(doc: Any, sec: PlanSection) -> None:
    def text(value: str) -> str:
        return _NOT_XML.sub("", value)

    doc.add_heading(text(sec.name), level=1)
    doc.add_paragraph(f"Status: {sec.status}")
    doc.add_paragraph(text(f"Champions: {_people(sec.champions, 'champion needed')}"))
    doc.add_paragraph(text(f"Members: {_people(sec.members, 'none yet')}"))
    if not sec.rows:
        doc.add_paragraph("No action-plan rows yet.")
        return
    table = doc.add_table(rows=1, cols=len(PLAN_COLUMNS))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, PLAN_COLUMNS, strict=True):
        cell.text = name
    for row in sec.rows:
        for cell, value in zip(table.add_row().cells, _cells(row), strict=True):
            cell.text = "" if value is None else text(str(value))


def to_docx(plans: ActionPlans) -> bytes:
    """The plans as a Word document: a section and a table per priority."""
    from docx import Document

    doc = Document()
    doc.add_heading(_NOT_XML.sub("", f"{plans.partnership}: action plans"), level=0)
    doc.add_paragraph(f"As of {long_date(plans.as_of)}")
    for sec in plans.sections:
        _docx_section(doc, sec)
    doc.add_paragraph(NOTE).runs[0].italic = True
    return document_bytes(doc, _NOT_XML.sub("", f"{plans.partnership}: action plans"),
                          plans.as_of)


# --- writing ---------------------------------------------------------------------------------


def render(plans: ActionPlans, fmt: str) -> str | bytes:
    """The plans in one of :data:`FORMATS`."""
    renderers: dict[str, Callable[[ActionPlans], str | bytes]] = {
        "xlsx": to_xlsx, "docx": to_docx, "md": to_markdown}
    if fmt not in renderers:
        raise InputError(f"unknown action-plan format {fmt!r}: use {', '.join(FORMATS)}.")
    return renderers[fmt](plans)


def write(plans: ActionPlans, path: Path, fmt: str | None = None) -> Path:
    """Write the plans to ``path`` in ``fmt`` (default: from the file's suffix), atomically."""
    from synth.files import atomic_write_bytes, atomic_write_text

    fmt = fmt or path.suffix.lower().lstrip(".")
    data = render(plans, fmt)
    try:
        if isinstance(data, bytes):
            atomic_write_bytes(path, data)
        else:
            atomic_write_text(path, data)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}. Nothing was changed; "
                          "free some space or choose another --out.") from None
    return path

