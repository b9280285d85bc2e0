"""Sessions of the committee: set or move a session's date, its time and place; record it as held.

Who may move a session or record it as held is the plan's policy
(`move_session`, `record_session`); each is a row in the history chain
(`models.Change`), whether or not the session has an agenda.

A move is recorded in the history of every activity on the session's agenda
(event `reschedule`, state unchanged, the reason in the note, the session
linked), as `cam reschedule` does for one milestone. The session's pending
reminders follow the new date. A session is held on its day
(`activities.session_day`): recording it on another is refused, not a
silent move.

A session's time and place (`set_details`) are changed under the same policy
as its date (`move_session`), each change one row in the chain with every
detail's value before and after; a reload of the plan file keeps them where
the file gives none (`app.plans`). Reminders fall due by the session's day,
not its hour (`reminders.timing`): a new time moves none of them, and a
reminder still goes out until the session starts.
"""

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from cam_tracker import store
from cam_tracker.app.activities import (
    Step,
    check_steps,
    log_reschedule,
    required_reason,
    session_day,
    step_time,
    write_steps,
)
from cam_tracker.app.authorization import identify, permit, plan_policy, record
from cam_tracker.app.lookup import find_session
from cam_tracker.core.dates import check_time_range, month_of, parse_clock
from cam_tracker.core.errors import (
    InvalidInput,
    NotFound,
    TransitionRefused,
    did_you_mean,
)
from cam_tracker.core.text import MAX_NOTE, MAX_PLACE, check_link, clean_line, clean_text
from cam_tracker.files.plan import MODALITIES, SESSION_DETAILS
from cam_tracker.store import models


@dataclass
class SessionMoved:
    """What moving a session changed."""

    meeting: models.Meeting
    before: str
    after: str
    history: list[models.History]


def reschedule(
    db: Session,
    plan: models.Plan,
    key: str,
    *,
    to: dt.date,
    reason: str,
    actor: str,
    on: dt.date | dt.datetime | None = None,
) -> SessionMoved:
    """Set or move a session's date; its open agenda items follow (its reminders:
    `reminders.outbox.follow`). `on` is when the move was decided (default: now)."""
    reason_text = required_reason(reason)
    store.lock_for_write(db)
    meeting = find_session(db, plan, key)
    who = identify(db, actor, plan)
    permit(who, plan_policy(plan), "move_session")
    if meeting.removed:
        raise TransitionRefused(f"session {key} is no longer in the plan file")
    if meeting.held_on is not None:
        raise TransitionRefused(f"session {key} was held on {meeting.held_on}: it cannot move")
    if meeting.date == to:
        raise InvalidInput(f"session {key} is already on {to}", fields=("to",))
    at = step_time(plan, on, None)
    before = meeting.date.isoformat() if meeting.date else meeting.month
    old_month, new_month = meeting.month, month_of(to)
    changes = {"date": [meeting.date.isoformat() if meeting.date else None, to.isoformat()]}
    if new_month != old_month:
        changes["month"] = [old_month, new_month]
    meeting.date = to
    meeting.month = new_month
    db.add(meeting)
    record(
        db,
        who,
        models.SESSION,
        meeting.key,
        "moved",
        changes,
        plan_id=plan.id,
        note=reason_text,
        at=at,
    )
    items = list(
        db.exec(
            select(models.Milestone, models.Activity)
            .join(models.Activity, col(models.Activity.id) == col(models.Milestone.activity_id))
            .where(models.Milestone.session_id == meeting.id)
            .order_by(col(models.Milestone.position))
        )
    )
    for milestone, _activity in items:
        if milestone.done_history_id is None and milestone.planned_month == old_month:
            milestone.planned_month = new_month
            db.add(milestone)
    db.flush()
    rows = []
    activities = {activity.id: activity for _milestone, activity in items}
    for activity in activities.values():
        rows.append(
            log_reschedule(
                db,
                activity,
                who,
                at=at,
                reason=reason_text,
                meeting=meeting,
                moved=(None, before, to.isoformat()),
            )
        )
    return SessionMoved(meeting, before, to.isoformat(), rows)


