"""A theme remembers whether the facilitator's recap named it (the room confirmed it), so the
app ranks it where the pipeline does: before the themes the recap left out.

Existing themes are not read back (false) until their convening's result is imported again.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with the literal '0' as default, as 0003 does (SQLite would copy the
    # table for a batch, which the foreign keys into themes refuse once it holds rows).
    op.add_column("themes", sa.Column("read_back", sa.Boolean(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    op.drop_column("themes", "read_back")
