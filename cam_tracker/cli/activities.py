"""`cam list`, `show`, `advance`, `history`, `reschedule`, `waive`: the activities of a plan."""

from typing import Any

import click
from click.shell_completion import CompletionItem

from cam_tracker.cli.base import (
    actor_option,
    cli,
    csv_option,
    emit_json,
    json_option,
    who,
    workspace,
)
from cam_tracker.cli.complete import (
    complete_activities,
    complete_events,
    complete_sessions,
    words,
)


@cli.command("list")
@click.option("--state", help="Only activities in this state.")
@click.option("--kind", help="Only activities of this workflow kind.")
@click.option("--month", metavar="YYYY-MM", help="Only activities with a milestone this month.")
@click.option("--mandate", metavar="TEXT", help="Only activities serving a matching mandate.")
@click.option("--overdue", is_flag=True, help="Only activities behind plan.")
@click.option("--as-of", "as_of", metavar="DATE", help="As things stood at the end of DATE.")
@click.option("--all-plans", is_flag=True, help="Every plan's activities, each with its plan.")
@json_option
@csv_option("activities")
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
@click.argument("key", shell_complete=complete_activities)
@click.option("--as-of", "as_of", metavar="DATE", help="As things stood at the end of DATE.")
@json_option
def show_command(key: str, as_of: str | None, as_json: bool) -> None:
    """Details of one activity: mandates, milestones, allowed events, history."""
    row = workspace().activity(key, as_of=as_of)
    if as_json:
        emit_json(row)
    else:
        from cam_tracker.cli import console

        console.activity({**row, "history": _marked(row["history"])})


@cli.command("advance")
@click.argument("key", shell_complete=complete_activities)
@click.argument("event", shell_complete=complete_events)
@click.option("--note", help="What happened, in a sentence.")
@click.option("--doc", "document", metavar="SYMBOL", help="The document's symbol.")
@click.option(
    "--session",
    "session_key",
    metavar="ID",
    shell_complete=complete_sessions,
    help="The session where it happened.",
)
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
    click.echo(f"{key}: {row.from_state} → {row.to_state} ({event}, {result.day}, by {row.actor})")
    if result.milestone is not None:
        click.echo(f"milestone of {result.milestone.planned_month} done")


def _changes(changes: dict[str, tuple[Any, Any]]) -> str:
    """A correction's changes in one line: `day 2015-11-03 → 2015-11-05; doc A → B`."""
    names = {"at": "day", "document": "doc", "note": "note"}
    told = []
    for name, (before, after) in changes.items():
        if name == "at":  # an ISO moment, or a datetime: its day
            before, after = str(before or "")[:10], str(after or "")[:10]
        told.append(f"{names.get(name, name)} {before or '–'} → {after or '–'}")
    return "; ".join(told)


def _marked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History rows for reading: a corrected step says so, a correction says what it changed.

    The rows already carry the corrected values; only the note shown is composed.
    """
    marked = []
    for row in rows:
        note = row["note"]
        if row.get("corrects"):
            changes = {k: (v["from"], v["to"]) for k, v in row["corrects"]["changes"].items()}
            told = f"corrects #{row['corrects']['id']}: {_changes(changes)}"
            note = f"{told}; reason: {note}" if note else told
        elif row.get("corrected_by"):
            mark = f"[corrected by #{', #'.join(str(i) for i in row['corrected_by'])}]"
            note = f"{note} {mark}" if note else mark
        marked.append({**row, "note": note})
    return marked


def _chain_line(row: dict[str, Any]) -> str:
    """One row of the whole chain: `#id day actor (role) what`."""
    role = "single-user" if row["actor_role"] == "*" else row["actor_role"]
    head = f"#{row['id']:<5} {row['at'][:10]}  {row['actor']} ({role})  "
    if row["record"] == "step":
        what = f"{row['activity']} {row['event']}: {row['from_state']} → {row['to_state']}"
    else:
        told = "; ".join(
            f"{name} {_shown(pair['from'])} → {_shown(pair['to'])}"
            for name, pair in row["changes"].items()
        )
        what = f"{row['subject']} {row['key']} {row['action']}: {told}"
    note = f" — {row['note']}" if row.get("note") else ""
    return head + what + note


def _shown(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {'/'.join(v)}" for k, v in value.items())
    return str(value)


_KEY = "cam_tracker.history.key"


class _HistoryGroup(click.Group):
    """`cam history [KEY]` prints the log; `cam history correct ID …` corrects a step.

    A first argument that names no subcommand is the KEY of the activity whose log to print.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = list(args)
        first = next((i for i, arg in enumerate(rest) if not arg.startswith("-")), None)
        if first is not None and rest[first] not in self.commands:
            ctx.meta[_KEY] = rest.pop(first)
        return super().parse_args(ctx, rest)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """The subcommands, and the activities' keys (KEY) while none is typed yet."""
        found = super().shell_complete(ctx, incomplete)
        if incomplete.startswith("-") or ctx.meta.get(_KEY) is not None:
            return found
        return [*found, *(CompletionItem(key) for key in words(ctx, "activity", incomplete))]


