"""Workflow definitions: the bundled kinds, the shared steps, validation, diagrams."""

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import transitions
import yaml

from cam_tracker.core.errors import InvalidDefinition, NotFound, TransitionRefused
from cam_tracker.core.resources import data_dir
from cam_tracker.files import workflow

BUNDLED = data_dir("workflows")
KINDS = sorted(p.stem for p in BUNDLED.glob("*.yaml") if p.name != workflow.COMMON_FILE)
SHARED_EVENTS = ("postpone", "withdraw", "resume")


def open_states(flow: workflow.Workflow) -> list[str]:
    """The kind's own states that are not final (where postpone and withdraw apply)."""
    return [
        s.name for s in flow.states.values() if not s.final and s.name not in flow.special_states
    ]


def test_every_bundled_kind_loads() -> None:
    flows = workflow.workflows()
    assert sorted(flows) == KINDS
    assert {"resolution", "program_update", "meeting", "campaign", "dissemination"} <= set(flows)
    for kind, flow in flows.items():
        assert flow.kind == kind
        assert flow.initial in flow.states
        assert workflow.get(kind) is flow


@pytest.mark.parametrize("kind", KINDS)
def test_states_and_events_have_english_and_spanish_labels(kind: str) -> None:
    flow = workflow.get(kind)
    assert flow.label("en") and flow.label("es")
    for state in flow.states.values():
        assert state.labels.get("en"), f"{kind}.{state.name} has no English label"
        assert state.labels.get("es"), f"{kind}.{state.name} has no Spanish label"
        assert state.label("es") != state.name
    for step in flow.steps:
        assert step.labels.get("en") and step.labels.get("es"), f"{kind}.{step.event}"


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_a_final_state_of_its_own(kind: str) -> None:
    flow = workflow.get(kind)
    finals = [s for s in flow.states.values() if s.final]
    assert finals
    assert all(s.name not in flow.special_states for s in finals)
    for state in finals:
        assert flow.allowed(state.name) == []


@pytest.mark.parametrize("kind", KINDS)
def test_postpone_withdraw_resume_on_every_kind(kind: str) -> None:
    flow = workflow.get(kind)
    assert set(SHARED_EVENTS) <= set(flow.events())
    assert {"postponed", "withdrawn"} <= set(flow.states)
    for state in open_states(flow):
        assert flow.fire(state, "postpone") == "postponed"
        assert flow.fire("postponed", "resume", resume_to=state) == state
        assert flow.fire(state, "withdraw") == "withdrawn"
        assert flow.fire("withdrawn", "resume", resume_to=state) == state
    assert flow.fire("postponed", "withdraw") == "withdrawn"
    for step_event in SHARED_EVENTS:
        assert "note" in flow.step(step_event).requires


@pytest.mark.parametrize("kind", KINDS)
def test_resume_without_a_state_to_return_to_is_refused(kind: str) -> None:
    flow = workflow.get(kind)
    with pytest.raises(TransitionRefused, match="no state to return to"):
        flow.fire("postponed", "resume", resume_to=None)


def test_final_states_cannot_be_postponed() -> None:
    flow = workflow.get("resolution")
    with pytest.raises(TransitionRefused, match="allowed now: none"):
        flow.fire("adopted", "postpone")


def test_an_event_not_allowed_lists_the_allowed_ones() -> None:
    flow = workflow.get("resolution")
    with pytest.raises(TransitionRefused) as refused:
        flow.fire("drafting", "approve")
    message = str(refused.value)
    assert "'approve'" in message and "'drafting'" in message
    allowed = message.split("allowed now:", 1)[1]
    assert [e.strip() for e in allowed.split(",")] == ["present", "postpone", "withdraw"]


def test_an_unknown_event_is_refused_with_the_events_of_the_kind() -> None:
    flow = workflow.get("program_update")
    with pytest.raises(TransitionRefused) as refused:
        flow.fire("mandated", "launch")
    assert "install_working_group" in str(refused.value)


def test_unknown_kind_suggests_a_close_one() -> None:
    with pytest.raises(NotFound, match="did you mean 'resolution'"):
        workflow.get("resolutoin")


# --- malformed definitions ------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    directory = tmp_path / "workflows"
    shutil.copytree(BUNDLED, directory, ignore=shutil.ignore_patterns("plans"))
    return directory


