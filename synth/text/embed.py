"""Statement embeddings with sentence-transformers, cached on disk by text hash.

Re-running a convening after a facilitator adds one recording embeds only the new statements:
vectors live in a small SQLite file per model, keyed by the sha1 of the exact text.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

BATCH = 64
GPU_BATCH = 512
_CHUNK = 500  # SQLite parameters per query


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def model_tag(model: SentenceTransformer) -> str:
    """A short tag naming the model, so vectors of different models never mix in one cache."""
    try:
        # torch types a module's attributes as Tensor | Module; the first module of a
        # sentence-transformers model holds the transformers model as auto_model.
        name = str(model[0].auto_model.config._name_or_path)  # type: ignore[union-attr]
    except (AttributeError, IndexError, TypeError):
        name = type(model).__name__
    dim = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") else ""
    tag = f"{Path(name).name}|{dim}"
    # Half-precision vectors (the GPU path) differ in the third decimal: keep them apart so
    # that a CPU run stays byte-identical to the CPU run before it.
    dtype = str(getattr(next(iter(model.parameters()), None), "dtype", "torch.float32"))
    if dtype != "torch.float32":
        tag += f"|{dtype}"
    return hashlib.sha1(tag.encode()).hexdigest()[:10]


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
    return conn


def _cached(conn: sqlite3.Connection, keys: list[str]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i:i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT key, vec FROM vectors WHERE key IN ({marks})"
        for key, blob in conn.execute(query, chunk):
            found[key] = np.frombuffer(blob, dtype=np.float32)
    return found


def embed_texts(texts: Sequence[str], *, model: SentenceTransformer | None = None,
                cache_dir: Path | None = None, batch_size: int | None = None,
                progress: Callable[[float, str], None] | None = None) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text, computing only the uncached ones."""
    from synth import models, paths, settings

    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    cfg = settings.load()
    model = model or models.load_embedder(cfg)
    cache_dir = cache_dir or cfg.cache_dir
    tag = model_tag(model)
    if batch_size is None:
        on_gpu = getattr(getattr(model, "device", None), "type", "cpu") == "cuda"
        batch_size = GPU_BATCH if on_gpu else BATCH
    keys = [text_key(t) for t in texts]
    with closing(_connect(paths.embedding_cache(cache_dir, tag))) as conn:
        have = _cached(conn, sorted(set(keys)))
        todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in have}.items())
        log.info("embedding %d new of %d statements", len(todo), len(texts))
        for i in range(0, len(todo), batch_size * 8):
            part = todo[i:i + batch_size * 8]
            vecs = model.encode([t for _, t in part], batch_size=batch_size,
                                normalize_embeddings=True, convert_to_numpy=True,
                                show_progress_bar=False).astype(np.float32)
            with conn:
                conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                 [(k, v.tobytes()) for (k, _), v in zip(part, vecs, strict=True)])
            have.update({k: v for (k, _), v in zip(part, vecs, strict=True)})
            if progress:
                progress(min((i + len(part)) / len(todo), 1.0), "embedding statements")
    return np.stack([have[k] for k in keys]).astype(np.float32)
