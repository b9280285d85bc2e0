"""`cam calendar` and `cam session …`: the committee's sessions."""

from pathlib import Path

import click

from cam_tracker.cli.base import (
    actor_option,
    binary_needs_file,
    cli,
    csv_option,
    emit_json,
    json_option,
    language_choice,
    plural,
    who,
    workspace,
)
from cam_tracker.cli.complete import complete_activities, complete_sessions


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
@csv_option("calendar")
def calendar_command(month: str | None, ics_file: str | None, as_json: bool) -> None:
    """Sessions by month with their agenda and each item's state."""
    if ics_file is not None and as_json:
        raise click.UsageError("--ics goes without --json and --csv")
    if ics_file is not None:
        from cam_tracker.core.settings import reminder_settings
        from cam_tracker.reminders.ics import calendar_for

        count, data = calendar_for(workspace(), month, reminder_settings())
        if ics_file == "-":
            click.echo(data, nl=False)
            return
        try:
            Path(ics_file).write_bytes(data)
        except OSError as exc:
            raise click.FileError(ics_file, exc.strerror) from None

        click.echo(f"{plural(count, 'session')} written to {ics_file}")
        return
    rows = workspace().calendar(month)
    if as_json:
        emit_json(rows)
    else:
        from cam_tracker.cli import console

        console.calendar(rows)


@cli.group("session")
def session_group() -> None:
    """Record sessions of the committee."""


@session_group.command("record")
@click.argument("session_id", metavar="ID", shell_complete=complete_sessions)
@click.option(
    "--on",
    "on",
    metavar="DATE",
    help="The day it was held: its date if it has one, else a day of its month "
    "(default: its date, else today in its month).",
)
@click.option(
    "--as-planned",
    is_flag=True,
    help="Advance every agenda item by its planned event (again on a held session: "
    "the items still open).",
)
@click.option(
    "--except",
    "excluded",
    multiple=True,
    metavar="KEY",
    shell_complete=complete_activities,
    help="With --as-planned: leave this activity as it is (repeatable).",
)
@actor_option
def session_record(
    session_id: str, on: str | None, as_planned: bool, excluded: tuple[str, ...], actor: str | None
) -> None:
    """Record that session ID was held, and advance its agenda items.

    Exits 1 when an item was refused: what was recorded stays recorded.
    """
    outcomes = workspace().record_session(
        session_id, actor=who(actor), on=on, as_planned=as_planned, excluded=excluded
    )
    click.echo(f"session {session_id} recorded as held")
    for item in outcomes:
        event = f" {item.event}" if item.event else ""
        detail = f": {item.detail}" if item.detail else ""
        click.echo(f"  {item.status:<9} {item.activity}{event}{detail}")
    if any(item.status == "skipped" for item in outcomes):
        click.echo("advance the skipped items with `cam advance`, or record with --as-planned")
    refused = sum(1 for item in outcomes if item.status == "refused")
    if refused:
        advanced = sum(1 for item in outcomes if item.status == "advanced")
        click.echo(
            f"Error: {refused} item{'s' if refused > 1 else ''} refused; the session and the "
            f"{advanced} advanced are recorded. Once what blocked "
            f"{'them' if refused > 1 else 'it'} is done, run this again to advance "
            f"{'them' if refused > 1 else 'it'}.",
            err=True,
        )
        raise click.exceptions.Exit(1)


@session_group.command("reschedule")
@click.argument("session_id", metavar="ID", shell_complete=complete_sessions)
@click.option("--to", "to_day", required=True, metavar="YYYY-MM-DD", help="The new date.")
@click.option("--reason", required=True, help="Why it moves (kept in the history).")
@click.option("--on", "on", metavar="DATE", help="When it was decided (default: now).")
@actor_option
def session_reschedule(
    session_id: str, to_day: str, reason: str, on: str | None, actor: str | None
) -> None:
    """Set or move the date of session ID; its pending reminders follow."""
    from cam_tracker.core.settings import reminder_settings
    from cam_tracker.reminders.outbox import move_session

    move = move_session(
        workspace(),
        session_id,
        to=to_day,
        reason=reason,
        actor=who(actor),
        on=on,
        settings=reminder_settings(),
    )
    click.echo(f"session {session_id}: {move.moved.before} → {move.moved.after}")
    moved = plural(len(move.moved.history), "agenda activity", "agenda activities")
    click.echo(f"  recorded in the history of {moved}")
    if move.reminders_moved or move.reminders_dropped:
        click.echo(
            f"  pending reminders: {move.reminders_moved} moved to the new date, "
            f"{move.reminders_dropped} lapsed"
        )


