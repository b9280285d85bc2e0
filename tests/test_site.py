"""`cam publish`: the public web site, in four languages, checked on disk and in a real browser.

The 2015–2016 plan is played through to May 2016 (as in test_reports), with a
document and a note recorded, in a store of this module's own; the site is
published once for the module and only read. The browser is Debian's
chromium driven by Playwright, one browser for the module; axe-core (npm)
checks WCAG 2.1 A and AA on every kind of page in every language.
"""

import datetime as dt
import http.server
import json
import os
import re
import shutil
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup, Tag
from conftest import CALENDAR_DAYS, Cam, fresh_store

from cam_tracker.core.resources import data_dir
from cam_tracker.core.text import languages
from cam_tracker.reports import site

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2016-05-31"
PLAN = "cam-2015-2016"
LANGS = languages()
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'"
)
DOCUMENT = "CIDI/CAM/doc.27/16 rev. 1"
NOTE = "Approved with the amendments of the delegations"
DOCUMENT_URL = "https://scm.oas.org/doc_public/english/hist_16/cidi-cam-doc-27-16-rev1.docx"
JOIN_URL = "https://meet.oas.example/cam/2016-05"
# The only addresses outside the site a page may link to: the register's and the meeting's.
EXTERNAL = {DOCUMENT_URL, JOIN_URL}
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_store(tmp_path_factory.mktemp("site-store")) as url:
        yield url


@pytest.fixture(scope="module")
def played(store_url: str) -> Iterator[Cam]:
    """The 2015–2016 plan held session by session, a document and a note on the last steps."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("CAM_DATABASE_URL", "CAM_PLAN", "CAM_LANG", "CAM_CONFIG"):
            patch.delenv(name, raising=False)
        patch.setenv("CAM_USER", "secretariat")
        cam = Cam(store_url)
        cam("plan", "load", PLAN)
        # Its time and place are set before it is held (then they are part of the record).
        cam("session", "set", "2016-05", "--start", "10:00", "--end", "13:00",
            "--room", "Simón Bolívar Room", "--building", "Main Building",
            "--city", "Washington, D.C.", "--modality", "hybrid", "--link", JOIN_URL)  # fmt: skip
        for key, day in CALENDAR_DAYS:
            cam("session", "record", key, "--on", day, "--as-planned")
        cam("doc", "add", DOCUMENT, "--title", "Draft resolution on migration issues",
            "--title-es", "Proyecto de resolución sobre asuntos migratorios",
            "--date", "2016-05-20", "--url", DOCUMENT_URL, "--lang", "en,es",
            "--status", "draft")  # fmt: skip
        cam("advance", "draft-resolution", "refer", "--on", "2016-05-25",
            "--doc", DOCUMENT, "--note", NOTE)  # fmt: skip
        yield cam


@pytest.fixture(scope="module")
def published(played: Cam, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("published") / "site"
    result = played("publish", "-o", str(out), "--as-of", AS_OF)
    assert result.output.startswith(f"site published to {out}"), result.output
    return out


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def text_of(node: Tag | BeautifulSoup) -> str:
    return " ".join(node.get_text(" ").split())


def pages(root: Path) -> list[Path]:
    """Every page as a reader reaches it: under DIR, through the plans' directory links."""
    found = []
    for directory, _dirs, files in os.walk(root, followlinks=True):
        found += [Path(directory) / f for f in files if f.endswith(".html")]
    return sorted(found)


def uri(path: Path) -> str:
    """A file:// address as a reader types it (symbolic links not resolved, as browsers do)."""
    return path.absolute().as_uri()


def rows(page: BeautifulSoup, table_id: str) -> list[Tag]:
    table = page.find("table", id=table_id)
    assert isinstance(table, Tag), f"no table #{table_id}"
    body = table.find("tbody")
    assert isinstance(body, Tag)
    return list(body.find_all("tr"))


def cells(row: Tag) -> list[str]:
    return [text_of(c) for c in row.find_all(["th", "td"])]


# --- on disk ---------------------------------------------------------------------------


