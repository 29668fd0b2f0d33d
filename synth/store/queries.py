"""Reads over the store: lookups for the review, the ballot and the staff exports (the report).

Breadth of support counts business leaders, not statements: a theme's speakers are resolved
through the speaker mapping (renames, merges, roster assignments) to roster participants, and
only distinct participants with the business role count. A convening with no speaker mapped
to the roster falls back to distinct speakers, so an un-rostered meeting still ranks.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from synth.errors import NotFoundError
from synth.records import one_line
from synth.store.schema import (
    ActionItem,
    Affiliation,
    AuditEntry,
    Membership,
    Partnership,
    Priority,
    PriorityTheme,
    Run,
    Speaker,
    StatementVector,
    StoredConvening,
    StoredParticipant,
    StoredRecording,
    StoredStatement,
    StoredTheme,
    TeamMember,
    VolunteerSignup,
    VoterCode,
)

ACTIVE = ("candidate", "confirmed")


def _lock(stmt: Select, session: Session, lock: bool) -> Select:
    # FOR UPDATE serialises writers per convening on PostgreSQL; SQLite ignores it and is
    # serialised by BEGIN IMMEDIATE instead.
    return stmt.with_for_update() if lock else stmt


# --- lookups ---------------------------------------------------------------------------


def get_convening(session: Session, convening_id: int, *, lock: bool = False) -> StoredConvening:
    """The convening, or :class:`NotFoundError`; ``lock`` holds it until the transaction ends."""
    row = session.scalars(_lock(select(StoredConvening).where(StoredConvening.id == convening_id),
                                session, lock)).first()
    if row is None:
        raise NotFoundError(f"no convening with id {convening_id}.")
    return row


def find_convening(session: Session, ref: str | int) -> StoredConvening:
    """A convening by id or by title (the title must be unambiguous)."""
    if isinstance(ref, int) or str(ref).isdigit():
        return get_convening(session, int(ref))
    # Titles are stored on one line; one stored before that is still found as typed.
    rows = session.scalars(select(StoredConvening).where(
        StoredConvening.title.in_(sorted({str(ref), one_line(str(ref))})))).all()
    if not rows:
        raise NotFoundError(f"no convening titled {ref!r}; `synth review convenings` lists them.")
    if len(rows) > 1:
        raise NotFoundError(f"several convenings are titled {ref!r}; give its id instead "
                            f"({', '.join(str(r.id) for r in rows)}).")
    return rows[0]


def find_or_create_convening(session: Session, *, title: str, industry: str, region: str,
                             date: dt.date, kind: str) -> StoredConvening:
    """The partnership's convening with this title, created (with the partnership) if new.

    Title, industry and region are single-line everywhere (an email subject, a heading): their
    line breaks are collapsed to a space before they are looked up or stored."""
    title, industry, region = one_line(title), one_line(industry), one_line(region)
    partnership = session.scalars(select(Partnership).where(
        Partnership.industry == industry, Partnership.region == region)).first()
    if partnership is None:
        partnership = Partnership(industry=industry, region=region)
        session.add(partnership)
        session.flush()
    convening = session.scalars(select(StoredConvening).where(
        StoredConvening.partnership_id == partnership.id, StoredConvening.title == title)).first()
    if convening is None:
        convening = StoredConvening(partnership_id=partnership.id, title=title, date=date,
                                    kind=kind)
        session.add(convening)
        session.flush()
    return convening


def list_convenings(session: Session) -> list[tuple[StoredConvening, Partnership]]:
    """Every convening with its partnership, newest first."""
    rows = session.execute(select(StoredConvening, Partnership)
                           .join(Partnership, Partnership.id == StoredConvening.partnership_id)
                           .order_by(StoredConvening.date.desc(), StoredConvening.id.desc())).all()
    return [(c, p) for c, p in rows]


def get_theme(session: Session, theme_id: int, *, lock: bool = False) -> StoredTheme:
    """The theme, or :class:`NotFoundError`."""
    row = session.scalars(_lock(select(StoredTheme).where(StoredTheme.id == theme_id), session,
                                lock)).first()
    if row is None:
        raise NotFoundError(f"no theme with id {theme_id}; `synth review list` shows them.")
    return row


def themes_of(session: Session, convening_id: int, *, lock: bool = False) -> list[StoredTheme]:
    """All themes of a convening (every status), in id order."""
    return list(session.scalars(_lock(select(StoredTheme)
                                      .where(StoredTheme.convening_id == convening_id)
                                      .order_by(StoredTheme.id), session, lock)))


def memberships(session: Session, convening_id: int,
                statement_ids: Iterable[str] | None = None) -> dict[str, Membership]:
    """Membership rows of a convening by statement id (optionally only some statements)."""
    stmt = select(Membership).where(Membership.convening_id == convening_id)
    if statement_ids is not None:
        ids = list(statement_ids)
        return {m.statement_id: m for chunk in _chunks(ids)
                for m in session.scalars(stmt.where(Membership.statement_id.in_(chunk)))}
    return {m.statement_id: m for m in session.scalars(stmt)}


def members_of(session: Session, theme_ids: Iterable[int]) -> list[Membership]:
    """Membership rows of these themes."""
    ids = list(theme_ids)
    return list(session.scalars(select(Membership).where(Membership.theme_id.in_(ids))
                                .order_by(Membership.statement_id))) if ids else []


def statements_of(session: Session, convening_id: int,
                  ids: Iterable[str] | None = None) -> dict[str, StoredStatement]:
    """Statements of a convening by id, in spoken order."""
    stmt = select(StoredStatement).where(StoredStatement.convening_id == convening_id)
    if ids is None:
        rows = list(session.scalars(stmt.order_by(StoredStatement.position)))
    else:
        rows = sorted((s for chunk in _chunks(list(ids))
                       for s in session.scalars(stmt.where(StoredStatement.id.in_(chunk)))),
                      key=lambda s: s.position)
    return {s.id: s for s in rows}


def require_statements(session: Session, convening_id: int,
                       ids: Sequence[str]) -> dict[str, StoredStatement]:
    """The statements, or :class:`NotFoundError` naming the first unknown id."""
    found = statements_of(session, convening_id, ids)
    for sid in ids:
        if sid not in found:
            raise NotFoundError(f"no statement {sid!r} in convening {convening_id}.")
    return found


def recordings_of(session: Session, convening_id: int) -> dict[str, StoredRecording]:
    """Recordings of a convening by id."""
    return {r.id: r for r in session.scalars(
        select(StoredRecording).where(StoredRecording.convening_id == convening_id))}


def speakers_of(session: Session, convening_id: int) -> dict[str, Speaker]:
    """Speaker rows of a convening by label."""
    return {s.label: s for s in session.scalars(
        select(Speaker).where(Speaker.convening_id == convening_id).order_by(Speaker.label))}


def get_speaker(session: Session, convening_id: int, label: str) -> Speaker:
    """A speaker row, or :class:`NotFoundError`."""
    row = session.get(Speaker, (convening_id, label))
    if row is None:
        raise NotFoundError(f"no speaker {label!r} in convening {convening_id}; "
                            "`synth speakers list` shows them.")
    return row


def roster_of(session: Session, partnership_id: int) -> dict[int, StoredParticipant]:
    """The partnership's roster by participant id."""
    return {p.id: p for p in session.scalars(
        select(StoredParticipant).where(StoredParticipant.partnership_id == partnership_id))}


