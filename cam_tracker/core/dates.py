"""Every rule about dates and moments, once.

Conventions, each decided here and nowhere else:
- a moment is an aware datetime; stored moments are UTC; a naive moment read
  back from the store (rows written before moments were aware) is UTC;
- a plan has one time zone (an IANA name); days, months and wall-clock times
  of the plan are read in it;
- "as of a day" means the end of that day in the plan's time zone;
- a step recorded on a day, without a time, happened at noon in the plan's zone;
- a reminder goes out at 09:00 in the plan's zone;
- a session is ahead until it starts: its start time on its day when both are
  known, else the start of its day (or, known only by its month, until the end
  of that month);
- a session's start and end are wall-clock times (`HH:MM`, 24-hour) on its day
  in the plan's zone; an end is after its start on the same day, and there is
  no end without a start;
- a session recorded as held on a day counts as held from that day on: as of
  an earlier day it was still ahead;
- dates and moments are written as ISO 8601 text (JSON, exports, the hash
  chain); a month is `YYYY-MM`.

Every date and month given by a user or a file falls in the years
FIRST_YEAR to LAST_YEAR (outside them it is a typo, and zone arithmetic and
`%Y` formatting misbehave near the years 1 and 9999); a step happened at most
STEP_YEARS_BEFORE year before its plan's period starts (work prepared ahead of
a plan), and never after today.

No other module builds a zone, combines a day with a time, converts between
zones or parses a date.
"""

import calendar as _calendar
import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cam_tracker.core.errors import InvalidInput
from cam_tracker.core.text import quoted

STEP_TIME = dt.time(12)
REMINDER_TIME = dt.time(9)
FIRST_YEAR, LAST_YEAR = 1900, 2999
STEP_YEARS_BEFORE = 1
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


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
    except (ZoneInfoNotFoundError, ValueError, OSError):
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


def _in_years(year: int, value: str, what: str, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            f"not a {what}: {quoted(value)} (years {FIRST_YEAR} to {LAST_YEAR})", fields=(field,)
        )


def parse_day(value: str, field: str = "date") -> dt.date:
    """A YYYY-MM-DD date (that form alone: no week dates, no basic format)."""
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"not a date: {quoted(value)} (use YYYY-MM-DD)", fields=(field,)
        ) from None
    _in_years(day.year, value, "date", field)
    return day


def parse_moment(value: str, field: str = "date") -> dt.date | dt.datetime:
    """A YYYY-MM-DD date, or an ISO date and time (with or without zone)."""
    if "T" in value or " " in value.strip():
        try:
            if not _DAY.match(value):
                raise ValueError(value)
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(
                f"not a date: {quoted(value)} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
                fields=(field,),
            ) from None
        _in_years(moment.year, value, "date", field)
        return moment
    return parse_day(value, field)


def parse_month(text: str, field: str = "month") -> str:
    """A YYYY-MM month, validated."""
    match = _MONTH.fullmatch(text)
    if match is None:
        raise InvalidInput(f"not a month: {quoted(text)} (use YYYY-MM)", fields=(field,))
    _in_years(int(match.group(1)), text, "month", field)
    return text


def check_step_day(day: dt.date, period_start: str, today: dt.date, field: str = "on") -> None:
    """A step's day lies between a year before its plan's period and today."""
    earliest = month_start(period_start)
    earliest = earliest.replace(year=earliest.year - STEP_YEARS_BEFORE)
    if day < earliest:
        raise InvalidInput(
            f"{day} is more than {STEP_YEARS_BEFORE} year before the plan's period "
            f"(it starts {period_start}): not a step of this plan",
            fields=(field,),
        )
    if day > today:
        raise InvalidInput(
            f"{day} is in the future: record steps once they happened", fields=(field,)
        )


# --- what the store and data files hold ---------------------------------------------


def read_day(text: str) -> dt.date:
    """A stored ISO day (YYYY-MM-DD); raises ValueError when it is not one."""
    return dt.date.fromisoformat(text)


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
    return as_of_moment(zone_name, parse_moment(text, field)) if text is not None else None


def step_moment(day: dt.date, zone_name: str) -> dt.datetime:
    """A step recorded on a day, without a time: noon of that day in the zone."""
    return dt.datetime.combine(day, STEP_TIME, tzinfo=ZoneInfo(zone_name))


def reminder_moment(day: dt.date, zone_name: str) -> dt.datetime:
    """When a reminder of a day goes out: 09:00 in the zone, as a UTC moment."""
    return local_moment(day, REMINDER_TIME, zone_name)


def ahead_until(
    day: dt.date | None, month: str, zone_name: str, start: str | None = None
) -> dt.datetime:
    """Until when a session is ahead (UTC): its start when its day and time are known, else
    the start of its day, else the end of its month."""
    if day is not None and start is not None:
        return local_moment(day, read_clock(start), zone_name)
    return day_start(day or month_end(month) + dt.timedelta(days=1), zone_name)


def held_as_of(held_on: dt.date | None, day: dt.date) -> dt.date | None:
    """The day a session was held, when it was held by `day`; None while it was still ahead."""
    return held_on if held_on is not None and held_on <= day else None


# --- times of day -------------------------------------------------------------------


def parse_clock(value: str, field: str = "start") -> str:
    """A wall-clock time `HH:MM` (24-hour, 00:00 to 23:59), as the store keeps it."""
    if not _CLOCK.fullmatch(value.strip()):
        raise InvalidInput(
            f"not a time: {quoted(value)} (use HH:MM, 24-hour, 00:00 to 23:59)", fields=(field,)
        )
    return value.strip()


def read_clock(text: str) -> dt.time:
    """A stored `HH:MM` time of day."""
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def check_time_range(start: str | None, end: str | None, field: str = "end") -> None:
    """An end needs a start and comes after it on the same day (a session does not run
    past midnight: two days are two sessions)."""
    if end is None:
        return
    if start is None:
        raise InvalidInput(f"an end ({end}) needs a start time", fields=(field,))
    if read_clock(end) <= read_clock(start):
        raise InvalidInput(f"the end {end} is not after the start {start}", fields=(field,))


def session_times(
    day: dt.date | None, start: str | None, end: str | None, zone_name: str
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """When a session starts and ends, aware in the plan's zone; None where not known.

    A start needs the day; an end needs the start.
    """
    if day is None or start is None:
        return None, None
    tz = ZoneInfo(zone_name)
    begins = dt.datetime.combine(day, read_clock(start), tz)
    ends = dt.datetime.combine(day, read_clock(end), tz) if end is not None else None
    return begins, ends


def utc_offset(moment: dt.datetime) -> str:
    """A moment's offset from UTC as readers write it: 'UTC−05:00', 'UTC+01:00', 'UTC'."""
    offset = moment.utcoffset() or dt.timedelta(0)
    if not offset:
        return "UTC"
    minutes = int(abs(offset).total_seconds()) // 60
    sign = "+" if offset > dt.timedelta(0) else "\u2212"
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
