"""Loading a plan file into the store: create it, or update it in place keeping every record.

The file is the plan; the store is the record. A reload applies what the
file says except where the record says otherwise, and then it says so:
a milestone or a session moved by a recorded move (`History.moved_*`) stays
where the move put it; a held session keeps its day. What a reload cannot
apply without hiding a record it refuses, with the reason: a session with a
record gone from the file, a kind that lacks states the activity has been
in, another file that carries the same plan name (unless it replaces it).

Who may load or reload a plan is a policy (`load_plan`: the plan's own for a
reload, the store's for a new plan); each load is a row in the history chain
with the file's source and digest. A registered person belongs to the store,
not to the file: a reload changes their role, address, name or language only
when the loader may manage people, and then each change is a row in the
chain; otherwise the store's values stay and the report says what the file
says differently.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from cam_tracker import store
from cam_tracker.app import documents
from cam_tracker.app.authorization import (
    Actor,
    identify,
    permit,
    plan_policy,
    record,
    store_policy,
)
from cam_tracker.app.bodies import slug
from cam_tracker.app.people import check_address_free, facts, keep_a_manager
from cam_tracker.core.dates import local_day
from cam_tracker.core.errors import (
    CamError,
    InvalidDefinition,
    PermissionRefused,
    TransitionRefused,
    did_you_mean,
)
from cam_tracker.core.settings import actor_name
from cam_tracker.files import workflow
from cam_tracker.files.plan import (
    SESSION_DETAILS,
    PlanSpec,
    _SessionSpec,
    bundled_plans,
    read_plan_kinds,
    report_texts,
    resolve_source,
)
from cam_tracker.store import models


@dataclass
class LoadReport:
    """What loading a plan changed, and what it kept because the record says otherwise.

    Activities and sessions are named by key; milestones as "SESSION ACTIVITY
    EVENT"; each entry of `kept` is one sentence.
    """

    plan: str
    created: bool
    source: str = ""
    # The source the plan was loaded from before, when this load replaced it.
    replaced: str | None = None
    details_updated: bool = False
    activities_added: list[str] = field(default_factory=list)
    activities_updated: list[str] = field(default_factory=list)
    activities_missing: list[str] = field(default_factory=list)
    kinds_changed: dict[str, tuple[str, str]] = field(default_factory=dict)
    sessions_added: list[str] = field(default_factory=list)
    sessions_updated: list[str] = field(default_factory=list)
    sessions_missing: list[str] = field(default_factory=list)
    milestones_added: list[str] = field(default_factory=list)
    milestones_updated: list[str] = field(default_factory=list)
    milestones_removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    milestones: int = 0
    unchanged: bool = False
    documents_added: list[str] = field(default_factory=list)
    documents_updated: list[str] = field(default_factory=list)


def load(
    db: Session, name_or_path: str, *, actor: str | None = None, replace: bool = False
) -> LoadReport:
    """Load a bundled plan or a file into the store; a reload updates and keeps history.

    A plan already loaded from another source (another file carrying the
    same `name:`) is replaced only with `replace`.
    """
    path = resolve_source(name_or_path)
    spec, kinds = read_plan_kinds(path)
    texts = report_texts(spec, path)
    # The report's sections are part of what was loaded: editing one is a change to reload.
    hashed = hashlib.sha256(path.read_bytes())
    for section in sorted(texts):
        for lang in sorted(texts[section]):
            hashed.update(f"\0{section}\0{lang}\0{texts[section][lang]}".encode())
    digest = hashed.hexdigest()
    bundled = bundled_plans().get(path.stem) == path
    source = f"bundled:{path.stem}" if bundled else str(path.resolve())
    return _upsert(db, spec, source, digest, actor=actor, replace=replace, kinds=kinds, texts=texts)


def describe_source(source: str) -> str:
    """A plan's source as a reader knows it: a bundled plan's name, or a file."""
    return (
        f"bundled plan {source.removeprefix('bundled:')}"
        if source.startswith("bundled:")
        else source
    )


def _same_source(stored: str, source: str) -> bool:
    """Whether two sources name one file (a path stored before paths were resolved counts)."""
    if stored == source:
        return True
    if stored.startswith("bundled:") or source.startswith("bundled:"):
        return False
    return Path(stored).resolve() == Path(source)


def _upsert(
    db: Session,
    spec: PlanSpec,
    source: str,
    digest: str,
    *,
    actor: str | None = None,
    replace: bool = False,
    kinds: workflow.Kinds | None = None,
    texts: dict[str, dict[str, str]] | None = None,
) -> LoadReport:
    """Create or update the plan; `actor` is who loads it (default: `core.settings.actor_name`).

    `kinds` are the workflow kinds the plan uses (default: the installed ones); they are
    kept with the plan, and a reload that changes them is a change even when the file
    is the same.
    """
    kinds = kinds or workflow.installed()
    store.lock_for_write(db)
    plan = db.exec(select(models.Plan).where(models.Plan.name == spec.name)).first()
    who = identify(db, actor or actor_name(None), plan)
    permit(who, plan_policy(plan) if plan is not None else store_policy(db), "load_plan")
    report = LoadReport(plan=spec.name, created=plan is None, source=source)
    before: dict[str, Any] = (
        {"source": plan.source, "digest": plan.digest} if plan is not None else {}
    )
    if plan is not None and not _same_source(plan.source, source):
        if not replace:
            raise TransitionRefused(
                f"plan {spec.name} was loaded from {describe_source(plan.source)}; loading it "
                f"from {describe_source(source)} would replace it",
                fields=("replace",),
            )
        report.replaced = plan.source
    if plan is not None and plan.digest == digest and plan.workflows == kinds.stored:
        report.unchanged = True
        if report.replaced is not None:
            plan.source = source
            db.add(plan)
            _record_load(db, who, plan, before, created=False)
        return report
    if plan is None:
        plan = models.Plan(
            name=spec.name,
            title={},
            body={},
            period_start="",
            period_end="",
            general_assembly={},
            source=source,
            digest=digest,
        )
    details = (
        spec.title,
        spec.body.model_dump(exclude_none=True),
        spec.period.start,
        spec.period.end,
        spec.general_assembly,
        spec.timezone,
    )
    report.details_updated = not report.created and details != (
        plan.title,
        plan.body,
        plan.period_start,
        plan.period_end,
        plan.general_assembly,
        plan.timezone,
    )
    plan.title = spec.title
    plan.body = spec.body.model_dump(exclude_none=True)
    plan.period_start = spec.period.start
    plan.period_end = spec.period.end
    plan.general_assembly = spec.general_assembly
    plan.timezone = spec.timezone
    plan.publish_notes = spec.publish.notes
    plan.report = _report(spec, texts or {})
    plan.source = source
    plan.digest = digest
    before["policy"] = plan.policy
    plan.policy = spec.policy.model_dump(exclude_none=True) if spec.policy else None
    before["symbols"], before["documents_policy"] = plan.symbols, plan.documents_policy
    plan.symbols = dict(spec.symbols) if spec.symbols is not None else None
    plan.documents_policy = spec.documents_policy.model_dump() if spec.documents_policy else None
    plan.loaded_at = models.utcnow()
    previous_kinds = dict((plan.workflows or {}).get("kinds", {}))
    plan.workflows = kinds.stored
    body = _upsert_body(db, spec)
    moved = plan.body_id is not None and plan.body_id != body.id
    plan.body_id = body.id
    plan.follows = _followed(db, spec, body, source)
    plan.distribution = spec.reminders.distribution if spec.reminders else None
    db.add(plan)
    db.flush()
    assert plan.id is not None
    if moved:  # the file names another body now: the plan's people go with it
        for membership in db.exec(
            select(models.Membership).where(models.Membership.plan_id == plan.id)
        ):
            membership.body_id = body.id or 0
            db.add(membership)
    _record_load(db, who, plan, before, created=report.created)
    people = _upsert_people(db, spec, who, report, plan, body)
    paragraphs = _upsert_mandates(db, plan.id, spec)
    _check_changed_kinds(db, plan.id, spec, kinds, previous_kinds)
    activities = _upsert_activities(db, plan.id, spec, paragraphs, people, report, kinds)
    _link_continued(db, spec, activities, source)
    _upsert_sessions(db, plan, spec, activities, report)
    report.documents_added, report.documents_updated = documents.load(db, plan, spec.documents, who)
    db.flush()
    return report


def _report(spec: PlanSpec, texts: dict[str, dict[str, str]]) -> dict[str, Any] | None:
    """The plan's `report:` as stored: its registration, dates as ISO text, and the
    sections' Markdown (`texts`) in place of their file names."""
    if spec.report is None:
        return None
    stored = spec.report.model_dump(mode="json", exclude_none=True, exclude={"sections"})
    stored["sections"] = texts
    return stored


