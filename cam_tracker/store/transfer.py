"""Export a whole store as JSON, and import it into an empty store.

Every table goes, ids included, so that the history chain still verifies and
every command shows the same after a move (SQLite to PostgreSQL, say).
"""

import datetime as dt
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import Date, DateTime, Integer, Table, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel

from cam_tracker.core.dates import iso, read_day, read_moment
from cam_tracker.core.errors import InvalidDefinition, InvalidInput
from cam_tracker.store import is_postgres, migrations, models

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
        kind = getattr(column.type, "impl", column.type)
        try:
            if isinstance(value, str) and isinstance(kind, DateTime):
                value = read_moment(value)
            elif isinstance(value, str) and isinstance(kind, Date):
                value = read_day(value)
        except ValueError:
            raise InvalidDefinition(f"{where}.{name}: not a date: {value!r}") from None
        decoded[name] = value
    return decoded


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


def import_(db: Session, data: Any) -> dict[str, int]:
    """Restore an export into an empty store, in one transaction."""
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
    for table, rows in _rows(data):
        if rows:
            try:
                with connection.begin_nested():
                    connection.execute(insert(table), rows)
            except SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
                raise InvalidDefinition(f"tables.{table.name}: {reason}") from None
        counts[table.name] = len(rows)
    if is_postgres(db):
        for table in _tables():
            id_column = table.columns.get("id")
            if id_column is not None and isinstance(id_column.type, Integer) and counts[table.name]:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'(SELECT MAX(id) FROM "{table.name}"))'
                    )
                )
    return counts
