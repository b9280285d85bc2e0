"""Use cases that change the store: advance, record a session, reschedule.

Each takes an open store session; the caller commits it. A state change and
its history row are written in the same transaction, so both land or neither.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from cam_tracker import store
from cam_tracker.app.authorization import Actor, authorize, identify
from cam_tracker.app.lookup import find_activity, find_session
from cam_tracker.app.snapshot import MILESTONE_ORDER
from cam_tracker.core.dates import check_step_day, parse_month
from cam_tracker.core.errors import (
    InvalidInput,
    TransitionRefused,
    did_you_mean,
)
from cam_tracker.core.text import MAX_NOTE, MAX_SYMBOL, clean_line, clean_text
from cam_tracker.files import workflow
from cam_tracker.store import models

RESCHEDULE = "reschedule"


# The statements every transition runs, built once.


_LAST_STEP = (
    select(models.History.at)
    .where(col(models.History.activity_id) == bindparam("activity"))
    .where(col(models.History.event) != RESCHEDULE)
    .order_by(col(models.History.at).desc(), col(models.History.id).desc())
    .limit(1)
)


_OPEN_MILESTONES = (
    select(models.Milestone.id, models.Milestone.session_id)
    .join(models.Meeting, col(models.Meeting.id) == col(models.Milestone.session_id))
    .where(col(models.Milestone.activity_id) == bindparam("activity"))
    .where(col(models.Milestone.event) == bindparam("event"))
    .where(col(models.Milestone.done_history_id).is_(None))
    .order_by(*MILESTONE_ORDER)
)


_FULFIL = update(models.Milestone).where(col(models.Milestone.id) == bindparam("milestone"))


def moment_of(day: dt.date, plan: models.Plan) -> dt.datetime:
    """A day as an aware moment: noon in the plan's time zone."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(plan.timezone))


def step_time(
    plan: models.Plan, on: dt.date | dt.datetime | None, meeting: models.Meeting | None
) -> dt.datetime:
    now = models.utcnow()
    if on is None and meeting is not None:
        on = meeting.held_on or meeting.date
    if on is None:
        return now
    moment = on if isinstance(on, dt.datetime) else moment_of(on, plan)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(plan.timezone))
    check_step_day(moment.astimezone(dt.UTC).date(), plan.period_start, now.date())
    return moment


@dataclass
class Advanced:
    """The outcome of one transition."""

    activity: models.Activity
    row: models.History
    milestone: models.Milestone | None


def advance(
    db: Session,
    plan: models.Plan,
    key: str,
    event: str,
    *,
    actor: str,
    note: str | None = None,
    document: str | None = None,
    session_key: str | None = None,
    on: dt.date | dt.datetime | None = None,
) -> Advanced:
    """Fire one event on an activity; its state and history row land together."""
    store.lock_for_write(db)
    activity = find_activity(db, plan, key)
    if activity.removed:
        raise TransitionRefused(f"{key} is no longer in the plan file; reload the plan first")
    flow = workflow.get(activity.kind)
    note = clean_text(note, "note", MAX_NOTE)
    document = clean_line(document, "document", MAX_SYMBOL)
    meeting = find_session(db, plan, session_key) if session_key else None
    step = _allowed_step(flow, activity.state, event)
    who = identify(db, actor)
    authorize(who, step, key)
    missing = [
        need
        for need, given in (("session", meeting), ("document", document), ("note", note))
        if need in step.requires and not given
    ]
    if missing:
        raise TransitionRefused(
            f"{event!r} on {key} needs a {' and a '.join(missing)}", fields=missing
        )
    at = step_time(plan, on, meeting)
    cache = store.transaction_cache(db)
    if (_LAST_STEP, activity.id) not in cache:
        cache[_LAST_STEP, activity.id] = (
            db.connection().execute(_LAST_STEP, {"activity": activity.id}).scalar()
        )
    last: dt.datetime | None = cache[_LAST_STEP, activity.id]
    if last is not None and at < last:
        raise InvalidInput(
            f"{at.date()} is before the last recorded step of {key} ({last.date()})", fields=("on",)
        )
    from_state = activity.state
    new_state = flow.fire(from_state, event, activity.resume_state)
    resume_state = activity.resume_state
    halted = flow.special_states
    if new_state in halted and from_state not in halted:
        resume_state = from_state
    elif new_state not in halted:
        resume_state = None
    store.set_state(db, activity, new_state, resume_state)
    assert activity.id is not None
    row = store.append_history(
        db,
        models.History(
            activity_id=activity.id,
            event=event,
            from_state=from_state,
            to_state=new_state,
            actor=who.name,
            actor_role=who.role,
            at=at,
            note=note,
            document=document,
            session_id=meeting.id if meeting else None,
            prev_hash="",
            hash="",
        ),
    )
    cache[_LAST_STEP, activity.id] = at
    milestone = _mark_milestone(db, activity, event, meeting, row)
    return Advanced(activity=activity, row=row, milestone=milestone)


