"""Digests of what changed: for each person who asked for them, daily or weekly, through the
outbox that carries the reminders.

A digest is of one plan, one person and one period: the day (daily) or the
week from Monday (weekly) that last ended, in the plan's zone. It is due when
its period ends and is planned by the same runs as the reminders (`cam
remind`, the scheduler's tick); the outbox's unique (plan, period, person)
makes planning it twice plan it once, and its claims send it once.

What it tells is what the record gained since the person's previous digest
of the plan (`Outbox.upto_id`), up to the last change dated before the
period's end: so no change is told twice and none is skipped, whatever the
clock of the runs; a person's first digest starts at the period's start.
Of those changes, the ones that touch what the person follows
(`app.following`): the steps of those activities (postponements and moves of
their milestones among them), the moves of the sessions where they are on
the agenda, the documents they cite newly registered. Nothing changed: no
row, no email.
"""

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from cam_tracker.app.following import (
    DAILY,
    OFF,
    WEEKLY,
    Changed,
    changed,
    followed,
    record_mark,
)
from cam_tracker.app.snapshot import Snapshot
from cam_tracker.core import i18n
from cam_tracker.core.dates import day_start, local_day
from cam_tracker.core.resources import data_dir
from cam_tracker.core.text import one_line, untranslated
from cam_tracker.files.workflow import RESCHEDULE, WAIVE
from cam_tracker.reminders.digest import DOMAIN, Reader, message_to, salutation
from cam_tracker.reminders.due import Problem, failure_text
from cam_tracker.reminders.outbox import insert_once
from cam_tracker.store import models
from cam_tracker.store.models import CHANGES

if TYPE_CHECKING:
    from jinja2 import Environment

Labels = dict[str, str]


def period(frequency: str, now: dt.datetime, zone: str) -> tuple[str, dt.date, dt.date]:
    """The last period of `frequency` that ended by `now`: its slot name, first and end day."""
    today = local_day(now, zone)
    if frequency == DAILY:
        first = today - dt.timedelta(days=1)
        end = today
    elif frequency == WEEKLY:
        end = today - dt.timedelta(days=today.weekday())
        first = end - dt.timedelta(days=7)
    else:
        raise ValueError(f"no period for {frequency!r}")
    return f"{frequency} {first.isoformat()}", first, end


@dataclass
class DueChanges:
    """One digest of changes due for one person (`queued`: already in the outbox)."""

    plan: models.Plan
    person: models.Person
    slot: str
    due_at: dt.datetime
    after: int
    upto: int
    steps: int
    moves: int
    documents: int


def due_changes(
    db: Session,
    now: dt.datetime,
    plan_name: str | None = None,
    problems: list[Problem] | None = None,
) -> list[DueChanges]:
    """The change digests due at `now` and not yet queued, people without an address included."""
    from cam_tracker.reminders.due import _plans, _report

    readers = list(
        db.exec(
            select(models.Person)
            .where(col(models.Person.removed).is_(False))
            .where(models.Person.digest != OFF)
        )
    )
    if not readers:
        return []
    found = []
    for plan in _plans(db, plan_name):
        try:
            found.extend(_plan_due(db, plan, readers, now))
        except SQLAlchemyError:
            raise
        except Exception as exc:
            _report(problems, Problem(plan.name, None, failure_text(exc)))
    return found


def _plan_due(
    db: Session, plan: models.Plan, readers: list[models.Person], now: dt.datetime
) -> list[DueChanges]:
    """A fixed number of queries for the plan, however many readers: the outbox once, the
    record's marks once per moment, the changes once per set of activities followed."""
    follows = followed(db, plan)
    queued: set[tuple[int, str]] = set()
    previous: dict[int, int] = {}
    for person_id, slot, upto in db.exec(
        select(models.Outbox.person_id, models.Outbox.slot, models.Outbox.upto_id)
        .where(models.Outbox.kind == CHANGES)
        .where(models.Outbox.plan_id == plan.id)
    ):
        queued.add((person_id, slot))
        if upto is not None:
            previous[person_id] = max(previous.get(person_id, 0), upto)
    marks: dict[dt.datetime, int] = {}

    def mark(before: dt.datetime) -> int:
        if before not in marks:
            marks[before] = record_mark(db, before)
        return marks[before]

    told_for: dict[tuple[frozenset[int], int, int], Changed] = {}
    found = []
    for person in readers:
        mine = follows.get(person.id or 0)
        if not mine:
            continue
        slot, first, end = period(person.digest, now, plan.timezone)
        if (person.id or 0, slot) in queued:
            continue
        due_at = day_start(end, plan.timezone)
        after = previous.get(person.id or 0)
        if after is None:
            after = mark(day_start(first, plan.timezone))
        upto = mark(due_at)
        if upto <= after:
            continue
        key = (frozenset(mine), after, upto)
        if key not in told_for:
            told_for[key] = changed(db, plan, set(mine), after, upto)
        told = told_for[key]
        if not told:
            continue
        found.append(
            DueChanges(
                plan,
                person,
                slot,
                due_at,
                after,
                upto,
                len(told.steps),
                len(told.moves),
                len(told.documents),
            )
        )
    return found


def queue(db: Session, dues: list[DueChanges], now: dt.datetime) -> list[models.Outbox]:
    """An outbox row for each digest due to someone with an address; a second is refused."""
    rows = []
    for item in dues:
        if not item.person.email:
            continue
        assert item.plan.id is not None and item.person.id is not None
        row = models.Outbox(
            kind=CHANGES,
            plan_id=item.plan.id,
            slot=item.slot,
            person_id=item.person.id,
            address=item.person.email,
            due_at=item.due_at,
            queued_at=now,
            next_attempt_at=now,
            after_id=item.after,
            upto_id=item.upto,
        )
        if insert_once(db, row):
            rows.append(row)
    return rows


