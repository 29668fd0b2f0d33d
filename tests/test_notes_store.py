"""What the room wrote, in the store (issue 30): notes imported with their matched theme (in
process and from the result JSON, the same records), kept sensible through merge, undo and
theme deletion, paper dots entered per note or per theme, and a note made a candidate."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import asdict, replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, inspect, text
from test_ballots import ROSTER, THEMES, _fast_hashes, opened  # noqa: F401 (autouse)
from test_followup_mapping import QUARTERLY, partnership  # noqa: F401 (a fixture)
from test_handoff import convening
from test_store import load, result, theme_id

from synth.convening.handoff import to_result
from synth.convening.pipeline import Convening
from synth.convening.report import to_json
from synth.decisions import notes as written
from synth.decisions import review
from synth.errors import ConflictError, NotFoundError, ReviewError
from synth.records import Note, Theme
from synth.store import import_result, init_db, make_engine, queries, transaction
from synth.store.notes import notes_of
from synth.store.result import load_result
from synth.store.schema import PaperDots, StoredNote
from synth.themes.written import UNSAID, UNWRITTEN, NoteMatch

NOTES = (Note("n-weld", "notes.md", 3, "Hire welders", author="Linda Park", table="Table 1",
              sheet="What keeps you up at night?", dots=4),
         Note("n-home", "notes.md", 4, "Housing near the plant", dots=1),
         Note("n-kids", "wall.csv", 2, "Get high school students into the plants", dots=3))
MATCHES = (NoteMatch("n-weld", "t-weld", "s0", 0.71), NoteMatch("n-home", "t-home", "s3", 0.64),
           NoteMatch("n-kids", None, "s1", 0.12))


def with_notes(c: Convening | None = None) -> Convening:
    """The hand-made convening of test_handoff with three notes: one a candidate each, one
    that matched nothing said."""
    return replace(c or convening(), notes=NOTES, note_matches=MATCHES)


def _convening(engine: Engine) -> int:
    with transaction(engine) as s:
        return queries.find_or_create_convening(
            s, title="Launch", industry="Manufacturing", region="Cascade Valley",
            date=dt.date(2026, 12, 6), kind="launch").id


def stored(engine: Engine, conv: int) -> dict[str, tuple[str | None, int, str | None]]:
    """Note id -> (label of its theme, dots, sheet)."""
    with transaction(engine) as s:
        labels = {t.id: t.label for t in queries.themes_of(s, conv)}
        return {n.id: (labels.get(n.theme_id) if n.theme_id else None, n.dots, n.sheet)
                for n in notes_of(s, conv)}


def theme_ids(engine: Engine, conv: int) -> dict[str, int]:
    with transaction(engine) as s:
        return {t.label: t.id for t in queries.themes_of(s, conv)}


def test_the_result_json_carries_the_notes_as_the_pipeline_hands_them_over(
        tmp_path: Path) -> None:
    c = with_notes()
    path = tmp_path / "result.json"
    path.write_text(to_json(c), encoding="utf-8")
    direct, from_file = to_result(c, source="result.json"), load_result(path)
    assert [(n.id, n.theme, n.dots) for n in direct.notes] == [
        ("n-weld", "t-weld", 4), ("n-home", "t-home", 1), ("n-kids", None, 3)]
    assert replace(direct, vectors={}) == from_file  # the digest too


def test_a_result_without_notes_keeps_the_digest_it_always_had() -> None:
    plain, noted = to_result(convening(), source="x"), to_result(with_notes(), source="x")
    records = [[asdict(r) for r in rows] for rows in (plain.recordings, plain.participants,
                                                       plain.statements, plain.themes)]
    for t in records[3]:  # as themes were written before issue 29 gave them known_priority
        assert t.pop("known_priority") is None
        t.pop("quotes")  # nor before the store kept the pipeline's quotes (never digested)
    old_rule = hashlib.sha256(json.dumps([records, plain.talk_time_by_role],
                                         sort_keys=True).encode()).hexdigest()
    assert plain.digest == old_rule and plain.notes == ()
    assert noted.digest != plain.digest  # the notes are part of what was imported


def test_a_note_matched_to_an_unknown_theme_is_refused(tmp_path: Path) -> None:
    data = json.loads(to_json(with_notes()))
    data["notes"][1]["theme"] = "t-gone"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(Exception, match="note 'n-home' .* theme 't-gone', which is not in"):
        load_result(path)


def test_import_stores_the_notes_with_their_theme_on_both_databases(
        engine: Engine, tmp_path: Path) -> None:
    conv = _convening(engine)
    import_result(engine, to_result(with_notes(), source="r"), convening=conv)
    assert stored(engine, conv) == {"n-weld": ("Welders", 4, "What keeps you up at night?"),
                                    "n-home": ("Housing", 1, None), "n-kids": (None, 3, None)}
    # The same result from its JSON file: same digest, same notes, the dots entered kept.
    written.set_note_dots(engine, conv, "n-home", 7)
    path = tmp_path / "result.json"
    path.write_text(to_json(with_notes()), encoding="utf-8")
    import_result(engine, load_result(path), convening=conv)
    assert stored(engine, conv)["n-home"] == ("Housing", 7, None)
    # A re-run of the talk alone leaves the notes; one with other notes replaces them.
    import_result(engine, to_result(convening(), source="r"), convening=conv)
    assert set(stored(engine, conv)) == {"n-weld", "n-home", "n-kids"}
    fewer = replace(convening(), notes=NOTES[:1], note_matches=MATCHES[:1])
    import_result(engine, to_result(fewer, source="r"), convening=conv)
    assert set(stored(engine, conv)) == {"n-weld"}


def test_merge_undo_and_deletion_keep_the_notes_sensible(engine: Engine) -> None:
    conv = _convening(engine)
    import_result(engine, to_result(with_notes(), source="r"), convening=conv)
    ids = theme_ids(engine, conv)
    weld, home = ids["Welders"], ids["Housing"]
    review.merge(engine, [weld, home])
    view = written.read_written(engine, conv)
    assert [n.id for n in view.themes[weld].notes] == ["n-weld", "n-home"]
    assert view.themes[weld].dots == 5 and home not in view.themes  # merged: not active
    review.undo(engine, conv)
    view = written.read_written(engine, conv)
    assert [n.id for n in view.themes[home].notes] == ["n-home"]
    review.move(engine, ["s3"], None, convening_id=conv)
    with transaction(engine) as s:  # a theme deleted: its notes match nothing any more
        s.delete(queries.get_theme(s, home))
    assert stored(engine, conv)["n-home"][0] is None
    assert [n.id for n in written.read_written(engine, conv).unmatched] == ["n-home", "n-kids"]


def test_a_note_in_a_theme_the_facilitator_holds_stays_on_a_rerun(engine: Engine) -> None:
    conv = _convening(engine)
    import_result(engine, to_result(with_notes(), source="r"), convening=conv)
    weld = theme_ids(engine, conv)["Welders"]
    review.confirm(engine, weld)
    moved = replace(with_notes(), note_matches=(NoteMatch("n-weld", "t-home", "s3", 0.5),
                                                *MATCHES[1:]))
    import_result(engine, to_result(moved, source="r"), convening=conv)
    assert stored(engine, conv)["n-weld"][0] == "Welders"
    moved_home = replace(with_notes(), note_matches=(MATCHES[0], NoteMatch(
        "n-home", "t-weld", "s0", 0.5), MATCHES[2]))
    import_result(engine, to_result(moved_home, source="r"), convening=conv)
    assert stored(engine, conv)["n-home"][0] == "Welders"  # an untouched one follows


def test_paper_dots_per_theme_replace_its_notes_dots_and_never_go_below_zero(
        engine: Engine) -> None:
    conv = _convening(engine)
    import_result(engine, to_result(with_notes(), source="r"), convening=conv)
    weld = theme_ids(engine, conv)["Welders"]
    assert written.read_written(engine, conv).themes[weld].dots == 4  # its note's dots
    assert written.set_theme_dots(engine, weld, 11) is None
    found = written.read_written(engine, conv).themes[weld]
    assert (found.dots, found.dots_entered) == (11, True)
    assert written.set_theme_dots(engine, weld, None) == 11
    assert written.read_written(engine, conv).themes[weld].dots == 4
    with pytest.raises(ReviewError, match="whole number from 0"):
        written.set_theme_dots(engine, weld, -1)
    with pytest.raises(ReviewError, match="whole number from 0"):
        written.set_note_dots(engine, conv, "n-weld", True)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="no note 'nope'"):
        written.set_note_dots(engine, conv, "nope", 2)


def test_a_note_that_matched_nothing_becomes_a_candidate_and_undo_takes_it_back(
        engine: Engine) -> None:
    conv = _convening(engine)
    import_result(engine, to_result(with_notes(), source="r"), convening=conv)
    out = written.note_to_candidate(engine, conv, "n-kids", who="facilitator")
    (tid,) = out.created
    view = written.read_written(engine, conv)
    made = view.themes[tid]
    assert made.from_note and [n.id for n in made.notes] == ["n-kids"]
    assert made.statements == 0 and made.dots == 3 and view.unmatched == ()
    assert theme_ids(engine, conv)["Get high school students into the plants"] == tid
    with transaction(engine) as s:
        theme = queries.get_theme(s, tid)
        assert (theme.status, theme.label_generated) == ("candidate", False)
    with pytest.raises(ReviewError, match="already counts for theme"):
        written.note_to_candidate(engine, conv, "n-kids")
    review.undo(engine, conv)
    assert stored(engine, conv)["n-kids"][0] is None
    assert [n.id for n in written.read_written(engine, conv).unmatched] == ["n-kids"]


def test_the_flags_are_read_from_the_store(engine: Engine) -> None:
    """Welders: said by two leaders, written once; Housing: said once by one, written once
    with a bigger share of the notes than of the talk."""
    conv = _convening(engine)
    no_weld = replace(with_notes(), notes=NOTES[1:], note_matches=MATCHES[1:])
    import_result(engine, to_result(no_weld, source="r"), convening=conv)
    ids = theme_ids(engine, conv)
    view = written.read_written(engine, conv)
    assert view.themes[ids["Welders"]].flags == (UNWRITTEN,)
    assert view.themes[ids["Housing"]].flags == (UNSAID,)


def test_a_0005_database_upgrades_to_the_notes_tables(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from synth.store.migrate import upgrade
    from synth.store.schema import Base

    e = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(e, "0005")
    with e.begin() as conn:
        assert "notes" not in inspect(conn).get_table_names()
        conn.execute(text("INSERT INTO partnerships (id, industry, region) VALUES (1, 'm', 'r')"))
        conn.execute(text("INSERT INTO convenings (id, partnership_id, date, title, kind) "
                          "VALUES (1, 1, '2026-03-14', 'Launch', 'launch')"))
        conn.execute(text("INSERT INTO themes (id, convening_id, status, label, "
                          "label_generated, keywords, stability, edited, version, updated_at) "
                          "VALUES (1, 1, 'candidate', 'Welders', 0, '[]', 0.5, 0, 1, "
                          "'2026-03-14 00:00:00')"))
    init_db(e)
    with e.begin() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        conn.execute(text("INSERT INTO notes (convening_id, id, position, file, line, text, "
                          "dots, theme_id) VALUES (1, 'n1', 0, 'n.md', 0, 'Welders', 2, 1)"))
        conn.execute(text("INSERT INTO paper_dots (theme_id, convening_id, dots) "
                          "VALUES (1, 1, 5)"))
        conn.execute(text("DELETE FROM themes WHERE id = 1"))
        assert conn.execute(text("SELECT theme_id FROM notes")).all() == [(None,)]
        assert conn.execute(text("SELECT count(*) FROM paper_dots")).scalar() == 0
    e.dispose()


def test_cli_lists_notes_enters_paper_dots_and_makes_a_candidate(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    from synth.cli import review as review_cli

    app = typer.Typer()
    app.command("import")(review_cli.import_result)
    app.add_typer(review_cli.review_app, name="review")
    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    path = tmp_path / "result.json"
    path.write_text(to_json(with_notes()), encoding="utf-8")
    run = CliRunner().invoke

    def said(*args: str) -> str:
        out = run(app, [*args])
        assert out.exit_code == 0, out.output
        return out.stdout

    said("import", str(path), "--convening", "Launch", "--industry", "m", "--region", "r")
    listed = said("review", "notes", "-c", "Launch")
    assert "\u201cHire welders\u201d (written by Linda Park at Table 1; notes.md line 4, " \
           "under \u201cWhat keeps you up at night?\u201d; 4 paper dots)" in listed
    assert listed.index("matched nothing said") < listed.index("n-kids")
    assert said("review", "dots", "-c", "Launch", "--note", "n-weld", "6") == \
        "note n-weld: 4 -> 6 paper dots\n"
    engine = make_engine(db_url)
    weld = theme_ids(engine, 1)["Welders"]
    assert said("review", "dots", "-c", "Launch", "--theme", str(weld), "9") == \
        f"theme {weld}: - -> 9 paper dots\n"
    assert f"theme {weld} \u201cWelders\u201d: said 2 statements by 2 leaders, 6 s; written " \
           "1 note, 9 paper " \
           "dots (counted for the whole theme)" in said("review", "notes", "-c", "Launch")
    assert said("review", "undo", "-c", "Launch") == "undone\n"  # the count entered goes
    assert f"theme {weld} \u201cWelders\u201d: said 2 statements by 2 leaders, 6 s; written " \
           "1 note, 6 paper " \
           "dots\n" in said("review", "notes", "-c", "Launch")
    made = said("review", "note-candidate", "n-kids", "-c", "Launch")
    assert made.startswith("created candidate theme ")
    assert "Get high school students into the plants" in said("review", "list", "-c", "Launch")
    said("review", "discard", str(theme_ids(engine, 1)["Housing"]))
    listed = said("review", "notes", "-c", "Launch")
    assert "matched nothing said or only a discarded theme (" in listed
    assert "n-home \u201cHousing near the plant\u201d (written; notes.md line 5; its theme " \
           "\u201cHousing\u201d was discarded; 1 paper dot)" in listed
    both = run(app, ["review", "dots", "-c", "Launch", "--note", "n-weld", "--theme", "1", "2"])
    assert both.exit_code == 2 and "either --note NOTE or --theme THEME" in both.output
    engine.dispose()


def test_exports_carry_the_ballots_and_the_paper_dots_apart(engine: Engine,
                                                             tmp_path: Path) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    from synth.decisions import ballots
    from synth.export.common import PAPER_COLUMN
    from synth.export.render import export, render
    from synth.export.results import priority_report

    c = load(engine, result(THEMES, n=14, roster=ROSTER)).convening_id
    ids = {k: theme_id(engine, c, k) for k in THEMES}
    for k in ("hire", "care", "house"):
        review.confirm(engine, ids[k])
    codes = opened(engine, {"id": c, **ids})
    ballots.cast_ballot(engine, codes["Ana"], {ids["hire"]: 2, ids["care"]: 1})
    before = priority_report(engine, c)
    assert all(p.paper_dots is None for p in before.priorities)  # no paper: no column
    assert PAPER_COLUMN not in render(before, "csv").decode("utf-8-sig")  # type: ignore[union-attr]
    written.set_theme_dots(engine, ids["care"], 7)
    report = priority_report(engine, c)
    counts = [(p.label, p.rank, p.dots, p.voters, p.paper_dots) for p in report.priorities]
    assert counts == [("label hire", 1, 2, 1, 0), ("label care", 2, 1, 1, 7),
                      ("label house", 3, 0, 0, 0)]
    assert [x[:4] for x in counts] == [(p.label, p.rank, p.dots, p.voters)
                                       for p in before.priorities]  # the vote is untouched
    text_csv = render(report, "csv").decode("utf-8-sig")  # type: ignore[union-attr]
    header, *rows = list(csv.reader(io.StringIO(text_csv, newline="")))
    at = header.index(PAPER_COLUMN)
    assert header[at - 1] == "public partner voters" and header[4:6] == ["dots", "voters"]
    assert [(r[4], r[at]) for r in rows] == [("2", "0"), ("1", "7"), ("0", "0")]
    md = render(report, "md")
    assert isinstance(md, str)
    line = next(x for x in md.splitlines() if x.startswith("1 dot from 1 voter"))
    assert line.endswith("; 7 paper dots on the wall, counted apart from the ballots")
    assert "2. label care (1 dot; 7 paper dots on the wall, counted apart from the ballots)" \
        in render(report, "email")
    wb = load_workbook(export(report, "xlsx", tmp_path / "out.xlsx"))
    votes = [[cell.value for cell in row] for row in wb["votes"].iter_rows()]
    assert votes[0][-1] == "paper dots" and [v[2:4] + v[-1:] for v in votes[1:]] == [
        [2, 1, 0], [1, 1, 7], [0, 0, 0]]
    assert json.loads(render(report, "json"))["priorities"][1]["paper_dots"] == 7


def test_a_job_takes_notes_files_beside_its_recordings(engine: Engine, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's upload: notes files go with the job (a bad one refused, its bad line named,
    the recordings still processed) and reach the pipeline, whose notes are imported."""
    from synth.convening import jobs

    given: dict[str, object] = {}

    def pipeline(*_a: object, **kw: object) -> Convening:
        given.update(kw)
        return with_notes()

    monkeypatch.setattr("synth.convening.pipeline.synthesize", pipeline)
    monkeypatch.setenv("SYNTH_FILES_DIR", str(tmp_path / "files"))
    url = engine.url.render_as_string(hide_password=False)
    conv = _convening(engine)
    job, refused = jobs.submit_each(
        url, conv, [("plenary.txt", b"Tom Reyes: We need more welders on the floor.\n")],
        notes=[("flipchart.md", b"# Hiring\n- Hire welders\n"),
               ("wall.csv", b"note,dots\nHire welders,many\n")], start=False)
    assert job is not None and [Path(p).name for p in job.notes] == ["flipchart.md"]
    assert refused == ["wall.csv: 1 bad line (line 2: dots 'many' is not a whole number from 0 "
                       "to 10000). Fix them and try again."]
    again = jobs.load(jobs.files_dir(url), job.id)
    assert again.notes == job.notes  # kept in the job's state, for the background process
    jobs.process(url, conv, [Path(p) for p in job.inputs],
                 notes=[Path(p) for p in again.notes])
    assert [Path(p).name for p in given["notes"]] == ["flipchart.md"]  # type: ignore[attr-defined]
    assert set(stored(engine, conv)) == {"n-weld", "n-home", "n-kids"}