def _record_load(
    db: Session, who: Actor, plan: models.Plan, before: dict[str, Any], *, created: bool
) -> None:
    """A load in the chain: the file's source and digest, and the policy when it changed."""
    after: dict[str, Any] = {"source": plan.source, "digest": plan.digest, "policy": plan.policy}
    # The rules of its document register, like its policy, when they change.
    after.update(symbols=plan.symbols, documents_policy=plan.documents_policy)
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if name in ("source", "digest") or before.get(name) != value
    }
    action = "loaded" if created else "reloaded"
    record(db, who, models.PLAN, plan.name, action, changes, plan_id=plan.id)


def _file(source: str) -> str:
    """How a load's refusal names the file: its path, or the bundled plan's name."""
    return source.removeprefix("bundled:")


def _upsert_body(db: Session, spec: PlanSpec) -> models.Body:
    """The plan's body, by its short name: created, or its labels taken from this file."""
    body = db.exec(select(models.Body).where(models.Body.short == spec.body.short)).first()
    if body is None:
        body = models.Body(short=spec.body.short, name={})
    body.name = dict(spec.body.name)
    body.parent = dict(spec.body.parent) if spec.body.parent else None
    body.organization = dict(spec.body.organization) if spec.body.organization else None
    db.add(body)
    db.flush()
    return body


