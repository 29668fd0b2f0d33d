"""Privacy: a statement can be withdrawn (its words blanked, only their hash kept).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch: SQLite would otherwise copy the table, which foreign keys
    # from theme_members and statement_vectors refuse once it holds rows. The default is the
    # literal '0' (false on PostgreSQL too): SQLite allows no expression default here.
    op.add_column("statements", sa.Column("withdrawn", sa.Boolean(), nullable=False,
                                          server_default="0"))
    op.add_column("statements", sa.Column("withdrawn_hash", sa.String(length=64),
                                          nullable=True))


def downgrade() -> None:
    # DROP COLUMN (SQLite 3.35+): a withdrawn statement's text is already blank.
    op.drop_column("statements", "withdrawn_hash")
    op.drop_column("statements", "withdrawn")
