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
from cam_tracker.core.symbols import (
    STATUSES,
    check_symbol,
    check_url,
    compile_pattern,
    identity,
    matches,
)
from cam_tracker.core.text import (
    MAX_KEY,
    MAX_NUMBER,
    MAX_PLACE,
    MAX_SYMBOL,
    MAX_TEXT,
    MAX_TITLE,
    SOURCE_LANGUAGE,
    as_labels,
    check_email,
    check_link,
    check_name,
    clean_line,
    clean_text,
    languages,
    quoted,
)
from cam_tracker.files import workflow
from cam_tracker.files.workflow import ROLES
from cam_tracker.files.yamlfile import Loc, Problem, read_yaml


def one_of(what: str, choices: tuple[str, ...]) -> Callable[[str], str]:
    """A field's check against its fixed choices: an unknown value is named, with the
    nearest choice and the whole list, in the one wording every such field shares."""

    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(
                f"unknown {what} {quoted(value)}{did_you_mean(value, choices)} "
                f"(use {', '.join(choices)})"
            )
        return value

    return check


KEY_PATTERN = rf"^[a-z0-9][a-z0-9._-]{{0,{MAX_KEY - 1}}}$"


SESSION_KINDS = ("regular", "special", "thematic", "forum", "working_group")


# How a session is attended: in a room, online, or both.
MODALITIES = ("in_person", "virtual", "hybrid")


# A session's facts that `cam session set` may also set, by the name the file and the
# command line give them, with the store's column for each. A reload keeps the store's
# value of one set by command where the file gives none (`app.plans`).
SESSION_DETAILS = {
    "start": "start_time",
    "end": "end_time",
    "room": "room",
    "building": "building",
    "city": "city",
    "modality": "modality",
    "link": "link",
}


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


def _continued(value: str) -> str:
    """PLAN/ACTIVITY: two keys."""
    plan, _, activity = value.partition("/")
    if not activity:
        raise ValueError(f"not PLAN/ACTIVITY: {quoted(value)}")
    _key(plan)
    _key(activity)
    return value


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
    # Who they are: how letters address them, the delegation they speak for.
    title: Annotated[str, AfterValidator(_line("title", MAX_SYMBOL))] | None = None
    country: Annotated[str, AfterValidator(_line("country", MAX_SYMBOL))] | None = None
    # What they are to the body for this plan: from when to when, and how they came to it.
    since: Day = None
    until: Day = None
    elected_on: Day = None
    elected: Annotated[str, AfterValidator(_line("elected", MAX_SYMBOL))] | None = None

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


# A paragraph quoted in full: a plain string (English) or one text per language; lines kept.
LongText = Annotated[
    dict[str, Annotated[str, AfterValidator(_refusal(_paragraph_text))]],
    BeforeValidator(as_labels),
]


# What a mandate paragraph is to the plan: a task (activities serve it) or guidance the
# committee's work follows, which no activity is expected to serve.
PARAGRAPH_KINDS = ("task", "guideline")


_paragraph_kind = one_of("paragraph kind", PARAGRAPH_KINDS)


class _ParagraphSpec(_Strict):
    number: Annotated[str, AfterValidator(_line("number", MAX_NUMBER))]
    text: LongText
    kind: Annotated[str, AfterValidator(_paragraph_kind)] = "task"


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
    # The activity of the plan this one `follows` that it carries on: PLAN/ACTIVITY.
    continues: Annotated[str, AfterValidator(_continued)] | None = None


DISTRIBUTIONS = ("officers", "all_delegations")


class _RemindersSpec(_Strict):
    """Who hears of the plan's sessions: its officers and the people responsible for an
    item always; with `all_delegations`, every delegate of the body too."""

    distribution: str = "officers"

    @field_validator("distribution")
    @classmethod
    def _distribution(cls, value: str) -> str:
        return one_of("distribution", DISTRIBUTIONS)(value)


