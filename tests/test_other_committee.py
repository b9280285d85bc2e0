"""Proof on another committee: a special committee of the Permanent Council, with a kind
of its own, timed sessions, a register of documents and the plan of the year before,
played through in a store that already holds the bundled plan (both databases).

Nothing produced for it — reports in every language, reminders, the calendar file,
every JSON listing, the public site — may name the bundled plan's committee, its
council or anything else of that plan; and what it does produce names its own bodies,
says where and when it meets, and lists what each step cited.

The committee (tests/data/cerrd/) is made up, so that no text of it is the bundled
plan's by chance. The store is played once for the module and only read after.
"""

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Cam, Received, SmtpServer, fresh_store

DATA = Path(__file__).parent / "data" / "cerrd"
BEFORE = "cerrd-2022-2023"
PLAN = "cerrd-2023-2024"
CAM_PLAN = "cam-2015-2016"
AS_OF = "2024-05-31"
LANGS = ("en", "es", "fr", "pt")
NEW_YORK = ZoneInfo("America/New_York")
WORKSHOP = "2023-11-workshop"

ACTIVITIES = ("work-plan", "risk-assessment", "workshop-early-warning", "draft-resolution")
SESSIONS = ("2023-10", WORKSHOP, "2024-02", "2024-04", "2024-05")
# The documents each activity's steps cite, in the order first cited.
CITED = {
    "work-plan": ["CP/CERRD-3/23"],
    "workshop-early-warning": ["CP/CERRD-7/23"],
    "risk-assessment": ["CP/CERRD-12/24", "CP/CERRD-15/24 rev. 1"],
    "draft-resolution": ["CP/CERRD-14/24", "CP/doc. 6012/24"],
}
CITED_SYMBOLS = [symbol for symbols in CITED.values() for symbol in symbols]

# The bundled plan's officers, given addresses (as `staffed` does).
CAM_OFFICERS = {
    "secretariat": "secretariat@example.org",  # first: who registers the others
    "chair": "chair@example.org",
    "vice-chair": "vice.chair@example.org",
}
CAM_ADDRESSES = tuple(CAM_OFFICERS.values())
CERRD_ADDRESSES = {
    "chair-2023@cerrd.example.net",
    "vice-2023@cerrd.example.net",
    "secretariat@cerrd.example.net",
    "peru@cerrd.example.net",
    "haiti@cerrd.example.net",
    "brasil@cerrd.example.net",
    "mexico@cerrd.example.net",
}

# Everything that is the bundled plan's own, from its file (plans/cam-2015-2016.yaml):
# the committee, its council and secretariat, its programs, its mandates, its people,
# its name, its calendar and what it is about. A regular expression each.
CAM_TEXTS = (
    r"\bCAM\b",
    r"CIDI",
    r"\bSEDI\b",
    r"SICREMI",
    r"\bMIDE\b",
    r"Committee on Migration Issues",
    r"Comisión de Asuntos Migratorios",
    r"Inter-American Council for Integral Development",
    r"Consejo Interamericano para el Desarrollo Integral",
    r"Integral Development",
    r"Desarrollo Integral",
    r"(?i)migra",  # migration, migrants, migratorio, migración, migrações
    r"RES\. ?(2738|2816)",
    r"cam-2015-2016",
    r"\b201[56]-\d\d",
    r"example\.org",
    r"(?i)thematic-communities|program-update|vice-chair-election|sicremi",
)


def cam_texts_in(text: str) -> list[str]:
    """The bundled plan's texts found in `text`, each with what surrounds it."""
    found = []
    for pattern in CAM_TEXTS:
        for match in re.finditer(pattern, text):
            found.append(f"{pattern}: …{text[max(0, match.start() - 60) : match.end() + 60]}…")
    return found


@dataclass
class Played:
    cam: Cam
    smtp: SmtpServer
    # The messages of the workshop's reminder run, sent while the plan was played.
    reminders: list[Received]


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_store(tmp_path_factory.mktemp("other-committee-store")) as url:
        yield url


