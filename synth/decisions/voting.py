"""Dot voting on the confirmed priorities, and the champions who pick them up.

Pure domain logic over plain frozen dataclasses: no database, no web framework. The store
persists ballots and volunteers; the app and CLI call :func:`validate_ballot` before saving
and :func:`tally` / :func:`build_rosters` to show results. Personal voter codes live in
:mod:`synth.decisions.voter_codes`.

The partnership is industry-driven, so by default only business leaders' dots rank the
priorities; public partners' dots are shown beside them (``public_partners="separate"``),
left out (``"exclude"``) or counted with everyone else's (``"include"``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

# The code helpers are part of the voting API; they live apart to keep both modules small.
from synth.decisions.voter_codes import (
    Throttle,
    TooManyAttempts,
    ballot_link,
    code_key,
    format_code,
    hash_code,
    new_code,
    new_codes,
    normalise_code,
    qr_svg,
    verify_code,
)
from synth.errors import BallotError
from synth.records import Role

__all__ = [
    "Ballot", "BallotRules", "Roster", "TallyRow", "Throttle", "TooManyAttempts", "Volunteer",
    "VoteStatus", "ballot_link", "ballot_problems", "build_rosters", "code_key",
    "default_rules", "format_code", "hash_code", "new_code", "new_codes", "normalise_code",
    "qr_svg", "tally", "validate_ballot", "verify_code",
]

log = logging.getLogger(__name__)

PublicPartners = Literal["exclude", "separate", "include"]
VolunteerRole = Literal["champion", "member"]
SCORE_MIN, SCORE_MAX = 1, 5


class VoteStatus(StrEnum):
    """Where a convening's vote stands; only an ``open`` vote accepts ballots."""

    DRAFT = "draft"  # codes may be handed out, nobody can vote yet
    OPEN = "open"
    CLOSED = "closed"  # results are final; late ballots are refused


@dataclass(frozen=True, slots=True)
class BallotRules:
    """How one vote is run: dots per voter, the cap per priority, what else is asked."""

    dots_per_voter: int
    max_per_priority: int = 2
    ask_importance_feasibility: bool = False
    anonymous: bool = True  # results show totals only, never who spent which dots
    public_partners: PublicPartners = "separate"

    def __post_init__(self) -> None:
        if self.dots_per_voter < 1:
            raise BallotError(f"dots per voter must be at least 1, not {self.dots_per_voter}")
        if self.max_per_priority < 1:
            raise BallotError(
                f"the most dots on one priority must be at least 1, not {self.max_per_priority}"
            )
        if self.public_partners not in ("exclude", "separate", "include"):
            raise BallotError(
                f"public partners' votes: '{self.public_partners}' is not one of "
                "exclude, separate, include"
            )


def default_rules(n_priorities: int) -> BallotRules:
    """The usual dot vote: a third as many dots as priorities (at least 3), 2 at most on one."""
    # n/3 is never exactly x.5, so Python's round-half-to-even never comes into play.
    return BallotRules(dots_per_voter=max(3, round(n_priorities / 3)), max_per_priority=2)


@dataclass(frozen=True, slots=True)
class Ballot:
    """One voter's dots per priority id, and optional 1..5 importance and feasibility scores."""

    voter_id: str
    dots: Mapping[str, int]
    importance: Mapping[str, int] | None = None
    feasibility: Mapping[str, int] | None = None


def _is_int(value: object) -> bool:
    # bool is an int subclass; True dots are a form bug, not one dot.
    return isinstance(value, int) and not isinstance(value, bool)


