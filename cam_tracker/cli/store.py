"""`cam audit`, `export`, `import`, `backup`, `db upgrade`, `db grant`: the store as a whole."""

from pathlib import Path
from typing import IO

import click

from cam_tracker.cli.base import binary_needs_file, cli, emit_json, json_option, plural, workspace
from cam_tracker.cli.complete import complete_plans


@cli.group("audit")
def audit_group() -> None:
    """Check the store's tamper-evident history."""


@audit_group.command("verify")
@click.option(
    "--against",
    metavar="HASH@COUNT",
    help="A head published earlier (`cam audit head`, the report): the first COUNT rows "
    "must still hash to HASH.",
)
def audit_verify(against: str | None) -> None:
    """Walk the history chain and check the record against it; name the first thing broken."""
    from cam_tracker.core.errors import ChainBroken

    result = workspace().verify(against)
    if not result.ok:
        raise ChainBroken(f"history chain broken: {result.problem}")
    click.echo(
        f"history chain verified: {plural(result.rows, 'row')}, no row edited, deleted or inserted"
    )
    if against is not None:
        click.echo(f"the first {against.partition('@')[2]} rows still hash to the published head")


@audit_group.command("head")
@json_option
def audit_head(as_json: bool) -> None:
    """Print the history chain's head as HASH@COUNT, to publish and verify against later."""
    last_hash, length = workspace().head()
    if as_json:
        emit_json({"hash": last_hash, "count": length, "head": f"{last_hash}@{length}"})
    else:
        click.echo(f"{last_hash}@{length}")


@cli.command("export")
@click.option(
    "--format",
    "fmt",
    metavar="json|xlsx",
    help="json: the whole store, for `cam import`; xlsx: one plan for the office, a sheet "
    "per table (default: from -o, else json).",
)
@click.option(
    "--plan",
    "plan_name",
    metavar="NAME",
    shell_complete=complete_plans,
    help="With xlsx: the plan to export (default: the current one).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    metavar="FILE",
    help="Write to FILE (default: standard output; xlsx needs a file).",
)
def export_command(fmt: str | None, plan_name: str | None, output: Path | None) -> None:
    """Write the whole store as JSON, or one plan as an xlsx workbook for the office."""
    from cam_tracker.reports import export, render

    form = export.format_for(output, fmt)
    binary_needs_file(form.name, form.binary, output)
    done = export.export(workspace(), form, plan_name)
    if output is None:
        click.echo(done.content.decode(), nl=False)
        return
    render.write(output, done.content)
    click.echo(f"{done.summary} to {output}", err=True)


@cli.command("import")
@click.argument("file", type=click.File("rb"))
def import_command(file: IO[bytes]) -> None:
    """Restore an export into an empty store."""
    counts = workspace().import_json(file)
    click.echo(
        f"imported {plural(sum(counts.values()), 'row')} into {plural(len(counts), 'table')}"
    )


@cli.group("db")
def db_group() -> None:
    """Manage the store's schema and who may use it."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the store's schema to this release (also done on first use)."""
    before, after = workspace().upgrade()
    if before is None:
        click.echo(f"new store created at schema {after}")
    elif before == after:
        click.echo(f"store already at schema {after}")
    else:
        click.echo(f"store upgraded from schema {before} to {after}")


@db_group.command("grant")
def db_grant() -> None:
    """Give people's login roles their rights on this PostgreSQL store (run as its owner).

    \b
    The store's people group (<database>_people) may read every table and
    record steps; each person's --login is made a member, and a login that is
    nobody's any more leaves it. Nobody but the owner may update or delete the
    history. Running it again changes nothing; run it after `cam db upgrade`.
    """
    done = workspace().grant()
    made = " (created)" if done.created else ""
    click.echo(f"people group {done.group}{made}: reads {done.tables} tables, records steps")
    for login in done.added:
        click.echo(f"  {login} joined {done.group}")
    for login in done.removed:
        click.echo(f"  {login} left {done.group} (nobody's login)")
    for grantee in done.revoked:
        click.echo(f"  {grantee} may no longer update or delete the history")
    for login in done.missing:
        click.echo(f"  warning: the login {login} does not exist: create it with --login", err=True)


@cli.command("backup")
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def backup_command(file: str, force: bool) -> None:
    """Write a consistent copy of the store to FILE (SQLite: a store file; PostgreSQL: pg_dump)."""
    done = workspace().backup(file, force=force)
    click.echo(f"backed up the store to {done.path} ({done.size} bytes): {done.restore}")
