"""What keeps cam fast on a large store: queries that do not grow with it, a cheap start.

Two generated stores (bench/generate.py, with small numbers), one about five
times the other, must cost the same number of queries for the listing, one
activity, the reminders' planning and the report's data.
"""

import datetime as dt
import importlib.util
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from pathlib import Path

import click
import pytest
from conftest import Cam, counting, fresh_store
from rich.text import Text
from sqlmodel import col, func, select

from cam_tracker import __main__ as entry
from cam_tracker import store
from cam_tracker.app import activities, lookup
from cam_tracker.app.plans import load
from cam_tracker.cli import cli, console, prepared_help
from cam_tracker.core.settings import ReminderSettings
from cam_tracker.reminders.due import due
from cam_tracker.reports import gather
from cam_tracker.store import audit, models

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("generate", ROOT / "bench" / "generate.py")
assert _spec is not None and _spec.loader is not None
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

SMALL = {"committees": 1, "years": 1, "per_plan": 6, "sessions": 2, "history_rows": 20}
LARGE = {"committees": 3, "years": 2, "per_plan": 15, "sessions": 4, "history_rows": 300}


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A small and a larger generated store, for every test of this module."""
    directory = tmp_path_factory.mktemp("generated")
    with fresh_store(directory) as small, fresh_store(directory) as large:
        generate.generate(small, **SMALL)
        generate.generate(large, **LARGE)
        yield {"small": small, "large": large}


def queries(url: str, action: Callable[[str], object]) -> int:
    action(url)  # the first use also checks the schema: count a second one
    with counting(url) as statements:
        action(url)
    return len(statements)


def _due_now(url: str) -> dt.datetime:
    """The day before the latest plans begin: their first sessions' reminders are due."""
    with store.session(url) as db:
        start = db.exec(select(func.max(models.Plan.period_start))).one()
    return dt.datetime.fromisoformat(f"{start}-01T00:00:00+00:00") - dt.timedelta(days=1)


def _cli(*args: str) -> Callable[[str], object]:
    def run(url: str) -> object:
        return Cam(url)(*args)

    return run


def _reminders(url: str) -> object:
    with store.session(url) as db:
        found = due(db, _due_now(url), ReminderSettings())
    assert found, "no reminder due: the test proves nothing"
    return found


def _report(url: str) -> object:
    with store.session(url) as db:
        return gather.gather(db, lookup.current_plan(db))


@pytest.mark.parametrize(
    "action",
    [
        _cli("list"),
        _cli("list", "--all-plans"),
        _cli("list", "--all-plans", "--as-of", "2016-12-31", "--overdue"),
        _cli("show", "a001"),
        _cli("history", "a001"),
        _cli("calendar"),
        lambda url: Cam(url)("remind", "--dry-run", "--now", _due_now(url).date().isoformat()),
        _reminders,
        _report,
        _cli("doc", "list"),
        _cli("doc", "list", "--activity", "a001"),
    ],
    ids=[
        "list",
        "list --all-plans",
        "list --all-plans --as-of",
        "show",
        "history",
        "calendar",
        "remind --dry-run",
        "due_module.due",
        "gather.gather",
        "doc list",
        "doc list --activity",
    ],
)
def test_queries_do_not_grow_with_the_store(
    stores: dict[str, str], action: Callable[[str], object]
) -> None:
    small, large = queries(stores["small"], action), queries(stores["large"], action)
    assert small == large, f"{small} queries on the small store, {large} on the larger one"
    assert large <= 20


def test_the_larger_store_is_larger(stores: dict[str, str]) -> None:
    counts = {}
    for name, url in stores.items():
        with store.session(url) as db:
            counts[name] = (
                db.exec(select(func.count()).select_from(models.Activity)).one(),
                db.exec(select(func.count()).select_from(models.Meeting)).one(),
                db.exec(select(func.count()).select_from(models.History)).one(),
            )
    small, large = counts["small"], counts["large"]
    assert all(big >= 5 * little for little, big in zip(small, large, strict=True))


def test_a_generated_store_verifies(stores: dict[str, str]) -> None:
    """The generator's steps go at the end of the chain its plans' loads began."""
    for url in stores.values():
        with store.session(url) as db:
            verdict = audit.verify(db)
            assert verdict.ok, verdict.problem
            assert verdict.rows == audit.head(db)[1] > 0


def test_list_across_plans(stores: dict[str, str]) -> None:
    cam = Cam(stores["large"])
    rows = cam.json("list", "--all-plans")
    plans = cam.json("plan", "list")
    assert len(rows) == sum(p["activities"] for p in plans if p["loaded"])
    assert [row["plan"] for row in rows] == sorted(row["plan"] for row in rows)
    for plan in {row["plan"] for row in rows}:
        own = cam.json("--plan", plan, "list")
        assert [
            {k: v for k, v in r.items() if k != "plan"} for r in rows if r["plan"] == plan
        ] == own
    meetings = cam.json("list", "--all-plans", "--kind", "meeting")
    assert meetings and {row["kind"] for row in meetings} == {"meeting"}
    assert meetings == [row for row in rows if row["kind"] == "meeting"]
    then = cam.json("list", "--all-plans", "--as-of", "2016-12-31")
    for plan in {row["plan"] for row in then}:
        own = cam.json("--plan", plan, "list", "--as-of", "2016-12-31")
        assert [
            {k: v for k, v in r.items() if k != "plan"} for r in then if r["plan"] == plan
        ] == own
    text = cam("list", "--all-plans").output
    assert "all plans — as of" in text and "Plan" in text
    assert f"{len(rows)} activities" in text


