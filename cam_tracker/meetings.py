"""Sessions of the committee: set or move a session's date.

A move is recorded in the history of every activity on the session's agenda
(event `reschedule`, state unchanged, the reason in the note, the session
linked), as `cam reschedule` does for one milestone. The session's pending
reminders follow the new date.
"""

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from cam_tracker import models, reminders, store
from cam_tracker.config import ReminderSettings
from cam_tracker.errors import ConfigError, TransitionRefused
from cam_tracker.tracker import (
    find_session,
    identify,
    log_reschedule,
    required_reason,
)


@dataclass
class SessionMoved:
    """What moving a session changed."""

    meeting: models.Meeting
    before: str
    after: str
    history: list[models.History]
    reminders_moved: int
    reminders_dropped: int


def reschedule(
    db: Session,
    plan: models.Plan,
    key: str,
    *,
    to: dt.date,
    reason: str,
    actor: str,
    settings: ReminderSettings,
) -> SessionMoved:
    """Set or move a session's date; its open agenda items and pending reminders follow."""
    reason_text = required_reason(reason)
    store.lock_for_write(db)
    meeting = find_session(db, plan, key)
    who = identify(db, actor)
    if meeting.removed:
        raise TransitionRefused(f"session {key} is no longer in the plan file")
    if meeting.held_on is not None:
        raise TransitionRefused(f"session {key} was held on {meeting.held_on}: it cannot move")
    if meeting.date == to:
        raise ConfigError(f"session {key} is already on {to}")
    before = meeting.date.isoformat() if meeting.date else f"{meeting.month} (month only)"
    old_month, new_month = meeting.month, to.strftime("%Y-%m")
    meeting.date = to
    meeting.month = new_month
    db.add(meeting)
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
    now = models.utcnow()
    rows = []
    activities = {activity.id: activity for _milestone, activity in items}
    for activity in activities.values():
        rows.append(
            log_reschedule(
                db,
                activity,
                who,
                at=now,
                note=f"session {key} moved from {before} to {to}: {reason_text}",
                meeting=meeting,
            )
        )
    moved, dropped = reminders.follow(db, meeting, plan.timezone, settings)
    return SessionMoved(meeting, before, to.isoformat(), rows, moved, dropped)
