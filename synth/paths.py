"""Where synth keeps its files: the one module that knows the layout of the cache and of the
app's files, so that the module writing a file and the one deleting it name the same place.

The cache (``settings.cache_dir``) holds what synth can make again::

    transcripts/ID-KIND-TAG.json   words (or speakers) of a recording, per model and options
    embeddings-TAG.sqlite          sentence vectors by text, one database per model
    verified.json                  weight files whose sha256 was checked (path, size, mtime)
    models/                        packaged models that had to be joined from parts

The app's files (a folder beside the database, :func:`synth.convening.jobs.files_dir`) hold
what it cannot::

    jobs/ID/job.json, job.log, inputs/   a background job: its state, its log, its uploads
    jobs/.queue.lock                     held while the queue is scheduled
    media/ID.EXT                         a recording kept for the audio player
"""

from __future__ import annotations

from pathlib import Path

from synth.records import is_recording_id

# --- the cache ---------------------------------------------------------------------------------


def transcript_cache(cache_dir: Path, recording_id: str, kind: str, tag: str) -> Path:
    """A recording's cached ``kind`` ("words" or "speakers") for the options hashed in ``tag``."""
    return cache_dir / "transcripts" / f"{recording_id}-{kind}-{tag}.json"


def cached_transcripts(cache_dir: Path, recording_id: str) -> list[Path]:
    """Every cached transcript of a recording, whatever its model and options.

    Matched by comparing names, never by a pattern, so no id (``*``, ``../x``) names another
    recording's files; callers pass only well-formed ids.
    """
    folder = cache_dir / "transcripts"
    if not folder.is_dir():
        return []
    return [p for p in sorted(folder.iterdir()) if p.name.startswith(f"{recording_id}-")
            and p.name.endswith(".json") and p.is_file()]


def embedding_cache(cache_dir: Path, tag: str) -> Path:
    """The cached sentence vectors of the embedding model named by ``tag``."""
    return cache_dir / f"embeddings-{tag}.sqlite"


def embedding_caches(cache_dir: Path) -> list[Path]:
    """The cached sentence vectors of every embedding model used so far."""
    return sorted(cache_dir.glob("embeddings-*.sqlite"))


def model_ledger(cache_dir: Path) -> Path:
    """The record of weight files already checked against their sha256."""
    return cache_dir / "verified.json"


def joined_models(cache_dir: Path) -> Path:
    """The folder of packaged models joined from the parts they ship in."""
    return cache_dir / "models"


# --- the app's files ---------------------------------------------------------------------------


def jobs_dir(root: Path) -> Path:
    """The folder of every background job."""
    return root / "jobs"


def job_dir(root: Path, job_id: str) -> Path:
    """One job's folder: its state, its log and its uploads."""
    return jobs_dir(root) / job_id


def job_ids(root: Path) -> list[str]:
    """The ids of the jobs that have a state file, in no order."""
    folder = jobs_dir(root)
    return [p.parent.name for p in folder.glob("*/job.json")] if folder.is_dir() else []


def job_state(root: Path, job_id: str) -> Path:
    """One job's state (JSON, written atomically)."""
    return job_dir(root, job_id) / "job.json"


def job_log(root: Path, job_id: str) -> Path:
    """What one job's process printed."""
    return job_dir(root, job_id) / "job.log"


def job_inputs(root: Path, job_id: str) -> Path:
    """The folder of one job's uploaded files."""
    return job_dir(root, job_id) / "inputs"


def queue_lock(root: Path) -> Path:
    """The lock file held while jobs are scheduled."""
    return jobs_dir(root) / ".queue.lock"


def media_file(root: Path, recording_id: str, suffix: str) -> Path:
    """Where the app keeps a recording for the audio player."""
    return root / "media" / f"{recording_id}{suffix.lower()}"


def media_files(root: Path, recording_id: str) -> list[Path]:
    """The app's copies of a recording in ``media/``: files named exactly ``ID.EXT``.

    Found by comparing names, never by a pattern, and only for a well-formed id, so no id
    (``*``, ``../x``) can name a file of another recording or outside the folder.
    """
    folder = root / "media"
    if not is_recording_id(recording_id) or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.name.startswith(f"{recording_id}.") and p.is_file())
