"""Reminders before sessions, delivered to a real SMTP server exactly once."""

import datetime as dt
import mailbox
import subprocess
import sys
import threading
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest
from conftest import CHAIR, LEADERS, SECRETARIAT, VICE, Cam, Received, SmtpServer

from cam_tracker import store
from cam_tracker.core.settings import SmtpSettings, reminder_settings, smtp_settings
from cam_tracker.reminders import due as due_module
from cam_tracker.reminders import outbox as reminders
from cam_tracker.reminders.transport import Refused


def addresses(server: SmtpServer, session: str | None = None) -> list[str]:
    return sorted(
        address
        for r in server.messages()
        if session is None or session_of(r) == session
        for address in r.recipients
    )


def session_of(received: Received) -> str:
    """The session a reminder is about: its calendar attachment is named after it."""
    names = [p.get_filename() for p in received.message.walk() if p.get_filename()]
    assert len(names) == 1 and names[0].endswith(".ics")
    return str(names[0]).removesuffix(".ics")


def subject_of(received: Received) -> str:
    return " ".join(str(received.message["Subject"]).split())


def move(cam: Cam, session: str, day: str) -> str:
    result = cam(
        "session",
        "reschedule",
        session,
        "--to",
        day,
        "--reason",
        "date agreed",
        "--as",
        "secretariat",
    )
    return result.output


def test_dry_run_on_november_3_shows_the_november_digests(staffed: Cam) -> None:
    output = staffed("remind", "--dry-run", "--now", "2015-11-03").output
    assert "2015-11  Regular session" in output
    assert "monthly reminder, due 2015-10-20 09:00 EDT" in output
    for address in LEADERS:
        assert "would send  " in output and f"<{address}>" in output
    for other in ("2015-10a", "2015-10b", "2015-12a", "2015-12b", "2016-01"):
        assert other not in output
    assert "3 digests due for 1 session\n" in output
    assert staffed.json("outbox") == []


def test_november_digests_arrive_once(staffed: Cam, smtp_server: SmtpServer) -> None:
    staffed("remind", "--now", "2015-11-03")
    assert addresses(smtp_server) == LEADERS
    for received in smtp_server.messages():
        assert received.tls and received.user == smtp_server.USER
        assert received.sender == smtp_server.SENDER
        message = received.message
        assert message["Date"] and message["Message-ID"]
        assert [p.get_content_type() for p in message.walk()] == [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "text/calendar",
        ]
    chair = smtp_server.messages(CHAIR)[0]
    assert subject_of(chair) == "[CAM] Reminder: Regular session, November 2015"
    assert chair.message["To"].addresses[0].display_name == "Chair of the CAM"
    text = chair.part("text/plain")
    assert "Dear Chair of the CAM," in text
    assert "When: November 2015 (the date is to be set)" in text
    assert "Presentation of the main results of the 2015 SICREMI report." in text
    assert "Current state: Proposed" in text
    assert "Expected at this session: Present the proposal" in text
    assert "Expected at this session: Report progress" in text
    assert "Behind plan on November 3, 2015" in text
    assert "Install the working group (planned for October 2015 (Regular session)) — yours" in text
    # No key of the record reaches the reader: the session is told by its title and date.
    assert "2015-11" not in text and "2015-10a" not in text
    # An officer is asked for the whole agenda, each item with who answers for it.
    asked = text.split("What the session is asked to do")[1].split("Behind plan")[0]
    assert "2.a Half-day forum" in asked
    assert "Present to the committee (Technical Secretariat of the CAM (SEDI))" in asked
    assert "Asked of the responsible: Present the proposal (Chair of the CAM)" in asked
    html = chair.part("text/html")
    assert "<li" in html and "Report progress" in html
    vice = smtp_server.messages(VICE)[0]
    assert subject_of(vice) == "[CAM] Recordatorio: Sesión ordinaria, noviembre de 2015"
    assert vice.message["Content-Language"] == "es"
    text_es = vice.part("text/plain")
    assert "Orden del día" in text_es and "Estado actual: Propuesta" in text_es
    assert "Previsto en esta sesión: Presentar la propuesta" in text_es
    assert 'lang="es"' in vice.part("text/html")

    for moment in ("2015-11-03", "2015-11-03T23:00", "2015-11-19"):
        staffed("remind", "--now", moment)
    assert len(smtp_server.messages()) == 3
    rows = staffed.json("outbox")
    assert [(r["session"], r["reminder"], r["status"]) for r in rows] == [
        ("2015-11", "monthly", "sent")
    ] * 3
    sent_ids = {r.message["Message-ID"] for r in smtp_server.messages()}
    assert {r["message_id"] for r in rows} == sent_ids and len(sent_ids) == 3


