"""Reading the store without the ORM: SQL on the database driver's own rows.

A read command spends most of its time importing SQLAlchemy's ORM and
pydantic before it reads a row; the DB-API drivers (`sqlite3`, `psycopg`)
answer the same SQL for a small part of that. So every read of the read
model (`app.snapshot`, the plan lookups) runs here: plain SQL that SQLite
and PostgreSQL both accept (`?` placeholders, turned into `%s` for
psycopg), on a `Reader`, which is either

- a connection this module opens itself (`reading`): for a store that
  is there, current and writable (the common case), with nothing but the
  driver imported; any other store — in memory, read-only, of an older
  schema, unreachable — is opened by `store.engine`, which knows those cases
  and says what is wrong, and read through its connection; or
- the connection of an ORM session (`reader_of`): a write command reads
  within its own transaction, what it reads is what it writes on.

The schema stays defined once, by the models (`store.models`) and the
migrations. `TABLES` says which columns a row read here carries and how
each is decoded: every column of its model, in the model's terms (a test
checks it against the models, and runs every read against both
databases). A row read here is a plain object with the model's attributes;
to the type checker it is the model (the readers only read attributes), so
no reader of the read model needs to know how a row was read. It is not in
any ORM session: nothing written goes through it.
"""

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

if TYPE_CHECKING:
    from sqlmodel import Session

# How a column's stored value becomes the model's value.
INT, TEXT, BOOL, JSON, DATE, MOMENT = "int", "text", "bool", "json", "date", "moment"

# The columns of each table read here, as the models define them (checked by a test).
TABLES: dict[str, dict[str, str]] = {
    "plan": {
        "id": INT,
        "name": TEXT,
        "title": JSON,
        "body": JSON,
        "period_start": TEXT,
        "period_end": TEXT,
        "general_assembly": JSON,
        "timezone": TEXT,
        "source": TEXT,
        "digest": TEXT,
        "loaded_at": MOMENT,
        "policy": JSON,
        "symbols": JSON,
        "documents_policy": JSON,
        "workflows": JSON,
        "body_id": INT,
        "follows": TEXT,
        "distribution": TEXT,
        "publish_notes": BOOL,
        "report": JSON,
    },
    "mandate": {
        "id": INT,
        "plan_id": INT,
        "key": TEXT,
        "symbol": TEXT,
        "title": JSON,
        "position": INT,
    },
    "paragraph": {
        "id": INT,
        "mandate_id": INT,
        "number": TEXT,
        "text": JSON,
        "position": INT,
        "kind": TEXT,
    },
    "activity": {
        "id": INT,
        "plan_id": INT,
        "key": TEXT,
        "number": TEXT,
        "title": JSON,
        "kind": TEXT,
        "state": TEXT,
        "resume_state": TEXT,
        "removed": BOOL,
        "version": INT,
        "position": INT,
        "updated_at": MOMENT,
        "continues_id": INT,
    },
    "person": {
        "id": INT,
        "key": TEXT,
        "name": TEXT,
        "role": TEXT,
        "email": TEXT,
        "language": TEXT,
        "registered": BOOL,
        "login": TEXT,
        "title": TEXT,
        "country": TEXT,
        "removed": BOOL,
        "digest": TEXT,
    },
    "session": {
        "id": INT,
        "plan_id": INT,
        "key": TEXT,
        "month": TEXT,
        "date": DATE,
        "kind": TEXT,
        "title": JSON,
        "mandates": JSON,
        "held_on": DATE,
        "removed": BOOL,
        "position": INT,
        "start_time": TEXT,
        "end_time": TEXT,
        "room": TEXT,
        "building": TEXT,
        "city": TEXT,
        "modality": TEXT,
        "link": TEXT,
        "programme": JSON,
    },
    "milestone": {
        "id": INT,
        "session_id": INT,
        "activity_id": INT,
        "position": INT,
        "event": TEXT,
        "text": JSON,
        "planned_month": TEXT,
        "done_history_id": INT,
        "waived_history_id": INT,
    },
    "history": {
        "id": INT,
        "activity_id": INT,
        "event": TEXT,
        "from_state": TEXT,
        "to_state": TEXT,
        "actor": TEXT,
        "actor_role": TEXT,
        "on_behalf_of": TEXT,
        "at": MOMENT,
        "note": TEXT,
        "document": TEXT,
        "session_id": INT,
        "moved_event": TEXT,
        "moved_from": TEXT,
        "moved_to": TEXT,
        "corrects_id": INT,
        "corrected_at": MOMENT,
        "corrected_note": TEXT,
        "corrected_document": TEXT,
        "recorded_at": MOMENT,
        "chain_version": INT,
        "prev_hash": TEXT,
        "hash": TEXT,
    },
    "document": {
        "id": INT,
        "plan_id": INT,
        "symbol": TEXT,
        "title": JSON,
        "date": DATE,
        "languages": JSON,
        "url": TEXT,
        "status": TEXT,
        "registered_at": MOMENT,
    },
    # Read only in aggregates and pairs (no row object): the columns those use.
    "activityparagraph": {"activity_id": INT, "paragraph_id": INT},
    "responsibility": {"activity_id": INT, "person_id": INT},
    "record_change": {"plan_id": INT, "subject": TEXT, "subject_key": TEXT, "recorded_at": MOMENT},
    "alembic_version": {"version_num": TEXT},
}


