"""Logins: a person's PostgreSQL role, and the person a step was done on behalf of

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

Rows written before keep their chain version (1 to 3): their hash covers what it covered.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD COLUMN (no batch mode): on SQLite a batch would copy the tables, and the
# history's append-only triggers and the foreign keys pointing at `person` with them.
# A unique index (not a constraint) keeps logins unique on every database.
def upgrade() -> None:
    op.add_column("person", sa.Column("login", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_index("ix_person_login", "person", ["login"], unique=True)
    op.add_column(
        "history", sa.Column("on_behalf_of", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("history", "on_behalf_of")
    op.drop_index("ix_person_login", table_name="person")
    op.drop_column("person", "login")
