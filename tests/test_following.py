"""Following activities, digests of what changed through the outbox, and `cam next`."""

import pytest
from conftest import CHAIR, VICE, Cam, Received, SmtpServer


def digests(server: SmtpServer, address: str | None = None) -> list[Received]:
    """The digests of changes the server received (not the reminders before sessions)."""
    return [
        r
        for r in server.messages(address)
        if "What changed" in str(r.message["Subject"]) or "Novedades" in str(r.message["Subject"])
    ]


def install(cam: Cam, day: str = "2015-10-21") -> None:
    cam(
        "advance",
        "program-update",
        "install_working_group",
        "--session",
        "2015-10a",
        "--on",
        day,
        "--note",
        "Installed with the chair presiding.",
        "--as",
        "chair",
    )


def test_daily_digest_after_a_step_arrives_once(staffed: Cam, smtp_server: SmtpServer) -> None:
    staffed("people", "digest", "chair", "daily")
    install(staffed)
    staffed("reschedule", "campaign", "--to", "2016-02", "--reason", "Budget", "--on", "2015-10-21")
    staffed(
        "advance", "forum-development", "postpone", "--note", "No funds this year.",
        "--on", "2015-10-21", "--as", "chair",
    )  # fmt: skip
    dry = " ".join(staffed("remind", "--dry-run", "--now", "2015-10-22").output.split())
    assert (
        "cam-2015-2016 daily 2015-10-21 digest of changes: would send chair "
        "<chair@example.org> [en]: 3 steps"
    ) in dry
    staffed("remind", "--now", "2015-10-22")
    staffed("remind", "--now", "2015-10-22")  # the tick runs twice: still one digest
    [received] = digests(smtp_server, CHAIR)
    assert " ".join(str(received.message["Subject"]).split()) == (
        "[CAM] What changed: October 21, 2015"
    )
    assert received.message["Reply-To"].addresses[0].addr_spec == "secretariat@example.org"
    assert [p.get_content_type() for p in received.message.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    text = received.part("text/plain").replace("\r\n", "\n")
    assert "Dear Chair of the CAM," in text
    assert "here is what changed in the activities you follow on October 21, 2015" in text
    assert "Steps recorded" in text
    assert "- 4 Conclude the updating" in text
    assert "Install the working group (October 21, 2015)" in text
    assert "Installed with the chair presiding." in text
    assert (
        "Milestone rescheduled: Present the proposal, from November 2015 to February 2016 "
        "(October 21, 2015)\n  Budget"
    ) in text
    assert "Postpone (October 21, 2015)\n  No funds this year." in text
    html = received.part("text/html")
    assert "<h2" in html and "Install the working group" in html
    # Nobody else asked for digests; the next day nothing changed: no email.
    assert digests(smtp_server) == [received]
    staffed("remind", "--now", "2015-10-23")
    assert digests(smtp_server) == [received]
    rows = [r for r in staffed.json("outbox") if r["kind"] == "changes"]
    assert [(r["reminder"], r["status"], r["session"]) for r in rows] == [
        ("daily 2015-10-21", "sent", None)
    ]
    assert "changes daily 2015-10-21 → chair" in staffed("outbox").output


def test_weekly_digest_aggregates_the_week(staffed: Cam, smtp_server: SmtpServer) -> None:
    staffed("people", "digest", "chair", "weekly")
    install(staffed, "2015-10-20")  # a Tuesday
    staffed(
        "doc", "add", "CIDI/CAM/doc.5/15", "--title", "Draft updated Program",
        "--title-es", "Proyecto de Programa actualizado", "--lang", "en,es",
        "--url", "https://example.org/doc5.pdf",
    )  # fmt: skip
    staffed(
        "advance",
        "program-update",
        "negotiate",
        "--session",
        "2015-10b",
        "--on",
        "2015-10-23",
        "--doc",
        "CIDI/CAM/doc.5/15",
        "--as",
        "chair",
    )
    staffed("remind", "--now", "2015-10-24")  # the week is not over: nothing yet
    assert digests(smtp_server) == []
    staffed("remind", "--now", "2015-10-26")
    staffed("remind", "--now", "2015-10-27")
    [received] = digests(smtp_server, CHAIR)
    assert "week of October 19, 2015" in str(received.message["Subject"])
    text = received.part("text/plain")
    assert "during the week from October 19, 2015 to October 25, 2015" in text
    assert "Install the working group (October 20, 2015)" in text
    assert "Hold a negotiating meeting (October 23, 2015)" in text
    assert "Document: CIDI/CAM/doc.5/15" in text
    assert "New documents" in text and "Draft updated Program" in text
    assert "https://example.org/doc5.pdf" in text


def test_unfollow_removes_and_follow_adds(staffed: Cam, smtp_server: SmtpServer) -> None:
    staffed("people", "digest", "chair", "daily")
    output = staffed("unfollow", "program-update", "--person", "chair").output
    assert output == "chair no longer follows program-update\n"
    following = staffed.json("following", "--person", "chair")
    assert following["digest"] == "daily"
    assert "program-update" not in [a["key"] for a in following["activities"]]
    assert {"key": "campaign", "because": "responsible"}.items() <= next(
        a for a in following["activities"] if a["key"] == "campaign"
    ).items()
    install(staffed)
    staffed("remind", "--now", "2015-10-22")
    assert digests(smtp_server) == []
    staffed("follow", "program-update", "--person", "chair")
    staffed(
        "advance",
        "program-update",
        "negotiate",
        "--session",
        "2015-10b",
        "--on",
        "2015-10-22",
        "--as",
        "chair",
    )
    staffed("remind", "--now", "2015-10-23")
    [received] = digests(smtp_server, CHAIR)
    text = received.part("text/plain")
    # A first digest tells its period: not the step taken while unfollowed, the day before.
    assert "Hold a negotiating meeting (October 22, 2015)" in text
    assert "Install the working group" not in text


def test_responsible_by_default_and_a_spanish_digest(staffed: Cam, smtp_server: SmtpServer) -> None:
    staffed("people", "digest", "vice-chair", "daily")
    install(staffed)
    staffed("remind", "--now", "2015-10-22")
    assert digests(smtp_server, VICE) == []  # responsible for nothing, follows nothing
    assert staffed.json("following", "--person", "vice-chair")["activities"] == []
    staffed("follow", "program-update", "--person", "vice-chair")
    assert staffed.json("following", "--person", "vice-chair")["activities"][0]["because"] == (
        "chosen"
    )
    staffed(
        "session",
        "reschedule",
        "2015-11",
        "--to",
        "2015-11-18",
        "--reason",
        "Agreed.",
        "--on",
        "2015-10-22",
    )
    staffed("remind", "--now", "2015-10-23")
    [received] = digests(smtp_server, VICE)
    assert received.message["Content-Language"] == "es"
    subject = " ".join(str(received.message["Subject"]).split())
    assert subject == "[CAM] Novedades: 22 de octubre de 2015"
    text = received.part("text/plain")
    html = received.part("text/html")
    assert "Sesiones" in text and "se fijó la fecha, 18 de noviembre de 2015" in text
    for english in (
        "What changed",
        "here is what changed",
        "Steps recorded",
        "Sessions",
        "moved from",
        "the date was set",
        "Sent automatically",
        "because you follow",
        "Dear",
        "November",
    ):
        assert english not in text, english
        assert english not in html, english


def test_only_the_person_or_who_manages_people_changes_what_they_follow(
    staffed: Cam, monkeypatch: pytest.MonkeyPatch
) -> None:
    staffed("people", "add", "d1", "--name", "Delegate One", "--role", "delegate")
    monkeypatch.setenv("CAM_USER", "d1")
    staffed("follow", "campaign")
    assert [a["key"] for a in staffed.json("following")["activities"]] == ["campaign"]
    refused = staffed("unfollow", "campaign", "--person", "chair", expect=None)
    assert refused.exit_code != 0 and "chair" in refused.output
    refused = staffed("people", "digest", "chair", "weekly", expect=None)
    assert refused.exit_code != 0
    staffed("people", "digest", "d1", "weekly")
    assert staffed.json("following")["digest"] == "weekly"
    bad = staffed("follow", "nosuch", expect=None)
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_next_shows_what_is_due_from_a_person(staffed: Cam) -> None:
    staffed(
        "session",
        "details",
        "2015-11",
        "--start",
        "10:00",
        "--room",
        "Simón Bolívar Room",
        expect=None,
    )
    rows = staffed.json("next", "--person", "chair", "--as-of", "2015-10-01")
    assert rows and [r["due"] for r in rows] == sorted(r["due"] for r in rows)
    first = rows[0]
    assert (first["activity"], first["event"], first["late"]) == (
        "program-update",
        "install_working_group",
        False,
    )
    assert {r["activity"] for r in rows} <= {
        "thematic-communities",
        "thematic-new-challenges",
        "forum-human-rights",
        "forum-development",
        "campaign",
        "program-update",
        "draft-resolution",
    }
    install(staffed)
    after = staffed.json("next", "--person", "chair", "--as-of", "2015-10-22")
    assert ("program-update", "install_working_group") not in {
        (r["activity"], r["event"]) for r in after
    }
    text = staffed("next", "--person", "chair", "--as-of", "2015-12-01").output
    assert "BEHIND PLAN" in text and "at Regular session" in text
    assert "nothing is due from vice-chair" in staffed("next", "--person", "vice-chair").output


@pytest.mark.parametrize("lang", ["es", "fr", "pt"])
def test_every_string_of_the_digest_templates_is_translated(lang: str) -> None:
    from babel.messages.pofile import read_po
    from jinja2.ext import babel_extract

    from cam_tracker.core.resources import data_dir

    strings: set[str] = {"[%(body)s] What changed: %(when)s", "week of %(day)s"}
    for name in ("changes.txt.j2", "changes.html.j2"):
        with (data_dir("templates") / name).open("rb") as handle:
            for _line, _func, message, _comments in babel_extract(
                handle,
                ("_", "gettext", "ngettext"),
                [],
                {"trim_blocks": "true", "lstrip_blocks": "true"},
            ):
                strings.add(message if isinstance(message, str) else message[0])
    with (data_dir("locale") / lang / "reminders.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    missing = sorted(s for s in strings if not catalog.get(s) or not catalog.get(s).string)
    assert missing == []
    assert len(strings) > 10


def test_the_scheduler_tick_sends_a_digest_once(
    staffed: Cam, smtp_server: SmtpServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from cam_tracker.reminders import daemon

    staffed("people", "digest", "chair", "daily")
    install(staffed)
    moment = dt.datetime(2015, 10, 22, 13, 0, tzinfo=dt.UTC)  # 09:00 in Washington
    monkeypatch.setattr(daemon.dates, "utcnow", lambda: moment)
    daemon.tick(db_url, None)
    daemon.tick(db_url, None)
    [received] = digests(smtp_server, CHAIR)
    assert "Install the working group (October 21, 2015)" in received.part("text/plain")
    rows = [r for r in staffed.json("outbox") if r["kind"] == "changes"]
    assert [(r["person"], r["status"], r["attempts"]) for r in rows] == [("chair", "sent", 1)]
