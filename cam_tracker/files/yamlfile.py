"""Reading YAML data files, and telling every problem of one at once, by line and entry.

A file is read whole or not at all: at most `MAX_FILE_BYTES` (a regular file;
a device or a pipe is refused before anything is read), at most `MAX_NODES`
values once aliases are expanded, every date left a string for the schema to
judge (PyYAML's own timestamps raise on `2015-02-30` and know no limits).
Each value's line is kept, so that a schema's refusals name where they are:

    plan.yaml: line 42: sessions[2010-01].month: not a month: '2010-13' (use YYYY-MM)

An entry of a list is named by its key (`key`, `name`, `trigger`, `number`,
`activity`, `symbol`, the first it has), else by its position (`agenda[#2]`, counted
from 1). Every problem of a file is one line of the same error, in file order.
"""

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cam_tracker.core.errors import InvalidDefinition
from cam_tracker.core.reading import read_limited
from cam_tracker.core.text import quoted
from cam_tracker.files.located import ENTRY_NAMES as ENTRY_NAMES
from cam_tracker.files.located import MAX_PROBLEMS as MAX_PROBLEMS
from cam_tracker.files.located import Document as Document
from cam_tracker.files.located import Loc as Loc
from cam_tracker.files.located import Problem as Problem

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

# A plan of twenty times the bundled one's size fits in a tenth of this.
MAX_FILE_BYTES = 1024 * 1024
# Values in a file once aliases are expanded (the bundled plan has about 1,500):
# a few lines of nested aliases must not unfold into billions of them.
MAX_NODES = 200_000

_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(_SafeLoader):
    """The safe loader: dates stay strings, a key given twice in a mapping is refused."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Any refusal while building a value (`!!int 0xZZ`) is a YAML error at its node."""
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:
            problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value: {problem}", node.start_mark
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {quoted(key)}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep)


def _timestamp_as_text(loader: _Loader, node: yaml.Node) -> Any:
    assert isinstance(node, yaml.ScalarNode)
    return loader.construct_scalar(node)


# Without the timestamp resolver `2015-10-21` is a string; an explicit
# `!!timestamp` tag gives the string too.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor(_TIMESTAMP, _timestamp_as_text)


_INT = "tag:yaml.org,2002:int"


def _int_or_clock(loader: _Loader, node: yaml.Node) -> Any:
    """YAML 1.1 reads `11:00` as the base-60 integer 660; a plan means a time of day, so a
    plain scalar with a colon stays the text it is (and is judged as a time where one goes)."""
    assert isinstance(node, yaml.ScalarNode)
    if ":" in node.value:
        return loader.construct_scalar(node)
    return loader.construct_yaml_int(node)


_Loader.add_constructor(_INT, _int_or_clock)


def read_yaml(path: Path) -> Document:
    """Parse a YAML file; any problem is an `InvalidDefinition` naming the file (and line)."""
    raw = read_limited(path, MAX_FILE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InvalidDefinition(f"{path}: line {line}: cannot read: not UTF-8 text") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(path, None, {(): 1})
        _check_size(node)
        data = loader.construct_document(node)
        return Document(path, data, _lines(loader, node))
    except yaml.YAMLError as exc:
        raise InvalidDefinition(f"{path}: {_yaml_problem(exc, text)}") from None
    except RecursionError:
        raise InvalidDefinition(f"{path}: invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    if isinstance(exc, yaml.reader.ReaderError):
        where = f"line {text.count(chr(10), 0, exc.position) + 1}"
        code = exc.character if isinstance(exc.character, int) else ord(exc.character or " ")
        problem = f"character {code:#04x} is not allowed in YAML (write it escaped, in quotes)"
    else:
        where = f"line {mark.line + 1}" if mark is not None else "syntax"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{where}: invalid YAML: {problem}"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_size(root: yaml.Node) -> None:
    """Refuse a tree that aliases unfold past MAX_NODES values, or that contains itself."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            open_nodes.discard(id(node))
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > MAX_NODES:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"more than {MAX_NODES} values once aliases are expanded",
                    node.start_mark,
                )
            sizes[id(node)] = size
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            raise yaml.composer.ComposerError(
                None, None, "an alias refers to the value that contains it", node.start_mark
            )
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def _lines(loader: _Loader, root: yaml.Node) -> dict[Loc, int]:
    """The line of every value: of its key in a mapping, of its item in a list."""
    lines: dict[Loc, int] = {(): root.start_mark.line + 1}
    stack: list[tuple[Loc, yaml.Node]] = [((), root)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = loader.construct_object(key_node)
                lines.setdefault((*loc, key), key_node.start_mark.line + 1)
                stack.append(((*loc, key), value_node))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*loc, index)] = item.start_mark.line + 1
                stack.append(((*loc, index), item))
    return lines


# --- a schema's refusals in the words of the file -----------------------------------------

_TYPE_NAMES = {
    "str": "a text",
    "int": "a number",
    "float": "a number",
    "bool": "true or false",
    "NoneType": "nothing",
    "dict": "a mapping of keys",
    "list": "a list",
    "bytes": "binary data",
    "set": "a set",
}
_EXPECTED = {
    "string_type": "a text",
    "list_type": "a list",
    "dict_type": "a mapping of keys",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
}


def _kind(value: Any) -> str:
    return _TYPE_NAMES.get(type(value).__name__, type(value).__name__)


def schema_problems(exc: ValidationError) -> list[Problem]:
    """pydantic's errors as problems of the file, told in its words."""
    problems = []
    for error in exc.errors(include_url=False):
        kind = error["type"]
        value = error.get("input")
        if kind == "extra_forbidden":
            message = "unknown key"
        elif kind == "missing":
            message = "required key missing"
        elif kind in _EXPECTED:
            message = f"expected {_EXPECTED[kind]}, not {_kind(value)}"
            if kind == "string_type" and isinstance(value, int | float):
                message += " (put it in quotes)"
        elif kind == "too_short":
            message = f"needs at least {error.get('ctx', {}).get('min_length', 1)} entry"
        elif kind == "literal_error":
            message = f"{quoted(value)} is not one of {error.get('ctx', {}).get('expected', '')}"
        elif kind in ("value_error", "assertion_error"):
            message = str(error["msg"]).split(", ", 1)[-1]
        else:
            message = str(error["msg"])
        problems.append(Problem(tuple(error["loc"]), message))
    return problems
