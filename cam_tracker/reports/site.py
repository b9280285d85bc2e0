"""The committee's public web site: one more output of the report layer.

`publish` reads each plan once (`snapshot.snapshots`, then `gather.from_snapshot`:
the same data as `cam report`), renders static pages with Jinja in every
language that has catalogs, with the report's timeline chart
(`chart.timeline_svg`) inline, and swaps the new tree in atomically. The
calendars (`.ics`) are written by the function the caller hands in
(`reminders.ics.feeds`: calendars have one home, and this layer does not
import that one).

Layout of a published site (every link relative, so it works from file://
and under any path prefix):

    DIR -> DIR.<stamp>/                 a symlink, swapped in one rename
      index.html                        the languages
      style.css
      <lang>/index.html                 the committees (bodies) and their plans
      <lang>/<plan> -> ../../DIR.plans/<plan>.<fingerprint>/<lang>
      data/<plan>   -> ../../DIR.plans/<plan>.<fingerprint>/data
      .cam-publish.json                 what was published from what (the manifest)
    DIR.plans/<plan>.<fingerprint>/     one plan's files, written once per state of its data
      <lang>/index.html                 the plan: summary, chart and its table, activities,
                                        mandates, calendar, documents
      <lang>/activities/<key>.html
      <lang>/sessions/<key>.html and <key>.ics
      <lang>/steps.atom                 the steps, newest first
      <lang>/calendar.ics
      data/plan.json                    the data, in no language in particular

A republish computes a fingerprint per plan from a few aggregate queries;
a plan whose fingerprint is unchanged is not read or rendered: the new tree
links to its directory as the old one did. A plan that changed gets a new
directory, in which a file whose bytes did not change is a hard link to the
one before. Output is deterministic (no clock in it), so unchanged data
means unchanged bytes. A reader of DIR sees the old tree or the new one,
never half of one; the tree before stays until the next publish.
"""

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from cam_tracker.core import dates
from cam_tracker.core.errors import InvalidInput
from cam_tracker.core.resources import data_dir
from cam_tracker.core.text import languages, local
from cam_tracker.reports.gather import (
    CATALOG,
    STATUSES,
    ActivityReport,
    AgendaItem,
    Labels,
    Report,
    SessionReport,
    Step,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from cam_tracker.app.snapshot import Snapshot
    from cam_tracker.app.workspace import Workspace
    from cam_tracker.core.settings import ReminderSettings
    from cam_tracker.store import models

    # The calendar of some sessions of a plan, in a language, stamped, and each session's
    # own by key (`reminders.ics.feeds`).
    CalendarFeed = Callable[
        [Snapshot, list[models.Meeting], ReminderSettings, str, dt.datetime],
        tuple[bytes, dict[str, bytes]],
    ]

log = logging.getLogger(__name__)

DOMAIN = "site"
MANIFEST = ".cam-publish.json"
FORMAT = 1
# A published tree beside DIR: DIR.<UTC stamp>; one being written ends in .partial.
_TREE = re.compile(r"^(?P<name>.+)\.(?P<stamp>\d{8}T\d{6}\d{6}Z(?:-\d+)?)(?P<partial>\.partial)?$")
_SAFE_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_RELATIVE_HREF = re.compile(r"^(\.\./)*[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*(#[A-Za-z0-9._-]+)?$")
# Plans read and rendered together: enough to share queries, few enough to bound memory.
BATCH = 25

# --- names and links ------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def slug(key: str) -> str:
    """A file name for a key: the key itself when it is a plain key, else a stable hash."""
    if _SAFE_KEY.match(key) and key not in (".", ".."):
        return key
    return "k-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def check_base_url(value: str | None) -> str | None:
    """An http(s) address the site will live at, ending with a slash; anything else refused."""
    if value is None or value == "":
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.username is not None
        or parts.query
        or parts.fragment
        or any(ch.isspace() or ch in "<>\"'`\\" for ch in value)
    ):
        raise InvalidInput(
            f"not a web address for the site: {value!r} (use http:// or https://)",
            fields=("base_url",),
        )
    return value if value.endswith("/") else value + "/"


class Paths:
    """Where each page of a plan lives, relative to the site's root."""

    @staticmethod
    def home(lang: str) -> str:
        return f"{lang}/index.html"

    @staticmethod
    def plan(lang: str, plan: str) -> str:
        return f"{lang}/{slug(plan)}/index.html"

    @staticmethod
    def activity(lang: str, plan: str, key: str) -> str:
        return f"{lang}/{slug(plan)}/activities/{slug(key)}.html"

    @staticmethod
    def session(lang: str, plan: str, key: str) -> str:
        return f"{lang}/{slug(plan)}/sessions/{slug(key)}.html"

    @staticmethod
    def session_ics(lang: str, plan: str, key: str) -> str:
        return f"{lang}/{slug(plan)}/sessions/{slug(key)}.ics"

    @staticmethod
    def calendar(lang: str, plan: str) -> str:
        return f"{lang}/{slug(plan)}/calendar.ics"

    @staticmethod
    def feed(lang: str, plan: str) -> str:
        return f"{lang}/{slug(plan)}/steps.atom"

    @staticmethod
    def data(plan: str) -> str:
        return f"data/{slug(plan)}/plan.json"


@functools.lru_cache(maxsize=65536)
def _relative(page: str, target: str) -> str:
    """The shortest relative link from one file of the site to another.

    Both are plain paths from the site's root (no `.`, `..` or doubled slash: `Paths`
    writes them), so the directories they share are a common prefix of their parts;
    `posixpath.relpath` would give the same, at many times the cost per link.
    """
    here = page.split("/")[:-1]
    there = target.split("/")
    shared = 0
    for mine, theirs in zip(here, there[:-1], strict=False):
        if mine != theirs:
            break
        shared += 1
    return "../" * (len(here) - shared) + "/".join(there[shared:])


@dataclass(frozen=True)
class Page:
    """One page being rendered: its language and place, and how it links to others."""

    lang: str
    path: str
    base_url: str | None = None
    langs: tuple[str, ...] = ()

    @property
    def root(self) -> str:
        return "../" * self.path.count("/")

    def href(self, target: str, fragment: str | None = None) -> str:
        """A relative link from this page to `target` (a path from the site's root)."""
        href = _relative(self.path, target) + (f"#{fragment}" if fragment else "")
        if not _RELATIVE_HREF.match(href):
            raise InvalidInput(f"refused to publish a link to {href!r}")
        return href

    def absolute(self, target: str) -> str | None:
        """The address of `target` under --base-url (None without one)."""
        return None if self.base_url is None else self.base_url + target

    def link(self, target: str, fragment: str | None = None) -> str:
        """Absolute under --base-url (feeds), else relative."""
        if self.base_url is not None:
            return self.base_url + target + (f"#{fragment}" if fragment else "")
        return self.href(target, fragment)

    def in_language(self, lang: str) -> str:
        """The same page in another language."""
        _own, rest = self.path.split("/", 1) if "/" in self.path else ("", self.path)
        return self.href(f"{lang}/{rest}")

    @property
    def alternates(self) -> list[tuple[str, str]]:
        """(language, link) of this page in every language, this one included."""
        if "/" not in self.path:
            return []
        rest = self.path.split("/", 1)[1]
        return [
            (lang, self.absolute(f"{lang}/{rest}") or self.in_language(lang)) for lang in self.langs
        ]


