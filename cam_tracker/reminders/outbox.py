"""Reminders before sessions: what is due, the outbox, and sending each row exactly once.

Due-ness comes from the clock and the outbox, never from whatever calls
`run`: a session's reminder is due once its time has passed and the session
is still ahead (`timing.due_slot`); reminders of the same session whose
time passed unsent collapse into the latest one. A due reminder is one outbox
row per recipient, unique on (session, slot, person): queueing twice queues
once, and a row sent is never queued again. The digests of what changed
(`reminders.changes`) are rows of the same outbox, of a plan rather than a
session, planned by the same runs and claimed, retried and sent the same way.

Sending claims one row at a time with a conditional UPDATE (still pending,
unclaimed or its lease expired), so two senders never hold the same row; the
row's Message-ID is fixed by that same UPDATE at its first claim, and every
later attempt sends the same message id. The crash window: a sender that
dies after the server accepted a message and before the row is marked sent
leaves the row claimed; once its lease expires another sender sends it again,
with the same Message-ID (as when the connection drops before the server's
reply). That is at-least-once in that window (milliseconds wide): a lost
reminder is worse than a duplicate that mail systems can recognise by its
Message-ID.

One clock: a run happens at one moment, `now` (the wall clock, or `--now`).
What falls due, when a row was queued, its lease, its next attempt, when it
was sent and the email's Date all read that moment, so a run at another
moment sees its own retries come due. (Leases protect runs that share a
clock; a run at another moment beside a live scheduler is a test, not a
deployment.)

One reminder that cannot be planned, composed or handed over never holds up
the others: it waits for a retry (or is reported, when it cannot even be
planned), with its reason in one line, and the run goes on. Only a failing
store stops a run.

Delivery goes through a `transport.Transport` (SMTP unless another is given);
this module knows only its three failures: refused for good, unreachable for
now, or not this time.
"""

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, or_, select

from cam_tracker import store
from cam_tracker.app.bodies import Roles
from cam_tracker.app.snapshot import Snapshot, snapshot
from cam_tracker.core.errors import (
    DeliveryError,
    InvalidInput,
    NotFound,
    TransitionRefused,
)
from cam_tracker.core.settings import ReminderSettings, SmtpSettings
from cam_tracker.reminders.due import Audience, Due, Problem, due, failure_text
from cam_tracker.reminders.timing import reminder_slots, upcoming_until
from cam_tracker.store import models
from cam_tracker.store.models import CHANGES, FAILED, PENDING, SENT, SKIPPED

if TYPE_CHECKING:
    from cam_tracker.app.sessions import SessionMoved
    from cam_tracker.app.workspace import Workspace
    from cam_tracker.reminders.changes import DueChanges
    from cam_tracker.reminders.transport import Transport

log = logging.getLogger(__name__)


log.addHandler(logging.NullHandler())  # shown only where logging is configured


LEASE = dt.timedelta(minutes=10)


MAX_BACKOFF = dt.timedelta(hours=6)


def insert_once(db: Session, row: models.Outbox) -> bool:
    """Queue `row`, unless another run queued the same one first: the table's unique key
    decides (in a savepoint, so the caller's transaction goes on), so two runs that race
    each send it once."""
    savepoint = db.begin_nested()
    db.add(row)
    try:
        db.flush()
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def queue(db: Session, dues: list[Due], now: dt.datetime) -> list[models.Outbox]:
    """Insert an outbox row for each new digest with an address; older pending ones collapse."""
    rows = []
    for item in dues:
        if item.queued or not item.person.email:
            continue
        assert item.meeting.id is not None and item.person.id is not None
        row = models.Outbox(
            session_id=item.meeting.id,
            slot=item.slot.name,
            person_id=item.person.id,
            address=item.person.email,
            due_at=item.slot.at,
            queued_at=now,
            next_attempt_at=now,
        )
        if insert_once(db, row):
            rows.append(row)
        db.exec(
            _claimable(update(models.Outbox), now)
            .where(models.Outbox.session_id == row.session_id)
            .where(models.Outbox.person_id == row.person_id)
            .where(models.Outbox.slot != row.slot)
            .where(col(models.Outbox.due_at) < row.due_at)
            .values(status=SKIPPED, error=f"superseded by the {row.slot} reminder")
        )
    return rows


