"""People: who acts in the store, who hears about it, who is responsible for what."""

import re
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from cam_tracker import store
from cam_tracker.app.authorization import (
    ALL_ROLES,
    identify,
    permit,
    plan_policy,
    record,
    store_policy,
)
from cam_tracker.app.lookup import current_plan, find_activity
from cam_tracker.core.errors import (
    InvalidInput,
    MissingValue,
    NotFound,
    PermissionRefused,
    did_you_mean,
)
from cam_tracker.core.text import check_email as check_email  # one check, used here and in outbox
from cam_tracker.core.text import check_name, languages, quoted
from cam_tracker.files.plan import KEY_PATTERN
from cam_tracker.files.workflow import ROLES
from cam_tracker.store import access, models

# A PostgreSQL role name cam creates or maps: no quoting surprises, none of the server's own.
LOGIN_PATTERN = r"[A-Za-z_][A-Za-z0-9_.@-]{0,62}"


def check_key(key: str) -> str:
    if not re.fullmatch(KEY_PATTERN, key):
        raise InvalidInput(
            f"not a usable person key: {quoted(key)} (lowercase letters, digits, '.', '_', '-')"
        )
    return key


def check_login(login: str) -> str:
    if not re.fullmatch(LOGIN_PATTERN, login) or login.lower().startswith("pg_"):
        raise InvalidInput(
            f"not a usable login: {login!r} (a PostgreSQL role name: a letter or '_', then "
            "letters, digits, '_', '.', '@', '-'; at most 63; not pg_…)",
            fields=("login",),
        )
    return login


def _set_login(db: Session, person: models.Person, login: str, password: str | None) -> None:
    """Give the person a database login: a new role, or one that exists, nobody else's."""
    check_login(login)
    other = db.exec(
        select(models.Person.key)
        .where(models.Person.login == login)
        .where(models.Person.key != person.key)
    ).first()
    if other is not None:
        raise InvalidInput(f"the login {login!r} is {other}'s already", fields=("login",))
    if login != person.login or password is not None:
        access.set_login(db, login, password=password, previous=person.login)
    person.login = login


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(
            f"unknown role {role!r}{did_you_mean(role, ROLES)}; roles: {', '.join(ROLES)}"
        )
    return role


def check_language(lang: str) -> str:
    known = languages()
    if lang not in known:
        raise InvalidInput(f"unknown language {lang!r}; available: {', '.join(known)}")
    return lang


def find_person(db: Session, key: str) -> models.Person:
    person = db.exec(select(models.Person).where(models.Person.key == key)).first()
    if person is None:
        keys = db.exec(select(models.Person.key))
        raise NotFound(f"no person {key!r}{did_you_mean(key, keys)}")
    return person


# What a person's row in the chain says about them (`audit.verify` checks the first three).
RECORDED = ("registered", "role", "email", "name", "language")


def facts(person: models.Person) -> dict[str, Any]:
    """A person's recorded fields, as a change row carries them."""
    return {name: getattr(person, name) for name in RECORDED}


def check_address_free(db: Session, email: str, key: str) -> None:
    """An address belongs to one person (compared without case): `--as EMAIL` names one."""
    owner = db.exec(
        select(models.Person.key)
        .where(func.lower(col(models.Person.email)) == email.lower())
        .where(models.Person.key != key)
        .limit(1)
    ).first()
    if owner is not None:
        raise InvalidInput(f"the address {email} is already {owner}'s", fields=("email",))


def add(
    db: Session,
    key: str,
    *,
    name: str | None,
    role: str | None,
    actor: str,
    email: str | None = None,
    language: str | None = None,
    update: bool = False,
    login: str | None = None,
    password: str | None = None,
) -> tuple[models.Person, bool]:
    """Register a person (or, with `update`, change one); returns it and whether it is new.

    `login` (PostgreSQL only) is the role they log in as: created, with `password` if
    given, or mapped if it exists (`store.access.set_login`).
    Who manages people is the store's policy (`store_policy`); the change is a
    row in the history chain. In a store where nobody is registered yet, the
    first person registered must be one who may manage people, or nobody could
    register the others; for the same reason the last such person keeps the role.
    """
    check_key(key)
    store.lock_for_write(db)
    who = identify(db, actor)
    person = db.exec(select(models.Person).where(models.Person.key == key)).first()
    if person is not None and not update:
        raise InvalidInput(f"person {key!r} exists already", fields=("update",))
    if person is None:
        if update:
            find_person(db, key)
        if name is None or role is None:
            missing = [f for f, v in (("name", name), ("role", role)) if not v]
            raise MissingValue(f"a new person needs a {' and a '.join(missing)}", fields=missing)
        person = models.Person(key=key, name=check_name(name), role=check_role(role))
    policy = store_policy(db)
    permit(who, policy, "manage_people", f"registering or changing a person ({key})")
    created = person.id is None
    before = facts(person) if not created else dict.fromkeys(RECORDED)
    if name is not None:
        person.name = check_name(name)
    if role is not None:
        person.role = check_role(role)
    if email is not None:
        person.email = check_email(email)
        check_address_free(db, person.email, key)
    if language is not None:
        person.language = check_language(language)
    if login is not None:
        _set_login(db, person, login, password)
    elif password is not None:
        raise MissingValue("a password is for a login: give the login too", fields=("login",))
    person.registered = True
    managers = policy["manage_people"]
    if who.role == ALL_ROLES and person.role not in managers:
        raise PermissionRefused(
            f"the first person registered must be one who may manage people "
            f"({' or '.join(managers)}), so that they can register the others",
            fields=("role",),
        )
    now = facts(person)
    changes = {field: [value, now[field]] for field, value in before.items() if now[field] != value}
    if "registered" in changes:  # a registration says everything the record will hold them to
        changes = {field: [value, now[field]] for field, value in before.items()}
    if not changes:
        return person, created
    db.add(person)
    db.flush()
    keep_a_manager(db, managers)
    record(
        db,
        who,
        models.PERSON,
        key,
        "registered" if "registered" in changes else "changed",
        changes,
    )
    return person, created


