"""When reminders fall due: at 09:00 plan time, some days before a dated session, or on a
day of the month before a session known only by its month; stored and compared in UTC."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from cam_tracker.core.dates import month_end
from cam_tracker.store import models

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
