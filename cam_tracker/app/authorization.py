"""Who acts, and what they may do: identity (who is typing, for whom), steps by their
workflow's roles, other changes by a policy.

On PostgreSQL the database login says who acts: a login mapped to a person
(`cam people add KEY --login NAME`) acts as that person, whatever name is
typed, and only a role that may delegate acts for someone else (`--as`), the
step recorded as done by both. The store's owner (or a superuser) with no
person of its own, and any SQLite store, take the name given (`--as`,
`CAM_USER`, the operating-system user): there, roles keep honest people from
mistakes, and the database's own access control (the file's permissions, the
owner's password) keeps the others out.

`identify` says who acts; `authorize` checks a workflow step's roles;
`permit` checks the roles a policy gives each other kind of change to the
record (people, assignments, sessions, plans), and `record` writes an allowed
change into the history chain. A store where nobody is registered is
single-user: its actor holds every role (`*`).
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, or_, select

from cam_tracker import store
from cam_tracker.core.errors import PermissionRefused
from cam_tracker.core.settings import Unclaimed
from cam_tracker.files import workflow
from cam_tracker.files.plan import default_policy
from cam_tracker.store import models
from cam_tracker.store.engine import connected_login

ALL_ROLES = "*"

# The roles whose holders may act on behalf of another person (`--as`): the secretariat
# keys in the record of a session, the chair's steps included.
DELEGATING_ROLES = ("secretariat",)

# The role a policy's `act_for_chair` roles stand in for: in practice the vice chair
# presides, and acts, when the chair cannot.
CHAIR = "chair"


def may_delegate(
    role: str, principal_role: str | None = None, policy: "Policy | None" = None
) -> bool:
    """Whether a person of this role may record a step on behalf of someone else: the
    secretariat for anyone; a role the policy lets act for the chair (the vice chair, by
    default) for the chair."""
    if role in DELEGATING_ROLES:
        return True
    if principal_role != CHAIR:
        return False
    return role in (policy or plan_policy(None))["act_for_chair"]


def holds(actor_role: str, roles: tuple[str, ...] | list[str], policy: "Policy | None") -> bool:
    """Whether a role is one of `roles`, or stands in for the chair where the chair is one."""
    if actor_role == ALL_ROLES or actor_role in roles:
        return True
    return CHAIR in roles and actor_role in (policy or plan_policy(None))["act_for_chair"]


@dataclass(frozen=True)
class Actor:
    """Who acts, under which role ("*": every role, in a single-user store), and for whom.

    `name` is who did the step: on PostgreSQL, the person of the database login.
    `on_behalf_of` is the person they did it for (`--as`), whose role the step
    is fired under; None when they acted for themselves.
    """

    name: str
    role: str
    on_behalf_of: str | None = None


def identify(db: Session, name: str, plan: models.Plan | None = None) -> Actor:
    """Who acts: the person of the database login where there is one; else the person
    named (a registered one in a shared store; anyone, with every role, in a
    single-user one). With a plan, under their role in the plan's body
    (`app.bodies.role_in`): someone who is nothing to that body cannot act on its plan."""
    cache = store.transaction_cache(db)
    key = (Actor, name, isinstance(name, Unclaimed), plan.id if plan is not None else None)
    if key not in cache:
        cache[key] = _identify(db, name, plan)
    actor: Actor = cache[key]
    return actor


def _role(db: Session, person: models.Person, plan: models.Plan | None) -> str:
    """The person's role for acting on the plan; refused when they have none in its body."""
    from cam_tracker.app.bodies import role_in

    role = role_in(db, person, plan)
    if role is None:
        assert plan is not None
        short = plan.body.get("short", "?")
        raise PermissionRefused(
            f"{person.key} has no role in {short}, whose plan {plan.name} is: "
            f"they act only on the plans of the bodies they belong to",
            fields=("actor",),
        )
    return role


