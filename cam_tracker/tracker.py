"""Use cases that change the store: advance, record a session, reschedule.

Each takes an open store session; the caller commits it. A state change and
its history row are written in the same transaction, so both land or neither.
"""

import datetime as dt
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, or_, select

from cam_tracker import models, store, workflow
from cam_tracker.errors import (
    CamError,
    ConfigError,
    NotFound,
    PermissionRefused,
    TransitionRefused,
    did_you_mean,
)
from cam_tracker.schedule import MILESTONE_ORDER, SPECIAL_STATES, parse_month

MAX_NOTE = 4000
RESCHEDULE = "reschedule"
MAX_DOCUMENT = 120

# The statements every transition runs, built once.
_ACTIVITY = (
    select(models.Activity)
    .where(col(models.Activity.plan_id) == bindparam("plan"))
    .where(col(models.Activity.key) == bindparam("key"))
)
_LAST_STEP = (
    select(models.History.at)
    .where(col(models.History.activity_id) == bindparam("activity"))
    .where(col(models.History.event) != RESCHEDULE)
    .order_by(col(models.History.at).desc(), col(models.History.id).desc())
    .limit(1)
)
_OPEN_MILESTONES = (
    select(models.Milestone.id, models.Milestone.session_id)
    .join(models.Meeting, col(models.Meeting.id) == col(models.Milestone.session_id))
    .where(col(models.Milestone.activity_id) == bindparam("activity"))
    .where(col(models.Milestone.event) == bindparam("event"))
    .where(col(models.Milestone.done_history_id).is_(None))
    .order_by(*MILESTONE_ORDER)
)
_FULFIL = update(models.Milestone).where(col(models.Milestone.id) == bindparam("milestone"))


ALL_ROLES = "*"


@dataclass(frozen=True)
class Actor:
    """Who acts, and under which role ("*": every role, in a single-user store)."""

    name: str
    role: str


def identify(db: Session, name: str) -> Actor:
    """A registered person in a shared store; anyone, with every role, in a single-user one."""
    cache = store.transaction_cache(db)
    if (Actor, name) not in cache:
        cache[Actor, name] = _identify(db, name)
    actor: Actor = cache[Actor, name]
    return actor


def _identify(db: Session, name: str) -> Actor:
    shared = db.exec(
        select(models.Person.id).where(col(models.Person.registered).is_(True)).limit(1)
    ).first()
    if shared is None:
        return Actor(name, ALL_ROLES)
    person = db.exec(
        select(models.Person)
        .where(col(models.Person.registered).is_(True))
        .where(or_(models.Person.key == name, models.Person.email == name))
    ).first()
    if person is None:
        raise PermissionRefused(
            f"{name!r} is not registered in this shared store "
            "(act with --as PERSON, or register with `cam people add`)"
        )
    return Actor(person.key, person.role)


def authorize(actor: Actor, step: workflow.Step, key: str) -> None:
    """Refuse a step that names roles the actor does not hold."""
    if actor.role == ALL_ROLES or not step.roles or actor.role in step.roles:
        return
    raise PermissionRefused(
        f"{step.event!r} on {key} needs the role {' or '.join(step.roles)}; "
        f"{actor.name} is {actor.role}"
    )


def current_plan(db: Session, name: str | None = None) -> models.Plan:
    """The named plan, or the one loaded most recently."""
    query = select(models.Plan)
    if name:
        plan = db.exec(query.where(models.Plan.name == name)).first()
        if plan is None:
            names = list(db.exec(select(models.Plan.name)))
            raise NotFound(f"no plan {name!r} in the store{did_you_mean(name, names)}")
        return plan
    plan = db.exec(query.order_by(col(models.Plan.loaded_at).desc()).limit(1)).first()
    if plan is None:
        raise NotFound("no plan in the store yet: run `cam plan load cam-2015-2016`")
    return plan


def all_plans(db: Session) -> list[models.Plan]:
    """Every plan in the store, by name."""
    plans = list(db.exec(select(models.Plan).order_by(col(models.Plan.name))))
    if not plans:
        raise NotFound("no plan in the store yet: run `cam plan load cam-2015-2016`")
    return plans


