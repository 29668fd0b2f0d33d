"""What the room wrote (issue 30): notes files parsed, matched to candidates, reconciled with
what was said, in the result JSON and Markdown, never as a spoken quote."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLE_DIR
from typer.testing import CliRunner

from synth.cli.main import app
from synth.errors import InputError
from synth.records import Note
from synth.text.notes import read_notes
from synth.themes.written import UNSAID, UNWRITTEN, Tally, attach_notes, match_floor, reconcile

runner = CliRunner()
NOTES = SAMPLE_DIR / "notes.md"
WALL = SAMPLE_DIR / "wall.csv"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- parsing ---------------------------------------------------------------------------------


def test_text_notes_keep_sheet_table_author_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "chart.md", "# Barriers\n\n- Table 2: No evening childcare\n"
                 "* Linda Park: Welders fail the bend test\n1. Permits: 11 months\n---\n"
                 "## Ideas ##\nTable 3: Linda Park: Shared daycare\n")
    notes = read_notes(path)
    assert [(n.line, n.sheet, n.table, n.author, n.text) for n in notes] == [
        (2, "Barriers", "Table 2", None, "No evening childcare"),
        (3, "Barriers", None, "Linda Park", "Welders fail the bend test"),
        # one capitalised word is not a name: the note stays as written
        (4, "Barriers", None, None, "Permits: 11 months"),
        (7, "Ideas", "Table 3", "Linda Park", "Shared daycare")]
    assert {n.file for n in notes} == {"chart.md"} and all(n.dots == 0 for n in notes)
    # ids are stable and distinct
    assert [n.id for n in read_notes(path)] == [n.id for n in notes]
    assert len({n.id for n in notes}) == len(notes)


def test_csv_notes_with_dots_in_any_column_order(tmp_path: Path) -> None:
    path = write(tmp_path, "wall.csv", "Dots,note,table\n4,\"Childcare, second shift\",2\n"
                 ",Permits,Front room\n\n")
    notes = read_notes(path)
    assert [(n.line, n.text, n.table, n.dots, n.author) for n in notes] == [
        (1, "Childcare, second shift", "Table 2", 4, None),
        (2, "Permits", "Front room", 0, None)]


def test_bad_text_lines_are_all_named_by_number(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", "# Sheet\nfine note\nTable 2:\nok\nbad \x07 byte\n"
                 + "x" * 501 + "\n")
    with pytest.raises(InputError) as err:
        read_notes(path)
    message = str(err.value)
    assert "3 bad lines" in message and "\n" not in message
    assert "line 3: a table or name with no note" in message
    assert "line 5: holds a control character" in message
    assert "line 6: 501 characters is too long" in message
    assert "line 2" not in message and "line 4" not in message


def test_bad_csv_rows_are_all_named_by_number(tmp_path: Path) -> None:
    path = write(tmp_path, "wall.csv", "note,author,table,dots\nGood,,,1\n,Ann,,2\n"
                 "Childcare,,,many\nA,b,c,d,e\nPermits,,,-1\n")
    with pytest.raises(InputError) as err:
        read_notes(path)
    message = str(err.value)
    assert "4 bad lines" in message
    assert "line 3: no note in the 'note' column" in message
    assert "line 4: dots 'many' is not a whole number" in message
    assert "line 5: 5 cells for 4 columns" in message
    assert "line 6: dots '-1'" in message


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("notes.pdf", "x", "not .pdf"),
    ("notes", "x", "a file without extension"),
    ("empty.md", "", "holds no notes"),
    ("blank.txt", "\n  \n", "holds no notes"),
    ("titles.md", "# One\n# Two\n", "headings but no notes"),
    ("latin.txt", "caf\xe9\n".encode("latin-1"), "is not UTF-8 text (bad byte 0xe9 on line 1)"),
    ("wall.csv", "text,dots\nhello,1\n", "no 'note' column"),
    ("wall2.csv", "note,votes\nhello,1\n", "unknown column 'votes'"),
])
def test_bad_files_get_one_clear_line(tmp_path: Path, name: str, content: str | bytes,
                                      expected: str) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(InputError) as err:
        read_notes(path)
    assert expected in str(err.value)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such notes file"):
        read_notes(tmp_path / "gone.md")


def test_the_sample_notes_read() -> None:
    notes = read_notes(NOTES)
    wall = read_notes(WALL)
    assert len(notes) == 21 and len(wall) == 6
    assert {n.sheet for n in notes} == {"What keeps you up at night?", "Ideas from the tables",
                                        "Parking lot"}
    assert sum(n.dots for n in wall) == 24


# --- matching and reconciliation -------------------------------------------------------------


def note(i: int, text: str = "x") -> Note:
    return Note(id=f"n{i}", file="f.md", line=i, text=text)


def test_a_note_goes_to_the_theme_of_its_nearest_said_statement() -> None:
    said = np.array([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 1.0, 0.0], [0.1, 0.9, 0.0]])
    theme_of = {"a": "T1", "b": "T1", "c": "T2", "d": None}
    notes = [note(0), note(1), note(2)]
    vecs = np.array([[1.0, 0.05, 0.0], [0.0, 0.0, 1.0], [0.12, 0.88, 0.0]])
    matches = attach_notes(notes, vecs, ["a", "b", "c", "d"], said, theme_of)
    assert [m.theme_id for m in matches] == ["T1", None, None]
    assert matches[0].statement_id == "a" and matches[0].similarity > 0.99
    # the second is close to nothing said; the third is nearest to a statement in no theme
    assert matches[1].similarity < match_floor(said)
    assert matches[2].statement_id == "d"
    assert attach_notes(notes, vecs, [], np.zeros((0, 3)), {})[0].theme_id is None


def test_the_match_floor_is_read_from_the_meeting() -> None:
    tight = np.array([[1.0, 0.0], [0.99, 0.14], [0.98, 0.2], [0.97, 0.24]])
    loose = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7], [-1.0, 0.1]])
    assert match_floor(tight) > 0.95 > match_floor(loose)
    assert match_floor(tight[:1]) == float("inf")


def test_reconcile_flags_relative_to_the_meeting() -> None:
    tallies = {"hiring": Tally(12, 5, 80.0, notes=6, dots=6),
               "growth": Tally(9, 5, 50.0),  # said by everyone, nothing written
               "permits": Tally(8, 3, 40.0, notes=2),
               "schools": Tally(2, 1, 8.0, notes=5, dots=4),  # written, barely said
               "one": Tally(1, 1, 60.0)}  # one voice is not "many"
    flags = reconcile(tallies)
    assert flags == {"hiring": (), "growth": (UNWRITTEN,), "permits": (),
                     "schools": (UNSAID,), "one": ()}
    # the same meeting twice as long and twice as many notes: the same flags
    scaled = {k: Tally(t.statements * 2, t.leaders, t.seconds * 2, t.notes * 2, t.dots)
              for k, t in tallies.items()}
    assert reconcile(scaled) == flags
    # nothing written: nothing to reconcile
    assert reconcile({k: Tally(t.statements, t.leaders, t.seconds)
                      for k, t in tallies.items()}) == {k: () for k in tallies}


# --- the pipeline on the sample ---------------------------------------------------------------


@pytest.fixture(scope="module")
def with_notes(tmp_path_factory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("notes") / "result.json"
    md = out.with_suffix(".md")
    result = runner.invoke(app, ["synthesize", str(SAMPLE_DIR / "convening.txt"), "--roster",
                                 str(SAMPLE_DIR / "roster.csv"), "--notes", str(NOTES),
                                 "--notes", str(WALL), "--out", str(out), "--out", str(md)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text()), md.read_text()


def test_notes_are_written_never_quotes_with_audio(with_notes) -> None:
    data, markdown = with_notes
    notes = data["notes"]
    assert len(notes) == 27 and {n["source"] for n in notes} == {"written"}
    ids = {n["id"] for n in notes}
    texts = {n["text"] for n in notes}
    # never a statement of the talk, never a theme member, never a quote
    assert not ids & {s["id"] for s in data["statements"]}
    for t in data["themes"]:
        assert not ids & set(t["statement_ids"])
        assert not texts & {q["text"] for q in t["quotes"]}
        assert all(q["statement_id"] not in ids for q in t["quotes"])
    for n in notes:
        assert "start" not in n and "recording" not in n  # no time, nothing to play
        assert f"\u201c{n['text']}\u201d (written" in markdown.replace("\\", "")
        assert f"> \u201c{n['text']}" not in markdown  # never in a quote's blockquote


def test_the_sample_reconciles(with_notes) -> None:
    data, markdown = with_notes
    notes = {n["id"]: n for n in data["notes"]}
    unmatched = sorted(n["text"] for n in notes.values() if n["theme"] is None)
    # the priority written but barely said: high school outreach in the parking lot
    assert unmatched == ["Summer internships for high school students at our plants",
                         "Teachers and counselors tour the plants each fall"]
    tallies = {}
    for t in data["themes"]:
        mine = [n for n in notes.values() if n["theme"] == t["id"]]
        assert t["written"] == {"notes": len(mine), "paper_dots": sum(n["dots"] for n in mine)}
        assert t["said"]["statements"] == t["statement_count"]
        assert t["said"]["leaders"] == t["breadth"]
        tallies[t["id"]] = Tally(t["said"]["statements"], t["said"]["leaders"],
                                 t["said"]["talk_seconds"], len(mine),
                                 t["written"]["paper_dots"])
    assert {k: tuple(v) for k, v in ((t["id"], t["flags"]) for t in data["themes"])} == \
        reconcile(tallies)
    assert sum(t["written"]["paper_dots"] for t in data["themes"]) + sum(
        n["dots"] for n in notes.values() if n["theme"] is None) == 24
    assert "## Written down, not found in what was said" in markdown
    # each candidate's tally in the prose is the JSON's (whichever candidates the talk gives)
    for t in data["themes"]:
        notes_n, dots = t["written"]["notes"], t["written"]["paper_dots"]
        assert f"Written: {notes_n} note{'s' * (notes_n != 1)}, {dots} paper dot" in markdown


def test_the_sample_imports_with_its_notes_and_the_store_flags_the_same(
        with_notes, engine, tmp_path: Path) -> None:
    """The sample's result file into the store (SQLite and PostgreSQL): every note with its
    candidate, and the review reads the same said/written tallies and flags as the JSON."""
    from synth.decisions.notes import read_written
    from synth.store import ConveningSpec, import_result, queries, transaction
    from synth.store.result import load_result

    data, _ = with_notes
    path = write(tmp_path, "result.json", json.dumps(data))
    conv = import_result(engine, load_result(path), convening=ConveningSpec(
        "Launch", industry="manufacturing", region="Cascade Valley")).convening_id
    with transaction(engine) as s:
        stored = {t.source_key: t.id for t in queries.themes_of(s, conv)}
    view = read_written(engine, conv)
    assert sorted(n.text for n in view.unmatched) == sorted(
        n["text"] for n in data["notes"] if n["theme"] is None)
    for t in data["themes"]:
        w = view.themes[stored[t["id"]]]
        assert sorted(n.id for n in w.notes) == sorted(
            n["id"] for n in data["notes"] if n["theme"] == t["id"])
        assert (w.statements, w.leaders, len(w.notes), w.dots) == (
            t["said"]["statements"], t["said"]["leaders"], t["written"]["notes"],
            t["written"]["paper_dots"])
        assert list(w.flags) == t["flags"]


def test_bad_notes_fail_before_any_work(tmp_path: Path) -> None:
    bad = write(tmp_path, "notes.csv", "note,dots\nok,x\n")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["synthesize", str(SAMPLE_DIR / "convening.txt"), "--notes",
                                 str(bad), "--out", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert "line 2: dots 'x' is not a whole number" in result.output
