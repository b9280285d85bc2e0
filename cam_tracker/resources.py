"""Where the bundled data files are: inside the wheel, or beside a checkout."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The bundled `workflows` or `notifications` directory."""
    installed = _PACKAGE / "_data" / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def languages() -> tuple[str, ...]:
    """English, then every language that has a catalog directory."""
    locale = data_dir("notifications") / "locale"
    found = sorted(p.name for p in locale.iterdir() if p.is_dir()) if locale.is_dir() else []
    return ("en", *(lang for lang in found if lang != "en"))
