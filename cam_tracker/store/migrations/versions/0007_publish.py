"""A plan says whether a published site shows the notes of its steps

Revision ID: 0007_publish
Revises: 0005
Create Date: 2026-11-28

Existing plans keep publishing their notes (the default of the plan file).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_publish"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "plan",
        sa.Column("publish_notes", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("publish_notes")
