"""The voter's page: a personal code opens a ballot of dots, and task-team sign-up. Nothing else.

Built for a phone: one column, the dots left always shown above the priorities and again
beside the button that casts the ballot. When the vote asks for them, each priority also takes
an importance and a feasibility score from 1 to 5 (optional, as a row of five choices).

A code that was typed in goes into the page's address, as a personal link does, so a reload
keeps the ballot open; "Use another code" forgets it. A typed code replaces the address's:
a personal link with a wrong code must not keep sending it, and a code refused once is not
checked (and counted as a wrong guess) again on every rerun of the page.

Before the vote opens the page looks every few seconds and shows the ballot by itself.
"""

from __future__ import annotations

import logging
import secrets

import streamlit as st

from synth.convening.report import md_escape
from synth.decisions import ballots
from synth.decisions.voter_codes import normalise_code
from synth.decisions.voting import SCORE_MAX, SCORE_MIN
from synth.errors import BallotError, SynthError
from synth.export.records import ReportQuote
from synth.export.results import ballot_quotes
from synth_app.common import engine, plain, shown_errors

log = logging.getLogger(__name__)

CODE = "voter_code"
# Whose stored ballot the widgets were filled from: (convening id, participant id).
LOADED = "_ballot_loaded"
BALLOT_KEYS = ("dots-", "importance-", "feasibility-")  # + priority id: never a list position
ROLES = {"member": "Join the task team", "champion": "Lead it as a champion"}
SCORES = list(range(SCORE_MIN, SCORE_MAX + 1))
REFUSED = "_refused_code"  # the code this session was last refused, in canonical form
WAIT_S = 3  # how often a page waiting for the vote to open looks again


SOURCE = "_throttle_source"


def _source() -> str:
    """Whose wrong codes these are: this browser session, never the client address.

    Streamlit gives the address as None for every local or same-host proxied connection, so
    keyed by it one person's typos made every other voter wait (issue 26). The code key is
    the throttle's other scope (see synth.decisions.ballots), and a right code always goes through.
    """
    if SOURCE not in st.session_state:
        st.session_state[SOURCE] = secrets.token_hex(16)
    return f"app:session:{st.session_state[SOURCE]}"


def _code_form() -> None:
    st.write("Type the code on your card (or open the personal link it gives).")
    with st.form("code"):
        code = st.text_input("Your voter code", placeholder="ABCD-EFGH-JKMN")
        if st.form_submit_button("Open my ballot", type="primary") and code.strip():
            st.session_state[CODE] = code
            # The typed code wins over the one in the address (a mistyped personal link):
            # it replaces it, so a reload opens the ballot too.
            st.query_params["code"] = code
            st.rerun()


def render() -> None:
    """Draw the ballot page."""
    st.set_page_config(page_title="Your ballot", layout="centered")
    st.title("Your ballot")
    code = st.query_params.get("code") or st.session_state.get(CODE)
    if not code:
        _code_form()
        return
    if st.session_state.get(REFUSED) == normalise_code(code):
        # Refused already: a rerun (a click, the page looking again) is no new guess.
        st.error("That code is not right: check it against your card and type it below.")
        _code_form()
        return
    try:
        voter = ballots.check_code(engine(), code, source=_source())
    except SynthError as exc:
        st.error(md_escape(str(exc)))
        log.info("a voter code was refused")
        if isinstance(exc, BallotError):  # wrong (a busy database is worth another try)
            st.session_state[REFUSED] = normalise_code(code)
        st.session_state.pop(CODE, None)
        _code_form()
        return
    if st.query_params.get("code") != code:
        # A typed code goes into the address like a personal link: a reload keeps the ballot,
        # and the page shows the ballot only.
        st.query_params["code"] = code
        st.rerun()
    plain(f"{voter.name}, {voter.convening_title}")
    st.button("Not you? Use another code", key="forget-code", on_click=_forget)
    info = ballots.vote_info(engine(), voter.convening_id)
    if info.status == "draft":
        _wait_for_the_vote(voter.convening_id)
        return
    if info.status == "closed":
        st.info("Voting has closed. Thank you for taking part.")
        return
    _ballot(code, info, (voter.convening_id, voter.participant_id))
    _volunteer(code, info, voter.role)


@st.fragment(run_every=WAIT_S)
def _wait_for_the_vote(convening_id: int) -> None:
    """Say the vote has not opened, and look again every few seconds: the ballot shows by
    itself when the facilitator opens it, with no reload by the voter."""
    if ballots.vote_info(engine(), convening_id).status != "draft":
        st.rerun(scope="app")
    st.info("Voting has not opened yet. Keep this page open: your ballot appears here by "
            "itself when the facilitator opens the vote.")


