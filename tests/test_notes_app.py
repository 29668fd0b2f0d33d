"""What the room wrote, on the facilitator's review cards (issue 30): said beside written with
the flags, notes shown as written (never as a quote, never with audio), paper dots entered,
and a note that matched nothing made a candidate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_app import REC, _card_with, _result, button, db, signed_in, texts, themes  # noqa: F401

from synth.convening import jobs
from synth.decisions.notes import read_written
from synth.store import import_result
from synth.store.result import parse_result
from synth.themes.written import UNSAID, UNWRITTEN

PERMITS = "One point of contact at the county for permits"
KIDS = "Get high school students into the plants"


def with_notes(db: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    """The convening again, now with two notes (one on air permits, one matching nothing)
    and the recording's audio, so its quotes have a player."""
    data = _result()
    data["notes"] = [
        {"id": "n1", "text": PERMITS, "file": "notes.md", "line": 20, "author": None,
         "table": "Table 2", "sheet": "Ideas from the tables", "dots": 4, "theme": "t3",
         "nearest_statement": "s12", "similarity": 0.7},
        {"id": "n2", "text": KIDS, "file": "wall.csv", "line": 6, "author": "Rachel Kim",
         "table": "Table 3", "sheet": None, "dots": 2, "theme": None,
         "nearest_statement": "s01", "similarity": 0.1}]
    import_result(db["engine"], parse_result(data), convening=db["convening"])
    audio = tmp_path / "plenary.ogg"
    audio.write_bytes(b"OggS" + bytes(200))
    jobs.keep_media(jobs.files_dir(db["url"]), REC, audio)


def test_cards_show_said_beside_written_and_notes_never_as_quotes_with_audio(
        db: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    with_notes(db, tmp_path)
    ids = {label: t.id for label, t in themes(db["engine"], db["convening"]).items()}
    at = signed_in()
    assert not at.exception, at.exception
    permits = _card_with(at, f"paper-save-{ids['air permits']}")
    shown = [getattr(e, "value", "") for e in permits]
    assert "Said: 4 statements by 3 leaders, 0.5 min; written: 1 note, 4 paper dots" in shown
    assert f"Written: {PERMITS}" in shown
    assert "(written at Table 2; notes.md line 21, under \u201cIdeas from the tables\u201d; " \
           "4 paper dots)" in shown
    assert any(UNSAID.capitalize() in w.value for w in at.warning)
    assert sum(UNWRITTEN.capitalize() in w.value for w in at.warning) == 2
    # Quotes come with their audio; notes never: one player per quote, no note in quote marks.
    quotes = [t for t in texts(at) if t.startswith("\u201c")]
    assert len(at.get("audio")) == len(quotes) > 0
    assert not any(PERMITS in q or KIDS in q for q in quotes)
    assert f"Written: {KIDS}" in texts(at)  # unmatched, listed below the cards


def test_a_note_that_matched_nothing_becomes_a_candidate_from_its_card(
        db: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    with_notes(db, tmp_path)
    at = signed_in()
    button(at, "note-candidate-n2").click()
    at.run()
    assert not at.exception, at.exception
    made = themes(db["engine"], db["convening"])[KIDS]
    assert made.status == "candidate" and not made.label_generated
    assert any("a candidate" in s.value for s in at.success)
    assert any("made from a written note" in c.value for c in at.caption)
    assert read_written(db["engine"], db["convening"]).unmatched == ()


def test_paper_dots_entered_on_a_card_are_stored_apart_from_the_vote(
        db: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    with_notes(db, tmp_path)
    tid = themes(db["engine"], db["convening"])["welder apprenticeships"].id
    at = signed_in()
    next(n for n in at.number_input if n.key == f"paper-{tid}").set_value(9)
    button(at, f"paper-save-{tid}").click()
    at.run()
    assert not at.exception, at.exception
    found = read_written(db["engine"], db["convening"]).themes[tid]
    assert (found.dots, found.dots_entered) == (9, True)
    next(n for n in at.number_input if n.key == "note-dots-n1").set_value(6)
    button(at, "note-dots-save-n1").click()
    at.run()
    permits = themes(db["engine"], db["convening"])["air permits"].id
    assert read_written(db["engine"], db["convening"]).themes[permits].dots == 6


def test_the_results_page_shows_paper_dots_beside_the_ballots(
        db: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    from synth.decisions import ballots, notes, review

    with_notes(db, tmp_path)
    engine, conv = db["engine"], db["convening"]
    ids = {label: t.id for label, t in themes(engine, conv).items()}
    for tid in ids.values():
        review.confirm(engine, tid)
    notes.set_theme_dots(engine, ids["welder apprenticeships"], 9)
    ballots.open_vote(engine, conv, ballots.BallotRules(3, 2))
    codes = dict(ballots.issue_codes(engine, conv, ["Ben"]))
    ballots.cast_ballot(engine, codes["Ben"], {ids["air permits"]: 2})
    at = signed_in()
    at.switch_page("synth_app/pages/results.py").run()
    assert not at.exception, at.exception
    (table,) = [d.value for d in at.dataframe if "paper dots" in d.value.columns]
    rows = {p.split(". ", 1)[1]: (b, w) for p, b, w in zip(
        table["priority"], table["ballot dots"], table["paper dots"], strict=True)}
    assert rows == {"air permits": (2, 4), "welder apprenticeships": (0, 9),
                    "childcare near plants": (0, 0)}


def test_paper_dots_saved_on_a_card_are_taken_back_by_undo(
        db: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    with_notes(db, tmp_path)
    permits = themes(db["engine"], db["convening"])["air permits"].id
    at = signed_in()
    next(n for n in at.number_input if n.key == "note-dots-n1").set_value(6)
    button(at, "note-dots-save-n1").click()
    at.run()
    assert read_written(db["engine"], db["convening"]).themes[permits].dots == 6
    button(at, "undo").click()
    at.run()
    assert not at.exception, at.exception
    assert read_written(db["engine"], db["convening"]).themes[permits].dots == 4


def test_a_note_whose_theme_was_discarded_is_listed_below_the_cards(
        db: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    from synth.decisions import review

    with_notes(db, tmp_path)
    permits = themes(db["engine"], db["convening"])["air permits"].id
    review.discard(db["engine"], permits)
    at = signed_in()
    assert not at.exception, at.exception
    assert f"Written: {PERMITS}" in texts(at)
    assert "(written at Table 2; notes.md line 21, under \u201cIdeas from the tables\u201d; its " \
           "theme \u201cair permits\u201d was discarded; 4 paper dots)" in texts(at)
    button(at, "note-candidate-n1").click()
    at.run()
    assert not at.exception, at.exception
    made = themes(db["engine"], db["convening"])[PERMITS]
    assert [n.id for n in read_written(db["engine"], db["convening"]).themes[made.id].notes] \
        == ["n1"]
