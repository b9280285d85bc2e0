"""The `cam` command: parse, call the library, print. No SQL, no logic.

Imports here stay light so that `cam --help` starts fast; each command
imports what it needs when it runs.
"""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

from cam_tracker import __version__
from cam_tracker.config import Settings
from cam_tracker.resources import languages

if TYPE_CHECKING:
    import datetime as dt

    from sqlmodel import Session

    from cam_tracker import models

F = TypeVar("F", bound=Callable[..., Any])


def _failure(message: str, exit_code: int) -> click.ClickException:
    """A library error as click reports it: one line, the library's exit code."""
    failure: type[click.ClickException] = type(
        "CamFailure", (click.ClickException,), {"exit_code": exit_code}
    )
    return failure(message)


class CamGroup(click.Group):
    """Turns library errors into one-line messages with their exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        from cam_tracker.errors import CamError

        try:
            return super().invoke(ctx)
        except CamError as exc:
            raise _failure(str(exc), exc.exit_code) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            from sqlalchemy.exc import SQLAlchemyError

            if isinstance(exc, SQLAlchemyError):
                message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                raise click.ClickException(f"store error: {message}") from None
            raise


def _settings() -> Settings:
    return click.get_current_context().find_object(Settings) or Settings(database_url="")


@contextmanager
def _store() -> Iterator["Session"]:
    from cam_tracker import store

    with store.session(_settings().database_url) as db:
        yield db


def _plan(db: "Session") -> "models.Plan":
    from cam_tracker.tracker import current_plan

    return current_plan(db, _settings().plan)


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


def actor_option(func: F) -> F:
    return click.option(
        "--as", "actor", metavar="PERSON", help="Who acts (default: $CAM_USER or the OS user)."
    )(func)


@click.group(cls=CamGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    metavar="URL|PATH",
    help="Store: an SQLAlchemy URL or an SQLite file (default: $CAM_DATABASE_URL, "
    "else SQLite in your data directory).",
)
@click.option(
    "--plan",
    "plan_name",
    metavar="NAME",
    envvar="CAM_PLAN",
    help="Work plan to act on (default: the one loaded last).",
)
@click.option(
    "--lang",
    type=click.Choice(languages()),
    default="en",
    envvar="CAM_LANG",
    show_default=True,
    help="Language of labels and titles.",
)
@click.version_option(__version__, prog_name="cam")
@click.pass_context
def cli(ctx: click.Context, db: str | None, plan_name: str | None, lang: str) -> None:
    """Run a committee's work plan: activities as state machines, from the command line."""
    from cam_tracker.config import database_url

    ctx.obj = Settings(database_url=database_url(db), plan=plan_name, lang=lang)


# --- plans -----------------------------------------------------------------


@cli.group("plan")
def plan_group() -> None:
    """Load work plans and list them."""


@plan_group.command("load")
@click.argument("source", metavar="NAME|FILE")
def plan_load(source: str) -> None:
    """Load a bundled plan by name, or a plan file; loading again updates it."""
    from cam_tracker import plan

    with _store() as db:
        report = plan.load(db, source)
    verb = "loaded" if report.created else "updated"
    if report.unchanged:
        click.echo(f"{report.plan}: unchanged (the file is the one already loaded)")
        return
    click.echo(
        f"{report.plan}: {verb}: {len(report.activities_added)} activities added, "
        f"{len(report.activities_updated)} updated, {len(report.sessions_added)} sessions added"
    )
    for key in report.activities_missing:
        click.echo(f"warning: activity {key} is no longer in the file; kept with its history")
    for key in report.sessions_missing:
        click.echo(f"warning: session {key} is no longer in the file; kept, hidden")


@plan_group.command("list")
@json_option
def plan_list(as_json: bool) -> None:
    """Show bundled and loaded plans."""
    from cam_tracker import console, views

    with _store() as db:
        rows = views.plans(db)
    _emit_json(rows) if as_json else console.plans(rows)


# --- activities ---------------------------------------------------------------


