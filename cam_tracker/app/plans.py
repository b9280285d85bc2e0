"""Loading a plan file into the store: create it, or update it in place keeping every record."""

import hashlib
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from cam_tracker.core.errors import InvalidDefinition
from cam_tracker.files import workflow
from cam_tracker.files.plan import PlanSpec, _SessionSpec, bundled_plans, read_plan, resolve_source
from cam_tracker.store import models


@dataclass
class LoadReport:
    """What loading a plan changed."""

    plan: str
    created: bool
    activities_added: list[str] = field(default_factory=list)
    activities_updated: list[str] = field(default_factory=list)
    activities_missing: list[str] = field(default_factory=list)
    sessions_added: list[str] = field(default_factory=list)
    sessions_missing: list[str] = field(default_factory=list)
    unchanged: bool = False


def load(db: Session, name_or_path: str) -> LoadReport:
    """Load a bundled plan or a file into the store; a reload updates and keeps history."""
    path = resolve_source(name_or_path)
    spec = read_plan(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    source = f"bundled:{path.stem}" if bundled_plans().get(path.stem) == path else str(path)
    return _upsert(db, spec, source, digest)


def _upsert(db: Session, spec: PlanSpec, source: str, digest: str) -> LoadReport:
    plan = db.exec(select(models.Plan).where(models.Plan.name == spec.name)).first()
    report = LoadReport(plan=spec.name, created=plan is None)
    if plan is not None and plan.digest == digest:
        report.unchanged = True
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
    plan.title = spec.title
    plan.body = spec.body.model_dump(exclude_none=True)
    plan.period_start = spec.period.start
    plan.period_end = spec.period.end
    plan.general_assembly = spec.general_assembly
    plan.timezone = spec.timezone
    plan.publish_notes = spec.publish.notes
    plan.source = source
    plan.digest = digest
    plan.loaded_at = models.utcnow()
    db.add(plan)
    db.flush()
    assert plan.id is not None
    people = _upsert_people(db, spec)
    paragraphs = _upsert_mandates(db, plan.id, spec)
    activities = _upsert_activities(db, plan.id, spec, paragraphs, people, report)
    _upsert_sessions(db, plan.id, spec, activities, report)
    db.flush()
    return report


def _upsert_people(db: Session, spec: PlanSpec) -> dict[str, int]:
    keys = [p.key for p in spec.people]
    existing = {
        p.key: p for p in db.exec(select(models.Person).where(col(models.Person.key).in_(keys)))
    }
    ids = {}
    for person_spec in spec.people:
        person = existing.get(person_spec.key) or models.Person(
            key=person_spec.key, name=person_spec.name, role=person_spec.role
        )
        person.name = person_spec.name
        person.role = person_spec.role
        if person_spec.email:
            person.email = person_spec.email
        person.language = person_spec.language
        db.add(person)
        db.flush()
        assert person.id is not None
        ids[person.key] = person.id
    return ids


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
                mandate_id=mandate.id, number=paragraph_spec.number, text=""
            )
            paragraph.text = paragraph_spec.text
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
) -> dict[str, models.Activity]:
    existing = {
        a.key: a for a in db.exec(select(models.Activity).where(models.Activity.plan_id == plan_id))
    }
    kept: dict[str, models.Activity] = {}
    for position, activity_spec in enumerate(spec.activities):
        flow = workflow.get(activity_spec.kind)
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
            if activity.kind != activity_spec.kind and activity.state not in flow.states:
                raise InvalidDefinition(
                    f"{activity.key}: cannot become a {activity_spec.kind!r}: its state "
                    f"{activity.state!r} does not exist in that workflow"
                )
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
        db.flush()
        assert activity.id is not None
        _replace_links(
            db,
            activity.id,
            {paragraphs[ref] for ref in activity_spec.serves},
        )
        wanted = {people[person_key] for person_key in activity_spec.responsible}
        current_people: set[int] = set()
        for link in db.exec(
            select(models.Responsibility).where(models.Responsibility.activity_id == activity.id)
        ):
            if link.person_id in wanted:
                current_people.add(link.person_id)
            else:
                db.delete(link)
        for person_id in wanted - current_people:
            db.add(models.Responsibility(activity_id=activity.id, person_id=person_id))
        kept[activity.key] = activity
    for missing in existing.values():
        if not missing.removed:
            missing.removed = True
            db.add(missing)
            report.activities_missing.append(missing.key)
    return kept


