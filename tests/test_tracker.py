"""The use cases that change the store, at library level: advance, sessions, reschedule."""

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from cam_tracker import store
from cam_tracker.app import activities, lookup, plans, sessions, snapshot
from cam_tracker.app import activities as tracker
from cam_tracker.core import dates
from cam_tracker.core.errors import CamError, Conflict, NotFound, TransitionRefused
from cam_tracker.files import workflow
from cam_tracker.store import models

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def url(db_url: str) -> str:
    """A store with the bundled plan loaded."""
    with store.session(db_url) as db:
        plans.load(db, "cam-2015-2016")
    return db_url


@contextmanager
def work(url: str) -> Iterator[tuple[Session, models.Plan]]:
    with store.session(url) as db:
        yield db, lookup.current_plan(db)


def advance(url: str, key: str, event: str, **options: Any) -> activities.Advanced:
    options.setdefault("actor", "tester")
    if isinstance(options.get("on"), str):
        options["on"] = dt.date.fromisoformat(options["on"])
    with work(url) as (db, current):
        return activities.advance(db, current, key, event, **options)


def history(url: str, key: str | None = None) -> list[models.History]:
    with store.session(url) as db:
        query = select(models.History).order_by(col(models.History.id))
        if key is not None:
            query = query.join(
                models.Activity, col(models.Activity.id) == col(models.History.activity_id)
            ).where(models.Activity.key == key)
        return list(db.exec(query))


def activity(url: str, key: str) -> models.Activity:
    with work(url) as (db, current):
        return lookup.find_activity(db, current, key)


def state_of(url: str, key: str) -> str:
    return activity(url, key).state


def snap(url: str, as_of: str | None = None) -> snapshot.Snapshot:
    with work(url) as (db, current):
        moment = dates.as_of_moment(
            current.timezone, dt.date.fromisoformat(as_of) if as_of else None
        )
        return snapshot.snapshot(db, current, moment)


def view(snapshot: snapshot.Snapshot, key: str) -> snapshot.ActivityView:
    found = snapshot.activity(key)
    assert found is not None
    return found


def counts(url: str) -> tuple[int, int, int]:
    """History rows, the sum of activity versions, and the chain's length (steps and changes)."""
    with store.session(url) as db:
        rows = db.exec(select(func.count()).select_from(models.History)).one()
        versions = db.exec(select(func.sum(models.Activity.version))).one()
        head = db.get(models.ChainHead, 1)
        return int(rows), int(versions or 0), head.length if head else 0


# --- advance --------------------------------------------------------------------------------


def test_advance_writes_the_state_and_one_complete_history_row(url: str) -> None:
    result = advance(
        url,
        "program-update",
        "install_working_group",
        actor="maria",
        note="Working Group installed",
        document="CIDI/CAM/doc.1/15",
        session_key="2015-10a",
        on="2015-10-21",
    )
    assert result.activity.state == "working_group_installed"
    assert result.milestone is not None and result.milestone.planned_month == "2015-10"
    program = activity(url, "program-update")
    assert program.state == "working_group_installed"
    assert program.version == 2
    rows = history(url)
    assert len(rows) == 1
    row = rows[0]
    assert row.activity_id == program.id
    assert (row.event, row.from_state, row.to_state) == (
        "install_working_group",
        "mandated",
        "working_group_installed",
    )
    assert row.actor == "maria"
    assert row.note == "Working Group installed"
    assert row.document == "CIDI/CAM/doc.1/15"
    assert row.at.tzinfo is not None
    assert row.at == dt.datetime(2015, 10, 21, 12, tzinfo=NEW_YORK)
    assert row.recorded_at.tzinfo is not None
    with work(url) as (db, current):
        meeting = lookup.find_session(db, current, "2015-10a")
        assert row.session_id == meeting.id
        milestone = db.get(models.Milestone, result.milestone.id)
        assert milestone is not None and milestone.done_history_id == row.id


