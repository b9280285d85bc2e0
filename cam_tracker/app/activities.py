"""Use cases that change the store: advance, reschedule, correct a step.

Each takes an open store session; the caller commits it. A state change and
its history row are written in the same transaction, so both land or neither.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from cam_tracker import store
from cam_tracker.app import corrections, documents, lookup
from cam_tracker.app.authorization import Actor, authorize, identify, plan_policy
from cam_tracker.app.lookup import find_activity, find_session
from cam_tracker.app.snapshot import MILESTONE_ORDER
from cam_tracker.core.dates import (
    aware,
    check_step_day,
    local_day,
    month_of,
    parse_month,
    step_moment,
    utc,
    utcnow,
)
from cam_tracker.core.errors import (
    CamError,
    InvalidInput,
    MissingValue,
    NotFound,
    TransitionRefused,
    did_you_mean,
)
from cam_tracker.core.text import MAX_NOTE, MAX_SYMBOL, clean_line, clean_text
from cam_tracker.files import workflow
from cam_tracker.store import models

# The statements every transition runs, built once.


_CORRECTION = aliased(models.History)


# Each activity's last step (not a move, not a correction), found by the index of its
# steps, and the day its latest correction gives it: corrections keep a step between its
# neighbours, so the last step stays last.
_LAST_STEP_ID = (
    select(models.History.id)
    .where(col(models.History.activity_id) == col(models.Activity.id))
    .where(col(models.History.event) != workflow.RESCHEDULE)
    .where(col(models.History.corrects_id).is_(None))
    .order_by(col(models.History.at).desc(), col(models.History.id).desc())
    .limit(1)
    .scalar_subquery()
)
_LAST_IDS = (
    select(col(models.Activity.id).label("activity_id"), _LAST_STEP_ID.label("step_id"))
    .where(col(models.Activity.id).in_(bindparam("activities", expanding=True)))
    .subquery()
)
_LAST_STEPS = (
    select(
        _LAST_IDS.c.activity_id,
        models.History.at,
        select(_CORRECTION.corrected_at)
        .where(col(_CORRECTION.corrects_id) == col(models.History.id))
        .where(col(_CORRECTION.corrected_at).is_not(None))
        .order_by(col(_CORRECTION.id).desc())
        .limit(1)
        .scalar_subquery(),
    )
    .select_from(_LAST_IDS)
    .join(models.History, col(models.History.id) == _LAST_IDS.c.step_id)
)


# Every open milestone of these activities for these events, in the order they fall due.
_OPEN_MILESTONES = (
    select(
        models.Milestone.id,
        models.Milestone.session_id,
        models.Milestone.activity_id,
        models.Milestone.event,
    )
    .join(models.Meeting, col(models.Meeting.id) == col(models.Milestone.session_id))
    .where(col(models.Milestone.activity_id).in_(bindparam("activities", expanding=True)))
    .where(col(models.Milestone.event).in_(bindparam("events", expanding=True)))
    .where(col(models.Milestone.done_history_id).is_(None))
    .where(col(models.Milestone.waived_history_id).is_(None))
    .order_by(*MILESTONE_ORDER)
)


_FULFIL = update(models.Milestone).where(col(models.Milestone.id) == bindparam("milestone"))


def step_time(
    plan: models.Plan, on: dt.date | dt.datetime | None, meeting: models.Meeting | None
) -> dt.datetime:
    """When a step happened: `on` (a day: noon, plan time), else the session's day, else now.

    A step dated on a later UTC day than now is refused: steps are recorded once
    they happened.
    """
    now = models.utcnow()
    if on is None and meeting is not None:
        on = meeting.held_on or meeting.date
    if on is None:
        return now
    if isinstance(on, dt.datetime):
        moment = aware(on, plan.timezone)
    else:
        moment = step_moment(on, plan.timezone)
    check_step_day(utc(moment).date(), plan.period_start, now.date())
    return moment


def _day(plan: models.Plan, on: dt.date | dt.datetime) -> dt.date:
    """The day a date or moment falls on in the plan's time zone (a naive moment is read there)."""
    if isinstance(on, dt.datetime):
        return local_day(on, plan.timezone) if on.tzinfo else on.date()
    return on


