"""Delivery under trouble: a lost reply, a server down, a plan that cannot be rendered."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import LEADERS, Cam, Received, SmtpServer
from sqlmodel import select

from cam_tracker import store
from cam_tracker.store import models


def test_a_message_resent_after_a_lost_reply_keeps_its_message_id(
    staffed: Cam, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server took the message but its reply never came: the resend is the same message."""
    monkeypatch.setenv("CAM_REMINDER_RETRY_SECONDS", "0")
    smtp_server.drop_after_data = 1
    staffed("remind", "--now", "2015-11-03", expect=1)
    [taken] = smtp_server.messages()
    [address] = taken.recipients
    [row] = [r for r in staffed.json("outbox") if r["address"] == address]
    assert row["status"] == "pending" and "connection lost" in row["error"]
    staffed("remind", "--now", "2015-11-03")
    assert sorted(a for r in smtp_server.messages() for a in r.recipients) == sorted(
        [*LEADERS, address]
    )
    ids = {str(r.message["Message-ID"]) for r in smtp_server.messages(address)}
    assert ids == {str(taken.message["Message-ID"])}
    [row] = [r for r in staffed.json("outbox") if r["address"] == address]
    assert (row["status"], row["message_id"]) == ("sent", str(taken.message["Message-ID"]))


# --- one clock: what falls due, when to try again, when it was sent ------------------------


