"""Staff page: run the vote (codes, open, close), see the ranked result and champions, export."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from synth.convening.report import md_escape
from synth.decisions import ballots, notes
from synth.decisions.voter_codes import ballot_link, cards_html, format_code
from synth.decisions.voting import BallotRules
from synth.export import render as export
from synth.export.records import PriorityReport
from synth.export.render import FORMATS
from synth.export.results import priority_report
from synth.export.text import csv_file
from synth_app import links
from synth_app.charts import count_bars
from synth_app.common import (
    FLASH,
    act,
    engine,
    files,
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


def render() -> None:
    """Draw the page."""
    st.set_page_config(page_title="synth: vote and results", layout="wide")
    require_staff()
    st.title("Vote and results")
    with st.container():  # one place whether or not a message waits: what follows keeps its
        show_flash()      # place, so a rerun never leaves a stale copy of it (a 2nd "Exports")
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
        base = voter_address()
        st.write("Each person on the roster who may vote gets a personal code and link. Codes "
                 "are shown only once: download the list or the cards now. Issuing again only "
                 "adds people who have no code yet.")
        st.button("Issue codes", key="issue-codes", on_click=_issue, args=(convening_id,))
        issued = st.session_state.get(CODES) or []
        if issued:
            cards = [(name, code, ballot_link(base, code)) for name, code in issued]
            frame = pd.DataFrame({"name": [n for n, _, _ in cards],
                                  "code": [format_code(c) for _, c, _ in cards],
                                  "link": [link for _, _, link in cards]})
            st.dataframe(frame, hide_index=True, width="stretch")
            left, right = st.columns(2)
            # A download changes nothing on the page: no rerun ("ignore").
            left.download_button("Download codes (CSV)", codes_file(issued, base),
                                 file_name="voter-codes.csv", mime="text/csv",
                                 key="codes-download", on_click="ignore")
            right.download_button("Download printable cards with QR codes (HTML)",
                                  cards_html(cards, title=_title(convening_id)),
                                  file_name="voter-cards.html", mime="text/html",
                                  key="cards-download", on_click="ignore")


SOURCES = {"saved": "the address saved below",
           "environment": f"set by {links.ENV}",
           "network": "this computer's address on the local network: phones on the same "
                      "Wi-Fi can open it"}


def voter_address() -> str:
    """The address personal links start with: said, with a warning when phones cannot open
    it, and a form to set it once (kept beside the database for the next vote)."""
    folder = files()
    url, source = links.base_url(folder)
    if links.is_loopback(url):
        lan = links.lan_address()
        if lan and not links.listens_on_network():
            how = (f"To serve the room, restart the app with `--server.address 0.0.0.0`: "
                   f"links will then use http://{lan}:{links.port()}/ (this computer on the "
                   "local network).")
        elif not lan:
            how = "This computer is on no network: connect it to the room's Wi-Fi."
        else:
            how = ""
        st.warning(f"Personal links and QR codes point at {md_escape(url)}, which only this "
                   f"computer can open: voters' phones cannot reach it. {how} Or save the "
                   "address voters open below.")
    else:
        st.caption(f"Personal links and QR codes point at {md_escape(url)} "
                   f"({SOURCES.get(source, source)}).")
    with st.form("public-address"):
        typed = st.text_input("The address voters open (saved for next time; empty: "
                              "automatic)", value=links.saved(folder) or "", placeholder=url,
                              key="public-url")
        if st.form_submit_button("Save address"):
            with shown_errors():
                links.save(folder, typed)
                st.rerun()
    return url


def _title(convening_id: int) -> str:
    return ballots.convening_title(engine(), convening_id)


def codes_file(issued: list[tuple[str, str]], base_url: str) -> bytes:
    """The issued codes as CSV (name, code, personal link), neutralised like every export:
    roster names are typed in by people and must not run as formulas in a spreadsheet."""
    return csv_file(("name", "code", "link"),
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
    count_bars([f"{r.rank}. {r.label}" for r in rows], [r.dots for r in rows],
               title="business leaders' dots", what="priority",
               tooltip={"voters": [r.voters for r in rows]},
               empty="No dots yet. Share the codes; results appear here as ballots come in.")
    if rows and scored:
        score_table(rows)
    paper_table(rows, convening_id)
    rosters = ballots.champion_rosters(engine(), convening_id)
    labels = {r.priority_id: r.label for r in rows}
    st.subheader("Champions and task teams")
    st.dataframe(pd.DataFrame({
        "priority": [labels.get(r.priority_id, r.priority_id) for r in rosters],
        "champions": ["; ".join(r.champions) or "champion needed" for r in rosters],
        "members": ["; ".join(r.members) for r in rosters]}), hide_index=True, width="stretch")


def paper_table(rows: list, convening_id: int) -> None:
    """The wall's paper dots beside the ballots' (issue 30): shown apart, never added."""
    paper = notes.paper_dots(engine(), convening_id)
    if not rows or paper is None:
        return
    st.subheader("Paper dots on the wall")
    st.caption("Counted from the wall and entered on the Review page; shown beside the vote, "
               "never added to it.")
    st.dataframe(pd.DataFrame({
        "priority": [f"{r.rank}. {r.label}" for r in rows],
        "ballot dots": [r.dots for r in rows],
        "paper dots": [paper.get(int(r.priority_id), 0) for r in rows]}),
        hide_index=True, width="stretch")


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


EXPORTS_PER_ROW = 3  # six in one row cut the longer names ("Markdown rep...") at 1280 px


def exports(convening_id: int) -> None:
    """One download button per export format, each as wide as its column, three a row."""
    st.subheader("Exports")
    files = export_files(priority_report(engine(), convening_id))
    for row in range(0, len(files), EXPORTS_PER_ROW):
        part = files[row:row + EXPORTS_PER_ROW]
        for column, (fmt, name, data, mime) in zip(st.columns(EXPORTS_PER_ROW), part,
                                                   strict=False):
            # A download changes nothing on the page, so it does not rerun it either.
            column.download_button(NAMES.get(fmt, fmt), data, file_name=name, mime=mime,
                                   key=f"export-{fmt}", on_click="ignore", width="stretch")


def export_files(report: PriorityReport) -> list[tuple[str, str, bytes, str]]:
    """(format, file name, bytes, MIME type) of every export format."""
    out = []
    for fmt in FORMATS:
        data = export.render(report, fmt)
        out.append((fmt, f"priorities.{EXTENSIONS.get(fmt, fmt)}",
                    data if isinstance(data, bytes) else data.encode("utf-8"),
                    MIME.get(fmt, "application/octet-stream")))
    return out
