"""Reminder emails: settings, rendering in two languages, hostile data, SMTP over TLS, .ics."""

import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Cam, SmtpServer

from cam_tracker.app import lookup, snapshot
from cam_tracker.core import settings as config
from cam_tracker.core.errors import ConfigError
from cam_tracker.core.resources import data_dir
from cam_tracker.core.text import one_line
from cam_tracker.reminders import digest as mail

STAFF = {"secretariat": "secretariat@example.org", "chair": "chair@example.org"}


@pytest.fixture
def staffed(loaded: Cam, monkeypatch: pytest.MonkeyPatch) -> Cam:
    """The chair and the secretariat reachable; the secretariat acts (it manages people)."""
    monkeypatch.setenv("CAM_USER", "secretariat")
    for key, address in STAFF.items():
        loaded("people", "add", key, "--update", "--email", address)
    return loaded


# --- settings -------------------------------------------------------------------


def test_smtp_settings_from_the_config_file_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-")
    path = tmp_path / "cam.toml"
    path.write_text(
        "[smtp]\n"
        'host = "mail.example.org"\nsecurity = "ssl"\nuser = "sedi"\n'
        'password = "file-secret"\nfrom = "cam@example.org"\n'
        f'ca_file = "{ca}"\n'
        "[reminders]\noffsets_days = [7, 21, 1]\nmonthly_day = 31\n"
        "[report]\nanything = 1\n"
    )
    monkeypatch.setenv("CAM_CONFIG", str(path))
    settings = config.smtp_settings()
    assert (settings.host, settings.port, settings.security) == ("mail.example.org", 465, "ssl")
    assert (settings.user, settings.password, settings.sender) == (
        "sedi",
        "file-secret",
        "cam@example.org",
    )
    assert settings.ca_file == str(ca)
    for text in (repr(settings), str(settings), f"{settings}"):
        assert "file-secret" not in text and "password='***'" in text
    reminders = config.reminder_settings()
    assert reminders.offsets_days == (21, 7, 1) and reminders.monthly_day == 31
    monkeypatch.setenv("CAM_SMTP_PORT", "2525")
    monkeypatch.setenv("CAM_SMTP_SECURITY", "starttls")
    monkeypatch.setenv("CAM_REMINDER_OFFSETS", "10, 2")
    assert (config.smtp_settings().port, config.smtp_settings().security) == (2525, "starttls")
    assert config.reminder_settings().offsets_days == (10, 2)


