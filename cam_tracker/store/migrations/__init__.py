"""Schema migrations (Alembic): bring any store to the current schema.

An empty store is created from the models and stamped at the head revision;
a store made by an older release is upgraded step by step. A store made by
release 0.1.0 has no `alembic_version` table: it is stamped `0001` first.
The check on every start is one query against `HEAD`; Alembic itself is
imported only when there is something to do.
"""

from pathlib import Path
from typing import Any

from sqlalchemy import DDL, Connection, Engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from cam_tracker.store import (
    models,  # noqa: F401  (registers the tables)
    read,
)

# The code's revision: its highest-numbered migration file, the one rule the ORM-free reads
# check a store against too (Alembic's own chain is held to it by a test).
HEAD = read.head()
FIRST = "0001"

# History is append-only in the database itself, not only in the code.
APPEND_ONLY: dict[str, list[str]] = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS history_no_update BEFORE UPDATE ON history "
        "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS history_no_delete BEFORE DELETE ON history "
        "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION cam_history_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'history is append-only'; END $$",
        "DROP TRIGGER IF EXISTS history_append_only ON history",
        "CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history "
        "FOR EACH ROW EXECUTE FUNCTION cam_history_append_only()",
    ],
}


# The other changes to the record are in the same chain, and as append-only.
CHANGES_APPEND_ONLY: dict[str, list[str]] = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS record_change_no_update BEFORE UPDATE ON record_change "
        "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS record_change_no_delete BEFORE DELETE ON record_change "
        "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION cam_history_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'history is append-only'; END $$",
        "DROP TRIGGER IF EXISTS record_change_append_only ON record_change",
        "CREATE TRIGGER record_change_append_only BEFORE UPDATE OR DELETE ON record_change "
        "FOR EACH ROW EXECUTE FUNCTION cam_history_append_only()",
    ],
}


# The triggers `audit.verify` expects, by table and dialect.
TRIGGERS: dict[str, dict[str, tuple[str, ...]]] = {
    "sqlite": {
        "history": ("history_no_update", "history_no_delete"),
        "record_change": ("record_change_no_update", "record_change_no_delete"),
    },
    "postgresql": {
        "history": ("history_append_only",),
        "record_change": ("record_change_append_only",),
    },
}


def append_only_statements(dialect: str) -> list[str]:
    return APPEND_ONLY.get(dialect, [])


def changes_append_only_statements(dialect: str) -> list[str]:
    return CHANGES_APPEND_ONLY.get(dialect, [])


for _table, _by_dialect in (("history", APPEND_ONLY), ("record_change", CHANGES_APPEND_ONLY)):
    for _dialect, _statements in _by_dialect.items():
        for _statement in _statements:
            event.listen(
                SQLModel.metadata.tables[_table],
                "after_create",
                DDL(_statement).execute_if(dialect=_dialect),  # type: ignore[no-untyped-call]
            )


def _config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    tables = inspect(connection).get_table_names()
    if "alembic_version" not in tables:
        return FIRST if "history" in tables else None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def ensure_schema(engine: Engine) -> None:
    """Create an empty store, or upgrade an older one; a current one costs one query."""
    with engine.begin() as connection:
        if _is_current(connection):
            return
        revision = current_revision(connection)
        if revision is None:
            SQLModel.metadata.create_all(connection)
            _record_head(connection)
        else:
            upgrade(connection)


def _is_current(connection: Connection) -> bool:
    try:
        with connection.begin_nested():
            found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no such table yet
        return False
    return found == HEAD


def _record_head(connection: Connection) -> None:
    """Stamp a store just built at HEAD, as `alembic stamp` would, without loading Alembic."""
    connection.execute(
        text(
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
        )
    )
    connection.execute(
        text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": HEAD}
    )


def _stamp(connection: Connection, revision: str) -> None:
    from alembic import command

    command.stamp(_config(connection), revision)


def upgrade(connection: Connection) -> None:
    """Upgrade a store to the head revision (stamping a 0.1.0 store first)."""
    from alembic import command

    if "alembic_version" not in inspect(connection).get_table_names():
        _stamp(connection, FIRST)
    command.upgrade(_config(connection), "head")
