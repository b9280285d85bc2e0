"""The store: engines and sessions from a URL, and the writes that must be atomic.

The only module that knows SQLite from PostgreSQL. SQLite transactions begin
IMMEDIATE (one writer at a time, the others wait); on PostgreSQL the history
chain's head row is locked FOR UPDATE. Either way, history appends are
serialised and a state change only lands on the version it was computed from.
"""

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, event, insert, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel, col, create_engine, select

from cam_tracker import models
from cam_tracker.errors import ConfigError, Conflict

GENESIS = "0" * 64
_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.RLock()
SQLITE_BUSY_SECONDS = 60


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def engine_for(url: str) -> Engine:
    """The engine for a store URL (one per process), its schema created on first use."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = _create(url)
        return engine


def _create(url: str, *, ensure: bool = True) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create the store directory: {exc}") from None
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        _configure_sqlite(engine)
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except (ImportError, ArgumentError) as exc:
            raise ConfigError(f"cannot use database URL: {exc}") from None
    if ensure:
        _on_store(engine, "ensure")
    return engine


def _on_store(engine: Engine, action: str) -> str | None:
    """Bring the schema up to date; with 'upgrade', return the revision found before."""
    from cam_tracker import migrations

    try:
        if action == "upgrade":
            with engine.connect() as connection:
                before = migrations.current_revision(connection)
        else:
            before = None
        migrations.ensure_schema(engine)
    except OperationalError as exc:
        raise ConfigError(
            f"cannot open the store: {str(exc.orig).strip().splitlines()[0]}"
        ) from None
    return before


def upgrade(url: str) -> tuple[str | None, str]:
    """Upgrade a store's schema; return the revision before (None: empty) and after."""
    from cam_tracker.migrations import HEAD

    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = _create(url, ensure=False)
    return _on_store(engine, "upgrade"), HEAD


@contextmanager
def session(url: str) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on error."""
    with Session(engine_for(url), expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise


def is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def history_hash(row: models.History) -> str:
    """The hash of a history row over its content and the previous row's hash."""
    content = {
        "id": row.id,
        "activity_id": row.activity_id,
        "event": row.event,
        "from_state": row.from_state,
        "to_state": row.to_state,
        "actor": row.actor,
        **({"actor_role": row.actor_role} if row.actor_role is not None else {}),
        "at": _utc_iso(row.at),
        "note": row.note,
        "document": row.document,
        "session_id": row.session_id,
        "prev_hash": row.prev_hash,
    }
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _utc_iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat()


def lock_for_write(db: Session) -> None:
    """Serialise writers: take the history chain's head before reading what to change.

    Every writing use case calls this first, so writers queue in one order
    and never deadlock; SQLite's BEGIN IMMEDIATE already does the same.
    """
    _chain(db)


@dataclass
class _Chain:
    """The history chain's head, as the transaction that locked it sees it."""

    last_hash: str
    length: int
    next_id: int | None = None  # SQLite: MAX(id) + 1 once, then counted


_CACHE = "cam_tracker.transaction"
_HEAD = select(models.ChainHead.last_hash, models.ChainHead.length).where(models.ChainHead.id == 1)
_MOVE_HEAD = update(models.ChainHead).where(col(models.ChainHead.id) == 1)
_APPEND = insert(models.History)
_SET_STATE = (
    update(models.Activity)
    .where(col(models.Activity.id) == bindparam("activity_id"))
    .where(col(models.Activity.version) == bindparam("expected"))
)


def transaction_cache(db: Session) -> dict[Any, Any]:
    """What the current transaction read once and may keep: forgotten when it ends.

    Any end counts (commit, rollback, a savepoint's): the next use reads anew.
    """
    cache: dict[Any, Any] = db.info.setdefault(_CACHE, {})
    return cache


@event.listens_for(OrmSession, "after_transaction_end")
def _forget(session: OrmSession, _transaction: Any) -> None:
    session.info.pop(_CACHE, None)


def _chain(db: Session) -> _Chain:
    """Lock the chain's head for this transaction; read it once, then keep it in step.

    While the transaction holds the lock, no other writer appends, so the head
    need not be read again until the transaction (or a savepoint) ends.
    """
    cache = transaction_cache(db)
    chain: _Chain | None = cache.get(_Chain)
    if chain is None:
        connection = db.connection()
        head = connection.execute(_HEAD.with_for_update()).first()
        if head is None:
            connection.execute(insert(models.ChainHead).values(id=1, last_hash=GENESIS, length=0))
        chain = cache[_Chain] = _Chain(*(head or (GENESIS, 0)))
    return chain


def _next_history_id(db: Session, chain: _Chain) -> int:
    """The id the next history row gets: it is part of the row's hash."""
    connection = db.connection()
    if is_postgres(db):
        query = text("SELECT nextval(pg_get_serial_sequence('history', 'id'))")
        return int(connection.execute(query).scalar_one())
    if chain.next_id is None:  # the chain head's write lock serialises this
        query = text("SELECT COALESCE(MAX(id), 0) + 1 FROM history")
        chain.next_id = int(connection.execute(query).scalar_one())
    chain.next_id += 1
    return chain.next_id - 1


def append_history(db: Session, row: models.History) -> models.History:
    """Append a history row at the end of the chain (inside the caller's transaction)."""
    chain = _chain(db)
    row.id = _next_history_id(db, chain)
    row.prev_hash = chain.last_hash
    row.hash = history_hash(row)
    connection = db.connection()
    connection.execute(_APPEND, row.model_dump())
    connection.execute(_MOVE_HEAD, {"last_hash": row.hash, "length": chain.length + 1})
    chain.last_hash, chain.length = row.hash, chain.length + 1
    return row


def set_state(
    db: Session, activity: models.Activity, new_state: str, resume_state: str | None
) -> None:
    """Move an activity to `new_state` if nobody moved it since it was read."""
    expected = activity.version
    values = {
        "state": new_state,
        "resume_state": resume_state,
        "version": expected + 1,
        "updated_at": models.utcnow(),
    }
    result = db.connection().execute(
        _SET_STATE, {"activity_id": activity.id, "expected": expected, **values}
    )
    if result.rowcount != 1:
        raise Conflict(_conflict_message(db, activity))
    for key, value in values.items():
        set_committed_value(activity, key, value)


def _conflict_message(db: Session, activity: models.Activity) -> str:
    state_now = db.exec(
        select(models.Activity.state).where(models.Activity.id == activity.id)
    ).first()
    if state_now is None:
        return f"{activity.key}: it was removed meanwhile"
    last = db.exec(
        select(models.History)
        .where(models.History.activity_id == activity.id)
        .order_by(models.History.id.desc())  # type: ignore[union-attr]
        .limit(1)
    ).first()
    who = f" by {last.actor} ({last.event})" if last else ""
    return (
        f"{activity.key} was changed meanwhile{who}: it is now {state_now!r}; "
        "check it and try again"
    )


def dispose(url: str) -> None:
    """Close the pooled connections of one store and forget its engine."""
    with _ENGINES_LOCK:
        engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


def dispose_all() -> None:
    """Close every pooled connection (tests, long-running processes at exit)."""
    for url in list(_ENGINES):
        dispose(url)


def reset(url: str) -> None:
    """Empty every table of a PostgreSQL store (tests only)."""
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine_for(url).begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
