"""Steps written in batches: all checked before any is written, chained as one at a time."""

import datetime as dt
from typing import Any

import pytest
from conftest import counting
from sqlalchemy import func
from sqlmodel import col, select

from cam_tracker import store
from cam_tracker.app import lookup, plans
from cam_tracker.app.activities import Step, advance, advance_many
from cam_tracker.core.errors import TransitionRefused
from cam_tracker.store import audit, models

# Activities of the bundled plan that start `mandated`, any of them may be postponed.
KEYS = ("program-update", "campaign", "sicremi", "forum-human-rights")


@pytest.fixture
def url(db_url: str) -> str:
    with store.session(db_url) as db:
        plans.load(db, "cam-2015-2016")
    return db_url


def _pauses(keys: tuple[str, ...], rounds: int, start: int = 1) -> list[Step]:
    """Each activity postponed then resumed, `rounds` times, one day after another."""
    steps = []
    day = dt.date(2015, 10, 1)
    for number in range(rounds):
        for key in keys:
            for name in ("postpone", "resume"):
                steps.append(
                    Step(key, name, note=f"pause {start + number}", on=day + dt.timedelta(number))
                )
    return steps


def _store_facts(url: str) -> tuple[Any, ...]:
    with store.session(url) as db:
        return (
            db.exec(select(func.count()).select_from(models.History)).one(),
            db.exec(select(func.count()).select_from(models.Change)).one(),
            audit.head(db),
            [
                (a.key, a.state, a.resume_state, a.version)
                for a in db.exec(select(models.Activity).order_by(col(models.Activity.id)))
            ],
        )


def test_a_refused_step_in_the_middle_lands_nothing_and_is_named(url: str) -> None:
    before = _store_facts(url)
    steps = _pauses(KEYS[:2], 2)
    bad = Step("sicremi", "resume", note="resumed without a pause", on=dt.date(2015, 10, 1))
    steps.insert(4, bad)
    with pytest.raises(TransitionRefused) as refused, store.session(url) as db:
        advance_many(db, lookup.current_plan(db), steps, actor="tester")
    assert str(refused.value).startswith("step 5 (sicremi resume): 'resume' is not allowed")
    assert _store_facts(url) == before
    missing_note = [*steps[:4], Step("campaign", "postpone", on=dt.date(2015, 10, 2))]
    needs = r"^step 5 \(campaign postpone\): .*needs a note"
    with pytest.raises(TransitionRefused, match=needs), store.session(url) as db:
        advance_many(db, lookup.current_plan(db), missing_note, actor="tester")
    assert _store_facts(url) == before


def test_a_batch_writes_what_steps_one_at_a_time_write(url: str) -> None:
    steps = _pauses(KEYS, 3)

    def content(rows: list[models.History]) -> list[tuple[Any, ...]]:
        return [
            (r.activity_id, r.event, r.from_state, r.to_state, r.actor, r.at, r.note, r.session_id)
            for r in rows
        ]

    # One at a time, rolled back; then the batch, from the same chain head.
    with store.session(url) as db:
        plan = lookup.current_plan(db)
        head = audit.head(db)
        one_by_one = [
            advance(db, plan, s.key, s.event, actor="tester", note=s.note, on=s.on).row
            for s in steps
        ]
        states = [(a.key, a.state, a.version) for a in db.exec(select(models.Activity))]
        db.rollback()
    with store.session(url) as db:
        assert audit.head(db) == head
        batch = advance_many(db, lookup.current_plan(db), steps, actor="tester")
    rows = [models.History.model_validate(done.values) for done in batch]
    assert content(rows) == content(one_by_one)
    if store.engine_for(url).dialect.name != "postgresql":  # a sequence does not roll back
        assert [(r.id, r.prev_hash, r.hash) for r in rows] == [
            (r.id, r.prev_hash, r.hash) for r in one_by_one
        ]
    with store.session(url) as db:
        assert [(a.key, a.state, a.version) for a in db.exec(select(models.Activity))] == states
        stored = list(db.exec(select(models.History).order_by(col(models.History.id))))
        assert [(r.id, r.hash) for r in stored] == [(r.id, r.hash) for r in rows]
        assert audit.verify(db).ok


def test_a_batch_fulfils_milestones_and_verifies(url: str) -> None:
    steps = [
        Step(
            "program-update",
            "install_working_group",
            session_key="2015-10a",
            on=dt.date(2015, 10, 21),
        ),
        Step("program-update", "report_progress", session_key="2015-11", on=dt.date(2015, 11, 18)),
    ]
    with store.session(url) as db:
        plan = lookup.current_plan(db)
        done = advance_many(db, plan, steps, actor="tester")
    assert [d.values["to_state"] for d in done] == ["working_group_installed", "progress_reported"]
    assert all(d.milestone_id is not None for d in done)
    with store.session(url) as db:
        fulfilled = db.exec(
            select(models.Milestone.done_history_id)
            .where(col(models.Milestone.done_history_id).is_not(None))
            .order_by(col(models.Milestone.done_history_id))
        ).all()
        assert list(fulfilled) == [d.values["id"] for d in done]
        assert audit.verify(db).ok


def _statements(url: str, steps: list[Step]) -> int:
    with store.session(url) as db:
        plan = lookup.current_plan(db)
        with counting(url) as counted:
            advance_many(db, plan, steps, actor="tester")
    return len(counted)


def test_a_batch_issues_as_many_queries_for_many_steps_as_for_few(url: str) -> None:
    few = _statements(url, _pauses(KEYS, 1))
    many = _statements(url, _pauses(KEYS, 25, start=2))  # 200 steps on the same activities
    assert many == few
    assert few <= 12
    with store.session(url) as db:
        assert audit.verify(db).ok


def test_recording_a_session_as_planned_advances_its_items_in_one_batch(url: str) -> None:
    def record(db_url: str) -> None:
        from cam_tracker.app.sessions import record_session

        with store.session(db_url) as db:
            outcomes = record_session(
                db,
                lookup.current_plan(db),
                "2015-10a",
                actor="tester",
                on=dt.date(2015, 10, 21),
                as_planned=True,
            )
        assert {o.status for o in outcomes} <= {"advanced", "noted"}

    with counting(url) as counted:
        record(url)
    appends = [s for s in counted if s.lstrip().upper().startswith("INSERT INTO HISTORY")]
    assert len(appends) == 1
    with store.session(url) as db:
        assert audit.verify(db).ok