def _clear_ballot() -> None:
    """Forget every ballot widget's value and whose ballot filled them."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(BALLOT_KEYS)]:
        del st.session_state[key]
    st.session_state.pop(LOADED, None)


def _forget() -> None:
    _clear_ballot()
    st.session_state.pop(CODE, None)
    if "code" in st.query_params:
        del st.query_params["code"]


def _load(code: str, info: ballots.VoteInfo, owner: tuple[int, int]) -> bool:
    """Fill the widgets from this voter's stored ballot, once per voter, so they can change
    their mind. False (with the reason shown) when it cannot be read now.

    The widgets are bound to the voter they were filled for: when the page's code changes
    without "Use another code" (another personal link opened in the same session, the
    browser's back and forward), nothing of the earlier voter's dots or scores may stay in
    the form, where casting would save them as the new voter's.
    """
    if st.session_state.get(LOADED) == owner:
        return True
    _clear_ballot()
    try:
        saved = ballots.current_ballot(engine(), code, source=_source())
    except SynthError as exc:
        # Not marked loaded: the next run tries again. A blank form cast now would replace
        # the voter's stored ballot, so none is shown.
        log.info("a stored ballot could not be read: %s", exc)
        st.error(md_escape(str(exc)))
        return False
    for tid, _ in info.priorities:
        st.session_state[f"dots-{tid}"] = int(saved.dots.get(tid, 0)) if saved else 0
        if info.rules.ask_importance_feasibility:
            st.session_state[f"importance-{tid}"] = saved.importance.get(tid) if saved else None
            st.session_state[f"feasibility-{tid}"] = (saved.feasibility.get(tid)
                                                      if saved else None)
    st.session_state[LOADED] = owner
    return True


def _ballot(code: str, info: ballots.VoteInfo, owner: tuple[int, int]) -> None:
    rules = info.rules
    scored = rules.ask_importance_feasibility
    keys = {tid: f"dots-{tid}" for tid, _ in info.priorities}
    if not _load(code, info, owner):
        return
    spent = sum(int(st.session_state.get(k, 0) or 0) for k in keys.values())
    left = rules.dots_per_voter - spent
    # Nothing above or between the priorities comes and goes from one run to the next (the
    # over-spend warning is below them), so no card moves under a voter's finger.
    st.metric("Dots left", left, help=f"You have {rules.dots_per_voter} dots; at most "
              f"{rules.max_per_priority} on one priority.")
    if scored:
        st.caption(f"Also score each priority from {SCORE_MIN} (low) to {SCORE_MAX} (high): "
                   "how important it is to your business, and how feasible for this "
                   "partnership. Scores are optional.")
    quotes = ballot_quotes(engine(), info.convening_id)
    for tid, label in info.priorities:
        with st.container(border=True):
            plain(label)
            if tid in quotes:
                _quote(quotes[tid])
            st.number_input("Dots", min_value=0, max_value=rules.max_per_priority, step=1,
                            key=keys[tid])
            if scored:
                # Five short choices in a row fit a phone's width; none chosen = not scored.
                st.radio("Importance", SCORES, index=None, horizontal=True,
                         key=f"importance-{tid}")
                st.radio("Feasibility", SCORES, index=None, horizontal=True,
                         key=f"feasibility-{tid}")
    st.text(f"Dots left: {left} of {rules.dots_per_voter}")
    if left < 0:
        st.error(f"You spent {spent} dots but have {rules.dots_per_voter}: take some back.")
    if st.button("Cast my ballot", type="primary", disabled=left < 0, key="cast"):
        with shown_errors():
            receipt = ballots.cast_ballot(
                engine(), code, {tid: int(st.session_state.get(k, 0) or 0)
                                 for tid, k in keys.items()},
                _scores("importance", keys) if scored else None,
                _scores("feasibility", keys) if scored else None, source=_source())
            st.success(f"Your ballot is saved: {receipt.dots_spent} dots spent, "
                       f"{receipt.dots_left} left. You can change it until voting closes.")
            for note in receipt.notices:
                plain(note)


def _quote(quote: ReportQuote) -> None:
    """The priority's one best quote, verbatim with its speaker, folded away until asked."""
    with st.expander("What was said"):
        plain(f"\u201c{quote.text}\u201d")
        if quote.speaker:
            plain(f"\u2014 {quote.speaker}")


def _scores(what: str, keys: dict[int, str]) -> dict[int, int]:
    """The scores the voter chose (priorities left unscored are left out)."""
    out = {}
    for tid in keys:
        value = st.session_state.get(f"{what}-{tid}")
        if value is not None:
            out[tid] = int(value)
    return out


def _volunteer(code: str, info: ballots.VoteInfo, role: str) -> None:
    st.subheader("Help make it happen")
    st.write("Each priority needs a champion (a business leader who leads a task team with a "
             "60-day goal) and members.")
    labels = dict(info.priorities)
    tid = st.selectbox("Priority", list(labels), format_func=labels.__getitem__, key="vol-pick")
    allowed = ROLES if role == "business" else {"member": ROLES["member"]}
    what = st.radio("How", list(allowed), format_func=allowed.__getitem__, key="vol-role")
    if st.button("Volunteer", key="volunteer"):
        with shown_errors():
            ballots.volunteer(engine(), code, tid, what, source=_source())
            st.success("Thank you: you are on the list.")
