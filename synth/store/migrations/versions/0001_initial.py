"""Initial schema: partnerships, convenings, roster, recordings, statements, themes, audit.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnerships")),
        sa.UniqueConstraint("industry", "region", name=op.f("uq_partnerships_industry_region")),
    )
    op.create_table(
        "convenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "kind IN ('launch', 'task_team', 'quarterly')", name=op.f("ck_convenings_kind")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_convenings_partnership_id_partnerships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_convenings")),
        sa.UniqueConstraint(
            "partnership_id", "title", name=op.f("uq_convenings_partnership_id_title")
        ),
    )
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "role IN ('business', 'public', 'facilitator', 'other')",
            name=op.f("ck_participants_role"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_participants_partnership_id_partnerships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participants")),
        sa.UniqueConstraint(
            "partnership_id", "name", name=op.f("uq_participants_partnership_id_name")
        ),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["convening_id"], ["convenings.id"], name=op.f("fk_audit_log_convening_id_convenings")
        ),
        sa.ForeignKeyConstraint(
            ["undone_by"], ["audit_log.id"], name=op.f("fk_audit_log_undone_by_audit_log")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_log_convening_id"), ["convening_id"], unique=False
        )

    op.create_table(
        "recordings",
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["convening_id"], ["convenings.id"], name=op.f("fk_recordings_convening_id_convenings")
        ),
        sa.PrimaryKeyConstraint("convening_id", "id", name=op.f("pk_recordings")),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("talk_time_by_role", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["convening_id"], ["convenings.id"], name=op.f("fk_runs_convening_id_convenings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_convening_id"), ["convening_id"], unique=False)

    op.create_table(
        "speakers",
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("merged_into", sa.String(length=200), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["convening_id"], ["convenings.id"], name=op.f("fk_speakers_convening_id_convenings")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_speakers_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("convening_id", "label", name=op.f("pk_speakers")),
    )
    op.create_table(
        "statements",
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("recording_id", sa.String(length=64), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("speaker", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("clusterable", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('opportunity', 'need', 'other')", name=op.f("ck_statements_kind")
        ),
        sa.ForeignKeyConstraint(
            ["convening_id", "recording_id"],
            ["recordings.convening_id", "recordings.id"],
            name=op.f("fk_statements_convening_id_recording_id_recordings"),
        ),
        sa.ForeignKeyConstraint(
            ["convening_id"], ["convenings.id"], name=op.f("fk_statements_convening_id_convenings")
        ),
        sa.PrimaryKeyConstraint("convening_id", "id", name=op.f("pk_statements")),
    )
    op.create_table(
        "themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("source_run_id", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("label_generated", sa.Boolean(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("stability", sa.Float(), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('candidate', 'confirmed', 'discarded', 'merged')",
            name=op.f("ck_themes_status"),
        ),
        sa.ForeignKeyConstraint(
            ["convening_id"], ["convenings.id"], name=op.f("fk_themes_convening_id_convenings")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into"], ["themes.id"], name=op.f("fk_themes_merged_into_themes")
        ),
        sa.ForeignKeyConstraint(
            ["source_run_id"], ["runs.id"], name=op.f("fk_themes_source_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
    )
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_themes_convening_id"), ["convening_id"], unique=False)

    op.create_table(
        "statement_vectors",
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["convening_id", "statement_id"],
            ["statements.convening_id", "statements.id"],
            name=op.f("fk_statement_vectors_convening_id_statement_id_statements"),
        ),
        sa.PrimaryKeyConstraint("convening_id", "statement_id", name=op.f("pk_statement_vectors")),
    )
    op.create_table(
        "theme_members",
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=64), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["convening_id", "statement_id"],
            ["statements.convening_id", "statements.id"],
            name=op.f("fk_theme_members_convening_id_statement_id_statements"),
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_theme_members_theme_id_themes")
        ),
        sa.PrimaryKeyConstraint("convening_id", "statement_id", name=op.f("pk_theme_members")),
    )
    with op.batch_alter_table("theme_members", schema=None) as batch_op:
        batch_op.create_index("ix_theme_members_theme_id", ["theme_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("theme_members", schema=None) as batch_op:
        batch_op.drop_index("ix_theme_members_theme_id")

    op.drop_table("theme_members")
    op.drop_table("statement_vectors")
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_themes_convening_id"))

    op.drop_table("themes")
    op.drop_table("statements")
    op.drop_table("speakers")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_convening_id"))

    op.drop_table("runs")
    op.drop_table("recordings")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_convening_id"))

    op.drop_table("audit_log")
    op.drop_table("participants")
    op.drop_table("convenings")
    op.drop_table("partnerships")