def _identify(db: Session, name: str, plan: models.Plan | None) -> Actor:
    login = connected_login(db)
    if login is not None:
        person = db.exec(select(models.Person).where(models.Person.login == login.name)).first()
        if person is not None and not person.removed:
            return _acting_for(db, person, name, plan)
        if not login.administers:
            raise PermissionRefused(
                f"the database login {login.name!r} is nobody in this store: its owner maps it "
                f"to a person with `cam people add KEY --login {login.name}`"
            )
    shared = db.exec(
        select(models.Person.id).where(col(models.Person.registered).is_(True)).limit(1)
    ).first()
    if shared is None:
        return Actor(name, ALL_ROLES)
    person = _registered(db, name, plan)
    return Actor(person.key, _role(db, person, plan))


def _registered(db: Session, name: str, plan: models.Plan | None = None) -> models.Person:
    """A registered person by key or address; with a plan, the key its file names them by
    first (the CEAM plan's `chair` is the CEAM's chair, whatever their key in the store)."""
    from cam_tracker.app.bodies import plan_person

    person = plan_person(db, plan, name) if plan is not None else None
    if person is None or not person.registered:
        person = db.exec(
            select(models.Person)
            .where(col(models.Person.registered).is_(True))
            .where(or_(models.Person.key == name, models.Person.email == name))
        ).first()
    if person is None:
        raise PermissionRefused(
            f"{name!r} is not registered in this shared store "
            "(act as a registered person, or register with `cam people add`)",
            fields=("actor",),
        )
    return person


def _acting_for(db: Session, person: models.Person, name: str, plan: models.Plan | None) -> Actor:
    """The login's person, acting for themselves or, if their role may, for the person named.

    A name nobody typed (the operating-system user) claims nothing.
    """
    if isinstance(name, Unclaimed) or name in (person.key, person.email, person.login):
        return Actor(person.key, _role(db, person, plan))
    role = _role(db, person, plan)
    policy = plan_policy(plan)
    principal = (
        _registered(db, name, plan)
        if may_delegate(role) or role in policy["act_for_chair"]
        else None
    )
    principal_role = _role(db, principal, plan) if principal is not None else None
    if principal is None or not may_delegate(role, principal_role, policy):
        stands_in = role in policy["act_for_chair"]
        raise PermissionRefused(
            f"{person.key} ({role}) acts only as themselves"
            + (" or for the chair" if stands_in else "")
            + f": acting for {name!r} needs the role {' or '.join(DELEGATING_ROLES)}",
            fields=("actor",),
        )
    if principal.id == person.id:
        return Actor(person.key, role)
    assert principal_role is not None
    return Actor(person.key, principal_role, on_behalf_of=principal.key)


def _holds(name: str, role: str) -> str:
    """Who holds which role, said so that a person named after their role reads well
    (`secretariat has the role secretariat`, never `secretariat is secretariat`)."""
    return f"{name} has the role {role}"


def authorize(actor: Actor, step: workflow.Step, key: str, policy: "Policy | None" = None) -> None:
    """Refuse a step that names roles the actor does not hold (the policy's `act_for_chair`
    roles hold the chair's)."""
    if not step.roles or holds(actor.role, step.roles, policy):
        return
    raise PermissionRefused(
        f"{step.event!r} on {key} needs the role {' or '.join(step.roles)}; "
        f"{_holds(actor.on_behalf_of or actor.name, actor.role)}"
    )


# The kinds of change a policy names, as a refusal tells them.
CHANGES = {
    "manage_people": "managing people",
    "assign": "assigning people to activities",
    "move_session": "moving a session",
    "record_session": "recording a session as held",
    "load_plan": "loading a plan",
    "register_document": "registering a document",
    "act_for_chair": "acting for the chair",
}


Policy = dict[str, tuple[str, ...]]


def plan_policy(plan: models.Plan | None) -> Policy:
    """A plan's policy: its file's `policy:` section over the bundled default."""
    return _over_default(plan.policy if plan is not None else None)