def find_activity(db: Session, plan: models.Plan, key: str) -> models.Activity:
    """An activity of the plan by key (read once per transaction: this session keeps it current)."""
    cache = store.transaction_cache(db)
    activity: models.Activity | None = cache.get((models.Activity, plan.id, key))
    if activity is None:
        activity = db.exec(_ACTIVITY, params={"plan": plan.id, "key": key}).first()
    if activity is None:
        keys = db.exec(select(models.Activity.key).where(models.Activity.plan_id == plan.id))
        raise NotFound(f"no activity {key!r} in {plan.name}{did_you_mean(key, keys)}")
    cache[models.Activity, plan.id, key] = activity
    return activity


def find_session(db: Session, plan: models.Plan, key: str) -> models.Meeting:
    meeting = db.exec(
        select(models.Meeting)
        .where(models.Meeting.plan_id == plan.id)
        .where(models.Meeting.key == key)
    ).first()
    if meeting is None:
        keys = db.exec(select(models.Meeting.key).where(models.Meeting.plan_id == plan.id))
        raise NotFound(f"no session {key!r} in {plan.name}{did_you_mean(key, keys)}")
    return meeting


def clean_text(value: str | None, what: str, limit: int) -> str | None:
    """Refuse control characters and overlong text; empty means none."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise ConfigError(f"{what} is too long ({len(value)} characters, at most {limit})")
    for char in value:
        if char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cs"):
            raise ConfigError(f"{what} contains a control character ({ord(char):#04x})")
    return value


def moment_of(day: dt.date, plan: models.Plan) -> dt.datetime:
    """A day as an aware moment: noon in the plan's time zone."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(plan.timezone))


def _when(
    plan: models.Plan, on: dt.date | dt.datetime | None, meeting: models.Meeting | None
) -> dt.datetime:
    now = models.utcnow()
    if on is None and meeting is not None:
        on = meeting.held_on or meeting.date
    if on is None:
        return now
    moment = on if isinstance(on, dt.datetime) else moment_of(on, plan)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(plan.timezone))
    if moment.astimezone(dt.UTC).date() > now.date():
        raise ConfigError(f"{moment.date()} is in the future: record steps once they happened")
    return moment


