"""The staff passcode: chosen at set-up, kept only as a scrypt hash in a file beside the database.

Facilitator and staff pages need it; a voter's code opens only the ballot.

Signing in survives a page reload: it makes a random session token that lives in the page's
address (``?session=...``) and, on the server, only as its sha256 with an expiry (``sessions``
beside the passcode). Signing out revokes it; an expired or revoked token signs nobody in.

Wrong passcodes are counted on the server (``passcode-failures`` beside the hash), not in the
browser session, so a new tab, a new browser or a restarted app does not start the count again.
After a few wrong ones in a row each try waits before it is checked, doubling up to
:data:`DELAY_CAP_S`: a slow-down for someone guessing, never a lock-out they could use against
the facilitator (the right passcode always signs in after at most that wait, and clears the
count).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import streamlit as st

from synth.decisions.secret_hash import hash_secret, verify_secret
from synth.files import atomic_write_text
from synth.locks import file_lock
from synth.settings import load as load_settings

log = logging.getLogger(__name__)

MIN_LENGTH = 8
SIGNED_IN = "staff_signed_in"  # holds this browser session's token
PARAM = "session"  # the query parameter that carries the token across reloads
FREE_TRIES = 3  # wrong passcodes in a row before tries wait (typos happen)
DELAY_BASE_S = 1.0  # the first wait; it doubles with each further wrong passcode...
DELAY_CAP_S = 8.0  # ...up to this: a slow-down, not a lock-out
FORGET_AFTER_S = 3600.0  # a wrong passcode this long ago no longer counts
# How the sign-in waits and tells the time; tests swap these to measure the wait without it.
_sleep: Callable[[float], None] = time.sleep
_clock: Callable[[], float] = time.time  # wall-clock time: the count outlives a restart


def passcode_file(folder: Path) -> Path:
    """Where the hash lives."""
    return folder / "passcode"


def set_passcode(folder: Path, passcode: str) -> None:
    """Store a new passcode's hash (readable by this user only)."""
    if len(passcode) < MIN_LENGTH:
        raise ValueError(f"choose a passcode of at least {MIN_LENGTH} characters.")
    path = passcode_file(folder)
    atomic_write_text(path, hash_secret(passcode) + "\n", mode=0o600)
    log.info("staff passcode set in %s", path)


# --- sign-in sessions ---------------------------------------------------------------------


def sessions_file(folder: Path) -> Path:
    """Where the hashes of live session tokens and their expiry times are kept."""
    return folder / "sessions"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@contextmanager
def _locked_json(path: Path, write: bool, read: Callable[[object], dict[str, float]],
                 default: Callable[[], dict[str, float]],
                 dump: Callable[[dict[str, float]], object] = lambda d: d,
                 ) -> Iterator[dict[str, float]]:
    """A small JSON state file beside the passcode. With ``write``, read, changed and replaced
    atomically (readable by this user only) under a lock file (:func:`synth.locks.file_lock`,
    portable, no ``fcntl``), so two writers never lose each other's change; without, read as
    it is (a reader sees the old file or the new one, never half of one). A missing or
    damaged file reads as ``default()``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = file_lock(path.with_name(f".{path.name}.lock")) if write else nullcontext()
    with lock:
        try:
            state = read(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError):
            state = default()
        yield state
        if write:
            atomic_write_text(path, json.dumps(dump(state)), mode=0o600)


def _read_sessions(data: object) -> dict[str, float]:
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _sessions(folder: Path, write: bool) -> AbstractContextManager[dict[str, float]]:
    """The live sessions (hash -> expiry), locked; written back (expired ones dropped)."""
    return _locked_json(sessions_file(folder), write, _read_sessions, dict,
                        lambda live: {k: v for k, v in live.items() if v > time.time()})


def start_session(folder: Path, hours: float | None = None) -> str:
    """A new random session token; only its hash is stored, with its expiry."""
    token = secrets.token_urlsafe(32)
    hours = load_settings().session_hours if hours is None else hours
    with _sessions(folder, write=True) as live:
        live[_token_hash(token)] = time.time() + 3600 * hours
    return token


def session_valid(folder: Path, token: str | None) -> bool:
    """True for a token that was issued here, is not revoked and has not expired."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return False
    with _sessions(folder, write=False) as live:
        expires = live.get(_token_hash(token))
    return expires is not None and expires > time.time()


def end_session(folder: Path, token: str | None) -> None:
    """Revoke a token (signing out): it no longer signs anyone in, here or in another tab."""
    if token:
        with _sessions(folder, write=True) as live:
            live.pop(_token_hash(token), None)


# --- slowing down wrong passcodes ------------------------------------------------------------


def failures_file(folder: Path) -> Path:
    """Where the count of wrong passcodes in a row is kept (beside the hash)."""
    return folder / "passcode-failures"


