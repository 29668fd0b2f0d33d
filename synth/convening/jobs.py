"""Background jobs: a convening's recordings -> transcripts -> candidate priorities -> the store.

Processing takes minutes, far longer than a web request, so it runs in its own process
(``python -m synth.convening.jobs JOB.json LAUNCH``, started in a new session so a page refresh,
a closed tab or a restarted app does not stop it). Its state lives in one small JSON file per job,
written atomically, that any page can poll. A file rather than a table: a job's state must be
writable while the database is locked by the import it is running, and it has nothing to join with.

The queue: a job loads a Whisper model and takes the machine's cores, so at most ``max_jobs``
run at once (``SYNTH_MAX_JOBS``, 1 unless set); the others wait as ``queued`` and start in the
order they came (:func:`schedule`). Scheduling happens under one
lock file (``jobs/.queue.lock``, :func:`synth.locks.file_lock`) whenever a job is submitted,
whenever a page polls (:func:`poll`) and when a worker finishes, so the queue moves on with no
page open and after an app restart, and two pages polling at once start a job once. A
launch is recorded in the job's state (its pid and a random ``launch`` token) before the lock
is let go, and the worker confirms that token under the same lock before it does any work: a
worker whose launch was never recorded (the app died in between) exits, and the job is
started again by the next poll. Workers are reaped by a thread of the process that started
them, or by the system once that process has ended, so none is left defunct.

Files the app keeps beside the database (:func:`files_dir`): ``jobs/`` (state, uploads and
log of each job) and ``media/`` (recordings by recording id, for the audio player).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import make_url

from synth import paths
from synth.errors import InputError, SynthError
from synth.files import atomic_write_text, atomic_writer
from synth.locks import file_lock, pid_alive
from synth.settings import data_dir
from synth.settings import load as load_settings

log = logging.getLogger(__name__)

Status = Literal["queued", "running", "done", "failed"]
ACTIVE: tuple[Status, ...] = ("queued", "running")
_WRITE_EVERY_S = 0.5  # progress writes are throttled: a file write per Whisper segment is waste
_MB = 1024 * 1024  # the limit's MB is the one browsers and Streamlit's maxUploadSize count in
# The command that runs one job (the state file and the launch token are appended).
WORKER: list[str] = [sys.executable, "-m", "synth.convening.jobs"]


def files_dir(database_url: str) -> Path:
    """The folder for the app's files: beside a SQLite database, else in the data dir."""
    if (chosen := load_settings().files_dir) is not None:
        return chosen
    u = make_url(database_url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        db = Path(u.database)
        return db.with_name(f"{db.stem}-files")
    return data_dir() / f"{u.host or 'db'}-{u.database or 'synth'}-files"


def media_path(root: Path, recording_id: str) -> Path | None:
    """The stored audio of a recording, if the app has it."""
    return next(iter(paths.media_files(root, recording_id)), None)


def keep_media(root: Path, recording_id: str, source: Path) -> Path:
    """Keep a copy of a recording under its id, for the audio player (idempotent)."""
    have = media_path(root, recording_id)
    if have is not None:
        return have
    target = paths.media_file(root, recording_id, source.suffix)
    with atomic_writer(target) as out, open(source, "rb") as f:
        shutil.copyfileobj(f, out, 1 << 20)
    return target


@dataclass(frozen=True, slots=True)
class Job:
    """One processing job: what it works on, and how far it got."""

    id: str
    convening_id: int
    inputs: tuple[str, ...]  # file paths under the job's folder
    status: Status = "queued"
    progress: float = 0.0  # 0..1
    message: str = "waiting to start"
    error: str | None = None
    report: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    who: str | None = None
    pid: int | None = None
    created: str = ""
    updated: str = ""
    order: int = 0  # place in the queue: jobs start in this order
    held: bool = False  # saved but not put in the queue (``submit(start=False)``)
    launch: str | None = None  # the token of the launch that runs it (see the module doc)
    # What the room wrote (issue 30): notes files under the job's folder, matched to the
    # candidates of its recordings (synth.text.notes).
    notes: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        """Still queued or running."""
        return self.status in ACTIVE


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _write(root: Path, job: Job) -> Job:
    job = replace(job, updated=_now())
    data = asdict(job) | {"inputs": list(job.inputs)}
    # A reader sees the old state or the new one, never half a file.
    atomic_write_text(paths.job_state(root, job.id), json.dumps(data, indent=1))
    return job


def keep_inputs(root: Path, job: Job, inputs: Sequence[str]) -> Job:
    """Record that of a job's uploads only ``inputs`` are left (the others were deleted)."""
    return _write(root, replace(job, inputs=tuple(inputs)))


def load(root: Path, job_id: str) -> Job:
    """A job's state as last written."""
    try:
        data = json.loads(paths.job_state(root, job_id).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no job {job_id!r}.") from None
    data["inputs"] = tuple(data["inputs"])
    data["notes"] = tuple(data.get("notes", ()))  # a job saved before notes had none
    return Job(**data)


def _alive(pid: int) -> bool:
    if os.name != "nt":
        try:
            # Reap it if it is our child that finished, so it does not linger as a zombie.
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return False
        except ChildProcessError:
            pass
    return pid_alive(pid)


def _queue_lock(root: Path):
    return file_lock(paths.queue_lock(root))


def _died(job: Job) -> bool:
    return job.active and job.pid is not None and not _alive(job.pid)


def _mark_failed(root: Path, job_id: str) -> Job:
    """Under the queue lock: a job whose process died without saying so is failed."""
    current = load(root, job_id)  # it may have finished between the two reads
    if not _died(current):
        return current
    return _write(root, replace(current, status="failed",
                                error="processing stopped unexpectedly; see the log "
                                      f"in {paths.job_dir(root, job_id)}."))


def refresh(root: Path, job: Job) -> Job:
    """The job, marked failed if its process died without saying so (killed, machine off)."""
    if _died(job):
        with _queue_lock(root):
            return _mark_failed(root, job.id)
    return job


def _all(root: Path) -> list[Job]:
    """Every job's state, unsorted (unreadable ones skipped)."""
    out = []
    for job_id in paths.job_ids(root):
        try:
            out.append(load(root, job_id))
        except (OSError, ValueError, TypeError):
            continue  # being written for the first time, or not ours
    return out


def jobs_of(root: Path, convening_id: int | None = None) -> list[Job]:
    """Jobs (of one convening), newest first, with dead ones marked failed."""
    out = [refresh(root, job) for job in _all(root)
           if convening_id is None or job.convening_id == convening_id]
    return sorted(out, key=lambda j: (j.created, j.id), reverse=True)


def _in_line(every: Sequence[Job]) -> list[Job]:
    """The queued jobs, first to start first."""
    return sorted((j for j in every if j.status == "queued" and not j.held),
                  key=lambda j: (j.order, j.created, j.id))


def _schedule_locked(database_url: str, root: Path) -> list[Job]:
    every = {j.id: (_mark_failed(root, j.id) if _died(j) else j) for j in _all(root)}
    free = load_settings().max_jobs - sum(j.status == "running" for j in every.values())
    for job in _in_line(list(every.values())):
        if free <= 0:
            break
        every[job.id] = started = _launch(database_url, root, job)
        free -= started.status == "running"
    return list(every.values())


def schedule(database_url: str) -> list[Job]:
    """Start queued jobs, in order, while fewer than ``max_jobs`` (a setting) run; every job's
    state.

    Safe to call from any number of pages and processes at once: it works under the queue
    lock, and a job is started only from ``queued``, which its start changes."""
    root = files_dir(database_url)
    with _queue_lock(root):
        return _schedule_locked(database_url, root)


def poll(database_url: str, convening_id: int | None = None) -> list[Job]:
    """What a page shows: the jobs (of one convening), newest first, after starting any that
    may start; a queued job's message says how many jobs are ahead of it (running ones and
    queued ones before it, of every convening)."""
    every = schedule(database_url)
    running = sum(j.status == "running" for j in every)
    ahead = {j.id: running + n for n, j in enumerate(_in_line(every))}
    out = [replace(j, message=f"queued, {ahead[j.id]} ahead") if j.id in ahead else j
           for j in every if convening_id is None or j.convening_id == convening_id]
    return sorted(out, key=lambda j: (j.created, j.id), reverse=True)


def _size_text(size: int, limit_mb: float) -> str:
    text = f"{size / _MB:.1f} MB" if size < 100 * _MB else f"{size / _MB:.0f} MB"
    if float(text.split()[0]) <= limit_mb:  # rounding hid the excess: say it in bytes
        text = f"{size:,} bytes"
    return text


def check_upload_size(name: str, size: int) -> None:
    """Refuse an upload larger than ``max_upload_mb`` (a setting), naming it, its size and the
    limit."""
    limit = load_settings().max_upload_mb
    if size > limit * _MB:
        base = Path(str(name).replace("\\", "/")).name or "upload"
        raise InputError(f"{base}: {_size_text(size, limit)} is larger than the upload limit "
                         f"of {limit:g} MB (set SYNTH_MAX_UPLOAD_MB to change it). Split the "
                         "recording, or export it at a lower bit rate, and upload the parts.")


def submit(database_url: str, convening_id: int, files: Sequence[tuple[str, bytes]], *,
           model: str | None = None, who: str | None = None, start: bool = True) -> Job:
    """Save uploaded files (name, bytes) and start processing them in a background process.

    Every file's size is checked against the upload limit before anything is written, and
    each file's type by its content, so a bad upload is refused at once, not minutes later.
    A refused submission leaves nothing behind: no job, no folder, none of its files.
    """
    job, _ = _save(database_url, convening_id, files, model=model, who=who, start=start,
                   each=False)
    assert job is not None  # with each=False a refused file raises
    return job


def submit_each(database_url: str, convening_id: int, files: Sequence[tuple[str, bytes]], *,
                model: str | None = None, who: str | None = None,
                start: bool = True,
                notes: Sequence[tuple[str, bytes]] = ()) -> tuple[Job | None, list[str]]:
    """:func:`submit`, but a refused file does not hold back the others of its batch.

    The files that pass are processed as one job (None when none passes); each refused file
    gets its own message, naming it by its file name only (never the folder it was saved in),
    and nothing of it is kept. ``notes`` are notes files (name, bytes) that go with the
    recordings: a bad one is refused the same way, its bad lines named by number.
    """
    return _save(database_url, convening_id, files, model=model, who=who, start=start,
                 each=True, notes=notes)


def _save(database_url: str, convening_id: int, files: Sequence[tuple[str, bytes]], *,
          model: str | None, who: str | None, start: bool, each: bool,
          notes: Sequence[tuple[str, bytes]] = ()) -> tuple[Job | None, list[str]]:
    if not files:
        raise InputError("choose at least one recording or transcript to process.")
    load_settings()  # a bad setting is named before anything is saved
    refused: list[str] = []
    sized = []
    for name, data in files:
        try:
            check_upload_size(name, len(data))
        except InputError as exc:
            if not each:
                raise
            refused.append(str(exc))
        else:
            sized.append((name, data))
    if not sized:
        return None, refused
    root = files_dir(database_url)
    job = Job(id=uuid.uuid4().hex[:12], convening_id=convening_id, inputs=(), model=model,
              who=who, created=_now(), order=time.time_ns(), held=not start)
    job_folder = paths.job_dir(root, job.id)
    folder = paths.job_inputs(root, job.id)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        kept: list[str] = []
        for name, data in sized:
            path = folder / _upload_name(name, {Path(p).name for p in kept})
            try:
                _check_saved(path, data)
            except InputError as exc:
                if not each:
                    raise
                path.unlink(missing_ok=True)
                refused.append(str(exc))
            else:
                kept.append(str(path))
        if not kept:
            shutil.rmtree(job_folder, ignore_errors=True)
            return None, refused
        written = _save_notes(job_folder / "notes", notes, refused)
        job = _write(root, replace(job, inputs=tuple(kept), notes=tuple(written)))
    except BaseException:
        # The files saved so far are participants' recordings: keep none of a refused job.
        shutil.rmtree(job_folder, ignore_errors=True)
        raise
    if start:
        job = _enqueue(database_url, root, job.id)
    return job, refused


def _save_notes(folder: Path, notes: Sequence[tuple[str, bytes]], refused: list[str]) -> list[str]:
    """Save the notes files and read each (every bad line named); a refused one is left out,
    its message (naming the file only) added to ``refused``. Returns the saved paths."""
    from synth.text.notes import read_notes

    kept: list[str] = []
    for name, data in notes:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / _upload_name(name, {Path(p).name for p in kept})
        try:
            check_upload_size(name, len(data))
            path.write_bytes(data)
            read_notes(path)
        except InputError as exc:
            path.unlink(missing_ok=True)
            refused.append(str(exc).replace(str(path), path.name))
        except OSError as exc:
            refused.append(f"{path.name}: cannot be saved ({exc.strerror or exc}).")
        else:
            kept.append(str(path))
    return kept


def _check_saved(path: Path, data: bytes) -> None:
    """Save one upload and check its type by its content; the message names the file only."""
    from synth.audio.ingest import input_kind

    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"{path.name}: cannot be saved ({exc.strerror or exc}); "
                         "rename the file and upload it again.") from None
    try:
        input_kind(path)  # not hashed here: the pipeline hashes each input once
    except InputError as exc:
        # ingest names the file by its path, which here is synth's own folder: the user
        # knows the file by its name.
        raise InputError(str(exc).replace(str(path), path.name)) from None


def _upload_name(name: str, taken: set[str]) -> str:
    """A safe, unused file name for an upload.

    Only the base name: an upload's name is user input and must not choose the folder (``..``
    is no name at all). Two uploads with one name (``table1/notes.txt``, ``table2/notes.txt``)
    both keep their content: the second becomes ``notes (2).txt``.
    """
    base = Path(name.replace("\\", "/").replace("\x00", "")).name
    if base in {"", ".", ".."}:
        base = "upload"
    # A file name holds 255 bytes: cut a long one by bytes (an extension of multi-byte
    # characters too), never inside a character; 200 + 20 leave room for " (N)".
    stem = Path(base).stem.encode()[:200].decode("utf-8", "ignore")
    suffix = Path(base).suffix.encode()[:20].decode("utf-8", "ignore")
    candidate, n = f"{stem}{suffix}", 1
    while candidate in taken:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    return candidate


def _enqueue(database_url: str, root: Path, job_id: str) -> Job:
    """Put a saved job at the end of the queue, and start what may start."""
    with _queue_lock(root):
        last = max((j.order for j in _all(root) if j.id != job_id), default=0)
        job = load(root, job_id)
        _write(root, replace(job, held=False, order=max(job.order, last + 1)))
        _schedule_locked(database_url, root)
    return load(root, job_id)


def start(database_url: str, job_id: str) -> Job:
    """Queue a job saved with ``submit(start=False)`` (it starts when a slot is free)."""
    return _enqueue(database_url, files_dir(database_url), job_id)


def _launch(database_url: str, root: Path, job: Job) -> Job:
    """Under the queue lock: run the job in a new process that outlives the page (and the
    app) that started it, and record the launch before the lock is let go."""
    token = uuid.uuid4().hex
    state = paths.job_state(root, job.id)
    env = os.environ | {"SYNTH_DATABASE_URL": database_url, "SYNTH_FILES_DIR": str(root)}
    # sys.platform, not os.name: mypy knows the Windows-only flags exist only under it.
    detach: dict[str, Any]
    if sys.platform == "win32":
        detach = {
            "creationflags": subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS}
    else:
        detach = {"start_new_session": True}
    try:
        with open(paths.job_log(root, job.id), "ab") as logfile:
            proc = subprocess.Popen([*WORKER, str(state), token], stdin=subprocess.DEVNULL,
                                    stdout=logfile, stderr=subprocess.STDOUT, env=env,
                                    **detach)
    except OSError as exc:
        log.warning("job %s could not be started: %s", job.id, exc)
        return _write(root, replace(job, status="failed",
                                    error=f"processing could not be started ({exc})."))
    # Waited for by a thread, so it is reaped as soon as it ends (never left defunct); if
    # this process ends first, the system adopts and reaps it.
    threading.Thread(target=proc.wait, name=f"reap-job-{job.id}", daemon=True).start()
    log.info("job %s started (pid %d) for convening %d", job.id, proc.pid, job.convening_id)
    return _write(root, replace(job, status="running", pid=proc.pid, launch=token,
                                message="starting"))


def run(database_url: str, job_id: str, launch: str | None = None) -> Job:
    """Do the job's work here and now (the background process calls this with its launch
    token: it works only if that launch is the one recorded; without one, it always works),
    then start the next queued job."""
    root = files_dir(database_url)
    with _queue_lock(root):
        current = load(root, job_id)
        if launch is not None and (current.launch != launch or current.status != "running"):
            log.warning("job %s: this launch was not recorded (the app stopped while starting "
                        "it); it will be started again", job_id)
            return current
        job = _write(root, replace(current, status="running", pid=os.getpid(),
                                   message="starting", held=False))
    try:
        return _work(database_url, root, job)
    finally:
        try:
            schedule(database_url)
        except Exception:  # noqa: BLE001 - the next page poll starts it instead
            log.exception("could not start the next queued job")


def _work(database_url: str, root: Path, job: Job) -> Job:
    job_id = job.id
    last = [0.0]

    def progress(done: float, message: str) -> None:
        nonlocal job
        if time.monotonic() - last[0] < _WRITE_EVERY_S and done < 1.0:
            return
        last[0] = time.monotonic()
        job = _write(root, replace(job, progress=round(min(max(done, 0.0), 1.0), 3),
                                   message=message))

    try:
        report = process(database_url, job.convening_id, [Path(p) for p in job.inputs],
                         model=job.model, who=job.who, progress=progress,
                         notes=[Path(p) for p in job.notes])
    except SynthError as exc:
        log.warning("job %s failed: %s", job_id, exc)
        return _write(root, replace(job, status="failed", error=str(exc)))
    except Exception as exc:  # noqa: BLE001 - the page must hear of any failure
        traceback.print_exc()
        return _write(root, replace(job, status="failed",
                                    error=f"unexpected error ({type(exc).__name__}: {exc}); "
                                          "see the job's log."))
    return _write(root, replace(job, status="done", progress=1.0, message="done",
                                report=report))


def process(database_url: str, convening_id: int, inputs: Sequence[Path], *,
            model: str | None = None, who: str | None = None,
            progress: Any = None, notes: Sequence[Path] = ()) -> dict[str, Any]:
    """Transcribe, find themes (the ``notes`` files matched to them) and import into the
    convening; returns the import report."""
    from synth.audio.ingest import input_kind
    from synth.convening import setup
    from synth.convening.handoff import to_result
    from synth.convening.pipeline import synthesize
    from synth.store import import_result, make_engine

    step = progress or (lambda _done, _msg: None)
    settings = load_settings().with_(database_url=database_url)
    engine = make_engine(database_url)
    people = setup.roster(engine, convening_id)
    # Checked here, hashed once by the pipeline (which names each recording by its file name:
    # the names of a job's uploads are unique).
    kinds = {Path(p): input_kind(p) for p in inputs}
    by_name = {path.name: path for path in kinds}
    audio = "audio" in kinds.values()
    # The roster bounds how many voices there are (see synth.convening.pipeline); transcripts
    # name them.
    speakers = "roster" if audio and people else None
    # What the facilitator said about the labels holds on a re-run: a label mapped to a
    # facilitator is not clustered again (labels repeat: the same audio diarizes the same).
    convening = synthesize(inputs, settings=settings, roster=people, model=model,
                           speakers=speakers,
                           known_speakers=setup.speaker_names(engine, convening_id),
                           notes=notes, known=_known(engine, convening_id),
                           progress=lambda d, m: step(0.9 * d, m))
    step(0.9, "saving recordings")
    root = files_dir(database_url)
    for t in convening.transcripts:
        if t.recording.kind == "audio" and t.recording.name in by_name:
            keep_media(root, t.recording.id, by_name[t.recording.name])
    names = ", ".join(Path(p).name for p in inputs)
    # The pipeline's records and vectors go in as they are: nothing is embedded twice.
    report = import_result(engine, to_result(convening, source=names[:500]),
                           convening=convening_id, who=who,
                           progress=lambda d, m: step(0.92 + 0.08 * d, f"saving: {m}"))
    engine.dispose()
    return asdict(report)


def _known(engine: Any, convening_id: int) -> list[Any]:
    """The known priorities of the convening's partnership: a recording added to it attaches
    what it says about one to that one (a theme named as the priority), only the rest is new."""
    from synth.convening import setup
    from synth.store import queries
    from synth.store.db import transaction

    with transaction(engine) as s:  # the job sits below decisions: it reads the store itself
        partnership = queries.get_convening(s, convening_id).partnership_id
    return setup.known_topics(engine, partnership)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m synth.convening.jobs JOB.json [LAUNCH]``: run one job (started by
    :func:`schedule`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s", stream=sys.stderr)
    if len(args) not in (1, 2):
        log.error("usage: python -m synth.convening.jobs JOBS_DIR/ID/job.json [LAUNCH]")
        return 2
    state = Path(args[0])

    job = run(load_settings().database_url,
              state.parent.name, args[1] if len(args) == 2 else None)
    return 0 if job.status in ("done", "queued", "running") else 1


if __name__ == "__main__":
    sys.exit(main())
