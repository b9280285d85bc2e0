"""Work-plan files: load and validate the YAML, then upsert the plan into the store."""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlmodel import Session, col, select

from cam_tracker import models, workflow
from cam_tracker.errors import InvalidDefinition, NotFound, did_you_mean
from cam_tracker.resources import data_dir
from cam_tracker.workflow import ROLES
from cam_tracker.yamlfile import read_yaml, validation_message

KEY_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
SESSION_KINDS = ("regular", "special", "thematic", "forum", "working_group")
LANGUAGES = ("en", "es", "fr", "pt")

Key = Annotated[str, Field(pattern=KEY_PATTERN)]
Month = Annotated[str, Field(pattern=MONTH_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _text(value: Any) -> Any:
    """A plain string means English; a mapping gives one text per language."""
    if isinstance(value, str):
        return {"en": value}
    if isinstance(value, dict):
        unknown = [k for k in value if k not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r} (use {', '.join(LANGUAGES)})")
        if not value.get("en"):
            raise ValueError("an English text (en) is required")
    return value


Text = Annotated[dict[str, str], Field(min_length=1)]


class _Localised(_Strict):
    @field_validator("title", "text", "general_assembly", mode="before", check_fields=False)
    @classmethod
    def _localise(cls, value: Any) -> Any:
        return _text(value)


class _Body(_Strict):
    name: Text
    short: str
    parent: Text | None = None
    organization: Text | None = None

    @field_validator("name", "parent", "organization", mode="before")
    @classmethod
    def _localise(cls, value: Any) -> Any:
        return None if value is None else _text(value)


class _Period(_Strict):
    start: Month
    end: Month


class _PersonSpec(_Strict):
    key: Key
    name: Annotated[str, Field(min_length=1, max_length=200)]
    role: str
    email: str | None = None
    language: str = "en"

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"unknown role {value!r} (use {', '.join(ROLES)})")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"unknown language {value!r} (use {', '.join(LANGUAGES)})")
        return value


class _ParagraphSpec(_Strict):
    number: Annotated[str, Field(min_length=1, max_length=16)]
    text: str


class _MandateSpec(_Localised):
    key: Key
    symbol: Annotated[str, Field(min_length=1)]
    title: Text
    paragraphs: Annotated[list[_ParagraphSpec], Field(min_length=1)]


class _ActivitySpec(_Localised):
    key: Key
    number: str
    title: Text
    kind: str
    serves: list[str] = []
    responsible: list[str] = []


class _AgendaItemSpec(_Localised):
    activity: str
    event: str | None = None
    text: Text


class _SessionSpec(_Localised):
    key: Key
    month: Month
    date: dt.date | None = None
    kind: str
    title: Text
    mandates: list[str] = []
    agenda: list[_AgendaItemSpec] = []

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in SESSION_KINDS:
            raise ValueError(f"unknown session kind {value!r} (use {', '.join(SESSION_KINDS)})")
        return value


class PlanSpec(_Localised):
    """A validated work-plan file."""

    name: Key
    title: Text
    body: _Body
    period: _Period
    general_assembly: Text = {"en": ""}
    timezone: str = "UTC"
    people: list[_PersonSpec] = []
    mandates: Annotated[list[_MandateSpec], Field(min_length=1)]
    activities: Annotated[list[_ActivitySpec], Field(min_length=1)]
    sessions: list[_SessionSpec]

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


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


def bundled_plans() -> dict[str, Path]:
    """The plans shipped with the package, by name."""
    directory = data_dir("workflows") / "plans"
    return {path.stem: path for path in sorted(directory.glob("*.yaml"))}


def resolve_source(name_or_path: str) -> Path:
    """A bundled plan's name, or the path of a plan file."""
    bundled = bundled_plans()
    if name_or_path in bundled:
        return bundled[name_or_path]
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    raise NotFound(
        f"no bundled plan or file {name_or_path!r}{did_you_mean(name_or_path, bundled)}; "
        f"bundled: {', '.join(bundled)}"
    )


def read_plan(path: Path) -> PlanSpec:
    """Parse and validate a plan file, references included."""
    data = read_yaml(path)
    try:
        spec = PlanSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidDefinition(validation_message(path, exc)) from None
    _check_references(spec, path)
    return spec


def _check_references(spec: PlanSpec, path: Path) -> None:
    def fail(where: str, what: str) -> InvalidDefinition:
        return InvalidDefinition(f"{path}: {where}: {what}")

    def unique(items: list[Any], label: str, attr: str = "key") -> None:
        seen: set[str] = set()
        for index, item in enumerate(items):
            value = getattr(item, attr)
            if value in seen:
                raise fail(f"{label}.{index}.{attr}", f"duplicate {attr} {value!r}")
            seen.add(value)

    if spec.period.start > spec.period.end:
        raise fail("period", "start is after end")
    unique(spec.people, "people")
    unique(spec.mandates, "mandates")
    unique(spec.activities, "activities")
    unique(spec.sessions, "sessions")
    paragraphs: set[str] = set()
    for index, mandate in enumerate(spec.mandates):
        unique(mandate.paragraphs, f"mandates.{index}.paragraphs", "number")
        paragraphs.update(f"{mandate.key}/{p.number}" for p in mandate.paragraphs)
    people = {p.key for p in spec.people}
    kinds = workflow.workflows()
    activity_kinds = {}
    for index, activity in enumerate(spec.activities):
        if activity.kind not in kinds:
            raise fail(
                f"activities.{index}.kind",
                f"unknown workflow kind {activity.kind!r}{did_you_mean(activity.kind, kinds)}",
            )
        activity_kinds[activity.key] = activity.kind
        for ref_index, ref in enumerate(activity.serves):
            if ref not in paragraphs:
                raise fail(
                    f"activities.{index}.serves.{ref_index}",
                    f"unknown mandate paragraph {ref!r}{did_you_mean(ref, paragraphs)}",
                )
        for ref_index, ref in enumerate(activity.responsible):
            if ref not in people:
                raise fail(
                    f"activities.{index}.responsible.{ref_index}",
                    f"unknown person {ref!r}{did_you_mean(ref, people)}",
                )
    for index, meeting in enumerate(spec.sessions):
        at = f"sessions.{index}"
        if not spec.period.start <= meeting.month <= spec.period.end:
            raise fail(f"{at}.month", f"{meeting.month} is outside the plan's period")
        if meeting.date is not None and meeting.date.strftime("%Y-%m") != meeting.month:
            raise fail(f"{at}.date", f"{meeting.date} is not in {meeting.month}")
        for ref_index, ref in enumerate(meeting.mandates):
            if ref not in paragraphs:
                raise fail(
                    f"{at}.mandates.{ref_index}",
                    f"unknown mandate paragraph {ref!r}{did_you_mean(ref, paragraphs)}",
                )
        for item_index, item in enumerate(meeting.agenda):
            where = f"{at}.agenda.{item_index}"
            if item.activity not in activity_kinds:
                raise fail(
                    f"{where}.activity",
                    f"unknown activity {item.activity!r}"
                    f"{did_you_mean(item.activity, activity_kinds)}",
                )
            flow = kinds[activity_kinds[item.activity]]
            if item.event is not None and item.event not in flow.events():
                raise fail(
                    f"{where}.event",
                    f"{item.event!r} is not an event of {flow.kind!r}"
                    f"{did_you_mean(item.event, flow.events())}",
                )


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
