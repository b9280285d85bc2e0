"""People follow activities and are told what changed, through the outbox

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

A person's digest frequency (off until they choose one), their choices to
follow or not an activity, and the outbox rows of change digests: of a plan
rather than a session, with the span of the record they tell.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN on `person`: a batch would copy the table and what depends on it.
    op.add_column(
        "person",
        sa.Column(
            "digest", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="off"
        ),
    )
    op.create_table(
        "following",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("follows", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("person_id", "activity_id"),
    )
    op.create_index(op.f("ix_following_activity_id"), "following", ["activity_id"], unique=False)
    # The outbox's session becomes optional: on SQLite that is a copy of the table (nothing
    # refers to the outbox, and no trigger guards it).
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="reminder",
            )
        )
        batch_op.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("after_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("upto_id", sa.Integer(), nullable=True))
        batch_op.alter_column("session_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key("fk_outbox_plan_id", "plan", ["plan_id"], ["id"])
        batch_op.create_unique_constraint(
            "uq_outbox_plan_slot_person", ["plan_id", "slot", "person_id"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE session_id IS NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("uq_outbox_plan_slot_person", type_="unique")
        batch_op.drop_constraint("fk_outbox_plan_id", type_="foreignkey")
        batch_op.alter_column("session_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("upto_id")
        batch_op.drop_column("after_id")
        batch_op.drop_column("plan_id")
        batch_op.drop_column("kind")
    op.drop_index(op.f("ix_following_activity_id"), table_name="following")
    op.drop_table("following")
    op.drop_column("person", "digest")
