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
from cam_tracker.core.text import MAX_SYMBOL, check_name, clean_line, languages, quoted
from cam_tracker.core.text import check_email as check_email  # one check, used here and in outbox
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


def find_person(db: Session, key: str, plan: models.Plan | None = None) -> models.Person:
    """A person by key; with a plan, the key its file names them by first (its `chair`)."""
    from cam_tracker.app.bodies import plan_person

    person = plan_person(db, plan, key) if plan is not None else None
    if person is None:
        person = db.exec(select(models.Person).where(models.Person.key == key)).first()
    if person is None:
        keys = db.exec(select(models.Person.key))
        raise NotFound(f"no person {key!r}{did_you_mean(key, keys)}")
    return person


# What a person's row in the chain says about them (`audit.verify` checks the first three).
RECORDED = ("registered", "role", "email", "name", "language", "title", "country")


def facts(person: models.Person) -> dict[str, Any]:
    """A person's recorded fields, as a change row carries them."""
    return {name: getattr(person, name) for name in RECORDED}


def check_address_free(db: Session, email: str, key: str) -> None:
    """An address belongs to one person (compared without case): `--as EMAIL` names one."""
    owner = db.exec(
        select(models.Person.key)
        .where(func.lower(col(models.Person.email)) == email.lower())
        .where(models.Person.key != key)
        .where(col(models.Person.removed).is_(False))
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
    title: str | None = None,
    country: str | None = None,
    body: str | None = None,
) -> tuple[models.Person, bool]:
    """Register a person (or, with `update`, change one); returns it and whether it is new.

    With `body`, the role is what they are to that body (a membership across its
    plans), not what they are everywhere; without it, a new role is theirs
    wherever they held the role they had. A removed person's key may be
    registered again, as a new registration.

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
    revived = person is not None and person.removed and not update
    if person is not None and not update and not revived:
        raise InvalidInput(f"person {key!r} exists already", fields=("update",))
    if person is not None and person.removed and update:
        raise NotFound(f"person {key!r} was removed: register them again without --update")
    if revived:
        assert person is not None
        if name is None or role is None:
            missing = [f for f, v in (("name", name), ("role", role)) if not v]
            raise MissingValue(f"a new person needs a {' and a '.join(missing)}", fields=missing)
        person.removed = False
    if person is None:
        if update:
            find_person(db, key)
        if name is None or role is None:
            missing = [f for f, v in (("name", name), ("role", role)) if not v]
            raise MissingValue(f"a new person needs a {' and a '.join(missing)}", fields=missing)
        person = models.Person(key=key, name=check_name(name), role=check_role(role))
    policy = store_policy(db)
    permit(who, policy, "manage_people", f"registering or changing a person ({key})")
    created = person.id is None or revived
    before = facts(person) if person.id is not None else dict.fromkeys(RECORDED)
    if revived:
        before["registered"] = None
    if name is not None:
        person.name = check_name(name)
    member_of = None
    if body is not None:
        from cam_tracker.app.bodies import find_body

        member_of = find_body(db, body)
        if role is None:
            raise MissingValue(f"a role in {member_of.short} is needed", fields=("role",))
    if role is not None and (member_of is None or person.id is None):
        previous = person.role
        person.role = check_role(role)
        if person.id is not None and member_of is None:
            for membership in db.exec(
                select(models.Membership)
                .where(models.Membership.person_id == person.id)
                .where(models.Membership.role == previous)
            ):
                membership.role = person.role
                db.add(membership)
    if title is not None:
        person.title = clean_line(title, "title", MAX_SYMBOL) or None
    if country is not None:
        person.country = clean_line(country, "country", MAX_SYMBOL) or None
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
    if member_of is not None and role is not None:
        db.add(person)
        db.flush()
        change = _join(db, person, member_of, check_role(role))
        if change is not None:
            changes[f"role in {member_of.short}"] = change
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


def _join(
    db: Session, person: models.Person, body: models.Body, role: str
) -> list[str | None] | None:
    """The person's role in the body across its plans: [before, after], None if the same."""
    membership = db.exec(
        select(models.Membership)
        .where(models.Membership.person_id == person.id)
        .where(models.Membership.body_id == body.id)
        .where(col(models.Membership.plan_id).is_(None))
    ).first()
    if membership is not None and membership.role == role:
        return None
    before = membership.role if membership is not None else None
    if membership is None:
        assert person.id is not None and body.id is not None
        membership = models.Membership(person_id=person.id, body_id=body.id, role=role)
    membership.role = role
    db.add(membership)
    db.flush()
    return [before, role]


