"""Workflow definitions: load and validate the YAML, build one state machine per kind.

This is the only module that imports `transitions`. A definition maps straight
onto what `transitions.Machine` takes (states, initial, transitions with
trigger/source/dest); the steps every kind shares live in `common.yaml`.
"""

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from cam_tracker.core.errors import InvalidDefinition, NotFound, TransitionRefused, did_you_mean
from cam_tracker.core.resources import data_dir
from cam_tracker.core.settings import workflows_dir
from cam_tracker.core.text import local, quoted
from cam_tracker.files.located import Document, Loc, Problem

if TYPE_CHECKING:
    from pydantic import BaseModel

    from cam_tracker.files.workflow_spec import Bodies as Bodies
    from cam_tracker.files.workflow_spec import CommonSpec, WorkflowSpec
    from cam_tracker.files.workflow_spec import KindSpec as KindSpec

ROLES = ("chair", "vice_chair", "secretariat", "delegate", "coordinator")
REQUIREMENTS = ("session", "document", "note")
PREVIOUS = "previous"
# The tool's own history event for a move in the plan: state unchanged, never a workflow's.
RESCHEDULE = "reschedule"
# The tool's own history event for a milestone the committee decided to skip: state unchanged.
WAIVE = "waive"
# What an activity in a state counts as, in every listing, report and email (one vocabulary).
COMPLETED, ON_SCHEDULE, BEHIND, POSTPONED, WITHDRAWN = (
    "completed",
    "on_schedule",
    "behind",
    "postponed",
    "withdrawn",
)
STATUSES = (COMPLETED, ON_SCHEDULE, BEHIND, POSTPONED, WITHDRAWN)
HALTED_STATUSES = (POSTPONED, WITHDRAWN)
COMMON_FILE = "common.yaml"
# Where a kind comes from, later ones overriding earlier ones of the same name.
BUNDLED, USER_FOLDER, PLAN_FOLDER, PLAN_FILE = "bundled", "user folder", "plan folder", "plan file"
ORIGINS = (BUNDLED, USER_FOLDER, PLAN_FOLDER, PLAN_FILE)
# A kind's labels name a body of the plan as `{body.form}`: `{refer_to.to}`.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\}")
# Names transitions would refuse or shadow on a model.
_RESERVED_EVENTS = {
    "trigger",
    "update",
    "copy",
    "validate",
    "state",
    "machine",
    "may",
    RESCHEDULE,
    WAIVE,
}

M = TypeVar("M", bound="BaseModel")
Requirement = Literal["session", "document", "note"]
Role = Literal["chair", "vice_chair", "secretariat", "delegate", "coordinator"]


@dataclass(frozen=True)
class State:
    """One state of a workflow."""

    name: str
    labels: dict[str, str]
    final: bool = False
    status: str | None = None

    def label(self, lang: str = "en") -> str:
        return local(self.labels, lang)


@dataclass(frozen=True)
class Step:
    """One event of a workflow: where it may fire from, where it leads, what it needs."""

    event: str
    sources: tuple[str, ...]
    dest: str
    labels: dict[str, str]
    requires: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    shared: bool = False
    aliases: tuple[str, ...] = ()

    def label(self, lang: str = "en") -> str:
        return local(self.labels, lang)


@dataclass
class _Token:
    """The plain object a machine moves: transitions sets `state` on it."""

    state: str
    resume_to: str | None = None


