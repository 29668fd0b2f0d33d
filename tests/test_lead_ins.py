"""A theme of lead-ins to other themes' points is no candidate (issue 25).

Hand-worked vectors and turns for the rule (synth.themes.sifting.dissolve_lead_ins), and a dev
convening through the real pipeline (spaCy, MiniLM, BERTopic), where the rule removed the one
candidate made of stories and asides.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from synth.themes.priorities import Priority, PriorityList
from synth.themes.sifting import LEAD_IN_SHARE, dissolve_lead_ins, sift

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "pipelines"))
import evaluate_convenings as ec  # noqa: E402

E = np.eye(6)
PRIORITIES = PriorityList(entries=(Priority("Childcare", "care"), Priority("Housing", "rent")),
                          vectors=E[:2])


def _row(on: float, topic: int, off: int) -> np.ndarray:
    """A unit vector with cosine ``on`` to priority ``topic`` and the rest on axis ``off``."""
    return on * E[topic] + np.sqrt(1.0 - on * on) * E[off]


def _meeting() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Five turns of a round table. Turns a and b come to childcare (theme 0), turn c to housing
    (theme 1), each after a story that the clusterer put in theme 2; turn d is two statements of
    an aside (theme 2: one off topic, one about childcare) and turn e is housing only."""
    rows, labels, turns = [], [], []
    for turn, point in (("a", 0), ("b", 0), ("c", 1)):
        rows += [_row(0.3, 0, 2), _row(0.9, point, 3 + point)]  # the story, then the point
        labels += [2, point]
        turns += [turn, turn]
    rows += [_row(0.05, 0, 2), _row(0.8, 0, 2)]
    labels += [2, 2]
    turns += ["d", "d"]
    rows += [_row(0.85, 1, 4), _row(0.7, 1, 4)]
    labels += [1, 1]
    turns += ["e", "e"]
    return np.vstack(rows), np.array(labels), turns


def test_a_theme_of_lead_ins_is_dissolved_into_the_points_they_lead_to() -> None:
    x, labels, turns = _meeting()
    # theme 2: 3 of its 5 statements lead in (0.6); themes 0 and 1 hold every turn's end
    assert LEAD_IN_SHARE < 3 / 5
    out = dissolve_lead_ins(x, labels, turns, PRIORITIES)
    assert 2 not in out
    assert out[[0, 2, 4]].tolist() == [0, 0, 1]  # each story joins its own turn's point
    assert out[[1, 3, 5]].tolist() == [0, 0, 1]  # the points stay
    # the aside: the off-topic statement (cosine 0.05, the least on-topic quarter) is set
    # aside, the one about childcare joins the childcare theme
    assert out[6:8].tolist() == [-1, 0]
    assert out[8:].tolist() == [1, 1]


def test_a_theme_that_holds_its_turns_ends_stays() -> None:
    x, labels, turns = _meeting()
    turns[4:6] = ["c1", "c2"]  # turn c was two turns: its story now ends a turn of its own
    # theme 2 leads in 2 of 5 times
    assert dissolve_lead_ins(x, labels, turns, PRIORITIES).tolist() == labels.tolist()


def test_half_is_not_more_than_half() -> None:
    x, labels, turns = _meeting()
    labels[0] = 0  # turn a told no story: theme 2 leads in 2 of its 4 statements
    assert dissolve_lead_ins(x, labels, turns, PRIORITIES).tolist() == labels.tolist()


def test_when_every_theme_leads_in_nothing_changes() -> None:
    x = np.vstack([_row(0.9, 0, 3)] * 6)
    labels = np.array([0, 0, 1, 1, 1, 0])
    turns = ["a", "a", "a", "b", "b", "b"]  # each theme leads into the other 2 of 3 times
    assert dissolve_lead_ins(x, labels, turns, PRIORITIES).tolist() == labels.tolist()
    assert dissolve_lead_ins(x, np.zeros(6, dtype=int), turns, PRIORITIES).tolist() == [0] * 6


def test_without_a_priority_list_nothing_is_set_aside() -> None:
    x, labels, turns = _meeting()
    out = dissolve_lead_ins(x, labels, turns, None)
    assert 2 not in out and -1 not in out.tolist()


def test_sift_reads_lead_ins_only_when_given_turns() -> None:
    """An agenda meeting gives no turns (its turns are replies in a dialogue): theme 2 stays."""
    x, labels, turns = _meeting()
    assert 2 in sift(x, labels, PRIORITIES)
    assert 2 not in sift(x, labels, PRIORITIES, turns=turns)


@pytest.mark.skipif(not ec.DATA_DIR.is_dir(), reason=f"no convening data at {ec.DATA_DIR}")
def test_a_real_round_table_keeps_no_candidate_of_stories(settings) -> None:
    """dev3 through the real pipeline. Its stories (a supper club's history, the visa lottery
    before "so I had eighteen jobs and no people") and the docks-in-the-mud aside formed a
    candidate most of whose lines carry no gold priority. Without the rule this fails."""
    from synth.audio.transcribe import transcribe_file
    from synth.convening.pipeline import synthesize_transcripts
    from synth.text.roster import load_roster
    from synth.themes.candidates import ThemeSettings

    meeting = ec.load_meeting("dev3")
    transcript = transcribe_file(meeting.transcript, settings=settings)
    # stability does not move a statement: skip its re-clustering runs (speed)
    result = synthesize_transcripts([transcript], settings=settings,
                                    roster=load_roster(meeting.roster),
                                    theme_settings=ThemeSettings(stability_runs=0))
    themes = result.themes.themes
    clusters = ec.line_clusters(result.statements, result.themes.assignment, len(meeting))
    labels = {t.id: t.label for t in themes}
    assert len(themes) >= 4
    assert ec.procedural(clusters, meeting) == [], labels
    assert ec.score(clusters, meeting)["found"] >= 0.8
