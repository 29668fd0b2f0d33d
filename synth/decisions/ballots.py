"""Dot voting over the store: open and close a vote, hand out codes, take ballots, count them.

The rules and the tally are :mod:`synth.decisions.voting`; codes are
:mod:`synth.decisions.voter_codes`; the SQL is :mod:`synth.store.ballots`. This module strings them
together, one transaction per call:

* a vote is ``draft`` (codes may be handed out), ``open`` (ballots accepted) or ``closed``;
  facilitators open and close it. Opening fixes the rules and puts the confirmed priorities
  on the ballot, in breadth order;
* a code is checked outside any lock (scrypt is slow on purpose), then the ballot is written in
  one transaction holding the vote's lock, so a concurrent close either comes first (the
  ballot is refused) or after (the ballot counts), and nothing is half-written;
* wrong codes are counted in the database, per source (the app: a browser session) and per
  code key, so the back-off of :class:`synth.decisions.voter_codes.Throttle` holds across the app's
  processes; only failures are throttled, a right code always goes through.

Codes, sources and participants' names never go to the log.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from synth.decisions import priorities, voting
from synth.decisions.voter_codes import (
    ALPHABET,
    Throttle,
    TooManyAttempts,
    code_key,
    hash_code,
    new_codes,
    normalise_code,
    verify_code,
)
from synth.decisions.voting import BallotRules, Roster, TallyRow, VoteStatus
from synth.errors import BallotError, NotFoundError
from synth.records import Participant as Person
from synth.store import ballots as store
from synth.store import queries
from synth.store.db import transaction
from synth.store.schema import (
    StoredConvening,
    StoredTheme,
    VolunteerSignup,
    Vote,
    VoterCode,
    utcnow,
)

log = logging.getLogger(__name__)

__all__ = ["BallotReceipt", "StoredBallot", "Voter", "VoteInfo", "cast_ballot",
           "champion_rosters", "check_code", "close_vote", "current_ballot", "issue_codes",
           "on_ballot", "open_vote", "results", "stored_rosters", "stored_tally", "vote_info",
           "volunteer", "withdraw_volunteer"]

# Wall-clock time: the counts are shared by processes (and machines) through the database.
DEFAULT_THROTTLE = Throttle(clock=time.time)
# Checked when no stored code has the typed key, so a wrong key costs as long as a wrong code.
_DECOY_HASH = hash_code("DECOY-CODE-NEVER-ISSUED")


# --- records -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoteInfo:
    """Where a convening's vote stands, for the facilitator's screen."""

    convening_id: int
    status: VoteStatus
    rules: BallotRules  # a draft shows the rules opening it would use by default
    priorities: tuple[tuple[int, str], ...]  # (theme id, label) on the ballot, display order
    ballots_cast: int
    codes_issued: int
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Voter:
    """Who a code belongs to, and the vote it opens."""

    convening_id: int
    convening_title: str
    participant_id: int
    name: str
    company: str | None
    role: str
    status: VoteStatus
    convening: str = ""  # title and date, for messages


@dataclass(frozen=True, slots=True)
class StoredBallot:
    """A voter's stored ballot, keyed by theme id, to prefill the form when they come back.

    ``removed`` lists priorities taken off the ballot after the vote opened that still hold
    some of this voter's dots: those dots do not count, and the voter should move them.
    """

    voter: str
    dots: Mapping[int, int]
    importance: Mapping[int, int]
    feasibility: Mapping[int, int]
    revision: int
    updated_at: dt.datetime
    removed: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class BallotReceipt:
    """What a voter sees after submitting."""

    convening_id: int
    voter: str
    revision: int  # 1 for the first ballot; higher when it replaced an earlier one
    dots_spent: int
    dots_left: int
    at: dt.datetime
    notices: tuple[str, ...] = ()  # e.g. earlier dots on a discarded priority, now gone

    @property
    def replaced(self) -> bool:
        """True when this ballot replaced the voter's earlier one."""
        return self.revision > 1


# --- the vote ------------------------------------------------------------------------------


def _rules(vote: Vote | None, n_priorities: int) -> BallotRules:
    if vote is None or vote.dots_per_voter is None or vote.max_per_priority is None:
        return voting.default_rules(n_priorities)
    return BallotRules(dots_per_voter=vote.dots_per_voter,
                       max_per_priority=vote.max_per_priority,
                       ask_importance_feasibility=vote.ask_scores, anonymous=vote.anonymous,
                       public_partners=vote.public_partners)  # type: ignore[arg-type]


