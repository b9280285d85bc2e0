"""Where a plan stands at a moment: states, milestones planned and done, what is behind.

`snapshot` reads a plan in a fixed number of queries (never one per activity)
and answers, for any as-of moment, the questions the listing, the calendar,
the reminders and the report ask.
"""

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from cam_tracker.app import corrections, lookup
from cam_tracker.app.corrections import Correction
from cam_tracker.core.dates import as_of_moment, held_as_of, local_day, month_end
from cam_tracker.core.symbols import identity
from cam_tracker.files import workflow
from cam_tracker.store import models

# The order milestones come due in: month, then the session's place, then the agenda's.
MILESTONE_ORDER = (
    col(models.Milestone.planned_month),
    col(models.Meeting.position),
    col(models.Milestone.position),
)


@dataclass
class MilestoneView:
    """An agenda item with its planned and actual dates."""

    milestone: models.Milestone
    session: models.Meeting
    activity: models.Activity
    done: models.History | None
    today: dt.date
    # The row that waived it by the snapshot's moment (event `waive`, the reason its note).
    waived: models.History | None = None

    @property
    def due(self) -> dt.date:
        """The day it is due: the session's date when known, else its month's end."""
        if self.session.date is not None and self.session.month == self.milestone.planned_month:
            return self.session.date
        return month_end(self.milestone.planned_month)

    @property
    def is_done(self) -> bool:
        """An event's milestone: its step was recorded; a mere item: its session was held."""
        if self.milestone.event is None:
            return held_as_of(self.session.held_on, self.today) is not None
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
    # The plan's kinds, from the definitions stored with it (`lookup.kinds`).
    kinds: workflow.Kinds | None = field(default=None, repr=False)
    _statuses: dict[dt.date, str] = field(default_factory=dict, repr=False)

    @cached_property
    def flow(self) -> workflow.Workflow:
        return (self.kinds or workflow.installed()).get(self.activity.kind)

    @property
    def is_final(self) -> bool:
        return self.state in self.flow.states and self.flow.is_final(self.state)

    @cached_property
    def open_milestones(self) -> list[MilestoneView]:
        """Read once the snapshot is built (its milestones no longer change). A waived
        milestone is not open: the committee decided to skip it."""
        return [
            m
            for m in self.milestones
            if m.milestone.event is not None and not m.is_done and m.waived is None
        ]

    @property
    def next_milestone(self) -> MilestoneView | None:
        pending = self.open_milestones
        return pending[0] if pending else None

    def late_milestones(self, today: dt.date) -> list[MilestoneView]:
        """Open milestones past due, unless the activity is done or halted (postponed…)."""
        if self.is_final or self.flow.halted_status(self.state) is not None:
            return []
        return [m for m in self.open_milestones if m.due < today]

    def status(self, today: dt.date) -> str:
        found = self._statuses.get(today)
        if found is None:
            found = self._statuses[today] = self._status(today)
        return found

    def _status(self, today: dt.date) -> str:
        """The one status every listing, report and email counts by (`workflow.STATUSES`).

        Exactly one per activity: completed (a final state), postponed or
        withdrawn (the shared state it is in), behind (a milestone past due),
        else on schedule.
        """
        if self.is_final:
            return workflow.COMPLETED
        halted = self.flow.halted_status(self.state)
        if halted is not None:
            return halted
        return workflow.BEHIND if self.late_milestones(today) else workflow.ON_SCHEDULE

    def is_behind(self, today: dt.date) -> bool:
        return self.status(today) == workflow.BEHIND