@pytest.fixture(scope="module")
def played(
    store_url: str,
    tls_files: tuple[Path, Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Played]:
    """The bundled plan a little played, then the other committee's two years, the second
    played through: steps citing its documents, sessions held, moves, a waiver, members."""
    smtp = SmtpServer(*tls_files)
    smtp.start()
    home = tmp_path_factory.mktemp("other-committee-home")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("CAM_SMTP_", "CAM_REMINDER_")) or name in (
                "CAM_DATABASE_URL",
                "CAM_PLAN",
                "CAM_LANG",
                "CAM_CONFIG",
            ):
                patch.delenv(name)
        patch.setenv("XDG_DATA_HOME", str(home / "data"))
        patch.setenv("XDG_CONFIG_HOME", str(home / "config"))
        for name, value in {
            "HOST": "127.0.0.1",
            "PORT": str(smtp.port),
            "SECURITY": "starttls",
            "USER": smtp.USER,
            "PASSWORD": smtp.PASSWORD,
            "FROM": "reminders@oas.example.net",  # the installation's, no committee's
            "CA_FILE": str(smtp.ca_file),
        }.items():
            patch.setenv(f"CAM_SMTP_{name}", value)
        patch.setenv("CAM_USER", "secretariat")
        cam = Cam(store_url)

        # The bundled plan, its officers reachable, its first session held.
        cam("plan", "load", CAM_PLAN)
        for key, address in CAM_OFFICERS.items():
            cam("people", "add", key, "--update", "--email", address)
        on_cam = ("--plan", CAM_PLAN)
        cam(*on_cam, "session", "reschedule", "2015-10a", "--to", "2015-10-21",
            "--reason", "Set by the chair")  # fmt: skip
        cam(*on_cam, "advance", "program-update", "install_working_group",
            "--session", "2015-10a", "--as", "chair")  # fmt: skip
        cam(*on_cam, "session", "record", "2015-10a", "--as-planned")

        # The other committee: the year before, then this year, its people registered.
        cam("plan", "load", str(DATA / f"{BEFORE}.yaml"))
        cam("plan", "load", str(DATA / f"{PLAN}.yaml"))
        for key in (
            "cerrd-secretariat",
            "cerrd-chair",
            "cerrd-2023-2024-chair",
            "cerrd-vice-chair",
        ):
            cam("people", "add", key, "--update")
        cam("people", "add", "delegation-mexico", "--name", "Delegation of Mexico",
            "--role", "delegate", "--country", "Mexico", "--body", "CERRD",
            "--email", "mexico@cerrd.example.net", "--lang", "es")  # fmt: skip

        # On each plan, `chair` and `secretariat` are that plan's: its file's keys.
        before = ("--plan", BEFORE)
        cam(*before, "advance", "risk-assessment", "consult", "--session", "2022-10",
            "--as", "secretariat")  # fmt: skip
        cam(*before, "session", "record", "2022-10", "--as", "secretariat")

        on = ("--plan", PLAN)
        cam(*on, "advance", "work-plan", "complete", "--session", "2023-10",
            "--doc", "cp/cerrd-3/23", "--as", "secretariat")  # fmt: skip
        cam(*on, "session", "record", "2023-10", "--as", "chair")
        cam(*on, "advance", "workshop-early-warning", "schedule", "--on", "2023-10-20",
            "--as", "chair")  # fmt: skip
        # Three days before the workshop its reminders go out, by a real SMTP server.
        cam(*on, "remind", "--now", "2023-11-12T10:00")
        reminders = smtp.messages()
        cam(*on, "advance", "workshop-early-warning", "hold", "--session", WORKSHOP,
            "--as", "secretariat")  # fmt: skip
        cam(*on, "advance", "risk-assessment", "consult", "--session", WORKSHOP,
            "--as", "chair")  # fmt: skip
        cam(*on, "session", "record", WORKSHOP, "--as", "secretariat")
        cam(*on, "advance", "workshop-early-warning", "report_conclusions",
            "--doc", "CP/CERRD-7/23", "--on", "2023-11-20", "--as", "secretariat")  # fmt: skip
        cam(*on, "advance", "risk-assessment", "submit_draft", "--doc", "CP/CERRD-12/24",
            "--on", "2024-02-05", "--as", "secretariat")  # fmt: skip
        # The February session, known by its month, is set to a day and an hour.
        moved = cam(*on, "session", "reschedule", "2024-02", "--to", "2024-02-21",
            "--reason", "The Permanent Council met on the 14th", "--on", "2024-01-30",
            "--as", "chair")  # fmt: skip
        assert "recorded in the history of 1 agenda activity\n" in moved.output
        cam(*on, "session", "set", "2024-02", "--start", "15:00", "--end", "18:00",
            "--room", "Libertador Room", "--modality", "in_person", "--as", "chair")  # fmt: skip
        unknown = cam(*on, "advance", "draft-resolution", "present", "--session", "2024-02",
            "--doc", "CP/CERRD-14/24", "--as", "chair", expect=1)  # fmt: skip
        assert "did you mean 'CP/CERRD-12/24'?" in unknown.output
        cam(*on, "doc", "add", "CP/CERRD-14/24",
            "--title", "Draft resolution: Reducing disaster risk in the Americas",
            "--title-es", "Proyecto de resolución: Reducción del riesgo de desastres",
            "--date", "2024-02-15", "--lang", "en,es,fr,pt", "--status", "draft",
            "--as", "secretariat")  # fmt: skip
        cam(*on, "advance", "draft-resolution", "present", "--session", "2024-02",
            "--doc", "CP/CERRD-14/24", "--as", "chair")  # fmt: skip
        cam(*on, "waive", "draft-resolution", "negotiate", "--session", "2024-02",
            "--reason", "The delegations agreed the draft at its presentation",
            "--on", "2024-02-21", "--as", "chair")  # fmt: skip
        cam(*on, "session", "record", "2024-02", "--as", "chair")
        cam(*on, "reschedule", "risk-assessment", "--to", "2024-05",
            "--reason", "More replies from member states are awaited", "--on", "2024-03-15",
            "--as", "chair")  # fmt: skip
        cam(*on, "advance", "draft-resolution", "approve", "--session", "2024-04",
            "--as", "secretariat")  # fmt: skip
        cam(*on, "session", "record", "2024-04", "--as", "chair")
        cam(*on, "doc", "add", "CP/CERRD-15/24 rev. 1",
            "--title", "Hemispheric assessment of exposure to natural hazards",
            "--date", "2024-05-02", "--lang", "en,es", "--status", "final",
            "--url", "https://cerrd.example.net/docs/cp-cerrd-15-24-rev1.pdf",
            "--as", "secretariat")  # fmt: skip
        cam(*on, "doc", "add", "CP/doc. 6012/24",
            "--title", "Report of the Special Committee on Disaster Risk Reduction",
            "--date", "2024-04-25", "--lang", "en,es,fr,pt", "--status", "final",
            "--as", "secretariat")  # fmt: skip
        cam(*on, "advance", "draft-resolution", "refer", "--doc", "CP/doc.6012/24",
            "--on", "2024-04-25", "--as", "secretariat")  # fmt: skip
        cam(*on, "advance", "risk-assessment", "endorse", "--session", "2024-05",
            "--on", "2024-05-15", "--doc", "cp/cerrd-15/24 rev.1", "--as", "chair")  # fmt: skip
        cam(*on, "session", "record", "2024-05", "--on", "2024-05-15", "--as", "chair")
        yield Played(cam, smtp, reminders)
    smtp.stop()


