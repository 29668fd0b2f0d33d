"""One place for paths, model names and step parameters.

Values come from the defaults below, overridden by environment variables (``SYNTH_*``), so the
CLI, the app and the pipelines all see the same configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Whisper replicas on a GPU by default. Base, float16, beam 1, batch 16, 65 minutes on one H100
# (pipelines/benchmark_gpu.py, medians of 3): 1 replica 22.2 s, 2 14.0 s (one run), 4 9.7 s
# (3.6 GB of GPU memory), 8 8.0 s (5.4 GB); 4 takes most of the gain on a GPU of 8 GB.
GPU_DECODERS = 4


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SYNTH_{name}", default)


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "synth"


def _default_database_url() -> str:
    # Review decisions are user data, not cache: they live in the data dir, not the cache dir.
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base) / 'synth' / 'synth.db'}"


@dataclass(frozen=True, slots=True)
class Settings:
    """Run-time configuration. Build with :func:`load` to pick up the environment."""

    cache_dir: Path = field(default_factory=_default_cache)
    # Transcription: the packaged Whisper base is the default; "tiny.en" is the fast one.
    whisper_model: str = "base"
    # Room recordings are mostly one language; pinning it avoids misdetection on noisy starts.
    # "auto" lets Whisper detect it.
    language: str = "en"
    # "cpu" or "cuda" (an NVIDIA GPU, for transcription and embeddings).
    device: str = "cpu"
    # "auto": int8 on the CPU, float16 on a GPU; or any CTranslate2 compute type.
    compute_type: str = "auto"
    # Speech chunks Whisper decodes side by side; -1 picks 0 (sequential) on the CPU, where
    # batching buys little, and 16 on a GPU.
    batch_size: int = -1
    # A sentence-transformers model folder in place of the packaged all-MiniLM-L6-v2 (empty:
    # the packaged one, verified against its sha256).
    embedding_model: str = ""
    threads: int = 2
    # Whisper decoders side by side, each on its own block of the recording (on the CPU with
    # threads / decoders threads; on a GPU each a model replica); 0 picks one per thread on the
    # CPU and GPU_DECODERS on a GPU. Each holds a block's spectrogram (about 0.5 GB per 10
    # minutes): 1 saves memory.
    decoders: int = 0
    beam_size: int = 5
    # Never fetch weights unless the user explicitly allows it (offline and private by default).
    allow_download: bool = False
    # Largest transcript we parse (bytes); larger text is almost certainly not a transcript.
    max_transcript_bytes: int = 50 * 1024 * 1024
    # The review database: a SQLite file by default, or any PostgreSQL URL
    # (postgresql+psycopg://user:password@host/db) for a shared one.
    database_url: str = field(default_factory=_default_database_url)

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


def load() -> Settings:
    """Settings from the defaults and ``SYNTH_*`` environment variables."""
    d = Settings()
    return Settings(
        cache_dir=Path(_env("CACHE_DIR", str(d.cache_dir))).expanduser(),
        whisper_model=_env("WHISPER_MODEL", d.whisper_model),
        language=_env("LANGUAGE", d.language),
        device=_env("DEVICE", d.device),
        compute_type=_env("COMPUTE_TYPE", d.compute_type),
        batch_size=int(_env("BATCH_SIZE", str(d.batch_size))),
        embedding_model=_env("EMBEDDING_MODEL", d.embedding_model),
        threads=int(_env("THREADS", str(d.threads))),
        decoders=int(_env("DECODERS", str(d.decoders))),
        beam_size=int(_env("BEAM_SIZE", str(d.beam_size))),
        allow_download=_env("ALLOW_DOWNLOAD", "0").lower() in {"1", "true", "yes"},
        max_transcript_bytes=int(_env("MAX_TRANSCRIPT_BYTES", str(d.max_transcript_bytes))),
        database_url=_env("DATABASE_URL", d.database_url),
    )
