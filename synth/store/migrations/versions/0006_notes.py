"""What the room wrote: typed notes with their provenance and matched theme, and paper dots
counted on the wall per theme (issue 30).

Two new tables: existing convenings keep every row and simply have no notes and no paper dots
until a result with notes is imported or dots are entered.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file", sa.String(length=500), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("table_label", sa.String(length=200), nullable=True),
        sa.Column("sheet", sa.String(length=300), nullable=True),
        sa.Column("dots", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("statement_id", sa.String(length=64), nullable=True),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["convening_id"], ["convenings.id"],
                                name=op.f("fk_notes_convening_id_convenings")),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"],
                                name=op.f("fk_notes_theme_id_themes"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("convening_id", "id", name=op.f("pk_notes")),
    )
    op.create_index(op.f("ix_notes_theme_id"), "notes", ["theme_id"])
    op.create_table(
        "paper_dots",
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("dots", sa.Integer(), nullable=False),
        sa.CheckConstraint("dots >= 0", name=op.f("ck_paper_dots_dots")),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"],
                                name=op.f("fk_paper_dots_theme_id_themes"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["convening_id"], ["convenings.id"],
                                name=op.f("fk_paper_dots_convening_id_convenings")),
        sa.PrimaryKeyConstraint("theme_id", name=op.f("pk_paper_dots")),
    )
    op.create_index(op.f("ix_paper_dots_convening_id"), "paper_dots", ["convening_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_paper_dots_convening_id"), table_name="paper_dots")
    op.drop_table("paper_dots")
    op.drop_index(op.f("ix_notes_theme_id"), table_name="notes")
    op.drop_table("notes")
