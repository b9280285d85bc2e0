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
from typing import TYPE_CHECKING, Any

from cam_tracker.app import corrections, lookup
from cam_tracker.app.corrections import Correction
from cam_tracker.core.dates import as_of_moment, held_as_of, local_day, month_end, utcnow
from cam_tracker.core.symbols import identity
from cam_tracker.files import workflow
from cam_tracker.store import read
from cam_tracker.store.read import Reader, in_, reader_of

if TYPE_CHECKING:
    from sqlmodel import Session

# What a snapshot is read from: an ORM session (read within its transaction) or a reader.
# The order milestones come due in: month, then the session's place, then the agenda's
# (`t` the milestone, `m` its session). Writes order by the same columns (`MILESTONE_ORDER`).
_MILESTONE_ORDER = (("t", "planned_month"), ("m", "position"), ("t", "position"))
_MILESTONE_ORDER_SQL = ", ".join(f"{alias}.{column}" for alias, column in _MILESTONE_ORDER)


def __getattr__(name: str) -> Any:
    """`MILESTONE_ORDER`: the same order as ORM columns, for the writes that use the ORM (the
    ORM is imported only then)."""
    if name != "MILESTONE_ORDER":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from sqlmodel import col

    from cam_tracker.store import models

    tables = {"t": models.Milestone, "m": models.Meeting}
    return tuple(col(getattr(tables[alias], column)) for alias, column in _MILESTONE_ORDER)


@dataclass
class MilestoneView:
    """An agenda item with its planned and actual dates."""

    milestone: read.Milestone
    session: read.Meeting
    activity: read.Activity
    done: read.History | None
    today: dt.date
    # The row that waived it by the snapshot's moment (event `waive`, the reason its note).
    waived: read.History | None = None

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

    activity: read.Activity
    state: str
    milestones: list[MilestoneView] = field(default_factory=list)
    history: list[read.History] = field(default_factory=list)
    paragraphs: list[read.Paragraph] = field(default_factory=list)
    responsible: list[read.Person] = field(default_factory=list)
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

    plan: read.Plan
    as_of: dt.datetime
    activities: list[ActivityView]
    sessions: list[read.Meeting]
    milestones: list[MilestoneView]
    mandates: list[read.Mandate]
    paragraphs: dict[int, list[read.Paragraph]]
    history: list[read.History]
    # The corrections in `history` (by the correction row's id), and each corrected step's.
    corrections: dict[int, Correction] = field(default_factory=dict)
    corrected_by: dict[int, list[int]] = field(default_factory=dict)
    # The plan's register of documents, by `core.symbols.identity` (read with the history).
    documents: dict[str, read.Document] = field(default_factory=dict)
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

    def agenda(self, meeting: read.Meeting) -> list[MilestoneView]:
        return [m for m in self.milestones if m.session.id == meeting.id]

    def cited(self, view: ActivityView) -> list[tuple[str, read.Document | None]]:
        """The documents an activity's steps cite (as corrected), in the order first cited,
        each with its register entry (None: a symbol cited but never registered)."""
        found: dict[str, tuple[str, read.Document | None]] = {}
        for row in view.history:
            if row.corrects_id is None and row.document:
                key = identity(row.document)
                if key not in found:
                    found[key] = (row.document, self.documents.get(key))
        return list(found.values())

    def session_held(self, meeting: read.Meeting) -> dt.date | None:
        """The day the session was held, if it was by the snapshot's day (else None)."""
        return held_as_of(meeting.held_on, self.today)


def snapshot(
    db: "Session | Reader",
    plan: read.Plan,
    as_of: dt.datetime | None = None,
    *,
    with_history: bool = True,
    include_removed: bool = False,
    with_revisions: bool = False,
) -> Snapshot:
    """Read a plan whole; with `as_of`, history after that moment is ignored. Its sessions'
    revisions are read only `with_revisions` (what a calendar needs).

    Read as SQL on the driver's rows (`store.read`), from an ORM session (within its
    transaction) or a reader: the rows are the models' attributes, in no session."""
    with _no_collection():
        snaps = _read(
            reader_of(db),
            [plan],
            as_of,
            with_history=with_history,
            include_removed=include_removed,
            with_revisions=with_revisions,
        )
    return snaps[0]


