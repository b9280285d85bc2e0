"""A session's time and place: the plan file, `cam session set`, reloads, the calendar, the
.ics, the reminder email and its timing, the report, export and import."""

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import Cam, SmtpServer

from cam_tracker.core import dates
from cam_tracker.core.errors import InvalidInput

TIMED_PLAN = Path(__file__).parent / "data" / "timed-plan.yaml"
FORUM = "2015-11-forum"
NEW_YORK = ZoneInfo("America/New_York")
LINK = "https://oas.example.org/live/cam-forum?lang=en&id=42"


@pytest.fixture
def timed(cam: Cam) -> Cam:
    """A store with the timed plan loaded (its people reachable by email)."""
    cam("plan", "load", str(TIMED_PLAN))
    return cam


def plan_variant(tmp_path: Path, *replacements: tuple[str, str], name: str = "plan.yaml") -> Path:
    """The timed plan with texts replaced (each must be found), written to `tmp_path`."""
    text = TIMED_PLAN.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def store_state(cam: Cam) -> tuple[str, ...]:
    """What a refused command must leave as it was."""
    return (
        cam("history", "--all", "--json").output,
        cam("calendar", "--json").output,
        cam("outbox", "--json").output,
    )


def session_row(cam: Cam, key: str) -> Any:
    return cam.json("session", "show", key)


def events(data: bytes) -> dict[str, Any]:
    from icalendar import Calendar

    return {str(e["UID"]).split(".")[0]: e for e in Calendar.from_ical(data).walk("VEVENT")}


# --- core rules -----------------------------------------------------------------------


def test_time_rules() -> None:
    assert dates.parse_clock("09:05") == "09:05"
    for bad in ("9:05", "24:00", "12:60", "noon", "11:00:00", ""):
        with pytest.raises(InvalidInput, match="not a time"):
            dates.parse_clock(bad)
    dates.check_time_range("11:00", "17:30")
    dates.check_time_range("11:00", None)
    with pytest.raises(InvalidInput, match="not after the start"):
        dates.check_time_range("11:00", "11:00")
    with pytest.raises(InvalidInput, match="needs a start"):
        dates.check_time_range(None, "11:00")
    starts, ends = dates.session_times(dt.date(2015, 11, 18), "11:00", "17:30", "America/New_York")
    assert starts == dt.datetime(2015, 11, 18, 11, tzinfo=NEW_YORK)
    assert ends is not None and ends.astimezone(dt.UTC) == dt.datetime(
        2015, 11, 18, 22, 30, tzinfo=dt.UTC
    )
    assert dates.session_times(None, "11:00", None, "UTC") == (None, None)
    assert dates.session_times(dt.date(2015, 11, 18), None, None, "UTC") == (None, None)
    # A session is ahead until it starts, when its hour is known; else until its day starts.
    day = dt.date(2015, 11, 18)
    assert dates.ahead_until(day, "2015-11", "America/New_York", "11:00") == dt.datetime(
        2015, 11, 18, 16, tzinfo=dt.UTC
    )
    assert dates.ahead_until(day, "2015-11", "America/New_York") == dt.datetime(
        2015, 11, 18, 5, tzinfo=dt.UTC
    )
    assert dates.utc_offset(starts) == "UTC\u221205:00"
    assert dates.utc_offset(dt.datetime(2015, 7, 1, tzinfo=ZoneInfo("Europe/Paris"))) == (
        "UTC+02:00"
    )


def test_links_are_http_or_https_only() -> None:
    from cam_tracker.core.text import check_link

    assert check_link(" https://oas.org/live?x=1&y=2 ") == "https://oas.org/live?x=1&y=2"
    assert check_link("http://example.org") == "http://example.org"
    for bad in (
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
        "ftp://example.org",
        "//example.org/x",
        "https://",
        "https://exa mple.org",
        'https://example.org/"onmouseover=x',
        "https://example.org/<script>",
        "https://example.org/\x00",
        "https://[::1",
    ):
        with pytest.raises(InvalidInput, match="not a usable address"):
            check_link(bad)


# --- the plan file --------------------------------------------------------------------