def session_day(
    plan: models.Plan, meeting: models.Meeting, on: dt.date | dt.datetime | None
) -> dt.date:
    """The day of what happens at a session: a step at it, or its being held.

    What happens at a session happens on the session's day. A session with a
    day (held, or dated) takes that day: another is refused (move the session
    first: `sessions.reschedule`). A session known only by its month takes the
    day given, which must fall in that month; without one, today, while the
    month is the current one — once the month is past, the day must be said,
    so that no step of a past session is dated today without a word.
    """
    given = _day(plan, on) if on is not None else None
    fixed = meeting.held_on or meeting.date
    if fixed is not None:
        if given is not None and given != fixed:
            if meeting.held_on is not None:
                told = f"session {meeting.key} was held on {fixed}, not {given}"
            else:
                told = f"session {meeting.key} is on {fixed}, not {given}: move the session first"
            raise InvalidInput(
                f"{told} (what happens at a session happens on its day)", fields=("on",)
            )
        return fixed
    today = local_day(utcnow(), plan.timezone)
    if given is None:
        if month_of(today) > meeting.month:
            raise MissingValue(
                f"session {meeting.key} has no date and {meeting.month} is past: "
                "say the day it happened",
                fields=("on",),
            )
        if month_of(today) < meeting.month:
            raise TransitionRefused(
                f"session {meeting.key} is in {meeting.month}, still ahead: "
                "record what happens at it once it happened"
            )
        given = today
    if month_of(given) != meeting.month:
        raise InvalidInput(
            f"{given} is not in {meeting.month}, the month of session {meeting.key}",
            fields=("on",),
        )
    return given


@dataclass
class Advanced:
    """The outcome of one transition."""

    activity: models.Activity
    row: models.History
    milestone: models.Milestone | None
    # The day the step happened, in the plan's time zone (what a person reads).
    day: dt.date


@dataclass(frozen=True)
class Step:
    """One step of a batch, as a person gives it (`advance` takes one, `advance_many` many).

    `fallback_note` is the note recorded when the step needs one and `note`
    gives none (an agenda item's text, when a session is recorded as planned).
    """

    key: str
    event: str
    note: str | None = None
    document: str | None = None
    session_key: str | None = None
    on: dt.date | dt.datetime | None = None
    fallback_note: str | None = None


@dataclass
class Stepped:
    """What one step of a batch wrote: its history row's values and the milestone it fulfilled."""

    step: Step
    activity: models.Activity
    values: dict[str, Any]
    milestone_id: int | None
    day: dt.date


def advance(
    db: Session,
    plan: models.Plan,
    key: str,
    event: str,
    *,
    actor: str,
    note: str | None = None,
    document: str | None = None,
    session_key: str | None = None,
    on: dt.date | dt.datetime | None = None,
) -> Advanced:
    """Fire one event on an activity; its state and history row land together."""
    [done] = advance_many(
        db,
        plan,
        [Step(key, event, note=note, document=document, session_key=session_key, on=on)],
        actor=actor,
    )
    milestone = None
    if done.milestone_id is not None:
        milestone = db.get(models.Milestone, done.milestone_id)
    row = models.History.model_validate(done.values)
    return Advanced(activity=done.activity, row=row, milestone=milestone, day=done.day)


def advance_many(db: Session, plan: models.Plan, steps: list[Step], *, actor: str) -> list[Stepped]:
    """Fire many events, in their order, in the caller's transaction: all of them or none.

    Every step is checked (the activity, the event allowed from the state the
    steps before it left, the role, what it requires, its day) before
    anything is written; the first refused is named (`step 3 (KEY EVENT):
    …`) and nothing of the batch is written. Then the states, the history
    rows with the chain's head, and the milestones fulfilled are written in
    one statement each: the chain is the one `advance` would build step by step.
    """
    checked, refusals = check_steps(db, plan, steps, actor, keep_going=False)
    assert not refusals
    return write_steps(db, checked)


@dataclass
class Checked:
    """A step checked: what it will write."""

    step: Step
    activity: models.Activity
    flow: workflow.Workflow
    values: dict[str, Any]
    meeting: models.Meeting | None
    resume_state: str | None
    day: dt.date


