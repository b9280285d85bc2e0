"""Verify the record: the history chain, then what the store says against what the chain says.

The chain proves that no row of it was edited, deleted or inserted out of
band — unless someone able to drop the append-only triggers rewrote it all
with fresh hashes. A head published elsewhere (`HASH@COUNT`, printed by
`cam audit head` and in the report) catches that: the first COUNT rows must
still hash to HASH.

The facts checked after the chain, in this order, the first broken one named:

- the append-only triggers are in the database;
- every activity's state and resume state are what its steps say (an
  activity without steps is in its kind's initial state);
- every session's held day is the one its last recorded change gives
  (`Change`, subject `session`), and a session no change holds is not held;
- every registered person's registration, role and address are what the
  last recorded change of each says, and a person the record registers is
  registered;
- every registered document's entry (title, date, languages, address,
  status) is what its recorded changes say, and a document the record
  registers is in the register;
- the outbox is consistent: a known status; a row sent has its sent time and
  Message-ID; a row not sent has no sent time (a row never goes back from sent).
"""

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from cam_tracker.store import GENESIS, chain_values, models, values_hash
from cam_tracker.store.migrations import TRIGGERS

# Events of the tool's own rows in an activity's history: they move no state.
UNMOVING = ("reschedule", models.CORRECTION, "waive")


@dataclass(frozen=True)
class Kind:
    """What the audit needs of a workflow kind: its initial state and its halted states."""

    initial: str
    halted: frozenset[str]


@dataclass(frozen=True)
class Where:
    """The row (table, id) and column of the first broken fact."""

    table: str
    row_id: int | None = None
    column: str | None = None


@dataclass
class AuditResult:
    """What verifying found: the first problem, or none; and the chain's head."""

    rows: int
    problem: str | None = None
    where: Where | None = None
    head: tuple[str, int] = (GENESIS, 0)

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Broken(Exception):
    def __init__(self, problem: str, where: Where) -> None:
        super().__init__(problem)
        self.problem = problem
        self.where = where


def parse_head(text_: str) -> tuple[str, int]:
    """`HASH@COUNT` as `cam audit head` prints it; ValueError when it is not that."""
    hash_, sep, count = text_.strip().partition("@")
    hash_ = hash_.lower()
    if (
        not sep
        or len(hash_) != 64
        or any(c not in "0123456789abcdef" for c in hash_)
        or not count.isdigit()
    ):
        raise ValueError(f"not a chain head: {text_!r} (HASH@COUNT, as `cam audit head` prints)")
    return hash_, int(count)


def head(db: Session) -> tuple[str, int]:
    """The chain's head as the store says: the last row's hash and the number of rows."""
    row = db.get(models.ChainHead, 1)
    return (row.last_hash, row.length) if row else (GENESIS, 0)


def verify(
    db: Session,
    kinds: Mapping[str, Kind] | None = None,
    *,
    against: tuple[str, int] | None = None,
) -> AuditResult:
    """Walk the chain (against a published head, if given), then check the facts.

    `kinds` describes the workflow kinds (the store does not read workflow
    files); without it, activities are checked against their steps only.
    """
    count = 0
    try:
        count = _walk(db, against)
        _triggers(db)
        _activities(db, kinds)
        _sessions(db)
        _people(db)
        _documents(db)
        _outbox(db)
    except _Broken as broken:
        return AuditResult(count, broken.problem, broken.where, head(db))
    return AuditResult(count, head=head(db))