@cli.command("list")
@click.option("--state", help="Only activities in this state.")
@click.option("--kind", help="Only activities of this workflow kind.")
@click.option("--month", metavar="YYYY-MM", help="Only activities with a milestone this month.")
@click.option("--mandate", metavar="TEXT", help="Only activities serving a matching mandate.")
@click.option("--overdue", is_flag=True, help="Only activities behind plan.")
@click.option("--as-of", "as_of", metavar="DATE", help="As things stood at the end of DATE.")
@click.option("--all-plans", is_flag=True, help="Every plan's activities, each with its plan.")
@json_option
def list_command(
    state: str | None,
    kind: str | None,
    month: str | None,
    mandate: str | None,
    overdue: bool,
    as_of: str | None,
    all_plans: bool,
    as_json: bool,
) -> None:
    """Activities with state, kind, next milestone and behind-plan flag."""
    from cam_tracker import console, schedule, tracker, views
    from cam_tracker.config import parse_moment

    lang = _settings().lang
    if all_plans:
        with _store() as db:
            snaps = schedule.snapshots(
                db,
                tracker.all_plans(db),
                parse_moment(as_of, "--as-of date") if as_of else None,
                with_history=False,
            )
            rows = views.list_across(
                snaps,
                state=state,
                kind=kind,
                month=month,
                mandate=mandate,
                overdue=overdue,
                lang=lang,
            )
        if as_json:
            _emit_json(rows)
        else:
            console.activities(rows, "all plans", snaps[0].today, with_plan=True)
        return
    with _store() as db:
        plan = _plan(db)
        moment = schedule.as_of_moment(plan, parse_moment(as_of, "--as-of date") if as_of else None)
        snap = schedule.snapshot(db, plan, moment, with_history=False)
        rows = views.list_activities(
            snap, state=state, kind=kind, month=month, mandate=mandate, overdue=overdue, lang=lang
        )
    _emit_json(rows) if as_json else console.activities(rows, plan.name, snap.today)


@cli.command("show")
@click.argument("key")
@click.option("--as-of", "as_of", metavar="DATE", help="As things stood at the end of DATE.")
@json_option
def show_command(key: str, as_of: str | None, as_json: bool) -> None:
    """Details of one activity: mandates, milestones, allowed events, history."""
    from cam_tracker import console, schedule, views
    from cam_tracker.config import parse_moment

    with _store() as db:
        plan = _plan(db)
        moment = schedule.as_of_moment(plan, parse_moment(as_of, "--as-of date") if as_of else None)
        row = views.show(schedule.snapshot(db, plan, moment), key, _settings().lang)
    _emit_json(row) if as_json else console.activity(row)


@cli.command("advance")
@click.argument("key")
@click.argument("event")
@click.option("--note", help="What happened, in a sentence.")
@click.option(
    "--doc", "document", metavar="SYMBOL", help="Document symbol, e.g. CIDI/CAM/doc.14/14."
)
@click.option("--session", "session_key", metavar="ID", help="The session where it happened.")
@click.option(
    "--on", "on", metavar="DATE", help="When it happened (default: the session's date, else now)."
)
@actor_option
def advance_command(
    key: str,
    event: str,
    note: str | None,
    document: str | None,
    session_key: str | None,
    on: str | None,
    actor: str | None,
) -> None:
    """Fire one transition: EVENT on activity KEY."""
    from cam_tracker import tracker
    from cam_tracker.config import actor_name, parse_moment

    with _store() as db:
        result = tracker.advance(
            db,
            _plan(db),
            key,
            event,
            actor=actor_name(actor),
            note=note,
            document=document,
            session_key=session_key,
            on=parse_moment(on, "--on date") if on else None,
        )
    row = result.row
    click.echo(
        f"{key}: {row.from_state} → {row.to_state} ({event}, {row.at.date()}, by {row.actor})"
    )
    if result.milestone is not None:
        click.echo(f"milestone of {result.milestone.planned_month} done")


