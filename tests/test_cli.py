"""The `cam` command line: every core command, its exit codes and its output."""

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import Result

from cam_tracker.files.plan import bundled_plans

README = Path(__file__).resolve().parent.parent / "README.md"
KEYS = [
    "vice-chair-election",
    "work-plan",
    "thematic-communities",
    "thematic-new-challenges",
    "forum-human-rights",
    "forum-development",
    "campaign",
    "program-update",
    "sicremi",
    "cam-dissemination",
    "draft-resolution",
]
INSTALL = ("advance", "program-update", "install_working_group", "--session", "2015-10a")
NEGOTIATE = ("advance", "program-update", "negotiate", "--session", "2015-10b")


def documented(command: str) -> set[str]:
    """The keys README.md's "JSON output" section names for one command."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### JSON output", 1)[1].split("\n#", 1)[0]
    match = re.search(rf"^- `{re.escape(command)}`:(.*?)(?=^- `|\Z)", section, re.M | re.S)
    assert match, f"README.md documents no JSON output for {command}"
    return set(re.findall(r"`([a-z_]+)`", match.group(1)))


def store_state(cam: Any) -> tuple[str, str, str]:
    """What a refused command must leave as it was."""
    return (
        cam("history", "--json").output,
        cam("list", "--json").output,
        cam("calendar", "--json").output,
    )


def refused(cam: Any, *args: str, code: int = 1) -> str:
    """Run a command that must fail; return its one-line message."""
    result: Result = cam(*args, expect=code)
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    if code == 1:
        lines = result.output.strip().splitlines()
        assert len(lines) == 1, result.output
        assert lines[0].startswith("Error: ")
        return lines[0]
    assert "Error:" in result.output
    return result.output


# --- plans ------------------------------------------------------------------------------------


def test_plan_load_and_list(cam: Any) -> None:
    before = cam.json("plan", "list")
    bundled = next(p for p in before if p["name"] == "cam-2015-2016")
    assert bundled["bundled"] is True and bundled["loaded"] is False
    assert set(bundled) <= documented("plan list") | {"name"}
    result = cam("plan", "load", "cam-2015-2016")
    assert result.output == "cam-2015-2016: loaded: 11 activities, 10 sessions, 20 milestones\n"
    assert "unchanged" in cam("plan", "load", "cam-2015-2016").output
    after = next(p for p in cam.json("plan", "list") if p["name"] == "cam-2015-2016")
    assert after["loaded"] is True and after["activities"] == 11
    assert after["title"] == "Work Plan of the Committee on Migration Issues 2015–2016"
    assert after["period"] == "2015-10 – 2016-05"
    assert "cam-2015-2016" in cam("plan", "list").output


def test_plan_load_reports_an_activity_gone_from_the_file(loaded: Any, tmp_path: Path) -> None:
    data = yaml.safe_load(bundled_plans()["cam-2015-2016"].read_text(encoding="utf-8"))
    data["activities"] = [a for a in data["activities"] if a["key"] != "cam-dissemination"]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    output = loaded("plan", "load", str(path), "--replace").output
    assert f"cam-2015-2016: {path} replaces bundled plan cam-2015-2016\n" in output
    assert "cam-2015-2016: updated: " in output
    assert "warning: activity cam-dissemination is no longer in the file" in output
    assert "cam-dissemination" not in [row["key"] for row in loaded.json("list")]


def test_a_bad_plan_file_is_refused_and_changes_nothing(loaded: Any, tmp_path: Path) -> None:
    data = yaml.safe_load(bundled_plans()["cam-2015-2016"].read_text(encoding="utf-8"))
    data["title"] = "Changed"
    data["sessions"][2]["agenda"][1]["activity"] = "campain"
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    loaded(*INSTALL, "--on", "2015-10-21")
    before = store_state(loaded)
    message = refused(loaded, "plan", "load", str(path))
    assert message.startswith(f"Error: {path}: line ")
    assert ": sessions[2015-11].agenda[campain].activity: " in message
    assert "did you mean 'campaign'" in message
    assert store_state(loaded) == before


def test_commands_before_any_plan_is_loaded(cam: Any) -> None:
    assert "cam plan load" in refused(cam, "list")
    assert "did you mean 'cam-2015-2016'" in refused(cam, "plan", "load", "cam-2015-2061")


# --- list -------------------------------------------------------------------------------------


def keys(rows: list[dict[str, Any]]) -> list[str]:
    return [row["key"] for row in rows]


def test_list_text(loaded: Any) -> None:
    output = loaded("list").output
    for key in KEYS:
        assert key in output
    assert "11 activities: 1 on schedule, 10 behind plan" in output
    # Labels for people, keys where a key is what the user types.
    assert "Mandated" in output and "mandated" not in output
    assert "after the plan's period (it ended 2016-05)" in output
    wide = loaded("list", env={"COLUMNS": "160"}).output
    assert "Install the working group" in wide and "install_working_group" not in wide


def test_list_json_shape(loaded: Any) -> None:
    rows = loaded.json("list")
    assert keys(rows) == KEYS
    expected = {"key", "number", "title", "kind", "kind_label", "state", "state_label", "final"}
    expected |= {"status", "next_milestone", "behind", "mandates", "responsible"}
    for row in rows:
        assert set(row) == expected
        assert set(row) <= documented("list")
    program = rows[KEYS.index("program-update")]
    assert program["number"] == "4" and program["kind"] == "program_update"
    assert (program["state"], program["state_label"]) == ("mandated", "Mandated")
    assert program["final"] is False and program["behind"] is True
    assert program["next_milestone"] == {
        "month": "2015-10",
        "session": "2015-10a",
        "event": "install_working_group",
        "event_label": "Install the working group",
        "due": "2015-10-31",
    }
    assert program["status"] == "behind"
    assert set(program["next_milestone"]) <= documented("list")
    assert program["mandates"] == [
        "AG/RES. 2738 (XLII-O/12) para. 3",
        "AG/RES. 2816 (XLIV-O/14) para. 18",
    ]
    assert program["responsible"] == ["chair", "secretariat"]
    dissemination = rows[KEYS.index("cam-dissemination")]
    assert dissemination["next_milestone"] is None and dissemination["behind"] is False


def test_list_filters(loaded: Any) -> None:
    assert keys(loaded.json("list", "--state", "mandated")) == ["program-update"]
    refused = loaded("list", "--state", "mandatd", expect=1).output
    assert "no state 'mandatd' (did you mean 'mandated'?)" in refused and "(--state)" not in refused
    assert keys(loaded.json("list", "--kind", "meeting")) == [
        "thematic-communities",
        "thematic-new-challenges",
        "forum-human-rights",
        "forum-development",
    ]
    assert keys(loaded.json("list", "--month", "2015-11")) == [
        "forum-human-rights",
        "campaign",
        "program-update",
        "sicremi",
    ]
    assert keys(loaded.json("list", "--mandate", "2816/21")) == ["sicremi"]
    assert keys(loaded.json("list", "--mandate", "ag/res. 2738")) == [
        k for k in KEYS if k != "sicremi"
    ]
    assert keys(loaded.json("list", "--mandate", "2816/20")) == []
    assert keys(loaded.json("list", "--overdue")) == [k for k in KEYS if k != "cam-dissemination"]
    assert keys(loaded.json("list", "--overdue", "--as-of", "2015-11-30")) == [
        "vice-chair-election",
        "work-plan",
        "program-update",
    ]
    assert keys(loaded.json("list", "--overdue", "--as-of", "2015-10-31")) == []
    combined = loaded.json("list", "--kind", "meeting", "--month", "2016-01", "--state", "proposed")
    assert keys(combined) == ["thematic-communities", "forum-development"]


def test_list_as_of_shows_past_states(loaded: Any) -> None:
    loaded(*INSTALL, "--on", "2015-10-21")
    loaded("advance", "program-update", "negotiate", "--session", "2015-10b", "--on", "2015-10-28")
    state = {r["key"]: r["state"] for r in loaded.json("list", "--as-of", "2015-10-20")}
    assert state["program-update"] == "mandated"
    state = {r["key"]: r["state"] for r in loaded.json("list", "--as-of", "2015-10-21")}
    assert state["program-update"] == "working_group_installed"
    state = {r["key"]: r["state"] for r in loaded.json("list")}
    assert state["program-update"] == "negotiating"
    assert "as of 2015-10-25" in loaded("list", "--as-of", "2015-10-25").output


def test_list_in_spanish(loaded: Any) -> None:
    rows = loaded.json("--lang", "es", "list")
    program = rows[KEYS.index("program-update")]
    assert program["state_label"] == "Encomendada"
    assert program["title"].startswith("Concluir la actualización")


# --- show -------------------------------------------------------------------------------------


def test_show_text(loaded: Any) -> None:
    loaded(*INSTALL, "--on", "2015-10-21", "--note", "Installed")
    output = loaded("show", "program-update").output
    assert output.startswith("program-update (4) — Conclude the updating")
    assert "state: working_group_installed (Working group installed)" in output
    assert "AG/RES. 2816 (XLIV-O/14) para. 18" in output
    assert "Allowed now" in output and "report_progress" in output
    assert "install_working_group" in output and "Installed" in output


def test_show_json(loaded: Any) -> None:
    loaded(*INSTALL, "--on", "2015-10-21", "--doc", "CIDI/CAM/doc.1/15")
    row = loaded.json("show", "program-update")
    assert set(row) <= documented("show") | documented("list")
    assert {"plan", "kind_label", "mandates", "milestones", "allowed_events", "history"} <= set(row)
    assert row["plan"] == "cam-2015-2016" and row["kind_label"] == "Program update"
    assert row["state"] == "working_group_installed"
    assert row["mandates"][0] == {
        "symbol": "AG/RES. 2738 (XLII-O/12)",
        "paragraph": "3",
        "text": row["mandates"][0]["text"],
    }
    assert row["mandates"][0]["text"].startswith("To instruct the CAM to review")
    first = row["milestones"][0]
    assert set(first) == {
        "session",
        "month",
        "event",
        "event_label",
        "text",
        "due",
        "done",
        "done_at",
        "session_place",
        "waived",
        "waived_reason",
    }
    assert (first["session"], first["event"], first["done"]) == (
        "2015-10a",
        "install_working_group",
        True,
    )
    assert first["done_at"].startswith("2015-10-21T")
    assert row["milestones"][1]["done"] is False
    allowed = {step["event"]: step for step in row["allowed_events"]}
    assert list(allowed) == ["negotiate", "report_progress", "postpone", "withdraw"]
    assert allowed["report_progress"] == {
        "event": "report_progress",
        "label": "Report progress",
        "to": "progress_reported",
        "requires": ["session"],
        "roles": ["coordinator", "chair"],
    }
    assert allowed["postpone"]["requires"] == ["note"]
    (entry,) = row["history"]
    assert entry["event"] == "install_working_group" and entry["document"] == "CIDI/CAM/doc.1/15"
    assert entry["session"] == "2015-10a"


def test_show_as_of(loaded: Any) -> None:
    loaded(*INSTALL, "--on", "2015-10-21")
    row = loaded.json("show", "program-update", "--as-of", "2015-10-01")
    assert row["state"] == "mandated" and row["history"] == []
    assert next(s["event"] for s in row["allowed_events"]) == "install_working_group"


# --- advance ----------------------------------------------------------------------------------


def test_advance(loaded: Any) -> None:
    result = loaded(*INSTALL, "--on", "2015-10-21", "--note", "Installed", "--as", "maria")
    assert result.output == (
        "program-update: mandated → working_group_installed "
        "(install_working_group, 2015-10-21, by maria)\n"
        "milestone of 2015-10 done\n"
    )
    assert result.stderr == ""
    (entry,) = loaded.json("history")
    assert (entry["actor"], entry["note"], entry["session"]) == ("maria", "Installed", "2015-10a")


def test_advance_defaults_the_actor_to_cam_user(loaded: Any) -> None:
    assert "by tester" in loaded(*INSTALL, "--on", "2015-10-21").output


def test_advance_refusals(loaded: Any) -> None:
    loaded(*INSTALL, "--on", "2015-10-21")
    before = store_state(loaded)
    message = refused(loaded, "advance", "program-updte", "negotiate", "--session", "2015-10b")
    assert "no activity 'program-updte'" in message and "did you mean 'program-update'" in message
    message = refused(loaded, "advance", "program-update", "conclude", "--session", "2015-12b")
    assert "allowed now: negotiate, report_progress, postpone, withdraw" in message
    message = refused(loaded, "advance", "campaign", "present_proposal", "--on", "2015-11-18")
    assert "needs a session (--session)" in message
    message = refused(loaded, "advance", "campaign", "postpone")
    assert "needs a note (--note)" in message
    message = refused(loaded, "advance", "program-update", "negotiate", "--session", "2015-10x")
    assert "no session '2015-10x'" in message
    assert store_state(loaded) == before


# --- history ------------------------------------------------------------------------------


def test_history(loaded: Any) -> None:
    assert loaded.json("history") == []
    loaded(*INSTALL, "--on", "2015-10-21", "--note", "Installed", "--doc", "CIDI/CAM/doc.1/15")
    loaded("advance", "campaign", "postpone", "--note", "No budget", "--on", "2015-10-22")
    rows = loaded.json("history")
    required = {"activity", "event", "from_state", "to_state", "actor", "at", "note"}
    required |= {"document", "session", "moved", "corrects", "corrected_by"}
    for row in rows:
        assert required <= set(row) <= documented("history")
    first, second = rows
    assert first["activity"] == "program-update" and first["event"] == "install_working_group"
    assert (first["from_state"], first["to_state"]) == ("mandated", "working_group_installed")
    assert first["actor"] == "tester"
    assert re.search(r"[+-]\d\d:\d\d$", first["at"])
    noon_in_washington = dt.datetime(2015, 10, 21, 12, tzinfo=ZoneInfo("America/New_York"))
    assert dt.datetime.fromisoformat(first["at"]) == noon_in_washington
    assert (first["note"], first["document"], first["session"]) == (
        "Installed",
        "CIDI/CAM/doc.1/15",
        "2015-10a",
    )
    assert (second["activity"], second["session"], second["document"]) == ("campaign", None, None)
    assert [r["activity"] for r in loaded.json("history", "campaign")] == ["campaign"]
    text = loaded("history").output
    assert "install_working_group" in text and "2015-10-21" in text
    assert "did you mean 'campaign'" in refused(loaded, "history", "campain")


# --- calendar and sessions ---------------------------------------------------------------------


def test_calendar(loaded: Any) -> None:
    sessions = loaded.json("calendar")
    assert [s["id"] for s in sessions] == [
        "2015-10a",
        "2015-10b",
        "2015-11",
        "2015-12a",
        "2015-12b",
        "2016-01",
        "2016-02",
        "2016-03",
        "2016-04",
        "2016-05",
    ]
    assert sum(len(s["agenda"]) for s in sessions) == 20
    (november,) = loaded.json("calendar", "--month", "2015-11")
    assert {"id", "month", "date", "kind", "title", "agenda"} <= set(november)
    assert set(november) <= documented("calendar")
    assert (november["id"], november["month"], november["date"]) == ("2015-11", "2015-11", None)
    assert (november["kind"], november["title"]) == ("regular", "Regular session")
    item = november["agenda"][2]
    assert {"activity", "event", "done"} <= set(item) <= documented("calendar")
    assert (item["activity"], item["event"], item["done"]) == (
        "program-update",
        "report_progress",
        False,
    )
    assert item["state"] == "mandated" and item["planned_month"] == "2015-11"
    assert loaded.json("calendar", "--month", "2016-06") == []
    text = loaded("calendar", "--month", "2015-11").output
    assert "2015-11" in text and "sicremi" in text and "2015-12a" not in text


def test_session_record_as_planned(loaded: Any) -> None:
    result = loaded("session", "record", "2015-10a", "--on", "2015-10-21", "--as-planned")
    assert result.output.splitlines() == [
        "session 2015-10a recorded as held",
        "  advanced  vice-chair-election complete: completed",
        "  advanced  work-plan complete: completed",
        "  advanced  program-update install_working_group: working_group_installed",
    ]
    (october,) = [s for s in loaded.json("calendar", "--month", "2015-10") if s["id"] == "2015-10a"]
    assert october["date"] == "2015-10-21" and october["held_on"] == "2015-10-21"
    assert all(item["done"] for item in october["agenda"])
    assert [r["session"] for r in loaded.json("history")] == ["2015-10a"] * 3


def test_session_record_except_and_refused_items(loaded: Any) -> None:
    result = loaded(
        "session",
        "record",
        "2015-11",
        "--on",
        "2015-11-18",
        "--as-planned",
        "--except",
        "sicremi",
        expect=1,
    )
    lines = result.stdout.splitlines()
    assert result.stderr.startswith("Error: 1 item refused; the session and the 2 advanced")
    assert lines[0] == "session 2015-11 recorded as held"
    assert "  advanced  forum-human-rights present_proposal: proposal_presented" in lines
    assert "  excluded  sicremi present" in lines
    (refusal,) = [line for line in lines if "program-update" in line]
    assert refusal.startswith("  refused   program-update report_progress: ")
    state = {r["key"]: r["state"] for r in loaded.json("list")}
    assert state["sicremi"] == "planned" and state["program-update"] == "mandated"
    assert state["campaign"] == "proposal_presented"


def test_session_record_without_as_planned(loaded: Any) -> None:
    output = loaded("session", "record", "2015-10b", "--on", "2015-10-28").output
    assert "  skipped   program-update negotiate" in output
    assert "  noted     program-update" in output
    assert "cam advance" in output
    assert loaded.json("history") == []


def test_session_record_refusals(loaded: Any) -> None:
    loaded("session", "record", "2015-10a", "--on", "2015-10-21", "--as-planned")
    before = store_state(loaded)
    message = refused(loaded, "session", "record", "2015-10a")
    assert "already recorded" in message and "(--as-planned)" in message
    assert "already done" in loaded("session", "record", "2015-10a", "--as-planned").output
    assert "did you mean" in refused(loaded, "session", "record", "2015-1l", "--as-planned")
    message = refused(
        loaded, "session", "record", "2015-10b", "--as-planned", "--except", "campaign"
    )
    assert "'campaign' is not on the agenda of 2015-10b" in message
    assert "future" in refused(loaded, "session", "record", "2016-05", "--on", "2999-05-18")
    assert store_state(loaded) == before


# --- reschedule ----------------------------------------------------------------------------


def test_reschedule(loaded: Any) -> None:
    result = loaded(
        "reschedule", "draft-resolution", "--to", "2016-03", "--reason", "Delegations asked"
    )
    assert result.output == (
        "draft-resolution: present moved from 2016-02 to 2016-03 (session 2016-03)\n"
    )
    row = next(r for r in loaded.json("list") if r["key"] == "draft-resolution")
    assert row["next_milestone"]["month"] == "2016-03"
    assert row["next_milestone"]["session"] == "2016-03"
    (entry,) = loaded.json("history", "draft-resolution")
    assert entry["event"] == "reschedule" and "Delegations asked" in entry["note"]
    (march,) = loaded.json("calendar", "--month", "2016-03")
    assert [i["activity"] for i in march["agenda"]] == ["forum-development", "draft-resolution"]


def test_reschedule_refusals(loaded: Any) -> None:
    before = store_state(loaded)
    assert "not a month" in refused(
        loaded, "reschedule", "draft-resolution", "--to", "2016-13", "--reason", "x"
    )
    assert "already planned" in refused(
        loaded, "reschedule", "draft-resolution", "--to", "2016-02", "--reason", "x"
    )
    assert "reason" in refused(
        loaded, "reschedule", "draft-resolution", "--to", "2016-03", "--reason", " "
    )
    assert "no open milestone" in refused(
        loaded, "reschedule", "cam-dissemination", "--to", "2016-03", "--reason", "x"
    )
    refused(loaded, "reschedule", "draft-resolution", "--reason", "x", code=2)
    assert store_state(loaded) == before


# --- workflows -------------------------------------------------------------------------------


def test_workflow_list_and_show(cam: Any) -> None:
    listing = cam("workflow", "list").output
    for kind in ("resolution", "program_update", "meeting", "campaign", "dissemination"):
        assert kind in listing
    shown = cam("workflow", "show", "resolution").output
    assert "resolution — Draft resolution (initial: drafting)" in shown
    assert "formerly" in shown and "refer_to_cidi" in shown and "adopted" in shown
    assert "from: bundled" in shown
    mermaid = cam("workflow", "show", "resolution", "--mermaid").output
    assert mermaid.startswith("stateDiagram-v2\n")
    assert "  drafting --> presented: present" in mermaid
    assert "  postponed --> negotiating: resume" in mermaid
    assert (
        'state "En redacción" as drafting'
        in cam("--lang", "es", "workflow", "show", "resolution", "--mermaid").output
    )
    assert "did you mean 'resolution'" in refused(cam, "workflow", "show", "resolutoin")


# --- refusals, whatever the command --------------------------------------------------------------

REFUSED: list[tuple[tuple[str, ...], int, str]] = [
    (("list", "--month", "2015-13"), 1, "not a month"),
    (("list", "--month", "November"), 1, "not a month"),
    (("list", "--as-of", "2015-02-30"), 1, "--as-of: not a date"),
    (("list", "--as-of", "yesterday"), 1, "--as-of: not a date"),
    (("list", "--kind", "meetings"), 1, "did you mean 'meeting'"),
    (("calendar", "--month", "15-11"), 1, "not a month"),
    (("show", "nope"), 1, "no activity 'nope'"),
    (("show", "campaign", "--as-of", "2015-13-01"), 1, "--as-of: not a date"),
    ((*INSTALL, "--on", "2015-10-32"), 1, "--on: not a date"),
    ((*INSTALL, "--on", "21/10/2015"), 1, "--on: not a date"),
    ((*NEGOTIATE, "--on", "2999-01-01"), 1, "future"),
    ((*NEGOTIATE, "--note", "bell\x07"), 1, "control character"),
    ((*NEGOTIATE, "--doc", "CIDI\x1b[2J"), 1, "control character"),
    ((*NEGOTIATE, "--as", "a\nb"), 1, "actor"),
    (("session", "record", "2015-10a", "--on", "2015-10-99"), 1, "--on: not a date"),
    (("reschedule", "campaign", "--to", "2016-00", "--reason", "x"), 1, "not a month"),
    (("reschedule", "campaign", "--to", "2016-03", "--reason", "x", "--on", "x"), 1, "date"),
    (("--plan", "cam-2015-2061", "list"), 1, "did you mean 'cam-2015-2016'"),
    (("list", "--bogus"), 2, "No such option"),
    (("advance", "program-update"), 2, "Missing argument"),
    (("show",), 2, "Missing argument"),
    (("frobnicate",), 2, "No such command"),
    (("plan", "load"), 2, "Missing argument"),
    (("session", "record", "2015-10a", "--as-planed"), 2, "No such option"),
    (("--lang", "xx", "list"), 2, "Invalid value"),
    (("list", "--json", "extra"), 2, "unexpected extra argument"),
]


@pytest.mark.parametrize(("args", "code", "what"), REFUSED, ids=[" ".join(r[0]) for r in REFUSED])
def test_refused_commands_print_one_line_and_change_nothing(
    loaded: Any, args: tuple[str, ...], code: int, what: str
) -> None:
    loaded(*INSTALL, "--on", "2015-10-21")
    before = store_state(loaded)
    message = refused(loaded, *args, code=code)
    assert what in message
    assert store_state(loaded) == before


def test_help_and_version(cam: Any) -> None:
    assert "Usage:" in cam("--help").output
    assert "advance" in cam("-h").output
    assert "0.1.0" in cam("--version").output
    assert "--as-planned" in cam("session", "record", "--help").output


# --- hostile strings ---------------------------------------------------------------------------

HOSTILE_NOTE = "[bold red]x[/] <script>alert('x')</script> {{ 7*7 }} $(id) %s"


def test_hostile_strings_print_verbatim(loaded: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    loaded(*INSTALL, "--on", "2015-10-21", "--note", HOSTILE_NOTE, "--doc", "[link]<b>")
    assert HOSTILE_NOTE in loaded("history").output
    assert "[link]<b>" in loaded("history").output
    assert HOSTILE_NOTE in loaded("show", "program-update").output
    assert loaded.json("history")[0]["note"] == HOSTILE_NOTE
    raw = loaded("history", "--json").output
    assert json.loads(raw)[0]["document"] == "[link]<b>"


def test_hostile_titles_print_verbatim(
    cam: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    data = yaml.safe_load(bundled_plans()["cam-2015-2016"].read_text(encoding="utf-8"))
    data["activities"][0]["title"] = "[red]Vice[/red] <i>Chair</i>"
    data["sessions"][0]["title"] = "[blink]Opening[/] \x1b[31mred"
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    # An escape sequence is refused on the way in: it never reaches a terminal or a report.
    assert "sessions[2015-10a].title: the text contains a control character (0x1b)" in refused(
        cam, "plan", "load", str(path)
    )
    data["sessions"][0]["title"] = "[blink]Opening[/] red"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    cam("plan", "load", str(path))
    assert "[red]Vice[/red] <i>Chair</i>" in cam("show", "vice-chair-election").output
    assert cam.json("list")[0]["title"] == "[red]Vice[/red] <i>Chair</i>"
    calendar = cam("calendar", "--month", "2015-10").output
    assert "[blink]Opening[/] red" in calendar
    assert cam.json("calendar")[0]["title"] == "[blink]Opening[/] red"
