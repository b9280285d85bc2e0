"""The long-running reminder process: APScheduler 3 runs `tick` every N seconds.

The scheduler only says when to look. What is due comes from the clock and
the outbox (`outbox.run`), so whatever fell due while the process was down
is found by its first tick, which runs at start; and exactly-once comes from
the outbox's claims, so two processes never send the same row.
"""

import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from cam_tracker import store
from cam_tracker.core import dates
from cam_tracker.core.settings import reminder_settings, smtp_settings
from cam_tracker.reminders import outbox as reminders
from cam_tracker.reminders.due import failure_text

log = logging.getLogger(__name__)

JOB_ID = "cam-reminders"
_stop = threading.Event()


def tick(
    database_url: str, plan_name: str | None, after: Callable[[], object] | None = None
) -> None:
    """One look at what is due now: queue it, send it, log it; then `after`. Never raises.

    A reminder that cannot be planned or composed is logged and the others
    go on (see `reminders.run`); anything that stops the whole look is logged
    in one line, and the next tick looks again. After a look that wrote to the
    outbox, the store file is brought up to date (an SQLite checkpoint), so
    that a copy of it taken while the scheduler runs holds what was sent.

    `after` is what else the process keeps up to date at each look (the CLI's
    `--publish` passes the site's republishing); its failure is logged like a
    send's, and the next tick tries again.
    """
    try:
        report = reminders.run(
            database_url,
            dates.utcnow(),
            smtp=smtp_settings(),
            settings=reminder_settings(),
            plan_name=plan_name,
            stop=_stop,
        )
        if report.changed:
            store.checkpoint(database_url)
    except Exception as exc:
        log.error("reminders: %s", failure_text(exc))
    if after is not None and not _stop.is_set():
        try:
            after()
        except Exception as exc:
            log.error("after the reminders: %s", failure_text(exc))


def build(
    database_url: str,
    plan_name: str | None,
    *,
    interval: float,
    after: Callable[[], object] | None = None,
) -> Any:
    """A BlockingScheduler with one job: `tick` at once, then every `interval` seconds."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone=dt.UTC)
    scheduler.add_job(
        "cam_tracker.reminders.daemon:tick",
        trigger="interval",
        seconds=interval,
        id=JOB_ID,
        name="send the reminders that are due",
        replace_existing=True,
        kwargs={"database_url": database_url, "plan_name": plan_name, "after": after},
        # A tick that starts late still runs, as long as it is within one interval;
        # late ticks that piled up (a suspended machine) run once, not once each.
        misfire_grace_time=max(1, int(interval)),
        coalesce=True,
        max_instances=1,
        next_run_time=dates.utcnow(),
    )
    return scheduler


def run(
    database_url: str,
    plan_name: str | None,
    *,
    interval: float,
    after: Callable[[], object] | None = None,
) -> None:
    """Run until SIGTERM or SIGINT; the first look is at once, then every `interval` s.

    The settings are read afresh at each tick: a changed configuration file
    applies without a restart.
    """
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = build(database_url, plan_name, interval=interval, after=after)
    _stop.clear()
    stoppers: list[threading.Thread] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        if _stop.is_set():
            return
        log.info("received %s: stopping after the current send", signal.Signals(signum).name)
        _stop.set()
        # Shut down from another thread: a signal handler must not wait on the
        # scheduler's locks, which the interrupted main loop may hold.
        stopper = threading.Thread(target=_shutdown, args=(scheduler,), daemon=True)
        stoppers.append(stopper)
        stopper.start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info(
        "scheduler started: looking for due reminders every %s s (store %s)",
        f"{interval:g}",
        store.safe_url(database_url),
    )
    try:
        scheduler.start()
    finally:
        for stopper in stoppers:
            stopper.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        store.dispose(database_url)
    log.info("scheduler stopped")


def _shutdown(scheduler: Any) -> None:
    """Stop the scheduler once it runs, waiting for the tick in progress to finish."""
    from apscheduler.schedulers import SchedulerNotRunningError

    for _ in range(100):
        try:
            scheduler.shutdown(wait=True)
            return
        except SchedulerNotRunningError:  # the signal came before the scheduler started
            time.sleep(0.05)


def start(
    database_url: str,
    plan_name: str | None,
    *,
    interval: float,
    after: Callable[[], object] | None = None,
) -> None:
    """Check the settings and the store, configure logging on stderr, then `run`.

    A mistake in the settings or an unreachable store stops the command at
    once, with its one-line error, rather than at every tick.
    """
    smtp_settings()
    reminder_settings()
    store.engine_for(database_url, create=False)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    run(database_url, plan_name, interval=interval, after=after)
