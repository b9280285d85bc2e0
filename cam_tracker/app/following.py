"""Who follows which activity, how often they are told what changed, and what is due from them.

A person follows the activities they are responsible for, unless they chose
not to; and any other activity they chose to follow. A choice is a
`Following` row (follows or not) that overrides the default for one
activity; without one, responsibility decides. So a person newly made
responsible for an activity follows it at once, and one who asked not to
follow it is not made to again.

Following and the digest frequency are the person's own preferences, not
facts of the record: they are not rows of the history chain. A person sets
their own; someone who may manage people (the store's policy) may set anyone's.

The changes a digest tells are read from the record by id: the history and
the record's other changes share one counter, so "what followed the previous
digest" is the ids after its last one, with no clock to disagree about.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from cam_tracker.app.authorization import identify, permit, store_policy
from cam_tracker.app.lookup import find_activity
from cam_tracker.app.people import find_person
from cam_tracker.app.snapshot import Snapshot
from cam_tracker.core.dates import iso
from cam_tracker.core.errors import InvalidInput
from cam_tracker.core.text import local
from cam_tracker.store import models

# How often a person is told what changed: `off` (the default) sends nothing.
DAILY, WEEKLY, OFF = "daily", "weekly", "off"
FREQUENCIES = (DAILY, WEEKLY, OFF)

# Why a person follows an activity.
RESPONSIBLE, CHOSEN = "responsible", "chosen"

Row = dict[str, Any]


def check_frequency(value: str) -> str:
    if value not in FREQUENCIES:
        raise InvalidInput(
            f"unknown digest frequency {value!r}: {', '.join(FREQUENCIES)}", fields=("digest",)
        )
    return value


def person_of(
    db: Session, plan: models.Plan | None, person_key: str | None, actor: str
) -> models.Person:
    """The person named, else the one who acts (on PostgreSQL, the login's person)."""
    if person_key is None:
        person_key = identify(db, actor, plan).name if plan is not None else actor
    return find_person(db, person_key, plan)


def _may_set(db: Session, person: models.Person, actor: str, plan: models.Plan | None) -> None:
    """A person sets their own preferences; someone who manages people sets anyone's."""
    who = identify(db, actor, plan) if plan is not None else identify(db, actor)
    if who.name == person.key and who.on_behalf_of is None:
        return
    permit(
        who,
        store_policy(db),
        "manage_people",
        f"changing what {person.key} follows or is sent",
    )


def followed(db: Session, plan: models.Plan) -> dict[int, dict[int, str]]:
    """For each person, the plan's activities they follow and why (responsible | chosen)."""
    activity_ids = list(
        db.exec(
            select(models.Activity.id)
            .where(models.Activity.plan_id == plan.id)
            .where(col(models.Activity.removed).is_(False))
        )
    )
    found: dict[int, dict[int, str]] = {}
    for person_id, activity_id in db.exec(
        select(models.Responsibility.person_id, models.Responsibility.activity_id).where(
            col(models.Responsibility.activity_id).in_(activity_ids)
        )
    ):
        found.setdefault(person_id, {})[activity_id] = RESPONSIBLE
    for choice in db.exec(
        select(models.Following).where(col(models.Following.activity_id).in_(activity_ids))
    ):
        mine = found.setdefault(choice.person_id, {})
        if choice.follows:
            mine.setdefault(choice.activity_id, CHOSEN)
        else:
            mine.pop(choice.activity_id, None)
    return found


@dataclass(frozen=True)
class Choice:
    """What one follow or unfollow did to one activity."""

    activity: str
    follows: bool
    changed: bool


def choose(
    db: Session,
    plan: models.Plan,
    activity_keys: list[str],
    *,
    follows: bool,
    actor: str,
    person_key: str | None = None,
) -> tuple[models.Person, list[Choice]]:
    """Follow (or stop following) activities of the plan, for `person_key` or the actor."""
    person = person_of(db, plan, person_key, actor)
    if person.removed:
        raise InvalidInput(f"{person.key} was removed: register them again first")
    _may_set(db, person, actor, plan)
    activities = [find_activity(db, plan, key) for key in activity_keys]
    before = followed(db, plan).get(person.id or 0, {})
    choices = []
    for activity in activities:
        assert activity.id is not None and person.id is not None
        row = db.get(models.Following, (person.id, activity.id))
        if row is None:
            row = models.Following(person_id=person.id, activity_id=activity.id, follows=follows)
        row.follows = follows
        db.add(row)
        choices.append(Choice(activity.key, follows, (activity.id in before) != follows))
    db.flush()
    return person, choices


def following(db: Session, plan: models.Plan, person_key: str | None, actor: str) -> Row:
    """A person's digest frequency and the plan's activities they follow, and why."""
    person = person_of(db, plan, person_key, actor)
    mine = followed(db, plan).get(person.id or 0, {})
    activities = db.exec(
        select(models.Activity)
        .where(col(models.Activity.id).in_(list(mine)))
        .order_by(col(models.Activity.position), col(models.Activity.key))
    )
    return {
        "person": person.key,
        "digest": person.digest,
        "email": person.email,
        "activities": [
            {
                "key": activity.key,
                "number": activity.number,
                "title": local(activity.title, person.language),
                "because": mine[activity.id or 0],
            }
            for activity in activities
        ],
    }


def set_digest(db: Session, person_key: str, frequency: str, *, actor: str) -> models.Person:
    """How often a person is told what changed in what they follow."""
    person = find_person(db, person_key)
    if person.removed:
        raise InvalidInput(f"{person.key} was removed: register them again first")
    check_frequency(frequency)
    _may_set(db, person, actor, None)
    person.digest = frequency
    db.add(person)
    db.flush()
    return person


# --- the record between two digests ----------------------------------------------------


def record_mark(db: Session, before: dt.datetime | None = None) -> int:
    """The last id of the record (steps and other changes), of rows dated before `before`."""
    marks = []
    for table in (models.History, models.Change):
        query = select(func.max(table.id))
        if before is not None:
            query = query.where(col(table.at) < before)
        marks.append(db.exec(query).one() or 0)
    return max(marks)


@dataclass(frozen=True)
class Changed:
    """What changed between two marks of the record, for a set of a plan's activities."""

    steps: list[models.History]
    # (the session, the Change row) for sessions with a followed activity on their agenda
    moves: list[tuple[models.Meeting, models.Change]]
    # (the document, its registration) for documents a followed activity cites
    documents: list[tuple[models.Document, models.Change]]

    def __bool__(self) -> bool:
        return bool(self.steps or self.moves or self.documents)


def changed(
    db: Session, plan: models.Plan, activity_ids: set[int], after: int, upto: int
) -> Changed:
    """The changes with ids in (after, upto] that touch the given activities of the plan."""
    from cam_tracker.core.symbols import identity

    if not activity_ids or upto <= after:
        return Changed([], [], [])
    steps = list(
        db.exec(
            select(models.History)
            .where(col(models.History.activity_id).in_(activity_ids))
            .where(col(models.History.id) > after)
            .where(col(models.History.id) <= upto)
            .order_by(col(models.History.id))
        )
    )
    records = list(
        db.exec(
            select(models.Change)
            .where(models.Change.plan_id == plan.id)
            .where(col(models.Change.subject).in_((models.SESSION, models.DOCUMENT)))
            .where(col(models.Change.id) > after)
            .where(col(models.Change.id) <= upto)
            .order_by(col(models.Change.id))
        )
    )
    moves: list[tuple[models.Meeting, models.Change]] = []
    documents: list[tuple[models.Document, models.Change]] = []
    session_moves = [r for r in records if r.subject == models.SESSION and r.action == "moved"]
    if session_moves:
        meetings = {
            m.key: m
            for m in db.exec(
                select(models.Meeting)
                .join(models.Milestone, col(models.Milestone.session_id) == col(models.Meeting.id))
                .where(models.Meeting.plan_id == plan.id)
                .where(col(models.Milestone.activity_id).in_(activity_ids))
            )
        }
        moves = [(meetings[r.subject_key], r) for r in session_moves if r.subject_key in meetings]
    registered = [r for r in records if r.subject == models.DOCUMENT and r.action == "registered"]
    if registered:
        cited = {
            identity(symbol)
            for symbol in db.exec(
                select(models.History.document)
                .where(col(models.History.activity_id).in_(activity_ids))
                .where(col(models.History.document).is_not(None))
            )
            if symbol
        }
        register = {
            identity(d.symbol): d
            for d in db.exec(select(models.Document).where(models.Document.plan_id == plan.id))
        }
        documents = [
            (register[identity(r.subject_key)], r)
            for r in registered
            if identity(r.subject_key) in cited and identity(r.subject_key) in register
        ]
    return Changed(steps, moves, documents)


# --- what is due from a person ------------------------------------------------------------


def due_from(snap: Snapshot, person: models.Person, lang: str = "en") -> list[Row]:
    """The open milestones of the activities a person is responsible for, by due day: what
    they are asked to do, at which session, when and where."""
    from cam_tracker.app.queries import session_place

    rows = []
    for view in snap.activities:
        if not any(p.id == person.id for p in view.responsible):
            continue
        if view.is_final or view.flow.halted_status(view.state) is not None:
            continue
        for milestone in view.open_milestones:
            event = milestone.milestone.event or ""
            labels = view.flow.event_labels(event)
            meeting = milestone.session
            rows.append(
                {
                    "due": iso(milestone.due),
                    "late": milestone.due < snap.today,
                    "activity": view.activity.key,
                    "number": view.activity.number,
                    "title": local(view.activity.title, lang),
                    "event": event,
                    "event_label": local(labels, lang) if labels else event,
                    "text": local(milestone.milestone.text, lang),
                    "session": meeting.key,
                    "session_title": local(meeting.title, lang),
                    "session_date": iso(meeting.date),
                    "session_month": meeting.month,
                    "session_place": session_place(meeting, snap.plan.timezone, lang),
                }
            )
    rows.sort(key=lambda r: (r["due"], r["number"], r["activity"]))
    return rows