def _replace_links(db: Session, activity_id: int, paragraph_ids: set[int]) -> None:
    current = {
        link.paragraph_id: link
        for link in db.exec(
            select(models.ActivityParagraph).where(
                models.ActivityParagraph.activity_id == activity_id
            )
        )
    }
    for paragraph_id, link in current.items():
        if paragraph_id not in paragraph_ids:
            db.delete(link)
    for paragraph_id in paragraph_ids - set(current):
        db.add(models.ActivityParagraph(activity_id=activity_id, paragraph_id=paragraph_id))


def _upsert_sessions(
    db: Session,
    plan_id: int,
    spec: PlanSpec,
    activities: dict[str, models.Activity],
    report: LoadReport,
) -> None:
    existing = {
        s.key: s for s in db.exec(select(models.Meeting).where(models.Meeting.plan_id == plan_id))
    }
    for position, session_spec in enumerate(spec.sessions):
        meeting = existing.pop(session_spec.key, None)
        old_month = meeting.month if meeting is not None else session_spec.month
        if meeting is None:
            meeting = models.Meeting(
                plan_id=plan_id,
                key=session_spec.key,
                month=session_spec.month,
                kind=session_spec.kind,
                title=session_spec.title,
            )
            report.sessions_added.append(session_spec.key)
        # A session held, or dated from the command line, keeps what was recorded;
        # the file decides only where it says something new.
        if meeting.held_on is None and (session_spec.date is not None or meeting.date is None):
            meeting.month = session_spec.month
            meeting.date = session_spec.date
        meeting.kind = session_spec.kind
        meeting.title = session_spec.title
        meeting.mandates = list(session_spec.mandates)
        meeting.removed = False
        meeting.position = position
        db.add(meeting)
        db.flush()
        assert meeting.id is not None
        _upsert_agenda(db, meeting, session_spec, activities, old_month)
    for missing in existing.values():
        if not missing.removed:
            missing.removed = True
            db.add(missing)
            report.sessions_missing.append(missing.key)
        # Its open agenda items go with it, as items gone from an agenda do; done ones stay.
        for milestone in db.exec(
            select(models.Milestone)
            .where(models.Milestone.session_id == missing.id)
            .where(col(models.Milestone.done_history_id).is_(None))
        ):
            db.delete(milestone)


def _upsert_agenda(
    db: Session,
    meeting: models.Meeting,
    session_spec: _SessionSpec,
    activities: dict[str, models.Activity],
    old_month: str,
) -> None:
    """Match agenda items by (activity, event); keep done milestones whatever the file says."""
    current = list(
        db.exec(select(models.Milestone).where(models.Milestone.session_id == meeting.id))
    )
    for milestone in current:
        milestone.position = -1 - (milestone.id or 0)
        db.add(milestone)
    db.flush()
    for position, item in enumerate(session_spec.agenda):
        activity_id = activities[item.activity].id
        assert activity_id is not None
        match = next(
            (m for m in current if m.activity_id == activity_id and m.event == item.event), None
        )
        if match is None:
            match = models.Milestone(
                session_id=meeting.id or 0,
                activity_id=activity_id,
                position=position,
                event=item.event,
                text=item.text,
                planned_month=meeting.month,
            )
        else:
            current.remove(match)
            if match.planned_month == old_month:
                match.planned_month = meeting.month
        match.position = position
        match.text = item.text
        db.add(match)
        db.flush()
    for leftover in current:
        if leftover.done_history_id is None:
            db.delete(leftover)
        else:
            leftover.position = len(session_spec.agenda) + (leftover.id or 0)
            db.add(leftover)
    db.flush()
