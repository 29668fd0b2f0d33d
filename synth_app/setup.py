"""Facilitator set-up: a partnership and convening, its roster, and the recordings to process."""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from synth.convening import jobs
from synth.convening import setup as convening_setup
from synth.convening.report import md_escape
from synth.convening.setup import CONVENING_KINDS, ROLES
from synth.errors import InputError
from synth.records import Participant
from synth.settings import load as load_settings
from synth.text.notes import NOTE_EXTENSIONS
from synth_app.common import database_url, engine, shown_errors

log = logging.getLogger(__name__)

UPLOAD_TYPES = ["wav", "flac", "mp3", "m4a", "ogg", "opus", "webm", "mp4", "mkv", "mov", "aac",
                "txt", "vtt", "srt", "json"]
MODELS = {"base": "Whisper base (accurate)", "tiny.en": "Whisper tiny.en (fast)"}
# Where each stage of a job ends on its 0-1 progress: synth.convening.jobs.process gives the
# pipeline 0-0.9 and saving the rest; synth.convening.pipeline.synthesize gives transcription its
# first 60 % (statements, embeddings and themes the next 40 %).
REFUSED = "_refused_uploads"  # one message per refused file of the last batch
STAGES = (("Transcription", 0.9 * 0.6), ("Theme finding", 0.9), ("Saving", 1.0))


def new_convening_form(expanded: bool) -> None:
    """Create a partnership (industry + region) and a convening of it."""
    with st.expander("New convening", expanded=expanded), st.form("new-convening"):
        industry = st.text_input("Industry", placeholder="Manufacturing")
        region = st.text_input("Region", placeholder="Cascade Valley")
        title = st.text_input("Convening title", placeholder="Launch meeting")
        day = st.date_input("Date", value=dt.date.today())
        kind = st.selectbox("Kind", CONVENING_KINDS)
        if st.form_submit_button("Create convening"):
            with shown_errors():
                cid = convening_setup.create_convening(engine(), title=title,
                                                       industry=industry, region=region,
                                                       date=day, kind=kind)
                st.session_state["convening_id"] = cid
                st.rerun()


def roster_editor(convening_id: int) -> None:
    """Who is in the room: typed in, or loaded from a name,company,role CSV."""
    people = convening_setup.roster(engine(), convening_id)
    st.write("Who is in the room. Business leaders' voices rank the priorities; public partners "
             "are counted apart.")
    upload = st.file_uploader("Load a roster CSV (name, company, role)", type=["csv"],
                              key=f"roster-csv-{convening_id}")
    if upload is not None and st.button("Add the CSV's people", key="roster-csv-save"):
        from synth.text.roster import load_roster

        with shown_errors(), tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "roster.csv"
            path.write_bytes(upload.getvalue())
            n = convening_setup.save_roster(engine(), convening_id, load_roster(path))
            st.success(f"Saved {n} people.")
            people = convening_setup.roster(engine(), convening_id)
    frame = pd.DataFrame([{"name": p.name, "company": p.company or "", "role": p.role}
                          for p in people], columns=["name", "company", "role"])
    edited = st.data_editor(frame, num_rows="dynamic", key=f"roster-{convening_id}",
                            column_config={"role": st.column_config.SelectboxColumn(
                                "role", options=list(ROLES), required=True)},
                            width="stretch")
    if st.button("Save roster", key="roster-save"):
        rows = [r for r in edited.to_dict("records") if str(r.get("name") or "").strip()]
        with shown_errors():
            n = convening_setup.save_roster(engine(), convening_id, [
                Participant(str(r["name"]).strip(), str(r.get("company") or "").strip() or None,
                            r.get("role") or "business") for r in rows])
            st.success(f"Saved {n} people.")


def uploads(convening_id: int) -> None:
    """Upload recordings or transcripts and process them in the background."""
    st.write("Upload the convening's recordings (audio or video) or transcripts (.txt with "
             "`Name: words` lines, .vtt, .srt). Processing runs in the background: you can "
             "leave or refresh this page.")
    chosen = st.file_uploader("Recordings or transcripts", type=UPLOAD_TYPES,
                              accept_multiple_files=True, key=f"upload-{convening_id}")
    written = st.file_uploader(
        "What the room wrote (optional): flip-chart or sticky notes typed as .txt or .md (one "
        "note a line, '# title' per sheet, optional 'Table 2:' or 'Name:') or .csv (note, "
        "author, table, dots)", type=[x.lstrip(".") for x in NOTE_EXTENSIONS],
        accept_multiple_files=True, key=f"notes-{convening_id}")
    # The setting picks one of these two; any other model (a folder, a hub name) is the CLI's.
    default = load_settings().whisper_model
    model = st.selectbox("Transcription model", list(MODELS), format_func=MODELS.__getitem__,
                         index=list(MODELS).index(default) if default in MODELS else 0)
    if st.button("Process", type="primary", disabled=not chosen, key="process"):
        with shown_errors():
            _process(convening_id, chosen, model, written or [])
    for message in st.session_state.pop(REFUSED, []):
        st.error(md_escape(message))
    job_status(convening_id)


