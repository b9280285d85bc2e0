"""Reminder emails: the digest of a session, rendered (Jinja2, per language), as a message.

The transport (`reminders.transport`) sends what `compose` builds; this module
only says what a reminder contains and how it reads.

The templates are data (`templates/reminder.txt.j2` and `.html.j2`); their
strings are translated by the `reminders` catalog of each language. Headers
never carry a line break from the data (each value is flattened to one line
first, and `EmailMessage` refuses the rest); the HTML part is autoescaped.
"""

import datetime as dt
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from cam_tracker.app.snapshot import Snapshot, snapshot
from cam_tracker.core import i18n
from cam_tracker.core.dates import session_times, utc, utc_offset
from cam_tracker.core.errors import NotFound, TransitionRefused
from cam_tracker.core.resources import data_dir
from cam_tracker.core.symbols import identity
from cam_tracker.core.text import local, one_line, reader_language, untranslated
from cam_tracker.reminders.due import recipients
from cam_tracker.reminders.ics import METHOD, venue_text
from cam_tracker.reminders.timing import upcoming_until
from cam_tracker.store import models

DOMAIN = "reminders"

if TYPE_CHECKING:
    from jinja2 import Environment

    from cam_tracker.app.bodies import Roles
    from cam_tracker.app.workspace import Workspace


Labels = dict[str, str]


@dataclass(frozen=True)
class Item:
    """One agenda item of the session, with its activity's state as of the digest."""

    number: str
    activity: str
    title: Labels
    text: Labels
    state: str
    state_label: Labels
    expected: Labels | None
    done: bool
    responsible: tuple[str, ...]
    responsible_keys: frozenset[str]


@dataclass(frozen=True)
class Late:
    """A milestone of the plan that is behind: its due day has passed and it is not done."""

    number: str
    title: Labels
    expected: Labels | None
    month: str
    due: dt.date
    session: str
    responsible_keys: frozenset[str]
    # The session's title, for the reader: the key is the record's, never shown to them.
    session_title: Labels | None = None


@dataclass(frozen=True)
class Document:
    """A document symbol recorded in the history of an activity on the agenda."""

    symbol: str
    number: str
    title: Labels
    step: Labels
    on: dt.date
    # What the plan's register says of it (nothing for a symbol nobody registered).
    document_title: Labels | None = None
    languages: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class ProgrammeItem:
    """One timed item of a session's programme."""

    time: str
    end: str | None
    title: Labels
    speaker: str | None


@dataclass(frozen=True)
class Digest:
    """Everything a reminder says about one session, in no particular language."""

    plan_title: Labels
    body_name: Labels
    body_short: str
    session: str
    title: Labels
    kind: str
    date: dt.date | None
    month: str
    today: dt.date
    items: tuple[Item, ...]
    late: tuple[Late, ...]
    documents: tuple[Document, ...]
    # When and where, each None where not known: wall-clock times in `timezone`.
    start: str | None = None
    end: str | None = None
    timezone: str = "UTC"
    utc_offset: str | None = None  # the zone's offset at the start, when its day is known
    venue: str | None = None
    modality: str | None = None
    link: str | None = None
    programme: tuple[ProgrammeItem, ...] = ()

    @property
    def open_items(self) -> list[Item]:
        return [item for item in self.items if not item.done]

    @property
    def responsible_keys(self) -> set[str]:
        return {key for item in self.open_items for key in item.responsible_keys}


# The roles that convene a session: they are asked for every open item, not only theirs.
OFFICERS = ("chair", "vice_chair", "secretariat")


@dataclass(frozen=True)
class Reader:
    """Who a digest is written for: `role` is theirs in the plan's body, `title` how letters
    address them ("Ambassador"; None: by name alone)."""

    key: str
    name: str
    role: str
    title: str | None = None

    @property
    def is_officer(self) -> bool:
        return self.role in OFFICERS


def salutation(reader: Reader | None, lang: str) -> str:
    """How the letter opens: the person's title and name where a title is recorded, else
    their name; formal and gender-neutral in every language (no gender is recorded)."""
    gettext = i18n.translations(lang, DOMAIN).gettext
    if reader is None:
        return gettext("Dear colleague,")
    name = one_line(reader.name)
    if reader.title:
        return gettext("Dear %(title)s %(name)s,") % {"title": one_line(reader.title), "name": name}
    return gettext("Dear %(name)s,") % {"name": name}


def _labels(flow_labels: dict[str, str] | None, fallback: str) -> Labels:
    return dict(flow_labels) if flow_labels else untranslated(fallback)


