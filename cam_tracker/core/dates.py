"""Every rule about dates and moments, once.

Conventions, each decided here and nowhere else:
- a moment is an aware datetime; stored moments are UTC; a naive moment read
  back from the store (rows written before moments were aware) is UTC;
- a plan has one time zone (an IANA name); days, months and wall-clock times
  of the plan are read in it;
- "as of a day" means the end of that day in the plan's time zone;
- a step recorded on a day, without a time, happened at noon in the plan's zone;
- a reminder goes out at 09:00 in the plan's zone;
- a session is ahead until the start of its day (or, known only by its month,
  until the end of that month);
- a session recorded as held on a day counts as held from that day on: as of
  an earlier day it was still ahead;
- dates and moments are written as ISO 8601 text (JSON, exports, the hash
  chain); a month is `YYYY-MM`.

No other module builds a zone, combines a day with a time, converts between
zones or parses a date.
"""

import calendar as _calendar
import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cam_tracker.core.errors import InvalidInput

STEP_TIME = dt.time(12)
REMINDER_TIME = dt.time(9)


def utcnow() -> dt.datetime:
    """Now, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


# --- zones --------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    """A plan's time zone, by its IANA name (`America/New_York`)."""
    return ZoneInfo(name)


def is_zone(name: str) -> bool:
    """Whether `name` is a time zone this system knows (a plan file's `timezone`)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def utc(moment: dt.datetime) -> dt.datetime:
    """The moment in UTC; a naive one (an old row) is read as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def in_zone(moment: dt.datetime, zone_name: str) -> dt.datetime:
    """The moment as the wall clock in a zone shows it (for display)."""
    return moment.astimezone(ZoneInfo(zone_name))


def local_day(moment: dt.datetime, zone_name: str) -> dt.date:
    """The day a moment falls on in a zone."""
    return in_zone(moment, zone_name).date()


def aware(moment: dt.datetime, zone_name: str) -> dt.datetime:
    """A moment the user typed: a naive one is wall-clock time in the zone; aware ones stay."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=ZoneInfo(zone_name))
    return moment


def local_moment(day: dt.date, time: dt.time, zone_name: str) -> dt.datetime:
    """A day and wall-clock time in a zone, as an aware UTC moment."""
    return dt.datetime.combine(day, time, ZoneInfo(zone_name)).astimezone(dt.UTC)


def day_start(day: dt.date, zone_name: str) -> dt.datetime:
    """The first moment of a day in a zone (midnight), in UTC."""
    return local_moment(day, dt.time(0), zone_name)


# --- what the user types ------------------------------------------------------------


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


# --- what the store and data files hold ---------------------------------------------


def read_day(text: str) -> dt.date:
    """A stored ISO day (YYYY-MM-DD); raises ValueError when it is not one."""
    return dt.date.fromisoformat(text)


def read_moment(text: str) -> dt.datetime:
    """A stored ISO moment, as written by `iso`; raises ValueError when it is not one."""
    return dt.datetime.fromisoformat(text)


def iso(moment: dt.datetime | dt.date | None) -> str | None:
    """ISO 8601 for JSON; a naive datetime (old rows) is read as UTC."""
    if moment is None:
        return None
    if isinstance(moment, dt.datetime) and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


# --- months -------------------------------------------------------------------------


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


# --- the plan's rules ---------------------------------------------------------------


def as_of_moment(zone_name: str, value: dt.date | dt.datetime | None) -> dt.datetime | None:
    """A date means the end of that day in the zone; a naive moment is read in the zone."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return aware(value, zone_name)
    return dt.datetime.combine(value, dt.time.max, tzinfo=ZoneInfo(zone_name))


def as_of(zone_name: str, text: str | None, field: str = "as_of") -> dt.datetime | None:
    """What a user typed as an as-of date (or moment), as a moment in `zone`; None for now."""
    return as_of_moment(zone_name, parse_moment(text, field)) if text else None


def step_moment(day: dt.date, zone_name: str) -> dt.datetime:
    """A step recorded on a day, without a time: noon of that day in the zone."""
    return dt.datetime.combine(day, STEP_TIME, tzinfo=ZoneInfo(zone_name))


def reminder_moment(day: dt.date, zone_name: str) -> dt.datetime:
    """When a reminder of a day goes out: 09:00 in the zone, as a UTC moment."""
    return local_moment(day, REMINDER_TIME, zone_name)


def ahead_until(day: dt.date | None, month: str, zone_name: str) -> dt.datetime:
    """Until when a session is ahead: the start of its day, else the end of its month (UTC)."""
    return day_start(day or month_end(month) + dt.timedelta(days=1), zone_name)


def held_as_of(held_on: dt.date | None, day: dt.date) -> dt.date | None:
    """The day a session was held, when it was held by `day`; None while it was still ahead."""
    return held_on if held_on is not None and held_on <= day else None
