"""The long-running reminder process: catches up after downtime, sends once, stops cleanly."""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Cam, SmtpServer

from cam_tracker.reminders import daemon as scheduler

LEADERS = sorted(["chair@example.org", "vice.chair@example.org", "secretariat@example.org"])


@pytest.fixture
def staffed(loaded: Cam, monkeypatch: pytest.MonkeyPatch) -> Cam:
    monkeypatch.setenv("CAM_USER", "secretariat")  # who manages people registers them
    loaded("people", "add", "secretariat", "--update", "--email", LEADERS[1])
    loaded("people", "add", "chair", "--update", "--email", LEADERS[0])
    loaded("people", "add", "vice-chair", "--update", "--email", LEADERS[2], "--lang", "es")
    return loaded


def days_ahead(days: int) -> str:
    """A day `days` from today in the plan's time zone."""
    today = dt.datetime.now(ZoneInfo("America/New_York")).date()
    return (today + dt.timedelta(days=days)).isoformat()


def move(cam: Cam, session: str, day: str) -> None:
    cam("session", "reschedule", session, "--to", day, "--reason", "set", "--as", "secretariat")


def sessions_of(server: SmtpServer) -> list[tuple[str, str]]:
    return sorted(
        (str(p.get_filename()).removesuffix(".ics"), address)
        for r in server.messages()
        for p in r.message.walk()
        if p.get_filename()
        for address in r.recipients
    )


def start(db_url: str, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "cam_tracker", "--db", db_url]
    with log.open("ab") as stderr:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [*command, "scheduler", "run", "--interval", "0.3"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def wait_until(condition: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_the_job_is_configured_on_purpose() -> None:
    built = scheduler.build("sqlite:///x.db", None, interval=30)
    [job] = built.get_jobs()
    assert job.id == scheduler.JOB_ID
    assert job.func_ref == "cam_tracker.reminders.daemon:tick"
    assert (job.misfire_grace_time, job.coalesce, job.max_instances) == (30, True, 1)
    assert job.trigger.interval == dt.timedelta(seconds=30)
    assert str(built.timezone) == "UTC"
    assert job.next_run_time <= dt.datetime.now(dt.UTC)


def test_killed_scheduler_catches_up_when_restarted_and_sends_once(
    staffed: Cam, smtp_server: SmtpServer, db_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "scheduler.log"
    move(staffed, "2016-05", days_ahead(2))
    first = start(db_url, log)
    try:
        wait_until(lambda: len(smtp_server.messages()) >= 3)
        wait_until(lambda: [r["status"] for r in staffed.json("outbox")] == ["sent"] * 3)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    # While nobody watches, another session's reminder falls due.
    move(staffed, "2016-04", days_ahead(1))
    second = start(db_url, log)
    try:
        wait_until(lambda: len(smtp_server.messages()) >= 6)
        time.sleep(1.5)  # a few more ticks: nothing more goes out
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(timeout=30)
    assert second.returncode == 0
    assert sessions_of(smtp_server) == sorted(
        [("2016-04", a) for a in LEADERS] + [("2016-05", a) for a in LEADERS]
    )
    text = log.read_text()
    assert "sent 3d reminder of session 2016-04 to chair <chair@example.org>" in text
    assert "received SIGINT" in text and text.rstrip().endswith("scheduler stopped")
    assert smtp_server.PASSWORD not in text


def test_sigterm_stops_the_scheduler_cleanly(
    staffed: Cam, smtp_server: SmtpServer, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    move(staffed, "2016-05", days_ahead(3))
    caplog.set_level("INFO")

    def terminate_when_sent() -> None:
        deadline = time.monotonic() + 30
        while len(smtp_server.messages()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=terminate_when_sent)
    killer.start()
    scheduler.run(db_url, None, interval=0.2)
    killer.join()
    assert sessions_of(smtp_server) == [("2016-05", a) for a in LEADERS]
    assert "received SIGTERM" in caplog.text and "scheduler stopped" in caplog.text
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_bad_settings_stop_it_before_it_starts(staffed: Cam) -> None:
    result = staffed("scheduler", "run", "--interval", "1", expect=1)
    assert result.output == "Error: no sender address: set CAM_SMTP_FROM, or `from` in [smtp]\n"
    staffed("scheduler", "run", "--interval", "0", expect=2)


def test_two_schedulers_on_one_store_deliver_each_reminder_once(
    staffed: Cam, smtp_server: SmtpServer, db_url: str, tmp_path: Path
) -> None:
    """A deployment with a standby: both run, every reminder still goes out exactly once."""
    for offset, session in enumerate(["2016-02", "2016-03", "2016-04", "2016-05"], start=1):
        move(staffed, session, days_ahead(offset))
    expected = sorted((s, a) for s in ["2016-02", "2016-03", "2016-04", "2016-05"] for a in LEADERS)
    logs = [tmp_path / "primary.log", tmp_path / "standby.log"]
    processes = [start(db_url, log) for log in logs]
    try:
        wait_until(lambda: len(smtp_server.messages()) >= len(expected))
        time.sleep(1.5)  # several more ticks of both: nothing more goes out
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
    assert [p.returncode for p in processes] == [0, 0]
    assert sessions_of(smtp_server) == expected
    message_ids = [r.message["Message-ID"] for r in smtp_server.messages()]
    assert len(message_ids) == len(set(message_ids)) == len(expected)
    outbox = staffed.json("outbox")
    assert sorted(r["status"] for r in outbox) == ["sent"] * len(expected)
    sent_lines = [line for log in logs for line in log.read_text().splitlines() if " sent " in line]
    assert len(sent_lines) == len(expected)
