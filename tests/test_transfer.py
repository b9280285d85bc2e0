"""Export and import: a whole store moves (SQLite to the backend under test) and shows the same."""

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Cam, SmtpServer

VIEWS = (
    ("plan", "list"),
    ("list",),
    ("show", "program-update"),
    ("show", "draft-resolution"),
    ("history",),
    ("calendar",),
    ("people", "list"),
    ("outbox",),
)


@pytest.fixture
def source(tmp_path: Path, smtp_server: SmtpServer) -> Cam:
    """A SQLite store with a played plan, registered people and sent reminders."""
    cam = Cam(f"sqlite:///{tmp_path / 'source.db'}")
    cam("plan", "load", "cam-2015-2016")
    cam("people", "add", "secretariat", "--update", "--email", "cam@example.org")
    cam(
        "people",
        "add",
        "chair",
        *("--update", "--email", "chair@example.org", "--lang", "es", "--as", "secretariat"),
    )
    cam("remind", "--now", "2015-11-03")
    for session, day in (("2015-10a", "2015-10-21"), ("2015-11", "2015-11-18")):
        # The chair's items are refused to the secretariat (exit 1); the rest is recorded.
        cam(
            "session",
            "record",
            session,
            "--on",
            day,
            "--as-planned",
            "--as",
            "secretariat",
            expect=1,
        )
    cam("advance", "draft-resolution", "postpone", "--note", "Délai «demandé» <b>", "--as", "chair")
    first = cam.json("history")[0]["id"]
    cam(
        "history",
        "correct",
        str(first),
        "--note",
        "By acclamation",
        "--reason",
        "minutes",
        "--as",
        "chair",
    )
    return cam


def test_export_then_import_restores_everything(source: Cam, cam: Cam, tmp_path: Path) -> None:
    dump = tmp_path / "store.json"
    source("export", "-o", str(dump))
    data = json.loads(dump.read_text(encoding="utf-8"))
    assert data["format"] == "cam-tracker-export"
    assert {"plan", "activity", "history", "person", "outbox", "chainhead"} <= set(data["tables"])
    assert len(data["tables"]["outbox"]) == 2

    result = cam("import", str(dump))
    assert result.output.startswith("imported ")
    assert cam("audit", "verify").output == source("audit", "verify").output
    for view in VIEWS:
        assert cam.json(*view) == source.json(*view), view

    # The restored store goes on: ids continue, the chain still verifies.
    cam("advance", "draft-resolution", "resume", "--note", "back", "--as", "chair")
    assert cam.json("show", "draft-resolution")["state"] == "drafting"
    assert "verified" in cam("audit", "verify").output


def test_export_to_standard_output_is_the_same_json(source: Cam, tmp_path: Path) -> None:
    dump = tmp_path / "store.json"
    source("export", "-o", str(dump))
    printed = json.loads(source("export").output)
    saved = json.loads(dump.read_text(encoding="utf-8"))
    printed.pop("exported_at")
    saved.pop("exported_at")
    assert printed == saved