def test_advance_defaults_to_the_session_date(url: str) -> None:
    with work(url) as (db, _):
        db.exec(
            update(models.Meeting)
            .where(col(models.Meeting.key) == "2015-10a")
            .values(date=dt.date(2015, 10, 21))
        )
    advance(url, "work-plan", "complete", session_key="2015-10a")
    assert history(url)[0].at == dt.datetime(2015, 10, 21, 12, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("key", "event", "given", "missing"),
    [
        ("program-update", "install_working_group", {}, "session"),
        ("program-update", "postpone", {}, "note"),
        ("draft-resolution", "present", {"note": "x"}, "session"),
        ("campaign", "define_contents", {"session_key": "2015-11"}, "note"),
    ],
)
def test_a_missing_requirement_is_named(
    url: str, key: str, event: str, given: dict[str, Any], missing: str
) -> None:
    with pytest.raises(TransitionRefused) as refused:
        advance(url, key, event, on="2015-10-21", **given)
    # The library names the field; the CLI adds the option that gives it.
    assert f"needs a {missing}" in str(refused.value) and refused.value.fields == (missing,)
    assert state_of(url, key) == activity(url, key).state
    assert counts(url)[0] == 0


def test_a_document_requirement_is_named(url: str) -> None:
    advance(url, "draft-resolution", "present", session_key="2016-02", on="2016-02-17")
    advance(url, "draft-resolution", "approve", session_key="2016-05", on="2016-05-18")
    with pytest.raises(TransitionRefused, match="needs a document"):
        advance(url, "draft-resolution", "refer_to_cidi", on="2016-05-20")
    assert state_of(url, "draft-resolution") == "approved"
    advance(url, "draft-resolution", "refer_to_cidi", document="CIDI/doc.5/16", on="2016-05-20")
    assert state_of(url, "draft-resolution") == "referred"


def test_an_event_not_allowed_is_refused_with_the_allowed_ones(url: str) -> None:
    with pytest.raises(TransitionRefused) as refused:
        advance(url, "program-update", "conclude", session_key="2015-12b", on="2015-12-09")
    message = str(refused.value)
    assert "install_working_group" in message and "postpone" in message
    with pytest.raises(TransitionRefused, match="did you mean 'install_working_group'"):
        advance(url, "program-update", "install_workinggroup", session_key="2015-10a")
    assert counts(url) == (0, 11, 1)  # the chain holds the plan's load


def test_unknown_activity_and_session_suggest_close_ones(url: str) -> None:
    with pytest.raises(NotFound, match="did you mean 'program-update'"):
        advance(url, "program-updat", "install_working_group", session_key="2015-10a")
    with pytest.raises(NotFound, match="did you mean '2015-10a'"):
        advance(url, "program-update", "install_working_group", session_key="2015-10-a")


def test_a_future_date_is_refused(url: str) -> None:
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
    with pytest.raises(CamError, match="future"):
        advance(url, "work-plan", "complete", session_key="2015-10a", on=tomorrow)
    assert counts(url) == (0, 11, 1)  # the chain holds the plan's load


def test_a_date_before_the_last_step_is_refused(url: str) -> None:
    advance(url, "program-update", "install_working_group", session_key="2015-10a", on="2015-10-21")
    with pytest.raises(CamError, match="before the last recorded step"):
        advance(url, "program-update", "negotiate", session_key="2015-10b", on="2015-10-20")
    assert counts(url)[0] == 1
    advance(url, "program-update", "negotiate", session_key="2015-10b", on="2015-10-21")
    assert state_of(url, "program-update") == "negotiating"


@pytest.mark.parametrize("note", ["bell\x07", "\x1b[31mred", "nul\x00", "cr\rreturn", "\x7f"])
def test_control_characters_in_a_note_are_refused(url: str, note: str) -> None:
    with pytest.raises(CamError, match="control character"):
        advance(url, "program-update", "postpone", note=note, on="2015-10-21")
    assert state_of(url, "program-update") == "mandated"
    assert counts(url) == (0, 11, 1)  # the chain holds the plan's load


def test_a_long_note_is_refused_and_lines_and_tabs_are_kept(url: str) -> None:
    with pytest.raises(CamError, match="too long"):
        advance(url, "program-update", "postpone", note="x" * 4001, on="2015-10-21")
    advance(url, "program-update", "postpone", note="two\nlines\tand a tab", on="2015-10-21")
    assert history(url)[0].note == "two\nlines\tand a tab"


