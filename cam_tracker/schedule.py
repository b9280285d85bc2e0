"""Where a plan stands at a moment: states, milestones planned and done, what is behind.

`snapshot` reads a plan in a fixed number of queries (never one per activity)
and answers, for any as-of moment, the questions the listing, the calendar,
the reminders and the report ask.
"""

import calendar as _calendar
import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from cam_tracker import models, workflow

SPECIAL_STATES = ("postponed", "withdrawn")
# The order milestones come due in: month, then the session's place, then the agenda's.
MILESTONE_ORDER = (
    col(models.Milestone.planned_month),
    col(models.Meeting.position),
    col(models.Milestone.position),
)


def month_end(month: str) -> dt.date:
    """The last day of a YYYY-MM month."""
    year, number = (int(part) for part in month.split("-"))
    return dt.date(year, number, _calendar.monthrange(year, number)[1])


def parse_month(text: str) -> str:
    """Validate a YYYY-MM month."""
    from cam_tracker.errors import ConfigError

    try:
        parsed = dt.datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise ConfigError(f"not a month: {text!r} (use YYYY-MM, e.g. 2016-01)") from None
    return parsed.strftime("%Y-%m")


@dataclass
class MilestoneView:
    """An agenda item with its planned and actual dates."""

    milestone: models.Milestone
    session: models.Meeting
    activity: models.Activity
    done: models.History | None
    today: dt.date

    @property
    def due(self) -> dt.date:
        """The day it is due: the session's date when known, else its month's end."""
        if self.session.date is not None and self.session.month == self.milestone.planned_month:
            return self.session.date
        return month_end(self.milestone.planned_month)

    @property
    def is_done(self) -> bool:
        if self.milestone.event is None:
            return self.session.held_on is not None and self.session.held_on <= self.today
        return self.done is not None


@dataclass
class ActivityView:
    """One activity as it stood at the snapshot's moment."""

    activity: models.Activity
    state: str
    milestones: list[MilestoneView] = field(default_factory=list)
    history: list[models.History] = field(default_factory=list)
    paragraphs: list[models.Paragraph] = field(default_factory=list)
    responsible: list[models.Person] = field(default_factory=list)

    @cached_property
    def flow(self) -> workflow.Workflow:
        return workflow.get(self.activity.kind)

    @property
    def is_final(self) -> bool:
        return self.state in self.flow.states and self.flow.is_final(self.state)

    @property
    def open_milestones(self) -> list[MilestoneView]:
        return [m for m in self.milestones if not m.is_done and m.milestone.event is not None]

    @property
    def next_milestone(self) -> MilestoneView | None:
        pending = self.open_milestones
        return pending[0] if pending else None

    def late_milestones(self, today: dt.date) -> list[MilestoneView]:
        if self.is_final or self.state == "withdrawn":
            return []
        return [m for m in self.open_milestones if m.due < today]

    def is_behind(self, today: dt.date) -> bool:
        return bool(self.late_milestones(today))


@dataclass
class Snapshot:
    """A plan read from the store, as it stood at `as_of`."""

    plan: models.Plan
    as_of: dt.datetime
    activities: list[ActivityView]
    sessions: list[models.Meeting]
    milestones: list[MilestoneView]
    mandates: list[models.Mandate]
    paragraphs: dict[int, list[models.Paragraph]]
    history: list[models.History]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.plan.timezone)

    @property
    def today(self) -> dt.date:
        return self.as_of.astimezone(self.zone).date()

    def activity(self, key: str) -> ActivityView | None:
        return next((a for a in self.activities if a.activity.key == key), None)

    def agenda(self, meeting: models.Meeting) -> list[MilestoneView]:
        return [m for m in self.milestones if m.session.id == meeting.id]

    def session_held(self, meeting: models.Meeting) -> dt.date | None:
        if meeting.held_on is not None and meeting.held_on <= self.today:
            return meeting.held_on
        return None


def snapshot(
    db: Session,
    plan: models.Plan,
    as_of: dt.datetime | None = None,
    *,
    with_history: bool = True,
    include_removed: bool = False,
) -> Snapshot:
    """Read a plan whole; with `as_of`, history after that moment is ignored."""
    with _no_collection():
        snaps = _read(db, [plan], as_of, with_history=with_history, include_removed=include_removed)
    return snaps[0]


def snapshots(
    db: Session,
    plans: list[models.Plan],
    as_of: dt.date | dt.datetime | None = None,
    *,
    with_history: bool = True,
    include_removed: bool = False,
) -> list[Snapshot]:
    """Read many plans in the queries one takes (one set per distinct as-of moment).

    A date `as_of` is the end of that day in each plan's time zone.
    """
    groups: dict[dt.datetime | None, list[models.Plan]] = defaultdict(list)
    for plan in plans:
        groups[as_of_moment(plan, as_of)].append(plan)
    read: dict[int | None, Snapshot] = {}
    with _no_collection():
        for moment, group in groups.items():
            for snap in _read(
                db, group, moment, with_history=with_history, include_removed=include_removed
            ):
                read[snap.plan.id] = snap
    return [read[plan.id] for plan in plans]


