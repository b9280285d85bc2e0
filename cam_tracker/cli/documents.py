"""`cam doc …`: the plan's register of documents, and which steps cite each one."""

from collections.abc import Callable
from typing import Any, TypeVar

import click

from cam_tracker.cli.base import (
    actor_option,
    cli,
    csv_option,
    emit_json,
    json_option,
    who,
    workspace,
)

F = TypeVar("F", bound=Callable[..., Any])

# What `cam doc set --clear` may remove: all but the symbol and the English title.
CLEARABLE = ("date", "url", "lang", "status", "title-es", "title-fr", "title-pt")


def entry_options(command: F) -> F:
    """What an entry of the register says besides its symbol and English title: the same
    options, in the same words, to register a document and to correct it."""
    for option in reversed(
        [
            click.option("--title-es", "title_es", metavar="TITLE", help="The title in Spanish."),
            click.option("--title-fr", "title_fr", metavar="TITLE", help="The title in French."),
            click.option(
                "--title-pt", "title_pt", metavar="TITLE", help="The title in Portuguese."
            ),
            click.option("--date", metavar="YYYY-MM-DD", help="The document's date."),
            click.option("--url", metavar="URL", help="Where it is published (http or https)."),
            click.option(
                "--lang",
                "languages",
                metavar="en,es,…",
                help="The languages it exists in, by commas.",
            ),
            click.option("--status", metavar="draft|revised|final", help="How far along it is."),
        ]
    ):
        command = option(command)
    return command


@cli.group("doc")
def doc_group() -> None:
    """The plan's documents: symbol, title, date, languages, address, status."""


@doc_group.command("add")
@click.argument("symbol")
@click.option("--title", required=True, help="The title in English, one line.")
@entry_options
@actor_option
def doc_add(
    symbol: str,
    title: str,
    title_es: str | None,
    title_fr: str | None,
    title_pt: str | None,
    date: str | None,
    url: str | None,
    languages: str | None,
    status: str | None,
    actor: str | None,
) -> None:
    """Register document SYMBOL in the plan's register.

    \b
    The symbol is kept in one spelling (`doc.14/14 rev.1` is `doc.14/14 rev. 1`);
    one document is registered once, however it is spelled. When the plan
    declares series of symbols (`symbols:` in its file), SYMBOL must be of one.
    Steps then cite it with `--doc SYMBOL`.
    """
    row = workspace().add_document(
        symbol,
        titles={"en": title, "es": title_es, "fr": title_fr, "pt": title_pt},
        date=date,
        url=url,
        languages=languages,
        status=status,
        actor=who(actor),
    )
    click.echo(f"registered {row['symbol']}: {row['title']}")


@doc_group.command("set")
@click.argument("symbol")
@click.option("--title", help="The title in English, one line.")
@entry_options
@click.option(
    "--clear",
    "cleared",
    multiple=True,
    type=click.Choice(CLEARABLE),
    help="Remove what the entry says of this (repeatable).",
)
@actor_option
def doc_set(
    symbol: str,
    title: str | None,
    title_es: str | None,
    title_fr: str | None,
    title_pt: str | None,
    date: str | None,
    url: str | None,
    languages: str | None,
    status: str | None,
    cleared: tuple[str, ...],
    actor: str | None,
) -> None:
    """Correct the register's entry for document SYMBOL: only what is given changes.

    \b
    The symbol itself never changes (a new symbol is a new document: `cam doc add`);
    `--clear date` (url, lang, status, title-es, title-fr, title-pt) removes a field.
    Each correction is a row of the history chain, naming what it was and what it is.
    """
    given = {
        "date": date,
        "url": url,
        "lang": languages,
        "status": status,
        "title-es": title_es,
        "title-fr": title_fr,
        "title-pt": title_pt,
    }
    both = [name for name in cleared if given.get(name) is not None]
    if both:
        raise click.UsageError(f"--{both[0]} and --clear {both[0]} contradict each other")
    changes: dict[str, str | None] = {name: value for name, value in given.items() if value}
    changes |= {name: "" for name in cleared}
    titles = {"en": title} | {
        lang: changes.pop(f"title-{lang}", None) for lang in ("es", "fr", "pt")
    }
    row, changed = workspace().revise_document(
        symbol,
        titles=titles,
        actor=who(actor),
        changes={("languages" if name == "lang" else name): v for name, v in changes.items()},
    )
    if changed:
        click.echo(f"changed {row['symbol']}: {row['title']}")
    else:
        click.echo(f"{row['symbol']} already reads so: nothing changed")


@doc_group.command("list")
@click.option("--activity", metavar="KEY", help="Only the documents this activity's steps cite.")
@click.option("--session", metavar="ID", help="Only the documents steps at this session cite.")
@json_option
@csv_option("documents")
def doc_list(activity: str | None, session: str | None, as_json: bool) -> None:
    """The plan's documents, then any symbol a step cites that is not registered."""
    rows = workspace().documents(activity=activity, session=session)
    if as_json:
        emit_json(rows)
    else:
        from cam_tracker.cli import console

        console.documents(rows)


@doc_group.command("show")
@click.argument("symbol")
@json_option
def doc_show(symbol: str, as_json: bool) -> None:
    """One document and the steps that cite it."""
    row = workspace().document(symbol)
    if as_json:
        emit_json(row)
    else:
        from cam_tracker.cli import console

        console.document(row)
