"""Looking for the rest of its kind: random plan files and random command lines.

Whatever a plan file or a command line holds, `cam` answers with exit 0, 1 or
2; a refusal is one line starting with "Error" (a plan file's problems follow
it, one line each, naming the file) or click's help starting with "Usage",
never a traceback; and a refusal leaves the store as it was. A plan file that
is accepted is one that every view can show.

The examples are derived from a fixed seed (`derandomize=True`), so a run is
repeatable and bounded: the whole module takes well under a minute on SQLite.
"""

import copy
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Cam
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_cli import KEYS, store_state

from cam_tracker.core.errors import InvalidDefinition
from cam_tracker.files import plan
from cam_tracker.files.plan import bundled_plans

BUNDLED = bundled_plans()["cam-2015-2016"]
SOURCE_TEXT = BUNDLED.read_bytes()
SOURCE: dict[str, Any] = yaml.safe_load(SOURCE_TEXT)
FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

SESSIONS = [s["key"] for s in SOURCE["sessions"]]
EVENTS = ["complete", "install_working_group", "negotiate", "postpone", "resume", "withdraw"]
PEOPLE = ["chair", "vice-chair", "secretariat"]
# Values that broke, or nearly broke, something once; mixed with random ones below.
EDGES = [
    "",
    " ",
    "\x00",
    "\x07",
    "\x1b[2J",
    "\r\n",
    "a\nb",
    "\t",
    "\u2028",
    "\u202e",
    "x" * 5000,
    "2015-02-30",
    "2015-10-32",
    "0000-01-01",
    "0001-01-02",
    "9999-12-31",
    "2015-13",
    "2015-1",
    "2015-W43-3",
    "20151021",
    "2015-10-21T25:00",
    "2015-10-21T10:00+99:00",
    "99999999999999999999",
    "-1",
    "a@@x",
    "chair@example.org\nBcc: x@example.org",
    "../../etc/passwd",
    "/dev/zero",
    "/",
    "-",
    "--help",
    "%s%n{0}",
    "[bold]x[/]",
]
SURROGATE_BYTES = st.text(
    alphabet=st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF), min_size=1, max_size=3
)
WILD = st.one_of(
    st.sampled_from(EDGES),
    st.text(max_size=12),
    st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=6),
    st.builds(lambda a, b: a + b, st.sampled_from(KEYS + SESSIONS), SURROGATE_BYTES),
)


def value(*valid: str) -> st.SearchStrategy[str]:
    """Mostly a value that gets somewhere, sometimes anything."""
    return st.one_of(st.sampled_from(valid), WILD) if valid else WILD


# --- plan files -----------------------------------------------------------------------------

PLAN_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**20),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(EDGES),
    st.dates(),
    st.datetimes(),
    st.lists(st.text(max_size=8), max_size=3),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
    st.sampled_from(
        [
            "procedural",
            "complete",
            "regular",
            "vice-chair-election",
            "ag-res-2738/1",
            "chair",
            "chair@example.org",
            "2015-11",
            "2015-11-18",
            "America/Bogota",
            {"en": "English", "es": "Español"},
            {"xx": "?"},
        ]
    ),
)


def _places(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _places(child, (*at, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _places(child, (*at, index))


def _parent(data: Any, at: tuple[Any, ...]) -> Any:
    for part in at[:-1]:
        data = data[part]
    return data


@st.composite
def mutated_plans(draw: st.DrawFn) -> Any:
    """The bundled plan with one to three values replaced, removed, added or doubled."""
    data = copy.deepcopy(SOURCE)
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p in _places(data) if p]
        if not places:
            break
        at = draw(st.sampled_from(places))
        parent, last = _parent(data, at), at[-1]
        action = draw(st.sampled_from(["replace", "replace", "remove", "add", "double"]))
        if action == "replace":
            parent[last] = draw(PLAN_VALUES)
        elif action == "remove":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(PLAN_VALUES)
        elif action == "double" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return data


@st.composite
def damaged_bytes(draw: st.DrawFn) -> bytes:
    """The bundled plan's bytes with a few bytes inserted, overwritten or cut."""
    raw = bytearray(SOURCE_TEXT)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw)))
        piece = draw(
            st.one_of(
                st.binary(min_size=1, max_size=6),
                st.sampled_from(
                    [b"\x00", b"\xff", b": ", b"&a ", b"*a", b"!!binary ", b"\t", b"["]
                ),
            )
        )
        if draw(st.booleans()):
            raw[at:at] = piece
        else:
            raw[at : at + len(piece)] = piece
    return bytes(raw)


