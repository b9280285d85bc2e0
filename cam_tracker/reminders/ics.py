"""The sessions as iCalendar: events with alarms before their start (relative triggers).

A session whose day and start time are known is a timed event: from its
start to its end (no end when none is known), in the plan's zone
(`DTSTART;TZID=…` with the zone's VTIMEZONE) for the years whose rules
icalendar can write (TZID_YEARS), else in UTC. A session known by its day only
is an all-day event on that day. A session known only by its month is one
marker: an all-day event on the month's first day, tentative and transparent
(it blocks no time), its summary saying the date is to be confirmed — not a
banner across the month. Its venue is the LOCATION, its online link the URL,
wherever they are known; its kind, in the calendar's language, its CATEGORIES.

A calendar that is imported again must update what it imported: the UID of
a session never changes, and its SEQUENCE is the number of changes recorded
for it (moves, time and place set), its LAST-MODIFIED when the latest was
recorded (else when the plan was loaded) — both read from the record, so they
grow with every change and never need a counter of their own. The alarms are
durations before the start (`-P13DT15H`), which every client keeps, falling
at the reminder times of `reminders.timing`.

Every text from the data — the plan's title, a session's title, an agenda
item — is added as a `vText`, which escapes line breaks, commas and
semicolons, after control characters are taken out (iCalendar text may hold
none): a title can neither break the feed nor add a property to it. Titles
are one line; a description keeps one line per agenda item.
"""

import datetime as dt
import functools
from typing import TYPE_CHECKING, Any

from cam_tracker.app.snapshot import Snapshot
from cam_tracker.core import i18n
from cam_tracker.core.dates import day_start, month_start, session_times, utc, utcnow
from cam_tracker.core.settings import ReminderSettings
from cam_tracker.core.text import local, one_line
from cam_tracker.reminders.timing import reminder_slots
from cam_tracker.store import models

if TYPE_CHECKING:
    from cam_tracker.app.workspace import Workspace

PRODID = "-//cam-tracker//work plan sessions//EN"

# The iCalendar method of every feed: it must match the `method=` of its MIME type.
METHOD = "PUBLISH"


TEXT_LIMIT = 10_000


# The years whose VTIMEZONE icalendar writes correctly (its generated rules run from 1970
# to 2038); a session outside them is written in UTC, which every reader places right.
TZID_YEARS = range(1970, 2038)


def venue_text(meeting: models.Meeting) -> str | None:
    """A session's room, building and city, one after the other; None when none is known."""
    parts = [part for part in (meeting.room, meeting.building, meeting.city) if part]
    return ", ".join(parts) or None


def _text(*lines: str) -> Any:
    """A text value for iCalendar: each line without control characters or line breaks of
    its own, the lines one below the other, escaped by `vText`."""
    from icalendar import vText

    return vText("\n".join(one_line(line, TEXT_LIMIT) for line in lines))


def kind_label(kind: str, lang: str) -> str:
    """A session kind as a reader says it, in `lang` (the key itself for an unknown kind)."""
    gettext = i18n.translations(lang, "reminders").gettext
    labels = {
        "regular": gettext("Regular session"),
        "special": gettext("Special session"),
        "thematic": gettext("Thematic session"),
        "forum": gettext("Forum"),
        "working_group": gettext("Working group meeting"),
    }
    return labels.get(kind, kind)


def _start_moment(meeting: models.Meeting, zone: str) -> dt.datetime:
    """When the event begins, as the alarms count from it: its start time, else the start
    of its day (or of its month's first day) in the plan's zone."""
    starts, _ends = session_times(meeting.date, meeting.start_time, meeting.end_time, zone)
    if starts is not None:
        return starts
    day = meeting.date or month_start(meeting.month)
    return day_start(day, zone)


