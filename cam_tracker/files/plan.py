"""Work-plan files: read and validate the YAML into a `PlanSpec` (the store is `app.plans`'s).

Every rule a value must meet is checked on load, and every problem of a file
is told at once (`files.yamlfile`): the shape and each value here, in the
schema; then what points at what (keys unique, references known, sessions in
the period), on the data as written, so that one broken entry does not hide
the problems of the others. Texts are cleaned the way the command line
cleans them (`core.text`): one line for titles, names and symbols, lines
and tabs kept in a paragraph, each at most its limit.
"""

import datetime as dt
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from cam_tracker.core import dates
from cam_tracker.core.errors import InvalidDefinition, InvalidInput, NotFound, did_you_mean
from cam_tracker.core.resources import data_dir
from cam_tracker.core.text import (
    MAX_KEY,
    MAX_NUMBER,
    MAX_SYMBOL,
    MAX_TEXT,
    MAX_TITLE,
    SOURCE_LANGUAGE,
    as_labels,
    check_email,
    check_name,
    clean_line,
    clean_text,
    languages,
    quoted,
)
from cam_tracker.files import workflow
from cam_tracker.files.workflow import ROLES
from cam_tracker.files.yamlfile import Loc, Problem, read_yaml

KEY_PATTERN = rf"^[a-z0-9][a-z0-9._-]{{0,{MAX_KEY - 1}}}$"


SESSION_KINDS = ("regular", "special", "thematic", "forum", "working_group")


T = TypeVar("T")