def _followed(db: Session, spec: PlanSpec, body: models.Body, source: str) -> str | None:
    """The plan this one follows: of the same body, and never, through others, itself."""
    if spec.follows is None:
        return None
    name: str | None = spec.follows
    seen = {spec.name}
    while name is not None:
        followed = db.exec(select(models.Plan).where(models.Plan.name == name)).first()
        if followed is None:
            break
        if name == spec.follows and followed.body_id not in (None, body.id):
            short = followed.body.get("short", "?")
            raise InvalidDefinition(
                f"{_file(source)}: follows: {spec.follows} is a plan of {short}, "
                f"not of {body.short}"
            )
        if followed.name in seen:
            raise InvalidDefinition(
                f"{_file(source)}: follows: {spec.follows} follows, in turn, {spec.name}"
            )
        seen.add(followed.name)
        name = followed.follows
    return spec.follows


def _link_continued(
    db: Session, spec: PlanSpec, activities: dict[str, models.Activity], source: str
) -> None:
    """Each activity that carries on one of the followed plan points at it (loaded first)."""
    for index, activity_spec in enumerate(spec.activities):
        activity = activities[activity_spec.key]
        target_id = None
        if activity_spec.continues is not None:
            plan_name, _, key = activity_spec.continues.partition("/")
            where = f"{_file(source)}: activities.{index}.continues"
            followed = db.exec(select(models.Plan).where(models.Plan.name == plan_name)).first()
            if followed is None:
                raise InvalidDefinition(
                    f"{where}: plan {plan_name} is not loaded: load it first "
                    f"(`cam plan load {plan_name}`)"
                )
            target = db.exec(
                select(models.Activity)
                .where(models.Activity.plan_id == followed.id)
                .where(models.Activity.key == key)
            ).first()
            if target is None:
                keys = db.exec(
                    select(models.Activity.key).where(models.Activity.plan_id == followed.id)
                )
                raise InvalidDefinition(
                    f"{where}: no activity {key!r} in {plan_name}{did_you_mean(key, keys)}"
                )
            target_id = target.id
        if activity.continues_id != target_id:
            activity.continues_id = target_id
            db.add(activity)
    db.flush()


def _person_for(
    db: Session,
    plan: models.Plan,
    body: models.Body,
    person_spec: Any,
    declared: dict[str, models.Membership],
) -> models.Person:
    """The store's person a plan file's entry names (a new one if nobody is them).

    The same person when this plan named them so before; when the address and
    the name are theirs (a person is a person once; an address alone is refused
    as someone else's); when the key is theirs and they are
    nobody else's — no body's but this one, and in this body either registered
    or under the same name (a chair who carries on into the next year's plan).
    Anyone else is a new person, keyed by the file's key if free, else by the
    body's short name and the key (`ceam-chair`), else by the plan's name and the key.
    """
    membership = declared.get(person_spec.key)
    if membership is not None:
        found = db.get(models.Person, membership.person_id)
        if found is not None:
            return found
    if person_spec.email:
        found = db.exec(
            select(models.Person).where(
                func.lower(col(models.Person.email)) == person_spec.email.lower()
            )
        ).first()
        if found is not None and not found.removed and found.name == person_spec.name:
            return found
    same_key = db.exec(select(models.Person).where(models.Person.key == person_spec.key)).first()
    if same_key is not None and not same_key.removed:
        bodies = set(
            db.exec(
                select(models.Membership.body_id).where(models.Membership.person_id == same_key.id)
            )
        )
        if not bodies or (
            bodies == {body.id} and (same_key.registered or same_key.name == person_spec.name)
        ):
            return same_key
    candidates = [
        person_spec.key,
        f"{slug(body.short)}-{person_spec.key}",
        f"{plan.name}-{person_spec.key}",
    ]
    taken = set(db.exec(select(models.Person.key).where(col(models.Person.key).in_(candidates))))
    key = next((k for k in candidates if k not in taken), None)
    number = 2
    while key is None:
        candidate = f"{plan.name}-{person_spec.key}-{number}"
        if db.exec(select(models.Person.id).where(models.Person.key == candidate)).first() is None:
            key = candidate
        number += 1
    return models.Person(key=key, name=person_spec.name, role=person_spec.role)


