"""Staff page: a partnership's priorities, their status, task teams and action plans (issue 29).

Every change goes through :mod:`synth.decisions.priorities`, so it is in the audit log with who
and when, and "Undo the last change" reverts it (last change first). The action plan is edited
as a table and saved as one change. The action plans of the active priorities download in the
formats staff send task teams (:mod:`synth.export.action_plans`).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any

import pandas as pd
import streamlit as st

from synth.decisions import priorities
from synth.decisions.priorities import PLAN_STATUSES, PRIORITY_STATUSES, PriorityView
from synth.errors import InputError
from synth.export import action_plans
from synth_app.common import act, engine, plain, require_staff, show_flash, shown_errors

log = logging.getLogger(__name__)

WHO = "staff"
PLAN_COLUMNS = {"objective": "objective", "measure": "measure", "owner": "owner",
                "support_partners": "support partners", "goal_60_day": "60-day goal",
                "status": "status", "due": "due date"}
DOWNLOADS = (("xlsx", "Action plans (.xlsx)",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
             ("docx", "Action plans (.docx)",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
             ("md", "Action plans (.md)", "text/markdown"))


def render() -> None:
    """Draw the page."""
    from synth_app.dashboard import pick_partnership

    st.set_page_config(page_title="synth: priorities", layout="wide")
    require_staff()
    st.title("Priorities")
    show_flash()
    with shown_errors():
        partnership_id = pick_partnership()
        if partnership_id is None:
            st.info("No partnership yet: create a convening on the Review page first.")
            return
        views = priorities.list_priorities(engine(), partnership_id)
        if not views:
            st.info("No priorities yet: confirm candidates on the Review page, and each "
                    "becomes (or joins) one of the partnership's priorities.")
            return
        overview(views)
        undo_and_history(partnership_id)
        chosen = st.selectbox("Priority", [v.id for v in views], key="priorities-pick",
                              format_func={v.id: f"{v.name} ({v.status})"
                                           for v in views}.__getitem__)
        view = next(v for v in views if v.id == chosen)
        status_and_name(view)
        team(view)
        plan(view)
        downloads(partnership_id)


def overview(views: list[PriorityView]) -> None:
    """Every priority: status, champions, team, plan size, the meetings that raised it."""
    st.dataframe(pd.DataFrame([{
        "priority": v.name, "status": v.status,
        "champions": ", ".join(v.champions) or "champion needed",
        "members": ", ".join(v.members), "plan rows": len(v.plan),
        "raised at": ", ".join(v.convenings)} for v in views]), hide_index=True,
        width="stretch")


def undo_and_history(partnership_id: int) -> None:
    """Undo the last change; the changes so far, newest first."""
    st.button("Undo the last change", key="priorities-undo", on_click=act,
              args=("Undid the last change.", priorities.undo, engine(), partnership_id),
              kwargs={"who": WHO})
    rows = priorities.history(engine(), partnership_id)
    with st.expander(f"Changes ({len(rows)})"):
        st.dataframe(pd.DataFrame([{"when": f"{at:%Y-%m-%d %H:%M}", "who": who,
                                    "change": action, "what": target,
                                    "undone": "yes" if undone else ""}
                                   for at, who, action, target, undone in reversed(rows)],
                                  columns=["when", "who", "change", "what", "undone"]),
                     hide_index=True, width="stretch")


def status_and_name(view: PriorityView) -> None:
    """The priority's status (active needs a champion) and its name."""
    left, right = st.columns(2)
    with left:
        status = st.selectbox("Status", PRIORITY_STATUSES, key=f"status-{view.id}",
                              index=PRIORITY_STATUSES.index(view.status))
        st.button("Save status", key=f"status-save-{view.id}", disabled=status == view.status,
                  on_click=act, args=(f"Status is now {status}.", priorities.set_status,
                                      engine(), view.id, status), kwargs={"who": WHO})
    with right:
        name = st.text_input("Name", value=view.name, key=f"name-{view.id}")
        st.button("Rename", key=f"rename-{view.id}", disabled=name.strip() == view.name,
                  on_click=act, args=("Renamed.", priorities.rename, engine(), view.id, name),
                  kwargs={"who": WHO})


