"""A plan full of hostile strings goes through every output whole and escaped.

Markup, template syntax, quotes, an ampersand, a right-to-left override where a
paragraph may hold one, and a paragraph of 10,000 characters: list, show,
history and calendar (text and JSON), the calendar as iCalendar, the report in
Markdown and HTML, and the reminders through the real SMTP server.
"""

from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import Cam, SmtpServer

from cam_tracker.core.resources import data_dir

HOSTILE = "<script>alert('x')</script> {{7*7}} \"quoted\" & <b>bold</b>"
LONG = ("Paragraph <i>text</i> {{7*7}} & \u202eevil\u202c " * 300)[:10_000]


@pytest.fixture
def hostile(cam: Cam, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cam:
    data = yaml.safe_load((data_dir("plans") / "cam-2015-2016.yaml").read_text(encoding="utf-8"))
    data["name"] = "hostile"
    data["title"] = {"en": f"Plan {HOSTILE}", "es": f"Plan {HOSTILE}"}
    data["activities"][0]["title"] = f"Activity {HOSTILE}"
    data["mandates"][0]["paragraphs"][0]["text"] = LONG
    for meeting in data["sessions"]:
        meeting["title"] = f"Session {HOSTILE}"
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    cam("plan", "load", str(path))
    monkeypatch.setenv("CAM_USER", "secretariat")
    cam("people", "add", "secretariat", "--update", "--email", "cam@example.org")
    cam("people", "add", "chair", "--update", "--email", "chair@example.org")
    return cam


def test_every_output_carries_hostile_strings_whole_and_escaped(
    hostile: Cam, smtp_server: SmtpServer
) -> None:
    for command in (("list",), ("show", "vice-chair-election"), ("history",), ("calendar",)):
        text = hostile(*command, env={"COLUMNS": "400"}).output
        assert "Traceback" not in text
        hostile.json(*command)  # JSON that parses (Cam.json parses it)
    assert "{{7*7}}" in hostile("list", env={"COLUMNS": "400"}).output
    shown = hostile.json("show", "vice-chair-election")
    assert shown["title"] == f"Activity {HOSTILE}"
    [november] = hostile.json("calendar", "--month", "2015-11")
    assert november["title"] == f"Session {HOSTILE}"

    from icalendar import Calendar

    calendar = Calendar.from_ical(hostile("calendar", "--ics", "-").output)
    summaries = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert any(HOSTILE in summary for summary in summaries)

    markdown = hostile("report", "--format", "md").output
    # Markdown syntax is escaped, never interpreted: `\<script\>`, `{{7\*7}}`.
    assert "<script>" not in markdown and "{{7\\*7}}" in markdown

    html = hostile("report", "--format", "html").output
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("script") and not soup.find_all("b")
    page = soup.get_text(" ")
    assert f"Activity {HOSTILE}" in " ".join(page.split())
    assert LONG.split()[0] in page and "{{7*7}}" in page

    hostile("remind", "--now", "2015-11-03")
    received = smtp_server.messages()
    assert received, "no reminder was delivered"
    for message in received:
        assert message.message["Bcc"] is None
        html_part = message.message.get_body(("html",))
        assert html_part is not None
        body = BeautifulSoup(html_part.get_content(), "html.parser")
        assert not body.find_all("script") and not body.find_all("b")
        assert f"Session {HOSTILE}" in " ".join(body.get_text(" ").split())