def _allowed_step(flow: workflow.Workflow, state: str, event: str) -> workflow.Step:
    allowed = flow.allowed(state)
    for step in allowed:
        if step.event == event:
            return step
    names = [s.event for s in allowed]
    if event not in flow.events():
        raise TransitionRefused(
            f"{event!r} is not an event of {flow.kind!r}{did_you_mean(event, flow.events())}; "
            f"allowed now: {', '.join(names) or 'none'}"
        )
    raise TransitionRefused(
        f"{event!r} is not allowed from {state!r}; allowed now: {', '.join(names) or 'none'}"
    )


def _mark_milestone(
    db: Session,
    activity: models.Activity,
    event: str,
    meeting: models.Meeting | None,
    row: models.History,
) -> models.Milestone | None:
    """The first open milestone this event fulfils, the given session's first."""
    db.flush()  # a milestone added or moved in this transaction counts
    connection = db.connection()
    candidates = connection.execute(
        _OPEN_MILESTONES, {"activity": activity.id, "event": event}
    ).all()
    if not candidates:
        return None
    chosen = next(
        (m for m, session_id in candidates if meeting and session_id == meeting.id),
        candidates[0][0],
    )
    connection.execute(_FULFIL, {"milestone": chosen, "done_history_id": row.id})
    milestone = db.get(models.Milestone, chosen)
    assert milestone is not None
    set_committed_value(milestone, "done_history_id", row.id)
    return milestone


@dataclass
class Rescheduled:
    """A milestone moved to another month."""

    milestone: models.Milestone
    from_month: str
    to_month: str
    session: models.Meeting
    row: models.History


def reschedule(
    db: Session,
    plan: models.Plan,
    key: str,
    *,
    to_month: str,
    reason: str,
    actor: str,
    on: dt.date | None = None,
) -> Rescheduled:
    """Move an activity's next open milestone to another month, with its reason."""
    to_month = parse_month(to_month)
    reason_text = required_reason(reason)
    store.lock_for_write(db)
    activity = find_activity(db, plan, key)
    who = identify(db, actor)
    milestone = db.exec(
        select(models.Milestone)
        .join(models.Meeting, col(models.Meeting.id) == col(models.Milestone.session_id))
        .where(models.Milestone.activity_id == activity.id)
        .where(col(models.Milestone.event).is_not(None))
        .where(col(models.Milestone.done_history_id).is_(None))
        .order_by(*MILESTONE_ORDER)
        .limit(1)
    ).first()
    if milestone is None:
        raise TransitionRefused(f"{key} has no open milestone to reschedule")
    from_month = milestone.planned_month
    if to_month == from_month:
        raise InvalidInput(
            f"the milestone of {key} is already planned for {to_month}", fields=("to",)
        )
    target = db.exec(
        select(models.Meeting)
        .where(models.Meeting.plan_id == plan.id)
        .where(models.Meeting.month == to_month)
        .where(col(models.Meeting.held_on).is_(None))
        .where(col(models.Meeting.removed).is_(False))
        .order_by(col(models.Meeting.position))
        .limit(1)
    ).first()
    meeting = db.get(models.Meeting, milestone.session_id)
    assert meeting is not None
    if target is not None and target.id != milestone.session_id:
        last = db.exec(
            select(models.Milestone.position)
            .where(models.Milestone.session_id == target.id)
            .order_by(col(models.Milestone.position).desc())
            .limit(1)
        ).first()
        milestone.session_id = target.id or 0
        milestone.position = (last if last is not None else -1) + 1
        meeting = target
    milestone.planned_month = to_month
    db.add(milestone)
    row = log_reschedule(
        db,
        activity,
        who,
        at=step_time(plan, on, None),
        reason=reason_text,
        meeting=meeting,
        moved=(milestone.event, from_month, to_month),
    )
    return Rescheduled(milestone, from_month, to_month, meeting, row)


def required_reason(reason: str | None) -> str:
    """The reason for a move: required, one clean text."""
    reason_text = clean_text(reason, "reason", MAX_NOTE)
    if not reason_text:
        raise InvalidInput("a reason is required", fields=("reason",))
    return reason_text


def log_reschedule(
    db: Session,
    activity: models.Activity,
    who: Actor,
    *,
    at: dt.datetime,
    reason: str,
    meeting: models.Meeting,
    moved: tuple[str | None, str, str],
) -> models.History:
    """A move in the plan, in the activity's history: its state stays as it is.

    `moved` is (the milestone's event, or None for a whole session; from; to),
    each a month `YYYY-MM` or a day `YYYY-MM-DD`. The note holds the reason only.
    """
    moved_event, moved_from, moved_to = moved
    assert activity.id is not None
    return store.append_history(
        db,
        models.History(
            activity_id=activity.id,
            event=RESCHEDULE,
            from_state=activity.state,
            to_state=activity.state,
            actor=who.name,
            actor_role=who.role,
            at=at,
            note=reason,
            session_id=meeting.id,
            moved_event=moved_event,
            moved_from=moved_from,
            moved_to=moved_to,
            prev_hash="",
            hash="",
        ),
    )
