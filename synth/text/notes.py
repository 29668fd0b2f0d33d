"""What the room wrote, typed from paper: flip-chart lines, sticky notes and their dots.

Two formats (issue 30):

* plain text or Markdown (``.txt``, ``.md``): one note a line; a ``# heading`` (any level)
  names the flip chart the lines below it were on; a list marker (``-``, ``*``, ``1.``) is
  dropped; ``Table 2: ...`` gives the note's table and ``Linda Park: ...`` its author (a name
  is two to four capitalised words, so "Permits: 11 months" stays a note as written);
* CSV (``.csv``) with a header naming ``note`` and optionally ``author``, ``table`` and
  ``dots`` (the paper dots stuck on that note), in any order.

Every note keeps its file, line and sheet title. A file with bad lines is refused whole, and
the message lists every bad line by its number, so the whole file is fixed in one go.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from synth.errors import InputError
from synth.records import Note

TEXT_EXTENSIONS = (".txt", ".md", ".markdown")
CSV_EXTENSIONS = (".csv",)
NOTE_EXTENSIONS = TEXT_EXTENSIONS + CSV_EXTENSIONS
MAX_NOTE_CHARS = 500  # a sticky note or a flip-chart line, not a page
MAX_BYTES = 5_000_000
MAX_DOTS = 10_000
CSV_COLUMNS = ("note", "author", "table", "dots")
SHOWN_PROBLEMS = 10  # bad lines named in one message; the count says how many more

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*(?P<title>.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+")
_TABLE = re.compile(r"^\s*table\s+(?P<table>[A-Za-z0-9]{1,10})\s*:\s*(?P<text>.*)$", re.I)
# "Linda Park:", "Dr. Mary-Ann O'Neil:": two to four capitalised words before the colon.
_NAME_WORD = r"[A-Z][A-Za-z'\u2019.\-]*"
_AUTHOR = re.compile(rf"^\s*(?P<author>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}})\s*:\s+"
                     r"(?P<text>\S.*)$")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")  # a Markdown rule: layout, not a note
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class _Problem:
    line: int  # 1-based, as an editor shows it
    what: str


def read_notes(path: str | Path) -> tuple[Note, ...]:
    """The notes of one file, in file order; :class:`InputError` names what is wrong (every
    bad line by number) and what to do."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in NOTE_EXTENSIONS:
        raise InputError(f"{p}: notes are a .txt or .md file (one note a line) or a .csv with "
                         f"a 'note' column, not {ext or 'a file without extension'}.")
    text, digest = _decode(p)
    if not text.strip():
        raise InputError(f"{p}: holds no notes (the file is empty). Type one note a line.")
    parse = _parse_csv if ext in CSV_EXTENSIONS else _parse_text
    rows, problems = parse(text)
    if problems:
        raise InputError(_problem_message(p, problems))
    if not rows:
        raise InputError(f"{p}: holds headings but no notes. Type one note a line under them.")
    return tuple(Note(id=note_id(digest, line, body), file=p.name, line=line, text=body,
                      author=author, table=table, sheet=sheet, dots=dots)
                 for line, body, author, table, sheet, dots in rows)


def note_id(file_digest: str, line: int, text: str) -> str:
    """Stable id: the same words on the same line of the same file get the same id."""
    key = f"note|{file_digest}|{line}|{text}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _decode(p: Path) -> tuple[str, str]:
    """The file's text (UTF-8, with or without BOM) and the sha256 of its bytes."""
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such notes file. Check the path.") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a folder; give the notes file inside it.") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"{p}: {len(data) / 1e6:.0f} MB is too large for typed notes (limit "
                         f"{MAX_BYTES / 1e6:.0f} MB). Split the file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"{p}: is not UTF-8 text (bad byte 0x{data[exc.start]:02x} on line "
                         f"{line}). Save the notes as UTF-8 text and try again.") from None
    return text, hashlib.sha256(data).hexdigest()


Row = tuple[int, str, str | None, str | None, str | None, int]


def _parse_text(text: str) -> tuple[list[Row], list[_Problem]]:
    rows: list[Row] = []
    problems: list[_Problem] = []
    sheet: str | None = None
    for n, raw in enumerate(text.splitlines()):
        if not raw.strip() or _RULE.match(raw):
            continue
        if heading := _HEADING.match(raw):
            sheet = heading.group("title") or None
            continue
        body = _BULLET.sub("", raw, count=1).strip()
        author = table = None
        if m := _TABLE.match(body):
            table, body = f"Table {m.group('table')}", m.group("text").strip()
        if m := _AUTHOR.match(body):
            author, body = m.group("author"), m.group("text").strip()
        if problem := _check_text(body):
            problems.append(_Problem(n + 1, problem))
            continue
        rows.append((n, body, author, table, sheet, 0))
    return rows, problems


def _check_text(body: str) -> str | None:
    """What is wrong with a note's words, or None."""
    if not body:
        return "a table or name with no note after it"
    if _CONTROL.search(body):
        return "holds a control character (the file is damaged there)"
    if len(body) > MAX_NOTE_CHARS:
        return f"{len(body)} characters is too long for a note (at most {MAX_NOTE_CHARS})"
    return None


def _parse_csv(text: str) -> tuple[list[Row], list[_Problem]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        return [], [_Problem(1, "the header cannot be read")]
    if "note" not in header:
        return [], [_Problem(1, "the header has no 'note' column (columns: note, author, "
                                "table, dots)")]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        return [], [_Problem(1, f"unknown column {unknown[0]!r} (columns: note, author, table, "
                                "dots)")]
    col = {name: header.index(name) for name in CSV_COLUMNS if name in header}
    rows: list[Row] = []
    problems: list[_Problem] = []
    try:
        for cells in reader:
            n = reader.line_num - 1  # 0-based line where this row ends
            if not any(c.strip() for c in cells):
                continue
            row = _csv_row(n, cells, col, len(header))
            if isinstance(row, _Problem):
                problems.append(row)
            else:
                rows.append(row)
    except csv.Error as exc:
        problems.append(_Problem(reader.line_num, f"cannot be read as CSV ({exc})"))
    return rows, problems


def _csv_row(n: int, cells: list[str], col: dict[str, int], width: int) -> Row | _Problem:
    if len(cells) > width:
        return _Problem(n + 1, f"{len(cells)} cells for {width} columns (a comma in a note "
                               "needs the note in double quotes)")
    cells = cells + [""] * (width - len(cells))

    def cell(name: str) -> str | None:
        return cells[col[name]].strip() or None if name in col else None

    body = cell("note") or ""
    if problem := _check_text(body) if body else "no note in the 'note' column":
        return _Problem(n + 1, problem)
    dots_text = cell("dots") or "0"
    if not dots_text.isdigit() or int(dots_text) > MAX_DOTS:
        return _Problem(n + 1, f"dots {dots_text!r} is not a whole number from 0 to {MAX_DOTS}")
    table = cell("table")
    if table and table.isdigit():
        table = f"Table {table}"  # "2" in a table column is Table 2, as "Table 2:" in text
    return (n, body, cell("author"), table, None, int(dots_text))


def _problem_message(p: Path, problems: list[_Problem]) -> str:
    """One message naming every bad line (the first few, then how many more)."""
    shown = "; ".join(f"line {x.line}: {x.what}" for x in problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    tail = f"; and {more} more" if more > 0 else ""
    lines = "line" if len(problems) == 1 else "lines"
    return f"{p}: {len(problems)} bad {lines} ({shown}{tail}). Fix them and try again."