def test_every_page_exists_in_every_language(published: Path, played: Cam) -> None:
    listed = played.json("list", "--as-of", AS_OF)
    calendar = played.json("calendar")
    assert published.is_symlink() and re.fullmatch(r"site\.\d{8}T\d{12}Z", os.readlink(published))
    assert (published / "index.html").is_file() and (published / "style.css").is_file()
    data = published / "data" / PLAN / "plan.json"
    assert data.is_file()
    for lang in LANGS:
        base = published / lang / PLAN
        expected = [published / lang / "index.html", base / "index.html"]
        expected += [base / "activities" / f"{a['key']}.html" for a in listed]
        expected += [base / "sessions" / f"{s['id']}.html" for s in calendar]
        expected += [base / "sessions" / f"{s['id']}.ics" for s in calendar]
        expected += [base / "steps.atom", base / "calendar.ics"]
        missing = [str(p.relative_to(published)) for p in expected if not p.is_file()]
        assert not missing, missing
    for path in pages(published):
        page = soup(path)
        html = page.find("html")
        assert isinstance(html, Tag)
        lang = path.relative_to(published).parts[0]
        assert html["lang"] == (lang if lang in LANGS else "en")
        csp = page.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert isinstance(csp, Tag) and csp["content"] == CSP, path
        assert page.find("script") is None and page.find(style=True) is None, path
        assert page.find("style") is None, path
        alternates = {
            link["hreflang"] for link in page.find_all("link", rel="alternate", hreflang=True)
        }
        assert alternates == set(LANGS), path
        for tag in page.find_all(["a", "link"], href=True):
            if tag["href"] in EXTERNAL:  # the register's and the meeting's own addresses
                continue
            assert not re.match(r"[a-z]+:", tag["href"]), f"{path}: {tag['href']}"


def test_every_link_on_disk_resolves(published: Path) -> None:
    """Every href of every page, followed: a file, and the fragment an id there."""
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = {t["id"] for t in soup(path).find_all(id=True)}
        return ids[path]

    checked = 0
    for path in pages(published):
        for tag in soup(path).find_all(["a", "link"], href=True):
            href = tag["href"]
            if href in EXTERNAL:
                assert tag.name == "a" and tag["rel"] == ["noopener", "noreferrer"], href
                continue
            target, _, fragment = href.partition("#")
            # As a browser resolves a link: by the address, not through the file system.
            file = Path(os.path.normpath(path.parent / target)) if target else path
            assert file.is_file(), f"{path.relative_to(published)}: {href}"
            assert file.is_relative_to(published), href
            if fragment and file.suffix == ".html":
                assert fragment in ids_of(file), f"{path.relative_to(published)}: {href}"
            checked += 1
    assert checked > 2000


def report_figures(cam: Cam, lang: str) -> dict[str, str]:
    html = cam("report", "--format", "html", "--as-of", AS_OF, "--lang", lang).output
    return {
        row["data-status"]: text_of(row)
        for row in rows(BeautifulSoup(html, "html.parser"), "summary-figures")
    }


def report_chart_title(cam: Cam, lang: str) -> str:
    html = cam("report", "--format", "html", "--as-of", AS_OF, "--lang", lang).output
    title = BeautifulSoup(html, "html.parser").select_one("svg title")
    assert isinstance(title, Tag)
    return text_of(title)


@pytest.mark.parametrize("lang", LANGS)
def test_plan_page_says_what_the_report_says(published: Path, played: Cam, lang: str) -> None:
    page = soup(published / lang / PLAN / "index.html")
    figures = {row["data-status"]: text_of(row) for row in rows(page, "summary-figures")}
    assert figures == report_figures(played, lang)
    listed = played.json("--lang", lang, "list", "--as-of", AS_OF)
    activities = {row["data-activity"]: cells(row) for row in rows(page, "activity-list")}
    assert list(activities) == [a["key"] for a in listed]
    for activity in listed:
        assert activities[activity["key"]][2].startswith(activity["state_label"])
    # The chart, and the same data as a table.
    svg = page.select_one("figure.chart svg")
    assert isinstance(svg, Tag) and svg["role"] == "img"
    # The report's own chart: labelled by its title and description, ids unique on the page.
    assert svg["aria-labelledby"] == "timeline-title timeline-desc" and svg.find("style") is None
    assert not svg.find_all(style=True)
    for label in ("timeline-title", "timeline-desc"):
        assert len(page.find_all(id=label)) == 1, label
    assert text_of(page.select_one("figure.chart svg title")) == report_chart_title(played, lang)
    timeline = {row["data-activity"]: cells(row) for row in rows(page, "timeline-table")}
    assert list(timeline) == [a["key"] for a in listed]
    sessions = rows(page, "sessions")
    assert [row["data-session"] for row in sessions] == [key for key, _ in CALENDAR_DAYS]
    assert all(row["data-status"] == "held" for row in sessions)
    documents = [cells(row) for row in rows(page, "document-list")]
    assert len(documents) == 1 and documents[0][0] == DOCUMENT
    assert (
        documents[0][3]
        == {
            "en": "May 25, 2016",
            "es": "25 de mayo de 2016",
            "fr": "25 mai 2016",
            "pt": "25 de maio de 2016",
        }[lang]
    )
    paragraphs = page.select("#mandates div.paragraph")
    assert len(paragraphs) == 15
    served = page.select_one('div.paragraph[data-mandate="ag-res-2816"][data-paragraph="18"]')
    assert isinstance(served, Tag) and served.select_one('a[href="activities/program-update.html"]')


