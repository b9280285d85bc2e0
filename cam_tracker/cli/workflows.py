"""`cam workflow …`: the workflow kinds, their states and steps."""

import click

from cam_tracker.cli.base import cli, workspace


@cli.group("workflow")
def workflow_group() -> None:
    """Inspect the workflow kinds."""


@workflow_group.command("list")
def workflow_list() -> None:
    """The workflow kinds of the plan with their states, and where each comes from."""
    from cam_tracker.cli import console

    ws = workspace()
    console.workflows(ws.workflows(), ws.lang)


@workflow_group.command("show")
@click.argument("kind")
@click.option("--mermaid", is_flag=True, help="Print a Mermaid state diagram instead.")
def workflow_show(kind: str, mermaid: bool) -> None:
    """States and transitions of one kind (or its Mermaid diagram)."""
    ws = workspace()
    flow, origin, source = ws.workflow(kind)
    if mermaid:
        click.echo(flow.mermaid(ws.lang), nl=False)
    else:
        from cam_tracker.cli import console

        console.workflow(flow, origin, source, ws.lang)