def check_steps(
    db: Session, plan: models.Plan, steps: list[Step], actor: str, *, keep_going: bool
) -> tuple[list[Checked], dict[int, CamError]]:
    """Check every step against the state the steps before it leave; write no step.

    The store is read in a fixed number of queries whatever the number of
    steps (only a step that cites a document reads the register; one cited
    for the first time under a register kept on first use is registered
    then, in the caller's transaction, which a refusal rolls back). With
    `keep_going`, a refused step is left out and its error kept by its index
    (the steps after it see the state without it); else the first refusal is
    raised, naming the step when there are several.
    """
    store.lock_for_write(db)
    activities = _activities(db, plan, {step.key for step in steps})
    meetings = _meetings(db, plan, {s.session_key for s in steps if s.session_key is not None})
    last_steps = _last_steps(db, [a.id for a in activities.values() if a.id is not None])
    # Each activity's state and resume state as the steps checked so far leave them.
    states = {a.id: (a.state, a.resume_state) for a in activities.values()}
    checked: list[Checked] = []
    refusals: dict[int, CamError] = {}
    for index, step in enumerate(steps):
        try:
            activity = activities.get(step.key) or find_activity(db, plan, step.key)
            meeting = None
            if step.session_key is not None:
                meeting = meetings.get(step.session_key) or find_session(db, plan, step.session_key)
            who = identify(db, actor, plan)  # read once, then kept for the transaction
            state, resume = states[activity.id]
            one = _check_step(db, plan, step, activity, meeting, who, state, resume)
            last = last_steps.get(activity.id or 0)
            at: dt.datetime = one.values["at"]
            if last is not None and at < last:
                raise InvalidInput(
                    f"{at.date()} is before the last recorded step of {step.key} ({last.date()})",
                    fields=("on",),
                )
        except CamError as error:
            if keep_going:
                refusals[index] = error
                continue
            if len(steps) > 1:
                raise type(error)(
                    f"step {index + 1} ({step.key} {step.event}): {error}", fields=error.fields
                ) from None
            raise
        states[activity.id] = (one.values["to_state"], one.resume_state)
        last_steps[activity.id or 0] = at
        checked.append(one)
    return checked, refusals


def _check_step(
    db: Session,
    plan: models.Plan,
    given: Step,
    activity: models.Activity,
    meeting: models.Meeting | None,
    who: Actor,
    state: str,
    resume: str | None,
) -> Checked:
    """One step checked against the state `state` (resume state `resume`): its values."""
    key = given.key
    if activity.removed:
        raise TransitionRefused(f"{key} is no longer in the plan file; reload the plan first")
    flow = lookup.flow(plan, activity.kind)
    # A former name of the event (an alias) is recorded under its name today.
    event = flow.canonical(given.event)
    note = clean_text(given.note, "note", MAX_NOTE)
    document = clean_line(given.document, "document", MAX_SYMBOL)
    step = _allowed_step(flow, state, event)
    authorize(who, step, key, plan_policy(plan))
    document = documents.cite(db, plan, who, document)
    if note is None and given.fallback_note and "note" in step.requires:
        note = clean_text(given.fallback_note, "note", MAX_NOTE)
    missing = [
        need
        for need, value in (("session", meeting), ("document", document), ("note", note))
        if need in step.requires and not value
    ]
    if missing:
        raise TransitionRefused(
            f"{event!r} on {key} needs a {' and a '.join(missing)}", fields=missing
        )
    at = step_time(plan, given.on, meeting)
    if meeting is not None:
        session_day(plan, meeting, given.on)
    new_state = flow.fire(state, event, resume)
    halted = flow.special_states
    if new_state in halted and state not in halted:
        resume = state
    elif new_state not in halted:
        resume = None
    assert activity.id is not None
    values = {
        "activity_id": activity.id,
        "event": event,
        "from_state": state,
        "to_state": new_state,
        "actor": who.name,
        "actor_role": who.role,
        "on_behalf_of": who.on_behalf_of,
        "at": at,
        "note": note,
        "document": document,
        "session_id": meeting.id if meeting else None,
    }
    return Checked(given, activity, flow, values, meeting, resume, local_day(at, plan.timezone))


