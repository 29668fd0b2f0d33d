"""Correcting who spoke: map each speaker label (S1, SPEAKER_02 ...) to a person on the roster."""

from __future__ import annotations

import streamlit as st

from synth import review
from synth.report import md_escape
from synth_app.common import engine, shown_errors
from synth_app.view import ConveningView

NOBODY = "(not on the roster)"


def speaker_editor(view: ConveningView, convening_id: int) -> None:
    """One row per speaker label; saving applies only the changed ones (each one audited)."""
    if not view.assigned:
        st.info("No speakers yet: they appear once recordings or transcripts are processed.")
        return
    if not view.roster:
        st.info("Add the roster in the Set-up tab first; then map each speaker to a person.")
        return
    st.write("Map each speaker the transcript found to a person on the roster. Breadth of "
             "support counts business leaders, so this changes the ranking.")
    choices = [NOBODY, *view.roster]
    with st.form("speakers"):
        picked = {}
        for label, current in view.assigned.items():
            picked[label] = st.selectbox(
                f"Speaker {md_escape(label)}", choices, key=f"speaker-{label}",
                index=choices.index(current) if current in choices else 0,
                help="Shown as: " + md_escape(view.speakers.get(label, label)))
        if st.form_submit_button("Save speakers"):
            changed = 0
            with shown_errors():
                for label, name in picked.items():
                    want = None if name == NOBODY else name
                    if want != view.assigned.get(label):
                        review.assign_speaker(engine(), convening_id, label, want,
                                              who="facilitator")
                        changed += 1
                st.session_state["_flash"] = ("success", f"Updated {changed} speaker(s).")
                st.rerun()
