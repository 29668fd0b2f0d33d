"""Settings (issue 28): one typed object; each SYNTH_* variable read with its type, a bad one
refused in one line that names it, its value and what is allowed, shown by the CLI and the app
without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from synth import settings
from synth.errors import InputError
from synth.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
NAMES = [f.name for f in fields(Settings)]
# One good value of each setting, as typed in a shell, and what it reads as.
GOOD = {
    "cache_dir": ("~/synth-cache", Path.home() / "synth-cache"),
    "whisper_model": ("tiny.en", "tiny.en"),
    "language": ("auto", "auto"),
    "device": ("cuda:1", "cuda:1"),
    "compute_type": ("int8_float16", "int8_float16"),
    "batch_size": ("8", 8),
    "embedding_model": ("/models/mpnet", "/models/mpnet"),
    "threads": (" 4 ", 4),
    "decoders": ("0", 0),
    "beam_size": ("1", 1),
    "allow_download": ("Yes", True),
    "max_transcript_bytes": ("1000", 1000),
    "database_url": ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
    "files_dir": ("/srv/synth-files", Path("/srv/synth-files")),
    "max_jobs": ("3", 3),
    "max_upload_mb": ("2.5", 2.5),
    "session_hours": ("0.5", 0.5),
    "public_url": ("https://vote.example.org/", "https://vote.example.org/"),
}
BAD = [
    ("SYNTH_THREADS", "two", "a whole number above 0"),
    ("SYNTH_THREADS", "0", "a whole number above 0"),
    ("SYNTH_MAX_JOBS", "-1", "a whole number of jobs above 0"),
    ("SYNTH_MAX_JOBS", "1.5", "a whole number of jobs above 0"),
    ("SYNTH_DEVICE", "gpu", "cpu, cuda or cuda:N"),
    ("SYNTH_ALLOW_DOWNLOAD", "maybe", "1, true, yes, 0, false or no"),
    ("SYNTH_SESSION_HOURS", "abc", "a number of hours above 0"),
    ("SYNTH_MAX_UPLOAD_MB", "inf", "a number of MB above 0"),
    ("SYNTH_BATCH_SIZE", "-2", "-1 (automatic) or a whole number, 0 or more"),
    ("SYNTH_DECODERS", "-1", "a whole number, 0 or more"),
    ("SYNTH_BEAM_SIZE", "0", "a whole number above 0"),
    ("SYNTH_MAX_TRANSCRIPT_BYTES", "50MB", "a whole number of bytes above 0"),
    ("SYNTH_COMPUTE_TYPE", "int4", "auto, default, int8, int8_float32, int8_float16, "
                                   "int8_bfloat16, int16, float16, bfloat16, float32"),
    ("SYNTH_PUBLIC_URL", "vote.example.org", "an address starting with http:// or https://"),
]


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No SYNTH_* setting from the shell or another fixture, and fresh XDG folders."""
    for name in [*NAMES, "ballot_url"]:
        monkeypatch.delenv(settings.variable(name), raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def test_every_setting_has_a_description_and_a_row_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for f in fields(Settings):
        assert f.metadata["help"], f.name
        assert f"| `{settings.variable(f.name)}` |" in readme, f.name
    assert set(GOOD) == set(NAMES)  # a new setting gets a good value here too


def test_defaults(tmp_path: Path) -> None:
    s = settings.load()
    assert s == Settings()
    assert (s.threads, s.device, s.whisper_model, s.beam_size, s.allow_download) == (
        2, "cpu", "base", 5, False)
    assert (s.max_jobs, s.max_upload_mb, s.session_hours, s.public_url, s.files_dir) == (
        1, 500, 12, "", None)
    assert s.cache_dir == tmp_path / "cache" / "synth"
    assert s.database_url == f"sqlite:///{tmp_path / 'data' / 'synth' / 'synth.db'}"


@pytest.mark.parametrize("name", NAMES)
def test_a_good_value_is_read_with_its_type(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    raw, expected = GOOD[name]
    monkeypatch.setenv(settings.variable(name), raw)
    value = getattr(settings.load(), name)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw, expected", [("1", True), ("TRUE", True), ("no", False),
                                           ("0", False)])
def test_a_flag_reads_yes_and_no_words(raw: str, expected: bool,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_ALLOW_DOWNLOAD", raw)
    assert settings.load().allow_download is expected


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.setenv(settings.variable(name), " ")
    assert settings.load() == Settings()


@pytest.mark.parametrize("variable, raw, allowed", BAD)
def test_a_bad_value_is_one_line_naming_the_variable(variable: str, raw: str, allowed: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, raw)
    with pytest.raises(InputError) as caught:
        settings.load()
    assert str(caught.value) == f"{variable} is {raw!r}: use {allowed}."


def test_the_renamed_ballot_address_is_refused_not_ignored(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_BALLOT_URL", "https://vote.example.org/")
    with pytest.raises(InputError) as caught:
        settings.load()
    assert str(caught.value) == ("SYNTH_BALLOT_URL was renamed to SYNTH_PUBLIC_URL: set "
                                 "SYNTH_PUBLIC_URL instead, and unset SYNTH_BALLOT_URL.")


@pytest.mark.parametrize("command", [["db", "init"], ["vote", "codes", "-c", "1"]])
def test_a_command_shows_a_bad_setting_as_its_line_without_a_traceback(
        command: list[str], tmp_path: Path) -> None:
    env = os.environ | {"SYNTH_THREADS": "two",
                        "SYNTH_DATABASE_URL": f"sqlite:///{tmp_path / 'synth.db'}"}
    done = subprocess.run([sys.executable, "-c", "from synth.cli.main import app; app()",
                           *command], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == "error: SYNTH_THREADS is 'two': use a whole number above 0.\n"
    assert done.stdout == ""
    assert not (tmp_path / "synth.db").exists()  # stopped before it did anything


def test_the_app_shows_a_bad_setting_as_its_line_on_the_page(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_SESSION_HOURS", "abc")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "SYNTH\\_SESSION\\_HOURS is 'abc': use a number of hours above 0."]