def test_dated_session_gets_its_14_and_3_day_reminders_once(
    staffed: Cam, smtp_server: SmtpServer
) -> None:
    move(staffed, "2015-11", "2015-11-18")
    staffed("remind", "--now", "2015-11-04T08:59")
    assert smtp_server.messages() == []
    staffed("remind", "--now", "2015-11-04T09:30")
    assert addresses(smtp_server) == LEADERS
    chair = smtp_server.messages(CHAIR)[0]
    assert subject_of(chair) == "[CAM] Reminder: Regular session, November 18, 2015"
    assert "When: Wednesday, November 18, 2015 (in 14 days)" in chair.part("text/plain")
    assert "(dentro de 14 días)" in smtp_server.messages(VICE)[0].part("text/plain")
    for moment in ("2015-11-05", "2015-11-14"):
        staffed("remind", "--now", moment)
    assert len(smtp_server.messages()) == 3
    staffed("remind", "--now", "2015-11-15T10:00")
    assert len(smtp_server.messages()) == 6
    assert "(in 3 days)" in smtp_server.messages(CHAIR)[1].part("text/plain")
    for moment in ("2015-11-15T10:00", "2015-11-17"):
        staffed("remind", "--now", moment)
    assert len(smtp_server.messages()) == 6
    rows = staffed.json("outbox")
    assert (
        sorted((r["reminder"], r["status"]) for r in rows)
        == [("14d", "sent")] * 3 + [("3d", "sent")] * 3
    )


def test_month_only_sessions_get_the_monthly_reminder(
    staffed: Cam, smtp_server: SmtpServer
) -> None:
    staffed("remind", "--now", "2015-11-20T08:00")
    assert len(smtp_server.messages()) == 3
    staffed("remind", "--now", "2015-11-20T09:30")
    december = smtp_server.messages()[3:]
    assert addresses(smtp_server, "2015-12a") == LEADERS
    assert addresses(smtp_server, "2015-12b") == LEADERS
    subjects = sorted(subject_of(r) for r in december if CHAIR in r.recipients)
    assert subjects[0].startswith("[CAM] Reminder: Concluding meeting of the Working Group")
    assert subjects[0].endswith("…") and len(subjects[0]) == 200
    assert (
        subjects[1] == "[CAM] Reminder: Forum on protecting the rights of migrants, December 2015"
    )
    assert len(december) == 6
    staffed("remind", "--now", "2015-11-30")
    assert len(smtp_server.messages()) == 9


def test_reminders_that_passed_unsent_collapse_into_the_latest(
    staffed: Cam, smtp_server: SmtpServer
) -> None:
    move(staffed, "2015-12a", "2015-12-10")
    staffed("remind", "--now", "2015-12-08")
    forum = [r for r in smtp_server.messages() if session_of(r) == "2015-12a"]
    assert addresses(smtp_server, "2015-12a") == LEADERS
    assert "(in 2 days)" in next(r for r in forum if CHAIR in r.recipients).part("text/plain")
    rows = [r for r in staffed.json("outbox") if r["session"] == "2015-12a"]
    assert {r["reminder"] for r in rows} == {"3d"}


def test_a_held_session_or_one_with_nothing_open_sends_nothing(
    staffed: Cam, smtp_server: SmtpServer
) -> None:
    staffed("session", "record", "2015-11", "--on", "2015-11-02", "--as", "secretariat")
    staffed("remind", "--now", "2015-11-03")
    assert smtp_server.messages() == []
    assert "no reminder is due" in staffed("remind", "--dry-run", "--now", "2015-11-03").output


