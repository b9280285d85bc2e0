"""Human-readable output: rich tables of the views' data.

Every cell is plain text (never rich markup), so a title holding brackets or
escape codes prints as it is written.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from cam_tracker.cli.base import plural

if TYPE_CHECKING:
    from cam_tracker.app.queries import ActivityListing
    from cam_tracker.files.workflow import Workflow
    from cam_tracker.reminders.changes import DueChanges
    from cam_tracker.reminders.due import Due
    from cam_tracker.reminders.outbox import RunReport

Row = dict[str, Any]
# Below this many columns, the history is printed as blocks rather than a table.
HISTORY_TABLE_WIDTH = 160
# Above this many rows, a table wider than the console is not folded to fit it.
LONG_TABLE = 1000
# A word longer than this many cells may be cut inside to fit a column; a shorter one never is.
WORD_CAP = 20
# What `shorten` strips from the end of the words it keeps, before the ellipsis.
TRAILING = " ,.:;–-"


def _console() -> Console:
    return Console(highlight=False, markup=False, emoji=False, soft_wrap=False)


def _printable(text: str) -> str:
    """A text a terminal shows as written: control characters become a visible mark."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == "\n" else "�" for ch in text)


def _cell(value: Any) -> Text:
    if value is None:
        return Text("–", style="dim")
    return Text(_printable(str(value)))


def _table(title: str, *columns: str, nowrap: tuple[str, ...] = ()) -> Table:
    table = Table(
        title=_cell(title) if title else None,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in nowrap)
    return table


def _next(milestone: Row | None) -> str | None:
    if milestone is None:
        return None
    return f"{milestone['month']} {milestone['event_label']}"


def _actor(row: Row) -> str:
    from cam_tracker.app.queries import done_by

    who = done_by(str(row["actor"]), row.get("on_behalf_of"))
    role = row.get("actor_role")
    if role == "*":
        return f"{who} (single-user)"
    return f"{who} ({role})" if role else who


def plans(rows: list[Row]) -> None:
    current = next((row for row in rows if row["current"]), None)
    title = "Plans"
    if current is not None:
        title += f" (* current: {current['name']}, {current['current_by']})"
    # Only titles and periods wrap, between words; names, dates and counts stay whole.
    table = _table(
        title,
        "Name",
        "Bundled",
        "Loaded",
        "Title",
        "Period",
        "Activities",
        nowrap=("Name", "Bundled", "Loaded", "Activities"),
    )
    table.columns[3].min_width = 12
    table.columns[4].min_width = 9
    for row in rows:
        table.add_row(
            _cell(f"* {row['name']}" if row["current"] else row["name"]),
            _cell("yes" if row["bundled"] else "no"),
            _cell(row["loaded_at"][:10] if row["loaded"] else "no"),
            _cell(row["title"]),
            _cell(row["period"]),
            _cell(row["activities"]),
        )
    _console().print(table)


def width_of(text: str) -> int:
    """Cells a text takes on a terminal (an ASCII text: its length, measured fast)."""
    return len(text) if text.isascii() else cell_len(text)


