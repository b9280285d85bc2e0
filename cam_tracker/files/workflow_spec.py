"""The schemas of workflow definitions (pydantic): what a workflow file, `common.yaml`
and a plan's `workflows:` and `bodies:` may say.

Used when definitions are read from files and validated (`files.workflow`);
definitions stored with a plan were validated when it was loaded, and are read
without these (`workflow.stored_kinds`).
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator

from cam_tracker.core.text import as_labels, quoted
from cam_tracker.files.workflow import _NAME, _RESERVED_EVENTS, Requirement, Role


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Label = Annotated[dict[str, str], BeforeValidator(as_labels)]


class StateSpec(Strict):
    name: str
    label: Label
    final: bool = False
    # Only for the shared states of common.yaml: what an activity in it counts as.
    status: Literal["postponed", "withdrawn"] | None = None


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _check_event_name(value: str) -> str:
    if not value.isidentifier() or value.startswith("_"):
        raise ValueError(f"{quoted(value)} is not a valid event name (letters, digits, _)")
    if value in _RESERVED_EVENTS or value.startswith(("to_", "may_")):
        raise ValueError(f"{quoted(value)} is reserved and cannot be an event name")
    return value


class TransitionSpec(Strict):
    trigger: str
    source: Annotated[list[str], BeforeValidator(_one_or_many)]
    dest: str
    label: Label
    requires: list[Requirement] = []
    roles: list[Role] = []
    # Former names of the event: history and stores that recorded one keep working.
    aliases: list[str] = []

    @field_validator("trigger")
    @classmethod
    def _event_name(cls, value: str) -> str:
        return _check_event_name(value)

    @field_validator("aliases")
    @classmethod
    def _alias_names(cls, value: list[str]) -> list[str]:
        return [_check_event_name(name) for name in value]

    def sources(self) -> list[str]:
        return list(self.source)


def _body_names(value: Any) -> Any:
    if isinstance(value, dict):
        for name, forms in value.items():
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                raise ValueError(f"{quoted(name)} is not a body name (letters, digits, _)")
            if isinstance(forms, dict):
                for form in forms:
                    if not isinstance(form, str) or not _NAME.fullmatch(form):
                        raise ValueError(f"{quoted(form)} is not a form name (letters, digits, _)")
    return value


# A plan's bodies, or a kind's defaults: body -> form -> labels (`{refer_to.to}` in a label).
Bodies = Annotated[dict[str, dict[str, Label]], BeforeValidator(_body_names)]


class WorkflowSpec(Strict):
    kind: str
    label: Label
    initial: str
    states: list[StateSpec]
    transitions: list[TransitionSpec]
    # The bodies its labels name (`{refer_to.to}`), each form with the words it takes when
    # a plan names none: a plan's `bodies:` fills them with its own council and assembly.
    bodies: Bodies = {}


# What a plan file writes under `workflows:` (one entry a kind, as in a workflow file).
KindSpec = WorkflowSpec


class CommonSpec(Strict):
    states: list[StateSpec]
    transitions: list[TransitionSpec]


class BodiesSpec(Strict):
    bodies: Bodies = {}
