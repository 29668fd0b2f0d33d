"""The convening evaluation (pipelines/evaluate_convenings.py) against hand-worked examples.

The scoring rules are those of ../shared/data/convenings/README.md: score the lines of business
and public speakers that carry exactly one gold priority; an unassigned line is a cluster of its
own; a gold priority is found when some candidate's scored lines match it with F1 >= 0.5.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pipelines"))

import evaluate_convenings as ec  # noqa: E402

from synth.records import Statement  # noqa: E402

GOLD = {"A": "Hire welders", "B": "Childcare for night shifts", "C": "Rural broadband"}

# line: (speaker, role, text, gold priorities)
LINES = [
    ("Dana Whitfield", "facilitator", "Welcome everyone, let us start.", ()),  # 0 facilitator
    ("Rick Alvarado", "business", "We cannot find certified welders in the valley.", ("A",)),  # 1
    ("Sheila Brandt", "business", "Night shift parents have no childcare at all.", ("B",)),  # 2
    ("Mark Ellison", "public", "The college welding course is full.", ("A",)),  # 3
    ("Tom Kowalczyk", "business", "Welders and childcare, both matter here.", ("A", "C")),  # 4 two
    ("Tom Kowalczyk", "business", "Great coffee this morning, thanks.", ()),  # 5 no gold
    ("Dana Whitfield", "facilitator", "So childcare keeps coming up.", ("B",)),  # 6 facilitator
    ("Priya Natarajan", "business", "Our nurses quit when daycare closed.", ("B",)),  # 7
    ("Greg Oyelaran", "business", "Welders retire faster than we train.", ("A",)),  # 8
    ("Guest Speaker", "other", "Welding is a fine career for young people.", ("A",)),  # 9 other
]
SCORED = [1, 2, 3, 7, 8]  # business/public, exactly one gold priority


def _meeting(tmp_path: Path | None = None, lines: list = LINES, gold: dict = GOLD) -> ec.Meeting:
    where = tmp_path or Path("/nonexistent")
    return ec.Meeting(
        name="dev9",
        transcript=where / "dev9.txt",
        roster=where / "dev9.roster.csv",
        priorities=dict(gold),
        speakers=tuple(x[0] for x in lines),
        roles=tuple(x[1] for x in lines),
        texts=tuple(x[2] for x in lines),
        gold=tuple(tuple(x[3]) for x in lines),
    )


# --------------------------------------------------------------------------- which lines count


def test_scored_lines_business_and_public_with_one_priority() -> None:
    m = _meeting()
    assert len(m) == 10
    assert ec.scored_lines(m) == SCORED


def test_scored_lines_minimum_words() -> None:
    lines = [("A B", "business", "one two three", ("A",)),
             ("A B", "public", "one two three four", ("A",)),
             ("A B", "business", "", ("B",))]
    m = _meeting(lines=lines)
    assert ec.scored_lines(m) == [0, 1, 2]
    assert ec.scored_lines(m, min_words=4) == [1]


# --------------------------------------------------------------------------- F1 and scores


def test_f1_hand_worked() -> None:
    assert ec.f1({1, 3, 8}, {1, 3}) == pytest.approx(0.8)  # 2*2 / (3+2)
    assert ec.f1({1, 3, 8}, {1}) == pytest.approx(0.5)  # 2*1 / (3+1)
    assert ec.f1({1, 2}, {1, 2}) == 1.0
    assert ec.f1({1}, {2}) == 0.0
    assert ec.f1(set(), {2}) == 0.0 and ec.f1(set(), set()) == 0.0


# per line: 0 t1, 1 t1, 2 t2, 3 t1, 4 t2, 5 None, 6 t2, 7 t2, 8 None, 9 t1
CLUSTERS = ["t1", "t1", "t2", "t1", "t2", None, "t2", "t2", None, "t1"]


def test_score_hand_worked() -> None:
    m = _meeting()
    s = ec.score(CLUSTERS, m)
    # scored lines 1 2 3 7 8: truth A B A B A; predicted t1 t2 t1 t2 (8 unassigned)
    # contingency: A = {t1: 2, none8: 1}, B = {t2: 2}
    # sum C(n_ij, 2) = 1 + 1 = 2; rows C(3,2)+C(2,2) = 4; columns C(2,2)+C(2,2)+C(1,2) = 2
    # C(5,2) = 10; expected 4*2/10 = 0.8; max (4+2)/2 = 3; ARI = (2-0.8)/(3-0.8) = 6/11
    assert s["ari"] == pytest.approx(6 / 11)
    truth = ["A", "B", "A", "B", "A"]
    predicted = ["t1", "t2", "t1", "t2", "alone"]
    assert s["ari"] == pytest.approx(adjusted_rand_score(truth, predicted))
    assert s["ami"] == pytest.approx(adjusted_mutual_info_score(truth, predicted))
    assert s["scored"] == 5
    # candidate members on scored lines: t1 {1, 3}, t2 {2, 7} (lines 0, 4, 6, 9 do not count)
    # A {1, 3, 8}: t1 F1 = 2*2/(3+2) = 0.8.  B {2, 7}: t2 F1 = 1.0.
    # C has no scored line (only line 4, which has two priorities): best F1 0, not found.
    assert s["best"]["A"] == ("t1", pytest.approx(0.8))
    assert s["best"]["B"] == ("t2", pytest.approx(1.0))
    assert s["best"]["C"][1] == 0.0
    assert list(s["best"]) == ["A", "B", "C"]
    assert s["found"] == pytest.approx(2 / 3)


def test_unassigned_lines_are_separate_clusters() -> None:
    m = _meeting()
    clusters = list(CLUSTERS)
    clusters[3] = None  # now lines 3 and 8 (both A) are unassigned
    s = ec.score(clusters, m)
    # truth A B A B A, predicted t1 t2 none3 t2 none8: A = {t1: 1, none3: 1, none8: 1},
    # B = {t2: 2}; sum C(n_ij,2) = 1; rows 3+1 = 4; columns C(2,2) = 1; expected 0.4;
    # max 2.5; ARI = (1-0.4)/(2.5-0.4) = 2/7. Merged into one "unassigned" cluster it would be
    # 6/11, as in the test above.
    assert s["ari"] == pytest.approx(2 / 7)
    # A {1, 3, 8} against t1 {1}: F1 = 2/(3+1) = 0.5, exactly the threshold: found
    assert s["best"]["A"] == ("t1", pytest.approx(0.5))
    assert s["found"] == pytest.approx(2 / 3)


def test_found_needs_f1_of_one_half() -> None:
    m = _meeting()
    # t1 holds A's line 1 and B's lines 2 and 7: A {1,3,8} vs t1 {1,2,7}: F1 = 2/6 = 1/3;
    # B {2,7} vs t1: 2*2/(2+3) = 0.8
    clusters = ["x", "t1", "t1", None, None, None, None, "t1", None, None]
    s = ec.score(clusters, m)
    assert s["best"]["A"] == ("t1", pytest.approx(1 / 3))
    assert s["best"]["B"] == ("t1", pytest.approx(0.8))
    assert s["found"] == pytest.approx(1 / 3)


def test_best_candidate_tie_goes_to_the_first_name() -> None:
    m = _meeting()
    # A {1,3,8}: "b" holds {1}, "a" holds {3}: both F1 0.5; the tie goes to "a"
    clusters = [None, "b", None, "a", None, None, None, None, None, None]
    assert ec.score(clusters, m)["best"]["A"] == ("a", pytest.approx(0.5))


def test_perfect_and_nothing_assigned() -> None:
    m = _meeting()
    perfect = [None, "x", "y", "x", None, None, None, "y", "x", None]
    s = ec.score(perfect, m)
    assert s["ari"] == pytest.approx(1.0) and s["ami"] == pytest.approx(1.0)
    assert s["found"] == pytest.approx(2 / 3)  # C cannot be found: no scored line
    none = ec.score([None] * 10, m)
    assert none["found"] == 0.0
    assert none["best"] == {"A": (None, 0.0), "B": (None, 0.0), "C": (None, 0.0)}
    assert none["ari"] == pytest.approx(0.0)


def test_reference_filter_drops_short_lines() -> None:
    m = _meeting()
    # with min_words 7 only lines 1 (8 words) and 2 (8 words) of the scored ones are kept
    assert [len(m.texts[i].split()) for i in SCORED] == [8, 8, 6, 6, 6]
    s = ec.score(CLUSTERS, m, min_words=7)
    assert s["scored"] == 2
    assert s["best"]["A"] == ("t1", pytest.approx(1.0))  # A {1} vs t1 {1}


def test_score_checks_the_number_of_lines() -> None:
    with pytest.raises(ValueError, match="9 line clusters for 10 lines"):
        ec.score(CLUSTERS[:9], _meeting())


# --------------------------------------------------------------------------- statements -> lines


def _st(i: str, line: int | None, text: str, pos: int) -> Statement:
    return Statement(id=i, recording_id="r", turn_index=pos, start=0, end=1, text=text,
                     line=line, position=pos)


def test_line_clusters_majority_by_words() -> None:
    statements = [
        _st("a", 0, "one two three", 0),  # line 0: x 3 words
        _st("b", 0, "one two three four", 1),  # line 0: y 4 words -> y
        _st("c", 1, "one two", 2),  # line 1: x 2 + 2 = 4, y 3 -> x
        _st("d", 1, "one two three", 3),
        _st("e", 1, "one two", 4),
        _st("f", 2, "unassigned words here", 5),  # line 2: no theme -> None
        _st("g", None, "no line at all", 6),  # ignored
        _st("h", 7, "beyond the last line", 7),  # ignored
        _st("i", 3, "", 8),  # an empty statement counts one word
    ]
    assignment = {"a": "x", "b": "y", "c": "x", "d": "y", "e": "x", "f": None, "g": "x",
                  "h": "x", "i": "z"}
    assert ec.line_clusters(statements, assignment, 4) == ["y", "x", None, "z"]


def test_line_clusters_tie_goes_to_the_theme_said_first() -> None:
    statements = [_st("a", 0, "one two", 0), _st("b", 0, "three four", 1)]
    assert ec.line_clusters(statements, {"a": "y", "b": "x"}, 1) == ["y"]
    assert ec.line_clusters(statements, {"a": "x", "b": "y"}, 1) == ["x"]


def test_line_clusters_tie_does_not_depend_on_the_order_given() -> None:
    # Theme x is said first (position 1) and last (position 5), y in between; 2 words each
    # side: a tie that x wins however the statements are listed.
    statements = [_st("late", 0, "one", 5), _st("mid", 0, "one two", 3),
                  _st("early", 0, "one", 1)]
    assignment = {"late": "x", "mid": "y", "early": "x"}
    assert ec.line_clusters(statements, assignment, 1) == ["x"]
    assert ec.line_clusters(statements[::-1], assignment, 1) == ["x"]


# --------------------------------------------------------------------------- procedural, names


def test_procedural_candidates() -> None:
    m = _meeting()  # lines 0 and 5 carry no gold priority
    # p: lines 0, 2, 5: 2 of 3 without gold -> procedural; r: lines 1, 3: all gold
    assert ec.procedural(["p", "r", "p", "r", None, "p", None, None, None, None], m) == ["p"]
    # q: lines 0, 1: exactly half without gold -> not procedural
    assert ec.procedural(["q", "q", None, None, None, None, None, None, None, None], m) == []
    # any speaker's lines count: q: lines 0, 5 (no gold) and 6 (the facilitator's, B)
    assert ec.procedural(["q", None, None, None, None, "q", "q", None, None, None], m) == ["q"]
    assert ec.procedural([None] * 10, m) == []
    assert ec.procedural(["s"] * 10, m) == []  # 2 of 10 lines without gold


def test_person_names_from_roster_and_speakers(tmp_path: Path) -> None:
    (tmp_path / "dev9.roster.csv").write_text(
        "name,company,role\nDana Whitfield,Board,facilitator\nRick O'Brien,Mill,business\n"
        "Li Wu,Wu Labs,business\n", encoding="utf-8")
    m = _meeting(tmp_path)
    names = ec.person_names(m)
    # roster: dana whitfield rick o'brien (li, wu: two letters, too short to tell);
    # transcript speakers add the rest, "Guest Speaker" included
    assert names == {"dana", "whitfield", "rick", "o'brien", "alvarado", "sheila", "brandt",
                     "mark", "ellison", "tom", "kowalczyk", "priya", "natarajan", "greg",
                     "oyelaran", "guest", "speaker"}
    assert ec.names_a_person("Rick's welders", {"rick"}) is True  # a possessive is a name too
    assert ec.names_a_person("O'Brien pipeline", names) is True
    assert ec.names_a_person("Tomorrow's welders", names) is False  # "tom" is a whole word
    assert ec.names_a_person("Welders and Whitfield", names) is True
    assert ec.names_a_person("Mark ellison", names) is True
    assert ec.names_a_person("Childcare for night shifts", names) is False


# --------------------------------------------------------------------------- files


def _write_meeting(folder: Path, name: str, n_txt: int, n_gold: int) -> None:
    lines = ["Dana Whitfield: Okay: let's start.", "Rick Alvarado: We need welders.",
             "no speaker on this line"][:n_txt]
    (folder / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    gold = [{"line": 0, "speaker": "Dana Whitfield", "role": "facilitator", "themes": []},
            {"line": 1, "speaker": "Rick Alvarado", "role": "business", "themes": ["A"]},
            {"line": 2, "speaker": "Unknown", "role": "other", "themes": []}][:n_gold]
    (folder / f"{name}.gold.json").write_text(
        json.dumps({"themes": {"A": "Hire welders"}, "lines": gold}), encoding="utf-8")


def test_load_meeting_and_names(tmp_path: Path) -> None:
    _write_meeting(tmp_path, "dev2", 3, 3)
    _write_meeting(tmp_path, "dev10", 2, 2)
    assert ec.meeting_names(tmp_path) == ["dev10", "dev2"]  # name order
    m = ec.load_meeting("dev2", tmp_path)
    assert m.transcript == tmp_path / "dev2.txt" and m.roster == tmp_path / "dev2.roster.csv"
    assert m.priorities == {"A": "Hire welders"}
    # the text after the first colon only; a line with no colon is kept whole
    assert m.texts == ("Okay: let's start.", "We need welders.", "no speaker on this line")
    assert m.speakers == ("Dana Whitfield", "Rick Alvarado", "Unknown")
    assert m.roles == ("facilitator", "business", "other")
    assert m.gold == ((), ("A",), ())


def test_load_meeting_refuses_mismatched_lines(tmp_path: Path) -> None:
    _write_meeting(tmp_path, "dev1", 3, 2)
    with pytest.raises(ValueError, match="dev1: 3 transcript lines but 2 gold lines"):
        ec.load_meeting("dev1", tmp_path)


@pytest.mark.skipif(not ec.DATA_DIR.is_dir(), reason=f"no convening data at {ec.DATA_DIR}")
def test_shared_dev_set_loads_as_its_readme_says() -> None:
    names = ec.meeting_names()
    assert names == [f"dev{i}" for i in range(1, 7)]
    for name in names:
        m = ec.load_meeting(name)
        assert len(m.priorities) == 5, name
        assert 100 <= len(m) <= 170, name
        idx = ec.scored_lines(m)
        # every gold priority is raised on scored lines by at least 3 business leaders
        for gid in m.priorities:
            leaders = {m.speakers[i] for i in idx if m.gold[i] == (gid,)
                       and m.roles[i] == "business"}
            assert len(leaders) >= 3, (name, gid)
        assert set(m.roles) <= {"facilitator", "business", "public"}, name


def test_check_convenings_load_like_the_dev_set() -> None:
    """samples/checks/ (the meetings not tuned on) is in the dev set's format and shape."""
    folder = Path(__file__).resolve().parent.parent / "samples" / "checks"
    names = ec.meeting_names(folder)
    assert names == [f"held{i}" for i in range(1, 5)]
    for name in names:
        m = ec.load_meeting(name, folder)
        assert len(m.priorities) == 5 and 100 <= len(m) <= 170, name
        for gid in m.priorities:  # raised by at least 3 business leaders (alone or with another)
            leaders = {m.speakers[i] for i in range(len(m)) if gid in m.gold[i]
                       and m.roles[i] == "business"}
            assert len(leaders) >= 3, (name, gid)
        assert len(ec.scored_lines(m)) >= 50, name


