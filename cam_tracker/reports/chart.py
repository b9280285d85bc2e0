"""The timeline chart: planned milestones (months) against the days steps happened.

`layout` turns a report into plain geometry and texts (one row per activity,
x proportional to days); `templates/chart.svg.j2` writes it as SVG through an
autoescaping Jinja environment, so a title from a plan file is always text,
never markup. No drawing library: the same data gives the same bytes.

Texts are laid out without the font at hand: `text_width` errs on the wide
side (DejaVu Sans, the widest of the fonts the report names), so a label
never runs off the picture, at worst leaves a little room.
"""

import datetime as dt
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cam_tracker.core import i18n
from cam_tracker.core.dates import month_end, month_of, month_start
from cam_tracker.core.resources import data_dir
from cam_tracker.core.text import local, one_line
from cam_tracker.reports.gather import CATALOG, Report

DONE, OPEN, LATE = "#c9dcef", "#ffffff", "#f6d0cc"
EDGE, LATE_EDGE, STEP, HALT = "#5b7fa6", "#b3261e", "#1f3f66", "#b8750b"

WIDTH = 720.0
FONT = 11.0  # the size of every text of the chart, in the chart's units
ROW = 26.0  # the height of one activity's row
BOX = 0.56  # a milestone box's height, as a share of the row
LINE = 14.0  # one line of text under the chart (month names, years)
KEY = 17.0  # one line of the legend
TICK = 4.0  # a tick's length under the chart
PAD = 8.0
LABELS = 0.45 * WIDTH  # the most the activity labels may take, the rest is the timeline
_RAISE = 0.35 * FONT  # from a line's middle to the baseline of its text


def _short(text: str, limit: int = 44) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,.:;") + "…"


