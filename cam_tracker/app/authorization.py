"""Who acts, and whether they may: identity (who is typing, for whom) and roles.

On PostgreSQL the database login says who acts: a login mapped to a person
(`cam people add KEY --login NAME`) acts as that person, whatever name is
typed, and only a role that may delegate acts for someone else (`--as`), the
step recorded as done by both. The store's owner (or a superuser) with no
person of its own, and any SQLite store, take the name given (`--as`,
`CAM_USER`, the operating-system user) as today: there, roles keep honest
people from mistakes, and the database's own access control (the file's
permissions, the owner's password) keeps the others out.
"""

from dataclasses import dataclass

from sqlmodel import Session, col, or_, select

from cam_tracker import store
from cam_tracker.core.errors import PermissionRefused
from cam_tracker.core.settings import Unclaimed
from cam_tracker.files import workflow
from cam_tracker.store import models
from cam_tracker.store.engine import connected_login

ALL_ROLES = "*"

# The roles whose holders may act on behalf of another person (`--as`): the secretariat
# keys in the record of a session, the chair's steps included.
DELEGATING_ROLES = ("secretariat",)


def may_delegate(role: str) -> bool:
    """Whether a person of this role may record a step on behalf of someone else."""
    return role in DELEGATING_ROLES


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


def done_by(actor: str, on_behalf_of: str | None) -> str:
    """How a step's doer reads: "secretariat for chair" when one acted for another."""
    return f"{actor} for {on_behalf_of}" if on_behalf_of else actor


def identify(db: Session, name: str) -> Actor:
    """Who acts: the person of the database login where there is one; else the person
    named (a registered one in a shared store; anyone, with every role, in a
    single-user one)."""
    cache = store.transaction_cache(db)
    key = (Actor, name, isinstance(name, Unclaimed))
    if key not in cache:
        cache[key] = _identify(db, name)
    actor: Actor = cache[key]
    return actor


def _identify(db: Session, name: str) -> Actor:
    login = connected_login(db)
    if login is not None:
        person = db.exec(select(models.Person).where(models.Person.login == login.name)).first()
        if person is not None:
            return _acting_for(db, person, name)
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
    person = _registered(db, name)
    return Actor(person.key, person.role)


def _registered(db: Session, name: str) -> models.Person:
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


def _acting_for(db: Session, person: models.Person, name: str) -> Actor:
    """The login's person, acting for themselves or, if their role may, for the person named.

    A name nobody typed (the operating-system user) claims nothing.
    """
    if isinstance(name, Unclaimed) or name in (person.key, person.email, person.login):
        return Actor(person.key, person.role)
    if not may_delegate(person.role):
        raise PermissionRefused(
            f"{person.key} ({person.role}) acts only as themselves: acting for {name!r} "
            f"needs the role {' or '.join(DELEGATING_ROLES)}",
            fields=("actor",),
        )
    principal = _registered(db, name)
    if principal.id == person.id:
        return Actor(person.key, person.role)
    return Actor(person.key, principal.role, on_behalf_of=principal.key)


def authorize(actor: Actor, step: workflow.Step, key: str) -> None:
    """Refuse a step that names roles the actor does not hold."""
    if actor.role == ALL_ROLES or not step.roles or actor.role in step.roles:
        return
    raise PermissionRefused(
        f"{step.event!r} on {key} needs the role {' or '.join(step.roles)}; "
        f"{actor.on_behalf_of or actor.name} is {actor.role}"
    )
