"""A plan keeps its workflow kinds; paragraphs in every language; a milestone may be waived

Revision ID: 0012
Revises: 0008
Create Date: 2027-01-10

`plan.workflows` holds the kinds a plan was loaded with (NULL for plans loaded
before: they read the installed kinds until reloaded). `paragraph.text` becomes
labels by language: an existing text is its English. `milestone.waived_history_id`
points at the history row that waived it.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("plan", sa.Column("workflows", sa.JSON(), nullable=True))
    if bind.dialect.name == "sqlite":
        # Plain ALTERs (no batch copy of a table others refer to): SQLite takes the
        # reference inside ADD COLUMN, and drops and renames columns in place.
        op.execute(
            "ALTER TABLE milestone ADD COLUMN waived_history_id INTEGER REFERENCES history (id)"
        )
        op.execute("ALTER TABLE paragraph ADD COLUMN text_labels JSON NOT NULL DEFAULT '{}'")
        rows = bind.execute(sa.text("SELECT id, text FROM paragraph")).all()
        for row_id, value in rows:
            bind.execute(
                sa.text("UPDATE paragraph SET text_labels = :labels WHERE id = :id"),
                {"labels": json.dumps({"en": value}, ensure_ascii=False), "id": row_id},
            )
        op.execute("ALTER TABLE paragraph DROP COLUMN text")
        op.execute("ALTER TABLE paragraph RENAME COLUMN text_labels TO text")
    else:
        op.add_column("milestone", sa.Column("waived_history_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "milestone_waived_history_id_fkey",
            "milestone",
            "history",
            ["waived_history_id"],
            ["id"],
        )
        op.execute(
            "ALTER TABLE paragraph ALTER COLUMN text TYPE JSON USING json_build_object('en', text)"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("ALTER TABLE paragraph ADD COLUMN text_plain VARCHAR NOT NULL DEFAULT ''")
        for row_id, value in bind.execute(sa.text("SELECT id, text FROM paragraph")).all():
            labels = json.loads(value) if isinstance(value, str) else value
            bind.execute(
                sa.text("UPDATE paragraph SET text_plain = :text WHERE id = :id"),
                {"text": (labels or {}).get("en", ""), "id": row_id},
            )
        op.execute("ALTER TABLE paragraph DROP COLUMN text")
        op.execute("ALTER TABLE paragraph RENAME COLUMN text_plain TO text")
        op.execute("ALTER TABLE milestone DROP COLUMN waived_history_id")
    else:
        op.execute("ALTER TABLE paragraph ALTER COLUMN text TYPE VARCHAR USING text->>'en'")
        op.drop_constraint("milestone_waived_history_id_fkey", "milestone", type_="foreignkey")
        op.drop_column("milestone", "waived_history_id")
    op.drop_column("plan", "workflows")
