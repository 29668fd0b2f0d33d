"""Voting: the vote of a convening, its ballot, voter codes, ballots, volunteers, throttle.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_attempts",
        sa.Column("code_key", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=False),
        sa.Column("blocked_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("code_key", "source", name=op.f("pk_code_attempts")),
    )
    op.create_table(
        "voter_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("code_key", sa.String(length=8), nullable=False),
        sa.Column("code_hash", sa.String(length=200), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["convening_id"], ["convenings.id"], name=op.f("fk_voter_codes_convening_id_convenings")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_voter_codes_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voter_codes")),
        sa.UniqueConstraint(
            "convening_id",
            "participant_id",
            name=op.f("uq_voter_codes_convening_id_participant_id"),
        ),
    )
    with op.batch_alter_table("voter_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voter_codes_code_key"), ["code_key"], unique=False)

    op.create_table(
        "votes",
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("dots_per_voter", sa.Integer(), nullable=True),
        sa.Column("max_per_priority", sa.Integer(), nullable=True),
        sa.Column("ask_scores", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("public_partners", sa.String(length=10), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_by", sa.String(length=200), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "public_partners IN ('exclude', 'separate', 'include')",
            name=op.f("ck_votes_public_partners"),
        ),
        sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name=op.f("ck_votes_status")),
        sa.ForeignKeyConstraint(
            ["convening_id"], ["convenings.id"], name=op.f("fk_votes_convening_id_convenings")
        ),
        sa.PrimaryKeyConstraint("convening_id", name=op.f("pk_votes")),
    )
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("voter_code_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["convening_id"], ["convenings.id"], name=op.f("fk_ballots_convening_id_convenings")
        ),
        sa.ForeignKeyConstraint(
            ["voter_code_id"], ["voter_codes.id"], name=op.f("fk_ballots_voter_code_id_voter_codes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("voter_code_id", name=op.f("uq_ballots_voter_code_id")),
    )
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballots_convening_id"), ["convening_id"], unique=False)

    op.create_table(
        "ballot_marks",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("dots", sa.Integer(), nullable=False),
        sa.Column("importance", sa.Integer(), nullable=True),
        sa.Column("feasibility", sa.Integer(), nullable=True),
        sa.CheckConstraint("dots >= 0", name=op.f("ck_ballot_marks_dots")),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_ballot_marks_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_ballot_marks_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ballot_id", "theme_id", name=op.f("pk_ballot_marks")),
    )
    op.create_table(
        "ballot_priorities",
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["convening_id"],
            ["votes.convening_id"],
            name=op.f("fk_ballot_priorities_convening_id_votes"),
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_ballot_priorities_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("convening_id", "theme_id", name=op.f("pk_ballot_priorities")),
    )
    op.create_table(
        "volunteers",
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('champion', 'member')", name=op.f("ck_volunteers_role")),
        sa.ForeignKeyConstraint(
            ["convening_id"], ["convenings.id"], name=op.f("fk_volunteers_convening_id_convenings")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_volunteers_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_volunteers_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "convening_id", "theme_id", "participant_id", name=op.f("pk_volunteers")
        ),
    )


def downgrade() -> None:
    op.drop_table("volunteers")
    op.drop_table("ballot_priorities")
    op.drop_table("ballot_marks")
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballots_convening_id"))

    op.drop_table("ballots")
    op.drop_table("votes")
    with op.batch_alter_table("voter_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voter_codes_code_key"))

    op.drop_table("voter_codes")
    op.drop_table("code_attempts")