@dataclass(frozen=True)
class Revision:
    """How often a session was changed after it was loaded, and when last."""

    count: int
    latest: dt.datetime


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
    # The corrections in `history` (by the correction row's id), and each corrected step's.
    corrections: dict[int, Correction] = field(default_factory=dict)
    corrected_by: dict[int, list[int]] = field(default_factory=dict)
    # The plan's register of documents, by `core.symbols.identity` (read with the history).
    documents: dict[str, models.Document] = field(default_factory=dict)
    # Each session's recorded changes (moves, time and place set, held), by key: how many
    # and when the latest was recorded. A calendar's SEQUENCE and LAST-MODIFIED come from
    # these, so they only grow and no counter is stored. None: not read (`with_revisions`),
    # and no calendar can be written from this snapshot.
    revisions: dict[str, "Revision"] | None = None

    @property
    def today(self) -> dt.date:
        """The day of the as-of moment in the plan's time zone."""
        return self.day_of(self.as_of)

    def day_of(self, moment: dt.datetime) -> dt.date:
        """The day a moment falls on in the plan's time zone."""
        return local_day(moment, self.plan.timezone)

    @property
    def after_period(self) -> bool:
        """Whether the moment is past the plan's period (a plan judged years after it ended)."""
        return self.today > month_end(self.plan.period_end)

    def activity(self, key: str) -> ActivityView | None:
        return next((a for a in self.activities if a.activity.key == key), None)

    def agenda(self, meeting: models.Meeting) -> list[MilestoneView]:
        return [m for m in self.milestones if m.session.id == meeting.id]

    def cited(self, view: ActivityView) -> list[tuple[str, models.Document | None]]:
        """The documents an activity's steps cite (as corrected), in the order first cited,
        each with its register entry (None: a symbol cited but never registered)."""
        found: dict[str, tuple[str, models.Document | None]] = {}
        for row in view.history:
            if row.corrects_id is None and row.document:
                key = identity(row.document)
                if key not in found:
                    found[key] = (row.document, self.documents.get(key))
        return list(found.values())

    def session_held(self, meeting: models.Meeting) -> dt.date | None:
        """The day the session was held, if it was by the snapshot's day (else None)."""
        return held_as_of(meeting.held_on, self.today)


def snapshot(
    db: Session,
    plan: models.Plan,
    as_of: dt.datetime | None = None,
    *,
    with_history: bool = True,
    include_removed: bool = False,
    with_revisions: bool = False,
) -> Snapshot:
    """Read a plan whole; with `as_of`, history after that moment is ignored. Its sessions'
    revisions are read only `with_revisions` (what a calendar needs)."""
    with _no_collection():
        snaps = _read(
            db,
            [plan],
            as_of,
            with_history=with_history,
            include_removed=include_removed,
            with_revisions=with_revisions,
        )
    return snaps[0]


def snapshots(
    db: Session,
    plans: list[models.Plan],
    as_of: dt.date | dt.datetime | None = None,
    *,
    with_history: bool = True,
    include_removed: bool = False,
    with_revisions: bool = False,
) -> list[Snapshot]:
    """Read many plans in the queries one takes (one set per distinct as-of moment).

    A date `as_of` is the end of that day in each plan's time zone.
    """
    groups: dict[dt.datetime | None, list[models.Plan]] = defaultdict(list)
    for plan in plans:
        groups[as_of_moment(plan.timezone, as_of)].append(plan)
    read: dict[int | None, Snapshot] = {}
    with _no_collection():
        for moment, group in groups.items():
            for snap in _read(
                db,
                group,
                moment,
                with_history=with_history,
                include_removed=include_removed,
                with_revisions=with_revisions,
            ):
                read[snap.plan.id] = snap
    return [read[plan.id] for plan in plans]


