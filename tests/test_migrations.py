"""Schema migrations: a store from release 0.1.0 upgrades without loss; models match migrations."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import Cam, fresh_store
from sqlalchemy import MetaData, create_engine, insert, select, text
from sqlmodel import SQLModel

from cam_tracker import store
from cam_tracker.store import audit, migrations

DUMP = Path(__file__).parent / "data" / "store-0.1.0.sql"


def _release_010_file(tmp_path: Path) -> Path:
    """A SQLite store exactly as release 0.1.0 left it."""
    path = tmp_path / "store-0.1.0.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(DUMP.read_text(encoding="utf-8"))
    return path


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        counts = {
            name: connection.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
            for name in metadata.tables
            if name != "alembic_version"
        }
    engine.dispose()
    return counts


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A store with no tables at all, on the backend under test."""
    with fresh_store(tmp_path) as url:
        yield url


def test_release_010_store_upgrades_without_loss(tmp_path: Path) -> None:
    path = _release_010_file(tmp_path)
    url = f"sqlite:///{path}"
    before = _counts(url)
    old = Cam(url)
    result = old("db", "upgrade")
    assert f"upgraded from schema 0001 to {migrations.HEAD}" in result.output
    # 0003 adds the (empty) outbox; 0007 records the two sessions held as its record's start;
    # 0011 makes the plan's body a row and each of the three people a member of it.
    assert _counts(url) == before | {
        "outbox": 0,
        "record_change": 2,
        "body": 1,
        "membership": 3,
        "document": 0,
        "following": 0,
    }
    assert "already at schema" in old("db", "upgrade").output
    # Its people are the CAM's now, in the roles they had, and its plan the CAM's body's.
    people = {p["key"]: p["bodies"] for p in old.json("people", "list")}
    assert people == {
        "chair": ["CAM chair (cam-2015-2016)"],
        "secretariat": ["CAM secretariat (cam-2015-2016)"],
        "vice-chair": ["CAM vice_chair (cam-2015-2016)"],
    }
    assert old.json("body", "list")[0]["plans"] == ["cam-2015-2016"]
    assert "10 rows" in old("audit", "verify").output
    states = {row["key"]: row["state"] for row in old.json("list")}
    assert states["program-update"] == "progress_reported"
    assert states["vice-chair-election"] == "completed"
    old("advance", "program-update", "conclude", "--session", "2015-12b", "--on", "2015-12-09")
    assert "11 rows" in old("audit", "verify").output
    store.dispose(url)
    with sqlite3.connect(path) as connection, pytest.raises(sqlite3.DatabaseError):
        connection.execute("UPDATE history SET note = 'rewritten'")


def test_upgrade_on_backend_keeps_rows(tmp_path: Path, empty_url: str) -> None:
    """Build the 0001 schema on this backend, fill it with 0.1.0's rows, upgrade."""
    source = create_engine(f"sqlite:///{_release_010_file(tmp_path)}")
    target = create_engine(empty_url)
    with target.begin() as connection:
        command.upgrade(migrations._config(connection), "0001")
    old_tables = MetaData()
    old_tables.reflect(source)
    with source.connect() as reader, target.begin() as writer:
        target_tables = MetaData()
        target_tables.reflect(writer)
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in old_tables.tables:
                continue
            rows = [
                dict(r) for r in reader.execute(select(old_tables.tables[table.name])).mappings()
            ]
            if rows:
                writer.execute(insert(target_tables.tables[table.name]), rows)
    before = _counts(empty_url)
    source.dispose()
    target.dispose()

    assert store.upgrade(empty_url) == ("0001", migrations.HEAD)
    assert _counts(empty_url) == before | {
        "outbox": 0,
        "record_change": 2,
        "body": 1,
        "membership": 3,
        "document": 0,
        "following": 0,
    }
    with store.session(empty_url) as db:
        verdict = audit.verify(db)
    assert verdict.ok, verdict.problem
    assert verdict.rows == before["history"] + 2


def _differences(url: str) -> list[Any]:
    engine = create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    return diff