def _edit(directory: Path, name: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.__setitem__(key, value)


def _first_transition(**changes: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["transitions"][0].update(changes)


def _drop_finals(data: dict[str, Any]) -> None:
    for state in data["states"]:
        state.pop("final", None)


def _add_state(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["states"].append({"name": name, "label": {"en": name, "es": name}})


MALFORMED: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    # case: (change to resolution.yaml, key the message names, what it says)
    "unknown key": (_set("colour", "blue"), "colour", "unknown key"),
    "unknown key in a state": (
        lambda d: d["states"][0].__setitem__("colour", "blue"),
        "states[drafting].colour",
        "unknown key",
    ),
    "unknown source state": (_first_transition(source="nowhere"), "source", "nowhere"),
    "unknown dest state": (_first_transition(dest="nowhere"), "dest", "nowhere"),
    "missing initial": (lambda d: d.pop("initial"), "initial", "missing"),
    "unknown initial": (_set("initial", "nowhere"), "initial", "nowhere"),
    "duplicate state": (_add_state("drafting"), "states", "duplicate state 'drafting'"),
    "bad role": (_first_transition(roles=["king"]), "roles", "chair"),
    "bad requirement": (_first_transition(requires=["signature"]), "requires", "session"),
    "reserved event name": (_first_transition(trigger="update"), "trigger", "reserved"),
    "event named like a machine helper": (
        _first_transition(trigger="to_presented"),
        "trigger",
        "reserved",
    ),
    "shared event redefined": (_first_transition(trigger="postpone"), "trigger", "postpone"),
    "unreachable state": (_add_state("orphan"), "states", "unreachable"),
    "no final state": (_drop_finals, "states", "no final state"),
    "kind is not the file name": (_set("kind", "resolutions"), "kind", "file name"),
    "missing label": (lambda d: d.pop("label"), "label", "missing"),
    "label without English": (lambda d: d["label"].pop("en"), "label", "English text (en)"),
    "label in an unknown language": (
        lambda d: d["label"].update(xx="?"),
        "label",
        "unknown language 'xx'",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_definition_is_refused_naming_file_and_key(tmp_path: Path, case: str) -> None:
    change, key, what = MALFORMED[case]
    directory = _copy(tmp_path)
    _edit(directory, "resolution.yaml", change)
    with pytest.raises(InvalidDefinition) as refused:
        workflow.workflows(directory)
    message = str(refused.value)
    assert "\n" not in message
    assert str(directory / "resolution.yaml") in message
    assert key in message
    assert what in message


def test_invalid_yaml_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    path = directory / "meeting.yaml"
    path.write_text("kind: meeting\nstates: [unclosed\n", encoding="utf-8")
    with pytest.raises(InvalidDefinition) as refused:
        workflow.workflows(directory)
    message = str(refused.value)
    assert "\n" not in message
    assert str(path) in message and "invalid YAML" in message and "line" in message


def test_broken_common_file_is_refused(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory, "common.yaml", lambda d: d["transitions"][0].update(dest="nowhere"))
    with pytest.raises(InvalidDefinition) as refused:
        workflow.workflows(directory)
    assert "nowhere" in str(refused.value) and "\n" not in str(refused.value)


def test_a_top_level_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "campaign.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(InvalidDefinition) as refused:
        workflow.workflows(directory)
    assert "campaign.yaml" in str(refused.value) and "\n" not in str(refused.value)


def test_an_unmodified_copy_loads(tmp_path: Path) -> None:
    flows = workflow.workflows(_copy(tmp_path))
    assert sorted(flows) == KINDS


# --- diagrams -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_mermaid_contains_every_transition(kind: str) -> None:
    flow = workflow.get(kind)
    diagram = flow.mermaid()
    lines = set(diagram.splitlines())
    assert diagram.startswith("stateDiagram-v2\n")
    assert f"  [*] --> {flow.initial}" in lines
    for step in flow.steps:
        targets = open_states(flow) if step.dest == workflow.PREVIOUS else [step.dest]
        for source in step.sources:
            for target in targets:
                assert f"  {source} --> {target}: {step.event}" in lines
    for state in flow.states.values():
        assert f'  state "{state.label()}" as {state.name}' in lines
        if state.final:
            assert f"  {state.name} --> [*]" in lines


def test_mermaid_in_spanish_uses_spanish_labels() -> None:
    assert 'state "En redacción" as drafting' in workflow.get("resolution").mermaid("es")


# --- one machine per kind -----------------------------------------------------------


def test_machines_are_built_once_per_kind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    built: list[object] = []

    class CountingMachine(transitions.Machine):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            built.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(transitions, "Machine", CountingMachine)
    directory = _copy(tmp_path)
    first = workflow.workflows(directory)
    assert built == []  # a reader that fires no event (a listing) builds no machine
    second = workflow.workflows(directory)
    assert second is first
    assert all(second[kind] is first[kind] for kind in KINDS)
    flow = first["resolution"]
    machine = flow._machine
    for _ in range(50):
        state = flow.fire("drafting", "present")
        state = flow.fire(state, "postpone")
        flow.fire(state, "resume", resume_to="presented")
    assert built == [machine]
    assert flow._machine is machine
    assert machine.models == []


def test_bundled_workflows_are_the_same_objects_on_every_call() -> None:
    assert workflow.workflows() is workflow.workflows()
    assert workflow.get("meeting") is workflow.workflows()["meeting"]
    assert workflow.get("meeting")._machine is workflow.workflows()["meeting"]._machine