@dataclass
class ItemOutcome:
    """What recording a session did with one agenda item."""

    activity: str
    event: str | None
    status: str  # advanced | skipped | excluded | refused | noted | done
    detail: str = ""


def record_session(
    db: Session,
    plan: models.Plan,
    session_key: str,
    *,
    actor: str,
    on: dt.date | None = None,
    as_planned: bool = False,
    excluded: tuple[str, ...] = (),
) -> list[ItemOutcome]:
    """Record a session as held; with `as_planned`, advance its agenda items too.

    It is held on its day (`session_day`). A session already held is not held
    again; with `as_planned`, its items still open advance (on the day it was
    held), so that an item refused the first time can be advanced once what
    blocked it is done.
    """
    store.lock_for_write(db)
    meeting = find_session(db, plan, session_key)
    who = identify(db, actor, plan)
    permit(who, plan_policy(plan), "record_session")
    if meeting.removed:
        raise TransitionRefused(f"session {session_key} is no longer in the plan file")
    if meeting.held_on is not None and not as_planned:
        raise TransitionRefused(
            f"session {session_key} was already recorded as held on {meeting.held_on}; "
            "to advance its open items, record it again as planned",
            fields=("as_planned",),
        )
    items = list(
        db.exec(
            select(models.Milestone, models.Activity)
            .join(models.Activity, col(models.Activity.id) == col(models.Milestone.activity_id))
            .where(models.Milestone.session_id == meeting.id)
            .order_by(col(models.Milestone.position))
        )
    )
    agenda_keys = {activity.key for _, activity in items}
    unknown = [key for key in excluded if key not in agenda_keys]
    if unknown:
        raise NotFound(
            f"{unknown[0]!r} is not on the agenda of {session_key}"
            f"{did_you_mean(unknown[0], agenda_keys)}; agenda: {', '.join(sorted(agenda_keys))}"
        )
    if on is not None:
        step_time(plan, on, None)
    if meeting.held_on is not None and on is not None and on != meeting.held_on:
        raise TransitionRefused(
            f"session {session_key} was already recorded as held on {meeting.held_on}",
            fields=("on",),
        )
    day = session_day(plan, meeting, on)
    step_time(plan, day, None)
    if meeting.held_on is None:
        changes = {"held_on": [None, day.isoformat()]}
        if meeting.date != day:
            changes["date"] = [meeting.date.isoformat() if meeting.date else None, day.isoformat()]
        record(db, who, models.SESSION, meeting.key, "held", changes, plan_id=plan.id)
    meeting.held_on = day
    meeting.date = day
    db.add(meeting)
    db.flush()
    outcomes: list[ItemOutcome] = []
    to_advance: list[tuple[int, Step]] = []  # (index in outcomes, step)
    for milestone, activity in items:
        if milestone.event is None:
            outcomes.append(ItemOutcome(activity.key, None, "noted"))
        elif milestone.waived_history_id is not None:
            outcomes.append(ItemOutcome(activity.key, milestone.event, "waived", "waived"))
        elif milestone.done_history_id is not None:
            outcomes.append(ItemOutcome(activity.key, milestone.event, "done", "already done"))
        elif activity.key in excluded:
            outcomes.append(ItemOutcome(activity.key, milestone.event, "excluded"))
        elif not as_planned:
            outcomes.append(ItemOutcome(activity.key, milestone.event, "skipped"))
        else:
            step = Step(
                activity.key,
                milestone.event,
                session_key=meeting.key,
                on=day,
                fallback_note="; ".join(milestone.text.values()) or None,
            )
            to_advance.append((len(outcomes), step))
            outcomes.append(ItemOutcome(activity.key, milestone.event, "advanced"))
    _advance_items(db, plan, actor, to_advance, outcomes)
    return outcomes


