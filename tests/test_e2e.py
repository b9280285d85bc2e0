"""The 2015–2016 plan run end to end from the command line, as the secretariat would."""

from typing import Any

from conftest import CALENDAR_DAYS

FINAL_STATES = {
    "vice-chair-election": "completed",
    "work-plan": "completed",
    "thematic-communities": "held",
    "thematic-new-challenges": "held",
    "forum-human-rights": "held",
    "forum-development": "held",
    "campaign": "approved",
    "program-update": "concluded",
    "sicremi": "presented",
    "cam-dissemination": "planned",
    "draft-resolution": "approved",
}


def states(cam: Any, *options: str) -> dict[str, str]:
    return {row["key"]: row["state"] for row in cam.json("list", *options)}


def test_the_whole_calendar_recorded_as_planned(loaded: Any) -> None:
    assert [s["id"] for s in loaded.json("calendar")] == [key for key, _ in CALENDAR_DAYS]
    for key, day in CALENDAR_DAYS:
        output = loaded("session", "record", key, "--on", day, "--as-planned").output
        lines = output.splitlines()
        assert lines[0] == f"session {key} recorded as held"
        for line in lines[1:]:
            status = line.split()[0]
            assert status in ("advanced", "noted"), f"{key}: {line}"

    assert states(loaded) == FINAL_STATES
    history = loaded.json("history")
    assert len(history) == 18  # the 20 calendar items but the two that move no state
    assert [row["session"] for row in history] == [
        key for key, _ in CALENDAR_DAYS for _ in range(_items_with_events(loaded, key))
    ]
    program = [row for row in history if row["activity"] == "program-update"]
    assert [row["event"] for row in program] == [
        "install_working_group",
        "negotiate",
        "report_progress",
        "conclude",
    ]
    assert [row["at"][:10] for row in program] == [
        "2015-10-21",
        "2015-10-28",
        "2015-11-18",
        "2015-12-09",
    ]

    # Nothing is behind plan at the end of the period; every agenda item is done.
    assert loaded.json("list", "--as-of", "2016-05-31", "--overdue") == []
    assert not any(row["behind"] for row in loaded.json("list", "--as-of", "2016-05-31"))
    for meeting in loaded.json("calendar"):
        assert meeting["held_on"] == dict(CALENDAR_DAYS)[meeting["id"]]
        assert all(item["done"] for item in meeting["agenda"]), meeting["id"]

    # As things stood at the end of December.
    december = states(loaded, "--as-of", "2015-12-31")
    assert december["program-update"] == "concluded"
    assert december["draft-resolution"] == "drafting"
    assert december["forum-human-rights"] == "held"
    assert december["forum-development"] == "proposed"
    assert december["campaign"] == "proposal_presented"
    assert loaded.json("list", "--as-of", "2015-12-31", "--overdue") == []

    # What is left is recorded outside the sessions, by hand.
    allowed = loaded.json("show", "draft-resolution")["allowed_events"]
    assert [step["event"] for step in allowed] == ["refer", "postpone", "withdraw"]
    loaded(
        "advance",
        "program-update",
        "approve_cidi",
        "--doc",
        "CIDI/RES. 300 (LXXIII-O/16)",
        "--on",
        "2016-05-25",
    )
    row = loaded.json("show", "program-update")
    assert row["state"] == "approved_ad_referendum" and row["final"] is True
    assert row["allowed_events"] == []


def _items_with_events(cam: Any, key: str) -> int:
    (meeting,) = [m for m in cam.json("calendar") if m["id"] == key]
    return sum(1 for item in meeting["agenda"] if item["event"])


def test_load_list_advance_record_show_history(cam: Any) -> None:
    """The path a new user takes: load, list, advance, record a session, look."""
    assert "11 activities, 10 sessions" in cam("plan", "load", "cam-2015-2016").output
    listing = cam("list").output
    assert "program-update" in listing and "Mandated" in listing

    advanced = cam(
        "advance",
        "program-update",
        "install_working_group",
        "--session",
        "2015-10a",
        "--on",
        "2015-10-21",
        "--note",
        "Working Group installed",
    ).output
    assert "program-update: mandated → working_group_installed" in advanced

    recorded = cam("session", "record", "2015-11", "--on", "2015-11-18", "--as-planned").output
    assert "advanced  program-update report_progress: progress_reported" in recorded
    assert "advanced  campaign present_proposal: proposal_presented" in recorded

    shown = cam.json("show", "program-update")
    assert shown["state"] == "progress_reported"
    assert [(h["event"], h["session"]) for h in shown["history"]] == [
        ("install_working_group", "2015-10a"),
        ("report_progress", "2015-11"),
    ]
    assert shown["history"][0]["note"] == "Working Group installed"
    done = [(m["session"], m["event"]) for m in shown["milestones"] if m["done"]]
    assert done == [("2015-10a", "install_working_group"), ("2015-11", "report_progress")]
    text = cam("show", "program-update").output
    assert "state: progress_reported" in text and "Working Group installed" in text

    history = cam.json("history", "program-update")
    assert [h["to_state"] for h in history] == ["working_group_installed", "progress_reported"]
    assert "report_progress" in cam("history", "program-update").output
    november = cam.json("calendar", "--month", "2015-11")[0]
    assert november["held_on"] == "2015-11-18"
    assert all(item["done"] for item in november["agenda"])