@cli.group(
    "history",
    cls=_HistoryGroup,
    invoke_without_command=True,
    subcommand_metavar="[KEY] | correct ID ...",
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="The whole chain: the steps and every other change to the record (people, "
    "assignments, sessions, plan loads).",
)
@json_option
@csv_option("history")
@click.pass_context
def history_command(ctx: click.Context, everything: bool, as_json: bool) -> None:
    """The log of transitions, newest last; one activity's with KEY."""
    if ctx.invoked_subcommand is not None:
        if ctx.meta.get(_KEY) is not None or as_json or everything:
            raise click.UsageError(
                f"KEY, --all, --json and --csv go without `{ctx.invoked_subcommand}`"
            )
        return
    if everything and ctx.meta.get(_KEY) is not None:
        raise click.UsageError("--all lists the whole chain: it goes without KEY")
    rows = workspace().history(ctx.meta.get(_KEY), everything=everything)
    if as_json:
        emit_json(rows)
    elif everything:
        for row in rows:
            click.echo(_chain_line(row))
    else:
        from cam_tracker.cli import console

        console.history(_marked(rows))


@history_command.command("correct")
@click.argument("step_id", metavar="ID", type=int)
@click.option("--on", "on", metavar="DATE", help="The day the step really happened.")
@click.option("--doc", "document", metavar="SYMBOL", help="The right document symbol.")
@click.option("--note", help="The right note.")
@click.option("--reason", required=True, help="Why the record was wrong (kept in the history).")
@actor_option
def history_correct(
    step_id: int,
    on: str | None,
    document: str | None,
    note: str | None,
    reason: str,
    actor: str | None,
) -> None:
    """Correct step ID's day, document or note: a correction row; the step is kept as written."""
    done = workspace().correct(
        step_id, reason=reason, actor=who(actor), on=on, note=note, document=document
    )
    click.echo(
        f"step #{step_id} of {done.activity.key} ({done.step.event}) corrected: "
        f"{_changes(done.changes)} (correction #{done.row.id}, by {done.row.actor})"
    )


@cli.command("reschedule")
@click.argument("key", shell_complete=complete_activities)
@click.option("--to", "to_month", required=True, metavar="YYYY-MM", help="The new month.")
@click.option(
    "--session",
    "session_key",
    metavar="ID",
    shell_complete=complete_sessions,
    help="The session of that month it moves to (default: the month's first not held).",
)
@click.option("--reason", required=True, help="Why it moves (kept in the history).")
@click.option("--on", "on", metavar="DATE", help="When it was decided (default: now).")
@actor_option
def reschedule_command(
    key: str,
    to_month: str,
    session_key: str | None,
    reason: str,
    on: str | None,
    actor: str | None,
) -> None:
    """Move an activity's next milestone to another month."""
    moved = workspace().reschedule(
        key, to_month=to_month, reason=reason, actor=who(actor), on=on, session=session_key
    )
    click.echo(
        f"{key}: {moved.milestone.event} moved from {moved.from_month} to {moved.to_month} "
        f"(session {moved.session.key})"
    )


@cli.command("waive")
@click.argument("key")
@click.argument("event")
@click.option("--reason", required=True, help="Why the committee skips it (kept in the history).")
@click.option(
    "--session",
    "session_key",
    metavar="ID",
    help="The session whose milestone it is (default: the first open one for EVENT).",
)
@click.option("--on", "on", metavar="DATE", help="When it was decided (default: now).")
@actor_option
def waive_command(
    key: str,
    event: str,
    reason: str,
    session_key: str | None,
    on: str | None,
    actor: str | None,
) -> None:
    """Waive a milestone the committee decided to skip: it is no longer behind plan."""
    waived = workspace().waive(
        key, event, reason=reason, actor=who(actor), session=session_key, on=on
    )
    click.echo(
        f"{key}: {waived.milestone.event} at session {waived.session.key} "
        f"({waived.milestone.planned_month}) waived"
    )
