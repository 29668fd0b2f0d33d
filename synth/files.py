"""Writing a file so that a reader sees the old one or the new one, never half of one; hashing one.

Every file synth keeps (transcripts and their caches, a job's state, exports, the model ledger,
the staff passcode and its sessions) is written the same way: into a temporary file beside it,
then renamed over it with :func:`os.replace`, which is atomic on one file system. A write that
fails (a full disk, an exception in the caller) leaves the old file as it was and no temporary
file behind.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def _replacing(path: Path, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside ``path``; on a clean exit it replaces ``path``, else it goes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Unique per writer: two threads or processes writing one file never share a temporary.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_writer(path: Path, *, sync: bool = False) -> Iterator[BinaryIO]:
    """A binary file to write (folders made as needed); on a clean exit it replaces ``path``.

    ``sync`` makes the data reach the disk before the rename, so a full disk fails the write
    instead of leaving a renamed, empty file after a crash.
    """
    with _replacing(path) as tmp, open(tmp, "wb") as f:
        yield f
        if sync:
            f.flush()
            os.fsync(f.fileno())


def atomic_write_bytes(path: Path, data: bytes, *, sync: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (``sync``: see :func:`atomic_writer`)."""
    with atomic_writer(path, sync=sync) as f:
        f.write(data)


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write ``text`` to ``path`` atomically as UTF-8; ``mode`` sets its permissions (``0o600``
    for a secret) before it takes the place of the old file."""
    with _replacing(path, mode) as tmp:
        tmp.write_text(text, encoding="utf-8")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks so a large one never sits in memory whole."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