def test_migrations_build_what_the_models_describe(empty_url: str) -> None:
    engine = create_engine(empty_url)
    with engine.begin() as connection:
        command.upgrade(migrations._config(connection), "head")
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert revision == migrations.HEAD
    assert _differences(empty_url) == []


def test_0014_keeps_reminders_and_leaves_digests_off(empty_url: str) -> None:
    """From 0013: a queued reminder stays a reminder, and nobody is sent digests unasked."""
    engine = create_engine(empty_url)
    with engine.begin() as connection:
        command.upgrade(migrations._config(connection), "0013")
        connection.execute(
            text(
                "INSERT INTO plan (id, name, title, body, general_assembly, timezone, "
                "period_start, period_end, source, digest, loaded_at, publish_notes) VALUES "
                "(1, 'p', '{}', '{}', '{}', 'UTC', '2015-07', '2016-06', 'p.yaml', 'x', "
                "'2015-01-01 00:00:00', true)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO session (id, plan_id, key, month, kind, title, mandates, removed, "
                "position) VALUES (1, 1, 's', '2015-11', 'regular', '{}', '[]', false, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO person (id, key, name, role, language, registered, removed) "
                "VALUES (1, 'chair', 'Chair', 'chair', 'en', true, false)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO outbox (session_id, slot, person_id, address, status, due_at, "
                "queued_at, attempts, next_attempt_at) VALUES (1, '3d', 1, 'c@example.org', "
                "'pending', '2015-11-01 00:00:00', '2015-11-01 00:00:00', 0, "
                "'2015-11-01 00:00:00')"
            )
        )
    engine.dispose()
    assert store.upgrade(empty_url) == ("0013", migrations.HEAD)
    engine = create_engine(empty_url)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT kind, session_id, plan_id FROM outbox")).one()
        digest = connection.execute(text("SELECT digest FROM person")).scalar_one()
    engine.dispose()
    assert tuple(row) == ("reminder", 1, None)
    assert digest == "off"
    assert _differences(empty_url) == []


def test_head_constant_is_the_last_revision() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(Path(migrations.__file__).parent))
    assert scripts.get_current_head() == migrations.HEAD


def test_new_store_is_created_at_head_with_append_only_history(cam: Cam, db_url: str) -> None:
    cam("plan", "load", "cam-2015-2016")
    cam(
        "advance",
        "program-update",
        "install_working_group",
        "--session",
        "2015-10a",
        "--on",
        "2015-10-21",
    )
    assert _differences(db_url) == []
    engine = create_engine(db_url)
    with engine.connect() as connection, pytest.raises(Exception, match="append-only"):
        connection.execute(text("UPDATE history SET note = 'rewritten'"))
    engine.dispose()


def test_upgrade_to_0015_keeps_plans_and_makes_every_paragraph_a_task(
    tmp_path: Path, empty_url: str
) -> None:
    """From the previous head (0014): a loaded plan keeps its rows, has no report
    registration yet, and each paragraph is a task until the file says otherwise."""
    engine = create_engine(empty_url)
    with engine.begin() as connection:
        command.upgrade(migrations._config(connection), "0014")
        connection.execute(
            text(
                "INSERT INTO plan (name, title, body, period_start, period_end, general_assembly,"
                " timezone, source, digest, loaded_at, publish_notes) VALUES ('p', '{}', '{}',"
                " '2015-10', '2016-05', '{}', 'UTC', 'bundled:p', 'd', '2015-10-01', true)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO mandate (plan_id, key, symbol, title, position)"
                " SELECT id, 'm', 'RES. 1', '{}', 0 FROM plan"
            )
        )
        connection.execute(
            text(
                "INSERT INTO paragraph (mandate_id, number, text, position)"
                " SELECT id, '1', '{}', 0 FROM mandate"
            )
        )
    before = _counts(empty_url)
    assert store.upgrade(empty_url) == ("0014", migrations.HEAD)
    assert _counts(empty_url) == before
    with engine.connect() as connection:
        assert connection.execute(text("SELECT report FROM plan")).scalar() is None
        assert connection.execute(text("SELECT kind FROM paragraph")).scalar() == "task"
    engine.dispose()
    assert _differences(empty_url) == []
