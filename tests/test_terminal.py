"""The terminal: tables at 80 and 120 columns, refusals of unknown values, shell completion.

The tables are read the way a person reads them: each column is cut out of
the printed lines at the place its header starts, and each shortened text
must be the beginning of the real one, ending between two words. Completion
runs click's real protocol (`_CAM_COMPLETE=bash_complete`, `COMP_WORDS`,
`COMP_CWORD`) in process and once through the console script.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import Cam
from test_cli import INSTALL, KEYS, refused, store_state

from cam_tracker.cli import cli
from cam_tracker.cli.console import TRAILING


def columns_of(text: str, header_start: str) -> tuple[list[str], list[dict[str, str]]]:
    """A printed table's header names and rows, each cell cut at its header's position."""
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.lstrip().startswith(header_start))
    header = lines[head]
    names = header.split()
    starts = [header.index(f" {name} ") + 1 for name in names]
    rows = []
    for line in lines[head + 2 :]:
        if not line.strip():
            break
        bounds = [*starts[1:], len(line) + 1]
        rows.append(
            {
                name: line[start : end - 1].strip()
                for name, start, end in zip(names, starts, bounds, strict=True)
            }
        )
    return names, rows


def between_words(shown: str, full: str) -> bool:
    """Whether `shown` is `full`, or a beginning of it cut between two words with '…'."""
    if shown == full:
        return True
    kept = shown.removesuffix("…")
    if not shown.endswith("…") or not full.startswith(kept):
        return False
    rest = full[len(kept) :]
    punctuation = TRAILING.strip()
    return rest[:1] == " " or (rest[:1] in punctuation and rest.lstrip(punctuation)[:1] in " ")


@pytest.mark.parametrize("width", [80, 120])
def test_list_keeps_every_column_and_cuts_only_between_words(loaded: Cam, width: int) -> None:
    loaded(*INSTALL, "--on", "2015-10-21")
    text = loaded("list", "--as-of", "2016-01-31", env={"COLUMNS": str(width)}).output
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    names, rows = columns_of(text, "Key")
    assert names == ["Key", "No.", "Title", "State", "Next", "Late"]
    listed = {row["key"]: row for row in loaded.json("list", "--as-of", "2016-01-31")}
    assert [row["Key"] for row in rows] == KEYS
    for row in rows:
        full = listed[row["Key"]]
        assert row["No."] == full["number"]
        assert between_words(row["Title"], full["title"]), (row["Title"], full["title"])
        assert between_words(row["State"], full["state_label"]), row["State"]
        milestone = full["next_milestone"]
        upcoming = f"{milestone['month']} {milestone['event_label']}" if milestone else "–"
        assert between_words(row["Next"], upcoming), (row["Next"], upcoming)
        assert row["Late"] == ("yes" if full["behind"] else "")
    behind = sum(1 for row in listed.values() if row["behind"])
    assert f"{behind} behind plan" in text and behind == sum(r["Late"] == "yes" for r in rows)
    if width == 120:  # room to spare: the states and next steps whole
        assert all(row["State"] == listed[row["Key"]]["state_label"] for row in rows)
        assert any(row["Title"].endswith("…") for row in rows)


def test_list_across_plans_at_80_columns_keeps_the_plan(loaded: Cam) -> None:
    text = loaded("list", "--all-plans", env={"COLUMNS": "80"}).output
    names, rows = columns_of(text, "Plan")
    assert names == ["Plan", "Key", "No.", "Title", "State", "Next", "Late"]
    assert {row["Plan"] for row in rows} == {"cam-2015-2016"}
    assert [row["Key"] for row in rows] == KEYS


def test_a_long_word_is_cut_only_when_nothing_else_fits() -> None:
    from cam_tracker.cli.console import WORD_CAP, shorten, word_floor

    assert word_floor("Consideration of a draft") == len("Consideration…")
    assert word_floor("Thematic session: ties") == len("Thematic…")
    assert word_floor("Pending") == len("Pending")
    assert word_floor("x" * 100) == WORD_CAP
    assert shorten("Consideration of a draft", len("Consideration…")) == "Consideration…"
    assert shorten("Thematic session: ties", 17) == "Thematic session…"
    assert shorten("x" * 100, WORD_CAP) == "x" * (WORD_CAP - 1) + "…"


@pytest.fixture
def addressed(loaded: Cam, monkeypatch: pytest.MonkeyPatch) -> Cam:
    monkeypatch.setenv("CAM_USER", "secretariat")
    loaded(
        "people",
        "add",
        "secretariat",
        "--update",
        "--email",
        "technical-secretariat.migration@example.org",
    )
    loaded("people", "add", "chair", "--update", "--email", "presidency.cam-committee@example.org")
    loaded(
        "people",
        "add",
        "delegate-mx",
        "--name",
        "Representante Alterna de los Estados Unidos Mexicanos",
        "--role",
        "delegate",
        "--email",
        "delegacion.mexico.oea@example.org",
        "--lang",
        "es",
    )
    return loaded


@pytest.mark.parametrize("width", [80, 120, 200])
def test_people_list_never_splits_an_address_or_a_key(addressed: Cam, width: int) -> None:
    text = addressed("people", "list", env={"COLUMNS": str(width)}).output
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    people = addressed.json("people", "list")
    for person in people:
        assert person["email"] is None or person["email"] in text  # on one line, whole
        assert sum(line.count(person["key"]) for line in text.splitlines()) >= 1
    for key in [k for person in people for k in person["responsible"]]:
        assert any(key in line for line in text.splitlines()), key
    words = {word.strip(",<>") for line in text.splitlines() for word in line.split()}
    assert {"thematic-new-challenges", "forum-human-rights"} <= words
    if width == 200:  # wide enough for the table itself
        assert columns_of(text, "Key")[0][:2] == ["Key", "Name"]


def test_an_unknown_state_or_kind_is_refused_like_each_other(loaded: Cam) -> None:
    before = store_state(loaded)
    state = refused(loaded, "list", "--state", "aproved")
    assert state.startswith("Error: --state: no state 'aproved' (did you mean 'approved'?)")
    kind = refused(loaded, "list", "--kind", "meetng")
    assert "no workflow kind 'meetng'" in kind or "meetng" in kind
    assert "did you mean 'meeting'" in kind
    assert refused(loaded, "list", "--state", "nosuch", "--csv").startswith("Error: --state:")
    assert refused(loaded, "list", "--kind", "meeting", "--state", "adopted").startswith(
        "Error: --state: no state 'adopted'"
    )
    assert store_state(loaded) == before


# --- shell completion -------------------------------------------------------------------------


def complete(db_url: str, *words: str, shell: str = "bash") -> list[str]:
    """What the shell would offer for the last word, by click's completion protocol."""
    line = ["cam", "--db", db_url, *words]
    env = {
        "_CAM_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": " ".join(line),
        "COMP_CWORD": str(len(line) - 1),
    }
    result = CliRunner().invoke(cli, [], env=env, prog_name="cam")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return [line.partition(",")[2] for line in result.stdout.splitlines() if line]


