"""The app's job runner (issue 26): at most SYNTH_MAX_JOBS heavy jobs at a time (1 unless set),
the rest queued in order with their place shown, each started exactly once even when several
pages poll at once, finished workers reaped, and locks that need no ``fcntl``.

The workers here are real processes started the way the app starts them, with the heavy part
(``synth.convening.jobs.process``) replaced by one that waits for a ``release`` file beside the job.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from synth import locks, settings
from synth.convening import jobs
from synth.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
TEXT = b"Ana: we need welders.\n"

FAKE_WORKER = '''
import os, sys, time
from pathlib import Path
from synth.convening import jobs

state = Path(sys.argv[1])
with open(state.parent.parent / "launches.log", "a") as f:  # every worker process started
    f.write(f"{state.parent.name} {os.getpid()}\\n")

def fake(database_url, convening_id, inputs, **kw):
    with open(state.parent.parent / "runs.log", "a") as f:  # every job actually processed
        f.write(f"{state.parent.name} {os.getpid()}\\n")
    while not state.with_name("release").exists():
        time.sleep(0.02)
    return {"statements_added": 1}

jobs.process = fake
jobs.WORKER = [sys.executable, __file__]  # the next job, started by this one, is fake too
sys.exit(jobs.main(sys.argv[1:]))
'''


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    script = tmp_path / "fake_worker.py"
    script.write_text(FAKE_WORKER, encoding="utf-8")
    monkeypatch.setattr(jobs, "WORKER", [sys.executable, str(script)])
    monkeypatch.delenv("SYNTH_MAX_JOBS", raising=False)
    monkeypatch.delenv("SYNTH_FILES_DIR", raising=False)
    monkeypatch.chdir(ROOT)
    url = f"sqlite:///{tmp_path / 'synth.db'}"
    return {"url": url, "root": jobs.files_dir(url)}


def _lines(root: Path, name: str) -> list[str]:
    path = root / "jobs" / name
    return [ln.split()[0] for ln in path.read_text().splitlines()] if path.exists() else []


def _release(root: Path, job: jobs.Job) -> None:
    (root / "jobs" / job.id / "release").write_text("go")


def _wait(what, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not (got := what()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return got


def _by_id(url: str) -> dict[str, jobs.Job]:
    return {j.id: j for j in jobs.poll(url)}


def _zombie_children() -> list[int]:
    """Processes whose parent is this one and that ended without being waited for."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] == "Z" and int(fields[1]) == os.getpid():
            out.append(int(stat.parent.name))
    return out


def test_three_jobs_at_once_run_one_at_a_time_in_order_with_their_place(place) -> None:
    url, root = place["url"], place["root"]
    a, b, c = (jobs.submit(url, 1, [(f"table{i}.txt", TEXT)]) for i in (1, 2, 3))
    _wait(lambda: _lines(root, "runs.log"))
    time.sleep(1.0)  # room for a wrongly started second worker to show itself
    state = _by_id(url)
    assert [state[j.id].status for j in (a, b, c)] == ["running", "queued", "queued"]
    assert [state[j.id].message for j in (b, c)] == ["queued, 1 ahead", "queued, 2 ahead"]
    assert sum(locks.pid_alive(j.pid) for j in state.values() if j.pid) == 1
    assert _lines(root, "runs.log") == [a.id] and _lines(root, "launches.log") == [a.id]

    # A ends: its own worker starts the next one (no page needs to be open).
    _release(root, a)
    _wait(lambda: len(_lines(root, "runs.log")) == 2)
    time.sleep(0.5)
    state = {j.id: j for j in jobs.jobs_of(root)}
    assert [state[j.id].status for j in (a, b, c)] == ["done", "running", "queued"]
    assert _by_id(url)[c.id].message == "queued, 1 ahead"
    _release(root, b)
    _release(root, c)
    _wait(lambda: all(j.status == "done" for j in jobs.jobs_of(root)))
    assert _lines(root, "runs.log") == [a.id, b.id, c.id]  # in order, each once
    assert _lines(root, "launches.log") == [a.id, b.id, c.id]


def test_a_finished_worker_leaves_no_defunct_process(place) -> None:
    url, root = place["url"], place["root"]
    job = jobs.submit(url, 1, [("notes.txt", TEXT)], start=False)
    _release(root, job)
    job = jobs.start(url, job.id)
    assert job.status == "running" and job.pid
    _wait(lambda: jobs.load(root, job.id).status == "done")
    # No poll of an active job reaps it: the state file already says done.
    _wait(lambda: not locks.pid_alive(job.pid), timeout=10)
    time.sleep(0.5)
    assert _zombie_children() == []
    assert not Path(f"/proc/{job.pid}").exists()


