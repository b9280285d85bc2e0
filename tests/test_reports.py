"""`cam report`: the progress report for the General Assembly, in every language and format.

Most tests read one store where the 2015–2016 plan was played through to May
2016, session by session; it is built once for the module, in a store of its
own (its own database on PostgreSQL), and only read.
"""

import dataclasses
import datetime as dt
import io
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup, Tag
from conftest import CALENDAR_DAYS, Cam, fresh_store
from sqlalchemy import event

from cam_tracker import store
from cam_tracker.app.lookup import current_plan
from cam_tracker.core import dates
from cam_tracker.core.resources import data_dir
from cam_tracker.core.text import languages
from cam_tracker.reports import chart, gather

AS_OF = "2016-05-31"
SECTIONS = ["summary", "mandates", "calendar", "delays", "annex"]


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store of this module's own, so that other tests' resets leave it alone."""
    with fresh_store(tmp_path_factory.mktemp("played")) as url:
        yield url


@pytest.fixture(scope="module")
def played(store_url: str) -> Iterator[Cam]:
    """The 2015–2016 plan, every session recorded as held as planned, October to May."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("CAM_DATABASE_URL", "CAM_PLAN", "CAM_LANG", "CAM_CONFIG"):
            patch.delenv(name, raising=False)
        patch.setenv("CAM_USER", "secretariat")
        cam = Cam(store_url)
        cam("plan", "load", "cam-2015-2016")
        for key, day in CALENDAR_DAYS:
            result = cam("session", "record", key, "--on", day, "--as-planned")
            assert "refused" not in result.output and "skipped" not in result.output, result.output
        yield cam


def soup_of(cam: Cam, *args: str) -> BeautifulSoup:
    html = cam("report", "--format", "html", *args).output
    return BeautifulSoup(html, "html.parser")


def table_rows(soup: BeautifulSoup, table_id: str) -> list[Tag]:
    table = soup.find("table", id=table_id)
    assert isinstance(table, Tag), f"no table #{table_id}"
    body = table.find("tbody")
    assert isinstance(body, Tag)
    return body.find_all("tr")


def cells(row: Tag) -> list[str]:
    return [" ".join(c.get_text(" ").split()) for c in row.find_all(["td", "th"])]


def number(value: str) -> int:
    return int(re.sub(r"\D", "", value))


@pytest.mark.parametrize("lang", languages())
def test_html_report_agrees_with_the_store(played: Cam, lang: str) -> None:
    soup = soup_of(played, "--as-of", AS_OF, "--lang", lang)
    listed = played.json("--lang", lang, "list", "--as-of", AS_OF)
    history = played.json("history")

    html = soup.find("html")
    assert isinstance(html, Tag) and html["lang"] == lang
    sections = [s["id"] for s in soup.find_all("section")]
    assert sections == SECTIONS

    figures = {
        row["data-status"]: number(cells(row)[-1]) for row in table_rows(soup, "summary-figures")
    }
    assert figures["total"] == len(listed) == 11
    assert figures["completed"] == sum(1 for a in listed if a["final"])
    assert figures["behind"] == sum(1 for a in listed if a["behind"] and not a["final"])
    assert figures["postponed"] == sum(1 for a in listed if a["state"] == "postponed")
    assert figures["withdrawn"] == sum(1 for a in listed if a["state"] == "withdrawn")
    assert sum(v for k, v in figures.items() if k != "total") == figures["total"]

    by_state = {cells(row)[0]: number(cells(row)[1]) for row in table_rows(soup, "by-state")}
    assert by_state == Counter(a["state_label"] for a in listed)

    rows = {row["data-activity"]: cells(row) for row in table_rows(soup, "activities")}
    assert list(rows) == [a["key"] for a in listed]
    for activity in listed:
        assert rows[activity["key"]][0] == activity["number"]
        assert rows[activity["key"]][2].startswith(activity["state_label"])

    sessions = table_rows(soup, "sessions")
    assert [row["data-session"] for row in sessions] == [key for key, _ in CALENDAR_DAYS]
    assert all(row["data-status"] == "held" for row in sessions)
    assert len(table_rows(soup, "log")) == len(history) == 18

    # Every activity told in full once, under the first paragraph it serves.
    told = [div["data-activity"] for div in soup.select("#mandates div.activity")]
    assert sorted(told) == sorted(a["key"] for a in listed)
    figure = soup.find("figure", id="timeline")
    assert isinstance(figure, Tag) and figure.find("svg") is not None


