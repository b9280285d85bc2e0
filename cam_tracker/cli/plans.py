"""`cam plan …`: load work plans and list them."""

import click

from cam_tracker.cli.base import cli, csv_option, emit_json, json_option, workspace
from cam_tracker.cli.complete import complete_plan_sources


@cli.group("plan")
def plan_group() -> None:
    """Load work plans and list them."""


@plan_group.command("load")
@click.argument("source", metavar="NAME|FILE", shell_complete=complete_plan_sources)
@click.option(
    "--replace",
    is_flag=True,
    help="Let this file replace the one a plan of the same name was loaded from.",
)
def plan_load(source: str, replace: bool) -> None:
    """Load a bundled plan by name, or a plan file; loading again updates it."""
    from cam_tracker.app.plans import describe_source

    report = workspace().load_plan(source, replace=replace)
    if report.replaced is not None:
        click.echo(
            f"{report.plan}: {describe_source(report.source)} replaces "
            f"{describe_source(report.replaced)}"
        )
    if report.unchanged:
        click.echo(f"{report.plan}: unchanged (the file is the one already loaded)")
        return
    if report.created:
        click.echo(
            f"{report.plan}: loaded: {_count(report.activities_added, 'activity', 'activities')}, "
            f"{_count(report.sessions_added, 'session')}, "
            f"{report.milestones} milestone{'' if report.milestones == 1 else 's'}"
            + (f", {_count(report.documents_added, 'document')}" if report.documents_added else "")
        )
        return
    changes = [
        (report.activities_added, "activity", "activities", "added"),
        (report.activities_updated, "activity", "activities", "updated"),
        (report.sessions_added, "session", "sessions", "added"),
        (report.sessions_updated, "session", "sessions", "updated"),
        (report.milestones_added, "milestone", "milestones", "added"),
        (report.milestones_updated, "milestone", "milestones", "updated"),
        (report.milestones_removed, "milestone", "milestones", "removed"),
        (report.documents_added, "document", "documents", "added"),
        (report.documents_updated, "document", "documents", "updated"),
    ]
    told = [f"{_count(items, one, many)} {what}" for items, one, many, what in changes if items]
    if report.kept:
        told.append(f"{len(report.kept)} kept because recorded")
    if report.details_updated:
        told.append("the plan's details updated")
    click.echo(f"{report.plan}: updated: {', '.join(told) or 'nothing in the plan changed'}")
    for items, one, _many, what in changes:
        for item in items:
            kind = report.kinds_changed.get(item) if one == "activity" else None
            more = f" (kind {kind[0]} → {kind[1]})" if kind else ""
            click.echo(f"  {one} {what}: {item}{more}")
    for sentence in report.kept:
        click.echo(f"  kept because recorded: {sentence}")
    for key in report.activities_missing:
        click.echo(f"warning: activity {key} is no longer in the file; kept with its history")
    for key in report.sessions_missing:
        click.echo(f"warning: session {key} is no longer in the file; kept, hidden")


def _count(items: list[str], one: str, many: str | None = None) -> str:
    return f"{len(items)} {one if len(items) == 1 else (many or one + 's')}"


@plan_group.command("list")
@json_option
@csv_option("plans")
def plan_list(as_json: bool) -> None:
    """Show bundled and loaded plans."""
    rows = workspace().plans()
    if as_json:
        emit_json(rows)
    else:
        from cam_tracker.cli import console

        console.plans(rows)


@plan_group.command("use")
@click.argument("name", required=False)
@click.option("--none", "clear", is_flag=True, help="No current plan: the one loaded last again.")
def plan_use(name: str | None, clear: bool) -> None:
    """Make plan NAME the current one for this store (yours only; --plan still wins)."""
    if (name is None) == (not clear):
        raise click.UsageError("give a plan NAME, or --none")
    path = workspace().use_plan(None if clear else name)
    if clear:
        click.echo(f"no current plan: commands act on the plan loaded last (kept in {path})")
    else:
        click.echo(f"{name} is the current plan of this store (kept in {path})")