def test_max_jobs_setting_raises_the_cap_and_a_bad_value_is_named(place, monkeypatch) -> None:
    url, root = place["url"], place["root"]
    assert settings.load().max_jobs == 1
    monkeypatch.setenv("SYNTH_MAX_JOBS", "2")
    a, b, c = (jobs.submit(url, 1, [(f"t{i}.txt", TEXT)]) for i in (1, 2, 3))
    _wait(lambda: len(_lines(root, "runs.log")) == 2)
    time.sleep(0.5)
    state = _by_id(url)
    assert [state[j.id].status for j in (a, b, c)] == ["running", "running", "queued"]
    assert state[c.id].message == "queued, 2 ahead"
    for j in (a, b, c):
        _release(root, j)
    _wait(lambda: all(j.status == "done" for j in jobs.jobs_of(root)))
    for bad in ("0", "-1", "two", "1.5"):
        monkeypatch.setenv("SYNTH_MAX_JOBS", bad)
        with pytest.raises(InputError, match="SYNTH_MAX_JOBS is .*whole number of jobs above 0"):
            jobs.poll(url)


def _poll_at(url: str, barrier, files_dir: str) -> None:
    os.environ["SYNTH_FILES_DIR"] = files_dir
    barrier.wait()
    jobs.poll(url)


def test_pages_polling_at_once_start_each_job_exactly_once(place, monkeypatch) -> None:
    url, root = place["url"], place["root"]
    monkeypatch.setenv("SYNTH_MAX_JOBS", "3")
    waiting = [jobs.submit(url, 1, [(f"t{i}.txt", TEXT)], start=False) for i in range(3)]
    for j in waiting:  # in line, as after an app restart, and not started yet
        jobs._write(root, replace(j, held=False, order=j.order))
        _release(root, j)
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(6)
    pollers = [ctx.Process(target=_poll_at, args=(url, barrier, str(root))) for _ in range(6)]
    for p in pollers:
        p.start()
    for p in pollers:
        p.join(60)
        assert p.exitcode == 0
    _wait(lambda: all(j.status == "done" for j in jobs.jobs_of(root)))
    assert sorted(_lines(root, "runs.log")) == sorted(j.id for j in waiting)
    assert sorted(_lines(root, "launches.log")) == sorted(j.id for j in waiting)


def test_a_worker_of_a_launch_that_was_not_recorded_does_nothing(place) -> None:
    """The app died after starting a worker and before writing so: that worker must not run
    the job, which is still queued and is started (once) by the next poll."""
    url, root = place["url"], place["root"]
    job = jobs.submit(url, 1, [("notes.txt", TEXT)], start=False)
    jobs._write(root, replace(job, held=False))
    assert jobs.run(url, job.id, launch="not-the-recorded-one").status == "queued"
    assert _lines(root, "runs.log") == []
    _release(root, job)
    jobs.poll(url)
    _wait(lambda: jobs.load(root, job.id).status == "done")
    assert _lines(root, "runs.log") == [job.id]


def test_a_queued_job_survives_an_app_restart(place) -> None:
    """Nothing lives only in the app: a queued job is a file, started by the next poll."""
    url, root = place["url"], place["root"]
    a = jobs.submit(url, 1, [("a.txt", TEXT)])
    b = jobs.submit(url, 1, [("b.txt", TEXT)])
    assert jobs.load(root, b.id).status == "queued"
    pid = jobs.load(root, a.id).pid
    os.kill(pid, 9)  # the running one dies with the machine
    _wait(lambda: not locks.pid_alive(pid), timeout=10)
    _release(root, b)
    state = _by_id(url)  # a fresh app's first poll
    assert state[a.id].status == "failed"
    _wait(lambda: jobs.load(root, b.id).status == "done")


# --- the portable lock -----------------------------------------------------------------------


def _count_under_lock(lock: str, counter: str, n: int, barrier) -> None:
    barrier.wait()
    for _ in range(n):
        with locks.file_lock(lock):
            value = int(Path(counter).read_text())
            time.sleep(0.001)
            Path(counter).write_text(str(value + 1))


def test_the_lock_excludes_across_processes(tmp_path: Path) -> None:
    counter = tmp_path / "counter"
    counter.write_text("0")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=_count_under_lock,
                         args=(str(tmp_path / "x.lock"), str(counter), 40, barrier))
             for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert counter.read_text() == "160"  # no lost update
    assert not (tmp_path / "x.lock").exists()


def test_a_lock_left_by_a_dead_process_is_broken_and_a_live_one_is_waited_for(
        tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    lock.write_text(f"{dead.stdout.strip()} {locks._HOST} {time.time():.3f} abc")
    with locks.file_lock(lock, timeout=2):  # taken at once: its owner is gone
        assert lock.exists()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom synth import locks\n"
         f"with locks.file_lock({str(lock)!r}):\n print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        t = time.monotonic()
        with pytest.raises(locks.LockTimeout), locks.file_lock(lock, timeout=0.5):
            pass
        assert time.monotonic() - t >= 0.5
    finally:
        holder.kill()
        holder.wait()
    with locks.file_lock(lock, timeout=5):  # killed while holding it: broken
        pass


def test_no_fcntl_in_synth_or_the_app() -> None:
    used = re.compile(r"\bimport fcntl\b|\bfcntl\.|from fcntl\b")
    found = [str(p) for folder in ("synth", "synth_app") for p in (ROOT / folder).rglob("*.py")
             if used.search(p.read_text(encoding="utf-8"))]
    assert found == []