@dataclass
class Advanced:
    """The outcome of one transition."""

    activity: models.Activity
    row: models.History
    milestone: models.Milestone | None


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
    flow = workflow.get(activity.kind)
    note = clean_text(note, "the note", MAX_NOTE)
    document = clean_text(document, "the document symbol", MAX_DOCUMENT)
    meeting = find_session(db, plan, session_key) if session_key else None
    step = _allowed_step(flow, activity.state, event)
    who = identify(db, actor)
    authorize(who, step, key)
    missing = [
        f"--{flag}"
        for need, flag, given in (
            ("session", "session", meeting),
            ("document", "doc", document),
            ("note", "note", note),
        )
        if need in step.requires and not given
    ]
    if missing:
        raise TransitionRefused(
            f"{event!r} on {key} needs {' and '.join(missing)} "
            f"({', '.join(step.requires)} required)"
        )
    at = _when(plan, on, meeting)
    cache = store.transaction_cache(db)
    if (_LAST_STEP, activity.id) not in cache:
        cache[_LAST_STEP, activity.id] = (
            db.connection().execute(_LAST_STEP, {"activity": activity.id}).scalar()
        )
    last: dt.datetime | None = cache[_LAST_STEP, activity.id]
    if last is not None and at < last:
        raise ConfigError(f"{at.date()} is before the last recorded step of {key} ({last.date()})")
    from_state = activity.state
    new_state = flow.fire(from_state, event, activity.resume_state)
    resume_state = activity.resume_state
    if new_state in SPECIAL_STATES and from_state not in SPECIAL_STATES:
        resume_state = from_state
    elif new_state not in SPECIAL_STATES:
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
            at=at,
            note=note,
            document=document,
            session_id=meeting.id if meeting else None,
            prev_hash="",
            hash="",
        ),
    )
    cache[_LAST_STEP, activity.id] = at
    milestone = _mark_milestone(db, activity, event, meeting, row)
    return Advanced(activity=activity, row=row, milestone=milestone)


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
    event: str,
    meeting: models.Meeting | None,
    row: models.History,
) -> models.Milestone | None:
    """The first open milestone this event fulfils, the given session's first."""
    db.flush()  # a milestone added or moved in this transaction counts
    connection = db.connection()
    candidates = connection.execute(
        _OPEN_MILESTONES, {"activity": activity.id, "event": event}
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
    """Record a session as held; with `as_planned`, advance its agenda items too."""
    store.lock_for_write(db)
    meeting = find_session(db, plan, session_key)
    identify(db, actor)
    if meeting.held_on is not None:
        raise TransitionRefused(
            f"session {session_key} was already recorded as held on {meeting.held_on}"
        )
    day = on or meeting.date or models.utcnow().astimezone(ZoneInfo(plan.timezone)).date()
    _when(plan, day, None)
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
    meeting.held_on = day
    if meeting.date is None or meeting.date != day:
        meeting.date = day
        meeting.month = day.strftime("%Y-%m")
    db.add(meeting)
    db.flush()
    outcomes = []
    for milestone, activity in items:
        if milestone.event is None:
            outcomes.append(ItemOutcome(activity.key, None, "noted"))
        elif milestone.done_history_id is not None:
            outcomes.append(ItemOutcome(activity.key, milestone.event, "done", "already done"))
        elif activity.key in excluded:
            outcomes.append(ItemOutcome(activity.key, milestone.event, "excluded"))
        elif not as_planned:
            outcomes.append(ItemOutcome(activity.key, milestone.event, "skipped"))
        else:
            outcomes.append(_advance_item(db, plan, meeting, milestone, activity, actor, day))
    return outcomes


def _advance_item(
    db: Session,
    plan: models.Plan,
    meeting: models.Meeting,
    milestone: models.Milestone,
    activity: models.Activity,
    actor: str,
    day: dt.date,
) -> ItemOutcome:
    assert milestone.event is not None
    flow = workflow.get(activity.kind)
    step_requires = next(
        (s.requires for s in flow.allowed(activity.state) if s.event == milestone.event), ()
    )
    note = "; ".join(milestone.text.values()) if "note" in step_requires else None
    savepoint = db.begin_nested()
    try:
        advance(
            db,
            plan,
            activity.key,
            milestone.event,
            actor=actor,
            session_key=meeting.key,
            on=day,
            note=note,
        )
    except (CamError, SQLAlchemyError) as exc:
        savepoint.rollback()
        return ItemOutcome(activity.key, milestone.event, "refused", str(exc))
    savepoint.commit()
    return ItemOutcome(activity.key, milestone.event, "advanced", activity.state)


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
) -> Rescheduled:
    """Move an activity's next open milestone to another month, with its reason."""
    to_month = parse_month(to_month)
    reason_text = required_reason(reason)
    store.lock_for_write(db)
    activity = find_activity(db, plan, key)
    who = identify(db, actor)
    milestone = db.exec(
        select(models.Milestone)
        .join(models.Meeting, col(models.Meeting.id) == col(models.Milestone.session_id))
        .where(models.Milestone.activity_id == activity.id)
        .where(col(models.Milestone.event).is_not(None))
        .where(col(models.Milestone.done_history_id).is_(None))
        .order_by(*MILESTONE_ORDER)
        .limit(1)
    ).first()
    if milestone is None:
        raise TransitionRefused(f"{key} has no open milestone to reschedule")
    from_month = milestone.planned_month
    if to_month == from_month:
        raise ConfigError(f"the milestone of {key} is already planned for {to_month}")
    target = db.exec(
        select(models.Meeting)
        .where(models.Meeting.plan_id == plan.id)
        .where(models.Meeting.month == to_month)
        .where(col(models.Meeting.held_on).is_(None))
        .where(col(models.Meeting.removed).is_(False))
        .order_by(col(models.Meeting.position))
        .limit(1)
    ).first()
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
        at=_when(plan, on, None),
        note=f"{milestone.event} moved from {from_month} to {to_month}: {reason_text}",
        meeting=meeting,
    )
    return Rescheduled(milestone, from_month, to_month, meeting, row)


def required_reason(reason: str | None) -> str:
    """The reason for a move: required, one clean text."""
    reason_text = clean_text(reason, "the reason", MAX_NOTE)
    if not reason_text:
        raise ConfigError("a reason is required (--reason)")
    return reason_text


def log_reschedule(
    db: Session,
    activity: models.Activity,
    who: Actor,
    *,
    at: dt.datetime,
    note: str,
    meeting: models.Meeting,
) -> models.History:
    """A move in the plan, in the activity's history: its state stays as it is."""
    assert activity.id is not None
    return store.append_history(
        db,
        models.History(
            activity_id=activity.id,
            event=RESCHEDULE,
            from_state=activity.state,
            to_state=activity.state,
            actor=who.name,
            actor_role=who.role,
            at=at,
            note=note,
            session_id=meeting.id,
            prev_hash="",
            hash="",
        ),
    )