def _upsert_people(
    db: Session,
    spec: PlanSpec,
    who: Actor,
    report: LoadReport,
    plan: models.Plan,
    body: models.Body,
) -> dict[str, int]:
    """The file's people, as members of the plan's body: new ones added; registered ones
    changed only by who manages people; each one's membership for this plan as the file
    says (the role kept as registered when the file may not change it)."""
    declared = {
        m.key or "": m
        for m in db.exec(select(models.Membership).where(models.Membership.plan_id == plan.id))
    }
    may_manage = _may_manage_people(db, who)
    ids = {}
    for index, person_spec in enumerate(spec.people):
        person = _person_for(db, plan, body, person_spec, declared)
        said = {
            "name": person_spec.name,
            "role": person_spec.role,
            "email": person_spec.email or person.email,
            "language": person_spec.language,
            "title": person_spec.title or person.title,
            "country": person_spec.country or person.country,
        }
        if person_spec.email:
            try:
                check_address_free(db, person_spec.email, person.key)
            except CamError as exc:
                raise InvalidDefinition(f"people.{index}.email: {exc}") from None
        if person.removed:
            report.kept.append(f"person {person.key}: removed; the file still names them")
            said = {}
        elif person.registered:
            differs = {k: v for k, v in said.items() if getattr(person, k) != v}
            if differs and not may_manage:
                report.kept.append(
                    f"person {person.key}: "
                    + ", ".join(f"{k} {getattr(person, k)}" for k in differs)
                    + " as registered; the file says "
                    + ", ".join(str(v) for v in differs.values())
                )
                said = {}
            elif differs:
                before = facts(person)
                for name, value in differs.items():
                    setattr(person, name, value)
                record(
                    db,
                    who,
                    models.PERSON,
                    person.key,
                    "changed",
                    {k: [before[k], getattr(person, k)] for k in differs if k in before},
                    note="from the plan file",
                )
                said = {}
        for name, value in said.items():
            setattr(person, name, value)
        db.add(person)
        db.flush()
        assert person.id is not None
        ids[person_spec.key] = person.id
        membership = declared.pop(person_spec.key, None)
        if membership is None or membership.person_id != person.id:
            if membership is not None:
                db.delete(membership)
                db.flush()
            membership = db.exec(
                select(models.Membership)
                .where(models.Membership.plan_id == plan.id)
                .where(models.Membership.person_id == person.id)
            ).first() or models.Membership(
                person_id=person.id, body_id=body.id or 0, plan_id=plan.id, role=""
            )
        membership.key = person_spec.key
        membership.body_id = body.id or 0
        membership.role = person.role if person.registered else person_spec.role
        membership.since = person_spec.since
        membership.until = person_spec.until
        membership.elected_on = person_spec.elected_on
        membership.elected = person_spec.elected
        db.add(membership)
        db.flush()
    for gone in declared.values():  # no longer in the file: no longer the plan's
        db.delete(gone)
    db.flush()
    if may_manage:
        keep_a_manager(db, store_policy(db)["manage_people"])
    return ids


def _may_manage_people(db: Session, who: Actor) -> bool:
    try:
        permit(who, store_policy(db), "manage_people")
    except PermissionRefused:
        return False
    return True


def _upsert_mandates(db: Session, plan_id: int, spec: PlanSpec) -> dict[str, int]:
    mandates = {
        m.key: m for m in db.exec(select(models.Mandate).where(models.Mandate.plan_id == plan_id))
    }
    paragraph_ids: dict[str, int] = {}
    for position, mandate_spec in enumerate(spec.mandates):
        mandate = mandates.pop(mandate_spec.key, None) or models.Mandate(
            plan_id=plan_id, key=mandate_spec.key, symbol="", title={}
        )
        mandate.symbol = mandate_spec.symbol
        mandate.title = mandate_spec.title
        mandate.position = position
        db.add(mandate)
        db.flush()
        assert mandate.id is not None
        current = {
            p.number: p
            for p in db.exec(
                select(models.Paragraph).where(models.Paragraph.mandate_id == mandate.id)
            )
        }
        for p_position, paragraph_spec in enumerate(mandate_spec.paragraphs):
            paragraph = current.pop(paragraph_spec.number, None) or models.Paragraph(
                mandate_id=mandate.id, number=paragraph_spec.number, text={}
            )
            paragraph.text = paragraph_spec.text
            paragraph.kind = paragraph_spec.kind
            paragraph.position = p_position
            db.add(paragraph)
            db.flush()
            assert paragraph.id is not None
            paragraph_ids[f"{mandate.key}/{paragraph.number}"] = paragraph.id
        _delete_paragraphs(db, list(current.values()))
    for mandate in mandates.values():
        _delete_paragraphs(
            db,
            list(
                db.exec(select(models.Paragraph).where(models.Paragraph.mandate_id == mandate.id))
            ),
        )
        db.delete(mandate)
    return paragraph_ids


def _delete_paragraphs(db: Session, paragraphs: list[models.Paragraph]) -> None:
    """Mandate text has no history of its own: a paragraph gone from the file goes."""
    for paragraph in paragraphs:
        for link in db.exec(
            select(models.ActivityParagraph).where(
                models.ActivityParagraph.paragraph_id == paragraph.id
            )
        ):
            db.delete(link)
        db.delete(paragraph)
    db.flush()