def test_completion_offers_the_activities_keys(loaded: Cam) -> None:
    assert complete(loaded.url, "show", "") == KEYS
    assert complete(loaded.url, "advance", "prog") == ["program-update"]
    assert complete(loaded.url, "reschedule", "th") == [
        "thematic-communities",
        "thematic-new-challenges",
    ]
    assert complete(loaded.url, "people", "assign", "chair", "cam") == [
        "campaign",
        "cam-dissemination",
    ]
    assert complete(loaded.url, "session", "record", "2015-11", "--except", "w") == ["work-plan"]
    history = complete(loaded.url, "history", "")
    assert history[0] == "correct" and history[1:] == KEYS
    assert complete(loaded.url, "history", "s") == ["sicremi"]


def test_completion_offers_the_keys_of_the_plan_a_command_would_act_on(loaded: Cam) -> None:
    """Named with --plan, else made current with `cam plan use`, else loaded last."""
    other = Path(__file__).parent / "data" / "ceam-2008-2009.yaml"
    loaded("plan", "load", str(other))
    ceam = [row["key"] for row in loaded.json("list")]
    assert ceam and ceam != KEYS
    assert complete(loaded.url, "show", "") == ceam  # the plan loaded last
    assert complete(loaded.url, "--plan", "cam-2015-2016", "show", "") == KEYS
    loaded("plan", "use", "cam-2015-2016")
    assert complete(loaded.url, "show", "") == KEYS  # the current plan
    assert complete(loaded.url, "session", "record", "") == [
        session["id"] for session in loaded.json("calendar")
    ]


