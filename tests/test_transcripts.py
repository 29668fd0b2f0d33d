"""Transcript formats people already have: plain text, WebVTT, SRT, synth JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from synth.audio.ingest import identify
from synth.errors import InputError
from synth.records import Recording, Transcript, Turn, Word
from synth.text.transcripts import load_transcript, parse_plain
from synth.text.writers import to_text, write_transcript

LIMIT = 10_000_000


def load(path: Path) -> Transcript:
    return load_transcript(path, identify(path), LIMIT)


def test_plain_text_speakers_lines_and_estimated_times(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("Karen Holloway: Where is your industry going?\n\n"
                 "Tom Reyes: We need welders.\nno speaker here at 10:30\n", encoding="utf-8")
    t = load(p)
    assert [(x.speaker, x.text, x.line) for x in t.turns] == [
        ("Karen Holloway", "Where is your industry going?", 0),
        ("Tom Reyes", "We need welders.", 2),
        (None, "no speaker here at 10:30", 3),
    ]
    assert t.turns[0].start == 0 and t.turns[1].start == t.turns[0].end


def test_teams_webvtt_with_voice_tags(tmp_path: Path) -> None:
    p = tmp_path / "teams.vtt"
    p.write_text("WEBVTT\n\nabc-1\n00:00:01.000 --> 00:00:04.500\n<v Linda Park>We can't find "
                 "machinists.</v>\n\nNOTE a comment\n\n00:01:02.250 --> 00:01:05.000\n"
                 "<v Tom Reyes>Same here.</v>\n", encoding="utf-8")
    t = load(p)
    assert [(x.speaker, x.text, x.start, x.end, x.line) for x in t.turns] == [
        ("Linda Park", "We can't find machinists.", 1.0, 4.5, 4),
        ("Tom Reyes", "Same here.", 62.25, 65.0, 9),
    ]


def test_zoom_webvtt_and_srt_with_name_prefix(tmp_path: Path) -> None:
    vtt = tmp_path / "zoom.vtt"
    vtt.write_text("WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.000\nGreg Olsen: Housing is the "
                   "problem.\n", encoding="utf-8")
    srt = tmp_path / "call.srt"
    srt.write_text("1\n00:00:03,000 --> 00:00:05,250\nAngela Brooks: Permits take\nforever.\n\n"
                   "2\n00:00:06,000 --> 00:00:07,000\nNo name here.\n", encoding="utf-8")
    assert [(x.speaker, x.text) for x in load(vtt).turns] == [("Greg Olsen",
                                                               "Housing is the problem.")]
    assert [(x.speaker, x.text, x.start, x.end) for x in load(srt).turns] == [
        ("Angela Brooks", "Permits take forever.", 3.0, 5.25), (None, "No name here.", 6.0, 7.0)]


def test_malformed_cues_are_reported(tmp_path: Path) -> None:
    p = tmp_path / "bad.vtt"
    p.write_text("WEBVTT\n\n00:00:09.000 --> 00:00:02.000\nbackwards\n", encoding="utf-8")
    with pytest.raises(InputError, match="ends before it starts"):
        load(p)


def test_broken_encoding_is_reported_with_position(tmp_path: Path) -> None:
    p = tmp_path / "latin1.txt"
    p.write_bytes("Tom: caf\u00e9 owners need staff\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"not valid UTF-8 text \(bad byte 0xe9 at position 8\)"):
        load(p)


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    p = tmp_path / "teams-export.txt"
    p.write_bytes("Tom: We need welders.\n".encode("utf-16"))
    assert load(p).turns[0].text == "We need welders."


def test_empty_and_too_large(tmp_path: Path) -> None:
    p = tmp_path / "blank.txt"
    p.write_text("\n \n", encoding="utf-8")
    with pytest.raises(InputError, match="no turns"):
        load(p)
    big = tmp_path / "big.txt"
    big.write_text("Tom: words\n" * 1000, encoding="utf-8")
    with pytest.raises(InputError, match="too large for a transcript"):
        load_transcript(big, identify(big), limit=1000)


def test_every_writer_round_trips_through_its_reader(tmp_path: Path) -> None:
    rec = Recording("abc", "meeting.wav", "audio", 12.0)
    turns = (Turn("abc", 0, 0.5, 3.25, "We need welders.", "Tom Reyes",
                  words=(Word(0.5, 1.0, " We", 0.9), Word(1.0, 3.25, " need welders.", 0.8))),
             Turn("abc", 1, 4.0, 6.0, "Housing, too.", "Linda Park"))
    t = Transcript(rec, turns, language="en", model="base")
    for ext in (".json", ".vtt", ".srt", ".txt"):
        path = tmp_path / f"out{ext}"
        write_transcript(t, path)
        back = load(path)
        assert [(x.speaker, x.text) for x in back.turns] == [(x.speaker, x.text) for x in turns]
        if ext in {".json", ".vtt", ".srt"}:
            assert [(x.start, x.end) for x in back.turns] == [(0.5, 3.25), (4.0, 6.0)]
    assert load(tmp_path / "out.json").turns[0].words == turns[0].words
    assert to_text(t) == "Tom Reyes: We need welders.\nLinda Park: Housing, too.\n"


def test_unknown_output_format(tmp_path: Path) -> None:
    t = Transcript(Recording("a", "a", "audio"), tuple(parse_plain("x: y z", "a")))
    with pytest.raises(InputError, match="unknown output format"):
        write_transcript(t, tmp_path / "out.docx")


# --- speaker labels as people write them ------------------------------------------------------


@pytest.mark.parametrize(("line", "speaker", "text"), [
    # Hansard style: honorific kept, the parenthetical role (or riding) dropped, so the same
    # person is one speaker whether or not the transcript repeats the role.
    ("Hon. Seamus O'Regan (Minister of Natural Resources): We will act.",
     "Hon. Seamus O'Regan", "We will act."),
    ("Hon. Seamus O'Regan: Thank you.", "Hon. Seamus O'Regan", "Thank you."),
    ("Hon. Carla Qualtrough (Minister of Employment, Workforce Development and Disability "
     "Inclusion): Yes.", "Hon. Carla Qualtrough", "Yes."),
    ("Mr. Garnett Genuis (Sherwood Park\u2014Fort Saskatchewan, CPC): Mr. Chair, a question.",
     "Mr. Garnett Genuis", "Mr. Chair, a question."),
    # a role outside, the person inside: the person speaks
    ("The Acting Chair (Mr. Bruce Stanton): Order.", "Mr. Bruce Stanton", "Order."),
    ("The Chair (Hon. Anthony Rota (Nipissing\u2014Timiskaming, Lib.)): Order, please.",
     "Hon. Anthony Rota", "Order, please."),
    ("The Chair: We begin.", "The Chair", "We begin."),
    ("Dr. Mary-Ann O'Neil: We need nurses.", "Dr. Mary-Ann O'Neil", "We need nurses."),
    ("Dr Frank Atherton: Good morning.", "Dr Frank Atherton", "Good morning."),
    ("Huw Irranca-Davies AM: Thank you, Chair.", "Huw Irranca-Davies AM", "Thank you, Chair."),
    ("Right Hon. Justin Trudeau: Mr. Speaker, 7:30 is early.", "Right Hon. Justin Trudeau",
     "Mr. Speaker, 7:30 is early."),
    ("Jos\u00e9 de la Cruz: Hola.", "Jos\u00e9 de la Cruz", "Hola."),
    ("Mr. Chris d'Entremont: Yes.", "Mr. Chris d'Entremont", "Yes."),
    ("Dana O\u2019Brien: Curly apostrophe.", "Dana O\u2019Brien", "Curly apostrophe."),
    ("Speaker 1: Welcome, everyone.", "Speaker 1", "Welcome, everyone."),
    ("SPEAKER_01: WhisperX style.", "SPEAKER_01", "WhisperX style."),
    ("PERSON A: Hello.", "PERSON A", "Hello."),
    ("Marketing: Um, the remote.", "Marketing", "Um, the remote."),
    ("Project Manager: Next item.", "Project Manager", "Next item."),
    ("Tom Reyes (00:01:02): With a time stamp.", "Tom Reyes", "With a time stamp."),
    ("  Tom Reyes :  spaced out  ", "Tom Reyes", "spaced out"),
    # ordinary sentences with a colon stay text
    ("Here is the thing: we can't hire.", None, "Here is the thing: we can't hire."),
    ("At 7:30 the bus leaves and nobody can get to the plant.", None,
     "At 7:30 the bus leaves and nobody can get to the plant."),
    ("We need three things: welders, housing and buses.", None,
     "We need three things: welders, housing and buses."),
    ("Tom Reyes said: we need welders.", None, "Tom Reyes said: we need welders."),
    ("The problem: nobody applies.", None, "The problem: nobody applies."),
    ("So: where do we start?", None, "So: where do we start?"),
    ("One: the nature of poverty is dispersed.", None, "One: the nature of poverty is dispersed."),
    ("I Said It Loud: fine.", None, "I Said It Loud: fine."),
    ("Our Three Biggest Customers In The Region: Boeing.", None,
     "Our Three Biggest Customers In The Region: Boeing."),
    ("See http://example.org: it explains.", None, "See http://example.org: it explains."),
    ("ratio 3:1 at best", None, "ratio 3:1 at best"),
])
def test_speaker_labels_as_people_write_them(line: str, speaker: str | None, text: str) -> None:
    assert [(t.speaker, t.text) for t in parse_plain(line, "r")] == [(speaker, text)]


def test_a_label_with_no_words_makes_no_turn_and_keeps_line_numbers() -> None:
    text = ("Marketing:\nMarketing: The remote should be yellow.\nProject Manager:   \n\n"
            "Industrial Designer: Rubber, then.\n")
    turns = parse_plain(text, "r")
    assert [(t.speaker, t.text, t.line, t.index) for t in turns] == [
        ("Marketing", "The remote should be yellow.", 1, 0),
        ("Industrial Designer", "Rubber, then.", 4, 1),
    ]
    assert turns[1].start == turns[0].end


def test_webvtt_with_two_voices_in_one_cue_makes_two_turns(tmp_path: Path) -> None:
    p = tmp_path / "two.vtt"
    p.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n<v.loud Linda Park>We need welders "
                 "now.</v>\n<v Tom Reyes>Same.\n\n00:00:05.000 --> 00:00:06.000\n"
                 "<v Greg Olsen>Housing <b>too</b>.\n", encoding="utf-8")
    t = load(p)
    assert [(x.speaker, x.text, x.start, x.end, x.line) for x in t.turns] == [
        ("Linda Park", "We need welders now.", 0.0, 3.2, 3),  # 4 words of 5: 4/5 of the cue
        ("Tom Reyes", "Same.", 3.2, 4.0, 4),
        ("Greg Olsen", "Housing too.", 5.0, 6.0, 7),
    ]


def test_srt_cue_with_a_speaker_per_line_makes_a_turn_per_speaker(tmp_path: Path) -> None:
    p = tmp_path / "dialogue.srt"
    p.write_text("1\n00:00:10,000 --> 00:00:13,000\nDr. Mary-Ann O'Neil: We need nurses\n"
                 "on nights.\nSpeaker 2: Agreed.\n\n2\n00:00:14,000 --> 00:00:15,000\n"
                 "Here is the thing: nobody applies.\n", encoding="utf-8")
    t = load(p)
    assert [(x.speaker, x.text, x.start, x.end, x.line) for x in t.turns] == [
        ("Dr. Mary-Ann O'Neil", "We need nurses on nights.", 10.0, 12.5, 2),
        ("Speaker 2", "Agreed.", 12.5, 13.0, 4),
        (None, "Here is the thing: nobody applies.", 14.0, 15.0, 8),
    ]


def test_sample_convenings_every_line_has_its_roster_speaker() -> None:
    folder = Path(__file__).resolve().parents[2] / "shared" / "data" / "convenings"
    if not folder.is_dir():
        pytest.skip("../shared/data/convenings is not here (a bare clone)")
    for txt in sorted(folder.glob("*.txt")):
        roster = {ln.split(",")[0] for ln in
                  (txt.with_suffix(".roster.csv")).read_text(encoding="utf-8").splitlines()[1:]}
        lines = txt.read_text(encoding="utf-8").splitlines()
        turns = parse_plain("\n".join(lines), "r")
        assert len(turns) == sum(1 for ln in lines if ln.strip()), txt.name
        for t in turns:
            assert t.speaker in roster, (txt.name, t.line, t.speaker)
            assert lines[t.line].endswith(t.text)


def test_qmsum_speaker_labels_are_recognised() -> None:
    import json

    folder = Path(__file__).resolve().parents[2] / "shared" / "data" / "qmsum"
    if not folder.is_dir():
        pytest.skip("../shared/data/qmsum is not here (a bare clone)")
    labels = set()
    for f in sorted(folder.glob("*/*.json")):
        for turn in json.loads(f.read_text(encoding="utf-8"))["meeting_transcripts"]:
            labels.add(turn["speaker"])
    assert len(labels) > 100
    for label in sorted(labels):
        (turn,) = parse_plain(f"{label}: Thank you, Chair.", "r")
        assert turn.text == "Thank you, Chair.", label
        assert turn.speaker and "(" not in turn.speaker and turn.speaker in label, label