def _refused_or_read(path: Path) -> bool:
    """Read a plan file: True when accepted, False when refused as it should be."""
    try:
        plan.read_plan(path)
    except InvalidDefinition as exc:
        lines = str(exc).splitlines()
        assert lines and all(line.startswith(f"{path}: ") for line in lines), str(exc)
        return False
    return True


def _dump(data: Any, unquoted: bool) -> str:
    """YAML text of the data; `unquoted` leaves date-like strings bare, as people write them."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return re.sub(r"'(\d{4}-\d\d(-\d\d)?)'", r"\1", text) if unquoted else text


@settings(deadline=None, max_examples=250, derandomize=True, suppress_health_check=FIXTURES)
@given(data=mutated_plans(), unquoted=st.booleans())
def test_a_mutated_plan_is_read_or_refused(tmp_path: Path, data: Any, unquoted: bool) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(_dump(data, unquoted), encoding="utf-8")
    _refused_or_read(path)


@settings(deadline=None, max_examples=150, derandomize=True, suppress_health_check=FIXTURES)
@given(raw=damaged_bytes())
def test_a_damaged_plan_file_is_read_or_refused(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(raw)
    _refused_or_read(path)


def _assert_refusal(result: Any, *, lines_from: str | None = None) -> None:
    """One line starting with Error (a plan file's problems after it), or click's help."""
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.stdout == "", result.output
    lines = result.output.splitlines()
    assert lines and lines[0].startswith(("Error", "Usage")), result.output
    if lines[0].startswith("Usage"):
        return  # a group without its command prints its help
    assert sum(line.startswith(("Error", "Usage")) for line in lines) == 1, result.output
    if lines_from is None:
        assert len(lines) == 1, result.output
    else:
        assert all(line.startswith(lines_from) for line in lines[1:]), result.output


@settings(deadline=None, max_examples=40, derandomize=True, suppress_health_check=FIXTURES)
@given(data=mutated_plans(), unquoted=st.booleans())
def test_a_plan_loaded_is_one_every_view_can_show(
    loaded: Cam, tmp_path: Path, data: Any, unquoted: bool
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(_dump(data, unquoted), encoding="utf-8")
    before = store_state(loaded)
    result = loaded("plan", "load", str(path), expect=None)
    if result.exit_code != 0:
        _assert_refusal(result, lines_from=f"{path}: ")
        assert store_state(loaded) == before
        return
    for view in (("list",), ("calendar",), ("report",), ("people", "list"), ("history",)):
        loaded(*view)
    loaded.json("list")


# --- command lines --------------------------------------------------------------------------


def _options(**choices: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """Some of the options, each with a value."""
    return st.lists(
        st.sampled_from(list(choices)).flatmap(
            lambda name: choices[name].map(lambda v: [f"--{name.replace('_', '-')}", v])
        ),
        max_size=3,
    ).map(lambda pairs: [word for pair in pairs for word in pair])


def _command(words: list[str], *parts: st.SearchStrategy[Any]) -> st.SearchStrategy[list[str]]:
    return st.tuples(*parts).map(
        lambda drawn: [*words, *[w for p in drawn for w in (p if isinstance(p, list) else [p])]]
    )


DATES = value("2015-10-21", "2015-11-18", "2016-01-20", "2014-10-01", "2015-12-31T10:00")
WRITES = {"advance", "reschedule", "session", "people", "plan", "import", "outbox"}
COMMANDS = st.one_of(
    _command(
        ["list"],
        _options(
            state=value("mandated", "negotiating"),
            kind=value("procedural", "meeting"),
            month=value("2015-11"),
            mandate=value("2816/18"),
            as_of=DATES,
        ),
    ),
    _command(["show"], value(*KEYS), _options(as_of=DATES)),
    _command(
        ["advance"],
        value(*KEYS),
        value(*EVENTS),
        _options(
            note=value("Working Group installed"),
            doc=value("CP/CAM-1234/15"),
            session=value(*SESSIONS),
            on=DATES,
            **{"as": value("secretariat", "chair")},
        ),
    ),
    _command(["history"], value(*KEYS)),
    _command(
        ["reschedule"],
        value(*KEYS),
        st.just("--to"),
        value("2016-03", "2016-04"),
        st.just("--reason"),
        value("The chair asked"),
        _options(on=DATES),
    ),
    _command(["calendar"], _options(month=value("2015-11", "2016-13"))),
    _command(
        ["session", "record"],
        value(*SESSIONS),
        _options(on=DATES, **{"except": value(*KEYS)}),
    ),
    _command(
        ["session", "reschedule"],
        value(*SESSIONS),
        st.just("--to"),
        DATES,
        st.just("--reason"),
        value("Moved by the chair"),
    ),
    _command(
        ["people", "add"],
        value(*PEOPLE, "new-person"),
        _options(
            name=value("A Name"),
            role=value("chair", "delegate"),
            email=value("a@example.org"),
        ),
        st.sampled_from([[], ["--update"]]),
    ),
    _command(["people", "assign"], value(*PEOPLE), value(*KEYS)),
    _command(["people", "unassign"], value(*PEOPLE), value(*KEYS)),
    _command(["plan", "load"], value("cam-2015-2016")),
    _command(["workflow", "show"], value("procedural", "program_update")),
    _command(["report"], _options(as_of=DATES, format=value("md", "html"))),
    _command(["outbox", "retry"], value("1", "0", "99999999999999999999")),
    _command(["remind", "--dry-run"], _options(now=DATES)),
    _command(["remind", "preview"], value(*SESSIONS), _options(now=DATES)),
    _command(["import"], value("-", "/dev/null")),
    st.lists(WILD, max_size=4),
)
GLOBAL = st.sampled_from([[], [], ["--plan", "cam-2015-2016"], ["--lang", "es"]]) | st.lists(
    WILD, max_size=2
).map(lambda words: ["--plan", *words[:1]] if words else [])


@settings(deadline=None, max_examples=400, derandomize=True, suppress_health_check=FIXTURES)
@given(before_command=GLOBAL, args=COMMANDS)
def test_any_command_line_is_answered_or_refused_cleanly(
    loaded: Cam, before_command: list[str], args: list[str]
) -> None:
    writes = bool(args) and args[0] in WRITES
    before = store_state(loaded) if writes else None
    result = loaded(*before_command, *args, expect=None, input="")
    event(f"{args[0] if args and args[0].isascii() else '(random)'}: exit {result.exit_code}")
    if result.exit_code == 0:
        assert "Traceback" not in result.output
        return
    _assert_refusal(result)
    if before is not None:
        assert store_state(loaded) == before


@pytest.mark.parametrize(
    "args",
    [
        (b"advance", b"\x80", b"complete"),
        (b"show", b"campaign\xc3"),
        (b"--plan", b"cam\xfe2015", b"list"),
        (b"people", b"add", b"eve", b"--name", b"Eve \xe9", b"--role", b"chair"),
    ],
)
def test_bytes_that_are_not_utf8_in_a_real_process(
    loaded: Cam, db_url: str, args: tuple[bytes, ...]
) -> None:
    before = store_state(loaded)
    command: list[str | bytes] = [sys.executable, "-m", "cam_tracker", "--db", db_url, *args]
    result = subprocess.run(command, capture_output=True, timeout=120, check=False, env=os.environ)
    assert result.returncode == 1 and result.stdout == b""
    lines = result.stderr.decode("utf-8").splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: argument "), lines
    assert "not UTF-8 text" in lines[0]
    assert store_state(loaded) == before