def snapshots(
    db: "Session | Reader",
    plans: list[read.Plan],
    as_of: dt.date | dt.datetime | None = None,
    *,
    with_history: bool = True,
    include_removed: bool = False,
    with_revisions: bool = False,
) -> list[Snapshot]:
    """Read many plans in the queries one takes (one set per distinct as-of moment).

    A date `as_of` is the end of that day in each plan's time zone.
    """
    groups: dict[dt.datetime | None, list[read.Plan]] = defaultdict(list)
    for plan in plans:
        groups[as_of_moment(plan.timezone, as_of)].append(plan)
    found: dict[int | None, Snapshot] = {}
    with _no_collection():
        for moment, group in groups.items():
            for snap in _read(
                reader_of(db),
                group,
                moment,
                with_history=with_history,
                include_removed=include_removed,
                with_revisions=with_revisions,
            ):
                found[snap.plan.id] = snap
    return [found[plan.id] for plan in plans]


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
    db: Reader,
    plans: list[read.Plan],
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
    moment = as_of or utcnow()
    ids = [plan.id for plan in plans]
    among = in_(ids)
    removed = "" if include_removed else " AND t.removed = ?"
    activities = db.records(
        read.Activity,
        f"FROM activity t WHERE t.plan_id IN {among}{removed} ORDER BY t.plan_id, t.position, t.id",
        [*ids, *([] if include_removed else [False])],
    )
    by_id = {a.id: a for a in activities}
    sessions = db.records(
        read.Meeting,
        f"FROM session t WHERE t.plan_id IN {among} AND t.removed = ? ORDER BY t.month, t.position",
        [*ids, False],
    )
    session_by_id = {s.id: s for s in sessions}
    milestones = db.records(
        read.Milestone,
        f"FROM milestone t JOIN session m ON m.id = t.session_id WHERE m.plan_id IN {among} "
        f"ORDER BY {_MILESTONE_ORDER_SQL}",
        ids,
    )
    history: list[tuple[read.History, int]] = []
    if with_history:
        history = [
            (row, extra[0])
            for row, extra in db.records_with(
                read.History,
                ["a.plan_id"],
                f"FROM history t JOIN activity a ON a.id = t.activity_id "
                f"WHERE a.plan_id IN {among} AND {_BY} ORDER BY t.at, t.id",
                [*ids, moment, moment],
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
    corrected = corrections.apply(row for row, _plan_id in history)
    history = [(row, plan_of[row.id]) for row in corrected.rows if row.at <= moment]
    history_by_id = {row.id: row for row, _plan_id in history}
    for row, _plan_id in history:
        view = views.get(row.activity_id)
        if view is not None:
            view.history.append(row)
            if as_of is not None and row.from_state != row.to_state:
                view.state = row.to_state
    if not with_history:
        if as_of is not None:
            for activity_id, state in _states_at(db, ids, moment).items():
                if activity_id in views:
                    views[activity_id].state = state
        # The steps that fulfilled milestones, and the corrections of those steps.
        corrected = corrections.apply(
            db.records(
                read.History,
                "FROM history t JOIN milestone ms ON (ms.done_history_id = t.id "
                "OR ms.done_history_id = t.corrects_id OR ms.waived_history_id = t.id) "
                f"JOIN session m ON m.id = ms.session_id WHERE m.plan_id IN {among}",
                ids,
            )
        )
        history_by_id = {
            row.id: row for row in corrected.rows if row.corrects_id is None and row.at <= moment
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
    mandates: dict[int | None, list[read.Mandate]] = defaultdict(list)
    for mandate in db.records(
        read.Mandate, f"FROM mandate t WHERE t.plan_id IN {among} ORDER BY t.position", ids
    ):
        mandates[mandate.plan_id].append(mandate)
    paragraphs: dict[int, list[read.Paragraph]] = defaultdict(list)
    paragraph_by_id: dict[int, read.Paragraph] = {}
    for paragraph in db.records(
        read.Paragraph,
        f"FROM paragraph t JOIN mandate m ON m.id = t.mandate_id WHERE m.plan_id IN {among} "
        "ORDER BY t.position",
        ids,
    ):
        paragraphs[paragraph.mandate_id].append(paragraph)
        assert paragraph.id is not None
        paragraph_by_id[paragraph.id] = paragraph
    for activity_id, paragraph_id in db.rows(
        "SELECT t.activity_id, t.paragraph_id FROM activityparagraph t "
        f"JOIN activity a ON a.id = t.activity_id WHERE a.plan_id IN {among}",
        ids,
    ):
        if activity_id in views and paragraph_id in paragraph_by_id:
            views[activity_id].paragraphs.append(paragraph_by_id[paragraph_id])
    for person, (activity_id,) in db.records_with(
        read.Person,
        ["r.activity_id"],
        "FROM person t JOIN responsibility r ON r.person_id = t.id "
        f"JOIN activity a ON a.id = r.activity_id WHERE a.plan_id IN {among} ORDER BY t.key",
        ids,
    ):
        if activity_id in views:
            views[activity_id].responsible.append(person)
    by_plan: dict[int | None, list[ActivityView]] = defaultdict(list)
    for view in views.values():
        view.paragraphs.sort(key=lambda p: (p.mandate_id, p.position))
        by_plan[view.activity.plan_id].append(view)
    sessions_of: dict[int | None, list[read.Meeting]] = defaultdict(list)
    for meeting in sessions:
        sessions_of[meeting.plan_id].append(meeting)
    history_of: dict[int | None, list[read.History]] = defaultdict(list)
    for row, plan_id in history:
        history_of[plan_id].append(row)
    documents_of: dict[int | None, dict[str, read.Document]] = defaultdict(dict)
    revisions_of: dict[int | None, dict[str, Revision]] = {}
    if with_history:  # what the steps cite: read with them
        for document in db.records(
            read.Document, f"FROM document t WHERE t.plan_id IN {among} ORDER BY t.id", ids
        ):
            documents_of[document.plan_id].setdefault(identity(document.symbol), document)
    if with_revisions:
        for plan in plans:
            revisions_of[plan.id] = {}
        for changed_plan, key, count, latest in db.rows(
            "SELECT t.plan_id, t.subject_key, COUNT(*), MAX(t.recorded_at) FROM record_change t "
            f"WHERE t.subject = ? AND t.plan_id IN {among} GROUP BY t.plan_id, t.subject_key",
            [SESSION, *ids],
        ):
            latest_moment = db.moment(latest)
            assert latest_moment is not None
            revisions_of[changed_plan][key] = Revision(int(count), latest_moment)
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
            corrections=corrected.corrections,
            corrected_by=corrected.corrected_by,
            documents=documents_of[plan.id],
            revisions=revisions_of.get(plan.id),
        )
        for plan in plans
    ]


# What a `Change` row about a session says it is about (`store.models.SESSION`).
SESSION = "session"

# The history rows to read for a moment (two parameters: the moment, twice): the steps that
# happened by then (by their day as corrected), and every correction (a correction fixes the
# record of the past whenever it was written; the log shows it from then on).
_BY = (
    "(t.at <= ? OR t.corrects_id IS NOT NULL "
    "OR t.id IN (SELECT c.corrects_id FROM history c WHERE c.corrected_at <= ?))"
)

# When step `h` happened, as its latest correction of the day says (else as written).
_EFFECTIVE_AT = (
    "COALESCE((SELECT l.corrected_at FROM history l WHERE l.corrects_id = h.id "
    "AND l.corrected_at IS NOT NULL ORDER BY l.id DESC LIMIT 1), h.at)"
)


def _states_at(db: Reader, plan_ids: list[int | None], moment: dt.datetime) -> dict[int, str]:
    """Each activity's state at `moment`: where its last step before then led.

    A row that changes no state (a move, a correction) is written when it is
    decided, possibly after steps dated earlier: it never decides a state.
    """
    return {
        activity_id: state
        for activity_id, state in db.rows(
            "SELECT r.activity_id, r.to_state FROM (SELECT h.activity_id AS activity_id, "
            "h.to_state AS to_state, ROW_NUMBER() OVER (PARTITION BY h.activity_id "
            f"ORDER BY {_EFFECTIVE_AT} DESC, h.id DESC) AS step_rank "
            "FROM history h JOIN activity a ON a.id = h.activity_id "
            f"WHERE a.plan_id IN {in_(plan_ids)} AND {_EFFECTIVE_AT} <= ? "
            "AND h.from_state != h.to_state) r WHERE r.step_rank = 1",
            [*plan_ids, moment],
        )
    }
