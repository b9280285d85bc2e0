"""Measure cam-tracker on a large store, beside Taskwarrior where it is installed.

    python bench/run.py [--db URL|PATH] [--runs N] [--json FILE]

Without --db, the store is generated once (bench/generate.py: 200 plans,
10,000 activities, 2,000 sessions, 100,000 history rows) and cached under
bench/.cache/. The store measured is a copy (an SQLite file is never
changed; a PostgreSQL store given with --db is written to: the transitions
measured, and a scratch table, dropped after). Every command runs in a new
process, as a user runs it; the commands take turns, round after round, so
that a slower minute of the machine weighs on all of them alike. Each figure
is the median of the rounds, with the fastest and slowest. The table is
printed and written as JSON (bench/results.json by default). A benchmark
measures: whatever the timings, it exits 0.
"""

import argparse
import compileall
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
DEFAULT_SIZE = {"committees": 20, "years": 10, "activities": 50, "sessions": 10, "history": 100_000}
QUERY_COUNTER = """
import sys
from sqlalchemy import event
from sqlalchemy.engine import Engine
queries = 0
def count(*_args):
    global queries
    queries += 1
event.listen(Engine, "before_cursor_execute", count)
from cam_tracker.store import read  # reads on the driver's own connection count too
read.watchers.append(count)
sys.argv = ["cam", *sys.argv[1:]]
from cam_tracker.cli import main
try:
    main()
finally:
    sys.stderr.write(f"\\nQUERIES {queries}\\n")
"""


PEAK = """
import os, sys
child = os.fork()
if child == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_pid, _status, usage = os.wait4(child, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
"""


def _interpreter() -> Path:
    """The Python whose `cam` is measured: this one, or the checkout's .venv (re-run with it)."""
    here = Path(sys.executable)
    if (here.parent / "cam").exists():
        return here
    venv = ROOT / ".venv" / "bin" / "python"
    if venv.exists() and not os.environ.get("CAM_BENCH_REEXEC"):
        os.environ["CAM_BENCH_REEXEC"] = "1"
        os.execv(venv, [str(venv), str(Path(__file__).resolve()), *sys.argv[1:]])
    raise SystemExit("no `cam` next to this Python: install first (`make demo`), then run again")


PYTHON = _interpreter()
CAM = str(PYTHON.parent / "cam")

from rich import box  # noqa: E402  (after choosing the interpreter)
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

import cam_tracker  # noqa: E402
from cam_tracker import store  # noqa: E402
from cam_tracker.app import activities, lookup  # noqa: E402
from cam_tracker.core.settings import normalise_url  # noqa: E402
from cam_tracker.files import workflow  # noqa: E402
from cam_tracker.store import models  # noqa: E402

err = Console(stderr=True, highlight=False)


@dataclass
class Timed:
    """One command, run once per round."""

    name: str
    argv: Callable[[int], list[str]]
    env: dict[str, str]
    relative_to: str = ""
    target: float | None = None
    seconds: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    error: str | None = None

    def run(self, round_: int, keep: bool = True) -> None:
        if self.error:
            return
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as errors:
            start = time.perf_counter()
            done = subprocess.run(self.argv(round_), stdout=out, stderr=errors, env=self.env)
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip().splitlines()
                self.error = f"exit {done.returncode}: {message[-1] if message else ''}"
                return
        if keep:
            self.seconds.append(elapsed)

    def peak_memory(self, round_: int) -> None:
        """One more run, started by a small Python: a child's peak memory counts the
        memory of the process it was forked from, and this one holds the ORM."""
        if self.error:
            return
        with tempfile.NamedTemporaryFile("r") as peak:
            subprocess.run(
                [str(PYTHON), "-S", "-c", PEAK, peak.name, *self.argv(round_)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=self.env,
            )
            self.rss_kb.append(int(peak.read() or 0))


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


# --- the store -------------------------------------------------------------------


def _cached_store(runs_env: dict[str, str]) -> Path:
    """The generated large store, made once and kept under bench/.cache/."""
    size = DEFAULT_SIZE
    name = "large-{committees}x{years}x{activities}x{sessions}-{history}.db".format(**size)
    path = CACHE / name
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for leftover in CACHE.glob(partial.name + "*"):
        leftover.unlink()
    err.print(f"generating the large store into {path} (once; a few minutes)…")
    arguments = [f"--{key}={value}" for key, value in size.items()]
    subprocess.run(
        [str(PYTHON), str(BENCH / "generate.py"), "--db", f"sqlite:///{partial}", *arguments],
        check=True,
        env=runs_env,
    )
    partial.rename(path)
    return path


def _working_copy(source: Path, directory: Path) -> str:
    """A consistent copy of an SQLite store (its WAL included), to measure and change."""
    target = directory / "store.db"
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)
    return f"sqlite:///{target}"