def digest(snap: Snapshot, meeting: models.Meeting) -> Digest:
    """The digest of one session as the snapshot sees it."""
    views = {view.activity.id: view for view in snap.activities}
    items = []
    for milestone in snap.agenda(meeting):
        view = views[milestone.activity.id]
        flow = view.flow
        state = flow.states.get(view.state)
        event = milestone.milestone.event
        step = flow.event_labels(event) if event else None  # a former name reads as today's
        items.append(
            Item(
                number=view.activity.number,
                activity=view.activity.key,
                title=view.activity.title,
                text=milestone.milestone.text,
                state=view.state,
                state_label=_labels(state.labels if state else None, view.state),
                expected=_labels(step, event or "") if step else None,
                done=milestone.is_done,
                responsible=tuple(p.name for p in view.responsible),
                responsible_keys=frozenset(p.key for p in view.responsible),
            )
        )
    late = []
    for view in snap.activities:
        for milestone in view.late_milestones(snap.today):
            event = milestone.milestone.event
            step = view.flow.event_labels(event or "")
            late.append(
                Late(
                    number=view.activity.number,
                    title=view.activity.title,
                    expected=_labels(step, event or "") if step else None,
                    month=milestone.milestone.planned_month,
                    due=milestone.due,
                    session=milestone.session.key,
                    responsible_keys=frozenset(p.key for p in view.responsible),
                    session_title=dict(milestone.session.title) or None,
                )
            )
    late.sort(key=lambda entry: (entry.due, entry.number))
    on_agenda = {item.activity for item in items}
    documents = []
    for view in snap.activities:
        if view.activity.key not in on_agenda:
            continue
        for row in view.history:
            if row.document:
                step = view.flow.event_labels(row.event)
                entry = snap.documents.get(identity(row.document))
                documents.append(
                    Document(
                        symbol=entry.symbol if entry is not None else row.document,
                        number=view.activity.number,
                        title=view.activity.title,
                        step=_labels(step, row.event),
                        on=snap.day_of(row.at),
                        document_title=(dict(entry.title) or None) if entry is not None else None,
                        languages=tuple(entry.languages) if entry is not None else (),
                        url=entry.url if entry is not None else None,
                    )
                )
    body = snap.plan.body
    starts, _ends = session_times(
        meeting.date, meeting.start_time, meeting.end_time, snap.plan.timezone
    )
    return Digest(
        plan_title=snap.plan.title,
        body_name=body.get("name") or untranslated(str(body.get("short", ""))),
        body_short=str(body.get("short", "")),
        session=meeting.key,
        title=meeting.title,
        kind=meeting.kind,
        date=meeting.date,
        month=meeting.month,
        today=snap.today,
        items=tuple(items),
        late=tuple(late),
        documents=tuple(documents),
        start=meeting.start_time,
        end=meeting.end_time,
        timezone=snap.plan.timezone,
        utc_offset=utc_offset(starts) if starts is not None else None,
        venue=venue_text(meeting),
        modality=meeting.modality,
        link=meeting.link,
        programme=tuple(
            ProgrammeItem(
                time=str(item["time"]),
                end=item.get("end"),
                title=dict(item.get("title") or {}),
                speaker=item.get("speaker"),
            )
            for item in meeting.programme or []
        ),
    )


@lru_cache(maxsize=16)
def _environment(lang: str, html: bool) -> "Environment":
    return i18n.environment(lang, DOMAIN, [data_dir("templates")], html=html)


def render(digest: Digest, reader: Reader | None, lang: str, *, html: bool) -> str:
    """The body of the reminder, plain text or HTML, in `lang`."""
    env = _environment(lang, html)
    template = env.get_template("reminder.html.j2" if html else "reminder.txt.j2")
    keys = {reader.key} if reader else set()
    officer = reader is not None and reader.is_officer
    context: dict[str, Any] = {
        "d": digest,
        "reader": reader,
        "salutation": salutation(reader, lang),
        "officer": officer,
        "subject": subject(digest, lang),
        "mine": [item for item in digest.open_items if officer or item.responsible_keys & keys],
        "late_mine": [entry for entry in digest.late if entry.responsible_keys & keys],
        "days": (digest.date - digest.today).days if digest.date else None,
    }
    return template.render(context)


def reader_of(db: Session, person: models.Person, plan: models.Plan) -> Reader:
    """A person as a reminder of the plan addresses them: their role in its body."""
    from cam_tracker.app.bodies import role_in

    role = role_in(db, person, plan) or person.role
    return Reader(person.key, person.name, role, person.title)


def secretariat_address(
    leaders: list[models.Person], roles: "Roles", plan: models.Plan
) -> str | None:
    """Where replies to the plan's reminders go: the first of its body's secretariat with an
    email (None: nobody of the secretariat can be written to)."""
    for person in leaders:
        if person.email and roles.role_in(person, plan) == "secretariat":
            return person.email
    return None


