"""The history chain: appending a step and moving an activity's state, atomically.

Every history row carries the hash of the row before it; the chain's head
(last hash, length) is one row that every append locks, so appends are
serialised and the chain never forks. A state only changes on the version
it was read at. Rows keep the hash rule they were written under
(`chain_version`), so rows written by older releases still verify.

The chain holds two kinds of rows: an activity's steps (`History`) and the
other changes to the record (`Change`: people, assignments, sessions, plans).
Both take their ids from one counter while holding the head's lock, so the
chain's order is the order of ids across both tables (`chain_rows`).
"""

import datetime as dt
import hashlib
import heapq
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import bindparam, event, insert, text, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from cam_tracker.core.dates import utc
from cam_tracker.core.errors import Conflict
from cam_tracker.store import models
from cam_tracker.store.engine import is_postgres

GENESIS = "0" * 64


ChainRow = models.History | models.Change


def history_hash(row: ChainRow) -> str:
    """The hash of a chain row over its content and the previous row's hash.

    Versions 1 to 3 are steps' rules as they were; version 4 names the table
    too, so that a step and a change can never hash alike.
    """
    if isinstance(row, models.Change):
        return change_hash(row.model_dump())
    return step_hash({name: getattr(row, name) for name in _STEP_FIELDS})


# What a step's hash may cover (by its chain version), in the order of the columns.
_STEP_FIELDS = (
    "id",
    "activity_id",
    "event",
    "from_state",
    "to_state",
    "actor",
    "actor_role",
    "on_behalf_of",
    "at",
    "note",
    "document",
    "session_id",
    "moved_event",
    "moved_from",
    "moved_to",
    "corrects_id",
    "corrected_at",
    "corrected_note",
    "corrected_document",
    "chain_version",
    "prev_hash",
)


def step_hash(values: Mapping[str, Any]) -> str:
    """The hash of a step (a `History` row) from its values as a mapping.

    The one rule for a row object and for the rows a batch writes as plain
    values (`append_steps`), so that both chain alike.
    """
    version = values["chain_version"]
    content = {
        "id": values["id"],
        "activity_id": values["activity_id"],
        "event": values["event"],
        "from_state": values["from_state"],
        "to_state": values["to_state"],
        "actor": values["actor"],
        **({"actor_role": values["actor_role"]} if values["actor_role"] is not None else {}),
        "at": _utc_iso(values["at"]),
        "note": values["note"],
        "document": values["document"],
        "session_id": values["session_id"],
        "prev_hash": values["prev_hash"],
    }
    if version >= 2:
        content.update(
            chain_version=version,
            moved_event=values["moved_event"],
            moved_from=values["moved_from"],
            moved_to=values["moved_to"],
        )
    if version >= 3:
        corrected_at = values["corrected_at"]
        content.update(
            corrects_id=values["corrects_id"],
            corrected_at=_utc_iso(corrected_at) if corrected_at is not None else None,
            corrected_note=values["corrected_note"],
            corrected_document=values["corrected_document"],
        )
    if version >= 4:
        content.update(on_behalf_of=values["on_behalf_of"])
    if version >= 5:
        content.update(table="history")
    return _digest(content)


def change_hash(values: Mapping[str, Any]) -> str:
    """The hash of a `Change` row (chain version 5), from its values as a mapping.

    A mapping, so that a migration can hash the rows it writes without the
    model of a later release.
    """
    at = values["at"]
    content = {
        "table": "record_change",
        "chain_version": values["chain_version"],
        "id": values["id"],
        "subject": values["subject"],
        "subject_key": values["subject_key"],
        "plan_id": values["plan_id"],
        "action": values["action"],
        "changes": values["changes"],
        "actor": values["actor"],
        "actor_role": values["actor_role"],
        "at": _utc_iso(at) if isinstance(at, dt.datetime) else at,
        "note": values["note"],
        "prev_hash": values["prev_hash"],
    }
    return _digest(content)


def _digest(content: dict[str, Any]) -> str:
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _utc_iso(moment: dt.datetime) -> str:
    return utc(moment).isoformat()


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


_APPEND_CHANGE = insert(models.Change)


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


# One counter for both tables of the chain (PostgreSQL: the history's sequence).
_NEXT_ID_SQLITE = text(
    "SELECT MAX(m) + 1 FROM (SELECT COALESCE(MAX(id), 0) AS m FROM history "
    "UNION ALL SELECT COALESCE(MAX(id), 0) FROM record_change) AS ids"
)


def _next_history_id(db: Session, chain: _Chain) -> int:
    """The id the next chain row gets (a step or a change): it is part of the row's hash."""
    connection = db.connection()
    if is_postgres(db):
        query = text("SELECT nextval(pg_get_serial_sequence('history', 'id'))")
        return int(connection.execute(query).scalar_one())
    if chain.next_id is None:  # the chain head's write lock serialises this
        chain.next_id = int(connection.execute(_NEXT_ID_SQLITE).scalar_one())
    chain.next_id += 1
    return chain.next_id - 1


def _next_history_ids(db: Session, chain: _Chain, count: int) -> list[int]:
    """The ids the next `count` chain rows get, ascending, in one query at most."""
    if not is_postgres(db):
        first = _next_history_id(db, chain)
        chain.next_id = first + count
        return list(range(first, first + count))
    query = text(
        "SELECT nextval(pg_get_serial_sequence('history', 'id')) FROM generate_series(1, :n)"
    )
    return sorted(int(value) for value in db.connection().execute(query, {"n": count}).scalars())