def find_participant(session: Session, partnership_id: int, name: str) -> StoredParticipant:
    """A roster entry by name, or :class:`NotFoundError`."""
    row = session.scalars(select(StoredParticipant).where(
        StoredParticipant.partnership_id == partnership_id, StoredParticipant.name == name)).first()
    if row is None:
        raise NotFoundError(f"{name!r} is not on this partnership's roster.")
    return row


def vectors_of(session: Session, convening_id: int, ids: Iterable[str]) -> dict[str, np.ndarray]:
    """Stored embeddings of these statements (those that have one)."""
    stmt = select(StatementVector).where(StatementVector.convening_id == convening_id)
    return {v.statement_id: np.frombuffer(v.vector, dtype=np.float32)
            for chunk in _chunks(list(ids))
            for v in session.scalars(stmt.where(StatementVector.statement_id.in_(chunk)))}


def runs_of(session: Session, convening_id: int) -> list[Run]:
    """Imports into a convening, oldest first."""
    return list(session.scalars(select(Run).where(Run.convening_id == convening_id)
                                .order_by(Run.id)))


def audit_of(session: Session, convening_id: int) -> list[AuditEntry]:
    """The convening's audit log, oldest first."""
    return list(session.scalars(select(AuditEntry).where(AuditEntry.convening_id == convening_id)
                                .order_by(AuditEntry.id)))