def test_a_missing_data_folder_is_one_clear_line(tmp_path: Path, capsys) -> None:
    assert ec.main(["--data", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "no convening data at" in err and "--data" in err


# --------------------------------------------------------------------------- summary


def test_summary_table_means() -> None:
    rows = [
        {"method": "synth", "ari": 0.2, "ami": 0.3, "found": 0.4, "named": 0.5,
         "candidates": 5, "person_labels": 1, "procedural": 0},
        {"method": "synth", "ari": 0.4, "ami": 0.5, "found": 0.8, "named": 1.0,
         "candidates": 6, "person_labels": 0, "procedural": 2},
        {"method": "ref", "ari": 0.1, "ami": 0.2, "found": 0.6},
    ]
    table = ec.summary_table(rows).splitlines()
    assert table[1].split() == ["synth", "2", "0.300", "0.400", "60%", "75%", "5.5", "1", "2"]
    assert table[2].split() == ["ref", "1", "0.100", "0.200", "60%"]


def test_seed_table_one_line_per_seed_and_their_mean() -> None:
    def row(seed: int, ari: float, found: float, proc: int) -> dict:
        return {"method": "synth", "seed": seed, "ari": ari, "ami": ari + 0.1, "found": found,
                "named": 0.5, "candidates": 6, "person_labels": 0, "procedural": proc}

    rows = [row(0, 0.2, 0.8, 1), row(0, 0.4, 1.0, 0), row(3, 0.5, 0.6, 0), row(3, 0.7, 0.8, 0),
            {"method": "ref", "ari": 0.9, "ami": 0.9, "found": 1.0}]  # references: no seed
    table = [line.split() for line in ec.seed_table(rows).splitlines()]
    assert table[0][0] == "seed"
    assert table[1] == ["0", "0.300", "0.400", "90%", "50%", "6.0", "0", "1"]
    assert table[2] == ["3", "0.600", "0.700", "70%", "50%", "6.0", "0", "0"]
    # the mean of the seeds' means; a procedural count per seed, averaged
    assert table[3] == ["mean", "0.450", "0.550", "80%", "50%", "6.0", "0", "0.5"]


def test_each_seed_reaches_the_clustering_and_references_run_once(tmp_path: Path,
                                                                  monkeypatch, capsys) -> None:
    """``--seeds`` runs the evaluation per seed, with that seed in the pipeline's theme settings;
    the references, which draw no seed of synth's, are scored with the first seed only."""
    import synth.convening.pipeline as pipeline

    _write_meeting(tmp_path, "dev1", 2, 2)
    calls: list[tuple[int, bool]] = []
    seen: list[int] = []

    def fake_evaluate(names, with_references=True, data_dir=ec.DATA_DIR, seed=0):
        calls.append((seed, with_references))
        ec.run_synth(ec.load_meeting(names[0], data_dir), seed)
        return [{"meeting": names[0], "method": "synth", "seed": seed, "ari": 0.1 * seed,
                 "ami": 0.0, "found": 1.0, "named": 1.0, "candidates": 1,
                 "person_labels": 0, "procedural": 0}], [f"report {seed}"]

    class Result:  # what run_synth reads of a Convening: no statement, no theme
        statements: list = []
        themes = type("Themes", (), {"themes": (), "assignment": {}})()

    def fake_synthesize(inputs, *, roster=(), theme_settings=None, **kwargs):
        seen.append(theme_settings.seed)
        return Result()

    monkeypatch.setattr(ec, "evaluate", fake_evaluate)
    monkeypatch.setattr(pipeline, "synthesize", fake_synthesize)
    (tmp_path / "dev1.roster.csv").write_text("name,company,role\nRick Alvarado,Mill,business\n",
                                             encoding="utf-8")
    assert ec.main(["--data", str(tmp_path), "--seeds", "2", "5"]) == 0
    assert calls == [(2, True), (5, False)] and seen == [2, 5]
    out = capsys.readouterr().out
    assert "# seed 2" in out and "report 5" in out
    assert out.splitlines()[-1].split()[:2] == ["mean", "0.350"]


def test_the_sample_evaluation_counts_a_theme_found_as_the_convening_one_does() -> None:
    import evaluate_sample as es

    # six themed statements: "hiring" (0, 1, 2) and "permits" (3, 4, 5); candidate x holds
    # 0, 1 and 3, candidate y holds 2, 4 and 5
    truth = ["hiring", "hiring", "hiring", "permits", "permits", "permits"]
    found = ["x", "x", "y", "x", "y", "y"]
    # hiring vs x: 2 shared of 3 + 3 -> F1 2/3; vs y: 1 shared -> 1/3
    assert es.best_f1(truth, found) == {"hiring": pytest.approx(2 / 3),
                                        "permits": pytest.approx(2 / 3)}
    # an unassigned statement is a cluster of its own and can match nothing else
    assert es.best_f1(["a", "a"], ["unassigned-1", "unassigned-2"]) == {"a": pytest.approx(2 / 3)}