def _claimable(statement: Any, now: dt.datetime) -> Any:
    """Rows still pending that no live sender holds at `now`."""
    return statement.where(models.Outbox.status == PENDING).where(
        or_(
            col(models.Outbox.claimed_by).is_(None),
            col(models.Outbox.lease_until) < now,
        )
    )


def follow(
    db: Session,
    meeting: models.Meeting,
    zone: str,
    settings: ReminderSettings,
    now: dt.datetime,
) -> tuple[int, int]:
    """After a session moved (at `now`): pending reminders take their new times, or lapse."""
    slots = {
        s.name: s.at
        for s in reminder_slots(meeting, zone, settings.offsets_days, settings.monthly_day)
    }
    moved = dropped = 0
    pending = db.exec(
        select(models.Outbox)
        .where(models.Outbox.session_id == meeting.id)
        .where(models.Outbox.status == PENDING)
    ).all()
    for row in pending:
        statement = _claimable(update(models.Outbox), now).where(models.Outbox.id == row.id)
        if row.slot in slots:
            moved += db.exec(statement.values(due_at=slots[row.slot])).rowcount
        else:
            dropped += db.exec(
                statement.values(
                    status=SKIPPED,
                    error=f"the session moved to {meeting.date}: the {row.slot} reminder lapsed",
                )
            ).rowcount
    db.flush()
    return moved, dropped


@dataclass
class SessionMove:
    """A session moved, and what became of its pending reminders."""

    moved: "SessionMoved"
    reminders_moved: int
    reminders_dropped: int


def move_session(
    ws: "Workspace",
    key: str,
    *,
    to: str,
    reason: str,
    actor: str,
    settings: ReminderSettings,
    on: str | None = None,
) -> SessionMove:
    """Set or move a session's date, decided `on` (default: now): its open items and its
    pending reminders follow, in one transaction."""
    from cam_tracker.app import sessions
    from cam_tracker.core.dates import parse_day, utcnow

    with ws.session() as db:
        plan = ws.plan(db)
        moved = sessions.reschedule(
            db,
            plan,
            key,
            to=parse_day(to, "to"),
            reason=reason,
            actor=actor,
            on=parse_day(on, "on") if on is not None else None,
        )
        count, dropped = follow(db, moved.meeting, plan.timezone, settings, utcnow())
        return SessionMove(moved, count, dropped)


@dataclass
class Outcome:
    """What one send attempt did with one outbox row."""

    row: int
    session: str | None  # None: a digest of changes, of a plan
    slot: str
    person: str
    address: str
    status: str  # sent | failed | waiting | skipped | later
    detail: str = ""


@dataclass
class _Claimed:
    row: models.Outbox
    person: models.Person
    meeting: models.Meeting | None  # None: a digest of changes (`reminders.changes`)
    message: EmailMessage | None = None


