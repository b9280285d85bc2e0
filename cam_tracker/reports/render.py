"""Rendering the report: one registry of output formats, each a function of the gathered data.

A new format (a web site, a word-processor file) is one more entry in
`RENDERERS`; nothing else chooses by format name.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cam_tracker.core.errors import InvalidInput
from cam_tracker.core.resources import data_dir
from cam_tracker.reports.gather import CATALOG, STATUSES, Report, SessionPaper, gather

# What a format renders: the progress report, or a document of one session. Each names its
# templates (`template`): `<template>.md.j2`, `<template>.html.j2`.
Paper = Report | SessionPaper

TEMPLATES = data_dir("templates")

if TYPE_CHECKING:
    from cam_tracker.app.workspace import Workspace

PDF_MISSING = "PDF needs WeasyPrint: pip install 'cam-tracker[pdf]'"


@dataclass(frozen=True)
class Format:
    """One output format of the documents: its name, file suffixes, and how it renders."""

    name: str
    suffixes: tuple[str, ...]
    render: Callable[[Paper, str], bytes]
    binary: bool = False


RENDERERS: dict[str, Format] = {}


def renderer(name: str, *suffixes: str, binary: bool = False) -> Callable[[Any], Any]:
    """Register a rendering function as the format `name` (the one place formats are listed)."""

    def register(func: Callable[[Paper, str], bytes]) -> Callable[[Paper, str], bytes]:
        RENDERERS[name] = Format(name, suffixes, func, binary)
        return func

    return register


def format_for(output: Path | None, fmt: str | None) -> str:
    """The format asked for, else the one the output file's suffix names, else Markdown."""
    if fmt is not None:
        if fmt not in RENDERERS:
            raise InvalidInput(
                f"unknown report format {fmt!r}; formats: {', '.join(RENDERERS)}",
                fields=("format",),
            )
        return fmt
    if output is None:
        return "md"
    suffix = output.suffix.lower()
    found = next((f.name for f in RENDERERS.values() if suffix in f.suffixes), None)
    if found is None:
        suffixes = [s for f in RENDERERS.values() for s in f.suffixes]
        raise InvalidInput(
            f"cannot tell the format from {output.name!r}: name one of "
            f"{'|'.join(RENDERERS)} or use a {', '.join(suffixes)} file",
            fields=("format",),
        )
    return found


def _translator(lang: str) -> Callable[[str], str]:
    from cam_tracker.core.i18n import translations

    return translations(lang, CATALOG).gettext


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def _markdown_text(value: Any) -> str:
    """Every value a Markdown template prints: one line, Markdown syntax escaped.

    Text marked safe (a macro's output, already escaped) passes as it is.
    """
    from markupsafe import Markup

    if isinstance(value, Markup):
        return str(value)
    text = "" if value is None else str(value)
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _css_string(value: Any) -> Any:
    """Text inside a CSS string literal in a `<style>` element: quotes, backslashes, line
    ends and anything that could close the element written as CSS escapes (so the result
    is safe as it is: HTML escaping would break it)."""
    from markupsafe import Markup

    return Markup(
        "".join(
            ch if ch.isalnum() or ch in " .,;:-—–()/" else f"\\{ord(ch):x} " for ch in str(value)
        )
    )


def _environment(lang: str, *, html: bool) -> Any:
    from cam_tracker.core.i18n import check_language, environment, language_called

    env = environment(check_language(lang), CATALOG, [TEMPLATES], html=html)
    if not html:
        env.finalize = _markdown_text
    env.globals["statuses"] = STATUSES
    env.globals["language_name"] = lambda code: language_called(code, lang)
    env.filters["cssstring"] = _css_string
    return env


def render(paper: Paper, fmt: str = "md", lang: str = "en") -> bytes:
    """A document in one registered format and one language."""
    return RENDERERS[format_for(None, fmt)].render(paper, lang)


@renderer("md", ".md", ".markdown")
def render_markdown(paper: Paper, lang: str) -> bytes:
    """Markdown: every value on one line, its syntax escaped; no chart."""
    env = _environment(lang, html=False)
    text: str = env.get_template(f"{paper.template}.md.j2").render(r=paper)
    return text.encode()


@renderer("html", ".html", ".htm")
def render_html_bytes(paper: Paper, lang: str) -> bytes:
    """One self-contained HTML page."""
    return render_html(paper, lang).encode()


@renderer("pdf", ".pdf", binary=True)
def render_pdf(paper: Paper, lang: str) -> bytes:
    """The HTML printed to PDF by WeasyPrint."""
    return html_to_pdf(render_html(paper, lang))


@renderer("docx", ".docx", binary=True)
def render_docx(paper: Paper, lang: str) -> bytes:
    """An editable Word copy: the HTML's structure and words (`reports.docx`)."""
    return html_docx(render_html(paper, lang), lang)