def test_the_plan_file_gives_time_place_and_programme(timed: Cam) -> None:
    row = session_row(timed, FORUM)
    assert (row["start"], row["end"], row["timezone"]) == ("11:00", "17:30", "America/New_York")
    assert row["starts_at"] == "2015-11-18T11:00:00-05:00"
    assert row["ends_at"] == "2015-11-18T17:30:00-05:00"
    assert row["venue"] == {
        "room": "Simón Bolívar Room",
        "building": "Main Building",
        "city": "Washington, D.C.",
    }
    assert (row["modality"], row["link"]) == ("hybrid", LINK)
    assert [(p["time"], p["end"], p["speaker"]) for p in row["programme"]] == [
        ("11:00", "11:15", "Chair of the CAM"),
        ("11:15", None, "IOM; UNHCR"),
        ("17:00", "17:30", None),
    ]
    assert row["programme"][0]["title"] == "Opening remarks"
    spanish = timed.json("--lang", "es", "session", "show", FORUM)
    assert spanish["programme"][0]["title"] == "Palabras de apertura"
    assert spanish["programme"][2]["title"] == "Conclusions"  # English where not translated
    calendar = {s["id"]: s for s in timed.json("calendar")}
    assert calendar[FORUM]["start"] == "11:00"
    day_only, month_only = calendar["2015-12"], calendar["2016-02"]
    for plain in (day_only, month_only):
        assert plain["start"] is None and plain["venue"] is None and plain["programme"] == []
        assert plain["starts_at"] is None and plain["link"] is None
    shown = timed("calendar").output
    assert "2015-11-18 11:00–17:30 America/New_York" in shown
    assert "where: Simón Bolívar Room, Main Building, Washington, D.C., hybrid" in shown
    assert "11:15  Panel on protection (IOM; UNHCR)" in shown
    detail = timed.json("show", "forum-rights")
    place = detail["milestones"][0]["session_place"]
    assert place["start"] == "11:00" and place["venue"]["room"] == "Simón Bolívar Room"
    assert "When, where" in timed("show", "forum-rights").output


@pytest.mark.parametrize(
    ("replacements", "expected"),
    [
        (
            [("start: 11:00", "start: 25:00")],
            "line 57: sessions[2015-11-forum].start: not a time: '25:00' (use HH:MM",
        ),
        (
            [("start: 11:00", "start: 11h00")],
            "sessions[2015-11-forum].start: not a time: '11h00'",
        ),
        (
            [("end: 17:30\n    venue", "end: 10:30\n    venue")],
            "line 58: sessions[2015-11-forum].end: the end 10:30 is not after the start 11:00",
        ),
        (
            [("    start: 11:00\n", "")],
            "sessions[2015-11-forum].end: an end (17:30) needs a start time",
        ),
        (
            [("modality: hybrid", "modality: hybird")],
            "sessions[2015-11-forum].modality: unknown modality 'hybird' (did you mean 'hybrid'?)",
        ),
        (
            [(f"link: {LINK}", "link: javascript:alert(document.cookie)")],
            "sessions[2015-11-forum].link: not a usable address: "
            "'javascript:alert(document.cookie)' "
            "(use an https:// or http:// address)",
        ),
        (
            [(f"link: {LINK}", "link: ftp://oas.example.org/x")],
            "sessions[2015-11-forum].link: not a usable address",
        ),
        (
            [("      city: Washington, D.C.", "      city: Washington, D.C.\n      floor: 2")],
            "sessions[2015-11-forum].venue.floor: unknown key",
        ),
        (
            [("    modality: hybrid", "    modality: hybrid\n    dress_code: formal")],
            "sessions[2015-11-forum].dress_code: unknown key",
        ),
        (
            [("        speaker: IOM; UNHCR", "        speaker: IOM\n        moderator: X")],
            "sessions[2015-11-forum].programme[#2].moderator: unknown key",
        ),
        (
            [("      - time: 17:00", "      - time: 11:05")],
            "sessions[2015-11-forum].programme[#3].time: 11:05 is before the item above (11:15)",
        ),
        (
            [("        end: 11:15", "        end: 10:45")],
            "sessions[2015-11-forum].programme[#1].end: the end 10:45 is not after the start 11:00",
        ),
        (
            [("      room: Simón Bolívar Room", '      room: "Room\\nB"')],
            "sessions[2015-11-forum].venue.room: the room must be one line",
        ),
        (
            [("        title: Conclusions", "        title: {de: Schluss}")],
            "sessions[2015-11-forum].programme[#3].title: unknown language 'de'",
        ),
    ],
)
def test_bad_times_places_and_programmes_are_refused(
    timed: Cam, tmp_path: Path, replacements: list[tuple[str, str]], expected: str
) -> None:
    before = store_state(timed)
    path = plan_variant(tmp_path, *replacements)
    result = timed("plan", "load", str(path), "--replace", expect=1)
    assert expected in result.output
    assert "Traceback" not in result.output
    assert store_state(timed) == before