def last_action(session: Session, convening_id: int) -> AuditEntry | None:
    """The latest entry that is not an undo and has not been undone (what undo reverts)."""
    return session.scalars(select(AuditEntry).where(
        AuditEntry.convening_id == convening_id, AuditEntry.action != "undo",
        AuditEntry.undone_by.is_(None)).order_by(AuditEntry.id.desc()).limit(1)).first()


def delete_memberships(session: Session, convening_id: int, statement_ids: Iterable[str]) -> None:
    """Remove membership rows (the statements then belong to no theme)."""
    for chunk in _chunks(list(statement_ids)):
        session.execute(delete(Membership).where(Membership.convening_id == convening_id,
                                                 Membership.statement_id.in_(chunk)))


def count(session: Session, model: type[Any], convening_id: int) -> int:
    """Rows of a per-convening table, for checks and reports."""
    column = model.convening_id
    return int(session.scalar(select(func.count()).select_from(model)
                              .where(column == convening_id)) or 0)


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    # Keeps IN lists under SQLite's parameter limit.
    for i in range(0, len(items), size):
        yield items[i:i + size]


# --- who spoke ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Who:
    """A speaker label resolved through renames, merges and the roster."""

    name: str
    role: str  # business, public, facilitator, other (not on the roster)
    company: str | None = None
    participant_id: int | None = None


def resolve_speakers(session: Session, convening: StoredConvening) -> dict[str, Who]:
    """Every speaker label of the convening mapped to who it really is."""
    speakers = speakers_of(session, convening.id)
    roster = roster_of(session, convening.partnership_id)
    by_name = {p.name: p for p in roster.values()}
    out: dict[str, Who] = {}
    for label in speakers:
        row, seen = speakers[label], {label}
        while row.merged_into and row.merged_into in speakers and row.merged_into not in seen:
            seen.add(row.merged_into)
            row = speakers[row.merged_into]
        name = row.name or row.label
        person = roster.get(row.participant_id) if row.participant_id else by_name.get(name)
        out[label] = (Who(person.name, person.role, person.company, person.id) if person
                      else Who(name, "other"))
    return out


# --- reports -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThemeSummary:
    """A theme as a facilitator reviews it: ranked by breadth of business support."""

    id: int
    rank: int | None  # None for discarded and merged themes
    status: str
    label: str
    label_generated: bool
    keywords: tuple[str, ...]
    version: int
    statement_ids: tuple[str, ...]
    pinned: tuple[str, ...]
    speakers: tuple[str, ...]
    business_leaders: tuple[str, ...]
    companies: tuple[str, ...]
    breadth: int
    talk_seconds: float
    stability: float
    merged_into: int | None = None
    kinds: dict[str, int] = field(default_factory=dict)
    # Business leaders' seconds in this theme, and that as a share of all their talk in the
    # convening: when every candidate has the same leaders, how much they said still differs.
    business_seconds: float = 0.0
    business_share: float = 0.0
    read_back: bool = False  # named in the facilitator's recap: ranked first
    quote_ids: tuple[str, ...] = ()  # the pipeline's quotes, best first


