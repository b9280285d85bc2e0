"""Finding what the user named: a plan, an activity, a session; "did you mean" when not found."""

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from cam_tracker import store
from cam_tracker.core.errors import (
    NotFound,
    did_you_mean,
)
from cam_tracker.files import workflow
from cam_tracker.store import models

# Said to whoever reads an empty store: how to load a plan, any plan.
NO_PLAN = (
    "no plan in the store yet: load one with `cam plan load NAME-OR-FILE` "
    "(a bundled plan by name, e.g. cam-2015-2016, or a plan file; `cam plan list` lists them)"
)

_ACTIVITY = (
    select(models.Activity)
    .where(col(models.Activity.plan_id) == bindparam("plan"))
    .where(col(models.Activity.key) == bindparam("key"))
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
        raise NotFound(NO_PLAN)
    return plan


def plans_with_activity(db: Session, key: str) -> list[str]:
    """The names of the plans that have an activity of this key."""
    return list(
        db.exec(
            select(models.Plan.name)
            .join(models.Activity, col(models.Activity.plan_id) == col(models.Plan.id))
            .where(models.Activity.key == key)
            .order_by(col(models.Plan.name))
        )
    )


def all_plans(db: Session) -> list[models.Plan]:
    """Every plan in the store, by name."""
    plans = list(db.exec(select(models.Plan).order_by(col(models.Plan.name))))
    if not plans:
        raise NotFound(NO_PLAN)
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


def kinds(plan: models.Plan) -> workflow.Kinds:
    """The workflow kinds of a plan, built from the definitions stored with it (no file
    read); a plan loaded before they were stored reads the installed kinds."""
    return workflow.stored_kinds(plan.workflows) if plan.workflows else workflow.installed()


def flow(plan: models.Plan, kind: str) -> workflow.Workflow:
    """One kind of a plan (`kinds`)."""
    return kinds(plan).get(kind)
