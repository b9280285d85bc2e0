"""A file's data with where each value is in it, and its problems told at their lines.

Kept apart from the YAML parser (`files.yamlfile`) and the schemas (pydantic): a
reader of definitions already validated (a plan's workflows stored with it) needs
neither.
"""

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from cam_tracker.core.errors import InvalidDefinition
from cam_tracker.core.text import quoted

if TYPE_CHECKING:
    from pydantic import BaseModel

# Problems told at once: past this many, the rest are counted.
MAX_PROBLEMS = 100
# Fields that name an entry of a list, in order of preference.
ENTRY_NAMES = ("key", "name", "trigger", "number", "activity", "symbol")

_PLAIN_NAME = re.compile(r"[\w.:/@+-]{1,64}")

Loc = tuple[Hashable, ...]
M = TypeVar("M", bound="BaseModel")


class Problem(NamedTuple):
    """One thing wrong in a file: where (a path of keys and positions) and what."""

    loc: Loc
    message: str


@dataclass(frozen=True)
class Document:
    """A YAML file's data, with the line of every value in it."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: Loc) -> int:
        """The line of the deepest part of `loc` the file has (1: the file itself)."""
        for end in range(len(loc), 0, -1):
            found = self.lines.get(tuple(loc[:end]))
            if found is not None:
                return found
        return self.lines.get((), 1)

    def name(self, loc: Loc) -> str:
        """`loc` as a reader finds it: `sessions[2015-10a].agenda[#2].event`."""
        text = ""
        node: Any = self.data
        for part in loc:
            if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                text += f"[{_entry_name(node[part], part)}]"
                node = node[part]
            elif isinstance(node, dict):
                key = str(part) if _PLAIN_NAME.fullmatch(str(part)) else quoted(part, 40)
                text += f".{key}" if text else key
                node = node.get(part)
            else:
                break  # a type the schema tried, or past a missing key: nothing more to name
        return text or "(top level)"

    def invalid(self, problems: Iterable[Problem]) -> InvalidDefinition:
        """Every problem, one line each, in file order, as one error."""
        placed = sorted(
            ((self.line(p.loc), index, p) for index, p in enumerate(problems)),
            key=lambda item: item[:2],
        )
        lines = [
            f"{self.path}: line {line}: {self.name(p.loc)}: {p.message}" for line, _, p in placed
        ]
        if len(lines) > MAX_PROBLEMS:
            lines[MAX_PROBLEMS:] = [f"{self.path}: … and {len(lines) - MAX_PROBLEMS} more problems"]
        return InvalidDefinition("\n".join(lines))

    def validate(self, model: type[M], extra: Iterable[Problem] = ()) -> M:
        """The data as `model`, or every problem of the schema and `extra` at once."""
        problems: list[Problem] = []
        result: M | None = None
        from pydantic import ValidationError

        from cam_tracker.files.yamlfile import schema_problems

        try:
            result = model.model_validate(self.data)
        except ValidationError as exc:
            problems.extend(schema_problems(exc))
        problems.extend(extra)
        if problems or result is None:
            raise self.invalid(problems)
        return result


def _entry_name(item: Any, position: int) -> str:
    if isinstance(item, dict):
        for key in ENTRY_NAMES:
            value = item.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                if _PLAIN_NAME.fullmatch(str(value)):
                    return str(value)
                break
    return f"#{position + 1}"