def _clock(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(f"not a time: {quoted(value)} (use HH:MM, 24-hour, 00:00 to 23:59)")
    return dates.parse_clock(value)


_modality = one_of("modality", MODALITIES)


Clock = Annotated[str, BeforeValidator(_refusal(_clock))]
Link = Annotated[str, AfterValidator(_refusal(check_link))]
Modality = Annotated[str, AfterValidator(_modality)]


class _VenueSpec(_Strict):
    room: Annotated[str, AfterValidator(_line("room", MAX_PLACE))] | None = None
    building: Annotated[str, AfterValidator(_line("building", MAX_PLACE))] | None = None
    city: Annotated[str, AfterValidator(_line("city", MAX_PLACE))] | None = None


class _ProgrammeItemSpec(_Strict):
    time: Clock
    end: Clock | None = None
    title: Text
    speaker: Annotated[str, AfterValidator(_line("speaker", MAX_PLACE))] | None = None


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
    # Its time and place, where known (see `SESSION_DETAILS`).
    start: Clock | None = None
    end: Clock | None = None
    venue: _VenueSpec | None = None
    modality: Modality | None = None
    link: Link | None = None
    programme: list[_ProgrammeItemSpec] = []

    def details(self) -> dict[str, str | None]:
        """The facts `cam session set` may also set, by the store's column: None where the
        file gives none."""
        venue = self.venue or _VenueSpec()
        said = {
            "start": self.start,
            "end": self.end,
            "room": venue.room,
            "building": venue.building,
            "city": venue.city,
            "modality": self.modality,
            "link": self.link,
        }
        return {SESSION_DETAILS[name]: value for name, value in said.items()}

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
    register_document: Roles | None = None
    act_for_chair: Roles | None = None

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


def _languages(value: list[str]) -> list[str]:
    known = languages()
    for lang in value:
        if lang not in known:
            raise ValueError(f"unknown language {quoted(lang)} (use {', '.join(known)})")
    return [lang for lang in known if lang in value]


def _status(value: str) -> str:
    if value not in STATUSES:
        raise ValueError(f"unknown status {quoted(value)} (use {', '.join(STATUSES)})")
    return value


def _pattern(value: str) -> str:
    compile_pattern(value)
    return value


class DocumentSpec(_Strict):
    """A document of the plan's register, as a plan file declares it (`cam doc add` alike)."""

    symbol: Annotated[str, AfterValidator(_refusal(check_symbol))]
    title: Text
    date: Day = None
    languages: Annotated[list[str], AfterValidator(_languages)] = []
    url: Annotated[str, AfterValidator(_refusal(check_url))] | None = None
    status: Annotated[str, AfterValidator(_status)] | None = None


class DocumentsPolicySpec(_Strict):
    """How a step's `--doc` meets the register.

    `register_on_first_use`: a symbol nobody registered is registered when a
    step first cites it (its title the symbol, until someone says more), rather
    than refused; it must still be of one of the plan's series.
    """

    register_on_first_use: bool = False


# A series' pattern (`core.symbols`), by the series' name.
SymbolPatterns = dict[
    Annotated[str, AfterValidator(_line("series", MAX_KEY))],
    Annotated[str, AfterValidator(_line("pattern", MAX_SYMBOL)), AfterValidator(_pattern)],
]


class _Publish(_Strict):
    """What a published site may show: the notes of steps unless `notes: false`."""

    notes: bool = True


# The sections of the progress report the secretariat writes itself, in the order printed.
REPORT_SECTIONS = ("introduction", "conclusions")


_report_section = one_of("report section", REPORT_SECTIONS)


def _language(value: str) -> str:
    if value not in languages():
        raise ValueError(f"unknown language {quoted(value)} (use {', '.join(languages())})")
    return value


Language = Annotated[str, AfterValidator(_language)]


class ReportSpec(_Strict):
    """The progress report as a document the Organization issues: its registration
    (series, symbol, date of issue, original language, the meeting that agreed upon it)
    and the secretariat's own sections, a Markdown file per language (paths relative to
    the plan file). The command line overrides each (`cam report --symbol …`)."""

    series: Annotated[str, AfterValidator(_line("series", MAX_SYMBOL))] | None = None
    symbol: Annotated[str, AfterValidator(_line("symbol", MAX_SYMBOL))] | None = None
    issued: Day = None
    original: Language | None = None
    approved: Day = None
    sections: dict[Annotated[str, AfterValidator(_report_section)], dict[Language, str]] = {}


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
    # The plan of the same body this one continues (the year before).
    follows: Key | None = None
    reminders: _RemindersSpec | None = None
    publish: _Publish = _Publish()
    mandates: Annotated[list[_MandateSpec], Field(min_length=1)]
    activities: Annotated[list[_ActivitySpec], Field(min_length=1)]
    sessions: list[_SessionSpec]
    symbols: SymbolPatterns | None = None
    documents: list[DocumentSpec] = []
    documents_policy: DocumentsPolicySpec | None = None
    # Kinds of the plan's own, or overriding a bundled one of the same name.
    workflows: list[workflow.KindSpec] = []
    # How the kinds' labels name the plan's bodies: body -> form -> labels.
    bodies: workflow.Bodies = {}
    report: ReportSpec | None = None

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


MAX_SECTION = 100_000


def report_texts(spec: PlanSpec, path: Path) -> dict[str, dict[str, str]]:
    """The report sections the plan names, read: section -> language -> Markdown.

    Read when the plan is loaded, so that the store alone can print the report (a shared
    store's readers need not have the files); a missing or unreadable file is refused.
    """
    texts: dict[str, dict[str, str]] = {}
    for section, files in (spec.report.sections if spec.report else {}).items():
        for lang, name in files.items():
            texts.setdefault(section, {})[lang] = read_section(path.parent / name)
    return texts


def read_section(path: Path) -> str:
    """A report section's Markdown: UTF-8 text, at most `MAX_SECTION` characters."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise InvalidInput(f"cannot read report section {path}: {reason}") from None
    if len(text) > MAX_SECTION:
        raise InvalidInput(
            f"report section {path} is longer than {MAX_SECTION} characters", fields=("text",)
        )
    return text


def read_plan(path: Path) -> PlanSpec:
    """Parse and validate a plan file, references included; every problem at once."""
    return read_plan_kinds(path)[0]


def read_plan_kinds(path: Path) -> tuple[PlanSpec, workflow.Kinds]:
    """A plan file and the workflow kinds it uses (`workflow.plan_kinds`), both validated."""
    document = read_yaml(path)
    kinds, problems = workflow.plan_kinds(path, document)
    spec = document.validate(PlanSpec, [*problems, *_reference_problems(document.data, kinds)])
    return spec, kinds


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


def _reference_problems(data: Any, kinds: workflow.Kinds | None = None) -> list[Problem]:
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
    addresses: set[str] = set()
    for index, person in _entries(data, "people"):
        email = _valid(check_email, person.get("email"))
        if email and email.lower() in addresses:
            problem(("people", index, "email"), f"the address {email} is another person's")
        elif email:
            addresses.add(email.lower())
        since = _valid(dates.parse_day, person.get("since"))
        until = _valid(dates.parse_day, person.get("until"))
        if since and until and since > until:
            problem(("people", index, "until"), f"{until} is before since ({since})")
    follows = data.get("follows")
    if isinstance(follows, str) and follows == data.get("name"):
        problem(("follows",), "a plan cannot follow itself")
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

    if kinds is None:
        kinds = workflow.installed()
    activity_kinds: dict[str, str | None] = {}
    for index, activity in _entries(data, "activities"):
        at = ("activities", index)
        kind = activity.get("kind")
        if isinstance(kind, str) and not known(
            (*at, "kind"), kind, "workflow kind", set(kinds.flows)
        ):
            kind = None
        if isinstance(activity.get("key"), str):
            activity_kinds[activity["key"]] = kind if isinstance(kind, str) else None
        for ref_index, ref in _texts(activity, "serves"):
            known((*at, "serves", ref_index), ref, "mandate paragraph", paragraphs)
        for ref_index, ref in _texts(activity, "responsible"):
            known((*at, "responsible", ref_index), ref, "person", people)
        continued = activity.get("continues")
        if isinstance(continued, str) and "/" in continued:
            plan_name = continued.partition("/")[0]
            if not isinstance(follows, str):
                problem((*at, "continues"), "the plan names no plan it follows (`follows:`)")
            elif plan_name != follows:
                problem(
                    (*at, "continues"),
                    f"{quoted(plan_name)} is not the plan this one follows ({follows})",
                )
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
        _time_problems(meeting, at, problem)
        for item_index, item in _entries(meeting, "agenda"):
            where = (*at, "agenda", item_index)
            activity_key = item.get("activity")
            if not isinstance(activity_key, str) or not known(
                (*where, "activity"), activity_key, "activity", set(activity_kinds)
            ):
                continue
            event, kind = item.get("event"), activity_kinds[activity_key]
            if isinstance(event, str) and kind is not None:
                events = kinds.get(kind).events()
                if not kinds.get(kind).has_event(event):
                    problem(
                        (*where, "event"),
                        f"{quoted(event)} is not an event of {kind!r}{did_you_mean(event, events)}",
                    )
    problems.extend(_document_problems(data))
    return problems


def _document_problems(data: dict[str, Any]) -> list[Problem]:
    """Each document once (spellings of one symbol are one), of one of the plan's series."""
    problems: list[Problem] = []
    written = data.get("symbols")
    patterns = []
    if isinstance(written, dict):
        for pattern in written.values():
            try:
                patterns.append(compile_pattern(pattern) if isinstance(pattern, str) else None)
            except ValueError:
                patterns.append(None)  # the schema tells why
    checkable = isinstance(written, dict) and bool(patterns) and None not in patterns
    seen: dict[str, str] = {}
    for index, document in _entries(data, "documents"):
        symbol = _valid(check_symbol, document.get("symbol"))
        if symbol is None:
            continue
        at = ("documents", index, "symbol")
        key = identity(symbol)
        if key in seen:
            problems.append(
                Problem(at, f"duplicate symbol {quoted(symbol)} (the same as {quoted(seen[key])})")
            )
        seen.setdefault(key, symbol)
        if checkable and isinstance(written, dict):
            if matches(symbol, [p for p in patterns if p is not None]):
                continue
            problems.append(
                Problem(
                    at,
                    f"{quoted(symbol)} is of none of the plan's series "
                    f"({', '.join(str(p) for p in written.values())})",
                )
            )
    return problems


def _time_problems(meeting: dict[str, Any], at: Loc, problem: Callable[[Loc, str], None]) -> None:
    """A session's end after its start, a start for an end; the programme in time order,
    each item's end after its time."""

    def order(start: Any, end: Any, where: Loc) -> None:
        if start is not None and _valid(dates.parse_clock, start) is None:
            return  # the schema tells what is wrong with the start
        start = _valid(dates.parse_clock, start)
        if not isinstance(end, str) or _valid(dates.parse_clock, end) is None:
            return
        try:
            dates.check_time_range(start, end.strip())
        except InvalidInput as exc:
            problem(where, str(exc))

    order(meeting.get("start"), meeting.get("end"), (*at, "end"))
    previous = None
    for index, item in _entries(meeting, "programme"):
        where = (*at, "programme", index)
        if item.get("time") is not None:
            order(item.get("time"), item.get("end"), (*where, "end"))
        time = _valid(dates.parse_clock, item.get("time"))
        if time is not None and previous is not None and time < previous:
            problem(
                (*where, "time"),
                f"{time} is before the item above ({previous}): list the programme in order",
            )
        previous = time or previous