def theme_summaries(session: Session, convening_id: int, *,
                    include_all: bool = False) -> list[ThemeSummary]:
    """The convening's themes ranked: those named in the facilitator's recap first, then by
    breadth (business leaders, then companies, business leaders' talk time, speakers).

    Candidates and confirmed themes are ranked; with ``include_all`` discarded and merged
    ones follow, unranked.
    """
    convening = get_convening(session, convening_id)
    who = resolve_speakers(session, convening)
    roster_used = any(w.participant_id is not None for w in who.values())
    statements = statements_of(session, convening_id)
    members: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for m in memberships(session, convening_id).values():
        if m.theme_id is not None:
            members[m.theme_id].append((m.statement_id, m.pinned))
    business_total = sum(max(s.end - s.start, 0.0) for s in statements.values()
                         if not s.withdrawn and s.speaker in who
                         and who[s.speaker].role == "business")
    out: list[ThemeSummary] = []
    for t in themes_of(session, convening_id):
        rows = sorted((statements[sid] for sid, _ in members[t.id]
                       if not statements[sid].withdrawn), key=lambda s: s.position)
        people = [who[s.speaker] for s in rows if s.speaker and s.speaker in who]
        business = sorted({w.name for w in people if w.role == "business"})
        names = sorted({w.name for w in people})
        kinds: dict[str, int] = defaultdict(int)
        for s in rows:
            kinds[s.kind] += 1
        business_seconds = sum(max(s.end - s.start, 0.0) for s in rows
                               if s.speaker in who and who[s.speaker].role == "business")
        out.append(ThemeSummary(
            id=t.id, rank=None, status=t.status, label=t.label, label_generated=t.label_generated,
            keywords=tuple(t.keywords), version=t.version,
            statement_ids=tuple(s.id for s in rows),
            pinned=tuple(sid for sid, pinned in members[t.id] if pinned), speakers=tuple(names),
            business_leaders=tuple(business),
            companies=tuple(sorted({w.company for w in people
                                    if w.role == "business" and w.company})),
            breadth=len(business) if roster_used else len(names),
            talk_seconds=round(sum(max(s.end - s.start, 0.0) for s in rows), 3),
            stability=t.stability, merged_into=t.merged_into, kinds=dict(kinds),
            business_seconds=round(business_seconds, 3),
            business_share=round(business_seconds / business_total, 4) if business_total
            else 0.0, read_back=t.read_back, quote_ids=tuple(t.quote_ids or ())))
    # As the pipeline ranks them: the themes the room confirmed in the facilitator's recap
    # first, then by breadth. Equal breadth is common (a small room where every leader touches
    # every topic): then the candidate the leaders spent more time on comes first.
    ranked = sorted((s for s in out if s.status in ACTIVE),
                    key=lambda s: (not s.read_back, -s.breadth, -len(s.companies),
                                   -s.business_seconds, -len(s.speakers),
                                   -len(s.statement_ids), s.id))
    result = [_with_rank(s, i) for i, s in enumerate(ranked, start=1)]
    if include_all:
        result += [s for s in out if s.status not in ACTIVE]
    return result


def _with_rank(s: ThemeSummary, rank: int) -> ThemeSummary:
    return replace(s, rank=rank)


@dataclass(frozen=True, slots=True)
class TalkTime:
    """Seconds and shares of the convening's statements by speaker role."""

    seconds: dict[str, float]
    shares: dict[str, float]

    @property
    def business_outnumbers_public(self) -> bool:
        """The healthy-partnership indicator: business voices take more time than public ones."""
        return self.seconds.get("business", 0.0) > self.seconds.get("public", 0.0)


def talk_time(session: Session, convening_id: int) -> TalkTime:
    """Talk time by business leaders, public partners, facilitators, others and unknown.

    Computed from the stored statements, so it follows every speaker correction.
    """
    convening = get_convening(session, convening_id)
    who = resolve_speakers(session, convening)
    seconds: dict[str, float] = {r: 0.0 for r in ("business", "public", "facilitator")}
    for s in statements_of(session, convening_id).values():
        role = who[s.speaker].role if s.speaker and s.speaker in who else "unknown"
        seconds[role] = seconds.get(role, 0.0) + max(s.end - s.start, 0.0)
    total = sum(seconds.values()) or 1.0
    return TalkTime(seconds={k: round(v, 3) for k, v in seconds.items()},
                    shares={k: round(v / total, 4) for k, v in seconds.items()})


# --- partnership memory: priorities, task teams, action plans, company history --------------


def get_partnership(session: Session, partnership_id: int, *, lock: bool = False) -> Partnership:
    """The partnership, or :class:`NotFoundError`; ``lock`` serialises its priorities' writers."""
    row = session.scalars(_lock(select(Partnership).where(Partnership.id == partnership_id),
                                session, lock)).first()
    if row is None:
        raise NotFoundError(f"no partnership with id {partnership_id}; "
                            "`synth priority partnerships` lists them.")
    return row