# --- what a digest says ----------------------------------------------------------------


# What a step told is: a workflow's step, a milestone moved or waived, a step corrected.
STEP, MOVED, WAIVED, CORRECTED = "step", "moved", "waived", "corrected"


@dataclass(frozen=True)
class Step:
    """A step of a followed activity: `event` is the workflow event's labels (for a
    milestone moved or waived, the milestone's); `moved_*` the months a milestone moved."""

    kind: str
    number: str
    title: Labels
    event: Labels
    on: dt.date
    note: str | None
    document: str | None
    moved_from: str | None = None
    moved_to: str | None = None


@dataclass(frozen=True)
class Move:
    """A session with a followed activity on its agenda, given a date or moved."""

    title: Labels
    before: str | None  # a day (YYYY-MM-DD) or a month; None: it had no date
    after: str
    reason: str | None


@dataclass(frozen=True)
class NewDocument:
    symbol: str
    title: Labels
    languages: tuple[str, ...]
    url: str | None


@dataclass(frozen=True)
class ChangeDigest:
    """Everything a digest of changes says, in no particular language."""

    plan_title: Labels
    body_name: Labels
    body_short: str
    frequency: str
    first: dt.date
    last: dt.date
    steps: tuple[Step, ...]
    moves: tuple[Move, ...]
    documents: tuple[NewDocument, ...]

    def __bool__(self) -> bool:
        return bool(self.steps or self.moves or self.documents)


def content(db: Session, snap: Snapshot, row: models.Outbox) -> ChangeDigest:
    """What an outbox row's digest tells its person, from the record between its marks."""
    person = db.get(models.Person, row.person_id)
    assert person is not None
    mine = followed(db, snap.plan).get(person.id or 0, {})
    told = changed(db, snap.plan, set(mine), row.after_id or 0, row.upto_id or 0)
    views = {view.activity.id: view for view in snap.activities}
    frequency, _space, first_text = row.slot.partition(" ")
    first = dt.date.fromisoformat(first_text)
    steps = []
    for history in told.steps:
        view = views.get(history.activity_id)
        if view is None or (history.event == RESCHEDULE and history.moved_event is None):
            continue  # an item that followed its session's move: told under the sessions
        if history.event == RESCHEDULE:
            kind = MOVED
        elif history.event == WAIVE:
            kind = WAIVED
        elif history.event == models.CORRECTION:
            kind = CORRECTED
        else:
            kind = STEP
        event = history.moved_event if kind in (MOVED, WAIVED) else history.event
        labels = view.flow.event_labels(event or "")
        steps.append(
            Step(
                kind=kind,
                number=view.activity.number,
                title=view.activity.title,
                event=dict(labels) if labels else untranslated(event or ""),
                on=snap.day_of(history.at),
                note=history.note,
                document=history.document,
                moved_from=history.moved_from,
                moved_to=history.moved_to,
            )
        )
    moves = [
        Move(
            title=meeting.title,
            before=(change.changes.get("date") or [None])[0]
            or (change.changes.get("month") or [None])[0],
            after=str((change.changes.get("date") or [None, ""])[1]),
            reason=change.note,
        )
        for meeting, change in told.moves
    ]
    documents = [
        NewDocument(document.symbol, document.title, tuple(document.languages), document.url)
        for document, _change in told.documents
    ]
    body = snap.plan.body
    return ChangeDigest(
        plan_title=snap.plan.title,
        body_name=body.get("name") or untranslated(str(body.get("short", ""))),
        body_short=str(body.get("short", "")),
        frequency=frequency,
        first=first,
        last=first + dt.timedelta(days=6 if frequency == WEEKLY else 0),
        steps=tuple(steps),
        moves=tuple(moves),
        documents=tuple(documents),
    )


@lru_cache(maxsize=16)
def _environment(lang: str, html: bool) -> "Environment":
    return i18n.environment(lang, DOMAIN, [data_dir("templates")], html=html)


def subject(digest: ChangeDigest, lang: str) -> str:
    """The subject line: body and period; always one line."""
    gettext = i18n.translations(lang, DOMAIN).gettext
    if digest.frequency == WEEKLY:
        when = gettext("week of %(day)s") % {"day": i18n.day(digest.first, lang)}
    else:
        when = i18n.day(digest.first, lang)
    text = gettext("[%(body)s] What changed: %(when)s") % {"body": digest.body_short, "when": when}
    return one_line(text)


def render(digest: ChangeDigest, reader: Reader | None, lang: str, *, html: bool) -> str:
    """The body of the digest, plain text or HTML, in `lang`."""
    env = _environment(lang, html)
    template = env.get_template("changes.html.j2" if html else "changes.txt.j2")
    context: dict[str, Any] = {
        "d": digest,
        "salutation": salutation(reader, lang),
        "subject": subject(digest, lang),
    }
    return template.render(context)


def compose(
    digest: ChangeDigest,
    reader: Reader,
    address: str,
    lang: str,
    *,
    sender: str,
    message_id: str,
    date: dt.datetime,
    reply_to: str | None = None,
) -> EmailMessage:
    """The email: text and HTML alternatives; replies go to the plan's secretariat."""
    message = message_to(
        reader,
        address,
        subject=subject(digest, lang),
        committee=digest.body_short,
        sender=sender,
        message_id=message_id,
        date=date,
        reply_to=reply_to,
        text=render(digest, reader, lang, html=False),
        html=render(digest, reader, lang, html=True),
    )
    message["Content-Language"] = lang
    return message
