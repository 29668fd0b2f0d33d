"""Review of candidate priorities as cards: quotes with audio, and every review action.

Each action passes the theme versions the facilitator saw (``expected``), so an edit made
on a stale page is refused with a plain message instead of overwriting someone else's.
"""

from __future__ import annotations

import logging

import streamlit as st

from synth.convening.jobs import media_path
from synth.decisions import notes, priorities, review
from synth.decisions.notes import WrittenNote, WrittenTheme, WrittenView
from synth.decisions.review_view import ConveningView, Said, ThemeSummary, quotes
from synth.text.notes import MAX_DOTS
from synth.themes.quotes import MARK
from synth_app.common import FLASH, act_at, engine, files, flash_place, plain, show_flash
from synth_app.privacy import withdraw_quote

log = logging.getLogger(__name__)

OUT = -1  # the "out of every theme" choice when moving statements
TOOLBAR = "toolbar"  # where the outcome of a merge or an undo shows
CREATE = "create"  # where the outcome of creating a theme by hand shows
UNMATCHED = "unmatched-notes"  # where the outcome of making a note a candidate shows


def shown_as(theme: ThemeSummary) -> str:
    """A theme (a candidate or a priority) as the page shows it: its number and label, never
    its internal id."""
    return f"#{theme.rank} \u201c{theme.label}\u201d" if theme.rank is not None else (
        f"\u201c{theme.label}\u201d")


def card_place(theme: ThemeSummary, part: str = "card") -> tuple[str, int, int]:
    """Where the outcome of an action on a card shows: in that card (``part`` "card": by its
    actions; "quotes": under its quotes, where a quote was withdrawn), or where it was."""
    return (part, theme.id, theme.rank if theme.rank is not None else 10**9)


def toolbar(view: ConveningView, convening_id: int) -> None:
    """Actions over several themes: merge, and undo of the last action."""
    active = view.active
    labels = {t.id: f"#{t.rank} {t.label}" for t in active}
    left, right = st.columns([4, 1])
    with left:
        chosen = st.multiselect("Merge these themes (into the first chosen)", list(labels),
                                format_func=labels.__getitem__, key="merge-pick")
        label = st.text_input("Label for the merged theme (optional)", key="merge-label")
        st.button("Merge", key="merge", disabled=len(chosen) < 2, on_click=_merge,
                  args=([labels[t] for t in chosen], chosen, label,
                        {t.id: t.version for t in active if t.id in chosen}))
    with right:
        st.button("Undo last action", key="undo", on_click=act_at,
                  args=(TOOLBAR, "Undone.", review.undo, engine(), convening_id),
                  kwargs={"who": "facilitator"})
    show_flash(TOOLBAR)


def create_form(view: ConveningView, convening_id: int) -> None:
    """A priority the room agreed on that synth did not find: a label and chosen statements."""
    with st.expander("Create a priority by hand"):
        st.write("Name it and pick the statements that support it; they leave the themes "
                 "they are in now. Undo takes it back.")
        said = sorted(view.statements.values(), key=lambda x: (x.recording_id, x.start))
        st.text_input("Label", key="create-label", placeholder="e.g. Shared welding lab")
        st.multiselect("Statements that support it", [x.id for x in said], key="create-pick",
                       format_func=lambda sid: f"{view.statements[sid].where} "
                                               f"{_short(view.statements[sid])}",
                       placeholder="Type words to find statements")
        status = st.radio("Status", ["confirmed", "candidate"], horizontal=True,
                          key="create-status")
        themes = {t.id: t.version for t in view.themes}
        st.button("Create priority", key="create", on_click=_create,
                  args=(convening_id, status, view, themes))
        show_flash(CREATE)


def _create(convening_id: int, status: str, view: ConveningView,
            versions: dict[int, int]) -> None:
    label = st.session_state.get("create-label", "")
    picked = list(st.session_state.get("create-pick") or [])
    # The versions of the themes the statements come from, as the page showed them.
    sources = {view.statements[sid].theme_id for sid in picked if sid in view.statements}
    expected = {tid: v for tid, v in versions.items() if tid in sources}
    act_at(CREATE, f"Created the priority \u201c{' '.join(label.split())}\u201d.",
           review.create_theme, engine(), convening_id, label, picked, status=status,
           who="facilitator", expected=expected)
    if st.session_state[FLASH][0] == "success":  # start the next one afresh
        st.session_state["create-label"] = ""
        st.session_state["create-pick"] = []


def _merge(names: list[str], chosen: list[int], label: str, expected: dict[int, int]) -> None:
    act_at(TOOLBAR, f"Merged {len(chosen)} themes: {', '.join(names)}.", review.merge,
           engine(), chosen, label=label or None, who="facilitator", expected=expected)
    # The merged-away themes are gone from the choices; start the next merge afresh.
    st.session_state["merge-pick"] = []
    st.session_state["merge-label"] = ""