def _upsert_activities(
    db: Session,
    plan_id: int,
    spec: PlanSpec,
    paragraphs: dict[str, int],
    people: dict[str, int],
    report: LoadReport,
    kinds: workflow.Kinds,
) -> dict[str, models.Activity]:
    existing = {
        a.key: a for a in db.exec(select(models.Activity).where(models.Activity.plan_id == plan_id))
    }
    kept: dict[str, models.Activity] = {}
    for position, activity_spec in enumerate(spec.activities):
        flow = kinds.get(activity_spec.kind)
        activity = existing.pop(activity_spec.key, None)
        if activity is None:
            activity = models.Activity(
                plan_id=plan_id,
                key=activity_spec.key,
                number=activity_spec.number,
                title=activity_spec.title,
                kind=activity_spec.kind,
                state=flow.initial,
            )
            report.activities_added.append(activity_spec.key)
        else:
            if activity.kind != activity_spec.kind:
                _change_kind(db, activity, flow)
                report.kinds_changed[activity.key] = (activity.kind, activity_spec.kind)
            changed = (
                activity.number != activity_spec.number
                or activity.title != activity_spec.title
                or activity.kind != activity_spec.kind
                or activity.removed
            )
            if changed:
                report.activities_updated.append(activity.key)
            activity.number = activity_spec.number
            activity.title = activity_spec.title
            activity.kind = activity_spec.kind
            activity.removed = False
        activity.position = position
        db.add(activity)
        kept[activity.key] = activity
    db.flush()  # the new activities' ids, in one statement
    ids = [activity.id for activity in kept.values()]
    links: dict[int, dict[int, models.ActivityParagraph]] = defaultdict(dict)
    for link in db.exec(
        select(models.ActivityParagraph).where(col(models.ActivityParagraph.activity_id).in_(ids))
    ):
        links[link.activity_id][link.paragraph_id] = link
    responsible: dict[int, dict[int, models.Responsibility]] = defaultdict(dict)
    for duty in db.exec(
        select(models.Responsibility).where(col(models.Responsibility.activity_id).in_(ids))
    ):
        responsible[duty.activity_id][duty.person_id] = duty
    for activity_spec in spec.activities:
        activity_id = kept[activity_spec.key].id
        assert activity_id is not None
        serves = {paragraphs[ref] for ref in activity_spec.serves}
        for paragraph_id, link in links[activity_id].items():
            if paragraph_id not in serves:
                db.delete(link)
        for paragraph_id in serves - set(links[activity_id]):
            db.add(models.ActivityParagraph(activity_id=activity_id, paragraph_id=paragraph_id))
        wanted = {people[person_key] for person_key in activity_spec.responsible}
        for person_id, duty in responsible[activity_id].items():
            if person_id not in wanted:
                db.delete(duty)
        for person_id in wanted - set(responsible[activity_id]):
            db.add(models.Responsibility(activity_id=activity_id, person_id=person_id))
    for missing in existing.values():
        if not missing.removed:
            missing.removed = True
            db.add(missing)
            report.activities_missing.append(missing.key)
    return kept


def _check_changed_kinds(
    db: Session, plan_id: int, spec: PlanSpec, kinds: workflow.Kinds, previous: dict[str, Any]
) -> None:
    """A kind whose definition changed must still have every state an activity of it is in,
    or was in: else its record would name states the plan no longer knows.

    An activity never advanced that sits in a state gone (the initial renamed) starts
    the kind afresh. A plan kept before its kinds were (`previous` empty) is checked too.
    """
    said = {a.key: a.kind for a in spec.activities}
    activities = [
        a
        for a in db.exec(select(models.Activity).where(models.Activity.plan_id == plan_id))
        if a.kind in kinds
        and said.get(a.key, a.kind) == a.kind  # a change of kind is `_change_kind`'s
        and kinds.stored["kinds"].get(a.kind) != previous.get(a.kind, object())
    ]
    if not activities:
        return
    been: dict[int, list[str]] = defaultdict(list)
    for activity_id, from_state, to_state in db.exec(
        select(models.History.activity_id, models.History.from_state, models.History.to_state)
        .where(col(models.History.activity_id).in_([a.id for a in activities]))
        .order_by(col(models.History.id))
    ):
        been[activity_id].extend((from_state, to_state))
    for activity in activities:
        flow = kinds.get(activity.kind)
        history = been.get(activity.id or 0, [])
        if not history:
            if activity.state not in flow.states:
                activity.state = flow.initial
                activity.resume_state = None
                db.add(activity)
            continue
        states = [*history, activity.state, activity.resume_state]
        for state in dict.fromkeys(s for s in states if s):
            if state not in flow.states:
                origin = kinds.origin(activity.kind)
                raise InvalidDefinition(
                    f"activity {activity.key} is or was in state {state!r}, which kind "
                    f"{activity.kind!r} ({origin}: {kinds.sources.get(activity.kind, '')}) "
                    "no longer has: keep the state, or change the kind of the activity"
                )


def _change_kind(db: Session, activity: models.Activity, flow: workflow.Workflow) -> None:
    """An activity may change kind if the new kind has every state it has been in.

    Its history then reads in the new kind, and a postponed activity can still
    resume to the state it left. One never advanced starts the new kind afresh.
    """
    steps = list(
        db.exec(
            select(models.History.from_state, models.History.to_state)
            .where(models.History.activity_id == activity.id)
            .order_by(col(models.History.at), col(models.History.id))
        )
    )
    if not steps:
        activity.state = flow.initial
        activity.resume_state = None
        return
    been = [state for pair in steps for state in pair]
    been += [activity.state] + ([activity.resume_state] if activity.resume_state else [])
    missing = [state for state in dict.fromkeys(been) if state not in flow.states]
    if missing:
        raise InvalidDefinition(
            f"activity {activity.key} has history in states {', '.join(missing)} "
            f"that kind {flow.kind!r} does not have"
        )


