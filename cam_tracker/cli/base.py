"""The `cam` group and what every command shares: the workspace, options, errors, JSON.

Imports here stay light so that `cam --help` starts fast; each command
imports what it needs when it runs. The library names the fields a refused
value came from; `FLAGS` is the one place that says which option sets each.

Every refusal is one line on standard error: the library's errors (exit 1,
or their own code), a usage error (exit 2, with where to find help), a file
that cannot be written. Before any command runs, every value typed is
checked once, here, for every command: UTF-8 text (a byte that is not ends
here, not in the store), not empty (`--on ""` is a mistake, not "now"), and
by its own rule when it has one (a note, a reason: lines and tabs kept, at
most `MAX_NOTE` characters; a name, an address, a document symbol), else one
line without control characters, at most `MAX_ARGUMENT` characters.
"""

import functools
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cam_tracker import __version__
from cam_tracker.cli.complete import complete_people, complete_plans
from cam_tracker.core.text import MAX_ARGUMENT, languages

if TYPE_CHECKING:
    from cam_tracker.app.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])

# The option that gives each field the library may name in an error.
FLAGS = {
    "actor": "--as",
    "as_of": "--as-of",
    "as_planned": "--as-planned",
    "base_url": "--base-url",
    "body": "--body",
    "building": "--building",
    "city": "--city",
    "clear": "--clear",
    "country": "--country",
    "date": "--date",
    "document": "--doc",
    "email": "--email",
    "end": "--end",
    "format": "--format",
    "link": "--link",
    "languages": "--lang",
    "login": "--login",
    "modality": "--modality",
    "month": "--month",
    "name": "--name",
    "note": "--note",
    "output": "--output",
    "now": "--now",
    "on": "--on",
    "plan": "--plan",
    "reason": "--reason",
    "replace": "--replace",
    "role": "--role",
    "room": "--room",
    "session": "--session",
    "start": "--start",
    "state": "--state",
    "status": "--status",
    "symbol": "SYMBOL",
    "title": "--title",
    "to": "--to",
    "update": "--update",
    "url": "--url",
}


def _failure(message: str, exit_code: int) -> click.ClickException:
    """A library error as click reports it: one line, the library's exit code."""
    failure: type[click.ClickException] = type(
        "CamFailure", (click.ClickException,), {"exit_code": exit_code}
    )
    return failure(message)


def error_line(message: str, fields: tuple[str, ...], *, refused_value: bool) -> str:
    """The library's message, with the options that set the fields it names.

    A refused value is told as `--on: not a date: …`; a step that misses
    values ends with the options that give them: `… needs a session (--session)`.
    """
    flags = [FLAGS[field] for field in fields if field in FLAGS]
    if not flags:
        return message
    if refused_value and len(flags) == 1:
        return f"{flags[0]}: {message}"
    return f"{message} ({', '.join(flags)})"


def _rules() -> dict[str, Callable[[str], object]]:
    """The check of each value with a rule of its own (the library's), by field.

    Every other value is one line of at most MAX_ARGUMENT characters.
    """
    from cam_tracker.core.text import (
        MAX_NOTE,
        MAX_SYMBOL,
        check_email,
        check_name,
        clean_line,
        clean_text,
    )

    def reason(text: str) -> str:
        from cam_tracker.app.activities import required_reason

        return required_reason(text)

    return {
        "note": lambda text: clean_text(text, "note", MAX_NOTE),
        "reason": reason,
        "document": lambda text: clean_line(text, "document", MAX_SYMBOL),
        "name": check_name,
        "email": check_email,
    }


