"""`cam audit verify`, `export`, `import`, `backup`, `db upgrade`: the store as a whole."""

from typing import IO

import click

from cam_tracker.cli.base import cli, workspace


@cli.group("audit")
def audit_group() -> None:
    """Check the store's tamper-evident history."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Walk the history chain; name the first row edited, deleted or inserted out of band."""
    from cam_tracker.core.errors import ChainBroken

    result = workspace().verify()
    if not result.ok:
        raise ChainBroken(f"history chain broken: {result.problem}")
    click.echo(f"history chain verified: {result.rows} rows, no row edited, deleted or inserted")


@cli.command("export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE",
    help="Write to FILE (default: standard output).",
)
def export_command(output: str | None) -> None:
    """Write everything (plans, people, states, history, outbox) as JSON."""
    text, rows = workspace().export_json()
    if output is None:
        click.echo(text, nl=False)
        return
    with open(output, "w", encoding="utf-8") as out:
        out.write(text)
    click.echo(f"exported {rows} rows to {output}", err=True)


@cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_command(file: IO[str]) -> None:
    """Restore an export into an empty store."""
    counts = workspace().import_json(file)
    click.echo(f"imported {sum(counts.values())} rows into {len(counts)} tables")


@cli.group("db")
def db_group() -> None:
    """Manage the store's schema."""


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


@cli.command("backup")
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def backup_command(file: str, force: bool) -> None:
    """Write a consistent copy of the store to FILE (SQLite: a store file; PostgreSQL: pg_dump)."""
    done = workspace().backup(file, force=force)
    click.echo(f"backed up the store to {done.path} ({done.size} bytes): {done.restore}")