def test_pages_read_in_their_language_and_say_what_is_in_english(published: Path) -> None:
    spanish = text_of(soup(published / "es" / PLAN / "index.html"))
    for phrase in (
        "Plan de Trabajo de la Comisión de Asuntos Migratorios 2015–2016",
        "Período: de octubre de 2015 a mayo de 2016",
        "Situación al 31 de mayo de 2016",
        "Cronología",
        "Calendario de sesiones",
        "Párrafo resolutivo 18",
    ):
        assert phrase in spanish, phrase
    assert "(en inglés)" in spanish  # the operative paragraphs are quoted in English
    french = soup(published / "fr" / PLAN / "index.html")
    title = french.find("h1")
    assert isinstance(title, Tag)
    english = title.find("span", lang="en")
    assert isinstance(english, Tag) and english.get_text() == (
        "Work Plan of the Committee on Migration Issues 2015–2016"
    )
    assert "(en anglais)" in text_of(title)
    assert "Calendrier des séances" in text_of(french)
    portuguese = text_of(soup(published / "pt" / PLAN / "sessions" / "2015-11.html"))
    assert "Sessão ordinária" in portuguese and "Alcançado em 18 de novembro de 2015" in portuguese
    english_page = soup(published / "en" / PLAN / "index.html")
    assert english_page.find(class_="fallback") is None


def test_activity_page_gives_steps_milestones_and_what_is_left(published: Path) -> None:
    page = soup(published / "en" / PLAN / "activities" / "draft-resolution.html")
    steps = [cells(row) for row in rows(page, "step-list")]
    assert steps[-1][0] == "May 25, 2016" and steps[-1][4] == DOCUMENT and steps[-1][5] == NOTE
    assert [s[1] for s in steps[:3]] == ["Present the draft", "Negotiate", "Approve in committee"]
    milestones = rows(page, "milestone-list")
    assert milestones and all(row["data-done"] == "yes" for row in milestones)
    left = page.select("ol.path li")
    assert [li.get_text() for li in left] == ["Record adoption by the General Assembly"]


def test_session_page_gives_agenda_outcomes_and_a_calendar_entry(published: Path) -> None:
    from icalendar import Calendar

    page = soup(published / "es" / PLAN / "sessions" / "2015-11.html")
    agenda = rows(page, "agenda-list")
    assert len(agenda) == 4 and all(row["data-outcome"] == "reached" for row in agenda)
    assert "miércoles, 18 de noviembre de 2015" in text_of(page)
    link = page.find("a", href="2015-11.ics")
    assert isinstance(link, Tag) and link.get_text() == "Añadir al calendario (.ics)"
    calendar = Calendar.from_ical(
        (published / "es" / PLAN / "sessions" / "2015-11.ics").read_bytes()
    )
    events = calendar.walk("VEVENT")
    assert len(events) == 1 and events[0].decoded("dtstart") == dt.date(2015, 11, 18)
    whole = Calendar.from_ical((published / "en" / PLAN / "calendar.ics").read_bytes())
    assert len(whole.walk("VEVENT")) == len(CALENDAR_DAYS)


def test_session_page_gives_time_venue_attendance_and_where_to_join(published: Path) -> None:
    page = soup(published / "fr" / PLAN / "sessions" / "2016-05.html")
    facts = {
        text_of(dt_): text_of(dd)
        for dt_, dd in zip(page.select("dl.facts dt"), page.select("dl.facts dd"), strict=True)
    }
    assert facts["Horaire"] == "10:00–13:00 (fuseau horaire America/New_York)"
    assert facts["Lieu"] == "Simón Bolívar Room, Main Building, Washington, D.C."
    assert facts["Modalité"] == "En présentiel et en ligne"
    join = page.find("a", href=JOIN_URL)
    assert isinstance(join, Tag) and facts["Participation en ligne"] == JOIN_URL
    assert "Aucun programme n’a été publié pour cette séance." in text_of(page)
    other = soup(published / "en" / PLAN / "sessions" / "2015-11.html")
    assert page.find("a", href=JOIN_URL) and not other.find("a", class_="external")