@cli.command("history")
@click.argument("key", required=False)
@json_option
def history_command(key: str | None, as_json: bool) -> None:
    """The log of transitions, newest last; one activity's with KEY."""
    from cam_tracker import console, schedule, views

    with _store() as db:
        plan = _plan(db)
        rows = views.history(schedule.snapshot(db, plan), key)
    _emit_json(rows) if as_json else console.history(rows)


@cli.command("reschedule")
@click.argument("key")
@click.option("--to", "to_month", required=True, metavar="YYYY-MM", help="The new month.")
@click.option("--reason", required=True, help="Why it moves (kept in the history).")
@click.option("--on", "on", metavar="DATE", help="When it was decided (default: now).")
@actor_option
def reschedule_command(
    key: str, to_month: str, reason: str, on: str | None, actor: str | None
) -> None:
    """Move an activity's next milestone to another month."""
    from cam_tracker import tracker
    from cam_tracker.config import actor_name, parse_day

    with _store() as db:
        moved = tracker.reschedule(
            db,
            _plan(db),
            key,
            to_month=to_month,
            reason=reason,
            actor=actor_name(actor),
            on=parse_day(on, "--on date") if on else None,
        )
    click.echo(
        f"{key}: {moved.milestone.event} moved from {moved.from_month} to {moved.to_month} "
        f"(session {moved.session.key})"
    )


# --- sessions and calendar ------------------------------------------------------


@cli.command("calendar")
@click.option("--month", metavar="YYYY-MM", help="Only this month.")
@click.option(
    "--ics",
    "ics_file",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    metavar="FILE",
    help="Write the sessions as iCalendar (with reminder alarms) to FILE ('-': standard output).",
)
@json_option
def calendar_command(month: str | None, ics_file: str | None, as_json: bool) -> None:
    """Sessions by month with their agenda and each item's state."""
    from cam_tracker import console, schedule, views

    with _store() as db:
        plan = _plan(db)
        snap = schedule.snapshot(db, plan, with_history=False)
        rows = views.calendar(snap, month, _settings().lang)
    if ics_file is not None:
        from cam_tracker import ics, models
        from cam_tracker.config import reminder_settings

        keys = {row["id"] for row in rows}
        meetings = [m for m in snap.sessions if m.key in keys]
        data = ics.feed(snap, meetings, reminder_settings(), _settings().lang, models.utcnow())
        if ics_file == "-":
            click.echo(data, nl=False)
            return
        try:
            Path(ics_file).write_bytes(data)
        except OSError as exc:
            raise click.FileError(ics_file, exc.strerror) from None
        click.echo(f"{len(meetings)} sessions written to {ics_file}")
        return
    _emit_json(rows) if as_json else console.calendar(rows)


@cli.group("session")
def session_group() -> None:
    """Record sessions of the committee."""


@session_group.command("record")
@click.argument("session_id", metavar="ID")
@click.option(
    "--on", "on", metavar="DATE", help="The day it was held (default: its date, else today)."
)
@click.option("--as-planned", is_flag=True, help="Advance every agenda item by its planned event.")
@click.option(
    "--except",
    "excluded",
    multiple=True,
    metavar="KEY",
    help="With --as-planned: leave this activity as it is (repeatable).",
)
@actor_option
def session_record(
    session_id: str, on: str | None, as_planned: bool, excluded: tuple[str, ...], actor: str | None
) -> None:
    """Record that session ID was held, and advance its agenda items."""
    from cam_tracker import tracker
    from cam_tracker.config import actor_name, parse_day

    with _store() as db:
        outcomes = tracker.record_session(
            db,
            _plan(db),
            session_id,
            actor=actor_name(actor),
            on=parse_day(on, "--on date") if on else None,
            as_planned=as_planned,
            excluded=excluded,
        )
    click.echo(f"session {session_id} recorded as held")
    for item in outcomes:
        event = f" {item.event}" if item.event else ""
        detail = f": {item.detail}" if item.detail else ""
        click.echo(f"  {item.status:<9} {item.activity}{event}{detail}")
    if any(item.status == "skipped" for item in outcomes):
        click.echo("advance the skipped items with `cam advance`, or record with --as-planned")


