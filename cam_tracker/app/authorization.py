"""Who acts, and whether they may: the actor of a step and the roles a step needs.

A store is single-user until someone registers (`cam people add`): then
anyone may act, with every role (`*`, written in the history as such). Once a
person is registered the store is shared, and only registered people act,
each with their own role; a step that names roles refuses anyone else. The
actor is read once per transaction.
"""

from dataclasses import dataclass

from sqlmodel import Session, col, or_, select

from cam_tracker import store
from cam_tracker.core.errors import PermissionRefused
from cam_tracker.files import workflow
from cam_tracker.store import models

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
            "(act as a registered person, or register with `cam people add`)",
            fields=("actor",),
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