def list_partnerships(session: Session) -> list[Partnership]:
    """Every partnership, by industry and region."""
    return list(session.scalars(select(Partnership).order_by(Partnership.industry,
                                                             Partnership.region)))


def priorities_of(session: Session, partnership_id: int,
                  statuses: Sequence[str] | None = None) -> list[Priority]:
    """The partnership's priorities (optionally of some statuses), oldest first."""
    stmt = select(Priority).where(Priority.partnership_id == partnership_id)
    if statuses is not None:
        stmt = stmt.where(Priority.status.in_(list(statuses)))
    return list(session.scalars(stmt.order_by(Priority.id)))


def get_priority(session: Session, priority_id: int) -> Priority:
    """The priority, or :class:`NotFoundError`."""
    row = session.get(Priority, priority_id)
    if row is None:
        raise NotFoundError(f"no priority with id {priority_id}; "
                            "`synth priority list` shows them.")
    return row


def priority_key(name: str) -> str:
    """How two names of one priority compare: case and spacing aside."""
    return " ".join(name.split()).casefold()


def priority_named(session: Session, partnership_id: int, name: str) -> Priority | None:
    """The partnership's priority with this name (case and spacing aside), if any."""
    key = priority_key(name)
    return next((p for p in priorities_of(session, partnership_id)
                 if priority_key(p.name) == key), None)