@session_group.command("reschedule")
@click.argument("session_id", metavar="ID")
@click.option("--to", "to_day", required=True, metavar="YYYY-MM-DD", help="The new date.")
@click.option("--reason", required=True, help="Why it moves (kept in the history).")
@actor_option
def session_reschedule(session_id: str, to_day: str, reason: str, actor: str | None) -> None:
    """Set or move the date of session ID; its pending reminders follow."""
    from cam_tracker import meetings
    from cam_tracker.config import actor_name, parse_day, reminder_settings

    with _store() as db:
        moved = meetings.reschedule(
            db,
            _plan(db),
            session_id,
            to=parse_day(to_day, "--to date"),
            reason=reason,
            actor=actor_name(actor),
            settings=reminder_settings(),
        )
    click.echo(f"session {session_id}: {moved.before} → {moved.after}")
    click.echo(f"  recorded in the history of {len(moved.history)} agenda activities")
    if moved.reminders_moved or moved.reminders_dropped:
        click.echo(
            f"  pending reminders: {moved.reminders_moved} moved to the new date, "
            f"{moved.reminders_dropped} lapsed"
        )


# --- people and reminders ------------------------------------------------------


@cli.group("people")
def people_group() -> None:
    """Who acts, who hears about it, who is responsible for what."""


@people_group.command("add")
@click.argument("key")
@click.option("--name", help="Full name, one line.")
@click.option("--email", metavar="ADDR", help="Email address for reminders.")
@click.option("--role", help="chair, vice_chair, secretariat, delegate or coordinator.")
@click.option("--lang", "language", type=click.Choice(languages()), help="Language of emails.")
@click.option("--update", is_flag=True, help="Change a person who exists (given fields only).")
def people_add(
    key: str,
    name: str | None,
    email: str | None,
    role: str | None,
    language: str | None,
    update: bool,
) -> None:
    """Register person KEY (or change them with --update)."""
    from cam_tracker import people

    with _store() as db:
        person, created = people.add(
            db, key, name=name, email=email, role=role, language=language, update=update
        )
    verb = "added" if created else "updated"
    click.echo(f"{verb} {person.key}: {person.name} ({person.role}) {person.email or 'no email'}")


@people_group.command("list")
@json_option
def people_list(as_json: bool) -> None:
    """Everyone, with role, email, language and what they are responsible for."""
    from cam_tracker import console, people

    with _store() as db:
        rows = people.listing(db, _settings().plan)
    _emit_json(rows) if as_json else console.people(rows)


@people_group.command("assign")
@click.argument("person")
@click.argument("activity")
def people_assign(person: str, activity: str) -> None:
    """Make PERSON responsible for ACTIVITY."""
    from cam_tracker import people

    with _store() as db:
        added = people.assign(db, _plan(db), person, activity)
    click.echo(f"{person} {'is now' if added else 'was already'} responsible for {activity}")


@people_group.command("unassign")
@click.argument("person")
@click.argument("activity")
def people_unassign(person: str, activity: str) -> None:
    """PERSON is no longer responsible for ACTIVITY."""
    from cam_tracker import people

    with _store() as db:
        people.unassign(db, _plan(db), person, activity)
    click.echo(f"{person} is no longer responsible for {activity}")


def now_option(func: F) -> F:
    return click.option(
        "--now",
        "now",
        metavar="DATETIME",
        help="Act as at this moment (default: now); a date means the end of that day "
        "in the plan's time zone.",
    )(func)


def _moment(db: "Session", now: str | None) -> "dt.datetime":
    from cam_tracker import models, schedule
    from cam_tracker.config import parse_moment

    if now is None:
        return models.utcnow()
    moment = schedule.as_of_moment(_plan(db), parse_moment(now, "--now moment"))
    assert moment is not None
    return moment