def on_plan(played: Played, *args: str, lang: str = "en") -> str:
    """The output of one command on the other committee's plan."""
    return str(played.cam("--plan", PLAN, "--lang", lang, *args).output)


def message_text(message: Received) -> str:
    """Everything a recipient of the message reads: headers, every part, the attachment."""
    parts = [f"{name}: {value}" for name, value in message.message.items()]
    for part in message.message.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        parts.append(content.decode("utf-8") if isinstance(content, bytes) else str(content))
    return "\n".join(parts)


def site_files(root: Path) -> dict[str, str]:
    found = {}
    for directory, _dirs, files in os.walk(root, followlinks=True):
        for name in files:
            path = Path(directory) / name
            found[str(path.relative_to(root))] = path.read_text(encoding="utf-8")
    return found


# --- nothing of the bundled plan ----------------------------------------------------------


def test_nothing_produced_for_the_other_committee_names_the_cam(
    played: Played, tmp_path: Path
) -> None:
    outputs: dict[str, str] = {}
    for lang in LANGS:
        for fmt in ("md", "html"):
            outputs[f"report {lang} {fmt}"] = on_plan(
                played, "report", "--as-of", AS_OF, "--format", fmt, lang=lang
            )
        outputs[f"preview {lang}"] = on_plan(
            played, "remind", "preview", "2024-04", "--now", "2024-04-07T10:00", lang=lang
        )
        outputs[f"preview html {lang}"] = on_plan(
            played, "remind", "preview", WORKSHOP, "--now", "2023-11-12", "--html", lang=lang
        )
        for args in (
            ("list",),
            ("list", "--as-of", "2024-01-31"),
            ("calendar",),
            ("doc", "list"),
            ("people", "list"),
            ("body", "show", "CERRD"),
            ("history",),
            ("history", "--all"),
            *(("show", key) for key in ACTIVITIES),
            *(("session", "show", key) for key in SESSIONS),
            *(("doc", "show", symbol) for symbol in CITED_SYMBOLS),
        ):
            outputs[f"{' '.join(args)} {lang}"] = on_plan(played, *args, lang=lang)
            outputs[f"{' '.join(args)} --json {lang}"] = on_plan(played, *args, "--json", lang=lang)
        outputs[f"workflow list {lang}"] = on_plan(played, "workflow", "list", lang=lang)
        for kind in ("assessment", "resolution", "meeting", "procedural"):
            outputs[f"workflow show {kind} {lang}"] = on_plan(
                played, "workflow", "show", kind, "--mermaid", lang=lang
            )
    outputs["remind --dry-run"] = on_plan(played, "remind", "--dry-run", "--now", "2024-04-07")
    outputs["outbox"] = on_plan(played, "outbox")
    outputs["calendar.ics"] = played.cam(
        "--plan", PLAN, "calendar", "--ics", "-"
    ).stdout_bytes.decode()
    for message in played.reminders:
        outputs[f"email to {', '.join(message.recipients)}"] = message_text(message)
    # The plan named before the command is the one published: its site alone.
    site = tmp_path / "site"
    on_plan(played, "publish", "-o", str(site), "--as-of", AS_OF)
    assert sorted(p.name for p in (site / "en").iterdir() if p.is_dir()) == [PLAN]
    assert sorted(p.name for p in (site / "data").iterdir()) == [PLAN]
    for name, text in site_files(site).items():
        outputs[f"site {name}"] = text

    # The store-wide people listing names everyone; what it says of this committee's
    # members is theirs alone.
    people = [
        person
        for person in json.loads(outputs["people list --json en"])
        if any("CERRD" in body for body in person["bodies"])
    ]
    assert len(people) == 8  # the chair of the year before too
    outputs["people list --json en"] = json.dumps(people, ensure_ascii=False)
    for lang in LANGS:
        del outputs[f"people list {lang}"]
        if lang != "en":
            del outputs[f"people list --json {lang}"]

    leaks = {name: found for name, text in outputs.items() if (found := cam_texts_in(text))}
    assert sorted(leaks) == [], {k: v[:2] for k, v in leaks.items()}
    assert len(played.reminders) == 7
    assert sum(name.startswith("site ") for name in outputs) > 30