def _advance_items(
    db: Session,
    plan: models.Plan,
    actor: str,
    items: list[tuple[int, Step]],
    outcomes: list[ItemOutcome],
) -> None:
    """Advance the agenda items in one batch: each checked first, in the agenda's order; an
    item refused is said and left out (the items after it see the state without it); the
    others are written together, with their history rows and the chain's head."""
    checked, refusals = check_steps(db, plan, [step for _, step in items], actor, keep_going=True)
    written = iter(write_steps(db, checked))
    for number, (index, _step) in enumerate(items):
        if number in refusals:
            outcomes[index].status = "refused"
            outcomes[index].detail = str(refusals[number])
        else:
            outcomes[index].detail = next(written).values["to_state"]


# The action of a `Change` row that sets a session's time or place.
SET = "set"


@dataclass
class DetailsSet:
    """What setting a session's time and place changed: each detail `[before, after]` (by
    the plan file's names); empty when every value was already the session's."""

    meeting: models.Meeting
    changes: dict[str, list[str | None]]


def _detail(name: str, value: str) -> str:
    """One detail as the user gave it, checked by its own rule."""
    if name in ("start", "end"):
        return parse_clock(value, name)
    if name == "modality":
        if value not in MODALITIES:
            raise InvalidInput(
                f"unknown modality {value!r}{did_you_mean(value, MODALITIES)} "
                f"(use {', '.join(MODALITIES)})",
                fields=(name,),
            )
        return value
    if name == "link":
        return check_link(value, name)
    cleaned = clean_line(value, name, MAX_PLACE)
    if cleaned is None:
        raise InvalidInput(f"the {name} is empty", fields=(name,))
    return cleaned


def set_details(
    db: Session,
    plan: models.Plan,
    key: str,
    *,
    given: dict[str, str],
    clear: tuple[str, ...] = (),
    reason: str | None = None,
    actor: str,
) -> DetailsSet:
    """Set or clear a session's time and place (`given` and `clear` by the plan file's
    names: start, end, room, building, city, modality, link). Every value is checked
    before anything is read or written; a session held or gone from the file is refused."""
    unknown = [name for name in (*given, *clear) if name not in SESSION_DETAILS]
    if unknown:
        raise InvalidInput(
            f"no session detail {unknown[0]!r}{did_you_mean(unknown[0], SESSION_DETAILS)} "
            f"(details: {', '.join(SESSION_DETAILS)})",
            fields=("clear",),
        )
    both = [name for name in clear if name in given]
    if both:
        raise InvalidInput(f"{both[0]} is both set and cleared", fields=("clear",))
    if not given and not clear:
        raise InvalidInput(
            f"nothing to set: give a value or a detail to clear ({', '.join(SESSION_DETAILS)})"
        )
    wanted: dict[str, str | None] = {name: _detail(name, value) for name, value in given.items()}
    wanted.update(dict.fromkeys(clear))
    note = clean_text(reason, "reason", MAX_NOTE) if reason is not None else None
    store.lock_for_write(db)
    meeting = find_session(db, plan, key)
    who = identify(db, actor, plan)
    permit(who, plan_policy(plan), "move_session", "setting a session's time and place")
    if meeting.removed:
        raise TransitionRefused(f"session {key} is no longer in the plan file")
    if meeting.held_on is not None:
        raise TransitionRefused(
            f"session {key} was held on {meeting.held_on}: its time and place are part of "
            "the record"
        )
    before = {name: getattr(meeting, column) for name, column in SESSION_DETAILS.items()}
    after = {**before, **wanted}
    if after["end"] is not None and after["start"] is None and "start" in clear:
        raise InvalidInput(
            f"clearing the start leaves the end {after['end']} without one: clear both",
            fields=("clear",),
        )
    check_time_range(after["start"], after["end"], "end" if "end" in given else "start")
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if not changes:
        return DetailsSet(meeting, {})
    for name, (_old, new) in changes.items():
        setattr(meeting, SESSION_DETAILS[name], new)
    db.add(meeting)
    record(db, who, models.SESSION, meeting.key, SET, dict(changes), plan_id=plan.id, note=note)
    db.flush()
    return DetailsSet(meeting, changes)
