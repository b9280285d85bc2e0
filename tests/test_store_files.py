"""The store as a whole: complete after every command, backed up, read when read-only,
and never brought into being by a command that only reads."""

import ctypes
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import BACKEND, Cam, SmtpServer, fresh_store

VIEWS = (
    ("list",),
    ("show", "program-update"),
    ("history",),
    ("calendar",),
    ("people", "list"),
    ("outbox",),
)

ADVANCE = (
    "advance",
    "program-update",
    "install_working_group",
    "--session",
    "2015-10a",
    "--on",
    "2015-10-21",
    "--note",
    "Working Group installed",
    "--as",
    "chair",
)

# A step the played store allows next.
NEXT_STEP = ("advance", "program-update", "negotiate", "--session", "2015-11", "--as", "chair")


def played(cam: Cam) -> Cam:
    """A store with a plan, steps, a moved session and people with addresses."""
    cam("plan", "load", "cam-2015-2016")
    cam(*ADVANCE)
    cam("session", "record", "2015-10b", "--on", "2015-10-28", "--as-planned", "--as", "chair")
    cam(
        "session", "reschedule", "2015-11", "--to", "2015-11-18", "--reason", "set", "--as", "chair"
    )
    # The secretariat registers first: it manages people, then registers the chair.
    cam("people", "add", "secretariat", "--update", "--lang", "en", "--as", "secretariat")
    cam("people", "add", "chair", "--update", "--email", "chair@example.org", "--as", "secretariat")
    return cam


def views(cam: Cam) -> dict[tuple[str, ...], Any]:
    seen = {view: cam.json(*view) for view in VIEWS}
    seen[("audit", "verify")] = cam("audit", "verify").output
    return seen


