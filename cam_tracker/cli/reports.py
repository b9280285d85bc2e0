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
@click.option("--format", "fmt", metavar="md|html|pdf|docx", help="Default: from -o, else md.")
@click.option("--symbol", metavar="SYMBOL", help="Document symbol (overrides the plan).")
@click.option("--series", metavar="SERIES", help="The report's series (overrides the plan).")
@click.option("--issued", metavar="DATE", help="Date of issue, YYYY-MM-DD (overrides the plan).")
@click.option(
    "--text",
    "texts",
    metavar="SECTION=FILE",
    multiple=True,
    help="A section the secretariat wrote (introduction, conclusions), as Markdown in the "
    "report's language; repeatable; overrides the plan.",
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
    symbol: str | None,
    series: str | None,
    issued: str | None,
    texts: tuple[str, ...],
) -> None:
    """The progress report for the General Assembly (Markdown, HTML, PDF or Word)."""
    from cam_tracker.reports import render

    fmt = render.format_for(output, fmt)
    binary_needs_file(fmt, render.RENDERERS[fmt].binary, output)
    report = render.progress_report(
        workspace(),
        plan_name=plan_name,
        as_of=as_of,
        lang=lang,
        fmt=fmt,
        symbol=symbol,
        series=series,
        issued=issued,
        texts=texts,
    )
    if output is None:
        click.echo(report.content, nl=False)
        return
    render.write(output, report.content)
    click.echo(
        f"report written to {output} ({report.format}, {report.lang}, "
        f"as of {report.as_of.isoformat()})"
    )
