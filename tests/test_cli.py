"""The synth command: outputs by extension, one clear line per bad input, no tracebacks,
readable help, the words of a recording transcribed once, and the app served by `synth app`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from conftest import JFK, ROOT, SAMPLE_DIR, needs_shared
from typer.testing import CliRunner

from synth.cli.main import app

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
    assert result.exit_code != 0 and "use 'auto', 'roster' or a positive number" in result.output


def _commands(command, path=()):  # noqa: ANN001, ANN202
    """Every command of the CLI with its words on the command line, groups included."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_help_names_every_option_in_full_and_no_bool_placeholder() -> None:
    root = typer.main.get_command(app)
    seen = 0
    for path, command in _commands(root):
        result = runner.invoke(app, [*path, "--help"], terminal_width=80)
        assert result.exit_code == 0, (path, result.output)
        text = result.output
        assert "<bool>" not in text and "\u2026" not in text, (path, text)
        for param in command.params:
            for name in (*param.opts, *param.secondary_opts):
                if name.startswith("-"):
                    assert name in text, (path, name, text)
        # A group lists each command with the whole first sentence of its help, wrapped.
        flat = " ".join(text.split())
        for name, sub in getattr(command, "commands", {}).items():
            summary = " ".join(sub.help.split("\n\n")[0].split()) if sub.help else ""
            first = summary.split(". ")[0]
            assert f"{name} {first}" in flat.replace("- ", "-"), (path, name, text)
        seen += 1
    assert seen > 30  # the database, review, speakers and vote commands too


def test_python_dash_m_synth_is_the_synth_command() -> None:
    result = subprocess.run([sys.executable, "-m", "synth", "--help"], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: synth ") and "synthesize" in result.stdout
    assert " app " in result.stdout


class FakeWhisper:
    """Counts decodes; the words are fixed (the model is not the point here)."""

    calls = 0

    def segments(self, audio, progress=None):  # noqa: ANN001, ANN201
        from synth.audio.guard import RawSegment
        from synth.records import Word

        FakeWhisper.calls += 1
        said = ["We need more welders trained in the valley.",
                "Childcare keeps our night shift from filling up.",
                "Housing near the plant is the other problem for new hires."]
        out = []
        for i, sentence in enumerate(said):
            start = 2.0 * i
            words = tuple(Word(round(start + 0.2 * k, 2), round(start + 0.2 * k + 0.15, 2),
                               f" {w}", 0.9) for k, w in enumerate(sentence.split()))
            out.append(RawSegment(start, words[-1].end, sentence, words, -0.2, 0.01, 1.2))
        return iter(out), "en"


def test_transcribe_after_synthesize_reuses_the_words_and_the_speakers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Words are cached once whatever --speakers asks; each speaker setting is found once."""
    from audio import encode

    from synth import models
    from synth.audio import speakers, transcribe
    from synth.audio.diarize import SpeakerSegment

    FakeWhisper.calls = 0
    found: list[object] = []

    def fake_diarize(audio, *, sample_rate, num_speakers, known_voices=None):  # noqa: ANN001, ANN202
        # the number of speakers, and how many voice samples sharpen them
        found.append((num_speakers, 0 if known_voices is None else len(known_voices)))
        return [SpeakerSegment(0.0, 3.9, "S1"), SpeakerSegment(3.9, 7.0, "S2")]

    monkeypatch.setattr(models, "load_whisper", lambda *a, **k: object())
    monkeypatch.setattr(transcribe.WhisperTranscriber, "segments", FakeWhisper.segments)
    monkeypatch.setattr(speakers, "diarize", fake_diarize)
    rng = np.random.default_rng(0)
    clip = encode((0.05 * rng.standard_normal(7 * 16000)).astype(np.float32),
                  tmp_path / "clip.wav")
    roster = SAMPLE_DIR / "roster.csv"
    people = len(roster.read_text().splitlines()) - 1

    result = runner.invoke(app, ["synthesize", str(clip), "--roster", str(roster), "--speakers",
                                 "roster", "--out", str(tmp_path / "result.json")])
    assert result.exit_code == 0, result.output
    assert (FakeWhisper.calls, found) == (1, [(people, people)])  # every person has a sample

    out = tmp_path / "clip.json"
    result = runner.invoke(app, ["transcribe", str(clip), "--roster", str(roster),
                                 "--speakers", "roster", "--out", str(out)])
    assert result.exit_code == 0, result.output
    # neither transcribed nor diarized again: the same samples, the same cached speakers
    assert (FakeWhisper.calls, found) == (1, [(people, people)])
    turns = json.loads(out.read_text())["turns"]
    assert [t["speaker"] for t in turns] == ["S1", "S2"]

    result = runner.invoke(app, ["transcribe", str(clip), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert FakeWhisper.calls == 1 and len(found) == 1
    assert {t["speaker"] for t in json.loads(out.read_text())["turns"]} == {None}

    result = runner.invoke(app, ["transcribe", str(clip), "--speakers", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (FakeWhisper.calls, found) == (1, [(people, people), (2, 0)])  # speakers only

    result = runner.invoke(app, ["transcribe", str(clip), "--speakers", "2", "--force",
                                 "--out", str(out)])
    assert (FakeWhisper.calls, found) == (2, [(people, people), (2, 0), (2, 0)])

    result = runner.invoke(app, ["transcribe", str(clip), "--speakers", "roster"])
    assert result.exit_code == 2 and "'roster' needs --roster" in result.output


def test_synth_app_serves_the_checkout_app_from_its_folder(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    from streamlit.web import cli as streamlit_cli

    served: list[tuple[list[str], str]] = []
    monkeypatch.chdir(tmp_path)  # restored afterwards; synth app moves into the app's folder
    monkeypatch.setattr(streamlit_cli, "main",
                        lambda args, prog_name: served.append((args, os.getcwd())))
    result = runner.invoke(app, ["app", "--port", "8600", "--address", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert served == [(["run", str(ROOT / "app.py"), "--server.port", "8600",
                        "--server.address", "0.0.0.0"], str(ROOT))]
    assert (ROOT / ".streamlit" / "config.toml").is_file()


def test_synth_app_says_where_it_looked_when_the_app_is_missing(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from synth.cli import serve

    (tmp_path / "app.py").write_text("")  # an app.py alone is some other project's
    monkeypatch.setattr(serve, "app_folders", lambda: [tmp_path])
    result = runner.invoke(app, ["app"])
    assert result.exit_code == 2 and result.output.startswith("error: The app (app.py")
    assert str(tmp_path) in result.output and "Traceback" not in result.output