def html_docx(html: str, lang: str) -> bytes:
    """A page the report templates wrote, as Word, its footer "Page N of M" in `lang`."""
    from cam_tracker.reports.docx import html_to_docx

    gettext = _translator(lang)
    return html_to_docx(html, page_label=gettext("Page"), of_label=gettext("of"))


def render_html(paper: Paper, lang: str) -> str:
    """The self-contained HTML page of a document; the report's has its timeline chart."""
    from markupsafe import Markup

    from cam_tracker.reports.chart import timeline_svg

    env = _environment(lang, html=True)
    chart = None
    if isinstance(paper, Report) and paper.activities:
        chart = Markup(timeline_svg(paper, lang))
    result: str = env.get_template(f"{paper.template}.html.j2").render(r=paper, chart=chart)
    return result


@dataclass(frozen=True)
class RenderedReport:
    """A report ready to print or write: its bytes, format, language and as-of day."""

    content: bytes
    format: str
    lang: str
    as_of: dt.date

    @property
    def binary(self) -> bool:
        return RENDERERS[self.format].binary


def progress_report(
    ws: "Workspace",
    *,
    plan_name: str | None = None,
    as_of: str | None = None,
    lang: str | None = None,
    fmt: str = "md",
    symbol: str | None = None,
    series: str | None = None,
    issued: str | None = None,
    texts: tuple[str, ...] = (),
) -> RenderedReport:
    """The progress report of a plan (as of a date typed by the user), rendered.

    `symbol`, `series`, `issued` and `texts` (SECTION=FILE, the section in the report's
    language) override what the plan's `report:` says, for this report only.
    """
    from cam_tracker.core.dates import as_of as as_of_moment
    from cam_tracker.core.dates import parse_day
    from cam_tracker.core.text import MAX_SYMBOL, clean_line

    lang = lang or ws.lang
    sections = section_texts(texts)
    given = {
        "symbol": clean_line(symbol, "symbol", MAX_SYMBOL),
        "series": clean_line(series, "series", MAX_SYMBOL),
        "issued": parse_day(issued, "issued") if issued is not None else None,
    }
    with ws.session() as db:
        plan = ws.plan(db, plan_name)
        data = gather(db, plan, as_of_moment(plan.timezone, as_of))
    data.registration = data.registration.merged(**given)
    for section, text in sections.items():
        data.sections = {**data.sections, section: {**data.sections.get(section, {}), lang: text}}
    return RenderedReport(render(data, fmt, lang), fmt, lang, data.as_of)


def session_document(
    ws: "Workspace",
    key: str,
    kind: str,
    *,
    plan_name: str | None = None,
    lang: str | None = None,
    fmt: str = "md",
    symbol: str | None = None,
    issued: str | None = None,
) -> RenderedReport:
    """A document of session `key` (`kind`: agenda or summary), rendered; `symbol` and
    `issued` register it."""
    from cam_tracker.core.dates import parse_day
    from cam_tracker.core.text import MAX_SYMBOL, clean_line
    from cam_tracker.reports.gather import Registration, session_paper

    lang = lang or ws.lang
    registration = Registration(
        symbol=clean_line(symbol, "symbol", MAX_SYMBOL),
        issued=parse_day(issued, "issued") if issued is not None else None,
    )
    with ws.session() as db:
        plan = ws.plan(db, plan_name)
        paper = session_paper(db, plan, key, kind)
    paper.registration = registration
    return RenderedReport(render(paper, fmt, lang), fmt, lang, paper.report.as_of)


def section_texts(texts: tuple[str, ...]) -> dict[str, str]:
    """`--text SECTION=FILE` options, read: section -> Markdown. An unknown section, a
    missing `=` or an unreadable file is refused before anything is read from the store."""
    from cam_tracker.core.errors import did_you_mean
    from cam_tracker.files.plan import REPORT_SECTIONS, read_section

    sections: dict[str, str] = {}
    for given in texts:
        section, sep, name = given.partition("=")
        section = section.strip()
        if not sep or not name:
            raise InvalidInput(f"--text {given!r}: use SECTION=FILE", fields=("text",))
        if section not in REPORT_SECTIONS:
            raise InvalidInput(
                f"--text: unknown section {section!r}{did_you_mean(section, REPORT_SECTIONS)} "
                f"(use {', '.join(REPORT_SECTIONS)})",
                fields=("text",),
            )
        sections[section] = read_section(Path(name))
    return sections


def write(path: Path, content: bytes) -> None:
    """Write a rendered report to a file, whole or not at all."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(content)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None


def html_to_pdf(html: str) -> bytes:
    """Print the HTML report to PDF with WeasyPrint (the `pdf` extra)."""
    import warnings

    with warnings.catch_warnings():
        # Advice for whoever packages the system libraries (fonts are subset anyway), not the user.
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
        try:
            from weasyprint import HTML
        except (ImportError, OSError):
            raise InvalidInput(PDF_MISSING) from None
        pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf
