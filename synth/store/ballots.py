"""Voting's SQL: the vote row, its ballot, voter codes, ballots, volunteers, wrong-code counts.

Callers hold the transaction (:func:`synth.store.db.transaction`); nothing here commits.
Writers of one vote take :func:`get_vote` with ``lock=True`` first: on PostgreSQL that is
``SELECT ... FOR UPDATE`` on the vote row, on SQLite the transaction already holds the write
lock (``BEGIN IMMEDIATE``). Either way a ballot and a close of the same vote never interleave.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from synth.store.schema import (
    BallotMark,
    BallotPriority,
    BallotRecord,
    CodeAttempt,
    StoredParticipant,
    StoredTheme,
    VolunteerSignup,
    Vote,
    VoterCode,
    utcnow,
)

ANY = "*"  # the wildcard half of a throttle scope: every key of a source, every source of a key


# --- the vote and its ballot -----------------------------------------------------------------


def get_vote(session: Session, convening_id: int, *, lock: bool = False) -> Vote | None:
    """The convening's vote row, or None before codes are issued or the vote is opened."""
    stmt = select(Vote).where(Vote.convening_id == convening_id)
    if lock:
        # populate_existing: a row read earlier in this session must show what the lock
        # holder committed, not the session's stale copy.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def add_vote(session: Session, convening_id: int) -> Vote:
    """A new draft vote for the convening (the caller holds the convening's lock)."""
    vote = Vote(convening_id=convening_id, status="draft")
    session.add(vote)
    session.flush()
    return vote


def set_ballot(session: Session, convening_id: int, theme_ids: Sequence[int]) -> None:
    """Put these themes on the ballot, in this display order (replacing any earlier list)."""
    session.execute(delete(BallotPriority).where(BallotPriority.convening_id == convening_id))
    session.add_all(BallotPriority(convening_id=convening_id, theme_id=tid, position=i)
                    for i, tid in enumerate(theme_ids))
    session.flush()


def ballot_themes(session: Session, convening_id: int) -> list[StoredTheme]:
    """The themes put on the ballot when the vote opened, in display order, any status now."""
    return list(session.scalars(
        select(StoredTheme).join(BallotPriority, BallotPriority.theme_id == StoredTheme.id)
        .where(BallotPriority.convening_id == convening_id)
        .order_by(BallotPriority.position)))


def themes_by_id(session: Session, theme_ids: Iterable[int]) -> dict[int, StoredTheme]:
    """Themes by id (those that exist)."""
    ids = sorted(set(theme_ids))
    if not ids:
        return {}
    return {t.id: t for t in session.scalars(select(StoredTheme).where(StoredTheme.id.in_(ids)))}


# --- voter codes -----------------------------------------------------------------------------


def codes_with_key(session: Session, key: str) -> list[VoterCode]:
    """Every stored code whose lookup key is ``key`` (nearly always one, or none)."""
    return list(session.scalars(select(VoterCode).where(VoterCode.code_key == key)
                                .order_by(VoterCode.id)))


