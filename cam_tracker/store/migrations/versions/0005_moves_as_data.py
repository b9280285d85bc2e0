"""Moves as data: a reschedule row names the moved event and its months; hashes are versioned

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

Rows written before keep chain version 1 (their hash covers what it covered);
their move stays in their note, as it was written.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD COLUMN (no batch mode): on SQLite a batch would copy the history table,
# and the append-only triggers with it would have to be made again.
def upgrade() -> None:
    op.add_column("history", sa.Column("moved_event", sa.String(), nullable=True))
    op.add_column("history", sa.Column("moved_from", sa.String(), nullable=True))
    op.add_column("history", sa.Column("moved_to", sa.String(), nullable=True))
    op.add_column(
        "history",
        sa.Column("chain_version", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    for column in ("chain_version", "moved_to", "moved_from", "moved_event"):
        op.drop_column("history", column)