def test_the_register_of_documents_on_the_plan_activity_and_session_pages(
    published: Path,
) -> None:
    plan = soup(published / "es" / PLAN / "index.html")
    (entry,) = rows(plan, "register")
    cells_ = cells(entry)
    assert cells_[:5] == [
        DOCUMENT,
        "Proyecto de resolución sobre asuntos migratorios",
        "20 de mayo de 2016",
        "English, Español",
        "Proyecto",
    ]
    link = entry.find("a", href=DOCUMENT_URL)
    assert isinstance(link, Tag) and link.get_text() == DOCUMENT
    cited = entry.find("a", href=re.compile(r"^activities/draft-resolution\.html$"))
    assert isinstance(cited, Tag)
    activity = soup(published / "fr" / PLAN / "activities" / "draft-resolution.html")
    (row,) = rows(activity, "activity-document-list")
    assert cells(row)[0] == DOCUMENT and row.find("a", href=DOCUMENT_URL) is not None
    # The title in English, said to be so, where the register has no French one.
    assert "Draft resolution on migration issues (en anglais)" in cells(row)[1]
    other = soup(published / "en" / PLAN / "activities" / "campaign.html")
    assert "No document has been cited on its steps." in text_of(other)


def test_the_committees_page_names_the_chair_and_vice_chair(published: Path) -> None:
    home = soup(published / "pt" / "index.html")
    card = home.select_one("article.plan-card")
    assert card is not None
    officers = dict(
        zip(
            [text_of(t) for t in card.select("dl.officers dt")],
            [text_of(t) for t in card.select("dl.officers dd")],
            strict=True,
        )
    )
    assert officers == {
        "Presidência": "Chair of the CAM",
        "Vice-Presidência": "Vice Chair of the CAM",
    }


def test_each_sessions_calendar_is_the_one_feed_writes_for_it_alone(played: Cam) -> None:
    """The site writes a plan's calendar and its sessions' in one go (`ics.feeds`): each is
    byte for byte what `ics.feed` writes for the sessions it holds."""
    from cam_tracker.app.snapshot import snapshot
    from cam_tracker.app.workspace import Workspace
    from cam_tracker.core.settings import ReminderSettings
    from cam_tracker.reminders import ics

    ws = Workspace(database_url=played.url)
    stamp = dt.datetime(2016, 5, 31, 12, tzinfo=dt.UTC)
    settings = ReminderSettings()
    with ws.session() as db:
        snap = snapshot(db, ws.plan(db, PLAN), with_revisions=True)
        meetings = list(snap.sessions)
        for lang in ("en", "fr"):
            whole, each = ics.feeds(snap, meetings, settings, lang, stamp)
            assert whole == ics.feed(snap, meetings, settings, lang, stamp)
            assert sorted(each) == sorted(m.key for m in meetings)
            for meeting in meetings:
                assert each[meeting.key] == ics.feed(snap, [meeting], settings, lang, stamp)
            assert whole.count(b"BEGIN:VTIMEZONE") <= 1, "the plan's one zone, once at most"


def atom(path: Path) -> ET.Element:
    return ET.fromstring(path.read_bytes())


def test_atom_feed_is_valid_and_links_to_the_steps(published: Path, played: Cam) -> None:
    feed = atom(published / "en" / PLAN / "steps.atom")
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    entries = feed.findall(f"{ATOM}entry")
    history = played.json("history")
    assert len(entries) == len(history)
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids) and all(i and i.startswith("tag:") for i in ids)
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    assert stamp.match(feed.findtext(f"{ATOM}updated") or "")
    newest = entries[0]
    assert stamp.match(newest.findtext(f"{ATOM}updated") or "")
    assert DOCUMENT in (newest.findtext(f"{ATOM}summary") or "")
    link = newest.find(f"{ATOM}link[@rel='alternate']")
    assert link is not None
    target, _, fragment = link.attrib["href"].partition("#")
    page = published / "en" / PLAN / target
    assert page.is_file() and soup(page).find(id=fragment) is not None