def _confirmed_by_breadth(s: Session, convening_id: int) -> list[tuple[int, str]]:
    return [(t.id, t.label) for t in queries.theme_summaries(s, convening_id)
            if t.status == "confirmed"]


def on_ballot(s: Session, convening_id: int, vote: Vote | None) -> list[StoredTheme]:
    """The priorities voters can spend dots on now: opened with the vote and still confirmed."""
    if vote is None or vote.status == "draft":
        ids = [tid for tid, _ in _confirmed_by_breadth(s, convening_id)]
        found = store.themes_by_id(s, ids)
        return [found[i] for i in ids]
    return [t for t in store.ballot_themes(s, convening_id) if t.status == "confirmed"]


def _info(s: Session, convening_id: int) -> VoteInfo:
    queries.get_convening(s, convening_id)
    vote = store.get_vote(s, convening_id)
    themes = on_ballot(s, convening_id, vote)
    return VoteInfo(convening_id=convening_id,
                    status=VoteStatus(vote.status if vote else "draft"),
                    rules=_rules(vote, len(themes)),
                    priorities=tuple((t.id, t.label) for t in themes),
                    ballots_cast=store.count_ballots(s, convening_id),
                    codes_issued=store.count_codes(s, convening_id),
                    opened_at=vote.opened_at if vote else None,
                    closed_at=vote.closed_at if vote else None)


def convening_title(engine: Engine, convening_id: int) -> str:
    """The convening's title, as voter cards and pages name it."""
    with transaction(engine) as s:
        return queries.get_convening(s, convening_id).title


def vote_info(engine: Engine, convening_id: int) -> VoteInfo:
    """The vote's status, rules, priorities on the ballot and how many have voted."""
    with transaction(engine) as s:
        return _info(s, convening_id)


def _vote_for_update(s: Session, convening_id: int) -> Vote:
    """The vote row, locked; created as a draft if the convening has none yet."""
    # The convening lock serialises the first creation of the vote row between writers.
    queries.get_convening(s, convening_id, lock=True)
    return store.get_vote(s, convening_id, lock=True) or store.add_vote(s, convening_id)


def open_vote(engine: Engine, convening_id: int, rules: BallotRules | None = None, *,
              who: str = "facilitator") -> VoteInfo:
    """Open the vote on the convening's confirmed priorities (rules default to
    :func:`synth.decisions.voting.default_rules` of how many there are)."""
    with transaction(engine) as s:
        vote = _vote_for_update(s, convening_id)
        if vote.status != "draft":
            raise BallotError("voting is already open." if vote.status == "open" else
                              "voting has closed and its results are final; it cannot reopen.")
        priorities = _confirmed_by_breadth(s, convening_id)
        if not priorities:
            raise BallotError("no confirmed priorities to vote on: confirm some first "
                              "(`synth review confirm THEME`).")
        rules = rules or voting.default_rules(len(priorities))
        vote.dots_per_voter, vote.max_per_priority = rules.dots_per_voter, rules.max_per_priority
        vote.ask_scores, vote.anonymous = rules.ask_importance_feasibility, rules.anonymous
        vote.public_partners = rules.public_partners
        vote.status, vote.opened_at, vote.opened_by = "open", utcnow(), who
        store.set_ballot(s, convening_id, [tid for tid, _ in priorities])
        log.info("vote of convening %d opened on %d priorities (%d dots, %d at most on one)",
                 convening_id, len(priorities), rules.dots_per_voter, rules.max_per_priority)
        return _info(s, convening_id)


def close_vote(engine: Engine, convening_id: int, *, who: str = "facilitator") -> VoteInfo:
    """Close the vote: later ballots are refused and the results are final."""
    with transaction(engine) as s:
        queries.get_convening(s, convening_id)
        vote = store.get_vote(s, convening_id, lock=True)
        if vote is None or vote.status == "draft":
            raise BallotError("voting has not opened yet, so it cannot close.")
        if vote.status == "closed":
            raise BallotError("voting is already closed.")
        vote.status, vote.closed_at, vote.closed_by = "closed", utcnow(), who
        log.info("vote of convening %d closed", convening_id)
        return _info(s, convening_id)


# --- codes ---------------------------------------------------------------------------------

VOTING_ROLES = ("business", "public", "other")


