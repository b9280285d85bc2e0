"""The timeline chart: planned milestones (months) against the days steps happened.

Drawn with matplotlib, imported only when a chart is drawn; the same data
gives the same SVG bytes.
"""

import datetime as dt
import io
from typing import Any

from cam_tracker.core.dates import month_end, month_of, month_start
from cam_tracker.core.i18n import short_month, translations
from cam_tracker.core.text import local
from cam_tracker.reports.gather import CATALOG, Report

_DONE, _OPEN, _LATE = "#c9dcef", "#ffffff", "#f6d0cc"
_EDGE, _LATE_EDGE, _STEP, _HALT = "#5b7fa6", "#b3261e", "#1f3f66", "#b8750b"


def _short(text: str, limit: int = 44) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,.:;") + "…"


def timeline_svg(report: Report, lang: str) -> str:
    """Planned milestones (months) against the days steps happened, as inline SVG."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    gettext = translations(lang, CATALOG).gettext
    rows = report.activities
    months = [report.period_start, report.period_end]
    months += [p.month for a in rows for p in a.planned]
    months += [month_of(s.day) for a in rows for s in a.transitions]
    start, end = month_start(min(months)), month_end(max(months)) + dt.timedelta(days=1)

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
                left = x_of(month_start(planned.month)) + 1.5
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
                xs, ys = marks[step.delay]
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
                short_month(d, lang) + ("\n" + str(d.year) if i == 0 or d.month == 1 else "")
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