class _Run:
    """One pass of the sender: its claim token, its snapshots, its connection."""

    def __init__(
        self, url: str, now: dt.datetime, smtp: SmtpSettings, settings: ReminderSettings
    ) -> None:
        self.url = url
        self.now = now
        self.smtp = smtp
        self.settings = settings
        self.token = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:12]}"
        self.domain = smtp.sender.rpartition("@")[2]
        self.snapshots: dict[int, Snapshot] = {}
        # Read once per run: everyone's roles (what each reader is), and for each plan the
        # address its replies go to. Plain values only: they outlive the sessions.
        self.roles: Roles | None = None
        self.reply_to: dict[int, str | None] = {}

    def candidates(self) -> list[int]:
        with store.session(self.url, create=False) as db:
            return [
                row_id
                for row_id in db.exec(
                    _claimable(select(models.Outbox.id), self.now)
                    .where(models.Outbox.due_at <= self.now)
                    .where(models.Outbox.next_attempt_at <= self.now)
                    .order_by(col(models.Outbox.due_at), col(models.Outbox.id))
                )
                if row_id is not None
            ]

    def claim(self, row_id: int) -> _Claimed | Outcome | None:
        """Take the row (or settle it at once: skipped, failed, later); None if taken."""
        with store.session(self.url, create=False) as db:
            row = self._take(db, row_id, col(models.Outbox.due_at) <= self.now)
            if row is None:
                return None
            person = db.get(models.Person, row.person_id)
            meeting = db.get(models.Meeting, row.session_id) if row.session_id else None
            assert person is not None and (meeting is not None or row.kind == CHANGES)
            claimed = _Claimed(row, person, meeting)
            try:
                settled = (
                    self._prepare(db, claimed)
                    if meeting is not None
                    else self._prepare_changes(db, claimed)
                )
            except SQLAlchemyError:
                raise
            except Exception as exc:  # this reminder only: the others go on
                settled = self._retry(db, row, f"cannot compose the message: {failure_text(exc)}")
            return claimed if settled is None else settled

    def _outcome(self, claimed: _Claimed, status: str, detail: str = "") -> Outcome:
        return Outcome(
            claimed.row.id or 0,
            claimed.meeting.key if claimed.meeting is not None else None,
            claimed.row.slot,
            claimed.person.key,
            claimed.row.address,
            status,
            detail,
        )

    def _snapshot(self, db: Session, plan_id: int) -> Snapshot:
        if plan_id not in self.snapshots:
            plan = db.get(models.Plan, plan_id)
            assert plan is not None
            self.snapshots[plan_id] = snapshot(db, plan, self.now, with_revisions=True)
        return self.snapshots[plan_id]

    def _reply_to(self, db: Session, snap: Snapshot) -> str | None:
        """Where replies to the plan's messages go; reads everyone's roles once per run."""
        from cam_tracker.reminders import digest as mail

        plan_id = snap.plan.id or 0
        if self.roles is None or plan_id not in self.reply_to:
            audience = Audience.read(db)
            self.roles = audience.roles
            self.reply_to[plan_id] = mail.secretariat_address(
                audience.leaders(snap.plan), audience.roles, snap.plan
            )
        return self.reply_to[plan_id]

    def _address(self, db: Session, claimed: _Claimed) -> str | Outcome:
        """The recipient's address as checked now, or the row settled as failed."""
        from cam_tracker.app.people import check_email

        row, person = claimed.row, claimed.person
        try:
            address = check_email(person.email or "")
        except InvalidInput as exc:
            self._settle(db, row, status=FAILED, error=f"{person.key}: {exc}")
            return self._outcome(claimed, FAILED, str(exc))
        row.address = address
        db.add(row)
        return address

    def _prepare_changes(self, db: Session, claimed: _Claimed) -> Outcome | None:
        """Compose a digest of changes, or settle the row when it has nothing left to tell."""
        from cam_tracker.core.text import reader_language
        from cam_tracker.reminders import changes
        from cam_tracker.reminders import digest as mail

        row, person = claimed.row, claimed.person
        assert row.plan_id is not None
        snap = self._snapshot(db, row.plan_id)
        told = changes.content(db, snap, row)
        if person.removed or not told:
            reason = (
                "the person was removed"
                if person.removed
                else "nothing they follow changed in the period"
            )
            self._settle(db, row, status=SKIPPED, error=reason)
            return self._outcome(claimed, SKIPPED, reason)
        address = self._address(db, claimed)
        if isinstance(address, Outcome):
            return address
        reply_to = self._reply_to(db, snap)
        assert self.roles is not None and row.message_id is not None
        role = self.roles.role_in(person, snap.plan) or person.role
        claimed.message = changes.compose(
            told,
            mail.Reader(person.key, person.name, role, person.title),
            address,
            reader_language(person.language),
            sender=self.smtp.sender,
            message_id=row.message_id,
            date=self.now,
            reply_to=reply_to,
        )
        return None

    def _prepare(self, db: Session, claimed: _Claimed) -> Outcome | None:
        """Compose the message, or settle the row when there is nothing to send."""
        from cam_tracker.core.text import reader_language
        from cam_tracker.reminders import digest as mail
        from cam_tracker.reminders import ics

        row, meeting, person = claimed.row, claimed.meeting, claimed.person
        assert meeting is not None
        snap = self._snapshot(db, meeting.plan_id)
        zone = snap.plan.timezone
        slots = {
            s.name: s
            for s in reminder_slots(
                meeting, zone, self.settings.offsets_days, self.settings.monthly_day
            )
        }
        reason = None
        if meeting.removed:
            reason = "the session is no longer in the plan"
        elif snap.session_held(meeting) is not None:
            reason = f"the session was held on {meeting.held_on}"
        elif self.now >= upcoming_until(meeting, zone):
            reason = "the session has begun"
        elif row.slot not in slots:
            reason = f"the session's date changed: the {row.slot} reminder lapsed"
        if reason is None and slots[row.slot].at > self.now:
            self._settle(db, row, due_at=slots[row.slot].at, attempts=row.attempts - 1)
            return self._outcome(claimed, "later", f"due {slots[row.slot].at.isoformat()}")
        digest = mail.digest(snap, meeting) if reason is None else None
        if digest is not None and not digest.open_items:
            reason = "nothing is left open on the agenda"
        if reason is not None or digest is None:
            self._settle(db, row, status=SKIPPED, error=reason)
            return self._outcome(claimed, SKIPPED, reason or "")
        address = self._address(db, claimed)
        if isinstance(address, Outcome):
            return address
        lang = reader_language(person.language)
        assert row.message_id is not None
        reply_to = self._reply_to(db, snap)
        assert self.roles is not None
        role = self.roles.role_in(person, snap.plan) or person.role
        claimed.message = mail.compose(
            digest,
            mail.Reader(person.key, person.name, role, person.title),
            address,
            lang,
            sender=self.smtp.sender,
            message_id=row.message_id,
            date=self.now,
            calendar=ics.feed(snap, [meeting], self.settings, lang, self.now),
            reply_to=reply_to,
        )
        return None

    def _settle(self, db: Session, row: models.Outbox, **values: Any) -> int:
        """Release or close a row this run holds."""
        result = db.exec(
            update(models.Outbox)
            .where(col(models.Outbox.id) == row.id)
            .where(col(models.Outbox.claimed_by) == self.token)
            .values(claimed_by=None, lease_until=None, **values)
        )
        rowcount: int = result.rowcount
        return rowcount

    def _retry(self, db: Session, row: models.Outbox, error: str) -> Outcome:
        attempts = db.exec(select(models.Outbox.attempts).where(models.Outbox.id == row.id)).one()
        if attempts >= self.settings.max_attempts:
            detail = f"{error} (gave up after {attempts} attempts)"
            self._settle(db, row, status=FAILED, error=detail)
            status = FAILED
        else:
            delay = dt.timedelta(seconds=self.settings.retry_seconds * 2 ** (attempts - 1))
            retry_at = self.now + min(delay, MAX_BACKOFF)
            self._settle(db, row, next_attempt_at=retry_at, error=error)
            detail = f"{error}; next attempt {retry_at.isoformat(timespec='seconds')}"
            status = "waiting"
        meeting = db.get(models.Meeting, row.session_id) if row.session_id else None
        person = db.get(models.Person, row.person_id)
        return Outcome(
            row.id or 0,
            meeting.key if meeting else None,
            row.slot,
            person.key if person else "?",
            row.address,
            status,
            detail,
        )

    def finish(self, claimed: _Claimed, failure: DeliveryError | None) -> Outcome:
        """Record what the server said."""
        from cam_tracker.reminders.transport import Refused

        with store.session(self.url, create=False) as db:
            if failure is None:
                done = self._settle(db, claimed.row, status=SENT, sent_at=self.now, error=None)
                if done != 1:
                    log.warning(
                        "outbox row %s was sent but its lease had expired: it may go twice",
                        claimed.row.id,
                    )
                return self._outcome(claimed, SENT, claimed.row.message_id or "")
            if isinstance(failure, Refused):
                self._settle(db, claimed.row, status=FAILED, error=str(failure))
                return self._outcome(claimed, FAILED, str(failure))
            return self._retry(db, claimed.row, str(failure))

    def postpone(self, row_id: int, error: str) -> Outcome | None:
        """Claim a row only to record why it waits (the server is unreachable)."""
        with store.session(self.url, create=False) as db:
            row = self._take(db, row_id)
            return None if row is None else self._retry(db, row, error)

    def _take(self, db: Session, row_id: int, *conditions: Any) -> models.Outbox | None:
        """Claim one row for this run, under a lease; None if another sender holds it.

        The first claim gives the row its Message-ID, in the same UPDATE: every
        later attempt (a retry, a resend after a lost reply) carries the same.
        """
        taken = db.exec(
            _claimable(update(models.Outbox), self.now)
            .where(models.Outbox.id == row_id)
            .where(models.Outbox.next_attempt_at <= self.now)
            .where(*conditions)
            .values(
                claimed_by=self.token,
                lease_until=self.now + LEASE,
                attempts=models.Outbox.attempts + 1,
                message_id=func.coalesce(models.Outbox.message_id, make_msgid(domain=self.domain)),
            )
        )
        if taken.rowcount != 1:
            return None
        return db.exec(select(models.Outbox).where(models.Outbox.id == row_id)).one()


