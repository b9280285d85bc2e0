"""Plan files: the bundled plan, validation of malformed files, reloading after edits."""

import copy
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func
from sqlmodel import SQLModel, col, select

from cam_tracker import store
from cam_tracker.app import activities, lookup, plans, snapshot
from cam_tracker.core.errors import InvalidDefinition, NotFound, TransitionRefused
from cam_tracker.files import plan
from cam_tracker.store import models

BUNDLED = plan.bundled_plans()["cam-2015-2016"]
SOURCE: dict[str, Any] = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
PLAN_MONTHS = ["2015-10", "2015-11", "2015-12", "2016-01", "2016-02", "2016-03", "2016-04"]
PLAN_MONTHS.append("2016-05")


def plan_data() -> dict[str, Any]:
    """A fresh, editable copy of the bundled plan's content."""
    return copy.deepcopy(SOURCE)


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load(url: str, source: str | Path) -> plans.LoadReport:
    with store.session(url) as db:
        return plans.load(db, str(source))


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with store.session(url) as db:
        connection = db.connection()
        for table in SQLModel.metadata.sorted_tables:
            query = table.select().order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in connection.execute(query)]
    return rows


def count(url: str, table: type[SQLModel]) -> int:
    with store.session(url) as db:
        return int(db.exec(select(func.count()).select_from(table)).one())


def by_key(data: dict[str, Any], section: str, key: str) -> dict[str, Any]:
    return next(item for item in data[section] if item["key"] == key)


def advance(url: str, key: str, event: str, session: str | None, on: str, **extra: Any) -> None:
    with store.session(url) as db:
        activities.advance(
            db,
            lookup.current_plan(db),
            key,
            event,
            actor="tester",
            session_key=session,
            on=dt.date.fromisoformat(on),
            **extra,
        )


# --- the bundled plan ------------------------------------------------------------------


def test_bundled_plan_validates() -> None:
    spec = plan.read_plan(BUNDLED)
    assert spec.name == "cam-2015-2016"
    assert (spec.period.start, spec.period.end) == ("2015-10", "2016-05")
    assert spec.title["es"].startswith("Plan de Trabajo")
    assert [m.symbol for m in spec.mandates] == [
        "AG/RES. 2738 (XLII-O/12)",
        "AG/RES. 2816 (XLIV-O/14)",
    ]


def test_bundled_plan_loads_with_all_its_content(db_url: str) -> None:
    report = load(db_url, "cam-2015-2016")
    assert report.created and not report.unchanged
    assert len(report.activities_added) == 11 and len(report.sessions_added) == 10
    assert count(db_url, models.Plan) == 1
    assert count(db_url, models.Mandate) == 2
    assert count(db_url, models.Paragraph) == 15
    assert count(db_url, models.Activity) == 11
    assert count(db_url, models.Meeting) == 10
    # One milestone per item of the plan's calendar: 3 + 2 + 4 + 1 + 1 + 4 + 2 + 1 + 1 + 1.
    assert count(db_url, models.Milestone) == 20
    assert count(db_url, models.Person) == 3
    assert count(db_url, models.History) == 0
    with store.session(db_url) as db:
        snap = snapshot.snapshot(db, lookup.current_plan(db))
    assert [a.activity.key for a in snap.activities] == [a["key"] for a in SOURCE["activities"]]
    for view in snap.activities:
        assert view.state == view.flow.initial
        assert view.activity.title["en"] and view.activity.title["es"]
    agenda = [(m.session.key, m.activity.key, m.milestone.event) for m in snap.milestones]
    assert ("2015-10a", "program-update", "install_working_group") in agenda
    assert ("2015-10b", "program-update", None) in agenda
    assert ("2016-05", "draft-resolution", "approve") in agenda
    program = snap.activity("program-update")
    assert program is not None
    assert [(m.session.key, m.milestone.event) for m in program.milestones] == [
        ("2015-10a", "install_working_group"),
        ("2015-10b", "negotiate"),
        ("2015-10b", None),
        ("2015-11", "report_progress"),
        ("2015-12b", "conclude"),
    ]
    assert [p.number for p in program.paragraphs] == ["3", "18"]
    assert [p.key for p in program.responsible] == ["chair", "secretariat"]