@dataclass
class _Moves:
    """The moves recorded in the plan's history, in the order they were written."""

    sessions: dict[int, models.History]  # a session's last move, by session id
    milestones: dict[tuple[int, str], list[models.History]]  # by (activity id, event)

    def placed(self, milestone: models.Milestone) -> models.History | None:
        """The recorded move that put a milestone at its session, if one did.

        Its month may have changed since, with its session's (`cam session reschedule`).
        """
        if milestone.event is None:
            return None
        rows = self.milestones.get((milestone.activity_id, milestone.event), [])
        return next((row for row in reversed(rows) if row.session_id == milestone.session_id), None)

    def origin(self, milestone: models.Milestone, last: models.History) -> str:
        """The month a moved milestone was planned for before its first recorded move."""
        assert milestone.event is not None
        rows = self.milestones.get((milestone.activity_id, milestone.event), [])
        month = last.moved_from or ""
        for row in reversed([r for r in rows if (r.id or 0) < (last.id or 0)]):
            if row.moved_to == month:
                month = row.moved_from or month
        return month


def _recorded_moves(db: Session, plan_id: int) -> _Moves:
    moves = _Moves(sessions={}, milestones=defaultdict(list))
    for row in db.exec(
        select(models.History)
        .join(models.Activity, col(models.Activity.id) == col(models.History.activity_id))
        .where(models.Activity.plan_id == plan_id)
        .where(col(models.History.moved_from).is_not(None))
        .order_by(col(models.History.id))
    ):
        if row.moved_event is None:
            if row.session_id is not None:
                moves.sessions[row.session_id] = row
        else:
            moves.milestones[row.activity_id, row.moved_event].append(row)
    return moves


def _day(row: models.History, plan: models.Plan) -> str:
    """The day a history row was written for, in the plan's time zone."""
    return local_day(row.at, plan.timezone).isoformat()


def _refuse_hiding(db: Session, gone: list[models.Meeting]) -> None:
    """A session with a record cannot leave the file: its record would be hidden with it.

    Its record is its being held, a step or move recorded at it, or a
    milestone reached there. Renaming its key in the file would also let it be
    held a second time under the new key.
    """
    for meeting in gone:
        if meeting.held_on is not None:
            raise InvalidDefinition(
                f"session {meeting.key} was held on {meeting.held_on} and is gone from the file: "
                "keep its key"
            )
        steps, moves = db.exec(
            select(
                func.count().filter(col(models.History.moved_from).is_(None)),
                func.count().filter(col(models.History.moved_from).is_not(None)),
            ).where(models.History.session_id == meeting.id)
        ).one()
        reached = db.exec(
            select(func.count())
            .select_from(models.Milestone)
            .where(models.Milestone.session_id == meeting.id)
            .where(col(models.Milestone.done_history_id).is_not(None))
        ).one()
        record = [
            f"{count} {what}{'' if count == 1 else 's'}"
            for count, what in ((steps, "step"), (moves, "move"), (reached, "milestone reached"))
            if count
        ]
        if record:
            raise InvalidDefinition(
                f"session {meeting.key} has a record ({', '.join(record)}) and is gone from "
                "the file: keep its key"
            )


def _when(meeting: models.Meeting) -> str:
    return meeting.date.isoformat() if meeting.date is not None else meeting.month


def _upsert_sessions(
    db: Session,
    plan: models.Plan,
    spec: PlanSpec,
    activities: dict[str, models.Activity],
    report: LoadReport,
) -> None:
    assert plan.id is not None
    existing = {
        s.key: s for s in db.exec(select(models.Meeting).where(models.Meeting.plan_id == plan.id))
    }
    in_file = {session_spec.key for session_spec in spec.sessions}
    gone = [m for key, m in existing.items() if key not in in_file and not m.removed]
    _refuse_hiding(db, gone)
    moves = _recorded_moves(db, plan.id)
    set_by_command = _details_set(db, plan.id)
    meetings: list[tuple[models.Meeting, _SessionSpec, str]] = []
    for position, session_spec in enumerate(spec.sessions):
        meeting = existing.pop(session_spec.key, None)
        if meeting is None:
            meeting = models.Meeting(
                plan_id=plan.id,
                key=session_spec.key,
                month=session_spec.month,
                date=session_spec.date,
                kind=session_spec.kind,
                title=session_spec.title,
            )
            report.sessions_added.append(session_spec.key)
        old_month = meeting.month
        before = (
            meeting.kind,
            meeting.title,
            list(meeting.mandates),
            meeting.removed,
            _when(meeting),
            _details(meeting),
        )
        _date_session(meeting, session_spec, moves, plan, report)
        _place_session(meeting, session_spec, set_by_command.get(meeting.key, {}), report)
        meeting.kind = session_spec.kind
        meeting.title = session_spec.title
        meeting.mandates = list(session_spec.mandates)
        meeting.removed = False
        meeting.position = position
        after = (
            meeting.kind,
            meeting.title,
            list(meeting.mandates),
            meeting.removed,
            _when(meeting),
            _details(meeting),
        )
        if meeting.id is not None and before != after:
            report.sessions_updated.append(meeting.key)
        db.add(meeting)
        db.flush()
        meetings.append((meeting, session_spec, old_month))
    keys = {
        a.id or 0: a.key
        for a in db.exec(select(models.Activity).where(models.Activity.plan_id == plan.id))
    }
    for missing in gone:
        missing.removed = True
        db.add(missing)
        report.sessions_missing.append(missing.key)
        # Its open agenda items go with it, as items gone from an agenda do.
        for milestone in db.exec(
            select(models.Milestone)
            .where(models.Milestone.session_id == missing.id)
            .where(col(models.Milestone.done_history_id).is_(None))
            .where(col(models.Milestone.waived_history_id).is_(None))
        ):
            report.milestones_removed.append(_name(milestone, missing.key, keys))
            db.delete(milestone)
    _upsert_agendas(db, plan, meetings, activities, moves, keys, report)


