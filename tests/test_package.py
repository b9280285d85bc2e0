"""The package as it ships: the wheel carries its data, and starting `cam` stays cheap."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "transitions",
    "rich",
    "jinja2",
    "babel",
    "matplotlib",
    "apscheduler",
    "weasyprint",
    "icalendar",
    "aiosmtpd",
)


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_wheel_carries_every_data_root(tmp_path: Path) -> None:
    built = _run(
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--quiet",
        "--wheel-dir",
        str(tmp_path),
        str(ROOT),
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("cam_tracker-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    workflows = {n for n in names if n.startswith("cam_tracker/_data/workflows/")}
    kinds = {Path(n).name for n in workflows if n.count("/") == 3}
    expected = {p.name for p in (ROOT / "workflows").glob("*.yaml")}
    assert kinds == expected
    assert {"common.yaml", "resolution.yaml", "program_update.yaml"} <= kinds
    assert "cam_tracker/_data/plans/cam-2015-2016.yaml" in names
    for root in ("templates", "locale", "plans", "workflows"):
        shipped = {n for n in names if n.startswith(f"cam_tracker/_data/{root}/")}
        on_disk = {
            f"cam_tracker/_data/{root}/" + p.relative_to(ROOT / root).as_posix()
            for p in (ROOT / root).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        assert on_disk and on_disk <= shipped, root
    assert "cam_tracker/cli/__init__.py" in names and "cam_tracker/__main__.py" in names
    assert not any(n.startswith("tests/") or n.endswith(".pyc") for n in names)


def test_python_m_cam_tracker_help(tmp_path: Path) -> None:
    result = _run("-m", "cam_tracker", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: ")
    assert "advance" in result.stdout and "plan" in result.stdout
    version = _run("-m", "cam_tracker", "--version", cwd=tmp_path)
    assert version.returncode == 0 and "0.1.0" in version.stdout


def test_cam_help_imports_nothing_heavy(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "import cam_tracker.cli\n"
        "sys.argv = ['cam', '--help']\n"
        "try:\n"
        "    cam_tracker.cli.main()\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = _run("-c", script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage: cam" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"
