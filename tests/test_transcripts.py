"""Transcript formats people already have: plain text, WebVTT, SRT, synth JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from synth.errors import InputError
from synth.ingest import identify
from synth.records import Recording, Transcript, Turn, Word
from synth.transcripts import load_transcript, parse_plain
from synth.writers import to_text, write_transcript

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