def test_html_report_in_spanish_reads_as_spanish(played: Cam) -> None:
    soup = soup_of(played, "--as-of", AS_OF, "--lang", "es")
    page = " ".join(soup.get_text(" ").split())
    for phrase in (
        "Informe de avance",
        "Comisión de Asuntos Migratorios (CAM)",
        "Plan de Trabajo de la Comisión de Asuntos Migratorios 2015–2016",
        "Período: de octubre de 2015 a mayo de 2016",
        "Informe al cuadragésimo sexto período ordinario de sesiones de la Asamblea General",
        "Situación al 31 de mayo de 2016",
        "Cumplimiento de los mandatos",
        "Párrafo resolutivo 18",
        "Calendario de sesiones",
        "Sesiones celebradas: 10 de 10",
        "21 de octubre de 2015",
        "Anexo",
    ):
        assert phrase in page, phrase
    headings = [h.get_text(" ", strip=True) for h in soup.find_all("h2")]
    assert headings == [
        "I. Resumen",
        "II. Cumplimiento de los mandatos",
        "III. Calendario de sesiones",
        "IV. Actividades con retraso y aplazamientos",
        "Anexo. Registro cronológico de las actuaciones",
    ]
    draft = soup.find("div", id="activity-draft-resolution")
    assert isinstance(draft, Tag)
    assert "Aprobado por la comisión" in draft.get_text()
    assert "Remitir al CIDI → Registrar la adopción por la Asamblea General" in draft.get_text()
    for english in ("Progress report", "Summary", "Operative paragraph", "Held on", "Page"):
        assert english not in page, english


def test_unserved_mandate_paragraphs_are_named(played: Cam) -> None:
    soup = soup_of(played, "--as-of", AS_OF)
    unserved = soup.find("ul", id="unserved")
    assert isinstance(unserved, Tag)
    named = [li.get_text(strip=True) for li in unserved.find_all("li")]
    assert "AG/RES. 2816 (XLIV-O/14), paragraph 20" in named
    assert "AG/RES. 2816 (XLIV-O/14), paragraph 22" in named
    assert "AG/RES. 2738 (XLII-O/12), paragraph 2.a" in named
    assert not any(n.endswith(("paragraph 3", "paragraph 18", "paragraph 21")) for n in named)
    for number_ in ("20", "22"):
        block = soup.find("div", attrs={"data-mandate": "ag-res-2816", "data-paragraph": number_})
        assert isinstance(block, Tag)
        assert "No activity of the work plan serves this paragraph." in block.get_text()
        assert block.find("div", class_="activity") is None
    served = soup.find("div", attrs={"data-mandate": "ag-res-2816", "data-paragraph": "18"})
    assert isinstance(served, Tag) and "serves this paragraph" not in served.get_text()


def test_report_as_of_a_past_date_shows_the_world_then(played: Cam) -> None:
    december = soup_of(played, "--as-of", "2015-12-31")
    may = soup_of(played, "--as-of", AS_OF)

    def state(soup: BeautifulSoup, key: str) -> str:
        row = next(r for r in table_rows(soup, "activities") if r["data-activity"] == key)
        return cells(row)[2]

    assert state(december, "draft-resolution").startswith("Being drafted")
    assert state(may, "draft-resolution").startswith("Approved by the committee")
    assert state(december, "program-update").startswith("Negotiations concluded")
    assert state(december, "forum-development").startswith("Proposed")
    assert len(table_rows(december, "log")) == 10 < len(table_rows(may, "log"))
    held = [r["data-status"] for r in table_rows(december, "sessions")]
    assert held == ["held"] * 5 + ["pending"] * 5
    assert "Status as of December 31, 2015" in " ".join(december.get_text(" ").split())