def test_import_into_a_store_that_is_not_empty_is_refused(
    source: Cam, loaded: Cam, tmp_path: Path
) -> None:
    dump = tmp_path / "store.json"
    source("export", "-o", str(dump))
    before = loaded.json("list")
    result = loaded("import", str(dump), expect=1)
    assert result.output.startswith("Error: the store is not empty (table ")
    assert result.output.endswith("): import needs an empty store\n")
    assert loaded.json("list") == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"format": "something-else"}', "not a cam-tracker export (format)"),
        (
            '{"format": "cam-tracker-export", "version": 1, "schema": "0001", "tables": {}}',
            "the export is of schema '0001'",
        ),
    ],
)
def test_bad_files_are_refused_in_one_line(
    cam: Cam, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = cam("import", str(path), expect=1)
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert cam.json("plan", "list")[0]["loaded"] is False


def test_unknown_tables_and_columns_are_refused_and_nothing_is_written(
    source: Cam, cam: Cam, tmp_path: Path
) -> None:
    dump = tmp_path / "store.json"
    source("export", "-o", str(dump))
    data = json.loads(dump.read_text(encoding="utf-8"))
    data["tables"]["history"][-1]["mood"] = "sunny"
    (tmp_path / "column.json").write_text(json.dumps(data), encoding="utf-8")
    result = cam("import", str(tmp_path / "column.json"), expect=1)
    history_rows = len(data["tables"]["history"])
    assert result.output == (f"Error: tables.history.{history_rows - 1}: unknown column 'mood'\n")
    data["tables"]["history"][-1].pop("mood")
    data["tables"]["gossip"] = []
    (tmp_path / "table.json").write_text(json.dumps(data), encoding="utf-8")
    assert cam("import", str(tmp_path / "table.json"), expect=1).output == (
        "Error: tables.gossip: unknown table\n"
    )
    assert cam.json("plan", "list")[0]["loaded"] is False


# --- an import proves its file ---------------------------------------------------------------


def _index(rows: list[dict[str, Any]], **match: Any) -> int:
    return next(i for i, row in enumerate(rows) if all(row[k] == v for k, v in match.items()))


def _truncate(tables: dict[str, Any]) -> str:
    """The last two steps (a postponement, a correction) gone, the chain's head moved back."""
    history = tables["history"]
    gone = history[-2:]
    del history[-2:]
    chain = sorted(history + tables["record_change"], key=lambda row: row["id"])
    tables["chainhead"][0].update(last_hash=chain[-1]["hash"], length=len(chain))
    return f"tables.activity.{_index(tables['activity'], id=gone[0]['activity_id'])}.state"


def _tampered(tables: dict[str, Any], how: str) -> str:
    """Tamper an export as `how` says; the place of the first broken fact, as import names it."""
    if how == "state":
        i = _index(tables["activity"], key="campaign")
        tables["activity"][i]["state"] = "approved"
        return f"tables.activity.{i}.state: activity campaign is 'approved' but its history says"
    if how == "held":
        i = _index(tables["session"], key="2016-02")
        tables["session"][i]["held_on"] = "2016-02-17"
        return f"tables.session.{i}.held_on: session 2016-02 is held on 2016-02-17 but no"
    if how == "role":
        i = _index(tables["person"], key="chair")
        tables["person"][i]["role"] = "secretariat"
        return f"tables.person.{i}.role: person chair's role is 'secretariat' but its history"
    if how == "unsent":
        i = _index(tables["outbox"], status="sent")
        tables["outbox"][i]["status"] = "pending"
        return f"tables.outbox.{i}.status: outbox row {tables['outbox'][i]['id']} was sent at"
    if how == "truncated":
        return _truncate(tables) + ": activity draft-resolution is 'postponed' but its history"
    if how == "string in an integer":
        i = _index(tables["activity"], key="campaign")
        tables["activity"][i]["version"] = "2"
        return f"tables.activity.{i}.version: expected an integer, not '2'"
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how", ["state", "held", "role", "unsent", "truncated", "string in an integer"]
)
def test_a_tampered_export_is_refused_with_the_row_named_and_nothing_written(
    source: Cam, cam: Cam, tmp_path: Path, how: str
) -> None:
    dump = tmp_path / "store.json"
    source("export", "-o", str(dump))
    data = json.loads(dump.read_text(encoding="utf-8"))
    where = _tampered(data["tables"], how)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data), encoding="utf-8")
    result = cam("import", str(tampered), expect=None)
    assert result.exit_code in (1, 3)
    assert result.output.startswith(f"Error: {where}"), result.output
    assert len(result.output.strip().splitlines()) == 1
    assert cam.json("plan", "list")[0]["loaded"] is False
    assert cam("audit", "head").output.strip().endswith("@0")
    # The untouched file still imports.
    cam("import", str(dump))
    assert "verified" in cam("audit", "verify").output