def team(view: PriorityView) -> None:
    """The task team: champions (business leaders) and members, one person at a time."""
    st.subheader("Task team")
    plain(f"Champions: {', '.join(view.champions) or 'champion needed'}")
    plain(f"Members: {', '.join(view.members) or 'none yet'}")
    people = priorities.roster(engine(), view.partnership_id)
    if not people:
        st.caption("The roster is empty: add people on the Review page.")
        return
    roles = dict(people)
    cols = st.columns(3)
    person = cols[0].selectbox("Person", list(roles), key=f"team-person-{view.id}",
                               format_func=lambda n: f"{n} ({roles[n]})")
    role = cols[1].selectbox("Role", ["champion", "member", "off the team"],
                             key=f"team-role-{view.id}")
    cols[2].button("Apply", key=f"team-save-{view.id}", on_click=act,
                   args=(f"{person}: {role}.", priorities.set_team_member, engine(), view.id,
                         person, None if role == "off the team" else role),
                   kwargs={"who": WHO})


def plan_frame(view: PriorityView) -> pd.DataFrame:
    """The plan as the table staff edit: one row per action-plan row, ``id`` kept hidden."""
    return pd.DataFrame([{"id": r.id, **{k: getattr(r, k) for k in PLAN_COLUMNS}}
                         for r in view.plan], columns=["id", *PLAN_COLUMNS])


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    return value


def edited_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The edited table as rows for :func:`priorities.save_plan` (blank rows dropped)."""
    rows = []
    for record in frame.to_dict("records"):
        row = {k: _cell(record.get(k)) for k in ("id", *PLAN_COLUMNS)}
        if not any(row[k] for k in PLAN_COLUMNS if k != "status"):
            continue
        row["id"] = int(row["id"]) if row["id"] is not None else None
        for k in PLAN_COLUMNS:
            if k not in ("due", "status"):
                row[k] = str(row[k] or "")
        row["status"] = row["status"] or "not_started"
        due = row["due"]
        row["due"] = due.date() if isinstance(due, dt.datetime) else due
        rows.append(row)
    return rows


def plan(view: PriorityView) -> None:
    """The action plan as an editable table, saved as one change."""
    st.subheader("Action plan")
    config = {"id": None,
              "status": st.column_config.SelectboxColumn("status", options=list(PLAN_STATUSES),
                                                         default="not_started"),
              "due": st.column_config.DateColumn("due date", format="YYYY-MM-DD"),
              **{k: st.column_config.TextColumn(label) for k, label in PLAN_COLUMNS.items()
                 if k not in ("status", "due")}}
    edited = st.data_editor(plan_frame(view), num_rows="dynamic", column_config=config,
                            key=f"plan-{view.id}-{len(view.plan)}-{hash(view.plan)}",
                            hide_index=True, width="stretch")
    if st.button("Save the plan", key=f"plan-save-{view.id}", type="primary"):
        act("Saved the action plan.", priorities.save_plan, engine(), view.id,
            edited_rows(edited), who=WHO)
        st.rerun()


def downloads(partnership_id: int) -> None:
    """The action plans of the active priorities, in the formats staff send."""
    st.subheader("Send the action plans")
    try:
        plans = action_plans.read_action_plans(engine(), partnership_id)
    except InputError as exc:
        st.caption(str(exc))
        return
    cols = st.columns(len(DOWNLOADS))
    for col, (fmt, label, mime) in zip(cols, DOWNLOADS, strict=True):
        col.download_button(label, action_plans.render(plans, fmt), mime=mime,
                            file_name=f"action-plans-{plans.as_of.isoformat()}.{fmt}",
                            key=f"plans-{fmt}")
