"""The record's other changes in the chain: people, assignments, sessions, plans; a plan's policy

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

A new table `record_change`, append-only like the history, whose rows take their
ids from the history's counter and join its hash chain (chain version 5). A plan
keeps its file's `policy:` section. The record begins with what the store says at
the upgrade: one row per registered person (role, address) and per held session
(its day), by `cam db upgrade`, so that `cam audit verify` can hold every later
change to them against a recorded one.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from cam_tracker.store.history import GENESIS, change_hash
from cam_tracker.store.migrations import changes_append_only_statements

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTOR = "cam db upgrade"


def upgrade() -> None:
    op.add_column("plan", sa.Column("policy", sa.JSON(), nullable=True))
    op.create_table(
        "record_change",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subject_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("chain_version", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
    )
    op.create_index("ix_record_change_subject", "record_change", ["subject", "subject_key", "id"])
    for statement in changes_append_only_statements(op.get_bind().dialect.name):
        op.execute(statement)
    _baseline(op.get_bind())


def _baseline(connection: sa.Connection) -> None:
    """The registered people and the held sessions as the store has them, in the chain."""
    people = connection.execute(
        sa.text("SELECT key, role, email FROM person WHERE registered ORDER BY key")
    ).all()
    sessions = connection.execute(
        sa.text(
            "SELECT plan_id, key, held_on FROM session WHERE held_on IS NOT NULL "
            "ORDER BY plan_id, position, key"
        )
    ).all()
    rows: list[tuple[str, str, int | None, dict[str, Any]]] = [
        (
            "person",
            key,
            None,
            {"registered": [None, True], "role": [None, role], "email": [None, email]},
        )
        for key, role, email in people
    ]
    rows += [
        ("session", key, plan_id, {"held_on": [None, str(held_on)[:10]]})
        for plan_id, key, held_on in sessions
    ]
    if not rows:
        return
    head = connection.execute(
        sa.text("SELECT last_hash, length FROM chainhead WHERE id = 1")
    ).first()
    if head is None:
        connection.execute(
            sa.text("INSERT INTO chainhead (id, last_hash, length) VALUES (1, :h, 0)"),
            {"h": GENESIS},
        )
    last_hash, length = head if head is not None else (GENESIS, 0)
    # Ids after every history row's; on PostgreSQL the history's sequence goes on after them.
    next_id = int(
        connection.execute(sa.text("SELECT COALESCE(MAX(id), 0) + 1 FROM history")).scalar_one()
    )
    now = dt.datetime.now(dt.UTC)
    table = sa.table(
        "record_change",
        *(
            sa.column(name)
            for name in (
                "id",
                "subject",
                "subject_key",
                "plan_id",
                "action",
                "actor",
                "actor_role",
                "note",
                "chain_version",
                "prev_hash",
                "hash",
            )
        ),
        sa.column("changes", sa.JSON()),
        sa.column("at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    for subject, key, plan_id, changes in rows:
        row_id, next_id = next_id, next_id + 1
        values: dict[str, Any] = {
            "id": row_id,
            "subject": subject,
            "subject_key": key,
            "plan_id": plan_id,
            "action": "baseline",
            "changes": changes,
            "actor": ACTOR,
            "actor_role": "*",
            "at": now,
            "note": "as the store had it when its record of changes began",
            "recorded_at": now,
            "chain_version": 5,
            "prev_hash": last_hash,
        }
        values["hash"] = change_hash(values)
        connection.execute(sa.insert(table), [values])
        last_hash, length = values["hash"], length + 1
    connection.execute(
        sa.text("UPDATE chainhead SET last_hash = :h, length = :n WHERE id = 1"),
        {"h": last_hash, "n": length},
    )
    if connection.dialect.name == "postgresql":
        sequence = connection.execute(
            sa.text("SELECT pg_get_serial_sequence('history', 'id')")
        ).scalar_one()
        last = connection.execute(sa.text(f"SELECT last_value FROM {sequence}")).scalar_one()
        connection.execute(
            sa.text("SELECT setval(:sequence, :value)"),
            {"sequence": sequence, "value": max(int(last), next_id - 1)},
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS record_change_no_update")
        op.execute("DROP TRIGGER IF EXISTS record_change_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS record_change_append_only ON record_change")
    op.drop_index("ix_record_change_subject", table_name="record_change")
    op.drop_table("record_change")
    op.drop_column("plan", "policy")