def _audio(said: Said) -> None:
    path = media_path(files(), said.recording_id)
    if path is not None:
        # Starts where the quote starts, so the facilitator hears it in the speaker's voice.
        st.audio(str(path), start_time=int(said.start))


def _quote(said: Said, convening_id: int, place: object) -> None:
    plain(f"\u201c{said.marked}\u201d")
    plain(f"\u2014 {said.speaker}, {said.where}")
    if MARK in said.marked:
        st.caption(f"{MARK} follows a word the transcription was unsure of: play the moment "
                   "to check it.")
    _audio(said)
    withdraw_quote(said, convening_id, place)


def support(view: ConveningView, theme: ThemeSummary) -> None:
    """Who is behind a candidate: how many business leaders and companies, how much of the
    leaders' talk went to it (candidates with the same leaders still differ there), and who
    they are, by name and company."""
    a, b, c, d = st.columns(4)
    a.metric("Breadth of support", theme.breadth,
             help="Distinct business leaders (distinct speakers without a roster)")
    b.metric("Companies", len(theme.companies))
    c.metric("Business talk", f"{theme.business_share:.0%}",
             help="Share of all the business leaders' talk time spent on this candidate")
    d.metric("Stability", f"{theme.stability:.2f}",
             help="How consistently its statements cluster together across seeds (0-1)")
    if theme.business_leaders:
        plain("Business leaders: " + "; ".join(
            f"{name}, {company}" if (company := view.company_of(name)) else name
            for name in theme.business_leaders))


def card(view: ConveningView, theme: ThemeSummary, convening_id: int,
         feedback: object = None, written: WrittenTheme | None = None) -> None:
    """One theme (a candidate or a priority) with its evidence and actions; ``feedback``, the
    place of an action's outcome to show beside its buttons; ``written``, what the room wrote
    about it (when the convening has notes or paper dots)."""
    expected = {theme.id: theme.version}
    with st.container(border=True):
        head, status = st.columns([5, 1])
        with head:
            plain(f"#{theme.rank}  {theme.label}")
            if theme.label_generated and theme.read_back:
                st.caption("generated label, from the facilitator's recap: synth took the name "
                           "the facilitator read back; confirm it with the room")
            elif theme.label_generated:
                st.caption("generated label: written by synth, not by the room")
        with status:
            st.text("CONFIRMED" if theme.status == "confirmed" else theme.status)
        support(view, theme)
        if written is not None:
            written_support(theme, written, convening_id)
        for said in quotes(view, theme):
            _quote(said, convening_id, card_place(theme, "quotes"))
        if feedback is not None and feedback[0] == "quotes":  # type: ignore[index]
            show_flash(feedback)  # a quote withdrawn: said where its button was
        _actions(theme, expected)
        if feedback is not None:
            show_flash(feedback)
        _split(view, theme, expected)
        _statements(view, theme, convening_id)


def _actions(theme: ThemeSummary, expected: dict[int, int]) -> None:
    tid, name, place = theme.id, shown_as(theme), card_place(theme)
    joins = _joins(theme)
    confirm, discard, label, rename = st.columns([1, 1, 3, 1], vertical_alignment="bottom")
    confirm.button("Confirm", key=f"confirm-{tid}", disabled=theme.status == "confirmed",
                   on_click=_confirm, args=(theme, expected, joins))
    discard.button("Discard", key=f"discard-{tid}", on_click=act_at,
                   args=(place, f"Discarded {name}: it is under \u201cDiscarded and merged\u201d "
                                "at the bottom, and Undo brings it back.", review.discard,
                         engine(), tid),
                   kwargs={"who": "facilitator", "expected": expected})
    label.text_input("New label", value=theme.label, key=f"label-{tid}")
    rename.button("Rename", key=f"rename-{tid}", on_click=_rename, args=(theme, expected))


def _joins(theme: ThemeSummary) -> dict[int | None, str]:
    """A candidate's choice of the partnership priority confirming it joins (key
    ``joins-ID``), shown only when the partnership has priorities; by default the one of its
    name, else a new one. Returns the choices' names (empty: no choice shown)."""
    if theme.status == "confirmed":
        return {}
    known, same = priorities.confirm_choices(engine(), theme.id)
    if not known:
        return {}
    # A new priority is offered only where none has the theme's name: confirming joins that one.
    names: dict[int | None, str] = ({} if same is not None else {None: "new priority"}) \
        | dict(known)
    options, key = list(names), f"joins-{theme.id}"
    if st.session_state.get(key, same) not in names:  # a priority that went since
        st.session_state.pop(key)
    st.selectbox("Joins priority", options, index=options.index(same), key=key,
                 format_func=names.__getitem__,
                 help="The partnership's priority this candidate adds to when confirmed: "
                      "what was said here counts for it on the Priorities page.")
    return names