def send_due(
    url: str,
    now: dt.datetime,
    smtp: SmtpSettings,
    settings: ReminderSettings,
    *,
    stop: threading.Event | None = None,
    transport: "Transport | None" = None,
) -> list[Outcome]:
    """Send every queued reminder due at `now`, each at most once per claim.

    The messages go through `transport` (default: the one `smtp` describes),
    closed when the run ends; `smtp.sender` is the messages' sender either way.
    """
    from cam_tracker.reminders.transport import Unreachable, transport_for

    run = _Run(url, now, smtp, settings)
    outcomes: list[Outcome] = []
    unreachable: str | None = None
    with contextlib.closing(transport or transport_for(smtp)) as channel:
        for row_id in run.candidates():
            if stop is not None and stop.is_set():
                break
            outcome: Outcome | None
            if unreachable is not None:
                outcome = run.postpone(row_id, unreachable)
            else:
                claimed = run.claim(row_id)
                if claimed is None or isinstance(claimed, Outcome):
                    outcome = claimed
                else:
                    assert claimed.message is not None
                    failure: DeliveryError | None = None
                    try:
                        channel.send(claimed.message, claimed.row.address)
                    except DeliveryError as exc:
                        failure = exc
                        if isinstance(exc, Unreachable):
                            unreachable = str(exc)
                    except Exception as exc:  # this message only: the others go on
                        failure = DeliveryError(f"cannot send the message: {failure_text(exc)}")
                        # Cut the connection off mid-message (no QUIT inside it), where the
                        # transport can; else close it: the next message opens it again.
                        getattr(channel, "drop", channel.close)()
                    outcome = run.finish(claimed, failure)
            if outcome is not None:
                _log(outcome)
                outcomes.append(outcome)
    return outcomes