def test_the_cams_record_names_nothing_of_the_other_committee(played: Played) -> None:
    cam = played.cam
    on_cam = ("--plan", CAM_PLAN)
    texts = [
        cam(*on_cam, "report", "--as-of", "2016-05-31").output,
        cam(*on_cam, "calendar", "--json").output,
        cam(*on_cam, "history", "--all", "--json").output,
        cam(*on_cam, "doc", "list", "--json").output,
        cam(*on_cam, "remind", "--dry-run", "--now", "2015-11-15T10:00").output,
        cam(*on_cam, "calendar", "--ics", "-").output,
    ]
    for text in texts:
        assert not re.search(r"(?i)cerrd|disaster|desastre", text), text


# --- what it says of itself ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "council", "referred", "assembly"),
    [
        ("en", "Permanent Council of the OAS", "Referred to the Permanent Council",
         "Fifty-fourth regular session of the OAS General Assembly"),
        ("es", "Consejo Permanente de la OEA", "Remitido al Consejo Permanente",
         "quincuagésimo cuarto período ordinario de sesiones"),
        ("fr", "Conseil permanent de l'OEA", "Transmis au Conseil permanent",
         "cinquante-quatrième session ordinaire"),
        ("pt", "Conselho Permanente da OEA", "Encaminhado ao Conselho Permanente",
         "quinquagésimo quarto período ordinário"),
    ],
)  # fmt: skip
def test_its_report_names_its_own_bodies(
    played: Played, lang: str, council: str, referred: str, assembly: str
) -> None:
    report = on_plan(played, "report", "--as-of", AS_OF, lang=lang)
    committee = {
        "en": "Special Committee on Disaster Risk Reduction",
        "es": "Comisión Especial de Reducción del Riesgo de Desastres",
        "fr": "Commission spéciale sur la réduction des risques de catastrophe",
        "pt": "Comissão Especial de Redução do Risco de Desastres",
    }[lang]
    for text in (committee, council, referred, assembly, "AG/RES. 3011 (LIII-O/23)"):
        assert text in report, text
    # The kind of its own, in the reader's language, and its documents cited.
    assert {
        "en": "Validated by the committee",
        "es": "Validada por la comisión",
        "fr": "Validée par la commission",
        "pt": "Validada pela comissão",
    }[lang] in report
    for symbol in CITED_SYMBOLS:
        assert symbol in report, symbol
    # The waived milestone is told with its reason, the move with its own.
    assert "The delegations agreed the draft at its presentation" in report
    assert "More replies from member states are awaited" in report
    html = on_plan(played, "report", "--as-of", AS_OF, "--format", "html", lang=lang)
    assert committee in html and council.replace("'", "&#39;") in html


