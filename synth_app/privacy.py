"""Privacy on the facilitator page: delete a recording, withdraw a participant's words.

Both are final (undo stops at them), so each asks for a confirmation first: the first button
only arms it, and the action runs on "Yes, ..." (see :mod:`synth.decisions.privacy`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from synth.decisions import privacy
from synth.decisions.review_view import ConveningView, Said
from synth_app.common import act, act_at, clock, engine, files, plain, show_flash

PENDING_DELETE = "privacy-delete-pending"
PENDING_WITHDRAW = "privacy-withdraw-pending"
WITHDRAW_ANY = "withdraw-any"  # where the outcome of withdrawing chosen statements shows


def _cache_dir() -> Path:
    from synth import settings

    return settings.load().cache_dir


def _arm(key: str, value: object) -> None:
    st.session_state[key] = value


def _disarm(key: str) -> None:
    st.session_state.pop(key, None)


# --- withdraw ---------------------------------------------------------------------------------


def _withdraw(convening_id: int, statement_ids: list[str], place: object) -> None:
    _disarm(PENDING_WITHDRAW)
    st.session_state["withdraw-pick"] = []  # the withdrawn ones are no longer choices
    n = len(statement_ids)
    act_at(place, f"Withdrew {n} statement{'s' * (n > 1)}: the words are erased and shown "
                  "nowhere.", privacy.withdraw, engine(), convening_id, statement_ids,
           who="facilitator", cache_dir=_cache_dir())


def _confirm_withdraw(convening_id: int, statement_ids: list[str], key: str,
                      place: object) -> None:
    st.warning("Withdraw for good? The words are erased from the database and leave every "
               "theme, the map, search and every export. This cannot be undone.")
    yes, no = st.columns(2)
    yes.button("Yes, withdraw", key=f"{key}-confirm", type="primary", on_click=_withdraw,
               args=(convening_id, statement_ids, place))
    no.button("Cancel", key=f"{key}-cancel", on_click=_disarm, args=(PENDING_WITHDRAW,))


def withdraw_quote(said: Said, convening_id: int, place: object) -> None:
    """A withdraw action next to a quote, with its confirmation; its outcome shows where
    ``show_flash(place)`` is drawn (the quote is gone then: where it was)."""
    key = f"withdraw-{said.id}"
    if st.session_state.get(PENDING_WITHDRAW) == [said.id]:
        _confirm_withdraw(convening_id, [said.id], key, place)
    else:
        st.button("Withdraw this quote", key=key, on_click=_arm,
                  args=(PENDING_WITHDRAW, [said.id]),
                  help="The speaker takes these words back: they are erased and shown nowhere.")


def withdraw_any(view: ConveningView, convening_id: int) -> None:
    """Withdraw any statements, found by their words (not only the quotes on the cards)."""
    said = sorted(view.statements.values(), key=lambda x: (x.recording_id, x.start))
    picked = st.multiselect("Withdraw a participant's words", [x.id for x in said],
                            key="withdraw-pick", placeholder="Type words to find statements",
                            format_func=lambda sid: f"{view.statements[sid].where} "
                                                    f"{view.statements[sid].speaker}: "
                                                    f"{view.statements[sid].text[:90]}")
    pending = st.session_state.get(PENDING_WITHDRAW)
    if picked and pending == picked:
        _confirm_withdraw(convening_id, list(picked), "withdraw-picked", WITHDRAW_ANY)
    else:
        st.button("Withdraw the chosen statements", key="withdraw-picked", disabled=not picked,
                  on_click=_arm, args=(PENDING_WITHDRAW, list(picked)))
    show_flash(WITHDRAW_ANY)


# --- delete a recording -----------------------------------------------------------------------


def _delete(convening_id: int, recording_id: str, name: str) -> None:
    _disarm(PENDING_DELETE)
    act(f"Deleted the recording {name} and everything made from it.",
        privacy.delete_recording, engine(), convening_id, recording_id, who="facilitator",
        files_root=files(), cache_dir=_cache_dir())


def recordings_panel(view: ConveningView, convening_id: int) -> None:
    """The convening's recordings, each deletable with everything derived from it."""
    rows = privacy.list_recordings(engine(), convening_id)
    st.subheader("Recordings in this convening")
    if not rows:
        st.text("No recordings yet.")
    else:
        st.dataframe(pd.DataFrame({
            "recording": [r.name for r in rows], "id": [r.id for r in rows],
            "kept statements": [r.statements - r.withdrawn for r in rows],
            "length": [clock(r.duration) if r.duration is not None else "" for r in rows]}),
            hide_index=True, width="stretch")
        names = {r.id: f"{r.name} ({r.id})" for r in rows}
        chosen = st.selectbox("Recording to delete", list(names), format_func=names.__getitem__,
                              key="delete-pick")
        if st.session_state.get(PENDING_DELETE) == chosen:
            plain(f"Delete {names[chosen]}?")
            st.warning("This deletes the recording and everything made from it: its audio and "
                       "uploaded file, its transcript, its statements and their place in "
                       "themes (a candidate left empty goes), and its words from every "
                       "later export. This cannot be undone.")
            yes, no = st.columns(2)
            yes.button("Yes, delete it for good", key="delete-confirm", type="primary",
                       on_click=_delete, args=(convening_id, chosen,
                                               names[chosen].rsplit(" (", 1)[0]))
            no.button("Cancel", key="delete-cancel", on_click=_disarm, args=(PENDING_DELETE,))
        else:
            st.button("Delete this recording...", key="delete-recording", on_click=_arm,
                      args=(PENDING_DELETE, chosen))
    if view.statements:
        withdraw_any(view, convening_id)
