"""A step as it reads once its corrections are applied.

History is append-only: a mistake in a step (its day, its note, its document
symbol) is corrected by a later row, event `correction`, that points at the
step (`corrects_id`) and carries the values it gives it. Every reader —
views, the report, the reminders — reads history through `apply`, so they all
show the corrected values, and the log can show both the step (marked as
corrected) and the correction. The stored rows are never changed: `apply`
returns copies that no store session holds.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cam_tracker.store import read

if TYPE_CHECKING:
    from cam_tracker.store import models

# What a correction may change on a step, and the column of the correction row that says it.
FIELDS = {"at": "corrected_at", "note": "corrected_note", "document": "corrected_document"}


@dataclass(frozen=True)
class Correction:
    """A correction row and what it changed on its step: field → (before, after)."""

    row: "models.History"
    step_id: int
    changes: dict[str, tuple[Any, Any]]


@dataclass
class Corrected:
    """History rows with their corrections applied.

    `rows` keeps every row (corrections too), a corrected step replaced by a
    copy carrying its corrected values, in the order steps happened.
    """

    rows: "list[models.History]"
    corrections: dict[int, Correction] = field(default_factory=dict)
    corrected_by: dict[int, list[int]] = field(default_factory=dict)


def values(row: "models.History") -> dict[str, Any]:
    """The values a correction row gives its step (None where the step keeps its own)."""
    given = {name: getattr(row, column) for name, column in FIELDS.items()}
    return {name: value for name, value in given.items() if value is not None}


def apply(rows: "Iterable[models.History]") -> Corrected:
    """Apply each correction, in the order they were written, to the step it corrects.

    A correction whose step is not among `rows` is kept as a row and applies
    to nothing. The result is ordered by (at, id), the order of the log.
    """
    rows = list(rows)
    steps = {row.id: row for row in rows if row.corrects_id is None}
    corrected: dict[int, models.History] = {}
    result = Corrected(rows=[])
    for row in sorted((r for r in rows if r.corrects_id is not None), key=lambda r: r.id or 0):
        assert row.id is not None and row.corrects_id is not None
        step = corrected.get(row.corrects_id) or steps.get(row.corrects_id)
        given = values(row)
        changes = (
            {name: (getattr(step, name), value) for name, value in given.items()} if step else {}
        )
        result.corrections[row.id] = Correction(row, row.corrects_id, changes)
        result.corrected_by.setdefault(row.corrects_id, []).append(row.id)
        if step is not None:
            corrected[row.corrects_id] = _copy(step, given)
    result.rows = [corrected.get(row.id or 0, row) for row in rows]
    if any(name == "at" for c in result.corrections.values() for name in c.changes):
        result.rows.sort(key=lambda row: (_utc(row.at), row.id or 0))
    return result


def _copy(step: "models.History", given: dict[str, Any]) -> "models.History":
    """The step with the values a correction gives it, in no store session: a row read
    without the ORM (`store.read`) or a model, as the step was read."""
    if isinstance(step, read.Row):
        return step.copy(**given)
    from cam_tracker.store import models

    return models.History(**{**step.model_dump(), **given})


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