def test_rescheduled_session_moves_unsent_reminders_and_never_resends(
    staffed: Cam, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAM_REMINDER_RETRY_SECONDS", "0")
    move(staffed, "2015-11", "2015-11-18")
    staffed("remind", "--now", "2015-11-04T10:00")
    assert len(smtp_server.messages()) == 3
    smtp_server.stop()
    staffed("remind", "--now", "2015-11-15T10:00", expect=1)
    waiting = [r for r in staffed.json("outbox") if r["reminder"] == "3d"]
    assert [r["status"] for r in waiting] == ["pending"] * 3
    output = move(staffed, "2015-11", "2015-11-28")
    assert "3 moved to the new date" in output
    waiting = [r for r in staffed.json("outbox") if r["reminder"] == "3d"]
    assert {r["due_at"] for r in waiting} == {"2015-11-25T14:00:00+00:00"}
    smtp_server.start()
    staffed("remind", "--now", "2015-11-16")  # the 14-day reminder of the new date: sent already
    assert len(smtp_server.messages()) == 3
    staffed("remind", "--now", "2015-11-25T10:00")
    assert addresses(smtp_server, "2015-11") == sorted(LEADERS * 2)
    late = [r for r in smtp_server.messages()[3:] if session_of(r) == "2015-11"]
    chair = next(r for r in late if CHAIR in r.recipients)
    assert "November 28, 2015" in subject_of(chair)
    staffed("remind", "--now", "2015-11-27")
    assert addresses(smtp_server, "2015-11") == sorted(LEADERS * 2)
    history = staffed.json("history", "program-update")
    moves = [h for h in history if h["event"] == "reschedule"]
    assert moves[-1]["note"] == "date agreed"
    assert moves[-1]["moved"] == {"event": None, "from": "2015-11-18", "to": "2015-11-28"}
    assert moves[-1]["session"] == "2015-11" and moves[-1]["actor"] == "secretariat"


def test_pending_older_reminder_is_superseded_by_the_newer(
    staffed: Cam, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAM_REMINDER_RETRY_SECONDS", "0")
    move(staffed, "2015-11", "2015-11-18")
    smtp_server.stop()
    staffed("remind", "--now", "2015-11-04T10:00", expect=1)
    smtp_server.start()
    staffed("remind", "--now", "2015-11-15T10:00")
    assert addresses(smtp_server) == LEADERS
    assert all(
        "(in 3 days)" in r.part("text/plain") or "3 días" in r.part("text/plain")
        for r in smtp_server.messages()
    )
    statuses = sorted((r["reminder"], r["status"]) for r in staffed.json("outbox"))
    assert statuses == [("14d", "skipped")] * 3 + [("3d", "sent")] * 3


def test_server_down_queues_then_sends_once_when_back(
    staffed: Cam, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAM_REMINDER_RETRY_SECONDS", "0")
    smtp_server.stop()
    result = staffed("remind", "--now", "2015-11-03", expect=1)
    assert "3 reminder(s) not delivered; see `cam outbox`" in result.output
    rows = staffed.json("outbox")
    assert [r["status"] for r in rows] == ["pending"] * 3
    assert all(r["attempts"] == 1 and "127.0.0.1" in r["error"] for r in rows)
    listing = staffed("outbox").output
    assert "waiting (1 try)" in listing and "Connection refused" in listing
    smtp_server.start()
    staffed("remind", "--now", "2015-11-03")
    staffed("remind", "--now", "2015-11-03")
    assert addresses(smtp_server) == LEADERS
    assert [r["status"] for r in staffed.json("outbox")] == ["sent"] * 3


def test_backoff_waits_before_the_next_attempt(
    staffed: Cam, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAM_REMINDER_RETRY_SECONDS", "3600")
    smtp_server.stop()
    staffed("remind", "--now", "2015-11-03", expect=1)
    smtp_server.start()
    staffed("remind", "--now", "2015-11-03")
    assert smtp_server.messages() == []
    row = staffed.json("outbox")[0]
    staffed("outbox", "retry", str(row["id"]))
    staffed("remind", "--now", "2015-11-03")
    assert [a for r in smtp_server.messages() for a in r.recipients] == [row["address"]]


def test_a_refused_recipient_fails_alone(staffed: Cam, smtp_server: SmtpServer) -> None:
    smtp_server.refused.add(VICE)
    result = staffed("remind", "--now", "2015-11-03", expect=1)
    assert "failed" in result.output and "550" in result.output
    assert addresses(smtp_server) == sorted([CHAIR, SECRETARIAT])
    failed = staffed.json("outbox", "--failed")
    assert [(r["address"], r["status"]) for r in failed] == [(VICE, "failed")]
    assert failed[0]["error"].startswith(f"refused {VICE}: 550")
    staffed("remind", "--now", "2015-11-03")
    assert len(smtp_server.messages()) == 2
    smtp_server.refused.clear()
    staffed("outbox", "retry", str(failed[0]["id"]))
    staffed("remind", "--now", "2015-11-03")
    assert addresses(smtp_server) == LEADERS
    again = staffed("outbox", "retry", str(failed[0]["id"]), expect=1)
    assert "never twice" in again.output
    staffed("outbox", "retry", "999", expect=1)


def _many_recipients(cam: Cam, count: int) -> None:
    for index in range(count):
        key = f"delegate-{index:02d}"
        cam(
            "people",
            "add",
            key,
            "--name",
            f"Delegate {index}",
            "--role",
            "delegate",
            "--email",
            f"{key}@example.org",
        )
        cam("people", "assign", key, "sicremi")


def test_two_sender_threads_never_send_a_row_twice(
    staffed: Cam, smtp_server: SmtpServer, db_url: str
) -> None:
    _many_recipients(staffed, 12)
    settings = reminder_settings()
    now = dt.datetime(2015, 11, 3, 12, tzinfo=dt.UTC)
    with store.session(db_url) as db:
        queued = reminders.queue(db, due_module.due(db, now, settings), now)
    assert len(queued) == 15
    smtp = smtp_settings()
    barrier = threading.Barrier(4)
    results: list[list[reminders.Outcome]] = []

    def sender() -> None:
        barrier.wait()
        results.append(reminders.send_due(db_url, now, smtp, settings))

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = [o for outcomes in results for o in outcomes if o.status == "sent"]
    assert len(sent) == 15 and len({o.row for o in sent}) == 15
    assert len(smtp_server.messages()) == 15
    assert len({r.message["Message-ID"] for r in smtp_server.messages()}) == 15
    assert len(set(addresses(smtp_server))) == 15


def test_two_sender_processes_never_send_a_row_twice(
    staffed: Cam, smtp_server: SmtpServer, db_url: str
) -> None:
    _many_recipients(staffed, 5)
    command = [sys.executable, "-m", "cam_tracker", "--db", db_url, "remind", "--now", "2015-11-03"]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    for process in processes:
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output.decode()
    assert len(smtp_server.messages()) == 8
    assert len(set(addresses(smtp_server))) == 8
    assert [r["status"] for r in staffed.json("outbox")] == ["sent"] * 8


def test_reminders_go_to_the_people_responsible(staffed: Cam, smtp_server: SmtpServer) -> None:
    staffed(
        "people",
        "add",
        "ana",
        "--name",
        "Ana Pérez",
        "--role",
        "coordinator",
        "--email",
        "ana@example.org",
        "--lang",
        "es",
    )
    staffed("people", "add", "bob", "--name", "Bob Stone", "--role", "delegate")
    staffed("people", "assign", "ana", "sicremi")
    staffed("people", "assign", "bob", "campaign")
    output = staffed("remind", "--dry-run", "--now", "2015-11-03").output
    assert "ana <ana@example.org> [es]: responsible for 1 of them" in output
    assert "no email" in output and "bob (no email address)" in output
    staffed("remind", "--now", "2015-11-03")
    ana = smtp_server.messages("ana@example.org")
    assert len(ana) == 1
    mine = ana[0].part("text/plain").split("Lo que se le solicita")[1].split("Atrasado")[0]
    assert "5 Difusión" in mine and "Se le solicita: Presentar a la comisión" in mine
    staffed("people", "unassign", "ana", "sicremi")
    staffed("people", "unassign", "ana", "sicremi", expect=1)
    assert staffed.json("people", "list")[0]["key"] == "ana"


def test_session_reschedule_refuses_bad_input_and_changes_nothing(staffed: Cam) -> None:
    before = staffed.json("calendar")
    cases = [
        (("2015-11", "--to", "2015-13-01", "--reason", "x"), "--to: not a date"),
        (("2015-99", "--to", "2015-11-18", "--reason", "x"), "no session '2015-99'"),
        (("2015-11", "--to", "2015-11-18", "--reason", " "), "a reason is required"),
        (("2015-11", "--to", "2015-11-18", "--reason", "a\x1bb"), "control character"),
    ]
    for args, message in cases:
        result = staffed("session", "reschedule", *args, "--as", "secretariat", expect=1)
        assert message in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert staffed.json("calendar") == before
    move(staffed, "2015-11", "2015-11-18")
    again = staffed(
        "session",
        "reschedule",
        "2015-11",
        "--to",
        "2015-11-18",
        "--reason",
        "x",
        "--as",
        "secretariat",
        expect=1,
    )
    assert "already on 2015-11-18" in again.output
    november = next(s for s in staffed.json("calendar") if s["id"] == "2015-11")
    assert november["date"] == "2015-11-18"
    staffed("session", "record", "2015-11", "--as", "secretariat")
    held = staffed(
        "session",
        "reschedule",
        "2015-11",
        "--to",
        "2015-11-20",
        "--reason",
        "x",
        "--as",
        "secretariat",
        expect=1,
    )
    assert "was held on 2015-11-18" in held.output


def test_remind_group_usage(staffed: Cam) -> None:
    assert "preview" in staffed("remind", "--help").output
    staffed("remind", "--dry-run", "preview", "2015-11", expect=2)
    staffed("remind", "preview", expect=2)
    staffed("remind", "--now", "yesterday", "--dry-run", expect=1)


def test_a_row_held_by_a_dead_sender_goes_once_its_lease_expires(
    staffed: Cam, smtp_server: SmtpServer, db_url: str
) -> None:
    from sqlalchemy import update
    from sqlmodel import col

    from cam_tracker.store import models

    now = dt.datetime(2015, 11, 3, 12, tzinfo=dt.UTC)
    settings = reminder_settings()
    with store.session(db_url) as db:
        rows = reminders.queue(db, due_module.due(db, now, settings), now)
        held = rows[0].id
        db.exec(
            update(models.Outbox)
            .where(col(models.Outbox.id) == held)
            .values(
                claimed_by="dead-host/1/x",
                lease_until=now + dt.timedelta(hours=1),
                attempts=1,
                message_id="<first-claim@example.org>",
            )
        )
    sent = reminders.send_due(db_url, now, smtp_settings(), settings)
    assert len(sent) == 2 and held not in {o.row for o in sent}
    with store.session(db_url) as db:
        db.exec(
            update(models.Outbox)
            .where(col(models.Outbox.id) == held)
            .values(lease_until=now - dt.timedelta(seconds=1))
        )
    [again] = reminders.send_due(db_url, now, smtp_settings(), settings)
    assert (again.row, again.status) == (held, "sent")
    assert smtp_server.messages()[-1].message["Message-ID"] == "<first-claim@example.org>"
    assert reminders.send_due(db_url, now, smtp_settings(), settings) == []


def test_a_pending_monthly_reminder_lapses_when_the_session_gets_a_date(
    staffed: Cam, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAM_REMINDER_RETRY_SECONDS", "0")
    smtp_server.stop()
    staffed("remind", "--now", "2015-11-03", expect=1)
    assert "3 lapsed" in move(staffed, "2015-11", "2015-11-30")
    smtp_server.start()
    staffed("remind", "--now", "2015-11-10")
    assert smtp_server.messages() == []
    staffed("remind", "--now", "2015-11-16T09:30")
    assert addresses(smtp_server) == LEADERS
    rows = sorted((r["reminder"], r["status"]) for r in staffed.json("outbox"))
    assert rows == [("14d", "sent")] * 3 + [("monthly", "skipped")] * 3


class MaildirTransport:
    """A transport besides SMTP: each message into a maildir; one address refused for good."""

    def __init__(self, path: Path, refuse: str | None = None) -> None:
        self.box = mailbox.Maildir(path)
        self.refuse = refuse
        self.closed = 0

    def send(self, message: EmailMessage, address: str) -> None:
        if address == self.refuse:
            raise Refused(f"refused {address}: no such mailbox")
        self.box.add(message)

    def close(self) -> None:
        self.closed += 1


def test_another_transport_is_one_more_class(staffed: Cam, db_url: str, tmp_path: Path) -> None:
    """No SMTP server runs: the outbox sends through the transport it is given, and
    records its refusals as it does the SMTP server's."""
    transport = MaildirTransport(tmp_path / "maildir", refuse=VICE)
    smtp = SmtpSettings(host="localhost", port=1, security="none", sender="cam@example.org")
    now = dt.datetime(2015, 11, 3, 12, tzinfo=dt.UTC)
    report = reminders.run(
        db_url, now, smtp=smtp, settings=reminder_settings(), transport=transport
    )
    assert sorted((o.address, o.status) for o in report.outcomes) == [
        (CHAIR, "sent"),
        (SECRETARIAT, "sent"),
        (VICE, "failed"),
    ]
    delivered = list(transport.box)
    assert sorted(parseaddr(m["To"])[1] for m in delivered) == [CHAIR, SECRETARIAT]
    assert all("Regular session" in m["Subject"] for m in delivered)
    assert transport.closed == 1
    rows = {r["address"]: r for r in staffed.json("outbox")}
    assert rows[CHAIR]["status"] == "sent" and rows[VICE]["status"] == "failed"
    assert rows[VICE]["error"] == f"refused {VICE}: no such mailbox"
