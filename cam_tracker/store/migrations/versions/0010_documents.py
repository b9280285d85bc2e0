"""A register of documents per plan; a plan keeps its file's `symbols:` and `documents_policy:`

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02

A new table `document`: one row per document of a plan (symbol, titles, date,
languages, address, status). Steps keep citing symbols as text
(`history.document`, hashed into the chain, is unchanged), so a store whose
steps cite symbols nobody registered upgrades as it is: its register starts
empty and its steps read as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("plan", sa.Column("symbols", sa.JSON(), nullable=True))
    op.add_column("plan", sa.Column("documents_policy", sa.JSON(), nullable=True))
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("registered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "symbol"),
    )
    op.create_index(op.f("ix_document_plan_id"), "document", ["plan_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_document_plan_id"), table_name="document")
    op.drop_table("document")
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("documents_policy")
        batch.drop_column("symbols")
