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


class Convening(Base):
    """One meeting of a partnership: the launch, a task team or a quarterly."""

    __tablename__ = "convenings"
    __table_args__ = (UniqueConstraint("partnership_id", "title"),
                      CheckConstraint(_in("kind", CONVENING_KINDS), name="kind"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="launch")


class Participant(Base):
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


class Recording(Base):
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


class Statement(Base):
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


class StatementVector(Base):
    """A statement's embedding (float32 bytes), kept so splits and re-runs can use it."""

    __tablename__ = "statement_vectors"
    __table_args__ = (ForeignKeyConstraint(["convening_id", "statement_id"],
                                           ["statements.convening_id", "statements.id"]),)

    convening_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class Theme(Base):
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
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("themes.id"))
    # True once a facilitator acted on the theme: re-runs then keep its members.
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # The application sets the new version itself (review.bump) so that membership changes,
    # which do not touch this row's other columns, also count as a change of the theme.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    convening_id: Mapped[int] = mapped_column(ForeignKey("convenings.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    who: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("audit_log.id"))