def write_steps(db: Session, checked: list[Checked]) -> list[Stepped]:
    """Write checked steps: the states, the history rows and chain head, the milestones.

    One statement each whatever the number of steps: an activity moved by
    several steps is updated once, its version raised by one per step.
    """
    if not checked:
        return []
    final: dict[int, Checked] = {}
    counts: dict[int, int] = {}
    for one in checked:
        activity_id = one.values["activity_id"]
        final[activity_id] = one
        counts[activity_id] = counts.get(activity_id, 0) + 1
    store.set_states(
        db,
        [
            store.Move(one.activity, one.values["to_state"], one.resume_state, counts[id_])
            for id_, one in final.items()
        ],
    )
    rows = store.append_steps(db, [one.values for one in checked])
    cache = store.transaction_cache(db)
    for id_, one in final.items():
        cache[_LAST_STEPS, id_] = one.values["at"]
    fulfilled = _mark_milestones(db, checked, rows)
    return [
        Stepped(one.step, one.activity, row, milestone, one.day)
        for one, row, milestone in zip(checked, rows, fulfilled, strict=True)
    ]


_ACTIVITIES = (
    select(models.Activity)
    .where(col(models.Activity.plan_id) == bindparam("plan"))
    .where(col(models.Activity.key).in_(bindparam("keys", expanding=True)))
)


def _activities(db: Session, plan: models.Plan, keys: set[str]) -> dict[str, models.Activity]:
    """The plan's activities of these keys, in one query (kept for the transaction as
    `lookup.find_activity` keeps them); a key not found is left out."""
    cache = store.transaction_cache(db)
    found: dict[str, models.Activity] = {
        key: cache[models.Activity, plan.id, key]
        for key in keys
        if (models.Activity, plan.id, key) in cache
    }
    wanted = sorted(keys - set(found))
    if wanted:
        for activity in db.exec(_ACTIVITIES, params={"plan": plan.id, "keys": wanted}):
            found[activity.key] = cache[models.Activity, plan.id, activity.key] = activity
    return found


def _meetings(db: Session, plan: models.Plan, keys: set[str]) -> dict[str, models.Meeting]:
    """The plan's sessions of these keys, in one query; a key not found is left out."""
    if not keys:
        return {}
    query = (
        select(models.Meeting)
        .where(models.Meeting.plan_id == plan.id)
        .where(col(models.Meeting.key).in_(sorted(keys)))
    )
    return {meeting.key: meeting for meeting in db.exec(query)}


def _last_steps(db: Session, activity_ids: list[int]) -> dict[int, dt.datetime | None]:
    """When each activity's last step happened, as corrected (read once per transaction)."""
    cache = store.transaction_cache(db)
    last: dict[int, dt.datetime | None] = {
        activity_id: cache[_LAST_STEPS, activity_id]
        for activity_id in activity_ids
        if (_LAST_STEPS, activity_id) in cache
    }
    wanted = [activity_id for activity_id in activity_ids if activity_id not in last]
    if wanted:
        for activity_id, at, corrected_at in db.connection().execute(
            _LAST_STEPS, {"activities": wanted}
        ):
            last[activity_id] = corrected_at or at
        for activity_id in wanted:
            cache[_LAST_STEPS, activity_id] = last.setdefault(activity_id, None)
    return last


def _mark_milestones(
    db: Session, checked: list[Checked], rows: list[dict[str, Any]]
) -> list[int | None]:
    """Each step fulfils the first open milestone of its event (by any of its names) that
    no step before it fulfilled, its session's first: read and written once for the batch."""
    db.flush()  # a milestone added or moved in this transaction counts
    activity_ids = sorted({one.values["activity_id"] for one in checked})
    events = sorted({name for one in checked for name in one.flow.names(one.values["event"])})
    open_ones: dict[int, list[tuple[int, str, int]]] = {}
    for milestone, session_id, activity_id, event in db.connection().execute(
        _OPEN_MILESTONES, {"activities": activity_ids, "events": events}
    ):
        open_ones.setdefault(activity_id, []).append((milestone, event, session_id))
    chosen: list[int | None] = []
    for one in checked:
        names = one.flow.names(one.values["event"])
        waiting = open_ones.get(one.values["activity_id"], [])
        candidates = [c for c in waiting if c[1] in names]
        if not candidates:
            chosen.append(None)
            continue
        meeting_id = one.meeting.id if one.meeting is not None else None
        pick = next((c for c in candidates if meeting_id and c[2] == meeting_id), candidates[0])
        waiting.remove(pick)
        chosen.append(pick[0])
    marks = [
        {"milestone": milestone, "done_history_id": row["id"]}
        for milestone, row in zip(chosen, rows, strict=True)
        if milestone is not None
    ]
    if marks:
        db.connection().execute(_FULFIL, marks)
        for mark in marks:
            held = db.identity_map.get(db.identity_key(models.Milestone, mark["milestone"]))
            if held is not None:
                set_committed_value(held, "done_history_id", mark["done_history_id"])
    return chosen


