"""Staff page: how a partnership is doing across its convenings, and the follow-up to send.

Everything shown comes from one read (:func:`synth.decisions.dashboard.read_dashboard`):
convenings over time with who was in the room and who talked (a warning when public partners
outnumber or out-talk business leaders: a healthy partnership keeps business leaders ahead),
each priority's momentum, and the overdue action-plan rows. The follow-up of a meeting (an
email draft and a Markdown report, :mod:`synth.export.followup`) downloads from here.
"""

from __future__ import annotations

import datetime as dt
import logging

import altair as alt
import pandas as pd
import streamlit as st

from synth.convening.report import md_escape
from synth.decisions import dashboard, priorities
from synth.decisions.dashboard import ConveningPoint, Dashboard
from synth.errors import NotFoundError
from synth.export.followup import render as render_followup
from synth.export.followup_store import read_followup
from synth_app.common import engine, require_staff, shown_errors

log = logging.getLogger(__name__)

ROLE_LABELS = {"business": "business leaders", "public": "public partners"}
FOLLOWUPS = (("email", "Follow-up email (.txt)", "txt", "text/plain"),
             ("md", "Follow-up report (.md)", "md", "text/markdown"))


def render() -> None:
    """Draw the page."""
    st.set_page_config(page_title="synth: partnership", layout="wide")
    require_staff()
    st.title("Partnership")
    with shown_errors():
        partnership_id = pick_partnership(key="dashboard-partnership")
        if partnership_id is None:
            st.info("No partnership yet: create a convening on the Review page and process "
                    "its recordings first.")
            return
        d = dashboard.read_dashboard(engine(), partnership_id)
        st.caption(f"{md_escape(d.name)}, as of {d.as_of.isoformat()}")
        for warning in d.warnings:
            st.warning(md_escape(warning) + " A healthy partnership keeps business leaders "
                       "ahead.")
        convenings(d)
        momentum(d)
        overdue(d)
        followup(d)