def _confirm(theme: ThemeSummary, expected: dict[int, int],
             joins: dict[int | None, str]) -> None:
    chosen = st.session_state.get(f"joins-{theme.id}") if joins else None
    into = f" into \u201c{joins[chosen]}\u201d" if chosen in joins and chosen is not None \
        else ""
    act_at(card_place(theme), f"Confirmed {shown_as(theme)}{into}.", review.confirm, engine(),
           theme.id, who="facilitator", expected=expected, priority=chosen)


def _rename(theme: ThemeSummary, expected: dict[int, int]) -> None:
    new = st.session_state.get(f"label-{theme.id}", "")
    shown = f"#{theme.rank}" if theme.rank is not None else shown_as(theme)
    act_at(card_place(theme), f"Renamed {shown} to \u201c{' '.join(new.split())}\u201d.",
           review.rename, engine(), theme.id, new, who="facilitator", expected=expected)


def _preview(theme: ThemeSummary) -> None:
    act_at(card_place(theme), "Preview ready: check the two parts below.", _store_preview,
           theme.id)


def _store_preview(tid: int) -> None:
    groups = review.preview_split(engine(), tid, parts=2)
    st.session_state[f"split-{tid}"] = [list(g.statement_ids) for g in groups]


def _apply_split(theme: ThemeSummary, expected: dict[int, int]) -> None:
    groups = st.session_state.pop(f"split-{theme.id}", None)
    act_at(card_place(theme), f"Split {shown_as(theme)} in two.", review.split, engine(),
           theme.id, groups=groups, who="facilitator", expected=expected)


def _split(view: ConveningView, theme: ThemeSummary, expected: dict[int, int]) -> None:
    tid = theme.id
    groups = st.session_state.get(f"split-{tid}")
    if groups is None:
        st.button("Preview a split in two", key=f"preview-{tid}", on_click=_preview,
                  args=(theme,),
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
                 args=(theme, expected))
    cancel.button("Cancel split", key=f"split-{tid}-cancel",
                  on_click=lambda: st.session_state.pop(f"split-{tid}", None))


def _statements(view: ConveningView, theme: ThemeSummary, convening_id: int) -> None:
    tid = theme.id
    with st.expander(f"All {len(theme.statement_ids)} statements; move some elsewhere"):
        for sid in theme.statement_ids:
            s = view.statements[sid]
            plain(f"{s.where}  {s.speaker}: {s.text}")
        options = list(theme.statement_ids)
        picked = st.multiselect("Statements to move", options, key=f"move-pick-{tid}",
                                format_func=lambda sid: _short(view.statements[sid]))
        targets = [t.id for t in view.active if t.id != tid] + [OUT]
        names = {t.id: shown_as(t) for t in view.active} | {OUT: "out of every theme"}
        to = st.selectbox("Move to", targets, format_func=names.__getitem__,
                          key=f"move-to-{tid}")
        seen = {t.id: t.version for t in view.active if t.id in (tid, to)}
        st.button("Move", key=f"move-{tid}", disabled=not picked, on_click=act_at,
                  args=(card_place(theme), f"Moved {len(picked)} statement(s) "
                        f"{names[to] if to == OUT else 'to ' + names[to]}.", review.move,
                        engine(), picked,
                        None if to == OUT else to),
                  kwargs={"convening_id": convening_id, "who": "facilitator",
                          "expected": seen})


def _short(s: Said, width: int = 90) -> str:
    text = s.text if len(s.text) <= width else s.text[:width - 1] + "\u2026"
    return f"{s.speaker}: {text}"


def written_support(theme: ThemeSummary, w: WrittenTheme, convening_id: int) -> None:
    """Said beside written for one theme (when the convening has notes), the reconciliation's
    flags, the notes as written (where and by whom: never as a quote, never with audio) and
    the paper dots to enter."""
    if w.compared:
        plain(f"Said: {theme_said(w)}; written: {len(w.notes)} note"
              f"{'s' * (len(w.notes) != 1)}, {w.dots} paper dot{'s' * (w.dots != 1)}")
    for flag in w.flags:
        st.warning(f"{flag[:1].upper()}{flag[1:]}.")  # fixed words, not the room's
    if w.from_note:
        st.caption("made from a written note: its label is the note's own words")
    if w.notes:
        with st.expander(f"Written in the room ({len(w.notes)})"):
            for n in w.notes:
                _written_note(n, convening_id, card_place(theme))
    count, save = st.columns([3, 1], vertical_alignment="bottom")
    count.number_input("Paper dots on the wall for this priority (apart from the vote)",
                       min_value=0, max_value=MAX_DOTS, step=1, value=w.dots,
                       key=f"paper-{theme.id}")
    save.button("Save paper dots", key=f"paper-save-{theme.id}", on_click=_theme_dots,
                args=(theme,))


