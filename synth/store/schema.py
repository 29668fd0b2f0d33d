"""The review database as SQLAlchemy 2 typed ORM models.

Ids that come from a result (recording hashes, statement ids) are kept as they are, scoped by
convening, so a re-run of the pipeline lands on the same rows. Themes get the store's own
integer ids: a result's theme ids are only stable for one input, and facilitators refer to a
priority across re-runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

CONVENING_KINDS = ("launch", "task_team", "quarterly")
ROLES = ("business", "public", "facilitator", "other")
THEME_STATUSES = ("candidate", "confirmed", "discarded", "merged")
STATEMENT_KINDS = ("opportunity", "need", "other")

# Stable constraint names, so migrations can refer to them on PostgreSQL and in SQLite batches.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Partnership(Base):
    """One industry in one regional labour market."""

    __tablename__ = "partnerships"
    __table_args__ = (UniqueConstraint("industry", "region"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    industry: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200))


class StoredConvening(Base):
    """One meeting of a partnership: the launch, a task team or a quarterly."""

    __tablename__ = "convenings"
    __table_args__ = (UniqueConstraint("partnership_id", "title"),
                      CheckConstraint(_in("kind", CONVENING_KINDS), name="kind"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="launch")


class StoredParticipant(Base):
    """A person on a partnership's roster; people come back to later convenings."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("partnership_id", "name"),
                      CheckConstraint(_in("role", ROLES), name="role"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="business")