def test_every_problem_of_a_session_is_told_at_once(cam: Cam, tmp_path: Path) -> None:
    path = plan_variant(
        tmp_path,
        ("start: 11:00", "start: 9"),
        ("modality: hybrid", "modality: onsite"),
        (f"link: {LINK}", "link: javascript:void(0)"),
    )
    result = cam("plan", "load", str(path), expect=1)
    lines = [line for line in result.output.splitlines() if "sessions[2015-11-forum]" in line]
    assert [line.split("].", 1)[1].split(":")[0] for line in lines] == [
        "start",
        "modality",
        "link",
    ]
    assert "not a time: 9" in lines[0]


# --- cam session set --------------------------------------------------------------------


def test_session_set_records_each_change_with_before_and_after(timed: Cam) -> None:
    result = timed(
        "session",
        "set",
        "2015-12",
        "--start",
        "10:00",
        "--end",
        "13:00",
        "--room",
        "Padilha Vidal Room",
        "--city",
        "Washington, D.C.",
        "--modality",
        "in_person",
        "--reason",
        "agreed with the chair",
    )
    assert "start: – → 10:00" in result.output and "room: – → Padilha Vidal Room" in result.output
    row = session_row(timed, "2015-12")
    assert (row["start"], row["end"], row["modality"]) == ("10:00", "13:00", "in_person")
    assert row["starts_at"] == "2015-12-09T10:00:00-05:00"
    assert row["venue"] == {
        "room": "Padilha Vidal Room",
        "building": None,
        "city": "Washington, D.C.",
    }
    changed = timed.json(
        "session",
        "set",
        "2015-12",
        "--start",
        "09:30",
        "--clear",
        "room",
        "--modality",
        "hybrid",
        "--link",
        "https://oas.example.org/j/1",
    )
    assert changed == {
        "session": "2015-12",
        "changes": {
            "start": {"from": "10:00", "to": "09:30"},
            "room": {"from": "Padilha Vidal Room", "to": None},
            "modality": {"from": "in_person", "to": "hybrid"},
            "link": {"from": None, "to": "https://oas.example.org/j/1"},
        },
    }
    sets = [
        r
        for r in timed.json("history", "--all")
        if r["record"] == "change" and r["action"] == "set"
    ]
    assert [r["key"] for r in sets] == ["2015-12", "2015-12"]
    assert sets[0]["note"] == "agreed with the chair" and sets[1]["note"] is None
    assert sets[0]["changes"]["end"] == {"from": None, "to": "13:00"}
    assert sets[1]["changes"] == changed["changes"]
    assert sets[0]["actor"] == "tester"
    unchanged = timed("session", "set", "2015-12", "--start", "09:30")
    assert unchanged.output.strip() == "session 2015-12: unchanged"
    assert len([r for r in timed.json("history", "--all") if r.get("action") == "set"]) == 2
    assert timed("audit", "verify").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "25:00"], "Error: --start: not a time: '25:00' (use HH:MM"),
        (["--start", "7pm"], "Error: --start: not a time: '7pm'"),
        (["--end", "10:00"], "Error: --end: an end (10:00) needs a start time"),
        (["--start", "18:00", "--end", "09:00"], "Error: --end: the end 09:00 is not after"),
        (["--modality", "remote"], "Error: --modality: unknown modality 'remote'"),
        (
            ["--link", "javascript:alert(1)"],
            "Error: --link: not a usable address: 'javascript:alert(1)'",
        ),
        (["--link", "data:text/html,hi"], "Error: --link: not a usable address"),
        (["--link", "www.oas.org"], "Error: --link: not a usable address"),
        (
            ["--room", "a" * 201],
            "Error: --room: the room is too long (201 characters, at most 200)",
        ),
        (["--clear", "floor"], "Error: --clear: no session detail 'floor'"),
        (["--room", "A", "--clear", "room"], "Error: --clear: room is both set and cleared"),
        ([], "Error: nothing to set"),
        (["--room", ""], "Error: --room: empty value"),
        (["--room", "Room\nB"], "Error: --room:"),
    ],
)
def test_session_set_refuses_bad_input_in_one_line(
    timed: Cam, args: list[str], message: str
) -> None:
    before = store_state(timed)
    result = timed("session", "set", "2015-12", *args, expect=None)
    assert result.exit_code in (1, 2)
    assert result.output.startswith(message), result.output
    assert len(result.output.strip().splitlines()) == 1
    assert store_state(timed) == before


