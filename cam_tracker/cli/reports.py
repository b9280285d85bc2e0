"""`cam report`: the progress report for the General Assembly."""

from pathlib import Path

import click

from cam_tracker.cli.base import binary_needs_file, cli, language_choice, workspace
from cam_tracker.cli.complete import complete_plans


@cli.command("report")
@click.option(
    "--plan",
    "plan_name",
    metavar="NAME",
    shell_complete=complete_plans,
    help="Work plan to report on.",
)
@click.option("--as-of", "as_of", metavar="DATE", help="As things stood at the end of DATE.")
@click.option("--lang", type=language_choice(), help="Language of the report.")
@click.option("--format", "fmt", metavar="md|html|pdf", help="Default: from -o, else md.")
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
    from cam_tracker.reports import render

    fmt = render.format_for(output, fmt)
    binary_needs_file(fmt, render.RENDERERS[fmt].binary, output)
    report = render.progress_report(
        workspace(), plan_name=plan_name, as_of=as_of, lang=lang, fmt=fmt
    )
    if output is None:
        click.echo(report.content, nl=False)
        return
    render.write(output, report.content)
    click.echo(
        f"report written to {output} ({report.format}, {report.lang}, "
        f"as of {report.as_of.isoformat()})"
    )
