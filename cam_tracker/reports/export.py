"""Exports for the office: the listings as CSV, the plan as a workbook.

A listing's rows are the rows its `--json` prints (`app.queries`); here each
listing's columns are chosen once (`TABLES`), and every export reads them:
the CSV of `--csv` and each sheet of the workbook. A column says what kind
of value it holds, so one choice gives both the CSV text (ISO dates, lists
joined) and the workbook's typed cell (a real date, a number, a boolean).
Keys and labels are both columns: a script filters on `state`, a person
reads `state_label`.

CSV is UTF-8 without a byte-order mark, a header row first, quoted by the
`csv` module (RFC 4180: CRLF line ends, a field quoted when it holds a
comma, a quote or a line break). A text cell that a spreadsheet would run
as a formula — beginning with `=`, `+`, `-`, `@`, a tab or a carriage
return — is written with a leading apostrophe, the mark spreadsheets read
as "this is text" (OWASP's advice on CSV injection); a script that reads
the CSV sees the apostrophe. The workbook needs no such mark: its text
cells are typed as text, never as formulas.

The whole-store formats of `cam export` are registered in one place,
`EXPORTS`, as the report's formats are in `render.RENDERERS`.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cam_tracker.core.errors import InvalidInput

if TYPE_CHECKING:
    from cam_tracker.app.workspace import Workspace

Row = dict[str, Any]

# The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# How a list of values is written in one cell.
LIST_SEPARATOR = "; "
# The widest a workbook column is made, in characters (longer texts wrap in the cell).
MAX_WIDTH = 60


@dataclass(frozen=True)
class Column:
    """One column of a listing: its header (the row's key), how to read its value, its kind.

    Kinds: `text`, `number`, `flag` (a boolean), `list` (texts), `date`
    (an ISO day), `datetime` (an ISO moment with its offset). `only_with`
    names a key that some row must carry for the column to be shown (the
    plan column of a listing across plans, the fields of `history --all`).
    """

    name: str
    value: Callable[[Row], Any]
    kind: str = "text"
    only_with: str | None = None


def key(name: str, kind: str = "text", only_with: str | None = None) -> Column:
    """A column holding the row's value of `name` as it is."""
    return Column(name, lambda row: row.get(name), kind, only_with)


def nested(name: str, outer: str, inner: str, kind: str = "text") -> Column:
    """A column holding `row[outer][inner]` (empty when `row[outer]` is null)."""
    return Column(name, lambda row: (row.get(outer) or {}).get(inner), kind)


def _changes(row: Row) -> str | None:
    """A change's fields in one cell: `email: a@x → b@x; role: delegate → chair`."""
    changes = row.get("changes")
    if not changes:
        return None
    return LIST_SEPARATOR.join(
        f"{name}: {_plain(pair['from'])} → {_plain(pair['to'])}" for name, pair in changes.items()
    )


def _plain(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v).replace(', ', '/')}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _citations(steps: list[Row] | None) -> str | None:
    """The steps that cite a document, in one cell: `program-update adopt 2016-01 (2016-01-20)`."""
    if not steps:
        return None
    return LIST_SEPARATOR.join(
        " ".join(str(x) for x in (s.get("activity"), s.get("event"), s.get("session")) if x)
        + (f" ({s['day']})" if s.get("day") else "")
        for s in steps
    )


def _agenda(session: Row) -> list[Row]:
    """A session of the calendar as rows: one per agenda item, or one alone when it has none."""
    items = session.get("agenda") or [None]
    return [{**session, "item": item} for item in items]


def _item(name: str, kind: str = "text") -> Column:
    return nested(name if name != "text" else "item", "item", name, kind)


@dataclass(frozen=True)
class Table:
    """A listing as a table: its columns, and how one row of the listing becomes table rows."""

    name: str
    columns: tuple[Column, ...]
    rows_of: Callable[[Row], Iterable[Row]] = field(default=lambda row: (row,))

    def lay_out(self, rows: Sequence[Row]) -> tuple[list[Column], list[list[Any]]]:
        """The columns shown for these rows, and each table row's values in that order."""
        flat = [part for row in rows for part in self.rows_of(row)]
        carried = {name for row in flat for name in row}
        columns = [c for c in self.columns if c.only_with is None or c.only_with in carried]
        return columns, [[column.value(row) for column in columns] for row in flat]


TABLES: dict[str, Table] = {}


def table(
    name: str, *columns: Column, rows_of: Callable[[Row], Iterable[Row]] | None = None
) -> Table:
    """Register the columns of a listing (the one place they are chosen)."""
    TABLES[name] = Table(name, columns, rows_of or (lambda row: (row,)))
    return TABLES[name]