def test_delays_are_listed_with_their_reasons(loaded: Cam) -> None:
    loaded("session", "record", "2015-10a", "--on", "2015-10-21", "--as-planned")
    loaded("reschedule", "sicremi", "--to", "2015-12", "--on", "2015-10-22",
           "--reason", "Quorum not reached")  # fmt: skip
    loaded("advance", "campaign", "postpone", "--on", "2015-10-23", "--note", "Awaiting funds")
    listed = loaded.json("list", "--as-of", "2015-12-31")

    soup = soup_of(loaded, "--as-of", "2015-12-31")
    moves = [cells(row) for row in table_rows(soup, "postponements")]
    assert moves == [
        [
            "October 22, 2015",
            f"5. {listed[8]['title']}",
            "Milestone “Present to the committee” moved from November 2015 to December 2015",
            "Quorum not reached",
        ],
        ["October 23, 2015", f"3. {listed[6]['title']}", "Postponed", "Awaiting funds"],
    ]
    behind = {row["data-activity"] for row in table_rows(soup, "behind")}
    assert behind == {a["key"] for a in listed if a["behind"]}
    # Postponed is a status of its own, never also "behind"; moved to December: not late yet.
    assert "campaign" not in behind and "sicremi" not in behind
    figures = {r["data-status"]: number(cells(r)[-1]) for r in table_rows(soup, "summary-figures")}
    assert figures["postponed"] == 1
    assert figures["behind"] == sum(1 for a in listed if a["behind"]) == len(behind)

    spanish = soup_of(loaded, "--as-of", "2015-12-31", "--lang", "es")
    decisions = [cells(row)[2] for row in table_rows(spanish, "postponements")]
    assert decisions == [
        "Hito “Presentar a la comisión” trasladado de noviembre de 2015 a diciembre de 2015",
        "Aplazada",
    ]
    # Before the postponement, none of it had happened.
    earlier = soup_of(loaded, "--as-of", "2015-10-21")
    assert earlier.find("table", id="postponements") is None


def test_markdown_is_the_default_and_the_suffix_picks_the_format(
    played: Cam, tmp_path: Path
) -> None:
    markdown = played("report", "--as-of", AS_OF).output
    assert markdown.startswith("Organization of American States (OAS)")
    for heading in (
        "# Progress report: Work Plan of the Committee on Migration Issues 2015–2016",
        "## I. Summary",
        "## II. Implementation of the mandates",
        "#### Operative paragraph 18",
        "## III. Calendar of sessions",
        "## IV. Activities behind plan and postponements",
        "## Annex. Log of recorded steps",
    ):
        assert f"\n{heading}\n" in markdown, heading
    assert "<svg" not in markdown
    assert "| Completed | 2 |" in markdown

    target = tmp_path / "report.md"
    result = played("report", "--as-of", AS_OF, "-o", str(target))
    assert result.output == f"report written to {target} (md, en, as of {AS_OF})\n"
    assert target.read_text(encoding="utf-8") == markdown

    html = tmp_path / "report.html"
    played("--lang", "es", "--plan", "cam-2015-2016", "report", "-o", str(html))
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert '<html lang="es">' in html.read_text(encoding="utf-8")


def test_pdf_report_in_english(played: Cam, tmp_path: Path) -> None:
    from pypdf import PdfReader

    target = tmp_path / "report.pdf"
    played("report", "--as-of", AS_OF, "-o", str(target))
    reader = PdfReader(target)
    first = " ".join(reader.pages[0].extract_text().split())
    assert "PROGRESS REPORT" in first
    assert "Committee on Migration Issues (CAM)" in first
    whole = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for heading in (
        "I. Summary",
        "II. Implementation of the mandates",
        "III. Calendar of sessions",
        "IV. Activities behind plan and postponements",
        "Annex. Log of recorded steps",
    ):
        assert heading in whole, heading
    assert f"Page 2 of {len(reader.pages)}" in whole


def test_pdf_report_in_spanish(played: Cam, tmp_path: Path) -> None:
    from pypdf import PdfReader

    target = tmp_path / "informe"  # no suffix: --format says PDF, a binary written to a file
    played("report", "--as-of", AS_OF, "--lang", "es", "--format", "pdf", "-o", str(target))
    content = target.read_bytes()
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    whole = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for heading in (
        "INFORME DE AVANCE",
        "Situación al 31 de mayo de 2016",
        "I. Resumen",
        "II. Cumplimiento de los mandatos",
        "III. Calendario de sesiones",
        "IV. Actividades con retraso y aplazamientos",
        "Anexo. Registro cronológico de las actuaciones",
    ):
        assert heading in whole, heading
    assert f"Página 2 de {len(reader.pages)}" in whole


HOSTILE_PLAN = """\
name: hostile
title:
  en: "<script>alert('plan')</script> Plan & Co"
  es: "<script>alert('plan')</script> Plan"
body: {name: "Committee <b>on</b> Tests", short: "C|T"}
period: {start: "2016-01", end: "2016-03"}
general_assembly: "General Assembly"
mandates:
  - key: res-1
    symbol: "RES. 1 <i>(2016)</i>"
    title: Testing
    paragraphs:
      - {number: "1", text: "To test <script>alert('paragraph')</script>."}
      - {number: "2", text: "A paragraph nobody serves."}
activities:
  - key: evil
    number: "1"
    title: "<script>alert('activity')</script> *stars* | pipes"
    kind: procedural
    serves: [res-1/1]
sessions:
  - key: s1
    month: "2016-01"
    kind: regular
    title: "Session <img src=x onerror=alert(1)>"
    agenda:
      - {activity: evil, event: complete, text: "Complete <script>x</script>"}
"""


