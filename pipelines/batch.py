"""Run the convening pipeline over a folder of many convenings, on Ray or in one process.

    .venv/bin/python pipelines/batch.py run INPUT --out OUT [--workers N] [--address ADDR]
        [--serial] [--model tiny.en] [--speakers auto] [--force]
    .venv/bin/python pipelines/batch.py bench INPUT [--workers 1 2] [--model tiny.en]
    .venv/bin/python pipelines/batch.py make-input FOLDER [--convenings 6]

How a folder maps to convenings (``discover``):

- each subfolder of INPUT is one convening; every recording or transcript in it (at any depth,
  by extension: audio/video or .txt .vtt .srt .json) is a recording of that convening, and
  they are synthesized together, in path order. A ``roster.csv`` directly in the subfolder is
  its roster. Other files (notes, READMEs) are listed as ignored in the summary;
- each recording or transcript directly in INPUT (a loose file) is a convening of its own,
  named by its file name without extension (with the extension when that name is taken);
- hidden files and folders (``.name``) and the output folder, when inside INPUT, are skipped.

What is written (always by the driver, through a temporary file and a rename, so a kill never
leaves half a file; workers only return results):

    OUT/<convening>/recordings/<file>.json   one transcript per recording (synth transcript
                                             JSON plus a "batch" record of its source version)
    OUT/<convening>/result.json, result.md   the convening's result, byte-identical to
                                             `synth synthesize` on the same files
    OUT/<convening>/batch.json               written last: which inputs and options made it
    OUT/summary.json, OUT/summary.md         every convening and recording: done, reused,
                                             failed (with the error) or not run; timings

Resuming: a recording whose transcript exists, parses and records the same source (size and
modification time) and options is not transcribed again; a convening whose ``batch.json``
names the same recordings (by sha256), roster and options is not synthesized again. So an
interrupted batch, rerun with the same command, does only what is missing. ``--force`` redoes
everything.

Errors: a recording that fails (corrupt, empty, no speech, unsupported) is reported and its
convening is not synthesized (a result missing a recording would mislead); every other
recording and convening goes on. The exit status is 2 when anything failed.

Ray: one actor per worker loads Whisper (when there is audio), spaCy and MiniLM once and keeps
them for every task it is given. By default a local Ray is started on this machine (no
dashboard, no usage statistics, nothing fetched); ``--address`` joins a running cluster, whose
nodes must have this project installed and see INPUT at the same path (a shared file system).
``--serial`` runs the same loop in this process without Ray, the baseline for ``bench``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from synth import paths  # noqa: E402
from synth.audio.ingest import AUDIO_EXTENSIONS, TRANSCRIPT_EXTENSIONS  # noqa: E402
from synth.errors import InputError, ModelError, SynthError  # noqa: E402
from synth.files import atomic_write_text  # noqa: E402
from synth.records import Participant  # noqa: E402
from synth.settings import Settings  # noqa: E402
from synth.settings import load as load_settings  # noqa: E402

log = logging.getLogger("batch")
INPUT_EXTENSIONS = AUDIO_EXTENSIONS | TRANSCRIPT_EXTENSIONS
ROSTER_NAME = "roster.csv"
MARKER_NAME = "batch.json"
SCHEMA = 1


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True, slots=True)
class RecordingJob:
    convening: str
    path: Path  # absolute path of the input file
    source: str  # path relative to INPUT, for reports
    out: Path  # OUT/<convening>/recordings/<file>.json


@dataclass(frozen=True, slots=True)
class ConveningJob:
    name: str
    recordings: tuple[RecordingJob, ...]
    roster: Path | None
    folder: Path  # OUT/<convening>


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def discover(root: Path, out: Path) -> tuple[list[ConveningJob], list[str]]:
    """The convenings in ``root`` (see the module doc) and the files that were ignored."""
    root = root.resolve()
    out = out.resolve()
    if not root.is_dir():
        raise InputError(f"{root}: not a folder. Give the folder that holds the convenings.")
    ignored: list[str] = []
    entries = sorted(p for p in root.iterdir()
                     if not p.name.startswith(".") and p.resolve() != out)
    folders = [p for p in entries if p.is_dir()]
    loose = [p for p in entries if p.is_file()]
    jobs: list[ConveningJob] = []
    for folder in folders:
        name = folder.name
        recs, roster = [], None
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if not path.is_file() or _hidden(rel) or path.resolve() == out:
                continue
            if out in path.resolve().parents:
                continue
            if rel == Path(ROSTER_NAME):
                roster = path
            elif path.suffix.lower() in INPUT_EXTENSIONS:
                recs.append(RecordingJob(name, path, str(path.relative_to(root)),
                                         out / name / "recordings" / (
                                             "__".join(rel.parts) + ".json")))
            else:
                ignored.append(str(path.relative_to(root)))
        jobs.append(ConveningJob(name, tuple(recs), roster, out / name))
    taken = {p.name for p in folders}
    stems = [p.stem for p in loose if p.suffix.lower() in INPUT_EXTENSIONS]
    for path in loose:
        if path.suffix.lower() not in INPUT_EXTENSIONS:
            ignored.append(path.name)
            continue
        name = path.stem if path.stem not in taken and stems.count(path.stem) == 1 else path.name
        rec = RecordingJob(name, path, path.name, out / name / "recordings" / f"{path.name}.json")
        jobs.append(ConveningJob(name, (rec,), None, out / name))
    jobs.sort(key=lambda j: j.name)
    return jobs, ignored


# --------------------------------------------------------------------------- the worker


@dataclass(frozen=True, slots=True)
class Options:
    """Everything besides the input bytes that changes a result (kept in the markers)."""

    model: str
    language: str
    beam_size: int
    speakers: str | int | None = None
    n_themes: int | None = None
    seed: int = 0
    include_facilitator: bool = False

    def transcription(self) -> dict[str, Any]:
        return {"model": self.model, "language": self.language, "beam_size": self.beam_size,
                "speakers": self.speakers}


def _theme_settings(opts: Options) -> Any:
    from synth.themes.candidates import ThemeSettings

    return ThemeSettings(n_themes=opts.n_themes, seed=opts.seed)


def _error(exc: BaseException) -> str:
    if isinstance(exc, SynthError):
        return str(exc)
    # An unexpected failure: keep the last frame so the report says where.
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    at = f" (at {Path(where[0].filename).name}:{where[0].lineno})" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"


class Worker:
    """Holds the models of one process and runs the two kinds of task on them.

    On Ray each actor is one of these, so every model is loaded once per worker and reused;
    with ``--serial`` the driver holds a single one. Tasks never raise: they return
    ``{"ok": False, "error": ...}`` so that one bad file cannot stop the batch.
    """

    def __init__(self, settings: Settings, opts: Options, *, whisper: bool,
                 threads: int | None = None) -> None:
        from synth import models

        started = time.perf_counter()
        if threads:
            import torch

            # Embeddings and themes give the same numbers with any torch thread count; Whisper
            # keeps SYNTH_THREADS (and OpenMP its threads, see RayExecutor), since CTranslate2
            # decodes a few words differently with other thread counts, and a batch must give
            # what `synth synthesize` gives.
            torch.set_num_threads(threads)
        self.settings = settings
        self.opts = opts
        models.load_nlp(settings)
        models.load_embedder(settings)
        if whisper:
            models.load_whisper(opts.model, settings)
        self.load_seconds = time.perf_counter() - started

    def info(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "load_seconds": round(self.load_seconds, 2)}

    def transcribe(self, path: str, force: bool = False) -> dict[str, Any]:
        from synth.audio.transcribe import transcribe_file
        from synth.text.writers import transcript_dict

        started = time.perf_counter()
        try:
            t = transcribe_file(path, settings=self.settings, model=self.opts.model,
                                speakers=self.opts.speakers, force=force)
            return {"ok": True, "transcript": transcript_dict(t), "pid": os.getpid(),
                    "seconds": time.perf_counter() - started}
        except Exception as exc:  # noqa: BLE001 - reported per recording, the batch goes on
            return {"ok": False, "error": _error(exc), "pid": os.getpid(),
                    "seconds": time.perf_counter() - started}

    def synthesize(self, transcripts: list[dict[str, Any]], roster: list[Participant],
                   audio: dict[str, str] | None = None) -> dict[str, Any]:
        """One convening from its transcripts; ``audio`` maps recording id to its file, so
        that several recordings share speaker labels as in `synth synthesize`."""
        from synth.convening import report
        from synth.convening.pipeline import synthesize_transcripts
        from synth.records import Recording
        from synth.text.transcripts import parse_json

        started = time.perf_counter()
        try:
            parsed = [parse_json(json.dumps(d), Recording(**d["recording"]), Path("batch"))
                      for d in transcripts]
            if self.opts.speakers is not None and len(parsed) > 1 and audio:
                from synth.audio.speakers import share_speakers

                parsed = share_speakers(parsed, [audio.get(t.recording.id, "")
                                                 for t in parsed])
            c = synthesize_transcripts(parsed, settings=self.settings, roster=roster,
                                       theme_settings=_theme_settings(self.opts),
                                       include_facilitator=self.opts.include_facilitator)
            return {"ok": True, "json": report.to_json(c), "md": report.to_markdown(c),
                    "themes": len(c.themes.themes),  # type: ignore[attr-defined]
                    "statements": len(c.statements), "pid": os.getpid(),
                    "seconds": time.perf_counter() - started}
        except Exception as exc:  # noqa: BLE001
            return {"ok": False, "error": _error(exc), "pid": os.getpid(),
                    "seconds": time.perf_counter() - started}


# --------------------------------------------------------------------------- resume checks


def _source_stamp(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def recording_done(job: RecordingJob, opts: Options) -> dict[str, Any] | None:
    """The saved transcript of ``job`` when it is complete and current, else None."""
    data = _read_json(job.out)
    if not data or not isinstance(data.get("turns"), list) or not data["turns"]:
        return None
    batch = data.get("batch") or {}
    try:
        stamp = _source_stamp(job.path)
    except OSError:
        return None
    if batch.get("source") != stamp or batch.get("options") != opts.transcription():
        return None
    if not (data.get("recording") or {}).get("sha256"):
        return None
    return data


def _marker(conv: ConveningJob, transcripts: list[dict[str, Any]], opts: Options) -> dict:
    from synth.files import sha256_file

    return {"schema": SCHEMA,
            "recordings": [t["recording"]["sha256"] for t in transcripts],
            "roster": sha256_file(conv.roster) if conv.roster else None,
            "options": asdict(opts)}


def convening_done(conv: ConveningJob, marker: dict[str, Any]) -> bool:
    saved = _read_json(conv.folder / MARKER_NAME)
    if saved != marker:
        return False
    result = _read_json(conv.folder / "result.json")
    return bool(result and "themes" in result) and (conv.folder / "result.md").is_file()


def _unique(transcripts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each recording once, in order (a copy under another name would double every voice)."""
    seen: set[str] = set()
    out = []
    for t in transcripts:
        if t["recording"]["id"] not in seen:
            seen.add(t["recording"]["id"])
            out.append(t)
    return out


