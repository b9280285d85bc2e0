"""Exports for the office: `--csv` on the listings, `cam export --format xlsx`.

Every CSV is parsed back with the `csv` module and compared with the rows
`--json` prints; the workbook is opened with openpyxl as a spreadsheet
would read it: its sheets, header rows, typed dates and text that is never
a formula.
"""

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from conftest import Cam
from test_cli import INSTALL, KEYS, refused, store_state

# Notes a spreadsheet would run as formulas if they reached it as they are.
FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"]
# A note that needs RFC 4180 quoting: a comma, a quote, a line break, accents.
QUOTED = 'Acta, "borrador" revisado\nsegunda línea — sesión'


def parsed(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def csv_of(cam: Cam, *args: str) -> tuple[str, list[dict[str, str]]]:
    result = cam(*args, "--csv")
    assert result.stderr == ""
    raw = result.stdout_bytes.decode("utf-8")
    return raw, parsed(raw)


def test_list_as_csv_carries_the_json_rows_with_keys_and_labels(loaded: Cam) -> None:
    raw, rows = csv_of(loaded, "list")
    header = raw.split("\r\n", 1)[0].split(",")
    assert header[:4] == ["key", "number", "title", "kind"]
    assert {"state", "state_label", "status", "next_event", "next_event_label"} <= set(header)
    assert "plan" not in header  # one plan: no plan column
    assert [row["key"] for row in rows] == KEYS
    program = rows[KEYS.index("program-update")]
    assert (program["state"], program["state_label"]) == ("mandated", "Mandated")
    assert (program["next_event"], program["next_event_label"]) == (
        "install_working_group",
        "Install the working group",
    )
    assert program["next_due"] == "2015-10-31" and program["behind"] == "yes"
    assert (
        program["mandates"] == "AG/RES. 2738 (XLII-O/12) para. 3; AG/RES. 2816 (XLIV-O/14) para. 18"
    )
    assert program["responsible"] == "chair; secretariat"
    json_rows = loaded.json("list")
    assert [row["title"] for row in rows] == [row["title"] for row in json_rows]
    assert raw.endswith("\r\n") and raw.count("\r\n") == len(KEYS) + 1
    across = parsed(loaded("list", "--all-plans", "--csv").stdout)
    assert {row["plan"] for row in across} == {"cam-2015-2016"}
    filtered = parsed(loaded("list", "--state", "mandated", "--csv").stdout)
    assert [row["key"] for row in filtered] == ["program-update"]


def test_history_as_csv_is_rfc_4180_utf8_with_formulas_guarded(loaded: Cam) -> None:
    loaded(*INSTALL, "--on", "2015-10-21", "--note", QUOTED, "--doc", "CIDI/CAM/doc.1/15")
    for number, note in enumerate(FORMULAS):
        event = ("postpone", "resume")[number % 2]
        loaded(
            "advance",
            "campaign",
            event,
            "--on",
            f"2015-11-0{number + 1}",
            "--note",
            note,
        )
    result = loaded("history", "--csv")
    raw = result.stdout_bytes
    assert not raw.startswith(b"\xef\xbb\xbf")  # UTF-8 without a byte-order mark
    rows = parsed(raw.decode("utf-8"))
    steps = loaded.json("history")
    assert [int(row["id"]) for row in rows] == [step["id"] for step in steps]
    first = rows[0]
    assert first["note"] == QUOTED  # the comma, the quote and the line break survive
    assert first["at"] == steps[0]["at"] and dt.datetime.fromisoformat(first["at"]).tzinfo
    assert (first["event"], first["event_label"]) == (
        "install_working_group",
        steps[0]["event_label"],
    )
    assert first["session"] == "2015-10a" and first["document"] == "CIDI/CAM/doc.1/15"
    notes = [row["note"] for row in rows[1:]]
    recorded = [step["note"] for step in steps[1:]]
    assert recorded and all(note.startswith(tuple("=+-@")) for note in recorded)
    assert notes == ["'" + note for note in recorded]


def test_history_all_as_csv_names_each_record(loaded: Cam) -> None:
    loaded(*INSTALL, "--on", "2015-10-21")
    rows = parsed(loaded("history", "--all", "--csv").stdout)
    assert [row["record"] for row in rows] == ["change", "step"]
    assert rows[0]["subject"] == "plan" and rows[0]["action"] == "loaded"
    assert rows[0]["changes"].startswith("source: – → bundled:cam-2015-2016")
    assert rows[1]["event"] == "install_working_group" and rows[1]["changes"] == ""
    plain = parsed(loaded("history", "--csv").stdout)
    assert "record" not in plain[0] and "changes" not in plain[0]


def test_calendar_as_csv_has_a_line_per_agenda_item(loaded: Cam) -> None:
    loaded("session", "reschedule", "2015-11", "--to", "2015-11-18", "--reason", "room booked")
    sessions = loaded.json("calendar")
    rows = parsed(loaded("calendar", "--csv").stdout)
    assert len(rows) == sum(max(1, len(s["agenda"])) for s in sessions)
    november = [row for row in rows if row["id"] == "2015-11"]
    assert [row["activity"] for row in november] == [
        item["activity"] for item in sessions[2]["agenda"]
    ]
    assert {row["date"] for row in november} == {"2015-11-18"}
    assert november[0]["state"] and november[0]["state_label"] and november[0]["item"]
    one_month = parsed(loaded("calendar", "--month", "2015-11", "--csv").stdout)
    assert one_month == november


def test_people_and_plans_as_csv(loaded: Cam, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAM_USER", "secretariat")
    loaded("people", "add", "secretariat", "--update", "--email", "cam@example.org")
    loaded("people", "add", "chair", "--update", "--email", "presidencia@example.org")
    rows = parsed(loaded("people", "list", "--csv").stdout)
    people = loaded.json("people", "list")
    assert [row["key"] for row in rows] == [person["key"] for person in people]
    chair = rows[0]
    assert chair["email"] == "presidencia@example.org" and chair["role"] == "chair"
    assert chair["responsible"].split("; ") == people[0]["responsible"]
    [plan] = parsed(loaded("plan", "list", "--csv").stdout)
    assert plan["name"] == "cam-2015-2016" and plan["loaded"] == "yes"
    assert plan["activities"] == str(len(KEYS))


def test_csv_in_spanish_keeps_the_keys_and_translates_the_labels(loaded: Cam) -> None:
    rows = parsed(loaded("--lang", "es", "list", "--csv").stdout)
    program = rows[KEYS.index("program-update")]
    assert program["state"] == "mandated" and program["state_label"] != "Mandated"
    assert program["state_label"] == loaded.json("--lang", "es", "list")[7]["state_label"]


def test_json_and_csv_are_alternatives(loaded: Cam) -> None:
    before = store_state(loaded)
    for args in (("list",), ("history",), ("calendar",), ("people", "list"), ("plan", "list")):
        message = refused(loaded, *args, "--json", "--csv", code=2)
        assert "--json and --csv are alternatives" in message
        assert len(message.strip().splitlines()) == 1
    message = refused(loaded, "calendar", "--csv", "--ics", "-", code=2)
    assert "--ics goes without --json and --csv" in message
    message = refused(loaded, "history", "--csv", "correct", "1", "--reason", "x", code=2)
    assert "--csv go without `correct`" in message
    assert store_state(loaded) == before


# --- the workbook -----------------------------------------------------------------------


def workbook(path: Path) -> Any:
    from openpyxl import load_workbook

    return load_workbook(path)


def sheet_rows(sheet: Any) -> list[dict[str, Any]]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_the_workbook_has_a_sheet_per_table_typed_and_frozen(
    loaded: Cam, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded(*INSTALL, "--on", "2015-10-21", "--note", FORMULAS[0])
    loaded("session", "reschedule", "2015-11", "--to", "2015-11-18", "--reason", "room booked")
    monkeypatch.setenv("CAM_USER", "secretariat")
    loaded("people", "add", "secretariat", "--update", "--email", "cam@example.org")
    loaded("people", "add", "chair", "--update", "--email", "presidencia@example.org")
    target = tmp_path / "cam.xlsx"
    result = loaded("export", "--format", "xlsx", "-o", str(target))
    assert result.stdout == ""
    assert "exported cam-2015-2016: 5 sheets" in result.output and str(target) in result.output
    book = workbook(target)
    assert book.sheetnames == ["activities", "history", "calendar", "people", "plans"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.column_dimensions["A"].width > len(str(sheet["A1"].value))

    activities = sheet_rows(book["activities"])
    assert [row["key"] for row in activities] == KEYS
    program = activities[KEYS.index("program-update")]
    assert program["state"] == "working_group_installed" and program["state_label"]
    assert program["behind"] is True or program["behind"] is False
    assert program["next_due"] == dt.datetime(2015, 10, 31)  # a date cell: read as midnight
    due = book["activities"].cell(
        row=KEYS.index("program-update") + 2, column=list(program).index("next_due") + 1
    )
    assert due.is_date and due.number_format == "yyyy-mm-dd"

    step = sheet_rows(book["history"])[0]
    assert step["at"] == dt.datetime(2015, 10, 21, 16, 0)  # noon in Washington, in UTC
    assert step["note"] == FORMULAS[0]  # the text as written, not a formula
    note_cell = book["history"]["B2"].offset(column=list(step).index("note") - 1)
    assert note_cell.data_type == "s"

    calendar = sheet_rows(book["calendar"])
    november = [row for row in calendar if row["id"] == "2015-11"]
    assert {row["date"] for row in november} == {dt.datetime(2015, 11, 18)}
    assert {row["month"] for row in november} == {"2015-11"}  # a month stays text
    assert {row["done"] for row in calendar} <= {True, False}

    people = sheet_rows(book["people"])
    assert people[0]["email"] == "presidencia@example.org"
    [plan] = sheet_rows(book["plans"])
    assert plan["name"] == "cam-2015-2016" and plan["activities"] == len(KEYS)
    assert isinstance(plan["loaded_at"], dt.datetime)


def test_the_workbook_agrees_with_the_csv_of_each_listing(loaded: Cam, tmp_path: Path) -> None:
    loaded(*INSTALL, "--on", "2015-10-21")
    loaded("export", "-o", str(tmp_path / "cam.xlsx"))  # the suffix picks the format
    book = workbook(tmp_path / "cam.xlsx")
    for sheet, command in (
        ("activities", ("list",)),
        ("history", ("history",)),
        ("calendar", ("calendar",)),
        ("people", ("people", "list")),
    ):
        header, *lines = list(book[sheet].iter_rows(values_only=True))
        rows = parsed(loaded(*command, "--csv").stdout)
        assert list(header) == list(rows[0]), sheet
        assert len(lines) == len(rows), sheet
        assert [line[0] for line in lines] == [
            int(row[header[0]]) if isinstance(line[0], int) else row[header[0]]
            for line, row in zip(lines, rows, strict=True)
        ], sheet


def test_the_workbook_of_a_named_plan(loaded: Cam, tmp_path: Path) -> None:
    target = tmp_path / "plan.xlsx"
    loaded("export", "--format", "xlsx", "--plan", "cam-2015-2016", "-o", str(target))
    assert workbook(target)["activities"].max_row == len(KEYS) + 1
    message = refused(
        loaded, "export", "--format", "xlsx", "--plan", "cam-2015-2061", "-o", str(target)
    )
    assert "no plan 'cam-2015-2061'" in message and "did you mean 'cam-2015-2016'" in message


def test_export_refuses_what_it_cannot_write(loaded: Cam, tmp_path: Path) -> None:
    before = store_state(loaded)
    binary = refused(loaded, "export", "--format", "xlsx", code=2)
    assert "--format xlsx is a binary file: write it with -o FILE" in binary
    assert len(binary.strip().splitlines()) == 1
    unknown = refused(loaded, "export", "--format", "ods", "-o", str(tmp_path / "x.ods"))
    assert unknown == "Error: --format: unknown export format 'ods'; formats: json, xlsx"
    whole = refused(loaded, "export", "--plan", "cam-2015-2016")
    assert whole == (
        "Error: --plan: the json export is the whole store: a plan goes with --format xlsx"
    )
    missing = refused(loaded, "export", "-o", "/nonexistent/dir/cam.xlsx")
    assert "/nonexistent/dir/cam.xlsx" in missing and "No such file" in missing
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("cam.db")] == []
    assert store_state(loaded) == before


def test_the_json_export_is_unchanged(loaded: Cam, tmp_path: Path) -> None:
    import json

    printed = json.loads(loaded("export").stdout)
    loaded("export", "--format", "json", "-o", str(tmp_path / "dump"))
    written = json.loads((tmp_path / "dump").read_text(encoding="utf-8"))
    assert written["tables"] == printed["tables"] and written["tables"]["activity"]


def test_a_report_in_a_binary_format_needs_a_file(loaded: Cam) -> None:
    message = refused(loaded, "report", "--format", "pdf", code=2)
    assert "--format pdf is a binary file: write it with -o FILE" in message
    assert len(message.strip().splitlines()) == 1
    assert "Organization of American States" in loaded("report", "--format", "md").stdout


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_a_text_cell_that_a_spreadsheet_would_run_is_marked(value: str, cell: str) -> None:
    from cam_tracker.reports.export import csv_cell

    assert csv_cell(value, "text") == cell


def test_a_listing_without_chosen_columns_gets_its_rows_columns() -> None:
    """What a new listing (`@csv_option()` alone) prints before its table is chosen."""
    from cam_tracker.reports.export import csv_text

    rows = [
        {"symbol": "CIDI/CAM/doc.1/15", "languages": ["en", "es"], "version": {"rev": 1}},
        {"symbol": "=cmd", "languages": [], "version": None},
    ]
    assert parsed(csv_text(None, rows)) == [
        {"symbol": "CIDI/CAM/doc.1/15", "languages": "en; es", "version.rev": "1"},
        {"symbol": "'=cmd", "languages": "", "version.rev": ""},
    ]
