"""Labels and keyphrases never hold a person's name (synth/themes/labels.py), on hand-made
statements and on one real convening of the dev set through the real pipeline; and a label
carries no leading word that only one statement says.

Each name case has a control: the same statements where the name is *not* known to be a name
give a label or keyphrase holding it, so the filter is what keeps it out.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from synth.records import Statement
from synth.themes.labels import label_themes, name_words, proper_names, usable

CONVENINGS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "convenings"

CHILDCARE = [
    ("Night shift parents have no childcare in the county.", "Karen Zhou"),
    ("Childcare costs more than half an entry paycheck.", "Karen Zhou"),
    ("The childcare center closed and two nurses quit.", "Dwayne Pruitt"),
    ("Could we share a childcare center near the plant?", "Dwayne Pruitt"),
]

# "Linda ..." opens every statement: the most frequent word of the theme, at a sentence start
LINDA = [
    ("Linda said hiring machinists is slow.", "Rick Alvarado"),
    ("Linda mentioned wages for machinists.", "Sheila Brandt"),
    ("Linda thinks machinist training costs a lot.", "Tom Kowalczyk"),
    ("Linda asked about machinist apprenticeships.", "Priya Natarajan"),
    ("Linda knows the machinist market well.", "Greg Oyelaran"),
]


def _statements(rows: list[tuple], first: int = 0) -> list[Statement]:
    return [
        Statement(id=f"s{first + i:03d}", recording_id="rec", turn_index=first + i,
                  start=5.0 * (first + i), end=5.0 * (first + i) + 4, text=row[0],
                  speaker=row[1], line=first + i, position=first + i,
                  phrases=row[2] if len(row) > 2 else ())
        for i, row in enumerate(rows)
    ]


def _label(*themes: list[tuple], avoid: frozenset[str] = frozenset()) -> list[tuple]:
    built, first = [], 0
    for rows in themes:
        built.append(_statements(rows, first))
        first += 100
    return label_themes(built, [np.ones(len(m)) for m in built], avoid=avoid)


def _words(label: str, keyphrases: tuple[str, ...]) -> set[str]:
    return {w.lower() for text in (label, *keyphrases) for w in re.findall(r"[A-Za-z]+", text)}


# --------------------------------------------------------------------------- helpers


def test_name_words() -> None:
    assert name_words(["Linda Park", None, "", "Rick O'Brien", "J Smith"]) == {
        "linda", "park", "rick", "o'brien", "smith"}  # one-letter initials dropped


def test_usable() -> None:
    avoid = frozenset({"linda"})
    assert usable(("machinist", "wages"), avoid)
    assert not usable(("linda", "wages"), avoid)  # a name
    assert not usable(("weve", "wages"), avoid)  # a filler
    # contractions transcribed without their apostrophe ("I'd" as "Id", "o'clock")
    assert not any(usable((w, "wages"), avoid) for w in ("id", "wed", "oclock", "theyd"))
    assert not usable(("the", "wages"), avoid)  # a stop word
    assert not usable((), avoid)


def test_proper_names_mid_sentence_only() -> None:
    texts = [
        "We talked to Gene about it.",  # Gene mid-sentence: a name
        "Housing is scarce. Training is too.",  # capitals only where sentences start
        "So Marsh County has no bus: Transit stopped it.",  # after a colon: a new sentence
        "Our CNC and GMP programs need I think more money.",  # acronyms; "I"
        "Yes, Dana is right; Childcare matters.",  # after a comma: a name; after ";": not
    ]
    assert proper_names(texts) == {"gene", "marsh", "county", "dana"}


def test_a_word_also_written_in_lower_case_is_no_name() -> None:
    # "Gene" mid-sentence, but also "gene therapy": the word is an ordinary word too
    assert proper_names(["We talked to Gene today.", "The gene therapy plant hires."]) == set()


# --------------------------------------------------------------------------- labels


def test_control_an_unknown_name_at_sentence_starts_reaches_the_label() -> None:
    """Without knowing Linda is a person, her name (a sentence start each time) leads."""
    (label, keys), _ = _label(LINDA, CHILDCARE)
    assert "linda" in _words(label, keys)


def test_speaker_name_repeated_in_another_theme_never_labels() -> None:
    # Linda Park speaks (in the childcare theme); the machinist theme keeps saying "Linda said"
    speaking = [*CHILDCARE, ("Sure, happy to help with that.", "Linda Park")]
    out = _label(LINDA, speaking)
    for label, keys in out:
        assert not {"linda", "park"} & _words(label, keys), (label, keys)
    assert "machinist" in out[0][0].lower()
    assert out[1][0] == "Childcare center"


def test_roster_name_passed_in_avoid_never_labels() -> None:
    out = _label(LINDA, CHILDCARE, avoid=name_words(["Linda Park", "Dana Whitfield"]))
    for label, keys in out:
        assert "linda" not in _words(label, keys), (label, keys)
    assert "machinist" in out[0][0].lower()


def test_name_mentioned_mid_sentence_never_labels() -> None:
    gene = [
        ("We talked to Gene about machinist hiring.", "Rick Alvarado"),
        ("We talked to Gene about machinist wages.", "Sheila Brandt"),
        ("We talked to Gene about machinist training.", "Tom Kowalczyk"),
        ("We talked to Gene about machinist apprenticeships.", "Priya Natarajan"),
        ("We talked to Gene about the machinist market.", "Greg Oyelaran"),
    ]
    out = _label(gene, CHILDCARE)
    for label, keys in out:
        assert "gene" not in _words(label, keys), (label, keys)
    assert "machinist" in out[0][0].lower()
    # control: once "gene" is also an ordinary word in the talk, it may name the theme
    therapy = [*gene, ("The gene therapy plant hires machinists too.", "Karen Zhou")]
    (label, keys), _ = _label(therapy, CHILDCARE)
    assert "gene" in _words(label, keys)


def test_name_in_spacy_phrases_is_filtered_too() -> None:
    # statements carrying noun phrases (from spaCy) use them instead of word runs: a name
    # that slipped into them (tagged as a noun) is still avoided
    rows = [(f"Tamsin runs machinist {w}, Rick says.", "Rick Alvarado",
             ("tamsin", f"machinist {w}", w)) for w in ("hiring", "wages", "training")]
    (label, keys), _ = _label(rows, CHILDCARE, avoid=name_words(["Tamsin Grey"]))
    assert "tamsin" not in _words(label, keys) and "machinist" in label.lower()
    (label, keys), _ = _label(rows, CHILDCARE)  # control
    assert "tamsin" in _words(label, keys)


def test_acronyms_are_not_names() -> None:
    cnc = [
        ("Every plant here needs CNC operators.", "Rick Alvarado"),
        ("Every plant here needs CNC programmers.", "Sheila Brandt"),
        ("The college has no CNC training.", "Tom Kowalczyk"),
        ("We would take CNC apprentices tomorrow.", "Priya Natarajan"),
    ]
    assert proper_names(t for t, _ in cnc) == set()
    label, keys = _label(cnc, CHILDCARE)[0]
    assert "cnc" in _words(label, keys)


def test_word_capitalised_only_at_sentence_starts_is_not_a_name() -> None:
    housing = [
        ("Housing near the plant is scarce.", "Rick Alvarado"),
        ("Rents are high. Housing costs keep new hires away.", "Sheila Brandt"),
        ("Housing is what our nurses ask about first.", "Tom Kowalczyk"),
        ("We lost two hires: Housing in town was too expensive.", "Priya Natarajan"),
    ]
    assert "housing" not in proper_names(t for t, _ in housing)
    label, keys = _label(housing, CHILDCARE)[0]
    assert "housing" in label.lower()


def test_possessive_name_mid_sentence_never_labels() -> None:
    rows = [
        ("Linda said hiring machinists is slow.", "Rick Alvarado"),
        ("I agree with Linda's point on machinist wages.", "Sheila Brandt"),
        ("Linda thinks machinist training costs a lot.", "Tom Kowalczyk"),
        ("Linda asked about machinist apprenticeships.", "Priya Natarajan"),
        ("Like Linda's plant, we need machinists.", "Greg Oyelaran"),
    ]
    assert "linda" in proper_names(t for t, _ in rows)
    for label, keys in _label(rows, CHILDCARE):
        assert "linda" not in _words(label, keys), (label, keys)


# --------------------------------------------------------------------------- the real path


def _smallest_convening() -> str:
    return min(CONVENINGS.glob("dev*.txt"), key=lambda p: p.stat().st_size).stem


@pytest.mark.skipif(not CONVENINGS.is_dir(), reason=f"no convening data: {CONVENINGS} is missing")
def test_real_convening_labels_hold_no_person_name(settings) -> None:
    """The smallest dev convening through the real pipeline (spaCy, MiniLM, BERTopic): no label
    or keyword holds a word of a roster name or of a transcript speaker's name."""
    from synth.audio.transcribe import transcribe_file
    from synth.convening.pipeline import synthesize_transcripts
    from synth.text.roster import load_roster
    from synth.themes.candidates import ThemeSettings

    name = _smallest_convening()
    transcript = transcribe_file(CONVENINGS / f"{name}.txt", settings=settings)
    roster = load_roster(CONVENINGS / f"{name}.roster.csv")
    # stability scores are not needed for labels: skip their re-clustering runs (speed)
    result = synthesize_transcripts([transcript], settings=settings, roster=roster,
                                    theme_settings=ThemeSettings(stability_runs=0))
    speakers = {t.speaker for t in transcript.turns if t.speaker}
    people = {p.name for p in roster} | speakers
    assert len(speakers) >= 8 and len(roster) >= 8  # the test saw real names
    names = {w.lower() for n in people for w in re.findall(r"[A-Za-z]+", n) if len(w) > 1}
    themes = result.themes.themes
    assert len(themes) >= 2
    for theme in themes:
        held = _words(theme.label, theme.keywords) & names
        assert not held, f"{name}: {theme.label!r} {theme.keywords} holds {sorted(held)}"
        # keywords: no contraction written without its apostrophe ("I'd" heard as "Id")
        bad = {w for k in theme.keywords for w in k.split()} & {"id", "wed", "oclock", "theyd"}
        assert not bad, f"{name}: keywords {theme.keywords} hold {sorted(bad)}"