def _log(outcome: Outcome) -> None:
    if outcome.session is None:
        what = f"{outcome.slot} digest of changes to {outcome.person}"
    else:
        what = f"{outcome.slot} reminder of session {outcome.session} to {outcome.person}"
    if outcome.status == SENT:
        log.info("sent %s <%s> (%s)", what, outcome.address, outcome.detail)
    elif outcome.status in (FAILED, "waiting"):
        log.warning("%s %s: %s", outcome.status, what, outcome.detail)
    else:
        log.info("%s %s: %s", outcome.status, what, outcome.detail)


@dataclass
class RunReport:
    """What one `run` found due, queued and sent, and what could not be planned."""

    due: list[Due]
    queued: list[models.Outbox]
    outcomes: list[Outcome]
    problems: list[Problem] = field(default_factory=list)
    changes: "list[DueChanges]" = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the run wrote anything to the outbox."""
        return bool(self.queued or self.outcomes)


def run(
    url: str,
    now: dt.datetime,
    *,
    smtp: SmtpSettings,
    settings: ReminderSettings,
    plan_name: str | None = None,
    stop: threading.Event | None = None,
    transport: "Transport | None" = None,
) -> RunReport:
    """Queue what is due at `now`, then send every queued row that is due (`send_due`)."""
    from cam_tracker.reminders import changes

    problems: list[Problem] = []
    with store.session(url, create=False) as db:
        found = due(db, now, settings, plan_name, problems)
        queued = queue(db, found, now)
    with store.session(url, create=False) as db:
        told = changes.due_changes(db, now, plan_name, problems)
        digests = changes.queue(db, told, now)
    if queued:
        log.info("queued %d reminder(s)", len(queued))
    if digests:
        log.info("queued %d digest(s) of changes", len(digests))
    return RunReport(
        found,
        queued + digests,
        send_due(url, now, smtp, settings, stop=stop, transport=transport),
        problems,
        told,
    )


def rows(db: Session, *, failed_only: bool = False) -> list[dict[str, Any]]:
    """The outbox: every reminder queued, its state, and why when it failed."""
    from cam_tracker.core.dates import iso

    query = (
        select(models.Outbox, models.Meeting, models.Plan, models.Person)
        .outerjoin(models.Meeting, col(models.Meeting.id) == col(models.Outbox.session_id))
        .join(
            models.Plan,
            col(models.Plan.id)
            == func.coalesce(col(models.Outbox.plan_id), col(models.Meeting.plan_id)),
        )
        .join(models.Person, col(models.Person.id) == col(models.Outbox.person_id))
        .order_by(col(models.Outbox.id))
    )
    if failed_only:
        query = query.where(models.Outbox.status == FAILED)
    return [
        {
            "id": row.id,
            "plan": plan.name,
            "kind": row.kind,
            "session": meeting.key if meeting is not None else None,
            "reminder": row.slot,
            "person": person.key,
            "address": row.address,
            "status": row.status,
            "due_at": iso(row.due_at),
            "queued_at": iso(row.queued_at),
            "attempts": row.attempts,
            "next_attempt_at": iso(row.next_attempt_at) if row.status == PENDING else None,
            "sent_at": iso(row.sent_at),
            "message_id": row.message_id,
            "error": row.error,
        }
        for row, meeting, plan, person in db.exec(query)
    ]


def retry(db: Session, row_id: int, now: dt.datetime) -> models.Outbox:
    """Put a failed (or waiting) row back in line, to be sent at the next run.

    Its next attempt is its due time: whatever moment the next run acts at, if
    the reminder is due then, it may be tried then.
    """
    row = db.get(models.Outbox, row_id)
    if row is None:
        raise NotFound(f"no outbox row {row_id}")
    if row.status == SENT:
        raise TransitionRefused(f"outbox row {row_id} was sent at {row.sent_at}: never twice")
    if row.status == SKIPPED:
        raise TransitionRefused(f"outbox row {row_id} was skipped ({row.error}): nothing to retry")
    result = db.exec(
        update(models.Outbox)
        .where(col(models.Outbox.id) == row_id)
        .where(col(models.Outbox.status).in_((PENDING, FAILED)))
        .where(
            or_(
                col(models.Outbox.claimed_by).is_(None),
                col(models.Outbox.lease_until) < now,
            )
        )
        .values(status=PENDING, attempts=0, next_attempt_at=models.Outbox.due_at, claimed_by=None)
    )
    if result.rowcount != 1:
        raise TransitionRefused(f"outbox row {row_id} is being sent right now")
    db.refresh(row)
    return row


# --- what the front ends call --------------------------------------------------------


def due_now(
    ws: "Workspace",
    now: str | None,
    settings: ReminderSettings,
    problems: list[Problem] | None = None,
) -> list[Due]:
    """The digests due at `now` (typed by the user; default: now), queued or not; sends nothing.

    What cannot be planned is added to `problems`.
    """
    with ws.session() as db:
        return due(db, ws.moment(db, now), settings, ws.plan_name, problems)


def all_due_now(
    ws: "Workspace",
    now: str | None,
    settings: ReminderSettings,
    problems: list[Problem] | None = None,
) -> "tuple[list[Due], list[DueChanges]]":
    """The reminders (`due_now`) and the digests of changes due at `now`, not yet queued,
    read in one transaction; sends nothing."""
    from cam_tracker.reminders import changes

    with ws.session() as db:
        moment = ws.moment(db, now)
        return (
            due(db, moment, settings, ws.plan_name, problems),
            changes.due_changes(db, moment, ws.plan_name, problems),
        )


def remind(
    ws: "Workspace", now: str | None, *, smtp: SmtpSettings, settings: ReminderSettings
) -> RunReport:
    """Queue what is due at `now` (typed by the user; default: now) and send the queue."""
    with ws.session() as db:
        moment = ws.moment(db, now)
    return run(ws.database_url, moment, smtp=smtp, settings=settings, plan_name=ws.plan_name)


def listing(ws: "Workspace", *, failed_only: bool = False) -> list[dict[str, Any]]:
    """The outbox, row by row."""
    with ws.session() as db:
        return rows(db, failed_only=failed_only)


def retry_row(ws: "Workspace", row_id: int) -> None:
    """Put one row back in line."""
    from cam_tracker.core.dates import utcnow

    with ws.session() as db:
        retry(db, row_id, utcnow())
