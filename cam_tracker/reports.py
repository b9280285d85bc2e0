"""The progress report to the General Assembly: gather the data, then render it.

`gather` reads a plan through `schedule.snapshot` (a fixed number of queries,
history after the as-of moment ignored) into language-neutral data; `render`
writes it as Markdown, self-contained HTML with a timeline chart, or PDF, in
any language that has a `report` catalog. Templates are data: `templates/`.
"""

import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from cam_tracker import models, schedule, workflow
from cam_tracker.errors import ConfigError
from cam_tracker.schedule import ActivityView, MilestoneView, month_end
from cam_tracker.tracker import RESCHEDULE

Labels = dict[str, str]
FORMATS = ("md", "html", "pdf")
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}
STATUSES = ("completed", "on_schedule", "behind", "postponed", "withdrawn")
DELAY_EVENTS = ("postpone", RESCHEDULE, "withdraw", "resume")
DOMAIN = "report"
TEMPLATES = Path(__file__).resolve().parent / "templates"
PDF_MISSING = "PDF needs WeasyPrint: pip install 'cam-tracker[pdf]'"
# The note `tracker.reschedule` writes: "EVENT moved from YYYY-MM to YYYY-MM: REASON".
_MOVED = re.compile(r"(?P<event>\w+) moved from (?P<old>\d{4}-\d{2}) to (?P<new>\d{4}-\d{2}): ")


def local(labels: Labels | None, lang: str) -> str:
    """A localised text, falling back to English."""
    if not labels:
        return ""
    return labels.get(lang) or labels.get("en") or ""


@dataclass(frozen=True)
class Moved:
    """A milestone moved to another month, read from a reschedule row."""

    event_label: Labels
    from_month: str
    to_month: str


@dataclass(frozen=True)
class Step:
    """One recorded step of an activity (a row of the log)."""

    number: int
    day: dt.date
    activity: str
    activity_number: str
    activity_title: Labels
    event: str
    event_label: Labels
    from_label: Labels
    to_label: Labels
    session: Labels | None
    document: str | None
    note: str | None
    actor: str
    moved: Moved | None = None

    @property
    def is_transition(self) -> bool:
        return self.event != RESCHEDULE


@dataclass(frozen=True)
class Planned:
    """A planned milestone: the step an activity should reach at a session."""

    month: str
    due: dt.date
    session: Labels
    text: Labels
    event_label: Labels
    done_on: dt.date | None
    late: bool


@dataclass
class ActivityReport:
    """One activity as it stood at the report's date."""

    key: str
    number: str
    title: Labels
    kind_label: Labels
    state: str
    state_label: Labels
    status: str
    steps: list[Step]
    planned: list[Planned]
    path: list[Labels]

    @property
    def transitions(self) -> list[Step]:
        return [s for s in self.steps if s.is_transition]

    @property
    def remaining(self) -> list[Planned]:
        return [p for p in self.planned if p.done_on is None]

    @property
    def late(self) -> list[Planned]:
        return [p for p in self.planned if p.late]

    @property
    def next(self) -> Planned | None:
        remaining = self.remaining
        return remaining[0] if remaining else None


@dataclass
class ParagraphReport:
    """An operative paragraph and the activities that serve it.

    `entries` pairs each activity with whether this is where the report tells
    it in full (its first mention) or refers back to it.
    """

    number: str
    text: str
    entries: list[tuple[ActivityReport, bool]]

    @property
    def activities(self) -> list[ActivityReport]:
        return [activity for activity, _ in self.entries]


@dataclass
class MandateReport:
    """A resolution that instructs the committee."""

    key: str
    symbol: str
    title: Labels
    paragraphs: list[ParagraphReport]

    @property
    def unserved(self) -> list[ParagraphReport]:
        return [p for p in self.paragraphs if not p.activities]


@dataclass(frozen=True)
class SessionReport:
    """A session of the calendar: planned, and held or not."""

    key: str
    month: str
    title: Labels
    date: dt.date | None
    held_on: dt.date | None
    items: int
    items_done: int

    def status(self, today: dt.date) -> str:
        """held, pending (its month has not ended), or not_held."""
        if self.held_on is not None:
            return "held"
        return "pending" if month_end(self.month) >= today else "not_held"


