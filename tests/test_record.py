"""What reloading a plan or recording a step does to the record: it stays true.

A reload keeps every recorded move and says what it changed; it refuses to
hide a record (a held session, a step, a postponed activity's way back, a plan
loaded from another file). A step at a session happens on the session's day.
A mistake is corrected by a correction row, never by an edit, and every view
shows the corrected values.
"""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Cam

from cam_tracker.files.plan import bundled_plans

SOURCE: dict[str, Any] = yaml.safe_load(
    bundled_plans()["cam-2015-2016"].read_text(encoding="utf-8")
)


def plan_data() -> dict[str, Any]:
    return copy.deepcopy(SOURCE)


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def by_key(data: dict[str, Any], section: str, key: str) -> dict[str, Any]:
    return next(item for item in data[section] if item["key"] == key)


def edited(data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plan with one harmless edit, so that a reload is not 'unchanged'."""
    data = data or plan_data()
    by_key(data, "activities", "sicremi")["title"] = "Dissemination of SICREMI results"
    return data


def one_line(result: Any) -> str:
    """The one-line error a refused command prints."""
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def store_state(cam: Cam) -> tuple[str, ...]:
    return (
        cam("history", "--json").output,
        cam("list", "--json").output,
        cam("calendar", "--json").output,
        cam("plan", "list", "--json").output.replace('"loaded_at"', ""),
    )


def milestones(cam: Cam, key: str) -> list[tuple[str, str | None, str, bool]]:
    return [
        (m["session"], m["event"], m["month"], m["done"])
        for m in cam.json("show", key)["milestones"]
    ]


@pytest.fixture
def plan_file(cam: Cam, tmp_path: Path) -> Path:
    """The bundled plan as an editable file, loaded from that file."""
    path = write(tmp_path / "plan.yaml", plan_data())
    cam("plan", "load", str(path))
    return path


# --- 1. a reload keeps every recorded move --------------------------------------------------


def test_a_reload_keeps_a_milestone_moved_to_another_session(cam: Cam, plan_file: Path) -> None:
    cam("reschedule", "campaign", "--to", "2015-12", "--reason", "not ready", "--on", "2015-11-10")
    moved = [
        ("2015-12a", "present_proposal", "2015-12", False),
        ("2016-01", "approve", "2016-01", False),
    ]
    assert milestones(cam, "campaign") == moved
    output = cam("plan", "load", str(write(plan_file, edited()))).output
    assert milestones(cam, "campaign") == moved
    assert "1 activity updated" in output
    assert "kept because recorded" in output
    kept = [line for line in output.splitlines() if "campaign present_proposal" in line]
    assert len(kept) == 1 and "2015-12a" in kept[0] and "2015-11" in kept[0], output
    # Loading the same file again changes nothing and keeps the move.
    assert "unchanged" in cam("plan", "load", str(plan_file)).output
    assert milestones(cam, "campaign") == moved


def test_a_reload_does_not_bring_back_a_moved_milestone_already_done(
    cam: Cam, plan_file: Path
) -> None:
    cam("reschedule", "campaign", "--to", "2015-12", "--reason", "not ready", "--on", "2015-11-10")
    cam("advance", "campaign", "present_proposal", "--session", "2015-12a", "--on", "2015-12-02")
    cam("advance", "campaign", "approve", "--session", "2016-01", "--on", "2016-01-20")
    before = cam.json("list", "--as-of", "2016-02-15")
    campaign = next(row for row in before if row["key"] == "campaign")
    assert (campaign["state"], campaign["status"]) == ("approved", "on_schedule")
    output = cam("plan", "load", str(write(plan_file, edited()))).output
    assert "kept because recorded" in output
    assert milestones(cam, "campaign") == [
        ("2015-12a", "present_proposal", "2015-12", True),
        ("2016-01", "approve", "2016-01", True),
    ]
    after = next(r for r in cam.json("list", "--as-of", "2016-02-15") if r["key"] == "campaign")
    assert (after["status"], after["next_milestone"]) == ("on_schedule", None)
    report = cam("report", "--as-of", "2016-02-15").output
    line = next(line for line in report.splitlines() if line.startswith("| 3 |"))
    assert "Behind plan" not in line and "Approved" in line


def test_a_reload_keeps_a_moved_milestone_whose_session_moved_too(
    cam: Cam, plan_file: Path
) -> None:
    cam("reschedule", "campaign", "--to", "2015-12", "--reason", "not ready", "--on", "2015-11-10")
    cam(
        "session", "reschedule", "2015-12a", "--to", "2016-01-06", "--reason", "room",
        "--on", "2015-11-12",
    )  # fmt: skip
    moved = milestones(cam, "campaign")
    assert moved[0] == ("2015-12a", "present_proposal", "2016-01", False)
    output = cam("plan", "load", str(write(plan_file, edited()))).output
    assert milestones(cam, "campaign") == moved
    assert "milestone added" not in output and "milestone removed" not in output


def test_a_reload_keeps_a_moved_session_date(cam: Cam, tmp_path: Path) -> None:
    data = plan_data()
    by_key(data, "sessions", "2015-11")["date"] = "2015-11-18"
    path = write(tmp_path / "plan.yaml", data)
    cam("plan", "load", str(path))
    cam(
        "session",
        "reschedule",
        "2015-11",
        "--to",
        "2015-11-25",
        "--reason",
        "room",
        "--on",
        "2015-11-02",
    )
    output = cam("plan", "load", str(write(path, edited(data)))).output
    [november] = cam.json("calendar", "--month", "2015-11")
    assert november["date"] == "2015-11-25"
    assert "kept because recorded" in output
    assert any("2015-11" in line and "2015-11-25" in line for line in output.splitlines()[1:])


def test_the_load_report_lists_what_changed(cam: Cam, plan_file: Path) -> None:
    data = edited()
    by_key(data, "sessions", "2016-03")["title"] = "Forum, renamed"
    by_key(data, "sessions", "2016-02")["agenda"].append(
        {"activity": "cam-dissemination", "event": "disseminate", "text": "Bulletin."}
    )
    output = cam("plan", "load", str(write(plan_file, data))).output
    first, *details = output.splitlines()
    assert first.startswith("cam-2015-2016: updated:")
    assert "1 activity updated" in first and "1 session updated" in first
    assert "1 milestone added" in first
    assert "  activity updated: sicremi" in details
    assert "  session updated: 2016-03" in details
    assert "  milestone added: 2016-02 cam-dissemination disseminate" in details


# --- 2. a reload that would hide a record is refused ------------------------------------


def test_renaming_a_held_session_is_refused(cam: Cam, plan_file: Path) -> None:
    cam(
        "advance",
        "program-update",
        "install_working_group",
        "--session",
        "2015-10a",
        "--on",
        "2015-10-21",
    )
    cam("session", "record", "2015-11", "--on", "2015-11-18", "--as-planned")
    before = store_state(cam)
    data = plan_data()
    by_key(data, "sessions", "2015-11")["key"] = "2015-11x"
    message = one_line(cam("plan", "load", str(write(plan_file, data)), expect=1))
    assert (
        "session 2015-11 was held on 2015-11-18 and is gone from the file: keep its key" in message
    )
    assert store_state(cam) == before
    assert "already recorded as held" in one_line(
        cam("session", "record", "2015-11", "--on", "2015-11-18", expect=1)
    )


def test_removing_a_session_where_a_step_was_recorded_is_refused(cam: Cam, plan_file: Path) -> None:
    cam(
        "advance",
        "program-update",
        "install_working_group",
        "--session",
        "2015-10a",
        "--on",
        "2015-10-21",
    )
    before = store_state(cam)
    data = plan_data()
    data["sessions"] = [s for s in data["sessions"] if s["key"] != "2015-10a"]
    message = one_line(cam("plan", "load", str(write(plan_file, data)), expect=1))
    assert "session 2015-10a" in message and "keep its key" in message
    assert store_state(cam) == before


def test_a_kind_without_the_states_of_the_history_is_refused(cam: Cam, plan_file: Path) -> None:
    cam("advance", "campaign", "define_contents", "--note", "Contents agreed", "--on", "2015-10-30")
    cam("advance", "campaign", "postpone", "--note", "No funds yet", "--on", "2015-11-02")
    before = store_state(cam)
    data = plan_data()
    by_key(data, "activities", "campaign")["kind"] = "meeting"
    for meeting in data["sessions"]:
        for item in meeting["agenda"]:
            if item["activity"] == "campaign" and item.get("event") == "approve":
                item["event"] = "hold"
    message = one_line(cam("plan", "load", str(write(plan_file, data)), expect=1))
    assert "activity campaign has history in states contents_defined" in message
    assert "that kind 'meeting' does not have" in message
    assert store_state(cam) == before
    cam("advance", "campaign", "resume", "--note", "Funded", "--on", "2015-11-20")
    assert cam.json("show", "campaign")["state"] == "contents_defined"


def test_a_kind_change_the_history_fits_is_carried_over_and_said(cam: Cam, plan_file: Path) -> None:
    data = plan_data()
    by_key(data, "activities", "thematic-communities")["kind"] = "meeting"  # already a meeting
    by_key(data, "activities", "sicremi")["kind"] = "procedural"
    for meeting in data["sessions"]:
        for item in meeting["agenda"]:
            if item["activity"] == "sicremi" and item.get("event") == "present":
                item["event"] = "consider"
    output = cam("plan", "load", str(write(plan_file, data))).output
    assert "  activity updated: sicremi (kind dissemination → procedural)" in output.splitlines()


def test_loading_another_file_with_the_same_plan_name_needs_replace(
    cam: Cam, tmp_path: Path
) -> None:
    cam("plan", "load", "cam-2015-2016")
    cam(
        "advance",
        "program-update",
        "install_working_group",
        "--session",
        "2015-10a",
        "--on",
        "2015-10-21",
    )
    before = store_state(cam)
    other = write(tmp_path / "my-plan.yaml", edited())
    message = one_line(cam("plan", "load", str(other), expect=1))
    assert "plan cam-2015-2016 was loaded from bundled plan cam-2015-2016" in message
    assert f"loading it from {other} would replace it" in message and "--replace" in message
    assert store_state(cam) == before
    output = cam("plan", "load", str(other), "--replace").output
    assert "replaces bundled plan cam-2015-2016" in output
    assert cam.json("show", "program-update")["state"] == "working_group_installed"
    assert "unchanged" in cam("plan", "load", str(other)).output
    assert "would replace" in one_line(cam("plan", "load", "cam-2015-2016", expect=1))


# --- 3. reschedule to a chosen session ------------------------------------------------------


def test_reschedule_to_a_chosen_session_of_the_month(cam: Cam, plan_file: Path) -> None:
    output = cam(
        "reschedule", "program-update", "--to", "2015-12", "--session", "2015-12b",
        "--reason", "the group meets later", "--on", "2015-10-15",
    ).output  # fmt: skip
    assert "(session 2015-12b)" in output
    assert milestones(cam, "program-update")[-2:] == [
        ("2015-12b", "conclude", "2015-12", False),
        ("2015-12b", "install_working_group", "2015-12", False),
    ]
    wrong = cam(
        "reschedule", "sicremi", "--to", "2015-12", "--session", "2016-01", "--reason", "x",
        expect=1,
    )  # fmt: skip
    assert "session 2016-01 is in 2016-01, not 2015-12" in one_line(wrong)
    assert "--session" in one_line(wrong)
    cam("session", "record", "2015-12a", "--on", "2015-12-02")
    held = cam(
        "reschedule", "sicremi", "--to", "2015-12", "--session", "2015-12a", "--reason", "x",
        expect=1,
    )  # fmt: skip
    assert "session 2015-12a was held on 2015-12-02" in one_line(held)
    assert "did you mean" in one_line(
        cam(
            "reschedule",
            "sicremi",
            "--to",
            "2015-12",
            "--session",
            "2015-12c",
            "--reason",
            "x",
            expect=1,
        )
    )


# --- 4 and 7. a step at a session happens on the session's day ----------------------------


def test_a_session_is_recorded_as_held_within_its_month_only(cam: Cam, plan_file: Path) -> None:
    before = store_state(cam)
    message = one_line(cam("session", "record", "2015-11", "--on", "2015-12-02", expect=1))
    assert message.startswith("Error: --on: 2015-12-02 is not in 2015-11")
    assert store_state(cam) == before
    cam(
        "session",
        "reschedule",
        "2015-11",
        "--to",
        "2015-11-18",
        "--reason",
        "agreed",
        "--on",
        "2015-11-02",
    )
    message = one_line(cam("session", "record", "2015-11", "--on", "2015-11-19", expect=1))
    assert "session 2015-11 is on 2015-11-18" in message and message.startswith("Error: --on:")
    cam("session", "record", "2015-11")
    [november] = cam.json("calendar", "--month", "2015-11")
    assert (november["date"], november["held_on"]) == ("2015-11-18", "2015-11-18")


def test_a_step_at_a_session_is_on_the_sessions_day(cam: Cam, plan_file: Path) -> None:
    before = store_state(cam)
    message = one_line(
        cam("advance", "sicremi", "present", "--session", "2015-11", "--on", "2015-12-05", expect=1)
    )
    assert message.startswith("Error: --on: 2015-12-05 is not in 2015-11")
    cam(
        "session",
        "reschedule",
        "2015-11",
        "--to",
        "2015-11-18",
        "--reason",
        "agreed",
        "--on",
        "2015-11-02",
    )
    before = store_state(cam)
    message = one_line(
        cam("advance", "sicremi", "present", "--session", "2015-11", "--on", "2015-11-17", expect=1)
    )
    assert "session 2015-11 is on 2015-11-18" in message
    assert store_state(cam) == before
    cam("advance", "sicremi", "present", "--session", "2015-11", "--on", "2015-11-18")
    cam("advance", "forum-human-rights", "present_proposal", "--session", "2015-11")
    days = {
        row["activity"]: row["at"][:10]
        for row in cam.json("history")
        if row["event"] != "reschedule"
    }
    assert days == {"sicremi": "2015-11-18", "forum-human-rights": "2015-11-18"}


def test_a_step_at_a_past_session_without_a_date_asks_when(cam: Cam, plan_file: Path) -> None:
    before = store_state(cam)
    message = one_line(
        cam("advance", "forum-development", "present_proposal", "--session", "2016-01", expect=1)
    )
    assert "session 2016-01 has no date" in message and "(--on)" in message
    message = one_line(cam("session", "record", "2016-01", expect=1))
    assert "session 2016-01 has no date" in message and "(--on)" in message
    assert store_state(cam) == before
    cam(
        "advance",
        "forum-development",
        "present_proposal",
        "--session",
        "2016-01",
        "--on",
        "2016-01-20",
    )
    assert cam.json("history")[-1]["at"][:10] == "2016-01-20"


def test_session_reschedule_takes_the_day_it_was_decided(cam: Cam, plan_file: Path) -> None:
    cam(
        "advance",
        "program-update",
        "install_working_group",
        "--session",
        "2015-10a",
        "--on",
        "2015-10-21",
    )
    cam(
        "session",
        "reschedule",
        "2015-11",
        "--to",
        "2015-11-18",
        "--reason",
        "agreed",
        "--on",
        "2015-10-22",
    )
    moves = [row for row in cam.json("history") if row["event"] == "reschedule"]
    assert moves and {row["at"][:10] for row in moves} == {"2015-10-22"}
    future = cam(
        "session", "reschedule", "2015-12a", "--to", "2015-12-02", "--reason", "x",
        "--on", "2099-01-01", expect=1,
    )  # fmt: skip
    assert "in the future" in one_line(future)


# --- 6. recording a session: refusals are failures; a held session's open items advance ----


def test_record_as_planned_fails_when_an_item_is_refused_and_can_be_run_again(
    cam: Cam, plan_file: Path
) -> None:
    result = cam("session", "record", "2015-11", "--on", "2015-11-18", "--as-planned", expect=1)
    assert "refused   program-update report_progress" in result.stdout
    assert "advanced  sicremi present" in result.stdout
    assert "1 item refused" in result.stderr and "3 advanced" in result.stderr
    assert "recorded" in result.stderr
    [november] = cam.json("calendar", "--month", "2015-11")
    assert november["held_on"] == "2015-11-18"
    assert [i["done"] for i in november["agenda"]] == [True, True, False, True]
    cam(
        "advance",
        "program-update",
        "install_working_group",
        "--session",
        "2015-10a",
        "--on",
        "2015-10-21",
    )
    again = cam("session", "record", "2015-11", "--as-planned").output
    assert "advanced  program-update report_progress" in again
    assert "done      sicremi present" in again
    [november] = cam.json("calendar", "--month", "2015-11")
    assert [i["done"] for i in november["agenda"]] == [True, True, True, True]
    report_progress = cam.json("history", "program-update")[-1]
    assert (report_progress["event"], report_progress["at"][:10]) == (
        "report_progress",
        "2015-11-18",
    )
    assert "already recorded as held on 2015-11-18" in one_line(
        cam("session", "record", "2015-11", "--on", "2015-11-19", "--as-planned", expect=1)
    )


def test_record_without_as_planned_hints_at_a_command_that_works(cam: Cam, plan_file: Path) -> None:
    output = cam("session", "record", "2015-11", "--on", "2015-11-18").output
    assert "or record with --as-planned" in output
    cam(
        "advance",
        "program-update",
        "install_working_group",
        "--session",
        "2015-10a",
        "--on",
        "2015-10-21",
    )
    again = cam("session", "record", "2015-11", "--as-planned").output
    assert again.count("advanced") == 4


# --- 5. corrections -------------------------------------------------------------------------


def test_a_correction_fixes_a_date_and_a_document_everywhere(
    cam: Cam, plan_file: Path, tmp_path: Path
) -> None:
    cam(
        "advance",
        "program-update",
        "install_working_group",
        "--session",
        "2015-10a",
        "--on",
        "2015-10-21",
    )
    cam("advance", "program-update", "negotiate", "--session", "2015-10b", "--on", "2015-10-28")
    cam("session", "record", "2015-11", "--on", "2015-11-18")
    cam(
        "advance",
        "program-update",
        "report_progress",
        "--session",
        "2015-11",
        "--doc",
        "CIDI/CAM/doc.1/15",
    )
    cam("advance", "campaign", "define_contents", "--note", "Contents agreed", "--on", "2015-11-03")
    [wrong_doc] = [r for r in cam.json("history") if r["event"] == "report_progress"]
    [wrong_day] = [r for r in cam.json("history") if r["event"] == "define_contents"]
    out = cam(
        "history", "correct", str(wrong_doc["id"]), "--doc", "CIDI/CAM/doc.7/15",
        "--reason", "the symbol was mistyped",
    ).output  # fmt: skip
    assert f"step #{wrong_doc['id']}" in out
    cam(
        "history", "correct", str(wrong_day["id"]), "--on", "2015-11-05",
        "--note", "Contents agreed by the Chair", "--reason", "minutes say the 5th",
    )  # fmt: skip

    rows = {r["id"]: r for r in cam.json("history")}
    assert rows[wrong_doc["id"]]["document"] == "CIDI/CAM/doc.7/15"
    assert rows[wrong_day["id"]]["at"][:10] == "2015-11-05"
    assert rows[wrong_day["id"]]["note"] == "Contents agreed by the Chair"
    corrections = [r for r in rows.values() if r["corrects"] is not None]
    assert [c["corrects"]["id"] for c in corrections] == [wrong_doc["id"], wrong_day["id"]]
    assert corrections[0]["corrects"]["changes"] == {
        "document": {"from": "CIDI/CAM/doc.1/15", "to": "CIDI/CAM/doc.7/15"}
    }
    assert corrections[1]["corrects"]["changes"]["at"]["from"][:10] == "2015-11-03"
    assert corrections[1]["note"] == "minutes say the 5th"
    assert corrections[1]["event"] == "correction"
    assert rows[wrong_doc["id"]]["corrected_by"] == [corrections[0]["id"]]
    assert rows[wrong_day["id"]]["corrected_by"] == [corrections[1]["id"]]
    # The states are untouched.
    assert cam.json("show", "campaign")["state"] == "contents_defined"
    show = cam.json("show", "program-update")
    assert [h["document"] for h in show["history"] if h["event"] == "report_progress"] == [
        "CIDI/CAM/doc.7/15"
    ]
    text = cam("history", "program-update", env={"COLUMNS": "200"}).output
    assert "CIDI/CAM/doc.7/15" in text and "CIDI/CAM/doc.1/15" in text
    assert f"corrected by #{corrections[0]['id']}" in text
    campaign_text = cam("show", "campaign", env={"COLUMNS": "200"}).output
    assert "2015-11-05" in campaign_text and "Contents agreed by the Chair" in campaign_text

    report = cam("report").output
    annex = report.split("Log of recorded steps", 1)[1]
    assert "CIDI/CAM/doc.7/15" in annex and "Correction of step" in annex
    assert "corrected" in annex
    steps = report.split("Log of recorded steps", 1)[0]
    assert "CIDI/CAM/doc.7/15" in steps and "CIDI/CAM/doc.1/15" not in steps
    assert "Nov 5, 2015" in annex or "5 Nov 2015" in annex or "November 5, 2015" in report

    assert "history chain verified" in cam("audit", "verify").output
    exported = tmp_path / "store.json"
    cam("export", "-o", str(exported))
    data = json.loads(exported.read_text(encoding="utf-8"))
    correction_rows = [r for r in data["tables"]["history"] if r["corrects_id"] is not None]
    assert len(correction_rows) == 2
    assert correction_rows[0]["corrected_document"] == "CIDI/CAM/doc.7/15"
    with_import = tmp_path / "imported.db"
    other = Cam(f"sqlite:///{with_import}")
    other("import", str(exported))
    assert "history chain verified" in other("audit", "verify").output
    assert other.json("history") == cam.json("history")
    assert other("report").output == report


def test_a_correction_cannot_change_the_step_or_break_the_order(cam: Cam, plan_file: Path) -> None:
    cam(
        "advance",
        "program-update",
        "install_working_group",
        "--session",
        "2015-10a",
        "--on",
        "2015-10-21",
    )
    cam("advance", "campaign", "define_contents", "--note", "Contents", "--on", "2015-10-10")
    cam("advance", "campaign", "postpone", "--note", "Waiting", "--on", "2015-10-20")
    steps = {r["event"]: r["id"] for r in cam.json("history")}
    before = store_state(cam)
    message = one_line(
        cam(
            "history",
            "correct",
            str(steps["define_contents"]),
            "--on",
            "2015-10-25",
            "--reason",
            "x",
            expect=1,
        )
    )
    assert "2015-10-20" in message and message.startswith("Error: --on:")
    message = one_line(
        cam(
            "history",
            "correct",
            str(steps["install_working_group"]),
            "--on",
            "2015-11-02",
            "--reason",
            "x",
            expect=1,
        )
    )
    assert "session 2015-10a" in message
    message = one_line(cam("history", "correct", str(steps["postpone"]), "--reason", "x", expect=1))
    assert "--on" in message and "--doc" in message and "--note" in message
    message = one_line(cam("history", "correct", "9999", "--note", "x", "--reason", "x", expect=1))
    assert "no step #9999" in message
    message = one_line(
        cam(
            "history",
            "correct",
            str(steps["postpone"]),
            "--note",
            "Waiting",
            "--reason",
            "x",
            expect=1,
        )
    )
    assert "already" in message
    assert store_state(cam) == before
    cam(
        "history", "correct", str(steps["postpone"]), "--note", "Waiting for funds", "--reason", "x"
    )
    correction = cam.json("history")[-1]["id"]
    message = one_line(
        cam("history", "correct", str(correction), "--note", "y", "--reason", "x", expect=1)
    )
    assert f"step #{correction} is a correction" in message
    assert "--event" not in cam("history", "correct", "--help").output


def test_a_corrected_day_counts_in_every_view_whatever_its_as_of(cam: Cam, plan_file: Path) -> None:
    cam("advance", "campaign", "define_contents", "--note", "Contents", "--on", "2015-10-10")
    [step] = cam.json("history")
    cam("history", "correct", str(step["id"]), "--on", "2015-10-25", "--reason", "minutes")

    def state(as_of: str) -> str:
        rows = cam.json("list", "--as-of", as_of)
        return str(next(row["state"] for row in rows if row["key"] == "campaign"))

    def steps(as_of: str) -> list[tuple[str, str]]:
        shown = cam.json("show", "campaign", "--as-of", as_of)["history"]
        return [(row["event"], row["at"][:10]) for row in shown]

    assert (state("2015-10-22"), state("2015-10-26")) == ("proposed", "contents_defined")
    assert steps("2015-10-22") == []
    assert steps("2015-10-26") == [("define_contents", "2015-10-25")]
    before = one_line(
        cam("advance", "campaign", "postpone", "--note", "x", "--on", "2015-10-20", expect=1)
    )
    assert "before the last recorded step of campaign (2015-10-25)" in before
    # A second correction wins over the first, earlier than the day first written.
    cam("history", "correct", str(step["id"]), "--on", "2015-10-05", "--reason", "agenda")
    assert (state("2015-10-07"), steps("2015-10-07")) == (
        "contents_defined",
        [("define_contents", "2015-10-05")],
    )
    report = cam("report", "--as-of", "2015-10-31").output
    annex = report.split("Log of recorded steps", 1)[1]
    assert "Oct 5, 2015" in annex and "(corrected)" in annex and "Correction of step" not in annex
    cam("advance", "campaign", "postpone", "--note", "Waiting", "--on", "2015-10-20")
