"""Transcripts at the edges (issue 26): a turn too long for spaCy, a late NUL byte, a JSON
transcript with no words, a text file with no speaker names.

Each was found by an outside test: the long turn crashed spaCy with a traceback (E088), the
NUL passed ``synth synthesize`` and failed only at import, the empty JSON turn exited 0 with
nothing, and the text file without speaker names was taken silently.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from synth.audio.ingest import identify
from synth.errors import InputError
from synth.records import Turn, Word
from synth.text.transcripts import MAX_TURN_CHARS, load_transcript, split_long_turns

LIMIT = 50_000_000
SENTENCE = "We need welders who can read a blueprint, and we need them by spring. "


def load(path: Path):
    return load_transcript(path, identify(path), LIMIT)


# --- a turn longer than spaCy takes ------------------------------------------------------------


def test_a_2_mb_one_line_transcript_is_read_as_turns_spacy_can_take(tmp_path: Path) -> None:
    words = SENTENCE * (2_000_000 // len(SENTENCE))
    p = tmp_path / "long.txt"
    p.write_text("Ana Ruiz: " + words + "\nBen: Thanks.\n", encoding="utf-8")
    t = load(p)
    long = [x for x in t.turns if x.line == 0]
    assert len(long) > 2_000_000 // MAX_TURN_CHARS
    assert all(0 < len(x.text) <= MAX_TURN_CHARS for x in t.turns)
    # Cut at sentence ends: every part is verbatim, whole sentences, and nothing is lost.
    assert all(x.text in words and x.text.endswith(".") and x.text[0] == "W" for x in long)
    assert " ".join(x.text for x in long) == words.strip()
    assert {x.speaker for x in long} == {"Ana Ruiz"}
    assert [x.index for x in t.turns] == list(range(len(t.turns)))
    assert (t.turns[-1].speaker, t.turns[-1].text, t.turns[-1].line) == ("Ben", "Thanks.", 1)
    times = [(x.start, x.end) for x in t.turns]
    assert all(a <= b for a, b in times) and all(times[i][1] <= times[i + 1][0] + 1e-6
                                                  for i in range(len(times) - 1))


def test_spacy_takes_every_part_of_a_long_turn() -> None:
    """The parts are below the packaged pipeline's max_length, the limit E088 enforces."""
    from synth import models

    nlp = models.load_nlp()
    assert MAX_TURN_CHARS < nlp.max_length
    turn = Turn("0123456789abcdef", 0, 0.0, 10.0, "x" * (nlp.max_length + 10))
    parts = split_long_turns([turn])
    assert max(len(x.text) for x in parts) <= MAX_TURN_CHARS


