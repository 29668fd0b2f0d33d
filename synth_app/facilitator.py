"""The facilitator's page: set up a convening, process its recordings, review candidates."""

from __future__ import annotations

import streamlit as st

from synth.convening import jobs
from synth.decisions.notes import read_written
from synth.decisions.review_view import read_convening
from synth_app import cards, explore, privacy, setup, speakers
from synth_app.common import (
    database_url,
    engine,
    pick_convening,
    plain,
    require_staff,
    show_flash,
    shown_errors,
)


def render() -> None:
    """Draw the page."""
    st.set_page_config(page_title="synth: review", layout="wide")
    require_staff()
    st.title("Candidate priorities")
    show_flash()
    with shown_errors():
        convening_id = pick_convening()
        setup.new_convening_form(expanded=convening_id is None)
        if convening_id is None:
            st.info("Start by creating a convening above: its partnership's industry and "
                    "region, a title and a date.")
            return
        data = read_convening(engine(), convening_id)
        running = [j for j in jobs.poll(database_url(), convening_id) if j.active]
        # Always one element here, so the tabs below keep their place (and the chosen tab)
        # when a job starts or ends.
        notice = st.empty()
        if running:
            queued = sum(j.status == "queued" for j in running)
            waiting = f" ({queued} queued)" if queued else ""
            notice.info(f"Processing {len(running)} upload(s) in the background{waiting}: see "
                        "the progress in the Recordings tab. You can leave or reload this page "
                        "meanwhile.")
        review_tab, files_tab, setup_tab, speakers_tab, explore_tab = st.tabs(
            ["Review", "Recordings", "Roster", "Speakers", "Map and search"])
        with review_tab:
            cards.review_cards(data, convening_id, read_written(engine(), convening_id))
        with files_tab:
            setup.uploads(convening_id)
            privacy.recordings_panel(data, convening_id)
        with setup_tab:
            setup.roster_editor(convening_id)
        with speakers_tab:
            speakers.speaker_editor(data, convening_id)
        with explore_tab:
            explore.breadth_chart(data)
            explore.statement_map(data, convening_id)
            explore.search(data)
        if data.themes:
            plain(f"{len(data.statements)} statements in {data.title}.")
