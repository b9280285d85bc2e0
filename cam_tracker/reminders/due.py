"""Which digests are due at a moment, and for whom: read from the clock and the store.

Due-ness never depends on who asks or when the last run was: a session's
reminder is due once its slot has passed while the session is still ahead and
not held, and it has open items on its agenda. A digest goes to the chair,
vice chair and secretariat *of the plan's body* (their role there,
`app.bodies`), to whoever is responsible for an open item, and, when the plan
asks for it (`reminders: {distribution: all_delegations}`), to every delegate
of the body; one already sent (or settled) in the outbox is not due again.
Nobody removed hears of anything.

One plan, one session or one recipient that cannot be planned (a bug, data
no renderer expected) never hides the others: the failure becomes a
`Problem` — logged in one line, counted, reported by the run — and the
planning goes on. Only a failing store stops it, since nothing else could
go on either.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from cam_tracker.app.bodies import Roles, roles
from cam_tracker.app.snapshot import ActivityView, Snapshot, snapshots
from cam_tracker.core.dates import held_as_of, in_zone, local_day
from cam_tracker.core.errors import CamError
from cam_tracker.core.settings import ReminderSettings
from cam_tracker.core.text import one_line
from cam_tracker.reminders.timing import ReminderSlot, due_slot
from cam_tracker.store import models
from cam_tracker.store.models import PENDING

LEADERS = ("chair", "vice_chair", "secretariat")

# A plan's `reminders: {distribution: …}` that sends its reminders to every delegate too.
ALL_DELEGATIONS = "all_delegations"

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # shown only where logging is configured


def failure_text(exc: Exception) -> str:
    """An unexpected failure in one line: the tool's own errors as they read, others typed."""
    if isinstance(exc, CamError):
        return one_line(str(exc), 300)
    return one_line(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, 300)


@dataclass(frozen=True)
class Problem:
    """Reminders that could not be planned: of a whole plan, or of one of its sessions."""

    plan: str
    session: str | None
    error: str

    def __str__(self) -> str:
        where = f"{self.plan} {self.session}" if self.session else self.plan
        return f"could not plan the reminders of {where}: {self.error}"


def _report(problems: list[Problem] | None, problem: Problem) -> None:
    log.error("%s", problem)
    if problems is not None:
        problems.append(problem)


def _plans(db: Session, plan_name: str | None) -> list[models.Plan]:
    from cam_tracker.app.lookup import current_plan

    if plan_name:
        return [current_plan(db, plan_name)]
    return list(db.exec(select(models.Plan).order_by(col(models.Plan.name))))


def recipients(
    db: Session,
    snap: Snapshot,
    meeting: models.Meeting,
    leaders: list[models.Person] | None = None,
) -> list[models.Person]:
    """The body's chair, vice chair and secretariat, whoever is responsible for an open
    item, then the body's delegates when the plan distributes to them."""
    if leaders is None:
        leaders = Audience.read(db).leaders(snap.plan)
    views = {view.activity.id: view for view in snap.activities}
    responsible = [
        person
        for milestone in snap.agenda(meeting)
        if not milestone.is_done
        for person in views[milestone.activity.id].responsible
        if not person.removed
    ]
    unique: dict[int | None, models.Person] = {}
    for person in [*leaders, *responsible]:
        unique.setdefault(person.id, person)
    return list(unique.values())


@dataclass(frozen=True)
class Audience:
    """Everyone who may hear of a plan, and their roles in every body: read once per run."""

    people: list[models.Person]
    roles: Roles
    # person id -> the bodies they are a member of
    bodies: dict[int, set[int]]

    @classmethod
    def read(cls, db: Session) -> "Audience":
        people = list(
            db.exec(
                select(models.Person)
                .where(col(models.Person.removed).is_(False))
                .order_by(col(models.Person.key))
            )
        )
        held = roles(db)
        bodies = {
            person_id: {body_id for body_id, _plan, _role in rows}
            for person_id, rows in held.memberships.items()
        }
        return cls(people, held, bodies)

    def leaders(self, plan: models.Plan) -> list[models.Person]:
        """The plan's officers and secretariat; then its body's delegates if it asks for them."""
        found = []
        for person in self.people:
            role = self.roles.role_in(person, plan)
            if role in LEADERS:
                found.append((LEADERS.index(role), person.key, person))
        chosen = [person for _rank, _key, person in sorted(found, key=lambda t: t[:2])]
        if plan.distribution == ALL_DELEGATIONS:
            chosen += [
                person
                for person in self.people
                if plan.body_id in self.bodies.get(person.id or 0, set())
                and self.roles.role_in(person, plan) == "delegate"
            ]
        return chosen


