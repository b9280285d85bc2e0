"""`cam plan …`: load work plans and list them."""

import click

from cam_tracker.cli.base import cli, emit_json, json_option, workspace


@cli.group("plan")
def plan_group() -> None:
    """Load work plans and list them."""


@plan_group.command("load")
@click.argument("source", metavar="NAME|FILE")
def plan_load(source: str) -> None:
    """Load a bundled plan by name, or a plan file; loading again updates it."""
    report = workspace().load_plan(source)
    if report.unchanged:
        click.echo(f"{report.plan}: unchanged (the file is the one already loaded)")
        return
    verb = "loaded" if report.created else "updated"
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
    rows = workspace().plans()
    if as_json:
        emit_json(rows)
    else:
        from cam_tracker.cli import console

        console.plans(rows)