def remove(db: Session, key: str, *, actor: str) -> models.Person:
    """Remove a person: never a recipient, an actor or responsible again; their record stays.

    The person's row stays (the steps they did, the reminders they were sent
    name them) and so do their memberships (the body's officers of the past);
    their responsibilities end. The removal is a row in the chain, with what
    they were responsible for. The last person who may manage people stays.
    """
    check_key(key)
    store.lock_for_write(db)
    who = identify(db, actor)
    person = find_person(db, key)
    if person.removed:
        raise NotFound(f"person {key!r} was removed already")
    policy = store_policy(db)
    permit(who, policy, "manage_people", f"removing a person ({key})")
    links = list(
        db.exec(
            select(models.Responsibility, models.Activity)
            .join(
                models.Activity,
                col(models.Activity.id) == col(models.Responsibility.activity_id),
            )
            .where(models.Responsibility.person_id == person.id)
            .order_by(col(models.Activity.plan_id), col(models.Activity.position))
        )
    )
    responsible = [activity.key for _link, activity in links]
    for link, _activity in links:
        db.delete(link)
    was_registered = person.registered
    person.registered = False
    person.removed = True
    db.add(person)
    db.flush()
    keep_a_manager(db, policy["manage_people"])
    record(
        db,
        who,
        models.PERSON,
        person.key,
        "removed",
        {
            "registered": [was_registered, False],
            "removed": [False, True],
            "responsible": [responsible, []],
        },
    )
    return person


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


def person_row(
    person: models.Person,
    responsible: list[str] | None = None,
    bodies: list[str] | None = None,
) -> dict[str, Any]:
    """A person as `people list` shows one (`bodies`: "CEAM chair (ceam-2009-2010)")."""
    return {
        "key": person.key,
        "name": person.name,
        "title": person.title,
        "country": person.country,
        "bodies": bodies or [],
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
    bodies: dict[int, list[str]] = {}
    for person_id, role, short, name in db.exec(
        select(
            models.Membership.person_id, models.Membership.role, models.Body.short, models.Plan.name
        )
        .join(models.Body, col(models.Body.id) == col(models.Membership.body_id))
        .outerjoin(models.Plan, col(models.Plan.id) == col(models.Membership.plan_id))
        .order_by(col(models.Body.short), col(models.Membership.id))
    ):
        bodies.setdefault(person_id, []).append(f"{short} {role}" + (f" ({name})" if name else ""))
    return [
        person_row(person, responsible.get(person.id or 0, []), bodies.get(person.id or 0, []))
        for person in db.exec(
            select(models.Person)
            .where(col(models.Person.removed).is_(False))
            .order_by(col(models.Person.key))
        )
    ]


def assign(
    db: Session, plan: models.Plan, person_key: str, activity_key: str, *, actor: str
) -> bool:
    """Make a person responsible for an activity; False when they were already.

    The plan's policy says who may (`assign`); the change is a row in the chain.
    """
    store.lock_for_write(db)
    who = identify(db, actor, plan)
    person = find_person(db, person_key, plan)
    if person.removed:
        raise InvalidInput(f"{person.key} was removed: register them again first")
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
    who = identify(db, actor, plan)
    person = find_person(db, person_key, plan)
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