@dataclass
class Due:
    """One digest due now for one person (`queued`: already in the outbox, waiting)."""

    plan: models.Plan
    meeting: models.Meeting
    slot: ReminderSlot
    person: models.Person
    items: int
    mine: int
    queued: bool

    @property
    def local_at(self) -> dt.datetime:
        """When the reminder falls due, on the plan's wall clock."""
        return in_zone(self.slot.at, self.plan.timezone)


def due(
    db: Session,
    now: dt.datetime,
    settings: ReminderSettings,
    plan_name: str | None = None,
    problems: list[Problem] | None = None,
) -> list[Due]:
    """Every digest due at `now` and not sent yet, people without an address included.

    A fixed number of queries, however many plans, sessions and activities:
    the sessions tell which reminders are due; only the plans that have one
    are read, all at once, and the outbox once for all their sessions. What
    cannot be planned is left out and added to `problems`.
    """
    plans = {plan.id: plan for plan in _plans(db, plan_name)}
    if not plans:
        return []
    slots: dict[int | None, ReminderSlot] = {}
    due_plans: set[int | None] = set()
    for meeting in db.exec(
        select(models.Meeting)
        .where(col(models.Meeting.plan_id).in_(list(plans)))
        .where(col(models.Meeting.removed).is_(False))
    ):
        plan = plans[meeting.plan_id]
        try:
            slot = _slot(meeting, plan.timezone, now, settings)
        except Exception as exc:
            _report(problems, Problem(plan.name, meeting.key, failure_text(exc)))
            continue
        if slot is not None:
            slots[meeting.id] = slot
            due_plans.add(plan.id)
    if not slots:
        return []
    snaps = _snapshots(db, [p for p in plans.values() if p.id in due_plans], now, problems)
    existing: dict[tuple[int, str, int], str] = {
        (session_id or 0, slot_name, person_id): status
        for session_id, slot_name, person_id, status in db.exec(
            select(
                models.Outbox.session_id,
                models.Outbox.slot,
                models.Outbox.person_id,
                models.Outbox.status,
            ).where(col(models.Outbox.session_id).in_(list(slots)))
        )
    }
    audience = Audience.read(db)
    found = []
    for snap in snaps:
        leaders = audience.leaders(snap.plan)
        views = {view.activity.id: view for view in snap.activities}
        for meeting in snap.sessions:
            slot = slots.get(meeting.id)
            if slot is None or snap.session_held(meeting):
                continue
            try:
                found.extend(_session_due(db, snap, views, meeting, slot, leaders, existing))
            except SQLAlchemyError:
                raise
            except Exception as exc:
                _report(problems, Problem(snap.plan.name, meeting.key, failure_text(exc)))
    return found


def _slot(
    meeting: models.Meeting, zone: str, now: dt.datetime, settings: ReminderSettings
) -> ReminderSlot | None:
    """The reminder of a session due at `now`, unless the session was held."""
    if held_as_of(meeting.held_on, local_day(now, zone)) is not None:
        return None
    return due_slot(meeting, zone, now, settings.offsets_days, settings.monthly_day)


def _snapshots(
    db: Session, plans: list[models.Plan], now: dt.datetime, problems: list[Problem] | None
) -> list[Snapshot]:
    """The plans as they stand at `now`, all at once; if that fails, each on its own."""
    try:
        return snapshots(db, plans, now, with_history=False)
    except SQLAlchemyError:
        raise
    except Exception:
        log.debug("the plans cannot be read at once: reading each on its own")
    read = []
    for plan in plans:
        try:
            read.extend(snapshots(db, [plan], now, with_history=False))
        except SQLAlchemyError:
            raise
        except Exception as exc:
            _report(problems, Problem(plan.name, None, failure_text(exc)))
    return read


def _session_due(
    db: Session,
    snap: Snapshot,
    views: dict[int | None, ActivityView],
    meeting: models.Meeting,
    slot: ReminderSlot,
    leaders: list[models.Person],
    existing: dict[tuple[int, str, int], str],
) -> list[Due]:
    """The digests of one session due now, one per recipient not yet sent to."""
    open_items = [m for m in snap.agenda(meeting) if not m.is_done]
    if not open_items:
        return []
    found = []
    for person in recipients(db, snap, meeting, leaders):
        status = existing.get((meeting.id or 0, slot.name, person.id or 0))
        if status is not None and status != PENDING:
            continue
        mine = sum(
            1
            for m in open_items
            if any(p.id == person.id for p in views[m.activity.id].responsible)
        )
        found.append(
            Due(snap.plan, meeting, slot, person, len(open_items), mine, status == PENDING)
        )
    return found