def _dots(engine: Engine, conv: int, tid: int) -> tuple[int, bool, int]:
    """A theme's paper dots, whether they were entered for the whole theme, and n-weld's."""
    w = written.read_written(engine, conv).themes[tid]
    return w.dots, w.dots_entered, stored(engine, conv)["n-weld"][1]


def test_paper_dots_entered_are_undone_like_other_review_actions(engine: Engine) -> None:
    conv = _convening(engine)
    import_result(engine, to_result(with_notes(), source="r"), convening=conv)
    weld = theme_ids(engine, conv)["Welders"]
    written.set_note_dots(engine, conv, "n-weld", 6, who="staff")
    written.set_note_dots(engine, conv, "n-weld", 8, who="staff")  # changed again
    written.set_theme_dots(engine, weld, 11, who="staff")
    written.set_theme_dots(engine, weld, None, who="staff")  # --clear
    assert written.set_theme_dots(engine, weld, None) is None  # nothing to clear: not logged
    with transaction(engine) as s:
        log = [(a.action, a.who, a.target) for a in queries.audit_of(s, conv)][-4:]
    assert log == [("paper_dots", "staff", "note n-weld: 4 -> 6 paper dots"),
                   ("paper_dots", "staff", "note n-weld: 6 -> 8 paper dots"),
                   ("paper_dots", "staff", f"theme {weld}: - -> 11 paper dots"),
                   ("paper_dots", "staff", f"theme {weld}: 11 -> its notes paper dots")]
    assert _dots(engine, conv, weld) == (8, False, 8)
    review.undo(engine, conv)  # the count forgotten comes back
    assert _dots(engine, conv, weld) == (11, True, 8)
    review.undo(engine, conv)  # the count entered goes
    assert _dots(engine, conv, weld) == (8, False, 8)
    review.undo(engine, conv)  # the second change of the note's dots, then the first
    assert _dots(engine, conv, weld) == (6, False, 6)
    review.undo(engine, conv)
    assert _dots(engine, conv, weld) == (4, False, 4)
    with pytest.raises(ReviewError, match="is the import of"):
        review.undo(engine, conv)


