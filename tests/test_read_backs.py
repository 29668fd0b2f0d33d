"""The facilitator's read-backs lend words to the labels (synth/themes/read_backs.py), never
statements to the themes: hand-made vectors, so the geometry is known."""

from __future__ import annotations

import numpy as np

from synth.records import Participant, Statement
from synth.themes.candidates import ThemeSettings, find_themes
from synth.themes.read_backs import read_backs

FACILITATOR = "Dana Whitfield"


def _statement(n: int, text: str, speaker: str, phrases: tuple[str, ...]) -> Statement:
    return Statement(id=f"s{n:03d}", recording_id="rec", turn_index=n, start=5.0 * n,
                     end=5.0 * n + 4, text=text, speaker=speaker, line=n, position=n,
                     phrases=phrases, clusterable=speaker != FACILITATOR)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def test_a_close_read_back_keeps_only_its_echoing_phrases() -> None:
    rng = np.random.default_rng(0)
    axis = _unit(rng.normal(size=16))
    theme = [_statement(i, "Our childcare waitlist is long.", f"Leader {i}",
                        ("childcare", "childcare waitlist")) for i in range(6)]
    vectors = np.array([_unit(axis + 0.3 * rng.normal(size=16)) for _ in theme])
    close = _statement(50, "So, shared childcare and Friday notes.", FACILITATOR,
                       ("shared childcare", "friday notes"))
    far = _statement(51, "Let's take a break for coffee.", FACILITATOR, ("break", "coffee"))
    far_vector = _unit(rng.normal(size=16) - 2 * axis)
    centre = _unit(vectors.mean(axis=0))[None]
    out = read_backs([theme], [vectors], centre, [close, far], np.vstack([axis, far_vector]))
    assert [s.id for s in out[0]] == ["s050"]
    assert out[0][0].phrases == ("shared childcare",)  # "friday notes" echoes nothing said
    assert out[0][0].text == close.text  # the statement itself is untouched


def test_no_facilitator_no_theme_or_nothing_echoed_gives_nothing() -> None:
    theme = [_statement(i, "Permits take a year.", f"Leader {i}", ("permits",)) for i in range(4)]
    vectors = np.tile(_unit(np.arange(1.0, 9.0)), (4, 1))
    centre = vectors[:1]
    assert read_backs([theme], [vectors], centre, [], np.zeros((0, 8))) == [[]]
    assert read_backs([], [], np.zeros((0, 8)), [theme[0]], vectors[:1]) == []
    silent = _statement(9, "Thanks, everybody.", FACILITATOR, ("thanks",))
    assert read_backs([theme], [vectors], centre, [silent], vectors[:1]) == [[]]


def _meeting() -> tuple[list[Statement], np.ndarray]:
    """Two themes taking turns (welders, childcare) and the facilitator summing up childcare."""
    rng = np.random.default_rng(1)
    axes = {"w": _unit(rng.normal(size=24)), "c": _unit(rng.normal(size=24))}
    said = {
        "w": ("We cannot find certified welders for nights.", ("welders", "certified welders")),
        "c": ("Parents on nights have no childcare at all.", ("parents", "childcare")),
    }
    statements, rows = [], []
    for n, topic in enumerate("wwwcccwwwccc" * 2):
        text, phrases = said[topic]
        statements.append(_statement(n, text, f"Leader {n % 6}", phrases))
        rows.append(_unit(axes[topic] + 0.35 * rng.normal(size=24)))
    statements.append(_statement(30, "So I'm writing shared childcare center up here.",
                                 FACILITATOR, ("shared childcare center",)))
    rows.append(axes["c"])
    return statements, np.array(rows)


def test_a_read_back_names_its_theme_but_never_joins_it() -> None:
    statements, vectors = _meeting()
    people = {f"Leader {i}": Participant(f"Leader {i}", role="business") for i in range(6)}
    people[FACILITATOR] = Participant(FACILITATOR, role="facilitator")
    settings = ThemeSettings(stability_runs=0, n_themes=2)
    result = find_themes(statements, vectors, settings=settings, participants=people)
    labels = sorted(t.label for t in result.themes)
    assert "Shared childcare center" in labels, labels
    assert result.assignment["s030"] is None  # the facilitator's words are no theme's statement
    assert all(q.speaker != FACILITATOR for t in result.themes for q in t.quotes)
    # control: the same (unclustered) statement from someone not known as the facilitator
    # is no read-back, and the label stays in the leaders' words
    people[FACILITATOR] = Participant(FACILITATOR, role="business")
    plain = find_themes(statements, vectors, settings=settings, participants=people)
    assert "Shared childcare center" not in [t.label for t in plain.themes]