@session_group.command("show")
@click.argument("session_id", metavar="ID")
@json_option
def session_show(session_id: str, as_json: bool) -> None:
    """When and where session ID is, its programme, and its agenda with each item's state."""
    row = workspace().session_detail(session_id)
    if as_json:
        emit_json(row)
    else:
        from cam_tracker.cli import console

        console.calendar([row])


# The details `cam session set` takes, each its own option, in the order they are told.
DETAILS = ("start", "end", "room", "building", "city", "modality", "link")


@session_group.command("set")
@click.argument("session_id", metavar="ID")
@click.option("--start", metavar="HH:MM", help="When it starts (24-hour, the plan's time zone).")
@click.option("--end", metavar="HH:MM", help="When it ends, the same day, after the start.")
@click.option("--room", metavar="TEXT", help="The room (e.g. 'Simón Bolívar Room').")
@click.option("--building", metavar="TEXT", help="The building.")
@click.option("--city", metavar="TEXT", help="The city.")
@click.option(
    "--modality",
    metavar="in_person|virtual|hybrid",
    help="How it is attended: in_person, virtual or hybrid.",
)
@click.option("--link", metavar="URL", help="Where to join online (an http or https address).")
@click.option(
    "--clear",
    "clear",
    multiple=True,
    metavar="FIELD",
    help=f"Forget a detail (repeatable): {', '.join(DETAILS)}.",
)
@click.option("--reason", help="Why (kept in the history).")
@actor_option
@json_option
def session_set(
    session_id: str,
    start: str | None,
    end: str | None,
    room: str | None,
    building: str | None,
    city: str | None,
    modality: str | None,
    link: str | None,
    clear: tuple[str, ...],
    reason: str | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Set the time and place of session ID; each change is kept in the history.

    A reload of the plan file keeps what is set here, unless the file gives a value.
    """
    values = dict(zip(DETAILS, (start, end, room, building, city, modality, link), strict=True))
    result = workspace().set_session(
        session_id,
        actor=who(actor),
        given={name: value for name, value in values.items() if value is not None},
        clear=clear,
        reason=reason,
    )
    changes = {name: {"from": pair[0], "to": pair[1]} for name, pair in result.changes.items()}
    if as_json:
        emit_json({"session": session_id, "changes": changes})
        return
    if not changes:
        click.echo(f"session {session_id}: unchanged")
        return
    click.echo(f"session {session_id}:")
    for name, change in changes.items():
        before = change["from"] if change["from"] is not None else "–"
        after = change["to"] if change["to"] is not None else "(cleared)"
        click.echo(f"  {name}: {before} → {after}")


def _session_document(kind: str, help_text: str) -> None:
    """`cam session agenda|summary ID`: one of a session's documents, in any format."""

    @session_group.command(kind, help=help_text)
    @click.argument("session_id", metavar="ID", shell_complete=complete_sessions)
    @click.option("--lang", type=language_choice(), help="Language of the document.")
    @click.option("--format", "fmt", metavar="md|html|pdf|docx", help="Default: from -o, else md.")
    @click.option("--symbol", metavar="SYMBOL", help="The document's symbol.")
    @click.option("--issued", metavar="DATE", help="Date of issue, YYYY-MM-DD.")
    @click.option(
        "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
    )
    def command(
        session_id: str,
        lang: str | None,
        fmt: str | None,
        symbol: str | None,
        issued: str | None,
        output: Path | None,
    ) -> None:
        from cam_tracker.reports import render

        fmt = render.format_for(output, fmt)
        binary_needs_file(fmt, render.RENDERERS[fmt].binary, output)
        paper = render.session_document(
            workspace(), session_id, kind, lang=lang, fmt=fmt, symbol=symbol, issued=issued
        )
        if output is None:
            click.echo(paper.content, nl=False)
            return
        render.write(output, paper.content)
        click.echo(
            f"{kind} of session {session_id} written to {output} ({paper.format}, {paper.lang})"
        )


_session_document(
    "agenda",
    "The draft order of business of session ID, with its symbol (Markdown, HTML, PDF or Word).",
)
_session_document(
    "summary",
    "The draft summary of the decisions recorded at session ID (Markdown, HTML, PDF or Word).",
)