def _process(convening_id: int, chosen: list, model: str, written: list) -> None:
    """Process the files that can be; each refused one gets its own message (kept over the
    rerun that shows the new job), and the good ones of the batch still go through."""
    refused, good = [], []
    for f in chosen:
        try:
            # By the size Streamlit reports, before the bytes are copied; jobs checks again
            # (the same limit and message) for every other caller.
            jobs.check_upload_size(f.name, f.size)
        except InputError as exc:
            refused.append(str(exc))
        else:
            good.append(f)
    job = None
    if good:
        with st.spinner("Saving the upload..."):
            job, more = jobs.submit_each(database_url(), convening_id,
                                         [(f.name, f.getvalue()) for f in good], model=model,
                                         who="facilitator",
                                         notes=[(f.name, f.getvalue()) for f in written])
        refused += more
    log.info("upload: %d file(s) to process, %d refused",
             len(job.inputs) if job else 0, len(refused))
    st.session_state[REFUSED] = refused
    if job is not None:
        st.rerun()


@st.fragment(run_every=2)
def _poll(convening_id: int, was_active: tuple[str, ...]) -> None:
    """Redraw job progress every 2 s (starting queued jobs as slots free); redraw the whole
    page when a job finishes."""
    current = jobs.poll(database_url(), convening_id)
    if any(j.id in was_active and not j.active for j in current):
        st.rerun(scope="app")
    _show_jobs(current)


def job_status(convening_id: int) -> None:
    """Progress of this convening's processing jobs (read from their state files); queued
    jobs start here too when a slot is free (see synth.convening.jobs.poll)."""
    current = jobs.poll(database_url(), convening_id)
    active = tuple(j.id for j in current if j.active)
    if active:
        _poll(convening_id, active)
    else:
        _show_jobs(current)


def stages(job: jobs.Job) -> list[tuple[str, str]]:
    """(stage, how far) for upload, transcription, theme finding and saving of a job."""
    out = [("Upload", f"done, {_size(job)}")]
    start = 0.0
    for name, end in STAGES:
        # Whisper says "done" at the end of transcription; telling the voices apart comes
        # next and reports no progress of its own, so the stage stays open until it is over.
        diarizing = name == "Transcription" and job.message == "done"
        if job.status == "done" or job.progress > end or (job.progress >= end
                                                          and not diarizing):
            state = "done"
        elif job.progress > start or (start == 0.0 and job.status == "running"):
            part = (job.progress - start) / (end - start)
            state = (f"{part:.0%}, {job.message}" if not diarizing
                     else "words done; telling the speakers apart")
        else:
            state = "waiting"
        out.append((name, state))
        start = end
    return out


def _size(job: jobs.Job) -> str:
    total = 0
    for p in job.inputs:
        try:
            total += Path(p).stat().st_size
        except OSError:
            pass
    return f"{len(job.inputs)} file(s), {total / 1e6:.1f} MB"


def _show_jobs(current: list[jobs.Job]) -> None:
    for job in current[:5]:
        # File names are user input: escaped, as these messages render Markdown.
        names = md_escape(", ".join(Path(p).name for p in job.inputs))
        if job.status == "queued":
            # "queued, 2 ahead": jobs run one at a time (SYNTH_MAX_JOBS) in upload order.
            st.progress(0.0, text=f"{names}: {job.message}")
            st.caption("Waiting for the processing ahead of it to finish (one at a time, so "
                       "the machine is not overloaded); it starts by itself, even if you leave "
                       "this page.")
        elif job.active:
            st.progress(job.progress, text=f"{names}: {job.message} ({job.progress:.0%})")
            for name, state in stages(job):
                st.text(f"{name}: {state}")
        elif job.status == "done":
            r = job.report
            st.success(f"{names}: processed. {r.get('statements_added', 0)} new statements, "
                       f"{r.get('themes_new', 0)} new candidates, "
                       f"{r.get('themes_matched', 0)} kept.")
        else:
            st.error(f"{names}: {md_escape(_without_paths(job.error or 'failed', job))}")


def _without_paths(text: str, job: jobs.Job) -> str:
    """A job's error with its files named as the user named them, not by where synth keeps
    them: a message shows no folder of the server."""
    for p in sorted(job.inputs, key=len, reverse=True):
        text = text.replace(p, Path(p).name)
    root = str(jobs.files_dir(database_url()))
    return re.sub(re.escape(root) + r"[^\s:'\"]*", lambda m: Path(m.group()).name, text)
