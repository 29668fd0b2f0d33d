"""What every export shows about one convening's vote, as plain records.

Every format is rendered from one :class:`PriorityReport` (:mod:`synth.export.render`), which
:mod:`synth.export.results` fills in from the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from synth.decisions.voting import PublicPartners, Roster, TallyRow
from synth.errors import InputError
from synth.records import Participant, Role


@dataclass(frozen=True, slots=True)
class ReportQuote:
    """A verbatim quote: the transcript's words, who said them and when."""

    text: str
    speaker: str | None
    start: float  # seconds from the start of the recording
    recording: str  # the recording's file name, for display
    line: int | None = None  # 0-based line of a typed transcript, shown instead of a time


@dataclass(frozen=True, slots=True)
class ReportPriority:
    """One confirmed priority with its vote, its quotes and its task team."""

    id: str
    rank: int
    label: str
    label_generated: bool = False
    tied: bool = False
    dots: int = 0
    voters: int = 0
    importance_mean: float | None = None
    feasibility_mean: float | None = None
    public_dots: int | None = None  # public partners' dots when counted separately
    public_voters: int | None = None
    quotes: tuple[ReportQuote, ...] = ()
    # Dots stuck on the wall's paper (issue 30), counted apart from the ballots and never added
    # to ``dots``; None when the convening recorded no paper at all.
    paper_dots: int | None = None
    champions: tuple[Participant, ...] = ()
    members: tuple[Participant, ...] = ()


@dataclass(frozen=True, slots=True)
class VoteRecord:
    """One voter's dots on one priority; only ever exported for an open (named) vote."""

    voter: str
    role: Role
    priority_id: str
    dots: int
    importance: int | None = None
    feasibility: int | None = None


@dataclass(frozen=True, slots=True)
class PriorityReport:
    """Everything the exports show about one convening's vote."""

    partnership: str
    industry: str
    region: str
    convening_title: str
    convening_date: date
    convening_kind: str  # launch, task team, quarterly ...
    attendance: Mapping[str, int]  # role -> people in the room
    priorities: tuple[ReportPriority, ...]  # in rank order
    anonymous: bool = True
    public_partners: PublicPartners = "separate"
    votes: tuple[VoteRecord, ...] = field(default=())  # per-voter rows: open votes only

    def __post_init__(self) -> None:
        if self.anonymous and self.votes:
            # Defence in depth: a secret ballot must never reach a file voter by voter.
            raise InputError("this vote is anonymous: its report cannot list votes by voter")
        ranks = [p.rank for p in self.priorities]
        if ranks != sorted(ranks):
            raise InputError("the report's priorities must be in rank order")


def report_priority(row: TallyRow, *, quotes: Sequence[ReportQuote] = (),
                    roster: Roster | None = None, people: Mapping[str, Participant] | None = None,
                    label_generated: bool = False,
                    paper_dots: int | None = None) -> ReportPriority:
    """A report priority from its tally row, its best quotes (3 at most), its roster and the
    paper dots the wall gave it (None: no paper recorded)."""
    people = people or {}

    def who(names: Iterable[str]) -> tuple[Participant, ...]:
        return tuple(people.get(n, Participant(name=n)) for n in names)

    return ReportPriority(
        id=row.priority_id, rank=row.rank, label=row.label, label_generated=label_generated,
        tied=row.tied, dots=row.dots, voters=row.voters, importance_mean=row.importance_mean,
        feasibility_mean=row.feasibility_mean, public_dots=row.public_dots,
        public_voters=row.public_voters, quotes=tuple(quotes[:3]),
        champions=who(roster.champions) if roster else (),
        members=who(roster.members) if roster else (), paper_dots=paper_dots)