@dataclass
class Report:
    """Everything the progress report says, in no language in particular."""

    plan: str
    title: Labels
    body: Labels
    body_short: str
    parent: Labels | None
    organization: Labels | None
    period_start: str
    period_end: str
    general_assembly: Labels
    as_of: dt.date
    activities: list[ActivityReport]
    mandates: list[MandateReport]
    sessions: list[SessionReport]
    log: list[Step]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def delays(self) -> list[Step]:
        """Postponements, moves, withdrawals and resumptions, oldest first."""
        return [s for s in self.log if s.event in DELAY_EVENTS]

    @property
    def behind(self) -> list[ActivityReport]:
        return [a for a in self.activities if a.late]

    @property
    def unserved(self) -> list[tuple[MandateReport, ParagraphReport]]:
        return [(m, p) for m in self.mandates for p in m.unserved]

    @property
    def sessions_held(self) -> int:
        return sum(1 for s in self.sessions if s.held_on is not None)

    def by_state(self, lang: str) -> list[tuple[str, int]]:
        """Activities counted by the state label a reader sees, most first."""
        counts = Counter(local(a.state_label, lang) for a in self.activities)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))


def _labels(value: Any) -> Labels | None:
    """Plan data: a plain string is English, a mapping gives one text per language."""
    if isinstance(value, str):
        return {"en": value} if value else None
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if v}
    return None


def _status(view: ActivityView, today: dt.date) -> str:
    if view.is_final:
        return "completed"
    if view.state in schedule.SPECIAL_STATES:
        return view.state
    return "behind" if view.is_behind(today) else "on_schedule"


def _own_steps(flow: workflow.Workflow) -> list[workflow.Step]:
    """The steps of the kind itself, without postpone, withdraw and resume."""
    return [
        s for s in flow.steps if s.dest != workflow.PREVIOUS and s.dest not in flow.special_states
    ]


def path_to_final(
    flow: workflow.Workflow, state: str, history: list[models.History]
) -> list[Labels]:
    """The fewest steps from `state` to a final state (resuming first when postponed)."""
    if state in flow.states and flow.is_final(state):
        return []
    prefix: list[Labels] = []
    if state in flow.special_states:
        held = flow.initial
        for row in history:
            if row.to_state in flow.special_states and row.from_state not in flow.special_states:
                held = row.from_state
        resume = next((s for s in flow.steps if s.dest == workflow.PREVIOUS), None)
        prefix = [resume.labels] if resume else []
        state = held
    steps = _own_steps(flow)
    paths: dict[str, list[workflow.Step]] = {state: []}
    frontier = [state]
    while frontier:
        following = []
        for current in frontier:
            if current in flow.states and flow.is_final(current):
                return prefix + [s.labels for s in paths[current]]
            for step in steps:
                if current in step.sources and step.dest not in paths:
                    paths[step.dest] = [*paths[current], step]
                    following.append(step.dest)
        frontier = following
    return prefix


def _planned(view: MilestoneView, flow: workflow.Workflow, zone: Any, late: bool) -> Planned:
    event = view.milestone.event or ""
    return Planned(
        month=view.milestone.planned_month,
        due=view.due,
        session=view.session.title,
        text=view.milestone.text,
        event_label=flow.step(event).labels if event in flow.events() else {"en": event},
        done_on=view.done.at.astimezone(zone).date() if view.done is not None else None,
        late=late,
    )


