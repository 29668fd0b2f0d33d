"""Quotes: Whisper's probability of each word of a statement (synth.themes.quotes).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (see 0003): statements imported before have none, and their quotes
    # are then chosen without word confidence until the next import.
    op.add_column("statements", sa.Column("word_probs", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("statements", "word_probs")