def test_session_set_refusals_of_the_record(timed: Cam) -> None:
    timed("session", "set", "2015-12", "--start", "10:00", "--end", "12:00")
    before = store_state(timed)
    result = timed("session", "set", "2015-12", "--clear", "start", expect=1)
    assert "Error: --clear: clearing the start leaves the end 12:00 without one" in result.output
    result = timed("session", "set", "2015-12", "--start", "12:30", expect=1)
    assert "Error: --start: the end 12:00 is not after the start 12:30" in result.output
    result = timed("session", "set", "2015-13", "--start", "10:00", expect=1)
    assert "no session '2015-13'" in result.output
    assert store_state(timed) == before
    timed("session", "set", "2015-12", "--clear", "start", "--clear", "end")
    assert session_row(timed, "2015-12")["start"] is None
    timed("session", "record", "2015-12", "--as", "secretariat")
    before = store_state(timed)
    result = timed("session", "set", "2015-12", "--room", "B", expect=1)
    assert "was held on 2015-12-09: its time and place are part of the record" in result.output
    assert store_state(timed) == before


def test_who_may_set_a_session_is_the_policy_of_moves(timed: Cam) -> None:
    timed("people", "add", "secretariat", "--update", "--as", "secretariat")
    timed(
        "people",
        "add",
        "delegate-a",
        "--name",
        "A Delegate",
        "--role",
        "delegate",
        "--as",
        "secretariat",
    )
    before = store_state(timed)
    result = timed("session", "set", "2015-12", "--room", "B", "--as", "delegate-a", expect=None)
    assert result.exit_code != 0
    assert "setting a session's time and place needs the role chair or secretariat" in (
        result.output
    )
    assert store_state(timed) == before
    timed("session", "set", "2015-12", "--room", "B", "--as", "secretariat")


# --- reloads ----------------------------------------------------------------------------


def test_a_reload_keeps_what_was_set_by_command_unless_the_file_gives_it(
    timed: Cam, tmp_path: Path
) -> None:
    timed(
        "session",
        "set",
        "2015-12",
        "--start",
        "10:00",
        "--end",
        "13:00",
        "--room",
        "Room A",
        "--modality",
        "in_person",
    )
    timed("session", "set", FORUM, "--room", "Room C")
    path = plan_variant(
        tmp_path,
        ("    date: 2015-12-09\n", "    date: 2015-12-09\n    venue: {room: Room B}\n"),
        ("      building: Main Building\n", ""),
        ("    programme:\n      - time: 11:00\n", "    programme:\n      - time: 10:55\n"),
    )
    output = timed("plan", "load", str(path), "--replace").output
    assert "session 2015-12: start 10:00, end 13:00 as set by command; the file gives none" in (
        output
    )
    assert "session 2015-12: modality in_person as set by command" in output
    december = session_row(timed, "2015-12")
    assert (december["start"], december["end"], december["modality"]) == (
        "10:00",
        "13:00",
        "in_person",
    )
    assert december["venue"]["room"] == "Room B"  # the file gives it: the file's
    forum = session_row(timed, FORUM)
    assert forum["venue"] == {
        "room": "Simón Bolívar Room",
        "building": None,
        "city": "Washington, D.C.",
    }
    assert forum["programme"][0]["time"] == "10:55"
    # A detail that came from the file goes when the file drops it.
    path = plan_variant(
        tmp_path,
        (f"    link: {LINK}\n", ""),
        ("    start: 11:00\n    end: 17:30\n", ""),
        name="plan2.yaml",
    )
    timed("plan", "load", str(path), "--replace")
    forum = session_row(timed, FORUM)
    assert forum["link"] is None and forum["start"] is None and forum["end"] is None
    assert session_row(timed, "2015-12")["start"] == "10:00"
    assert timed("audit", "verify").exit_code == 0