def cam_process(
    db: str | Path, *args: str, cannot_write: bool = False
) -> subprocess.CompletedProcess[str]:
    """`cam --db DB ARGS` in a process of its own (as a user bound by file modes if asked)."""
    return subprocess.run(
        [sys.executable, "-m", "cam_tracker", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_bound_by_file_modes if cannot_write else None,
        check=False,
    )


def _bound_by_file_modes() -> None:
    """In the child, before it runs: file modes apply to it even if it runs as root.

    Root writes any file through CAP_DAC_OVERRIDE (and reads any through
    CAP_DAC_READ_SEARCH). Dropping both from the bounding set before exec
    leaves the new program without them: a file of mode 0444, or a directory of
    mode 0555, is then read-only to it as to any other user. An ordinary user
    is bound by file modes already.
    """
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    for capability in (cap_dac_override, cap_dac_read_search):
        if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def digest(directory: Path) -> dict[str, str]:
    """Every file of a directory and its SHA-256."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


# --- every command leaves a complete store file ---------------------------------------------


def test_a_copy_of_the_store_file_alone_holds_what_the_command_reported(tmp_path: Path) -> None:
    """SQLite keeps commits in `cam.db-wal` until a checkpoint: every command ends with one."""
    live = tmp_path / "live" / "cam.db"
    loaded = cam_process(live, "plan", "load", "cam-2015-2016")
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded: 11 activities" in loaded.stdout
    copy = tmp_path / "copy" / "cam.db"
    copy.parent.mkdir()
    shutil.copyfile(live, copy)
    assert len(Cam(str(copy)).json("list")) == 11

    assert sorted(p.name for p in live.parent.iterdir()) == ["cam.db"]

    # Another process keeps the store open meanwhile (a scheduler): SQLite's own
    # checkpoint, when the last connection closes, does not happen.
    other = sqlite3.connect(live)
    try:
        assert other.execute("SELECT count(*) FROM history").fetchone() == (0,)
        advanced = cam_process(live, *ADVANCE)
        assert advanced.returncode == 0, advanced.stderr
        copy.unlink()
        shutil.copyfile(live, copy)
    finally:
        other.close()
    [step] = Cam(str(copy)).json("history")
    assert (step["activity"], step["event"], step["note"]) == (
        "program-update",
        "install_working_group",
        "Working Group installed",
    )


def test_the_scheduler_keeps_the_store_file_complete_while_it_runs(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    """The scheduler keeps the store open for days: after each look that sent something,
    what it recorded is in the store file itself, for a copy taken meanwhile."""
    import datetime as dt
    import signal
    import time
    from zoneinfo import ZoneInfo

    live = tmp_path / "live" / "cam.db"
    cam = Cam(str(live))
    cam("plan", "load", "cam-2015-2016")
    # The secretariat registers first: it manages people, then registers the chair.
    cam("people", "add", "secretariat", "--update", "--lang", "en", "--as", "secretariat")
    cam("people", "add", "chair", "--update", "--email", "chair@example.org", "--as", "secretariat")
    day = (dt.datetime.now(ZoneInfo("America/New_York")).date() + dt.timedelta(days=2)).isoformat()
    cam("session", "reschedule", "2016-05", "--to", day, "--reason", "set", "--as", "chair")
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "cam_tracker", "--db", str(live), "scheduler", "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    copy = tmp_path / "copy.db"
    try:
        deadline = time.monotonic() + 30
        statuses: list[str] = []
        while statuses != ["sent"] and time.monotonic() < deadline:
            time.sleep(0.2)
            shutil.copyfile(live, copy)
            statuses = [row["status"] for row in Cam(str(copy)).json("outbox")]
        assert scheduler.poll() is None, "the scheduler stopped"
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(timeout=30)
    assert statuses == ["sent"]
    assert [r.recipients for r in smtp_server.messages()] == [["chair@example.org"]]


# --- cam backup -----------------------------------------------------------------------------


@pytest.fixture
def restore(tmp_path: Path) -> Iterator[Any]:
    """Restore a backup file as its README section says, into a new store; yield a Cam on it."""
    stores: list[Any] = []

    def restore(backup: Path) -> Cam:
        if BACKEND != "postgresql":
            path = tmp_path / "restored" / "cam.db"
            path.parent.mkdir()
            shutil.copyfile(backup, path)
            return Cam(str(path))
        context = fresh_store(tmp_path)
        url = context.__enter__()
        stores.append(context)
        target = url.replace("postgresql+psycopg://", "postgresql://")
        done = subprocess.run(
            ["pg_restore", "--no-owner", "--dbname", target, str(backup)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return Cam(url)

    yield restore
    for context in stores:
        context.__exit__(None, None, None)


def test_a_backup_restores_to_the_same_store(cam: Cam, tmp_path: Path, restore: Any) -> None:
    played(cam)
    backup = tmp_path / "backups" / "cam-backup"
    backup.parent.mkdir()
    result = cam("backup", str(backup))
    assert result.output.startswith(f"backed up the store to {backup}")
    assert sorted(p.name for p in backup.parent.iterdir()) == ["cam-backup"]
    restored = restore(backup)
    assert views(restored) == views(cam)
    # The restored store goes on.
    restored(*NEXT_STEP)
    rows = len(cam.json("history", "--all")) + 1
    assert f"verified: {rows} rows" in restored("audit", "verify").output


def test_a_backup_never_replaces_a_file_unless_forced(loaded: Cam, tmp_path: Path) -> None:
    backup = tmp_path / "cam-backup"
    backup.write_text("keep me")
    result = loaded("backup", str(backup), expect=1)
    assert result.output == (
        f"Error: {backup} exists: give --force to replace it with a new backup\n"
    )
    assert backup.read_text() == "keep me"
    loaded("backup", str(backup), "--force")
    assert backup.read_bytes() != b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir() if "backup" in p.name) == ["cam-backup"]
    missing = tmp_path / "no-such-folder" / "cam-backup"
    result = loaded("backup", str(missing), expect=1)
    assert result.output == f"Error: {missing.parent}: no such directory\n"


@pytest.mark.skipif(BACKEND != "postgresql", reason="pg_dump backs up a PostgreSQL store")
def test_without_pg_dump_the_backup_names_the_command_to_run(
    loaded: Cam, db_url: str, tmp_path: Path
) -> None:
    with_password = db_url.replace("postgres@", "postgres:s3cret-never-shown@")
    result = Cam(with_password)(
        "backup", str(tmp_path / "b"), expect=1, env={"PATH": str(tmp_path)}
    )
    plain = db_url.replace("postgresql+psycopg://", "postgresql://")
    assert result.output == (
        f"Error: pg_dump is not on PATH: back up this PostgreSQL store with "
        f"`pg_dump --format=custom --file {tmp_path / 'b'} {plain}`\n"
    )
    assert "s3cret" not in result.output
    assert not (tmp_path / "b").exists()


# --- a store that can only be read -----------------------------------------------------------


def read_only_url(url: str) -> str:
    """The same store, opened read-only: SQLite's `mode=ro`, PostgreSQL read-only sessions."""
    if BACKEND != "postgresql":
        return f"{url}?mode=ro"
    return f"{url}?options=-c%20default_transaction_read_only%3Don"


def test_a_store_opened_read_only_is_read_and_refuses_writes_in_one_line(
    cam: Cam, db_url: str, tmp_path: Path, restore: Any
) -> None:
    played(cam)
    before = views(cam)
    reader = Cam(read_only_url(db_url))
    assert views(reader) == before
    assert "Committee on Migration Issues" in reader("report", "--as-of", "2015-12-31").output
    reader("backup", str(tmp_path / "from-read-only"))
    assert views(restore(tmp_path / "from-read-only")) == before
    writes = [
        NEXT_STEP,
        ("reschedule", "campaign", "--to", "2016-03", "--reason", "later", "--as", "chair"),
        ("people", "add", "eve", "--name", "Eve", "--role", "delegate"),
        ("people", "add", "chair", "--update", "--email", "new.chair@example.org"),
    ]
    for args in writes:
        result = reader(*args, expect=1, env={"CAM_USER": "secretariat"})
        lines = result.output.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: the store at "), result.output
        assert lines[0].endswith(" is read-only: it can be read, not changed"), result.output
    assert views(cam) == before


@pytest.mark.parametrize("layout", ["file", "directory"])
def test_a_store_the_user_cannot_write_is_read_and_left_untouched(
    tmp_path: Path, layout: str
) -> None:
    """A store file of mode 0444, or in a directory of mode 0555 (nothing can be created
    beside it, not even SQLite's `-wal` and `-shm`): read as it is, written never."""
    folder = tmp_path / "store"
    path = folder / "cam.db"
    cam = played(Cam(str(path)))
    expected = {view: cam.json(*view) for view in VIEWS}
    before = digest(folder)
    assert list(before) == ["cam.db"]
    locked = folder if layout == "directory" else path
    locked.chmod(0o555 if layout == "directory" else 0o444)
    try:
        for view in VIEWS:
            read = cam_process(path, *view, "--json", cannot_write=True)
            assert read.returncode == 0, read.stderr
            assert json.loads(read.stdout) == expected[view]
        verified = cam_process(path, "audit", "verify", cannot_write=True)
        rows = len(json.loads(cam_process(path, "history", "--all", "--json").stdout))
        assert f"history chain verified: {rows} rows" in verified.stdout, verified.stderr
        backup = tmp_path / "cam-backup"
        saved = cam_process(path, "backup", str(backup), cannot_write=True)
        assert saved.returncode == 0, saved.stderr
        refused = cam_process(path, *NEXT_STEP, cannot_write=True)
        assert (refused.returncode, refused.stdout) == (1, "")
        assert refused.stderr == (
            f"Error: the store at {path} is read-only: it can be read, not changed\n"
        )
        if layout == "file":
            assert digest(folder)["cam.db"] == before["cam.db"]
        else:
            assert digest(folder) == before
    finally:
        locked.chmod(0o755 if layout == "directory" else 0o644)
    assert Cam(str(backup)).json("history") == expected[("history",)]


# --- a command that only reads never creates a store ----------------------------------------

NO_STORE_COMMANDS = [
    ("list",),
    ("show", "program-update"),
    ("history",),
    ("calendar",),
    ("calendar", "--ics", "-"),
    ("people", "list"),
    ("outbox",),
    ("audit", "verify"),
    ("export",),
    ("report",),
    ("backup", "{tmp}/cam-backup"),
    ("remind", "--dry-run"),
    ("remind", "preview", "--next"),
    ("remind",),
    ("scheduler", "run"),
    ("outbox", "retry", "1"),
    ADVANCE,
    ("reschedule", "campaign", "--to", "2016-03", "--reason", "later"),
    ("session", "record", "2015-10a"),
    ("session", "reschedule", "2015-11", "--to", "2015-11-18", "--reason", "agreed"),
    ("people", "assign", "chair", "campaign"),
    ("people", "unassign", "chair", "campaign"),
]


@pytest.fixture
def missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Cam, str, Any]]:
    """A store that is not there: a file path (SQLite) or an empty database (PostgreSQL).

    Yields a Cam on it, how errors name it, and a check that it is still not there.
    """
    monkeypatch.setenv("CAM_SMTP_FROM", "cam@example.org")
    if BACKEND != "postgresql":
        path = tmp_path / "nope" / "typo.db"
        yield Cam(str(path)), str(path), lambda: not (tmp_path / "nope").exists()
        return
    from sqlalchemy import create_engine, inspect

    with fresh_store(tmp_path) as url:

        def untouched() -> bool:
            engine = create_engine(url)
            try:
                return inspect(engine).get_table_names() == []
            finally:
                engine.dispose()

        yield Cam(url), url, untouched