def _aware(moment: dt.datetime) -> dt.datetime:
    """An aggregate's datetime as aware UTC (SQLite's MAX comes back without its zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


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
    with_revisions: bool = False,
) -> list[Snapshot]:
    """The snapshots of `plans` at one moment, in a fixed number of queries.

    Without `with_history`, no history row is read: states as of `as_of` come
    from each activity's last step before it, and milestones from the steps
    that fulfilled them. Either way a step reads with its corrections applied
    (`corrections.apply`), whenever they were written, and counts by its
    corrected day; only steps that change a state decide one.
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
                .where(_by(moment))
                .order_by(col(models.History.at), col(models.History.id))
            )
        ]
    kinds = {plan.id: lookup.kinds(plan) for plan in plans}
    views = {
        a.id: ActivityView(
            activity=a,
            state=kinds[a.plan_id].get(a.kind).initial if as_of else a.state,
            kinds=kinds[a.plan_id],
        )
        for a in activities
    }
    plan_of = {row.id: plan_id for row, plan_id in history}
    read = corrections.apply(row for row, _plan_id in history)
    history = [(row, plan_of[row.id]) for row in read.rows if row.at <= moment]
    history_by_id = {row.id: row for row, _plan_id in history}
    for row, _plan_id in history:
        view = views.get(row.activity_id)
        if view is not None:
            view.history.append(row)
            if as_of is not None and row.from_state != row.to_state:
                view.state = row.to_state
    if not with_history:
        # The steps that fulfilled milestones, and the corrections of those steps.
        done = (
            select(models.History)
            .join(
                models.Milestone,
                or_(
                    col(models.Milestone.done_history_id) == col(models.History.id),
                    col(models.Milestone.done_history_id) == col(models.History.corrects_id),
                    col(models.Milestone.waived_history_id) == col(models.History.id),
                ),
            )
            .join(models.Meeting, col(models.Meeting.id) == col(models.Milestone.session_id))
            .where(col(models.Meeting.plan_id).in_(ids))
        )
        if as_of is not None:
            for activity_id, state in _states_at(db, ids, moment).items():
                if activity_id in views:
                    views[activity_id].state = state
        read = corrections.apply(db.exec(done))
        history_by_id = {
            row.id: row for row in read.rows if row.corrects_id is None and row.at <= moment
        }
    today = {plan.id: local_day(moment, plan.timezone) for plan in plans}
    milestone_views: dict[int | None, list[MilestoneView]] = defaultdict(list)
    for milestone in milestones:
        activity = by_id.get(milestone.activity_id)
        meeting = session_by_id.get(milestone.session_id)
        if activity is None or meeting is None:
            continue
        done_id = milestone.done_history_id
        waived_id = milestone.waived_history_id
        view_m = MilestoneView(
            milestone=milestone,
            session=meeting,
            activity=activity,
            done=history_by_id.get(done_id) if done_id else None,
            today=today[meeting.plan_id],
            waived=history_by_id.get(waived_id) if waived_id else None,
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
    documents_of: dict[int | None, dict[str, models.Document]] = defaultdict(dict)
    revisions_of: dict[int | None, dict[str, Revision]] = {}
    if with_history:  # what the steps cite: read with them
        for document in db.exec(
            select(models.Document)
            .where(col(models.Document.plan_id).in_(ids))
            .order_by(col(models.Document.id))
        ):
            documents_of[document.plan_id].setdefault(identity(document.symbol), document)
    if with_revisions:
        for plan in plans:
            revisions_of[plan.id] = {}
        for changed_plan, key, count, latest in db.exec(
            select(
                models.Change.plan_id,
                models.Change.subject_key,
                func.count(),
                func.max(models.Change.recorded_at),
            )
            .where(models.Change.subject == models.SESSION)
            .where(col(models.Change.plan_id).in_(ids))
            .group_by(col(models.Change.plan_id), col(models.Change.subject_key))
        ):
            revisions_of[changed_plan][key] = Revision(int(count), _aware(latest))
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
            corrections=read.corrections,
            corrected_by=read.corrected_by,
            documents=documents_of[plan.id],
            revisions=revisions_of.get(plan.id),
        )
        for plan in plans
    ]


def _by(moment: dt.datetime) -> ColumnElement[bool]:
    """The history rows to read for a moment: the steps that happened by then (by their day
    as corrected), and every correction (a correction fixes the record of the past whenever
    it was written; the log shows it from then on)."""
    corrected_by_then = select(models.History.corrects_id).where(
        col(models.History.corrected_at) <= moment
    )
    return or_(
        col(models.History.at) <= moment,
        col(models.History.corrects_id).is_not(None),
        col(models.History.id).in_(corrected_by_then),
    )


def _effective_at() -> ColumnElement[dt.datetime]:
    """When a step happened, as its latest correction of the day says (else as written)."""
    latest = aliased(models.History)
    return func.coalesce(
        select(latest.corrected_at)
        .where(col(latest.corrects_id) == col(models.History.id))
        .where(col(latest.corrected_at).is_not(None))
        .order_by(col(latest.id).desc())
        .limit(1)
        .scalar_subquery(),
        col(models.History.at),
    )


def _states_at(db: Session, plan_ids: list[int | None], moment: dt.datetime) -> dict[int, str]:
    """Each activity's state at `moment`: where its last step before then led.

    A row that changes no state (a move, a correction) is written when it is
    decided, possibly after steps dated earlier: it never decides a state.
    """
    effective_at = _effective_at()
    rank = (
        func.row_number()
        .over(
            partition_by=col(models.History.activity_id),
            order_by=(effective_at.desc(), col(models.History.id).desc()),
        )
        .label("rank")
    )
    ranked = (
        select(models.History.activity_id, models.History.to_state, rank)
        .join(models.Activity, col(models.Activity.id) == col(models.History.activity_id))
        .where(col(models.Activity.plan_id).in_(plan_ids))
        .where(effective_at <= moment)
        .where(col(models.History.from_state) != col(models.History.to_state))
        .subquery()
    )
    return {
        activity_id: state
        for activity_id, state in db.exec(
            select(ranked.c.activity_id, ranked.c.to_state).where(ranked.c.rank == 1)
        )
    }