def _date_session(
    meeting: models.Meeting,
    session_spec: _SessionSpec,
    moves: _Moves,
    plan: models.Plan,
    report: LoadReport,
) -> None:
    """The file dates a session, unless the record says otherwise (and then the report says so).

    A held session keeps its day; a session moved by a recorded move keeps the
    day the move gave it; a day set in the store is kept where the file gives none.
    """
    says = session_spec.date.isoformat() if session_spec.date else session_spec.month
    if meeting.id is None:
        return
    differs = says != _when(meeting) and not (
        session_spec.date is None
        and meeting.date is not None
        and session_spec.month == meeting.month
    )
    if meeting.held_on is not None:
        if differs:
            report.kept.append(
                f"session {meeting.key} held on {meeting.held_on}; the file says {says}"
            )
        return
    move = moves.sessions.get(meeting.id or 0)
    if move is not None and move.moved_to == _when(meeting):
        if differs:
            report.kept.append(
                f"session {meeting.key} on {_when(meeting)}, where it was moved on "
                f"{_day(move, plan)}; the file says {says}"
            )
        return
    if session_spec.date is None and meeting.date is not None:
        if differs:
            report.kept.append(
                f"session {meeting.key} on {meeting.date}, as dated in the store; "
                f"the file says {says}"
            )
        return
    meeting.month = session_spec.month
    meeting.date = session_spec.date


def _details(meeting: models.Meeting) -> tuple[Any, ...]:
    """A session's time, place and programme, to tell whether a load changed them."""
    return (*(getattr(meeting, column) for column in SESSION_DETAILS.values()), meeting.programme)


def _details_set(db: Session, plan_id: int) -> dict[str, dict[str, Any]]:
    """What `cam session set` last gave each detail of each session of the plan (by the
    plan file's names: `start`, `room`…), from the recorded changes."""
    from cam_tracker.app.sessions import SET

    given: dict[str, dict[str, Any]] = defaultdict(dict)
    for key, changes in db.exec(
        select(models.Change.subject_key, models.Change.changes)
        .where(models.Change.subject == models.SESSION)
        .where(models.Change.plan_id == plan_id)
        .where(models.Change.action == SET)
        .order_by(col(models.Change.id))
    ):
        for name, pair in dict(changes or {}).items():
            if name in SESSION_DETAILS and isinstance(pair, list) and len(pair) == 2:
                given[key][name] = pair[1]
    return given


# Details that go together: a time is its start and its end, from one source.
_DETAIL_GROUPS = (("start", "end"), ("room",), ("building",), ("city",), ("modality",), ("link",))


def _place_session(
    meeting: models.Meeting,
    session_spec: _SessionSpec,
    set_by_command: dict[str, Any],
    report: LoadReport,
) -> None:
    """The file gives a session's time, place and programme, unless the record says otherwise.

    A detail the file gives is the file's. One it leaves out keeps the value
    `cam session set` gave it, while that value is still the session's (the
    report says so); otherwise it goes with the file. The start and the end
    are one time: both come from the file when it gives either. The programme
    is the file's alone.
    """
    says = session_spec.details()
    meeting.programme = [
        item.model_dump(exclude_none=True) for item in session_spec.programme
    ] or None
    for group in _DETAIL_GROUPS:
        columns = [SESSION_DETAILS[name] for name in group]
        if any(says[column] is not None for column in columns):
            for column in columns:
                setattr(meeting, column, says[column])
            continue
        kept = [
            name
            for name, column in zip(group, columns, strict=True)
            if getattr(meeting, column) is not None
            and name in set_by_command
            and set_by_command[name] == getattr(meeting, column)
        ]
        if kept == ["end"]:
            kept = []  # an end without its start is no time
        if kept:
            shown = ", ".join(f"{name} {getattr(meeting, SESSION_DETAILS[name])}" for name in kept)
            report.kept.append(
                f"session {meeting.key}: {shown} as set by command; the file gives none"
            )
        for name, column in zip(group, columns, strict=True):
            if name not in kept:
                setattr(meeting, column, None)