def test_defaults_without_a_config_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAM_SMTP_FROM", "cam@example.org")
    settings = config.smtp_settings()
    assert (settings.host, settings.port, settings.security) == ("localhost", 587, "starttls")
    assert "password=None" in repr(settings)
    assert config.reminder_settings() == config.ReminderSettings((14, 3), 20, 60.0, 8)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({}, "no sender address"),
        ({"CAM_SMTP_FROM": "not an address"}, "not an email address"),
        ({"CAM_SMTP_FROM": "a@b.org", "CAM_SMTP_SECURITY": "tls"}, "is not one of"),
        ({"CAM_SMTP_FROM": "a@b.org", "CAM_SMTP_PORT": "smtp"}, "is not a number"),
        ({"CAM_SMTP_FROM": "a@b.org", "CAM_SMTP_PORT": "70000"}, "out of range"),
        ({"CAM_SMTP_FROM": "a@b.org", "CAM_SMTP_USER": "u"}, "set both"),
        (
            {
                "CAM_SMTP_FROM": "a@b.org",
                "CAM_SMTP_USER": "u",
                "CAM_SMTP_PASSWORD": "p",
                "CAM_SMTP_SECURITY": "none",
            },
            "without TLS",
        ),
        ({"CAM_SMTP_FROM": "a@b.org", "CAM_SMTP_CA_FILE": "/no/such.pem"}, "no such CA file"),
        ({"CAM_SMTP_FROM": "a@b.org", "CAM_CONFIG": "/no/such.toml"}, "no such configuration"),
    ],
)
def test_bad_smtp_settings_are_one_line_errors(
    variables: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message) as caught:
        config.smtp_settings()
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[smtp\n", "cannot read the configuration"),
        ('[smtp]\nhots = "x"\n', "unknown key 'hots'"),
        ("smtp = 3\n", "must be a table"),
        ("[reminders]\noffsets_days = [0]\n", "1 to 365 days"),
        ('[reminders]\noffsets_days = ["soon"]\n', "not whole days"),
        ("[reminders]\nmonthly_day = 32\n", "between 1 and 31"),
        ("[reminders]\nmonthly_day = true\n", "between 1 and 31"),
    ],
)
def test_bad_config_files_are_refused(
    content: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(content)
    monkeypatch.setenv("CAM_CONFIG", str(path))
    monkeypatch.setenv("CAM_SMTP_FROM", "a@b.org")
    with pytest.raises(ConfigError, match=message):
        config.smtp_settings()
        config.reminder_settings()


def test_the_cli_refuses_bad_settings_before_touching_the_store(staffed: Cam) -> None:
    result = staffed("remind", "--now", "2015-11-03", expect=1)
    assert result.output.startswith("Error: no sender address")
    assert staffed.json("outbox") == []


def test_config_file_in_the_xdg_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "xdg-config" / "cam-tracker"
    directory.mkdir(parents=True)
    (directory / "config.toml").write_text('[smtp]\nfrom = "xdg@example.org"\nport = 2526\n')
    settings = config.smtp_settings()
    assert (settings.sender, settings.port) == ("xdg@example.org", 2526)


# --- the message ------------------------------------------------------------------


def test_spanish_catalog_translates_every_string_of_the_templates() -> None:
    from babel.messages.pofile import read_po
    from jinja2.ext import babel_extract

    strings: set[str] = {
        "[%(body)s] Reminder: %(title)s, %(when)s",
        "The date is to be set.",
    }
    for name in ("reminder.txt.j2", "reminder.html.j2"):
        with (data_dir("templates") / name).open("rb") as handle:
            for _line, _func, message, _comments in babel_extract(
                handle,
                ("_", "gettext", "ngettext"),
                [],
                {"trim_blocks": "true", "lstrip_blocks": "true"},
            ):
                strings.add(message if isinstance(message, str) else message[0])
    with (data_dir("locale") / "es" / "reminders.po").open("rb") as handle:
        catalog = read_po(handle, locale="es")
    missing = sorted(s for s in strings if not catalog.get(s) or not catalog.get(s).string)
    assert missing == []
    assert len(strings) > 30


def test_preview_in_english_and_spanish(staffed: Cam) -> None:
    text = staffed("remind", "preview", "2015-11", "--now", "2015-11-03").output
    assert "To: Chair of the CAM <chair@example.org>" in text
    assert "Subject: [CAM] Reminder: Regular session, November 2015" in text
    assert "1. Presentation by the Chair of proposal for the forum" in text
    spanish = staffed("remind", "preview", "2015-11", "--now", "2015-11-03", "--lang", "es")
    assert "Subject: [CAM] Recordatorio: Sesión ordinaria, noviembre de 2015" in spanish.output
    assert "Atrasado respecto del plan al 3 de noviembre de 2015" in spanish.output
    html = staffed("remind", "preview", "2015-11", "--now", "2015-11-03", "--html").output
    assert '<html lang="en">' in html and "<ol>" in html
    upcoming = staffed("remind", "preview", "--next", "--now", "2015-11-03").output
    assert upcoming.startswith("Session: 2015-11\n")
    secretariat = staffed(
        "remind", "preview", "2016-05", "--now", "2016-04-20", "--to", "secretariat"
    ).output
    assert "What the session is asked to do" in secretariat
    assert "Asked of the responsible:" in secretariat
    staffed("remind", "preview", "--next", "--now", "2016-06-01", expect=1)
    staffed("remind", "preview", "2015-11", "--to", "nobody", expect=1)


def test_preview_without_people_still_renders(loaded: Cam) -> None:
    output = loaded("remind", "preview", "2015-10a", "--now", "2015-10-01").output
    assert "To: Chair of the CAM (no email)" in output
    assert "Election of Vice Chair." in output


def test_compose_builds_one_line_headers_and_both_parts(staffed: Cam, db_url: str) -> None:
    from cam_tracker import store

    with store.session(db_url) as db:
        plan = lookup.current_plan(db)
        snap = snapshot.snapshot(db, plan, dt.datetime(2015, 11, 3, tzinfo=dt.UTC))
        meeting = lookup.find_session(db, plan, "2015-11")
    digest = mail.digest(snap, meeting)
    hostile = mail.Reader("x", "Eve\r\nBcc: victim@example.org", "chair")
    message = mail.compose(
        digest,
        hostile,
        "eve@example.org",
        "en",
        sender="cam@example.org",
        message_id="<1@example.org>",
        date=dt.datetime(2015, 11, 3, 12, tzinfo=dt.UTC),
        calendar=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    )
    assert message["Bcc"] is None
    assert message["To"] == '"Eve Bcc: victim@example.org" <eve@example.org>'
    assert [a.addr_spec for a in message["To"].addresses] == ["eve@example.org"]
    assert message["Date"] == "Tue, 03 Nov 2015 12:00:00 +0000"
    assert message["Message-ID"] == "<1@example.org>"
    assert one_line("a\r\nb\u2028c\x00d\te") == "a b c d e"


# --- hostile data, end to end ------------------------------------------------------------

HOSTILE_PLAN = """\
name: hostile
title: "Plan <script>alert('plan')</script>"
body: {name: "Committee <b>bold</b> & co", short: "C&amp;\\r\\nBcc: victim@example.org"}
period: {start: "2015-10", end: "2015-12"}
timezone: UTC
people:
  - key: evil
    name: "Eve\\r\\nBcc: victim@example.org"
    role: chair
    email: eve@example.org
  - key: mallory
    name: Mallory
    role: delegate
    email: "mallory@example.org\r\nBcc: victim@example.org"
mandates:
  - key: m
    symbol: "AG/RES. 1 <i>"
    title: M
    paragraphs: [{number: "1", text: "x"}]
activities:
  - key: act
    number: "1"
    title: "Activity <img src=x onerror=alert(1)>"
    kind: meeting
    serves: [m/1]
    responsible: [evil, mallory]
sessions:
  - key: s1
    month: "2015-11"
    kind: regular
    title: "Session <script>alert('x')</script>\\r\\nBcc: victim@example.org\\r\\n\\r\\nbody"
    agenda:
      - activity: act
        event: present_proposal
        text: "Item </li><script>alert(2)</script>"
"""


# What a plan file may no longer hold (line breaks in one-line texts, an address that
# does not parse), and where the store of an older release may still hold it.
LINE_BREAKS_IN_ONE_LINE_TEXTS = {
    'short: "C&amp;\\r\\nBcc: victim@example.org"': 'short: "C&amp;"',
    'name: "Eve\\r\\nBcc: victim@example.org"': "name: Eve",
    'email: "mallory@example.org\r\nBcc: victim@example.org"': "email: mallory@example.org",
    "\\r\\nBcc: victim@example.org\\r\\n\\r\\nbody": "",
}


def test_a_plan_file_with_line_breaks_in_one_line_texts_is_refused(
    cam: Cam, tmp_path: Path
) -> None:
    plan = tmp_path / "hostile.yaml"
    plan.write_text(HOSTILE_PLAN)
    problems = cam("plan", "load", str(plan), expect=1).output.removeprefix("Error: ")
    assert [line.split(": ", 4)[2:4] for line in problems.splitlines()] == [
        ["body.short", "the short name must be one line"],
        ["people[evil].name", "the name must be one line"],
        ["people[mallory].email", "not an email address"],
        ["sessions[s1].title", "the text must be one line"],
    ]
    assert "hostile" not in [row["name"] for row in cam.json("plan", "list")]


def _hostile_store(cam: Cam, tmp_path: Path) -> None:
    """The hostile plan in the store, its line breaks written past the checks of a load."""
    from sqlmodel import select

    from cam_tracker import store
    from cam_tracker.store import models

    text = HOSTILE_PLAN
    for hostile, harmless in LINE_BREAKS_IN_ONE_LINE_TEXTS.items():
        assert hostile in text
        text = text.replace(hostile, harmless)
    plan_file = tmp_path / "hostile.yaml"
    plan_file.write_text(text)
    cam("plan", "load", str(plan_file))
    with store.session(cam.url) as db:
        plan = lookup.current_plan(db)
        plan.body = {**plan.body, "short": "C&amp;\r\nBcc: victim@example.org"}
        meeting = lookup.find_session(db, plan, "s1")
        meeting.title = {
            "en": "Session <script>alert('x')</script>\r\nBcc: victim@example.org\r\n\r\nbody"
        }
        for person in db.exec(select(models.Person)):
            if person.key == "evil":
                person.name = "Eve\r\nBcc: victim@example.org"
            if person.key == "mallory":
                person.email = "mallory@example.org\r\nBcc: victim@example.org"
            db.add(person)
        db.add_all([plan, meeting])


def test_hostile_titles_cannot_inject_headers_or_markup(
    cam: Cam, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    _hostile_store(cam, tmp_path)
    cam("remind", "--now", "2015-11-02", expect=1)
    [failed] = cam.json("outbox", "--failed")
    assert failed["person"] == "mallory" and "not an email address" in failed["error"]
    [received] = smtp_server.messages()
    assert received.recipients == ["eve@example.org"]
    message = received.message
    assert message["Bcc"] is None and message["Cc"] is None
    assert [a.addr_spec for a in message["To"].addresses] == ["eve@example.org"]
    header_block = received.data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    assert not any(line.lower().startswith(b"bcc") for line in header_block.splitlines())
    for name, value in message.items():
        assert "\r" not in str(value) and "\n" not in str(value).strip(), name
    subject = " ".join(str(message["Subject"]).split())
    assert subject.startswith("[C&amp; Bcc: victim@example.org] Reminder: Session <script>")
    html = received.part("text/html")
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "Session &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Item &lt;/li&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "Committee &lt;b&gt;bold&lt;/b&gt; &amp; co" in html
    text = received.part("text/plain")
    assert "Item </li><script>alert(2)</script>" in text


def test_names_and_addresses_are_validated(loaded: Cam) -> None:
    cases = [
        (("eve", "--name", "Eve\r\nBcc: x@example.org", "--role", "chair"), "line break"),
        (("eve", "--name", "Eve", "--role", "chair", "--email", "eve"), "not an email address"),
        (
            ("eve", "--name", "Eve", "--role", "chair", "--email", "a@b.org\r\nBcc: c@d.org"),
            "not an email address",
        ),
        (("eve", "--name", "Eve", "--role", "queen"), "unknown role 'queen'"),
        (("Eve!", "--name", "Eve", "--role", "chair"), "not a usable person key"),
        (("eve", "--role", "chair"), "needs a name (--name)"),
        (("chair", "--name", "X", "--role", "chair"), "exists already"),
        (("nobody", "--update", "--email", "n@example.org"), "no person 'nobody'"),
    ]
    before = loaded.json("people", "list")
    for args, message in cases:
        result = loaded("people", "add", *args, expect=1)
        assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert loaded.json("people", "list") == before
    loaded("people", "assign", "chair", "nothing", expect=1)
    loaded("people", "assign", "nobody", "sicremi", expect=1)


# --- SMTP security -------------------------------------------------------------------


def test_the_certificate_is_verified(
    staffed: Cam, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAM_SMTP_CA_FILE")
    staffed("remind", "--now", "2015-11-03", expect=1)
    assert smtp_server.messages() == []
    errors = {row["error"] for row in staffed.json("outbox")}
    assert len(errors) == 1 and "CERTIFICATE_VERIFY_FAILED" in errors.pop()


def test_a_wrong_password_waits_and_is_never_shown(
    staffed: Cam,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("CAM_SMTP_PASSWORD", "wrong-" + smtp_server.PASSWORD)
    caplog.set_level(logging.DEBUG)
    result = staffed("remind", "--now", "2015-11-03", expect=1)
    assert smtp_server.messages() == []
    rows = staffed.json("outbox")
    assert {r["status"] for r in rows} == {"pending"}
    assert all("535" in r["error"] for r in rows)
    shown = result.output + staffed("outbox").output + str(rows) + caplog.text
    assert smtp_server.PASSWORD not in shown


def test_the_password_is_never_stored_or_printed(
    staffed: Cam, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    outputs = [
        staffed("remind", "--now", "2015-11-03").output,
        staffed("remind", "--dry-run", "--now", "2015-11-03").output,
        staffed("outbox", "--json").output,
        staffed("export", "-o", str(tmp_path / "dump.json")).output,
    ]
    assert len(smtp_server.messages()) == 2
    shown = "".join(outputs) + caplog.text + (tmp_path / "dump.json").read_text()
    assert smtp_server.PASSWORD not in shown
    assert "sent monthly reminder of session 2015-11 to chair" in caplog.text


# --- calendar feed ---------------------------------------------------------------------


def _events(data: bytes) -> list:  # type: ignore[type-arg]
    from icalendar import Calendar

    return list(Calendar.from_ical(data).walk("VEVENT"))


def test_calendar_feed_has_all_day_events_and_alarms_in_utc(staffed: Cam, tmp_path: Path) -> None:
    staffed(
        "session",
        "reschedule",
        "2015-11",
        "--to",
        "2015-11-18",
        "--reason",
        "set",
        "--as",
        "secretariat",
    )
    feed = tmp_path / "cam.ics"
    assert "10 sessions written" in staffed("calendar", "--ics", str(feed)).output
    raw = feed.read_bytes()
    assert b"BEGIN:VCALENDAR" in raw and b"\r\n" in raw
    events = {str(e["UID"]): e for e in _events(raw)}
    november = events["2015-11.cam-2015-2016@cam-tracker"]
    assert november.decoded("DTSTART") == dt.date(2015, 11, 18)
    assert november.decoded("DTEND") == dt.date(2015, 11, 19)
    assert str(november["STATUS"]) == "CONFIRMED"
    # Alarms are durations before the start (absolute times are dropped by some clients):
    # 09:00 New York time 14 and 3 days before the day that begins at local midnight.
    triggers = sorted(a.decoded("TRIGGER") for a in november.walk("VALARM"))
    assert triggers == [
        -dt.timedelta(days=13, hours=15),
        -dt.timedelta(days=2, hours=15),
    ]
    assert b"TRIGGER;RELATED=START:-P13DT15H" in raw
    assert b"VALUE=DATE-TIME" not in raw
    assert b"METHOD:PUBLISH" in raw
    # A month-only session: one tentative marker on the month's first day, not a banner.
    december = events["2015-12a.cam-2015-2016@cam-tracker"]
    assert december.decoded("DTSTART") == dt.date(2015, 12, 1)
    assert december.decoded("DTEND") == dt.date(2015, 12, 2)
    assert (str(december["STATUS"]), str(december["TRANSP"])) == ("TENTATIVE", "TRANSPARENT")
    assert str(december["SUMMARY"]) == (
        "CAM: Forum on protecting the rights of migrants (date to be confirmed)"
    )
    [monthly] = [a.decoded("TRIGGER") for a in december.walk("VALARM")]
    assert monthly == -dt.timedelta(days=10, hours=15)  # November 20, 09:00 New York time
    assert [str(c) for c in december["CATEGORIES"].cats] == ["Forum"]
    only = staffed("calendar", "--month", "2015-11", "--ics", "-").stdout_bytes
    assert [str(e["UID"]) for e in _events(only)] == ["2015-11.cam-2015-2016@cam-tracker"]
    spanish = staffed("--lang", "es", "calendar", "--month", "2015-12", "--ics", "-")
    assert "La fecha está por definir." in spanish.stdout_bytes.decode()
    marker = {str(e["UID"]): e for e in _events(spanish.stdout_bytes)}[
        "2015-12a.cam-2015-2016@cam-tracker"
    ]
    assert str(marker["SUMMARY"]).endswith("(fecha por confirmar)")
    assert [str(c) for c in marker["CATEGORIES"].cats] == ["Foro"]


def _session_event(cam: Cam, key: str) -> Any:
    [event] = [
        e for e in _events(cam("calendar", "--ics", "-").stdout_bytes) if str(e["UID"]) == key
    ]
    return event


def test_a_moved_session_updates_on_reimport(staffed: Cam) -> None:
    """SEQUENCE counts the session's recorded changes, LAST-MODIFIED is the latest; the UID
    stays: a client that imports the calendar again replaces the event it had."""
    uid = "2015-11.cam-2015-2016@cam-tracker"
    before = _session_event(staffed, uid)
    assert int(before["SEQUENCE"]) == 0
    loaded = before.decoded("LAST-MODIFIED")
    assert before.decoded("DTSTAMP") >= loaded
    time.sleep(1.1)  # iCalendar times are to the second
    for to in ("2015-11-18", "2015-11-19"):
        staffed(
            "session",
            "reschedule",
            "2015-11",
            "--to",
            to,
            "--reason",
            "room",
            "--as",
            "secretariat",
        )
    moved = _session_event(staffed, uid)
    assert int(moved["SEQUENCE"]) == 2
    assert moved.decoded("LAST-MODIFIED") > loaded
    assert moved.decoded("DTSTART") == dt.date(2015, 11, 19)
    staffed("session", "set", "2015-11", "--room", "Room A", "--as", "secretariat")
    placed = _session_event(staffed, uid)
    assert int(placed["SEQUENCE"]) == 3
    assert placed.decoded("LAST-MODIFIED") >= moved.decoded("LAST-MODIFIED")
    assert str(placed["LOCATION"]) == "Room A"  # a day-only session with a venue has it too
    assert str(placed["UID"]) == uid
    # Stable: the same record gives the same SEQUENCE and LAST-MODIFIED every time.
    again = _session_event(staffed, uid)
    assert int(again["SEQUENCE"]) == 3
    assert again.decoded("LAST-MODIFIED") == placed.decoded("LAST-MODIFIED")


def test_the_reminder_carries_the_session_ics(staffed: Cam, smtp_server: SmtpServer) -> None:
    staffed("remind", "--now", "2015-11-03")
    received = smtp_server.messages("chair@example.org")[0]
    [attachment] = [p for p in received.message.walk() if p.get_filename()]
    assert attachment.get_filename() == "2015-11.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "PUBLISH"
    [event] = _events(attachment.get_content())
    assert str(event["UID"]) == "2015-11.cam-2015-2016@cam-tracker"
    assert str(event["SUMMARY"]) == "CAM: Regular session (date to be confirmed)"


def test_the_reminder_is_a_convocation(staffed: Cam, smtp_server: SmtpServer) -> None:
    """Replies go to the secretariat; the letter opens with the reader's title and name in
    their language; each reader is asked what to do; no key of the record is shown; the
    attachment's MIME type and the file agree on the method, and say the charset."""
    from conftest import CHAIR, SECRETARIAT, VICE

    staffed("people", "add", "chair", "--update", "--title", "Ambassador", "--email", CHAIR)
    staffed(
        "people",
        "add",
        "vice-chair",
        "--update",
        "--title",
        "Embajadora",
        "--email",
        VICE,
        "--lang",
        "es",
    )
    staffed("remind", "--now", "2015-11-03")
    chair = smtp_server.messages(CHAIR)[0]
    assert chair.message["Reply-To"].addresses[0].addr_spec == SECRETARIAT
    text = chair.part("text/plain")
    assert text.startswith("Dear Ambassador Chair of the CAM,")
    assert "Asked of the responsible: Present the proposal" in text
    assert "Session:" not in text and "2015-11" not in text and "2015-10a" not in text
    html = chair.part("text/html")
    assert "<p>Dear Ambassador Chair of the CAM,</p>" in html
    assert "2015-11" not in html.split("<body")[1] and "2015-10a" not in html
    vice = smtp_server.messages(VICE)[0]
    assert vice.message["Reply-To"].addresses[0].addr_spec == SECRETARIAT
    spanish = vice.part("text/plain")
    assert spanish.startswith("Apreciable Embajadora ")
    assert "Estimado/a" not in spanish and "Se solicita a los responsables:" in spanish
    [attachment] = [p for p in chair.message.walk() if p.get_filename()]
    assert attachment.get_content_type() == "text/calendar"
    assert (attachment.get_param("method"), attachment.get_param("charset")) == (
        "PUBLISH",
        "utf-8",
    )
    from icalendar import Calendar

    calendar = Calendar.from_ical(attachment.get_content())
    assert str(calendar["METHOD"]) == attachment.get_param("method")
    [event] = calendar.walk("VEVENT")
    assert int(event["SEQUENCE"]) == 0 and "LAST-MODIFIED" in event


def test_a_delegate_is_asked_for_their_own_items(staffed: Cam, smtp_server: SmtpServer) -> None:
    staffed(
        "people",
        "add",
        "ana",
        "--name",
        "Ana Pérez",
        "--role",
        "delegate",
        "--email",
        "ana@example.org",
    )
    staffed("people", "assign", "ana", "sicremi")
    staffed("remind", "--now", "2015-11-03")
    [ana] = smtp_server.messages("ana@example.org")
    text = ana.part("text/plain")
    assert text.startswith("Dear Ana Pérez,")  # no title recorded: the name alone
    mine = text.split("What you are asked to do")[1].split("Behind plan")[0]
    assert "You are asked to: Present to the committee" in mine
    assert "Present the proposal" not in mine  # not theirs