# Every column of a step, with the value a step leaves it at when it says nothing.
_STEP_DEFAULTS: dict[str, Any] = dict.fromkeys(models.History.model_fields)


def append_steps(db: Session, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Append many steps at the end of the chain, in their order: one insert, the head once.

    Each step is a mapping of `History` columns (those left out take their
    defaults); the returned rows carry their ids and hashes, chained in
    Python exactly as `append_history` chains one row at a time. The caller
    validated every step before: this only writes.
    """
    if not steps:
        return []
    chain = _chain(db)
    ids = _next_history_ids(db, chain, len(steps))
    prev, now = chain.last_hash, models.utcnow()
    rows = []
    for step, row_id in zip(steps, ids, strict=True):
        row = {**_STEP_DEFAULTS, "recorded_at": now, **step}
        row.update(id=row_id, chain_version=models.CHAIN_VERSION, prev_hash=prev)
        row["hash"] = prev = step_hash(row)
        rows.append(row)
    connection = db.connection()
    connection.execute(_APPEND, rows)
    length = chain.length + len(rows)
    connection.execute(_MOVE_HEAD, {"last_hash": prev, "length": length})
    chain.last_hash, chain.length = prev, length
    return rows


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


def append_change(db: Session, row: models.Change) -> models.Change:
    """Append a change to the record at the end of the chain (inside the caller's transaction)."""
    chain = _chain(db)
    row.changes = json.loads(json.dumps(row.changes))  # as the JSON column gives it back
    row.id = _next_history_id(db, chain)
    row.chain_version = models.CHAIN_VERSION
    row.prev_hash = chain.last_hash
    row.hash = history_hash(row)
    connection = db.connection()
    connection.execute(_APPEND_CHANGE, row.model_dump())
    connection.execute(_MOVE_HEAD, {"last_hash": row.hash, "length": chain.length + 1})
    chain.last_hash, chain.length = row.hash, chain.length + 1
    return row


BATCH = 5000


def chain_rows(db: Session, batch: int = BATCH) -> Iterator[ChainRow]:
    """Every row of the chain in its order: steps and changes merged by id, read in batches."""

    def table(model: type[ChainRow]) -> Iterator[ChainRow]:
        last_id = 0
        while True:
            query = select(model).where(col(model.id) > last_id).order_by(col(model.id))
            rows = cast(list[ChainRow], list(db.exec(query.limit(batch))))
            if not rows:
                return
            yield from rows
            last_id = rows[-1].id or 0

    return heapq.merge(table(models.History), table(models.Change), key=lambda row: row.id or 0)


def chain_values(db: Session, batch: int = BATCH) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every row of the chain in its order, as (table, values): what `chain_rows` gives,
    read as the driver's rows, without building an object per row (an audit of a
    large store reads them all)."""
    connection = db.connection()

    def table(model: type[ChainRow]) -> Iterator[tuple[str, Mapping[str, Any]]]:
        columns = model.__table__  # type: ignore[union-attr]
        name = str(model.__tablename__)
        last_id = 0
        while True:
            query = columns.select().where(columns.c.id > last_id).order_by(columns.c.id)
            rows = connection.execute(query.limit(batch)).mappings().all()
            if not rows:
                return
            for row in rows:
                yield name, cast(Mapping[str, Any], row)
            last_id = rows[-1]["id"]

    return heapq.merge(
        table(models.History), table(models.Change), key=lambda pair: int(pair[1]["id"])
    )


def values_hash(table: str, values: Mapping[str, Any]) -> str:
    """The hash of a chain row given as (table, values), as `chain_values` gives it."""
    if table == models.Change.__tablename__:
        return change_hash(values)
    return step_hash(values)


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


@dataclass(frozen=True)
class Move:
    """An activity's state after a batch of steps, and how many steps took it there."""

    activity: models.Activity
    state: str
    resume_state: str | None
    steps: int


def set_states(db: Session, moves: list[Move]) -> None:
    """Move many activities, each only if nobody moved it since it was read: one statement.

    An activity's version goes up by one per step, as it does one step at a
    time. On a conflict nothing is kept: the caller's transaction rolls back.
    """
    if not moves:
        return
    now = models.utcnow()
    values = [
        {
            "activity_id": move.activity.id,
            "expected": move.activity.version,
            "state": move.state,
            "resume_state": move.resume_state,
            "version": move.activity.version + move.steps,
            "updated_at": now,
        }
        for move in moves
    ]
    result = db.connection().execute(_SET_STATE, values)
    if result.rowcount != len(moves):
        current = {
            activity_id: version
            for activity_id, version in db.connection().execute(
                select(models.Activity.id, models.Activity.version).where(
                    col(models.Activity.id).in_([move.activity.id for move in moves])
                )
            )
        }
        changed = next(
            (m for m in moves if current.get(m.activity.id or 0) != m.activity.version + m.steps),
            moves[0],
        )
        raise Conflict(_conflict_message(db, changed.activity))
    for move, value in zip(moves, values, strict=True):
        for key in ("state", "resume_state", "version", "updated_at"):
            set_committed_value(move.activity, key, value[key])


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
