"""`cam body …`: the committees in the store, each across its years."""

import click

from cam_tracker.cli.base import cli, emit_json, json_option, workspace


@cli.group("body")
def body_group() -> None:
    """Committees across years: plans, officers, mandates."""


@body_group.command("list")
@json_option
def body_list(as_json: bool) -> None:
    """Every body in the store, with its plans in order."""
    rows = workspace().bodies()
    if as_json:
        emit_json(rows)
    else:
        from cam_tracker.cli import console

        console.bodies(rows)


@body_group.command("show")
@click.argument("short")
@json_option
def body_show(short: str, as_json: bool) -> None:
    """Body SHORT across its years: plans, officers per period, mandates, documents."""
    row = workspace().body(short)
    if as_json:
        emit_json(row)
    else:
        from cam_tracker.cli import console

        console.body(row)
