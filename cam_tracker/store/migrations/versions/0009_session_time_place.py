"""A session's time and place: start and end, room, building, city, modality, link, programme

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

Every new column is nullable: a session of an older store is known by its
month or day only, as before, until its plan file or `cam session set` says more.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXTS = ("start_time", "end_time", "room", "building", "city", "modality", "link")


def upgrade() -> None:
    for name in TEXTS:
        op.add_column("session", sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column("session", sa.Column("programme", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("session") as batch:
        batch.drop_column("programme")
        for name in reversed(TEXTS):
            batch.drop_column(name)
