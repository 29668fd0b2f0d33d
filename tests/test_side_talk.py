"""Side talk is set aside, and labels name what a theme keeps talking about (issue 25).

Hand-worked vectors for the side-talk rule (synth.themes.sifting.set_aside_side_talk), the
real MiniLM model and the shipped priority list for the whole path, and hand-made statements for
the label's coverage (synth.themes.labels).
"""

from __future__ import annotations

import numpy as np
import pytest

from synth.records import Statement
from synth.themes.labels import label_themes
from synth.themes.priorities import Priority, PriorityList
from synth.themes.sifting import SIDE_TALK_SHARE, set_aside_side_talk

E = np.eye(6)


def _row(on: float, topic: int, off: int) -> np.ndarray:
    """A unit vector with cosine ``on`` to priority ``topic`` and the rest on axis ``off``."""
    return on * E[topic] + np.sqrt(1.0 - on * on) * E[off]


PRIORITIES = PriorityList(entries=(Priority("Childcare", "care"), Priority("Housing", "rent")),
                          vectors=E[:2])


def _meeting() -> tuple[np.ndarray, np.ndarray]:
    # themes 0 and 1 are on topic (cosines to their priority 0.9 .. 0.6); theme 2 is four
    # statements of banter (cosine 0.05 .. 0.2 to a priority) and one about childcare (0.95)
    rows = [_row(c, 0, 3) for c in (0.9, 0.8, 0.7, 0.6)]
    rows += [_row(c, 1, 4) for c in (0.9, 0.8, 0.7, 0.6)]
    rows += [_row(c, 0, 2) for c in (0.05, 0.1, 0.15, 0.2, 0.95)]
    return np.vstack(rows), np.array([0] * 4 + [1] * 4 + [2] * 5)


def test_a_theme_of_side_talk_is_set_aside_and_its_on_topic_statements_rejoin() -> None:
    x, labels = _meeting()
    # the lower quartile of the 13 cosines is 0.2: theme 2 has 3 of 5 statements below it
    # (0.6 > 0.5), themes 0 and 1 none
    assert SIDE_TALK_SHARE < 3 / 5
    out = set_aside_side_talk(x, labels, PRIORITIES)
    assert out[:8].tolist() == labels[:8].tolist()
    assert out[8:11].tolist() == [-1] * 3  # the banter: set aside, no candidate
    assert out[11:].tolist() == [0, 0]  # the rest joins the childcare theme


def test_without_a_priority_list_or_with_one_theme_nothing_changes() -> None:
    x, labels = _meeting()
    assert set_aside_side_talk(x, labels, None).tolist() == labels.tolist()
    one = np.zeros(len(labels), dtype=int)
    assert set_aside_side_talk(x, one, PRIORITIES).tolist() == one.tolist()


def test_a_theme_mostly_on_topic_stays() -> None:
    x, labels = _meeting()
    x[9] = x[10] = _row(0.95, 0, 2)  # theme 2: 2 of 5 in the least on-topic quarter (< 0.6)
    assert set_aside_side_talk(x, labels, PRIORITIES).tolist() == labels.tolist()


# --------------------------------------------------------------------------- labels

# (text, speaker, spaCy's noun phrases): as the sample convening's theme about permits was
PERMITS = [
    ("Can I add one more? Permits.", "Angela Brooks", ("permits",)),
    ("We bought land for a second building and we are still waiting on the county.",
     "Angela Brooks", ("land", "second building", "county")),
    ("It took us eleven months to get an air permit for one paint booth.", "Tom Reyes",
     ("eleven months", "air permit", "paint booth")),
    ("I would pay into a workforce housing fund if my crew could live close to work.",
     "Angela Brooks", ("workforce housing fund", "crew")),
    ("Back to permits. Nobody at the county will tell you how long a review takes.",
     "Tom Reyes", ("permits", "county", "review")),
    ("Resin lead times went from two weeks to three months.", "Greg Olsen",
     ("resin lead times", "weeks")),
]
CHILDCARE = [
    ("Our second shift parents cannot find childcare after six.", "Linda Park",
     ("second shift parents", "childcare")),
    ("The childcare center in town closed last spring.", "Greg Olsen",
     ("childcare center", "town")),
    ("We lost two welders because of childcare.", "Linda Park", ("welders", "childcare")),
]


def _statements(rows: list[tuple], first: int) -> list[Statement]:
    return [Statement(id=f"s{first + i}", recording_id="rec", turn_index=first + i,
                      start=float(first + i), end=first + i + 0.9, text=row[0], speaker=row[1],
                      line=first + i, position=first + i, phrases=row[2] if len(row) > 2 else ())
            for i, row in enumerate(rows)]


def test_the_label_names_what_the_theme_keeps_talking_about() -> None:
    # "workforce housing fund" and "resin lead times" are the longest phrases, said once each;
    # "permit(s)" is in three of six statements: the label carries it
    themes = [_statements(PERMITS, 0), _statements(CHILDCARE, 100)]
    (label, _), (other, _) = label_themes(themes, [np.ones(len(t)) for t in themes])
    assert "permit" in label.lower(), label
    assert "childcare" in other.lower(), other


@pytest.mark.slow
def test_banter_makes_no_candidate_with_the_real_model() -> None:
    from synth.text.embed import embed_texts
    from synth.themes.candidates import ThemeSettings, find_themes
    from synth.themes.priorities import embed_priorities, load_priorities

    talk: list[tuple] = [
        ("Our night shift parents have nowhere to leave their kids.", "A"),
        ("The bus stops at six, so second shift cannot get home.", "B"),
        ("Daycare waiting lists are a year long in this county.", "C"),
        ("Nobody can afford rent near the plant anymore.", "D"),
        ("We need a shuttle from town to the industrial park.", "A"),
        ("Childcare for weekend shifts would keep my best operators.", "B"),
        ("Housing prices pushed two of my machinists an hour away.", "C"),
        ("There is no transit out to our plant at all.", "D"),
        ("Did anybody else get hit by that hail on Tuesday?", "A"),
        ("I lost a truck windshield and two skylights.", "B"),
        ("Just don't touch the thermostat.", "C"),
        ("He's very proud of that old truck.", "D"),
    ] * 2
    statements = _statements(talk, 0)
    vectors = embed_texts([s.text for s in statements])
    common = embed_priorities(load_priorities(), embed_texts)
    result = find_themes(statements, vectors, settings=ThemeSettings(stability_runs=0),
                         priorities=common)
    banter = {s.id for s in statements if s.turn_index % 12 >= 8}
    for theme in result.themes:
        share = len(banter & set(theme.statement_ids)) / len(theme.statement_ids)
        assert share <= 0.5, (theme.label, share)
    assert any(result.assignment[sid] is None for sid in banter)


def test_a_hyphenated_word_stays_one_word_in_the_noun_phrases() -> None:
    from synth.models import load_nlp
    from synth.text.statements import noun_phrases

    nlp = load_nlp()
    phrases = noun_phrases(nlp("We install utility-scale batteries and wait for a "
                               "third-party inspection.")[:])
    assert "utility-scale batteries" in phrases and "third-party inspection" in phrases
    assert "scale batteries" not in phrases and "party inspection" not in phrases
    # a dash between spaced words is punctuation, not a hyphenated word
    assert noun_phrases(nlp("The bus stops at six - nobody gets home.")[:]) == ("bus", "home")