def test_every_calendar_month_of_the_period_has_its_sessions(db_url: str) -> None:
    load(db_url, "cam-2015-2016")
    with store.session(db_url) as db:
        snap = snapshot.snapshot(db, lookup.current_plan(db))
    months = [s.month for s in snap.sessions]
    assert sorted(set(months)) == PLAN_MONTHS
    assert months == sorted(months)
    assert [s.key for s in snap.sessions if s.month in ("2015-10", "2015-12")] == [
        "2015-10a",
        "2015-10b",
        "2015-12a",
        "2015-12b",
    ]
    assert all(snap.agenda(s) for s in snap.sessions)


def test_paragraphs_20_and_22_are_served_by_no_activity(db_url: str) -> None:
    load(db_url, "cam-2015-2016")
    with store.session(db_url) as db:
        snap = snapshot.snapshot(db, lookup.current_plan(db))
    mandates = {m.id: m.key for m in snap.mandates}
    every = {f"{mandates[p.mandate_id]}/{p.number}" for ps in snap.paragraphs.values() for p in ps}
    served = {f"{mandates[p.mandate_id]}/{p.number}" for a in snap.activities for p in a.paragraphs}
    assert len(every) == 15
    # The guidelines 2.a–2.g belong to paragraph 2, which is served.
    unserved = {ref for ref in every - served if "." not in ref.split("/")[1]}
    assert unserved == {"ag-res-2816/20", "ag-res-2816/22"}


# --- malformed plan files ---------------------------------------------------------------------

Change = Callable[[dict[str, Any]], None]


