"""Corrections: a history row may correct an earlier one (its date, note or document)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

Rows written before keep their chain version (1 or 2): their hash covers what it covered.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD COLUMN (no batch mode): on SQLite a batch would copy the history table,
# and the append-only triggers with it would have to be made again. SQLite takes the
# reference inside ADD COLUMN; other databases add it as a constraint of its own.
def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE history ADD COLUMN corrects_id INTEGER REFERENCES history (id)")
    else:
        op.add_column("history", sa.Column("corrects_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "history_corrects_id_fkey", "history", "history", ["corrects_id"], ["id"]
        )
    op.add_column(
        "history", sa.Column("corrected_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.add_column("history", sa.Column("corrected_note", sa.String(), nullable=True))
    op.add_column("history", sa.Column("corrected_document", sa.String(), nullable=True))
    op.create_index("ix_history_corrects_id", "history", ["corrects_id"])


def downgrade() -> None:
    op.drop_index("ix_history_corrects_id", table_name="history")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("history_corrects_id_fkey", "history", type_="foreignkey")
    for column in ("corrected_document", "corrected_note", "corrected_at", "corrects_id"):
        op.drop_column("history", column)
