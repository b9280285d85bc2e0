"""README.md documents every command, and the two set-up commands work as written."""

import re
from pathlib import Path

import click
import pytest

from cam_tracker.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*path, name)))
    return found


COMMANDS = _commands(cli)


def test_the_walk_finds_the_core_commands() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"plan load", "plan list", "list", "show", "advance", "history"} <= names
    assert {"reschedule", "calendar", "session record", "workflow list", "workflow show"} <= names


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(path: tuple[str, ...]) -> None:
    command = dict(COMMANDS)[path]
    assert command.help and command.help.strip(), f"cam {' '.join(path)} has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"cam {' '.join(path)} {param.opts[0]} has no help text"
    pattern = re.escape("`cam " + " ".join(path)) + r"[ `]"
    assert re.search(pattern, README), f"`cam {' '.join(path)}` is not in README.md"


def test_the_readme_gives_the_two_set_up_commands() -> None:
    assert re.search(r"^make demo\b", README, re.M)
    assert re.search(r"^make test\b", README, re.M)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test\s*$", script, re.M)