table(
    "activities",
    key("plan", only_with="plan"),
    key("key"),
    key("number"),
    key("title"),
    key("kind"),
    key("kind_label"),
    key("state"),
    key("state_label"),
    key("status"),
    key("behind", "flag"),
    key("final", "flag"),
    nested("next_month", "next_milestone", "month"),
    nested("next_session", "next_milestone", "session"),
    nested("next_event", "next_milestone", "event"),
    nested("next_event_label", "next_milestone", "event_label"),
    nested("next_due", "next_milestone", "due", "date"),
    key("mandates", "list"),
    key("responsible", "list"),
)

table(
    "history",
    key("record", only_with="record"),
    key("id", "number"),
    key("at", "datetime"),
    key("activity"),
    key("event"),
    key("event_label"),
    key("from_state"),
    key("to_state"),
    key("subject", only_with="subject"),
    key("key", only_with="subject"),
    key("action", only_with="subject"),
    Column("changes", _changes, only_with="subject"),
    key("actor"),
    key("actor_role"),
    key("on_behalf_of"),
    key("session"),
    key("document"),
    key("note"),
    nested("moved_from", "moved", "from"),
    nested("moved_to", "moved", "to"),
    Column("corrects", lambda row: (row.get("corrects") or {}).get("id"), "number"),
    key("corrected_by", "list"),
)

table(
    "calendar",
    key("id"),
    key("month"),
    key("date", "date"),
    key("kind"),
    key("title"),
    key("held_on", "date"),
    key("start"),
    key("end"),
    key("timezone"),
    nested("room", "venue", "room"),
    nested("building", "venue", "building"),
    nested("city", "venue", "city"),
    key("modality"),
    key("link"),
    _item("activity"),
    _item("event"),
    _item("event_label"),
    _item("text"),
    _item("state"),
    _item("state_label"),
    _item("planned_month"),
    _item("done", "flag"),
    _item("waived", "flag"),
    rows_of=_agenda,
)

table(
    "people",
    key("key"),
    key("name"),
    key("title"),
    key("country"),
    key("role"),
    key("bodies", "list"),
    key("email"),
    key("language"),
    key("registered", "flag"),
    key("login"),
    key("responsible", "list"),
)

table(
    "documents",
    key("symbol"),
    key("registered", "flag"),
    key("title"),
    key("date", "date"),
    key("languages", "list"),
    key("url"),
    key("status"),
    Column("cited_by", lambda row: _citations(row.get("cited_by")), "text"),
)

table(
    "plans",
    key("name"),
    key("bundled", "flag"),
    key("loaded", "flag"),
    key("title"),
    key("period"),
    key("activities", "number"),
    key("loaded_at", "datetime"),
)


def derived(rows: Sequence[Row]) -> Table:
    """Columns read from the rows themselves, for a listing whose table is not chosen yet:
    each key in the order first seen, an object's keys as `outer.inner`, lists joined."""
    names: dict[str, Column] = {}
    objects: set[str] = set()
    for row in rows:
        for name, value in row.items():
            if isinstance(value, dict) or (value is None and name in objects):
                objects.add(name)
                value = value or {}
                for inner, item in value.items():
                    kind = "list" if isinstance(item, list) else "text"
                    names.setdefault(
                        f"{name}.{inner}", nested(f"{name}.{inner}", name, inner, kind)
                    )
            elif name not in names or (value is not None and names[name].kind == "text"):
                names[name] = key(name, "list" if isinstance(value, list) else "text")
    return Table("rows", tuple(names.values()))


def table_for(name: str | None, rows: Sequence[Row]) -> Table:
    """The listing's chosen table (a name not registered is a mistake of the code, not the
    user's), or, with no name, columns derived from its rows."""
    return derived(rows) if name is None else TABLES[name]


# --- CSV ----------------------------------------------------------------------------