def _shown(text: str, limit: int = 60) -> str:
    """A value typed on the command line, printable whatever bytes it holds: 'work\\xffplan'."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "backslashreplace")
    shown = raw.decode("utf-8", "backslashreplace")
    return f"'{shown if len(shown) <= limit else shown[: limit - 1] + '…'}'"


def check_arguments(args: Sequence[str]) -> None:
    """Every word of the command line is UTF-8 text of a sane length, before click reads it
    (and opens a file it names: a NUL, which no real command line holds, would crash that)."""
    for position, arg in enumerate(args, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            raise _failure(f"argument {position} is not UTF-8 text: {_shown(arg)}", 1) from None
        if "\x00" in arg:
            raise _failure(f"argument {position} contains a NUL character", 1)
        if len(arg) > MAX_ARGUMENT:
            raise _failure(
                f"argument {position} is too long ({len(arg)} characters, at most {MAX_ARGUMENT})",
                1,
            )


def check_value(label: str, field: str, text: str) -> str:
    """One value given to a command (or taken from the environment), refused in one line."""
    from cam_tracker.core.errors import InvalidInput
    from cam_tracker.core.text import clean_line

    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _failure(f"{label}: not UTF-8 text: {_shown(text)}", 1) from None
    named = field if field in FLAGS else "value"
    rule = _rules().get(field) or (lambda value: clean_line(value, named, MAX_ARGUMENT))
    try:
        cleaned = rule(text)
    except InvalidInput as exc:
        raise _failure(f"{label}: {exc}", 1) from None
    if cleaned is None:
        raise _failure(f"{label}: empty value", 1)
    return text


def _label(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name


def check_params(ctx: click.Context) -> None:
    """Every text value a command received, by `check_value`."""
    from pathlib import PurePath

    for param in ctx.command.params:
        if param.name is None:
            continue
        value = ctx.params.get(param.name)
        for item in value if isinstance(value, tuple | list) else (value,):
            if isinstance(item, str | PurePath):
                check_value(_label(param), param.name, str(item))


def _usage_line(exc: click.UsageError) -> click.ClickException:
    """A usage error in one line, ending with where the command's help is."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    if exc.ctx is not None:
        message += f" (see '{exc.ctx.command_path} --help')"
    return _failure(message, exc.exit_code)


def _is_help(exc: click.UsageError) -> bool:
    """Click's answer to a group called without a command: its help, as it prints it."""
    help_error = getattr(click.exceptions, "NoArgsIsHelpError", None)
    return help_error is not None and isinstance(exc, help_error)


class CamCommand(click.Command):
    """A command whose values are checked before it runs."""

    def invoke(self, ctx: click.Context) -> Any:
        check_params(ctx)
        return super().invoke(ctx)


