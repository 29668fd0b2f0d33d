"""The whole convening pipeline through the CLI: JSON contract, verbatim quotes, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SAMPLE_DIR
from typer.testing import CliRunner

from synth.cli.main import app
from synth.convening.report import md_escape

runner = CliRunner()
TRANSCRIPT = SAMPLE_DIR / "convening.txt"
ROSTER = SAMPLE_DIR / "roster.csv"


@pytest.fixture(scope="module")
def sample_result(tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("synth") / "result.json"
    md = out.with_suffix(".md")
    result = runner.invoke(app, ["synthesize", str(TRANSCRIPT), "--roster", str(ROSTER),
                                 "--out", str(out), "--out", str(md)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text()), out


def test_json_contract(sample_result) -> None:
    data, _ = sample_result
    for s in data["statements"]:
        assert {"id", "text", "speaker", "start", "end", "recording", "line", "theme"} <= set(s)
    for t in data["themes"]:
        assert {"id", "label", "keywords", "statement_ids", "speakers", "quotes",
                "stability"} <= set(t)
        assert 0.0 <= t["stability"] <= 1.0 and t["label"] and t["label_generated"]
    theme_of = {s["id"]: s["theme"] for s in data["statements"]}
    ids = {t["id"] for t in data["themes"]}
    assert len(ids) == len(data["themes"]) >= 2
    assert {v for v in theme_of.values() if v is not None} <= ids
    for t in data["themes"]:
        assert all(theme_of[sid] == t["id"] for sid in t["statement_ids"])
    # Facilitator talk and back-channels are context, never a theme member.
    for s in data["statements"]:
        if not s["clusterable"]:
            assert s["theme"] is None
    assert {s["speaker"] for s in data["statements"] if s["speaker"] == "Karen Holloway"
            and s["theme"]} == set()


def test_quotes_are_verbatim_with_speaker_line_and_time(sample_result) -> None:
    data, _ = sample_result
    lines = TRANSCRIPT.read_text(encoding="utf-8").splitlines()
    by_id = {s["id"]: s for s in data["statements"]}
    for t in data["themes"]:
        assert 3 <= len(t["quotes"]) <= 5 or len(t["quotes"]) == len(t["statement_ids"])
        for q in t["quotes"]:
            s = by_id[q["statement_id"]]
            assert q["statement_id"] in t["statement_ids"]
            assert q["text"] == s["text"] and q["speaker"] == s["speaker"]
            assert (q["start"], q["line"]) == (s["start"], s["line"])
            speaker, words = lines[q["line"]].split(": ", 1)
            assert speaker == q["speaker"] and q["text"] in words


def test_ranked_read_back_first_then_by_breadth_of_support(sample_result) -> None:
    data, _ = sample_result
    # the sample's facilitator reads five priorities back; the candidates she named come first
    read_back = [t["read_back"] for t in data["themes"]]
    assert read_back == sorted(read_back, reverse=True) and 0 < sum(read_back) < len(read_back)
    for group in (True, False):
        breadth = [t["breadth"] for t in data["themes"] if t["read_back"] == group]
        assert breadth == sorted(breadth, reverse=True)


def test_same_input_gives_byte_identical_output(sample_result, tmp_path: Path) -> None:
    _, first = sample_result
    again = tmp_path / "again.json"
    result = runner.invoke(app, ["synthesize", str(TRANSCRIPT), "--roster", str(ROSTER),
                                 "--out", str(again)])
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == first.read_bytes()


def test_markdown_labels_generated_text_and_escapes_quotes(sample_result) -> None:
    data, out = sample_result
    md = out.with_suffix(".md").read_text()
    assert "**The names are suggestions.**" in md and "own words, exactly as" in md
    people = {p["name"]: p["company"] for p in data["participants"]}
    for t in data["themes"]:
        said = "_Named from the facilitator's recap, to be confirmed with the partnership._" \
            if t["read_back"] else "_Suggested name, to be confirmed by the facilitator._"
        assert f"## {t['rank']}. {md_escape(t['label'])}\n\n{said}" in md
        for q in t["quotes"]:
            assert f"> \u201c{md_escape(q['text'])}\u201d  \n> \u2014 {q['speaker']}, " \
                f"{people[q['speaker']]}, line {q['line'] + 1}\n" in md
    assert "stability" not in md and md.endswith("\n") and not md.endswith("\n\n")


def test_tiny_and_bad_inputs(tmp_path: Path) -> None:
    one = tmp_path / "one.txt"
    one.write_text("Tom Reyes: We need welders and we need them now.\n")
    out = tmp_path / "one.json"
    result = runner.invoke(app, ["synthesize", str(one), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert len(data["statements"]) == 1 and len(data["themes"]) <= 1
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = runner.invoke(app, ["synthesize", str(empty), "--out", str(out)])
    assert result.exit_code == 2 and "empty.txt: the file is empty" in result.output
    result = runner.invoke(app, ["synthesize", str(one), "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and "unknown result format" in result.output


def test_audio_convening_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "audio.json"
    result = runner.invoke(app, ["synthesize", str(SAMPLE_DIR / "convening.ogg"), "--model",
                                 "tiny.en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["recordings"][0]["kind"] == "audio" and data["recordings"][0]["duration"] > 300
    assert len(data["statements"]) > 50 and len(data["themes"]) >= 2
    for t in data["themes"]:
        for q in t["quotes"]:
            assert q["end"] > q["start"] >= 0 and q["line"] is None
