"""Review of candidate priorities as cards: quotes with audio, and every review action.

Each action passes the theme versions the facilitator saw (``expected``), so an edit made
on a stale page is refused with a plain message instead of overwriting someone else's.
"""

from __future__ import annotations

import logging

import streamlit as st

from synth import review
from synth.jobs import media_path
from synth.store.queries import ThemeSummary
from synth_app.common import FLASH, act, clock, engine, files, plain
from synth_app.privacy import withdraw_quote
from synth_app.view import ConveningView, Said, quotes

log = logging.getLogger(__name__)

OUT = -1  # the "out of every theme" choice when moving statements


def toolbar(view: ConveningView, convening_id: int) -> None:
    """Actions over several themes: merge, and undo of the last action."""
    active = view.active
    labels = {t.id: f"#{t.rank} {t.label}" for t in active}
    left, right = st.columns([4, 1])
    with left:
        chosen = st.multiselect("Merge these priorities (into the first chosen)", list(labels),
                                format_func=labels.__getitem__, key="merge-pick")
        label = st.text_input("Label for the merged priority (optional)", key="merge-label")
        st.button("Merge", key="merge", disabled=len(chosen) < 2, on_click=_merge,
                  args=(chosen, label, {t.id: t.version for t in active if t.id in chosen}))
    with right:
        st.button("Undo last action", key="undo", on_click=act,
                  args=("Undone.", review.undo, engine(), convening_id),
                  kwargs={"who": "facilitator"})


def create_form(view: ConveningView, convening_id: int) -> None:
    """A priority the room agreed on that synth did not find: a label and chosen statements."""
    with st.expander("Create a priority by hand"):
        st.write("Name it and pick the statements that support it; they leave the priorities "
                 "they are in now. Undo takes it back.")
        said = sorted(view.statements.values(), key=lambda x: (x.recording_id, x.start))
        st.text_input("Label", key="create-label", placeholder="e.g. Shared welding lab")
        st.multiselect("Statements that support it", [x.id for x in said], key="create-pick",
                       format_func=lambda sid: f"{clock(view.statements[sid].start)} "
                                               f"{_short(view.statements[sid])}",
                       placeholder="Type words to find statements")
        status = st.radio("Status", ["confirmed", "candidate"], horizontal=True,
                          key="create-status")
        themes = {t.id: t.version for t in view.themes}
        st.button("Create priority", key="create", on_click=_create,
                  args=(convening_id, status, view, themes))


def _create(convening_id: int, status: str, view: ConveningView,
            versions: dict[int, int]) -> None:
    label = st.session_state.get("create-label", "")
    picked = list(st.session_state.get("create-pick") or [])
    # The versions of the themes the statements come from, as the page showed them.
    sources = {view.statements[sid].theme_id for sid in picked if sid in view.statements}
    expected = {tid: v for tid, v in versions.items() if tid in sources}
    act(f"Created the priority \u201c{' '.join(label.split())}\u201d.", review.create_theme,
        engine(), convening_id, label, picked, status=status, who="facilitator",
        expected=expected)
    if st.session_state[FLASH][0] == "success":  # start the next one afresh
        st.session_state["create-label"] = ""
        st.session_state["create-pick"] = []


def _merge(chosen: list[int], label: str, expected: dict[int, int]) -> None:
    act(f"Merged {len(chosen)} priorities.", review.merge, engine(), chosen,
        label=label or None, who="facilitator", expected=expected)
    # The merged-away themes are gone from the choices; start the next merge afresh.
    st.session_state["merge-pick"] = []
    st.session_state["merge-label"] = ""


def _audio(said: Said) -> None:
    path = media_path(files(), said.recording_id)
    if path is not None:
        # Starts where the quote starts, so the facilitator hears it in the speaker's voice.
        st.audio(str(path), start_time=int(said.start))


def _quote(said: Said, convening_id: int) -> None:
    plain(f"\u201c{said.text}\u201d")
    plain(f"\u2014 {said.speaker}, {clock(said.start)}")
    _audio(said)
    withdraw_quote(said, convening_id)


def card(view: ConveningView, theme: ThemeSummary, convening_id: int) -> None:
    """One candidate or confirmed priority with its evidence and actions."""
    expected = {theme.id: theme.version}
    with st.container(border=True):
        head, status = st.columns([5, 1])
        with head:
            plain(f"#{theme.rank}  {theme.label}")
            if theme.label_generated:
                st.caption("generated label: written by synth, not by the room")
        with status:
            st.text("CONFIRMED" if theme.status == "confirmed" else theme.status)
        a, b, c = st.columns(3)
        a.metric("Breadth of support", theme.breadth,
                 help="Distinct business leaders (distinct speakers without a roster)")
        b.metric("Companies", len(theme.companies))
        c.metric("Stability", f"{theme.stability:.2f}",
                 help="How consistently its statements cluster together across seeds (0-1)")
        for said in quotes(view, theme):
            _quote(said, convening_id)
        _actions(theme, expected)
        _split(view, theme, expected)
        _statements(view, theme, convening_id)


