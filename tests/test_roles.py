"""Who may do what: single-user stores act with every role; shared stores check roles."""

import pytest
from conftest import Cam


def test_a_store_with_nobody_registered_is_single_user(loaded: Cam) -> None:
    loaded("advance", "draft-resolution", "present", "--session", "2016-02", "--on", "2016-02-17")
    [row] = loaded.json("history", "draft-resolution")
    assert (row["actor"], row["actor_role"]) == ("tester", "*")
    assert "tester (single-user)" in loaded("history", "draft-resolution").output


def _shared(cam: Cam) -> Cam:
    # The first person registered manages people; the others are theirs to register.
    cam("people", "add", "secretariat", "--update", "--email", "cam@example.org")
    cam("people", "add", "chair", "--update", "--email", "chair@example.org", "--as", "secretariat")
    cam(
        "people",
        "add",
        "ana",
        "--name",
        "Ana Delegada",
        "--role",
        "delegate",
        "--email",
        "ana@example.org",
        "--as",
        "secretariat",
    )
    return cam


def test_in_a_shared_store_the_chair_presents(loaded: Cam) -> None:
    cam = _shared(loaded)
    refused = cam(
        "advance",
        "draft-resolution",
        "present",
        "--session",
        "2016-02",
        "--on",
        "2016-02-17",
        "--as",
        "ana",
        expect=1,
    )
    assert refused.output == (
        "Error: 'present' on draft-resolution needs the role chair or secretariat; "
        "ana has the role delegate\n"
    )
    assert cam.json("history", "draft-resolution") == []
    cam(
        "advance",
        "draft-resolution",
        "present",
        "--session",
        "2016-02",
        "--on",
        "2016-02-17",
        "--as",
        "chair",
    )
    [row] = cam.json("history", "draft-resolution")
    assert (row["actor"], row["actor_role"]) == ("chair", "chair")


def test_the_secretariat_records_the_committees_approval(loaded: Cam) -> None:
    cam = _shared(loaded)
    cam(
        "advance",
        "draft-resolution",
        "present",
        "--session",
        "2016-02",
        "--on",
        "2016-02-17",
        "--as",
        "chair",
    )
    refused = cam(
        "advance",
        "draft-resolution",
        "approve",
        "--session",
        "2016-05",
        "--on",
        "2016-05-18",
        "--as",
        "chair",
        expect=1,
    )
    assert "needs the role secretariat; chair has the role chair" in refused.output
    cam(
        "advance",
        "draft-resolution",
        "approve",
        "--session",
        "2016-05",
        "--on",
        "2016-05-18",
        "--as",
        "cam@example.org",
    )
    assert cam.json("show", "draft-resolution")["state"] == "approved"


def test_an_unregistered_actor_is_refused_in_a_shared_store(loaded: Cam) -> None:
    cam = _shared(loaded)
    before = cam.json("history")
    for command in (
        ["advance", "draft-resolution", "present", "--session", "2016-02", "--on", "2016-02-17"],
        ["reschedule", "campaign", "--to", "2016-03", "--reason", "later"],
        ["session", "record", "2015-10a", "--on", "2015-10-21", "--as-planned"],
    ):
        result = cam(*command, expect=1)
        assert result.output == (
            "Error: 'tester' is not registered in this shared store "
            "(act as a registered person, or register with `cam people add`) (--as)\n"
        )
    assert cam.json("history") == before
    assert cam.json("calendar", "--month", "2015-10")[0]["held_on"] is None


def test_cam_user_names_the_actor(loaded: Cam, monkeypatch: pytest.MonkeyPatch) -> None:
    cam = _shared(loaded)
    monkeypatch.setenv("CAM_USER", "secretariat")
    result = cam("session", "record", "2015-10a", "--on", "2015-10-21", "--as-planned", expect=1)
    # The secretariat may complete procedural items; the installation is the chair's step.
    assert "advanced  vice-chair-election complete" in result.output
    assert "refused   program-update install_working_group" in result.output
    assert "needs the role chair" in result.output
    actors = {(r["actor"], r["actor_role"]) for r in cam.json("history")}
    assert actors == {("secretariat", "secretariat")}
