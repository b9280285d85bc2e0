"""Finding what the user named: a plan, an activity, a session; "did you mean" when not found.

The plan is found for a write in its ORM session (the model, which the write may change),
and for a read with a `store.read.Reader` (a row read without the ORM); the same SQL
either way, which this module alone holds.
"""

from functools import cache
from typing import TYPE_CHECKING, Any

from cam_tracker.core.errors import (
    NotFound,
    did_you_mean,
)
from cam_tracker.files import workflow
from cam_tracker.store import read
from cam_tracker.store.read import Reader

if TYPE_CHECKING:
    from sqlmodel import Session

    from cam_tracker.store import models

# Said to whoever reads an empty store: how to load a plan, any plan.
NO_PLAN = (
    "no plan in the store yet: load one with `cam plan load NAME-OR-FILE` "
    "(a bundled plan by name, e.g. cam-2015-2016, or a plan file; `cam plan list` lists them)"
)

# The plans, as `find_plans` reads them: by name, the one loaded last.
BY_NAME = ("WHERE t.name = ?", "LIMIT 1")
LOADED_LAST = ("", "ORDER BY t.loaded_at DESC LIMIT 1")
ALL = ("", "ORDER BY t.name")


def find_plans(db: "Session | Reader", which: tuple[str, str], params: list[Any]) -> "list[Any]":
    """Plans read with the SQL of `which` (a condition, an order): models for a session,
    rows for a reader."""
    where, order = which
    if isinstance(db, Reader):
        return db.records(read.Plan, f"FROM plan t {where} {order}", params)
    from sqlalchemy import text
    from sqlmodel import select

    from cam_tracker.store import models

    sql = text(f"SELECT t.* FROM plan t {where} {order}".replace("?", ":value"))
    if params:
        sql = sql.bindparams(value=params[0])
    return list(db.scalars(select(models.Plan).from_statement(sql)))


def current_plan(db: "Session | Reader", name: str | None = None) -> "models.Plan":
    """The named plan, or the one loaded most recently."""
    if name:
        found = find_plans(db, BY_NAME, [name])
        if not found:
            names = [n for (n,) in read.reader_of(db).rows("SELECT t.name FROM plan t")]
            raise NotFound(f"no plan {name!r} in the store{did_you_mean(name, names)}")
        return found[0]  # type: ignore[no-any-return]
    found = find_plans(db, LOADED_LAST, [])
    if not found:
        raise NotFound(NO_PLAN)
    return found[0]  # type: ignore[no-any-return]


def plans_with_activity(db: "Session | Reader", key: str) -> list[str]:
    """The names of the plans that have an activity of this key."""
    return [
        name
        for (name,) in read.reader_of(db).rows(
            "SELECT p.name FROM plan p JOIN activity a ON a.plan_id = p.id WHERE a.key = ? "
            "ORDER BY p.name",
            [key],
        )
    ]


def all_plans(db: "Session | Reader") -> "list[models.Plan]":
    """Every plan in the store, by name."""
    plans = find_plans(db, ALL, [])
    if not plans:
        raise NotFound(NO_PLAN)
    return plans


@cache
def _activity_query() -> Any:
    from sqlalchemy import bindparam
    from sqlmodel import col, select

    from cam_tracker.store import models

    return (
        select(models.Activity)
        .where(col(models.Activity.plan_id) == bindparam("plan"))
        .where(col(models.Activity.key) == bindparam("key"))
    )


def find_activity(db: "Session", plan: "models.Plan", key: str) -> "models.Activity":
    """An activity of the plan by key (read once per transaction: this session keeps it current)."""
    from sqlmodel import select

    from cam_tracker import store
    from cam_tracker.store import models

    cache = store.transaction_cache(db)
    activity: models.Activity | None = cache.get((models.Activity, plan.id, key))
    if activity is None:
        activity = db.exec(_activity_query(), params={"plan": plan.id, "key": key}).first()
    if activity is None:
        keys = db.exec(select(models.Activity.key).where(models.Activity.plan_id == plan.id))
        raise NotFound(f"no activity {key!r} in {plan.name}{did_you_mean(key, keys)}")
    cache[models.Activity, plan.id, key] = activity
    return activity


def find_session(db: "Session", plan: "models.Plan", key: str) -> "models.Meeting":
    from sqlmodel import select

    from cam_tracker.store import models

    meeting = db.exec(
        select(models.Meeting)
        .where(models.Meeting.plan_id == plan.id)
        .where(models.Meeting.key == key)
    ).first()
    if meeting is None:
        keys = db.exec(select(models.Meeting.key).where(models.Meeting.plan_id == plan.id))
        raise NotFound(f"no session {key!r} in {plan.name}{did_you_mean(key, keys)}")
    return meeting


def kinds(plan: "models.Plan") -> workflow.Kinds:
    """The workflow kinds of a plan, built from the definitions stored with it (no file
    read); a plan loaded before they were stored reads the installed kinds."""
    return workflow.stored_kinds(plan.workflows) if plan.workflows else workflow.installed()


def flow(plan: "models.Plan", kind: str) -> workflow.Workflow:
    """One kind of a plan (`kinds`)."""
    return kinds(plan).get(kind)