def _at(path: str, value: Any) -> Change:
    """Set a value at a dotted path ('sessions.0.month')."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _drop(path: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return change


def _duplicate(section: str) -> Change:
    return lambda data: data[section].append(copy.deepcopy(data[section][-1]))


MALFORMED: dict[str, tuple[Change, str, str]] = {
    # case: (change to the bundled plan, the entry and key the message names, what it says)
    "unknown top-level key": (_at("colour", "blue"), "colour", "unknown key"),
    "unknown nested key": (
        _at("activities.0.owner", "x"),
        "activities[vice-chair-election].owner",
        "unknown key",
    ),
    "missing key": (_drop("period"), "period", "required key missing"),
    "missing nested key": (
        _drop("activities.3.kind"),
        "activities[thematic-new-challenges].kind",
        "required key missing",
    ),
    "bad month": (
        _at("sessions.2.month", "2015-13"),
        "sessions[2015-11].month",
        "not a month: '2015-13' (use YYYY-MM)",
    ),
    "month as words": (_at("period.start", "October 2015"), "period.start", "not a month"),
    "month of year 0": (_at("period.start", "0000-10"), "period.start", "years 1900 to 2999"),
    "bad date": (_at("sessions.0.date", "2015-10-32"), "sessions[2015-10a].date", "not a date"),
    "date outside its month": (
        _at("sessions.0.date", "2015-11-03"),
        "sessions[2015-10a].date",
        "2015-11-03 is not in 2015-10",
    ),
    "session outside the period": (
        _at("sessions.9.month", "2016-07"),
        "sessions[2016-05].month",
        "outside the plan's period",
    ),
    "period backwards": (_at("period.end", "2015-01"), "period", "start is after end"),
    "unknown workflow kind": (
        _at("activities.0.kind", "procedual"),
        "activities[vice-chair-election].kind",
        "unknown workflow kind 'procedual' (did you mean 'procedural'?)",
    ),
    "unknown session kind": (
        _at("sessions.0.kind", "plenary"),
        "sessions[2015-10a].kind",
        "regular",
    ),
    "unknown activity": (
        _at("sessions.0.agenda.0.activity", "vice-chair-elections"),
        "sessions[2015-10a].agenda[vice-chair-elections].activity",
        "unknown activity 'vice-chair-elections' (did you mean 'vice-chair-election'?)",
    ),
    "unknown event": (
        _at("sessions.0.agenda.0.event", "completed"),
        "sessions[2015-10a].agenda[vice-chair-election].event",
        "'completed' is not an event of 'procedural' (did you mean 'complete'?)",
    ),
    "unknown paragraph served": (
        _at("activities.0.serves.0", "ag-res-2738/9"),
        "activities[vice-chair-election].serves[#1]",
        "unknown mandate paragraph 'ag-res-2738/9'",
    ),
    "unknown paragraph of a session": (
        _at("sessions.0.mandates.0", "ag-res-2816/99"),
        "sessions[2015-10a].mandates[#1]",
        "unknown mandate paragraph",
    ),
    "unknown person": (
        _at("activities.0.responsible.0", "secretary"),
        "activities[vice-chair-election].responsible[#1]",
        "unknown person 'secretary' (did you mean 'secretariat'?)",
    ),
    "unknown role": (_at("people.0.role", "king"), "people[chair].role", "unknown role 'king'"),
    "duplicate activity key": (
        _duplicate("activities"),
        "activities[draft-resolution].key",
        "duplicate key",
    ),
    "duplicate session key": (_duplicate("sessions"), "sessions[2016-05].key", "duplicate key"),
    "duplicate person key": (_duplicate("people"), "people[secretariat].key", "duplicate key"),
    "duplicate mandate key": (_duplicate("mandates"), "mandates[ag-res-2816].key", "duplicate key"),
    "duplicate paragraph": (
        lambda d: d["mandates"][0]["paragraphs"].append({"number": "1", "text": "again"}),
        "mandates[ag-res-2738].paragraphs[1].number",
        "duplicate number",
    ),
    "key with spaces": (_at("activities.0.key", "Vice Chair"), "activities[#1].key", "not a key"),
    "unknown language": (
        _at("activities.0.title", {"en": "x", "xx": "y"}),
        "activities[vice-chair-election].title",
        "unknown language 'xx'",
    ),
    "no English text": (
        _at("activities.0.title", {"es": "x"}),
        "activities[vice-chair-election].title",
        "English",
    ),
    "unknown time zone": (_at("timezone", "Mars/Olympus"), "timezone", "unknown time zone"),
    "no activities": (_at("activities", []), "activities", "at least 1"),
    "mapping instead of list": (_at("sessions", {"a": 1}), "sessions", "expected a list"),
    "number not in quotes": (
        _at("activities.0.number", 4),
        "activities[vice-chair-election].number",
        "expected a text, not a number (put it in quotes)",
    ),
    "title on two lines": (
        _at("sessions.0.title", "Regular\nsession"),
        "sessions[2015-10a].title",
        "must be one line",
    ),
    "escape in a title": (
        _at("activities.0.title", {"en": "x", "es": "\x1b[31mrojo"}),
        "activities[vice-chair-election].title.es",
        "control character (0x1b)",
    ),
    "NUL in a paragraph": (
        _at("mandates.0.paragraphs.0.text", "To establish\x00"),
        "mandates[ag-res-2738].paragraphs[1].text",
        "control character (0x00)",
    ),
    "overlong title": (
        _at("activities.0.title", {"en": "x" * 2001}),
        "activities[vice-chair-election].title.en",
        "too long (2001 characters, at most 2000)",
    ),
    "overlong paragraph": (
        _at("mandates.0.paragraphs.0.text", "x " * 10_001),
        "mandates[ag-res-2738].paragraphs[1].text",
        "at most 20000",
    ),
    "overlong symbol": (
        _at("mandates.0.symbol", "AG/RES. " + "9" * 200),
        "mandates[ag-res-2738].symbol",
        "at most 120",
    ),
    "overlong name": (_at("people.0.name", "N" * 201), "people[chair].name", "at most 200"),
    "name on two lines": (
        _at("people.0.name", "Chair\r\nBcc: x@example.org"),
        "people[chair].name",
        "line break",
    ),
    "email with a line break": (
        _at("people.0.email", "chair@example.org\nBcc: x@example.org"),
        "people[chair].email",
        "not an email address",
    ),
    "email that does not parse": (
        _at("people.0.email", "a@@x"),
        "people[chair].email",
        "not an email address: 'a@@x'",
    ),
    "email without a domain": (
        _at("people.0.email", "chair"),
        "people[chair].email",
        "not an email address",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_plan_is_refused_naming_file_line_and_entry(tmp_path: Path, case: str) -> None:
    change, key, what = MALFORMED[case]
    data = plan_data()
    change(data)
    path = write(tmp_path / "plan.yaml", data)
    with pytest.raises(InvalidDefinition) as refused:
        plan.read_plan(path)
    # The first problem in the file is the one made; an activity renamed or removed
    # also leaves the references to it unknown, each told on a line of its own.
    first, *others = str(refused.value).splitlines()
    assert re.match(rf"{re.escape(str(path))}: line \d+: {re.escape(key)}: ", first), first
    assert what in first
    assert all("unknown activity" in line for line in others), others


def test_every_problem_of_a_file_is_told_at_once_in_file_order(tmp_path: Path) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    text = text.replace('period: {start: "2015-10", end: "2016-05"}', "period: {start: 2015-10}")
    text = text.replace("kind: program_update", "kind: program_updat", 1)
    text = text.replace(
        '  - key: "2015-11"\n    month: "2015-11"', '  - key: "2015-11"\n    month: 2015-13'
    )
    text = text.replace("    role: chair\n", "    role: chair\n    email: chair@@example.org\n", 1)
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidDefinition) as refused:
        plan.read_plan(path)
    lines = str(refused.value).splitlines()
    found = {line.split(": ", 3)[2]: line for line in lines}
    assert list(found) == [
        "period.end",
        "people[chair].email",
        "activities[program-update].kind",
        "sessions[2015-11].month",
    ], lines
    numbers = [int(line.split(": ")[1].removeprefix("line ")) for line in lines]
    assert numbers == sorted(numbers)
    source = text.splitlines()
    for line, number in zip(lines, numbers, strict=True):
        assert line.startswith(f"{path}: line {number}: ")
        # A key that is there is on its line; a missing one, on the line of its entry.
        where = line.split(": ", 3)[2]
        key = where.rsplit(".", 2)[-2 if "missing" in line else -1]
        assert key in source[number - 1], (line, source[number - 1])
    assert "required key missing" in found["period.end"]
    assert "did you mean 'program_update'" in found["activities[program-update].kind"]
    assert "not a month: '2015-13'" in found["sessions[2015-11].month"]


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("2015-02-30", "not a date: '2015-02-30'"),
        ("2015-10-32", "not a date: '2015-10-32'"),
        ("0000-10-21", "not a date: '0000-10-21'"),
        ("0001-10-21", "years 1900 to 2999"),
        ("!!timestamp 2015-02-30", "not a date: '2015-02-30'"),
        ("2015-10-21T10:00:00", "not a date"),
        ("20151021", "not a date"),
    ],
)
def test_an_unquoted_impossible_date_is_refused_with_its_line(
    tmp_path: Path, value: str, what: str
) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    marker = '  - key: "2015-10a"\n    month: "2015-10"\n'
    assert marker in text
    text = text.replace(marker, f"{marker}    date: {value}\n")
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index(f"    date: {value}") + 1
    with pytest.raises(InvalidDefinition) as refused:
        plan.read_plan(path)
    assert str(refused.value).startswith(f"{path}: line {line}: sessions[2015-10a].date: ")
    assert what in str(refused.value)


def test_an_unquoted_date_in_its_month_loads(tmp_path: Path) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    marker = '  - key: "2015-10a"\n    month: "2015-10"\n'
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(marker, f"{marker}    date: 2015-10-21\n"), encoding="utf-8")
    assert plan.read_plan(path).sessions[0].date == dt.date(2015, 10, 21)


def test_a_great_many_problems_are_counted_past_the_first_hundred(tmp_path: Path) -> None:
    data = plan_data()
    data["activities"][0]["serves"] = [f"nowhere/{n}" for n in range(150)]
    path = write(tmp_path / "plan.yaml", data)
    with pytest.raises(InvalidDefinition) as refused:
        plan.read_plan(path)
    lines = str(refused.value).splitlines()
    assert len(lines) == 101
    assert lines[-1] == f"{path}: … and 50 more problems"


@pytest.mark.parametrize(
    "text",
    [
        "name: [unclosed\n",
        "name: cam\n\ttitle: tabs\n",
        "name: 'open quote\n",
        "{{ not yaml }}: [",
    ],
)
def test_invalid_yaml_is_refused_naming_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidDefinition) as refused:
        plan.read_plan(path)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ") and "invalid YAML" in message


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    path = tmp_path / "plan.yaml"
    path.write_text(text + "\nactivities: []\n", encoding="utf-8")
    with pytest.raises(InvalidDefinition) as refused:
        plan.read_plan(path)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: line ") and "duplicate key 'activities'" in message


@pytest.mark.parametrize(
    ("content", "what"),
    [(b"", "(top level)"), (b"- a\n- b\n", "(top level)"), (b"\xff\xfe\x00bad", "cannot read")],
)
def test_empty_or_unreadable_file_is_refused(tmp_path: Path, content: bytes, what: str) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(content)
    with pytest.raises(InvalidDefinition) as refused:
        plan.read_plan(path)
    assert what in str(refused.value) and "\n" not in str(refused.value)


def test_missing_file_and_unknown_name(db_url: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidDefinition, match="no such file"):
        load(db_url, tmp_path / "nope.yaml")
    with pytest.raises(NotFound, match="did you mean 'cam-2015-2016'"):
        load(db_url, "cam-2015-2061")


HOSTILE = [
    "[bold red]x[/] <script>alert('x')</script>",
    "{{ 7*7 }} {% raw %} ${HOME} $(rm -rf /) `id` %s %(x)s",
    '\'; DROP TABLE activity; -- "quoted" \\ back\\slash',
    "Ünïcödé — «migración» 移民 🚀 \u200b zero-width",
]


def test_hostile_strings_are_kept_verbatim(db_url: str, tmp_path: Path) -> None:
    data = plan_data()
    for index, title in enumerate(HOSTILE):
        data["activities"][index]["title"] = {"en": title, "es": title + " (es)"}
    data["sessions"][0]["agenda"][0]["text"] = HOSTILE[0]
    data["mandates"][0]["paragraphs"][0]["text"] = HOSTILE[2]
    report = load(db_url, write(tmp_path / "hostile.yaml", data))
    assert report.created
    with store.session(db_url) as db:
        snap = snapshot.snapshot(db, lookup.current_plan(db))
    for index, title in enumerate(HOSTILE):
        assert snap.activities[index].activity.title == {"en": title, "es": title + " (es)"}
    assert snap.milestones[0].milestone.text == {"en": HOSTILE[0]}
    assert snap.paragraphs[snap.mandates[0].id or 0][0].text == {"en": HOSTILE[2]}
    assert count(db_url, models.Activity) == 11


# --- reloading after an edit ----------------------------------------------------------------


@pytest.fixture
def plan_file(tmp_path: Path, db_url: str) -> Path:
    """An editable copy of the bundled plan, loaded, with one step recorded."""
    path = write(tmp_path / "cam-2015-2016.yaml", plan_data())
    load(db_url, path)
    advance(db_url, "program-update", "install_working_group", "2015-10a", "2015-10-21")
    return path


def test_reloading_an_unchanged_file_changes_nothing(db_url: str, plan_file: Path) -> None:
    before = dump(db_url)
    report = load(db_url, plan_file)
    assert report.unchanged and not report.created
    assert dump(db_url) == before


def test_reloading_an_edited_title_updates_it_and_keeps_history(
    db_url: str, plan_file: Path
) -> None:
    history_before = dump(db_url)["history"]
    data = plan_data()
    by_key(data, "activities", "program-update")["title"] = {"en": "Update the Program", "es": "X"}
    by_key(data, "sessions", "2016-03")["title"] = "Forum, renamed"
    report = load(db_url, write(plan_file, data))
    assert not report.created and not report.unchanged
    assert report.activities_updated == ["program-update"]
    assert report.activities_added == report.activities_missing == []
    assert dump(db_url)["history"] == history_before
    with store.session(db_url) as db:
        snap = snapshot.snapshot(db, lookup.current_plan(db))
    program = snap.activity("program-update")
    assert program is not None
    assert program.activity.title == {"en": "Update the Program", "es": "X"}
    assert program.state == "working_group_installed"
    assert [h.event for h in program.history] == ["install_working_group"]
    assert program.milestones[0].is_done
    assert next(s for s in snap.sessions if s.key == "2016-03").title == {"en": "Forum, renamed"}
    assert count(db_url, models.Activity) == 11
    assert count(db_url, models.Milestone) == 20


def test_reloading_applies_responsible_people_and_mandates(db_url: str, plan_file: Path) -> None:
    data = plan_data()
    program = by_key(data, "activities", "program-update")
    program["responsible"] = ["chair"]
    program["serves"] = ["ag-res-2816/18"]
    load(db_url, write(plan_file, data))
    with store.session(db_url) as db:
        view = snapshot.snapshot(db, lookup.current_plan(db)).activity("program-update")
    assert view is not None
    assert [p.key for p in view.responsible] == ["chair"]
    assert [p.number for p in view.paragraphs] == ["18"]


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    data["activities"] = [a for a in data["activities"] if a["key"] != key]
    for meeting in data["sessions"]:
        meeting["agenda"] = [i for i in meeting["agenda"] if i["activity"] != key]
    return data


def test_an_activity_removed_from_the_file_is_reported_and_kept(
    db_url: str, plan_file: Path
) -> None:
    history_before = dump(db_url)["history"]
    report = load(db_url, write(plan_file, _without(plan_data(), "program-update")))
    assert report.activities_missing == ["program-update"]
    assert report.activities_added == []
    assert dump(db_url)["history"] == history_before
    with store.session(db_url) as db:
        current = lookup.current_plan(db)
        kept = lookup.find_activity(db, current, "program-update")
        assert kept.removed and kept.state == "working_group_installed"
        snap = snapshot.snapshot(db, current)
        assert snap.activity("program-update") is None
        assert len(snap.activities) == 10
        removed = snapshot.snapshot(db, current, include_removed=True).activity("program-update")
        assert removed is not None and [h.event for h in removed.history] == [
            "install_working_group"
        ]
    with pytest.raises(TransitionRefused, match="no longer in the plan"):
        advance(db_url, "program-update", "negotiate", "2015-10b", "2015-10-28")
    # Loading the same edited file again reports nothing new.
    assert load(db_url, plan_file).unchanged


def test_re_adding_a_removed_activity_restores_it(db_url: str, plan_file: Path) -> None:
    load(db_url, write(plan_file, _without(plan_data(), "program-update")))
    report = load(db_url, write(plan_file, plan_data()))
    assert report.activities_updated == ["program-update"]
    assert report.activities_missing == report.activities_added == []
    with store.session(db_url) as db:
        snap = snapshot.snapshot(db, lookup.current_plan(db))
    program = snap.activity("program-update")
    assert program is not None and not program.activity.removed
    assert program.state == "working_group_installed"
    assert [h.event for h in program.history] == ["install_working_group"]
    assert [(m.session.key, m.milestone.event, m.is_done) for m in program.milestones] == [
        ("2015-10a", "install_working_group", True),
        ("2015-10b", "negotiate", False),
        ("2015-10b", None, False),
        ("2015-11", "report_progress", False),
        ("2015-12b", "conclude", False),
    ]
    assert count(db_url, models.Milestone) == 20
    advance(db_url, "program-update", "negotiate", "2015-10b", "2015-10-28")


def test_a_new_activity_and_session_are_added_on_reload(db_url: str, plan_file: Path) -> None:
    data = plan_data()
    data["activities"].append(
        {"key": "extra", "number": "8", "title": "Extra", "kind": "campaign", "serves": []}
    )
    data["sessions"].append(
        {
            "key": "2016-05b",
            "month": "2016-05",
            "date": "2016-05-25",
            "kind": "special",
            "title": "Special session",
            "agenda": [{"activity": "extra", "event": "present_proposal", "text": "Extra."}],
        }
    )
    report = load(db_url, write(plan_file, data))
    assert report.activities_added == ["extra"] and report.sessions_added == ["2016-05b"]
    with store.session(db_url) as db:
        snap = snapshot.snapshot(db, lookup.current_plan(db))
    extra = snap.activity("extra")
    assert extra is not None and extra.state == "proposed"
    assert extra.next_milestone is not None and extra.next_milestone.due == dt.date(2016, 5, 25)


def _table_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    rows = dump(url)
    assert rows["history"], "the fixture records one step"
    return rows


def test_a_failing_validation_leaves_the_store_as_it_was(db_url: str, plan_file: Path) -> None:
    before = _table_rows(db_url)
    data = plan_data()
    data["title"] = "Changed title"
    data["activities"][0]["kind"] = "nope"
    with pytest.raises(InvalidDefinition):
        load(db_url, write(plan_file, data))
    assert dump(db_url) == before


def test_a_load_failing_half_way_leaves_the_store_as_it_was(db_url: str, plan_file: Path) -> None:
    before = _table_rows(db_url)
    data = plan_data()
    data["title"] = "Changed title"
    data["activities"].append({"key": "new-one", "number": "9", "title": "New", "kind": "campaign"})
    by_key(data, "activities", "vice-chair-election")["title"] = "Renamed"
    # program-update is in 'working_group_installed', a state resolutions do not have:
    # the plan row, people and mandates are written before this is found.
    by_key(data, "activities", "program-update")["kind"] = "resolution"
    for meeting in data["sessions"]:
        meeting["agenda"] = [i for i in meeting["agenda"] if i["activity"] != "program-update"]
    with pytest.raises(
        InvalidDefinition,
        match="activity program-update has history in states mandated, working_group_installed "
        "that kind 'resolution' does not have",
    ):
        load(db_url, write(plan_file, data))
    assert dump(db_url) == before
    with store.session(db_url) as db:
        assert lookup.current_plan(db).title["en"] == SOURCE["title"]["en"]
        names = db.exec(select(models.Activity.key).where(col(models.Activity.key) == "new-one"))
        assert list(names) == []


def test_a_session_removed_from_the_file_is_hidden_with_its_open_items(
    db_url: str, plan_file: Path
) -> None:
    data = plan_data()
    data["sessions"] = [s for s in data["sessions"] if s["key"] not in ("2015-10b", "2015-11")]
    report = load(db_url, write(plan_file, data))
    assert report.sessions_missing == ["2015-10b", "2015-11"]
    assert len(report.milestones_removed) == 6
    assert "2015-11 sicremi present" in report.milestones_removed
    with store.session(db_url) as db:
        current = lookup.current_plan(db)
        snap = snapshot.snapshot(db, current)
        assert [s.key for s in snap.sessions][:2] == ["2015-10a", "2015-12a"]
        program = snap.activity("program-update")
        assert program is not None and program.state == "working_group_installed"
        nxt = program.next_milestone
        assert nxt is not None and nxt.session.key == "2015-12b"
        moved = activities.reschedule(
            db, current, "program-update", to_month="2016-01", reason="x", actor="tester"
        )
        assert (moved.milestone.event, moved.from_month) == ("conclude", "2015-12")
    assert count(db_url, models.Milestone) == 20 - 2 - 4
    report = load(db_url, write(plan_file, plan_data()))
    assert report.sessions_added == [] and report.sessions_missing == []
    assert len(report.milestones_added) == 6 and len(report.kept) == 1
    with store.session(db_url) as db:
        snap = snapshot.snapshot(db, lookup.current_plan(db))
    assert [s.key for s in snap.sessions][:3] == ["2015-10a", "2015-10b", "2015-11"]
    assert [m.activity.key for m in snap.agenda(snap.sessions[1])] == ["program-update"] * 2
    program = snap.activity("program-update")
    assert program is not None
    assert [(m.session.key, m.milestone.event) for m in program.milestones][-1] == (
        "2016-01",
        "conclude",
    )
    assert count(db_url, models.Milestone) == 20


def test_a_session_with_a_record_cannot_leave_the_file(db_url: str, plan_file: Path) -> None:
    before = dump(db_url)
    data = plan_data()
    data["sessions"] = [s for s in data["sessions"] if s["key"] != "2015-10a"]
    with pytest.raises(
        InvalidDefinition,
        match=r"session 2015-10a has a record \(1 step, 1 milestone reached\) and is gone "
        "from the file: keep its key",
    ):
        load(db_url, write(plan_file, data))
    assert dump(db_url) == before
