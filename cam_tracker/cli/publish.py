"""`cam publish`: the committee's public web site, in every language, from the tracked data."""

from pathlib import Path

import click

from cam_tracker.cli.base import cli, workspace


@cli.command("publish")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Where the site goes (a link to the tree published last).",
)
@click.option(
    "--plan",
    "plan_name",
    metavar="NAME",
    help="Only this plan (default: the plan `cam --plan` names, else every plan).",
)
@click.option("--as-of", "as_of", metavar="DATE", help="As things stood at the end of DATE.")
@click.option(
    "--base-url", "base_url", metavar="URL", help="Where the site will be served (absolute feeds)."
)
def publish_command(
    output: Path, plan_name: str | None, as_of: str | None, base_url: str | None
) -> None:
    """The public web site of the committees, written into DIR (every language)."""
    from cam_tracker.reminders import ics
    from cam_tracker.reports import site

    ws = workspace()
    # A plan named before the command (`cam --plan X publish`, `$CAM_PLAN`) is the one asked
    # for, as `cam --plan X report` reports on X: never every committee's site instead.
    # The current plan (`cam plan use`) is no such request: the default stays every plan.
    result = site.publish(
        ws,
        output,
        calendar=ics.feeds,
        plan_name=plan_name or ws.plan_name,
        as_of=as_of,
        base_url=base_url,
    )
    click.echo(site.describe(result))