def _refusal(check: Callable[[T], Any]) -> Callable[[T], Any]:
    """A core check as a schema validator: its refusal becomes the schema's."""

    def validate(value: T) -> Any:
        try:
            return check(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None

    return validate


def _key(value: str) -> str:
    if not re.fullmatch(KEY_PATTERN, value):
        raise ValueError(
            f"not a key: {quoted(value)} (lowercase letters, digits, '.', '_', '-'; "
            f"at most {MAX_KEY} characters)"
        )
    return value


def _line(field: str, limit: int, *, required: bool = True) -> Callable[[str], str]:
    def check(value: str) -> str:
        cleaned = clean_line(value, field, limit)
        if cleaned is None and required:
            raise InvalidInput(f"the {field} is empty")
        return cleaned or ""

    return _refusal(check)


def _day(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a date: {quoted(value)} (use YYYY-MM-DD)")
    return dates.parse_day(value)


Key = Annotated[str, AfterValidator(_key)]
Month = Annotated[str, AfterValidator(_refusal(dates.parse_month))]
Day = Annotated[dt.date | None, BeforeValidator(_refusal(_day))]


# A text for readers: a plain string (English) or one text per language; one line each.
Text = Annotated[
    dict[str, Annotated[str, AfterValidator(_line("text", MAX_TITLE, required=False))]],
    BeforeValidator(as_labels),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Body(_Strict):
    name: Text
    short: Annotated[str, AfterValidator(_line("short name", MAX_SYMBOL))]
    parent: Text | None = None
    organization: Text | None = None


class _Period(_Strict):
    start: Month
    end: Month


class _PersonSpec(_Strict):
    key: Key
    name: Annotated[str, AfterValidator(_refusal(check_name))]
    role: str
    email: Annotated[str, AfterValidator(_refusal(check_email))] | None = None
    language: str = "en"

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"unknown role {quoted(value)} (use {', '.join(ROLES)})")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in languages():
            raise ValueError(f"unknown language {quoted(value)} (use {', '.join(languages())})")
        return value


def _paragraph_text(value: str) -> str:
    return clean_text(value, "text", MAX_TEXT) or ""


class _ParagraphSpec(_Strict):
    number: Annotated[str, AfterValidator(_line("number", MAX_NUMBER))]
    text: Annotated[str, AfterValidator(_refusal(_paragraph_text))]


class _MandateSpec(_Strict):
    key: Key
    symbol: Annotated[str, AfterValidator(_line("symbol", MAX_SYMBOL))]
    title: Text
    paragraphs: Annotated[list[_ParagraphSpec], Field(min_length=1)]


class _ActivitySpec(_Strict):
    key: Key
    number: Annotated[str, AfterValidator(_line("number", MAX_NUMBER))]
    title: Text
    kind: str
    serves: list[str] = []
    responsible: list[str] = []


class _AgendaItemSpec(_Strict):
    activity: str
    event: str | None = None
    text: Text


class _SessionSpec(_Strict):
    key: Key
    month: Month
    date: Day = None
    kind: str
    title: Text
    mandates: list[str] = []
    agenda: list[_AgendaItemSpec] = []

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in SESSION_KINDS:
            raise ValueError(
                f"unknown session kind {quoted(value)} (use {', '.join(SESSION_KINDS)})"
            )
        return value


Roles = Annotated[list[str], Field(min_length=1)]


class PolicySpec(_Strict):
    """Which roles may make each kind of change to the record that is not a workflow step.

    Every key is optional in a plan file: one left out takes the bundled
    default (`files/policy.yaml`, where every key is given).
    """

    manage_people: Roles | None = None
    assign: Roles | None = None
    move_session: Roles | None = None
    record_session: Roles | None = None
    load_plan: Roles | None = None

    @field_validator("*")
    @classmethod
    def _roles(cls, value: list[str] | None) -> list[str] | None:
        for role in value or []:
            if role not in ROLES:
                raise ValueError(
                    f"unknown role {role!r}{did_you_mean(role, ROLES)} (use {', '.join(ROLES)})"
                )
        return value


POLICY_FILE = Path(__file__).with_name("policy.yaml")


@lru_cache(maxsize=1)
def default_policy() -> dict[str, tuple[str, ...]]:
    """The bundled policy: the roles for every kind of change."""
    spec = read_yaml(POLICY_FILE).validate(PolicySpec)
    policy = spec.model_dump()
    missing = [kind for kind, roles in policy.items() if roles is None]
    if missing:
        raise InvalidDefinition(f"{POLICY_FILE}: {missing[0]}: required key missing")
    return {kind: tuple(roles) for kind, roles in policy.items()}


class _Publish(_Strict):
    """What a published site may show: the notes of steps unless `notes: false`."""

    notes: bool = True


class PlanSpec(_Strict):
    """A validated work-plan file."""

    name: Key
    title: Text
    body: _Body
    period: _Period
    general_assembly: Text = {SOURCE_LANGUAGE: ""}
    timezone: str = "UTC"
    people: list[_PersonSpec] = []
    policy: PolicySpec | None = None
    publish: _Publish = _Publish()
    mandates: Annotated[list[_MandateSpec], Field(min_length=1)]
    activities: Annotated[list[_ActivitySpec], Field(min_length=1)]
    sessions: list[_SessionSpec]

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if not dates.is_zone(value):
            raise ValueError(f"unknown time zone {quoted(value)}")
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
    """Parse and validate a plan file, references included; every problem at once."""
    document = read_yaml(path)
    return document.validate(PlanSpec, _reference_problems(document.data))


def _entries(data: Any, *loc: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """The mappings of the list at `loc` in the data as written, with their positions."""
    node = data
    for part in loc:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    if isinstance(node, list):
        yield from ((i, item) for i, item in enumerate(node) if isinstance(item, dict))


def _texts(item: dict[str, Any], name: str) -> Iterator[tuple[int, str]]:
    """The strings of the list `name` of an entry, with their positions."""
    values = item.get(name)
    if isinstance(values, list):
        yield from ((i, v) for i, v in enumerate(values) if isinstance(v, str))


def _valid(check: Callable[[str], Any], value: Any) -> Any:
    """`check(value)` when the value passes it, else None (the schema tells why)."""
    if not isinstance(value, str):
        return None
    try:
        return check(value)
    except InvalidInput:
        return None


def _reference_problems(data: Any) -> list[Problem]:
    """What the schema cannot see: unique keys, references, sessions in the period.

    Read from the data as written, with each entry that can be read, so that a
    broken entry elsewhere hides nothing and causes no problem of its own here.
    """
    if not isinstance(data, dict):
        return []
    problems: list[Problem] = []

    def problem(loc: Loc, message: str) -> None:
        problems.append(Problem(loc, message))

    def unique(section: Loc, attr: str = "key") -> set[str]:
        seen: set[str] = set()
        for index, item in _entries(data, *section):
            value = item.get(attr)
            if isinstance(value, str):
                value = value.strip()  # as the schema keeps it
                if value in seen:
                    problem((*section, index, attr), f"duplicate {attr} {quoted(value)}")
                seen.add(value)
        return seen

    period = data.get("period")
    start = _valid(dates.parse_month, period.get("start")) if isinstance(period, dict) else None
    end = _valid(dates.parse_month, period.get("end")) if isinstance(period, dict) else None
    if start and end and start > end:
        problem(("period",), "start is after end")
        start = end = None  # no session is told it is outside a period that is not one
    people = unique(("people",))
    unique(("mandates",))
    unique(("activities",))
    unique(("sessions",))
    paragraphs: set[str] = set()
    for index, mandate in _entries(data, "mandates"):
        numbers = unique(("mandates", index, "paragraphs"), "number")
        if isinstance(mandate.get("key"), str):
            paragraphs.update(f"{mandate['key']}/{number}" for number in numbers)

    def known(loc: Loc, ref: str, what: str, candidates: set[str]) -> bool:
        if ref not in candidates:
            problem(loc, f"unknown {what} {quoted(ref)}{did_you_mean(ref, candidates)}")
            return False
        return True

    kinds = workflow.workflows()
    activity_kinds: dict[str, str | None] = {}
    for index, activity in _entries(data, "activities"):
        at = ("activities", index)
        kind = activity.get("kind")
        if isinstance(kind, str) and not known((*at, "kind"), kind, "workflow kind", set(kinds)):
            kind = None
        if isinstance(activity.get("key"), str):
            activity_kinds[activity["key"]] = kind if isinstance(kind, str) else None
        for ref_index, ref in _texts(activity, "serves"):
            known((*at, "serves", ref_index), ref, "mandate paragraph", paragraphs)
        for ref_index, ref in _texts(activity, "responsible"):
            known((*at, "responsible", ref_index), ref, "person", people)
    for index, meeting in _entries(data, "sessions"):
        at = ("sessions", index)
        month = _valid(dates.parse_month, meeting.get("month"))
        if month and start and end and not start <= month <= end:
            problem((*at, "month"), f"{month} is outside the plan's period ({start} to {end})")
        day = _valid(dates.parse_day, meeting.get("date"))
        if day is not None and month and dates.month_of(day) != month:
            problem((*at, "date"), f"{day} is not in {month}")
        for ref_index, ref in _texts(meeting, "mandates"):
            known((*at, "mandates", ref_index), ref, "mandate paragraph", paragraphs)
        for item_index, item in _entries(meeting, "agenda"):
            where = (*at, "agenda", item_index)
            activity_key = item.get("activity")
            if not isinstance(activity_key, str) or not known(
                (*where, "activity"), activity_key, "activity", set(activity_kinds)
            ):
                continue
            event, kind = item.get("event"), activity_kinds[activity_key]
            if isinstance(event, str) and kind is not None:
                events = kinds[kind].events()
                if event not in events:
                    problem(
                        (*where, "event"),
                        f"{quoted(event)} is not an event of {kind!r}{did_you_mean(event, events)}",
                    )
    return problems