def _allowed_step(flow: workflow.Workflow, state: str, event: str) -> workflow.Step:
    allowed = flow.allowed(state)
    for step in allowed:
        if step.event == event:
            return step
    names = [s.event for s in allowed]
    if event not in flow.events():
        raise TransitionRefused(
            f"{event!r} is not an event of {flow.kind!r}{did_you_mean(event, flow.events())}; "
            f"allowed now: {', '.join(names) or 'none'}"
        )
    raise TransitionRefused(
        f"{event!r} is not allowed from {state!r}; allowed now: {', '.join(names) or 'none'}"
    )


@dataclass
class Rescheduled:
    """A milestone moved to another month."""

    milestone: models.Milestone
    from_month: str
    to_month: str
    session: models.Meeting
    row: models.History


def reschedule(
    db: Session,
    plan: models.Plan,
    key: str,
    *,
    to_month: str,
    reason: str,
    actor: str,
    on: dt.date | None = None,
    session_key: str | None = None,
) -> Rescheduled:
    """Move an activity's next open milestone to another month, with its reason.

    It goes to the session named (which must be in that month and not held),
    else to the month's first session not held, else it stays at its session
    with the new month as its planned month.
    """
    to_month = parse_month(to_month, "to")
    reason_text = required_reason(reason)
    store.lock_for_write(db)
    activity = find_activity(db, plan, key)
    who = identify(db, actor, plan)
    chosen = find_session(db, plan, session_key) if session_key is not None else None
    if chosen is not None:
        if chosen.removed:
            raise TransitionRefused(
                f"session {chosen.key} is no longer in the plan file", fields=("session",)
            )
        if chosen.month != to_month:
            raise InvalidInput(
                f"session {chosen.key} is in {chosen.month}, not {to_month}", fields=("session",)
            )
        if chosen.held_on is not None:
            raise TransitionRefused(
                f"session {chosen.key} was held on {chosen.held_on}: "
                "a milestone moves to a session still ahead",
                fields=("session",),
            )
    milestone = db.exec(
        select(models.Milestone)
        .join(models.Meeting, col(models.Meeting.id) == col(models.Milestone.session_id))
        .where(models.Milestone.activity_id == activity.id)
        .where(col(models.Milestone.event).is_not(None))
        .where(col(models.Milestone.done_history_id).is_(None))
        .where(col(models.Milestone.waived_history_id).is_(None))
        .order_by(*MILESTONE_ORDER)
        .limit(1)
    ).first()
    if milestone is None:
        raise TransitionRefused(f"{key} has no open milestone to reschedule")
    from_month = milestone.planned_month
    if to_month == from_month:
        raise InvalidInput(
            f"the milestone of {key} is already planned for {to_month}", fields=("to",)
        )
    target = (
        chosen
        or db.exec(
            select(models.Meeting)
            .where(models.Meeting.plan_id == plan.id)
            .where(models.Meeting.month == to_month)
            .where(col(models.Meeting.held_on).is_(None))
            .where(col(models.Meeting.removed).is_(False))
            .order_by(col(models.Meeting.position))
            .limit(1)
        ).first()
    )
    meeting = db.get(models.Meeting, milestone.session_id)
    assert meeting is not None
    if target is not None and target.id != milestone.session_id:
        last = db.exec(
            select(models.Milestone.position)
            .where(models.Milestone.session_id == target.id)
            .order_by(col(models.Milestone.position).desc())
            .limit(1)
        ).first()
        milestone.session_id = target.id or 0
        milestone.position = (last if last is not None else -1) + 1
        meeting = target
    milestone.planned_month = to_month
    db.add(milestone)
    row = log_reschedule(
        db,
        activity,
        who,
        at=step_time(plan, on, None),
        reason=reason_text,
        meeting=meeting,
        moved=(milestone.event, from_month, to_month),
    )
    return Rescheduled(milestone, from_month, to_month, meeting, row)


def required_reason(reason: str | None) -> str:
    """The reason for a move: required, one clean text."""
    reason_text = clean_text(reason, "reason", MAX_NOTE)
    if not reason_text:
        raise InvalidInput("a reason is required", fields=("reason",))
    return reason_text