# --- the calendar file ------------------------------------------------------------------


def test_the_ics_has_a_timed_event_in_the_plans_zone(timed: Cam) -> None:
    raw = timed("calendar", "--ics", "-").stdout_bytes
    assert b"DTSTART;TZID=America/New_York:20151118T110000" in raw
    assert b"BEGIN:VTIMEZONE" in raw and b"TZID:America/New_York" in raw
    found = events(raw)
    forum = found[FORUM]
    starts, ends = forum.decoded("DTSTART"), forum.decoded("DTEND")
    assert starts == dt.datetime(2015, 11, 18, 11, tzinfo=NEW_YORK)
    assert str(starts.tzinfo) == "America/New_York"
    assert ends.astimezone(dt.UTC) == dt.datetime(2015, 11, 18, 22, 30, tzinfo=dt.UTC)
    assert str(forum["LOCATION"]) == "Simón Bolívar Room, Main Building, Washington, D.C."
    assert str(forum["URL"]) == LINK
    assert str(forum["STATUS"]) == "CONFIRMED"
    assert "11:15 Panel on protection (IOM; UNHCR)" in str(forum["DESCRIPTION"])
    # Reminder alarms still fall at 09:00 plan time on their days: durations before the start.
    triggers = [a.decoded("TRIGGER") for a in forum.walk("VALARM")]
    assert all(isinstance(t, dt.timedelta) and t < dt.timedelta(0) for t in triggers)
    assert sorted(starts + t for t in triggers) == [
        dt.datetime(2015, 11, 4, 14, tzinfo=dt.UTC),
        dt.datetime(2015, 11, 15, 14, tzinfo=dt.UTC),
    ]
    day_only = found["2015-12"]
    assert day_only.decoded("DTSTART") == dt.date(2015, 12, 9)
    assert day_only.decoded("DTEND") == dt.date(2015, 12, 10)
    assert "LOCATION" not in day_only and "URL" not in day_only
    month_only = found["2016-02"]
    # A month-only session is one tentative marker on the month's first day, not a banner.
    assert month_only.decoded("DTSTART") == dt.date(2016, 2, 1)
    assert month_only.decoded("DTEND") == dt.date(2016, 2, 2)
    assert (str(month_only["STATUS"]), str(month_only["TRANSP"])) == ("TENTATIVE", "TRANSPARENT")
    assert str(month_only["SUMMARY"]).endswith("(date to be confirmed)")
    # A day with a room but no hour stays all-day, with its place.
    timed("session", "set", "2015-12", "--room", "Room B; Floor 2", "--link", "http://x.org/a,b")
    day_only = events(timed("calendar", "--ics", "-").stdout_bytes)["2015-12"]
    assert day_only.decoded("DTSTART") == dt.date(2015, 12, 9)
    assert str(day_only["LOCATION"]) == "Room B; Floor 2"
    assert str(day_only["URL"]) == "http://x.org/a,b"
    # A start without an end: a timed event with no end.
    timed("session", "set", "2015-12", "--start", "15:00")
    day_only = events(timed("calendar", "--ics", "-").stdout_bytes)["2015-12"]
    assert day_only.decoded("DTSTART") == dt.datetime(2015, 12, 9, 15, tzinfo=NEW_YORK)
    assert "DTEND" not in day_only


def test_the_ics_is_in_utc_where_the_zone_cannot_be_written(cam: Cam, tmp_path: Path) -> None:
    text = (
        TIMED_PLAN.read_text(encoding="utf-8").replace("2015-", "2045-").replace("2016-", "2046-")
    )
    path = tmp_path / "later.yaml"
    path.write_text(text, encoding="utf-8")
    cam("plan", "load", str(path))
    raw = cam("calendar", "--ics", "-").stdout_bytes
    assert b"TZID" not in raw and b"VTIMEZONE" not in raw
    forum = events(raw)["2045-11-forum"]
    assert b"DTSTART:20451118T160000Z" in raw
    assert forum.decoded("DTSTART") == dt.datetime(2045, 11, 18, 16, tzinfo=dt.UTC)
    assert forum.decoded("DTEND") == dt.datetime(2045, 11, 18, 22, 30, tzinfo=dt.UTC)


