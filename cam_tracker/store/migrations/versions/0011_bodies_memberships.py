"""Bodies and memberships: a committee across years, people scoped to their committee

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-01

A new table `body` (one row per committee, from the plans' `body:` sections) and
`membership` (what a person is to a body, declared by a plan or given on the
command line). A plan points at its body, may name the plan it follows and its
reminders' distribution; an activity may carry on one of the plan it follows; a
person gains a title, a country and a removal mark.

Existing people become memberships of the plans they belong to, under their own
key and role: the plans whose activities they are responsible for, or, for
someone responsible for nothing, every plan in the store (before this revision
every person was every plan's, so their reminders and rights stay as they were).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD COLUMN (no batch mode), as in 0007: a batch would copy the tables on SQLite.
def upgrade() -> None:
    op.create_table(
        "body",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("short", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("parent", sa.JSON(), nullable=True),
        sa.Column("organization", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_body_short", "body", ["short"], unique=True)
    _add_reference("plan", "body_id", "body")
    op.create_index("ix_plan_body_id", "plan", ["body_id"])
    op.add_column("plan", sa.Column("follows", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column(
        "plan", sa.Column("distribution", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    )
    _add_reference("activity", "continues_id", "activity")
    op.add_column("person", sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column("person", sa.Column("country", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column(
        "person",
        sa.Column("removed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("elected_on", sa.Date(), nullable=True),
        sa.Column("elected", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["body_id"], ["body.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "body_id", "person_id"),
    )
    op.create_index("ix_membership_person_id", "membership", ["person_id"])
    op.create_index("ix_membership_body_id", "membership", ["body_id"])
    op.create_index("ix_membership_plan_id", "membership", ["plan_id"])
    _bodies(op.get_bind())


def _add_reference(table: str, column: str, target: str) -> None:
    """A nullable column referencing `target.id`. SQLite adds it with its reference in one
    ALTER (Alembic would want a batch copy for the constraint); the others add both."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f'ALTER TABLE "{table}" ADD COLUMN {column} INTEGER REFERENCES {target} (id)')
        return
    op.add_column(table, sa.Column(column, sa.Integer(), sa.ForeignKey(f"{target}.id")))


def _bodies(connection: sa.Connection) -> None:
    """Each plan's body as a row, and each person a member of the plans they belong to."""
    import json

    def loaded(value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def labels(value: Any) -> Any:
        """A text as the store keeps labels: release 0.1.0 wrote some as a plain string."""
        return {"en": value} if isinstance(value, str) else value

    plans = connection.execute(sa.text("SELECT id, body FROM plan ORDER BY id")).all()
    bodies: dict[str, int] = {}
    body_of: dict[int, int] = {}
    table = sa.table(
        "body",
        sa.column("short", sa.String),
        sa.column("name", sa.JSON),
        sa.column("parent", sa.JSON),
        sa.column("organization", sa.JSON),
    )
    for plan_id, body in plans:
        body = loaded(body) or {}
        short = str(body.get("short") or "").strip() or f"plan-{plan_id}"
        if short not in bodies:
            connection.execute(
                table.insert().values(
                    short=short,
                    name=labels(body.get("name")) or {"en": short},
                    parent=labels(body.get("parent")),
                    organization=labels(body.get("organization")),
                )
            )
            bodies[short] = connection.execute(
                sa.text("SELECT id FROM body WHERE short = :short"), {"short": short}
            ).scalar_one()
        body_of[plan_id] = bodies[short]
        connection.execute(
            sa.text("UPDATE plan SET body_id = :body WHERE id = :plan"),
            {"body": bodies[short], "plan": plan_id},
        )
    responsible: dict[int, set[int]] = {}
    for person_id, plan_id in connection.execute(
        sa.text(
            "SELECT DISTINCT r.person_id, a.plan_id FROM responsibility r "
            "JOIN activity a ON a.id = r.activity_id"
        )
    ):
        responsible.setdefault(person_id, set()).add(plan_id)
    people = connection.execute(sa.text("SELECT id, key, role FROM person ORDER BY id")).all()
    rows = [
        {
            "person_id": person_id,
            "body_id": body_of[plan_id],
            "plan_id": plan_id,
            "key": key,
            "role": role,
        }
        for person_id, key, role in people
        for plan_id in sorted(responsible.get(person_id) or body_of)
    ]
    if rows:
        connection.execute(
            sa.text(
                "INSERT INTO membership (person_id, body_id, plan_id, key, role) "
                "VALUES (:person_id, :body_id, :plan_id, :key, :role)"
            ),
            rows,
        )


def downgrade() -> None:
    op.drop_index("ix_membership_plan_id", table_name="membership")
    op.drop_index("ix_membership_body_id", table_name="membership")
    op.drop_index("ix_membership_person_id", table_name="membership")
    op.drop_table("membership")
    op.drop_column("person", "removed")
    op.drop_column("person", "country")
    op.drop_column("person", "title")
    op.drop_column("activity", "continues_id")
    op.drop_column("plan", "distribution")
    op.drop_column("plan", "follows")
    op.drop_index("ix_plan_body_id", table_name="plan")
    op.drop_column("plan", "body_id")
    op.drop_index("ix_body_short", table_name="body")
    op.drop_table("body")