def test_hostile_titles_come_out_escaped(cam: Cam, tmp_path: Path) -> None:
    plan_file = tmp_path / "hostile.yaml"
    plan_file.write_text(HOSTILE_PLAN, encoding="utf-8")
    cam("plan", "load", str(plan_file))
    cam(
        "advance", "evil", "complete", "--session", "s1", "--on", "2016-01-20",
        "--note", "<img src=x onerror=alert(2)> done", "--doc", "DOC/<b>1</b>",
    )  # fmt: skip
    for lang in ("en", "es"):
        html = cam("report", "--plan", "hostile", "--lang", lang, "--format", "html").output
        soup = BeautifulSoup(html, "html.parser")
        assert soup.find_all("script") == []
        assert soup.find_all("img") == []
        assert soup.find_all("i") == []
        assert soup.find_all("b") == []
        page = soup.get_text(" ")
        assert "<script>alert('activity')</script> *stars* | pipes" in page
        assert "Session <img src=x onerror=alert(1)>" in page
        assert "<img src=x onerror=alert(2)> done" in page
        title = soup.find("title")
        assert isinstance(title, Tag) and "<script>alert('plan')</script>" in title.get_text()
    markdown = cam("report", "--plan", "hostile").output
    assert "\\<script\\>alert('activity')\\</script\\> \\*stars\\* \\| pipes" in markdown
    assert not re.search(r"(?<!\\)<(script|img|b|i)\b", markdown)
    assert "RES. 1 \\<i\\>(2016)\\</i\\>, paragraph 2" in markdown


def test_bad_requests_are_one_line_errors(played: Cam, tmp_path: Path) -> None:
    for args, message in (
        (("-o", str(tmp_path / "report.docx")), "cannot tell the format from 'report.docx'"),
        (("--as-of", "31/05/2016"), "--as-of: not a date: '31/05/2016'"),
        (("--plan", "nope"), "no plan 'nope' in the store"),
        (("-o", str(tmp_path / "missing" / "r.md")), "cannot write"),
    ):
        result = played("report", *args, expect=1)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], result.output
    assert "Invalid value for '--lang'" in played("report", "--lang", "xx", expect=2).output
    assert not (tmp_path / "report.docx").exists()


