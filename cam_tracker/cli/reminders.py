"""`cam remind`, `cam outbox`, `cam scheduler run`: reminders before sessions."""

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cam_tracker.cli.base import (
    cli,
    emit_json,
    json_option,
    language_choice,
    now_option,
    workspace,
)
from cam_tracker.cli.complete import complete_people, complete_sessions

if TYPE_CHECKING:
    from cam_tracker.reminders.due import Problem


@cli.group("remind", invoke_without_command=True)
@now_option
@click.option("--dry-run", is_flag=True, help="Show who would get what; queue and send nothing.")
@click.pass_context
def remind_group(ctx: click.Context, now: str | None, dry_run: bool) -> None:
    """Queue the reminders due now (one digest per person) and send the queue."""
    if ctx.invoked_subcommand is not None:
        if now or dry_run:
            raise click.UsageError(f"--now and --dry-run go after `{ctx.invoked_subcommand}`")
        return
    from cam_tracker.cli import console
    from cam_tracker.core.settings import reminder_settings, smtp_settings
    from cam_tracker.reminders import outbox

    if dry_run:
        problems: list[Problem] = []
        reminders, digests = outbox.all_due_now(workspace(), now, reminder_settings(), problems)
        console.reminders_due(reminders)
        console.changes_due(digests)
        _refuse_if_troubled(0, problems)
        return
    report = outbox.remind(workspace(), now, smtp=smtp_settings(), settings=reminder_settings())
    console.reminders_sent(report)
    troubled = [o for o in report.outcomes if o.status in ("failed", "waiting")]
    _refuse_if_troubled(len(troubled), report.problems)


def _refuse_if_troubled(undelivered: int, problems: "list[Problem]") -> None:
    """Name what could not be planned, one line each; exit 1 if anything went wrong."""
    from cam_tracker.core.errors import DeliveryError

    for problem in problems:
        click.echo(str(problem))
    reasons = []
    if undelivered:
        reasons.append(f"{undelivered} reminder(s) not delivered; see `cam outbox`")
    if problems:
        reasons.append(f"{len(problems)} plan(s) or session(s) could not be planned")
    if reasons:
        raise DeliveryError("; ".join(reasons))


@remind_group.command("preview")
@click.argument("session_id", metavar="[SESSION]", required=False, shell_complete=complete_sessions)
@click.option("--next", "next_session", is_flag=True, help="The next session ahead of --now.")
@now_option
@click.option(
    "--to",
    "person",
    metavar="PERSON",
    shell_complete=complete_people,
    help="Render for this person.",
)
@click.option("--lang", type=language_choice(), help="Language (default: the reader's).")
@click.option("--html", is_flag=True, help="Print the HTML part instead of the text.")
def remind_preview(
    session_id: str | None,
    next_session: bool,
    now: str | None,
    person: str | None,
    lang: str | None,
    html: bool,
) -> None:
    """Render the reminder of SESSION (or --next) as it would go out."""
    from cam_tracker.reminders.digest import preview_for

    if (session_id is None) == (not next_session):
        raise click.UsageError("name a SESSION, or give --next")
    shown = preview_for(workspace(), session_id, now=now, person_key=person, lang=lang, html=html)
    click.echo(f"Session: {shown.session}\nTo: {shown.to}\nSubject: {shown.subject}\n")
    click.echo(shown.body, nl=False)


@cli.group("outbox", invoke_without_command=True)
@click.option("--failed", is_flag=True, help="Only the reminders that failed.")
@json_option
@click.pass_context
def outbox_group(ctx: click.Context, failed: bool, as_json: bool) -> None:
    """The reminders queued: sent, waiting and failed, and why."""
    if ctx.invoked_subcommand is not None:
        return
    from cam_tracker.reminders import outbox

    rows = outbox.listing(workspace(), failed_only=failed)
    if as_json:
        emit_json(rows)
    else:
        from cam_tracker.cli import console

        console.outbox(rows)


@outbox_group.command("retry")
@click.argument("row_id", metavar="ID", type=click.IntRange(1, 2**31 - 1))
def outbox_retry(row_id: int) -> None:
    """Put reminder ID back in line: the next run sends it."""
    from cam_tracker.reminders import outbox

    outbox.retry_row(workspace(), row_id)
    click.echo(f"outbox row {row_id} will be sent at the next run")


@cli.group("scheduler")
def scheduler_group() -> None:
    """The long-running process that sends reminders when they fall due."""


@scheduler_group.command("run")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=300,
    show_default=True,
    metavar="SECONDS",
    help="How often to look for due reminders.",
)
@click.option(
    "--publish",
    "publish_dir",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Also republish the public site in DIR (see `cam publish`) whenever the store changed.",
)
def scheduler_run(interval: float, publish_dir: Path | None) -> None:
    """Send due reminders every SECONDS until SIGTERM or SIGINT (logs on stderr)."""
    import gc

    gc.enable()  # paused for one-shot commands (see __main__); this one runs for days

    from cam_tracker.reminders import daemon

    ws = workspace()
    after = None
    if publish_dir is not None:
        from cam_tracker.reminders import ics
        from cam_tracker.reports import site

        after = site.refresher(ws.database_url, publish_dir, ics.feeds)
    daemon.start(ws.database_url, ws.plan_name, interval=interval, after=after)