def keep_a_manager(db: Session, managers: tuple[str, ...]) -> None:
    """A shared store keeps one registered person who may manage people."""
    registered = select(models.Person.id).where(col(models.Person.registered).is_(True))
    if not managers or db.exec(registered.limit(1)).first() is None:
        return  # single-user: nobody to keep
    kept = db.exec(
        select(models.Person.id)
        .where(col(models.Person.registered).is_(True))
        .where(col(models.Person.role).in_(managers))
        .limit(1)
    ).first()
    if kept is None:
        raise PermissionRefused(
            f"nobody registered would be left to manage people ({' or '.join(managers)})",
            fields=("role",),
        )


def person_row(person: models.Person, responsible: list[str] | None = None) -> dict[str, Any]:
    """A person as `people list` shows one."""
    return {
        "key": person.key,
        "name": person.name,
        "role": person.role,
        "email": person.email,
        "language": person.language,
        "registered": person.registered,
        "login": person.login,
        "responsible": responsible or [],
    }


def listing(db: Session, plan_name: str | None = None) -> list[dict[str, Any]]:
    """Every person, with the activities of the plan (if any) they are responsible for."""
    any_plan = db.exec(select(models.Plan.id).limit(1)).first() is not None
    plan = current_plan(db, plan_name) if plan_name or any_plan else None
    responsible: dict[int, list[str]] = {}
    if plan is not None:
        for person_id, activity_key in db.exec(
            select(models.Responsibility.person_id, models.Activity.key)
            .join(
                models.Activity,
                col(models.Activity.id) == col(models.Responsibility.activity_id),
            )
            .where(models.Activity.plan_id == plan.id)
            .order_by(col(models.Activity.position))
        ):
            responsible.setdefault(person_id, []).append(activity_key)
    return [
        person_row(person, responsible.get(person.id or 0, []))
        for person in db.exec(select(models.Person).order_by(col(models.Person.key)))
    ]


def assign(
    db: Session, plan: models.Plan, person_key: str, activity_key: str, *, actor: str
) -> bool:
    """Make a person responsible for an activity; False when they were already.

    The plan's policy says who may (`assign`); the change is a row in the chain.
    """
    store.lock_for_write(db)
    who = identify(db, actor)
    person = find_person(db, person_key)
    activity = find_activity(db, plan, activity_key)
    permit(who, plan_policy(plan), "assign")
    if db.get(models.Responsibility, (activity.id, person.id)) is not None:
        return False
    assert activity.id is not None and person.id is not None
    db.add(models.Responsibility(activity_id=activity.id, person_id=person.id))
    db.flush()
    record(
        db,
        who,
        models.ASSIGNMENT,
        activity.key,
        "assigned",
        {"responsible": [None, person.key]},
        plan_id=plan.id,
    )
    return True


def unassign(
    db: Session, plan: models.Plan, person_key: str, activity_key: str, *, actor: str
) -> None:
    """Remove a person from an activity's responsible people (as `assign`: policy, chain)."""
    store.lock_for_write(db)
    who = identify(db, actor)
    person = find_person(db, person_key)
    activity = find_activity(db, plan, activity_key)
    permit(who, plan_policy(plan), "assign")
    link = db.get(models.Responsibility, (activity.id, person.id))
    if link is None:
        raise NotFound(f"{person_key} is not responsible for {activity_key}")
    db.delete(link)
    db.flush()
    record(
        db,
        who,
        models.ASSIGNMENT,
        activity.key,
        "unassigned",
        {"responsible": [person.key, None]},
        plan_id=plan.id,
    )
