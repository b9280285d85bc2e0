"""Work-plan files: read and validate the YAML into a `PlanSpec` (the store is `app.plans`'s)."""

import datetime as dt
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cam_tracker.core.errors import InvalidDefinition, NotFound, did_you_mean
from cam_tracker.core.resources import data_dir
from cam_tracker.core.text import as_labels, languages
from cam_tracker.files import workflow
from cam_tracker.files.workflow import ROLES
from cam_tracker.files.yamlfile import read_yaml, validation_message

KEY_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"


MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


SESSION_KINDS = ("regular", "special", "thematic", "forum", "working_group")


Key = Annotated[str, Field(pattern=KEY_PATTERN)]


Month = Annotated[str, Field(pattern=MONTH_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _text(value: Any) -> Any:
    return as_labels(value)


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
        if value not in languages():
            raise ValueError(f"unknown language {value!r} (use {', '.join(languages())})")
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


class _Publish(_Strict):
    """What a published site may show: the notes of steps unless `notes: false`."""

    notes: bool = True


class PlanSpec(_Localised):
    """A validated work-plan file."""

    name: Key
    title: Text
    body: _Body
    period: _Period
    general_assembly: Text = {"en": ""}
    timezone: str = "UTC"
    publish: _Publish = _Publish()
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


def bundled_plans() -> dict[str, Path]:
    """The plans shipped with the package, by name."""
    directory = data_dir("plans")
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