class Run(Base):
    """One imported pipeline result (the first import or a re-run)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    convening_id: Mapped[int] = mapped_column(ForeignKey("convenings.id"), index=True)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str] = mapped_column(String(500))  # file name, for display
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the result's JSON
    talk_time_by_role: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class StoredRecording(Base):
    """One input file of a convening, identified by the hash of its content."""

    __tablename__ = "recordings"

    convening_id: Mapped[int] = mapped_column(ForeignKey("convenings.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    duration: Mapped[float | None] = mapped_column(Float)


class Speaker(Base):
    """A speaker label of a convening and who it really is.

    ``label`` is what the transcript says (``SPEAKER_01`` or a name); ``name`` is the
    facilitator's correction, ``merged_into`` another label of the same person, and
    ``participant_id`` the roster entry, which gives the role and company.
    """

    __tablename__ = "speakers"

    convening_id: Mapped[int] = mapped_column(ForeignKey("convenings.id"), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    merged_into: Mapped[str | None] = mapped_column(String(200))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))


class StoredStatement(Base):
    """One sentence-sized unit of what was said, verbatim, with its provenance."""

    __tablename__ = "statements"
    __table_args__ = (
        ForeignKeyConstraint(["convening_id", "recording_id"],
                             ["recordings.convening_id", "recordings.id"]),
        CheckConstraint(_in("kind", STATEMENT_KINDS), name="kind"),
    )

    convening_id: Mapped[int] = mapped_column(ForeignKey("convenings.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    recording_id: Mapped[str] = mapped_column(String(64))
    turn: Mapped[int] = mapped_column(Integer)
    line: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[float] = mapped_column("start_s", Float)
    end: Mapped[float] = mapped_column("end_s", Float)
    text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(200))  # the raw label
    kind: Mapped[str] = mapped_column(String(20), default="other")
    clusterable: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # A participant withdrew these words: ``text`` is then empty and only the sha256 of the
    # words (see synth.store.withdrawn.text_hash) is kept, so a re-import of the same words stays
    # withdrawn. The row stays so that re-import matching by id knows it too.
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    withdrawn_hash: Mapped[str | None] = mapped_column(String(64))
    # Whisper's probability of each word of ``text`` (see synth.themes.quotes): quotes prefer sure
    # words and mark unsure ones. None for a typed transcript, whose words are as written.
    word_probs: Mapped[list[float] | None] = mapped_column(JSON)


class StatementVector(Base):
    """A statement's embedding (float32 bytes), kept so splits and re-runs can use it."""

    __tablename__ = "statement_vectors"
    __table_args__ = (ForeignKeyConstraint(["convening_id", "statement_id"],
                                           ["statements.convening_id", "statements.id"]),)

    convening_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class StoredTheme(Base):
    """A candidate or confirmed shared priority.

    ``version`` is the optimistic-concurrency counter: every change to a theme or to its
    membership bumps it, and an edit made against an older version is refused.
    """

    __tablename__ = "themes"
    __table_args__ = (CheckConstraint(_in("status", THEME_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    convening_id: Mapped[int] = mapped_column(ForeignKey("convenings.id"), index=True)
    source_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    source_key: Mapped[str | None] = mapped_column(String(64))  # the theme id in that result
    status: Mapped[str] = mapped_column(String(20), default="candidate")
    label: Mapped[str] = mapped_column(String(300))
    label_generated: Mapped[bool] = mapped_column(Boolean, default=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    stability: Mapped[float] = mapped_column(Float, default=0.0)
    # Named in the facilitator's recap: the room confirmed it, so it ranks first (0007).
    read_back: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The statements the pipeline quoted, best first (0008): the review cards, the ballot and
    # the exports show these while they are still members (synth.themes.quotes.choose).
    quote_ids: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("themes.id"))
    # True once a facilitator acted on the theme: re-runs then keep its members.
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # The application sets the new version itself (review.bump) so that membership changes,
    # which do not touch this row's other columns, also count as a change of the theme.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class StoredNote(Base):
    """A note the room wrote (a flip-chart line, a sticky note), typed from paper (issue 30).

    Written, not said: never a statement, never a quote. ``theme_id`` is the candidate the
    pipeline matched it to (null: it matched nothing said); a theme's deletion unmatches it.
    """

    __tablename__ = "notes"

    convening_id: Mapped[int] = mapped_column(ForeignKey("convenings.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order of the result
    file: Mapped[str] = mapped_column(String(500))  # the notes file's name
    line: Mapped[int] = mapped_column(Integer)  # 0-based line of that file
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    table_label: Mapped[str | None] = mapped_column(String(200))  # "Table 2"
    sheet: Mapped[str | None] = mapped_column(String(300))  # the flip chart's title
    dots: Mapped[int] = mapped_column(Integer, default=0)  # paper dots stuck on it
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"),
                                                 index=True)
    statement_id: Mapped[str | None] = mapped_column(String(64))  # nearest said statement
    similarity: Mapped[float | None] = mapped_column(Float)


class PaperDots(Base):
    """Paper dots counted on the wall for a whole theme (issue 30): entered by staff, reported
    beside the app's ballots and never added to them."""

    __tablename__ = "paper_dots"
    __table_args__ = (CheckConstraint("dots >= 0", name="dots"),)

    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"),
                                          primary_key=True)
    convening_id: Mapped[int] = mapped_column(ForeignKey("convenings.id"), index=True)
    dots: Mapped[int] = mapped_column(Integer)


class Membership(Base):
    """Which theme a statement is in; ``pinned`` when a facilitator put it there by hand.

    A statement is in at most one theme. A pinned row with no theme means the facilitator
    took the statement out of every theme, and a re-run must not put it back.
    """

    __tablename__ = "theme_members"
    __table_args__ = (ForeignKeyConstraint(["convening_id", "statement_id"],
                                           ["statements.convening_id", "statements.id"]),
                      Index("ix_theme_members_theme_id", "theme_id"))

    convening_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """One facilitator action or import: who, when, what, and the state before and after.

    ``before`` is what undo restores; ``undone_by`` points at the undo entry that reverted it.
    """

    __tablename__ = "audit_log"
    # A review action belongs to a convening; a change to a partnership's priorities, task
    # teams or action plans (synth.decisions.priorities) to the partnership, with no convening.
    __table_args__ = (CheckConstraint("(convening_id IS NULL) <> (partnership_id IS NULL)",
                                      name="scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    convening_id: Mapped[int | None] = mapped_column(ForeignKey("convenings.id"), index=True)
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id"),
                                                       index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    who: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("audit_log.id"))


# --- voting: the vote of a convening, voter codes, ballots, volunteers, throttle ------------

VOTE_STATUSES = ("draft", "open", "closed")
PUBLIC_PARTNERS = ("exclude", "separate", "include")
VOLUNTEER_ROLES = ("champion", "member")


class Vote(Base):
    """A convening's dot vote: where it stands and its rules.

    Every ballot written takes a lock on this row (``FOR UPDATE`` on PostgreSQL, the write lock
    of ``BEGIN IMMEDIATE`` on SQLite), and so does closing it: a ballot is either saved before
    the close or refused after it, never half of each.
    """

    __tablename__ = "votes"
    __table_args__ = (CheckConstraint(_in("status", VOTE_STATUSES), name="status"),
                      CheckConstraint(_in("public_partners", PUBLIC_PARTNERS),
                                      name="public_partners"))

    convening_id: Mapped[int] = mapped_column(ForeignKey("convenings.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    # Rules are fixed when the vote opens; a draft has none yet.
    dots_per_voter: Mapped[int | None] = mapped_column(Integer)
    max_per_priority: Mapped[int | None] = mapped_column(Integer)
    ask_scores: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    public_partners: Mapped[str] = mapped_column(String(10), default="separate")
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    opened_by: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(200))


class BallotPriority(Base):
    """A priority on the ballot: the confirmed themes when the vote opened, in display order.

    Deleting a theme (undoing the review action that made it) takes it off the ballot.
    """

    __tablename__ = "ballot_priorities"

    convening_id: Mapped[int] = mapped_column(ForeignKey("votes.convening_id"),
                                              primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"),
                                          primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class VoterCode(Base):
    """One participant's personal code for one convening, kept only as a slow salted hash.

    ``code_key`` (the code's first group, not secret alone) finds the row without hashing
    every voter's code. Issuing a new code for the same person replaces the hash in place, so
    a ballot already cast stays theirs and the lost code stops working.
    """

    __tablename__ = "voter_codes"
    __table_args__ = (UniqueConstraint("convening_id", "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    convening_id: Mapped[int] = mapped_column(ForeignKey("convenings.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    code_key: Mapped[str] = mapped_column(String(8), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BallotRecord(Base):
    """The one ballot of a voter code; replaced in place (``revision`` + 1) until the close."""

    __tablename__ = "ballots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    convening_id: Mapped[int] = mapped_column(ForeignKey("convenings.id"), index=True)
    # unique: one ballot per code, even if two submissions race past the vote lock.
    voter_code_id: Mapped[int] = mapped_column(ForeignKey("voter_codes.id"), unique=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    cast_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BallotMark(Base):
    """A ballot's dots on one priority, with the optional 1..5 importance and feasibility."""

    __tablename__ = "ballot_marks"
    __table_args__ = (CheckConstraint("dots >= 0", name="dots"),)

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"),
                                           primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"),
                                          primary_key=True)
    dots: Mapped[int] = mapped_column(Integer, default=0)
    importance: Mapped[int | None] = mapped_column(Integer)
    feasibility: Mapped[int | None] = mapped_column(Integer)


class VolunteerSignup(Base):
    """A participant offering to champion (lead) or join a priority's task team."""

    __tablename__ = "volunteers"
    __table_args__ = (CheckConstraint(_in("role", VOLUNTEER_ROLES), name="role"),)

    convening_id: Mapped[int] = mapped_column(ForeignKey("convenings.id"), primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"),
                                          primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10), default="member")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CodeAttempt(Base):
    """Wrong voter codes counted per scope, so the back-off holds across processes.

    A row is either source-wide (``code_key`` is ``*``) or key-wide (``source`` is ``*``);
    sources are stored hashed, since an address is personal data. Times are seconds on the
    throttle's clock (wall-clock time outside tests).
    """

    __tablename__ = "code_attempts"

    code_key: Mapped[str] = mapped_column(String(8), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[float] = mapped_column(Float, default=0.0)
    blocked_until: Mapped[float] = mapped_column(Float, default=0.0)


# --- partnership memory: priorities across convenings, task teams, action plans, roster ------

PRIORITY_STATUSES = ("candidate", "confirmed", "active", "done", "retired")
TEAM_ROLES = ("champion", "member")
PLAN_STATUSES = ("not_started", "in_progress", "done", "blocked")


class Priority(Base):
    """A partnership's shared priority, which lives across its convenings.

    Each convening that raised it links its theme (:class:`PriorityTheme`); ``status`` moves
    from candidate or confirmed to active (a champion leads a task team on it), then done or
    retired. Every change is in the audit log with the partnership's id, and can be undone.
    """

    __tablename__ = "priorities"
    __table_args__ = (CheckConstraint(_in("status", PRIORITY_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    # Where it was first raised; kept (as null) when that convening's theme is gone.
    created_convening_id: Mapped[int | None] = mapped_column(
        ForeignKey("convenings.id", ondelete="SET NULL"))
    created_theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("themes.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PriorityTheme(Base):
    """A convening's theme that raised (or raised again) a partnership priority.

    A theme feeds at most one priority; deleting the theme (a review's undo) drops the link.
    """

    __tablename__ = "priority_themes"

    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"),
                                          primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priorities.id", ondelete="CASCADE"),
                                             index=True)


class TeamMember(Base):
    """A person on a priority's task team: a champion (a co-lead) or a member."""

    __tablename__ = "priority_team"
    __table_args__ = (CheckConstraint(_in("role", TEAM_ROLES), name="role"),)

    priority_id: Mapped[int] = mapped_column(ForeignKey("priorities.id", ondelete="CASCADE"),
                                             primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10), default="member")
    since: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ActionItem(Base):
    """One row of a priority's action plan, as staff send it to the task team."""

    __tablename__ = "action_items"
    __table_args__ = (CheckConstraint(_in("status", PLAN_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priorities.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    objective: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    support_partners: Mapped[str] = mapped_column(Text, default="")
    goal_60_day: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    due: Mapped[dt.date | None] = mapped_column(Date)


class Affiliation(Base):
    """Which company a participant was with, and from when to when (people change companies).

    ``participants.company`` is the current one; this is its history. ``since`` is unknown
    (null) for the company a person had when the history began.
    """

    __tablename__ = "affiliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    company: Mapped[str] = mapped_column(String(200))
    since: Mapped[dt.date | None] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)