def test_base_url_makes_feed_links_absolute(played: Cam, tmp_path: Path) -> None:
    out = tmp_path / "www"
    played("publish", "-o", str(out), "--plan", PLAN, "--base-url", "https://www.oas.example/cam")
    feed = atom(out / "es" / PLAN / "steps.atom")
    assert feed.findtext(f"{ATOM}id") == f"https://www.oas.example/cam/es/{PLAN}/steps.atom"
    for link in feed.iter(f"{ATOM}link"):
        assert link.attrib["href"].startswith(f"https://www.oas.example/cam/es/{PLAN}/")
    page = soup(out / "es" / PLAN / "index.html")
    alternate = page.find("link", hreflang="fr")
    assert isinstance(alternate, Tag)
    assert alternate["href"] == f"https://www.oas.example/cam/fr/{PLAN}/index.html"
    nav = page.find("a", hreflang="fr")
    assert isinstance(nav, Tag) and nav["href"] == f"../../fr/{PLAN}/index.html"


def test_plan_json_has_the_documented_shape(published: Path) -> None:
    data = json.loads((published / "data" / PLAN / "plan.json").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("`plan.json`") :]
    for key in data:
        assert f"`{key}`" in section, key
    assert data["plan"] == PLAN and data["as_of"] == AS_OF and data["format"] == 1
    assert data["title"]["es"].startswith("Plan de Trabajo")
    assert sum(data["counts"].values()) == len(data["activities"]) == 11
    draft = next(a for a in data["activities"] if a["key"] == "draft-resolution")
    assert draft["steps"][-1]["document"] == DOCUMENT and draft["steps"][-1]["note"] == NOTE
    assert data["documents"] == [
        {
            "symbol": DOCUMENT,
            "activity": "draft-resolution",
            "event": "refer",
            "date": "2016-05-25",
            "session": None,
        }
    ]
    assert [s["key"] for s in data["sessions"]] == [key for key, _ in CALENDAR_DAYS]
    for key in ("activity", "text", "event_label", "month", "done_on", "outcome"):
        assert key in data["sessions"][0]["agenda"][0], key


def test_as_of_publishes_the_plan_as_it_stood(played: Cam, tmp_path: Path) -> None:
    out = tmp_path / "december"
    played("publish", "-o", str(out), "--as-of", "2015-12-31")
    page = soup(out / "en" / PLAN / "index.html")
    assert "Status as of December 31, 2015" in text_of(page)
    statuses = [row["data-status"] for row in rows(page, "sessions")]
    assert statuses == ["held"] * 5 + ["pending"] * 5
    assert page.find("table", id="document-list") is None
    assert len(atom(out / "en" / PLAN / "steps.atom").findall(f"{ATOM}entry")) == 10


# --- safety ------------------------------------------------------------------------------

HOSTILE_PLAN = """\
name: hostile
title:
  en: "<script>alert('plan')</script> {{7*7}} \\"quoted\\" Plan"
  es: "javascript:alert(1)"
body: {name: "Committee <b>on</b> Tests \\" onmouseover=\\"alert(1)", short: "C\\"T"}
period: {start: "2016-01", end: "2016-03"}
general_assembly: "General Assembly"
publish: {notes: false}
mandates:
  - key: res-1
    symbol: "RES. 1 <i>(2016)</i> \\" autofocus onfocus=\\"alert(1)"
    title: "javascript:alert('mandate')"
    paragraphs:
      - {number: "1", text: "To test <script>alert('paragraph')</script> {% raw %}{{ 7*7 }}."}
activities:
  - key: evil
    number: "1\\" onclick=\\"x()"
    title: "<img src=x onerror=alert(1)> {{7*7}}"
    kind: procedural
    serves: [res-1/1]
sessions:
  - key: s1
    month: "2016-01"
    kind: regular
    title: "Session <a href=\\"javascript:alert(1)\\">x</a>"
    start: "10:00"
    end: "12:00"
    venue: {room: "<b>Room</b> {{7*7}}", building: "\\" onclick=\\"x()", city: "<script>x</script>"}
    modality: hybrid
    programme:
      - {time: "10:00", end: "11:00", title: "<script>alert('item')</script> {{7*7}}",
         speaker: "<i>Speaker</i> \\" onmouseover=\\"x()"}
    agenda:
      - {activity: evil, event: complete, text: "Complete <script>x</script> ${7*7}"}
"""
SECRET_NOTE = "The delegation of <b>X</b> objected {{7*7}}"