def session_event(
    snap: Snapshot,
    meeting: models.Meeting,
    settings: ReminderSettings,
    lang: str,
    stamp: dt.datetime,
) -> Any:
    """One VEVENT for a session, with one VALARM per reminder."""
    from icalendar import Alarm, Event

    gettext = i18n.translations(lang, "reminders").gettext
    plan = snap.plan
    title = local(meeting.title, lang)
    if meeting.date is None:
        title = gettext("%(title)s (date to be confirmed)") % {"title": title}
    summary = _text(f"{plan.body.get('short', '')}: {title}".strip(": "))
    event = Event()
    event.add("uid", _text(f"{meeting.key}.{plan.name}@cam-tracker"))
    event.add("dtstamp", utc(stamp))
    if snap.revisions is None:
        raise ValueError("a calendar needs the sessions' revisions: read with_revisions")
    revision = snap.revisions.get(meeting.key)
    event.add("sequence", revision.count if revision else 0)
    event.add("last-modified", utc(revision.latest if revision else plan.loaded_at))
    event.add("summary", summary)
    starts, ends = session_times(meeting.date, meeting.start_time, meeting.end_time, plan.timezone)
    if starts is not None:
        in_zone = starts.year in TZID_YEARS and plan.timezone != "UTC"
        event.add("dtstart", starts if in_zone else utc(starts))
        if ends is not None:
            event.add("dtend", ends if in_zone else utc(ends))
        event.add("status", "CONFIRMED")
    elif meeting.date is not None:
        event.add("dtstart", meeting.date)
        event.add("dtend", meeting.date + dt.timedelta(days=1))
        event.add("status", "CONFIRMED")
    else:
        first = month_start(meeting.month)
        event.add("dtstart", first)
        event.add("dtend", first + dt.timedelta(days=1))
        event.add("status", "TENTATIVE")
        event.add("transp", "TRANSPARENT")
    lines = [] if meeting.date else [gettext("The date is to be set.")]
    lines += [f"- {local(m.milestone.text, lang)}" for m in snap.agenda(meeting)]
    if meeting.programme:
        lines.append(gettext("Programme:"))
        for item in meeting.programme:
            hours = item["time"] + (f"–{item['end']}" if item.get("end") else "")
            speaker = f" ({item['speaker']})" if item.get("speaker") else ""
            lines.append(f"{hours} {local(item.get('title'), lang)}{speaker}")
    if lines:
        event.add("description", _text(*lines))
    where = venue_text(meeting)
    if where is not None:
        event.add("location", _text(where))
    if meeting.link is not None:
        event.add("url", one_line(meeting.link, TEXT_LIMIT))
    event.add("categories", [one_line(kind_label(meeting.kind, lang), TEXT_LIMIT)])
    if snap.session_held(meeting) is None:
        begins = _start_moment(meeting, plan.timezone)
        for slot in reminder_slots(
            meeting, plan.timezone, settings.offsets_days, settings.monthly_day
        ):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", slot.at - begins, parameters={"RELATED": "START"})
            event.add_component(alarm)
    return event


def feed(
    snap: Snapshot,
    meetings: list[models.Meeting],
    settings: ReminderSettings,
    lang: str,
    stamp: dt.datetime,
) -> bytes:
    """A VCALENDAR of the given sessions."""
    return feeds(snap, meetings, settings, lang, stamp)[0]


def feeds(
    snap: Snapshot,
    meetings: list[models.Meeting],
    settings: ReminderSettings,
    lang: str,
    stamp: dt.datetime,
) -> tuple[bytes, dict[str, bytes]]:
    """The VCALENDAR of the given sessions, and each session's own (by key): what `feed`
    gives for it alone, byte for byte, with every event built and written once.

    A calendar's text is its properties, then each VTIMEZONE its events use (before
    them, sorted by TZID), then the events, each in its own lines: so the parts are
    written once and put together, for a site's thousands of calendars.
    """
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", METHOD)
    calendar.add("x-wr-calname", _text(local(snap.plan.title, lang)))
    end = b"END:VCALENDAR\r\n"
    head = calendar.to_ical()
    assert head.endswith(end)
    head = head[: -len(end)]
    events: list[tuple[str, bytes, list[str]]] = []
    for meeting in meetings:
        event = session_event(snap, meeting, settings, lang, stamp)
        alone = Calendar()
        alone.add_component(event)
        events.append((meeting.key, event.to_ical(), sorted(alone.get_missing_tzids())))

    def whole(parts: list[tuple[str, bytes, list[str]]]) -> bytes:
        zones = sorted({tzid for _key, _text, tzids in parts for tzid in tzids})
        return b"".join(
            [head, *(_zone(tzid) for tzid in zones), *(text for _key, text, _z in parts), end]
        )

    return whole(events), {event[0]: whole([event]) for event in events}


@functools.lru_cache(maxsize=64)
def _zone(tzid: str) -> bytes:
    """A zone's VTIMEZONE, as `Calendar.add_missing_timezones` writes it (b"" when icalendar
    knows no such zone); the same for every calendar, so written once."""
    from icalendar import Timezone

    try:
        zone = Timezone.from_tzid(
            tzid, first_date=Timezone.DEFAULT_FIRST_DATE, last_date=Timezone.DEFAULT_LAST_DATE
        )
    except ValueError:
        return b""
    text: bytes = zone.to_ical()
    return text


def calendar_for(
    ws: "Workspace", month: str | None, settings: ReminderSettings
) -> tuple[int, bytes]:
    """The sessions of the workspace's plan (of `month`, else all) as iCalendar: how many,
    and the bytes. The sessions are those `cam calendar` lists for the same month."""
    from cam_tracker.app import queries
    from cam_tracker.app.snapshot import snapshot

    with ws.session() as db:
        snap = snapshot(db, ws.plan(db), with_revisions=True)
        keys = {row["id"] for row in queries.calendar(snap, month, ws.lang)}
        meetings = [m for m in snap.sessions if m.key in keys]
        return len(meetings), feed(snap, meetings, settings, ws.lang, utcnow())