def _actions(theme: ThemeSummary, expected: dict[int, int]) -> None:
    tid = theme.id
    confirm, discard, label, rename = st.columns([1, 1, 3, 1], vertical_alignment="bottom")
    confirm.button("Confirm", key=f"confirm-{tid}", disabled=theme.status == "confirmed",
                   on_click=act, args=(f"Confirmed priority {tid}.", review.confirm, engine(),
                                       tid), kwargs={"who": "facilitator", "expected": expected})
    discard.button("Discard", key=f"discard-{tid}", on_click=act,
                   args=(f"Discarded priority {tid}.", review.discard, engine(), tid),
                   kwargs={"who": "facilitator", "expected": expected})
    label.text_input("New label", value=theme.label, key=f"label-{tid}")
    rename.button("Rename", key=f"rename-{tid}", on_click=_rename, args=(tid, expected))


def _rename(tid: int, expected: dict[int, int]) -> None:
    act(f"Renamed priority {tid}.", review.rename, engine(), tid,
        st.session_state.get(f"label-{tid}", ""), who="facilitator", expected=expected)


def _preview(tid: int) -> None:
    act("Preview ready: check the two parts below.", _store_preview, tid)


def _store_preview(tid: int) -> None:
    groups = review.preview_split(engine(), tid, parts=2)
    st.session_state[f"split-{tid}"] = [list(g.statement_ids) for g in groups]


def _apply_split(tid: int, expected: dict[int, int]) -> None:
    groups = st.session_state.pop(f"split-{tid}", None)
    act(f"Split priority {tid}.", review.split, engine(), tid, groups=groups,
        who="facilitator", expected=expected)


def _split(view: ConveningView, theme: ThemeSummary, expected: dict[int, int]) -> None:
    tid = theme.id
    groups = st.session_state.get(f"split-{tid}")
    if groups is None:
        st.button("Preview a split in two", key=f"preview-{tid}", on_click=_preview, args=(tid,),
                  disabled=len(theme.statement_ids) < 2)
        return
    if not set(sum(groups, [])) == set(theme.statement_ids):
        st.session_state.pop(f"split-{tid}")  # the theme changed since the preview
        return
    for n, group in enumerate(groups, start=1):
        st.text(f"Part {n} ({len(group)} statements):")
        for sid in group[:4]:
            said = view.statements[sid]
            plain(f"   \u201c{said.text}\u201d \u2014 {said.speaker}")
    apply, cancel = st.columns(2)
    apply.button("Apply split", key=f"split-{tid}-apply", on_click=_apply_split,
                 args=(tid, expected))
    cancel.button("Cancel split", key=f"split-{tid}-cancel",
                  on_click=lambda: st.session_state.pop(f"split-{tid}", None))


def _statements(view: ConveningView, theme: ThemeSummary, convening_id: int) -> None:
    tid = theme.id
    with st.expander(f"All {len(theme.statement_ids)} statements; move some elsewhere"):
        for sid in theme.statement_ids:
            s = view.statements[sid]
            plain(f"{clock(s.start)}  {s.speaker}: {s.text}")
        options = list(theme.statement_ids)
        picked = st.multiselect("Statements to move", options, key=f"move-pick-{tid}",
                                format_func=lambda sid: _short(view.statements[sid]))
        targets = [t.id for t in view.active if t.id != tid] + [OUT]
        names = {t.id: f"#{t.rank} {t.label}" for t in view.active} | {OUT: "out of every theme"}
        to = st.selectbox("Move to", targets, format_func=names.__getitem__,
                          key=f"move-to-{tid}")
        seen = {t.id: t.version for t in view.active if t.id in (tid, to)}
        st.button("Move", key=f"move-{tid}", disabled=not picked, on_click=act,
                  args=(f"Moved {len(picked)} statement(s).", review.move, engine(), picked,
                        None if to == OUT else to),
                  kwargs={"convening_id": convening_id, "who": "facilitator",
                          "expected": seen})


def _short(s: Said, width: int = 90) -> str:
    text = s.text if len(s.text) <= width else s.text[:width - 1] + "\u2026"
    return f"{s.speaker}: {text}"


def review_cards(view: ConveningView, convening_id: int) -> None:
    """The whole review: toolbar, one card per active theme, and the set-aside ones."""
    if not view.themes:
        st.info("No candidate priorities yet. Upload the convening's recordings or transcripts "
                "in the Recordings tab; candidates appear here when processing is done.")
        return
    toolbar(view, convening_id)
    create_form(view, convening_id)
    for theme in view.active:
        card(view, theme, convening_id)
    gone = [t for t in view.themes if t.rank is None]
    if gone:
        with st.expander(f"Discarded and merged ({len(gone)})"):
            for t in gone:
                plain(f"{t.status}: {t.label}")
                if t.status == "discarded":
                    st.button("Confirm after all", key=f"confirm-{t.id}", on_click=act,
                              args=(f"Confirmed priority {t.id}.", review.confirm, engine(),
                                    t.id), kwargs={"who": "facilitator",
                                                   "expected": {t.id: t.version}})
