"""The staff passcode: chosen at set-up, kept only as a scrypt hash in a file beside the database.

Facilitator and staff pages need it; a voter's code opens only the ballot.

Signing in survives a page reload: it makes a random session token that lives in the page's
address (``?session=...``) and, on the server, only as its sha256 with an expiry (``sessions``
beside the passcode). Signing out revokes it; an expired or revoked token signs nobody in.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

log = logging.getLogger(__name__)

MIN_LENGTH = 8
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
SIGNED_IN = "staff_signed_in"  # holds this browser session's token
_FAILS = "_passcode_failures"
PARAM = "session"  # the query parameter that carries the token across reloads
SESSION_HOURS = float(os.environ.get("SYNTH_SESSION_HOURS", "12"))


def passcode_file(folder: Path) -> Path:
    """Where the hash lives."""
    return folder / "passcode"


def hash_passcode(passcode: str, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64) for a passcode."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(passcode.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return (f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}$"
            f"{b64(salt).decode()}${b64(digest).decode()}")


def verify_passcode(passcode: str, stored: str) -> bool:
    """True when ``passcode`` matches the stored hash (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.strip().split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(passcode.encode("utf-8"), salt=base64.b64decode(salt), dklen=32,
                             n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def set_passcode(folder: Path, passcode: str) -> None:
    """Store a new passcode's hash (readable by this user only)."""
    if len(passcode) < MIN_LENGTH:
        raise ValueError(f"choose a passcode of at least {MIN_LENGTH} characters.")
    path = passcode_file(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".passcode.tmp")
    tmp.write_text(hash_passcode(passcode) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    log.info("staff passcode set in %s", path)


# --- sign-in sessions ---------------------------------------------------------------------


def sessions_file(folder: Path) -> Path:
    """Where the hashes of live session tokens and their expiry times are kept."""
    return folder / "sessions"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@contextmanager
def _sessions(folder: Path, write: bool) -> Iterator[dict[str, float]]:
    """The live sessions (hash -> expiry), locked; written back (expired ones dropped)."""
    path = sessions_file(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(".sessions.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            live = {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}
        except (OSError, ValueError, TypeError):
            live = {}
        yield live
        if write:
            now = time.time()
            tmp = path.with_name(".sessions.tmp")
            tmp.write_text(json.dumps({k: v for k, v in live.items() if v > now}),
                           encoding="utf-8")
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)


def start_session(folder: Path, hours: float | None = None) -> str:
    """A new random session token; only its hash is stored, with its expiry."""
    token = secrets.token_urlsafe(32)
    with _sessions(folder, write=True) as live:
        live[_token_hash(token)] = time.time() + 3600 * (SESSION_HOURS if hours is None else hours)
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
            fails = st.session_state.get(_FAILS, 0)
            if fails >= 3:
                time.sleep(min(2 ** (fails - 3), 8))  # slows guessing; scrypt does the rest
            if verify_passcode(passcode, path.read_text(encoding="utf-8")):
                st.session_state.pop(_FAILS, None)
                _sign_in(folder)
                st.rerun()
            else:
                st.session_state[_FAILS] = fails + 1
                st.error("That passcode is not right.")
    st.caption("Here to vote? Open the personal link on your card, or choose Vote in the menu.")
