"""Short off-topic turns and the meeting's opening banter are remarks, set aside rather than
counted as a priority's talk (issue 25: "procedural lines never form a candidate").

Hand-worked vectors for the rules (synth.themes.sifting.set_aside_remarks, opening_talk) and the
real MiniLM model with the shipped priority list for the whole path through find_themes.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from synth.records import Participant, Statement
from synth.text.statements import said_words
from synth.themes.clustering import ClusterParams, round_table
from synth.themes.priorities import Priority, PriorityList
from synth.themes.sifting import REMARK_WORDS, opening_talk, set_aside_remarks, short_turns

E = np.eye(4)
PRIORITIES = PriorityList(entries=(Priority("Childcare", "care"), Priority("Housing", "rent")),
                          vectors=E[:2])


def _row(on: float) -> np.ndarray:
    """A unit vector with cosine ``on`` to the childcare entry, the rest on an unlisted axis."""
    return on * E[0] + np.sqrt(1.0 - on * on) * E[3]


def _said(rows: list[tuple[int, str, float]]) -> tuple[list[Statement], np.ndarray]:
    """Statements (turn, text) and their vectors from (turn, text, cosine to childcare)."""
    statements = [Statement(id=f"s{i}", recording_id="rec", turn_index=turn, start=float(i),
                            end=i + 0.9, text=text, position=i)
                  for i, (turn, text, _) in enumerate(rows)]
    return statements, np.vstack([_row(on) for _, _, on in rows])


ROWS = [
    (0, "Our second shift parents cannot find childcare after six.", 0.9),
    (1, "Only six?", 0.1),  # a remark: four words or fewer, off-topic
    (2, "Childcare.", 0.8),  # as short, but it names the priority
    (3, "The daycare in town has a waiting list of a year.", 0.7),
    (4, "Is there green chile in these enchiladas today?", 0.05),  # off-topic, but a sentence
    (5, "Sorry.", 0.2),  # two statements of one turn: five words in all
    (5, "I mean the night shift.", 0.2),
    (6, "We lost two welders because they had nobody to watch their kids.", 0.6),
]


def test_a_short_off_topic_turn_is_set_aside_and_the_rest_stays() -> None:
    statements, x = _said(ROWS)
    assert said_words("(laughs) Only six?") == 2 <= REMARK_WORDS
    # the median cosine is 0.4: "Only six?" (0.1) is under it and short; "Childcare." is short
    # but over it; the chile question and the two-statement turn are under it but not short
    short = short_turns(statements, statements)
    assert short.tolist() == [False, True, True, False, False, False, False, False]
    out = set_aside_remarks(x, np.zeros(len(ROWS), dtype=int), PRIORITIES, short)
    assert out.tolist() == [0, -1, 0, 0, 0, 0, 0, 0]


def test_a_turn_counts_its_back_channels_too() -> None:
    # "Yeah, yeah, right. So we'll do that." is a reply of seven words, not a remark of four:
    # the back-channel statement is not clustered, but it was said in the same turn
    said, _ = _said([(0, "Yeah, yeah, right.", 0.1), (0, "So we'll do that.", 0.1),
                     (1, "So we'll do that.", 0.1)])
    assert short_turns(said[1:], said).tolist() == [False, True]


def test_statements_already_set_aside_stay_so_and_without_a_list_nothing_changes() -> None:
    statements, x = _said(ROWS)
    labels = np.array([0, 1, 0, 1, -1, 1, 1, 0])
    short = short_turns(statements, statements)
    assert set_aside_remarks(x, labels, None, short) is labels
    out = set_aside_remarks(x, labels, PRIORITIES, short)
    assert out.tolist() == [0, -1, 0, 1, -1, 1, 1, 0]


def _at(i: int, text: str, speaker: str, recording: str = "rec") -> Statement:
    return Statement(id=f"{recording}{i}", recording_id=recording, turn_index=i, start=float(i),
                     end=i + 0.9, text=text, speaker=speaker, position=i)


def test_the_opening_is_what_is_said_before_the_facilitators_first_question() -> None:
    said = [_at(0, "Morning, everybody. Coffee's in the back.", "Fac"),
            _at(1, "Nine-thirty for me, so talk fast.", "Hank"),
            _at(2, "Where is construction going here? What keeps you up at night?", "Fac"),
            _at(3, "Framers. I can't find framers.", "Hank"),
            # a second recording: its own opening, up to its own first question
            _at(4, "Welcome back from the break.", "Fac", "rec2"),
            _at(5, "Those cookies are gone already.", "Jen", "rec2"),
            _at(6, "Who wants to start on housing?", "Fac", "rec2"),
            _at(7, "Rent near the job sites doubled.", "Jen", "rec2"),
            # a third, in which the facilitator asks nothing: no opening
            _at(8, "Thanks for coming.", "Fac", "rec3"),
            _at(9, "Permits take eleven months.", "Jen", "rec3")]
    facilitator = [s for s in said if s.speaker == "Fac"]
    leaders = [s for s in said if s.speaker != "Fac"]
    assert opening_talk(leaders, facilitator).tolist() == [True, False, True, False, False]
    assert not opening_talk(leaders, []).any()


def test_the_first_on_topic_statement_ends_the_opening() -> None:
    # a table's recording in which the facilitator asks only at its end: once a leader is on the
    # industry the meeting has started, and off-topic talk after that is no opening
    said = [_at(0, "Is the coffee still warm?", "Hank"),
            _at(1, "Framers are the hardest people to hire here.", "Jen"),
            _at(2, "My truck is parked in the loading zone.", "Hank"),
            _at(3, "Anything else before we wrap up?", "Fac")]
    leaders = said[:3]
    on_topic = np.array([False, True, False])
    assert opening_talk(leaders, said[3:], on_topic).tolist() == [True, False, False]
    assert opening_talk(leaders, said[3:]).tolist() == [True, True, True]


def test_opening_talk_is_set_aside_only_when_off_topic() -> None:
    # a leader who opens on the industry keeps his words in a theme
    x = np.vstack([_row(on) for on in (0.05, 0.8, 0.9, 0.7, 0.6, 0.3)])
    opening = np.array([True, True, False, False, False, False])
    out = set_aside_remarks(x, np.zeros(6, dtype=int), PRIORITIES, opening)
    assert out.tolist() == [-1, 0, 0, 0, 0, 0]


def test_only_a_round_table_sets_remarks_aside() -> None:
    # 120 statements on four topics: in blocks of 30 (an agenda meeting: the talk persists,
    # the wide context places a short reply), then the same rows interleaved at random
    rng = np.random.default_rng(0)
    topics = np.repeat(np.arange(4), 30)
    x = np.eye(8)[topics] + 0.6 * rng.standard_normal((120, 8))
    groups = np.zeros(120, dtype=int)
    assert not round_table(x, groups, ClusterParams())
    assert round_table(x[rng.permutation(120)], groups, ClusterParams())


@pytest.mark.slow
def test_remarks_make_no_part_of_a_candidate_with_the_real_model() -> None:
    from synth.text.embed import embed_texts
    from synth.themes.candidates import ThemeSettings, find_themes
    from synth.themes.priorities import embed_priorities, load_priorities

    talk = [
        "Our night shift parents have nowhere to leave their kids.",
        "Only six?",
        "Daycare waiting lists are a year long in this county.",
        "Sorry, Nora.",
        "Nobody can afford rent near the plant anymore.",
        "Housing.",
        "Housing prices pushed two of my machinists an hour away.",
        "Oh, don't.",
        "Childcare for weekend shifts would keep my best operators.",
        "The apartments by the plant rent for twice what a new hire makes.",
    ] * 7
    # a round table: whatever was said last says nothing about what is said next
    talk = [talk[i] for i in np.random.default_rng(0).permutation(len(talk))]
    statements = [Statement(id=f"s{i}", recording_id="rec", turn_index=i, start=float(i),
                            end=i + 0.9, text=text, speaker="ABCD"[i % 4], line=i, position=i)
                  for i, text in enumerate(talk)]
    vectors = embed_texts(talk)
    assert round_table(vectors.astype(np.float64), np.zeros(len(talk), int), ClusterParams())
    common = embed_priorities(load_priorities(), embed_texts)
    result = find_themes(statements, vectors, settings=ThemeSettings(stability_runs=0),
                         priorities=common)
    assert result.themes
    theme = result.assignment
    remarks = [s.id for s in statements if s.text in ("Only six?", "Sorry, Nora.", "Oh, don't.")]
    assert all(theme[sid] is None for sid in remarks), [theme[sid] for sid in remarks]
    # a one-word turn that names a priority is not a remark
    housing = [s.id for s in statements if s.text == "Housing."]
    assert all(theme[sid] is not None for sid in housing)


@pytest.mark.slow
def test_opening_banter_makes_no_part_of_a_candidate_with_the_real_model() -> None:
    from synth.text.embed import embed_texts
    from synth.themes.candidates import ThemeSettings, find_themes
    from synth.themes.priorities import embed_priorities, load_priorities

    opening = [("Fac", "Morning, everybody, the breakfast burritos are from Lupe's."),
               ("Hank", "Nine-thirty for me, so talk fast."),
               ("Fac", "I'll do my best, and the coffee's in the back."),
               ("Tasha", "Is there green chile in these burritos?"),
               ("Fac", "Where is construction going here, and what keeps you up at night?")]
    talk = [
        "Our framers are retiring and nobody young is coming up behind them.",
        "Rent near the job sites doubled, so my crews drive an hour each way.",
        "We need an apprenticeship that pays while they learn the trade.",
        "The county takes eleven months to issue a building permit.",
        "Workforce housing near town would keep my best carpenters here.",
        "Permit reviews stall every project we bid on this year.",
    ] * 6
    talk = [talk[i] for i in np.random.default_rng(0).permutation(len(talk))]
    rows = opening + [("ABCD"[i % 4], text) for i, text in enumerate(talk)]
    statements = [Statement(id=f"s{i}", recording_id="rec", turn_index=i, start=float(i),
                            end=i + 0.9, text=text, speaker=who, line=i, position=i,
                            clusterable=who != "Fac")
                  for i, (who, text) in enumerate(rows)]
    vectors = embed_texts([text for _, text in rows])
    common = embed_priorities(load_priorities(), embed_texts)
    people = {"Fac": Participant("Fac", role="facilitator")}
    result = find_themes(statements, vectors, settings=ThemeSettings(stability_runs=0),
                         participants=people, priorities=common)
    assert result.themes
    banter = [s.id for s in statements[:5] if s.speaker != "Fac"]
    assert all(result.assignment[sid] is None for sid in banter), banter
    # the same talk with no question from the facilitator has no opening to set aside
    quiet = [s if s.speaker != "Fac" else replace(s, text="Okay.") for s in statements]
    again = find_themes(quiet, vectors, settings=ThemeSettings(stability_runs=0),
                        participants=people, priorities=common)
    assert any(again.assignment[sid] is not None for sid in banter)