# --- reminders --------------------------------------------------------------------------


def test_the_reminder_says_when_and_where(timed: Cam, smtp_server: SmtpServer) -> None:
    timed("session", "set", FORUM, "--building", "Main <b>Building</b> & Annex")
    timed("remind", "--now", "2015-11-15T10:00")
    received = smtp_server.messages("chair@example.org")
    assert len(received) == 1
    message = received[0]
    subject = " ".join(str(message.message["Subject"]).split())
    assert subject == (
        "[CAM] Reminder: Forum on the human rights of migrants, November 18, 2015, 11:00"
    )
    text = message.part("text/plain")
    assert "When: Wednesday, November 18, 2015 (in 3 days)" in text
    assert "Time: 11:00–17:30 (time zone America/New_York, UTC\u221205:00)" in text
    assert "Where: Simón Bolívar Room, Main <b>Building</b> & Annex, Washington, D.C." in text
    assert "Attendance: In person and online" in text
    assert f"Join online: {LINK}" in text
    assert "11:15  Panel on protection — IOM; UNHCR" in text
    html = message.part("text/html")
    assert "Main &lt;b&gt;Building&lt;/b&gt; &amp; Annex" in html
    assert '<a href="https://oas.example.org/live/cam-forum?lang=en&amp;id=42">' in html
    assert "<b>Building" not in html
    [attachment] = [p for p in message.message.walk() if p.get_filename()]
    forum = events(attachment.get_content())[FORUM]
    assert forum.decoded("DTSTART") == dt.datetime(2015, 11, 18, 11, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        (
            "es",
            [
                "Horario: 11:00–17:30 (huso horario America/New_York, UTC\u221205:00)",
                "Lugar: Simón Bolívar Room, Main Building, Washington, D.C.",
                "Modalidad: Presencial y en línea",
                f"Participación en línea: {LINK}",
                "11:00–11:15  Palabras de apertura — Chair of the CAM",
            ],
        ),
        (
            "fr",
            [
                "Horaire : 11:00–17:30 (fuseau horaire America/New_York, UTC\u221205:00)",
                "Lieu : Simón Bolívar Room",
                "Modalité : En présentiel et en ligne",
                f"Participation en ligne : {LINK}",
                "11:00–11:15  Allocution d'ouverture — Chair of the CAM",
            ],
        ),
        (
            "pt",
            [
                "Horário: 11:00–17:30 (fuso horário America/New_York, UTC\u221205:00)",
                "Local: Simón Bolívar Room",
                "Modalidade: Presencial e on-line",
                f"Participação on-line: {LINK}",
                "11:00–11:15  Palavras de abertura — Chair of the CAM",
            ],
        ),
    ],
)
def test_the_reminder_says_when_and_where_in_each_language(
    timed: Cam, lang: str, lines: list[str]
) -> None:
    text = timed("remind", "preview", FORUM, "--now", "2015-11-15", "--lang", lang).output
    for line in lines:
        assert line in text


def test_every_new_reminder_and_report_string_is_translated() -> None:
    from babel.messages.pofile import read_po

    from cam_tracker.core.resources import data_dir

    reminders = [
        "Programme:",
        "In person",
        "Online only",
        "In person and online",
        "Time:",
        "time zone %(zone)s",
        "Where:",
        "Attendance:",
        "Join online:",
        "Programme",
    ]
    report = ["time zone %(zone)s", "in person", "online only", "in person and online"]
    for lang in ("es", "fr", "pt"):
        for domain, strings in (("reminders", reminders), ("report", report)):
            with (data_dir("locale") / lang / f"{domain}.po").open("rb") as handle:
                catalog = read_po(handle, locale=lang)
            missing = [s for s in strings if not catalog.get(s) or not catalog.get(s).string]
            assert missing == [], (lang, domain)


