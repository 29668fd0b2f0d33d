"""New talk mapped onto a partnership's known priorities before theme finding (issue 29):
the matching on a hand-worked example, the evaluation's scoring on a tiny meeting, the store's
known priorities as topics, and the pipeline and CLI with ``--partnership`` (SQLite, and
PostgreSQL when SYNTH_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine
from test_store import load, result, theme_id
from typer.testing import CliRunner

from pipelines import evaluate_followup as ef
from pipelines.evaluate_convenings import Meeting
from synth.cli.main import app
from synth.convening import setup
from synth.decisions import priorities, review
from synth.errors import InputError, NotFoundError
from synth.records import Statement
from synth.store.queries import KnownPriority, KnownStatement
from synth.themes import followup
from synth.themes.followup import KnownTopic, embedded, in_context, match_known

# --- the matching, worked by hand ---------------------------------------------------------------
#
# Two known priorities in three dimensions (the third is a topic nobody raised before):
#   A: name (1,0,0), statements (1,0,0) and (0.8,0.6,0), each a turn of its own;
#   B: name (0,1,0), statements (0,1,0) and (0.6,0.8,0).
# The bar: each known statement against its priority's centroid made without its turn
# (NAME_WEIGHT 0.5: half the statements' direction, half the name's):
#   (1,0,0) vs the rest (0.8,0.6,0) joined with the name (1,0,0): 0.5*(0.8,0.6)+0.5*(1,0) =
#   (0.9,0.3) -> (0.9487,0.3162): similarity 0.9487; (0.8,0.6,0) vs the name alone: 0.8; B
#   likewise. Lower quartile of [0.8, 0.8, 0.9487, 0.9487] = 0.8.
# A's centroid: statements' direction (0.9,0.3) -> (0.9487,0.3162), joined half and half with
#   (1,0): (0.9743,0.1581) -> (0.9871,0.1602,0); B's is (0.1602,0.9871,0).

A = KnownTopic("a", "A", np.array([[1.0, 0, 0], [0.8, 0.6, 0]]), np.array([1.0, 0, 0]))
B = KnownTopic("b", "B", np.array([[0.0, 1, 0], [0.6, 0.8, 0]]), np.array([0.0, 1, 0]))


def st(sid: str, turn: int, *, clusterable: bool = True) -> Statement:
    return Statement(id=sid, recording_id="r", turn_index=turn, start=float(turn),
                     end=turn + 1.0, text=f"words of {sid}", speaker="Ana",
                     clusterable=clusterable)


def test_the_bar_is_measured_on_the_known_statements() -> None:
    assert followup.measured_threshold([A, B]) == pytest.approx(0.8)
    np.testing.assert_allclose(followup.centroids([A, B]),
                               [[0.98709, 0.16018, 0], [0.16018, 0.98709, 0]], atol=1e-5)
    # scaled statements give the same bar (cosines), a looser priority a lower one
    loose = KnownTopic("a", "A", np.array([[1.0, 0, 0], [0.0, 0, 1]]), np.array([1.0, 0, 0]))
    assert followup.measured_threshold([loose]) < 0.8
    assert followup.measured_threshold([]) == float("inf")


def test_each_statement_goes_to_its_nearest_known_priority_or_to_none() -> None:
    statements = [st("n1", 1), st("n2", 2), st("n3", 3), st("n4", 4),
                  st("n5", 5, clusterable=False), st("n6", 6), st("n7", 6)]
    vectors = np.array([[1.0, 0, 0],  # A: 0.9871
                        [0.6, 0.8, 0],  # B: 0.0961 + 0.7897 = 0.8858 (A: 0.7204)
                        [0.0, 0, 1],  # a new topic: 0 to both
                        [0.6, 0, 0.8],  # near A, below the bar: 0.5923
                        [1.0, 0, 0],  # a back-channel: never matched
                        [0.6, 0, 0.8],  # n4's words, but said in one turn with n7:
                        [1.0, 0, 0]])  # the turn (0.8944,0,0.4472) pulls n6 to 0.8140
    match = match_known(statements, vectors, [A, B])
    assert match.threshold == pytest.approx(0.8)
    assert match.assignment == {"n1": "a", "n2": "b", "n3": None, "n4": None, "n6": "a",
                                "n7": "a"}
    assert match.similarity["n2"] == pytest.approx(0.8858, abs=1e-4)
    assert match.similarity["n4"] == pytest.approx(0.5923, abs=1e-4)
    assert match.similarity["n6"] == pytest.approx(0.8140, abs=1e-4)
    assert match.matched("a") == ["n1", "n6", "n7"]
    assert match.nearest["n4"] == "a" and "n5" not in match.nearest  # nearest, whatever the bar
    # matched statements are context for theme finding, never clustered again
    left = followup.left_for_themes(statements, match)
    assert [s.clusterable for s in left] == [False, False, True, True, False, False, False]
    assert [s.text for s in left] == [s.text for s in statements]


def test_a_turn_mixes_its_statements() -> None:
    mixed = in_context(np.array([[0.0, 0, 2], [3.0, 0, 0], [0, 1.0, 0]]), ["t", "t", "u"])
    np.testing.assert_allclose(mixed, [[0.5286, 0, 0.8489], [0.8489, 0, 0.5286], [0, 1, 0]],
                               atol=1e-4)
    with pytest.raises(InputError, match="2 turn keys for 3 vectors"):
        in_context(np.eye(3), ["t", "u"])


def test_bad_input_is_named() -> None:
    with pytest.raises(InputError, match="2 statements but 1 vectors"):
        match_known([st("n1", 1), st("n2", 2)], np.eye(3)[:1], [A])
    with pytest.raises(InputError, match="embedded in 3 dimensions and the new talk in 2"):
        match_known([st("n1", 1)], np.array([[1.0, 0]]), [A])
    with pytest.raises(InputError, match="neither statements with vectors nor an embedded name"):
        followup.centroids([KnownTopic("x", "X", np.zeros((0, 0)))])


def test_stored_priorities_become_topics_grouped_by_turn() -> None:
    known = [KnownPriority(7, "Childcare", "confirmed", (1,), (
        KnownStatement(1, "s1", "first", np.array([1.0, 0], dtype=np.float32)),
        KnownStatement(1, "s2", "second", np.array([0.0, 1], dtype=np.float32)),
        KnownStatement(2, "s1", "not embedded", None)))]
    (topic,) = followup.topics_from_store(known, {(1, "s1"): "turn", (1, "s2"): "turn"})
    assert (topic.id, topic.name, topic.groups) == (7, "Childcare", ("turn", "turn"))
    assert topic.pending == (("not embedded", (2, "s1")),)
    calls = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.array([[0.5, 0.5], [0.2, 0.8]])

    (done,) = embedded([topic], embed)
    assert calls == [["Childcare", "not embedded"]]  # the name, then what was not embedded
    np.testing.assert_allclose(done.name_vector, [0.5, 0.5])
    np.testing.assert_allclose(done.vectors, [[1, 0], [0, 1], [0.2, 0.8]])
    assert done.groups == ("turn", "turn", (2, "s1")) and done.pending == ()
    assert embedded([done], embed) == [done] and len(calls) == 1  # nothing left to embed


# --- the evaluation's scoring on a tiny meeting ---------------------------------------------------


def tiny_meeting() -> tuple[Meeting, list[Statement]]:
    meeting = Meeting(name="tiny", transcript=Path("tiny.txt"), roster=Path("tiny.csv"),
                      priorities={"a": "A", "b": "B", "c": "C"},
                      speakers=("Fay", "Ana", "Ben", "Pat", "Ana", "Ben"),
                      roles=("facilitator", "business", "business", "public", "business",
                             "business"),
                      texts=("welcome", "a one", "a two", "b one", "c one", "a and b"),
                      gold=((), ("a",), ("a",), ("b",), ("c",), ("a", "b")))
    lines = [0, 1, 1, 2, 3, 4, 5]
    statements = [Statement(id=f"s{n}", recording_id="r", turn_index=line, start=n, end=n + 1,
                            text="two words", line=line, clusterable=n > 0, position=n)
                  for n, line in enumerate(lines)]
    return meeting, statements


def test_scoring_counts_known_on_it_and_new_left() -> None:
    meeting, statements = tiny_meeting()
    gold = ef.statement_gold(meeting, statements)
    assert gold == [None, "a", "a", "a", "b", "c", None]  # facilitator, two priorities: none
    assignment = {"s1": "a", "s2": None, "s3": "a", "s4": "a", "s5": None, "s6": "b"}
    # known: s1 right, s2 unmatched, s3 right, s4 on the wrong one -> 2 of 4; new: s5 left
    assert ef.mapping_scores(gold, assignment, statements, ["a", "b"]) == {
        "on_it": 0.5, "n_known": 4, "new_left": 1.0, "n_new": 1}
    # by line: line 1 (a: s1), line 2 (a: s3) right, line 3 (b) went to a
    assert ef.line_on_it(meeting, statements, assignment, ["a", "b"], 0) == pytest.approx(2 / 3)
    assert ef.line_on_it(meeting, statements, assignment, ["a", "b"], 3) == 0.0  # line 3 only
    nothing = ef.mapping_scores(gold, {}, statements, ["a"])
    assert nothing["n_known"] == 0 and np.isnan(nothing["on_it"])


def test_a_new_priority_is_found_when_a_candidate_matches_its_lines() -> None:
    meeting, statements = tiny_meeting()
    # the new priority c is line 4; a candidate of lines {1, 2, 4}: F1 = 2*1/(1+3) = 0.5
    assert ef.new_found(meeting, statements, {"s1": "t", "s3": "t", "s5": "t"},
                        ["a", "b"], 0) == (1, 1)
    # lines {1, 2, 3, 4}: F1 = 2/5 = 0.4, below FOUND_F1
    assert ef.new_found(meeting, statements, {"s1": "t", "s3": "t", "s4": "t", "s5": "t"},
                        ["a", "b"], 0) == (0, 1)


def test_the_split_keeps_first_half_priorities_with_enough_lines(monkeypatch) -> None:
    meeting, statements = tiny_meeting()
    gold = ef.statement_gold(meeting, statements)
    assert ef.split_of(meeting, gold, statements, None) == ef.Split((), 3)  # a: 2 lines < 3
    monkeypatch.setattr(ef, "MIN_SEED_LINES", 2)
    assert ef.split_of(meeting, gold, statements, None) == ef.Split(("a",), 3)
    assert ef.split_of(meeting, gold, statements, ["b"]) == ef.Split((), 3)  # a not existing


# --- the store, the pipeline and the CLI --------------------------------------------------------

CARE = ["Parents on the night shift cannot find childcare before six in the morning.",
        "The daycare near the plant closes at five, so second shift mothers quit.",
        "We need backup childcare for nurses and operators who work weekends."]
QUARTERLY = """Fay: Welcome back, everyone. Let us hear what is new since the launch.
Ana: Our night shift parents still cannot find childcare that opens before six.
Ben: The only daycare near the plant closes at five and our second shift mothers keep quitting.
Ana: Separately, our trucks sit idle because we cannot hire diesel mechanics.
Ben: The diesel technician program at the college has a two year waitlist.
Cy: Nobody applies for our diesel mechanic openings since the dealerships pay more.
"""


@pytest.fixture
def partnership(engine: Engine, embedder) -> int:
    """A launch whose "Childcare for shift workers" was confirmed, with stored vectors; s01 and
    s02 were said in one turn."""
    data = result({"care": [0, 1, 2], "band": [3, 4]}, n=6)
    for n, text in enumerate(CARE):
        data["statements"][n]["text"] = text
    data["statements"][2]["turn"] = 1
    vectors = {s["id"]: embedder.encode(s["text"]) for s in data["statements"]}
    c = load(engine, data, vectors=vectors).convening_id
    care = theme_id(engine, c, "care")
    review.rename(engine, care, "Childcare for shift workers")
    review.confirm(engine, care)
    return priorities.partnership_of(engine, c)


def test_known_topics_come_from_the_store(engine: Engine, partnership: int) -> None:
    (topic,) = setup.known_topics(engine, partnership)
    assert topic.name == "Childcare for shift workers" and topic.vectors.shape[0] == 3
    assert topic.groups is not None and topic.groups[1] == topic.groups[2] != topic.groups[0]
    with pytest.raises(NotFoundError, match="no partnership with id 999"):
        setup.known_topics(engine, 999)


def test_synthesize_with_a_partnership_attaches_talk_to_its_priority(
        engine: Engine, partnership: int, db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    (tmp_path / "q.txt").write_text(QUARTERLY)
    (tmp_path / "roster.csv").write_text("name,company,role\nFay,Facil,facilitator\n"
                                         "Ana,Acme,business\nBen,Bolt,business\nCy,Cobalt,business\n")
    out = CliRunner().invoke(app, [
        "synthesize", str(tmp_path / "q.txt"), "--roster", str(tmp_path / "roster.csv"),
        "--partnership", str(partnership), "--out", str(tmp_path / "r.json"),
        "--out", str(tmp_path / "r.md")])
    assert out.exit_code == 0, out.output
    data = json.loads((tmp_path / "r.json").read_text())
    (known,) = data["known_priorities"]
    (theme,) = [t for t in data["themes"] if t["id"] == known["theme"]]
    assert (theme["label"], theme["label_generated"]) == ("Childcare for shift workers", False)
    assert theme["known_priority"] == known["id"]
    by_id = {s["id"]: s for s in data["statements"]}
    attached = [by_id[sid] for sid in theme["statement_ids"]]
    assert {s["line"] for s in attached} == {1, 2}  # the childcare lines, nothing of diesel
    assert all(s["known_priority"] == known["id"] and s["theme"] == theme["id"]
               for s in attached)
    assert theme["breadth"] == len({s["speaker"] for s in attached}) == 2
    others = {sid for t in data["themes"] if t is not theme for sid in t["statement_ids"]}
    assert not others & set(theme["statement_ids"])  # never a new candidate too
    assert {q["statement_id"] for q in theme["quotes"]} <= set(theme["statement_ids"])
    markdown = (tmp_path / "r.md").read_text()
    assert "## Childcare for shift workers\n\nRaised again by 2 business leaders at this " \
           "meeting" in markdown
    assert markdown.index("# Known priorities raised again") < markdown.index("# New candidates")


def test_a_recording_added_to_a_convening_joins_its_known_priority(
        engine: Engine, partnership: int, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from synth.convening import jobs
    from synth.store import queries, transaction

    monkeypatch.setenv("SYNTH_FILES_DIR", str(tmp_path / "files"))
    (tmp_path / "q.txt").write_text(QUARTERLY)
    url = engine.url.render_as_string(hide_password=False)
    with transaction(engine) as s:
        (launch,) = [c.id for c, _ in queries.list_convenings(s)]
    jobs.process(url, launch, [tmp_path / "q.txt"])
    with transaction(engine) as s:
        themes = [t for t in queries.themes_of(s, launch)
                  if t.label == "Childcare for shift workers"]
        added = {sid: st for sid, st in queries.statements_of(s, launch).items()
                 if st.line is not None}  # the typed transcript's; the launch's have none
    for t in themes:
        if t.status == "candidate":  # the facilitator confirms it: it joins by its name
            review.confirm(engine, t.id)
    with transaction(engine) as s:
        (care,) = queries.known_priorities(s, partnership)
    new = {st.id for st in care.statements} & set(added)
    assert {added[sid].line for sid in new} == {1, 2}  # raised again; diesel not attached
    assert len(priorities.list_priorities(engine, partnership)) == 1  # no new priority


def test_an_unknown_partnership_is_one_line(db_url: str, engine: Engine, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    (tmp_path / "q.txt").write_text(QUARTERLY)
    out = CliRunner().invoke(app, ["synthesize", str(tmp_path / "q.txt"), "--partnership", "999",
                                   "--out", str(tmp_path / "r.json")])
    assert out.exit_code != 0 and "no partnership with id 999" in out.output
    assert not (tmp_path / "r.json").exists()


# --- the import links what is raised again; the facilitator's review shows it apart -------------


def quarterly_of(engine: Engine, data: dict, pid: int | None) -> int:
    """Import ``data`` as the partnership's quarterly, its theme "care" marked as raising
    priority ``pid`` again (as the pipeline's result marks it)."""
    for t in data["themes"]:
        t.pop("known_priority", None)
        if t["id"] == "care" and pid is not None:
            t["known_priority"] = pid
    return load(engine, data, "Quarterly 1").convening_id


def test_the_import_links_a_theme_raised_again_to_its_priority(engine: Engine) -> None:
    from test_ballots import ROSTER as VOTERS
    from test_ballots import THEMES

    from synth.decisions.review_view import read_convening
    from synth.store import queries, transaction

    launch = load(engine, result(THEMES, n=14, roster=VOTERS)).convening_id
    review.confirm(engine, theme_id(engine, launch, "care"))
    pid = priorities.partnership_of(engine, launch)
    (care,) = priorities.list_priorities(engine, pid)
    speakers = {4: "Ana", 5: "Ben", 6: "Pat", 7: "Cy"}
    data = result(THEMES, n=14, roster=VOTERS, speakers=speakers)
    q = quarterly_of(engine, data, care.id)
    again, chosen = theme_id(engine, q, "care"), theme_id(engine, launch, "care")
    with transaction(engine) as s:
        assert queries.priority_link(s, again) == care.id
        assert queries.get_theme(s, again).status == "candidate"
        # a candidate is not what the room chose: the next meeting is matched without it
        (known,) = queries.known_priorities(s, pid)
        assert known.theme_ids == (chosen,)
    view = read_convening(engine, q)
    assert view.raised_again == {again: "label care"}
    assert [t.id for t in view.new_candidates] == \
        [t.id for t in view.active if t.id != again] and len(view.new_candidates) == 3
    assert read_convening(engine, launch).raised_again == {}  # made there, not raised again
    assert priorities.confirm_choices(engine, again)[1] == care.id
    review.confirm(engine, again)  # joins its priority: no new one
    assert [p.id for p in priorities.list_priorities(engine, pid)] == [care.id]
    with transaction(engine) as s:
        assert queries.priority_link(s, again) == care.id
    review.undo(engine, q)  # back to a linked candidate
    with transaction(engine) as s:
        assert queries.priority_link(s, again) == care.id
        assert queries.get_theme(s, again).status == "candidate"
    # a re-run that no longer finds it raised again: the untouched candidate follows it
    quarterly_of(engine, data, None)
    again = theme_id(engine, q, "care")
    with transaction(engine) as s:
        assert queries.priority_link(s, again) is None


def test_a_priority_of_another_partnership_is_not_linked(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    from test_ballots import THEMES

    from synth.store import queries, transaction

    data = result(THEMES, n=14)
    data["themes"][1]["known_priority"] = 999
    care = theme_id(engine, load(engine, data).convening_id, "care")
    with transaction(engine) as s:
        assert queries.priority_link(s, care) is None
    assert "priority 999, which is not a priority of this convening's partnership" in caplog.text
    data["themes"][1]["known_priority"] = "care"
    with pytest.raises(InputError, match=r"themes\[1\]\.known_priority: expected int"):
        load(engine, data)


def test_the_review_page_shows_known_priorities_raised_again_apart(
        db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest
    from test_app import PASSCODE, button, signed_in
    from test_ballots import ROSTER as VOTERS
    from test_ballots import THEMES

    from synth.convening import jobs
    from synth.store import queries, transaction
    from synth_app import auth

    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    monkeypatch.setenv("SYNTH_FILES_DIR", str(tmp_path / "files"))
    auth.set_passcode(jobs.files_dir(db_url), PASSCODE)
    launch = load(engine, result(THEMES, n=14, roster=VOTERS)).convening_id
    review.confirm(engine, theme_id(engine, launch, "care"))
    (care,) = priorities.list_priorities(engine, priorities.partnership_of(engine, launch))
    data = result(THEMES, n=14, roster=VOTERS, speakers={4: "Ana", 5: "Ben", 6: "Pat"})
    q = quarterly_of(engine, data, care.id)
    again = theme_id(engine, q, "care")

    def page() -> AppTest:
        at = signed_in()
        at.session_state["convening_id"] = q
        return at.run()

    at = page()
    assert not at.exception, at.exception
    heads = [h.value for h in at.subheader]
    assert heads[:2] == ["Known priorities raised again", "New candidates"]
    lines = [t.value for t in at.text]
    said = lines.index("label care: raised again by 2 business leaders at this meeting")
    assert lines[said + 1] == "#1  label care"  # its card, with its quotes and actions
    cards = [v for v in lines if v.startswith("#")]
    assert cards == ["#1  label care", "#1  label hire", "#2  label house", "#3  label solo"]
    assert at.selectbox(key=f"joins-{again}").value == care.id
    button(at, f"confirm-{again}").click().run()
    assert not at.exception, at.exception
    with transaction(engine) as s:
        assert queries.get_theme(s, again).status == "confirmed"
        assert queries.priority_link(s, again) == care.id
    assert "Known priorities raised again" in [h.value for h in at.subheader]  # still raised


def test_a_quarterly_processed_by_the_job_links_its_priority_raised_again(
        engine: Engine, partnership: int, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from synth.convening import jobs
    from synth.decisions.review_view import read_convening

    monkeypatch.setenv("SYNTH_FILES_DIR", str(tmp_path / "files"))
    (tmp_path / "q.txt").write_text(QUARTERLY)
    q = setup.create_convening(engine, title="Quarterly 1", industry="manufacturing",
                               region="North Bay", kind="quarterly")
    assert priorities.partnership_of(engine, q) == partnership
    jobs.process(engine.url.render_as_string(hide_password=False), q, [tmp_path / "q.txt"])
    (care,) = priorities.list_priorities(engine, partnership)
    view = read_convening(engine, q)
    (again,) = view.raised_again
    assert view.raised_again[again] == "Childcare for shift workers"
    theme = next(t for t in view.active if t.id == again)
    assert theme.status == "candidate"
    assert {view.statements[sid].line for sid in theme.statement_ids} == {1, 2}
    assert again not in {t.id for t in view.new_candidates}
    assert priorities.confirm_choices(engine, again)[1] == care.id


def test_new_candidates_are_kept_apart_from_known_priorities_raised_again() -> None:
    """Theme finding ran on the whole meeting; by hand, with A and B above (bar 0.8):
    t1 holds s1 (0.7,0,0.71) and s2 (0.6,0,0.8), which reach no priority (0.69, 0.59 to A),
    and s3 (0.82,0,0.57), on A (0.81) but nearer t1's centroid of s1 and s2 (0.97): t1 is new
    and takes s3 back. t2: s4 and s5 on A, most of it, so A raised again, no new candidate;
    its s6 (0,0,1) stays in no theme. t3: all on B."""
    from synth.records import Theme
    from synth.themes.candidates import ThemeResult

    rows = {"s1": [0.7, 0, 0.71], "s2": [0.6, 0, 0.8], "s3": [0.82, 0, 0.57],
            "s4": [1.0, 0, 0], "s5": [0.9, 0.1, 0], "s6": [0, 0, 1.0], "s7": [0, 1.0, 0]}
    said = [st(sid, n) for n, sid in enumerate(rows)]
    vectors = np.array(list(rows.values()))
    match = match_known(said, vectors, [A, B])
    assert [match.assignment[s] for s in rows] == [None, None, "a", "a", "a", None, "b"]
    groups = {"t1": ("s1", "s2", "s3"), "t2": ("s4", "s5", "s6"), "t3": ("s7",)}
    themes = ThemeResult(tuple(Theme(t, f"label {t}", (t,), ids, ("Ana",))
                               for t, ids in groups.items()),
                         {sid: t for t, ids in groups.items() for sid in ids})
    after, new = followup.new_apart(said, vectors, match, themes, [A, B])
    (t1,) = new.themes
    assert (t1.id, t1.statement_ids, t1.label) == ("t1", ("s1", "s2", "s3"), "label t1")
    assert [after.assignment[s] for s in rows] == [None, None, None, "a", "a", None, "b"]
    assert new.assignment == {"s1": "t1", "s2": "t1", "s3": "t1", "s4": None, "s5": None,
                              "s6": None, "s7": None}
    assert after.threshold == match.threshold and after.nearest == match.nearest
    # nothing known: every candidate with statements is new, as it was
    _, same = followup.new_apart(said, vectors, match_known(said, vectors, []), themes, [])
    assert [t.id for t in same.themes] == ["t1", "t2", "t3"]
