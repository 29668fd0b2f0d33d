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
def atomic_writer(path: Path, *, mode: int | None = None, sync: bool = False) -> Iterator[BinaryIO]:
    """A binary file to write; on a clean exit it replaces ``path`` (folders made as needed).

    ``mode`` sets the file's permissions (``0o600`` for a secret: it is never readable by
    others, not even as the temporary file); without it they are those of a new file. ``sync``
    makes the data reach the disk before the rename, so a full disk fails the write instead of
    leaving a renamed, empty file after a crash.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # Unique per writer: two threads or processes writing one file never share a temporary.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666 if mode is None else mode)
        with os.fdopen(fd, "wb") as f:
            yield f
            if sync:
                f.flush()
                os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)  # the umask may have narrowed it further
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None,
                       sync: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_writer` for the options)."""
    with atomic_writer(path, mode=mode, sync=sync) as f:
        f.write(data)


def atomic_write_text(path: Path, text: str, *, mode: int | None = None,
                      sync: bool = False) -> None:
    """Write ``text`` to ``path`` atomically as UTF-8, with the platform's line endings (as
    :meth:`pathlib.Path.write_text` writes it)."""
    if os.linesep != "\n":
        text = text.replace("\n", os.linesep)
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode, sync=sync)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks so a large one never sits in memory whole."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