def guarded(text: str) -> str:
    """A text a spreadsheet shows as text: a would-be formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any, kind: str) -> str:
    """One value as CSV text: empty for null, yes/no, lists joined, ISO dates as they are."""
    if value is None:
        return ""
    if kind == "flag" or isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return guarded(LIST_SEPARATOR.join(_plain(item) for item in value))
    if isinstance(value, int | float):
        return str(value)
    return guarded(_plain(value))


def csv_text(name: str | None, rows: Sequence[Row]) -> str:
    """A listing as CSV: a header row of the column names, then a line per table row."""
    columns, values = table_for(name, rows).lay_out(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in columns])
    for line in values:
        writer.writerow(csv_cell(v, c.kind) for c, v in zip(columns, line, strict=True))
    return out.getvalue()


# --- the workbook ---------------------------------------------------------------------


def _typed(value: Any, kind: str) -> Any:
    """One value as a workbook cell holds it: dates as dates, moments in UTC (a workbook
    has no time zones), flags as booleans, numbers as numbers, lists joined."""
    if value is None:
        return None
    if kind == "date":
        return dt.date.fromisoformat(str(value)[:10])
    if kind == "datetime":
        moment = dt.datetime.fromisoformat(str(value))
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC)
        return moment.replace(tzinfo=None)
    if kind == "flag" or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_plain(item) for item in value)
    return _plain(value)


NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}


def workbook_bytes(sheets: dict[str, list[Row]]) -> bytes:
    """The sheets as an .xlsx file: a sheet per table, its header row frozen and filtered,
    each column as wide as its longest value (within `MAX_WIDTH`), dates as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    bold = Font(bold=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(title=name)
        columns, values = TABLES[name].lay_out(rows)
        sheet.append([column.name for column in columns])
        for cell in sheet[1]:
            cell.font = bold
        widths = [len(column.name) for column in columns]
        for line in values:
            typed = [_typed(v, c.kind) for c, v in zip(columns, line, strict=True)]
            sheet.append(typed)
            for index, (column, value) in enumerate(zip(columns, typed, strict=True)):
                cell = sheet.cell(row=sheet.max_row, column=index + 1)
                if isinstance(value, str):
                    cell.data_type = "s"  # text, never a formula, whatever it begins with
                elif value is not None and column.kind in NUMBER_FORMATS:
                    cell.number_format = NUMBER_FORMATS[column.kind]
                shown = len(str(value)) if value is not None else 0
                if column.kind in NUMBER_FORMATS and value is not None:
                    shown = len(NUMBER_FORMATS[column.kind])
                widths[index] = max(widths[index], shown)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(width, MAX_WIDTH) + 2
        sheet.freeze_panes = "A2"
        if values:
            sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- cam export: the formats ------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    """What an export wrote: its bytes, and a line telling what they hold."""

    content: bytes
    summary: str


@dataclass(frozen=True)
class ExportFormat:
    """One format of `cam export`: its name, file suffixes, whether it is binary (a file
    only, never a terminal) and whether it is of one plan (`--plan`) or the whole store."""

    name: str
    suffixes: tuple[str, ...]
    write: Callable[["Workspace", str | None], Exported]
    binary: bool
    per_plan: bool


EXPORTS: dict[str, ExportFormat] = {}


def exporter(
    name: str, *suffixes: str, binary: bool = False, per_plan: bool = False
) -> Callable[[Any], Any]:
    """Register an export function as the format `name` (the one place formats are listed)."""

    def register(func: Callable[["Workspace", str | None], Exported]) -> Any:
        EXPORTS[name] = ExportFormat(name, suffixes, func, binary, per_plan)
        return func

    return register


@exporter("json", ".json")
def export_store(ws: "Workspace", plan_name: str | None) -> Exported:
    """Every row of every table, as `cam import` restores it."""
    text, rows = ws.export_json()
    return Exported(text.encode(), f"exported {rows} rows")


@exporter("xlsx", ".xlsx", binary=True, per_plan=True)
def export_workbook(ws: "Workspace", plan_name: str | None) -> Exported:
    """One plan for the office: a sheet per table, read in one unit of work."""
    from cam_tracker.app.queries import workbook

    with ws.session() as db:
        plan = ws.plan(db, plan_name)
        sheets = workbook(db, plan, ws.lang)
    rows = sum(len(TABLES[name].lay_out(found)[1]) for name, found in sheets.items())
    return Exported(
        workbook_bytes(sheets),
        f"exported {plan.name}: {len(sheets)} sheets ({', '.join(sheets)}), {rows} rows",
    )


def format_for(output: Path | None, fmt: str | None) -> ExportFormat:
    """The format asked for, else the one the output file's suffix names, else JSON."""
    if fmt is not None:
        if fmt not in EXPORTS:
            raise InvalidInput(
                f"unknown export format {fmt!r}; formats: {', '.join(EXPORTS)}",
                fields=("format",),
            )
        return EXPORTS[fmt]
    if output is None:
        return EXPORTS["json"]
    suffix = output.suffix.lower()
    found = next((f for f in EXPORTS.values() if suffix in f.suffixes), None)
    return found if found is not None else EXPORTS["json"]


def export(ws: "Workspace", form: ExportFormat, plan_name: str | None) -> Exported:
    """The export in one format; a whole-store format refuses a plan."""
    if plan_name is not None and not form.per_plan:
        per_plan = [f.name for f in EXPORTS.values() if f.per_plan]
        raise InvalidInput(
            f"the {form.name} export is the whole store: a plan goes with "
            f"--format {'|'.join(per_plan)}",
            fields=("plan",),
        )
    return form.write(ws, plan_name)
