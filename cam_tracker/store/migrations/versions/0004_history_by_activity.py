"""History by activity and time: an activity's last step without sorting its whole history

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain index operations (no batch mode): on SQLite a batch would copy the history
# table, and the append-only triggers with it would have to be made again.
def upgrade() -> None:
    op.create_index("ix_history_activity_at", "history", ["activity_id", "at", "id"])
    op.drop_index("ix_history_activity_id", table_name="history")


def downgrade() -> None:
    op.create_index("ix_history_activity_id", "history", ["activity_id"])
    op.drop_index("ix_history_activity_at", table_name="history")
