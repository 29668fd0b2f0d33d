"""A theme remembers the statements the pipeline quoted, best first, so the review cards, the
ballot and the exports show the quotes the result shows (the pipeline picks them with the
statements' embeddings and the theme's name, which the stored rows do not have).

Existing themes have none ([]) until their convening's result is imported again; their quotes
are picked from the stored rows by the rest of the quote rule, as before.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with a literal default, as 0007 does (a batch copy of themes is refused
    # by the foreign keys into it once it holds rows).
    op.add_column("themes", sa.Column("quote_ids", sa.JSON(), nullable=False,
                                      server_default="[]"))


def downgrade() -> None:
    op.drop_column("themes", "quote_ids")
