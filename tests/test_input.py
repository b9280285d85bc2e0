"""Bad input, refused cleanly: one line on standard error, exit 1 or 2, the store unchanged.

Each case here was a traceback, a hang or a silent acceptance once; the
command line is driven in process (CliRunner) unless a real process matters
(bytes that are not UTF-8 in argv, a server that never answers).
"""

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Cam
from test_cli import INSTALL, refused, store_state

from cam_tracker.files.plan import bundled_plans

BUNDLED = bundled_plans()["cam-2015-2016"]
MARKER = '  - key: "2015-10a"\n    month: "2015-10"\n'


def _plan_text(**replace: str) -> str:
    text = BUNDLED.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new, 1)
    return text


def _run(db_url: str, *args: str | bytes, env: dict[str, Any] | None = None) -> Any:
    """`cam` in a process of its own; argv may hold bytes that are not UTF-8."""
    command: list[str | bytes] = [sys.executable, "-m", "cam_tracker", "--db", db_url, *args]
    return subprocess.run(
        command, capture_output=True, timeout=120, check=False, env={**os.environ, **(env or {})}
    )


def _one_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8")
    assert "Traceback" not in text
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("Error: ")
    return lines[0]


# --- plan files -----------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2015-02-30", "2015-10-32", "0000-10-21"])
def test_an_unquoted_impossible_date_in_a_plan_is_refused_with_its_line(
    loaded: Cam, tmp_path: Path, day: str
) -> None:
    path = tmp_path / "plan.yaml"
    text = _plan_text(**{MARKER: f"{MARKER}    date: {day}\n"})
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index(f"    date: {day}") + 1
    before = store_state(loaded)
    message = refused(loaded, "plan", "load", str(path))
    assert message.startswith(f"Error: {path}: line {line}: sessions[2015-10a].date: not a date")
    assert store_state(loaded) == before


