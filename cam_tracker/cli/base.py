"""The `cam` group and what every command shares: the workspace, options, errors, JSON.

Imports here stay light so that `cam --help` starts fast; each command
imports what it needs when it runs. The library names the fields a refused
value came from; `FLAGS` is the one place that says which option sets each.
"""

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cam_tracker import __version__
from cam_tracker.core.text import languages

if TYPE_CHECKING:
    from cam_tracker.app.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])

# The option that gives each field the library may name in an error.
FLAGS = {
    "actor": "--as",
    "as_of": "--as-of",
    "base_url": "--base-url",
    "document": "--doc",
    "format": "--format",
    "month": "--month",
    "name": "--name",
    "note": "--note",
    "output": "--output",
    "now": "--now",
    "on": "--on",
    "reason": "--reason",
    "role": "--role",
    "session": "--session",
    "state": "--state",
    "to": "--to",
    "update": "--update",
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


class CamGroup(click.Group):
    """Turns library errors into one-line messages with their exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        from cam_tracker.core.errors import CamError, InvalidInput

        try:
            return super().invoke(ctx)
        except CamError as exc:
            line = error_line(str(exc), exc.fields, refused_value=isinstance(exc, InvalidInput))
            raise _failure(line, exc.exit_code) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            from sqlalchemy.exc import SQLAlchemyError

            if isinstance(exc, SQLAlchemyError):
                message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                raise click.ClickException(f"store error: {message}") from None
            raise


def workspace() -> "Workspace":
    """The workspace the global options describe."""
    from cam_tracker.app.workspace import Workspace

    found = click.get_current_context().find_object(Workspace)
    return found if found is not None else Workspace(database_url="")


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


def actor_option(func: F) -> F:
    return click.option(
        "--as", "actor", metavar="PERSON", help="Who acts (default: $CAM_USER or the OS user)."
    )(func)


def who(option: str | None) -> str:
    """Who acts: --as, else $CAM_USER, else the operating-system user."""
    from cam_tracker.core.settings import actor_name

    return actor_name(option)


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
    help="Work plan to act on (default: the one loaded last).",
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
    from cam_tracker.app.workspace import Workspace
    from cam_tracker.core.settings import database_url

    ctx.obj = Workspace(database_url=database_url(db), plan_name=plan_name, lang=lang)
