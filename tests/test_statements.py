"""Turns -> statements with the real spaCy pipeline: verbatim, timed, tagged, filtered."""

from __future__ import annotations

from conftest import SAMPLE_DIR

from synth.records import Participant, Turn, Word
from synth.text.roster import load_roster
from synth.text.statements import extract_statements, is_backchannel, is_procedural
from synth.text.transcripts import parse_plain


def sample_turns() -> list[Turn]:
    return parse_plain((SAMPLE_DIR / "convening.txt").read_text(encoding="utf-8"), "rec")


def test_statements_are_verbatim_substrings_with_provenance(nlp) -> None:
    turns = sample_turns()
    statements = extract_statements(turns, nlp)
    by_index = {t.index: t for t in turns}
    assert len(statements) > len(turns)
    for s in statements:
        turn = by_index[s.turn_index]
        assert s.text in turn.text and s.text == s.text.strip()
        assert (s.speaker, s.line, s.recording_id) == (turn.speaker, turn.line, "rec")
        assert turn.start <= s.start <= s.end <= turn.end
    assert [s.position for s in statements] == list(range(len(statements)))
    assert len({s.id for s in statements}) == len(statements)
    assert [s.id for s in extract_statements(turns, nlp)] == [s.id for s in statements]


def test_short_fragments_join_a_neighbour(nlp) -> None:
    turn = Turn("r", 0, 0.0, 10.0, "We need welders. Badly. And machinists too, honestly.", "Tom")
    texts = [s.text for s in extract_statements([turn], nlp)]
    assert texts == ["We need welders. Badly.", "And machinists too, honestly."]


def test_backchannels_and_facilitator_are_not_clustered(nlp) -> None:
    turns = [Turn("r", 0, 0, 1, "Yeah.", "Tom"), Turn("r", 1, 1, 2, "Mm-hmm, right.", "Linda"),
             Turn("r", 2, 2, 6, "What keeps you up at night about hiring?", "Karen"),
             Turn("r", 3, 6, 9, "We can't find maintenance technicians anywhere.", "Tom")]
    roster = {"Karen": Participant("Karen", None, "facilitator")}
    out = extract_statements(turns, nlp, participants=roster)
    assert [s.clusterable for s in out] == [False, False, False, True]
    with_karen = extract_statements(turns, nlp, participants=roster, include_facilitator=True)
    assert [s.clusterable for s in with_karen] == [False, False, True, True]
    assert is_backchannel("okay, yeah") and not is_backchannel("okay, we need welders")
    # both spellings transcripts use for the same murmur
    assert is_backchannel("Mm-hm.") and is_backchannel("Mm-hmm.")


def test_kinds_tag_opportunities_and_needs(nlp) -> None:
    turns = [Turn("r", 0, 0, 3, "Reshoring is a huge opportunity for growth.", "A"),
             Turn("r", 1, 3, 6, "We can't find enough welders to fill the shifts.", "B"),
             Turn("r", 2, 6, 9, "The weather was lovely on the drive in today.", "C")]
    assert [s.kind for s in extract_statements(turns, nlp)] == ["opportunity", "need", "other"]


def test_word_timings_give_statement_times(nlp) -> None:
    words = (Word(1.0, 1.2, " We", 0.9), Word(1.2, 1.5, " need", 0.9),
             Word(1.5, 2.0, " welders", 0.9), Word(2.0, 2.4, " now.", 0.9),
             Word(5.0, 5.3, " Housing", 0.9), Word(5.3, 5.5, " is", 0.9),
             Word(5.5, 5.7, " a", 0.9), Word(5.7, 6.4, " problem.", 0.9))
    turn = Turn("r", 0, 1.0, 6.4, "We need welders now. Housing is a problem.", None,
                words=words)
    out = extract_statements([turn], nlp)
    assert [(s.start, s.end) for s in out] == [(1.0, 2.4), (5.0, 6.4)]