def test_real_spacy_reads_an_over_limit_turn_as_verbatim_statements(
        tmp_path: Path, nlp, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real path, file -> load_transcript -> spaCy's extract_statements, on a turn just
    over spaCy's max_length: the whole turn raises E088, its parts give verbatim statements.

    The limit is lowered (spaCy's max_length and the split limit alike) so the real model
    parses about 3,000 characters, not 2 MB (that took 878 s on 2 cores)."""
    from synth.text.statements import extract_statements

    limit = 3_000
    monkeypatch.setattr(nlp, "max_length", limit)
    words = (SENTENCE * (limit // len(SENTENCE) + 3)).strip()
    assert limit < len(words) < limit + 300
    p = tmp_path / "long.txt"
    p.write_text("Ana Ruiz: " + words + "\nBen: Thanks for that.\n", encoding="utf-8")
    whole = load_transcript(p, identify(p), LIMIT, max_turn_chars=10 * limit)
    assert len(whole.turns) == 2 and len(whole.turns[0].text) > limit
    with pytest.raises(ValueError, match="E088"):  # what the unsplit turn did (issue 26)
        extract_statements(whole.turns, nlp)

    t = load_transcript(p, identify(p), LIMIT, max_turn_chars=limit)
    long = [x for x in t.turns if x.line == 0]
    assert len(long) == 2 and all(len(x.text) <= limit for x in t.turns)
    statements = extract_statements(t.turns, nlp)
    said = [s for s in statements if s.line == 0]
    # Verbatim and complete: every statement is a piece of the line, in order, all of it.
    assert all(s.text in words and s.speaker == "Ana Ruiz" for s in said)
    assert " ".join(s.text for s in said) == words
    assert {s.turn_index for s in said} == {0, 1}
    assert [(s.speaker, s.text) for s in statements if s.line == 1] == [
        ("Ben", "Thanks for that.")]


def test_a_turn_without_spaces_is_cut_hard_and_loses_nothing() -> None:
    text = "ab" * (MAX_TURN_CHARS + 7)
    parts = split_long_turns([Turn("0123456789abcdef", 3, 5.0, 25.0, text, "Ana", 4)])
    assert "".join(x.text for x in parts) == text
    assert all(len(x.text) <= MAX_TURN_CHARS for x in parts)
    assert [x.index for x in parts] == [0, 1, 2] and {x.line for x in parts} == {4}
    assert parts[0].start == 5.0 and parts[-1].end == 25.0


def test_a_long_turn_with_word_timings_keeps_them() -> None:
    words = tuple(Word(i * 0.5, i * 0.5 + 0.4, f" word{i}.", 0.9, "S1") for i in range(40_000))
    text = "".join(w.text for w in words).strip()
    assert len(text) > MAX_TURN_CHARS
    turn = Turn("0123456789abcdef", 0, 0.0, words[-1].end, text, "S1", words=words)
    parts = split_long_turns([turn, Turn("0123456789abcdef", 1, 20_000.0, 20_001.0, "Bye.")])
    assert len(parts) > 4 and parts[-1].text == "Bye." and parts[-1].index == len(parts) - 1
    assert sum(len(x.words) for x in parts[:-1]) == len(words)
    for x in parts[:-1]:
        assert x.text == "".join(w.text for w in x.words).strip()
        assert (x.start, x.end) == (x.words[0].start, x.words[-1].end)


def test_short_turns_are_left_as_they_are() -> None:
    turns = [Turn("0123456789abcdef", i, i, i + 1, SENTENCE) for i in range(3)]
    assert split_long_turns(turns) == turns


# --- a NUL byte anywhere in a transcript -------------------------------------------------------


@pytest.mark.parametrize("where", [10, 5_000, 200_000])
def test_a_nul_byte_anywhere_is_refused_when_read_with_its_line(tmp_path: Path,
                                                              where: int) -> None:
    lines = [f"Ana: line {i} about welders and their training." for i in range(6_000)]
    text = "\n".join(lines) + "\n"
    pos = text.index("welders", where)
    line = text.count("\n", 0, pos) + 1
    p = tmp_path / "late-nul.txt"
    p.write_bytes((text[:pos] + "\x00" + text[pos:]).encode("utf-8"))
    with pytest.raises(InputError, match=rf"late-nul\.txt: holds a NUL character \(\\x00\) "
                                         rf"at line {line}\b"):
        load(p)


def test_a_nul_in_a_json_transcript_string_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "t.json"
    turns = [{"start": i, "end": i + 1, "text": "We need welders." if i != 300 else "a\u0000b"}
             for i in range(400)]
    p.write_text(json.dumps({"turns": turns}, indent=1), encoding="utf-8")
    with pytest.raises(InputError, match=r"holds a NUL character .* at line \d+"):
        load(p)


# --- a JSON transcript with no words; a text file with no speaker names ------------------------


@pytest.mark.parametrize("turns", [[{"start": 0, "end": 1, "text": ""}],
                                   [{"start": 0, "end": 1, "text": "  \n "},
                                    {"start": 1, "end": 2, "text": ""}]])
def test_a_json_transcript_whose_turns_are_empty_is_an_error(tmp_path: Path, turns) -> None:
    p = tmp_path / "empty.json"
    p.write_text(json.dumps({"turns": turns}), encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.json: the transcript has no turns"):
        load(p)
    empty_text = tmp_path / "empty.txt"
    empty_text.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.txt: the transcript has no turns"):
        load(empty_text)


def test_a_text_file_without_speaker_names_is_read_with_a_warning(tmp_path: Path,
                                                                  caplog) -> None:
    p = tmp_path / "minutes.txt"
    p.write_text("We need welders.\nChildcare is the issue.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="synth.text.transcripts"):
        t = load(p)
    assert [x.speaker for x in t.turns] == [None, None]
    assert [r.getMessage() for r in caplog.records] == [
        "minutes.txt: no speaker names found; every line is one turn by an unknown speaker"]
    named = tmp_path / "named.txt"
    named.write_text("Ana: We need welders.\nChildcare is the issue.\n", encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="synth.text.transcripts"):
        load(named)
    assert not caplog.records


def test_the_warning_names_no_words_of_the_file(tmp_path: Path, caplog) -> None:
    p = tmp_path / "minutes.txt"
    p.write_text("Secret plans of Acme.\n", encoding="utf-8")
    with caplog.at_level(logging.DEBUG):
        load(p)
    assert not any(re.search("Secret|Acme", r.getMessage()) for r in caplog.records)

