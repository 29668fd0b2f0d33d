"""Staff page: run the vote (codes, open, close), see the ranked result and champions, export."""

from __future__ import annotations

import logging
import os

import altair as alt
import pandas as pd
import streamlit as st

from synth import ballots, export
from synth.export import FORMATS
from synth.voter_codes import ballot_link, format_code
from synth.voting import BallotRules
from synth_app.common import (
    FLASH,
    act,
    engine,
    pick_convening,
    require_staff,
    show_flash,
    shown_errors,
)

log = logging.getLogger(__name__)

EXTENSIONS = {"csv": "csv", "json": "json", "md": "md", "email": "txt", "xlsx": "xlsx",
              "docx": "docx"}
MIME = {"csv": "text/csv", "json": "application/json", "md": "text/markdown",
        "email": "text/plain",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
NAMES = {"csv": "CSV", "json": "JSON", "md": "Markdown report", "email": "Follow-up email",
         "xlsx": "Excel (XLSX)", "docx": "Word (DOCX)"}
CODES = "_issued_codes"


def _base_url() -> str:
    """Where voters open the app: ``SYNTH_PUBLIC_URL`` when served to the room."""
    return os.environ.get("SYNTH_PUBLIC_URL", "http://127.0.0.1:8501/")


def render() -> None:
    """Draw the page."""
    st.set_page_config(page_title="synth: vote and results", layout="wide")
    require_staff()
    st.title("Vote and results")
    show_flash()
    with shown_errors():
        convening_id = pick_convening(key="results-convening")
        if convening_id is None:
            st.info("No convening yet: create one on the Review page and process its "
                    "recordings first.")
            return
        info = ballots.vote_info(engine(), convening_id)
        run_vote(convening_id, info)
        codes(convening_id, info)
        if info.status != "draft":
            results(convening_id, info.rules.ask_importance_feasibility)
            exports(convening_id)



def run_vote(convening_id: int, info: ballots.VoteInfo) -> None:
    """Open the vote with its rules, or close it."""
    st.subheader("The vote")
    if info.status == "draft":
        st.write("Voting is not open yet. Confirm priorities on the Review page; opening the "
                 "vote puts the confirmed ones on the ballot.")
        rules = info.rules
        a, b = st.columns(2)
        dots = a.number_input("Dots per voter", min_value=1, max_value=20,
                              value=rules.dots_per_voter, key="rules-dots")
        cap = b.number_input("At most on one priority", min_value=1, max_value=20,
                             value=rules.max_per_priority, key="rules-cap")
        scores = st.checkbox("Also ask each voter to score importance and feasibility (1-5)",
                             value=rules.ask_importance_feasibility, key="rules-scores")
        st.button("Open voting", type="primary", key="open-vote", on_click=_open,
                  args=(convening_id, int(dots), int(cap), bool(scores)))
    elif info.status == "open":
        st.text(f"Voting is open on {len(info.priorities)} priorities: {info.ballots_cast} "
                f"ballot(s) cast, {info.codes_issued} code(s) issued.")
        st.button("Close voting", key="close-vote", on_click=act,
                  args=("Voting closed: the results are final.", ballots.close_vote, engine(),
                        convening_id))
    else:
        st.text(f"Voting is closed: {info.ballots_cast} ballot(s) cast.")


def _open(convening_id: int, dots: int, cap: int, scores: bool = False) -> None:
    def opening() -> None:
        ballots.open_vote(engine(), convening_id,
                          BallotRules(dots_per_voter=dots, max_per_priority=cap,
                                      ask_importance_feasibility=scores))

    act("Voting is open.", opening)


def codes(convening_id: int, info: ballots.VoteInfo) -> None:
    """Hand out personal codes: shown once, here, to print or send; only hashes are kept."""
    if info.status == "closed":
        return
    with st.expander("Voter codes", expanded=True):
        st.write("Each person on the roster who may vote gets a personal code and link. Codes "
                 "are shown only once: download the list now. Issuing again only adds people "
                 "who have no code yet.")
        st.button("Issue codes", key="issue-codes", on_click=_issue, args=(convening_id,))
        issued = st.session_state.get(CODES) or []
        if issued:
            frame = pd.DataFrame({"name": [n for n, _ in issued],
                                  "code": [format_code(c) for _, c in issued],
                                  "link": [ballot_link(_base_url(), c) for _, c in issued]})
            st.dataframe(frame, hide_index=True, width="stretch")
            st.download_button("Download codes (CSV)", codes_file(issued, _base_url()),
                               file_name="voter-codes.csv", mime="text/csv",
                               key="codes-download")


def codes_file(issued: list[tuple[str, str]], base_url: str) -> bytes:
    """The issued codes as CSV (name, code, personal link), neutralised like every export:
    roster names are typed in by people and must not run as formulas in a spreadsheet."""
    return export.csv_file(("name", "code", "link"),
                           [(name, format_code(code), ballot_link(base_url, code))
                            for name, code in issued])


def _issue(convening_id: int) -> None:
    def issuing() -> None:
        st.session_state[CODES] = ballots.issue_codes(engine(), convening_id)

    act("Codes issued: download the list now, they are not shown again.", issuing)
    if st.session_state.get(CODES) == []:
        st.session_state[FLASH] = ("success", "Everyone on the roster already has a code (add "
                                   "people to the roster on the Review page to issue more).")


def results(convening_id: int, scored: bool = False) -> None:
    """The ranked tally, the mean importance and feasibility scores if asked, the task teams."""
    rows = ballots.results(engine(), convening_id)
    st.subheader("Result")
    if not rows or not any(r.dots for r in rows):
        st.info("No dots yet. Share the codes; results appear here as ballots come in.")
    if rows:
        frame = pd.DataFrame({"priority": [f"{r.rank}. {r.label}" for r in rows],
                              "dots": [r.dots for r in rows],
                              "voters": [r.voters for r in rows]})
        chart = alt.Chart(frame).mark_bar().encode(
            x=alt.X("dots:Q", title="business leaders' dots"),
            y=alt.Y("priority:N", sort=None, title=None), tooltip=["priority", "dots", "voters"])
        st.altair_chart(chart, width="stretch")
        if scored:
            score_table(rows)
    rosters = ballots.champion_rosters(engine(), convening_id)
    labels = {r.priority_id: r.label for r in rows}
    st.subheader("Champions and task teams")
    st.dataframe(pd.DataFrame({
        "priority": [labels.get(r.priority_id, r.priority_id) for r in rosters],
        "champions": ["; ".join(r.champions) or "champion needed" for r in rosters],
        "members": ["; ".join(r.members) for r in rosters]}), hide_index=True, width="stretch")


def _mean(value: float | None) -> str:
    return "not scored" if value is None else f"{value:.1f}"


def score_table(rows: list) -> None:
    """Mean importance and feasibility of each priority (1-5), beside its dots."""
    st.subheader("Importance and feasibility")
    if not any(r.importance_mean is not None or r.feasibility_mean is not None for r in rows):
        st.info("No scores yet: voters score each priority from 1 to 5 on their ballot; the "
                "means appear here.")
        return
    st.dataframe(pd.DataFrame({
        "priority": [f"{r.rank}. {r.label}" for r in rows],
        "dots": [r.dots for r in rows],
        "mean importance (1-5)": [_mean(r.importance_mean) for r in rows],
        "mean feasibility (1-5)": [_mean(r.feasibility_mean) for r in rows]}),
        hide_index=True, width="stretch")


def exports(convening_id: int) -> None:
    """One download button per export format."""
    st.subheader("Exports")
    files = export_files(ballots.priority_report(engine(), convening_id))
    for column, (fmt, name, data, mime) in zip(st.columns(len(files)), files, strict=True):
        column.download_button(NAMES.get(fmt, fmt), data, file_name=name, mime=mime,
                               key=f"export-{fmt}")


def export_files(report: export.PriorityReport) -> list[tuple[str, str, bytes, str]]:
    """(format, file name, bytes, MIME type) of every export format."""
    out = []
    for fmt in FORMATS:
        data = export.render(report, fmt)
        out.append((fmt, f"priorities.{EXTENSIONS.get(fmt, fmt)}",
                    data if isinstance(data, bytes) else data.encode("utf-8"),
                    MIME.get(fmt, "application/octet-stream")))
    return out