def ballot_problems(ballot: Ballot, rules: BallotRules,
                    open_priority_ids: Collection[str]) -> list[str]:
    """Every way ``ballot`` breaks ``rules``, as sentences a voter can act on (empty if none)."""
    problems: list[str] = []
    open_ids = set(open_priority_ids)
    for pid, n in ballot.dots.items():
        if pid not in open_ids:
            problems.append(f"priority '{pid}' is unknown or no longer on the ballot")
        if not _is_int(n):
            problems.append(f"dots on '{pid}' must be a whole number, not {n!r}")
        elif n < 0:
            problems.append(f"dots on '{pid}' cannot be negative ({n})")
        elif n > rules.max_per_priority:
            problems.append(f"{n} dots on '{pid}': at most {rules.max_per_priority} "
                            "may go on one priority")
    total = sum(n for n in ballot.dots.values() if _is_int(n) and n > 0)
    if total > rules.dots_per_voter:
        problems.append(f"{total} dots spent: each voter has {rules.dots_per_voter}")
    for name, scores in (("importance", ballot.importance), ("feasibility", ballot.feasibility)):
        if not scores:
            continue
        if not rules.ask_importance_feasibility:
            problems.append(f"this vote does not ask for {name} scores")
            continue
        for pid, score in scores.items():
            if pid not in open_ids:
                problems.append(f"{name} for priority '{pid}', which is unknown or no longer "
                                "on the ballot")
            if not _is_int(score) or not SCORE_MIN <= score <= SCORE_MAX:
                problems.append(f"{name} of '{pid}' must be a whole number from {SCORE_MIN} "
                                f"to {SCORE_MAX}, not {score!r}")
    return problems


def validate_ballot(ballot: Ballot, rules: BallotRules, open_priority_ids: Collection[str],
                    *, status: VoteStatus | str = VoteStatus.OPEN) -> None:
    """Raise :class:`BallotError` naming every rule ``ballot`` breaks; return if it is valid.

    ``status`` is the vote's current :class:`VoteStatus`, read by the caller from the store
    in the same transaction that saves the ballot, so a vote closed meanwhile refuses it.
    """
    try:
        state = VoteStatus(status)
    except ValueError:
        raise BallotError(f"'{status}' is not a vote status: use draft, open or closed") from None
    if state is not VoteStatus.OPEN:
        raise BallotError("voting is closed" if state is VoteStatus.CLOSED
                          else "voting has not opened yet")
    problems = ballot_problems(ballot, rules, open_priority_ids)
    if problems:
        raise BallotError("ballot not accepted: " + "; ".join(problems) + ".")


@dataclass(frozen=True, slots=True)
class TallyRow:
    """One priority's result. ``dots`` and ``voters`` are what ranks it."""

    priority_id: str
    label: str
    rank: int  # competition ranking: equal dots share a rank, the next rank skips (1, 2, 2, 4)
    tied: bool
    dots: int
    voters: int  # distinct voters who put at least one dot on it
    importance_mean: float | None = None
    feasibility_mean: float | None = None
    public_dots: int | None = None  # only when public partners are counted separately
    public_voters: int | None = None
    by_voter: tuple[tuple[str, int], ...] = ()  # (voter id, dots), open votes only