@contextmanager
def _no_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while thousands of rows become objects.

    Every collection walks the objects alive, and loading a large store
    triggers hundreds of them: paused, reading takes about half as long.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(
    db: Session,
    plans: list[models.Plan],
    as_of: dt.datetime | None,
    *,
    with_history: bool,
    include_removed: bool,
) -> list[Snapshot]:
    """The snapshots of `plans` at one moment, in a fixed number of queries.

    Without `with_history`, no history row is read: states as of `as_of` come
    from each activity's last step before it, and milestones from the steps
    that fulfilled them.
    """
    moment = as_of or models.utcnow()
    ids = [plan.id for plan in plans]
    activity_query = select(models.Activity).where(col(models.Activity.plan_id).in_(ids))
    if not include_removed:
        activity_query = activity_query.where(col(models.Activity.removed).is_(False))
    activities = list(
        db.exec(
            activity_query.order_by(
                col(models.Activity.plan_id), col(models.Activity.position), col(models.Activity.id)
            )
        )
    )
    by_id = {a.id: a for a in activities}
    sessions = list(
        db.exec(
            select(models.Meeting)
            .where(col(models.Meeting.plan_id).in_(ids))
            .where(col(models.Meeting.removed).is_(False))
            .order_by(col(models.Meeting.month), col(models.Meeting.position))
        )
    )
    session_by_id = {s.id: s for s in sessions}
    milestones = list(
        db.exec(
            select(models.Milestone)
            .join(models.Meeting, col(models.Meeting.id) == col(models.Milestone.session_id))
            .where(col(models.Meeting.plan_id).in_(ids))
            .order_by(*MILESTONE_ORDER)
        )
    )
    history: list[tuple[models.History, int]] = []
    if with_history:
        history = [
            (row, plan_id)
            for row, plan_id in db.exec(
                select(models.History, models.Activity.plan_id)
                .join(models.Activity, col(models.Activity.id) == col(models.History.activity_id))
                .where(col(models.Activity.plan_id).in_(ids))
                .where(col(models.History.at) <= moment)
                .order_by(col(models.History.at), col(models.History.id))
            )
        ]
    views = {
        a.id: ActivityView(activity=a, state=workflow.get(a.kind).initial if as_of else a.state)
        for a in activities
    }
    history_by_id = {row.id: row for row, _plan_id in history}
    for row, _plan_id in history:
        view = views.get(row.activity_id)
        if view is not None:
            view.history.append(row)
            if as_of is not None:
                view.state = row.to_state
    if not with_history:
        done = (
            select(models.History)
            .join(models.Milestone, col(models.Milestone.done_history_id) == col(models.History.id))
            .join(models.Meeting, col(models.Meeting.id) == col(models.Milestone.session_id))
            .where(col(models.Meeting.plan_id).in_(ids))
        )
        if as_of is not None:
            done = done.where(col(models.History.at) <= moment)
            for activity_id, state in _states_at(db, ids, moment).items():
                if activity_id in views:
                    views[activity_id].state = state
        history_by_id = {row.id: row for row in db.exec(done)}
    zones = {plan.id: ZoneInfo(plan.timezone) for plan in plans}
    today = {plan.id: moment.astimezone(zones[plan.id]).date() for plan in plans}
    milestone_views: dict[int | None, list[MilestoneView]] = defaultdict(list)
    for milestone in milestones:
        activity = by_id.get(milestone.activity_id)
        meeting = session_by_id.get(milestone.session_id)
        if activity is None or meeting is None:
            continue
        done_id = milestone.done_history_id
        view_m = MilestoneView(
            milestone=milestone,
            session=meeting,
            activity=activity,
            done=history_by_id.get(done_id) if done_id else None,
            today=today[meeting.plan_id],
        )
        milestone_views[meeting.plan_id].append(view_m)
        views[activity.id].milestones.append(view_m)
    mandates: dict[int | None, list[models.Mandate]] = defaultdict(list)
    for mandate in db.exec(
        select(models.Mandate)
        .where(col(models.Mandate.plan_id).in_(ids))
        .order_by(col(models.Mandate.position))
    ):
        mandates[mandate.plan_id].append(mandate)
    paragraphs: dict[int, list[models.Paragraph]] = defaultdict(list)
    paragraph_by_id: dict[int, models.Paragraph] = {}
    for paragraph in db.exec(
        select(models.Paragraph)
        .join(models.Mandate, col(models.Mandate.id) == col(models.Paragraph.mandate_id))
        .where(col(models.Mandate.plan_id).in_(ids))
        .order_by(col(models.Paragraph.position))
    ):
        paragraphs[paragraph.mandate_id].append(paragraph)
        assert paragraph.id is not None
        paragraph_by_id[paragraph.id] = paragraph
    for activity_id, paragraph_id in db.exec(
        select(models.ActivityParagraph.activity_id, models.ActivityParagraph.paragraph_id)
        .join(models.Activity, col(models.Activity.id) == col(models.ActivityParagraph.activity_id))
        .where(col(models.Activity.plan_id).in_(ids))
    ):
        if activity_id in views and paragraph_id in paragraph_by_id:
            views[activity_id].paragraphs.append(paragraph_by_id[paragraph_id])
    for person, activity_id in db.exec(
        select(models.Person, models.Responsibility.activity_id)
        .join(models.Responsibility, col(models.Responsibility.person_id) == col(models.Person.id))
        .join(models.Activity, col(models.Activity.id) == col(models.Responsibility.activity_id))
        .where(col(models.Activity.plan_id).in_(ids))
        .order_by(col(models.Person.key))
    ):
        if activity_id in views:
            views[activity_id].responsible.append(person)
    by_plan: dict[int | None, list[ActivityView]] = defaultdict(list)
    for view in views.values():
        view.paragraphs.sort(key=lambda p: (p.mandate_id, p.position))
        by_plan[view.activity.plan_id].append(view)
    sessions_of: dict[int | None, list[models.Meeting]] = defaultdict(list)
    for meeting in sessions:
        sessions_of[meeting.plan_id].append(meeting)
    history_of: dict[int | None, list[models.History]] = defaultdict(list)
    for row, plan_id in history:
        history_of[plan_id].append(row)
    return [
        Snapshot(
            plan=plan,
            as_of=moment,
            activities=by_plan[plan.id],
            sessions=sessions_of[plan.id],
            milestones=milestone_views[plan.id],
            mandates=mandates[plan.id],
            paragraphs={m.id or 0: paragraphs[m.id or 0] for m in mandates[plan.id]},
            history=history_of[plan.id],
        )
        for plan in plans
    ]


