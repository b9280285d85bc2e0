"""Sessions of the committee: set or move a session's date, record it as held.

Who may move a session or record it as held is the plan's policy
(`move_session`, `record_session`); each is a row in the history chain
(`models.Change`), whether or not the session has an agenda.

A move is recorded in the history of every activity on the session's agenda
(event `reschedule`, state unchanged, the reason in the note, the session
linked), as `cam reschedule` does for one milestone. The session's pending
reminders follow the new date. A session is held on its day
(`activities.session_day`): recording it on another is refused, not a
silent move.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from cam_tracker import store
from cam_tracker.app.activities import (
    advance,
    log_reschedule,
    required_reason,
    session_day,
    step_time,
)
from cam_tracker.app.authorization import identify, permit, plan_policy, record
from cam_tracker.app.lookup import find_session
from cam_tracker.core.dates import month_of
from cam_tracker.core.errors import (
    CamError,
    InvalidInput,
    NotFound,
    TransitionRefused,
    did_you_mean,
)
from cam_tracker.files import workflow
from cam_tracker.store import models


@dataclass
class SessionMoved:
    """What moving a session changed."""

    meeting: models.Meeting
    before: str
    after: str
    history: list[models.History]


def reschedule(
    db: Session,
    plan: models.Plan,
    key: str,
    *,
    to: dt.date,
    reason: str,
    actor: str,
    on: dt.date | dt.datetime | None = None,
) -> SessionMoved:
    """Set or move a session's date; its open agenda items follow (its reminders:
    `reminders.outbox.follow`). `on` is when the move was decided (default: now)."""
    reason_text = required_reason(reason)
    store.lock_for_write(db)
    meeting = find_session(db, plan, key)
    who = identify(db, actor, plan)
    permit(who, plan_policy(plan), "move_session")
    if meeting.removed:
        raise TransitionRefused(f"session {key} is no longer in the plan file")
    if meeting.held_on is not None:
        raise TransitionRefused(f"session {key} was held on {meeting.held_on}: it cannot move")
    if meeting.date == to:
        raise InvalidInput(f"session {key} is already on {to}", fields=("to",))
    at = step_time(plan, on, None)
    before = meeting.date.isoformat() if meeting.date else meeting.month
    old_month, new_month = meeting.month, month_of(to)
    changes = {"date": [meeting.date.isoformat() if meeting.date else None, to.isoformat()]}
    if new_month != old_month:
        changes["month"] = [old_month, new_month]
    meeting.date = to
    meeting.month = new_month
    db.add(meeting)
    record(
        db,
        who,
        models.SESSION,
        meeting.key,
        "moved",
        changes,
        plan_id=plan.id,
        note=reason_text,
        at=at,
    )
    items = list(
        db.exec(
            select(models.Milestone, models.Activity)
            .join(models.Activity, col(models.Activity.id) == col(models.Milestone.activity_id))
            .where(models.Milestone.session_id == meeting.id)
            .order_by(col(models.Milestone.position))
        )
    )
    for milestone, _activity in items:
        if milestone.done_history_id is None and milestone.planned_month == old_month:
            milestone.planned_month = new_month
            db.add(milestone)
    db.flush()
    rows = []
    activities = {activity.id: activity for _milestone, activity in items}
    for activity in activities.values():
        rows.append(
            log_reschedule(
                db,
                activity,
                who,
                at=at,
                reason=reason_text,
                meeting=meeting,
                moved=(None, before, to.isoformat()),
            )
        )
    return SessionMoved(meeting, before, to.isoformat(), rows)


@dataclass
class ItemOutcome:
    """What recording a session did with one agenda item."""

    activity: str
    event: str | None
    status: str  # advanced | skipped | excluded | refused | noted | done
    detail: str = ""


def record_session(
    db: Session,
    plan: models.Plan,
    session_key: str,
    *,
    actor: str,
    on: dt.date | None = None,
    as_planned: bool = False,
    excluded: tuple[str, ...] = (),
) -> list[ItemOutcome]:
    """Record a session as held; with `as_planned`, advance its agenda items too.

    It is held on its day (`session_day`). A session already held is not held
    again; with `as_planned`, its items still open advance (on the day it was
    held), so that an item refused the first time can be advanced once what
    blocked it is done.
    """
    store.lock_for_write(db)
    meeting = find_session(db, plan, session_key)
    who = identify(db, actor, plan)
    permit(who, plan_policy(plan), "record_session")
    if meeting.removed:
        raise TransitionRefused(f"session {session_key} is no longer in the plan file")
    if meeting.held_on is not None and not as_planned:
        raise TransitionRefused(
            f"session {session_key} was already recorded as held on {meeting.held_on}; "
            "to advance its open items, record it again as planned",
            fields=("as_planned",),
        )
    items = list(
        db.exec(
            select(models.Milestone, models.Activity)
            .join(models.Activity, col(models.Activity.id) == col(models.Milestone.activity_id))
            .where(models.Milestone.session_id == meeting.id)
            .order_by(col(models.Milestone.position))
        )
    )
    agenda_keys = {activity.key for _, activity in items}
    unknown = [key for key in excluded if key not in agenda_keys]
    if unknown:
        raise NotFound(
            f"{unknown[0]!r} is not on the agenda of {session_key}"
            f"{did_you_mean(unknown[0], agenda_keys)}; agenda: {', '.join(sorted(agenda_keys))}"
        )
    if on is not None:
        step_time(plan, on, None)
    if meeting.held_on is not None and on is not None and on != meeting.held_on:
        raise TransitionRefused(
            f"session {session_key} was already recorded as held on {meeting.held_on}",
            fields=("on",),
        )
    day = session_day(plan, meeting, on)
    step_time(plan, day, None)
    if meeting.held_on is None:
        changes = {"held_on": [None, day.isoformat()]}
        if meeting.date != day:
            changes["date"] = [meeting.date.isoformat() if meeting.date else None, day.isoformat()]
        record(db, who, models.SESSION, meeting.key, "held", changes, plan_id=plan.id)
    meeting.held_on = day
    meeting.date = day
    db.add(meeting)
    db.flush()
    outcomes = []
    for milestone, activity in items:
        if milestone.event is None:
            outcomes.append(ItemOutcome(activity.key, None, "noted"))
        elif milestone.done_history_id is not None:
            outcomes.append(ItemOutcome(activity.key, milestone.event, "done", "already done"))
        elif activity.key in excluded:
            outcomes.append(ItemOutcome(activity.key, milestone.event, "excluded"))
        elif not as_planned:
            outcomes.append(ItemOutcome(activity.key, milestone.event, "skipped"))
        else:
            outcomes.append(_advance_item(db, plan, meeting, milestone, activity, actor, day))
    return outcomes


def _advance_item(
    db: Session,
    plan: models.Plan,
    meeting: models.Meeting,
    milestone: models.Milestone,
    activity: models.Activity,
    actor: str,
    day: dt.date,
) -> ItemOutcome:
    assert milestone.event is not None
    flow = workflow.get(activity.kind)
    step_requires = next(
        (s.requires for s in flow.allowed(activity.state) if s.event == milestone.event), ()
    )
    note = "; ".join(milestone.text.values()) if "note" in step_requires else None
    savepoint = db.begin_nested()
    try:
        advance(
            db,
            plan,
            activity.key,
            milestone.event,
            actor=actor,
            session_key=meeting.key,
            on=day,
            note=note,
        )
    except (CamError, SQLAlchemyError) as exc:
        savepoint.rollback()
        return ItemOutcome(activity.key, milestone.event, "refused", str(exc))
    savepoint.commit()
    return ItemOutcome(activity.key, milestone.event, "advanced", activity.state)