def test_every_problem_of_a_plan_file_is_one_error(loaded: Cam, tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(
        _plan_text(
            **{
                "kind: program_update": "kind: programme_update",
                MARKER: '  - key: "2015-10a"\n    month: 2015-13\n',
                "  - key: chair\n    name: Chair of the CAM\n": (
                    '  - key: chair\n    name: "Chair\\nof the CAM"\n'
                ),
            }
        ),
        encoding="utf-8",
    )
    before = store_state(loaded)
    result = loaded("plan", "load", str(path), expect=1)
    assert "Traceback" not in result.output and result.stdout == ""
    first, *rest = result.output.splitlines()
    assert first.startswith(f"Error: {path}: line ")
    assert len(rest) == 2 and all(line.startswith(f"{path}: line ") for line in rest)
    assert [line.split(": ")[3 if n == 0 else 2] for n, line in enumerate([first, *rest])] == [
        "people[chair].name",
        "activities[program-update].kind",
        "sessions[2015-10a].month",
    ]
    assert store_state(loaded) == before


def test_a_nul_in_a_paragraph_or_an_escape_in_a_title_is_refused_on_both_stores(
    loaded: Cam, tmp_path: Path
) -> None:
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    data["mandates"][0]["paragraphs"][0]["text"] = "To establish\x00 a NUL"
    data["activities"][0]["title"] = "Bell\x07 and \x1b[2J escape"
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = store_state(loaded)
    output = loaded("plan", "load", str(path), expect=1).output
    assert (
        "mandates[ag-res-2738].paragraphs[1].text: the text contains a control character (0x00)"
        in (output)
    )
    assert (
        "activities[vice-chair-election].title: the text contains a control character (0x07)"
        in (output)
    )
    assert store_state(loaded) == before


def test_lines_and_tabs_stay_in_a_paragraph(loaded: Cam, tmp_path: Path) -> None:
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    data["mandates"][0]["paragraphs"][0]["text"] = "First line\n\tindented second line"
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    loaded("plan", "load", "--replace", str(path))
    report = loaded("report").output
    assert "First line" in report and "indented second line" in report


def test_the_people_of_a_plan_file_get_the_checks_of_people_add(cam: Cam, tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    person = "  - key: chair\n    name: Chair of the CAM\n    role: chair\n"
    for email, what in [
        ('"chair@example.org\\nBcc: x@example.org"', "control character or a line break"),
        ("a@@x", "not an email address: 'a@@x'"),
        ("chair", "no domain"),
    ]:
        path.write_text(_plan_text(**{person: f"{person}    email: {email}\n"}), encoding="utf-8")
        message = refused(cam, "plan", "load", str(path))
        assert ": people[chair].email: not an email address" in message and what in message
        assert cam.json("plan", "list")[0]["loaded"] is False


# --- sizes ----------------------------------------------------------------------------------


def test_a_plan_file_larger_than_the_limit_is_refused_before_it_is_read(
    loaded: Cam, tmp_path: Path
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(_plan_text(**{"title:\n  en: ": f"title:\n  en: {'x' * 20_000_000}"}))
    before = store_state(loaded)
    started = time.monotonic()
    message = refused(loaded, "plan", "load", str(path))
    assert time.monotonic() - started < 5
    assert message == f"Error: {path}: larger than 1 MB: not a file this tool reads"
    assert store_state(loaded) == before


def test_a_title_longer_than_its_limit_is_refused(loaded: Cam, tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(_plan_text(**{"title:\n  en: ": f"title:\n  en: {'x' * 900_000}"}))
    message = refused(loaded, "plan", "load", str(path))
    assert ": line 7: title.en: the text is too long (9000" in message
    assert "characters, at most 2000)" in message


@pytest.mark.parametrize("command", [("plan", "load"), ("import",)])
def test_a_device_is_refused_without_being_read(loaded: Cam, command: tuple[str, ...]) -> None:
    before = store_state(loaded)
    started = time.monotonic()
    assert refused(loaded, *command, "/dev/zero") == "Error: /dev/zero: not a regular file"
    assert time.monotonic() - started < 5
    assert store_state(loaded) == before


def test_an_export_larger_than_the_limit_is_refused(
    cam: Cam, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cam_tracker.store import transfer

    monkeypatch.setattr(transfer, "MAX_EXPORT_BYTES", 1000)
    path = tmp_path / "export.json"
    path.write_text("[" + "0, " * 1000 + "0]")
    assert refused(cam, "import", str(path)) == (
        f"Error: {path}: larger than 0.000953674 MB: not a file this tool reads"
    )
    piped = cam("import", "-", input="[" + "0, " * 1000 + "0]", expect=1).output
    assert piped.startswith("Error: ") and "larger than" in piped


def test_a_yaml_bomb_is_refused(loaded: Cam, tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    message = refused(loaded, "plan", "load", str(path))
    assert time.monotonic() - started < 5
    assert "values once aliases are expanded" in message


# --- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        (b"advance", b"work\xffplan", b"complete", b"--session", b"2015-10a"),
        (b"session", b"record", b"2015\xff"),
        (b"advance", b"program-update", b"install_working_group", b"--note", b"caf\xe9"),
        (b"--plan", b"cam-\xff", b"list"),
    ],
)
def test_bytes_that_are_not_utf8_are_refused_in_one_line(
    loaded: Cam, db_url: str, args: tuple[bytes, ...]
) -> None:
    before = store_state(loaded)
    result = _run(db_url, *args)
    assert result.returncode == 1 and result.stdout == b""
    assert "is not UTF-8 text: '" in _one_line(result.stderr)
    assert "\\xff" in result.stderr.decode() or "\\xe9" in result.stderr.decode()
    assert store_state(loaded) == before


def test_an_environment_value_that_is_not_utf8_is_refused(loaded: Cam, db_url: str) -> None:
    before = store_state(loaded)
    result = _run(db_url, *INSTALL, env={"CAM_USER": os.fsdecode(b"secr\xe9tariat")})
    assert result.returncode == 1
    assert _one_line(result.stderr) == "Error: CAM_USER: not UTF-8 text: 'secr\\xe9tariat'"
    assert store_state(loaded) == before


REFUSED = [
    # (arguments, exit code, what the one line says)
    (
        ("people", "add", "x", "--name", "X", "--role", "chair", "--email", "a@@x"),
        1,
        "--email: not an email address: 'a@@x'",
    ),
    (("outbox", "retry", "99999999999999999999"), 2, "is not in the range"),
    (("outbox", "retry", "0"), 2, "is not in the range"),
    (("export", "-o", "/nonexistent/dir/x.json"), 1, "/nonexistent/dir/x.json: No such file"),
    (("report", "-o", "/nonexistent/dir/x.html"), 1, "/nonexistent/dir/x.html: No such file"),
    (("calendar", "--ics", "/nonexistent/dir/x.ics"), 1, "/nonexistent/dir/x.ics"),
    ((*INSTALL, "--on", "0001-01-02"), 1, "--on: not a date: '0001-01-02' (years 1900 to 2999)"),
    (
        (
            "advance",
            "vice-chair-election",
            "complete",
            "--session",
            "2015-10a",
            "--on",
            "2014-09-30",
        ),
        1,
        "--on: 2014-09-30 is more than 1 year before the plan's period (it starts 2015-10)",
    ),
    ((*INSTALL, "--on", ""), 1, "--on: empty value"),
    ((*INSTALL, "--on", " "), 1, "--on: empty value"),
    ((*INSTALL, "--note", ""), 1, "--note: empty value"),
    ((*INSTALL, "--note", "x" * 4001), 1, "--note: the note is too long (4001 characters"),
    ((*INSTALL, "--doc", "CIDI/doc\n2"), 1, "--doc: the document must be one line"),
    ((*INSTALL, "--doc", "D" * 121), 1, "--doc: the document is too long"),
    (("show", "program-update\x1b[2J"), 1, "KEY: the value contains a control character (0x1b)"),
    (("show", "x" * 5000), 1, "argument 4 is too long (5000 characters, at most 4096)"),
    (("list", "--as-of", ""), 1, "--as-of: empty value"),
    (("list", "--as-of", "9999-12-31"), 1, "years 1900 to 2999"),
    (("list", "--as-of", "2015-W43-3"), 1, "--as-of: not a date"),
    (("report", "--as-of", "0999-01-01"), 1, "--as-of: not a date"),
    (("calendar", "--month", "0000-01"), 1, "not a month: '0000-01'"),
    (("calendar", "--month", "2015-1"), 1, "not a month: '2015-1'"),
    (("session", "record", "2015-10b", "--on", "1066-10-14"), 1, "years 1900 to 2999"),
    (("session", "reschedule", "2015-11", "--to", "0001-01-01", "--reason", "x"), 1, "years"),
    (("reschedule", "campaign", "--to", "2016-03", "--reason", "a\x07b"), 1, "control character"),
    (("reschedule", "campaign", "--to", "2016-03", "--reason", "a\x00b"), 1, "a NUL character"),
    (("plan", "load", ""), 1, "NAME|FILE: empty value"),
    (("plan", "load", "/"), 1, "/: is a directory"),
    (("list", "--bogus"), 2, "No such option '--bogus' (see '"),
    (("advance", "program-update"), 2, "Missing argument 'EVENT' (see '"),
    (("frobnicate",), 2, "No such command 'frobnicate'"),
]


@pytest.mark.parametrize(
    ("args", "code", "what"), REFUSED, ids=[" ".join(r[0])[:60] for r in REFUSED]
)
def test_refused_in_one_line_and_nothing_changes(
    loaded: Cam, args: tuple[str, ...], code: int, what: str
) -> None:
    loaded(*INSTALL, "--on", "2015-10-21")
    before = store_state(loaded)
    result = loaded(*args, expect=code)
    assert "Traceback" not in result.output and result.stdout == ""
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert what in lines[0]
    assert store_state(loaded) == before


def test_a_step_a_year_before_the_period_is_accepted(loaded: Cam) -> None:
    # Not at a session: a step at a session happens within the session's month.
    loaded("advance", "program-update", "postpone", "--note", "ahead", "--on", "2014-10-01")
    assert loaded.json("history")[0]["at"].startswith("2014-10-01")


def test_a_step_in_year_one_cannot_break_the_report(loaded: Cam) -> None:
    loaded(
        "advance",
        "vice-chair-election",
        "complete",
        "--session",
        "2015-10a",
        "--on",
        "0001-01-02",
        expect=1,
    )
    loaded("report", "--format", "html")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:s3cret@127.0.0.1:notaport/x",
        "postgresql://u:s3cret@127.0.0.1:99999/x",
        "postgresql://u:s3cret@127.0.0.1:-1/x",
    ],
)
def test_a_database_url_with_a_bad_port_is_refused(url: str) -> None:
    from click.testing import CliRunner

    from cam_tracker.cli import cli

    result = CliRunner().invoke(cli, ["--db", url, "list"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: not a database URL")
    assert "s3cret" not in result.output


# --- a PostgreSQL server that never answers ----------------------------------------------


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A socket on 127.0.0.1 that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    server.close()
    for connection in accepted:
        connection.close()
    thread.join(timeout=5)


def test_a_server_that_never_answers_is_given_up_on(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from cam_tracker import store
    from cam_tracker.cli import cli
    from cam_tracker.store import limits

    monkeypatch.setattr(limits, "POSTGRES_CONNECT_SECONDS", 2)
    url = f"postgresql://clerk:s3cret@127.0.0.1:{silent_server}/cam"
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["--db", url, "list"])
    elapsed = time.monotonic() - started
    store.dispose_all()
    assert elapsed < 10
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output == (
        f"Error: cannot open the store at 127.0.0.1:{silent_server}: connection timeout expired\n"
    )


def test_a_url_may_set_its_own_connect_timeout(silent_server: int) -> None:
    from click.testing import CliRunner

    from cam_tracker import store
    from cam_tracker.cli import cli

    url = f"postgresql://clerk@127.0.0.1:{silent_server}/cam?connect_timeout=1"
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["--db", url, "list"])
    store.dispose_all()
    assert time.monotonic() - started < 5
    assert "connection timeout expired" in result.output


def test_statements_on_postgresql_have_a_time_limit() -> None:
    from conftest import POSTGRES_SERVER
    from sqlalchemy import create_engine, make_url, text

    from cam_tracker.store import engine

    url = make_url(f"{POSTGRES_SERVER}/postgres")
    made = create_engine(url, connect_args=engine.connect_arguments(url))
    try:
        with made.connect() as connection:
            limit = connection.execute(
                text("SELECT setting FROM pg_settings WHERE name = 'statement_timeout'")
            ).scalar()
    finally:
        made.dispose()
    assert limit == str(engine.POSTGRES_STATEMENT_SECONDS * 1000)


def test_the_date_window_is_one_rule(loaded: Cam) -> None:
    from cam_tracker.core import dates

    today = dt.date(2016, 1, 1)
    dates.check_step_day(dt.date(2014, 10, 1), "2015-10", today)
    with pytest.raises(Exception, match="more than 1 year before"):
        dates.check_step_day(dt.date(2014, 9, 30), "2015-10", today)
    with pytest.raises(Exception, match="in the future"):
        dates.check_step_day(dt.date(2016, 1, 2), "2015-10", today)


def test_the_limits_are_the_ones_documented() -> None:
    from cam_tracker.core import text
    from cam_tracker.files import yamlfile
    from cam_tracker.store import transfer

    documented = (Path(__file__).parent.parent / "docs" / "plan-format.md").read_text()
    for name in ("MAX_KEY", "MAX_NUMBER", "MAX_SYMBOL", "MAX_NAME", "MAX_EMAIL", "MAX_TITLE"):
        assert f"| {getattr(text, name):,} characters |" in documented, name
    for name in ("MAX_TEXT", "MAX_NOTE", "MAX_ARGUMENT"):
        assert f"{getattr(text, name):,} characters" in documented, name
    assert f"at most {yamlfile.MAX_FILE_BYTES // 2**20} MB" in documented
    assert f"at most {yamlfile.MAX_NODES:,} values" in documented
    assert f"Past {yamlfile.MAX_PROBLEMS} problems" in documented
    assert f"at most {transfer.MAX_EXPORT_BYTES // 2**20} MB" in documented