def test_undoing_paper_dots_changed_since_is_refused(engine: Engine) -> None:
    conv = _convening(engine)
    import_result(engine, to_result(with_notes(), source="r"), convening=conv)
    weld = theme_ids(engine, conv)["Welders"]
    written.set_note_dots(engine, conv, "n-weld", 6)
    written.set_theme_dots(engine, weld, 9)
    review.rename(engine, weld, "Hiring welders")  # another action between: undone first
    with transaction(engine) as s:  # an action naming no notes is recorded as it always was
        renamed = queries.last_action(s, conv)
        assert renamed is not None and set(renamed.after) == {"themes", "members", "speakers"}
    review.undo(engine, conv)
    with transaction(engine) as s:  # changed outside the review (a script on the database)
        s.get(PaperDots, weld).dots = 3  # type: ignore[union-attr]
        s.get(StoredNote, (conv, "n-weld")).dots = 2  # type: ignore[union-attr]
    with pytest.raises(ConflictError, match="paper dots.*has changed since"):
        review.undo(engine, conv)
    assert _dots(engine, conv, weld) == (3, True, 2)  # left as they were


def test_a_note_whose_theme_was_discarded_is_listed_and_can_be_made_a_candidate(
        engine: Engine) -> None:
    conv = _convening(engine)
    import_result(engine, to_result(with_notes(), source="r"), convening=conv)
    home = theme_ids(engine, conv)["Housing"]
    review.discard(engine, home)
    view = written.read_written(engine, conv)
    assert [n.id for n in view.unmatched] == ["n-home", "n-kids"]
    assert view.unmatched[0].source == \
        "written; notes.md line 5; its theme \u201cHousing\u201d was discarded"
    assert view.unmatched[1].discarded is None
    (made,) = written.note_to_candidate(engine, conv, "n-home").created
    assert [n.id for n in written.read_written(engine, conv).themes[made].notes] == ["n-home"]
    with pytest.raises(ReviewError, match="already counts for theme"):
        written.note_to_candidate(engine, conv, "n-home")
    review.undo(engine, conv)  # the note goes back to its discarded theme, not to nothing
    assert stored(engine, conv)["n-home"][0] == "Housing"
    assert [n.id for n in written.read_written(engine, conv).unmatched] == ["n-home", "n-kids"]
    review.undo(engine, conv)  # the discard undone: the note counts for Housing again
    assert [n.id for n in written.read_written(engine, conv).themes[home].notes] == ["n-home"]
    weld = theme_ids(engine, conv)["Welders"]
    review.merge(engine, [home, weld])
    review.discard(engine, home)  # merged into a theme discarded since: listed too
    assert [n.discarded for n in written.read_written(engine, conv).unmatched] == [
        "Housing", "Housing", None]