def test_resume_returns_to_the_state_held_before(url: str) -> None:
    advance(url, "program-update", "install_working_group", session_key="2015-10a", on="2015-10-21")
    advance(url, "program-update", "postpone", note="no quorum", on="2015-10-22")
    assert state_of(url, "program-update") == "postponed"
    advance(url, "program-update", "withdraw", note="mandate lapsed", on="2015-10-23")
    assert state_of(url, "program-update") == "withdrawn"
    advance(url, "program-update", "resume", note="mandate renewed", on="2015-10-24")
    assert state_of(url, "program-update") == "working_group_installed"
    assert activity(url, "program-update").resume_state is None
    assert [(h.from_state, h.to_state) for h in history(url)] == [
        ("mandated", "working_group_installed"),
        ("working_group_installed", "postponed"),
        ("postponed", "withdrawn"),
        ("withdrawn", "working_group_installed"),
    ]


# --- concurrency ----------------------------------------------------------------------------


def test_a_stale_version_is_a_conflict_and_nothing_is_written(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = activity(url, "program-update")
    assert stale.version == 1
    with store.session(url) as other:
        other.exec(
            update(models.Activity)
            .where(col(models.Activity.id) == stale.id)
            .values(version=models.Activity.version + 1)
        )
    before = counts(url)
    monkeypatch.setattr(tracker, "_activities", lambda db, current, keys: {stale.key: stale})
    with pytest.raises(Conflict, match="changed meanwhile"):
        advance(
            url, "program-update", "install_working_group", session_key="2015-10a", on="2015-10-21"
        )
    monkeypatch.undo()
    assert counts(url) == before
    program = activity(url, "program-update")
    assert (program.state, program.version) == ("mandated", 2)
    with work(url) as (db, _):
        done = db.exec(
            select(models.Milestone).where(col(models.Milestone.done_history_id).is_not(None))
        )
        assert list(done) == []


def test_a_conflict_names_who_moved_the_activity(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = activity(url, "program-update")
    advance(
        url,
        "program-update",
        "install_working_group",
        actor="ana",
        session_key="2015-10a",
        on="2015-10-21",
    )
    monkeypatch.setattr(tracker, "_activities", lambda db, current, keys: {stale.key: stale})
    with pytest.raises(Conflict) as conflict:
        advance(url, "program-update", "postpone", note="late", on="2015-10-22")
    message = str(conflict.value)
    assert "ana" in message and "working_group_installed" in message
    monkeypatch.undo()
    assert [h.event for h in history(url)] == ["install_working_group"]


# --- recording a session --------------------------------------------------------------------


def outcomes(url: str, session: str, **options: Any) -> dict[str, tuple[str, str]]:
    options.setdefault("actor", "tester")
    if isinstance(options.get("on"), str):
        options["on"] = dt.date.fromisoformat(options["on"])
    with work(url) as (db, current):
        result = sessions.record_session(db, current, session, **options)
    return {f"{o.activity}:{o.event}": (o.status, o.detail) for o in result}


def test_record_as_planned_advances_each_item_with_its_own_row(url: str) -> None:
    result = outcomes(url, "2015-10a", on="2015-10-21", as_planned=True, actor="sec")
    assert {k: v[0] for k, v in result.items()} == {
        "vice-chair-election:complete": "advanced",
        "work-plan:complete": "advanced",
        "program-update:install_working_group": "advanced",
    }
    rows = history(url)
    assert [(h.event, h.to_state) for h in rows] == [
        ("complete", "completed"),
        ("complete", "completed"),
        ("install_working_group", "working_group_installed"),
    ]
    with work(url) as (db, current):
        meeting = lookup.find_session(db, current, "2015-10a")
    assert meeting.held_on == dt.date(2015, 10, 21)
    assert meeting.date == dt.date(2015, 10, 21)
    for row in rows:
        assert row.session_id == meeting.id
        assert row.actor == "sec"
        assert row.at == dt.datetime(2015, 10, 21, 12, tzinfo=NEW_YORK)
    assert len({row.activity_id for row in rows}) == 3
    agenda = view(snap(url), "program-update").milestones
    assert agenda[0].is_done and agenda[0].done is not None


def test_an_item_that_cannot_advance_is_refused_and_left(url: str) -> None:
    # The November session before the Working Group was installed.
    result = outcomes(url, "2015-11", on="2015-11-18", as_planned=True)
    status, detail = result["program-update:report_progress"]
    assert status == "refused"
    assert "allowed now" in detail and "install_working_group" in detail
    assert result["campaign:present_proposal"][0] == "advanced"
    assert result["forum-human-rights:present_proposal"][0] == "advanced"
    assert result["sicremi:present"][0] == "advanced"
    assert state_of(url, "program-update") == "mandated"
    assert history(url, "program-update") == []
    assert len(history(url)) == 3


def test_except_leaves_an_item_as_it_is(url: str) -> None:
    result = outcomes(url, "2015-10a", on="2015-10-21", as_planned=True, excluded=("work-plan",))
    assert result["work-plan:complete"][0] == "excluded"
    assert result["vice-chair-election:complete"][0] == "advanced"
    assert state_of(url, "work-plan") == "pending"
    assert history(url, "work-plan") == []
    with pytest.raises(NotFound, match="did you mean 'program-update'"):
        outcomes(url, "2015-10b", on="2015-10-28", as_planned=True, excluded=("program-updates",))
    assert snap(url).sessions[1].held_on is None


def test_recording_without_as_planned_only_marks_the_session_held(url: str) -> None:
    result = outcomes(url, "2015-10b", on="2015-10-28")
    assert result == {
        "program-update:negotiate": ("skipped", ""),
        "program-update:None": ("noted", ""),
    }
    assert history(url) == []
    held = snap(url).sessions[1]
    assert held.key == "2015-10b" and held.held_on == dt.date(2015, 10, 28)


def test_recording_a_session_twice_is_refused(url: str) -> None:
    outcomes(url, "2015-10a", on="2015-10-21", as_planned=True)
    before = counts(url)
    with pytest.raises(TransitionRefused, match="already recorded"):
        outcomes(url, "2015-10a", on="2015-10-22", as_planned=True)
    assert counts(url) == before


def test_an_item_done_beforehand_is_reported_done(url: str) -> None:
    advance(url, "program-update", "install_working_group", session_key="2015-10a", on="2015-10-20")
    result = outcomes(url, "2015-10a", on="2015-10-21", as_planned=True)
    assert result["program-update:install_working_group"][0] == "done"
    assert len(history(url, "program-update")) == 1


def test_a_session_recorded_in_the_future_is_refused(url: str) -> None:
    later = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=3)
    with pytest.raises(CamError, match="future"):
        outcomes(url, "2016-05", on=later, as_planned=True)
    assert counts(url) == (0, 11, 1)  # the chain holds the plan's load
    assert snap(url).sessions[-1].held_on is None


# --- reschedule ---------------------------------------------------------------------------


def reschedule(url: str, key: str, to: str, **options: Any) -> activities.Rescheduled:
    options.setdefault("actor", "tester")
    options.setdefault("reason", "the Working Group could not meet")
    with work(url) as (db, current):
        return activities.reschedule(db, current, key, to_month=to, **options)


def test_reschedule_moves_the_next_milestone_to_that_months_session(url: str) -> None:
    march = dt.date(2016, 3, 1)
    assert view(snap(url, "2016-03-01"), "draft-resolution").is_behind(march)
    moved = reschedule(url, "draft-resolution", "2016-03", on=dt.date(2016, 2, 20))
    assert (moved.from_month, moved.to_month) == ("2016-02", "2016-03")
    assert moved.session.key == "2016-03"
    resolution = view(snap(url), "draft-resolution")
    nxt = resolution.next_milestone
    assert nxt is not None
    assert (nxt.milestone.event, nxt.milestone.planned_month) == ("present", "2016-03")
    assert nxt.session.key == "2016-03"
    assert [(m.session.key, m.milestone.event) for m in resolution.milestones] == [
        ("2016-03", "present"),
        ("2016-04", "negotiate"),
        ("2016-05", "approve"),
    ]
    rows = history(url)
    assert len(rows) == 1
    row = rows[0]
    assert row.event == workflow.RESCHEDULE
    assert row.from_state == row.to_state == "drafting"
    assert row.actor == "tester"
    assert row.at == dt.datetime(2016, 2, 20, 12, tzinfo=NEW_YORK)
    assert row.note == "the Working Group could not meet"
    assert (row.moved_event, row.moved_from, row.moved_to) == ("present", "2016-02", "2016-03")
    assert row.session_id == moved.session.id
    assert state_of(url, "draft-resolution") == "drafting"
    # Behind-plan flags follow the new month; the session it left no longer lists it.
    assert not view(snap(url, "2016-03-01"), "draft-resolution").is_behind(march)
    april = snap(url, "2016-04-01")
    assert view(april, "draft-resolution").is_behind(april.today)
    calendar = snap(url)
    agendas = {s.key: [m.activity.key for m in calendar.agenda(s)] for s in calendar.sessions}
    assert agendas["2016-02"] == ["thematic-new-challenges"]
    assert agendas["2016-03"] == ["forum-development", "draft-resolution"]


def test_reschedule_to_a_month_without_a_session(url: str) -> None:
    advance(url, "draft-resolution", "present", session_key="2016-02", on="2016-02-17")
    advance(url, "draft-resolution", "negotiate", session_key="2016-04", on="2016-04-20")
    moved = reschedule(url, "draft-resolution", "2016-06")
    assert moved.session.key == "2016-05"
    nxt = view(snap(url), "draft-resolution").next_milestone
    assert nxt is not None
    assert (nxt.milestone.event, nxt.milestone.planned_month) == ("approve", "2016-06")
    assert nxt.due == dt.date(2016, 6, 30)
    may = snap(url, "2016-05-31")
    assert not view(may, "draft-resolution").is_behind(may.today)


def test_reschedule_is_refused_without_reason_or_to_the_same_month(url: str) -> None:
    with pytest.raises(CamError, match="reason"):
        reschedule(url, "draft-resolution", "2016-03", reason="  ")
    with pytest.raises(CamError, match="already planned"):
        reschedule(url, "draft-resolution", "2016-02")
    with pytest.raises(CamError, match="not a month"):
        reschedule(url, "draft-resolution", "2016-13")
    with pytest.raises(TransitionRefused, match="no open milestone"):
        reschedule(url, "cam-dissemination", "2016-03")
    assert counts(url) == (0, 11, 1)  # the chain holds the plan's load


def test_a_later_step_is_not_refused_because_of_a_reschedule(url: str) -> None:
    reschedule(url, "draft-resolution", "2016-03")
    advance(url, "draft-resolution", "present", session_key="2016-03", on="2016-03-16")
    nxt = view(snap(url), "draft-resolution").milestones[0]
    assert nxt.is_done and nxt.session.key == "2016-03"


# --- as of a past day, and the history chain ---------------------------------------------


def test_as_of_snapshots_show_past_states(url: str) -> None:
    advance(url, "program-update", "install_working_group", session_key="2015-10a", on="2015-10-21")
    advance(url, "program-update", "negotiate", session_key="2015-10b", on="2015-10-28")
    advance(url, "program-update", "report_progress", session_key="2015-11", on="2015-11-18")
    assert view(snap(url, "2015-10-20"), "program-update").state == "mandated"
    assert view(snap(url, "2015-10-21"), "program-update").state == "working_group_installed"
    assert view(snap(url, "2015-10-31"), "program-update").state == "negotiating"
    assert view(snap(url), "program-update").state == "progress_reported"
    october = view(snap(url, "2015-10-31"), "program-update")
    assert [h.event for h in october.history] == ["install_working_group", "negotiate"]
    assert october.next_milestone is not None
    assert october.next_milestone.milestone.event == "report_progress"


def test_the_history_is_a_hash_chain(url: str) -> None:
    outcomes(url, "2015-10a", on="2015-10-21", as_planned=True)
    reschedule(url, "draft-resolution", "2016-03")
    advance(url, "campaign", "postpone", note="budget", on="2015-10-25")
    advance(url, "campaign", "resume", note="budget found", on="2015-10-26")
    outcomes(url, "2015-11", on="2015-11-18", as_planned=True)
    assert len(history(url)) == 10
    with store.session(url) as db:
        rows = list(store.chain_rows(db))
    # The plan's load and the two sessions held are in the chain with the steps.
    assert [type(row).__name__ for row in rows].count("Change") == 3
    assert rows[0].prev_hash == store.GENESIS
    for previous, row in itertools.pairwise(rows):
        assert row.prev_hash == previous.hash
    for row in rows:
        assert row.hash == store.history_hash(row)
    assert len({row.hash for row in rows}) == len(rows)
    with store.session(url) as db:
        head = db.get(models.ChainHead, 1)
        assert head is not None
        assert (head.last_hash, head.length) == (rows[-1].hash, len(rows))