def linked_themes(session: Session, priority_ids: Iterable[int]) -> dict[int, list[StoredTheme]]:
    """The themes linked to each priority (every convening), oldest convening first."""
    ids = list(priority_ids)
    out: dict[int, list[StoredTheme]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.execute(select(PriorityTheme.priority_id, StoredTheme)
                           .join(StoredTheme, StoredTheme.id == PriorityTheme.theme_id)
                           .join(StoredConvening, StoredConvening.id == StoredTheme.convening_id)
                           .where(PriorityTheme.priority_id.in_(ids))
                           .order_by(StoredConvening.date, StoredConvening.id, StoredTheme.id))
    for pid, theme in rows:
        out[pid].append(theme)
    return out


def priority_link(session: Session, theme_id: int) -> int | None:
    """The id of the priority a theme feeds, if any."""
    row = session.get(PriorityTheme, theme_id)
    return row.priority_id if row is not None else None


def team_rows(session: Session, priority_id: int) -> list[TeamMember]:
    """The task team's rows, champions first, then by participant id."""
    return list(session.scalars(select(TeamMember).where(TeamMember.priority_id == priority_id)
                                .order_by(TeamMember.role, TeamMember.participant_id)))


def signup_roles(session: Session, priority_id: int, participant_id: int) -> list[str]:
    """The roles a participant offered at any convening's vote on the themes feeding a
    priority (one per sign-up)."""
    return list(session.scalars(
        select(VolunteerSignup.role)
        .join(PriorityTheme, PriorityTheme.theme_id == VolunteerSignup.theme_id)
        .where(PriorityTheme.priority_id == priority_id,
               VolunteerSignup.participant_id == participant_id)))


def plan_of(session: Session, priority_id: int) -> list[ActionItem]:
    """The priority's action-plan rows in their order."""
    return list(session.scalars(select(ActionItem).where(ActionItem.priority_id == priority_id)
                                .order_by(ActionItem.position, ActionItem.id)))


def partnership_audit(session: Session, partnership_id: int) -> list[AuditEntry]:
    """The partnership's audit log (changes to its priorities), oldest first."""
    return list(session.scalars(select(AuditEntry)
                                .where(AuditEntry.partnership_id == partnership_id)
                                .order_by(AuditEntry.id)))


def last_partnership_action(session: Session, partnership_id: int) -> AuditEntry | None:
    """The partnership's latest change that is not an undo and was not undone."""
    return session.scalars(select(AuditEntry).where(
        AuditEntry.partnership_id == partnership_id, AuditEntry.action != "undo",
        AuditEntry.undone_by.is_(None)).order_by(AuditEntry.id.desc()).limit(1)).first()


def affiliations_of(session: Session, participant_id: int) -> list[Affiliation]:
    """A participant's companies over time, oldest first (an unknown start sorts first)."""
    rows = session.scalars(select(Affiliation).where(Affiliation.participant_id == participant_id)
                           .order_by(Affiliation.id))
    return sorted(rows, key=lambda a: (a.since is not None, a.since or dt.date.min, a.id))


def company_on(session: Session, participant_id: int, day: dt.date) -> str | None:
    """The company a participant was with on ``day`` (from their history), if known."""
    for a in reversed(affiliations_of(session, participant_id)):
        if (a.since is None or a.since <= day) and (a.until is None or day < a.until):
            return a.company
    return None


def set_company(session: Session, person: StoredParticipant, company: str | None,
                day: dt.date) -> None:
    """Record that ``person`` is with ``company`` (None: not known) as of ``day``, the date of
    the convening whose roster says so: a new company closes the one they were with (until
    ``day``) and opens its own (since ``day``; unknown for someone new, whose history begins
    here). A roster of a convening older than the current company's start changes nothing:
    an earlier meeting does not say where people are now."""
    company = (company or "").strip() or None
    if person.id is None:  # new on the roster
        person.company = company
        session.add(person)
        session.flush()
        if company:
            session.add(Affiliation(participant_id=person.id, company=company))
        return
    history = affiliations_of(session, person.id)
    current = [a for a in history if a.until is None]
    if any(a.since is not None and day < a.since for a in current):
        return
    held = current[-1].company if current else person.company
    if company == held:
        person.company = company
        return
    if not current and held:  # a company held before its history was kept
        session.add(Affiliation(participant_id=person.id, company=held, until=day))
    for a in current:
        a.until = day
    if company:
        session.add(Affiliation(participant_id=person.id, company=company, since=day))
    person.company = company
    session.flush()


def priorities_raised_at(session: Session, convening_id: int) -> list[int]:
    """The ids of the priorities the convening's themes feed, in id order."""
    return sorted(set(session.scalars(
        select(PriorityTheme.priority_id)
        .join(StoredTheme, StoredTheme.id == PriorityTheme.theme_id)
        .where(StoredTheme.convening_id == convening_id))))


def people_rows(session: Session,
                convening_id: int) -> list[Speaker | VoterCode | VolunteerSignup]:
    """The convening's rows that name a roster participant: its speakers mapped to one, its
    voter codes (ballots hang on them) and its volunteers' sign-ups."""
    return [*session.scalars(select(Speaker).where(Speaker.convening_id == convening_id,
                                                   Speaker.participant_id.is_not(None))),
            *session.scalars(select(VoterCode).where(VoterCode.convening_id == convening_id)),
            *session.scalars(select(VolunteerSignup)
                             .where(VolunteerSignup.convening_id == convening_id))]


@dataclass(frozen=True, slots=True)
class KnownStatement:
    """A statement that raised a known priority at an earlier convening."""

    convening_id: int
    id: str
    text: str
    vector: np.ndarray | None


@dataclass(frozen=True, slots=True)
class KnownPriority:
    """A partnership priority new talk can be matched onto: its name and what raised it."""

    id: int
    name: str
    status: str
    theme_ids: tuple[int, ...]
    statements: tuple[KnownStatement, ...]


def known_priorities(session: Session, partnership_id: int) -> list[KnownPriority]:
    """The partnership's confirmed and active priorities with their member statements (ids,
    verbatim text, stored vectors), from every convening that raised them; withdrawn words
    are left out, and so are themes still candidates (a meeting's talk the import linked to a
    priority counts for it once a facilitator confirms it, never before)."""
    priorities = priorities_of(session, partnership_id, ("confirmed", "active"))
    linked = {pid: [t for t in themes if t.status == "confirmed"]
              for pid, themes in linked_themes(session, [p.id for p in priorities]).items()}
    out = []
    for p in priorities:
        said: list[KnownStatement] = []
        for theme in linked[p.id]:
            ids = [m.statement_id for m in members_of(session, [theme.id])]
            rows = statements_of(session, theme.convening_id, ids)
            vectors = vectors_of(session, theme.convening_id, rows)
            said += [KnownStatement(theme.convening_id, sid, st.text, vectors.get(sid))
                     for sid, st in rows.items() if not st.withdrawn]
        out.append(KnownPriority(p.id, p.name, p.status, tuple(t.id for t in linked[p.id]),
                                 tuple(said)))
    return out
