"""A plan keeps its report's registration and sections; a paragraph may be a guideline

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-28

Existing plans have no registration (None) and every paragraph stays a task.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD COLUMN (no batch mode): on SQLite a batch would copy the table, and the
# foreign keys and triggers that depend on it with it.
def upgrade() -> None:
    op.add_column("plan", sa.Column("report", sa.JSON(), nullable=True))
    op.add_column(
        "paragraph",
        sa.Column("kind", sa.String(), nullable=False, server_default="task"),
    )


def downgrade() -> None:
    op.drop_column("paragraph", "kind")
    op.drop_column("plan", "report")
