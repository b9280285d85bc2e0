"""Authority over what changes the record: a policy names who may, the chain says who did."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Cam

from cam_tracker.files.plan import bundled_plans


def _shared(cam: Cam) -> Cam:
    """The secretariat registered first (it manages people), then the chair and a delegate."""
    cam("people", "add", "secretariat", "--update", "--email", "cam@example.org")
    cam("people", "add", "chair", "--update", "--email", "chair@example.org", "--as", "secretariat")
    cam(
        "people",
        "add",
        "ana",
        *("--name", "Ana Delegada", "--role", "delegate", "--email", "ana@example.org"),
        *("--as", "secretariat"),
    )
    cam("people", "assign", "chair", "sicremi", "--as", "secretariat")
    return cam


def _changes(cam: Cam) -> list[dict[str, Any]]:
    return [row for row in cam.json("history", "--all") if row["record"] == "change"]


def _state(cam: Cam) -> tuple[Any, ...]:
    """Everything a refused change must leave as it was."""
    return (
        cam.json("people", "list"),
        cam.json("calendar"),
        cam.json("history", "--all"),
        cam("audit", "head").output,
    )


REFUSED = {
    "register a chair": (
        ["people", "add", "eve", "--name", "Eve", "--role", "chair"],
        "registering or changing a person (eve) needs the role secretariat; "
        "ana has the role delegate",
    ),
    "promote oneself": (
        ["people", "add", "ana", "--update", "--role", "chair"],
        "registering or changing a person (ana) needs the role secretariat; "
        "ana has the role delegate",
    ),
    "redirect the chair's mail": (
        ["people", "add", "chair", "--update", "--email", "evil@example.org"],
        "registering or changing a person (chair) needs the role secretariat; "
        "ana has the role delegate",
    ),
    "unassign another": (
        ["people", "unassign", "chair", "sicremi"],
        "assigning people to activities needs the role secretariat; ana has the role delegate",
    ),
    "assign oneself": (
        ["people", "assign", "ana", "cam-dissemination"],
        "assigning people to activities needs the role secretariat; ana has the role delegate",
    ),
    "move a session": (
        ["session", "reschedule", "2015-12a", "--to", "2015-12-03", "--reason", "mine"],
        "moving a session needs the role chair or secretariat; ana has the role delegate",
    ),
    "record a session": (
        ["session", "record", "2015-11", "--on", "2015-11-18", "--as-planned"],
        "recording a session as held needs the role chair or secretariat; "
        "ana has the role delegate",
    ),
    "load a plan": (
        ["plan", "load", "cam-2015-2016"],
        "loading a plan needs the role secretariat; ana has the role delegate",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_delegate_cannot_change_the_record(loaded: Cam, case: str) -> None:
    cam = _shared(loaded)
    command, message = REFUSED[case]
    before = _state(cam)
    result = cam(*command, expect=1, env={"CAM_USER": "ana"})
    assert result.output == f"Error: {message}\n"
    assert _state(cam) == before


def test_allowed_changes_are_rows_of_the_chain(loaded: Cam) -> None:
    cam = _shared(loaded)
    cam(
        "session",
        "reschedule",
        "2015-12a",
        "--to",
        "2015-12-03",
        "--reason",
        "room",
        "--as",
        "chair",
    )
    # No item advances (the chair's own item is left out), yet the session is held: recorded.
    cam("session", "record", "2015-10b", "--on", "2015-10-28", "--as", "chair")
    cam("people", "unassign", "chair", "sicremi", "--as", "secretariat")
    rows = _changes(cam)
    told = [(r["subject"], r["key"], r["action"], r["actor"], r["actor_role"]) for r in rows]
    assert told == [
        ("plan", "cam-2015-2016", "loaded", "tester", "*"),
        ("person", "secretariat", "registered", "tester", "*"),
        ("person", "chair", "registered", "secretariat", "secretariat"),
        ("person", "ana", "registered", "secretariat", "secretariat"),
        ("assignment", "sicremi", "assigned", "secretariat", "secretariat"),
        ("session", "2015-12a", "moved", "chair", "chair"),
        ("session", "2015-10b", "held", "chair", "chair"),
        ("assignment", "sicremi", "unassigned", "secretariat", "secretariat"),
    ]
    load, _, chair, _, assigned, moved, held, unassigned = rows
    assert load["changes"]["source"] == {"from": None, "to": "bundled:cam-2015-2016"}
    assert len(load["changes"]["digest"]["to"]) == 64
    assert chair["changes"]["email"] == {"from": None, "to": "chair@example.org"}
    assert chair["changes"]["role"] == {"from": "chair", "to": "chair"}
    assert assigned["changes"] == {"responsible": {"from": None, "to": "chair"}}
    assert unassigned["changes"] == {"responsible": {"from": "chair", "to": None}}
    assert moved["changes"]["date"] == {"from": None, "to": "2015-12-03"}
    assert moved["note"] == "room"
    assert held["changes"]["held_on"] == {"from": None, "to": "2015-10-28"}
    # An activity's steps are listed without the other changes.
    assert all("subject" not in row for row in cam.json("history"))
    assert all(row["event"] == "reschedule" for row in cam.json("history"))
    lines = cam("history", "--all").output.splitlines()
    assert any("session 2015-10b held: held_on – → 2015-10-28" in line for line in lines)
    assert "verified" in cam("audit", "verify").output


def test_a_role_or_address_change_is_recorded_with_before_and_after(loaded: Cam) -> None:
    cam = _shared(loaded)
    cam("people", "add", "ana", "--update", "--role", "chair", "--as", "secretariat")
    cam(
        "people",
        "add",
        "chair",
        "--update",
        "--email",
        "new@example.org",
        "--as",
        "cam@example.org",
    )
    *_, role, email = _changes(cam)
    assert (role["key"], role["action"], role["changes"]) == (
        "ana",
        "changed",
        {"role": {"from": "delegate", "to": "chair"}},
    )
    assert email["changes"] == {"email": {"from": "chair@example.org", "to": "new@example.org"}}
    assert "verified" in cam("audit", "verify").output


def test_an_address_belongs_to_one_person(loaded: Cam) -> None:
    cam = _shared(loaded)
    before = cam.json("people", "list")
    for args in (
        ["bob", "--name", "Bob", "--role", "delegate", "--email", "ANA@Example.org"],
        ["chair", "--update", "--email", "Ana@example.org"],
    ):
        result = cam("people", "add", *args, "--as", "secretariat", expect=1)
        assert result.output.startswith("Error: ")
        assert "the address" in result.output and "is already ana's" in result.output
    assert cam.json("people", "list") == before


def test_the_first_person_registered_manages_people_and_the_last_one_stays(loaded: Cam) -> None:
    result = loaded("people", "add", "chair", "--update", "--email", "c@example.org", expect=1)
    assert "the first person registered must be one who may manage people (secretariat)" in (
        result.output
    )
    assert not any(p["registered"] for p in loaded.json("people", "list"))
    cam = _shared(loaded)
    result = cam(
        "people",
        "add",
        "secretariat",
        "--update",
        "--role",
        "delegate",
        "--as",
        "secretariat",
        expect=1,
    )
    assert "nobody registered would be left to manage people (secretariat)" in result.output


def test_a_store_with_nobody_registered_accepts_everything(loaded: Cam) -> None:
    loaded("session", "reschedule", "2015-12a", "--to", "2015-12-03", "--reason", "room")
    loaded("session", "record", "2015-10b", "--on", "2015-10-28")
    loaded("people", "assign", "chair", "sicremi")
    roles = {(r["actor"], r["actor_role"]) for r in _changes(loaded)}
    assert roles == {("tester", "*")}


# --- a plan file and the registered people ------------------------------------------


def _plan_file(tmp_path: Path, *, people: list[dict[str, Any]], **more: Any) -> Path:
    data = yaml.safe_load(bundled_plans()["cam-2015-2016"].read_text(encoding="utf-8"))
    data["people"] = people
    data.update(more)
    path = tmp_path / "cam-2015-2016.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


BUNDLED_PEOPLE = [
    {"key": "chair", "name": "Chair of the CAM", "role": "chair"},
    {"key": "vice-chair", "name": "Vice Chair of the CAM", "role": "vice_chair"},
    {
        "key": "secretariat",
        "name": "Technical Secretariat of the CAM (SEDI)",
        "role": "secretariat",
    },
]


HOSTILE_PEOPLE = [
    {"key": "chair", "name": "Chair of the CAM", "role": "chair"},
    {"key": "vice-chair", "name": "Vice Chair of the CAM", "role": "vice_chair"},
    {
        "key": "secretariat",
        "name": "Technical Secretariat of the CAM (SEDI)",
        "role": "delegate",
        "email": "evil@example.org",
    },
    {"key": "ana", "name": "Ana Delegada", "role": "secretariat"},
    {"key": "newcomer", "name": "New Person", "role": "coordinator"},
]


def test_a_reload_keeps_registered_people_unless_the_loader_manages_people(
    loaded: Cam, tmp_path: Path
) -> None:
    """A plan whose policy lets the chair load it: the chair's reload changes nobody registered."""
    cam = _shared(loaded)
    lenient = _plan_file(
        tmp_path, people=BUNDLED_PEOPLE, policy={"load_plan": ["chair", "secretariat"]}
    )
    cam("plan", "load", str(lenient), "--replace", env={"CAM_USER": "secretariat"})
    before = {p["key"]: p for p in cam.json("people", "list")}
    hostile = _plan_file(
        tmp_path, people=HOSTILE_PEOPLE, policy={"load_plan": ["chair", "secretariat"]}
    )
    result = cam("plan", "load", str(hostile), env={"CAM_USER": "chair"})
    assert (
        "kept because recorded: person secretariat: role secretariat, email cam@example.org "
        "as registered; the file says delegate, evil@example.org"
    ) in result.output
    assert (
        "kept because recorded: person ana: role delegate as registered; the file says secretariat"
        in (result.output)
    )
    after = {p["key"]: p for p in cam.json("people", "list")}
    for key in ("secretariat", "ana", "chair"):
        facts = {name: value for name, value in after[key].items() if name != "bodies"}
        assert facts == {n: v for n, v in before[key].items() if n != "bodies"}, key
    # The file now names ana as the plan's: a member of the CAM, in the role she is registered in.
    assert after["ana"]["bodies"] == ["CAM delegate (cam-2015-2016)"]
    assert after["newcomer"]["role"] == "coordinator" and not after["newcomer"]["registered"]
    # The delegate still cannot fire the secretariat's step.
    cam(
        "advance",
        *("draft-resolution", "present", "--session", "2016-02", "--on", "2016-02-17"),
        *("--as", "chair"),
    )
    refused = cam(
        "advance",
        *("draft-resolution", "approve", "--session", "2016-05", "--on", "2016-05-18"),
        *("--as", "ana"),
        expect=1,
    )
    assert "needs the role secretariat; ana has the role delegate" in refused.output
    assert "verified" in cam("audit", "verify").output


