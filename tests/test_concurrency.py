"""Many people advancing one activity at once: exactly one wins each race, nothing is lost."""

import multiprocessing
from typing import Any

from sqlmodel import col, select

from cam_tracker import store
from cam_tracker.store import audit, models

WORKERS = 8
ADVANCES = 50
ACTIVITY = "draft-resolution"


def _worker(url: str, worker: int, results: Any) -> None:
    """Alternate postpone/resume on one activity through the CLI, reporting each outcome."""
    from click.testing import CliRunner

    from cam_tracker.cli import cli

    runner = CliRunner()
    outcomes = []
    for attempt in range(ADVANCES):
        with store.session(url) as db:
            state = db.exec(
                select(models.Activity.state).where(models.Activity.key == ACTIVITY)
            ).one()
        event = "postpone" if state == "negotiating" else "resume"
        note = f"worker {worker} attempt {attempt}"
        result = runner.invoke(
            cli, ["--db", url, "advance", ACTIVITY, event, "--note", note, "--as", f"w{worker}"]
        )
        outcomes.append((event, note, result.exit_code, result.output))
    store.dispose_all()
    results.put(outcomes)


def test_eight_processes_fifty_advances_each(loaded: Any, db_url: str) -> None:
    loaded("advance", ACTIVITY, "present", "--session", "2016-02", "--on", "2016-02-17")
    loaded("advance", ACTIVITY, "negotiate", "--session", "2016-04", "--on", "2016-04-20")
    store.dispose_all()

    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_worker, args=(db_url, n, results)) for n in range(WORKERS)]
    for process in workers:
        process.start()
    outcomes = [entry for _ in workers for entry in results.get(timeout=300)]
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0

    assert len(outcomes) == WORKERS * ADVANCES
    succeeded = {note for _, note, code, _ in outcomes if code == 0}
    for _, _, code, output in outcomes:
        assert code in (0, 1), output
        assert "Traceback" not in output
        if code == 1:
            assert len(output.strip().splitlines()) == 1, output
            assert "changed meanwhile" in output or "not allowed" in output, output
    assert len(succeeded) >= ADVANCES, "the workers made too little progress to prove anything"

    with store.session(db_url) as db:
        activity = db.exec(select(models.Activity).where(models.Activity.key == ACTIVITY)).one()
        rows = list(
            db.exec(
                select(models.History)
                .where(models.History.activity_id == activity.id)
                .order_by(col(models.History.id))
            )
        )
        verdict = audit.verify(db)
    contested = rows[2:]
    assert {row.note for row in contested} == succeeded
    assert len(contested) == len(succeeded)
    previous = "negotiating"
    for row in contested:
        assert row.from_state == previous, "a state was skipped or applied twice"
        assert row.to_state == ("postponed" if previous == "negotiating" else "negotiating")
        previous = row.to_state
    assert activity.state == previous
    assert activity.version == 1 + len(rows)
    assert verdict.ok, verdict.problem