def issue_codes(engine: Engine, convening_id: int,
                participant_names: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """Personal codes as (participant name, plain code), the only time the codes exist in clear.

    With no names: every roster participant who may vote (business leaders; public partners
    and others unless the rules exclude them) and has no code for this convening yet, so a
    second run never invalidates cards already printed. Naming someone issues them a new code
    (a lost card); their old one stops working and a ballot they cast stays theirs.
    """
    with transaction(engine) as s:
        conv = queries.get_convening(s, convening_id)
        vote = store.get_vote(s, convening_id)
        if vote is not None and vote.status == "closed":
            raise BallotError("voting has closed; no new codes can be issued.")
        roster = queries.roster_of(s, conv.partnership_id)
        have = store.codes_of(s, convening_id)
        if participant_names is None:
            exclude = vote is not None and vote.public_partners == "exclude"
            roles = ("business",) if exclude else VOTING_ROLES
            people = sorted((p for p in roster.values()
                             if p.role in roles and p.id not in have), key=lambda p: p.name)
        else:
            by_name = {p.name: p for p in roster.values()}
            missing = [n for n in participant_names if n not in by_name]
            if missing:
                raise NotFoundError(f"not on this partnership's roster: {', '.join(missing)}.")
            people = [by_name[n] for n in dict.fromkeys(participant_names)]
        wanted = [(p.id, p.name) for p in people]
    if not wanted:
        return []
    # Hashing is slow on purpose (tens of ms a code): do it before taking the write lock.
    for _ in range(5):
        codes = new_codes(len(wanted))
        hashes = [hash_code(c) for c in codes]
        with transaction(engine) as s:
            queries.get_convening(s, convening_id, lock=True)
            if store.keys_taken(s, (code_key(c) for c in codes)):
                continue  # rare: a key of another code; draw again so lookups stay one hash
            have = store.codes_of(s, convening_id)
            for (pid, _), code, hashed in zip(wanted, codes, hashes, strict=True):
                store.save_code(s, convening_id, pid, code_key(code), hashed, have.get(pid))
        log.info("issued %d voter codes for convening %d", len(wanted), convening_id)
        return [(name, code) for (_, name), code in zip(wanted, codes, strict=True)]
    raise BallotError("could not draw voter codes with unused keys; try again.")


@dataclass(frozen=True, slots=True)
class _Identified:
    voter: Voter
    code_id: int
    code_hash: str


def _delay(throttle: Throttle, failures: int) -> float:
    # The schedule of voter_codes.Throttle.failed, applied to a count kept in the database.
    over = failures - throttle.free
    return 0.0 if over <= 0 else min(throttle.cap, throttle.base * throttle.factor ** (over - 1))


def _well_formed(code: str) -> bool:
    return len(code) >= 8 and all(ch in ALPHABET for ch in code)


def _identify(engine: Engine, code: str, source: str, throttle: Throttle | None,
              convening_id: int | None) -> _Identified:
    throttle = throttle or DEFAULT_THROTTLE
    plain = normalise_code(code)
    key = code_key(plain) if plain else "?"
    scopes = store.scopes(key, source)
    now = throttle.clock()
    with transaction(engine) as s:
        counted = store.attempts(s, scopes)
        wait = max((a.blocked_until - now for a in counted), default=0.0)
        # Everything a match needs is read now, so a right code costs no further read.
        found = [(c.id, c.code_hash, _voter(s, c)) for c in
                 (store.codes_with_key(s, key) if _well_formed(plain) else [])]
    # Only failures are throttled: a blocked source or key still has its code checked, and
    # the right one goes through, so nobody's wrong guesses (a typist at the next phone,
    # someone trying a voter's key) keep a voter with the right code out. The codes' ~40
    # secret bits behind scrypt are what make guessing hopeless; the wait is what a
    # guesser is told.
    match = None
    for cid, hashed, voter in found:
        # Every candidate is checked, so the time taken says nothing about which one matched.
        if verify_code(plain, hashed) and match is None:
            match = _Identified(voter, cid, hashed)
    if not found and _well_formed(plain):
        verify_code(plain, _DECOY_HASH)  # the same cost whether or not the key exists
    if match is None:
        with transaction(engine) as s:
            delay = store.record_failure(s, scopes, now, throttle.forget_after,
                                         lambda n: _delay(throttle, n))
            store.forget_stale_attempts(s, now - throttle.forget_after)
        if delay:
            log.info("wrong voter code; blocked for %.0f s", delay)  # no code, no source
        if wait > 0:
            raise TooManyAttempts(max(wait, delay))
        raise BallotError("that code is not right: check it against your card (codes use "
                          "letters and digits without 0, O, 1, I or L).")
    if any(a.code_key == key for a in counted):
        # The key-wide count was this voter's own typos. The source's count stays, or one
        # real code could wipe the count of someone guessing other people's codes.
        with transaction(engine) as s:
            store.clear_attempts(s, [(key, store.ANY)])
    if convening_id is not None and match.voter.convening_id != convening_id:
        raise BallotError(f"this code is for another convening ({match.voter.convening}); "
                          "use the code you were given for this one.")
    return match


def _voter(s: Session, row: VoterCode) -> Voter:
    conv = queries.get_convening(s, row.convening_id)
    person = store.participant(s, row.participant_id)
    assert person is not None  # the foreign key guarantees it
    vote = store.get_vote(s, conv.id)
    return Voter(conv.id, conv.title, person.id, person.name, person.company, person.role,
                 VoteStatus(vote.status if vote else "draft"), _describe(conv))


def _describe(conv: StoredConvening) -> str:
    return f"'{conv.title}', {conv.date.isoformat()}"


def check_code(engine: Engine, code: str, *, source: str = "local",
               convening_id: int | None = None, throttle: Throttle | None = None) -> Voter:
    """Who ``code`` belongs to. Wrong codes count against ``source`` (an address, a session)
    and against the code's key; after a few, :class:`TooManyAttempts` says how long to wait.

    ``convening_id`` refuses a real code of another convening; ``throttle`` sets the back-off
    schedule and clock (tests inject one).
    """
    return _identify(engine, code, source, throttle, convening_id).voter


# --- ballots -------------------------------------------------------------------------------


def _theme_ids(values: Mapping[int, int] | None, what: str) -> dict[int, int]:
    out: dict[int, int] = {}
    for k, v in (values or {}).items():
        if isinstance(k, bool) or not isinstance(k, int | str) or not str(k).isdigit():
            raise BallotError(f"ballot not accepted: {what} for {k!r}, which is not a "
                              "priority id.")
        out[int(k)] = v
    return out


def _names(themes: Sequence[StoredTheme]) -> dict[int, str]:
    """Ids as the voter knows them: the label, with the id only where labels repeat."""
    count: dict[str, int] = {}
    for t in themes:
        count[t.label] = count.get(t.label, 0) + 1
    return {t.id: t.label if count[t.label] == 1 else f"{t.label} (#{t.id})" for t in themes}


def _why_off(s: Session, convening_id: int, theme_id: int) -> tuple[str, bool]:
    """Why a priority is not on the ballot, in words a voter can act on; and whether it was
    on it when the vote opened (its dots may be on a voter's earlier ballot)."""
    t = store.themes_by_id(s, [theme_id]).get(theme_id)
    opened = {b.id for b in store.ballot_themes(s, convening_id)}
    if t is None or t.convening_id != convening_id or t.id not in opened:
        return f"priority #{theme_id} is not on this ballot", False
    how = {"discarded": "was discarded", "merged": f"was merged into #{t.merged_into}"}
    return f"'{t.label}' {how.get(t.status, 'was taken off the ballot')} after voting opened", True


def cast_ballot(engine: Engine, code: str, dots: Mapping[int, int],
                importance: Mapping[int, int] | None = None,
                feasibility: Mapping[int, int] | None = None, *, source: str = "local",
                convening_id: int | None = None,
                throttle: Throttle | None = None) -> BallotReceipt:
    """Save the code's ballot (theme id -> dots, and optional 1..5 scores), all or nothing.

    A code has one ballot; casting again replaces it until the vote closes. Anything that
    breaks the rules raises :class:`BallotError` naming every problem, and nothing is saved.
    """
    who = _identify(engine, code, source, throttle, convening_id)
    d, imp, fea = (_theme_ids(dots, "dots"), _theme_ids(importance, "importance"),
                   _theme_ids(feasibility, "feasibility"))
    conv_id = who.voter.convening_id
    with transaction(engine) as s:
        vote = store.get_vote(s, conv_id, lock=True)  # serialises with close and other ballots
        row = s.get(VoterCode, who.code_id)
        if row is None or row.code_hash != who.code_hash:
            raise BallotError("this code was replaced by a new one a moment ago; use the new "
                              "code.")
        status = _open_status(s, conv_id, vote)
        themes = on_ballot(s, conv_id, vote)
        live = {t.id: t for t in themes}
        rules = _rules(vote, len(themes))
        if rules.public_partners == "exclude" and who.voter.role != "business":
            raise BallotError("in this vote only business leaders' dots count; you are welcome "
                              "to volunteer for a priority's task team instead.")
        _check_on_ballot(s, conv_id, set(d) | set(imp) | set(fea), live)
        names = _names(themes)
        voting.validate_ballot(
            voting.Ballot(who.voter.name, {names[k]: v for k, v in d.items()},
                          {names[k]: v for k, v in imp.items()} or None,
                          {names[k]: v for k, v in fea.items()} or None),
            rules, names.values(), status=status)
        notices = _uncounted_earlier_dots(s, who.code_id, live)
        marks = [store.Mark(tid, d.get(tid, 0), imp.get(tid), fea.get(tid))
                 for tid in sorted(set(d) | set(imp) | set(fea))
                 if d.get(tid, 0) > 0 or tid in imp or tid in fea]
        ballot = store.save_ballot(s, conv_id, who.code_id, marks)
        spent = sum(d.values())
        log.info("ballot saved for convening %d (revision %d)", conv_id, ballot.revision)
        return BallotReceipt(conv_id, who.voter.name, ballot.revision, spent,
                             rules.dots_per_voter - spent, ballot.updated_at, tuple(notices))


def _open_status(s: Session, convening_id: int, vote: Vote | None) -> VoteStatus:
    """The vote's status when it is open; otherwise the BallotError a voter reads."""
    status = VoteStatus(vote.status if vote else "draft")
    if status is not VoteStatus.OPEN:
        conv = queries.get_convening(s, convening_id)
        raise BallotError(f"voting for {_describe(conv)} is closed; your ballot was not "
                          "saved." if status is VoteStatus.CLOSED else
                          f"voting for {_describe(conv)} has not opened yet.")
    return status


def _check_on_ballot(s: Session, convening_id: int, marked: set[int],
                     live: Mapping[int, StoredTheme]) -> None:
    """Every marked priority is on the ballot, or one BallotError says why each is not."""
    problems = []
    for tid in sorted(marked - set(live)):
        why, was_on = _why_off(s, convening_id, tid)
        problems.append(why + (", so dots on it no longer count: spend them on another "
                               "priority" if was_on else ""))
    if problems:
        raise BallotError("ballot not accepted: " + "; ".join(problems) + ".")


def _uncounted_earlier_dots(s: Session, code_id: int,
                            live: Mapping[int, StoredTheme]) -> list[str]:
    """A notice for each of the code's earlier dots on a priority taken off the ballot since:
    the new ballot replaces them, and the voter should know they did not count."""
    earlier = store.ballot_of_code(s, code_id)
    notices: list[str] = []
    if earlier is not None:
        for m in store.marks_of(s, [earlier.id]).get(earlier.id, []):
            if m.theme_id not in live and m.dots > 0:
                gone = store.themes_by_id(s, [m.theme_id]).get(m.theme_id)
                label = gone.label if gone else f"#{m.theme_id}"
                notices.append(f"your earlier {m.dots} dot(s) on '{label}' did not count: "
                               "it was taken off the ballot after voting opened.")
    return notices


def current_ballot(engine: Engine, code: str, *, source: str = "local",
                   throttle: Throttle | None = None) -> StoredBallot | None:
    """The code's stored ballot (None before the first), to prefill the voter's form."""
    who = _identify(engine, code, source, throttle, None)
    with transaction(engine) as s:
        row = store.ballot_of_code(s, who.code_id)
        if row is None:
            return None
        vote = store.get_vote(s, who.voter.convening_id)
        live = {t.id for t in on_ballot(s, who.voter.convening_id, vote)}
        marks = store.marks_of(s, [row.id]).get(row.id, [])
        gone = store.themes_by_id(s, [m.theme_id for m in marks if m.theme_id not in live])
        return StoredBallot(
            voter=who.voter.name,
            dots={m.theme_id: m.dots for m in marks if m.theme_id in live and m.dots},
            importance={m.theme_id: m.importance for m in marks
                        if m.theme_id in live and m.importance is not None},
            feasibility={m.theme_id: m.feasibility for m in marks
                         if m.theme_id in live and m.feasibility is not None},
            revision=row.revision, updated_at=row.updated_at,
            removed=tuple((t.id, t.label) for t in gone.values()
                          if any(m.theme_id == t.id and m.dots for m in marks)))


# --- volunteers ----------------------------------------------------------------------------


def volunteer(engine: Engine, code: str, theme_id: int, role: Literal["champion", "member"],
              *, source: str = "local", throttle: Throttle | None = None) -> None:
    """Offer to champion (lead) or join a priority's task team; offering again changes role.

    Champions are business leaders: the partnership is industry-led, so others join as members.
    The volunteer joins the task team of the partnership priority the theme feeds (a champion
    as champion) in the same transaction; see :func:`synth.decisions.priorities.follow_signup`.
    """
    if role not in ("champion", "member"):
        raise BallotError(f"'{role}' is not a task-team role: use champion or member.")
    who = _identify(engine, code, source, throttle, None)
    conv_id = who.voter.convening_id
    if role == "champion" and who.voter.role != "business":
        raise BallotError("champions are business leaders; you are welcome to join the task "
                          "team as a member.")
    with transaction(engine) as s:
        vote = store.get_vote(s, conv_id, lock=True)
        live = {t.id for t in on_ballot(s, conv_id, vote)}
        if theme_id not in live:
            raise BallotError(f"{_why_off(s, conv_id, theme_id)[0]}; choose another priority.")
        pid = who.voter.participant_id
        was = _signup_role(s, conv_id, theme_id, pid)
        store.set_volunteer(s, conv_id, theme_id, pid, role)
        priorities.follow_signup(s, theme_id, pid, was=was, now=role, who=who.voter.name)


def withdraw_volunteer(engine: Engine, code: str, theme_id: int, *, source: str = "local",
                       throttle: Throttle | None = None) -> None:
    """Take back an offer to lead or join a priority's task team (and what it did to the
    priority's task team)."""
    who = _identify(engine, code, source, throttle, None)
    conv_id, pid = who.voter.convening_id, who.voter.participant_id
    with transaction(engine) as s:
        was = _signup_role(s, conv_id, theme_id, pid)
        if not store.remove_volunteer(s, conv_id, theme_id, pid):
            raise BallotError(f"you had not volunteered for priority #{theme_id}.")
        priorities.follow_signup(s, theme_id, pid, was=was, now=None, who=who.voter.name)


def _signup_role(s: Session, convening_id: int, theme_id: int,
                 participant_id: int) -> str | None:
    """The role a participant offered for a theme at this convening's vote, if any."""
    row = s.get(VolunteerSignup, (convening_id, theme_id, participant_id))
    return row.role if row is not None else None


# --- results and reports -------------------------------------------------------------------


def stored_tally(s: Session, convening_id: int) -> tuple[
        list[TallyRow], BallotRules, list[store.CastBallot], dict[int, StoredTheme]]:
    """In one session: the ranked tally, the vote's rules, the stored ballots and the
    priorities on the ballot by id (what :func:`results` and the exports' report read)."""
    queries.get_convening(s, convening_id)
    vote = store.get_vote(s, convening_id)
    themes = on_ballot(s, convening_id, vote)
    rules = _rules(vote, len(themes))
    stored = store.ballots_of(s, convening_id)
    ballots = [voting.Ballot(
        b.name, {str(m.theme_id): m.dots for m in b.marks if m.dots},
        {str(m.theme_id): m.importance for m in b.marks if m.importance is not None} or None,
        {str(m.theme_id): m.feasibility for m in b.marks if m.feasibility is not None} or None)
        for b in stored]
    rows = voting.tally(ballots, {str(t.id): t.label for t in themes},
                        {b.name: b.role for b in stored}, rules)  # type: ignore[misc]
    return rows, rules, stored, {t.id: t for t in themes}


def results(engine: Engine, convening_id: int) -> list[TallyRow]:
    """The ranked tally of the stored ballots (ids are theme ids as text); ties share a rank."""
    with transaction(engine) as s:
        return stored_tally(s, convening_id)[0]


def stored_rosters(s: Session, convening_id: int,
                   order: Sequence[str]) -> tuple[list[Roster], dict[str, Person]]:
    """In one session: each priority's roster in ``order``, and the volunteers by name."""
    signups = store.volunteers_of(s, convening_id)
    known = set(order)
    people = {p.name: Person(p.name, p.company, p.role) for _, p in signups}  # type: ignore[arg-type]
    volunteers = [voting.Volunteer(p.name, str(v.theme_id), v.role)  # type: ignore[arg-type]
                  for v, p in signups if str(v.theme_id) in known]
    rosters = voting.build_rosters(volunteers, order)
    return [rosters[pid] for pid in order], people


def champion_rosters(engine: Engine, convening_id: int) -> list[Roster]:
    """Each priority's champions and members, in result order (priority ids as text)."""
    with transaction(engine) as s:
        rows = stored_tally(s, convening_id)[0]
        return stored_rosters(s, convening_id, [r.priority_id for r in rows])[0]