def test_a_rerun_dropping_a_candidate_keeps_its_notes_dots_and_warns_of_its_count(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    conv = _convening(engine)
    import_result(engine, to_result(with_notes(), source="r"), convening=conv)
    home = theme_ids(engine, conv)["Housing"]
    written.set_note_dots(engine, conv, "n-home", 7)
    written.set_theme_dots(engine, home, 12)
    c = convening()
    one = (Theme("t-weld", "Welders", ("welders",), ("s0", "s1", "s3"),
                 ("Tom Reyes", "Linda Park"), stability=0.75),)
    rerun = replace(c, themes=SimpleNamespace(themes=one, assignment={
        "s0": "t-weld", "s1": "t-weld", "s2": None, "s3": "t-weld"}), notes=NOTES,
        note_matches=(MATCHES[0], NoteMatch("n-home", "t-weld", "s3", 0.6), MATCHES[2]))
    with caplog.at_level(logging.WARNING, logger="synth.store.notes"):
        assert import_result(engine, to_result(rerun, source="r2"),
                             convening=conv).themes_dropped == 1
    assert "Housing" not in theme_ids(engine, conv)
    assert stored(engine, conv)["n-home"] == ("Welders", 7, None)  # moved with its dots
    weld = theme_ids(engine, conv)["Welders"]
    assert written.read_written(engine, conv).themes[weld].dots == 4 + 7
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"candidate theme {home} \u201cHousing\u201d" in warning
    assert "12 paper dots entered for it are dropped" in warning


def test_the_markdown_and_the_review_say_who_wrote_a_note_and_where_alike() -> None:
    from synth.convening.report import to_markdown

    md = to_markdown(with_notes()).replace("\\", "")
    assert "- \u201cHire welders\u201d (written by Linda Park at Table 1; notes.md line 4, " \
           "under \u201cWhat keeps you up at night?\u201d, 4 paper dots)" in md
    assert "- \u201cHousing near the plant\u201d (written; notes.md line 5, 1 paper dot)" in md
    shown = written.WrittenNote("n-weld", "Hire welders", "notes.md", 3, "Linda Park",
                                "Table 1", "What keeps you up at night?", 4, None)
    assert shown.source in md


def test_a_note_on_a_known_priority_is_shown_under_it(
        engine: Engine, partnership: int, db_url: str, tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Notes matched to a partnership priority raised again are listed under it in the
    Markdown (they once appeared nowhere)."""
    from typer.testing import CliRunner

    from synth.cli.main import app

    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    (tmp_path / "q.txt").write_text(QUARTERLY)
    (tmp_path / "roster.csv").write_text("name,company,role\nFay,Facil,facilitator\n"
                                         "Ana,Acme,business\nBen,Bolt,business\n"
                                         "Cy,Cobalt,business\n")
    (tmp_path / "flip.md").write_text("# Since the launch\n\nTable 2: Daycare that opens before "
                                      "six for the night shift\n")
    out = CliRunner().invoke(app, [
        "synthesize", str(tmp_path / "q.txt"), "--roster", str(tmp_path / "roster.csv"),
        "--partnership", str(partnership), "--notes", str(tmp_path / "flip.md"),
        "--out", str(tmp_path / "r.json"), "--out", str(tmp_path / "r.md")])
    assert out.exit_code == 0, out.output
    data = json.loads((tmp_path / "r.json").read_text())
    (known,) = data["known_priorities"]
    assert [n["theme"] for n in data["notes"]] == [known["theme"]]
    markdown = (tmp_path / "r.md").read_text()
    section = markdown[markdown.index("## Childcare for shift workers"):
                       markdown.index("# New candidates")]
    assert "Written: 1 note, 0 paper dots." in section
    assert "\u201cDaycare that opens before six for the night shift\u201d (written at Table 2; " \
           "flip.md line 3, under \u201cSince the launch\u201d)" in section