class Row:
    """A row read here: the model's attributes, nothing of the ORM."""

    table = ""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__dict__!r})"

    def copy(self, **changes: Any) -> "Row":
        """Another row of the same table with some values changed (this one unchanged)."""
        made = object.__new__(type(self))
        made.__dict__.update(self.__dict__, **changes)
        return made


class _JSONColumn:
    """A JSON column of a row class, decoded when first read: a listing of ten thousand
    activities reads their titles, not their milestones' texts or their sessions'
    programmes. The row holds the driver's value under `raw` until then."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.raw = RAW + name

    def __get__(self, row: Row | None, owner: type[Row]) -> Any:
        if row is None:
            return self
        value = _json_text(row.__dict__[self.raw])
        row.__dict__[self.name] = value  # read from the row itself from now on
        return value


# The key a row keeps a JSON column's value under until it is decoded (`_JSONColumn`).
RAW = "_raw_"


def _row_class(name: str, table: str) -> type[Row]:
    columns = {
        column: _JSONColumn(column) for column, kind in TABLES[table].items() if kind == JSON
    }
    return type(name, (Row,), {"table": table, "__slots__": (), **columns})


if TYPE_CHECKING:
    # To the type checker a row read here is its model (see the module's docstring).
    from cam_tracker.store.models import Activity as Activity
    from cam_tracker.store.models import Document as Document
    from cam_tracker.store.models import History as History
    from cam_tracker.store.models import Mandate as Mandate
    from cam_tracker.store.models import Meeting as Meeting
    from cam_tracker.store.models import Milestone as Milestone
    from cam_tracker.store.models import Paragraph as Paragraph
    from cam_tracker.store.models import Person as Person
    from cam_tracker.store.models import Plan as Plan
else:
    Plan = _row_class("Plan", "plan")
    Mandate = _row_class("Mandate", "mandate")
    Paragraph = _row_class("Paragraph", "paragraph")
    Activity = _row_class("Activity", "activity")
    Person = _row_class("Person", "person")
    Meeting = _row_class("Meeting", "session")
    Milestone = _row_class("Milestone", "milestone")
    History = _row_class("History", "history")
    Document = _row_class("Document", "document")

T = TypeVar("T")

# Whoever wants to see every statement read here (tests counting queries).
watchers: list[Callable[[str], None]] = []


def _moment_sqlite(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _moment_server(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _date_sqlite(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


def _bool(value: Any) -> bool | None:
    return bool(value) if value is not None else None


def _json_text(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


# How each kind of column is decoded, by dialect (None: the driver's value is the model's).
_DECODE: dict[str, dict[str, Callable[[Any], Any] | None]] = {
    "sqlite": {
        INT: None,
        TEXT: None,
        BOOL: _bool,
        JSON: _json_text,
        DATE: _date_sqlite,
        MOMENT: _moment_sqlite,
    },
    "postgresql": {
        INT: None,
        TEXT: None,
        BOOL: None,
        JSON: _json_text,
        DATE: None,
        MOMENT: _moment_server,
    },
}


class Reader:
    """One read of the store: a DB-API connection and the dialect of its SQL.

    Every statement is written once, with `?` placeholders; `IN` lists take
    `in_(values)`. Moments are bound as the ORM stores them (SQLite: UTC text
    of a fixed width, so that text order is time order).
    """

    def __init__(self, connection: Any, dialect: str) -> None:
        self.connection = connection
        self.dialect = dialect
        self._decoders = _DECODE[dialect]

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows a statement returns, as the driver gives them."""
        bound = [self._bind(value) for value in params]
        if self.dialect == "postgresql":
            assert "%" not in sql, "a read statement with % cannot be sent to psycopg"
            sql = sql.replace("?", "%s")
        return self._execute(sql, bound)

    def _execute(self, sql: str, bound: list[Any]) -> list[tuple[Any, ...]]:
        for watch in watchers:
            watch(sql)
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, bound)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def records(
        self, row_type: type[T], sql: str, params: Sequence[Any] = (), *, alias: str = "t"
    ) -> list[T]:
        """Rows of one table as objects: `sql` is what follows the column list (`FROM
        table t …`), `alias` the table's name in it."""
        return [row for row, _ in self.records_with(row_type, (), sql, params, alias=alias)]

    def records_with(
        self,
        row_type: type[T],
        extra: Sequence[str],
        sql: str,
        params: Sequence[Any] = (),
        *,
        alias: str = "t",
    ) -> list[tuple[T, tuple[Any, ...]]]:
        """Rows of one table as objects, each with the `extra` columns read beside it."""
        table: str = row_type.table  # type: ignore[attr-defined]
        columns = TABLES[table]
        decoders = [
            (i, self._decoders[kind])
            for i, kind in enumerate(columns.values())
            if kind != JSON  # decoded when read (`_JSONColumn`)
        ]
        decoders = [(i, decode) for i, decode in decoders if decode is not None]
        select = ", ".join([*(f"{alias}.{name}" for name in columns), *extra])
        names = [RAW + name if kind == JSON else name for name, kind in columns.items()]
        width = len(names)
        made: list[tuple[T, tuple[Any, ...]]] = []
        new = object.__new__
        for found in self.rows(f"SELECT {select} {sql}", params):
            values = list(found[:width])
            for i, decode in decoders:
                values[i] = decode(values[i])  # type: ignore[misc]
            row = new(row_type)
            row.__dict__.update(zip(names, values, strict=True))
            made.append((row, tuple(found[width:])))
        return made

    def moment(self, value: Any) -> dt.datetime | None:
        """A moment read by an aggregate (MAX) as the models give it: aware, in UTC."""
        if self.dialect == "sqlite":
            return _moment_sqlite(value)
        return _moment_server(value)

    def _bind(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise ValueError("a moment read against must be aware")
            value = value.astimezone(dt.UTC)
            if self.dialect == "sqlite":
                return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return value


def driver_failure_line(exc: BaseException) -> str | None:
    """A failure of a driver read here (SQL, connection) as one line; None for any other."""
    import sys

    errors: list[type[BaseException]] = []
    for module, name in (("sqlite3", "Error"), ("psycopg", "Error")):
        if module in sys.modules:
            errors.append(getattr(sys.modules[module], name))
    if not errors or not isinstance(exc, tuple(errors)):
        return None
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def in_(values: Sequence[Any]) -> str:
    """The placeholders of an `IN` list of these values (an empty list matches nothing)."""
    return "(" + ", ".join("?" * len(values)) + ")" if values else "(NULL)"


class _SessionReader(Reader):
    """A reader on an ORM session's connection, within its transaction. Statements go as
    they are written for the driver (`exec_driver_sql`: no ORM, no SQL compiled) through
    the session's engine, so that a failure is the engine's error as for any statement of
    the session (a caller that tells store failures from others still tells them), and the
    engine's listeners see each statement."""

    def _execute(self, sql: str, bound: list[Any]) -> list[tuple[Any, ...]]:
        return list(self.connection.exec_driver_sql(sql, tuple(bound)))


def reader_of(db: "Session | Reader") -> Reader:
    """A reader of what the session reads: its own connection, within its transaction."""
    if isinstance(db, Reader):
        return db
    connection = db.connection()
    return _SessionReader(connection, connection.dialect.name)


def head() -> str:
    """The schema revision of the code: the highest-numbered migration (`NNNN_*.py`)."""
    versions = Path(__file__).resolve().parent / "migrations" / "versions"
    return max(name.split("_", 1)[0] for name in os.listdir(versions) if name[:4].isdigit())


@contextmanager
def reading(url: str) -> Iterator[Reader]:
    """One read of the store at `url`, consistent from its first statement to its last.

    A store that is there, current and writable is opened here with its
    driver alone; any other (see the module's docstring) by `store.engine`,
    which also says in one line why one cannot be opened at all.
    """
    opened = _open_directly(url)
    if opened is None:
        from cam_tracker.store.engine import session

        with session(url, create=False) as db:
            yield reader_of(db)
        return
    try:
        yield opened
    finally:
        try:
            opened.connection.rollback()
        finally:
            opened.connection.close()


def _open_directly(url: str) -> Reader | None:
    """The store opened with its driver alone (None: it is for `store.engine` to open)."""
    scheme, _, rest = url.partition("://")
    if scheme in ("sqlite", "sqlite+pysqlite"):
        return _sqlite(rest)
    if scheme == "postgresql+psycopg":
        return _postgresql(url)
    return None


def _sqlite(rest: str) -> Reader | None:
    import sqlite3

    if not rest.startswith("/") or "?" in rest or rest in ("/", "/:memory:"):
        return None
    path = Path(unquote(rest[1:])).expanduser()
    if not path.is_file() or not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        return None
    from cam_tracker.store.limits import SQLITE_BUSY_SECONDS

    try:
        connection = sqlite3.connect(
            path, timeout=SQLITE_BUSY_SECONDS, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error:
        return None
    reader = Reader(connection, "sqlite")
    try:
        if reader.rows("SELECT version_num FROM alembic_version") != [(head(),)]:
            connection.close()
            return None
        # One read transaction (taking no write lock): every statement sees the same commits.
        connection.execute("BEGIN")
    except sqlite3.Error:
        connection.close()
        return None
    return reader


def _postgresql(url: str) -> Reader | None:
    from cam_tracker.store.limits import postgres_options

    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # not a port: `store.engine` says so
        return None
    if parts.fragment:
        return None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    arguments: dict[str, Any] = {
        "dbname": unquote(parts.path.lstrip("/")) or None,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "host": parts.hostname,
        "port": port,
        **postgres_options(query),
        **query,
    }
    import psycopg

    try:
        connection = psycopg.connect(**{k: v for k, v in arguments.items() if v is not None})
    except psycopg.OperationalError as exc:
        # Not reached (no server, no database, a refused login): said as `store.engine`
        # says it, without waiting for the server a second time.
        from cam_tracker.core.errors import ConfigError

        reason = (str(exc).strip().splitlines() or ["no answer"])[0]
        where = f"{parts.hostname or 'localhost'}:{port or 'default port'}"
        raise ConfigError(f"cannot open the store at {where}: {reason}") from None
    except psycopg.Error:
        return None
    reader = Reader(connection, "postgresql")
    try:
        current = reader.rows("SELECT version_num FROM alembic_version") == [(head(),)]
    except psycopg.Error:
        current = False
    if not current:
        connection.close()
        return None
    return reader
