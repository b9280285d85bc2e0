"""Shared stores: registered people, the role of each step, append-only history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from cam_tracker.store.migrations import append_only_statements

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy): SQLite keeps the foreign keys that point here.
    op.add_column(
        "person", sa.Column("registered", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("history", sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString()))
    for statement in append_only_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS history_no_update")
        op.execute("DROP TRIGGER IF EXISTS history_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS history_append_only ON history")
        op.execute("DROP FUNCTION IF EXISTS cam_history_append_only()")
    with op.batch_alter_table("history") as batch_op:
        batch_op.drop_column("actor_role")
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("registered")