def log_reschedule(
    db: Session,
    activity: models.Activity,
    who: Actor,
    *,
    at: dt.datetime,
    reason: str,
    meeting: models.Meeting,
    moved: tuple[str | None, str, str],
) -> models.History:
    """A move in the plan, in the activity's history: its state stays as it is.

    `moved` is (the milestone's event, or None for a whole session; from; to),
    each a month `YYYY-MM` or a day `YYYY-MM-DD`. The note holds the reason only.
    """
    moved_event, moved_from, moved_to = moved
    return append_unchanged_state(
        db,
        activity,
        who,
        event=workflow.RESCHEDULE,
        at=at,
        note=reason,
        session_id=meeting.id,
        moved_event=moved_event,
        moved_from=moved_from,
        moved_to=moved_to,
    )


def append_unchanged_state(
    db: Session,
    activity: models.Activity,
    who: Actor,
    *,
    event: str,
    at: dt.datetime,
    note: str,
    **recorded: Any,
) -> models.History:
    """A history row that leaves the activity's state as it is (a move, a correction):
    chained like a step, so it is as tamper-evident as one."""
    assert activity.id is not None
    return store.append_history(
        db,
        models.History(
            activity_id=activity.id,
            event=event,
            from_state=activity.state,
            to_state=activity.state,
            actor=who.name,
            actor_role=who.role,
            on_behalf_of=who.on_behalf_of,
            at=at,
            note=note,
            prev_hash="",
            hash="",
            **recorded,
        ),
    )


@dataclass
class Corrected:
    """A step corrected: the step as it now reads, the correction row, what changed."""

    step: models.History
    row: models.History
    changes: dict[str, tuple[Any, Any]]
    activity: models.Activity


def correct(
    db: Session,
    plan: models.Plan,
    step_id: int,
    *,
    reason: str,
    actor: str,
    on: dt.date | dt.datetime | None = None,
    note: str | None = None,
    document: str | None = None,
) -> Corrected:
    """Correct a step's day, note or document symbol with a correction row; never an edit.

    The event and the states are not corrected (a different step is a
    different transition: postpone, resume…). The corrected day obeys what a
    step's day obeys: not in the future, on its session's day, and between the
    steps before and after it, so the activity's steps keep their order. Who
    may fire the step may correct it.
    """
    reason_text = required_reason(reason)
    note = clean_text(note, "note", MAX_NOTE)
    document = clean_text(document, "document", MAX_SYMBOL)
    given = [name for name, value in (("on", on), ("note", note), ("document", document)) if value]
    if not given:
        raise MissingValue(
            f"say what to correct in step #{step_id}: its day, its note or its document",
            fields=("on", "document", "note"),
        )
    store.lock_for_write(db)
    original = db.get(models.History, step_id)
    activity = db.get(models.Activity, original.activity_id) if original is not None else None
    if original is None or activity is None or activity.plan_id != plan.id:
        raise NotFound(f"no step #{step_id} in {plan.name}; `cam history` lists the steps")
    if original.corrects_id is not None:
        raise TransitionRefused(
            f"step #{step_id} is a correction: correct step #{original.corrects_id} instead"
        )
    who = identify(db, actor, plan)
    flow = lookup.flow(plan, activity.kind)
    if flow.has_event(original.event):
        authorize(who, flow.step(original.event), activity.key, plan_policy(plan))
    document = documents.cite(db, plan, who, document)
    rows = corrections.apply(
        db.exec(
            select(models.History)
            .where(models.History.activity_id == activity.id)
            .order_by(col(models.History.at), col(models.History.id))
        )
    ).rows
    current = next(row for row in rows if row.id == step_id)
    changes: dict[str, tuple[Any, Any]] = {}
    if on is not None:
        moment = _corrected_moment(db, plan, activity, current, rows, on)
        if moment != current.at:
            changes["at"] = (current.at, moment)
    if note is not None and note != current.note:
        changes["note"] = (current.note, note)
    if document is not None and document != current.document:
        changes["document"] = (current.document, document)
    if not changes:
        raise InvalidInput(f"step #{step_id} already says that", fields=given)
    row = append_unchanged_state(
        db,
        activity,
        who,
        event=models.CORRECTION,
        at=models.utcnow(),
        note=reason_text,
        corrects_id=step_id,
        corrected_at=changes["at"][1] if "at" in changes else None,
        corrected_note=changes["note"][1] if "note" in changes else None,
        corrected_document=changes["document"][1] if "document" in changes else None,
    )
    if "at" in changes:
        store.transaction_cache(db).pop((_LAST_STEPS, activity.id), None)
    step = models.History(**{**current.model_dump(), **corrections.values(row)})
    return Corrected(step=step, row=row, changes=changes, activity=activity)


