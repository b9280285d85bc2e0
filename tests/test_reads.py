"""Reads without the ORM (`store.read`): the same schema as the models, on both databases.

Every statement the read model sends is collected while the read commands
run and the snapshots of every kind are read (on the database this suite
runs on: CAM_TEST_DATABASE), and each table and column it names is checked
against the models; the columns a row is read
with are the model's, decoded as the model's types say. A command that only
reads imports neither the ORM nor SQLAlchemy.
"""

import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Cam
from sqlmodel import SQLModel

from cam_tracker.app import lookup, queries
from cam_tracker.app import snapshot as snapshot_module
from cam_tracker.store import migrations, models, read

ROOT = Path(__file__).resolve().parent.parent

# The model column types, as `store.read` decodes them.
KINDS = {
    "Integer": read.INT,
    "AutoString": read.TEXT,
    "Boolean": read.BOOL,
    "JSON": read.JSON,
    "Date": read.DATE,
    "UTCDateTime": read.MOMENT,
}

# The tables a row object is read from: every column of the model.
ROW_TYPES = [
    read.Plan,
    read.Mandate,
    read.Paragraph,
    read.Activity,
    read.Person,
    read.Meeting,
    read.Milestone,
    read.History,
    read.Document,
]


def _model_columns(table: str) -> dict[str, str]:
    found = SQLModel.metadata.tables[table]
    return {column.name: KINDS[type(column.type).__name__] for column in found.columns}


@pytest.mark.parametrize("table", sorted(t for t in read.TABLES if t != "alembic_version"))
def test_the_columns_read_are_the_models(table: str) -> None:
    declared = read.TABLES[table]
    model = _model_columns(table)
    assert {name: model.get(name) for name in declared} == declared
    if table in {row.table for row in ROW_TYPES}:  # type: ignore[attr-defined]
        assert list(declared) == list(model), "a row carries every column of its model"


def test_the_schema_revision_read_is_the_migrations_head() -> None:
    assert read.head() == migrations.HEAD
    assert snapshot_module.SESSION == models.SESSION


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []
    read.watchers.append(seen.append)
    try:
        yield seen
    finally:
        read.watchers.remove(seen.append)


_ALIASED = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)\s+(?!ON\b|WHERE\b|JOIN\b)(\w+)", re.IGNORECASE)
_BARE = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)", re.IGNORECASE)
_REFERENCE = re.compile(r"\b(\w+)\.(\w+)\b")


def _check(statement: str) -> list[str]:
    """What a statement names that the models do not have."""
    tables = SQLModel.metadata.tables
    wrong = [
        f"table {name}"
        for name in _BARE.findall(statement)
        if name not in tables and name != "alembic_version"
    ]
    aliases = {alias: table for table, alias in _ALIASED.findall(statement)}
    for alias, column in _REFERENCE.findall(statement):
        table = aliases.get(alias)
        if table in tables and column not in tables[table].columns:
            wrong.append(f"{table}.{column}")
    return wrong


def test_every_read_names_the_models_tables_and_columns(
    loaded: Cam, statements: list[str], tmp_path: Path
) -> None:
    loaded("advance", "vice-chair-election", "postpone", "--note", "later")
    key = loaded.json("list")[0]["key"]
    for args in (
        ("list",),
        ("list", "--all-plans", "--as-of", "2015-12-31"),
        ("list", "--overdue", "--mandate", "AG/RES"),
        ("show", key),
        ("show", key, "--as-of", "2015-11-30"),
        ("history",),
        ("history", key),
        ("calendar",),
        ("plan", "list"),
        ("report", "--format", "md", "-o", str(tmp_path / "report.md")),
    ):
        loaded(*args)
    # What a report, the reminders and the calendars read (in their own transactions, the
    # same statements), and the completions.
    with read.reading(loaded.url) as db:
        plan = lookup.current_plan(db)
        snapshot_module.snapshot(db, plan, include_removed=True, with_revisions=True)
        snapshot_module.snapshots(db, [plan], dt.date(2015, 12, 31), with_history=False)
        for what in queries.COMPLETIONS:
            queries.completions(db, None, what, key)
    read_statements = set(statements)
    assert len(read_statements) >= 15
    assert any("FROM record_change" in s for s in read_statements), "revisions were read"
    assert any("OVER (PARTITION BY" in s for s in read_statements), "as-of states were read"
    problems = {s: _check(s) for s in read_statements}
    assert {s: p for s, p in problems.items() if p} == {}


_PROBE = """
import json, sys
sys.argv = ["cam", *sys.argv[1:]]
from cam_tracker.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted({m.split(".")[0] for m in sys.modules if m.startswith(%r)})
orm = "sqlalchemy.orm" in sys.modules
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "loaded": loaded, "orm": orm}) + "\\n")
"""


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("list", "--all-plans"),
        ("list", "--json"),
        ("show", "vice-chair-election"),
        ("history",),
        ("history", "vice-chair-election"),
        ("calendar",),
    ],
    ids=lambda args: " ".join(args),
)
def test_read_commands_import_neither_the_orm_nor_the_schemas(
    loaded: Cam, args: tuple[str, ...]
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CAM_DATABASE_URL": loaded.url}
    probe = _PROBE % (("sqlmodel", "sqlalchemy", "alembic", "pydantic", "yaml", "transitions"),)
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True, check=False
    )
    line = next(line for line in done.stderr.splitlines() if line.startswith("PROBE "))
    found = json.loads(line.removeprefix("PROBE "))
    assert found == {"code": 0, "loaded": [], "orm": False}, done.stderr


def test_a_listing_is_written_row_by_row_as_one_document(loaded: Cam) -> None:
    loaded("advance", "vice-chair-election", "postpone", "--note", "a\nnote")
    for args in (("list", "--json"), ("history", "--json")):
        text = loaded(*args).output
        rows = json.loads(text)
        assert rows
        assert text == json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    assert loaded("list", "--json", "--month", "2030-01").output == "[]\n"