def test_completion_offers_the_events_the_activity_may_fire_now(loaded: Cam) -> None:
    def allowed(key: str) -> list[str]:
        events = [step["event"] for step in loaded.json("show", key)["allowed_events"]]
        return list(dict.fromkeys(events))

    assert complete(loaded.url, "advance", "program-update", "") == allowed("program-update")
    assert "install_working_group" in allowed("program-update")
    loaded(*INSTALL, "--on", "2015-10-21")
    after = complete(loaded.url, "advance", "program-update", "")
    assert after == allowed("program-update") and "install_working_group" not in after
    assert complete(loaded.url, "advance", "program-update", "neg") == ["negotiate"]
    assert complete(loaded.url, "advance", "no-such-activity", "") == []


def test_completion_offers_sessions_people_and_plans(loaded: Cam) -> None:
    sessions = [session["id"] for session in loaded.json("calendar")]
    assert complete(loaded.url, "session", "record", "") == sessions
    assert complete(loaded.url, "session", "reschedule", "2015-12") == ["2015-12a", "2015-12b"]
    assert complete(loaded.url, "advance", "campaign", "approve", "--session", "2016-0") == [
        s for s in sessions if s.startswith("2016-0")
    ]
    assert complete(loaded.url, "remind", "preview", "2015-1") == [
        s for s in sessions if s.startswith("2015-1")
    ]
    people = [person["key"] for person in loaded.json("people", "list")]
    assert complete(loaded.url, "people", "assign", "") == people
    assert complete(loaded.url, "advance", "campaign", "approve", "--as", "s") == ["secretariat"]
    assert complete(loaded.url, "remind", "preview", "--to", "v") == ["vice-chair"]
    assert complete(loaded.url, "--plan", "") == ["cam-2015-2016"]
    assert complete(loaded.url, "report", "--plan", "cam") == ["cam-2015-2016"]
    assert complete(loaded.url, "export", "--plan", "") == ["cam-2015-2016"]
    assert complete(loaded.url, "plan", "load", "cam") == ["cam-2015-2016", "cam"]


def test_completion_answers_in_each_shells_format(loaded: Cam) -> None:
    for shell in ("zsh", "fish"):
        line = ["cam", "--db", loaded.url, "advance", "prog"]
        env = {
            "_CAM_COMPLETE": f"{shell}_complete",
            "COMP_WORDS": " ".join(line),
            "COMP_CWORD": str(len(line) - 1) if shell == "zsh" else "prog",
        }
        result = CliRunner().invoke(cli, [], env=env, prog_name="cam")
        assert result.exit_code == 0 and "program-update" in result.stdout


def test_completion_without_a_store_completes_nothing_and_makes_none(
    tmp_path: Path, loaded: Cam
) -> None:
    missing = tmp_path / "none" / "cam.db"
    assert complete(str(missing), "show", "") == []
    assert complete(str(missing), "advance", "program-update", "") == []
    assert complete(str(missing), "people", "assign", "") == []
    assert complete(str(missing), "plan", "load", "cam") == ["cam-2015-2016", "cam"]
    assert not missing.parent.exists()
    assert complete("nosuchscheme://x/y", "show", "") == []
    assert complete("postgresql+psycopg://nobody@127.0.0.1:1/cam", "session", "record", "") == []
    before = store_state(loaded)
    complete(loaded.url, "advance", "program-update", "")
    assert store_state(loaded) == before


def test_completion_through_the_console_script(loaded: Cam) -> None:
    """The installed `cam` answers the shell: its script, then the words."""
    script = "import sys; from cam_tracker.__main__ import main; sys.argv[0] = 'cam'; main()"

    def run(env: dict[str, str]) -> Any:
        return subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            check=False,
        )

    source = run({"_CAM_COMPLETE": "bash_source"})
    assert source.returncode == 0 and "_CAM_COMPLETE=bash_complete" in source.stdout
    words = ["cam", "--db", loaded.url, "advance", "program-update", "in"]
    answer = run(
        {
            "_CAM_COMPLETE": "bash_complete",
            "COMP_WORDS": " ".join(words),
            "COMP_CWORD": str(len(words) - 1),
        }
    )
    assert (answer.returncode, answer.stderr) == (0, "")
    assert answer.stdout.splitlines() == ["plain,install_working_group"]


@pytest.mark.parametrize("width", [80, 120])
def test_the_calendar_never_splits_an_activity_key_or_an_event(loaded: Cam, width: int) -> None:
    """Keys and events are typed back on the command line: each stays whole on one line."""
    text = loaded("calendar", env={"COLUMNS": str(width)}).output
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    words = {word for line in text.splitlines() for word in line.split()}
    for session in loaded.json("calendar"):
        for item in session["agenda"]:
            assert {item["activity"], item["event"] or item["activity"]} <= words, item