def test_its_kind_comes_from_the_folder_beside_its_file(played: Played) -> None:
    listed = on_plan(played, "workflow", "list")
    assert re.search(r"assessment\s+plan folder", listed)
    shown = played.cam.json("--plan", PLAN, "show", "risk-assessment")
    assert shown["kind"] == "assessment" and shown["state"] == "validated"
    assert shown["continues"] == {"plan": BEFORE, "key": "risk-assessment", "state": "consultation"}
    assert [step["event"] for step in shown["history"]] == [
        "consult",
        "submit_draft",
        "reschedule",
        "endorse",
    ]
    earlier = played.cam.json("--plan", BEFORE, "show", "risk-assessment")
    assert earlier["continued_by"] == [
        {"plan": PLAN, "key": "risk-assessment", "state": "validated"}
    ]


def test_a_timed_session_is_a_timed_event_and_the_reminder_says_where_and_when(
    played: Played,
) -> None:
    from icalendar import Calendar

    raw = played.cam("--plan", PLAN, "calendar", "--ics", "-").stdout_bytes
    found = {str(e["UID"]).split(".")[0]: e for e in Calendar.from_ical(raw).walk("VEVENT")}
    assert b"DTSTART;TZID=America/New_York:20231115T110000" in raw
    workshop = found[WORKSHOP]
    assert workshop.decoded("DTSTART") == dt.datetime(2023, 11, 15, 11, tzinfo=NEW_YORK)
    assert workshop.decoded("DTEND") == dt.datetime(2023, 11, 15, 17, 30, tzinfo=NEW_YORK)
    assert str(workshop["LOCATION"]) == "Padilha Vidal Room, Main Building, Washington, D.C."
    assert str(workshop["URL"]) == "https://cerrd.example.net/live/workshop"
    # The session moved to a day and given an hour is timed at its new day and hour.
    moved = found["2024-02"]
    assert moved.decoded("DTSTART") == dt.datetime(2024, 2, 21, 15, tzinfo=NEW_YORK)
    assert str(moved["LOCATION"]) == "Libertador Room"
    # A session held on a day without an hour stays all-day.
    assert found["2024-05"].decoded("DTSTART") == dt.date(2024, 5, 15)

    # The reminders went to this committee's members and delegations, and no one else.
    assert {r for m in played.reminders for r in m.recipients} == CERRD_ADDRESSES
    assert all(len(m.recipients) == 1 for m in played.reminders)
    [chair] = [m for m in played.reminders if m.recipients == ["chair-2023@cerrd.example.net"]]
    subject = " ".join(str(chair.message["Subject"]).split())
    assert subject.startswith("[CERRD] Recordatorio: Taller sobre sistemas de alerta temprana")
    text = chair.part("text/plain")
    # The salutation follows the person's title (as the plan gives it) and language.
    assert text.startswith("Apreciable Ambassador Rafael Montero:")
    assert "Horario: 11:00–17:30 (huso horario America/New_York" in text
    assert "Lugar: Padilha Vidal Room, Main Building, Washington, D.C." in text
    assert "Participación en línea: https://cerrd.example.net/live/workshop" in text
    assert "11:15–13:00  Presentaciones sobre alerta temprana regional — CDEMA; CEPREDENAC" in text
    [haiti] = [m for m in played.reminders if m.recipients == ["haiti@cerrd.example.net"]]
    assert "Lieu : Padilha Vidal Room" in haiti.part("text/plain")
    [attachment] = [p for p in chair.message.walk() if p.get_filename()]
    event = Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == dt.datetime(2023, 11, 15, 11, tzinfo=NEW_YORK)

    # The April session, virtual, is told with its hour and its link, in each reader's language.
    for to, when in (("vice-chair", "Time: 10:00–12:30"), ("chair", "Horario: 10:00–12:30"),
                     ("delegation-haiti", "Horaire : 10:00–12:30"),
                     ("delegation-brazil", "Horário: 10:00–12:30")):  # fmt: skip
        preview = on_plan(played, "remind", "preview", "2024-04", "--now", "2024-04-07", "--to", to)
        assert when in preview, to
        assert "https://cerrd.example.net/live/april" in preview, to


