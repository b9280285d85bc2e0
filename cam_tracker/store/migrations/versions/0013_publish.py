"""A plan says whether a published site shows the notes of its steps

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-02

Existing plans keep publishing their notes (the default of the plan file).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD COLUMN (no batch mode): on SQLite a batch would copy the table, and the
# foreign keys and triggers that depend on it with it.
def upgrade() -> None:
    op.add_column(
        "plan",
        sa.Column("publish_notes", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_column("plan", "publish_notes")