# --------------------------------------------------------------------------- executors


class SerialExecutor:
    """Runs each task at once in this process: the single-process loop."""

    def __init__(self, make_worker: Callable[[], Worker]) -> None:
        self.worker = make_worker()
        self.workers = [0]
        self.load_seconds = [self.worker.load_seconds]
        self._done: deque[tuple[int, dict[str, Any]]] = deque()
        self._n = 0

    def submit(self, index: int, method: str, *args: Any) -> int:
        self._n += 1
        self._done.append((self._n, getattr(self.worker, method)(*args)))
        return self._n

    def next_done(self) -> tuple[int, dict[str, Any]]:
        return self._done.popleft()

    def close(self) -> None:
        pass


class RayExecutor:
    """One Ray actor per worker, each holding its own loaded models."""

    def __init__(self, settings: Settings, opts: Options, *, whisper: bool,
                 workers: int | None, max_workers: int, cpus_per_worker: int,
                 address: str | None, num_cpus: int | None) -> None:
        import ray

        self.ray = ray
        self.started_ray = False
        self.actors: list[Any] = []
        if not ray.is_initialized():
            env = {k: v for k, v in os.environ.items()
                   if k.startswith("SYNTH_") or k == "RAY_USAGE_STATS_ENABLED"}
            kwargs: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False,
                                      "runtime_env": {"env_vars": env}}
            if address:
                kwargs["address"] = address
            else:
                # As many CPUs as the workers need; None gives Ray all of this machine's.
                kwargs["num_cpus"] = num_cpus or (workers * cpus_per_worker if workers else None)
                kwargs["include_dashboard"] = False
            ray.init(**kwargs)
            self.started_ray = True
        if __name__ != "__main__":
            # Workers get this module by value, so it need not be importable on their path.
            ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
        if workers is None:  # as many as the Ray we joined or started has CPUs for
            workers = max(1, int(ray.cluster_resources().get("CPU", 1)) // cpus_per_worker)
        workers = min(workers, max_workers)
        # Ray sets OMP_NUM_THREADS=1 in its workers, and CTranslate2 then decodes a few words
        # differently from a plain `synth` process; give the workers what this process has.
        omp = os.environ.get("OMP_NUM_THREADS") or str(len(os.sched_getaffinity(0)))
        env = {k: v for k, v in os.environ.items() if k.startswith("SYNTH_")}
        actor = ray.remote(Worker).options(num_cpus=cpus_per_worker, max_restarts=2,
                                           runtime_env={"env_vars": env | {
                                               "OMP_NUM_THREADS": omp}})
        self.actors = [actor.remote(settings, opts, whisper=whisper, threads=cpus_per_worker)
                       for _ in range(workers)]
        try:
            infos = ray.get([a.info.remote() for a in self.actors])
        except ray.exceptions.RayError as exc:
            self.close()
            cause = getattr(exc, "cause", None)
            raise ModelError(f"the Ray workers could not start: {cause or exc}") from None
        self.workers = list(range(workers))
        self.load_seconds = [i["load_seconds"] for i in infos]
        self.pending: dict[Any, int] = {}

    def submit(self, index: int, method: str, *args: Any) -> Any:
        ref = getattr(self.actors[index], method).remote(*args)
        self.pending[ref] = index
        return ref

    def next_done(self) -> tuple[Any, dict[str, Any]]:
        [ref], _ = self.ray.wait(list(self.pending), num_returns=1)
        self.pending.pop(ref)
        try:
            return ref, self.ray.get(ref)
        except self.ray.exceptions.RayError as exc:  # the worker process died
            return ref, {"ok": False, "error": f"worker failed: {type(exc).__name__}: "
                                               f"{str(exc).splitlines()[0][:300]}",
                         "seconds": 0.0}

    def close(self) -> None:
        for a in self.actors:
            self.ray.kill(a)
        if self.started_ray:
            self.ray.shutdown()


# --------------------------------------------------------------------------- the batch


@dataclass
class Report:
    """What happened to every convening and recording; written as OUT/summary.*"""

    input: str
    mode: str
    workers: int
    convenings: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    startup_seconds: float = 0.0
    wall_seconds: float = 0.0
    interrupted: bool = False

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.convenings:
            out[f"convenings_{c['status']}"] = out.get(f"convenings_{c['status']}", 0) + 1
            for r in c["recordings"]:
                out[f"recordings_{r['status']}"] = out.get(f"recordings_{r['status']}", 0) + 1
        return dict(sorted(out.items()))

    @property
    def failed(self) -> bool:
        return any(c["status"] == "failed" for c in self.convenings)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "input": self.input, "mode": self.mode,
                "workers": self.workers, "interrupted": self.interrupted,
                "wall_seconds": round(self.wall_seconds, 2),
                "startup_seconds": round(self.startup_seconds, 2),
                "recordings": sum(len(c["recordings"]) for c in self.convenings),
                "counts": self.counts(), "convenings": self.convenings,
                "ignored": self.ignored}

    def to_markdown(self) -> str:
        lines = ["# Batch summary", "",
                 f"Input `{self.input}`, {self.mode} with {self.workers} worker(s), "
                 f"{self.wall_seconds:.1f} s wall ({self.startup_seconds:.1f} s startup)"
                 + (", **interrupted**" if self.interrupted else "") + ".", "",
                 "| convening | status | recordings | themes | error |",
                 "|---|---|---|---|---|"]
        for c in self.convenings:
            recs = ", ".join(f"{Path(r['source']).name} ({r['status']})" for r in c["recordings"])
            err = (c.get("error") or "").replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {c['name']} | {c['status']} | {recs} | {c.get('themes', '')} "
                         f"| {err} |")
        if self.ignored:
            lines += ["", "Ignored files: " + ", ".join(self.ignored)]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """How a batch runs and what it makes: the `run` command's flags (see ``main``)."""

    workers: int | None = None  # Ray workers; None: the Ray's CPUs / cpus_per_worker
    serial: bool = False  # one process, no Ray
    address: str | None = None  # join this Ray cluster instead of starting one
    num_cpus: int | None = None  # CPUs of the local Ray
    cpus_per_worker: int = 1
    model: str | None = None  # Whisper model; None: the settings' one
    speakers: str | int | None = None
    n_themes: int | None = None
    seed: int = 0
    include_facilitator: bool = False
    force: bool = False  # redo everything, reuse nothing

    def result_options(self, settings: Settings) -> Options:
        """The options that change a result, with the settings' defaults filled in."""
        return Options(model=self.model or settings.whisper_model, language=settings.language,
                       beam_size=settings.beam_size, speakers=self.speakers,
                       n_themes=self.n_themes, seed=self.seed,
                       include_facilitator=self.include_facilitator)