@pytest.mark.parametrize("args", NO_STORE_COMMANDS, ids=" ".join)
def test_a_command_on_a_missing_store_says_so_and_creates_nothing(
    missing: tuple[Cam, str, Any], tmp_path: Path, args: tuple[str, ...]
) -> None:
    cam, where, untouched = missing
    args = tuple(arg.replace("{tmp}", str(tmp_path)) for arg in args)
    result = cam(*args, expect=1)
    assert result.output == f"Error: no store at {where}: load a plan first with `cam plan load`\n"
    assert untouched()


def test_plan_list_without_a_store_shows_the_bundled_plans(
    missing: tuple[Cam, str, Any],
) -> None:
    cam, _, untouched = missing
    [bundled] = cam.json("plan", "list")
    assert (bundled["name"], bundled["loaded"]) == ("cam-2015-2016", False)
    assert untouched()


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "load", "cam-2015-2016"),
        ("people", "add", "eve", "--name", "Eve", "--role", "secretariat"),
        ("db", "upgrade"),
    ],
    ids=" ".join,
)
def test_the_commands_that_start_a_store_create_it(
    missing: tuple[Cam, str, Any], args: tuple[str, ...]
) -> None:
    cam, _, untouched = missing
    cam(*args)
    assert not untouched()
    assert cam.json("plan", "list")[0]["name"] == "cam-2015-2016"