def test_doc_list_lists_what_each_step_cited(played: Played) -> None:
    register = played.cam.json("--plan", PLAN, "doc", "list")
    assert [d["symbol"] for d in register] == [
        "CP/CERRD-3/23",
        "CP/CERRD-7/23",
        "CP/CERRD-12/24",
        "CP/CERRD-14/24",
        "CP/CERRD-15/24 rev. 1",
        "CP/doc. 6012/24",
    ]
    assert all(d["registered"] for d in register)
    for key, symbols in CITED.items():
        listed = played.cam.json("--plan", PLAN, "doc", "list", "--activity", key)
        assert [d["symbol"] for d in listed] == symbols, key
        for document in listed:
            assert {c["activity"] for c in document["cited_by"]} == {key}
    at_february = played.cam.json("--plan", PLAN, "doc", "list", "--session", "2024-02")
    assert [d["symbol"] for d in at_february] == ["CP/CERRD-14/24"]
    shown = played.cam.json("--plan", PLAN, "show", "draft-resolution")
    assert [d["symbol"] for d in shown["documents"]] == CITED["draft-resolution"]


def test_body_show_gives_the_committee_across_its_two_plans(played: Played) -> None:
    bodies = {b["short"]: b for b in played.cam.json("body", "list")}
    assert bodies["CERRD"]["plans"] == [BEFORE, PLAN]
    assert bodies["CAM"]["plans"] == [CAM_PLAN]
    body = played.cam.json("body", "show", "cerrd")
    assert body["parent"] == "Permanent Council of the OAS"
    first, second = body["plans"]
    assert (first["name"], first["follows"]) == (BEFORE, None)
    assert (second["name"], second["follows"]) == (PLAN, BEFORE)
    assert second["mandates"] == ["AG/RES. 3011 (LIII-O/23)"]
    assert [
        (o["role"], o["name"], o["title"], o["country"], o["elected_on"]) for o in first["officers"]
    ] == [("chair", "Lucía Fernández", "Ambassador", "Uruguay", "2022-10-12")]
    assert [
        (o["role"], o["name"], o["title"], o["country"], o["elected_on"])
        for o in second["officers"]
    ] == [
        ("chair", "Rafael Montero", "Ambassador", "Costa Rica", "2023-10-11"),
        ("vice_chair", "Ayesha Clarke", "Alternate Representative", "Barbados", "2023-10-11"),
    ]
    assert [m["key"] for m in body["members"]] == ["delegation-mexico"]
    spanish = played.cam.json("--lang", "es", "body", "show", "CERRD")
    assert spanish["parent"] == "Consejo Permanente de la OEA"


