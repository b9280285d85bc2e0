"""README.md documents every command, the two set-up commands work as written, and its
examples, run in order on a fresh store as a newcomer would, do what they say."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import SmtpServer, fresh_store

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


# --- the examples, in order -----------------------------------------------------------------

# A line of an example that runs until it is stopped (the scheduler) ends its comment so.
RUNS_UNTIL_STOPPED = "# runs until stopped"
# The shared store the README names, played by a fresh store of the backend under test.
EXAMPLE_SHARED_STORE = "postgresql+psycopg://secretariat@db.example.org/cam"


def readme_lines() -> list[str]:
    """The lines of README.md's ```sh blocks, in order, continuations joined."""
    lines = []
    for block in re.findall(r"^```sh\n(.*?)^```", README, re.M | re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        lines += [line.strip() for line in joined.splitlines() if line.strip()]
    return lines


def test_the_readme_examples_are_found() -> None:
    lines = readme_lines()
    assert lines[0].startswith("make demo")
    assert any(line.startswith("cam plan load cam-2015-2016") for line in lines)
    assert [line for line in lines if RUNS_UNTIL_STOPPED in line] == [
        next(line for line in lines if line.startswith("cam scheduler run"))
    ]


def test_the_readme_examples_run_in_order(tmp_path: Path, smtp_server: SmtpServer) -> None:
    """Every `cam` line of the README, in order, in a fresh home, with the real SMTP server."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CAM_", "XDG_")) or name.startswith("CAM_SMTP_")
    }
    env.update(HOME=str(home), PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    outputs: dict[str, str] = {}
    with fresh_store(tmp_path) as shared:
        for line in readme_lines():
            if RUNS_UNTIL_STOPPED in line:
                continue
            words = shlex.split(line.replace(EXAMPLE_SHARED_STORE, shared), comments=True)
            if words[0] == "export":
                name, _, value = words[1].partition("=")
                env[name] = value
                continue
            assigned = {}
            while words and re.match(r"^[A-Z_]+=", words[0]):
                name, _, value = words.pop(0).partition("=")
                assigned[name] = value
            if words[0] != "cam":
                continue  # make, the benchmark: not the tool
            args = [str(home / word[2:]) if word.startswith("~/") else word for word in words[1:]]
            result = subprocess.run(
                [sys.executable, "-m", "cam_tracker", *args],
                cwd=work,
                env={**env, **assigned},
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert result.returncode == 0, f"{line}\n{result.stdout}{result.stderr}"
            outputs[" ".join(words)] = result.stdout
    run = list(outputs)
    assert len(run) >= 15, run
    november = next(out for cmd, out in outputs.items() if cmd.startswith("cam session record"))
    assert "refused" not in november and november.count("advanced") == 4
    dry_run = next(out for cmd, out in outputs.items() if cmd.startswith("cam remind --dry-run"))
    assert "2015-12a" in dry_run and "2015-12b" in dry_run
    assert smtp_server.messages(to="chair@example.org")
    assert (work / "report.html").stat().st_size and (work / "informe.pdf").stat().st_size
    assert (work / "cam.json").stat().st_size
    assert (work / "cam-2015-2016.xlsx").read_bytes().startswith(b"PK")  # a zip: the workbook
    csv_out = next(out for cmd, out in outputs.items() if cmd == "cam list --csv")
    assert csv_out.startswith("key,number,title,")