def _fit(text: str, width: float = LABELS) -> str:
    """A label no wider than `width` (wide scripts take fewer characters); cut with an ellipsis."""
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip(" ,.:;") + "…"


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of the width of a line of text in a sans-serif font."""
    em = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            em += 1.0
        elif char in "iIjlft.,:;'’|!()[] -":
            em += 0.4
        elif char in "mwMW…%@":
            em += 1.0
        elif char.isupper() or char.isdigit():
            em += 0.75
        else:
            em += 0.62
    return em * size


def _r(value: float) -> float:
    """Coordinates to a tenth of a unit: compact, and the same text on every platform."""
    return round(value, 1) + 0.0  # + 0.0 turns -0.0 into 0.0


@dataclass(frozen=True)
class Box:
    """A planned milestone: its month, filled by whether it was reached or is late."""

    x: float
    y: float
    width: float


@dataclass(frozen=True)
class Mark:
    x: float
    y: float


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Tick:
    """A month: its gridline at its first day, its name (and year) centred under it."""

    x: float
    centre: float
    name: str | None
    year: str | None


@dataclass(frozen=True)
class Key:
    """One entry of the legend: what to draw (`kind`), where, and its text."""

    kind: str
    x: float
    y: float
    text: str


@dataclass
class Chart:
    """Everything the template draws, in the chart's units (a viewBox `WIDTH` wide)."""

    title: str
    description: str
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    names: float = 0.0  # the baseline of the month names
    years: float = 0.0  # and of the years under them
    bands: list[float] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    boxes: dict[str, list[Box]] = field(default_factory=dict)
    steps: list[Mark] = field(default_factory=list)
    delays: list[Mark] = field(default_factory=list)
    today: float | None = None
    legend: list[Key] = field(default_factory=list)
    colours: dict[str, str] = field(default_factory=dict)
    row: float = ROW
    font: float = FONT
    box: float = _r(ROW * BOX)

    @property
    def inner_width(self) -> float:
        return _r(self.right - self.left)

    @property
    def inner_height(self) -> float:
        return _r(self.bottom - self.top)

    @property
    def tick_end(self) -> float:
        return _r(self.bottom + TICK)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from `first`'s to `last`'s."""
    months = [first]
    while months[-1] < last:
        months.append((months[-1] + dt.timedelta(days=32)).replace(day=1))
    return months


def layout(report: Report, lang: str) -> Chart:
    """Where everything goes: rows per activity, x from dates, ticks, legend."""
    gettext: Callable[[str], str] = i18n.translations(lang, CATALOG).gettext
    rows = report.activities
    months = [report.period_start, report.period_end]
    months += [p.month for a in rows for p in a.planned]
    months += [month_of(s.day) for a in rows for s in a.transitions]
    start, end = month_start(min(months)), month_end(max(months)) + dt.timedelta(days=1)

    texts = [_fit(f"{a.number}\u00a0 {_short(one_line(local(a.title, lang)))}") for a in rows]
    left = _r(PAD + max((text_width(t) for t in texts), default=0.0) + PAD)
    right = WIDTH - PAD
    top = PAD
    bottom = top + ROW * len(rows)
    scale = (right - left) / (end - start).days

    def x_of(day: dt.date) -> float:
        return _r(left + (day - start).days * scale)

    def y_of(row: int) -> float:
        return _r(top + ROW * (row + 0.5))

    done = [p for a in rows for p in a.planned if p.done_on is not None]
    late = [p for a in rows for p in a.planned if p.done_on is None and p.late]
    pending = [p for a in rows for p in a.planned if p.done_on is None and not p.late]
    steps = [s for a in rows for s in a.transitions]
    entries = [
        ("done", gettext("Planned milestone, reached"), len(done)),
        ("open", gettext("Planned milestone, pending"), len(pending)),
        ("late", gettext("Behind plan"), len(late)),
        ("step", gettext("Step recorded"), sum(1 for s in steps if not s.delay)),
        ("delay", gettext("Postponed, withdrawn or resumed"), sum(1 for s in steps if s.delay)),
    ]
    period = gettext("Period: %(start)s to %(end)s") % {
        "start": i18n.month(report.period_start, lang),
        "end": i18n.month(report.period_end, lang),
    }
    status = gettext("Status as of %(date)s") % {"date": i18n.day(report.as_of, lang)}
    counts = [(gettext("Activities"), len(rows))] + [(text, n) for _, text, n in entries]
    chart = Chart(
        title=gettext("Figure 1. Planned milestones and recorded steps, by activity"),
        description=f"{period}. {status}. "
        + "; ".join(f"{text}: {i18n.number(n, lang)}" for text, n in counts)
        + ".",
        width=WIDTH,
        height=0.0,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        boxes={"done": [], "open": [], "late": []},
        colours={
            "done": DONE,
            "open": OPEN,
            "late": LATE,
            "edge": EDGE,
            "late_edge": LATE_EDGE,
            "step": STEP,
            "delay": HALT,
        },
    )
    for number, (activity, text) in enumerate(zip(rows, texts, strict=True)):
        y = y_of(number)
        if number % 2:
            chart.bands.append(_r(top + ROW * number))
        chart.labels.append(Label(_r(left - PAD), _r(y + _RAISE), text))
        for planned in activity.planned:
            x0 = x_of(month_start(planned.month)) + 1.5 * scale
            x1 = x_of(month_end(planned.month)) - 0.5 * scale
            kind = "done" if planned.done_on is not None else "late" if planned.late else "open"
            chart.boxes[kind].append(Box(_r(x0), _r(y - chart.box / 2), _r(x1 - x0)))
        for step in activity.transitions:
            (chart.delays if step.delay else chart.steps).append(Mark(x_of(step.day), y))

    first_days = _months(start, end)
    columns = first_days[:-1]
    widest = max(text_width(i18n.short_month(d, lang)) for d in columns)
    # Thin the month names out when they would touch; January stays when any month does.
    every = next(
        (n for n in (1, 2, 3, 4, 6) if widest + 4 <= n * (right - left) / len(columns)), 12
    )
    shown = [d for d in columns if (d.month - 1) % every == 0] or columns[:1]
    for day in first_days:
        named = day in shown and day < end
        following = first_days[min(first_days.index(day) + 1, len(first_days) - 1)]
        chart.ticks.append(
            Tick(
                x=x_of(day),
                centre=_r((x_of(day) + x_of(following)) / 2),
                name=i18n.short_month(day, lang) if named else None,
                year=str(day.year) if named and (day == shown[0] or day.month == 1) else None,
            )
        )
    legend = [(kind, text) for kind, text, _ in entries]
    if start <= report.as_of < end:
        chart.today = x_of(report.as_of)
        legend.append(("today", gettext("Report date")))
    chart.names = _r(bottom + TICK + LINE / 2 + _RAISE)
    chart.years = _r(chart.names + LINE)
    chart.legend, below = _legend(legend, bottom + TICK + 2 * LINE + PAD)
    chart.height = _r(below + PAD)
    return chart


def _legend(entries: list[tuple[str, str]], top: float) -> tuple[list[Key], float]:
    """The legend centred under the chart, in as many columns (three at most) as fit."""
    swatch, gap = 24.0, 20.0
    for columns in (3, 2, 1):
        lines = math.ceil(len(entries) / columns)
        groups = [entries[i : i + lines] for i in range(0, len(entries), lines)]
        widths = [swatch + max(text_width(t) for _, t in g) for g in groups]
        total = sum(widths) + gap * (len(groups) - 1)
        if total <= WIDTH - 2 * PAD or columns == 1:
            break
    keys = []
    x = max(PAD, (WIDTH - total) / 2)
    for group, width in zip(groups, widths, strict=True):
        for line, (kind, text) in enumerate(group):
            keys.append(Key(kind, _r(x), _r(top + KEY * (line + 0.5)), text))
        x += width + gap
    return keys, top + KEY * lines


def timeline_svg(report: Report, lang: str) -> str:
    """Planned milestones (months) against the days steps happened, as inline SVG."""
    svg: str = _template(lang).render(c=layout(report, lang))
    return svg


@lru_cache(maxsize=16)
def _template(lang: str) -> Any:
    """The chart's template in one language, compiled once per process: a site draws
    hundreds of charts, and compiling the template costs more than drawing one."""
    env = i18n.environment(lang, CATALOG, [data_dir("templates")], html=True)
    return env.get_template("chart.svg.j2")