@cli.group("remind", invoke_without_command=True)
@now_option
@click.option("--dry-run", is_flag=True, help="Show who would get what; queue and send nothing.")
@click.pass_context
def remind_group(ctx: click.Context, now: str | None, dry_run: bool) -> None:
    """Queue the reminders due now (one digest per person) and send the queue."""
    from cam_tracker import console, reminders

    if ctx.invoked_subcommand is not None:
        if now or dry_run:
            raise click.UsageError(f"--now and --dry-run go after `{ctx.invoked_subcommand}`")
        return
    from cam_tracker.config import reminder_settings, smtp_settings
    from cam_tracker.errors import DeliveryError

    settings = reminder_settings()
    plan_name = _settings().plan
    with _store() as db:
        moment = _moment(db, now)
        if dry_run:
            console.reminders_due(reminders.due(db, moment, settings, plan_name))
            return
    report = reminders.run(
        _settings().database_url,
        moment,
        smtp=smtp_settings(),
        settings=settings,
        plan_name=plan_name,
    )
    console.reminders_sent(report)
    troubled = [o for o in report.outcomes if o.status in ("failed", "waiting")]
    if troubled:
        raise DeliveryError(f"{len(troubled)} reminder(s) not delivered; see `cam outbox`")


@remind_group.command("preview")
@click.argument("session_id", metavar="[SESSION]", required=False)
@click.option("--next", "next_session", is_flag=True, help="The next session ahead of --now.")
@now_option
@click.option("--to", "person", metavar="PERSON", help="Render for this person.")
@click.option("--lang", type=click.Choice(languages()), help="Language (default: the reader's).")
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
    from cam_tracker import reminders

    if (session_id is None) == (not next_session):
        raise click.UsageError("name a SESSION, or give --next")
    with _store() as db:
        shown = reminders.preview(
            db,
            _plan(db),
            session_id,
            now=_moment(db, now),
            person_key=person,
            lang=lang,
            html=html,
        )
    click.echo(f"Session: {shown.session}\nTo: {shown.to}\nSubject: {shown.subject}\n")
    click.echo(shown.body, nl=False)


@cli.group("outbox", invoke_without_command=True)
@click.option("--failed", is_flag=True, help="Only the reminders that failed.")
@json_option
@click.pass_context
def outbox_group(ctx: click.Context, failed: bool, as_json: bool) -> None:
    """The reminders queued: sent, waiting and failed, and why."""
    from cam_tracker import console, reminders

    if ctx.invoked_subcommand is not None:
        return
    with _store() as db:
        rows = reminders.rows(db, failed_only=failed)
    _emit_json(rows) if as_json else console.outbox(rows)


@outbox_group.command("retry")
@click.argument("row_id", metavar="ID", type=int)
def outbox_retry(row_id: int) -> None:
    """Put reminder ID back in line: the next run sends it."""
    from cam_tracker import reminders

    with _store() as db:
        reminders.retry(db, row_id)
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
def scheduler_run(interval: float) -> None:
    """Send due reminders every SECONDS until SIGTERM or SIGINT (logs on stderr)."""
    import gc
    import logging

    gc.enable()  # paused for one-shot commands (see __main__); this one runs for days

    from cam_tracker import scheduler
    from cam_tracker.config import reminder_settings, smtp_settings

    smtp_settings()
    reminder_settings()
    with _store():
        pass
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    scheduler.run(_settings().database_url, _settings().plan, interval=interval)


# --- reports -------------------------------------------------------------------