@dataclass
class Workflow:
    """A validated workflow kind and its state machine (built once, when first used)."""

    kind: str
    labels: dict[str, str]
    initial: str
    states: dict[str, State]
    steps: list[Step]
    special_states: tuple[str, ...] = ()
    # What its state machine is built from (`transitions.Machine`), when an event first
    # fires: a listing, which fires none, never builds one.
    _machine_spec: dict[str, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def _machine(self) -> Any:
        from transitions import Machine

        return Machine(model=None, **self._machine_spec)

    def label(self, lang: str = "en") -> str:
        return local(self.labels, lang)

    def state_label(self, state: str, lang: str = "en") -> str:
        """A state's label; a state the kind no longer has shows as its name."""
        return self.states[state].label(lang) if state in self.states else state

    def halted_status(self, state: str) -> str | None:
        """`postponed` or `withdrawn` when the state says so (common.yaml owns which), else None."""
        found = self.states.get(state)
        return found.status if found is not None else None

    @property
    def delay_events(self) -> tuple[str, ...]:
        """The events that halt, resume or move an activity: the shared ones, and a move."""
        return (*dict.fromkeys(s.event for s in self.steps if s.shared), RESCHEDULE)

    def state(self, name: str) -> State:
        try:
            return self.states[name]
        except KeyError:
            raise NotFound(f"workflow {self.kind!r} has no state {name!r}") from None

    def is_final(self, state: str) -> bool:
        return self.state(state).final

    def events(self) -> list[str]:
        """The events by their names today (former names are accepted, not listed)."""
        return list(dict.fromkeys(step.event for step in self.steps))

    @cached_property
    def _by_event(self) -> dict[str, Step]:
        """Each event's first step (a resume has one per target, all alike to a reader)."""
        found: dict[str, Step] = {}
        for step in self.steps:
            found.setdefault(step.event, step)
        for step in self.steps:
            for alias in step.aliases:
                found.setdefault(alias, step)
        return found

    def canonical(self, event: str) -> str:
        """The event's name today: a former name (an alias) gives the event it became."""
        step = self._by_event.get(event)
        return step.event if step is not None else event

    def names(self, event: str) -> tuple[str, ...]:
        """The event's name and its former names (what a store may have recorded)."""
        step = self._by_event.get(event)
        return (step.event, *step.aliases) if step is not None else (event,)

    def step(self, event: str) -> Step:
        try:
            return self._by_event[event]
        except KeyError:
            raise NotFound(f"workflow {self.kind!r} has no event {event!r}") from None

    def has_event(self, event: str | None) -> bool:
        return event in self._by_event

    def event_label(self, event: str, lang: str = "en") -> str:
        """An event's label; an event the kind does not have (the tool's own) shows as its name."""
        step = self._by_event.get(event)
        return step.label(lang) if step is not None else event

    def event_labels(self, event: str) -> dict[str, str] | None:
        """An event's labels in every language, or None when the kind has no such event."""
        step = self._by_event.get(event)
        return step.labels if step is not None else None

    def allowed(self, state: str) -> list[Step]:
        """The steps that may fire from `state`, in definition order."""
        return [step for step in self.steps if state in step.sources]

    def fire(self, state: str, event: str, resume_to: str | None = None) -> str:
        """Run `event` through the machine from `state`; return the new state."""
        event = self.canonical(event)
        if event not in self._machine.events:
            raise TransitionRefused(
                f"{event!r} is not an event of {self.kind!r}; events: {', '.join(self.events())}"
            )
        allowed = [step.event for step in self.allowed(state)]
        if event not in allowed:
            raise TransitionRefused(
                f"{event!r} is not allowed from state {state!r}; "
                f"allowed now: {', '.join(allowed) or 'none (final state)'}"
            )
        fired = self._fired.get((state, event, resume_to))
        if fired is not None:
            return fired
        token = _Token(state=state, resume_to=resume_to)
        if not self._machine.events[event].trigger(token):
            raise TransitionRefused(f"{event!r} cannot fire from {state!r}: no state to return to")
        self._fired[state, event, resume_to] = token.state
        return token.state

    @cached_property
    def _fired(self) -> dict[tuple[str, str, str | None], str]:
        """Where the machine took each (state, event, resume state) it ran: the machine is
        built once and does not change, so a batch of steps runs it once per kind of move."""
        return {}

    def mermaid(self, lang: str = "en") -> str:
        """A Mermaid state diagram of the workflow."""
        lines = ["stateDiagram-v2", f"  [*] --> {self.initial}"]
        for state in self.states.values():
            lines.append(f'  state "{state.label(lang)}" as {state.name}')
        for step in self.steps:
            targets = (
                [
                    s.name
                    for s in self.states.values()
                    if not s.final and s.name not in self.special_states
                ]
                if step.dest == PREVIOUS
                else [step.dest]
            )
            for source in step.sources:
                for target in targets:
                    lines.append(f"  {source} --> {target}: {step.event}")
        lines.extend(f"  {s.name} --> [*]" for s in self.states.values() if s.final)
        return "\n".join(lines) + "\n"


def _labels(label: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in label.items() if v}


def _resume_condition(target: str) -> Callable[[Any], bool]:
    return lambda event_data: bool(event_data.model.resume_to == target)


def _fill(
    labels: dict[str, str],
    declared: Mapping[str, Mapping[str, Mapping[str, str]]],
    bodies: Mapping[str, Mapping[str, Mapping[str, str]]],
) -> tuple[dict[str, str], list[str]]:
    """Labels with each `{body.form}` filled from the plan's bodies (else the kind's defaults),
    in the label's language; and the placeholders the kind does not declare."""
    unknown: list[str] = []
    filled: dict[str, str] = {}
    for lang, text in labels.items():

        def put(match: re.Match[str], lang: str = lang) -> str:
            body, form = match.groups()
            default = declared.get(body, {}).get(form)
            if default is None:
                unknown.append(match.group(0))
                return match.group(0)
            return local(bodies.get(body, {}).get(form) or default, lang)

        filled[lang] = _PLACEHOLDER.sub(put, text)
    return _labels(filled), unknown


class _Told(Protocol):
    def invalid(self, problems: Iterable[Problem]) -> InvalidDefinition: ...


@dataclass(frozen=True)
class _Within:
    """A kind written inside a plan file: its problems are told at their place in the plan."""

    document: Document
    prefix: Loc

    def invalid(self, problems: Iterable[Problem]) -> InvalidDefinition:
        return self.document.invalid(Problem((*self.prefix, *p.loc), p.message) for p in problems)


def _build(
    spec: "WorkflowSpec | _Stored",
    document: _Told,
    common: "CommonSpec | _Stored",
    common_document: _Told,
    bodies: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
) -> Workflow:
    """The workflow and its machine, or every problem of its file (and of common.yaml) at once.

    `bodies` are the plan's (body -> form -> labels): they fill the kind's `{body.form}`.
    """
    problems: list[Problem] = []
    shared_problems: list[Problem] = []

    def fail(where: str, loc: Loc, what: str) -> None:
        (problems if where == "transitions" else shared_problems).append(Problem(loc, what))

    def fill(labels: dict[str, str], loc: Loc) -> dict[str, str]:
        filled, unknown = _fill(labels, spec.bodies, bodies or {})
        for name in dict.fromkeys(unknown):
            fail(
                "transitions",
                loc,
                f"{quoted(name)} names a body the kind does not declare under `bodies:`",
            )
        return filled

    own = [
        State(s.name, fill(s.label, ("states", index, "label")), s.final)
        for index, s in enumerate(spec.states)
    ]
    special = [State(s.name, _labels(s.label), s.final, s.status) for s in common.states]
    for index, state_spec in enumerate(spec.states):
        if state_spec.status is not None:
            fail(
                "transitions",
                ("states", index, "status"),
                "only the shared states of common.yaml have one",
            )
    states: dict[str, State] = {}
    for index, state in enumerate(own):
        if state.name in states:
            fail("transitions", ("states", index, "name"), f"duplicate state {quoted(state.name)}")
        states[state.name] = state
    for state in special:
        if state.name in states:
            index = next(i for i, s in enumerate(own) if s.name == state.name)
            fail(
                "transitions",
                ("states", index, "name"),
                f"duplicate state {quoted(state.name)} ({COMMON_FILE} has it for every kind)",
            )
        states[state.name] = state
    if spec.initial not in states:
        fail("transitions", ("initial",), f"unknown state {quoted(spec.initial)}")
    if not any(s.final for s in own):
        fail("transitions", ("states",), "no final state")
    open_names = [s.name for s in own if not s.final]
    special_names = tuple(s.name for s in special)

    steps: list[Step] = []
    machine_transitions: list[dict[str, Any]] = []
    events: set[str] = set()
    shared_events = {c.trigger for c in common.transitions}
    for where, items in (("transitions", spec.transitions), ("common", common.transitions)):
        for index, t in enumerate(items):
            at: Loc = ("transitions", index)
            if where == "transitions" and t.trigger in shared_events:
                fail(
                    where,
                    (*at, "trigger"),
                    f"{quoted(t.trigger)} is defined for every kind already",
                )
            sources: list[str] = []
            for source in t.sources():
                sources.extend(open_names if source == "*" else [source])
            for source in sources:
                if source not in states:
                    fail(where, (*at, "source"), f"unknown state {quoted(source)}")
                elif states[source].final:
                    fail(where, (*at, "source"), f"{quoted(source)} is final: nothing leaves it")
            if t.dest != PREVIOUS and t.dest not in states:
                fail(where, (*at, "dest"), f"unknown state {quoted(t.dest)}")
            if where == "transitions" and t.trigger in events:
                fail(where, (*at, "trigger"), f"duplicate event {quoted(t.trigger)}")
            events.add(t.trigger)
            steps.append(
                Step(
                    event=t.trigger,
                    sources=tuple(sources),
                    dest=t.dest,
                    labels=fill(t.label, (*at, "label")) if where == "transitions" else t.label,
                    requires=tuple(t.requires),
                    roles=tuple(t.roles),
                    shared=where == "common",
                    aliases=tuple(t.aliases),
                )
            )
            if t.dest == PREVIOUS:
                machine_transitions.extend(
                    {
                        "trigger": t.trigger,
                        "source": sources,
                        "dest": target,
                        "conditions": [_resume_condition(target)],
                    }
                    for target in open_names
                )
            else:
                machine_transitions.append(
                    {"trigger": t.trigger, "source": sources, "dest": t.dest}
                )

    names = {*events}
    for index, t in enumerate(spec.transitions):
        for alias in t.aliases:
            if alias in names:
                fail(
                    "transitions",
                    ("transitions", index, "aliases"),
                    f"{quoted(alias)} is already the name of an event",
                )
            names.add(alias)
    kind_labels = fill(spec.label, ("label",))
    if spec.initial in states and not problems and not shared_problems:
        reachable = {spec.initial}
        frontier = [spec.initial]
        while frontier:
            current = frontier.pop()
            for step in steps:
                if current in step.sources and step.dest in states and step.dest not in reachable:
                    reachable.add(step.dest)
                    frontier.append(step.dest)
        unreachable = [s.name for s in own if s.name not in reachable]
        if unreachable:
            fail(
                "transitions",
                ("states",),
                f"unreachable from {quoted(spec.initial)}: {', '.join(unreachable)}",
            )
    if problems or shared_problems:
        told = [
            str(doc.invalid(found))
            for doc, found in ((common_document, shared_problems), (document, problems))
            if found
        ]
        raise InvalidDefinition("\n".join(told))

    machine = {
        "states": list(states),
        "initial": spec.initial,
        "transitions": machine_transitions,
        "auto_transitions": False,
        "send_event": True,
    }
    return Workflow(
        kind=spec.kind,
        labels=kind_labels,
        initial=spec.initial,
        states=states,
        steps=steps,
        special_states=special_names,
        _machine_spec=machine,
    )


def _parse(model: type[M], path: Path) -> tuple[M, Document]:
    from cam_tracker.files.yamlfile import read_yaml

    document = read_yaml(path)
    return document.validate(model), document


def load_workflow(path: Path, common_path: Path | None = None) -> Workflow:
    """Load, validate and build one workflow file (with the shared steps)."""
    from cam_tracker.files.workflow_spec import CommonSpec, WorkflowSpec

    common, common_document = _parse(CommonSpec, common_path or path.parent / COMMON_FILE)
    spec, document = _parse(WorkflowSpec, path)
    if spec.kind != path.stem:
        raise document.invalid(
            [Problem(("kind",), f"{quoted(spec.kind)} does not match the file name")]
        )
    return _build(spec, document, common, common_document)


@lru_cache(maxsize=8)
def _load_directory(directory: Path) -> dict[str, Workflow]:
    if not directory.is_dir():
        raise InvalidDefinition(f"{directory}: no such workflow directory")
    files = sorted(p for p in directory.glob("*.yaml") if p.name != COMMON_FILE)
    common = directory / COMMON_FILE
    return {path.stem: load_workflow(path, common) for path in files}


@lru_cache(maxsize=1)
def _bundled() -> dict[str, Workflow]:
    """The bundled kinds, loaded once. Kept apart from `_load_directory` so that the
    listing of 10,000 activities does not hash a path for every row; built from the same
    parsed files as `plan_kinds` reads, so a command parses each bundled file once."""
    common, common_document = _bundled_common()
    return {
        entry.spec.kind: _build(entry.spec, entry.document, common, common_document)
        for entry in _bundled_entries()
    }


@lru_cache(maxsize=1)
def _bundled_common() -> tuple["CommonSpec", Document]:
    """The shared steps (`common.yaml`), parsed once per process."""
    from cam_tracker.files.workflow_spec import CommonSpec

    return _parse(CommonSpec, data_dir("workflows").resolve() / COMMON_FILE)


@lru_cache(maxsize=1)
def _bundled_entries() -> tuple["_Entry", ...]:
    """The bundled kinds' files, parsed once per process (the package's files do not change
    while it runs)."""
    return tuple(_folder(data_dir("workflows").resolve(), BUNDLED))


def workflows(directory: Path | None = None) -> dict[str, Workflow]:
    """All workflow kinds of a directory (the bundled one by default), loaded once."""
    return _load_directory(directory.resolve()) if directory else _bundled()


def get(kind: str, directory: Path | None = None) -> Workflow:
    """The workflow of one kind."""
    known = workflows(directory)
    try:
        return known[kind]
    except KeyError:
        raise NotFound(
            f"unknown workflow kind {kind!r}{did_you_mean(kind, known)}; kinds: {', '.join(known)}"
        ) from None


# --- the kinds of a plan: bundled, the user's folder, the plan's folder, the plan file --------


@dataclass(frozen=True)
class Kinds:
    """The workflow kinds one plan uses, each with where it came from.

    `stored` is everything needed to build them again (the definitions as
    validated, the shared steps, the plan's bodies), kept with the plan in the
    store: a plan keeps working when the files it was loaded from are gone.
    """

    flows: dict[str, Workflow]
    origins: dict[str, str]
    sources: dict[str, str]
    stored: dict[str, Any]

    def get(self, kind: str) -> Workflow:
        try:
            return self.flows[kind]
        except KeyError:
            raise NotFound(
                f"unknown workflow kind {kind!r}{did_you_mean(kind, self.flows)}; "
                f"kinds: {', '.join(self.flows)}"
            ) from None

    def __contains__(self, kind: object) -> bool:
        return kind in self.flows

    def __iter__(self) -> Iterator[str]:
        return iter(self.flows)

    def origin(self, kind: str) -> str:
        return self.origins.get(kind, BUNDLED)


_STORED_VERSION = 1


@dataclass(frozen=True)
class _Entry:
    spec: "WorkflowSpec"
    document: _Told
    origin: str
    source: str


def _folder(directory: Path, origin: str) -> list[_Entry]:
    """The kinds of a folder of workflow files (its `common.yaml` only where it is bundled)."""
    from cam_tracker.files.workflow_spec import WorkflowSpec

    entries = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == COMMON_FILE:
            if origin != BUNDLED:
                raise InvalidDefinition(
                    f"{path}: the shared steps are the tool's own ({COMMON_FILE} is bundled): "
                    "define a kind instead"
                )
            continue
        spec, document = _parse(WorkflowSpec, path)
        if spec.kind != path.stem:
            raise document.invalid(
                [Problem(("kind",), f"{quoted(spec.kind)} does not match the file name")]
            )
        entries.append(_Entry(spec, document, origin, str(path)))
    return entries


def _clean_bodies(value: Any) -> dict[str, dict[str, dict[str, str]]]:
    """A plan's `bodies:` as validated (a malformed one is the plan schema's to tell)."""
    from pydantic import ValidationError

    from cam_tracker.files.workflow_spec import BodiesSpec

    try:
        return BodiesSpec.model_validate({"bodies": value or {}}).bodies
    except ValidationError:
        return {}


def _digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def plan_kinds(
    plan_file: Path | None = None, document: Document | None = None
) -> tuple[Kinds, list[Problem]]:
    """The kinds a plan uses: the bundled ones, then the user's folder, then a `workflows/`
    folder beside the plan file, then the plan file's own `workflows:` — a later kind of
    the same name overrides an earlier one. The plan's `bodies:` fill their labels.

    A broken workflow file is refused as the error of that file; the problems of the
    plan's `bodies:` are returned, to be told with the plan's other problems.
    """
    from pydantic import ValidationError

    from cam_tracker.files.workflow_spec import WorkflowSpec

    data = document.data if document is not None and isinstance(document.data, dict) else {}
    common, common_document = _bundled_common()
    entries: dict[str, _Entry] = {e.spec.kind: e for e in _bundled_entries()}
    folders = [(workflows_dir(), USER_FOLDER)]
    if plan_file is not None:
        folders.append((plan_file.parent / "workflows", PLAN_FOLDER))
    for folder, origin in folders:
        if folder.is_dir():
            entries.update((e.spec.kind, e) for e in _folder(folder, origin))
    inline = data.get("workflows")
    if document is not None and isinstance(inline, list):
        for index, raw in enumerate(inline):
            try:
                spec = WorkflowSpec.model_validate(raw)
            except ValidationError:
                continue  # the plan's schema tells it, with the plan's other problems
            where = _Within(document, ("workflows", index))
            entries[spec.kind] = _Entry(spec, where, PLAN_FILE, str(document.path))
    bodies = _clean_bodies(data.get("bodies"))
    problems: list[Problem] = []
    declared: dict[str, set[str]] = {}
    for entry in entries.values():
        for body, forms in entry.spec.bodies.items():
            declared.setdefault(body, set()).update(forms)
    for body, forms in bodies.items():
        for form in forms:
            if form not in declared.get(body, set()):
                known = sorted(f"{b}.{f}" for b, fs in declared.items() for f in fs)
                problems.append(
                    Problem(
                        ("bodies", body, form),
                        f"no workflow kind of this plan names {body}.{form}"
                        f"{did_you_mean(f'{body}.{form}', known)}",
                    )
                )
    stored: dict[str, Any] = {
        "version": _STORED_VERSION,
        "common": common.model_dump(mode="json"),
        "kinds": {kind: e.spec.model_dump(mode="json") for kind, e in entries.items()},
        "origins": {kind: e.origin for kind, e in entries.items()},
        "sources": {kind: e.source for kind, e in entries.items()},
        "bodies": bodies,
    }
    stored["digest"] = _digest(stored)
    flows = {}
    bundled = _bundled()
    for kind, entry in entries.items():
        if entry.origin == BUNDLED and not bodies:
            flows[kind] = bundled[kind]
        else:
            flows[kind] = _build(entry.spec, entry.document, common, common_document, bodies)
    kinds = Kinds(
        flows=flows,
        origins=dict(stored["origins"]),
        sources=dict(stored["sources"]),
        stored=stored,
    )
    _STORED[stored["digest"]] = kinds
    return kinds, problems


# Kinds built from stored definitions, by their digest: every reader of a plan builds them once.
_STORED: dict[str, Kinds] = {}
_STORED_LIMIT = 64


class _Stored:
    """A definition as stored with a plan: validated by its schema (`files.workflow_spec`)
    when the plan was loaded and stored as the schema wrote it out, every field there. Read
    back, its keys are the attributes the schema's objects have; no schema is needed."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        for key, value in data.items():
            if key in ("states", "transitions"):
                value = [_Stored(item) for item in value]
            self.__dict__[key] = value

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"a stored definition has no {name!r}")

    def sources(self) -> list[str]:
        return list(self.__dict__["source"])


def stored_kinds(stored: Mapping[str, Any]) -> Kinds:
    """A plan's kinds from the definitions stored with it (no file is read, no schema
    imported: they were validated when the plan was loaded)."""
    digest = str(stored.get("digest", ""))
    found = _STORED.get(digest)
    if found is not None:
        return found
    if stored.get("version") != _STORED_VERSION:
        raise InvalidDefinition(
            f"the plan's stored workflows are of version {stored.get('version')!r}: "
            "this release reads version 1; reload the plan"
        )
    place = Document(Path("(stored with the plan)"), dict(stored))
    common = _Stored(stored["common"])
    bodies = dict(stored.get("bodies") or {})  # as `_clean_bodies` left them
    flows = {
        kind: _build(_Stored(raw), place, common, place, bodies)
        for kind, raw in dict(stored["kinds"]).items()
    }
    kinds = Kinds(
        flows=flows,
        origins=dict(stored.get("origins", {})),
        sources=dict(stored.get("sources", {})),
        stored=dict(stored),
    )
    if len(_STORED) >= _STORED_LIMIT:
        _STORED.pop(next(iter(_STORED)))
    _STORED[digest] = kinds
    return kinds


def __getattr__(name: str) -> Any:
    """`KindSpec` and `Bodies`, the schemas of what a plan file writes of its kinds, imported
    when a plan file is read (`files.workflow_spec`)."""
    if name not in ("KindSpec", "Bodies"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from cam_tracker.files import workflow_spec

    return getattr(workflow_spec, name)


def installed() -> Kinds:
    """The kinds every plan starts from: the bundled ones and the user's folder (read again
    only when the folder's files change)."""
    folder = workflows_dir()
    files = (
        tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*")))
        if folder.is_dir()
        else ()
    )
    return _installed(str(folder), files)


@lru_cache(maxsize=4)
def _installed(folder: str, files: tuple[tuple[str, int, int], ...]) -> Kinds:
    return plan_kinds()[0]