def _walk(db: Session, against: tuple[str, int] | None) -> int:
    """Every row of the chain follows the one before and hashes to what it says."""
    expected = GENESIS
    seen: dict[str, int] = {}
    count = 0
    for table, row in chain_values(db):
        row_id, prev_hash, hash_ = row["id"], row["prev_hash"], row["hash"]
        count += 1
        where = Where(table, row_id)
        if prev_hash != expected:
            if prev_hash in seen:
                raise _Broken(
                    f"history row {row_id}: the rows between {seen[prev_hash]} and "
                    f"{row_id} were deleted or reordered",
                    where,
                )
            raise _Broken(
                f"history row {row_id} does not follow the row before it: "
                "inserted out of band, or its predecessor was deleted",
                where,
            )
        if values_hash(table, row) != hash_:
            raise _Broken(f"history row {row_id} was edited after it was written", where)
        if against is not None and count == against[1] and hash_ != against[0]:
            raise _Broken(
                f"the first {count} rows no longer hash to the published head "
                f"{against[0]}@{against[1]}: the history was rewritten",
                where,
            )
        seen[hash_] = row_id
        expected = hash_
    if against is not None and count < against[1]:
        raise _Broken(
            f"the history has {count} rows, fewer than the {against[1]} of the published head "
            f"{against[0]}@{against[1]}: rows were removed",
            Where("chainhead", 1, "length"),
        )
    last_hash, length = head(db)
    if length > count:
        raise _Broken(
            f"the last {length - count} history row(s) were deleted",
            Where("chainhead", 1, "length"),
        )
    if length < count or last_hash != expected:
        raise _Broken(
            "history rows were appended out of band after the chain head",
            Where("chainhead", 1, "last_hash"),
        )
    if against is not None and against[1] == 0 and against[0] != GENESIS:
        raise _Broken(
            f"{against[0]}@0 is not the head of an empty history", Where("chainhead", 1, "length")
        )
    return count


def _triggers(db: Session) -> None:
    """The database itself refuses to edit or delete a row of the chain."""
    dialect = db.get_bind().dialect.name
    wanted: dict[str, tuple[str, ...]] = TRIGGERS.get(dialect, {})
    connection = db.connection()
    if dialect == "sqlite":
        present = set(
            connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            .scalars()
            .all()
        )
    elif dialect == "postgresql":
        present = set(
            connection.execute(
                text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")
            )
            .scalars()
            .all()
        )
    else:
        return
    for table, names in wanted.items():
        for name in names:
            if name not in present:
                raise _Broken(
                    f"the append-only trigger {name} on {table} is missing or disabled: "
                    "the chain could be rewritten",
                    Where("trigger", None, name),
                )


def _activities(db: Session, kinds: Mapping[str, Kind] | None) -> None:
    """Each activity's state is where its steps left it."""
    steps: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for activity_id, event, from_state, to_state in db.exec(
        select(
            models.History.activity_id,
            models.History.event,
            models.History.from_state,
            models.History.to_state,
        ).order_by(col(models.History.id))
    ):
        steps[activity_id].append((event, from_state, to_state))
    for activity in db.exec(select(models.Activity).order_by(col(models.Activity.id))):
        # A plan's own kind (`PLAN_ID/KIND`) before the installed one of that name.
        kind = (kinds or {}).get(f"{activity.plan_id}/{activity.kind}") or (kinds or {}).get(
            activity.kind
        )
        state, resume = (kind.initial, None) if kind else (activity.state, activity.resume_state)
        for event, from_state, to_state in steps.get(activity.id or 0, []):
            if event in UNMOVING:
                continue
            if kind is not None:
                if to_state in kind.halted and from_state not in kind.halted:
                    resume = from_state
                elif to_state not in kind.halted:
                    resume = None
            state = to_state
        if activity.state != state:
            raise _Broken(
                f"activity {activity.key} is {activity.state!r} but its history says {state!r}",
                Where("activity", activity.id, "state"),
            )
        if activity.resume_state != resume:
            raise _Broken(
                f"activity {activity.key} would resume to {activity.resume_state!r} but its "
                f"history says {resume!r}",
                Where("activity", activity.id, "resume_state"),
            )


def _recorded(db: Session, subject: str) -> dict[tuple[int | None, str], dict[str, Any]]:
    """Each subject's fields as its recorded changes leave them, oldest change first."""
    facts: dict[tuple[int | None, str], dict[str, Any]] = defaultdict(dict)
    for plan_id, key, changes in db.exec(
        select(models.Change.plan_id, models.Change.subject_key, models.Change.changes)
        .where(models.Change.subject == subject)
        .order_by(col(models.Change.id))
    ):
        for name, pair in dict(changes or {}).items():
            if isinstance(pair, list) and len(pair) == 2:
                facts[plan_id, key][name] = pair[1]
    return facts