def test_list_across_plans_of_an_empty_store(cam: Cam) -> None:
    cam("db", "upgrade")  # a store, with no plan in it
    result = cam("list", "--all-plans", expect=1)
    assert "no plan in the store yet" in result.output


def _rich(title: str, columns: list[str], rows: list[list[Text]], nowrap: tuple[str, ...]) -> str:
    table = console._table(title, *columns, nowrap=nowrap)
    for row in rows:
        table.add_row(*row)
    out = io.StringIO()
    with redirect_stdout(out):
        console._console().print(table)
    return out.getvalue()


@pytest.mark.parametrize("columns", ["60", "80", "200"])
@pytest.mark.parametrize("color", [False, True])
def test_a_table_laid_out_without_rich_prints_as_rich_would(
    monkeypatch: pytest.MonkeyPatch, columns: str, color: bool
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.delenv("NO_COLOR", raising=False)
    if color:
        monkeypatch.setenv("FORCE_COLOR", "1")
    else:
        monkeypatch.delenv("FORCE_COLOR", raising=False)
    titles = ["Actividad 中文 de la comisión\x07", "x" * 60, "plain"]
    rows = [
        [
            console._cell(f"a{n:03d}"),
            console._cell(titles[n % 3][:50]),
            console._cell(None if n % 2 else "2016-01 present"),
            Text("yes", style="bold red") if n % 3 == 0 else console._cell(""),
        ]
        for n in range(7)
    ]
    names = ["Key", "Title", "Next", "Late"]
    for sample in (rows, rows[:1], []):
        out = io.StringIO()
        with redirect_stdout(out):
            console._print_table(
                console._console(), "t — as of 2015-01-01", names, sample, ("Key",)
            )
        assert out.getvalue() == _rich("t — as of 2015-01-01", names, sample, ("Key",))


def test_a_long_table_keeps_one_line_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    rows = [[console._cell(f"row {n}"), console._cell("z" * 50)] for n in range(1200)]
    out = io.StringIO()
    with redirect_stdout(out):
        console._print_table(console._console(), "long", ["A", "B"], rows, ())
    lines = out.getvalue().splitlines()
    assert len(lines) == 4 + len(rows) + 1
    assert lines[4].split() == ["row", "0", "z" * 50]


# --- starting cheaply ---------------------------------------------------------------


def test_the_prepared_help_is_clicks() -> None:
    prepared = Path(entry.HELP_FILE).read_text(encoding="utf-8")
    assert prepared == prepared_help(), (
        "cam_tracker/help.txt is not what `cam --help` prints now: write it again with\n"
        '  python -c "from cam_tracker.cli import prepared_help; '
        "open('cam_tracker/help.txt', 'w').write(prepared_help())\""
    )
    with click.Context(cli, info_name="cam", terminal_width=78, **cli.context_settings) as ctx:
        assert prepared.partition("\n")[2] == cli.get_help(ctx) + "\n"


def _cam(*args: str, columns: str) -> subprocess.CompletedProcess[str]:
    script = "import sys; from cam_tracker.__main__ import main; sys.argv[0] = 'cam'; main()"
    env = {**os.environ, "COLUMNS": columns}
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, check=False
    )


@pytest.mark.parametrize("columns", ["80", "120", "60"])
def test_cam_help_and_version_print_what_click_prints(columns: str) -> None:
    for args in (["--help"], ["-h"], ["--version"]):
        fast = _cam(*args, columns=columns)
        script = (
            "import sys; from cam_tracker.cli import cli; cli(args=sys.argv[1:], prog_name='cam')"
        )
        env = {**os.environ, "COLUMNS": columns}
        slow = subprocess.run(
            [sys.executable, "-c", script, *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert (fast.returncode, fast.stdout, fast.stderr) == (0, slow.stdout, slow.stderr)


def test_cam_help_imports_neither_click_nor_the_store() -> None:
    script = (
        "import sys; from cam_tracker.__main__ import main; sys.argv = ['cam', '--help']; main(); "
        "print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('click', 'sqlalchemy') or m == 'cam_tracker.cli'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: cam")
    assert result.stdout.strip().splitlines()[-1] == "[]"


# --- transitions in one transaction ------------------------------------------------


def test_many_transitions_in_one_transaction_and_a_savepoint_undone(db_url: str) -> None:
    with store.session(db_url) as db:
        load(db, "cam-2015-2016")
    events = ("postpone", "resume")
    with store.session(db_url) as db:
        current = lookup.current_plan(db)
        for n in range(30):
            activities.advance(db, current, "campaign", events[n % 2], actor="t", note=f"step {n}")
        savepoint = db.begin_nested()
        activities.advance(db, current, "sicremi", "postpone", actor="t", note="undone")
        savepoint.rollback()
        kept = activities.advance(db, current, "campaign", "postpone", actor="t", note="kept")
    with store.session(db_url) as db:
        rows = list(db.exec(select(models.History).order_by(col(models.History.id))))
        head = db.get(models.ChainHead, 1)
        verdict = audit.verify(db)
        campaign = lookup.find_activity(db, lookup.current_plan(db), "campaign")
        sicremi = lookup.find_activity(db, lookup.current_plan(db), "sicremi")
    assert verdict.ok, verdict.problem
    assert [row.note for row in rows] == [f"step {n}" for n in range(30)] + ["kept"]
    assert rows[-1].id == kept.row.id and rows[-1].hash == kept.row.hash
    # The chain also holds the plan's load, its first row.
    assert head is not None and (head.length, head.last_hash) == (32, rows[-1].hash)
    assert (campaign.state, campaign.version) == ("postponed", 32)
    assert (sicremi.state, sicremi.version) == ("planned", 1)