def run_batch(root: Path, out: Path, options: BatchOptions, *,
              settings: Settings | None = None) -> Report:
    """Synthesize every convening under ``root`` into ``out``; see the module doc."""
    started = time.perf_counter()
    root, out = Path(root).resolve(), Path(out).resolve()
    settings = settings or load_settings()
    opts = options.result_options(settings)
    convs, ignored = discover(root, out)
    out.mkdir(parents=True, exist_ok=True)
    report = Report(str(root), "serial" if options.serial else "ray",
                    1 if options.serial else options.workers or 0, ignored=ignored)
    state = _BatchState(convs, out, opts, force=options.force, report=report)
    executor: SerialExecutor | RayExecutor | None = None
    try:
        if state.todo or state.ready:
            executor = _start_workers(options, settings, opts, state, report)
            _run_tasks(executor, state)
    except KeyboardInterrupt:
        report.interrupted = True
        log.warning("interrupted: rerun the same command to resume")
        raise
    finally:
        if executor:
            executor.close()
        _write_summary(out, report, started)
    return report


class _BatchState:
    """Where a batch stands: the report entry of each convening and recording, the transcripts
    in hand, and the work left (recordings to transcribe, convenings ready to synthesize)."""

    def __init__(self, convs: list[ConveningJob], out: Path, opts: Options, *, force: bool,
                 report: Report) -> None:
        self.opts = opts
        self.force = force
        self.by_name = {c.name: c for c in convs}
        self.status: dict[str, dict[str, Any]] = {}
        self.rec_status: dict[str, dict[str, Any]] = {}
        self.saved: dict[str, dict[str, Any]] = {}  # recording source -> transcript dict
        self.rosters: dict[str, list[Participant]] = {}
        self.todo: deque[RecordingJob] = deque()
        self.ready: deque[ConveningJob] = deque()
        for conv in convs:
            report.convenings.append(self._plan(conv, out))
        self.total = len(self.todo)
        self.n_done = 0
        for conv in convs:
            if conv.recordings and all(self.rec_status[r.source]["status"] == "reused"
                                       for r in conv.recordings):
                self.conv_ready(conv)
        if self.total:
            log.info("%d recording(s) to transcribe, %d already done", self.total,
                     sum(len(c.recordings) for c in convs) - self.total)

    def _plan(self, conv: ConveningJob, out: Path) -> dict[str, Any]:
        """The convening's report entry; its recordings are reused when current, else queued."""
        entry: dict[str, Any] = {"name": conv.name, "status": "not run", "result": None,
                                 "recordings": []}
        self.status[conv.name] = entry
        if not conv.recordings:
            entry.update(status="failed", error="no recordings or transcripts in this folder")
        for rec in conv.recordings:
            r = {"source": rec.source, "status": "not run", "output": str(rec.out.relative_to(out))}
            entry["recordings"].append(r)
            self.rec_status[rec.source] = r
            done = None if self.force else recording_done(rec, self.opts)
            if done is not None:
                r["status"] = "reused"
                self.saved[rec.source] = done
            else:
                self.todo.append(rec)
        return entry

    def conv_ready(self, conv: ConveningJob) -> None:
        """All recordings of ``conv`` are settled: queue it, reuse it or mark it failed."""
        from synth.text.roster import load_roster

        entry = self.status[conv.name]
        bad = [r for r in entry["recordings"] if r["status"] == "failed"]
        if bad:
            entry.update(status="failed", error="; ".join(
                f"{r['source']}: {r['error']}" for r in bad))
            return
        try:
            self.rosters[conv.name] = load_roster(conv.roster) if conv.roster else []
        except SynthError as exc:
            entry.update(status="failed", error=str(exc))
            return
        transcripts = _unique([self.saved[r.source] for r in conv.recordings])
        marker = _marker(conv, transcripts, self.opts)
        entry["marker"] = marker
        if not self.force and convening_done(conv, marker):
            entry.update(status="reused", result=f"{conv.name}/result.json")
            return
        self.ready.append(conv)

    def next_task(self) -> tuple[str, tuple[Any, ...], RecordingJob | ConveningJob]:
        """The next task for an idle worker (method, arguments, job): convenings first, since
        a finished result survives a kill."""
        if self.ready:
            conv = self.ready.popleft()
            recs = conv.recordings
            return "synthesize", (_unique([self.saved[r.source] for r in recs]),
                                  self.rosters[conv.name],
                                  {self.saved[r.source]["recording"]["id"]: str(r.path)
                                   for r in recs}), conv
        rec = self.todo.popleft()
        return "transcribe", (str(rec.path), self.force), rec

    def transcribed(self, job: RecordingJob, result: dict[str, Any], seconds: float) -> None:
        """Save a recording's transcript, or note its error; its convening may now be ready."""
        self.n_done += 1
        r = self.rec_status[job.source]
        r["seconds"] = seconds
        if result["ok"]:
            data = result["transcript"] | {"batch": {
                "source": _source_stamp(job.path), "options": self.opts.transcription()}}
            atomic_write_text(job.out, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
            self.saved[job.source] = data
            r["status"] = "done"
            log.info("[%d/%d] ok    %s (%.1f s)", self.n_done, self.total, job.source, seconds)
        else:
            r.update(status="failed", output=None, error=result["error"])
            log.warning("[%d/%d] FAIL  %s: %s", self.n_done, self.total, job.source,
                        result["error"])
        conv = self.by_name[job.convening]
        if all(self.rec_status[x.source]["status"] in {"done", "reused", "failed"}
               for x in conv.recordings):
            self.conv_ready(conv)

    def synthesized(self, job: ConveningJob, result: dict[str, Any], seconds: float) -> None:
        """Save a convening's result and then its marker, or note its error."""
        entry = self.status[job.name]
        entry["seconds"] = seconds
        if result["ok"]:
            job.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_text(job.folder / "result.json", result["json"])
            atomic_write_text(job.folder / "result.md", result["md"])
            # Last: its presence says the two results above are whole and current.
            atomic_write_text(job.folder / MARKER_NAME,
                              json.dumps(entry["marker"], indent=1) + "\n")
            entry.update(status="done", result=f"{job.name}/result.json",
                         themes=result["themes"], statements=result["statements"])
            log.info("convening %s: %d candidate(s) from %d statement(s) (%.1f s)",
                     job.name, result["themes"], result["statements"], seconds)
        else:
            entry.update(status="failed", error=result["error"])
            log.warning("convening %s FAILED: %s", job.name, result["error"])


def _start_workers(options: BatchOptions, settings: Settings, opts: Options,
                   state: _BatchState, report: Report) -> SerialExecutor | RayExecutor:
    """The workers with their models loaded: one in this process, or one Ray actor each."""
    whisper = any(r.path.suffix.lower() in AUDIO_EXTENSIONS for r in state.todo)
    n_tasks = state.total + len(state.ready)  # at most this many tasks can ever run side by side
    t0 = time.perf_counter()
    executor: SerialExecutor | RayExecutor
    if options.serial:
        executor = SerialExecutor(lambda: Worker(settings, opts, whisper=whisper))
    else:
        executor = RayExecutor(settings, opts, whisper=whisper, workers=options.workers,
                               max_workers=max(1, n_tasks),
                               cpus_per_worker=options.cpus_per_worker,
                               address=options.address, num_cpus=options.num_cpus)
    report.startup_seconds = time.perf_counter() - t0
    report.workers = len(executor.workers)
    log.info("%s: %d worker(s) ready in %.1f s (models loaded in %s s)", report.mode,
             len(executor.workers), report.startup_seconds,
             ", ".join(f"{s:.1f}" for s in executor.load_seconds))
    return executor


def _run_tasks(executor: SerialExecutor | RayExecutor, state: _BatchState) -> None:
    """Keep every worker busy until no work is left, saving each result as it comes back."""
    idle = deque(executor.workers)
    in_flight: dict[Any, tuple[RecordingJob | ConveningJob, int]] = {}
    while state.todo or state.ready or in_flight:
        while idle and (state.ready or state.todo):
            w = idle.popleft()
            method, args, job = state.next_task()
            in_flight[executor.submit(w, method, *args)] = (job, w)
        handle, result = executor.next_done()
        job, w = in_flight.pop(handle)
        idle.append(w)
        seconds = round(result.get("seconds", 0.0), 2)
        if isinstance(job, RecordingJob):
            state.transcribed(job, result, seconds)
        else:
            state.synthesized(job, result, seconds)


def _write_summary(out: Path, report: Report, started: float) -> None:
    """OUT/summary.json and summary.md, also after a failure or an interrupt."""
    for entry in report.convenings:
        entry.pop("marker", None)
    report.wall_seconds = time.perf_counter() - started
    atomic_write_text(out / "summary.json", json.dumps(report.to_dict(), indent=1) + "\n")
    atomic_write_text(out / "summary.md", report.to_markdown())


# --------------------------------------------------------------------------- bench inputs


def make_input(folder: Path, convenings: int = 6) -> Path:
    """A folder of real inputs for ``bench``: the sample convening, QMSum meetings cut into
    two transcripts each, and one convening of two real short recordings."""
    import re

    shared = ROOT.parent / "shared" / "data"
    folder.mkdir(parents=True, exist_ok=True)
    sample = ROOT / "samples" / "convening"
    (folder / "cascade-launch").mkdir(exist_ok=True)
    shutil.copy(sample / "convening.txt", folder / "cascade-launch" / "convening.txt")
    shutil.copy(sample / "roster.csv", folder / "cascade-launch" / ROSTER_NAME)
    audio = [shared / "audio" / "jfk" / "jfk.flac",
             shared / "audio" / "two-speaker-call" / "sample.wav"]
    if all(p.exists() for p in audio):
        (folder / "short-calls").mkdir(exist_ok=True)
        for p in audio:
            shutil.copy(p, folder / "short-calls" / p.name)
    markup = re.compile(r"\{[a-z_]+\}")
    meetings = sorted((shared / "qmsum" / "train").glob("*.json"))
    for path in meetings[: max(0, convenings - 2)]:
        turns = json.loads(path.read_text(encoding="utf-8"))["meeting_transcripts"]
        lines = []
        for t in turns:
            words = " ".join(markup.sub(" ", t["content"]).split())
            if len(words.split()) >= 4:
                lines.append(f"{' '.join(t['speaker'].split()[:4])}: {words}")
        lines = lines[:160]  # a convening's worth of talk, so each run stays short
        half = len(lines) // 2
        target = folder / f"qmsum-{path.stem}"
        target.mkdir(exist_ok=True)
        (target / "part1.txt").write_text("\n".join(lines[:half]) + "\n", encoding="utf-8")
        (target / "part2.txt").write_text("\n".join(lines[half:]) + "\n", encoding="utf-8")
    return folder


def _fresh_cache(base: Path, into: Path) -> Path:
    """An empty transcript/embedding cache that shares the verified models of ``base``."""
    into.mkdir(parents=True)
    if paths.joined_models(base).is_dir():
        paths.joined_models(into).symlink_to(paths.joined_models(base).resolve())
    if paths.model_ledger(base).is_file():
        shutil.copy(paths.model_ledger(base), paths.model_ledger(into))
    return into


def bench(root: Path, *, workers: Iterable[int] = (1, 2), model: str | None = None,
          keep: Path | None = None) -> list[dict[str, Any]]:
    """Serial loop vs Ray with each worker count on the same inputs, each with a cold cache."""
    settings = load_settings()
    from synth import models

    models.packaged_dir("spacy", settings)  # verify (and join) once, outside the timings
    models.packaged_dir("embeddings", settings)
    models.resolve_whisper(model or settings.whisper_model, settings)
    rows = []
    with tempfile.TemporaryDirectory(prefix="synth-bench-") as tmp:
        for mode, n in [("serial", 1)] + [("ray", w) for w in workers]:
            label = "serial" if mode == "serial" else f"ray x{n}"
            cache = _fresh_cache(settings.cache_dir, Path(tmp) / f"cache-{mode}-{n}")
            os.environ["SYNTH_CACHE_DIR"] = str(cache)
            out = Path(tmp) / f"out-{mode}-{n}"
            log.warning("bench: %s ...", label)
            rep = run_batch(root, out, BatchOptions(workers=n, serial=mode == "serial",
                                                    num_cpus=n, model=model),
                            settings=settings.with_(cache_dir=cache))
            recs = sum(len(c["recordings"]) for c in rep.convenings)
            rows.append({"mode": label, "recordings": recs,
                         "convenings": len(rep.convenings), "wall_s": rep.wall_seconds,
                         "startup_s": rep.startup_seconds,
                         "per_recording_s": rep.wall_seconds / max(recs, 1),
                         "failed": rep.failed})
            if keep:
                shutil.copytree(out, keep / label.replace(" ", ""), dirs_exist_ok=True)
        os.environ["SYNTH_CACHE_DIR"] = str(settings.cache_dir)
    return rows


def bench_table(rows: list[dict[str, Any]]) -> str:
    """Wall time includes starting Ray and loading the models (startup); work is the rest."""
    head = (f"{'mode':<8} {'recordings':>10} {'convenings':>10} {'wall s':>8} "
            f"{'per-rec s':>9} {'startup s':>9} {'work s':>8} {'speed-up':>8}")
    base = rows[0]["wall_s"]
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['mode']:<8} {r['recordings']:>10} {r['convenings']:>10} "
                     f"{r['wall_s']:>8.1f} {r['per_recording_s']:>9.1f} {r['startup_s']:>9.1f} "
                     f"{r['wall_s'] - r['startup_s']:>8.1f} {base / r['wall_s']:>7.2f}x"
                     + ("  (failures)" if r["failed"] else ""))
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