def test_a_reload_by_who_manages_people_changes_them_through_recorded_rows(
    loaded: Cam, tmp_path: Path
) -> None:
    cam = _shared(loaded)
    people = [
        *BUNDLED_PEOPLE[:2],
        {**BUNDLED_PEOPLE[2], "email": "sedi@example.org"},
        {"key": "ana", "name": "Ana Delegada", "role": "secretariat"},
    ]
    result = cam(
        "plan",
        "load",
        str(_plan_file(tmp_path, people=people)),
        "--replace",
        env={"CAM_USER": "secretariat"},
    )
    assert "kept because recorded: person" not in result.output
    now = {p["key"]: p for p in cam.json("people", "list")}
    assert (now["ana"]["role"], now["secretariat"]["email"]) == ("secretariat", "sedi@example.org")
    *_, load, address, promoted = _changes(cam)
    assert (load["subject"], load["action"]) == ("plan", "reloaded")
    assert load["changes"]["source"]["to"].endswith("cam-2015-2016.yaml")
    assert (address["key"], address["changes"]) == (
        "secretariat",
        {"email": {"from": "cam@example.org", "to": "sedi@example.org"}},
    )
    assert (promoted["key"], promoted["changes"]) == (
        "ana",
        {"role": {"from": "delegate", "to": "secretariat"}},
    )
    assert {promoted["actor"], address["note"]} == {"secretariat", "from the plan file"}
    assert "verified" in cam("audit", "verify").output


