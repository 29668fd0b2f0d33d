"""The facilitator's page: set up a convening, process its recordings, review candidates."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from synth.convening import jobs
from synth.decisions.notes import WrittenView, read_written
from synth.decisions.review_view import ConveningView, read_convening
from synth_app import cards, explore, privacy, setup, speakers
from synth_app.common import (
    database_url,
    engine,
    flash_place,
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
            written = read_written(engine(), convening_id)
            cards.review_cards(raised_again(data, convening_id, written), convening_id, written)
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


def raised_again(view: ConveningView, convening_id: int,
                 written: WrittenView | None = None) -> ConveningView:
    """The section "Known priorities raised again" (issue 29): per priority the partnership
    had before this meeting, who raised it again here and the theme's card (its quotes and
    actions: confirming it keeps it on that priority). Returns the view the new candidates'
    review gets: the rest, ranked among themselves."""
    raised = [t for t in view.active if t.id in view.raised_again]
    if not raised:
        return view
    st.subheader("Known priorities raised again")
    place = flash_place()
    for n, theme in enumerate(raised, start=1):
        leaders = len(theme.business_leaders)
        plain(f"{view.raised_again[theme.id]}: raised again by {leaders} business "
              f"leader{'' if leaders == 1 else 's'} at this meeting")
        theme = replace(theme, rank=n)
        on_card = isinstance(place, tuple) and place[0] in ("card", "quotes") \
            and place[1] == theme.id
        cards.card(view, theme, convening_id, place if on_card else None,
                   written.themes.get(theme.id) if written else None)
    st.subheader("New candidates")
    ranks = {t.id: n for n, t in enumerate(view.new_candidates, start=1)}
    return replace(view, themes=tuple(replace(t, rank=ranks[t.id]) if t.id in ranks else t
                                      for t in view.themes if t.id not in view.raised_again))