def passcode_delay(failures: int) -> float:
    """Seconds a try waits after ``failures`` wrong passcodes in a row.

    None for the first :data:`FREE_TRIES`, then 1, 2, 4... seconds, never more than
    :data:`DELAY_CAP_S`. The same doubling as wrong voter codes
    (synth.decisions.voter_codes.Throttle), but capped at seconds, not minutes, and spent waiting
    rather than refusing: there is one passcode for all staff, so a block would let anyone who can
    reach the page keep the facilitator out.
    """
    over = failures - FREE_TRIES
    if over < 0:
        return 0.0
    return min(DELAY_CAP_S, DELAY_BASE_S * 2.0 ** min(over, 30))


def _read_failures(data: object) -> dict[str, float]:
    if not isinstance(data, dict):
        raise TypeError("not a JSON object")
    return {"failures": max(0, int(data["failures"])), "last": float(data["last"])}


def _failures(folder: Path, write: bool) -> AbstractContextManager[dict[str, float]]:
    """The count of wrong passcodes and the time of the last one, locked; written back."""
    return _locked_json(failures_file(folder), write, _read_failures,
                        lambda: {"failures": 0, "last": 0.0})


def failure_count(folder: Path, clock: Callable[[], float] | None = None) -> int:
    """Wrong passcodes in a row so far (forgotten :data:`FORGET_AFTER_S` after the last)."""
    now = (clock or _clock)()
    with _failures(folder, write=False) as state:
        return int(state["failures"]) if now - state["last"] <= FORGET_AFTER_S else 0


def check_passcode(folder: Path, passcode: str, *, sleep: Callable[[float], None] | None = None,
                   clock: Callable[[], float] | None = None) -> bool:
    """Whether ``passcode`` is the staff passcode, after the wait that wrong ones earned.

    The try is counted before the wait and the check (and the count cleared if it is right),
    so tries made at once from several browser sessions each wait for the ones before them.
    """
    now = (clock or _clock)()
    with _failures(folder, write=True) as state:
        before = int(state["failures"]) if now - state["last"] <= FORGET_AFTER_S else 0
        state["failures"], state["last"] = before + 1, now
    delay = passcode_delay(before)
    if delay:
        log.info("%d wrong staff passcodes in a row: waiting %.0f s before checking", before,
                 delay)
        (sleep or _sleep)(delay)  # scrypt does the rest
    if verify_secret(passcode, passcode_file(folder).read_text(encoding="utf-8")):
        with _failures(folder, write=True) as state:
            state["failures"], state["last"] = 0, now
        return True
    log.info("a wrong staff passcode was typed")
    return False


def _sign_in(folder: Path) -> None:
    token = start_session(folder)
    st.session_state[SIGNED_IN] = token
    st.query_params[PARAM] = token
    log.info("staff signed in")


def restore(folder: Path) -> bool:
    """Whether this browser session is signed in, from its state or from the page's address.

    Checked on every run, so a token revoked in another tab or expired ends this session too.
    The token is put back in the address after each run (page changes may drop it), so a
    reload keeps the facilitator signed in.
    """
    token = st.session_state.get(SIGNED_IN)
    if not isinstance(token, str):
        token = st.query_params.get(PARAM)
    if session_valid(folder, token):
        st.session_state[SIGNED_IN] = token
        if st.query_params.get(PARAM) != token:
            st.query_params[PARAM] = token
        return True
    st.session_state.pop(SIGNED_IN, None)
    if PARAM in st.query_params:
        del st.query_params[PARAM]
    return False


def sign_out(folder: Path) -> None:
    """End this browser session's sign-in and revoke its token."""
    end_session(folder, st.session_state.pop(SIGNED_IN, None))
    if PARAM in st.query_params:
        del st.query_params[PARAM]
    log.info("staff signed out")


def signed_in() -> bool:
    """True while this browser session holds a live session token (see :func:`restore`)."""
    return isinstance(st.session_state.get(SIGNED_IN), str)


def sign_in_page(folder: Path) -> None:
    """Set-up (choose the passcode) on first use, else sign in."""
    st.title("synth: staff sign-in")
    path = passcode_file(folder)
    if not path.exists():
        st.write("First use: choose the staff passcode. Facilitators and staff will need it; "
                 "voters never do (they get their own codes).")
        with st.form("setup"):
            first = st.text_input("New passcode", type="password")
            second = st.text_input("Repeat it", type="password")
            if st.form_submit_button("Set passcode"):
                if first != second:
                    st.error("The two passcodes differ; type them again.")
                else:
                    try:
                        set_passcode(folder, first)
                    except ValueError as exc:
                        st.error(str(exc))
                    else:
                        _sign_in(folder)
                        st.rerun()
        return
    with st.form("sign-in"):
        passcode = st.text_input("Staff passcode", type="password")
        if st.form_submit_button("Sign in"):
            if check_passcode(folder, passcode):
                _sign_in(folder)
                st.rerun()
            else:
                st.error("That passcode is not right.")
                wait = passcode_delay(failure_count(folder))
                if wait:
                    unit = "second" if wait == 1 else "seconds"
                    st.caption(f"Several wrong passcodes were typed recently, so the next try "
                               f"waits {wait:g} {unit} before it is checked (at most "
                               f"{DELAY_CAP_S:g}; the right passcode clears this).")
    st.caption("Here to vote? Open the personal link on your card, or choose Vote in the menu.")
