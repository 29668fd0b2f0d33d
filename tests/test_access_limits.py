"""Limits on what reaches the app: the upload size limit, and the slow-down of wrong passcodes.

Uses test_app's database (one processed convening, the staff passcode set) and its signed-in
AppTest. No test writes 500 MB or sleeps for real: the limit is set low through
``SYNTH_MAX_UPLOAD_MB``, and the passcode's wait goes to an injected sleep and clock.
"""

# ruff: noqa: F811

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("streamlit")

from test_app import PASSCODE, ROOT, button, db, signed_in  # noqa: E402, F401  (fixture)

from synth import settings  # noqa: E402
from synth.convening import jobs  # noqa: E402
from synth.convening.report import md_escape  # noqa: E402
from synth.errors import InputError  # noqa: E402
from synth_app import auth  # noqa: E402

MB = 1024 * 1024
TEXT = b"Ana: we need welders.\n"


def _job_folders(url: str) -> list[Path]:
    folder = jobs.files_dir(url) / "jobs"
    return sorted(folder.iterdir()) if folder.is_dir() else []


# --- upload size ----------------------------------------------------------------------------


def test_submit_refuses_a_file_over_the_limit_and_saves_nothing(db, monkeypatch) -> None:
    monkeypatch.setenv("SYNTH_MAX_UPLOAD_MB", "1")
    big = TEXT * (3 * MB // 2 // len(TEXT))  # a valid transcript of 1.5 MB
    with pytest.raises(InputError) as caught:
        jobs.submit(db["url"], db["convening"],
                    [("notes.txt", TEXT), ("table 2/plenary.txt", big)], start=False)
    assert str(caught.value) == (
        "plenary.txt: 1.5 MB is larger than the upload limit of 1 MB (set "
        "SYNTH_MAX_UPLOAD_MB to change it). Split the recording, or export it at a lower bit "
        "rate, and upload the parts.")
    assert _job_folders(db["url"]) == []  # not even the small file that came before it
    assert jobs.jobs_of(jobs.files_dir(db["url"]), db["convening"]) == []

    # Exactly at the limit is accepted; one byte over is refused, in bytes (1.0 MB would hide it).
    job = jobs.submit(db["url"], db["convening"], [("at.txt", TEXT + b" " * (MB - len(TEXT)))],
                      start=False)
    assert [Path(p).stat().st_size for p in job.inputs] == [MB]
    with pytest.raises(InputError, match=r"^over\.txt: 1,048,577 bytes is larger than the upload "
                                         r"limit of 1 MB"):
        jobs.submit(db["url"], db["convening"], [("over.txt", b"x" * (MB + 1))], start=False)
    assert _job_folders(db["url"]) == [jobs.files_dir(db["url"]) / "jobs" / job.id]

    monkeypatch.setenv("SYNTH_MAX_UPLOAD_MB", "2.5")  # raising the setting lets it through
    assert len(jobs.submit(db["url"], db["convening"], [("plenary.txt", big)],
                           start=False).inputs) == 1


def test_the_default_limit_is_500_mb_and_a_bad_setting_is_named(monkeypatch) -> None:
    monkeypatch.delenv("SYNTH_MAX_UPLOAD_MB", raising=False)
    assert settings.load().max_upload_mb == 500
    jobs.check_upload_size("long.wav", 500 * MB)
    with pytest.raises(InputError, match=r"^long\.wav: 524,348,000 bytes is larger than"):
        jobs.check_upload_size("long.wav", 500 * MB + 60_000)  # "500 MB" would hide the excess
    with pytest.raises(InputError, match=r"^long\.wav: 601 MB is larger than"):
        jobs.check_upload_size("long.wav", 601 * MB)
    with pytest.raises(InputError, match=r"^long\.wav: 3[0-9]{3} MB .* limit of 500 MB"):
        jobs.check_upload_size("long.wav", 3 * 1024 * MB)
    for bad in ("lots", "0", "-5", "nan", "inf"):
        monkeypatch.setenv("SYNTH_MAX_UPLOAD_MB", bad)
        with pytest.raises(InputError, match="SYNTH_MAX_UPLOAD_MB is .*number of MB above 0"):
            jobs.check_upload_size("a.txt", 1)


def test_a_refused_file_type_leaves_no_half_made_job(db) -> None:
    """The content check (see test_app.py::test_a_job_refuses_a_file_whose_content_is_not_its_type)
    runs file by file; a bad second file used to leave the first one's copy on disk."""
    with pytest.raises(InputError, match="meeting.wav: named like audio .* but holds text"):
        jobs.submit(db["url"], db["convening"],
                    [("notes.txt", TEXT), ("meeting.wav", b"Ana: hello there\n")], start=False)
    assert _job_folders(db["url"]) == []


def test_the_upload_page_refuses_a_file_over_the_limit(db, monkeypatch) -> None:
    monkeypatch.setenv("SYNTH_MAX_UPLOAD_MB", "1")
    # Jobs start without their process: the launch is stubbed here, and a job then looks like
    # it runs in this test's process.
    started: list[str] = []
    monkeypatch.setattr(jobs, "_launch", lambda url, root, job: started.append(job.id) or
                        jobs._write(root, replace(job, status="running", pid=os.getpid())))
    too_big = ("plenary.txt", b" " * (2 * MB), "text/plain")
    message = md_escape(  # shown as plain text, not Markdown
        "plenary.txt: 2.0 MB is larger than the upload limit of 1 MB (set SYNTH_MAX_UPLOAD_MB "
        "to change it). Split the recording, or export it at a lower bit rate, and upload the "
        "parts.")
    at = signed_in()
    # Alone, the file over the limit is refused and nothing is saved.
    at.file_uploader(key=f"upload-{db['convening']}").set_value([too_big])
    at.run()
    button(at, "process").click()
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [message]
    assert _job_folders(db["url"]) == [] and started == []

    # Beside a file within the limit, it gets its own message and the good file still goes
    # through as a job of its own (issue 27: a bad file no longer holds back its batch).
    at.file_uploader(key=f"upload-{db['convening']}").set_value(
        [("notes.txt", TEXT, "text/plain"), too_big])
    at.run()
    button(at, "process").click()
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [message]
    assert [p.name for p in _job_folders(db["url"])] == started and len(started) == 1
    inputs = sorted(p.name for p in (_job_folders(db["url"])[0] / "inputs").iterdir())
    assert inputs == ["notes.txt"]


# --- wrong staff passcodes ------------------------------------------------------------------


class FakeTime:
    """A clock that only moves when told to, and a sleep that records instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(auth, "_sleep", fake.sleep)
    monkeypatch.setattr(auth, "_clock", fake.clock)
    return fake


def test_wrong_passcodes_from_separate_sessions_add_up_and_the_right_one_resets(
        db, fake_time) -> None:
    folder = jobs.files_dir(db["url"])
    at = signed_in("guess one")  # one browser session, three tries: typos are free
    for guess in ("guess two", "guess three"):
        at.text_input[0].input(guess)
        at.get("form_submit_button")[0].click()
        at.run()
    assert [e.value for e in at.error] == ["That passcode is not right."]
    assert fake_time.slept == [] and auth.failure_count(folder) == 3
    assert any("next try waits 1 second before" in c.value for c in at.caption)

    # Each new session carries on the count where the others left it.
    for n, wait in enumerate([1, 2, 4, 8, 8], start=4):
        at = signed_in(f"guess {n}")
        assert [e.value for e in at.error] == ["That passcode is not right."]
        assert fake_time.slept[-1] == wait and auth.failure_count(folder) == n
    assert fake_time.slept == [1, 2, 4, 8, 8]

    # The right passcode waits its (bounded) turn, signs in, and clears the count.
    at = signed_in(PASSCODE)
    assert [t.value for t in at.title] == ["Candidate priorities"]
    assert fake_time.slept == [1, 2, 4, 8, 8, 8] and auth.failure_count(folder) == 0
    at = signed_in("a typo")
    assert fake_time.slept == [1, 2, 4, 8, 8, 8] and auth.failure_count(folder) == 1
    stored = auth.failures_file(folder).read_text(encoding="utf-8")
    assert "typo" not in stored and PASSCODE not in stored  # only a count and a time


def test_the_wait_doubles_up_to_a_cap_so_the_facilitator_is_never_locked_out(
        tmp_path, fake_time) -> None:
    auth.set_passcode(tmp_path, PASSCODE)
    assert [auth.passcode_delay(n) for n in range(10)] == [0, 0, 0, 1, 2, 4, 8, 8, 8, 8]
    assert auth.passcode_delay(10**6) == auth.DELAY_CAP_S <= 10
    for _ in range(50):  # someone guessing all day
        assert not auth.check_passcode(tmp_path, "guess")
    assert max(fake_time.slept) == auth.DELAY_CAP_S and auth.failure_count(tmp_path) == 50
    fake_time.slept.clear()
    assert auth.check_passcode(tmp_path, PASSCODE)  # one capped wait, then in
    assert fake_time.slept == [auth.DELAY_CAP_S]

    for _ in range(5):
        auth.check_passcode(tmp_path, "guess")
    fake_time.now += auth.FORGET_AFTER_S + 1  # an hour without a wrong passcode: forgotten
    assert auth.failure_count(tmp_path) == 0
    fake_time.slept.clear()
    assert not auth.check_passcode(tmp_path, "guess") and fake_time.slept == []

    auth.failures_file(tmp_path).write_text("not json")  # a damaged count is no count
    assert auth.failure_count(tmp_path) == 0 and auth.check_passcode(tmp_path, PASSCODE)


def test_tries_at_the_same_moment_all_count(tmp_path, fake_time) -> None:
    auth.set_passcode(tmp_path, PASSCODE)
    threads = [threading.Thread(target=auth.check_passcode, args=(tmp_path, f"guess {i}"))
               for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert auth.failure_count(tmp_path) == 8
    assert sorted(fake_time.slept) == [1, 2, 4, 8, 8]  # each waited for the ones before it


def test_the_count_survives_a_restart(tmp_path) -> None:
    auth.set_passcode(tmp_path, PASSCODE)
    for _ in range(4):
        auth.check_passcode(tmp_path, "guess", sleep=lambda _s: None)
    # A new process (the app restarted) reads the count from beside the hash.
    code = ("import sys; from pathlib import Path; from synth_app import auth; "
            "slept = []; ok = auth.check_passcode(Path(sys.argv[1]), 'guess', sleep=slept.append); "
            "print(auth.failure_count(Path(sys.argv[1])), slept, ok)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.split("\n")[0]
    assert out == "5 [2.0] False"