def test_the_cams_officers_and_reminders_are_unaffected(played: Played) -> None:
    people = {p["key"]: p for p in played.cam.json("people", "list")}
    for key, address in CAM_OFFICERS.items():
        assert people[key]["email"] == address
        assert people[key]["bodies"] == [f"CAM {people[key]['role']} ({CAM_PLAN})"]
    assert people["chair"]["name"] == "Chair of the CAM"
    # Each plan's record of changes to people is of its own people.
    changed = {
        row["key"]
        for row in played.cam.json("--plan", PLAN, "history", "--all")
        if row["record"] == "change" and row["subject"] == "person"
    }
    assert changed == {
        "cerrd-secretariat",
        "cerrd-chair",  # of the body, the year before
        "cerrd-2023-2024-chair",
        "cerrd-vice-chair",
        "delegation-mexico",
    }
    changed_on_cam = {
        row["key"]
        for row in played.cam.json("--plan", CAM_PLAN, "history", "--all")
        if row["record"] == "change" and row["subject"] == "person"
    }
    assert changed_on_cam == set(CAM_OFFICERS)
    cam_run = played.cam("--plan", CAM_PLAN, "remind", "--dry-run", "--now", "2015-11-15T10:00")
    assert "3 digests due" in cam_run.output
    for address in CAM_ADDRESSES:
        assert address in cam_run.output
    assert not re.search(r"(?i)cerrd|delegation", cam_run.output)
    other = on_plan(played, "remind", "--dry-run", "--now", "2024-04-07T10:00")
    assert "7 digests due" in other
    assert not re.search(r"example\.org|(?<![\w-])(chair|vice-chair|secretariat) <", other)
    # The CAM's chair is nothing to the other committee; the other's chair nothing to it.
    refused = played.cam(
        *("--plan", PLAN, "advance", "draft-resolution", "adopt"),
        *("--doc", "AG/RES. 3050 (LIV-O/24)", "--as", "chair@example.org"),
        expect=1,
    )
    assert "has no role in CERRD" in refused.output
    preview = played.cam(
        *("--plan", CAM_PLAN, "remind", "preview", "2015-11", "--now", "2015-11-15"),
        *("--to", "chair"),
    ).output
    assert "Chair of the CAM" in preview and "Montero" not in preview