def keys_taken(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` some stored code already uses."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    return set(session.scalars(select(VoterCode.code_key).where(VoterCode.code_key.in_(wanted))))


def codes_of(session: Session, convening_id: int) -> dict[int, VoterCode]:
    """The convening's codes by participant id."""
    return {c.participant_id: c for c in session.scalars(
        select(VoterCode).where(VoterCode.convening_id == convening_id))}


def save_code(session: Session, convening_id: int, participant_id: int, key: str,
              code_hash: str, existing: VoterCode | None) -> VoterCode:
    """Store a participant's new code hash, replacing their earlier one in place."""
    row = existing or VoterCode(convening_id=convening_id, participant_id=participant_id)
    row.code_key, row.code_hash, row.issued_at = key, code_hash, utcnow()
    session.add(row)
    session.flush()
    return row


def participant(session: Session, participant_id: int) -> StoredParticipant | None:
    """A roster entry by id."""
    return session.get(StoredParticipant, participant_id)


# --- ballots ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """What a ballot says about one priority."""

    theme_id: int
    dots: int
    importance: int | None = None
    feasibility: int | None = None


@dataclass(frozen=True, slots=True)
class CastBallot:
    """A ballot as read back, with who cast it."""

    ballot_id: int
    participant_id: int
    name: str
    role: str
    revision: int
    updated_at: object
    marks: tuple[Mark, ...]


def ballot_of_code(session: Session, voter_code_id: int) -> BallotRecord | None:
    """The ballot cast with this code, if any."""
    return session.scalars(select(BallotRecord)
                           .where(BallotRecord.voter_code_id == voter_code_id)).first()


def marks_of(session: Session, ballot_ids: Iterable[int]) -> dict[int, list[Mark]]:
    """Marks by ballot id, in theme id order."""
    ids = sorted(set(ballot_ids))
    out: dict[int, list[Mark]] = defaultdict(list)
    if not ids:
        return out
    for m in session.scalars(select(BallotMark).where(BallotMark.ballot_id.in_(ids))
                             .order_by(BallotMark.ballot_id, BallotMark.theme_id)):
        out[m.ballot_id].append(Mark(m.theme_id, m.dots, m.importance, m.feasibility))
    return out


def save_ballot(session: Session, convening_id: int, voter_code_id: int,
                marks: Sequence[Mark]) -> BallotRecord:
    """Write the code's ballot: a new one, or the earlier one replaced (revision + 1)."""
    ballot = ballot_of_code(session, voter_code_id)
    now = utcnow()
    if ballot is None:
        ballot = BallotRecord(convening_id=convening_id, voter_code_id=voter_code_id,
                              revision=1, cast_at=now, updated_at=now)
        session.add(ballot)
        session.flush()
    else:
        session.execute(delete(BallotMark).where(BallotMark.ballot_id == ballot.id))
        ballot.revision += 1
        ballot.updated_at = now
    session.add_all(BallotMark(ballot_id=ballot.id, theme_id=m.theme_id, dots=m.dots,
                               importance=m.importance, feasibility=m.feasibility)
                    for m in marks)
    session.flush()
    return ballot


def ballots_of(session: Session, convening_id: int) -> list[CastBallot]:
    """Every ballot of the convening with its voter, in the order they were first cast."""
    rows = session.execute(
        select(BallotRecord, StoredParticipant)
        .join(VoterCode, VoterCode.id == BallotRecord.voter_code_id)
        .join(StoredParticipant, StoredParticipant.id == VoterCode.participant_id)
        .where(BallotRecord.convening_id == convening_id)
        .order_by(BallotRecord.id)).all()
    marks = marks_of(session, (b.id for b, _ in rows))
    return [CastBallot(b.id, p.id, p.name, p.role, b.revision, b.updated_at,
                       tuple(marks.get(b.id, ()))) for b, p in rows]


def count_ballots(session: Session, convening_id: int) -> int:
    """How many voters have cast a ballot."""
    return int(session.scalar(select(func.count()).select_from(BallotRecord)
                              .where(BallotRecord.convening_id == convening_id)) or 0)


def count_codes(session: Session, convening_id: int) -> int:
    """How many voter codes are out."""
    return int(session.scalar(select(func.count()).select_from(VoterCode)
                              .where(VoterCode.convening_id == convening_id)) or 0)


# --- volunteers ------------------------------------------------------------------------------


def volunteers_of(session: Session, convening_id: int) -> list[tuple[VolunteerSignup,
                                                                    StoredParticipant]]:
    """Sign-ups with their participants, in sign-up order."""
    rows = session.execute(
        select(VolunteerSignup, StoredParticipant)
        .join(StoredParticipant, StoredParticipant.id == VolunteerSignup.participant_id)
        .where(VolunteerSignup.convening_id == convening_id)
        .order_by(VolunteerSignup.at, VolunteerSignup.theme_id, StoredParticipant.name)).all()
    return [(v, p) for v, p in rows]


def set_volunteer(session: Session, convening_id: int, theme_id: int, participant_id: int,
                  role: str) -> None:
    """Sign a participant up for a priority's task team, or change the role they offered."""
    row = session.get(VolunteerSignup, (convening_id, theme_id, participant_id))
    if row is None:
        session.add(VolunteerSignup(convening_id=convening_id, theme_id=theme_id,
                                    participant_id=participant_id, role=role, at=utcnow()))
    else:
        row.role = role  # keeps the original sign-up time, so rosters keep their order
    session.flush()


def remove_volunteer(session: Session, convening_id: int, theme_id: int,
                     participant_id: int) -> bool:
    """Withdraw a sign-up; True if there was one."""
    row = session.get(VolunteerSignup, (convening_id, theme_id, participant_id))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


# --- wrong-code counts -----------------------------------------------------------------------


def source_id(source: str) -> str:
    """How a source (an address, a session) is stored: hashed, since it can be personal data."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:32]


def scopes(key: str, source: str) -> list[tuple[str, str]]:
    """The two throttle scopes of a guess: the whole source, and the code key from anywhere."""
    return [(ANY, source_id(source)), (key, ANY)]


def attempts(session: Session, pairs: Sequence[tuple[str, str]]) -> list[CodeAttempt]:
    """The stored counts of these (code key, source) scopes."""
    return [row for row in (session.get(CodeAttempt, pair) for pair in pairs) if row is not None]


def _insert_ignore(session: Session, pair: tuple[str, str]) -> None:
    # Two processes failing at once must both count: create the row if missing (a conflict
    # waits for the other insert and does nothing), then update it under a row lock.
    values = {"code_key": pair[0], "source": pair[1], "failures": 0, "last_at": 0.0,
              "blocked_until": 0.0}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(CodeAttempt).values(**values).on_conflict_do_nothing())


def record_failure(session: Session, pairs: Sequence[tuple[str, str]], now: float,
                   forget_after: float, delay_for: Callable[[int], float]) -> float:
    """Count a wrong code in each scope; return the longest block it now puts on them."""
    longest = 0.0
    for pair in pairs:
        _insert_ignore(session, pair)
        row = session.scalars(select(CodeAttempt).where(
            CodeAttempt.code_key == pair[0], CodeAttempt.source == pair[1])
            .with_for_update().execution_options(populate_existing=True)).one()
        if now - row.last_at > forget_after:
            row.failures = 0
        row.failures += 1
        row.last_at = now
        delay = delay_for(row.failures)
        row.blocked_until = now + delay
        longest = max(longest, delay)
    session.flush()
    return longest


def clear_attempts(session: Session, pairs: Sequence[tuple[str, str]]) -> None:
    """Forget the wrong codes counted in these scopes."""
    for key, source in pairs:
        session.execute(delete(CodeAttempt).where(CodeAttempt.code_key == key,
                                                  CodeAttempt.source == source))


def forget_stale_attempts(session: Session, before: float) -> int:
    """Drop counts untouched since ``before``, so the table stays small; return how many."""
    result = session.execute(delete(CodeAttempt).where(CodeAttempt.last_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


def roles_of(session: Session, participant_ids: Iterable[int]) -> Mapping[int, StoredParticipant]:
    """Roster entries by id."""
    ids = sorted(set(participant_ids))
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(
        select(StoredParticipant).where(StoredParticipant.id.in_(ids)))}
