"""Start `cam`: the console script and `python -m cam_tracker`.

`cam --help` and `cam --version` answer from prepared text, without importing
click: `help.txt` is what click prints for `--help` on a console of 80
columns or more (a test checks it is current). On a narrower console, or
once a language was added or removed, click answers as for every other
command. Only `os` and `sys` are used here: both are loaded before Python
runs any script, and anything more would cost more than the answer itself.

A command runs for seconds, then exits. The cyclic garbage collector is
paused for it: its passes over the tens of thousands of objects that loading
the packages and a large store creates cost more than they would free
(`cam scheduler run`, which runs for days, turns it back on).
"""

import gc
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
HELP_FILE = os.path.join(_HERE, "cli", "help.txt")
HELP_WIDTH = 80


def main() -> None:
    """Entry point of the `cam` console script."""
    args = sys.argv[1:]
    if args in (["--help"], ["-h"]) and _prepared_help():
        return
    if args == ["--version"]:
        from cam_tracker import __version__

        sys.stdout.write(f"cam, version {__version__}\n")
        return
    gc.disable()
    from cam_tracker.cli import main as run

    run()


def _prepared_help() -> bool:
    """Print the prepared help if it is what click would print now."""
    if _columns() < HELP_WIDTH:
        return False
    try:
        with open(HELP_FILE, encoding="utf-8") as file:
            languages, _, text = file.read().partition("\n")
    except OSError:
        return False
    if languages != "|".join(_languages()):
        return False
    sys.stdout.write(text)
    return True


def _columns() -> int:
    """The console width as click measures it (`shutil.get_terminal_size`)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or HELP_WIDTH


def _languages() -> list[str]:
    """`core.text.languages()` with `os.path` alone (pathlib takes longer to import)."""
    locale = os.path.join(_HERE, "_data", "locale")
    if not os.path.isdir(locale):
        locale = os.path.join(os.path.dirname(_HERE), "locale")
    found = (
        sorted(name for name in os.listdir(locale) if os.path.isdir(os.path.join(locale, name)))
        if os.path.isdir(locale)
        else []
    )
    return ["en", *(name for name in found if name != "en")]


if __name__ == "__main__":
    main()