# --- what the pages show, beyond the report's data -----------------------------------


@dataclass(frozen=True)
class Document:
    """A document symbol recorded on a step."""

    symbol: str
    step: Step


@dataclass
class PlanSite:
    """One plan as the site shows it: the report's data and what pages derive from it."""

    report: Report
    snap: "Snapshot"

    @property
    def name(self) -> str:
        return self.report.plan

    @cached_property
    def serves(self) -> dict[str, list[tuple[str, str, str]]]:
        """Activity key → the (mandate key, symbol, paragraph number) it serves."""
        found: dict[str, list[tuple[str, str, str]]] = {}
        for mandate in self.report.mandates:
            for paragraph in mandate.paragraphs:
                for activity in paragraph.activities:
                    found.setdefault(activity.key, []).append(
                        (mandate.key, mandate.symbol, paragraph.number)
                    )
        return found

    @cached_property
    def documents(self) -> list[Document]:
        """Every document symbol recorded on a step, in the order of the log."""
        return [Document(s.document, s) for s in self.report.log if s.document]

    def session_documents(self, key: str) -> list[Document]:
        return [d for d in self.documents if d.step.session_key == key]

    @cached_property
    def meetings(self) -> dict[str, "models.Meeting"]:
        """The sessions as stored, by key: their time, place, link and programme."""
        return {m.key: m for m in self.snap.sessions}

    @cached_property
    def register(self) -> list["models.Document"]:
        """The plan's register of documents, by date (undated last), then symbol."""
        return sorted(
            self.snap.documents.values(),
            key=lambda d: (d.date is None, d.date or dt.date.min, d.symbol),
        )

    def entry(self, symbol: str | None) -> "models.Document | None":
        """The register's entry for a symbol a step cites (None: never registered)."""
        from cam_tracker.core.symbols import identity

        return self.snap.documents.get(identity(symbol)) if symbol else None

    @cached_property
    def citing(self) -> dict[str, list[Step]]:
        """Register key (`core.symbols.identity`) → the steps that cite the document."""
        from cam_tracker.core.symbols import identity

        found: dict[str, list[Step]] = {}
        for step in self.report.log:
            if step.document:
                found.setdefault(identity(step.document), []).append(step)
        return found

    def cited_by(self, document: "models.Document") -> list[Step]:
        from cam_tracker.core.symbols import identity

        return self.citing.get(identity(document.symbol), [])

    @staticmethod
    def safe_link(url: str | None) -> str | None:
        """An address the site may link to: what `core.text.check_link` accepts, else none
        (a stored address is checked again: the site never links anything else)."""
        from cam_tracker.core.text import check_link

        if not url:
            return None
        try:
            return check_link(url)
        except InvalidInput:
            return None

    def steps_at(self, key: str) -> list[Step]:
        return [s for s in self.report.log if s.session_key == key]

    link_cache: dict[tuple[str, str, str, str], Any] = field(default_factory=dict)

    @cached_property
    def session_titles(self) -> dict[str, Labels]:
        return {s.key: s.title for s in self.report.sessions}

    def outcome(self, session: SessionReport, item: AgendaItem) -> str:
        """reached, pending (still ahead), not_reached (its session passed), or none (no step)."""
        if item.event_label is None:
            return "none"
        if item.done_on is not None:
            return "reached"
        return "pending" if session.status(self.report.as_of) == "pending" else "not_reached"

    def note(self, step: Step) -> str | None:
        """A step's note, unless the plan keeps its notes off the site."""
        return step.note if self.report.publish_notes else None

    @cached_property
    def summary(self) -> dict[str, Any]:
        """What the committees' page says of this plan (kept in the manifest between runs)."""
        r = self.report
        return {
            "plan": r.plan,
            "title": r.title,
            "body": {
                "name": r.body,
                "short": r.body_short,
                "parent": r.parent,
                "organization": r.organization,
            },
            "period": [r.period_start, r.period_end],
            "as_of": r.as_of.isoformat(),
            "counts": r.counts,
            "activities": len(r.activities),
            "mandates": [{"key": m.key, "symbol": m.symbol, "title": m.title} for m in r.mandates],
        }


def plan_json(site: PlanSite) -> dict[str, Any]:
    """The plan's data for reuse (`data/<plan>/plan.json`; its shape is in README.md)."""
    r = site.report

    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    def step(s: Step) -> dict[str, Any]:
        return {
            "date": s.day.isoformat(),
            "activity": s.activity,
            "event": s.event,
            "event_label": s.event_label,
            "from_state_label": s.from_label,
            "to_state_label": s.to_label,
            "session": s.session_key,
            "document": s.document,
            "note": site.note(s),
            "moved": None
            if s.moved is None
            else {"event_label": s.moved.event_label, "from": s.moved.before, "to": s.moved.after},
        }

    def activity(a: ActivityReport) -> dict[str, Any]:
        return {
            "key": a.key,
            "number": a.number,
            "title": a.title,
            "kind_label": a.kind_label,
            "state": a.state,
            "state_label": a.state_label,
            "status": a.status,
            "serves": [f"{m}/{p}" for m, _symbol, p in site.serves.get(a.key, [])],
            "milestones": [
                {
                    "month": p.month,
                    "session": p.session_key,
                    "event_label": p.event_label,
                    "text": p.text,
                    "due": p.due.isoformat(),
                    "done_on": day(p.done_on),
                    "late": p.late,
                }
                for p in a.planned
            ],
            "next_milestone": None
            if a.next is None
            else {"month": a.next.month, "session": a.next.session_key, "late": a.next.late},
            "steps_left": a.path,
            "steps": [step(s) for s in a.steps],
        }

    return {
        "format": FORMAT,
        "plan": r.plan,
        "title": r.title,
        "body": site.summary["body"],
        "period": {"start": r.period_start, "end": r.period_end},
        "general_assembly": r.general_assembly,
        "timezone": r.timezone,
        "as_of": r.as_of.isoformat(),
        "counts": r.counts,
        "notes_published": r.publish_notes,
        "mandates": [
            {
                "key": m.key,
                "symbol": m.symbol,
                "title": m.title,
                "paragraphs": [
                    {
                        "number": p.number,
                        "text": p.text,
                        "activities": [a.key for a in p.activities],
                    }
                    for p in m.paragraphs
                ],
            }
            for m in r.mandates
        ],
        "activities": [activity(a) for a in r.activities],
        "sessions": [
            {
                "key": s.key,
                "month": s.month,
                "date": day(s.date),
                "kind": s.kind,
                "title": s.title,
                "held_on": day(s.held_on),
                "status": s.status(r.as_of),
                "agenda": [
                    {
                        "activity": i.activity,
                        "text": i.text,
                        "event_label": i.event_label,
                        "month": i.month,
                        "done_on": day(i.done_on),
                        "outcome": site.outcome(s, i),
                    }
                    for i in s.agenda
                ],
            }
            for s in r.sessions
        ],
        "documents": [
            {
                "symbol": d.symbol,
                "activity": d.step.activity,
                "event": d.step.event,
                "date": d.step.day.isoformat(),
                "session": d.step.session_key,
            }
            for d in site.documents
        ],
    }


