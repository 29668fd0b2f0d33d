"""One place for paths, model names, step parameters and the app's limits.

Each value is a field of :class:`Settings` with its type, default and a one-line description
(``help``). :func:`load` overrides a default with its environment variable, ``SYNTH_`` and the
field's name in capitals (``threads`` is ``SYNTH_THREADS``), so the CLI, the app, the job
workers and the pipelines all see the same configuration. An empty variable counts as unset.
Each variable is read with its type, and a bad one is refused with one line naming it, its
value and what is allowed (:class:`~synth.errors.InputError`), which the CLI and the app show
as it is: a typo in a setting should never end in a traceback or be half-used.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from synth.errors import InputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Whisper replicas on a GPU by default. Base, float16, beam 1, batch 16, 65 minutes on one H100
# (pipelines/benchmark_gpu.py, medians of 3): 1 replica 22.2 s, 2 14.0 s (one run), 4 9.7 s
# (3.6 GB of GPU memory), 8 8.0 s (5.4 GB); 4 takes most of the gain on a GPU of 8 GB.
GPU_DECODERS = 4
PREFIX = "SYNTH_"
# Variables that were renamed: a stale one is refused, not ignored, so a deployment that still
# sets it learns why its value no longer takes effect.
RENAMED = {"SYNTH_BALLOT_URL": "SYNTH_PUBLIC_URL"}
# What CTranslate2 accepts as a compute type, and "auto" (see Settings.whisper_compute_type).
COMPUTE_TYPES = ("auto", "default", "int8", "int8_float32", "int8_float16", "int8_bfloat16",
                 "int16", "float16", "bfloat16", "float32")


def data_dir() -> Path:
    """synth's folder in the user's data dir (``XDG_DATA_HOME``, else ``~/.local/share``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "synth"


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "synth"


def _default_database_url() -> str:
    # Review decisions are user data, not cache: they live in the data dir, not the cache dir.
    return f"sqlite:///{data_dir() / 'synth.db'}"


# Readers turn a variable's text into its value, or raise ValueError when it is not allowed.
Reader = Callable[[str], Any]


def _text(raw: str) -> str:
    return raw


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def _whole(least: int) -> Reader:
    def read(raw: str) -> int:
        if not re.fullmatch(r"[+-]?\d+", raw) or int(raw) < least:
            raise ValueError(raw)
        return int(raw)
    return read


def _positive(raw: str) -> float:
    value = float(raw)  # ValueError for words; nan and inf are refused below
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(raw)
    return value


def _flag(raw: str) -> bool:
    if raw.lower() not in ("1", "true", "yes", "0", "false", "no"):
        raise ValueError(raw)
    return raw.lower() in ("1", "true", "yes")


def _device(raw: str) -> str:
    if not re.fullmatch(r"cpu|cuda(:\d+)?", raw):
        raise ValueError(raw)
    return raw


def _compute_type(raw: str) -> str:
    if raw not in COMPUTE_TYPES:
        raise ValueError(raw)
    return raw


def _web_address(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(raw)
    return raw


def _setting(help: str, default: Any = MISSING, *, factory: Any = MISSING,
             read: Reader = _text, allowed: str = "") -> Any:
    """A field of :class:`Settings` and how its variable is read: ``allowed`` says, after
    "use", what :func:`load` accepts."""
    return field(default=default, default_factory=factory,
                 metadata={"help": help, "read": read, "allowed": allowed})


@dataclass(frozen=True, slots=True)
class Settings:
    """Run-time configuration. Build with :func:`load` to pick up the environment."""

    cache_dir: Path = _setting(
        "Joined models, transcripts and embeddings, by content hash (default "
        "$XDG_CACHE_HOME/synth, else ~/.cache/synth).", factory=_default_cache, read=_path,
        allowed="a folder")
    # The packaged Whisper base is the default; "tiny.en" is the fast one.
    whisper_model: str = _setting(
        "Whisper model: base, tiny.en, a CTranslate2 model folder, or a hub name with "
        "SYNTH_ALLOW_DOWNLOAD=1.", "base")
    # Room recordings are mostly one language; pinning it avoids misdetection on noisy starts.
    language: str = _setting("Language of the recordings, or auto to let Whisper detect it.", "en")
    device: str = _setting("cpu, or cuda (an NVIDIA GPU) for transcription and embeddings.",
                           "cpu", read=_device, allowed="cpu, cuda or cuda:N")
    compute_type: str = _setting(
        "CTranslate2 compute type; auto: int8 on the CPU, float16 on a GPU.", "auto",
        read=_compute_type, allowed=", ".join(COMPUTE_TYPES))
    # On the CPU batching buys little.
    batch_size: int = _setting(
        "Speech chunks Whisper decodes side by side; -1: 0 (sequential) on the CPU, 16 on a "
        "GPU.", -1, read=_whole(-1), allowed="-1 (automatic) or a whole number, 0 or more")
    embedding_model: str = _setting(
        "A sentence-transformers model folder in place of the packaged all-MiniLM-L6-v2 "
        "(empty: the packaged one, verified against its sha256).", "")
    threads: int = _setting("CPU threads for transcription.", 2, read=_whole(1),
                            allowed="a whole number above 0")
    # Each decoder holds a block's spectrogram (about 0.5 GB per 10 minutes): 1 saves memory.
    decoders: int = _setting(
        "Whisper decoders side by side, each on its own block of the recording (threads / "
        "decoders threads each on the CPU, a model replica each on a GPU); 0: one per thread "
        f"on the CPU, {GPU_DECODERS} on a GPU.", 0, read=_whole(0),
        allowed="a whole number, 0 or more")
    beam_size: int = _setting("Whisper's beam width; 1 is the fast setting.", 5,
                              read=_whole(1), allowed="a whole number above 0")
    # Offline and private by default: weights are fetched only when the user says so.
    allow_download: bool = _setting(
        "Fetch model weights from the hub when a model is not installed.", False, read=_flag,
        allowed="1, true, yes, 0, false or no")
    # Larger text is almost certainly not a transcript.
    max_transcript_bytes: int = _setting("Largest transcript file parsed, in bytes.",
                                         50 * 1024 * 1024, read=_whole(1),
                                         allowed="a whole number of bytes above 0")
    database_url: str = _setting(
        "The review database: a SQLite file (default synth.db in $XDG_DATA_HOME/synth, else "
        "~/.local/share/synth) or a PostgreSQL URL (postgresql+psycopg://user:password@host/db) "
        "for a shared one.", factory=_default_database_url)
    files_dir: Path | None = _setting(
        "The app's files (jobs, uploads, recordings for the player, passcode); empty: beside a "
        "SQLite database, else in the data dir.", None, read=_path, allowed="a folder")
    # Each job loads its own Whisper model and uses every core, so the others wait in line.
    max_jobs: int = _setting("How many of the app's processing jobs run at once.", 1,
                             read=_whole(1), allowed="a whole number of jobs above 0")
    max_upload_mb: float = _setting("The largest file the app accepts, in MB.", 500.0,
                                    read=_positive, allowed="a number of MB above 0")
    session_hours: float = _setting("How long a staff sign-in in the app lasts, in hours.",
                                    12.0, read=_positive, allowed="a number of hours above 0")
    public_url: str = _setting(
        "The address voters' phones open, on personal links, QR codes and cards (an address "
        "saved in the app comes first; empty: the app uses this machine's, synth vote codes "
        "http://localhost:8501/).", "", read=_web_address,
        allowed="an address starting with http:// or https://")

    @property
    def on_gpu(self) -> bool:
        return self.device.startswith("cuda")

    def whisper_compute_type(self) -> str:
        if self.compute_type != "auto":
            return self.compute_type
        return "float16" if self.on_gpu else "int8"

    def whisper_batch_size(self) -> int:
        if self.batch_size >= 0:
            return self.batch_size
        return 16 if self.on_gpu else 0

    def whisper_workers(self) -> int:
        """Whisper decoders running side by side, each on its share of ``threads``.

        On the CPU, without batching, one single-threaded decoder per thread, each on its own
        block of the recording: Whisper base's small matrices keep two threads of one decoder
        half idle (5 minutes, beam 1: 2 threads 9.0x real time, 2 decoders x 1 thread 11.9x).

        On a GPU, several replicas each run a block's voice detection and spectrogram (CPU
        work, one core each) while the others' batches decode (see GPU_DECODERS).
        """
        if self.decoders > 0:  # asked for: on a GPU each is a model replica in GPU memory
            return self.decoders if self.on_gpu else min(self.decoders, self.threads)
        if self.on_gpu:
            return max(1, min(GPU_DECODERS, os.cpu_count() or 1))
        if self.whisper_batch_size() or self.threads < 2:
            return 1
        return self.threads

    def with_(self, **changes: object) -> Settings:
        """A copy with some values changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def variable(name: str) -> str:
    """The environment variable that sets the field ``name``: ``threads`` -> ``SYNTH_THREADS``."""
    return PREFIX + name.upper()


def load() -> Settings:
    """Settings from the defaults and ``SYNTH_*`` environment variables.

    Raises InputError, one line naming the variable, its value and what is allowed, for a
    value of the wrong kind, and for a variable that was renamed.
    """
    for old, new in RENAMED.items():
        if os.environ.get(old, "").strip():
            raise InputError(f"{old} was renamed to {new}: set {new} instead, and unset {old}.")
    values = {}
    for f in fields(Settings):
        raw = os.environ.get(variable(f.name), "").strip()
        if not raw:
            continue
        try:
            values[f.name] = f.metadata["read"](raw)
        except ValueError:
            raise InputError(f"{variable(f.name)} is {raw!r}: use "
                             f"{f.metadata['allowed']}.") from None
    return Settings(**values)