def _group(role: str | None, rules: BallotRules) -> Literal["main", "public", "skip"]:
    # Only business leaders set the agenda; everyone else (public partners, facilitators,
    # voters missing from the roster) is a public partner for counting purposes.
    if role == "business" or rules.public_partners == "include":
        return "main"
    return "public" if rules.public_partners == "separate" else "skip"


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def tally(ballots: Iterable[Ballot], priorities: Mapping[str, str],
          voters_roles: Mapping[str, Role], rules: BallotRules) -> list[TallyRow]:
    """Rank ``priorities`` (id -> label, in display order) by the dots ``ballots`` gave them.

    Equal dots are a tie: same rank, in display order. Scores are averaged over the voters
    whose dots count. One voter with two ballots is an error: the store must keep one per code.
    """
    dots: dict[str, dict[str, int]] = {"main": defaultdict(int), "public": defaultdict(int)}
    voters: dict[str, dict[str, set[str]]] = {"main": defaultdict(set),
                                              "public": defaultdict(set)}
    scores: dict[str, dict[str, list[int]]] = {"importance": defaultdict(list),
                                               "feasibility": defaultdict(list)}
    by_voter: dict[str, list[tuple[str, int]]] = defaultdict(list)
    seen: set[str] = set()
    stale = 0
    for ballot in ballots:
        if ballot.voter_id in seen:
            raise BallotError(f"voter '{ballot.voter_id}' has more than one ballot")
        seen.add(ballot.voter_id)
        group = _group(voters_roles.get(ballot.voter_id), rules)
        if group == "skip":
            continue
        for pid, n in ballot.dots.items():
            if pid not in priorities:
                stale += 1  # discarded after the vote opened: its dots no longer count
                continue
            if n > 0:
                dots[group][pid] += n
                voters[group][pid].add(ballot.voter_id)
                by_voter[pid].append((ballot.voter_id, n))
        if group == "main":
            for name in scores:
                for pid, score in (getattr(ballot, name) or {}).items():
                    if pid in priorities:
                        scores[name][pid].append(score)
    if stale:
        log.warning("%d dot entries were for priorities no longer on the list", stale)

    order = {pid: i for i, pid in enumerate(priorities)}
    ranked = sorted(priorities, key=lambda pid: (-dots["main"][pid], order[pid]))
    counts: dict[int, int] = defaultdict(int)
    for pid in ranked:
        counts[dots["main"][pid]] += 1
    rows: list[TallyRow] = []
    for position, pid in enumerate(ranked, start=1):
        main = dots["main"][pid]
        rank = rows[-1].rank if rows and rows[-1].dots == main else position
        separate = rules.public_partners == "separate"
        rows.append(TallyRow(
            priority_id=pid, label=priorities[pid], rank=rank, tied=counts[main] > 1,
            dots=main, voters=len(voters["main"][pid]),
            importance_mean=_mean(scores["importance"][pid]),
            feasibility_mean=_mean(scores["feasibility"][pid]),
            public_dots=dots["public"][pid] if separate else None,
            public_voters=len(voters["public"][pid]) if separate else None,
            by_voter=() if rules.anonymous else tuple(sorted(by_voter[pid])),
        ))
    return rows


@dataclass(frozen=True, slots=True)
class Volunteer:
    """A participant (roster name) offering to lead or join a priority's task team."""

    participant: str
    priority_id: str
    role: VolunteerRole = "member"


@dataclass(frozen=True, slots=True)
class Roster:
    """A priority's task team: its champions (one or more co-leads) and members."""

    priority_id: str
    champions: tuple[str, ...] = ()
    members: tuple[str, ...] = ()

    @property
    def needs_champion(self) -> bool:
        """True while nobody has offered to lead this priority."""
        return not self.champions


def build_rosters(volunteers: Iterable[Volunteer], priority_ids: Sequence[str],
                  roles: Mapping[str, Role] | None = None) -> dict[str, Roster]:
    """One roster per priority (in ``priority_ids`` order), people in sign-up order.

    Someone who signed up twice for one priority appears once, as champion if either sign-up
    was. With ``roles`` (name -> role), only business leaders may be champions: the
    partnership is industry-led, while public partners join task teams as members.
    """
    known = set(priority_ids)
    champions: dict[str, list[str]] = {pid: [] for pid in priority_ids}
    members: dict[str, list[str]] = {pid: [] for pid in priority_ids}
    for v in volunteers:
        if v.priority_id not in known:
            raise BallotError(f"priority '{v.priority_id}' is unknown or no longer on the list")
        if v.role not in ("champion", "member"):
            raise BallotError(f"'{v.role}' is not a task-team role: use champion or member")
        if v.role == "champion":
            if roles is not None and roles.get(v.participant) != "business":
                raise BallotError(f"{v.participant} cannot champion a priority: champions are "
                                  "business leaders (others can join as members)")
            if v.participant in members[v.priority_id]:
                members[v.priority_id].remove(v.participant)
            if v.participant not in champions[v.priority_id]:
                champions[v.priority_id].append(v.participant)
        elif (v.participant not in champions[v.priority_id]
              and v.participant not in members[v.priority_id]):
            members[v.priority_id].append(v.participant)
    return {pid: Roster(pid, tuple(champions[pid]), tuple(members[pid])) for pid in priority_ids}
