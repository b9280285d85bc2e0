"""Export a whole store as JSON, and import it into an empty store.

Every table goes, ids included, so that the history chain still verifies and
every command shows the same after a move (SQLite to PostgreSQL, say).

An import proves its file before it commits: each value has its column's
type (SQLite would store a string in an integer column), and once every row
is in, inside the same transaction, the record is verified as `cam audit
verify` does — the chain, and the store's facts against it. The first broken
row is named as the file names it (`tables.activity.3.state: …`) and nothing
is written.
"""

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel

from cam_tracker.core.dates import iso
from cam_tracker.core.errors import ChainBroken, InvalidDefinition, InvalidInput
from cam_tracker.store import audit, is_postgres, migrations, models

FORMAT = "cam-tracker-export"
FORMAT_VERSION = 1
# An export of the largest store measured (200 plans, 100,000 history rows) is
# about a fifth of this; anything larger is not an export, and is not read.
MAX_EXPORT_BYTES = 256 * 1024 * 1024
_TABLES_WITHOUT_DATA = {"alembic_version"}


def _tables() -> list[Table]:
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in _TABLES_WITHOUT_DATA]


def _encode(value: Any) -> Any:
    return iso(value) if isinstance(value, dt.date) else value


def export(db: Session) -> dict[str, Any]:
    """Every row of every table, JSON-ready."""
    connection = db.connection()
    tables = {}
    for table in _tables():
        order = [c for c in table.primary_key.columns]
        rows = connection.execute(select(table).order_by(*order)).mappings()
        tables[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "schema": migrations.HEAD,
        "exported_at": models.utcnow().isoformat(),
        "tables": tables,
    }


def to_json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def read_export(stream: IO[bytes], name: str) -> Any:
    """The JSON of an export file (or of standard input, `-`), read up to MAX_EXPORT_BYTES."""
    import json

    from cam_tracker.core.reading import read_stream

    raw = read_stream(stream, name, MAX_EXPORT_BYTES)
    try:
        return json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidDefinition(f"{name}: not JSON: {exc}") from None
    except RecursionError:
        raise InvalidDefinition(f"{name}: not JSON this tool reads: nested too deeply") from None


def _decode(table: Table, row: dict[str, Any], where: str) -> dict[str, Any]:
    columns = {c.name: c for c in table.columns}
    if not isinstance(row, dict):
        raise InvalidDefinition(f"{where}: not an object")
    decoded = {}
    for name, value in row.items():
        column = columns.get(name)
        if column is None:
            raise InvalidDefinition(f"{where}: unknown column {name!r}")
        decoded[name] = _value(column, value, f"{where}.{name}")
    return decoded


def _value(column: Column[Any], value: Any, where: str) -> Any:
    """A value of the column's type, as the export writes it; else the row is refused."""
    if value is None:
        if not column.nullable and not column.primary_key:
            raise InvalidDefinition(f"{where}: a value is required")
        return None
    kind = getattr(column.type, "impl", column.type)
    wanted: tuple[type, ...] | None = None
    if isinstance(kind, Boolean):
        wanted, told = (bool,), "true or false"
    elif isinstance(kind, Integer):
        wanted, told = (int,), "an integer"
        if isinstance(value, bool):
            wanted = ()
    elif isinstance(kind, Float):
        wanted, told = (int, float), "a number"
    elif isinstance(kind, DateTime | Date):
        wanted, told = (str,), "a date" if not isinstance(kind, DateTime) else "a moment"
    elif isinstance(kind, String):
        wanted, told = (str,), "a text"
    elif isinstance(kind, JSON):
        return value
    if wanted is not None and not isinstance(value, wanted or (type(None),)):
        raise InvalidDefinition(f"{where}: expected {told}, not {value!r}")
    try:
        if isinstance(kind, DateTime):
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError
            return moment
        if isinstance(kind, Date):
            return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidDefinition(f"{where}: not {told}: {value!r}") from None
    return value


def _rows(data: dict[str, Any]) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise InvalidDefinition("tables: missing or not an object")
    known = {t.name for t in _tables()}
    unknown = [name for name in tables if name not in known]
    if unknown:
        raise InvalidDefinition(f"tables.{unknown[0]}: unknown table")
    for table in _tables():
        rows = tables.get(table.name, [])
        if not isinstance(rows, list):
            raise InvalidDefinition(f"tables.{table.name}: not a list")
        yield (
            table,
            [_decode(table, row, f"tables.{table.name}.{index}") for index, row in enumerate(rows)],
        )


def import_(
    db: Session, data: Any, kinds: Mapping[str, audit.Kind] | None = None
) -> dict[str, int]:
    """Restore an export into an empty store, in one transaction, verified before it commits.

    `kinds` describes the workflow kinds, for the check of activities' states.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidDefinition("not a cam-tracker export (format)")
    if data.get("version") != FORMAT_VERSION:
        raise InvalidDefinition(f"export format version {data.get('version')!r} is not supported")
    if data.get("schema") != migrations.HEAD:
        raise InvalidDefinition(
            f"the export is of schema {data.get('schema')!r}; this release reads "
            f"{migrations.HEAD!r}: import it with the release that made it, upgrade, export again"
        )
    connection = db.connection()
    for table in _tables():
        if connection.execute(select(func.count()).select_from(table)).scalar():
            raise InvalidInput(
                f"the store is not empty (table {table.name}): import needs an empty store"
            )
    counts = {}
    ids: dict[str, list[Any]] = {}
    for table, rows in _rows(data):
        ids[table.name] = [row.get("id") for row in rows]
        if rows:
            try:
                with connection.begin_nested():
                    connection.execute(insert(table), rows)
            except SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
                raise InvalidDefinition(f"tables.{table.name}: {reason}") from None
        counts[table.name] = len(rows)
    if is_postgres(db):
        _restart_sequences(db, counts)
    verdict = audit.verify(db, kinds)
    if not verdict.ok:
        raise ChainBroken(_named(verdict, ids))
    return counts


def _named(verdict: audit.AuditResult, ids: dict[str, list[Any]]) -> str:
    """The audit's first problem, at the row of the file that holds it."""
    where = verdict.where
    if where is None:
        return f"the file's record does not verify: {verdict.problem}"
    table = "history" if where.table == "trigger" else where.table
    index = next((i for i, row_id in enumerate(ids.get(table, [])) if row_id == where.row_id), None)
    place = f"tables.{table}" + (f".{index}" if index is not None else "")
    if where.column is not None and index is not None:
        place += f".{where.column}"
    return f"{place}: {verdict.problem}"


def _restart_sequences(db: Session, counts: dict[str, int]) -> None:
    """Each table's id sequence goes on after its rows; the history's after the whole chain's."""
    connection = db.connection()
    for table in _tables():
        id_column = table.columns.get("id")
        chain = ("history", models.Change.__tablename__)
        rows = counts[table.name] + (counts[chain[1]] if table.name == "history" else 0)
        if id_column is None or not isinstance(id_column.type, Integer) or not rows:
            continue
        if table.name == chain[1]:
            continue  # its ids come from the history's sequence
        highest = f'SELECT MAX(id) FROM "{table.name}"'
        if table.name == "history":
            highest = (
                "SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM history "
                "UNION ALL SELECT MAX(id) FROM record_change) AS ids"
            )
        connection.execute(
            text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), ({highest}))")
        )
