"""Shared fixtures: a fresh store per test (SQLite or PostgreSQL), a CLI runner.

`CAM_TEST_DATABASE=postgresql` runs the suite against the local PostgreSQL
server: one database is created for the run (and dropped after it), and every
test starts from empty tables.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from cam_tracker import store
from cam_tracker.cli import cli

BACKEND = os.environ.get("CAM_TEST_DATABASE", "sqlite")
POSTGRES_SERVER = os.environ.get(
    "CAM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432"
)


def pytest_report_header() -> str:
    return f"cam-tracker store backend: {BACKEND}"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A database of its own for this run, dropped at the end."""
    if BACKEND != "postgresql":
        yield None
        return
    name = f"cam_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        store.dispose_all()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db_url(tmp_path: Path, postgres_database: str | None) -> Iterator[str]:
    """An empty store for one test."""
    if postgres_database is None:
        url = f"sqlite:///{tmp_path / 'cam.db'}"
        yield url
        store.dispose(url)
        return
    store.reset(postgres_database)
    yield postgres_database


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own store, user name or settings."""
    for name in ("CAM_DATABASE_URL", "CAM_PLAN", "CAM_LANG", "CAM_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CAM_USER", "tester")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


class Cam:
    """Runs `cam` commands in process against one store."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int | None = 0, input: str | None = None) -> Result:
        result = self.runner.invoke(cli, ["--db", self.url, *args], input=input)
        if expect is not None:
            assert result.exit_code == expect, (
                f"cam {' '.join(args)} exited {result.exit_code}, expected {expect}\n"
                f"{result.output}\n{result.exception!r}"
            )
        return result


@pytest.fixture
def cam(db_url: str) -> Cam:
    return Cam(db_url)


@pytest.fixture
def loaded(cam: Cam) -> Cam:
    """A store with the bundled 2015–2016 plan loaded."""
    cam("plan", "load", "cam-2015-2016")
    return cam