def test_acronyms_are_written_as_the_room_wrote_them() -> None:
    from synth.themes.labels import _format, acronyms

    texts = ["We need CNC machinists.", "Two CNAs quit.", "The cnc shop is full.", "OK so I agree."]
    capitals = acronyms(texts)
    assert capitals == {"cnas": "CNAs", "ok": "OK"}  # "cnc" is also written in lower case
    assert _format(("cnas", "apprenticeship"), capitals) == "CNAs apprenticeship"
    assert _format(("cnc", "machinist"), capitals) == "Cnc machinist"
    assert _format(("welder", "pipeline")) == "Welder pipeline"


def test_statements_tagged_by_spacy_offer_only_their_noun_phrases() -> None:
    # "Obviously." has no noun phrase: when the statements come from the spaCy step, it offers
    # no label material, where word runs made "Obviously" and "Knows" labels of real convenings
    banter = [("Obviously, obviously.", f"Speaker {i}", ()) for i in range(5)]
    need = [("We need a childcare center near the plant.", "Karen Zhou",
             ("childcare center", "childcare", "center", "plant"))]
    (label, keys), _ = _label(banter + need, CHILDCARE)
    assert label == "Childcare center" and "obviously" not in _words(label, keys)
    untagged = [(text, speaker) for text, speaker, _ in banter + need]
    (label, _), _ = _label(untagged, CHILDCARE)  # control: word runs offer the adverb
    assert "obviously" in label.lower()


