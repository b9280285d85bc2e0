"""Reading YAML data files, with one-line errors that name the file and key."""

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cam_tracker.core.errors import InvalidDefinition

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

_MERGE = "tag:yaml.org,2002:merge"


class _Loader(_SafeLoader):
    """The safe loader, refusing a key given twice in one mapping (YAML forbids it)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; any problem is an `InvalidDefinition` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidDefinition(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidDefinition(f"{path}: cannot read: {exc}") from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "syntax"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InvalidDefinition(f"{path}: {where}: invalid YAML: {problem}") from None


def validation_message(path: Path, exc: ValidationError) -> str:
    """The first validation error as 'file: key.path: what is wrong'."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "required key missing"
    elif error["type"] in ("model_type", "model_attributes_type", "dict_type"):
        message = "expected a mapping of keys, not " + type(error["input"]).__name__
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return f"{path}: {where}: {message}"
