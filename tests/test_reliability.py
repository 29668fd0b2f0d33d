"""Reliability and security checks not covered elsewhere (see docs/reliability.md for the map).

Bad input the tests make themselves (long silence, noise and music, a 3-hour recording, a
non-English clip, a 100 MB text file, odd file names, malformed WebVTT/SRT); a process
killed during transcription and during theme finding; 200 voters at once; and what reaches
the logs. Store tests run on SQLite, and on PostgreSQL too when SYNTH_TEST_POSTGRES_URL is set.
"""

# The store fixtures (engine, db_url, ...) are imported from test_store and requested by
# name, which ruff reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from audio import encode
from conftest import JFK, ROOT, SAMPLE_DIR, needs_shared
from sqlalchemy import Engine, func, select
from test_store import load, result, theme_id
from typer.testing import CliRunner

from synth.audio.ingest import identify
from synth.audio.transcribe import transcribe_file
from synth.convening import jobs, setup
from synth.decisions import ballots, review, secret_hash
from synth.decisions.voting import BallotRules
from synth.errors import InputError, NoSpeechError
from synth.store import make_engine, queries, transaction
from synth.store.schema import BallotMark, BallotRecord, Run
from synth.text.transcripts import load_transcript

RATE = 16_000


def _integrity(url: str) -> None:
    """SQLite's own checks pass (PostgreSQL has no equivalent to run; it is transactional)."""
    e = make_engine(url)
    if e.dialect.name == "sqlite":
        with e.connect() as c:
            assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert c.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    e.dispose()


# --- bad input ---------------------------------------------------------------------------


def _music(seconds: int) -> np.ndarray:
    """Plucked chords on a beat: tonal, rhythmic, no voice."""
    n, beat = seconds * RATE, RATE // 2
    t = np.arange(beat) / RATE
    env = np.exp(-3 * t)
    notes = [220, 262, 294, 330, 392, 440]
    out = np.zeros(n, np.float32)
    for k, i in enumerate(range(0, n - beat + 1, beat)):
        f = notes[(k * 7) % len(notes)]
        out[i:i + beat] = 0.2 * env * (np.sin(2 * np.pi * f * t) + 0.5 * np.sin(3 * np.pi * f * t)
                                       + 0.3 * np.sin(4 * np.pi * f * t))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["silence", "noise", "music"])
def test_ten_minutes_without_speech_invent_no_words(kind: str, settings, tmp_path: Path) -> None:
    n = 600 * RATE
    audio = {"silence": lambda: np.zeros(n, np.float32),
             "noise": lambda: (0.05 * np.random.default_rng(3).standard_normal(n)
                               ).astype(np.float32),
             "music": lambda: _music(600)}[kind]()
    path = encode(audio, tmp_path / f"{kind}.flac")
    with pytest.raises(NoSpeechError, match=rf"{kind}.flac: no speech found in 600 s of audio"):
        transcribe_file(path, settings=settings, model="tiny.en")
    # Nothing cached: the next try transcribes again instead of reading an empty transcript.
    assert not list((settings.cache_dir / "transcripts").glob(f"{identify(path).id}-*"))


def _sparse_wav(path: Path, seconds: int) -> Path:
    """A real 16 kHz 16-bit WAV of silence that takes no disk space (a sparse file)."""
    size = seconds * RATE * 2
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + size) + b"WAVEfmt "
                + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16)
                + b"data" + struct.pack("<I", size))
        f.truncate(44 + size)
    return path


THREE_HOURS = """
import json, resource, sys
from pathlib import Path
from synth import models
from synth.audio import transcribe
from synth.errors import NoSpeechError
from synth.settings import load

blocks = []

class Info:
    language = "en"

def decode(self, audio, language):  # stands in for Whisper: records what it is given
    blocks.append(len(audio))
    return iter(()), Info()

transcribe.WhisperTranscriber._decode = decode
models.load_whisper = lambda name, settings: None
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    transcribe.transcribe_file(sys.argv[1], settings=load().with_(cache_dir=Path(sys.argv[2])))
    message = None
except NoSpeechError as exc:
    message = str(exc)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"blocks": blocks, "base_kb": base, "peak_kb": peak, "message": message}))
"""