def batch_options(args: argparse.Namespace) -> BatchOptions:
    """The `run` command's flags as the batch's options (--speakers: auto or a number)."""
    speakers = int(args.speakers) if args.speakers and args.speakers.isdigit() else \
        args.speakers
    return BatchOptions(workers=args.workers, serial=args.serial, address=args.address,
                        num_cpus=args.num_cpus, cpus_per_worker=args.cpus_per_worker,
                        model=args.model, speakers=speakers, n_themes=args.themes,
                        seed=args.seed, include_facilitator=args.include_facilitator,
                        force=args.force)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="synthesize every convening in a folder")
    run.add_argument("input", type=Path)
    run.add_argument("--out", type=Path, required=True)
    run.add_argument("--workers", type=int, default=None,
                     help="Ray workers (default: the Ray's CPUs / --cpus-per-worker)")
    run.add_argument("--cpus-per-worker", type=int, default=1)
    run.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray")
    run.add_argument("--address", default=None, help="join this Ray cluster (ray://... or auto)")
    run.add_argument("--serial", action="store_true", help="one process, no Ray")
    run.add_argument("--model", default=None, help="Whisper model (default: SYNTH_WHISPER_MODEL)")
    run.add_argument("--speakers", default=None, help="auto or a number")
    run.add_argument("--themes", type=int, default=None)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--include-facilitator", action="store_true")
    run.add_argument("--force", action="store_true", help="redo everything")
    b = sub.add_parser("bench", help="serial vs Ray on the same inputs")
    b.add_argument("input", type=Path)
    b.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    b.add_argument("--model", default=None)
    b.add_argument("--keep", type=Path, default=None, help="copy each run's output here")
    mk = sub.add_parser("make-input", help="build a folder of real inputs for bench")
    mk.add_argument("folder", type=Path)
    mk.add_argument("--convenings", type=int, default=6)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr, force=True)
    for noisy in ("faster_whisper", "sentence_transformers", "synth", "httpx", "BERTopic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        if args.command == "make-input":
            print(make_input(args.folder, args.convenings))
            return 0
        if args.command == "bench":
            rows = bench(args.input, workers=args.workers, model=args.model, keep=args.keep)
            print(bench_table(rows))
            return 0
        rep = run_batch(args.input, args.out, batch_options(args))
    except SynthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"{args.out / 'summary.md'}: {rep.counts()}")
    return 2 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