class CamGroup(click.Group):
    """Turns library errors into one-line messages with their exit codes."""

    command_class = CamCommand
    group_class = type

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        if parent is None:
            check_arguments(args)
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            if _is_help(exc):
                raise
            raise _usage_line(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        from cam_tracker.core.errors import CamError, InvalidInput

        try:
            check_params(ctx)
            return super().invoke(ctx)
        except CamError as exc:
            line = error_line(str(exc), exc.fields, refused_value=isinstance(exc, InvalidInput))
            raise _failure(line, exc.exit_code) from None
        except click.UsageError as exc:
            if _is_help(exc):
                raise
            raise _usage_line(exc) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except OSError as exc:
            if exc.filename is None:
                raise
            reason = exc.strerror or type(exc).__name__
            raise _failure(f"{exc.filename}: {reason}", 1) from None
        except Exception as exc:
            from cam_tracker.app.workspace import store_failure

            message = store_failure(exc)
            if message is not None:
                raise click.ClickException(f"store error: {message}") from None
            raise


def workspace() -> "Workspace":
    """The workspace the global options describe."""
    from cam_tracker.app.workspace import Workspace

    found = click.get_current_context().find_object(Workspace)
    return found if found is not None else Workspace(database_url="")


# Where `--csv` leaves, in the context, the name of the table its rows print as.
_CSV_TABLE = "cam_tracker.csv.table"


def emit_json(data: Any) -> None:
    """Print a command's rows for scripts: JSON, or CSV when the command's `--csv` chose it
    (`csv_option`), so one body serves both reporter options."""
    context = click.get_current_context(silent=True)
    if context is not None and _CSV_TABLE in context.meta:
        from cam_tracker.reports.export import csv_text

        rows = data if isinstance(data, list) else [data]
        click.echo(csv_text(context.meta[_CSV_TABLE], rows), nl=False)
        return
    if not isinstance(data, list) or not data:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    # A listing is written row by row, as `json.dumps(rows, indent=2)` would write it whole:
    # ten thousand rows never make one string. A row's text has no line breaks but its
    # indentation (JSON escapes those of its strings), so each line is indented once more.
    encode = json.JSONEncoder(ensure_ascii=False, indent=2).encode
    click.echo("[")
    last = len(data) - 1
    for index, row in enumerate(data):
        text = "  " + encode(row).replace("\n", "\n  ")
        click.echo(text + "," if index < last else text)
    click.echo("]")


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


def csv_option(table: str | None = None) -> Callable[[F], F]:
    """`--csv` on a command that has `--json`: the same rows, as CSV with the columns chosen
    for `table` in `reports.export.TABLES` (else columns read from the rows).

    One line gives a listing CSV: `@csv_option("people")` beside `@json_option`. The
    command runs as for `--json`; `emit_json` writes CSV instead. `--json` and `--csv`
    are alternatives: both at once is a usage error.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def run(*args: Any, as_csv: bool, **kwargs: Any) -> Any:
            if as_csv:
                if kwargs.get("as_json"):
                    raise click.UsageError("--json and --csv are alternatives: give one of them")
                click.get_current_context().meta[_CSV_TABLE] = table
                kwargs["as_json"] = True
            return func(*args, **kwargs)

        option = click.option(
            "--csv",
            "as_csv",
            is_flag=True,
            help="Print CSV for spreadsheets: UTF-8, a header row, keys and labels.",
        )
        return option(run)  # type: ignore[return-value]

    return decorate


def binary_needs_file(fmt: str, binary: bool, output: object) -> None:
    """A binary format is written to a file (`-o`), never to a terminal or a pipe."""
    if binary and output is None:
        raise click.UsageError(f"--format {fmt} is a binary file: write it with -o FILE")


def actor_option(func: F) -> F:
    return click.option(
        "--as",
        "actor",
        metavar="PERSON",
        shell_complete=complete_people,
        help="Who acts (default: $CAM_USER or the OS user); on a PostgreSQL store where "
        "your login is a person's, the person you act for (the secretariat only).",
    )(func)


def who(option: str | None) -> str:
    """Who acts: --as, else $CAM_USER, else the operating-system user (which claims no one
    where the database login says who acts)."""
    from cam_tracker.core.settings import actor_name

    return check_value("--as" if option else "CAM_USER", "actor", actor_name(option))


def now_option(func: F) -> F:
    return click.option(
        "--now",
        "now",
        metavar="DATETIME",
        help="Act as at this moment (default: now); a date means the end of that day "
        "in the plan's time zone.",
    )(func)


def language_choice() -> "click.Choice[str]":
    return click.Choice(languages())


@click.group(cls=CamGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    metavar="URL|PATH",
    help="Store: an SQLAlchemy URL or an SQLite file (default: $CAM_DATABASE_URL, "
    "else SQLite in your data directory).",
)
@click.option(
    "--plan",
    "plan_name",
    metavar="NAME",
    envvar="CAM_PLAN",
    shell_complete=complete_plans,
    help="Work plan to act on (default: the current one, `cam plan use`, else the one "
    "loaded last).",
)
@click.option(
    "--lang",
    type=language_choice(),
    default="en",
    envvar="CAM_LANG",
    show_default=True,
    help="Language of labels and titles.",
)
@click.version_option(__version__, prog_name="cam")
@click.pass_context
def cli(ctx: click.Context, db: str | None, plan_name: str | None, lang: str) -> None:
    """Run a committee's work plan: activities as state machines, from the command line."""
    import os

    from cam_tracker.app.workspace import Workspace
    from cam_tracker.core.settings import database_url

    if db is None and os.environ.get("CAM_DATABASE_URL"):
        check_value("CAM_DATABASE_URL", "db", os.environ["CAM_DATABASE_URL"])
    ctx.obj = Workspace(
        database_url=database_url(db),
        plan_name=plan_name,
        lang=lang,
        warn=lambda message: click.echo(message, err=True),
    )
    ctx.call_on_close(ctx.obj.close)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 digest`, `2 digests`: a count with its noun in the right number (English)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"