@cli.command("report")
@click.option("--plan", "plan_name", metavar="NAME", help="Work plan to report on.")
@click.option("--as-of", "as_of", metavar="DATE", help="As things stood at the end of DATE.")
@click.option("--lang", type=click.Choice(languages()), help="Language of the report.")
@click.option(
    "--format", "fmt", type=click.Choice(["md", "html", "pdf"]), help="Default: from -o, else md."
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
def report_command(
    plan_name: str | None,
    as_of: str | None,
    lang: str | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """The progress report for the General Assembly (Markdown, HTML or PDF)."""
    from cam_tracker import reports, schedule, tracker
    from cam_tracker.config import parse_moment

    settings = _settings()
    lang = lang or settings.lang
    fmt = reports.format_for(output, fmt)
    with _store() as db:
        plan = tracker.current_plan(db, plan_name or settings.plan)
        moment = schedule.as_of_moment(plan, parse_moment(as_of, "--as-of date") if as_of else None)
        data = reports.gather(db, plan, moment)
    content = reports.render(data, fmt, lang)
    if output is None:
        click.echo(content, nl=False)
        return
    reports.write(output, content)
    click.echo(f"report written to {output} ({fmt}, {lang}, as of {data.as_of.isoformat()})")


# --- workflows -----------------------------------------------------------------


@cli.group("workflow")
def workflow_group() -> None:
    """Inspect the workflow kinds."""


@workflow_group.command("list")
def workflow_list() -> None:
    """The workflow kinds with their states."""
    from cam_tracker import console, workflow

    console.workflows(list(workflow.workflows().values()), _settings().lang)


@workflow_group.command("show")
@click.argument("kind")
@click.option("--mermaid", is_flag=True, help="Print a Mermaid state diagram instead.")
def workflow_show(kind: str, mermaid: bool) -> None:
    """States and transitions of one kind (or its Mermaid diagram)."""
    from cam_tracker import console, workflow

    flow = workflow.get(kind)
    if mermaid:
        click.echo(flow.mermaid(_settings().lang), nl=False)
    else:
        console.workflow(flow, _settings().lang)


# --- store: audit, export, import, upgrade -----------------------------------------


@cli.group("audit")
def audit_group() -> None:
    """Check the store's tamper-evident history."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Walk the history chain; name the first row edited, deleted or inserted out of band."""
    from cam_tracker import audit
    from cam_tracker.errors import IntegrityError

    with _store() as db:
        result = audit.verify(db)
    if not result.ok:
        raise IntegrityError(f"history chain broken: {result.problem}")
    click.echo(f"history chain verified: {result.rows} rows, no row edited, deleted or inserted")


@cli.command("export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE",
    help="Write to FILE (default: standard output).",
)
def export_command(output: str | None) -> None:
    """Write everything (plans, people, states, history, outbox) as JSON."""
    from cam_tracker import transfer

    with _store() as db:
        data = transfer.export(db)
    if output is None:
        click.echo(transfer.to_json(data), nl=False)
        return
    with open(output, "w", encoding="utf-8") as out:
        out.write(transfer.to_json(data))
    rows = sum(len(rows) for rows in data["tables"].values())
    click.echo(f"exported {rows} rows to {output}", err=True)


@cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_command(file: IO[str]) -> None:
    """Restore an export into an empty store."""
    import json

    from cam_tracker import transfer
    from cam_tracker.errors import InvalidDefinition

    try:
        data = json.load(file)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidDefinition(f"{file.name}: not JSON: {exc}") from None
    with _store() as db:
        counts = transfer.import_(db, data)
    click.echo(f"imported {sum(counts.values())} rows into {len(counts)} tables")


@cli.group("db")
def db_group() -> None:
    """Manage the store's schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the store's schema to this release (also done on first use)."""
    from cam_tracker import store

    before, after = store.upgrade(_settings().database_url)
    if before is None:
        click.echo(f"new store created at schema {after}")
    elif before == after:
        click.echo(f"store already at schema {after}")
    else:
        click.echo(f"store upgraded from schema {before} to {after}")


def main() -> None:
    """Run the click application (`cam_tracker.__main__` calls it)."""
    cli(prog_name="cam")


def prepared_help() -> str:
    """The text of `help.txt`: the languages, then `cam --help` as printed 80 columns wide.

    Click's help is 2 columns narrower than a console of 80 columns or more.
    """
    with click.Context(cli, info_name="cam", terminal_width=78, **cli.context_settings) as ctx:
        return "|".join(languages()) + "\n" + cli.get_help(ctx) + "\n"


if __name__ == "__main__":
    main()
