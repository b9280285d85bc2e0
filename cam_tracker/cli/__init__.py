"""The `cam` command: parse, call one function of the library, print.

Each family of commands lives in its own module and registers itself on the
group in `base`; nothing here converts a date, reads the store or builds a
row. `main` is the console script's entry (through `cam_tracker.__main__`).
"""

import click

from cam_tracker.cli import (  # noqa: F401  (each module registers its commands)
    activities,
    bodies,
    documents,
    following,
    people,
    plans,
    publish,
    reminders,
    reports,
    sessions,
    store,
    workflows,
)
from cam_tracker.cli.base import cli
from cam_tracker.core.text import languages

__all__ = ["cli", "main", "prepared_help"]


def main() -> None:
    """Run the click application (`cam_tracker.__main__` calls it)."""
    cli(prog_name="cam")


def prepared_help() -> str:
    """The text of `help.txt`: the languages, then `cam --help` as printed 80 columns wide.

    Click's help is 2 columns narrower than a console of 80 columns or more.
    """
    with click.Context(cli, info_name="cam", terminal_width=78, **cli.context_settings) as ctx:
        return "|".join(languages()) + "\n" + cli.get_help(ctx) + "\n"