def pick_partnership(key: str = "partnership") -> int | None:
    """A partnership chosen from those that met, or None when there is none. The choice is
    remembered across pages; before one, the partnership of the convening picked on another
    page is offered, else the one that met last."""
    rows = dashboard.partnerships(engine())
    if not rows:
        return None
    ids = [pid for pid, _ in rows]
    names = dict(rows)
    chosen = st.session_state.get("partnership_id")
    if chosen not in ids and st.session_state.get("convening_id") is not None:
        try:
            chosen = priorities.partnership_of(engine(), st.session_state["convening_id"])
        except NotFoundError:  # that convening is gone since: start from the latest
            chosen = None
    index = ids.index(chosen) if chosen in ids else 0
    picked = st.selectbox("Partnership", ids, index=index, format_func=names.__getitem__,
                          key=key)
    st.session_state["partnership_id"] = picked
    return picked


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def _role_bars(frame: pd.DataFrame, order: list[str], field: str, title: str) -> alt.Chart:
    """Business leaders' and public partners' bars side by side at each convening."""
    whole = alt.Axis(format="d", tickMinStep=1) if field == "people" else alt.Axis()
    return alt.Chart(frame, title=title).mark_bar().encode(
        x=alt.X("convening:N", sort=order, title=None,
                axis=alt.Axis(labelAngle=0, labelLimit=0)),
        xOffset=alt.XOffset("who:N"),
        y=alt.Y(f"{field}:Q", title=None, axis=whole),
        color=alt.Color("who:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=list(ROLE_LABELS.values()))),
        tooltip=["convening:N", "date:N", "who:N", "people:Q", "talk (minutes):Q"]
    ).properties(height=260)


def convenings(d: Dashboard) -> None:
    """Who came and who talked at each convening, oldest first: two charts and a table."""
    st.subheader("Convenings over time")
    rows = [(c, role) for c in d.convenings for role in ROLE_LABELS]
    frame = pd.DataFrame({
        "convening": [_name(c) for c, _ in rows],
        "date": [c.date.isoformat() for c, _ in rows],
        "who": [ROLE_LABELS[role] for _, role in rows],
        "people": [c.attendance.get(role, 0) for c, role in rows],
        "talk (minutes)": [round(c.talk_seconds.get(role, 0.0) / 60, 1) for c, role in rows]})
    order = [_name(c) for c in d.convenings]
    room, talk = st.columns(2)
    room.altair_chart(_role_bars(frame, order, "people", "People in the room"),
                      width="stretch")
    talk.altair_chart(_role_bars(frame, order, "talk (minutes)", "Minutes of talk"),
                      width="stretch")
    st.dataframe(pd.DataFrame({
        "date": [c.date.isoformat() for c in d.convenings],
        "convening": [c.title for c in d.convenings],
        "kind": [c.kind.replace("_", " ") for c in d.convenings],
        "business leaders": [c.attendance.get("business", 0) for c in d.convenings],
        "public partners": [c.attendance.get("public", 0) for c in d.convenings],
        "business share of the room": [_share(c.business_room_share) for c in d.convenings],
        "business share of talk time": [_share(c.business_talk_share) for c in d.convenings],
    }), hide_index=True, width="stretch")


def _name(c: ConveningPoint) -> str:
    return f"{c.title} ({c.date.isoformat()})"


def momentum_frame(d: Dashboard) -> pd.DataFrame:
    """One row a priority: status, champions, business leaders raising it at each convening
    (a column a convening, oldest first), its dots at every vote."""
    columns = {"priority": [m.name for m in d.momentum],
               "status": [m.status for m in d.momentum],
               "champions": ["; ".join(m.champions) or "champion needed" for m in d.momentum],
               "dots": [m.dots for m in d.momentum]}
    for i, c in enumerate(d.convenings):  # the list grows to the right with each meeting
        columns[_name(c)] = [m.raised[i].leaders for m in d.momentum]
    return pd.DataFrame(columns)


def momentum(d: Dashboard) -> None:
    """Each priority's momentum across the convenings."""
    st.subheader("Momentum of each priority")
    if not d.momentum:
        st.info("No priorities yet: confirm candidates on the Review page and they become the "
                "partnership's priorities.")
        return
    st.caption("Its status and champions now, its business leaders' dots over every vote, and "
               "under each convening how many business leaders raised it there.")
    st.dataframe(momentum_frame(d), hide_index=True, width="stretch")


def overdue(d: Dashboard) -> None:
    """The action-plan rows past their due date and not done."""
    st.subheader("Overdue")
    if not d.overdue:
        st.success("Nothing overdue in the action plans.")
        return
    st.dataframe(pd.DataFrame({
        "priority": [o.priority for o in d.overdue],
        "objective": [o.objective for o in d.overdue],
        "owner": [o.owner or "to be named" for o in d.overdue],
        "due": [o.due.isoformat() for o in d.overdue],
        "days late": [o.days_late for o in d.overdue],
        "status": [o.status.replace("_", " ") for o in d.overdue],
        "60-day goal": [o.goal_60_day for o in d.overdue]}), hide_index=True, width="stretch")


def followup(d: Dashboard) -> None:
    """Download the follow-up of one of the partnership's meetings (the latest by default)."""
    st.subheader("Follow-up after a meeting")
    if not d.convenings:
        return
    points = list(reversed(d.convenings))  # the latest first
    names = {c.id: _name(c) for c in points}
    chosen = st.selectbox("Meeting", list(names), format_func=names.__getitem__,
                          key="dashboard-followup")
    st.caption("Progress per priority, the new issues the meeting raised, and who is asked to "
               "champion a priority nobody leads. Drafts to edit before sending.")
    f = read_followup(engine(), chosen, today=dt.date.today())
    for column, (fmt, label, ext, mime) in zip(st.columns(len(FOLLOWUPS)), FOLLOWUPS,
                                               strict=True):
        column.download_button(label, render_followup(f, fmt).encode("utf-8"),
                               file_name=f"followup-{chosen}.{ext}", mime=mime,
                               key=f"followup-{fmt}", on_click="ignore", width="stretch")