def _sessions(db: Session) -> None:
    """A session is held on the day its recorded change says, and only then."""
    recorded = _recorded(db, models.SESSION)
    for meeting in db.exec(select(models.Meeting).order_by(col(models.Meeting.id))):
        held = meeting.held_on.isoformat() if meeting.held_on is not None else None
        says = recorded.get((meeting.plan_id, meeting.key), {}).get("held_on")
        if held == says:
            continue
        where = Where("session", meeting.id, "held_on")
        if says is None:
            raise _Broken(
                f"session {meeting.key} is held on {held} but no recorded change holds it", where
            )
        raise _Broken(
            f"session {meeting.key} is "
            f"{'held on ' + held if held else 'not held'} but its history says held on {says}",
            where,
        )


_PERSON_FACTS = ("registered", "role", "email")


def _people(db: Session) -> None:
    """A registered person is as the last recorded change of each fact says."""
    recorded = {key: facts for (_plan, key), facts in _recorded(db, models.PERSON).items()}
    found: set[str] = set()
    for person in db.exec(select(models.Person).order_by(col(models.Person.id))):
        found.add(person.key)
        says = recorded.get(person.key, {})
        if not person.registered and not says.get("registered"):
            continue
        for name in _PERSON_FACTS:
            value, told = getattr(person, name), says.get(name)
            if name == "registered":
                told = bool(told)
            if value != told:
                raise _Broken(
                    f"person {person.key}'s {name} is {value!r} but its history says {told!r}",
                    Where("person", person.id, name),
                )
    for key, says in recorded.items():
        if says.get("registered") and key not in found:
            raise _Broken(
                f"person {key} is registered in the history but gone from the store",
                Where("person", None, "key"),
            )


_DOCUMENT_FACTS = ("title", "date", "languages", "url", "status")


def _documents(db: Session) -> None:
    """A registered document reads as its `registered` and `changed` rows leave it."""
    recorded = _recorded(db, models.DOCUMENT)
    found: set[tuple[int | None, str]] = set()
    for document in db.exec(select(models.Document).order_by(col(models.Document.id))):
        found.add((document.plan_id, document.symbol))
        says = recorded.get((document.plan_id, document.symbol))
        if says is None:
            raise _Broken(
                f"document {document.symbol} is in the register but no recorded change "
                "registers it",
                Where("document", document.id, "symbol"),
            )
        held = {
            "title": dict(document.title),
            "date": document.date.isoformat() if document.date is not None else None,
            "languages": list(document.languages),
            "url": document.url,
            "status": document.status,
        }
        for name in _DOCUMENT_FACTS:
            if held[name] != says.get(name):
                raise _Broken(
                    f"document {document.symbol}'s {name} is {held[name]!r} but its history "
                    f"says {says.get(name)!r}",
                    Where("document", document.id, name),
                )
    for plan_id, symbol in recorded:
        if (plan_id, symbol) not in found:
            raise _Broken(
                f"document {symbol} is registered in the history but gone from the register",
                Where("document", None, "symbol"),
            )


def _outbox(db: Session) -> None:
    """Sent means sent: a time and a Message-ID; and a row never goes back from sent."""
    statuses = (models.PENDING, models.SENT, models.FAILED, models.SKIPPED)
    for row in _all(db, models.Outbox):
        where = Where("outbox", row.id, "status")
        if row.status not in statuses:
            raise _Broken(f"outbox row {row.id} has an unknown status {row.status!r}", where)
        if row.status == models.SENT and (row.sent_at is None or not row.message_id):
            raise _Broken(f"outbox row {row.id} is sent but has no sent time or Message-ID", where)
        if row.status != models.SENT and row.sent_at is not None:
            raise _Broken(
                f"outbox row {row.id} was sent at {row.sent_at.isoformat()} but is now "
                f"{row.status!r}: a sent reminder never goes back",
                where,
            )


def _all(db: Session, model: type[models.Outbox]) -> Iterator[models.Outbox]:
    yield from db.exec(select(model).order_by(col(model.id)))