@dataclass
class Targets:
    """What the commands act on: the plan loaded last, and activities in it."""

    plan: str
    show: str
    advance_plan: str
    advance: str
    kind: str
    now: str
    counts: dict[str, int]


def _targets(url: str) -> Targets:
    from sqlalchemy import func
    from sqlmodel import col, select

    with store.session(url) as db:
        plan = lookup.current_plan(db)
        busiest = db.exec(
            select(models.Activity.key, func.count(col(models.History.id)))
            .join(models.History, col(models.History.activity_id) == col(models.Activity.id))
            .where(models.Activity.plan_id == plan.id)
            .group_by(col(models.Activity.key))
            .order_by(func.count(col(models.History.id)).desc(), col(models.Activity.key))
            .limit(1)
        ).first()
        activities = db.exec(
            select(models.Activity)
            .where(models.Activity.plan_id == plan.id)
            .order_by(col(models.Activity.position))
        ).all()
        movable = next(
            (
                a
                for a in activities
                if any(s.event == "postpone" for s in workflow.get(a.kind).allowed(a.state))
            ),
            None,
        )
        kinds = db.exec(
            select(models.Activity.kind, func.count())
            .group_by(col(models.Activity.kind))
            .order_by(func.count().desc(), col(models.Activity.kind))
        ).all()
        first_month = db.exec(
            select(func.min(models.Meeting.month)).where(models.Meeting.plan_id == plan.id)
        ).one()
        counts = {
            table.__tablename__: db.exec(select(func.count()).select_from(table)).one()
            for table in (models.Plan, models.Activity, models.Meeting, models.History)
        }
        advance_plan, advance_key = plan.name, movable.key if movable else ""
    if movable is None:  # every activity is done: act on a plan that has just begun
        from cam_tracker import plan as plans

        with store.session(url) as db:
            plans.load(db, "cam-2015-2016")
        advance_plan, advance_key = "cam-2015-2016", "program-update"
    # The day before the plan's first month: its first sessions' reminders are due.
    now = (dt.date.fromisoformat(f"{first_month}-01") - dt.timedelta(days=1)).isoformat()
    return Targets(
        plan=plan.name,
        show=busiest[0] if busiest else activities[0].key,
        advance_plan=advance_plan,
        advance=advance_key,
        kind=kinds[0][0],
        now=now,
        counts=counts,
    )


# --- in process: transitions per second -------------------------------------------


