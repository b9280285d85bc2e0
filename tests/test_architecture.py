"""The layers of the package and what each may import, read from the source (AST).

Only imports that run count: an import under `if TYPE_CHECKING:` is for the
type checker alone and is skipped. An import inside a function runs when the
function does, so it counts for the layer rules; only the rule on heavy
libraries tells a module's top level from its functions. Every failure lists
each violation as "module imports X" (or "module calls X"), with its line.

The rules are those of docs/architecture.md:
- `cli` → `app`, `reports`, `reminders`, `core` (never `store`, `files`, the ORM);
- nothing imports `cli` but `cam_tracker.__main__`;
- `app` → `store`, `files`, `core`; `reminders` and `reports` → `app`, `store`,
  `files`, `core`; `store` and `files` → `core`; `core` → nothing of the package;
- only `files/workflow.py` imports `transitions`; only `store/` builds engines;
- matplotlib, weasyprint, apscheduler and icalendar load inside functions;
- each capability (sending mail, scheduling, charts, YAML, the console…) has
  one home: no module outside it does that family's job.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "cam_tracker"

# The layers of the package each layer may import (besides itself).
ALLOWED_LAYERS = {
    "root": set(),
    "main": {"root", "cli"},
    "core": set(),
    "files": {"core"},
    "store": {"core"},
    "app": {"core", "files", "store"},
    "reminders": {"core", "files", "store", "app"},
    "reports": {"core", "files", "store", "app"},
    "cli": {"root", "core", "app", "reminders", "reports"},
}

# Libraries the command line never touches: the store is the library's business.
CLI_FORBIDDEN = ("sqlmodel", "sqlalchemy", "alembic", "psycopg", "transitions")

# Slow to import: loaded by the function that needs them, never at a module's top level.
HEAVY = ("matplotlib", "weasyprint", "apscheduler", "icalendar", "openpyxl")

# Each capability's library, and the only modules (or packages) that may use it.
OWNERS = {
    "smtplib": ("cam_tracker.reminders.transport",),  # talking to a mail server
    "ssl": ("cam_tracker.reminders.transport",),
    "email.message": ("cam_tracker.reminders",),  # composing mail
    "email.utils": ("cam_tracker.reminders",),
    "email.mime": ("cam_tracker.reminders",),
    "apscheduler": ("cam_tracker.reminders.daemon",),  # running on a schedule
    "icalendar": ("cam_tracker.reminders.ics",),  # calendars
    "matplotlib": ("cam_tracker.reports.chart",),  # charts
    "weasyprint": ("cam_tracker.reports.render",),  # PDF
    "openpyxl": ("cam_tracker.reports.export",),  # workbooks
    "docx": ("cam_tracker.reports.docx",),  # word-processor copies
    "lxml": ("cam_tracker.reports.docx",),
    "markdown_it": ("cam_tracker.reports.gather",),  # the secretariat's Markdown
    "csv": ("cam_tracker.reports.export",),  # CSV
    "markupsafe": ("cam_tracker.reports", "cam_tracker.core.i18n"),  # templates' safe text
    "jinja2": ("cam_tracker.core.i18n",),  # template environments
    "babel": ("cam_tracker.core.i18n",),  # languages: catalogs, dates and numbers in words
    "transitions": ("cam_tracker.files.workflow",),  # state machines
    "yaml": ("cam_tracker.files.yamlfile",),  # reading data files
    "pydantic": ("cam_tracker.files",),  # validating data files
    "alembic": ("cam_tracker.store.migrations",),  # the schema
    "sqlmodel": (  # the store
        "cam_tracker.store",
        "cam_tracker.app",
        "cam_tracker.reminders",
        "cam_tracker.reports",
    ),
    "sqlalchemy": (
        "cam_tracker.store",
        "cam_tracker.app",
        "cam_tracker.reminders",
        "cam_tracker.reports",
    ),
    "click": ("cam_tracker.cli",),  # the command line
    "rich": ("cam_tracker.cli",),  # the console
    "platformdirs": ("cam_tracker.core.settings",),  # where settings and the store live
    "tomllib": ("cam_tracker.core.settings",),
    "zoneinfo": ("cam_tracker.core.dates",),  # every zone rule
    "calendar": ("cam_tracker.core.dates",),  # every month rule
}


@dataclass(frozen=True)
class Import:
    """One import statement's target, as it runs."""

    module: str  # the importing module, dotted
    target: str  # the module imported (a submodule when `from package import name` names one)
    top_level: bool  # runs when the importing module is imported
    line: int

    def __str__(self) -> str:
        return f"{self.module} imports {self.target} (line {self.line})"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    """Whether a dotted name of the package is a module or a package of its own."""
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(path): ast.parse(path.read_text(encoding="utf-8"), str(path))
        for path in sorted((ROOT / PACKAGE).rglob("*.py"))
    }


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every node that runs, with whether it sits inside a function; TYPE_CHECKING skipped."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield other, in_function
                yield from _runtime_nodes(other, in_function)
            continue
        inside = in_function or isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
        )
        yield child, inside
        yield from _runtime_nodes(child, inside)


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        parts = module.split(".")
        is_package = ROOT.joinpath(*parts, "__init__.py").is_file()
        base = parts if is_package else parts[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join([*base, *([node.module] if node.module else [])])
    else:
        source = node.module or ""
    if not source.startswith(PACKAGE):
        return [source]
    return [
        f"{source}.{alias.name}" if _is_module(f"{source}.{alias.name}") else source
        for alias in node.names
    ]


def _imports() -> list[Import]:
    found = []
    for module, tree in MODULES.items():
        for node, in_function in _runtime_nodes(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.extend(
                    Import(module, target, not in_function, node.lineno)
                    for target in _targets(module, node)
                )
    return found


IMPORTS = _imports()


def _layer(module: str) -> str:
    """The layer of a module of the package: its first-level package (or root, main)."""
    if module == PACKAGE:
        return "root"
    name = module.split(".")[1]
    return "main" if name == "__main__" else name


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _check(violations: list[Import] | list[str]) -> None:
    """Fail with one line per violation: "module imports X (line N)"."""
    if violations:
        pytest.fail("\n".join(str(v) for v in violations), pytrace=False)


def test_the_walk_sees_the_package() -> None:
    """The rules below prove something: every layer is there and imports are found."""
    assert {_layer(m) for m in MODULES} == set(ALLOWED_LAYERS)
    found = {(i.module, i.target) for i in IMPORTS}
    assert ("cam_tracker.files.workflow", "transitions") in found
    assert ("cam_tracker.cli.base", PACKAGE) in found  # `from cam_tracker import __version__`
    # `from cam_tracker import store` imports the package store, not the root
    assert ("cam_tracker.app.activities", "cam_tracker.store") in found
    assert ("cam_tracker.store.audit", "cam_tracker.store") in found


def test_each_layer_imports_only_the_layers_below_it() -> None:
    violations = [
        i
        for i in IMPORTS
        if _within(i.target, PACKAGE)
        and _layer(i.target) != _layer(i.module)
        and _layer(i.target) not in ALLOWED_LAYERS[_layer(i.module)]
    ]
    _check(violations)


def test_nothing_imports_the_command_line_but_the_entry_point() -> None:
    violations = [
        i
        for i in IMPORTS
        if _within(i.target, "cam_tracker.cli")
        and not _within(i.module, "cam_tracker.cli")
        and i.module != "cam_tracker.__main__"
    ]
    _check(violations)


def test_the_command_line_never_touches_the_store() -> None:
    violations = [
        i
        for i in IMPORTS
        if _within(i.module, "cam_tracker.cli")
        and (
            any(_within(i.target, name) for name in CLI_FORBIDDEN)
            or _within(i.target, "cam_tracker.store")
            or _within(i.target, "cam_tracker.files")
        )
    ]
    _check(violations)


def test_only_the_workflow_module_imports_transitions() -> None:
    violations = [
        i
        for i in IMPORTS
        if _within(i.target, "transitions") and i.module != "cam_tracker.files.workflow"
    ]
    _check(violations)


def test_only_the_store_builds_engines() -> None:
    violations = []
    for module, tree in MODULES.items():
        if _within(module, "cam_tracker.store"):
            continue
        for node, _ in _runtime_nodes(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name == "create_engine":
                    violations.append(f"{module} calls create_engine (line {node.lineno})")
            if isinstance(node, ast.ImportFrom) and any(
                alias.name == "create_engine" for alias in node.names
            ):
                violations.append(f"{module} imports create_engine (line {node.lineno})")
    _check(violations)


def test_heavy_libraries_load_inside_functions() -> None:
    violations = [
        i for i in IMPORTS if i.top_level and any(_within(i.target, name) for name in HEAVY)
    ]
    _check(violations)


def test_each_capability_has_one_family() -> None:
    """No module does another family's job: only reminders/ sends mail, only cli/ prints…"""
    violations = [
        i
        for i in IMPORTS
        for library, owners in OWNERS.items()
        if _within(i.target, library) and not any(_within(i.module, o) for o in owners)
    ]
    _check(violations)


def test_the_rules_catch_a_violation(tmp_path: Path) -> None:
    """A module written against the rules is reported, in words a reader can act on."""
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "import matplotlib\n"
        "from cam_tracker.store import models\n"
        "if TYPE_CHECKING:\n"
        "    from cam_tracker.files import workflow\n"
        "def f():\n"
        "    import sqlalchemy\n"
    )
    found = [
        Import("cam_tracker.cli.example", target, not inside, node.lineno)
        for node, inside in _runtime_nodes(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for target in _targets("cam_tracker.cli.example", node)
    ]
    assert [str(i) for i in found] == [
        "cam_tracker.cli.example imports typing (line 1)",
        "cam_tracker.cli.example imports matplotlib (line 2)",
        "cam_tracker.cli.example imports cam_tracker.store.models (line 3)",
        "cam_tracker.cli.example imports sqlalchemy (line 7)",
    ]
    assert [i.top_level for i in found] == [True, True, True, False]