def test_sample_roster_loads(tmp_path) -> None:
    people = load_roster(SAMPLE_DIR / "roster.csv")
    assert sum(p.role == "business" for p in people) >= 5
    assert sum(p.role == "facilitator" for p in people) == 1
    bad = tmp_path / "roster.csv"
    bad.write_text("name,company,role\nTom,Reyes,boss\n")
    import pytest

    from synth.errors import InputError

    with pytest.raises(InputError, match="line 2: unknown role 'boss'"):
        load_roster(bad)


def test_noun_phrases_are_label_material(nlp) -> None:
    turn = Turn("r", 0, 0, 5, "We really need an affordable childcare center near the plant.",
                "Tom")
    phrases = extract_statements([turn], nlp)[0].phrases
    assert "affordable childcare center" in phrases and "childcare center" in phrases
    assert "plant" in phrases and not any("need" in p or "really" in p for p in phrases)


def test_procedural_talk_is_recognised() -> None:
    # Running the meeting: greetings, thanks, logistics, a mic check, a self-introduction.
    for text, speaker in [
        ("Good morning, everybody.", None),
        ("Um, thanks to Maribel and the Grand for hosting us, and for the, uh, the pastries.",
         None),
        ("(laughs) Okay, thank you all.", None),
        ("There's coffee in the back, and muffins at eight.", None),
        ("Can everybody hear me on this mic?", None),
        ("Denise Hartman, CNO at Kettle River Medical Center.", "Denise Hartman"),
        ("Sam Osei, Alder Valley Family Health.", "Samuel Osei"),
    ]:
        assert is_procedural(text, speaker), text
    # Talk about the industry, even with a greeting word or a name in it, is content.
    for text, speaker in [
        ("Thanks to the apprenticeship we kept him, and he runs the line now.", None),
        ("Can I start with CDLs?", None),
        ("Everybody says that!", None),
        ("We need a bus that runs after the second shift ends.", None),
        ("Denise said the night shift nurses are burning out.", "Sam Osei"),
        ("Marketing wants the remote to be yellow.", "Marketing"),
    ]:
        assert not is_procedural(text, speaker), text


def test_procedural_statements_are_not_clustered(nlp) -> None:
    turns = [Turn("r", 0, 0, 3, "Good morning, everybody, and welcome.", "Dana Whitfield"),
             Turn("r", 1, 3, 6, "Denise Hartman, CNO at Kettle River Medical Center.",
                  "Denise Hartman"),
             Turn("r", 2, 6, 12, "We can't find maintenance techs, we have two machines idle.",
                  "Rick Alvarado")]
    flags = [s.clusterable for s in extract_statements(turns, nlp)]
    assert flags == [False, False, True]


def test_an_introduction_turn_is_not_clustered_until_the_speaker_says_what_they_need(nlp) -> None:
    # What the company makes and how big it is belongs to the introduction; the need after it
    # (a "need" cue) and a turn that does not open with the speaker's name are content.
    turns = [Turn("r", 0, 0, 9, "Hank Dolezal, Dolezal Brothers. We're a general contractor "
                  "out of Sawyer, mostly ag buildings and schools. Honestly we can't find "
                  "framers anywhere. The ones we had retired.", "Hank Dolezal"),
             Turn("r", 1, 9, 14, "We build about sixty houses a year, mostly out on the Greeley "
                  "side.", "Wade Henstrom")]
    got = [(s.text.split()[0], s.clusterable) for s in extract_statements(turns, nlp)]
    assert got == [("Hank", False), ("We're", False), ("Honestly", True), ("The", True),
                   ("We", True)]
    # a long opening that names a need is content, and so is what follows it
    turn = Turn("r", 2, 14, 30, "Luis Ybarra from Keystone Builders, and what keeps me up at "
                "night is that we can't find framers or anybody under thirty who wants the "
                "work. We do clinics and schools.", "Luis Ybarra")
    assert [s.clusterable for s in extract_statements([turn], nlp)] == [True, True]