def test_a_retry_follows_the_clock_of_the_run(
    staffed: Cam, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run at another moment (`--now`) schedules its retries on that moment's clock."""
    monkeypatch.setenv("CAM_REMINDER_RETRY_SECONDS", "60")
    smtp_server.stop()
    staffed("remind", "--now", "2015-11-25", expect=1)
    waiting = staffed.json("outbox")
    assert waiting and {r["status"] for r in waiting} == {"pending"}
    smtp_server.start()
    staffed("remind", "--now", "2015-11-26")
    rows = staffed.json("outbox")
    assert {r["status"] for r in rows} == {"sent"}
    assert len(smtp_server.messages()) == len(rows) == len(waiting)
    assert all("2015-11-25" < r["queued_at"] < "2015-11-27" for r in waiting)
    assert all("2015-11-25" < r["next_attempt_at"] < "2015-11-27" for r in waiting)
    assert all("2015-11-26" < r["sent_at"] < "2015-11-28" for r in rows)
    dates = {str(r.message["Date"]) for r in smtp_server.messages()}
    assert all("Nov 2015" in date for date in dates)


# --- one bad plan never blocks the others ----------------------------------------------------

HOSTILE_TITLE = "Hostile\r\nX-WR-CALNAME:forged\nBEGIN:VEVENT\x07\x1b[31m\u2028plan"


@pytest.fixture
def two_plans(staffed: Cam, db_url: str, tmp_path: Path) -> Cam:
    """The bundled plan and a second plan (`other`) whose title holds line breaks and controls.

    The title is written into the store directly: a store may hold such a text
    however it got there (an older release, an import), and must still serve it.
    """
    from cam_tracker.core.resources import data_dir

    text = (data_dir("plans") / "cam-2015-2016.yaml").read_text(encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text(text.replace("name: cam-2015-2016", "name: other", 1), encoding="utf-8")
    staffed("plan", "load", str(other))
    with store.session(db_url) as db:
        plan = db.exec(select(models.Plan).where(models.Plan.name == "other")).one()
        plan.title = {"en": HOSTILE_TITLE, "es": HOSTILE_TITLE}
        db.add(plan)
    return staffed


def plan_of(received: Received) -> str:
    """The plan a reminder is about: the UID of the event in its calendar attachment."""
    from icalendar import Calendar

    [part] = [p for p in received.message.walk() if p.get_filename()]
    [event] = Calendar.from_ical(part.get_content()).walk("VEVENT")
    return str(event["UID"]).split(".", 1)[1].removesuffix("@cam-tracker")


def test_a_title_with_line_breaks_is_escaped_in_the_calendar(two_plans: Cam) -> None:
    from icalendar import Calendar

    raw = two_plans("--plan", "other", "calendar", "--ics", "-").stdout_bytes
    lines = raw.split(b"\r\n")
    assert [line for line in lines if line.startswith(b"X-WR-CALNAME")] == [
        b"X-WR-CALNAME:Hostile X-WR-CALNAME:forged BEGIN:VEVENT [31m plan"
    ]
    assert lines.count(b"BEGIN:VEVENT") == 10
    assert not any(ord(ch) < 32 for line in lines for ch in line.decode())
    parsed = Calendar.from_ical(raw)
    assert str(parsed["X-WR-CALNAME"]) == "Hostile X-WR-CALNAME:forged BEGIN:VEVENT [31m plan"
    assert len(parsed.walk("VEVENT")) == 10


def test_a_plan_with_a_hostile_title_sends_its_reminders_and_blocks_no_other(
    two_plans: Cam, smtp_server: SmtpServer
) -> None:
    two_plans("remind", "--now", "2015-11-03")
    received = smtp_server.messages()
    assert sorted((plan_of(r), *r.recipients) for r in received) == sorted(
        (plan, address) for plan in ("cam-2015-2016", "other") for address in LEADERS
    )
    assert {r["status"] for r in two_plans.json("outbox")} == {"sent"}


def _fail_for_plan(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    """`real`, except that it raises for anything of plan `name` (a bug in rendering it)."""

    def failing(snap: Any, *args: Any, **kwargs: Any) -> Any:
        if snap.plan.name == name:
            raise AssertionError("Content line can not contain unescaped new line characters.")
        return real(snap, *args, **kwargs)

    return failing


def test_a_reminder_that_cannot_be_composed_waits_and_the_others_go(
    two_plans: Cam, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cam_tracker.reminders import ics

    monkeypatch.setattr(ics, "feed", _fail_for_plan("other", ics.feed))
    result = two_plans("remind", "--now", "2015-11-03", expect=1)
    assert sorted((plan_of(r), *r.recipients) for r in smtp_server.messages()) == [
        ("cam-2015-2016", address) for address in LEADERS
    ]
    assert "3 reminder(s) not delivered" in result.output
    rows = {r["plan"]: r for r in two_plans.json("outbox") if r["status"] != "sent"}
    assert list(rows) == ["other"]
    assert rows["other"]["status"] == "pending"
    assert rows["other"]["error"] == (
        "cannot compose the message: AssertionError: "
        "Content line can not contain unescaped new line characters."
    )
    monkeypatch.undo()


def test_a_session_that_cannot_be_planned_is_reported_and_the_others_go(
    two_plans: Cam, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cam_tracker.reminders import due

    monkeypatch.setattr(due, "recipients", _fail_for_plan_args("other", due.recipients))
    result = two_plans("remind", "--now", "2015-11-03", expect=1)
    assert sorted((plan_of(r), *r.recipients) for r in smtp_server.messages()) == [
        ("cam-2015-2016", address) for address in LEADERS
    ]
    assert (
        "could not plan the reminders of other 2015-11: AssertionError: "
        "Content line can not contain unescaped new line characters." in result.output
    )
    assert {r["plan"] for r in two_plans.json("outbox")} == {"cam-2015-2016"}
    dry = two_plans("remind", "--dry-run", "--now", "2015-11-03", expect=1)
    assert "could not plan the reminders of other 2015-11" in dry.output


def _fail_for_plan_args(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    """`real(db, snap, ...)`, except that it raises for plan `name`."""

    def failing(db: Any, snap: Any, *args: Any, **kwargs: Any) -> Any:
        if snap.plan.name == name:
            raise AssertionError("Content line can not contain unescaped new line characters.")
        return real(db, snap, *args, **kwargs)

    return failing


def test_the_scheduler_delivers_the_good_plan_whatever_the_other_does(
    two_plans: Cam,
    smtp_server: SmtpServer,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from cam_tracker.reminders import daemon, ics

    for plan in ("cam-2015-2016", "other"):
        two_plans(
            "--plan", plan, "session", "reschedule", "2016-05", "--to", days_ahead(2),
            "--reason", "set", "--as", "secretariat",
        )  # fmt: skip
    monkeypatch.setattr(ics, "feed", _fail_for_plan("other", ics.feed))
    caplog.set_level("INFO")
    daemon.tick(db_url, None)
    assert sorted((plan_of(r), *r.recipients) for r in smtp_server.messages()) == [
        ("cam-2015-2016", address) for address in LEADERS
    ]
    waiting = [line for line in caplog.text.splitlines() if "waiting 3d reminder" in line]
    assert len(waiting) == 3 and all("cannot compose the message" in line for line in waiting)


def days_ahead(days: int) -> str:
    """A day `days` from today in the plan's time zone."""
    today = dt.datetime.now(ZoneInfo("America/New_York")).date()
    return (today + dt.timedelta(days=days)).isoformat()