# --- rendering ------------------------------------------------------------------------


class _Both:
    """The site's catalog first, then the report's: fixed texts the two share are not copied."""

    def __init__(self, first: Any, second: Any) -> None:
        self.first, self.second = first, second

    def gettext(self, message: str) -> str:
        found: str = self.first.gettext(message)
        return found if found != message else str(self.second.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found: str = self.first.ngettext(singular, plural, n)
        if found not in (singular, plural):
            return found
        return str(self.second.ngettext(singular, plural, n))

    def pgettext(self, context: str, message: str) -> str:
        found: str = self.first.pgettext(context, message)
        return found if found != message else str(self.second.pgettext(context, message))

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        found: str = self.first.npgettext(context, singular, plural, n)
        if found not in (singular, plural):
            return found
        return str(self.second.npgettext(context, singular, plural, n))


# The report's words for an activity's status (report.po, context "activity").
_STATUS_WORDS = {
    "completed": "Completed",
    "on_schedule": "On schedule",
    "behind": "Behind plan",
    "postponed": "Postponed",
    "withdrawn": "Withdrawn",
}


class Words:
    """The helpers pages call thousands of times, in one language: Python, not macros.

    Each returns markup with every value escaped.
    """

    def __init__(self, lang: str, gettext: Callable[[str], str], pgettext: Any) -> None:
        from markupsafe import Markup

        self.lang = lang
        self.markup = Markup
        # The environment's gettext (catalog text as markup) and its `day` filter, once made.
        self.gettext: Callable[..., Any] = lambda message: Markup(gettext(message))
        self.day: Callable[..., str] = lambda value: value.isoformat()
        self.in_english = Markup(' <span class="fallback">{}</span>').format(
            gettext("(in English)")
        )
        self.reached = gettext("Reached on %(date)s")
        self.pending = gettext("Pending")
        self.not_reached = gettext("Not reached")
        self.statuses = {
            status: Markup('<span class="badge status-{}">{}</span>').format(
                status, pgettext("activity", word)
            )
            for status, word in _STATUS_WORDS.items()
        }

    def table(self, id: str, caption: str, cls: str = "") -> Any:
        """A table's opening: in a scroll container of its own (keyboard-scrollable, named
        by its caption). The template closes it with `</table></div>`."""
        id, caption = escape(id), escape(caption)
        wrapper = (
            f'<div class="table-wrap" role="region" aria-labelledby="{id}-caption" tabindex="0">'
        )
        also = f' class="{escape(cls)}"' if cls else ""
        return self.markup(
            f'{wrapper}\n<table id="{id}"{also}>\n<caption id="{id}-caption">{caption}</caption>\n'
        )

    def chrome(self, page: "Page") -> tuple[Any, Any]:
        """What every page's head and header say of its languages: the `hreflang`
        alternates, and the language switcher (the same page in each language)."""
        from cam_tracker.core.i18n import language_name

        alternates = "".join(
            f'<link rel="alternate" hreflang="{escape(lang)}" href="{escape(href)}">\n'
            for lang, href in page.alternates
        )
        items = []
        for lang in page.langs:
            name = escape(language_name(lang))
            if lang == page.lang:
                items.append(f'<li><span aria-current="page" lang="{lang}">{name}</span></li>\n')
            else:
                href = escape(page.in_language(lang))
                items.append(
                    f'<li><a href="{href}" hreflang="{lang}" lang="{lang}">{name}</a></li>\n'
                )
        return self.markup(alternates), self.markup("".join(items))

    def languages(self, codes: list[str] | tuple[str, ...]) -> str:
        """The languages a document exists in, by their own names."""
        from cam_tracker.core.i18n import language_name

        return ", ".join(language_name(code) for code in codes)

    def text(self, labels: Labels | str | None) -> Any:
        """A text of the plan in this language, else in English marked as such."""
        if not labels:
            return ""
        if isinstance(labels, str):
            return labels
        own = labels.get(self.lang)
        if own:
            return own
        return self.english(labels.get("en", ""))

    def english(self, text: str) -> Any:
        """A text given in English only (an operative paragraph, an untranslated title)."""
        if self.lang == "en":
            return text
        return self.markup('<span lang="en">{}</span>').format(text) + self.in_english

    def badge(self, status: str) -> Any:
        return self.statuses[status]

    def outcome(self, code: str, done_on: dt.date | None) -> Any:
        """What became of an agenda item (`PlanSite.outcome`)."""
        from cam_tracker.core.i18n import day

        if code == "reached":
            text = self.reached % {"date": day(done_on, self.lang)}
            return self.markup('<span class="outcome reached">{}</span>').format(text)
        if code == "pending":
            return self.markup('<span class="outcome pending">{}</span>').format(self.pending)
        if code == "not_reached":
            return self.markup('<span class="outcome not-reached">{}</span>').format(
                self.not_reached
            )
        return "—"


@dataclass(frozen=True)
class Links:
    """Links from one page to a plan's sessions and activities."""

    page: Page
    site: "PlanSite"
    words: Words
    # What each step decided, in the report's words (`Renderer.plan`), by its number.
    decisions: dict[int, Any] = field(default_factory=dict)

    def session(self, key: str | None) -> Any:
        titles = self.site.session_titles
        if not key or key not in titles:
            return "—"
        cache = self.site.link_cache
        found = cache.get((self.page.lang, self.page.root, "s", key))
        if found is None:
            href = self.page.href(Paths.session(self.page.lang, self.site.name, key))
            found = cache[(self.page.lang, self.page.root, "s", key)] = self.words.markup(
                f'<a href="{escape(href)}">{escape(self.words.text(titles[key]))}</a>'
            )
        return found

    def activity(self, key: str, number: str, title: Labels) -> Any:
        cache = self.site.link_cache
        found = cache.get((self.page.lang, self.page.root, "a", key))
        if found is None:
            href = self.page.href(Paths.activity(self.page.lang, self.site.name, key))
            text = f"{escape(number)}. {escape(self.words.text(title))}"
            found = cache[(self.page.lang, self.page.root, "a", key)] = self.words.markup(
                f'<a href="{escape(href)}">{text}</a>'
            )
        return found

    def outcome(self, code: str, item: AgendaItem) -> Any:
        return self.words.outcome(code, item.done_on)

    def document(self, symbol: str, entry: Any) -> Any:
        """A document's symbol, a link to where it is published when the register says so
        (an address `PlanSite.safe_link` accepts; any other is not linked)."""
        url = PlanSite.safe_link(getattr(entry, "url", None)) if entry is not None else None
        if url is None:
            return escape(symbol)
        return self.words.markup(
            f'<a class="external" href="{escape(url)}" rel="noopener noreferrer">'
            f"{escape(symbol)}</a>"
        )

    def step_rows(self, steps: list[Step]) -> Any:
        """The rows of an activity's steps (`activity.html.j2` gives the table around them):
        date, what was decided, the state reached, the session, the document and, where
        the plan publishes them, the note. Python, not a template loop: ten thousand
        activities' steps, in every language."""
        words, site = self.words, self.site
        day, notes = words.day, site.report.publish_notes
        rows = []
        for st in steps:
            document = self.document(st.document, site.entry(st.document)) if st.document else "—"
            note = f'<td class="note">{escape(site.note(st) or "")}</td>' if notes else ""
            rows.append(
                f'<tr id="step-{escape(st.ref[:16])}" data-event="{escape(st.event)}">'
                f'<th scope="row" class="date">{escape(day(st.day))}</th>'
                f"<td>{escape(self.decisions[st.number])}</td>"
                f"<td>{escape(words.text(st.to_label))}</td>"
                f"<td>{escape(self.session(st.session_key))}</td>"
                f'<td class="symbol">{document}</td>{note}</tr>\n'
            )
        return words.markup("".join(rows))

    def crumbs(self, *trail: tuple[str | None, Any]) -> Any:
        """The breadcrumbs: the committees, then the pages above this one (the last, this
        page, without a link)."""
        gettext, page = self.words.gettext, self.page
        items = [
            f'<nav class="breadcrumbs wrap" aria-label="{gettext("Breadcrumbs")}">\n<ol>\n'
            f'<li><a href="{escape(page.href(Paths.home(page.lang)))}">'
            f"{gettext('Committees')}</a></li>\n"
        ]
        for href, label in trail:
            if href:
                items.append(f'<li><a href="{escape(href)}">{escape(label)}</a></li>\n')
            else:
                items.append(f'<li><span aria-current="page">{escape(label)}</span></li>\n')
        items.append("</ol>\n</nav>")
        return self.words.markup("".join(items))

    def plan_links(self) -> Any:
        """The plan's feeds and data, offered on its pages (the same on every page of a depth)."""
        cache, page, name = self.site.link_cache, self.page, self.site.name
        key = (page.lang, page.root, "feeds", "")
        found = cache.get(key)
        if found is None:
            gettext = self.words.gettext
            rows = [
                (Paths.feed(page.lang, name), "application/atom+xml", "Steps as an Atom feed"),
                (Paths.calendar(page.lang, name), "text/calendar", "Calendar of sessions (.ics)"),
                (Paths.data(name), "application/json", "The data as JSON"),
            ]
            found = cache[key] = self.words.markup(
                '<ul class="feeds">\n'
                + "".join(
                    f'<li><a href="{escape(page.href(target))}" type="{kind}">{gettext(text)}</a>'
                    "</li>\n"
                    for target, kind, text in rows
                )
                + "</ul>"
            )
        return found


def _environment(lang: str, bytecode: Any) -> Any:
    from markupsafe import Markup

    from cam_tracker.core import i18n
    from cam_tracker.core.i18n import environment, translations

    templates = data_dir("templates")
    env = environment(lang, DOMAIN, [templates], html=True)
    env.bytecode_cache = i18n.by_language(bytecode, lang)
    env.auto_reload = False  # one run: no template changes under it, no stat per page
    both = _Both(translations(lang, DOMAIN), translations(lang, CATALOG))
    env.install_gettext_translations(both, newstyle=True)  # type: ignore[attr-defined]
    words = Words(lang, both.gettext, both.pgettext)
    translated: dict[str, Markup] = {}

    def gettext(message: str, **variables: Any) -> Markup:
        """The catalogs' text (trusted), its variables escaped: what newstyle gettext does,
        without a context lookup per call (pages call it tens of thousands of times)."""
        text = translated.get(message)
        if text is None:
            text = translated[message] = Markup(both.gettext(message))
        return text % variables if variables else text

    words.gettext = gettext
    env.globals["_"] = env.globals["gettext"] = gettext
    # Fixed texts in the page's language when a template is compiled (cached per language).
    env.add_extension(i18n.fixed_texts(gettext))
    env.globals["table"] = words.table
    env.globals["statuses"] = STATUSES
    env.globals["Paths"] = Paths
    env.globals["lang_name"] = i18n.language_name
    env.globals["slug"] = slug
    env.globals["badge"] = words.badge
    env.globals["words"] = words
    env.filters["rfc3339"] = _rfc3339
    env.filters["t"] = words.text
    env.filters["english"] = words.english
    # The same few hundred days and months, formatted thousands of times: once each.
    cache = functools.lru_cache(maxsize=4096)
    env.filters.update(
        day=cache(lambda value, style="long": i18n.day(value, lang, style)),
        month=cache(lambda value: i18n.month(value, lang)),
        when=cache(lambda value: i18n.when(value, lang)),
    )
    words.day = env.filters["day"]
    return env


def _rfc3339(moment: dt.datetime | None) -> str:
    if moment is None:
        return "1970-01-01T00:00:00Z"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# The templates a plan's pages are made from (under templates/).
_PAGES = (
    "site/plan.html.j2",
    "site/activity.html.j2",
    "site/session.html.j2",
    "site/steps.atom.j2",
    "site/base.html.j2",
    "site/macros.html.j2",
)


class Renderer:
    """Renders pages in every language; each language's environment is made once."""

    def __init__(
        self, langs: tuple[str, ...], base_url: str | None, calendar: "CalendarFeed"
    ) -> None:
        from cam_tracker.core.i18n import shared_bytecode_cache

        self.langs = langs
        self.base_url = base_url
        self.calendar = calendar
        self._envs: dict[str, Any] = {}
        self._bytecode = shared_bytecode_cache()
        self._decisions: dict[int, Any] = {}

    def env(self, lang: str) -> Any:
        if lang not in self._envs:
            self._envs[lang] = _environment(lang, self._bytecode)
        return self._envs[lang]

    def warm(self) -> None:
        """Load every environment and template and the libraries pages need, once, before
        workers are forked: each inherits them instead of loading them again."""
        from cam_tracker.reports import chart  # noqa: F401

        for lang in self.langs:
            env = self.env(lang)
            for name in (*_PAGES, "report_macros.j2"):
                env.get_template(name)

    def page(self, lang: str, path: str) -> Page:
        return Page(lang, path, self.base_url, self.langs)

    def html(self, template: str, lang: str, path: str, **context: Any) -> bytes:
        page = self.page(lang, path)
        env = self.env(lang)
        site = context.get("s")
        links = (
            Links(page, site, env.globals["words"], self._decisions) if site is not None else None
        )
        alternates, switcher = env.globals["words"].chrome(page)
        text: str = env.get_template(template).render(
            page=page,
            langs=self.langs,
            L=links,
            D=self._decisions,
            alternates=alternates,
            switcher=switcher,
            **context,
        )
        return text.encode("utf-8")

    def plan(self, site: PlanSite, langs: tuple[str, ...] | None = None) -> dict[str, bytes]:
        """Every file of one plan in every language (or in `langs`: then without its data)."""
        from markupsafe import Markup

        from cam_tracker.core.settings import ReminderSettings
        from cam_tracker.reports.chart import timeline_svg

        r, name = site.report, site.name
        files: dict[str, bytes] = {}
        settings = ReminderSettings()
        stamp = r.changed_at or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        for lang in self.langs if langs is None else langs:
            # What each step decided, in the report's words: told on several pages, made once.
            macros = self.env(lang).get_template("report_macros.j2").module
            self._decisions = {step.number: macros.decision(step) for step in r.log}
            # The report's own chart: autoescaped SVG, labelled by its title and description.
            chart = Markup(timeline_svg(r, lang)) if r.activities else None
            path = Paths.plan(lang, name)
            files[path] = self.html("site/plan.html.j2", lang, path, s=site, r=r, chart=chart)
            for activity in r.activities:
                path = Paths.activity(lang, name, activity.key)
                files[path] = self.html(
                    "site/activity.html.j2", lang, path, s=site, r=r, a=activity
                )
            for session in r.sessions:
                path = Paths.session(lang, name, session.key)
                stored = site.meetings.get(session.key)
                files[path] = self.html(
                    "site/session.html.j2",
                    lang,
                    path,
                    s=site,
                    r=r,
                    meeting=session,
                    venue=[
                        part
                        for part in ((stored.room, stored.building, stored.city) if stored else ())
                        if part
                    ],
                    join=site.safe_link(stored.link) if stored else None,
                    programme=(stored.programme or []) if stored else [],
                )
            whole, each = self.calendar(site.snap, list(site.snap.sessions), settings, lang, stamp)
            for session in r.sessions:
                if session.key in each:
                    files[Paths.session_ics(lang, name, session.key)] = each[session.key]
            files[Paths.calendar(lang, name)] = whole
            path = Paths.feed(lang, name)
            files[path] = self.html(
                "site/steps.atom.j2", lang, path, s=site, r=r, entries=self._entries(site, lang)
            )
        if langs is None:
            files[Paths.data(name)] = _data(site)
        return files

    def _entries(self, site: PlanSite, lang: str) -> Any:
        """The feed's entries, newest first: Python, not a template loop (a finished plan
        has hundreds of steps, in every language), every value escaped."""
        from markupsafe import Markup

        r, name = site.report, site.name
        env = self.env(lang)
        page = self.page(lang, Paths.feed(lang, name))
        day, text = env.filters["day"], env.filters["local"]
        gettext = env.globals["gettext"]
        session_word, document_word = gettext("Session"), gettext("Document")
        note_word = gettext("Note")
        year = escape(r.period_start[:4])
        plan = escape(name)
        parts: list[str] = []
        for st in reversed(r.log):
            summary = [escape(day(st.day)), ": ", escape(text(st.from_label)), " → "]
            summary.append(escape(text(st.to_label)))
            if st.session:
                summary += ["; ", session_word, ": ", escape(text(st.session))]
            if st.document:
                summary += ["; ", document_word, ": ", escape(st.document)]
            if r.publish_notes and st.note:
                summary += ["; ", note_word, ": ", escape(st.note)]
            href = page.link(Paths.activity(lang, name, st.activity), "step-" + st.ref[:16])
            parts += [
                f"<entry>\n<id>tag:cam-tracker,{year}:{plan}:step:{escape(st.ref[:32])}</id>\n",
                f"<title>{escape(st.activity_number)}. {escape(text(st.activity_title))}: ",
                f"{escape(self._decisions[st.number])}</title>\n",
                f"<updated>{_rfc3339(st.at)}</updated>\n",
                f'<link rel="alternate" type="text/html" href="{escape(href)}"/>\n',
                f"<summary>{''.join(summary)}</summary>\n</entry>\n",
            ]
        return Markup("".join(parts))

    def plan_side_by_side(self, site: PlanSite) -> dict[str, bytes]:
        """`plan`, its languages rendered on every processor (forked workers).

        A republish after one step renders a single plan: this is most of its time.
        """
        global _LANGUAGES
        workers = min(len(self.langs), os.cpu_count() or 1, 4)
        if workers < 2 or "fork" not in _start_methods():
            return self.plan(site)
        import multiprocessing

        _LANGUAGES = (self, site)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_render_language, self.langs)
        finally:
            _LANGUAGES = None
        files = {Paths.data(site.name): _data(site)}
        for part in parts:
            files.update(part)
        return files

    def site(self, summaries: list[dict[str, Any]]) -> dict[str, bytes]:
        """The pages that list every plan: the languages, the committees in each language."""
        files = {"style.css": (data_dir("templates") / "site" / "style.css").read_bytes()}
        bodies = _bodies(summaries)
        files["index.html"] = self.html("site/root.html.j2", self.langs[0], "index.html")
        for lang in self.langs:
            path = Paths.home(lang)
            # The report's headings of the statuses: told on every plan's card, made once.
            macros = self.env(lang).get_template("report_macros.j2").module
            headings = {status: macros.status_heading(status) for status in STATUSES}
            files[path] = self.html(
                "site/home.html.j2", lang, path, bodies=bodies, headings=headings
            )
        return files