def test_everything_from_a_plan_a_note_or_a_document_is_escaped(cam: Cam, tmp_path: Path) -> None:
    plan_file = tmp_path / "hostile.yaml"
    plan_file.write_text(HOSTILE_PLAN, encoding="utf-8")
    cam("plan", "load", str(plan_file))
    cam("advance", "evil", "complete", "--session", "s1", "--on", "2016-01-20",
        "--note", SECRET_NOTE, "--doc", "javascript:alert('doc')\" x=\"<b>")  # fmt: skip
    # Addresses that reached the store without `check_link` (an older release, a hand edit)
    # are not linked: the site checks every address again.
    from sqlmodel import select

    from cam_tracker import store
    from cam_tracker.store import models

    with store.session(cam.url) as db:
        meeting = db.exec(select(models.Meeting).where(models.Meeting.key == "s1")).one()
        meeting.link = "javascript:alert('join')"
        db.add(meeting)
        db.add(
            models.Document(
                plan_id=meeting.plan_id,
                symbol="javascript:alert('doc')\" x=\"<b>",
                title={"en": "<script>alert('title')</script> {{7*7}}"},
                url="javascript:alert('url')",
                languages=["en"],
            )
        )
        db.commit()
    cam("plan", "load", PLAN)  # two plans: rendered side by side, on every processor
    out = tmp_path / "site"
    assert "2 rendered" in cam("publish", "-o", str(out), "--as-of", "2016-03-31").output
    home = soup(out / "en" / "index.html")
    assert len(home.select("section.body")) == 2 and len(home.select("article.plan-card")) == 2
    for path in pages(out):
        raw = path.read_text(encoding="utf-8")
        page = BeautifulSoup(raw, "html.parser")
        assert page.find_all(["script", "img", "b", "i", "iframe", "object"]) == [], path
        for tag in page.find_all(True):
            for name, value in tag.attrs.items():
                assert not name.startswith("on") and name != "autofocus", (path, name)
                values = value if isinstance(value, list) else [value]
                assert not any("javascript:" in v for v in values), (path, name, value)
        assert "49" not in text_of(page), path
        assert "objected" not in raw, f"{path}: a note was published against publish.notes"
    plan_page = text_of(soup(out / "en" / "hostile" / "index.html"))
    assert "<script>alert('plan')</script> {{7*7}} \"quoted\" Plan" in plan_page
    assert "javascript:alert('doc')\" x=\"<b>" in plan_page
    assert "<script>alert('title')</script> {{7*7}}" in plan_page
    activity = text_of(soup(out / "en" / "hostile" / "activities" / "evil.html"))
    assert "<img src=x onerror=alert(1)> {{7*7}}" in activity
    session = soup(out / "en" / "hostile" / "sessions" / "s1.html")
    said = text_of(session)
    assert '<b>Room</b> {{7*7}}, " onclick="x(), <script>x</script>' in said
    assert "<script>alert('item')</script> {{7*7}}" in said
    assert '<i>Speaker</i> " onmouseover="x()' in said
    assert "Join online" not in said and session.find("a", class_="external") is None
    feed = (out / "en" / "hostile" / "steps.atom").read_bytes()
    assert b"objected" not in feed and b"<b>" not in feed
    ET.fromstring(feed)
    data = (out / "data" / "hostile" / "plan.json").read_text(encoding="utf-8")
    assert "objected" not in data and json.loads(data)["notes_published"] is False


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.org/", 'https://x.example/" onload="x', "//x.org"],
)
def test_base_url_must_be_a_web_address(played: Cam, tmp_path: Path, url: str) -> None:
    result = played("publish", "-o", str(tmp_path / "s"), "--base-url", url, expect=1)
    assert result.output.startswith("Error: --base-url: not a web address"), result.output
    assert not (tmp_path / "s").exists()