def test_pdf_without_weasyprint_says_what_to_install(
    played: Cam, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    result = played("report", "--format", "pdf", "-o", str(tmp_path / "r.pdf"), expect=1)
    assert result.output == "Error: PDF needs WeasyPrint: pip install 'cam-tracker[pdf]'\n"
    assert not list(tmp_path.iterdir())


def test_gather_reads_in_a_fixed_number_of_queries(played: Cam) -> None:
    engine = store.engine_for(played.url)
    counts = []
    for day in ("2015-10-31", "2015-12-31", AS_OF):
        statements: list[str] = []

        def count(*args: Any, seen: list[str] = statements) -> None:
            seen.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            with store.session(played.url) as db:
                plan = current_plan(db, "cam-2015-2016")
                moment = dates.as_of_moment(plan.timezone, dt.date.fromisoformat(day))
                report = gather.gather(db, plan, moment)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert report.as_of.isoformat() == day
        counts.append(len(statements))
    assert counts[0] == counts[1] == counts[2] <= 12


def _report(played: Cam) -> gather.Report:
    with store.session(played.url) as db:
        plan = current_plan(db, "cam-2015-2016")
        moment = dates.as_of_moment(plan.timezone, dt.date.fromisoformat(AS_OF))
        return gather.gather(db, plan, moment)


SVG = "{http://www.w3.org/2000/svg}"


def test_timeline_chart_is_deterministic_svg(played: Cam) -> None:
    report = _report(played)
    first = chart.timeline_svg(report, "es")
    assert first == chart.timeline_svg(report, "es") == chart.timeline_svg(_report(played), "es")
    assert first.startswith("<svg") and first.rstrip().endswith("</svg>")
    assert "<metadata" not in first and "dc:date" not in first
    assert dt.date.today().isoformat() not in first
    assert "Hito previsto, alcanzado" in first and "P.1" in first

    root = ElementTree.fromstring(first)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    labelled = {e.get("id"): e for e in root.iter() if e.get("id")}
    title, desc = (labelled[i] for i in (root.get("aria-labelledby") or "").split())
    assert title.tag == f"{SVG}title" and desc.tag == f"{SVG}desc"
    assert title.text == "Gráfico 1. Hitos previstos y etapas registradas, por actividad"
    assert "de octubre de 2015 a mayo de 2016" in (desc.text or "")
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "ene" in texts and "2016" in texts and "Fecha del informe" in texts


def test_timeline_chart_draws_each_milestone_and_step(played: Cam) -> None:
    report = _report(played)
    first, second = report.activities[0], report.activities[1]
    step = first.steps[0]
    first.steps.append(dataclasses.replace(step, day=step.day + dt.timedelta(days=3), delay=True))
    second.planned[0] = dataclasses.replace(second.planned[0], done_on=None, late=True)
    report.activities[2].planned[0] = dataclasses.replace(
        report.activities[2].planned[0], done_on=None, late=False
    )
    drawn = chart.layout(report, "en")
    planned = [p for a in report.activities for p in a.planned]
    steps = [s for a in report.activities for s in a.transitions]
    assert len(drawn.boxes["late"]) == 1 and len(drawn.boxes["open"]) == 1
    assert sum(len(boxes) for boxes in drawn.boxes.values()) == len(planned)
    assert len(drawn.delays) == 1 and len(drawn.steps) == len(steps) - 1 == 18
    # One row per activity, in the report's order, each label its number then its title.
    assert [label.text.split()[0] for label in drawn.labels] == [
        a.number for a in report.activities
    ]
    assert len({label.y for label in drawn.labels}) == len(report.activities)
    # x grows with the date: the delay three days after the step it follows, inside the frame.
    (delay,) = drawn.delays
    assert drawn.left <= drawn.steps[0].x < delay.x <= drawn.right
    assert [k.kind for k in drawn.legend] == ["done", "open", "late", "step", "delay", "today"]
    assert "Planned milestone, pending: 1; Behind plan: 1" in drawn.description
    assert "Postponed, withdrawn or resumed: 1" in drawn.description


def test_timeline_chart_keeps_plan_text_as_text(played: Cam) -> None:
    report = _report(played)
    hostile = "<script>alert('x')</script> & \"Q\" <!--"
    report.activities[0].title = {"en": hostile}
    report.activities[1].number = "<b>&amp;"
    svg = chart.timeline_svg(report, "en")
    assert "<script" not in svg and "<b>" not in svg and "<!--" not in svg
    root = ElementTree.fromstring(svg)
    assert [e.tag for e in root.iter() if not e.tag.startswith(SVG)] == []
    labels = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert labels[0] == f"P.1\u00a0 {hostile}"
    assert labels[1].startswith("<b>&amp;")


def test_every_report_text_has_a_translation() -> None:
    root = Path(__file__).resolve().parents[1]
    wanted = set()
    for _, _, message, _, context in extract_from_dir(
        str(root),
        method_map=[
            ("templates/report*.j2", "jinja2"),
            *((f"cam_tracker/reports/{name}.py", "python") for name in ("gather", "render")),
            ("cam_tracker/reports/chart.py", "python"),
        ],
        options_map={"templates/report*.j2": {"extensions": "jinja2.ext.i18n"}},
    ):
        wanted.add((context, message if isinstance(message, str) else message[0]))
    assert len(wanted) > 60
    for lang in languages()[1:]:
        path = data_dir("locale") / lang / "report.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        have = {(m.context, m.id) for m in catalog if m.id and m.string}
        assert wanted <= have, f"{lang}: untranslated {sorted(wanted - have, key=str)}"


def test_heavy_libraries_load_only_for_a_report(played: Cam) -> None:
    report = ["--db", played.url, "report", "--format", "html", "--as-of", AS_OF]
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from cam_tracker.cli import cli\n"
        "assert CliRunner().invoke(cli, ['--help']).exit_code == 0\n"
        "assert CliRunner().invoke(cli, ['workflow', 'list']).exit_code == 0\n"
        "assert 'weasyprint' not in sys.modules\n"
        f"result = CliRunner().invoke(cli, {report!r})\n"
        "assert result.exit_code == 0 and '<svg' in result.output, result.output\n"
        "# The chart is a template: no drawing library, no PDF engine for HTML.\n"
        "heavy = {'matplotlib', 'weasyprint'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    templates = data_dir("templates")
    assert (templates / "report.html.j2").is_file() and (templates / "report.md.j2").is_file()
