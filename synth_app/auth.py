"""The staff passcode: chosen at set-up, kept only as a scrypt hash in a file beside the database.

Facilitator and staff pages need it; a voter's code opens only the ballot.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import time
from pathlib import Path

import streamlit as st

log = logging.getLogger(__name__)

MIN_LENGTH = 8
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
SIGNED_IN = "staff_signed_in"
_FAILS = "_passcode_failures"


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


def signed_in() -> bool:
    """True once this browser session entered the passcode."""
    return bool(st.session_state.get(SIGNED_IN))


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
                        st.session_state[SIGNED_IN] = True
                        st.rerun()
        return
    with st.form("sign-in"):
        passcode = st.text_input("Staff passcode", type="password")
        if st.form_submit_button("Sign in"):
            fails = st.session_state.get(_FAILS, 0)
            if fails >= 3:
                time.sleep(min(2 ** (fails - 3), 8))  # slows guessing; scrypt does the rest
            if verify_passcode(passcode, path.read_text(encoding="utf-8")):
                st.session_state[SIGNED_IN] = True
                st.session_state.pop(_FAILS, None)
                st.rerun()
            else:
                st.session_state[_FAILS] = fails + 1
                st.error("That passcode is not right.")
    st.caption("Here to vote? Open the personal link on your card, or choose Vote in the menu.")