@pytest.mark.slow
def test_a_three_hour_recording_decodes_once_and_goes_to_whisper_in_bounded_blocks(
        tmp_path: Path) -> None:
    path = _sparse_wav(tmp_path / "all day.wav", 3 * 3600)
    out = subprocess.run([sys.executable, "-c", THREE_HOURS, str(path), str(tmp_path / "c")],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    samples = 3 * 3600 * RATE
    # Whisper's mel spectrogram is made per block: blocks of at most 10 minutes (cut at the
    # quietest moment of the 30 s before the limit: 570 s each in silence), every sample once.
    assert sum(got["blocks"]) == samples and 18 <= len(got["blocks"]) <= 19
    assert max(got["blocks"]) <= 600 * RATE
    assert got["message"].endswith(
        "no speech found in 10800 s of audio (0 invented stretch(es) removed). Check that this "
        "is the right recording and that the microphone was on.")
    # Decoding holds the float32 samples (691 MB) and little else: faster-whisper's own
    # decoder peaked at 1.76 GB here (a 16-bit buffer plus two float copies).
    extra_mb = (got["peak_kb"] - got["base_kb"]) / 1024
    assert extra_mb < 1.25 * samples * 4 / 2**20, extra_mb


SPANISH = "Necesitamos más soldadores en nuestras fábricas."


@pytest.fixture(scope="module")
def spanish_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng renders the non-English clip (apt-get install espeak-ng)")
    path = tmp_path_factory.mktemp("es") / "reunión.wav"
    subprocess.run(["espeak-ng", "-v", "es", "-s", "140", "-w", str(path), SPANISH], check=True)
    return path


@pytest.mark.slow
def test_a_non_english_clip_is_transcribed_in_its_language_with_language_auto(
        spanish_clip: Path, settings) -> None:
    t = transcribe_file(spanish_clip, settings=settings.with_(language="auto"), model="base")
    text = " ".join(x.text for x in t.turns).lower()
    assert t.language == "es" and text.startswith("necesitamos más")


@pytest.mark.slow
def test_a_non_english_clip_with_the_english_default_is_refused(
        spanish_clip: Path, settings, tmp_path: Path) -> None:
    """Pinned to English, Whisper used to translate it into English nobody said."""
    cache = tmp_path / "cache"
    with pytest.raises(InputError, match=r"sounds like 'es'.*--language es"):
        transcribe_file(spanish_clip, settings=settings.with_(language="en", cache_dir=cache),
                        model="base")
    assert not list(cache.glob("transcripts/*.json"))  # nothing invented was cached


def test_a_100_mb_text_file_is_refused_without_reading_it(settings, tmp_path: Path) -> None:
    path = tmp_path / "minutes.txt"
    line = b"Tom Reyes: we need welders and machinists for the second shift.\n"
    with open(path, "wb") as f:
        for _ in range(100 * 2**20 // len(line) + 1):
            f.write(line)
    assert path.stat().st_size > 100 * 2**20
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"minutes.txt: 105 MB is too large for a "
                                             r"transcript \(limit 52 MB, set "
                                             r"SYNTH_MAX_TRANSCRIPT_BYTES"):
            transcribe_file(path, settings=settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20  # hashed in chunks and refused by size, never read whole


def test_upload_names_cannot_leave_the_job_folder_or_overwrite_each_other(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db' / 'synth.db'}"
    with pytest.raises(InputError, match="upload: unsupported file type 'no extension'"):
        jobs.submit(url, 1, [("..", b"Ana: no name\n")], start=False)  # was IsADirectoryError
    uploads = [("../../outside.txt", b"Ana: one\n"), ("../.hidden/two.txt", b"Ana: two\n"),
               ("C:\\Users\\fay\\..\\notes.txt", b"Ana: three\n"),
               ("table 1/notes.txt", b"Ana: four\n"), ("table 2/notes.txt", b"Ana: five\n"),
               ("Réunion plénière – table 2 (fin).txt", b"Ana: six\n"),
               ("x" * 300 + ".txt", b"Ana: seven\n")]
    job = jobs.submit(url, 1, uploads, start=False)
    folder = jobs.files_dir(url) / "jobs" / job.id / "inputs"
    paths = [Path(p) for p in job.inputs]
    assert all(p.parent == folder for p in paths)
    assert [p.read_bytes() for p in paths] == [data for _, data in uploads]  # nothing lost
    assert [p.name for p in paths][:6] == ["outside.txt", "two.txt", "notes.txt", "notes (2).txt",
                                           "notes (3).txt", "Réunion plénière – table 2 (fin).txt"]
    assert len(paths[6].name.encode()) <= 255
    assert not (tmp_path / "outside.txt").exists()
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["synth-files"]


@pytest.mark.parametrize("name", ["é" * 150 + "." + "😀" * 60, "😀" * 100 + ".txt",
                                  "é" * 126 + ".tx" + "😀" * 40 + "t"])
def test_a_multi_byte_upload_name_over_255_bytes_is_a_message(tmp_path: Path, name: str) -> None:
    """Issue 26: a name whose extension held multi-byte characters was cut by characters, not
    bytes, and saving it failed with OSError [Errno 36] File name too long."""
    url = f"sqlite:///{tmp_path / 'db' / 'synth.db'}"
    assert len(name.encode()) > 255
    try:
        job = jobs.submit(url, 1, [(name, b"Ana: hello\n"), (name, b"Ben: hi\n")], start=False)
    except InputError as exc:
        assert "unsupported file type" in str(exc) and "\n" not in str(exc)
        return
    assert all(len(Path(p).name.encode()) <= 255 for p in job.inputs)
    assert [Path(p).read_bytes() for p in job.inputs] == [b"Ana: hello\n", b"Ben: hi\n"]


def test_the_cli_reads_and_writes_names_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    from synth.cli.main import app

    src = tmp_path / "Réunion plénière 2026 (table 2).txt"
    src.write_text("Zoë Müller: Wir brauchen Schweißer.\nTom Reyes: We need welders.\n",
                   encoding="utf-8")
    out = tmp_path / "sortie ü"
    result = CliRunner().invoke(app, ["transcribe", str(src), str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "Réunion plénière 2026 (table 2).json").read_text(encoding="utf-8"))
    assert [(t["speaker"], t["text"]) for t in data["turns"]] == [
        ("Zoë Müller", "Wir brauchen Schweißer."), ("Tom Reyes", "We need welders.")]


MALFORMED_CUES = {
    # name: (file text, turns (speaker, text, start, end) or the message expected)
    "timing with text after it": ("WEBVTT\n\n00:01.000 --> 00:02.000 align:start\nAna: hi\n",
                                  [("Ana", "hi", 1.0, 2.0)]),
    "no blank line between cues": ("1\n00:00:01,000 --> 00:00:02,000\nAna: one\n2\n"
                                   "00:00:03,000 --> 00:00:04,000\nBen: two\n",
                                   [("Ana", "one", 1.0, 2.0), ("Ben", "two", 3.0, 4.0)]),
    "cue without text": ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n00:00:03.000 --> "
                         "00:00:04.000\nBen: two\n", [("Ben", "two", 3.0, 4.0)]),
    "unclosed voice tag": ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ana Lee>We need\n",
                           [("Ana Lee", "We need", 1.0, 2.0)]),
    "seconds out of range": ("WEBVTT\n\n00:00:99.000 --> 00:01:40.000\nx\n",
                             [(None, "x", 99.0, 100.0)]),
    "only garbage timings": ("WEBVTT\n\n00:xx:01 --> soon\nhello\n",
                             "no readable cues (timing lines are malformed)"),
    "arrow without times": ("1\n-->\nhello\n", "no readable cues"),
    "backwards cue": ("WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nx\n",
                      "the cue at line 3 ends before it starts"),
    "absurd hours": ("WEBVTT\n\n" + "9" * 400 + ":00:00.000 --> " + "9" * 400 + ":00:01.000\nx\n",
                     "the cue at line 3 has an impossible time"),
    "header only": ("WEBVTT\n", "the transcript has no turns"),
    "binary in a .srt": ("1\n00:00:01,000 --> 00:00:02,000\n\x00\x01\x02\x03\n",
                         "named like a transcript (.srt) but is not text"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_CUES))
def test_malformed_webvtt_and_srt(case: str, tmp_path: Path) -> None:
    text, expected = MALFORMED_CUES[case]
    path = tmp_path / ("cues.srt" if "srt" in case or text.startswith("1\n") else "cues.vtt")
    path.write_text(text, encoding="utf-8")
    if isinstance(expected, str):
        with pytest.raises(InputError, match=f"{path.name}: .*{re.escape(expected)}"):
            load_transcript(path, identify(path), 10**6)
    else:
        turns = load_transcript(path, identify(path), 10**6).turns
        assert [(t.speaker, t.text, t.start, t.end) for t in turns] == expected


# --- faults: a process killed ----------------------------------------------------------------


KILLED_TRANSCRIPTION = """
import sys
from pathlib import Path
from synth.settings import load
from synth.audio.transcribe import transcribe_file

def pause(done, message):
    print("PAUSED", flush=True)
    sys.stdin.readline()  # never answered: the parent kills us here, mid-transcription

transcribe_file(sys.argv[1], settings=load().with_(cache_dir=Path(sys.argv[2])),
                model="tiny.en", progress=pause)
"""


@pytest.mark.slow
@needs_shared(JFK)
def test_sigkill_during_transcription_leaves_nothing_half_written(settings,
                                                                 tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    child = subprocess.Popen([sys.executable, "-c", KILLED_TRANSCRIPTION, str(JFK), str(cache)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "PAUSED"  # Whisper has decoded a segment
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    # No partial transcript and no temporary file (the cache also holds model checks).
    assert not (cache / "transcripts").exists() or not list((cache / "transcripts").iterdir())
    assert not list(cache.rglob("*.tmp"))
    # On restart the work is done again from the start, and then cached.
    t = transcribe_file(JFK, settings=settings.with_(cache_dir=cache), model="tiny.en")
    assert "ask not what your country" in " ".join(x.text for x in t.turns).lower()
    assert len(list((cache / "transcripts").glob("*.json"))) == 1


KILLED_THEMES = """
import sys
import synth.themes.candidates

real = synth.themes.candidates.find_themes

def pause(*args, **kwargs):
    print("PAUSED", flush=True)
    sys.stdin.readline()  # never answered: the parent kills us here, mid theme finding
    return real(*args, **kwargs)

synth.themes.candidates.find_themes = pause
from synth.convening import jobs
sys.exit(jobs.main([sys.argv[1]]))
"""


@pytest.mark.slow
def test_sigkill_during_theme_finding_fails_the_job_cleanly_and_a_rerun_works(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'synth.db'}"
    engine = make_engine(url)
    from synth.store import init_db

    init_db(engine)
    conv_id = setup.create_convening(engine, title="Launch", industry="Manufacturing",
                                     region="Cascade Valley")
    transcript = (SAMPLE_DIR / "convening.txt").read_bytes()
    job = jobs.submit(url, conv_id, [("convening.txt", transcript)], start=False)
    root = jobs.files_dir(url)
    state_file = root / "jobs" / job.id / "job.json"
    log_file = state_file.with_name("job.log")
    env = os.environ | {"SYNTH_DATABASE_URL": url, "SYNTH_FILES_DIR": str(root)}
    with open(log_file, "ab") as log_out:
        child = subprocess.Popen([sys.executable, "-c", KILLED_THEMES, str(state_file)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_out,
                                 text=True, env=env, cwd=ROOT)
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "PAUSED"
            assert jobs.load(root, job.id).status == "running"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(timeout=120)
    assert child.returncode == -signal.SIGKILL

    # The page sees a failed job with a plain message; the database never saw the run.
    (seen,) = jobs.jobs_of(root, conv_id)
    assert seen.status == "failed" and "processing stopped unexpectedly" in (seen.error or "")
    _integrity(url)
    with transaction(engine) as s:
        assert queries.count(s, Run, conv_id) == 0
        assert queries.themes_of(s, conv_id) == [] and queries.statements_of(s, conv_id) == {}

    # Run again (the app's "retry"): the whole job goes through.
    monkeypatch.setenv("SYNTH_FILES_DIR", str(root))
    caplog.set_level(logging.DEBUG)
    done = jobs.run(url, job.id)
    assert done.status == "done", done.error
    with transaction(engine) as s:
        assert queries.count(s, Run, conv_id) == 1 and queries.themes_of(s, conv_id)
    _integrity(url)
    # Neither the job's log file nor the log records hold a word the participants said.
    said = [ln.split(": ", 1)[1] for ln in transcript.decode().splitlines() if ": " in ln]
    logged = log_file.read_text(encoding="utf-8", errors="replace") + "\n".join(
        r.getMessage() for r in caplog.records)
    assert logged.strip()
    assert not [s for s in said if len(s) > 25 and s[:25] in logged]
    engine.dispose()


# --- concurrency: 200 voters at once -----------------------------------------------------------


def _voters(url: str, work: list[tuple[str, dict[int, int]]], barrier: Any, out: Any) -> None:
    from synth.decisions import ballots
    from synth.store import make_engine

    engine = make_engine(url)
    barrier.wait()
    for code, dots in work:
        out.put(("ok", ballots.cast_ballot(engine, code, dots).revision))
    engine.dispose()


@pytest.mark.slow
def test_200_voters_at_once_lose_and_duplicate_nothing(engine: Engine, db_url: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(secret_hash._SCRYPT, "n", 2**10)  # cheaper checks; hashes carry n
    voters = 200
    roster = [{"name": f"Leader {i:03d}", "company": f"Firm {i:03d}", "role": "business"}
              for i in range(voters)]
    conv = load(engine, result({"a": [0, 1], "b": [2, 3], "c": [4, 5]}, n=6,
                               roster=roster)).convening_id
    ids = [theme_id(engine, conv, k) for k in ("a", "b", "c")]
    for t in ids:
        review.confirm(engine, t)
    codes = dict(ballots.issue_codes(engine, conv))
    assert len(codes) == voters
    ballots.open_vote(engine, conv, BallotRules(dots_per_voter=3, max_per_priority=2))
    sent = {name: {ids[i % 3]: 1 + i % 2, ids[(i + 1) % 3]: 1}
            for i, name in enumerate(sorted(codes))}
    engine.dispose()
    workers = 8
    shares = [[(codes[n], sent[n]) for n in sorted(codes)[w::workers]] for w in range(workers)]
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(workers), ctx.Queue()
    procs = [ctx.Process(target=_voters, args=(db_url, share, barrier, out)) for share in shares]
    for p in procs:
        p.start()
    got = [out.get(timeout=300) for _ in range(voters)]
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * workers
    assert got == [("ok", 1)] * voters

    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(BallotRecord)) == voters
        assert s.scalar(select(func.count()).select_from(BallotMark)) == 2 * voters
    for name, dots in sent.items():
        kept = ballots.current_ballot(engine, codes[name])
        assert kept is not None and kept.dots == dots, name
    totals = {t: sum(d.get(t, 0) for d in sent.values()) for t in ids}
    assert {int(r.priority_id): r.dots for r in ballots.results(engine, conv)} == totals
    _integrity(db_url)


# --- privacy: logs ---------------------------------------------------------------------------


SECRET_WORDS = "Our night-shift welders quit because the daycare closes at six"


def test_no_codes_passcodes_or_participant_words_in_logs(engine: Engine, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    from synth.export.render import FORMATS, export
    from synth.export.results import priority_report

    monkeypatch.setitem(secret_hash._SCRYPT, "n", 2**10)
    caplog.set_level(logging.DEBUG)
    data = result({"care": [0, 1, 2], "hire": [3, 4]}, n=6)
    for i, s in enumerate(data["statements"]):
        s["text"] = f"{SECRET_WORDS}, point {i}."
    conv = load(engine, data).convening_id
    care = theme_id(engine, conv, "care")
    review.confirm(engine, care)
    review.confirm(engine, theme_id(engine, conv, "hire"))
    codes = dict(ballots.issue_codes(engine, conv))
    ballots.open_vote(engine, conv)
    ana = codes["Ana"]
    ballots.cast_ballot(engine, ana, {care: 1})
    wrong = ana[:-1] + ("A" if ana[-1] != "A" else "B")
    with pytest.raises(Exception):  # noqa: B017 - any refusal; what matters is the log
        ballots.cast_ballot(engine, wrong, {care: 1})
    ballots.close_vote(engine, conv)
    report = priority_report(engine, conv)
    for fmt in FORMATS:
        export(report, fmt, tmp_path / f"out.{fmt}")
    assert SECRET_WORDS in (tmp_path / "out.md").read_text(encoding="utf-8")  # it was there

    from synth_app import auth
    auth.set_passcode(tmp_path / "files", "correct-horse-battery")
    stored = auth.passcode_file(tmp_path / "files").read_text(encoding="utf-8")
    assert secret_hash.verify_secret("correct-horse-battery", stored)

    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "ballot saved" in logged and "exported" in logged  # the logs did run
    secrets = ["correct-horse-battery", SECRET_WORDS[:20], *codes.values(), wrong,
               *(c.replace("-", "") for c in codes.values())]
    assert not [s for s in secrets if s.lower() in logged.lower()]
