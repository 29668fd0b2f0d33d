"""The synth command: outputs by extension, one clear line per bad input, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import JFK, needs_shared
from typer.testing import CliRunner

from synth.cli import app

runner = CliRunner()


@needs_shared(JFK)
def test_transcribe_writes_each_format(tmp_path: Path) -> None:
    for ext in (".json", ".vtt", ".srt", ".txt"):
        out = tmp_path / f"jfk{ext}"
        result = runner.invoke(app, ["transcribe", str(JFK), "--model", "tiny.en",
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "ask not what your country" in out.read_text()
    data = json.loads((tmp_path / "jfk.json").read_text())
    assert data["turns"][0]["words"] and data["recording"]["kind"] == "audio"


@needs_shared(JFK)
def test_bad_inputs_give_one_line_and_keep_earlier_results(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    assert runner.invoke(app, ["transcribe", str(JFK), "--model", "tiny.en",
                               "--out", str(good)]).exit_code == 0
    before = good.read_text()
    empty = tmp_path / "empty.mp3"
    empty.touch()
    fake = tmp_path / "fake.wav"
    fake.write_text("just text")
    for bad in (empty, fake, tmp_path / "missing.wav"):
        result = runner.invoke(app, ["transcribe", str(bad), "--model", "tiny.en",
                                     "--out", str(good)])
        assert result.exit_code == 2
        assert result.output.startswith(f"error: {bad}") and "Traceback" not in result.output
        assert good.read_text() == before


@needs_shared(JFK)
def test_several_files_one_bad_still_writes_the_good_one(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.touch()
    out = tmp_path / "out"
    result = runner.invoke(app, ["transcribe", str(empty), str(JFK), "--model", "tiny.en",
                                 "--out", str(out)])
    assert result.exit_code == 2 and "empty.wav: the file is empty" in result.output
    assert (out / "jfk.json").exists()


@needs_shared(JFK)
def test_unknown_model_and_bad_speakers_option() -> None:
    result = runner.invoke(app, ["transcribe", str(JFK), "--model", "huge"])
    assert result.exit_code == 2 and "Unknown Whisper model 'huge'" in result.output
    result = runner.invoke(app, ["transcribe", str(JFK), "--speakers", "many"])
    assert result.exit_code != 0 and "use 'auto' or a positive number" in result.output