def test_a_directory_that_is_not_a_site_is_left_alone(played: Cam, tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("keep me", encoding="utf-8")
    result = played("publish", "-o", str(tmp_path / "mine"), expect=1)
    assert "is not a published site" in result.output
    assert (tmp_path / "mine" / "thesis.txt").read_text(encoding="utf-8") == "keep me"


# --- kept fresh -----------------------------------------------------------------------------


def test_republish_rewrites_only_what_changed_and_swaps_atomically(
    loaded: Cam, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    first = loaded("publish", "-o", str(out)).output
    assert "1 rendered" in first
    tree = out.resolve()
    again = loaded("publish", "-o", str(out)).output
    assert again.startswith(f"site in {out} is up to date"), again
    assert out.resolve() == tree

    loaded("advance", "program-update", "install_working_group", "--session", "2015-10a",
           "--on", "2015-10-21", "--doc", "CIDI/CAM/doc.1/15")  # fmt: skip
    third = loaded("publish", "-o", str(out)).output
    assert "1 rendered" in third, third
    new = out.resolve()
    assert new != tree and tree.is_dir() and new.name.startswith("site.")
    changed = new / "en" / PLAN / "activities" / "program-update.html"
    same = new / "en" / PLAN / "activities" / "campaign.html"
    assert "CIDI/CAM/doc.1/15" in changed.read_text(encoding="utf-8")
    assert changed.stat().st_ino != (tree / changed.relative_to(new)).stat().st_ino
    assert same.stat().st_ino == (tree / same.relative_to(new)).stat().st_ino
    assert same.stat().st_nlink == 2

    loaded("advance", "program-update", "negotiate", "--session", "2015-10b", "--on", "2015-10-28")
    loaded("publish", "-o", str(out))
    trees = sorted(p.name for p in tmp_path.iterdir() if re.match(r"site\.\d", p.name))
    assert len(trees) == 2 and tree.name not in trees  # the one before stays, older ones go
    # A plan's own directory: the one the site links to now, and the one before.
    assert len(list((tmp_path / "site.plans").iterdir())) == 2
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


def test_the_scheduler_tick_republishes_after_a_change(loaded: Cam, tmp_path: Path) -> None:
    from cam_tracker.reminders import daemon, ics

    out = tmp_path / "public"
    hook = site.refresher(loaded.url, out, ics.feeds)
    daemon._stop.clear()  # as `daemon.run` does when it starts: a stopped run before set it
    daemon.tick(loaded.url, None, after=hook)
    first = out.resolve()
    assert (first / "en" / PLAN / "index.html").is_file()
    daemon.tick(loaded.url, None, after=hook)
    assert out.resolve() == first
    loaded("session", "record", "2015-10a", "--on", "2015-10-21", "--as-planned")
    daemon.tick(loaded.url, None, after=hook)
    assert out.resolve() != first
    page = soup(out / "en" / PLAN / "sessions" / "2015-10a.html")
    held = page.find("dd", attrs={"data-status": True})
    assert isinstance(held, Tag) and held["data-status"] == "held"


def test_scheduler_refuses_a_publish_dir_it_cannot_use(loaded: Cam, tmp_path: Path) -> None:
    result = loaded("scheduler", "run", "--publish", str(tmp_path / "no" / "where"), expect=1)
    assert result.output.startswith("Error: cannot publish into"), result.output


def test_every_site_text_has_a_translation() -> None:
    wanted = set()
    for _, _, message, _, context in extract_from_dir(
        str(ROOT),
        method_map=[("templates/site/*.j2", "jinja2"), ("cam_tracker/reports/site.py", "python")],
        options_map={"templates/site/*.j2": {"extensions": "jinja2.ext.i18n"}},
    ):
        wanted.add((context, message if isinstance(message, str) else message[0]))
    assert len(wanted) > 80
    for lang in LANGS[1:]:
        have = set()
        for domain in ("site", "report"):
            with (data_dir("locale") / lang / f"{domain}.po").open("rb") as handle:
                have |= {(m.context, m.id) for m in read_po(handle, locale=lang) if m.string}
        assert wanted <= have, f"{lang}: untranslated {sorted(wanted - have, key=str)}"


# --- in a real browser ------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = [str(p) for p in (CHROMIUM, AXE) if not p.is_file()]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("playwright")
    if missing:
        message = f"browser tests need {', '.join(missing)} (see .ci/run)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def tab(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def kinds_of_page(lang: str) -> dict[str, str]:
    return {
        "home": f"{lang}/index.html",
        "plan": f"{lang}/{PLAN}/index.html",
        "activity": f"{lang}/{PLAN}/activities/program-update.html",
        "session": f"{lang}/{PLAN}/sessions/2015-11.html",
    }


def test_every_link_of_every_page_followed_in_the_browser(published: Path, tab: Any) -> None:
    root = published
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    seen = 0
    for path in pages(published):
        tab.goto(uri(path))
        for href in tab.eval_on_selector_all(
            "a[href], link[href]", "nodes => nodes.map(n => n.href)"
        ):
            if href in EXTERNAL:
                continue
            parts = urlsplit(href)
            assert parts.scheme == "file", f"{path}: {href}"
            target = Path(unquote(parts.path))
            assert target.is_file() and target.is_relative_to(root), f"{path}: {href}"
            seen += 1
    assert seen > 2000
    assert problems == []


def test_the_language_switcher_leads_to_the_same_page(published: Path, tab: Any) -> None:
    tab.goto(uri(published / "en" / PLAN / "sessions" / "2015-11.html"))
    tab.get_by_role("navigation", name="Languages").get_by_role("link", name="Español").click()
    assert tab.url.endswith(f"/es/{PLAN}/sessions/2015-11.html")
    assert tab.evaluate("document.documentElement.lang") == "es"
    tab.get_by_role("link", name="Português").first.click()
    assert tab.url.endswith(f"/pt/{PLAN}/sessions/2015-11.html")
    assert tab.evaluate("document.documentElement.lang") == "pt"
    tab.get_by_role("link", name="Français").first.click()
    assert tab.evaluate("document.documentElement.lang") == "fr"


@pytest.fixture(scope="module")
def audit_tab(browser: Any) -> Iterator[Any]:
    """A tab that may inject axe-core: the site's own CSP forbids every script, on purpose."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_axe_finds_no_violation(published: Path, audit_tab: Any, lang: str) -> None:
    tab = audit_tab
    axe = AXE.read_text(encoding="utf-8")
    targets = kinds_of_page(lang)
    if lang == "en":
        targets["languages"] = "index.html"
    for kind, relative in targets.items():
        tab.goto(uri(published / relative))
        tab.add_script_tag(content=axe)
        result = tab.evaluate(
            "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
        )
        violations = [
            (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
        ]
        assert violations == [], f"{lang} {kind}: {violations}"
        assert result["passes"], kind


def test_keyboard_reaches_the_skip_link_and_the_tables(published: Path, tab: Any) -> None:
    tab.goto(uri(published / "en" / PLAN / "index.html"))
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.textContent") == "Skip to main content"
    outline = tab.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    tab.keyboard.press("Enter")
    assert tab.url.endswith("#main")
    scrollers = tab.eval_on_selector_all(
        ".table-wrap, .chart-wrap",
        "nodes => nodes.map(n => [n.tabIndex, n.getAttribute('aria-labelledby') || "
        "n.getAttribute('aria-label')])",
    )
    assert scrollers and all(index == 0 and label for index, label in scrollers)


@pytest.mark.parametrize("width", [375, 1280])
def test_no_horizontal_scrolling(published: Path, browser: Any, width: int, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        for lang in LANGS:
            for kind, relative in kinds_of_page(lang).items():
                page.goto(uri(published / relative))
                scroll, inner = page.evaluate(
                    "[document.documentElement.scrollWidth, window.innerWidth]"
                )
                assert scroll <= inner, f"{lang} {kind} at {width}px: {scroll} > {inner}"
                if kind == "plan":
                    page.screenshot(path=str(tmp_path / f"{lang}-{kind}-{width}.png"))
    finally:
        context.close()
    assert len(list(tmp_path.glob("*.png"))) == len(LANGS)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_served_under_a_path_prefix(published: Path, tab: Any, tmp_path: Path) -> None:
    """Over HTTP on loopback, two directories deep: links, the stylesheet and the CSP hold."""
    served = tmp_path / "htdocs"
    (served / "committees" / "cam").mkdir(parents=True)
    shutil.copytree(published, served / "committees" / "cam" / "site", symlinks=False)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_Quiet, directory=str(served))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    failed: list[str] = []
    tab.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/committees/cam/site/"
        response = tab.goto(base + "index.html")
        assert response is not None and response.ok
        tab.get_by_role("link", name="Español").click()
        tab.get_by_role(
            "link", name="Plan de Trabajo de la Comisión de Asuntos Migratorios 2015–2016"
        ).click()
        assert tab.url == base + f"es/{PLAN}/index.html"
        header = tab.evaluate(
            "getComputedStyle(document.querySelector('header.site')).backgroundColor"
        )
        assert header == "rgb(31, 63, 102)"  # the stylesheet loaded under the CSP
        for href in tab.eval_on_selector_all("a[href]", "nodes => nodes.map(n => n.href)"):
            if href.startswith(base) and "#" not in href:
                answer = tab.request.get(href)
                assert answer.ok, href
    finally:
        server.shutdown()
        server.server_close()
    # Browsers ask every server for /favicon.ico by themselves: not a link of the site.
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []


def test_bad_requests_are_one_line_errors(played: Cam, tmp_path: Path) -> None:
    for args, message in (
        (("--as-of", "31/05/2016"), "--as-of: not a date: '31/05/2016'"),
        (("--plan", "nope"), "no plan 'nope' in the store"),
        (("-o", str(tmp_path / "missing" / "site")), "cannot publish into"),
    ):
        arguments = args if "-o" in args else ("-o", str(tmp_path / "site"), *args)
        result = played("publish", *arguments, expect=1)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], result.output
    assert not (tmp_path / "site").exists() and not (tmp_path / "missing").exists()
