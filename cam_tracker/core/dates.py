"""Every rule about dates and moments, once.

Conventions, each decided here and nowhere else:
- a moment is an aware datetime; stored moments are UTC;
- "as of a day" means the end of that day in the plan's time zone;
- a step recorded on a day, without a time, happened at noon in the plan's zone;
- a reminder goes out at 09:00 in the plan's zone;
- a session is ahead until the start of its day (or, known only by its month,
  until the end of that month).
"""

import calendar as _calendar
import datetime as dt
from zoneinfo import ZoneInfo

from cam_tracker.core.errors import InvalidInput

STEP_TIME = dt.time(12)
REMINDER_TIME = dt.time(9)


def utcnow() -> dt.datetime:
    """Now, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def parse_day(value: str, field: str = "date") -> dt.date:
    """A YYYY-MM-DD date."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"not a date: {value!r} (use YYYY-MM-DD)", fields=(field,)) from None


def parse_moment(value: str, field: str = "date") -> dt.date | dt.datetime:
    """A YYYY-MM-DD date, or an ISO date and time (with or without zone)."""
    if "T" in value or " " in value.strip():
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(
                f"not a date: {value!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)", fields=(field,)
            ) from None
    return parse_day(value, field)


def parse_month(text: str, field: str = "month") -> str:
    """A YYYY-MM month, validated."""
    try:
        parsed = dt.datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise InvalidInput(f"not a month: {text!r} (use YYYY-MM)", fields=(field,)) from None
    return parsed.strftime("%Y-%m")


def month_start(month: str) -> dt.date:
    """The first day of a YYYY-MM month."""
    return dt.date.fromisoformat(f"{month}-01")


def month_end(month: str) -> dt.date:
    """The last day of a YYYY-MM month."""
    year, number = (int(part) for part in month.split("-"))
    return dt.date(year, number, _calendar.monthrange(year, number)[1])


def month_of(day: dt.date) -> str:
    """The YYYY-MM month of a day."""
    return day.strftime("%Y-%m")


def as_of_moment(zone: str, value: dt.date | dt.datetime | None) -> dt.datetime | None:
    """A date means the end of that day in the zone; a naive moment is read in the zone."""
    if value is None or isinstance(value, dt.datetime):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=ZoneInfo(zone))
        return value
    return dt.datetime.combine(value, dt.time.max, tzinfo=ZoneInfo(zone))


def as_of(zone: str, text: str | None, field: str = "as_of") -> dt.datetime | None:
    """What a user typed as an as-of date (or moment), as a moment in `zone`; None for now."""
    return as_of_moment(zone, parse_moment(text, field)) if text else None


def step_moment(day: dt.date, zone: str) -> dt.datetime:
    """A step recorded on a day, without a time: noon of that day in the zone."""
    return dt.datetime.combine(day, STEP_TIME, tzinfo=ZoneInfo(zone))


def local_moment(day: dt.date, time: dt.time, zone: str) -> dt.datetime:
    """A day and wall-clock time in a zone, as an aware UTC moment."""
    return dt.datetime.combine(day, time, ZoneInfo(zone)).astimezone(dt.UTC)


def local_day(moment: dt.datetime, zone: str) -> dt.date:
    """The day a moment falls on in a zone."""
    return moment.astimezone(ZoneInfo(zone)).date()


def iso(moment: dt.datetime | dt.date | None) -> str | None:
    """ISO 8601 for JSON; a naive datetime (old rows) is read as UTC."""
    if moment is None:
        return None
    if isinstance(moment, dt.datetime) and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()