def _widths(columns: list[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """Each column's widest text, its header included (column by column: one pass each;
    a column of ASCII texts is measured by their lengths, with no call per cell)."""
    by_column = zip(*rows, strict=True) if rows else ([] for _ in columns)
    return [
        max(cell_len(column), _widest(texts))
        for column, texts in zip(columns, by_column, strict=True)
    ]


def _widest(texts: Sequence[str]) -> int:
    if all(map(str.isascii, texts)):
        return max(map(len, texts), default=0)
    return max(map(width_of, texts), default=0)


def shorten(text: str, width: int) -> str:
    """Fit a text in `width` cells, cut at a word boundary with an ellipsis."""
    if (len(text) <= width and text.isascii()) or cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    words, kept = text.split(" "), ""
    for word in words:
        candidate = f"{kept} {word}" if kept else word
        if cell_len(candidate.rstrip(TRAILING)) + 1 > width:
            break
        kept = candidate
    if not kept:  # one long word: cut inside it
        kept = text
        while cell_len(kept) + 1 > width:
            kept = kept[:-1]
    return kept.rstrip(TRAILING) + "…"


def word_floor(text: str, cap: int = WORD_CAP) -> int:
    """The fewest cells `shorten` can fit a text in without cutting a word: its first word
    and the ellipsis (a text of one word: all of it); at most `cap`, past which it may cut."""
    first, space, _ = text.partition(" ")
    need = width_of(first.rstrip(TRAILING)) + 1 if space else width_of(text)
    return min(need, cap)


def fit_columns(
    console_width: int, widths: list[int], floors: list[int], order: list[int]
) -> list[int]:
    """Column widths that fit the console: shrink the columns in `order` first, down to
    their floors; a table that cannot fit at its floors keeps them (and is wider)."""
    fitted = list(widths)
    excess = sum(fitted) + 3 * (len(fitted) - 1) + 2 - console_width
    for index in order:
        if excess <= 0:
            break
        give = min(excess, max(0, fitted[index] - floors[index]))
        fitted[index] -= give
        excess -= give
    return fitted


STATUS_WORDS = {
    "completed": "completed",
    "on_schedule": "on schedule",
    "behind": "behind plan",
    "postponed": "postponed",
    "withdrawn": "withdrawn",
}


def activities(listing: "ActivityListing") -> None:
    """The activities table: every column kept at any width, long texts shortened first."""

    console = _console()
    rows = listing.rows
    with_plan = listing.across_plans
    columns = [
        *(["Plan"] if with_plan else []),
        "Key",
        "No.",
        "Title",
        "State",
        "Next",
        "Late",
    ]
    texts = [
        [
            *([row["plan"]] if with_plan else []),
            row["key"],
            row["number"],
            row["title"],
            row["state_label"],
            _next(row["next_milestone"]) or "–",
            "yes" if row["behind"] else "",
        ]
        for row in rows
    ]
    widths = _widths(columns, texts)
    offset = 1 if with_plan else 0
    title, state, upcoming = offset + 2, offset + 3, offset + 4
    # Plan, key, number and late are never cut; the texts shorten at word boundaries only.
    floors = list(widths)
    for index in (title, state, upcoming):
        distinct = {text_row[index] for text_row in texts}
        floors[index] = max([cell_len(columns[index]), *map(word_floor, distinct)])
    fitted = fit_columns(console.width, widths, floors, [title, state, upcoming])
    cut = [index for index, width in enumerate(fitted) if width < widths[index]]
    # Long listings repeat their labels (states, kinds, next steps): shorten each text once.
    shortened: dict[tuple[str, int], str] = {}
    for text_row in texts:
        for index in cut:
            key = (text_row[index], fitted[index])
            found = shortened.get(key)
            if found is None:
                found = shortened[key] = shorten(*key)
            text_row[index] = found
    late_column = len(columns) - 1
    late = Text("yes", style="bold red")
    # Plain strings where no style is needed: a Text per cell costs more than the row itself.
    cells: list[list[str | Text]] = [
        [*map(_printable, text_row[:late_column]), late if text_row[late_column] else ""]
        for text_row in texts
    ]
    heading = f"{listing.title} — as of {listing.today}"
    if listing.after_period:
        heading += f", after the plan's period (it ended {listing.period_end})"
    console.print(_cell(heading))
    # Cells are fitted here already: a console narrower than the floors gets longer lines.
    _print_table(console, "", columns, cells, tuple(columns), one_line_rows=True)
    counts = listing.counts
    summary = ", ".join(
        f"{counts[status]} {STATUS_WORDS[status]}" for status in counts if counts[status]
    )
    console.print(_cell(f"{plural(len(rows), 'activity', 'activities')}: {summary or 'none'}"))


def _print_table(
    console: Console,
    title: str,
    columns: list[str],
    rows: Sequence[Sequence[str | Text]],
    nowrap: tuple[str, ...],
    *,
    one_line_rows: bool = False,
) -> None:
    """Print a table as `_table` would, laying out the rows without rich when they fit.

    Rich measures every cell of every row, which takes seconds for ten thousand
    rows. When every cell is one line and the table fits the console, the
    column widths are simply the widest cells: rich renders the title and the
    header at those widths, and the rows are padded here to the same bytes.
    A table of more than `LONG_TABLE` rows keeps those widths even when it is
    wider than the console (one line per row), rather than wait for rich.
    """
    from rich.cells import cell_len

    plains = [[c if isinstance(c, str) else c.plain for c in row] for row in rows]
    widths = _widths(columns, plains)
    width = sum(widths) + 3 * (len(columns) - 1) + 2
    fits = (width <= console.width or len(rows) > LONG_TABLE or one_line_rows) and (
        cell_len(title) <= width
    )
    if not fits or any("\n" in plain for plain_row in plains for plain in plain_row):
        table = _table(title, *columns, nowrap=nowrap)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    table = _table(title, *columns, nowrap=nowrap)
    for column, column_width in zip(table.columns, widths, strict=True):
        column.width = column_width
    console.width = max(console.width, width)
    with console.capture() as capture:
        console.print(table)
    head, _, bottom = capture.get().rstrip("\n").rpartition("\n")
    styled: dict[tuple[str, str, int], str] = {}

    def padded(cell: str | Text, plain: str, column_width: int) -> str:
        text = plain + " " * (column_width - width_of(plain))
        if isinstance(cell, str) or not cell.style:
            return text
        key = (text, str(cell.style), column_width)
        if key not in styled:
            with console.capture() as capture:
                console.print(Text(text, style=cell.style), end="")
            styled[key] = capture.get()
        return styled[key]

    # A column of plain ASCII strings is padded by one format per row (no call per cell);
    # the others cell by cell, as `padded` says.
    by_column = list(zip(*rows, strict=True))
    slow = [
        index
        for index, cells in enumerate(by_column)
        if not all(isinstance(cell, str) and cell.isascii() for cell in cells)
    ]
    row_format = (
        " "
        + "   ".join(
            "{}" if index in slow else f"{{:<{column_width}}}"
            for index, column_width in enumerate(widths)
        )
        + " "
    )
    lines = [head]
    for row, plain_row in zip(rows, plains, strict=True):
        values: list[str] = list(plain_row)
        for index in slow:
            values[index] = padded(row[index], plain_row[index], widths[index])
        lines.append(row_format.format(*values))
    lines.append(bottom)
    console.file.write("\n".join(lines) + "\n")


def activity(row: Row) -> None:
    console = _console()
    console.print(_cell(f"{row['key']} ({row['number']}) — {row['title']}"))
    console.print(_cell(f"kind: {row['kind']} ({row['kind_label']})   plan: {row['plan']}"))
    console.print(
        _cell(
            f"state: {row['state']} ({row['state_label']})"
            + ("   BEHIND PLAN" if row["behind"] else "")
        )
    )
    if row["responsible"]:
        console.print(_cell(f"responsible: {', '.join(row['responsible'])}"))
    earlier = row.get("continues")
    if earlier:
        console.print(
            _cell(
                f"continues: {earlier['plan']}/{earlier['key']} ({earlier['state']}): "
                "its history is there"
            )
        )
    for later in row.get("continued_by") or []:
        console.print(_cell(f"continued by: {later['plan']}/{later['key']} ({later['state']})"))
    if row["mandates"]:
        console.print(_cell("mandates:"))
        for mandate in row["mandates"]:
            console.print(_cell(f"  {mandate['symbol']} para. {mandate['paragraph']}"))
    places = [
        ", ".join(
            part
            for part in (time_range(m["session_place"]), venue_line(m["session_place"]))
            if part
        )
        for m in row["milestones"]
    ]
    columns = ("Session", "Planned", "Event", "Item", "Done")
    milestones = _table("Milestones", *columns, *(("When, where",) if any(places) else ()))
    for m, place in zip(row["milestones"], places, strict=True):
        done = (m["done_at"] or "")[:10] if m["done"] else ""
        milestones.add_row(
            _cell(m["session"]),
            _cell(m["month"]),
            _cell(m["event"]),
            _cell(m["text"]),
            _cell(done or ("yes" if m["done"] else "")),
            *((_cell(place or None),) if any(places) else ()),
        )
    console.print(milestones)
    if row.get("documents"):
        cited = _table("Documents", "Symbol", "Title", "Languages", "Address")
        for d in row["documents"]:
            cited.add_row(
                _cell(d["symbol"]),
                _cell(d["title"] if d["registered"] else "(not registered)"),
                _cell(", ".join(d["languages"]) or None),
                _cell(d["url"]),
            )
        console.print(cited)
    allowed = _table("Allowed now", "Event", "To", "Requires", "Roles")
    for step in row["allowed_events"]:
        allowed.add_row(
            _cell(step["event"]),
            _cell(step["to"]),
            _cell(", ".join(step["requires"]) or "–"),
            _cell(", ".join(step["roles"]) or "anyone"),
        )
    console.print(allowed)
    history(row["history"])


def history(rows: list[Row]) -> None:
    console = _console()
    if console.width < HISTORY_TABLE_WIDTH:
        _history_blocks(console, rows)
        return
    table = _table(
        "History",
        "#",
        "When",
        "Activity",
        "Event",
        "From → to",
        "By",
        "Session",
        "Doc",
        "Note",
        nowrap=("#", "When"),
    )
    for row in rows:
        table.add_row(
            _cell(row["id"]),
            _cell((row["at"] or "")[:10]),
            _cell(row["activity"]),
            _cell(row["event"]),
            _cell(f"{row['from_state']} → {row['to_state']}"),
            _cell(_actor(row)),
            _cell(row["session"]),
            _cell(row["document"]),
            _cell(row["note"]),
        )
    console.print(table)


def _history_blocks(console: Console, rows: list[Row]) -> None:
    """The history on a narrow terminal: one block per step, identifiers kept whole."""
    console.print(_cell("History"))
    for row in rows:
        head = (
            f"#{row['id']}  {(row['at'] or '')[:10]}  {row['activity']}  {row['event']}: "
            f"{row['from_state']} → {row['to_state']}"
        )
        details = [f"by {_actor(row)}"]
        details += [f"session {row['session']}"] if row["session"] else []
        details += [f"doc {row['document']}"] if row["document"] else []
        console.print(_cell(head))
        console.print(Padding(_cell(" · ".join(details)), (0, 0, 0, 4)))
        if row["note"]:
            console.print(Padding(_cell(row["note"]), (0, 0, 0, 4)))


def time_range(place: Row) -> str | None:
    """A session's hours with their zone, '11:00–17:30 America/New_York'; None when unknown."""
    if not place.get("start"):
        return None
    hours = place["start"] + (f"–{place['end']}" if place.get("end") else "")
    return f"{hours} {place['timezone']}"


def venue_line(place: Row) -> str | None:
    """Where a session is: its room, building and city, and how it is attended."""
    venue = place.get("venue") or {}
    parts = [venue[name] for name in ("room", "building", "city") if venue.get(name)]
    if place.get("modality"):
        parts.append(str(place["modality"]).replace("_", " "))
    return ", ".join(parts) or None


def _place_lines(session: Row) -> list[str]:
    lines = []
    where = venue_line(session)
    if where:
        lines.append(f"  where: {where}")
    if session.get("link"):
        lines.append(f"  link: {session['link']}")
    for item in session.get("programme") or []:
        hours = item["time"] + (f"–{item['end']}" if item.get("end") else "")
        speaker = f" ({item['speaker']})" if item.get("speaker") else ""
        lines.append(f"  {hours}  {item['title']}{speaker}")
    return lines


def calendar(rows: list[Row]) -> None:
    console = _console()
    for session in rows:
        when = session["date"] or session["month"]
        hours = time_range(session)
        when += f" {hours}" if hours else ""
        held = f" — held {session['held_on']}" if session["held_on"] else ""
        table = _table(
            "\n".join(
                [
                    f"{session['id']}  {when}  [{session['kind']}]  {session['title']}{held}",
                    *_place_lines(session),
                ]
            ),
            "Activity",
            "Expected",
            "Item",
            "State",
            "Done",
            nowrap=("Activity", "Expected"),
        )
        for item in session["agenda"]:
            table.add_row(
                _cell(item["activity"]),
                _cell(item["event"]),
                _cell(item["text"]),
                _cell(item["state"]),
                _cell("yes" if item["done"] else ""),
            )
        console.print(table)


def workflows(flows: list[tuple["Workflow", str]], lang: str) -> None:
    # The initial state is the first of the states (`cam workflow show` names it).
    table = _table("Workflow kinds", "Kind", "From", "Label", "States", "Events")
    for flow, origin in flows:
        table.add_row(
            _cell(flow.kind),
            _cell(origin),
            _cell(flow.label(lang)),
            _cell(", ".join(flow.states)),
            _cell(", ".join(flow.events())),
        )
    _console().print(table)


def workflow(flow: "Workflow", origin: str, source: str, lang: str) -> None:
    console = _console()
    console.print(_cell(f"{flow.kind} — {flow.label(lang)} (initial: {flow.initial})"))
    console.print(_cell(f"from: {origin}" + (f" ({source})" if source else "")))
    states = _table("States", "State", "Label", "Final")
    for state in flow.states.values():
        states.add_row(
            _cell(state.name), _cell(state.label(lang)), _cell("yes" if state.final else "")
        )
    console.print(states)
    steps = _table("Transitions", "Event", "From", "To", "Requires", "Roles")
    for step in flow.steps:
        former = f" (formerly {', '.join(step.aliases)})" if step.aliases else ""
        steps.add_row(
            _cell(step.event + former),
            _cell(", ".join(step.sources)),
            _cell(step.dest),
            _cell(", ".join(step.requires) or "–"),
            _cell(", ".join(step.roles) or "anyone"),
        )
    console.print(steps)


def bodies(rows: list[Row]) -> None:
    table = _table("Bodies", "Short", "Name", "Parent", "Plans", nowrap=("Short",))
    for row in rows:
        table.add_row(
            _cell(row["short"]),
            _cell(row["name"]),
            _cell(row["parent"]),
            _cell(", ".join(row["plans"])),
        )
    _console().print(table)


def body(row: Row) -> None:
    console = _console()
    console.print(_cell(f"{row['short']} — {row['name']}"))
    if row["parent"]:
        console.print(_cell(f"parent: {row['parent']}"))
    plans = _table(
        "Plans, by year", "Plan", "Period", "Follows", "Mandates", "Activities", "Documents"
    )
    for plan in row["plans"]:
        plans.add_row(
            _cell(plan["name"]),
            _cell(f"{plan['period']['start']} – {plan['period']['end']}"),
            _cell(plan["follows"] or "–"),
            _cell("; ".join(plan["mandates"])),
            _cell(plan["activities"]),
            _cell(plan["documents"]),
        )
    console.print(plans)
    officers = _table("Officers, by period", "Plan", "Role", "Person", "Country", "Elected")
    for plan in row["plans"]:
        for officer in plan["officers"]:
            elected = " ".join(x for x in (officer["elected_on"], officer["elected"]) if x)
            officers.add_row(
                _cell(plan["name"]),
                _cell(officer["role"]),
                _cell(" ".join(x for x in (officer["title"], officer["name"]) if x)),
                _cell(officer["country"]),
                _cell(elected or "–"),
            )
    console.print(officers)
    if row["members"]:
        members = _table("Members across plans", "Role", "Person", "Country")
        for member in row["members"]:
            members.add_row(_cell(member["role"]), _cell(member["name"]), _cell(member["country"]))
        console.print(members)


def people(rows: list[Row]) -> None:
    """The people as a table when it fits with every key and address whole (names, bodies
    and the activities wrap between words), else a block per person: an address is never
    split."""
    console = _console()
    columns = ["Key", "Name", "Role", "Bodies", "Email", "Lang", "Responsible for"]
    texts = [
        [
            row["key"],
            _person_name(row),
            row["role"],
            "; ".join(row["bodies"]) or "–",
            row["email"] or "–",
            row["language"],
            ", ".join(row["responsible"]) or "–",
        ]
        for row in rows
    ]
    whole = (0, 2, 4, 5)  # key, role, email, language: one line each
    floors = [cell_len(column) for column in columns]
    for text_row in texts:
        for index, text in enumerate(text_row):
            pieces = [text] if index in whole else text.split()
            floors[index] = max(floors[index], *(width_of(piece) for piece in pieces))
    if sum(floors) + 3 * (len(columns) - 1) + 2 > console.width:
        _people_blocks(console, rows)
        return
    table = _table("People", *columns, nowrap=tuple(columns[i] for i in whole))
    for column, floor in zip(table.columns, floors, strict=True):
        column.min_width = floor
    for text_row in texts:
        table.add_row(*(_cell(None if text == "–" else text) for text in text_row))
    console.print(table)


def _person_name(row: Row) -> str:
    """A person as a delegate reads them: title, name and, in brackets, the delegation."""
    named = " ".join(x for x in (row["title"], row["name"]) if x)
    return f"{named} ({row['country']})" if row["country"] else named


def _people_blocks(console: Console, rows: list[Row]) -> None:
    """The people on a narrow terminal: one block per person, each address on one line."""
    console.print(_cell("People"))
    for row in rows:
        email = f"<{row['email']}>" if row["email"] else "(no email address)"
        console.print(_cell(f"{row['key']}  {_person_name(row)}"))
        console.print(Padding(_cell(f"{row['role']} · {row['language']} · {email}"), (0, 0, 0, 4)))
        if row["bodies"]:
            console.print(Padding(_cell("; ".join(row["bodies"])), (0, 0, 0, 4)))
        if row["responsible"]:
            told = f"responsible for {', '.join(row['responsible'])}"
            console.print(Padding(_cell(told), (0, 0, 0, 4)))


def changes_due(dues: list["DueChanges"]) -> None:
    """The digests of changes a run would queue now (dry run)."""
    console = _console()
    for due in dues:
        person = due.person
        status = "would send" if person.email else "no email"
        address = f"<{person.email}>" if person.email else "(no email address)"
        told = ", ".join(
            plural(count, noun, nouns)
            for count, noun, nouns in (
                (due.steps, "step", None),
                (due.moves, "session moved", "sessions moved"),
                (due.documents, "new document", None),
            )
            if count
        )
        console.print(
            _cell(
                f"{due.plan.name} {due.slot} digest of changes: {status:<10} "
                f"{person.key} {address} [{person.language}]: {told}"
            )
        )


def reminders_due(dues: list["Due"]) -> None:
    from cam_tracker.core.text import local

    console = _console()
    if not dues:
        console.print(_cell("no reminder is due (dry run: nothing is queued or sent)"))
        return
    console.print(_cell("dry run: nothing is queued or sent"))
    shown: set[tuple[int | None, str]] = set()
    for due in dues:
        if (due.meeting.id, due.slot.name) not in shown:
            shown.add((due.meeting.id, due.slot.name))
            at = due.local_at.strftime("%Y-%m-%d %H:%M %Z")
            when = due.meeting.date.isoformat() if due.meeting.date else due.meeting.month
            console.print(
                _cell(
                    f"{due.meeting.key}  {local(due.meeting.title, 'en')} ({when}): "
                    f"{due.slot.name} reminder, due {at}, "
                    f"{plural(due.items, 'open agenda item')}"
                )
            )
        person = due.person
        status = "queued" if due.queued else ("would send" if person.email else "no email")
        address = f"<{person.email}>" if person.email else "(no email address)"
        console.print(
            _cell(
                f"  {status:<10}  {person.key} {address} [{person.language}]: "
                f"responsible for {due.mine} of them"
            )
        )
    reachable = sum(1 for due in dues if due.person.email)
    sessions = len({due.meeting.id for due in dues})
    console.print(_cell(f"{plural(reachable, 'digest')} due for {plural(sessions, 'session')}"))


def reminders_sent(report: "RunReport") -> None:
    console = _console()
    for outcome in report.outcomes:
        detail = f": {outcome.detail}" if outcome.detail and outcome.status != "sent" else ""
        what = (
            f"{outcome.session} {outcome.slot} reminder"
            if outcome.session is not None
            else f"{outcome.slot} digest of changes"
        )
        console.print(
            _cell(f"{outcome.status:<8} {what} to {outcome.person} <{outcome.address}>{detail}")
        )
    counts = {status: 0 for status in ("sent", "waiting", "failed", "skipped")}
    for outcome in report.outcomes:
        if outcome.status in counts:
            counts[outcome.status] += 1
    summary = ", ".join(f"{count} {status}" for status, count in counts.items())
    console.print(_cell(f"{len(report.queued)} queued; {summary}"))


def outbox(rows: list[Row]) -> None:
    def utc(value: str | None) -> str:
        return f"{value[:16].replace('T', ' ')} UTC" if value else "–"

    console = _console()
    if not rows:
        console.print(_cell("the outbox is empty"))
        return
    for row in rows:
        tries = f"{row['attempts']} {'try' if row['attempts'] == 1 else 'tries'}"
        if row["status"] == "sent":
            state = f"sent {utc(row['sent_at'])}"
        elif row["status"] == "pending":
            state = f"waiting ({tries}), next try {utc(row['next_attempt_at'])}"
        else:
            state = f"{row['status']} ({tries})"
        console.print(
            _cell(
                f"#{row['id']}  {row['plan']} {row['session'] or 'changes'} {row['reminder']} → "
                f"{row['person']} <{row['address']}>: {state}; due {utc(row['due_at'])}"
            )
        )
        if row["error"] and row["status"] != "sent":
            console.print(_cell(f"    {row['error']}"))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    console.print(_cell(", ".join(f"{n} {status}" for status, n in sorted(counts.items()))))


def documents(rows: list[Row]) -> None:
    table = _table("Documents", "Symbol", "Title", "Date", "Languages", "Status", "Cited by")
    for row in rows:
        table.add_row(
            _cell(row["symbol"]),
            _cell(row["title"] if row["registered"] else "(not registered)"),
            _cell(row["date"]),
            _cell(", ".join(row["languages"]) or None),
            _cell(row["status"]),
            _cell(", ".join(f"#{c['step']} {c['activity']}" for c in row["cited_by"]) or None),
        )
    _console().print(table)


def document(row: Row) -> None:
    console = _console()
    console.print(_cell(row["symbol"] + ("" if row["registered"] else "   (not registered)")))
    for lang, title in row["titles"].items():
        console.print(_cell(f"title ({lang}): {title}"))
    for name in ("date", "status", "url"):
        if row[name]:
            console.print(_cell(f"{name}: {row[name]}"))
    if row["languages"]:
        console.print(_cell(f"languages: {', '.join(row['languages'])}"))
    steps = _table("Cited by", "Step", "Day", "Activity", "Event", "Session")
    for c in row["cited_by"]:
        steps.add_row(
            _cell(f"#{c['step']}"),
            _cell(c["day"]),
            _cell(c["activity"]),
            _cell(c["event"]),
            _cell(c["session"]),
        )
    console.print(steps)


def following(row: Row) -> None:
    """What a person follows and why, and how often they are told."""
    console = _console()
    digest = row["digest"]
    where = f" to {row['email']}" if row["email"] else " (no email: nothing can be sent)"
    told = "no digest" if digest == "off" else f"a {digest} digest of changes{where}"
    console.print(_cell(f"{row['person']} follows {len(row['activities'])}; {told}"))
    for activity in row["activities"]:
        console.print(
            _cell(
                f"  {activity['number']:<6} {activity['key']}  {activity['title']}"
                f"  ({activity['because']})"
            )
        )


def due_from(person: str, rows: list[Row]) -> None:
    """What is due from a person, by due day: what, at which session, when and where."""
    from textwrap import shorten

    console = _console()
    if not rows:
        console.print(_cell(f"nothing is due from {person}"))
        return
    for row in rows:
        place = row["session_place"]
        when = row["session_date"] or f"{row['session_month']} (date to be set)"
        if place["start"]:
            when += f" {place['start']}{'–' + place['end'] if place['end'] else ''}"
        venue = place["venue"] or {}
        where = ", ".join(
            v for v in (venue.get("room"), venue.get("building"), venue.get("city")) if v
        )
        late = "  BEHIND PLAN" if row["late"] else ""
        console.print(
            _cell(f"{row['due']}  {row['number']} {row['activity']}: {row['event_label']}{late}")
        )
        console.print(_cell(f"    {shorten(row['title'], 100, placeholder='…')}"))
        console.print(
            _cell(
                f"    at {shorten(row['session_title'], 80, placeholder='…')}, {when}"
                + (f", {where}" if where else "")
                + (f", {place['link']}" if place["link"] else "")
            )
        )