def _transitions(url: str, targets: Targets, count: int, commit_each: int) -> dict[str, Any]:
    """`count` transitions in one transaction, taken one at a time (activities.advance) and
    as one batch (activities.advance_many), against a raw insert of the same rows, one
    statement per row and one executemany."""
    from sqlalchemy import Column, Index, MetaData, Table, insert
    from sqlmodel import col, select

    with store.session(url) as db:
        plan = lookup.current_plan(db, targets.advance_plan)
        postponed = lookup.find_activity(db, plan, targets.advance).state == "postponed"
    events = ("resume", "postpone") if postponed else ("postpone", "resume")
    start = time.perf_counter()
    with store.session(url) as db:
        for number in range(count):
            activities.advance(
                db,
                plan,
                targets.advance,
                events[number % 2],
                actor="bench",
                note=f"benchmark step {number + 1}",
            )
    advanced = time.perf_counter() - start
    batched = None
    if hasattr(activities, "advance_many"):  # absent from the code before batches
        with store.session(url) as db:
            before = db.exec(
                select(models.History.id).order_by(col(models.History.id).desc()).limit(1)
            ).first()
        steps = [
            activities.Step(
                targets.advance, events[(count + n) % 2], note=f"benchmark step {count + n + 1}"
            )
            for n in range(count)
        ]
        start = time.perf_counter()
        with store.session(url) as db:
            activities.advance_many(db, plan, steps, actor="bench")
        batched = time.perf_counter() - start
    else:
        with store.session(url) as db:
            before = db.exec(
                select(models.History.id).order_by(col(models.History.id).desc()).limit(1)
            ).first()
        before = (before or 0) - count
    start = time.perf_counter()
    for number in range(commit_each):
        with store.session(url) as db:
            activities.advance(
                db,
                plan,
                targets.advance,
                events[number % 2],
                actor="bench",
                note=f"benchmark step {2 * count + number + 1}",
            )
    one_by_one = time.perf_counter() - start

    history = models.History.__table__
    metadata = MetaData()
    scratch = Table(
        "bench_raw_history",
        metadata,
        *(
            Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
            for c in history.columns
        ),
    )
    Index("bench_raw_history_activity", scratch.c.activity_id)
    Index("bench_raw_history_at", scratch.c.at)
    Index("bench_raw_history_hash", scratch.c.hash, unique=True)
    with store.session(url) as db:
        rows = [
            dict(row._mapping)
            for row in db.connection().execute(
                history.select().where(history.c.id > (before or 0)).order_by(history.c.id)
            )
        ][:count]
    engine = store.engine_for(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    try:
        start = time.perf_counter()
        with engine.begin() as connection:
            for row in rows:
                connection.execute(insert(scratch), row)
        raw = time.perf_counter() - start
        with engine.begin() as connection:
            connection.execute(scratch.delete())
        start = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(insert(scratch), rows)
        raw_many = time.perf_counter() - start
    finally:
        metadata.drop_all(engine)
    return {
        "advance_per_second": count / advanced,
        "batch_per_second": count / batched if batched else None,
        "commit_each_per_second": commit_each / one_by_one if commit_each else None,
        "raw_per_second": len(rows) / raw,
        "raw_many_per_second": len(rows) / raw_many,
    }


# --- Taskwarrior -------------------------------------------------------------------


def _taskwarrior(url: str, directory: Path, base_env: dict[str, str]) -> dict[str, Any] | None:
    """The same activities as Taskwarrior tasks in a scratch TASKDATA; None without `task`."""
    task = shutil.which("task")
    if task is None:
        return None
    from sqlmodel import col, select

    version = subprocess.run([task, "--version"], capture_output=True, text=True).stdout.strip()
    data = directory / "taskdata"
    data.mkdir()
    rc = directory / "taskrc"
    rc.write_text(
        f"data.location={data}\nconfirmation=off\nhooks=off\nnews.version={version}\n",
        encoding="utf-8",
    )
    with store.session(url) as db:
        rows = db.exec(
            select(models.Activity, models.Plan.name)
            .join(models.Plan, col(models.Plan.id) == col(models.Activity.plan_id))
            .where(col(models.Activity.removed).is_(False))
            .order_by(col(models.Plan.name), col(models.Activity.position))
        ).all()
        tasks = [
            {
                "description": activity.title.get("en") or activity.key,
                "status": "pending",
                "entry": activity.updated_at.strftime("%Y%m%dT%H%M%SZ"),
                "project": plan_name,
                "tags": [activity.kind],
            }
            for activity, plan_name in rows
        ]
    exported = directory / "tasks.json"
    exported.write_text(json.dumps(tasks), encoding="utf-8")
    env = {**base_env, "TASKRC": str(rc), "TASKDATA": str(data)}
    start = time.perf_counter()
    imported = subprocess.run(
        [task, "rc.verbose=nothing", "import", str(exported)],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if imported.returncode != 0:
        return {"version": version, "error": imported.stderr.strip()[-200:]}
    return {"version": version, "env": env, "tasks": len(tasks), "import_seconds": seconds}


# --- the run -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", metavar="URL|PATH", help="the large store (default: generated)")
    parser.add_argument("--runs", type=int, default=7, help="rounds of the commands (default 7)")
    parser.add_argument("--transitions", type=int, default=10_000, help="in one transaction")
    parser.add_argument(
        "--commit-each", type=int, default=200, help="transitions committed one by one"
    )
    parser.add_argument(
        "--publish-runs", type=int, default=3, help="republications after one step (default 3)"
    )
    parser.add_argument(
        "--json", type=Path, default=BENCH / "results.json", help="where to write the results"
    )
    parser.add_argument(
        "--writes-only",
        action="store_true",
        help="measure the writes alone: transitions in process, and `cam import` of the "
        "store's export (into a new SQLite file, or into --import-db)",
    )
    parser.add_argument(
        "--import-db", metavar="URL", help="an empty store for the import (with --writes-only)"
    )
    args = parser.parse_args(argv)

    # As installed, the package's bytecode is written once, then read (even where
    # PYTHONDONTWRITEBYTECODE is set): measure that, not compiling on every start.
    compileall.compile_dir(str(Path(cam_tracker.__file__).parent), quiet=1)
    work = Path(tempfile.mkdtemp(prefix="cam-bench-"))
    base_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CAM_", "TASK")) and key != "COLUMNS"
    }
    base_env.update(
        XDG_CONFIG_HOME=str(work / "config"),
        XDG_DATA_HOME=str(work / "data"),
        CAM_USER="bench",
    )
    try:
        if args.db and "://" in args.db and not args.db.startswith("sqlite"):
            url = normalise_url(args.db)
            err.print(f"measuring {url.split('@')[-1]} in place: it gets a few hundred steps")
            source = url
        else:
            path = Path(args.db).expanduser() if args.db else _cached_store(base_env)
            if args.db and args.db.startswith("sqlite"):
                path = Path(args.db.split(":///", 1)[1])
            if not path.is_file():
                raise SystemExit(f"{path}: no such store")
            path = path.resolve()
            source = str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
            url = _working_copy(path, work)
        env = {**base_env, "CAM_DATABASE_URL": url}
        if args.writes_only:
            _writes(args, url, source, env, work)
        else:
            _run_all(args, url, source, env, work)
    finally:
        store.dispose_all()
        shutil.rmtree(work, ignore_errors=True)


def _run_all(
    args: argparse.Namespace, url: str, source: str, env: dict[str, str], work: Path
) -> None:
    started = time.perf_counter()
    warm = subprocess.run([CAM, "plan", "list", "--json"], env=env, capture_output=True)
    if warm.returncode != 0:  # the first run also brings an older store's schema up to date
        raise SystemExit(f"cam cannot read the store: {warm.stderr.decode().strip()}")
    targets = _targets(url)
    err.print(
        f"store: {targets.counts}; plan {targets.plan}, show {targets.show}, "
        f"advance {targets.advance_plan}/{targets.advance}"
    )
    taskwarrior = _taskwarrior(url, work, env)
    python = str(PYTHON)
    report_file = str(work / "report.html")
    plan = ["--plan", targets.plan]
    bare, imports = "python -c pass", "python -c 'import sqlmodel, click'"
    task = shutil.which("task") or "task"
    task_env = (taskwarrior or {}).get("env")
    task_list, task_filtered = "task list", f"task +{targets.kind} list"

    def fixed(*argv: str) -> Callable[[int], list[str]]:
        return lambda _round: list(argv)

    def advance(round_: int) -> list[str]:
        event = ("postpone", "resume")[round_ % 2]
        return [CAM, "--plan", targets.advance_plan, "advance", targets.advance, event]

    commands = [
        Timed(bare, fixed(python, "-c", "pass"), env),
        Timed("cam --help", fixed(CAM, "--help"), env, bare, 1.5),
        Timed(imports, fixed(python, "-c", "import sqlmodel, click"), env, bare),
        Timed(
            "cam list --all-plans",
            fixed(CAM, "list", "--all-plans"),
            env,
            *((task_list, 1.0) if task_env else (imports, None)),
        ),
        Timed(
            f"cam list --all-plans --kind {targets.kind}",
            fixed(CAM, "list", "--all-plans", "--kind", targets.kind),
            env,
            *((task_filtered, 1.0) if task_env else (imports, None)),
        ),
        Timed(f"cam list (plan {targets.plan})", fixed(CAM, *plan, "list"), env, imports),
        Timed(f"cam show {targets.show}", fixed(CAM, *plan, "show", targets.show), env, imports),
        Timed(
            f"cam history {targets.show}",
            fixed(CAM, *plan, "history", targets.show),
            env,
            imports,
        ),
        Timed(
            f"cam advance {targets.advance} postpone|resume --note",
            lambda round_: [*advance(round_), "--note", f"cold step {round_}"],
            env,
            imports,
            1.3,
        ),
        Timed(
            f"cam remind --dry-run --now {targets.now}",
            fixed(CAM, "remind", "--dry-run", "--now", targets.now),
            env,
            imports,
        ),
        Timed("cam report -o report.html", fixed(CAM, *plan, "report", "-o", report_file), env),
    ]
    if task_env:
        commands += [
            Timed(task_list, fixed(task, "list"), task_env, bare),
            Timed(task_filtered, fixed(task, f"+{targets.kind}", "list"), task_env, bare),
            Timed(
                "task 1 modify priority:H|L",
                lambda round_: [task, "1", "modify", f"priority:{'HL'[round_ % 2]}"],
                task_env,
                bare,
            ),
        ]
    rounds = max(1, args.runs)
    for round_ in range(rounds + 1):  # round 0 warms the caches and is not kept
        err.print(f"round {round_}/{rounds}…" if round_ else "warming up…")
        for command in commands:
            command.run(round_, keep=round_ > 0)
    for command in commands:
        command.peak_memory(rounds + 1)

    queries: dict[str, int | str] = {}
    for command in commands:
        if command.argv(0)[0] == CAM and "--help" not in command.argv(0):
            counted = subprocess.run(
                [python, "-c", QUERY_COUNTER, *command.argv(rounds + 2)[1:]],
                env=env,
                capture_output=True,
                text=True,
            )
            found = [line for line in counted.stderr.splitlines() if line.startswith("QUERIES ")]
            queries[command.name] = int(found[-1].split()[1]) if found else "?"

    published = _publishing(env, work, targets, args.publish_runs)
    err.print(f"{args.transitions} transitions in process…")
    rates = _transitions(url, targets, args.transitions, args.commit_each)
    results = _results(commands, queries, rates, taskwarrior, args)
    first_rate = next(i for i, e in enumerate(results) if "transitions in process" in e["name"])
    results[first_rate:first_rate] = published
    _print(results)
    document = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "store": {"source": source, "backend": url.split(":", 1)[0], **targets.counts},
        "rounds": rounds,
        "taskwarrior": (taskwarrior or {}).get("version"),
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    err.print(f"written to {args.json}")


def _writes(
    args: argparse.Namespace, url: str, source: str, env: dict[str, str], work: Path
) -> None:
    """The writes alone: `cam import` of the store's export, then the transitions."""
    started = time.perf_counter()
    targets = _targets(url)
    exported = work / "export.json"
    done = subprocess.run([CAM, "export", "-o", str(exported)], env=env, capture_output=True)
    if done.returncode != 0:
        raise SystemExit(f"cam export failed: {done.stderr.decode().strip()}")
    into = normalise_url(args.import_db) if args.import_db else f"sqlite:///{work / 'imported.db'}"
    err.print(f"cam import into {into.split('@')[-1]}…")
    seconds, rss, said = _measured(
        [CAM, "import", str(exported)], {**env, "CAM_DATABASE_URL": into}
    )
    results: list[dict[str, Any]] = [
        {
            "name": f"cam import of the store's export ({exported.stat().st_size >> 20} MB)",
            "unit": "s",
            "median": round(seconds, 2),
            "peak_rss_mb": round(rss / 1024, 1),
            "target": "≤ 30 s",
            "met": seconds <= 30,
            **({"said": said} if "import" not in said.lower() else {}),
        }
    ]
    err.print(f"{args.transitions} transitions in process…")
    rates = _transitions(url, targets, args.transitions, args.commit_each)
    results += _rates(rates, args)
    _print(results)
    document = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "store": {"source": source, "backend": url.split(":", 1)[0], **targets.counts},
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    err.print(f"written to {args.json}")


def _measured(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """One run of a command: seconds, peak memory (KB), and its last line of output."""
    with tempfile.NamedTemporaryFile("r") as peak:
        start = time.perf_counter()
        done = subprocess.run(
            [str(PYTHON), "-S", "-c", PEAK, peak.name, *argv],
            capture_output=True,
            text=True,
            env=env,
        )
        elapsed = time.perf_counter() - start
        rss = int(peak.read() or 0)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return elapsed, rss, lines[-1] if lines else ""


def _one_step(env: dict[str, str], targets: Targets, note: str) -> None:
    """Postpone the bench's activity, or resume it when it is postponed already."""
    for event in ("postpone", "resume"):
        done = subprocess.run(
            [CAM, "--plan", targets.advance_plan, "advance", targets.advance, event,
             "--note", note],
            env=env,
            capture_output=True,
        )  # fmt: skip
        if done.returncode == 0:
            return
    raise SystemExit(f"cannot advance {targets.advance}: {done.stderr.decode().strip()}")


def _publishing(
    env: dict[str, str], work: Path, targets: Targets, runs: int
) -> list[dict[str, Any]]:
    """`cam publish` of every plan into an empty directory (once: it renders every page),
    then again with nothing changed, then after one step, `runs` times."""
    site = str(work / "site")
    publish = [CAM, "publish", "-o", site]
    err.print("publishing the site of every plan (once)…")
    cold, cold_rss, said = _measured(publish, env)
    if "site published" not in said:
        return [{"name": "cam publish -o DIR (every plan)", "error": said[:200] or "failed"}]
    same, _same_rss, _said = _measured(publish, env)
    after: list[float] = []
    after_rss: list[int] = []
    for number in range(max(1, runs)):
        _one_step(env, targets, f"publish bench {number}")
        seconds, rss, _said = _measured(publish, env)
        after.append(seconds)
        after_rss.append(rss)
    return [
        {
            "name": f"cam publish -o DIR ({targets.counts['plan']} plans, 4 languages, first time)",
            "unit": "s",
            "median": round(cold, 2),
            "peak_rss_mb": round(cold_rss / 1024, 1),
            "target": "≤ 20 s, ≤ 400 MB",
            "met": cold <= 20 and cold_rss / 1024 <= 400,
        },
        {"name": "cam publish again, nothing changed", "unit": "s", "median": round(same, 3)},
        {
            "name": "cam publish after one step",
            "unit": "s",
            **{k: round(v, 3) for k, v in _stats(after).items()},
            "peak_rss_mb": round(max(after_rss) / 1024, 1),
            "target": "≤ 2 s",
            "met": statistics.median(after) <= 2,
        },
    ]


def _results(
    commands: list[Timed],
    queries: dict[str, int | str],
    rates: dict[str, Any],
    taskwarrior: dict[str, Any] | None,
    args: argparse.Namespace,
) -> list[dict[str, Any]]:
    medians = {c.name: statistics.median(c.seconds) for c in commands if c.seconds}
    results: list[dict[str, Any]] = []
    for command in commands:
        entry: dict[str, Any] = {"name": command.name, "unit": "s"}
        if command.error or not command.seconds:
            entry["error"] = command.error or "not run"
            results.append(entry)
            continue
        entry.update({k: round(v, 4) for k, v in _stats(command.seconds).items()})
        if command.rss_kb and command.rss_kb[0]:
            entry["peak_rss_mb"] = round(max(command.rss_kb) / 1024, 1)
        base = medians.get(command.relative_to)
        if base:
            entry["ratio"] = round(entry["median"] / base, 2)
            entry["relative_to"] = command.relative_to
            if command.target is not None:
                entry["target"] = f"≤ {command.target}×"
                entry["met"] = entry["median"] / base <= command.target
        if command.name.startswith("cam report"):
            entry["target"] = "≤ 3 s, ≤ 300 MB"
            entry["met"] = entry["median"] <= 3 and entry.get("peak_rss_mb", 0) <= 300
        if command.name in queries:
            entry["queries"] = queries[command.name]
        results.append(entry)
    if taskwarrior and "import_seconds" in taskwarrior:
        results.append(
            {
                "name": f"task import of {taskwarrior['tasks']} tasks (once)",
                "unit": "s",
                "median": round(taskwarrior["import_seconds"], 3),
            }
        )
    elif taskwarrior:
        results.append({"name": "task import", "error": taskwarrior.get("error", "failed")})
    return results + _rates(rates, args)


def _rates(rates: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    """The transitions per second, one at a time and in a batch, against raw inserts."""
    results: list[dict[str, Any]] = []
    advance, raw = rates["advance_per_second"], rates["raw_per_second"]
    results.append(
        {
            "name": f"{args.transitions} transitions in process, one transaction, one at a time",
            "unit": "/s",
            "median": round(advance, 1),
            "ratio": round(advance / raw, 2),
            "relative_to": "raw insert",
        }
    )
    batch = rates.get("batch_per_second")
    if batch:
        results.append(
            {
                "name": f"{args.transitions} transitions in process, one transaction, one batch",
                "unit": "/s",
                "median": round(batch, 1),
                "ratio": round(batch / raw, 2),
                "relative_to": "raw insert",
                "target": "≥ 10000/s, ≥ 0.5×",
                "met": batch >= 10_000 and batch / raw >= 0.5,
            }
        )
    results.append(
        {"name": "raw insert: the same history rows, Core, a statement each", "unit": "/s",
         "median": round(raw, 1)}
    )  # fmt: skip
    results.append(
        {
            "name": "raw insert: the same history rows, Core, one executemany",
            "unit": "/s",
            "median": round(rates["raw_many_per_second"], 1),
        }
    )
    if rates["commit_each_per_second"]:
        results.append(
            {
                "name": f"{args.commit_each} transitions in process, one commit each",
                "unit": "/s",
                "median": round(rates["commit_each_per_second"], 1),
            }
        )
    return results


SHORT = {
    "python -c pass": "python -c pass",
    "python -c 'import sqlmodel, click'": "bare import",
    "raw insert": "raw insert",
}


def _print(results: list[dict[str, Any]]) -> None:
    """One table: medians with their spread, ratios, targets, peak memory, queries."""
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 150)
    table = Table(title="cam-tracker benchmark", box=box.SIMPLE_HEAD, title_justify="left")
    for column in ("measurement", "median", "min – max", "ratio", "target", "met", "MB", "queries"):
        table.add_column(column, justify="left" if column in ("measurement", "target") else "right")

    def number(entry: dict[str, Any], value: float | None) -> str:
        if value is None:
            return ""
        return f"{value:.3f} s" if entry.get("unit") == "s" else f"{value:,.0f}/s"

    for entry in results:
        if "error" in entry:
            table.add_row(entry["name"], "–", "", "", entry["error"][:60], "", "", "")
            continue
        spread = (
            f"{number(entry, entry['min'])} – {number(entry, entry['max'])}"
            if "min" in entry
            else ""
        )
        base = entry.get("relative_to", "")
        ratio = f"{entry['ratio']}× {SHORT.get(base, base)}" if "ratio" in entry else ""
        table.add_row(
            entry["name"],
            number(entry, entry.get("median")),
            spread,
            ratio,
            entry.get("target", ""),
            {True: "yes", False: "no"}.get(entry.get("met", ""), ""),
            str(entry.get("peak_rss_mb", "")),
            str(entry.get("queries", "")),
        )
    console.print(table)


if __name__ == "__main__":
    main()