def test_a_new_time_keeps_pending_reminders_in_step(
    timed: Cam, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAM_REMINDER_RETRY_SECONDS", "0")
    smtp_server.stop()
    timed("remind", "--now", "2015-11-15T10:00", expect=1)
    pending = [r for r in timed.json("outbox") if r["session"] == FORUM]
    assert {(r["reminder"], r["status"]) for r in pending} == {("3d", "pending")}
    due_before = {r["id"]: r["due_at"] for r in pending}
    assert set(due_before.values()) == {"2015-11-15T14:00:00+00:00"}
    # Reminders fall due by the session's day: a new hour moves none of them.
    timed("session", "set", FORUM, "--start", "09:00", "--end", "12:00")
    assert {r["id"]: r["due_at"] for r in timed.json("outbox")} == due_before
    smtp_server.start()
    # On its day, before it starts, the reminder still goes out, with the new hour.
    timed("remind", "--now", "2015-11-18T08:30")
    sent = smtp_server.messages("chair@example.org")
    assert len(sent) == 1
    assert "Time: 09:00–12:00" in sent[0].part("text/plain")
    assert {r["status"] for r in timed.json("outbox")} == {"sent"}


def test_a_session_that_has_begun_gets_no_reminder(
    timed: Cam, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAM_REMINDER_RETRY_SECONDS", "0")
    smtp_server.stop()
    timed("remind", "--now", "2015-11-15T10:00", expect=1)
    smtp_server.start()
    timed("session", "set", FORUM, "--start", "08:00", "--end", "12:00")
    timed("remind", "--now", "2015-11-18T08:30")
    assert smtp_server.messages() == []
    rows = [r for r in timed.json("outbox") if r["session"] == FORUM]
    assert {(r["status"], r["error"]) for r in rows} == {("skipped", "the session has begun")}


def test_due_slots_read_the_start_time(timed: Cam, db_url: str) -> None:
    from cam_tracker import store
    from cam_tracker.app import lookup
    from cam_tracker.reminders.timing import due_slot, reminder_slots

    with store.session(db_url) as db:
        plan = lookup.current_plan(db, None)
        meeting = lookup.find_session(db, plan, FORUM)
        zone = plan.timezone
        slots = [s.at for s in reminder_slots(meeting, zone, (14, 3), 20)]
        at_ten = dt.datetime(2015, 11, 18, 10, tzinfo=NEW_YORK)
        slot = due_slot(meeting, zone, at_ten, (14, 3), 20)
        assert slot is not None and slot.name == "3d"
        assert due_slot(meeting, zone, at_ten + dt.timedelta(hours=1), (14, 3), 20) is None
        meeting.start_time = "09:00"
        assert due_slot(meeting, zone, at_ten, (14, 3), 20) is None
        assert [s.at for s in reminder_slots(meeting, zone, (14, 3), 20)] == slots
        db.rollback()


# --- the report, export and import ---------------------------------------------------------


def test_the_report_tells_each_sessions_time_and_place(timed: Cam) -> None:
    markdown = timed("report").output
    assert (
        "Forum on the human rights of migrants — 11:00–17:30 (time zone America/New\\_York); "
        "Simón Bolívar Room, Main Building, Washington, D.C., in person and online"
    ) in markdown
    spanish = timed("--lang", "es", "report").output
    assert "11:00–17:30 (huso horario America/New\\_York)" in spanish
    assert "presencial y en línea" in spanish
    html = timed("report", "--format", "html").output
    assert '<span class="place">11:00–17:30 (time zone America/New_York); ' in html


def test_export_and_import_carry_time_and_place(timed: Cam, tmp_path: Path) -> None:
    from conftest import fresh_store

    timed("session", "set", "2015-12", "--start", "10:00", "--room", "Room A")
    exported = tmp_path / "export.json"
    timed("export", "--output", str(exported))
    rows = {s["key"]: s for s in json.loads(exported.read_text())["tables"]["session"]}
    assert rows[FORUM]["start_time"] == "11:00" and rows[FORUM]["link"] == LINK
    assert rows[FORUM]["programme"][1] == {
        "time": "11:15",
        "title": {"en": "Panel on protection", "es": "Panel sobre protección"},
        "speaker": "IOM; UNHCR",
    }
    assert rows["2016-02"]["programme"] is None
    with fresh_store(tmp_path) as url:
        other = Cam(url)
        other("import", str(exported))
        assert other.json("session", "show", FORUM) == timed.json("session", "show", FORUM)
        assert other.json("session", "show", "2015-12")["venue"]["room"] == "Room A"
        assert other("audit", "verify").exit_code == 0