def gather(db: Session, plan: models.Plan, as_of: dt.datetime | None = None) -> Report:
    """Read a plan as it stood at `as_of` (default: now) into report data."""
    snap = schedule.snapshot(db, plan, as_of, include_removed=True)
    zone = snap.zone
    today = snap.today
    sessions = {s.id: s for s in snap.sessions}
    views = {v.activity.id: v for v in snap.activities}

    log: list[Step] = []
    for row in snap.history:
        view = views.get(row.activity_id)
        if view is None:
            continue
        flow = view.flow
        moved = None
        event_label = flow.step(row.event).labels if row.event in flow.events() else None
        note = row.note
        if row.event == RESCHEDULE:
            match = _MOVED.match(note or "")
            if match:
                name = match["event"]
                moved = Moved(
                    event_label=flow.step(name).labels if name in flow.events() else {"en": name},
                    from_month=match["old"],
                    to_month=match["new"],
                )
                note = (note or "")[match.end() :]
        meeting = sessions.get(row.session_id) if row.session_id else None
        log.append(
            Step(
                number=len(log) + 1,
                day=row.at.astimezone(zone).date(),
                activity=view.activity.key,
                activity_number=view.activity.number,
                activity_title=view.activity.title,
                event=row.event,
                event_label=event_label or {"en": row.event},
                from_label=_state_labels(flow, row.from_state),
                to_label=_state_labels(flow, row.to_state),
                session=meeting.title if meeting else None,
                document=row.document,
                note=note,
                actor=row.actor,
                moved=moved,
            )
        )
    steps_of: dict[str, list[Step]] = {}
    for step in log:
        steps_of.setdefault(step.activity, []).append(step)

    activities: dict[int, ActivityReport] = {}
    for view in snap.activities:
        if view.activity.removed:
            continue
        flow = view.flow
        late = {m.milestone.id for m in view.late_milestones(today)}
        assert view.activity.id is not None
        activities[view.activity.id] = ActivityReport(
            key=view.activity.key,
            number=view.activity.number,
            title=view.activity.title,
            kind_label=flow.labels,
            state=view.state,
            state_label=_state_labels(flow, view.state),
            status=_status(view, today),
            steps=steps_of.get(view.activity.key, []),
            planned=[
                _planned(m, flow, zone, m.milestone.id in late)
                for m in view.milestones
                if m.milestone.event is not None
            ],
            path=path_to_final(flow, view.state, view.history),
        )

    serving: dict[int, list[ActivityReport]] = {}
    for view in snap.activities:
        report = activities.get(view.activity.id or 0)
        if report is not None:
            for paragraph in view.paragraphs:
                serving.setdefault(paragraph.id or 0, []).append(report)
    told: set[str] = set()
    mandates = []
    for mandate in snap.mandates:
        paragraphs = []
        for paragraph in snap.paragraphs.get(mandate.id or 0, []):
            entries = []
            for activity in serving.get(paragraph.id or 0, []):
                entries.append((activity, activity.key not in told))
                told.add(activity.key)
            paragraphs.append(ParagraphReport(paragraph.number, paragraph.text, entries))
        mandates.append(MandateReport(mandate.key, mandate.symbol, mandate.title, paragraphs))
    calendar = []
    for meeting in snap.sessions:
        agenda = [m for m in snap.agenda(meeting) if m.milestone.event is not None]
        calendar.append(
            SessionReport(
                key=meeting.key,
                month=meeting.month,
                title=meeting.title,
                date=meeting.date,
                held_on=snap.session_held(meeting),
                items=len(agenda),
                items_done=sum(1 for m in agenda if m.is_done),
            )
        )
    listed = list(activities.values())
    body = plan.body
    return Report(
        plan=plan.name,
        title=plan.title,
        body=_labels(body.get("name")) or {"en": plan.name},
        body_short=str(body.get("short") or ""),
        parent=_labels(body.get("parent")),
        organization=_labels(body.get("organization")),
        period_start=plan.period_start,
        period_end=plan.period_end,
        general_assembly={k: v for k, v in plan.general_assembly.items() if v},
        as_of=today,
        activities=listed,
        mandates=mandates,
        sessions=calendar,
        log=log,
        counts={status: sum(1 for a in listed if a.status == status) for status in STATUSES},
    )


def _state_labels(flow: workflow.Workflow, state: str) -> Labels:
    return flow.states[state].labels if state in flow.states else {"en": state}


# --- rendering ----------------------------------------------------------------


def format_for(output: Path | None, fmt: str | None) -> str:
    """The format asked for, else the one the output file's suffix names, else Markdown."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise ConfigError(f"unknown report format {fmt!r}; formats: {', '.join(FORMATS)}")
        return fmt
    if output is None:
        return "md"
    try:
        return SUFFIXES[output.suffix.lower()]
    except KeyError:
        raise ConfigError(
            f"cannot tell the format from {output.name!r}: use --format "
            f"{'|'.join(FORMATS)} or a {', '.join(SUFFIXES)} file"
        ) from None


def _translator(lang: str) -> Callable[[str], str]:
    from cam_tracker.i18n import translations

    return translations(lang, DOMAIN).gettext


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


def _environment(lang: str, *, html: bool) -> Any:
    from cam_tracker.i18n import check_language, environment

    env = environment(check_language(lang), DOMAIN, [TEMPLATES], html=html)
    if not html:
        env.finalize = _markdown_text
    env.globals["statuses"] = STATUSES
    return env


def render(report: Report, fmt: str = "md", lang: str = "en") -> bytes:
    """The report as Markdown, HTML or PDF bytes, in one language."""
    fmt = format_for(None, fmt)
    if fmt == "md":
        text: str = _environment(lang, html=False).get_template("report.md.j2").render(r=report)
        return text.encode()
    html = render_html(report, lang)
    if fmt == "html":
        return html.encode()
    return html_to_pdf(html)


def render_html(report: Report, lang: str) -> str:
    """The self-contained HTML report, its timeline chart inline."""
    from markupsafe import Markup

    env = _environment(lang, html=True)
    chart = Markup(timeline_svg(report, lang)) if report.activities else None
    result: str = env.get_template("report.html.j2").render(r=report, chart=chart)
    return result


def write(path: Path, content: bytes) -> None:
    """Write a rendered report to a file, whole or not at all."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(content)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None


def html_to_pdf(html: str) -> bytes:
    """Print the HTML report to PDF with WeasyPrint (the `pdf` extra)."""
    import warnings

    with warnings.catch_warnings():
        # Advice for whoever packages the system libraries (fonts are subset anyway), not the user.
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
        try:
            from weasyprint import HTML
        except (ImportError, OSError):
            raise ConfigError(PDF_MISSING) from None
        pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf


# --- the timeline chart ---------------------------------------------------------

_DONE, _OPEN, _LATE = "#c9dcef", "#ffffff", "#f6d0cc"
_EDGE, _LATE_EDGE, _STEP, _HALT = "#5b7fa6", "#b3261e", "#1f3f66", "#b8750b"


def _month_start(month: str) -> dt.date:
    return dt.date.fromisoformat(f"{month}-01")


def _short(text: str, limit: int = 44) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,.:;") + "…"


def timeline_svg(report: Report, lang: str) -> str:
    """Planned milestones (months) against the days steps happened, as inline SVG."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    from babel.dates import format_skeleton
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    gettext = _translator(lang)
    rows = report.activities
    months = [report.period_start, report.period_end]
    months += [p.month for a in rows for p in a.planned]
    months += [s.day.strftime("%Y-%m") for a in rows for s in a.transitions]
    start, end = _month_start(min(months)), month_end(max(months)) + dt.timedelta(days=1)

    def x_of(day: dt.date) -> float:
        return float((day - start).days)

    settings: dict[Any, Any] = {
        "svg.hashsalt": "cam-tracker-report",
        "svg.fonttype": "none",
        "svg.id": "timeline",
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
        "font.size": 7.5,
        "text.parse_math": False,
        "axes.edgecolor": "#888888",
    }
    with matplotlib.rc_context(settings), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure = Figure(figsize=(7.0, 1.4 + 0.28 * len(rows)), layout="constrained")
        axes = figure.add_subplot()
        marks: dict[bool, tuple[list[float], list[int]]] = {True: ([], []), False: ([], [])}
        for y, activity in enumerate(rows):
            if y % 2:
                axes.axhspan(y - 0.5, y + 0.5, color="#f3f3f3", zorder=0, linewidth=0)
            for planned in activity.planned:
                left = x_of(_month_start(planned.month)) + 1.5
                width = x_of(month_end(planned.month)) - left - 0.5
                done = planned.done_on is not None
                axes.add_patch(
                    Rectangle(
                        (left, y - 0.28),
                        width,
                        0.56,
                        facecolor=_DONE if done else _LATE if planned.late else _OPEN,
                        edgecolor=_LATE_EDGE if planned.late else _EDGE,
                        linestyle="solid" if done or planned.late else (0, (3, 2)),
                        linewidth=0.8,
                        zorder=2,
                    )
                )
            for step in activity.transitions:
                xs, ys = marks[step.event in DELAY_EVENTS]
                xs.append(x_of(step.day))
                ys.append(y)
        for halted, (xs, ys) in marks.items():  # one line of markers each: hundreds of steps
            if xs:
                axes.plot(
                    xs,
                    ys,
                    marker="X" if halted else "o",
                    markersize=5 if halted else 4,
                    color=_HALT if halted else _STEP,
                    linestyle="none",
                    zorder=3,
                )
        ticks = []
        month = start
        while month <= end:
            ticks.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        axes.set_xticks(
            [x_of(d) for d in ticks],
            [
                format_skeleton("MMM", d, locale=lang)
                + ("\n" + str(d.year) if i == 0 or d.month == 1 else "")
                for i, d in enumerate(ticks)
            ],
        )
        axes.grid(axis="x", color="#d0d0d0", linewidth=0.5, zorder=1)
        axes.set_xlim(x_of(start), x_of(end))
        axes.set_ylim(len(rows) - 0.5, -0.5)
        axes.set_yticks(
            range(len(rows)), [f"{a.number}  {_short(local(a.title, lang))}" for a in rows]
        )
        axes.tick_params(axis="y", length=0)
        handles = [
            Patch(facecolor=_DONE, edgecolor=_EDGE, label=gettext("Planned milestone, reached")),
            Patch(
                facecolor=_OPEN,
                edgecolor=_EDGE,
                linestyle=(0, (3, 2)),
                label=gettext("Planned milestone, pending"),
            ),
            Patch(facecolor=_LATE, edgecolor=_LATE_EDGE, label=gettext("Behind plan")),
            Line2D(
                [], [], marker="o", color=_STEP, linestyle="none", label=gettext("Step recorded")
            ),
            Line2D(
                [],
                [],
                marker="X",
                color=_HALT,
                linestyle="none",
                label=gettext("Postponed, withdrawn or resumed"),
            ),
        ]
        if start <= report.as_of < end:
            axes.axvline(x_of(report.as_of), color=_LATE_EDGE, linewidth=0.9, linestyle="--")
            handles.append(
                Line2D([], [], color=_LATE_EDGE, linestyle="--", label=gettext("Report date"))
            )
        figure.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]