def theme_said(w: WrittenTheme) -> str:
    """``5 statements by 3 leaders, 2.5 min``."""
    return (f"{w.statements} statement{'s' * (w.statements != 1)} by {w.leaders} "
            f"leader{'s' * (w.leaders != 1)}, {w.talk_seconds / 60:.1f} min")


def _written_note(n: WrittenNote, convening_id: int, place: object) -> None:
    """A note as written: its words, then where and by whom; its dots can be entered."""
    plain(f"Written: {n.text}")
    plain(f"({n.source}; {n.dots} paper dot{'s' * (n.dots != 1)})")
    count, save = st.columns([3, 1], vertical_alignment="bottom")
    count.number_input("Paper dots on this note", min_value=0, max_value=MAX_DOTS, step=1,
                       value=n.dots, key=f"note-dots-{n.id}")
    save.button("Save", key=f"note-dots-save-{n.id}", on_click=_note_dots,
                args=(n, convening_id, place))


def _note_dots(n: WrittenNote, convening_id: int, place: object) -> None:
    dots = int(st.session_state.get(f"note-dots-{n.id}", n.dots))
    act_at(place, f"Saved {dots} paper dot{'s' * (dots != 1)} on the note "
                  f"\u201c{n.text}\u201d.", notes.set_note_dots, engine(), convening_id, n.id,
           dots, who="facilitator")


def _theme_dots(theme: ThemeSummary) -> None:
    dots = int(st.session_state.get(f"paper-{theme.id}", 0))
    act_at(card_place(theme), f"Saved {dots} paper dot{'s' * (dots != 1)} for "
                              f"{shown_as(theme)}: shown beside the vote, never added to it.",
           notes.set_theme_dots, engine(), theme.id, dots, who="facilitator")


def unmatched_notes(written: WrittenView, convening_id: int) -> None:
    """Notes that match no candidate, each with a button that makes it one."""
    if not written.unmatched:
        show_flash(UNMATCHED)  # the last one was just made a candidate: say so here
        return
    st.subheader("Written down, matched to nothing said")
    st.write("The room wrote these but they match no candidate. Make one a candidate if the "
             "room meant it; Undo takes it back.")
    for n in written.unmatched:
        with st.container(border=True):
            plain(f"Written: {n.text}")
            plain(f"({n.source}; {n.dots} paper dot{'s' * (n.dots != 1)})")
            st.button("Make it a candidate", key=f"note-candidate-{n.id}", on_click=act_at,
                      args=(UNMATCHED, f"Made the note \u201c{n.text}\u201d a candidate.",
                            notes.note_to_candidate, engine(), convening_id, n.id),
                      kwargs={"who": "facilitator"})
    show_flash(UNMATCHED)


def review_cards(view: ConveningView, convening_id: int,
                 written: WrittenView | None = None) -> None:
    """The whole review: toolbar, one card per active theme (with what the room wrote about
    it, when ``written`` holds notes or paper dots), the unmatched notes and the set-aside
    themes."""
    if not view.themes:
        st.info("No candidate priorities yet. Upload the convening's recordings or transcripts "
                "in the Recordings tab; candidates appear here when processing is done.")
        return
    toolbar(view, convening_id)
    create_form(view, convening_id)
    place = flash_place()
    on_card = isinstance(place, tuple) and place[0] in ("card", "quotes")
    ids = {t.id for t in view.active}
    for theme in view.active:
        if on_card and place[1] not in ids and theme.rank is not None and theme.rank >= place[2]:
            show_flash(place)  # a card that went (discarded, merged, split): where it was
        card(view, theme, convening_id, place if on_card and place[1] == theme.id else None,
             written.themes.get(theme.id) if written else None)
    if on_card:
        show_flash(place)  # it was the last card (a no-op when shown above)
    if written is not None:
        unmatched_notes(written, convening_id)
    gone = [t for t in view.themes if t.rank is None]
    if gone:
        with st.expander(f"Discarded and merged ({len(gone)})"):
            for t in gone:
                plain(f"{t.status}: {t.label}")
                if t.status == "discarded":
                    st.button("Confirm after all", key=f"confirm-{t.id}", on_click=act_at,
                              args=(card_place(t), f"Confirmed {shown_as(t)} again.",
                                    review.confirm, engine(), t.id),
                              kwargs={"who": "facilitator", "expected": {t.id: t.version}})
