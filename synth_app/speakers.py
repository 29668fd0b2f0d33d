"""Correcting who spoke: hear each speaker label and read two of their sentences, then rename
a label, merge two labels of one person, and map each label (S1, SPEAKER_02, a name from a
transcript ...) to a person on the roster.

Every change is one audited, undoable review action (Undo on the Review tab takes it back).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from synth.convening.report import md_escape
from synth.decisions import review
from synth.decisions.review_view import ConveningView
from synth.decisions.speaker_samples import SpeakerSample, speaker_samples
from synth.themes.quotes import said_at
from synth_app.common import act, engine, files, plain, shown_errors

NOBODY = "(not on the roster)"


def speaker_editor(view: ConveningView, convening_id: int) -> None:
    """Who each label is now, then the three corrections."""
    if not view.assigned:
        st.info("No speakers yet: they appear once recordings or transcripts are processed "
                "in the Recordings tab.")
        return
    st.write("Correct who spoke. Breadth of support counts business leaders, so this changes "
             "the ranking.")
    said = {label: 0 for label in view.assigned}
    for s in view.statements.values():
        if s.label in said:
            said[s.label] += 1
    # A dataframe shows names as plain text, whatever the transcript called people.
    st.dataframe(pd.DataFrame({
        "label": list(said), "shown as": [view.speakers.get(k, k) for k in said],
        "roster person": [view.assigned.get(k) or "" for k in said],
        "same person as": [view.merged.get(k) or "" for k in said],
        "statements": list(said.values())}), hide_index=True, width="stretch")
    st.subheader("Who is who")
    who_is_who(view, convening_id)
    st.subheader("Map to the roster")
    roster_form(view, convening_id)
    st.subheader("Rename")
    rename_form(view, convening_id)
    st.subheader("Merge two speakers")
    merge_form(view, convening_id)


def who_is_who(view: ConveningView, convening_id: int) -> None:
    """Each label with two of its sentences and a few seconds of its voice, so a facilitator
    who was in the room can tell who S3 is before mapping it."""
    samples = speaker_samples(engine(), convening_id)
    st.caption("Two things each speaker said and a few seconds of their voice. A speaker "
               "mapped to a facilitator is taken out of the candidates (Undo puts them back).")
    for label in view.assigned:
        sample = samples.get(label)
        with st.container(border=True, key=f"who-{label}"):
            plain(_who_line(view, label))
            if sample is None:
                st.caption("No statements.")
                continue
            for start, line, text in sample.sentences:
                plain(f"{said_at(start, line)}  \u201c{text}\u201d")
            _voice(sample)


ROLE_NAMES = {"business": "business leader", "public": "public partner",
              "facilitator": "facilitator"}


def _who_line(view: ConveningView, label: str) -> str:
    """'S3: Tom Reyes, Reyes Precision Machining (business leader)', or the label alone."""
    who = view.who.get(label)
    if who is None or who.participant_id is None:
        shown = view.speakers.get(label, label)
        return label if shown == label else f"{label}: {shown} (not on the roster)"
    company = f", {who.company}" if who.company else ""
    return f"{label}: {who.name}{company} ({ROLE_NAMES.get(who.role, who.role)})"


def _voice(sample: SpeakerSample) -> None:
    from synth.convening.jobs import media_path

    path = media_path(files(), sample.recording_id) if sample.recording_id else None
    if path is None:
        return  # a typed transcript, or a recording the app no longer keeps
    try:
        clip = _clip(str(path), sample.start, sample.end)
    except Exception:  # noqa: BLE001 - a clip that will not decode must not hide the page
        st.caption("This recording cannot be played here.")
        return
    if clip.size:
        st.audio(clip, sample_rate=16000)


@st.cache_data(show_spinner=False, max_entries=512)
def _clip(path: str, start: float, end: float) -> np.ndarray:
    from synth.audio.ingest import decode_clip

    return decode_clip(path, start, end)


def roster_form(view: ConveningView, convening_id: int) -> None:
    """One row per speaker label; saving applies only the changed ones (each one audited)."""
    if not view.roster:
        st.info("Add the roster in the Roster tab first; then map each speaker to a person.")
        return
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


def rename_form(view: ConveningView, convening_id: int) -> None:
    """Give a label the name of the person (a roster name also maps the label to them)."""
    labels = list(view.assigned)
    st.caption("For someone not on the roster. A speaker mapped to a roster person shows as "
               "that person; typing a roster name here maps the speaker to them.")
    left, mid, right = st.columns([2, 3, 1], vertical_alignment="bottom")
    label = left.selectbox("Speaker", labels, key="speaker-rename-pick",
                           format_func=lambda k: _describe(view, k))
    mid.text_input("Their name", key="speaker-rename-name", placeholder="e.g. Linda Park")
    right.button("Rename", key="speaker-rename", on_click=_rename, args=(convening_id, label))


def _rename(convening_id: int, label: str) -> None:
    name = st.session_state.get("speaker-rename-name", "")
    act(f"Speaker {label} is now {' '.join(name.split())}.", review.rename_speaker, engine(),
        convening_id, label, name, who="facilitator")
    if st.session_state["_flash"][0] == "success":
        st.session_state["speaker-rename-name"] = ""


def merge_form(view: ConveningView, convening_id: int) -> None:
    """Two labels of one person (diarization split a voice): the second counts as the first."""
    labels = list(view.assigned)
    if len(labels) < 2:
        st.info("Only one speaker: nothing to merge.")
        return
    left, mid, right = st.columns([3, 3, 1], vertical_alignment="bottom")
    other = left.selectbox("This speaker", labels, key="speaker-merge-other",
                           format_func=lambda k: _describe(view, k))
    keep = mid.selectbox("is the same person as", [k for k in labels if k != other],
                         key="speaker-merge-keep", format_func=lambda k: _describe(view, k))
    right.button("Merge", key="speaker-merge", disabled=keep is None, on_click=act,
                 args=(f"Speaker {other} now counts as {keep}.", review.merge_speakers,
                       engine(), convening_id, keep, other), kwargs={"who": "facilitator"})


def _describe(view: ConveningView, label: str) -> str:
    shown = view.speakers.get(label, label)
    return label if shown == label else f"{label} ({shown})"
