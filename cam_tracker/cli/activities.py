"""`cam list`, `show`, `advance`, `history`, `reschedule`: the activities of a plan."""

import click

from cam_tracker.cli.base import actor_option, cli, emit_json, json_option, who, workspace


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
    listing = workspace().activities(
        state=state,
        kind=kind,
        month=month,
        mandate=mandate,
        overdue=overdue,
        as_of=as_of,
        all_plans=all_plans,
    )
    if as_json:
        emit_json(listing.rows)
    else:
        from cam_tracker.cli import console

        console.activities(listing)


@cli.command("show")
@click.argument("key")
@click.option("--as-of", "as_of", metavar="DATE", help="As things stood at the end of DATE.")
@json_option
def show_command(key: str, as_of: str | None, as_json: bool) -> None:
    """Details of one activity: mandates, milestones, allowed events, history."""
    row = workspace().activity(key, as_of=as_of)
    if as_json:
        emit_json(row)
    else:
        from cam_tracker.cli import console

        console.activity(row)


@cli.command("advance")
@click.argument("key")
@click.argument("event")
@click.option("--note", help="What happened, in a sentence.")
@click.option("--doc", "document", metavar="SYMBOL", help="The document's symbol.")
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
    result = workspace().advance(
        key,
        event,
        actor=who(actor),
        note=note,
        document=document,
        session=session_key,
        on=on,
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
    rows = workspace().history(key)
    if as_json:
        emit_json(rows)
    else:
        from cam_tracker.cli import console

        console.history(rows)


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
    moved = workspace().reschedule(key, to_month=to_month, reason=reason, actor=who(actor), on=on)
    click.echo(
        f"{key}: {moved.milestone.event} moved from {moved.from_month} to {moved.to_month} "
        f"(session {moved.session.key})"
    )