def _bodies(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The committees, each with its plans by period (latest first), in a stable order."""
    found: dict[str, dict[str, Any]] = {}
    for summary in summaries:
        body = summary["body"]
        key = body["short"] or local(body["name"], "en")
        entry = found.setdefault(
            key,
            {
                "id": "body-" + slug(re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") or "x"),
                **body,
                "plans": [],
            },
        )
        entry["plans"].append(summary)
    for entry in found.values():
        entry["plans"].sort(key=lambda s: (s["period"][0], s["plan"]), reverse=True)
    return sorted(found.values(), key=lambda b: (local(b["name"], "en").casefold(), b["id"]))


# --- what changed: fingerprints --------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _code_version() -> str:
    """What the output depends on besides the data: this release's code, templates, catalogs.

    Every module of the package counts (the pages come from the report's data, its
    chart, the calendars, the dates' rules…), so an upgrade renders every plan again.
    """
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    sources = sorted(package.rglob("*.py"))
    sources += sorted(data_dir("templates").rglob("*.j2"))  # style.css: not a plan's
    sources += sorted(data_dir("locale").glob("*/*.po"))
    sources += sorted(data_dir("workflows").glob("*.yaml"))
    for source in sources:
        if source.is_file():
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Options:
    """What was asked for: the same options on the same data give the same site."""

    plan: str | None
    as_of: str | None
    base_url: str | None
    langs: tuple[str, ...]

    def key(self) -> str:
        return json.dumps([self.plan, self.as_of, self.base_url, list(self.langs), _code_version()])


def _today(zone: str, options: Options) -> str:
    if options.as_of is not None:
        return options.as_of
    return dates.local_day(dates.utcnow(), zone).isoformat()


def fingerprints(
    db: "Session",
    plans: list["models.Plan"],
    options: Options,
    officers: dict[str, list[dict[str, Any]]] | None = None,
) -> tuple[str, dict[str, str]]:
    """A key for the whole site and one per plan, from a handful of aggregate queries.

    A step, a session recorded, moved or given its time and place, a document
    registered or changed, a plan reloaded or a new day (a plan's statuses
    depend on the date) each change the key of the plans concerned; the
    officers (`officers_of`), shown on the committees' pages only, the whole key.
    """
    from sqlalchemy import String, cast, func
    from sqlalchemy import select as core_select
    from sqlmodel import col, select

    from cam_tracker.store import models

    ids = [p.id for p in plans]
    head = db.exec(select(models.ChainHead.last_hash, models.ChainHead.length)).first()
    history = {
        plan_id: (count, last)
        for plan_id, count, last in db.exec(
            select(
                models.Activity.plan_id,
                func.count(col(models.History.id)),
                func.max(models.History.id),
            )
            .join(models.Activity, col(models.Activity.id) == col(models.History.activity_id))
            .where(col(models.Activity.plan_id).in_(ids))
            .group_by(col(models.Activity.plan_id))
        )
    }
    sessions: dict[int, list[Any]] = {}
    for row in db.connection().execute(
        core_select(
            col(models.Meeting.plan_id),
            col(models.Meeting.key),
            col(models.Meeting.month),
            col(models.Meeting.date),
            col(models.Meeting.held_on),
            col(models.Meeting.removed),
            col(models.Meeting.start_time),
            col(models.Meeting.end_time),
            col(models.Meeting.room),
            col(models.Meeting.building),
            col(models.Meeting.city),
            col(models.Meeting.modality),
            col(models.Meeting.link),
            cast(col(models.Meeting.programme), String),
        )
        .where(col(models.Meeting.plan_id).in_(ids))
        .order_by(col(models.Meeting.id))
    ):
        sessions.setdefault(row[0], []).append([str(v) for v in row[1:]])
    # The register: an entry added or changed (title, address, status…) shows on the pages.
    documents: dict[int, list[Any]] = {}
    for entry in db.connection().execute(
        core_select(
            col(models.Document.plan_id),
            col(models.Document.symbol),
            # As stored (JSON text): compared, never read, so not decoded.
            cast(col(models.Document.title), String),
            col(models.Document.date),
            cast(col(models.Document.languages), String),
            col(models.Document.url),
            col(models.Document.status),
        )
        .where(col(models.Document.plan_id).in_(ids))
        .order_by(col(models.Document.id))
    ):
        documents.setdefault(entry[0], []).append([str(v) for v in entry[1:]])
    common = options.key()
    per_plan = {}
    for plan in plans:
        assert plan.id is not None
        content = [
            common,
            plan.name,
            plan.digest,
            str(plan.loaded_at),
            plan.publish_notes,
            _today(plan.timezone, options),
            list(history.get(plan.id, (0, 0))),
            sessions.get(plan.id, []),
            documents.get(plan.id, []),
        ]
        per_plan[plan.name] = hashlib.sha256(json.dumps(content).encode()).hexdigest()
    whole = hashlib.sha256(
        json.dumps(
            [common, list(head) if head else None, sorted(per_plan.items()), officers]
        ).encode()
    ).hexdigest()
    return whole, per_plan


def officers_of(db: "Session", plans: list["models.Plan"]) -> dict[str, list[dict[str, Any]]]:
    """Each plan's chair and vice chair, by name: the plan's own (its file's `people:`),
    else its body's current one (`cam people add --body`, no end date). People removed
    from the store are not shown. Read afresh at every publish (one query): the
    committees' pages show them."""
    from sqlmodel import col, select

    from cam_tracker.store import models

    roles = ("chair", "vice_chair")
    bodies = {p.body_id for p in plans if p.body_id is not None}
    ids = [p.id for p in plans]
    own: dict[tuple[int, str], list[dict[str, Any]]] = {}
    body_wide: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for membership, person in db.exec(
        select(models.Membership, models.Person)
        .join(models.Person, col(models.Person.id) == col(models.Membership.person_id))
        .where(col(models.Membership.role).in_(roles))
        .where(col(models.Person.removed).is_(False))
        .where(
            col(models.Membership.plan_id).in_(ids)
            | (
                col(models.Membership.plan_id).is_(None)
                & col(models.Membership.body_id).in_(bodies)
            )
        )
        .order_by(col(models.Membership.id))
    ):
        officer = {
            "role": membership.role,
            "name": person.name,
            "title": person.title,
            "country": person.country,
        }
        if membership.plan_id is not None:
            own.setdefault((membership.plan_id, membership.role), []).append(officer)
        elif membership.until is None:
            body_wide.setdefault((membership.body_id, membership.role), []).append(officer)
    found: dict[str, list[dict[str, Any]]] = {}
    for plan in plans:
        assert plan.id is not None
        found[plan.name] = [
            officer
            for role in roles
            for officer in own.get((plan.id, role))
            or (body_wide.get((plan.body_id, role), []) if plan.body_id is not None else [])
        ]
    return found


# --- the tree on disk -------------------------------------------------------------------


@dataclass
class Previous:
    """The tree DIR points at now, and what its manifest says."""

    root: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def plans(self) -> dict[str, Any]:
        plans: dict[str, Any] = self.manifest.get("plans", {})
        return plans

    @property
    def files(self) -> dict[str, str]:
        files: dict[str, str] = self.manifest.get("files", {})
        return files


def _previous(output: Path) -> Previous:
    """What DIR holds: nothing yet, or a symlink to a published tree beside it."""
    if not output.exists() and not output.is_symlink():
        return Previous()
    if not output.is_symlink():
        if output.is_dir() and not any(output.iterdir()):
            return Previous()
        raise InvalidInput(
            f"{output} exists and is not a published site (a link to {output.name}.<stamp>): "
            "name a new directory or remove it",
            fields=("output",),
        )
    target = os.readlink(output)
    match = _TREE.match(target)
    if "/" in target or match is None or match["name"] != output.name or match["partial"]:
        raise InvalidInput(
            f"{output} links to {target!r}, not to a site published here", fields=("output",)
        )
    root = output.parent / target
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    if manifest.get("format") != FORMAT:
        manifest = {}
    return Previous(root if root.is_dir() else None, manifest)


@contextmanager
def _locked(output: Path) -> Iterator[None]:
    """One publisher at a time per DIR (a lock file beside it)."""
    import fcntl

    lock = output.parent / f".{output.name}.lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stamp(parent: Path, name: str) -> str:
    stamp = dates.utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    candidate, number = stamp, 0
    while (parent / f"{name}.{candidate}").exists() or (
        parent / f"{name}.{candidate}.partial"
    ).exists():
        number += 1
        candidate = f"{stamp}-{number}"
    return candidate


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _plan_file(path: str, name: str) -> str:
    """Where a plan's file (a path from the site's root) lies in the plan's own directory."""
    first, rest = path.split("/", 1)
    prefix = slug(name) + "/"
    if not rest.startswith(prefix):
        raise AssertionError(f"{path} is not a file of plan {name}")
    return f"{first}/{rest[len(prefix) :]}"


@dataclass
class Writer:
    """Writes files under `root`; one whose bytes `previous` has at the same place is linked.

    Paths are strings relative to `root`: tens of thousands of files go through here.
    """

    root: str
    previous: str | None = None
    previous_shas: dict[str, str] = field(default_factory=dict)
    shas: dict[str, str] = field(default_factory=dict)
    written: int = 0
    linked: int = 0
    _dirs: set[str] = field(default_factory=set)

    def put(self, path: str, content: bytes) -> None:
        target = os.path.join(self.root, path)
        parent = os.path.dirname(target)
        if parent not in self._dirs:
            os.makedirs(parent, exist_ok=True)
            self._dirs.add(parent)
        sha = _sha(content)
        self.shas[path] = sha
        if self.previous is not None and self.previous_shas.get(path) == sha:
            try:
                os.link(os.path.join(self.previous, path), target)
                self.linked += 1
                return
            except OSError:
                pass
        # Never write through a link: the file may be an earlier tree's, which readers see.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        with open(target, "wb") as handle:
            handle.write(content)
        self.written += 1


@dataclass
class Done:
    """One plan rendered into its own directory: its files and what the committees' page says."""

    name: str
    directory: str
    summary: dict[str, Any]
    shas: dict[str, str]
    written: int
    linked: int


@dataclass(frozen=True)
class Job:
    """One plan to render: where its directory goes, and the one it had before (if any).

    It holds the plan as read; the report's data is made from it where the plan is
    rendered (a worker), so the reading process only reads.
    """

    snap: "Snapshot"
    directory: Path
    previous: Path | None
    previous_shas: dict[str, str]


def _render_one(renderer: Renderer, job: Job, alone: bool = False) -> Done:
    """Render one plan into `<directory>.partial`, then rename it: whole or not at all.

    `alone`: the only plan to render, its languages side by side.
    """
    partial = job.directory.with_name(job.directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    writer = Writer(
        str(partial),
        str(job.previous) if job.previous is not None else None,
        job.previous_shas,
    )
    from cam_tracker.reports.gather import from_snapshot

    site = PlanSite(from_snapshot(job.snap), job.snap)
    name = site.name
    files = renderer.plan_side_by_side(site) if alone else renderer.plan(site)
    for path, content in files.items():
        writer.put(_plan_file(path, name), content)
    shutil.rmtree(job.directory, ignore_errors=True)
    partial.rename(job.directory)
    return Done(name, job.directory.name, site.summary, writer.shas, writer.written, writer.linked)


# What forked workers render: set just before the fork, so that they inherit it.
_WORK: tuple[Renderer, list[Job]] | None = None
_LANGUAGES: tuple[Renderer, PlanSite] | None = None


def _data(site: PlanSite) -> bytes:
    text = json.dumps(plan_json(site), ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def _render_language(lang: str) -> dict[str, bytes]:
    assert _LANGUAGES is not None
    renderer, site = _LANGUAGES
    return renderer.plan(site, (lang,))


def _render_forked(index: int) -> Done:
    assert _WORK is not None
    renderer, jobs = _WORK
    return _render_one(renderer, jobs[index])


class _Rendering:
    """Plans being rendered, on every processor when there are several plans and processors.

    Laying out charts and filling templates is pure computation: forked workers
    inherit the plans already read (no query in a worker), write their plan's
    directory and send back only hashes. While they work, the caller reads the
    next plans. One plan, or one processor: in this process, when asked for results.
    """

    def __init__(self, renderer: "Renderer", jobs: list[Job]) -> None:
        global _WORK
        self.renderer, self.jobs = renderer, jobs
        self.pool: Any = None
        workers = min(len(jobs), os.cpu_count() or 1, 4)
        if workers >= 2 and "fork" in _start_methods():
            import multiprocessing

            _WORK = (renderer, jobs)
            # What the workers inherit stays out of their collector's sight: collecting
            # would write to every inherited object, copying the pages they share.
            gc.freeze()
            try:
                # The workers are forked here, each with this batch: the next may be read now.
                self.pool = multiprocessing.get_context("fork").Pool(workers)
                self.results = self.pool.imap_unordered(_render_forked, range(len(jobs)))
            finally:
                _WORK = None
                gc.unfreeze()

    def done(self) -> Iterator[Done]:
        if self.pool is None:
            for job in self.jobs:
                yield _render_one(self.renderer, job, alone=len(self.jobs) == 1)
            return
        try:
            yield from self.results
        finally:
            self.pool.terminate()
            self.pool.join()


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


@dataclass
class Published:
    """What a publish did."""

    output: Path
    tree: Path | None
    plans: int
    rendered: list[str]
    files: int
    written: int
    linked: int
    unchanged: bool = False


def publish(
    ws: "Workspace",
    output: Path,
    *,
    calendar: "CalendarFeed",
    plan_name: str | None = None,
    as_of: str | None = None,
    base_url: str | None = None,
) -> Published:
    """Publish the site of every plan in the store (or one) into DIR, atomically.

    `calendar` writes the sessions' iCalendar files (the CLI passes `reminders.ics.feeds`).
    """
    from cam_tracker.core.dates import parse_day

    if as_of is not None:
        as_of = parse_day(as_of, "as_of").isoformat()
    options = Options(plan_name, as_of, check_base_url(base_url), languages())
    output = Path(os.path.abspath(output))
    if not output.parent.is_dir():
        raise InvalidInput(f"cannot publish into {output}: no directory {output.parent}")
    # One-shot commands run without the cyclic collector (see __main__); a publish renders
    # tens of thousands of pages one after another, so it runs with it: whatever cycles
    # rendering leaves are freed as it goes (the bench measures its peak memory so).
    collecting = gc.isenabled()
    gc.enable()
    try:
        with _locked(output), ws.session() as db:
            return _publish(db, ws, output, options, calendar)
    finally:
        if not collecting:
            gc.disable()


def _plans_root(output: Path) -> Path:
    """Where the plans' directories lie: DIR.plans/<plan>.<fingerprint>/ beside DIR."""
    return output.parent / f"{output.name}.plans"


def _publish(
    db: "Session", ws: "Workspace", output: Path, options: Options, calendar: "CalendarFeed"
) -> Published:
    from sqlmodel import col, select

    from cam_tracker.app import snapshot as schedule
    from cam_tracker.store import models

    if options.plan is not None:
        plans = [ws.plan(db, options.plan)]
    else:
        plans = list(db.exec(select(models.Plan).order_by(col(models.Plan.name))))
        if not plans:
            raise InvalidInput("no plan in the store: load one first (cam plan load)")
    previous = _previous(output)
    officers = officers_of(db, plans)
    whole, per_plan = fingerprints(db, plans, options, officers)
    if previous.root is not None and previous.manifest.get("key") == whole:
        return Published(output, previous.root, len(plans), [], 0, 0, 0, unchanged=True)

    parent, name = output.parent, output.name
    plans_root = _plans_root(output)
    plans_root.mkdir(exist_ok=True)
    stamp = _stamp(parent, name)
    partial = parent / f"{name}.{stamp}.partial"
    partial.mkdir()
    try:
        summaries: dict[str, Any] = {}
        manifest_plans: dict[str, Any] = {}
        todo: list[models.Plan] = []
        for plan in plans:
            before = previous.plans.get(plan.name)
            fingerprint = per_plan[plan.name]
            if (
                before is not None
                and before.get("fingerprint") == fingerprint
                and (plans_root / before["dir"]).is_dir()
            ):
                summaries[plan.name] = before["summary"]
                manifest_plans[plan.name] = before
            else:
                todo.append(plan)
        renderer = Renderer(options.langs, options.base_url, calendar)
        if len(todo) > 1:
            renderer.warm()
        as_of_day = dt.date.fromisoformat(options.as_of) if options.as_of else None
        written = linked = 0
        under_way: _Rendering | None = None

        def finish(rendering: _Rendering) -> None:
            nonlocal written, linked
            for done in rendering.done():
                summaries[done.name] = done.summary
                written, linked = written + done.written, linked + done.linked
                manifest_plans[done.name] = {
                    "fingerprint": per_plan[done.name],
                    "summary": done.summary,
                    "dir": done.directory,
                    "files": done.shas,
                }

        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            jobs = []
            for snap in schedule.snapshots(
                db, batch, as_of_day, include_removed=True, with_revisions=True
            ):
                plan_name = snap.plan.name
                before = previous.plans.get(plan_name) or {}
                old = plans_root / before["dir"] if before.get("dir") else None
                jobs.append(
                    Job(
                        snap,
                        plans_root / f"{slug(plan_name)}.{per_plan[plan_name][:16]}",
                        old if old is not None and old.is_dir() else None,
                        before.get("files", {}),
                    )
                )
            # This batch was read while the one before was rendered: now wait for that one.
            if under_way is not None:
                finish(under_way)
            under_way = _Rendering(renderer, jobs)
        if under_way is not None:
            finish(under_way)
        writer = Writer(
            str(partial),
            str(previous.root) if previous.root is not None else None,
            previous.files,
        )
        cards = [{**summaries[p.name], "officers": officers[p.name]} for p in plans]
        for path, content in renderer.site(cards).items():
            writer.put(path, content)
        for plan in plans:
            directory = manifest_plans[plan.name]["dir"]
            for lang in (*options.langs, "data"):
                link = partial / lang / slug(plan.name)
                link.parent.mkdir(exist_ok=True)
                link.symlink_to(f"../../{plans_root.name}/{directory}/{lang}")
        manifest = {"format": FORMAT, "key": whole, "plans": manifest_plans, "files": writer.shas}
        (partial / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        tree = parent / f"{name}.{stamp}"
        partial.rename(tree)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    _swap(output, tree)
    in_use = {d["dir"] for d in manifest_plans.values()}
    in_use |= {d.get("dir") for d in previous.plans.values()}
    _prune(output, keep={tree, *([previous.root] if previous.root else [])}, plans=in_use)
    files = len(writer.shas) + sum(len(d["files"]) for d in manifest_plans.values())
    return Published(
        output,
        tree,
        len(plans),
        [p.name for p in todo],
        files,
        written + writer.written,
        linked + writer.linked,
    )


def _swap(output: Path, tree: Path) -> None:
    """Point DIR at the new tree in one rename: readers see the old tree or the new one."""
    if output.is_dir() and not output.is_symlink():
        output.rmdir()  # an empty directory given as DIR (checked by `_previous`)
    link = output.parent / f".{output.name}.{tree.name}.link"
    link.unlink(missing_ok=True)
    link.symlink_to(tree.name)
    os.replace(link, output)


def _prune(output: Path, keep: set[Path], plans: set[str | None]) -> None:
    """Remove the trees before the previous one, the plans' directories neither uses,
    and whatever a crash left half written."""
    for candidate in output.parent.iterdir():
        match = _TREE.match(candidate.name)
        if match is None or match["name"] != output.name or candidate in keep:
            continue
        if candidate.is_dir() and not candidate.is_symlink():
            shutil.rmtree(candidate, ignore_errors=True)
    plans_root = _plans_root(output)
    for candidate in plans_root.iterdir():
        if candidate.name not in plans and candidate.is_dir() and not candidate.is_symlink():
            shutil.rmtree(candidate, ignore_errors=True)


# --- kept fresh by the scheduler -----------------------------------------------------------


def refresh(database_url: str, output: str, calendar: "CalendarFeed") -> Published | None:
    """Publish again if anything changed since the last publish; None when nothing did.

    The check is `fingerprints` against the manifest of the tree DIR points at:
    a few aggregate queries, and nothing is written when nothing changed.
    """
    from cam_tracker.app.workspace import Workspace

    result = publish(Workspace(database_url=database_url), Path(output), calendar=calendar)
    if result.unchanged:
        return None
    log.info("%s", describe(result))
    return result


def refresher(database_url: str, output: Path, calendar: "CalendarFeed") -> Callable[[], object]:
    """The scheduler's hook: `refresh` of every plan into DIR (DIR checked now, not at a tick)."""
    import functools

    output = Path(os.path.abspath(output))
    if not output.parent.is_dir():
        raise InvalidInput(f"cannot publish into {output}: no directory {output.parent}")
    _previous(output)
    return functools.partial(refresh, database_url, str(output), calendar)


def describe(result: Published) -> str:
    """One line on what a publish did."""
    if result.unchanged:
        return f"site in {result.output} is up to date ({result.plans} plan(s))"
    return (
        f"site published to {result.output} -> {result.tree.name if result.tree else '?'} "
        f"({result.plans} plan(s), {len(result.rendered)} rendered; {result.files} files: "
        f"{result.written} written, {result.linked} unchanged)"
    )


__all__: list[str] = [
    "Page",
    "Paths",
    "PlanSite",
    "Published",
    "check_base_url",
    "describe",
    "plan_json",
    "publish",
    "refresh",
    "refresher",
    "slug",
]
