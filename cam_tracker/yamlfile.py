"""Reading YAML data files, with one-line errors that name the file and key."""

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cam_tracker.errors import InvalidDefinition


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; any problem is an `InvalidDefinition` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidDefinition(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidDefinition(f"{path}: cannot read: {exc}") from None
    try:
        return yaml.safe_load(text)
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
    return f"{path}: {where}: {message}"
