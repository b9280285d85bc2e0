"""Where the bundled data roots are: inside the wheel, or beside a checkout.

The data roots are `workflows/`, `plans/`, `templates/` and `locale/`; the
wheel carries them under `cam_tracker/_data/`.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
DATA_ROOTS = ("workflows", "plans", "templates", "locale")


def data_dir(name: str) -> Path:
    """One bundled data root (`workflows`, `plans`, `templates` or `locale`)."""
    installed = _PACKAGE / "_data" / name
    return installed if installed.is_dir() else _PACKAGE.parent / name