SUPPLY = [
    ("And endless supply chain.", "Greg Olsen",
     ("supply", "endless supply", "chain", "supply chain", "endless supply chain")),
    ("On the supply chain, we could buy resin together.", "Greg Olsen",
     ("supply", "chain", "supply chain", "resin")),
    ("Lead times went from two weeks to three months.", "Greg Olsen",
     ("lead", "times", "lead times", "weeks", "months")),
    ("Our electronic parts are on allocation.", "Angela Brooks",
     ("parts", "electronic parts", "allocation")),
]


def test_a_leading_word_said_once_is_dropped_from_the_label() -> None:
    # "endless supply chain" (Whisper's "and then supply chain") outscores "supply chain" as
    # the longer phrase; "endless" is said once, "supply chain" twice
    # (the other theme says "supply chain" too, as sign-ups at the end of a convening do)
    signup = [*CHILDCARE, ("Put me down for the supply chain.", "Marcus Bell",
                           ("supply", "chain", "supply chain"))]
    (label, _), _ = _label(SUPPLY, signup)
    assert label == "Supply chain"
    # control: said in two statements, the leading word stays
    twice = [*SUPPLY, ("An endless supply chain of delays.", "Marcus Bell",
                       ("supply", "endless supply", "chain", "supply chain",
                        "endless supply chain", "delays"))]
    (label, _), _ = _label(twice, signup)
    assert label == "Endless supply chain"


def test_a_name_the_room_gave_another_theme_is_never_a_label() -> None:
    # as dev4 (seed 1): the recap named one theme "Lineworker pipeline", and a second, small
    # theme used the same words most; the second takes its next phrase
    built = [_statements(CHILDCARE), _statements(SUPPLY, 100)]
    ones = [np.ones(len(m)) for m in built]
    (_, _), (label, _) = label_themes(built, ones)
    assert label == "Supply chain"
    (_, _), (other, keyphrases) = label_themes(built, ones, reserved=frozenset({"supply chain"}))
    assert other.lower() != "supply chain" and other, other
    assert "supply chain" in keyphrases  # the keywords still say what the theme talks about


def test_a_label_within_a_name_the_room_gave_another_theme_is_never_chosen() -> None:
    # as dev6: the recap named one theme "Staff safety and workplace violence prevention", and a
    # second theme shown as "Staff safety" read as the same priority
    built = [_statements(CHILDCARE), _statements(SUPPLY, 100)]
    ones = [np.ones(len(m)) for m in built]
    reserved = frozenset({"supply chains and the cost of freight"})
    (_, _), (other, _) = label_themes(built, ones, reserved=reserved)
    assert other and not {w.lower() for w in other.split()} <= {"supply", "chain", "chains"}
    # control: a name that does not hold the label's words leaves it alone
    (_, _), (label, _) = label_themes(built, ones, reserved=frozenset({"supply of resin"}))
    assert label == "Supply chain"
