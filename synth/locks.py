"""A portable lock between processes (no ``fcntl``), and whether a process is still alive.

A lock is a file created with ``O_CREAT | O_EXCL``: exactly one process can create it, on
POSIX and Windows alike. It holds its owner's pid, host and time, so a lock whose owner died
(killed while holding it) is recognised as stale and broken: at once when the owner was a
process on this machine that no longer runs, else when it is older than ``stale_after``.
Breaking is itself done under a second lock file (``NAME.break``) and only when the lock
still holds the same owner that was judged stale, so two processes breaking at once never
remove a lock that a third has just taken.

Used for the job queue (:mod:`synth.convening.jobs`) and the staff passcode's state files
(:mod:`synth_app.auth`). Hold such a lock for short work only (reading and writing a few
small files, starting a process): a holder that keeps it longer than ``stale_after`` while
alive on another machine would lose it.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from synth.errors import SynthError

_HOST = socket.gethostname()
_EMPTY_GRACE_S = 10.0  # a lock file still empty this long: its creator died before writing
_BREAK_STALE_S = 30.0  # a break marker this old: its maker died while breaking


class LockTimeout(SynthError):
    """Another process held the lock for longer than the caller would wait."""


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (a finished, unreaped child counts as ended)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    try:  # Linux: a zombie (ended, not yet reaped) is not running
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _pid_alive_windows(pid: int) -> bool:  # pragma: no cover - exercised on Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # ERROR_ACCESS_DENIED: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return ""


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _is_stale(owner: str, path: Path, stale_after: float) -> bool:
    """Whether the lock's owner (``pid host time token``) is gone or the lock is too old."""
    parts = owner.split()
    if len(parts) != 4:  # being written, or damaged
        return _age(path) > _EMPTY_GRACE_S
    pid, host, since = parts[0], parts[1], parts[2]
    try:
        if host == _HOST and not pid_alive(int(pid)):
            return True
        return time.time() - float(since) > stale_after
    except ValueError:
        return _age(path) > _EMPTY_GRACE_S


def _break_if_stale(path: Path, stale_after: float) -> bool:
    """Remove the lock if its owner is gone; True when it was removed (or already gone)."""
    owner = _read(path)
    if owner is None:
        return True
    if not _is_stale(owner, path, stale_after):
        return False
    marker = path.with_name(path.name + ".break")
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        if _age(marker) > _BREAK_STALE_S:
            marker.unlink(missing_ok=True)
        return False
    try:
        if _read(path) == owner:  # still the owner judged stale, not a new holder
            path.unlink(missing_ok=True)
        return True
    finally:
        marker.unlink(missing_ok=True)


@contextmanager
def file_lock(path: str | Path, *, timeout: float = 30.0, stale_after: float = 300.0,
              poll: float = 0.01) -> Iterator[None]:
    """Hold the lock file ``path`` (exclusive, across processes) for the ``with`` block.

    Waits up to ``timeout`` seconds for another holder, then raises :class:`LockTimeout`.
    Not re-entrant: a process that takes a lock it already holds waits for itself.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    owner = f"{os.getpid()} {_HOST} {time.time():.3f} {uuid.uuid4().hex}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            if _break_if_stale(path, stale_after):
                continue
            if time.monotonic() > deadline:
                raise LockTimeout(f"{path.name} is held by another synth process (for over "
                                  f"{timeout:g} s); try again in a moment.") from None
            time.sleep(poll)
            continue
        try:
            os.write(fd, owner.encode("utf-8"))
        finally:
            os.close(fd)
        break
    try:
        yield
    finally:
        # Only our own: a lock broken as stale meanwhile (held too long) may be another's now.
        if _read(path) == owner:
            path.unlink(missing_ok=True)