def subject(digest: Digest, lang: str) -> str:
    """The subject line: body, session title and when; always one line."""
    gettext = i18n.translations(lang, DOMAIN).gettext
    when = i18n.day(digest.date, lang) if digest.date else i18n.month(digest.month, lang)
    if digest.date and digest.start:
        when = f"{when}, {digest.start}"
    text = gettext("[%(body)s] Reminder: %(title)s, %(when)s") % {
        "body": digest.body_short,
        "title": local(digest.title, lang),
        "when": when,
    }
    return one_line(text)


def message_to(
    reader: Reader,
    address: str,
    *,
    subject: str,
    committee: str,
    sender: str,
    message_id: str,
    date: dt.datetime,
    reply_to: str | None,
    text: str,
    html: str,
) -> EmailMessage:
    """An email the committee sends one reader: text and HTML alternatives, marked as sent
    by a program (so no auto-reply answers it), replies going to `reply_to` (the plan's
    secretariat), never to the sending address."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=one_line(committee), addr_spec=sender)
    message["To"] = Address(display_name=one_line(reader.name), addr_spec=address)
    message["Date"] = format_datetime(utc(date))
    message["Message-ID"] = message_id
    if reply_to:
        message["Reply-To"] = Address(
            display_name=one_line(committee), addr_spec=one_line(reply_to)
        )
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


def compose(
    digest: Digest,
    reader: Reader,
    address: str,
    lang: str,
    *,
    sender: str,
    message_id: str,
    date: dt.datetime,
    calendar: bytes,
    reply_to: str | None = None,
) -> EmailMessage:
    """The email: multipart/mixed of (text + HTML alternatives) and the session's .ics.

    Replies go to the plan's secretariat (`reply_to`), never to the sending robot. The
    attachment's MIME type names the iCalendar METHOD the file holds (`ics.METHOD`) and its
    charset, so clients offer it as an event and keep its accents."""
    message = message_to(
        reader,
        address,
        subject=subject(digest, lang),
        committee=digest.body_short,
        sender=sender,
        message_id=message_id,
        date=date,
        reply_to=reply_to,
        text=render(digest, reader, lang, html=False),
        html=render(digest, reader, lang, html=True),
    )
    message.add_attachment(
        calendar,
        maintype="text",
        subtype="calendar",
        filename=f"{digest.session}.ics",
        params={"method": METHOD, "charset": "utf-8"},
    )
    message["Content-Language"] = lang
    return message


def next_session(snap: Snapshot, now: dt.datetime) -> models.Meeting:
    """The first session still ahead at `now` that has not been held."""
    zone = snap.plan.timezone
    ahead = [
        m for m in snap.sessions if snap.session_held(m) is None and now < upcoming_until(m, zone)
    ]
    if not ahead:
        raise NotFound(f"no session of {snap.plan.name} is ahead of {snap.today}")
    return min(ahead, key=lambda m: (upcoming_until(m, zone), m.position))


@dataclass
class Preview:
    """A reminder as it would go out to one reader."""

    session: str
    to: str
    subject: str
    body: str


def preview(
    db: Session,
    plan: models.Plan,
    session_key: str | None,
    *,
    now: dt.datetime,
    person_key: str | None = None,
    lang: str | None = None,
    html: bool = False,
) -> Preview:
    """Render a session's reminder for one of its recipients (or for `person_key`)."""
    from cam_tracker.app.lookup import find_session
    from cam_tracker.app.people import find_person

    snap = snapshot(db, plan, now)
    meeting = find_session(db, plan, session_key) if session_key else next_session(snap, now)
    if meeting.removed:
        raise TransitionRefused(f"session {meeting.key} is no longer in the plan file")
    person = find_person(db, person_key, plan) if person_key else None
    if person is None:
        everyone = recipients(db, snap, meeting)
        person = next((p for p in everyone if p.email), everyone[0] if everyone else None)
    language = reader_language(lang or (person.language if person else None))
    reader = reader_of(db, person, plan) if person else None
    content = digest(snap, meeting)
    if person is None:
        to = "(nobody: no chair, vice chair, secretariat or responsible person)"
    else:
        to = f"{person.name} <{person.email}>" if person.email else f"{person.name} (no email)"
    return Preview(
        session=meeting.key,
        to=to,
        subject=subject(content, language),
        body=render(content, reader, language, html=html),
    )


def preview_for(
    ws: "Workspace",
    session_key: str | None,
    *,
    now: str | None,
    person_key: str | None = None,
    lang: str | None = None,
    html: bool = False,
) -> Preview:
    """A session's reminder (None: the next session after `now`) as it would go out."""
    with ws.session() as db:
        return preview(
            db,
            ws.plan(db),
            session_key,
            now=ws.moment(db, now),
            person_key=person_key,
            lang=lang,
            html=html,
        )