def _over_default(given: Mapping[str, Any] | None) -> Policy:
    """A plan file's `policy:` section over the bundled default."""
    given = given or {}
    return {kind: tuple(given.get(kind) or roles) for kind, roles in default_policy().items()}


def store_policy(db: Session) -> Policy:
    """The policy of changes to the whole store (people, a new plan).

    People belong to the store, not to one plan: such a change needs a role
    that every loaded plan's policy allows (the bundled default when no plan
    is loaded), so that no plan file loosens what another one keeps.
    """
    policies = [
        _over_default(given)
        for given in db.exec(select(models.Plan.policy).order_by(col(models.Plan.id)))
    ]
    if not policies:
        return plan_policy(None)
    return {
        kind: tuple(role for role in roles if all(role in p[kind] for p in policies))
        for kind, roles in policies[0].items()
    }


def permit(actor: Actor, policy: Policy, change: str, what: str | None = None) -> None:
    """Refuse a change the policy does not let the actor's role make (one line, the role needed)."""
    roles = policy[change]
    if holds(actor.role, roles, policy):
        return
    needs = (
        f"the role {' or '.join(roles)}"
        if roles
        else "a role that every loaded plan's policy allows, and none does"
    )
    raise PermissionRefused(
        f"{what or CHANGES[change]} needs {needs}; {_holds(actor.name, actor.role)}"
    )


def record(
    db: Session,
    actor: Actor,
    subject: str,
    key: str,
    action: str,
    changes: dict[str, Any],
    *,
    plan_id: int | None = None,
    note: str | None = None,
    at: dt.datetime | None = None,
) -> models.Change:
    """An allowed change in the history chain: who, under which role, when, what changed.

    `changes` maps each field to `[before, after]` (JSON values: dates as ISO text).
    """
    return store.append_change(
        db,
        models.Change(
            subject=subject,
            subject_key=key,
            plan_id=plan_id,
            action=action,
            changes=changes,
            actor=actor.name,
            actor_role=actor.role,
            at=at or models.utcnow(),
            note=note,
            prev_hash="",
            hash="",
        ),
    )


def change_rows(db: Session, plan: models.Plan | None) -> list[dict[str, Any]]:
    """The changes to the record of `plan` and to the people it can know, oldest first, as data.

    A person's changes belong to the store, not to one plan; a plan's record shows
    those of the people who are (or were) of its body, or of no body at all (the
    store's own staff) — never another committee's officers."""
    query = select(models.Change).order_by(col(models.Change.id))
    if plan is not None:
        query = query.where(
            or_(col(models.Change.plan_id).is_(None), col(models.Change.plan_id) == plan.id)
        )
    changes = list(db.exec(query))
    if plan is not None:
        changes = _of_the_plans_people(db, plan, changes)
    return [
        {
            "id": change.id,
            "record": "change",
            "subject": change.subject,
            "key": change.subject_key,
            "action": change.action,
            "changes": {
                name: {"from": pair[0], "to": pair[1]} for name, pair in change.changes.items()
            },
            "actor": change.actor,
            "actor_role": change.actor_role,
            "at": change.at.astimezone(dt.UTC).isoformat(),
            "note": change.note,
        }
        for change in changes
    ]


def _of_the_plans_people(
    db: Session, plan: models.Plan, changes: list[models.Change]
) -> list[models.Change]:
    """The changes less those to people who belong to other bodies only."""
    keys = {c.subject_key for c in changes if c.plan_id is None and c.subject == models.PERSON}
    if not keys:
        return changes
    bodies: dict[str, set[int]] = {key: set() for key in keys}
    for key, body_id in db.exec(
        select(models.Person.key, models.Membership.body_id)
        .join(models.Membership, col(models.Membership.person_id) == col(models.Person.id))
        .where(col(models.Person.key).in_(keys))
    ):
        bodies[key].add(body_id)
    foreign = {key for key, held in bodies.items() if held and plan.body_id not in held}
    return [
        c
        for c in changes
        if not (c.plan_id is None and c.subject == models.PERSON and c.subject_key in foreign)
    ]