def _states_at(db: Session, plan_ids: list[int | None], moment: dt.datetime) -> dict[int, str]:
    """Each activity's state at `moment`: where its last step before then led."""
    rank = (
        func.row_number()
        .over(
            partition_by=col(models.History.activity_id),
            order_by=(col(models.History.at).desc(), col(models.History.id).desc()),
        )
        .label("rank")
    )
    ranked = (
        select(models.History.activity_id, models.History.to_state, rank)
        .join(models.Activity, col(models.Activity.id) == col(models.History.activity_id))
        .where(col(models.Activity.plan_id).in_(plan_ids))
        .where(col(models.History.at) <= moment)
        .subquery()
    )
    return {
        activity_id: state
        for activity_id, state in db.exec(
            select(ranked.c.activity_id, ranked.c.to_state).where(ranked.c.rank == 1)
        )
    }


def as_of_moment(plan: models.Plan, value: dt.date | dt.datetime | None) -> dt.datetime | None:
    """A date means the end of that day in the plan's time zone."""
    if value is None or isinstance(value, dt.datetime):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=ZoneInfo(plan.timezone))
        return value
    return dt.datetime.combine(value, dt.time.max, tzinfo=ZoneInfo(plan.timezone))


# --- reminder times ------------------------------------------------------------

MONTHLY = "monthly"
REMINDER_TIME = dt.time(9)


@dataclass(frozen=True)
class ReminderSlot:
    """One reminder before a session: "14d", "3d"…, or "monthly"; `at` is aware UTC."""

    name: str
    at: dt.datetime
    days: int | None


def reminder_slots(
    meeting: models.Meeting, zone: str, offsets_days: tuple[int, ...], monthly_day: int
) -> list[ReminderSlot]:
    """A dated session's reminders at 09:00 (plan time) `offsets_days` before its day;
    a month-only session's one reminder at 09:00 on `monthly_day` of the month before."""
    tz = ZoneInfo(zone)
    if meeting.date is not None:
        return [
            ReminderSlot(
                f"{days}d",
                dt.datetime.combine(
                    meeting.date - dt.timedelta(days=days), REMINDER_TIME, tz
                ).astimezone(dt.UTC),
                days,
            )
            for days in sorted(offsets_days, reverse=True)
        ]
    first = dt.date.fromisoformat(f"{meeting.month}-01")
    before = first - dt.timedelta(days=1)
    day = before.replace(day=min(monthly_day, before.day))
    at = dt.datetime.combine(day, REMINDER_TIME, tz).astimezone(dt.UTC)
    return [ReminderSlot(MONTHLY, at, None)]


def upcoming_until(meeting: models.Meeting, zone: str) -> dt.datetime:
    """Until when a session is still ahead: the start of its day, else the end of its month."""
    day = meeting.date or month_end(meeting.month) + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(0), ZoneInfo(zone)).astimezone(dt.UTC)


def due_slot(
    meeting: models.Meeting,
    zone: str,
    now: dt.datetime,
    offsets_days: tuple[int, ...],
    monthly_day: int,
) -> ReminderSlot | None:
    """The latest reminder whose time has passed, while the session is still ahead."""
    if meeting.removed or now >= upcoming_until(meeting, zone):
        return None
    passed = [s for s in reminder_slots(meeting, zone, offsets_days, monthly_day) if s.at <= now]
    return max(passed, key=lambda s: s.at) if passed else None
