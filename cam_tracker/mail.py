"""Reminder emails: the digest of a session, rendered (Jinja2, per language), sent over SMTP.

The templates are data (`notifications/reminder.txt.j2` and `.html.j2`); their
strings are translated by the `reminders` catalog of each language. Headers
never carry a line break from the data (each value is flattened to one line
first, and `EmailMessage` refuses the rest); the HTML part is autoescaped.
"""

import contextlib
import datetime as dt
import smtplib
import ssl
import unicodedata
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment

from cam_tracker import i18n, models
from cam_tracker.config import SmtpSettings
from cam_tracker.errors import DeliveryError
from cam_tracker.resources import data_dir
from cam_tracker.schedule import Snapshot

DOMAIN = "reminders"
Labels = dict[str, str]
MAX_SUBJECT = 200


class Refused(DeliveryError):
    """The server refused this message for good (a 5xx reply): retrying will not help."""


class Unreachable(DeliveryError):
    """The server cannot be used now (down, TLS, login, sender refused): try again later."""


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


@dataclass(frozen=True)
class Document:
    """A document symbol recorded in the history of an activity on the agenda."""

    symbol: str
    number: str
    title: Labels
    step: Labels
    on: dt.date


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

    @property
    def open_items(self) -> list[Item]:
        return [item for item in self.items if not item.done]

    @property
    def responsible_keys(self) -> set[str]:
        return {key for item in self.open_items for key in item.responsible_keys}


@dataclass(frozen=True)
class Reader:
    """Who a digest is written for."""

    key: str
    name: str
    role: str


def _labels(flow_labels: dict[str, str] | None, fallback: str) -> Labels:
    return dict(flow_labels) if flow_labels else {"en": fallback}


def digest(snap: Snapshot, meeting: models.Meeting) -> Digest:
    """The digest of one session as the snapshot sees it."""
    views = {view.activity.id: view for view in snap.activities}
    items = []
    for milestone in snap.agenda(meeting):
        view = views[milestone.activity.id]
        flow = view.flow
        state = flow.states.get(view.state)
        event = milestone.milestone.event
        step = next((s for s in flow.steps if s.event == event), None) if event else None
        items.append(
            Item(
                number=view.activity.number,
                activity=view.activity.key,
                title=view.activity.title,
                text=milestone.milestone.text,
                state=view.state,
                state_label=_labels(state.labels if state else None, view.state),
                expected=_labels(step.labels, event or "") if step else None,
                done=milestone.is_done,
                responsible=tuple(p.name for p in view.responsible),
                responsible_keys=frozenset(p.key for p in view.responsible),
            )
        )
    late = []
    for view in snap.activities:
        for milestone in view.late_milestones(snap.today):
            event = milestone.milestone.event
            step = next((s for s in view.flow.steps if s.event == event), None)
            late.append(
                Late(
                    number=view.activity.number,
                    title=view.activity.title,
                    expected=_labels(step.labels, event or "") if step else None,
                    month=milestone.milestone.planned_month,
                    due=milestone.due,
                    session=milestone.session.key,
                    responsible_keys=frozenset(p.key for p in view.responsible),
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
                step = next((s for s in view.flow.steps if s.event == row.event), None)
                documents.append(
                    Document(
                        symbol=row.document,
                        number=view.activity.number,
                        title=view.activity.title,
                        step=_labels(step.labels if step else None, row.event),
                        on=row.at.astimezone(snap.zone).date(),
                    )
                )
    body = snap.plan.body
    return Digest(
        plan_title=snap.plan.title,
        body_name=body.get("name") or {"en": str(body.get("short", ""))},
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
    )


def one_line(value: str, limit: int = MAX_SUBJECT) -> str:
    """Text fit for a header: every control character or line break becomes a space."""
    flat = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in value
    )
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def local(labels: Labels, lang: str) -> str:
    return labels.get(lang) or labels.get("en") or ""


@lru_cache(maxsize=16)
def _environment(lang: str, html: bool) -> Environment:
    return i18n.environment(lang, DOMAIN, [data_dir("notifications")], html=html)


def render(digest: Digest, reader: Reader | None, lang: str, *, html: bool) -> str:
    """The body of the reminder, plain text or HTML, in `lang`."""
    env = _environment(lang, html)
    template = env.get_template("reminder.html.j2" if html else "reminder.txt.j2")
    keys = {reader.key} if reader else set()
    context: dict[str, Any] = {
        "d": digest,
        "reader": reader,
        "subject": subject(digest, lang),
        "mine": [item for item in digest.open_items if item.responsible_keys & keys],
        "late_mine": [entry for entry in digest.late if entry.responsible_keys & keys],
        "days": (digest.date - digest.today).days if digest.date else None,
    }
    return template.render(context)


def subject(digest: Digest, lang: str) -> str:
    """The subject line: body, session title and when; always one line."""
    gettext = i18n.translations(lang, DOMAIN).gettext
    when = i18n.day(digest.date, lang) if digest.date else i18n.month(digest.month, lang)
    text = gettext("[%(body)s] Reminder: %(title)s, %(when)s") % {
        "body": digest.body_short,
        "title": local(digest.title, lang),
        "when": when,
    }
    return one_line(text)


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
) -> EmailMessage:
    """The email: multipart/mixed of (text + HTML alternatives) and the session's .ics."""
    message = EmailMessage()
    message["Subject"] = subject(digest, lang)
    message["From"] = Address(display_name=one_line(digest.body_short), addr_spec=sender)
    message["To"] = Address(display_name=one_line(reader.name), addr_spec=address)
    message["Date"] = format_datetime(date.astimezone(dt.UTC))
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render(digest, reader, lang, html=False), cte="quoted-printable")
    message.add_alternative(
        render(digest, reader, lang, html=True), subtype="html", cte="quoted-printable"
    )
    message.add_attachment(
        calendar,
        maintype="text",
        subtype="calendar",
        filename=f"{digest.session}.ics",
        params={"method": "PUBLISH"},
    )
    message["Content-Language"] = lang
    return message


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
    return one_line(f"{exc.smtp_code} {text}".strip(), 300)


class Mailer:
    """One SMTP connection for a batch, opened on first use, closed at the end."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        where = f"{s.host}:{s.port}"
        smtp: smtplib.SMTP | None = None
        try:
            context = ssl.create_default_context(cafile=s.ca_file)
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=context)
            if s.user and s.password:
                smtp.login(s.user, s.password)
        except smtplib.SMTPResponseException as exc:
            _discard(smtp)
            raise Unreachable(f"SMTP server {where}: {_reply(exc)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            _discard(smtp)
            reason = one_line(str(exc), 300) or type(exc).__name__
            raise Unreachable(f"SMTP server {where}: {reason}") from None
        return smtp

    def send(self, message: EmailMessage, address: str) -> None:
        """Hand one message for one recipient to the server, or raise a DeliveryError."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message, from_addr=self.settings.sender, to_addrs=[address])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = exc.recipients.get(address, (0, b""))
            text = one_line(f"{code} {reply.decode('utf-8', 'replace')}", 300)
            failure = Refused if code >= 500 else DeliveryError
            raise failure(f"refused {address}: {text}") from None
        except smtplib.SMTPSenderRefused as exc:
            raise Unreachable(f"sender refused: {_reply(exc)}") from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise Refused(f"message refused: {_reply(exc)}") from None
            raise DeliveryError(f"message deferred: {_reply(exc)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            _discard(self._smtp)
            self._smtp = None
            raise Unreachable(f"SMTP connection lost: {one_line(str(exc), 300)}") from None


def _discard(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()
