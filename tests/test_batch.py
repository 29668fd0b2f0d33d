"""Batch runs over many convenings (pipelines/batch.py) on a local Ray with 2 CPUs.

Real inputs only: the sample convening as two transcripts with its roster, a real QMSum meeting
as two transcripts, the real JFK clip (Whisper tiny.en) and a text file named .wav (bad).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import JFK, ROOT, SAMPLE_DIR, SHARED, require_shared

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
ray = pytest.importorskip("ray")
sys.path.insert(0, str(ROOT / "pipelines"))
import batch  # noqa: E402

pytestmark = pytest.mark.slow
QMSUM = SHARED / "qmsum" / "val"
MODEL = "tiny.en"


def make_input(folder: Path) -> Path:
    """launch/ (2 transcripts + roster + notes), committee/ (2 transcripts), jfk.flac (loose
    real audio), broken.wav (loose, text named as audio)."""
    lines = (SAMPLE_DIR / "convening.txt").read_text(encoding="utf-8").splitlines(True)
    (folder / "launch").mkdir(parents=True)
    (folder / "launch" / "a.txt").write_text("".join(lines[:30]), encoding="utf-8")
    (folder / "launch" / "b.txt").write_text("".join(lines[30:]), encoding="utf-8")
    (folder / "launch" / "roster.csv").write_bytes((SAMPLE_DIR / "roster.csv").read_bytes())
    (folder / "launch" / "notes.md").write_text("agenda\n", encoding="utf-8")
    meeting = sorted(QMSUM.glob("*.json"))[0]
    turns = json.loads(meeting.read_text(encoding="utf-8"))["meeting_transcripts"]
    talk = [f"{t['speaker']}: {' '.join(re.sub(r'[{][a-z_]+[}]', ' ', t['content']).split())}"
            for t in turns if len(t["content"].split()) >= 6][:70]
    (folder / "committee").mkdir()
    (folder / "committee" / "part1.txt").write_text("\n".join(talk[:35]) + "\n", encoding="utf-8")
    (folder / "committee" / "part2.txt").write_text("\n".join(talk[35:]) + "\n", encoding="utf-8")
    (folder / "jfk.flac").write_bytes(JFK.read_bytes())
    (folder / "broken.wav").write_text("this is a text file, not a recording\n", encoding="utf-8")
    return folder


def statuses(rep: batch.Report) -> dict[str, str]:
    out = {}
    for c in rep.convenings:
        out[c["name"]] = c["status"]
        for r in c["recordings"]:
            out[r["source"]] = r["status"]
    return out


def test_discover_maps_folders_and_loose_files(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    (inp / "a" / "tables").mkdir(parents=True)
    (inp / "a" / "plenary.m4a").write_bytes(b"x")
    (inp / "a" / "tables" / "t1.vtt").write_text("WEBVTT\n")
    (inp / "a" / "roster.csv").write_text("name\n")
    (inp / "a" / "README.md").write_text("x")
    (inp / "a" / ".hidden.txt").write_text("x")
    (inp / "empty").mkdir()
    (inp / "notes.txt").write_text("x")
    (inp / "a.txt").write_text("x")  # stem taken by the folder a/
    (inp / "call.wav").write_bytes(b"x")
    (inp / "call.mp3").write_bytes(b"x")  # same stem twice
    (inp / "out").mkdir()  # the output folder inside the input is skipped
    (inp / "out" / "x.txt").write_text("x")
    jobs, ignored = batch.discover(inp, inp / "out")
    by = {j.name: j for j in jobs}
    assert set(by) == {"a", "empty", "notes", "a.txt", "call.wav", "call.mp3"}
    assert [r.source for r in by["a"].recordings] == ["a/plenary.m4a", "a/tables/t1.vtt"]
    assert by["a"].roster == (inp / "a" / "roster.csv").resolve()
    assert by["a"].recordings[1].out == (inp / "out" / "a" / "recordings" /
                                         "tables__t1.vtt.json").resolve()
    assert by["empty"].recordings == () and by["notes"].roster is None
    assert ignored == ["a/README.md"]


@pytest.fixture(scope="module")
def local_ray(cache_dir: Path):
    env = {"SYNTH_CACHE_DIR": str(cache_dir), "RAY_USAGE_STATS_ENABLED": "0"}
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": env})
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def first_run(local_ray, tmp_path_factory, settings):
    require_shared(JFK, QMSUM)
    inp = make_input(tmp_path_factory.mktemp("batch") / "in")
    out = inp.parent / "out"
    rep = batch.run_batch(inp, out, batch.BatchOptions(workers=2, model=MODEL), settings=settings)
    return inp, out, rep


def test_ray_batch_writes_every_result_and_reports_the_bad_file(first_run, settings) -> None:
    from synth.convening import report
    from synth.convening.pipeline import synthesize
    from synth.text.roster import load_roster

    inp, out, rep = first_run
    assert rep.mode == "ray" and rep.workers == 2
    assert statuses(rep) == {
        "broken": "failed", "broken.wav": "failed", "committee": "done",
        "committee/part1.txt": "done", "committee/part2.txt": "done", "jfk": "done",
        "jfk.flac": "done", "launch": "done", "launch/a.txt": "done", "launch/b.txt": "done"}
    broken = next(c for c in rep.convenings if c["name"] == "broken")
    assert "holds text" in broken["recordings"][0]["error"] and "broken.wav" in broken["error"]
    assert rep.failed and rep.ignored == ["launch/notes.md"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["recordings"] == 6 and summary["counts"]["recordings_failed"] == 1
    assert "| broken | failed |" in (out / "summary.md").read_text()
    # One transcript per recording, a result per convening, no temporary files left.
    jfk = json.loads((out / "jfk" / "recordings" / "jfk.flac.json").read_text())
    assert jfk["model"] == MODEL and "ask not" in " ".join(t["text"] for t in jfk["turns"])
    for name in ("launch", "committee", "jfk"):
        assert json.loads((out / name / "result.json").read_text())["schema"] == 1
        assert (out / name / "result.md").read_text().startswith("# Candidate")
    assert not list(out.rglob("*.tmp")) and not (out / "broken" / "result.json").exists()
    # The same bytes as the single-convening pipeline (what `synth synthesize` writes).
    alone = synthesize([inp / "launch" / "a.txt", inp / "launch" / "b.txt"], settings=settings,
                       roster=load_roster(inp / "launch" / "roster.csv"))
    assert (out / "launch" / "result.json").read_text() == report.to_json(alone)
    assert len(alone.themes.themes) >= 2


def test_rerun_redoes_only_what_is_missing_changed_or_broken(first_run, settings) -> None:
    inp, out, _ = first_run
    kept = out / "jfk" / "recordings" / "jfk.flac.json"
    stamp = kept.stat().st_mtime_ns
    # A half-written transcript, a changed input and a lost completion marker.
    a = out / "launch" / "recordings" / "a.txt.json"
    a.write_text(a.read_text()[:200])
    with open(inp / "launch" / "b.txt", "a", encoding="utf-8") as f:
        f.write("Tom Reyes: We also need a shared forklift training schedule for new hires.\n")
    (out / "committee" / "batch.json").unlink()
    rep = batch.run_batch(inp, out, batch.BatchOptions(workers=2, model=MODEL), settings=settings)
    assert statuses(rep) == {
        "broken": "failed", "broken.wav": "failed", "committee": "done",
        "committee/part1.txt": "reused", "committee/part2.txt": "reused", "jfk": "reused",
        "jfk.flac": "reused", "launch": "done", "launch/a.txt": "done",
        "launch/b.txt": "done"}
    assert kept.stat().st_mtime_ns == stamp
    assert "forklift" in (out / "launch" / "result.json").read_text()


def test_killed_batch_resumes_where_it_stopped(first_run, tmp_path: Path, settings,
                                               cache_dir) -> None:
    inp = make_input(tmp_path / "in")
    (inp / "broken.wav").unlink()
    out = tmp_path / "out"
    # A cache of its own (models shared), so this serial run transcribes and embeds afresh.
    fresh = batch._fresh_cache(cache_dir, tmp_path / "cache")
    settings = settings.with_(cache_dir=fresh)
    env = os.environ | {"SYNTH_CACHE_DIR": str(fresh)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "pipelines" / "batch.py"), "run",
                             str(inp), "--out", str(out), "--serial", "--model", MODEL],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while not list(out.glob("*/recordings/*.json")) and proc.poll() is None:
            assert time.monotonic() < deadline, "the batch wrote nothing in 10 minutes"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not (out / "summary.json").exists(), "killed too late: the batch had finished"
    before = {p: p.stat().st_mtime_ns for p in out.glob("*/recordings/*.json")}
    rep = batch.run_batch(inp, out, batch.BatchOptions(serial=True, model=MODEL),
                          settings=settings)
    assert not rep.failed and rep.mode == "serial"
    recs = {out / r["output"]: r["status"] for c in rep.convenings for r in c["recordings"]}
    assert {recs[p] for p in before} == {"reused"}
    assert "done" in recs.values()
    assert {p: p.stat().st_mtime_ns for p in before} == before
    assert not list(out.rglob("*.tmp"))
    # Serial and Ray give the same bytes for the same inputs, audio included.
    _, ray_out, _ = first_run
    assert list((fresh / "transcripts").glob("*-tiny.en-*"))  # transcribed here, not reused
    for name in ("committee", "jfk"):
        assert (out / name / "result.json").read_bytes() == \
            (ray_out / name / "result.json").read_bytes()


def test_recordings_of_one_convening_share_speakers_as_in_synthesize(
        tmp_path: Path, settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """With --speakers, a batch hands each convening's recordings to share_speakers with the
    right files, as `synth synthesize` does (the matching itself: tests/test_speakers.py)."""
    import synth.audio.speakers

    lines = (SAMPLE_DIR / "convening.txt").read_text(encoding="utf-8").splitlines(True)
    (tmp_path / "in" / "launch").mkdir(parents=True)
    for name, part in (("a.txt", lines[:30]), ("b.txt", lines[30:])):
        (tmp_path / "in" / "launch" / name).write_text("".join(part), encoding="utf-8")
    seen: list[list[str]] = []

    def record(transcripts, paths):  # noqa: ANN001, ANN202
        seen.append(sorted(Path(p).name for p in paths))
        assert len(paths) == len(transcripts)
        return list(transcripts)

    monkeypatch.setattr(synth.audio.speakers, "share_speakers", record)
    rep = batch.run_batch(tmp_path / "in", tmp_path / "out",
                          batch.BatchOptions(serial=True, model=MODEL, speakers="auto"),
                          settings=settings)
    assert not rep.failed and seen == [["a.txt", "b.txt"]]
