"""The theme-recovery evaluation: data handling and scoring against hand-worked examples."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pipelines"))

import evaluate_themes as ev  # noqa: E402

from synth.records import Statement  # noqa: E402


def _meeting(texts: list[str], topics: list[set[int]], name: str = "ES2000a") -> ev.Meeting:
    return ev.Meeting(
        name=name,
        domain=ev.domain_of(name),
        speakers=tuple("AB"[i % 2] for i in range(len(texts))),
        texts=tuple(texts),
        topics=tuple(frozenset(t) for t in topics),
    )


FIVE = "we need more trained welders"  # five words: scored


def test_clean_text_strips_markup() -> None:
    assert (
        ev.clean_text("So {disfmarker} the {vocalsound} remote {pause}  is , uh , red .")
        == "So the remote is , uh , red ."
    )


def test_domains() -> None:
    assert [
        ev.domain_of(n)
        for n in ("ES2006a", "IS1006b", "TS3009c", "Bed002", "education_0", "covid_2")
    ] == ["AMI", "AMI", "AMI", "ICSI", "committee", "committee"]


def test_load_meeting_reads_inclusive_string_spans(tmp_path: Path) -> None:
    data = {
        "meeting_transcripts": [
            {"speaker": "A", "content": f"turn {i} {{vocalsound}}"} for i in range(5)
        ],
        "topic_list": [
            {"topic": "x", "relevant_text_span": [["0", "1"]]},
            {"topic": "y", "relevant_text_span": [["1", "3"]]},
        ],
    }
    path = tmp_path / "Bxx001.json"
    path.write_text(json.dumps(data))
    m = ev.load_meeting(path)
    assert m.domain == "ICSI" and m.texts[0] == "turn 0"
    assert m.topics == (
        frozenset({0}),
        frozenset({0, 1}),
        frozenset({1}),
        frozenset({1}),
        frozenset(),
    )


def test_scored_turns_need_five_words_and_one_topic() -> None:
    m = _meeting([FIVE, "too short", FIVE, FIVE], [{0}, {0}, {0, 1}, set()])
    assert ev.scored_mask(m).tolist() == [True, False, False, False]


def test_perfect_clustering_scores_one() -> None:
    m = _meeting([FIVE] * 6, [{0}, {0}, {0}, {1}, {1}, {1}])
    s = ev.score_clusters([5, 5, 5, 7, 7, 7], m)
    assert (
        s["ari"] == pytest.approx(1.0) and s["ami"] == pytest.approx(1.0) and s["coverage"] == 1.0
    )


def test_unassigned_turn_is_its_own_cluster_hand_worked() -> None:
    # truth 000111, predicted a a u b b b. Pair counts: sum C(n_ij,2) = 1 + 3 = 4; rows 3+3 = 6;
    # columns C(2,2)+C(1,2)+C(3,2) = 4; C(6,2) = 15; expected 6*4/15 = 1.6; max (6+4)/2 = 5.
    # ARI = (4 - 1.6) / (5 - 1.6) = 0.70588...
    m = _meeting([FIVE] * 6, [{0}, {0}, {0}, {1}, {1}, {1}])
    s = ev.score_clusters([0, 0, None, 1, 1, 1], m)
    assert s["ari"] == pytest.approx(2.4 / 3.4)
    assert s["coverage"] == pytest.approx(5 / 6)
    # Two unassigned turns are two singletons, not one shared cluster.
    both = ev.score_clusters([None, None, 0, 1, 1, 1], m)
    shared = ev.score_clusters([9, 9, 0, 1, 1, 1], m)
    assert both["ari"] < shared["ari"]


def test_one_cluster_reference_scores_zero() -> None:
    m = _meeting([FIVE] * 6, [{0}, {0}, {0}, {1}, {1}, {1}])
    assert ev.score_clusters(ev.one_cluster(m), m)["ari"] == pytest.approx(0.0)
    assert ev.score_clusters(ev.time_blocks(m), m)["ari"] == pytest.approx(1.0)


def test_shuffle_blocks_cuts_each_topic_in_three_and_keeps_turns() -> None:
    texts = [f"turn number {i} about things" for i in range(18)]
    topics = [{0}] * 9 + [{1}] * 9
    m = _meeting(texts, topics)
    s1, s2 = ev.shuffle_blocks(m), ev.shuffle_blocks(m)
    assert s1 == s2  # fixed seed
    assert sorted(s1.texts) == sorted(m.texts)
    assert all(m.topics[m.texts.index(t)] == tp for t, tp in zip(s1.texts, s1.topics, strict=True))
    # Six blocks of three consecutive original turns each.
    original = [m.texts.index(t) for t in s1.texts]
    blocks = [original[i : i + 3] for i in range(0, 18, 3)]
    assert all(b == list(range(b[0], b[0] + 3)) for b in blocks)
    assert original != sorted(original)


def test_turn_cluster_is_majority_theme_of_its_statements() -> None:
    def st(i: str, turn: int, text: str, pos: int) -> Statement:
        return Statement(
            id=i, recording_id="r", turn_index=turn, start=0, end=1, text=text, position=pos
        )

    statements = [
        st("a", 0, "one two three", 0),
        st("b", 0, "four five six seven eight", 1),
        st("c", 1, "nine ten", 2),
        st("d", 2, "eleven", 3),
    ]
    assignment = {"a": "t1", "b": "t2", "c": "t1", "d": None}
    clusters = ev.turn_themes(statements, assignment, 4)
    # Turn 0: t2 has more words; turn 1: t1; turn 2: unassigned; turn 3: no statement at all.
    assert clusters[0] != clusters[1] and clusters[2] is None and clusters[3] is None


def test_meeting_turns_have_increasing_times() -> None:
    m = _meeting([FIVE, "ok", FIVE], [{0}, {0}, {0}])
    turns = ev.meeting_turns(m)
    assert [t.index for t in turns] == [0, 1, 2]
    assert all(a.end <= b.start for a, b in zip(turns, turns[1:], strict=False))


def test_summary_and_table() -> None:
    rows = [
        {
            "method": "m",
            "condition": "as-is",
            "domain": d,
            "ari": a,
            "ami": a,
            "coverage": 1.0,
            "themes": 3,
        }
        for d, a in (("AMI", 0.2), ("AMI", 0.4), ("ICSI", 0.9))
    ]
    s = ev.summarise(rows, "m", "as-is")
    assert s["all"]["ari"] == pytest.approx(0.5) and s["AMI"]["ari"] == pytest.approx(0.3)
    assert "ICSI" in ev.format_table({"m": {"as-is": s}})


def test_diagnostics_split_boundary_error_from_linking_error_hand_worked() -> None:
    # A topic that comes back: truth 0 0 | 1 1 | 0 0 (plus one unscored short turn).
    m = _meeting(
        [FIVE, FIVE, "too short", FIVE, FIVE, FIVE, FIVE],
        [{0}, {0}, {1}, {1}, {1}, {0}, {0}],
    )
    # Right boundaries, wrong linking: the return of topic 0 got a theme of its own.
    linked_wrong = [1, 1, None, 2, 2, 3, 3]
    assert ev.synth_runs_true_links(linked_wrong, m) == [0, 0, None, 1, 1, 0, 0]
    assert ev.score_clusters(ev.synth_runs_true_links(linked_wrong, m), m)["ari"] == 1.0
    assert ev.true_spans_synth_links(linked_wrong, m) == [1, 1, None, 2, 2, 3, 3]
    assert ev.score_clusters(ev.true_spans_synth_links(linked_wrong, m), m)["ari"] < 1.0
    # Right linking, a boundary one turn late: the true spans repair it by majority (span 2 is
    # 5 7 7 -> 7), while synth's runs keep it (run 5 5 5 5 covers topics 0 0 0 1 -> topic 0).
    m9 = _meeting([FIVE] * 9, [{0}, {0}, {0}, {1}, {1}, {1}, {0}, {0}, {0}])
    late = [5, 5, 5, 5, 7, 7, 5, 5, 5]
    assert ev.true_spans_synth_links(late, m9) == [5, 5, 5, 7, 7, 7, 5, 5, 5]
    assert ev.score_clusters(ev.true_spans_synth_links(late, m9), m9)["ari"] == 1.0
    assert ev.synth_runs_true_links(late, m9) == [0, 0, 0, 0, 1, 1, 0, 0, 0]
    assert ev.score_clusters(ev.synth_runs_true_links(late, m9), m9)["ari"] < 1.0
    # Unassigned turns stay unassigned under true links; a span of them only takes a label
    # from assigned turns.
    assert ev.synth_runs_true_links([None, 1, None, 1, 1, 1, 1], m)[0] is None
    assert ev.true_spans_synth_links([None, 4, None, 4, 4, 4, 4], m)[0] == 4


def test_cluster_overrides_change_only_the_named_knobs() -> None:
    params = ev.cluster_overrides(["context_share=0.035", "prior_range=2,6", "switch_penalty=3"])
    assert params.context_share == 0.035
    assert params.prior_range == (2, 6)
    assert params.switch_penalty == 3.0 and isinstance(params.switch_penalty, float)
    assert params.semantic_context == ev.ClusterParams().semantic_context
    assert ev.cluster_overrides([]) == ev.ClusterParams()


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("context_width=10", "name one of"),
        ("semantic_context", "name one of"),
        ("semantic_context=wide", "must be a whole number"),
        ("prior_range=3", "separated by commas"),
        ("order_slack=a lot", "must be a number"),
    ],
)
def test_cluster_overrides_reject_bad_pairs_clearly(pair: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ev.cluster_overrides([pair])


def test_cli_reports_a_bad_override_without_running(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        ev.main(["--set", "nonsense=1"])
    assert stop.value.code == 2
    assert "expected name=value" in capsys.readouterr().err


def test_each_topic_is_shown_beside_the_label_of_its_best_matching_theme() -> None:
    m = _meeting(["a", "b", "c", "d", "e"], [{0}, {0}, {1}, {1}, set()])
    m = ev.Meeting(m.name, m.domain, m.speakers, m.texts, m.topics,
                   topic_names=("Budget", "Remote design", "Never discussed"))
    # turns 0-1 in theme x, 2 in y, 3-4 in x: Budget = {0, 1} vs x = {0, 1, 3, 4}: F1 2*2/6;
    # Remote design = {2, 3} vs y = {2}: 2*1/3 = 0.667 beats x (2*1/6); the last has no turn
    rows = ev.topic_labels(m, ["x", "x", "y", "x", "x"], {"x": "Costs", "y": "Buttons"})
    assert rows == [("Budget", 0.667, "Costs"), ("Remote design", 0.667, "Buttons"),
                    ("Never discussed", 0.0, "-")]
