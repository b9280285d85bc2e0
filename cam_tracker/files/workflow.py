"""Workflow definitions: load and validate the YAML, build one state machine per kind.

This is the only module that imports `transitions`. A definition maps straight
onto what `transitions.Machine` takes (states, initial, transitions with
trigger/source/dest); the steps every kind shares live in `common.yaml`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator

from cam_tracker.core.errors import InvalidDefinition, NotFound, TransitionRefused, did_you_mean
from cam_tracker.core.resources import data_dir
from cam_tracker.core.text import as_labels, local, quoted
from cam_tracker.files.yamlfile import Document, Loc, Problem, read_yaml

ROLES = ("chair", "vice_chair", "secretariat", "delegate", "coordinator")
REQUIREMENTS = ("session", "document", "note")
PREVIOUS = "previous"
# The tool's own history event for a move in the plan: state unchanged, never a workflow's.
RESCHEDULE = "reschedule"
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
# Names transitions would refuse or shadow on a model.
_RESERVED_EVENTS = {"trigger", "update", "copy", "validate", "state", "machine", "may", RESCHEDULE}

M = TypeVar("M", bound=BaseModel)
Requirement = Literal["session", "document", "note"]
Role = Literal["chair", "vice_chair", "secretariat", "delegate", "coordinator"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_Label = Annotated[dict[str, str], BeforeValidator(as_labels)]


class _StateSpec(_Strict):
    name: str
    label: _Label
    final: bool = False
    # Only for the shared states of common.yaml: what an activity in it counts as.
    status: Literal["postponed", "withdrawn"] | None = None


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _TransitionSpec(_Strict):
    trigger: str
    source: Annotated[list[str], BeforeValidator(_one_or_many)]
    dest: str
    label: _Label
    requires: list[Requirement] = []
    roles: list[Role] = []

    @field_validator("trigger")
    @classmethod
    def _event_name(cls, value: str) -> str:
        if not value.isidentifier() or value.startswith("_"):
            raise ValueError(f"{quoted(value)} is not a valid event name (letters, digits, _)")
        if value in _RESERVED_EVENTS or value.startswith(("to_", "may_")):
            raise ValueError(f"{quoted(value)} is reserved and cannot be an event name")
        return value

    def sources(self) -> list[str]:
        return list(self.source)


class _WorkflowSpec(_Strict):
    kind: str
    label: _Label
    initial: str
    states: list[_StateSpec]
    transitions: list[_TransitionSpec]


class _CommonSpec(_Strict):
    states: list[_StateSpec]
    transitions: list[_TransitionSpec]


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

    def label(self, lang: str = "en") -> str:
        return local(self.labels, lang)


@dataclass
class _Token:
    """The plain object a machine moves: transitions sets `state` on it."""

    state: str
    resume_to: str | None = None


@dataclass
class Workflow:
    """A validated workflow kind and its state machine (built once)."""

    kind: str
    labels: dict[str, str]
    initial: str
    states: dict[str, State]
    steps: list[Step]
    special_states: tuple[str, ...] = ()
    _machine: Any = field(default=None, repr=False)

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
        return list(self._by_event)

    @cached_property
    def _by_event(self) -> dict[str, Step]:
        """Each event's first step (a resume has one per target, all alike to a reader)."""
        found: dict[str, Step] = {}
        for step in self.steps:
            found.setdefault(step.event, step)
        return found

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
        token = _Token(state=state, resume_to=resume_to)
        if not self._machine.events[event].trigger(token):
            raise TransitionRefused(f"{event!r} cannot fire from {state!r}: no state to return to")
        return token.state

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


def _build(
    spec: _WorkflowSpec, document: Document, common: _CommonSpec, common_document: Document
) -> Workflow:
    """The workflow and its machine, or every problem of its file (and of common.yaml) at once."""
    problems: list[Problem] = []
    shared_problems: list[Problem] = []

    def fail(where: str, loc: Loc, what: str) -> None:
        (problems if where == "transitions" else shared_problems).append(Problem(loc, what))

    own = [State(s.name, _labels(s.label), s.final) for s in spec.states]
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
                    labels=_labels(t.label),
                    requires=tuple(t.requires),
                    roles=tuple(t.roles),
                    shared=where == "common",
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

    from transitions import Machine

    machine = Machine(
        model=None,
        states=list(states),
        initial=spec.initial,
        transitions=machine_transitions,
        auto_transitions=False,
        send_event=True,
    )
    return Workflow(
        kind=spec.kind,
        labels=_labels(spec.label),
        initial=spec.initial,
        states=states,
        steps=steps,
        special_states=special_names,
        _machine=machine,
    )


def _parse(model: type[M], path: Path) -> tuple[M, Document]:
    document = read_yaml(path)
    return document.validate(model), document


def load_workflow(path: Path, common_path: Path | None = None) -> Workflow:
    """Load, validate and build one workflow file (with the shared steps)."""
    common, common_document = _parse(_CommonSpec, common_path or path.parent / COMMON_FILE)
    spec, document = _parse(_WorkflowSpec, path)
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
    listing of 10,000 activities does not hash a path for every row."""
    return _load_directory(data_dir("workflows").resolve())


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
