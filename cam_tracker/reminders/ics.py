"""The sessions as iCalendar: all-day events, with alarms at the reminder times (UTC).

A dated session is an all-day event on its day. A session known only by its
month is an all-day event spanning that whole month, marked tentative and
transparent (it blocks no time), until its date is set.

Every text from the data — the plan's title, a session's title, an agenda
item — is added as a `vText`, which escapes line breaks, commas and
semicolons, after control characters are taken out (iCalendar text may hold
none): a title can neither break the feed nor add a property to it. Titles
are one line; a description keeps one line per agenda item.
"""

import datetime as dt
from typing import TYPE_CHECKING, Any

from cam_tracker.app.snapshot import Snapshot
from cam_tracker.core import i18n
from cam_tracker.core.dates import month_end, month_start, utc, utcnow
from cam_tracker.core.settings import ReminderSettings
from cam_tracker.core.text import local, one_line
from cam_tracker.reminders.timing import reminder_slots
from cam_tracker.store import models

if TYPE_CHECKING:
    from cam_tracker.app.workspace import Workspace

PRODID = "-//cam-tracker//work plan sessions//EN"


TEXT_LIMIT = 10_000


def _text(*lines: str) -> Any:
    """A text value for iCalendar: each line without control characters or line breaks of
    its own, the lines one below the other, escaped by `vText`."""
    from icalendar import vText

    return vText("\n".join(one_line(line, TEXT_LIMIT) for line in lines))


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
    summary = _text(f"{plan.body.get('short', '')}: {local(meeting.title, lang)}".strip(": "))
    event = Event()
    event.add("uid", _text(f"{meeting.key}.{plan.name}@cam-tracker"))
    event.add("dtstamp", utc(stamp))
    event.add("summary", summary)
    if meeting.date is not None:
        event.add("dtstart", meeting.date)
        event.add("dtend", meeting.date + dt.timedelta(days=1))
        event.add("status", "CONFIRMED")
    else:
        event.add("dtstart", month_start(meeting.month))
        event.add("dtend", month_end(meeting.month) + dt.timedelta(days=1))
        event.add("status", "TENTATIVE")
        event.add("transp", "TRANSPARENT")
    lines = [] if meeting.date else [gettext("The date is to be set.")]
    lines += [f"- {local(m.milestone.text, lang)}" for m in snap.agenda(meeting)]
    if lines:
        event.add("description", _text(*lines))
    event.add("categories", [one_line(meeting.kind, TEXT_LIMIT)])
    if snap.session_held(meeting) is None:
        for slot in reminder_slots(
            meeting, plan.timezone, settings.offsets_days, settings.monthly_day
        ):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", slot.at, parameters={"VALUE": "DATE-TIME"})
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
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _text(local(snap.plan.title, lang)))
    for meeting in meetings:
        calendar.add_component(session_event(snap, meeting, settings, lang, stamp))
    ical: bytes = calendar.to_ical()
    return ical


def calendar_for(
    ws: "Workspace", month: str | None, settings: ReminderSettings
) -> tuple[int, bytes]:
    """The sessions of the workspace's plan (of `month`, else all) as iCalendar: how many,
    and the bytes. The sessions are those `cam calendar` lists for the same month."""
    from cam_tracker.app import queries

    with ws.session() as db:
        snap = ws.snapshot(db)
        keys = {row["id"] for row in queries.calendar(snap, month, ws.lang)}
        meetings = [m for m in snap.sessions if m.key in keys]
        return len(meetings), feed(snap, meetings, settings, ws.lang, utcnow())
