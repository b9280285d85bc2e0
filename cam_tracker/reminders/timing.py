"""When a session's reminders fall due: its slots, and until when it is still ahead.

A dated session has one reminder per offset (`14d`, `3d`…) before its day; a
session known only by its month has one `monthly` reminder in the month
before. Every slot is a UTC moment computed from the plan's time zone by
`core.dates` (09:00 local), so the outbox, the dry run and the calendar's
alarms always agree on when a reminder is due. A slot depends on the session's
day, never on its start time (offsets are whole days, at least one).
"""

import datetime as dt
from dataclasses import dataclass

from cam_tracker.core.dates import ahead_until, month_start, reminder_moment
from cam_tracker.store import models

MONTHLY = "monthly"


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
    if meeting.date is not None:
        return [
            ReminderSlot(
                f"{days}d", reminder_moment(meeting.date - dt.timedelta(days=days), zone), days
            )
            for days in sorted(offsets_days, reverse=True)
        ]
    before = month_start(meeting.month) - dt.timedelta(days=1)
    day = before.replace(day=min(monthly_day, before.day))
    return [ReminderSlot(MONTHLY, reminder_moment(day, zone), None)]


def upcoming_until(meeting: models.Meeting, zone: str) -> dt.datetime:
    """Until when a session is still ahead: its start time on its day, else the start of
    its day, else the end of its month. Only this reads the session's hour: its slots fall
    by its day, so a new time moves no reminder, and one is still sent until it starts."""
    return ahead_until(meeting.date, meeting.month, zone, meeting.start_time)


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