def _corrected_moment(
    db: Session,
    plan: models.Plan,
    activity: models.Activity,
    step: models.History,
    rows: list[models.History],
    on: dt.date | dt.datetime,
) -> dt.datetime:
    """The new moment of a step, checked as a step's moment is (see `correct`)."""
    moment = step_time(plan, on, None)
    meeting = db.get(models.Meeting, step.session_id) if step.session_id is not None else None
    if meeting is not None:
        session_day(plan, meeting, on)
    if step.event == workflow.RESCHEDULE:
        return moment
    steps = [r for r in rows if r.event != workflow.RESCHEDULE and r.corrects_id is None]
    index = next(i for i, r in enumerate(steps) if r.id == step.id)
    before = steps[index - 1] if index > 0 else None
    after = steps[index + 1] if index + 1 < len(steps) else None
    zone = plan.timezone
    if before is not None and moment < before.at:
        raise InvalidInput(
            f"{local_day(moment, zone)} is before the step before it "
            f"({before.event}, {local_day(before.at, zone)}): "
            f"the steps of {activity.key} keep their order",
            fields=("on",),
        )
    if after is not None and moment > after.at:
        raise InvalidInput(
            f"{local_day(moment, zone)} is after the step after it "
            f"({after.event}, {local_day(after.at, zone)}): "
            f"the steps of {activity.key} keep their order",
            fields=("on",),
        )
    return moment


@dataclass
class Waived:
    """A milestone the committee decided to skip, and the row that says so."""

    milestone: models.Milestone
    session: models.Meeting
    row: models.History


def waive(
    db: Session,
    plan: models.Plan,
    key: str,
    event: str,
    *,
    reason: str,
    actor: str,
    session_key: str | None = None,
    on: dt.date | None = None,
) -> Waived:
    """Waive an activity's open milestone for `event` (at `session_key`, else its first).

    The committee decided to skip it: it no longer counts as behind plan, and every
    report shows it waived with its reason. The waiver is a history row (event
    `waive`, the milestone's event in `moved_event`, the reason its note) that the
    milestone points at, chained like a step; the state does not change. Who may
    move a session may waive a milestone (`move_session` in the plan's policy).
    """
    from cam_tracker.app.authorization import permit, plan_policy

    reason_text = required_reason(reason)
    store.lock_for_write(db)
    activity = find_activity(db, plan, key)
    flow = lookup.flow(plan, activity.kind)
    if not flow.has_event(event):
        raise NotFound(
            f"{event!r} is not an event of {flow.kind!r}{did_you_mean(event, flow.events())}"
        )
    who = identify(db, actor, plan)
    permit(who, plan_policy(plan), "move_session")
    chosen = find_session(db, plan, session_key) if session_key is not None else None
    query = (
        select(models.Milestone)
        .join(models.Meeting, col(models.Meeting.id) == col(models.Milestone.session_id))
        .where(models.Milestone.activity_id == activity.id)
        .where(col(models.Milestone.event).in_(flow.names(event)))
        .where(col(models.Milestone.done_history_id).is_(None))
        .where(col(models.Milestone.waived_history_id).is_(None))
        .order_by(*MILESTONE_ORDER)
    )
    if chosen is not None:
        query = query.where(models.Milestone.session_id == chosen.id)
    milestone = db.exec(query.limit(1)).first()
    if milestone is None:
        where = f" at session {chosen.key}" if chosen is not None else ""
        raise TransitionRefused(f"{key} has no open milestone {flow.canonical(event)}{where}")
    meeting = db.get(models.Meeting, milestone.session_id)
    assert meeting is not None
    row = append_unchanged_state(
        db,
        activity,
        who,
        event=workflow.WAIVE,
        at=step_time(plan, on, None),
        note=reason_text,
        session_id=meeting.id,
        moved_event=milestone.event,
    )
    milestone.waived_history_id = row.id
    db.add(milestone)
    db.flush()
    return Waived(milestone, meeting, row)
