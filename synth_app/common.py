"""What every page shares: the database, the app's files, plain-text output and error display.

Participant text (quotes, names, labels) reaches the page only through :func:`plain` or
widgets that show text as text (``st.text``, dataframes, widget labels of our own); never
``st.markdown`` or HTML, so a quote reads exactly as it was said.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import streamlit as st
from sqlalchemy import Engine

from synth import settings
from synth.convening.report import md_escape
from synth.errors import SynthError

log = logging.getLogger(__name__)

FLASH = "_flash"


def database_url() -> str:
    """The database the app works on (``SYNTH_DATABASE_URL`` or the user's data dir)."""
    return settings.load().database_url


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    from synth.convening.setup import open_store

    return open_store(url)


def engine() -> Engine:
    """The app's engine, made and migrated once per server process and database."""
    return _engine(database_url())


def files() -> Path:
    """The folder beside the database for jobs, recordings and the passcode."""
    from synth.convening.jobs import files_dir

    return files_dir(database_url())


def plain(text: object) -> None:
    """Show participant (or any untrusted) text exactly as it is: never markup."""
    st.text(str(text))


def clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a time in a recording."""
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@contextmanager
def shown_errors() -> Iterator[None]:
    """Show a user error as a plain message instead of a traceback."""
    try:
        yield
    except SynthError as exc:
        log.info("shown to the user: %s", exc)
        st.error(md_escape(str(exc)))


def act(message: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run a review or vote action from a widget callback; the outcome shows on the next run.

    Callbacks run before the page is drawn again, so the page always shows the state after
    the action. The outcome shows at the top of the page (see :func:`act_at` to show it by
    the button).
    """
    act_at(None, message, fn, *args, **kwargs)


def act_at(where: object, message: str, fn: Callable[..., Any], *args: Any,
           **kwargs: Any) -> None:
    """:func:`act`, with the outcome shown where ``show_flash(where)`` is drawn: next to the
    button that was clicked, not at the top of a long page the user has scrolled down."""
    try:
        fn(*args, **kwargs)
    except SynthError as exc:
        st.session_state[FLASH] = ("error", str(exc), where)
    else:
        st.session_state[FLASH] = ("success", message, where)


def flash_place() -> object:
    """Where the waiting outcome is to be shown (None: at the top, or no outcome waits)."""
    flash = st.session_state.get(FLASH)
    return flash[2] if flash and len(flash) > 2 else None


def show_flash(where: object = None) -> None:
    """The outcome of the last action, once, if it belongs at ``where`` (None: the top)."""
    if FLASH not in st.session_state or flash_place() != where:
        return
    kind, message = st.session_state.pop(FLASH)[:2]
    # Messages may quote labels or names (user text), and these elements render Markdown.
    if kind == "error":
        st.error(md_escape(message))
    elif kind == "success":
        st.success(md_escape(message))


def pick_convening(key: str = "convening") -> int | None:
    """A convening chosen from the database (remembered across pages), or None if none yet."""
    from synth.convening.setup import convenings

    rows = convenings(engine())
    if not rows:
        return None
    ids = [r[0] for r in rows]
    names = dict(rows)
    current = st.session_state.get("convening_id")
    index = ids.index(current) if current in ids else 0
    chosen = st.selectbox("Convening", ids, index=index, format_func=names.__getitem__, key=key)
    st.session_state["convening_id"] = chosen
    return chosen


def require_staff() -> None:
    """Stop the page unless this session signed in with the staff passcode."""
    from synth_app.auth import signed_in

    if not signed_in():
        st.warning("Sign in with the staff passcode to see this page.")
        st.stop()