def test_a_plan_file_cannot_give_an_address_that_is_someone_elses(
    loaded: Cam, tmp_path: Path
) -> None:
    cam = _shared(loaded)
    mallory = {"key": "mallory", "name": "M", "role": "chair", "email": "CAM@example.org"}
    stolen = _plan_file(tmp_path, people=[*BUNDLED_PEOPLE, mallory])
    result = cam(
        "plan", "load", str(stolen), "--replace", expect=1, env={"CAM_USER": "secretariat"}
    )
    assert "people.3.email: the address CAM@example.org is already secretariat's" in result.output
    assert "mallory" not in {p["key"] for p in cam.json("people", "list")}


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"load_plan": ["queen"]}, "policy.load_plan: unknown role 'queen'"),
        ({"load_plan": []}, "policy.load_plan: needs at least 1 entry"),
        ({"rule_the_world": ["chair"]}, "policy.rule_the_world: unknown key"),
    ],
)
def test_a_policy_is_validated(cam: Cam, tmp_path: Path, policy: Any, message: str) -> None:
    path = _plan_file(tmp_path, people=BUNDLED_PEOPLE, policy=policy)
    result = cam("plan", "load", str(path), expect=1)
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_a_plans_policy_decides_who_records_its_sessions(cam: Cam, tmp_path: Path) -> None:
    path = _plan_file(tmp_path, people=BUNDLED_PEOPLE, policy={"record_session": ["secretariat"]})
    cam("plan", "load", str(path))
    cam("people", "add", "secretariat", "--update", "--email", "cam@example.org")
    cam("people", "add", "chair", "--update", "--email", "c@example.org", "--as", "secretariat")
    refused = cam("session", "record", "2015-10b", "--on", "2015-10-28", "--as", "chair", expect=1)
    assert refused.output == (
        "Error: recording a session as held needs the role secretariat; chair has the role chair\n"
    )
    cam("session", "record", "2015-10b", "--on", "2015-10-28", "--as", "secretariat")