def _name(milestone: models.Milestone, session_key: str, keys: dict[int, str]) -> str:
    return f"{session_key} {keys.get(milestone.activity_id, '?')} {milestone.event or '(no event)'}"


def _upsert_agendas(
    db: Session,
    plan: models.Plan,
    meetings: list[tuple[models.Meeting, _SessionSpec, str]],
    activities: dict[str, models.Activity],
    moves: _Moves,
    keys: dict[int, str],
    report: LoadReport,
) -> None:
    """Match the file's agenda items to the milestones in the store, and keep the moved ones.

    An item matches a milestone of its session with the same activity and
    event. An item left unmatched whose milestone a recorded move put at
    another session (or month) is that milestone: it stays where the move put
    it, reached or not, and is not planned a second time. Milestones left
    over go, unless reached (a reached milestone is part of the record).
    """
    session_keys = {meeting.id or 0: meeting.key for meeting, _spec, _month in meetings}
    ids = list(session_keys)
    current = list(
        db.exec(
            select(models.Milestone)
            .where(col(models.Milestone.session_id).in_(ids))
            .order_by(col(models.Milestone.session_id), col(models.Milestone.position))
        )
    )
    # Free every position first: the file may reorder any agenda.
    for milestone in current:
        milestone.position = -1 - (milestone.id or 0)
        db.add(milestone)
    db.flush()
    free = {milestone.id: milestone for milestone in current}
    removed = 0
    planned: list[tuple[models.Meeting, list[models.Milestone | None], _SessionSpec, str]] = []
    unmatched: list[tuple[int, int]] = []  # (index in planned, index in agenda)
    for meeting, session_spec, old_month in meetings:
        row: list[models.Milestone | None] = []
        for item in session_spec.agenda:
            activity_id = activities[item.activity].id
            match = next(
                (
                    m
                    for m in free.values()
                    if m.session_id == meeting.id
                    and m.activity_id == activity_id
                    and m.event == item.event
                ),
                None,
            )
            if match is not None:
                del free[match.id]
            else:
                unmatched.append((len(planned), len(row)))
            row.append(match)
        planned.append((meeting, row, session_spec, old_month))
    # A milestone a recorded move put elsewhere is the file's unmatched item it came from.
    kept_moved: list[models.Milestone] = []
    for milestone in list(free.values()):
        move = moves.placed(milestone)
        if move is None:
            continue
        origin = moves.origin(milestone, move)
        candidates = [
            (p, i)
            for p, i in unmatched
            if activities[planned[p][2].agenda[i].activity].id == milestone.activity_id
            and planned[p][2].agenda[i].event == milestone.event
        ]
        if not candidates:
            continue
        p, i = next(
            (c for c in candidates if origin in (planned[c[0]][3], planned[c[0]][0].month)),
            candidates[0],
        )
        unmatched.remove((p, i))
        del free[milestone.id]
        milestone.text = planned[p][2].agenda[i].text
        kept_moved.append(milestone)
        report.kept.append(
            f"{keys[milestone.activity_id]} {milestone.event} at session "
            f"{session_keys[milestone.session_id]} ({milestone.planned_month}), where it was moved "
            f"from {origin} on {_day(move, plan)}; the file plans it at {planned[p][0].key}"
        )
    for p, (meeting, row, session_spec, old_month) in enumerate(planned):
        position = 0
        for i, item in enumerate(session_spec.agenda):
            match = row[i]
            if match is None:
                if (p, i) not in unmatched:
                    continue  # planned where a recorded move put it
                match = models.Milestone(
                    session_id=meeting.id or 0,
                    activity_id=activities[item.activity].id or 0,
                    position=position,
                    event=item.event,
                    text=item.text,
                    planned_month=meeting.month,
                )
                report.milestones_added.append(_name(match, meeting.key, keys))
            else:
                before = (match.text, match.planned_month)
                if match.planned_month == old_month:
                    match.planned_month = meeting.month
                elif match.planned_month != meeting.month:
                    move = moves.placed(match)
                    if move is not None:
                        report.kept.append(
                            f"{keys[match.activity_id]} {match.event} at session {meeting.key} "
                            f"planned for {match.planned_month}, where it was moved on "
                            f"{_day(move, plan)}; the file plans it for {meeting.month}"
                        )
                match.text = item.text
                if (match.text, match.planned_month) != before:
                    report.milestones_updated.append(_name(match, meeting.key, keys))
            match.position = position
            position += 1
            db.add(match)
        extras = [m for m in kept_moved if m.session_id == meeting.id]
        extras += [m for m in free.values() if m.session_id == meeting.id]
        for extra in sorted(extras, key=lambda m: m.id or 0):
            # A reached or waived milestone is part of the record: it stays.
            if (
                extra.done_history_id is None
                and extra.waived_history_id is None
                and extra.id in free
            ):
                report.milestones_removed.append(_name(extra, meeting.key, keys))
                removed += 1
                db.delete(extra)
                continue
            extra.position = position
            position += 1
            db.add(extra)
        db.flush()
    report.milestones = len(current) - removed + len(report.milestones_added)
