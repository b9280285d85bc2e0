"""The sessions as iCalendar: all-day events, with alarms at the reminder times (UTC).

A dated session is an all-day event on its day. A session known only by its
month is an all-day event spanning that whole month, marked tentative and
transparent (it blocks no time), until its date is set.
"""

import datetime as dt
from typing import TYPE_CHECKING, Any

from cam_tracker.app.snapshot import Snapshot
from cam_tracker.core import i18n
from cam_tracker.core.dates import month_end, month_start, utc, utcnow
from cam_tracker.core.settings import ReminderSettings
from cam_tracker.core.text import local
from cam_tracker.reminders.timing import reminder_slots
from cam_tracker.store import models

if TYPE_CHECKING:
    from cam_tracker.app.workspace import Workspace

PRODID = "-//cam-tracker//work plan sessions//EN"


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
    summary = f"{plan.body.get('short', '')}: {local(meeting.title, lang)}".strip(": ")
    event = Event()
    event.add("uid", f"{meeting.key}.{plan.name}@cam-tracker")
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
        event.add("description", "\n".join(lines))
    event.add("categories", [meeting.kind])
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
    calendar.add("x-wr-calname", local(snap.plan.title, lang))
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
