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


# An activity's last step (not a move, not a correction) and the day its latest correction
# gives it: corrections keep a step between its neighbours, so the last step stays last.
_LAST_STEP = (
    select(
        models.History.at,
        select(_CORRECTION.corrected_at)
        .where(col(_CORRECTION.corrects_id) == col(models.History.id))
        .where(col(_CORRECTION.corrected_at).is_not(None))
        .order_by(col(_CORRECTION.id).desc())
        .limit(1)
        .scalar_subquery(),
    )
    .where(col(models.History.activity_id) == bindparam("activity"))
    .where(col(models.History.event) != workflow.RESCHEDULE)
    .where(col(models.History.corrects_id).is_(None))
    .order_by(col(models.History.at).desc(), col(models.History.id).desc())
    .limit(1)
)


_OPEN_MILESTONES = (
    select(models.Milestone.id, models.Milestone.session_id)
    .join(models.Meeting, col(models.Meeting.id) == col(models.Milestone.session_id))
    .where(col(models.Milestone.activity_id) == bindparam("activity"))
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
    store.lock_for_write(db)
    activity = find_activity(db, plan, key)
    if activity.removed:
        raise TransitionRefused(f"{key} is no longer in the plan file; reload the plan first")
    flow = lookup.flow(plan, activity.kind)
    # A former name of the event (an alias) is recorded under its name today.
    event = flow.canonical(event)
    note = clean_text(note, "note", MAX_NOTE)
    document = clean_line(document, "document", MAX_SYMBOL)
    meeting = find_session(db, plan, session_key) if session_key else None
    step = _allowed_step(flow, activity.state, event)
    who = identify(db, actor, plan)
    authorize(who, step, key, plan_policy(plan))
    document = documents.cite(db, plan, who, document)
    missing = [
        need
        for need, given in (("session", meeting), ("document", document), ("note", note))
        if need in step.requires and not given
    ]
    if missing:
        raise TransitionRefused(
            f"{event!r} on {key} needs a {' and a '.join(missing)}", fields=missing
        )
    at = step_time(plan, on, meeting)
    if meeting is not None:
        session_day(plan, meeting, on)
    last = _last_step(db, activity)
    if last is not None and at < last:
        raise InvalidInput(
            f"{at.date()} is before the last recorded step of {key} ({last.date()})", fields=("on",)
        )
    from_state = activity.state
    new_state = flow.fire(from_state, event, activity.resume_state)
    resume_state = activity.resume_state
    halted = flow.special_states
    if new_state in halted and from_state not in halted:
        resume_state = from_state
    elif new_state not in halted:
        resume_state = None
    store.set_state(db, activity, new_state, resume_state)
    assert activity.id is not None
    row = store.append_history(
        db,
        models.History(
            activity_id=activity.id,
            event=event,
            from_state=from_state,
            to_state=new_state,
            actor=who.name,
            actor_role=who.role,
            on_behalf_of=who.on_behalf_of,
            at=at,
            note=note,
            document=document,
            session_id=meeting.id if meeting else None,
            prev_hash="",
            hash="",
        ),
    )
    store.transaction_cache(db)[_LAST_STEP, activity.id] = at
    milestone = _mark_milestone(db, activity, flow.names(event), meeting, row)
    return Advanced(
        activity=activity, row=row, milestone=milestone, day=local_day(at, plan.timezone)
    )


def _last_step(db: Session, activity: models.Activity) -> dt.datetime | None:
    """When the activity's last step happened, as corrected (read once per transaction)."""
    cache = store.transaction_cache(db)
    if (_LAST_STEP, activity.id) not in cache:
        found = db.connection().execute(_LAST_STEP, {"activity": activity.id}).first()
        cache[_LAST_STEP, activity.id] = (found[1] or found[0]) if found else None
    last: dt.datetime | None = cache[_LAST_STEP, activity.id]
    return last


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


def _mark_milestone(
    db: Session,
    activity: models.Activity,
    events: tuple[str, ...],
    meeting: models.Meeting | None,
    row: models.History,
) -> models.Milestone | None:
    """The first open milestone this event (by any of its names) fulfils, the given
    session's first."""
    db.flush()  # a milestone added or moved in this transaction counts
    connection = db.connection()
    candidates = connection.execute(
        _OPEN_MILESTONES, {"activity": activity.id, "events": list(events)}
    ).all()
    if not candidates:
        return None
    chosen = next(
        (m for m, session_id in candidates if meeting and session_id == meeting.id),
        candidates[0][0],
    )
    connection.execute(_FULFIL, {"milestone": chosen, "done_history_id": row.id})
    milestone = db.get(models.Milestone, chosen)
    assert milestone is not None
    set_committed_value(milestone, "done_history_id", row.id)
    return milestone


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
        store.transaction_cache(db).pop((_LAST_STEP, activity.id), None)
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
