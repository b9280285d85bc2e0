"""Bodies and memberships: a committee across years, and what each person is to it.

A person is a person once; what they are to a committee is a membership of
its body — declared by one plan (for that plan: `Membership.plan_id`, under
the key the file names them by) or given on the command line for the body
(`cam people add --body`). Every question "what is this person here" is
answered by `role_in`, from that plan's memberships first, then the body's;
a person who belongs to no body at all (the store's own staff, registered
with a role alone) has their registered role everywhere, as every person
had before bodies.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from cam_tracker.core.dates import iso
from cam_tracker.core.errors import NotFound, did_you_mean
from cam_tracker.core.text import local
from cam_tracker.store import models


@dataclass(frozen=True)
class Roles:
    """Every membership of the store, read once: the role of anyone in any plan."""

    # person id -> [(body id, plan id or None, role)]
    memberships: dict[int, list[tuple[int, int | None, str]]]

    def role_in(self, person: models.Person, plan: models.Plan | None) -> str | None:
        """The person's role in the plan's body; None: they are not of that body."""
        if plan is None:
            return person.role
        held = self.memberships.get(person.id or 0, [])
        if not held:
            return person.role
        for _body_id, plan_id, role in held:
            if plan_id == plan.id:
                return role
        for body_id, plan_id, role in held:
            if plan_id is None and body_id == plan.body_id:
                return role
        return None


def roles(db: Session) -> Roles:
    memberships: dict[int, list[tuple[int, int | None, str]]] = defaultdict(list)
    for person_id, body_id, plan_id, role in db.exec(
        select(
            models.Membership.person_id,
            models.Membership.body_id,
            models.Membership.plan_id,
            models.Membership.role,
        ).order_by(col(models.Membership.id))
    ):
        memberships[person_id].append((body_id, plan_id, role))
    return Roles(dict(memberships))


def role_in(db: Session, person: models.Person, plan: models.Plan | None) -> str | None:
    """The person's role in the plan's body (see `Roles.role_in`)."""
    if plan is None:
        return person.role
    held = db.exec(
        select(models.Membership.body_id, models.Membership.plan_id, models.Membership.role).where(
            models.Membership.person_id == person.id
        )
    ).all()
    rows = [(body_id, plan_id, role) for body_id, plan_id, role in held]
    return Roles({person.id or 0: rows}).role_in(person, plan)


def plan_person(db: Session, plan: models.Plan, key: str) -> models.Person | None:
    """The person a plan's file names `key` (its `people:` entry), if it names one."""
    return db.exec(
        select(models.Person)
        .join(models.Membership, col(models.Membership.person_id) == col(models.Person.id))
        .where(models.Membership.plan_id == plan.id)
        .where(models.Membership.key == key)
    ).first()


def slug(short: str) -> str:
    """A body's short name as a key part: `CEAM` -> `ceam`."""
    return re.sub(r"[^a-z0-9._-]+", "-", short.lower()).strip("-") or "body"


def find_body(db: Session, short: str) -> models.Body:
    body = db.exec(
        select(models.Body).where(func.lower(col(models.Body.short)) == short.lower())
    ).first()
    if body is None:
        shorts = list(db.exec(select(models.Body.short)))
        raise NotFound(f"no body {short!r} in the store{did_you_mean(short, shorts)}")
    return body


def _plans_in_order(plans: list[models.Plan]) -> list[models.Plan]:
    """A body's plans by period, a plan that follows another after it."""
    return sorted(plans, key=lambda p: (p.period_start, p.period_end, p.name))


def body_list(db: Session, lang: str = "en") -> list[dict[str, Any]]:
    """Every body, with how many plans and which."""
    plans: dict[int, list[models.Plan]] = defaultdict(list)
    for plan in db.exec(select(models.Plan)):
        if plan.body_id is not None:
            plans[plan.body_id].append(plan)
    return [
        {
            "short": body.short,
            "name": local(body.name, lang),
            "parent": local(body.parent, lang) if body.parent else None,
            "plans": [p.name for p in _plans_in_order(plans.get(body.id or 0, []))],
        }
        for body in db.exec(select(models.Body).order_by(col(models.Body.short)))
    ]


def body_detail(db: Session, short: str, lang: str = "en") -> dict[str, Any]:
    """A body across its years: plans in order, each with its officers, mandates, documents."""
    body = find_body(db, short)
    plans = _plans_in_order(
        list(db.exec(select(models.Plan).where(models.Plan.body_id == body.id)))
    )
    ids = [p.id for p in plans]
    officers: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for membership, person in db.exec(
        select(models.Membership, models.Person)
        .join(models.Person, col(models.Person.id) == col(models.Membership.person_id))
        .where(models.Membership.body_id == body.id)
        .order_by(col(models.Membership.id))
    ):
        officers[membership.plan_id].append(
            {
                "key": person.key,
                "name": person.name,
                "title": person.title,
                "country": person.country,
                "role": membership.role,
                "since": iso(membership.since) if membership.since else None,
                "until": iso(membership.until) if membership.until else None,
                "elected_on": iso(membership.elected_on) if membership.elected_on else None,
                "elected": membership.elected,
                "removed": person.removed,
            }
        )
    mandates: dict[int, list[str]] = defaultdict(list)
    for plan_id, symbol in db.exec(
        select(models.Mandate.plan_id, models.Mandate.symbol)
        .where(col(models.Mandate.plan_id).in_(ids))
        .order_by(col(models.Mandate.position))
    ):
        mandates[plan_id].append(symbol)
    activities = dict(
        db.exec(
            select(models.Activity.plan_id, func.count())
            .where(col(models.Activity.plan_id).in_(ids))
            .where(col(models.Activity.removed).is_(False))
            .group_by(col(models.Activity.plan_id))
        ).all()
    )
    documents = dict(
        db.exec(
            select(models.Activity.plan_id, func.count(func.distinct(models.History.document)))
            .join(models.History, col(models.History.activity_id) == col(models.Activity.id))
            .where(col(models.Activity.plan_id).in_(ids))
            .where(col(models.History.document).is_not(None))
            .group_by(col(models.Activity.plan_id))
        ).all()
    )
    officer_roles = ("chair", "vice_chair")
    return {
        "short": body.short,
        "name": local(body.name, lang),
        "parent": local(body.parent, lang) if body.parent else None,
        "organization": local(body.organization, lang) if body.organization else None,
        "plans": [
            {
                "name": plan.name,
                "title": local(plan.title, lang),
                "period": {"start": plan.period_start, "end": plan.period_end},
                "follows": plan.follows,
                "mandates": mandates.get(plan.id or 0, []),
                "activities": activities.get(plan.id or 0, 0),
                "documents": documents.get(plan.id or 0, 0),
                "officers": [o for o in officers.get(plan.id, []) if o["role"] in officer_roles],
            }
            for plan in plans
        ],
        "members": officers.get(None, []),
    }
