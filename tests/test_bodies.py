"""Every committee, not only the CAM: people belong to their committee, the current plan,
a committee across years (both databases)."""

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import Cam

from cam_tracker import store
from cam_tracker.cli import cli

DATA = Path(__file__).parent / "data"
CEAM_2008 = str(DATA / "ceam-2008-2009.yaml")
CEAM_2009 = str(DATA / "ceam-2009-2010.yaml")


@pytest.fixture
def three(loaded: Cam) -> Cam:
    """The CAM's plan, then the CEAM's two years: three plans, each with its `chair`."""
    loaded("plan", "load", CEAM_2008)
    loaded("plan", "load", CEAM_2009)
    return loaded


def _people(cam: Cam) -> dict[str, dict[str, Any]]:
    return {p["key"]: p for p in cam.json("people", "list")}


def _dump(cam: Cam) -> str:
    """Everything the store holds that a refused command must leave as it was."""
    return "\n".join(
        cam(*args).output
        for args in (
            ("people", "list", "--json"),
            ("body", "list", "--json"),
            ("history", "--all", "--json"),
        )
    )


# --- people belong to their committee ---------------------------------------------------


def test_colliding_officer_keys_keep_each_plan_its_own_officers(three: Cam) -> None:
    people = _people(three)
    assert people["chair"]["name"] == "Chair of the CAM"
    assert people["chair"]["bodies"] == ["CAM chair (cam-2015-2016)"]
    # The CEAM's chairs, one per year, are other people under keys of their own.
    assert people["ceam-chair"]["name"] == "María Pérez"
    assert people["ceam-chair"]["title"] == "Ambassador"
    assert people["ceam-chair"]["country"] == "Mexico"
    assert people["ceam-2009-2010-chair"]["name"] == "Ana Gómez"
    # The same secretariat (same name and address) is one person across the CEAM's years.
    assert people["ceam-secretariat"]["bodies"] == [
        "CEAM secretariat (ceam-2008-2009)",
        "CEAM secretariat (ceam-2009-2010)",
    ]
    # Each plan's `chair` is its own: responsible for its own activities.
    cam_plan = three.json("--plan", "cam-2015-2016", "show", "draft-resolution")
    ceam_plan = three.json("--plan", "ceam-2009-2010", "show", "draft-resolution")
    assert cam_plan["responsible"] == ["chair"]
    assert ceam_plan["responsible"] == ["ceam-2009-2010-chair"]
    # The CEAM's reminder is addressed to the CEAM's chair, not the CAM's.
    preview = three(
        *("--plan", "ceam-2009-2010", "remind", "preview", "2009-11"),
        *("--now", "2009-11-03", "--to", "chair"),
    ).output
    assert "Dear Ambassador Ana Gómez," in preview and "Chair of the CAM" not in preview
    # Reloading a plan keeps its people where they were.
    three("plan", "load", CEAM_2008)
    assert _people(three) == people


def test_reminders_of_a_plan_go_to_its_own_body_and_its_distribution(three: Cam) -> None:
    cam_run = three("--plan", "cam-2015-2016", "remind", "--dry-run", "--now", "2015-11-03")
    assert "chair (no email address)" in cam_run.output
    assert "ceam" not in cam_run.output and "delegation" not in cam_run.output
    ceam_run = three("--plan", "ceam-2009-2010", "remind", "--dry-run", "--now", "2009-11-03")
    out = ceam_run.output
    for key in (
        "ceam-2009-2010-chair",
        "ceam-2009-2010-vice-chair",
        "ceam-secretariat",
        "delegation-brazil",  # reminders: {distribution: all_delegations}
        "delegation-canada",
    ):
        assert key in out, key
    assert "ceam-chair " not in out and "María" not in out  # last year's chair
    assert " chair (no email" not in out and "vice-chair (no email" not in out  # the CAM's
    assert "5 digests due" in out


def test_an_address_is_one_persons(three: Cam, tmp_path: Path) -> None:
    before = _dump(three)
    refused = three(
        *("people", "add", "mallory", "--name", "Mallory", "--role", "delegate"),
        *("--email", "CHAIR-2009@ceam.example.org"),
        expect=1,
    )
    assert refused.output.count("\n") == 1
    assert "the address CHAIR-2009@ceam.example.org is already ceam-2009-2010-chair's" in (
        refused.output
    )
    twice = tmp_path / "twice.yaml"
    text = Path(CEAM_2009).read_text(encoding="utf-8")
    twice.write_text(
        text.replace("canada@ceam.example.org", "Brazil@ceam.example.org").replace(
            "name: ceam-2009-2010", "name: ceam-twice"
        ),
        encoding="utf-8",
    )
    bad = three("plan", "load", str(twice), expect=1)
    assert "people[delegation-canada].email: the address Brazil@ceam.example.org is another" in (
        bad.output
    )
    assert _dump(three) == before


def test_people_remove_keeps_the_record(three: Cam) -> None:
    three("--plan", "ceam-2009-2010", "people", "assign", "delegation-canada", "work-plan")
    removed = three("people", "remove", "delegation-canada")
    assert "removed delegation-canada" in removed.output
    assert "delegation-canada" not in _people(three)
    change = [
        row
        for row in three.json("--plan", "ceam-2009-2010", "history", "--all")
        if row["record"] == "change" and row["action"] == "removed"
    ]
    assert change[0]["key"] == "delegation-canada"
    assert change[0]["changes"]["responsible"] == {"from": ["work-plan"], "to": []}
    run = three("--plan", "ceam-2009-2010", "remind", "--dry-run", "--now", "2009-11-03")
    assert "delegation-canada" not in run.output and "4 digests due" in run.output
    assert "verified" in three("audit", "verify").output
    again = three("people", "remove", "delegation-canada", expect=1)
    assert "was removed already" in again.output
    # The key may be registered again, as a new registration.
    three("people", "add", "secretariat", "--update")
    three(
        "people",
        "add",
        "delegation-canada",
        *("--name", "Delegation of Canada", "--role", "delegate", "--as", "secretariat"),
    )
    assert "delegation-canada" in _people(three)
    assert "verified" in three("audit", "verify").output


def test_people_remove_refuses_an_unknown_key(three: Cam) -> None:
    before = _dump(three)
    result = three("people", "remove", "nobody", expect=1)
    assert result.output.startswith("Error: no person 'nobody'")
    assert result.output.count("\n") == 1
    assert _dump(three) == before


# --- authorization by the role in the plan's body ------------------------------------------


def _shared(cam: Cam) -> Cam:
    """A shared store: the CAM's and the CEAM's secretariats and officers registered."""
    cam("people", "add", "secretariat", "--update", "--email", "cam@example.org")
    cam("people", "add", "chair", "--update", "--email", "chair@example.org", "--as", "secretariat")
    for key in ("ceam-secretariat", "ceam-2009-2010-chair", "ceam-2009-2010-vice-chair", "chair"):
        cam("people", "add", key, "--update", "--as", "secretariat")
    return cam


def test_roles_are_roles_in_the_plans_body(three: Cam) -> None:
    cam = _shared(three)
    args = ("draft-resolution", "present", "--session", "2009-11", "--on", "2009-11-18")
    # The CAM's chair is nothing to the CEAM (`chair`, on the CEAM's plan, is the CEAM's).
    refused = cam(
        "--plan", "ceam-2009-2010", "advance", *args, "--as", "chair@example.org", expect=1
    )
    assert "has no role in CEAM" in refused.output
    assert refused.output.count("\n") == 1
    # The CEAM's secretariat (its file's `secretariat`) records the CEAM's session...
    cam(
        *("--plan", "ceam-2009-2010", "advance", "work-plan", "complete"),
        *("--session", "2009-11", "--on", "2009-11-18", "--as", "secretariat"),
    )
    # ...but not the CAM's.
    other = cam(
        *("--plan", "cam-2015-2016", "advance", "work-plan", "complete"),
        *("--session", "2015-10a", "--on", "2015-10-21", "--as", "ceam-secretariat"),
        expect=1,
    )
    assert "ceam-secretariat has no role in CAM" in other.output


def test_the_vice_chair_acts_for_the_chair_by_default(three: Cam, tmp_path: Path) -> None:
    cam = _shared(three)
    step = ("draft-resolution", "present", "--session", "2009-11", "--on", "2009-11-18")
    cam("--plan", "ceam-2009-2010", "advance", *step, "--as", "vice-chair")
    history = cam.json("--plan", "ceam-2009-2010", "history", "draft-resolution")
    assert history[-1]["actor"] == "ceam-2009-2010-vice-chair"
    assert history[-1]["actor_role"] == "vice_chair"
    # Where the chair alone may (the policy's chair-only change), so may the vice chair.
    held = cam(
        *("--plan", "ceam-2009-2010", "session", "record", "2009-11"),
        *("--on", "2009-11-18", "--as", "vice-chair"),
    )
    assert held.exit_code == 0
    # The secretariat's own steps stay the secretariat's.
    refused = cam(
        *("--plan", "ceam-2009-2010", "advance", "draft-resolution", "approve"),
        *("--session", "2009-11", "--on", "2009-11-18", "--as", "vice-chair"),
        expect=1,
    )
    assert "needs the role secretariat" in refused.output
    # A plan may say otherwise: nobody but the secretariat stands in for the chair.
    strict = tmp_path / "strict.yaml"
    text = Path(CEAM_2009).read_text(encoding="utf-8")
    strict.write_text(
        text.replace("name: ceam-2009-2010", "name: ceam-strict").replace(
            "reminders: {distribution: all_delegations}",
            "reminders: {distribution: all_delegations}\npolicy: {act_for_chair: [secretariat]}",
        ),
        encoding="utf-8",
    )
    cam("plan", "load", str(strict), env={"CAM_USER": "secretariat"})
    no = cam("--plan", "ceam-strict", "advance", *step, "--as", "vice-chair", expect=1)
    assert "needs the role chair or secretariat" in no.output


# --- the current plan ---------------------------------------------------------------------


def test_plan_use_makes_a_plan_current_and_an_ambiguous_key_is_warned_of(
    three: Cam, tmp_path: Path
) -> None:
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(cli, ["--db", three.url, *args])

    def run_on(url: str, *args: str) -> str:
        return str(runner.invoke(cli, ["--db", url, *args]).stdout)

    # No plan named, none current: the plan loaded last, with a warning on standard error.
    shown = run("show", "draft-resolution", "--json")
    assert shown.exit_code == 0
    assert shown.stderr.count("\n") == 1
    assert (
        "warning: draft-resolution is in 3 plans (cam-2015-2016, ceam-2008-2009, ceam-2009-2010)"
        in shown.stderr
    )
    assert "--plan NAME or `cam plan use NAME`" in shown.stderr
    assert '"plan": "ceam-2009-2010"' in shown.stdout
    # A key in one plan only: no warning.
    assert run("--plan", "cam-2015-2016", "show", "sicremi").stderr == ""
    listed = {p["name"]: p for p in three.json("plan", "list")}
    assert listed["ceam-2009-2010"]["current_by"] == "loaded last"
    assert "(loaded last)" in three("list").output

    used = three("plan", "use", "cam-2015-2016")
    assert "cam-2015-2016 is the current plan of this store" in used.output
    listed = {p["name"]: p for p in three.json("plan", "list")}
    assert listed["cam-2015-2016"]["current"] and listed["cam-2015-2016"]["current_by"] == (
        "plan use"
    )
    assert not listed["ceam-2009-2010"]["current"]
    listing = three("plan", "list").output
    assert "* cam-2015-2016 " in listing and "(* current: cam-2015-2016, plan use)" in listing
    assert "cam-2015-2016 (current plan)" in three("list").output
    shown = run("show", "draft-resolution", "--json")
    assert shown.stderr == "" and '"plan": "cam-2015-2016"' in shown.stdout
    # --plan still wins.
    assert three.json("--plan", "ceam-2008-2009", "show", "draft-resolution")["plan"] == (
        "ceam-2008-2009"
    )
    # Another store has its own current plan (none): one is never taken for the other.
    other = Cam(f"sqlite:///{tmp_path / 'other.db'}")
    other("plan", "load", CEAM_2008)
    other("plan", "load", CEAM_2009)
    assert '"plan": "ceam-2009-2010"' in run_on(other.url, "show", "work-plan", "--json")
    store.dispose(other.url)
    three("plan", "use", "--none")
    assert '"plan": "ceam-2009-2010"' in run("show", "draft-resolution", "--json").stdout


def test_plan_use_refuses_a_plan_not_loaded(three: Cam) -> None:
    three("plan", "use", "ceam-2008-2009")
    refused = three("plan", "use", "ceam-2010-2011", expect=1)
    assert refused.output.count("\n") == 1
    assert "no plan 'ceam-2010-2011' in the store" in refused.output
    assert three.json("show", "draft-resolution")["plan"] == "ceam-2008-2009"
    assert three("plan", "use", expect=2).output.startswith("Error: give a plan NAME, or --none")


# --- a committee across years ------------------------------------------------------------


def test_body_list_and_show_across_two_plans(three: Cam) -> None:
    bodies = {b["short"]: b for b in three.json("body", "list")}
    assert bodies["CEAM"]["plans"] == ["ceam-2008-2009", "ceam-2009-2010"]
    assert bodies["CEAM"]["parent"] == "Permanent Council of the OAS"
    assert bodies["CAM"]["plans"] == ["cam-2015-2016"]
    ceam = three.json("body", "show", "ceam")
    assert ceam["name"] == "Special Committee on Migration Issues"
    first, second = ceam["plans"]
    assert second["follows"] == "ceam-2008-2009" and first["follows"] is None
    assert first["mandates"] == ["AG/RES. 2416 (XXXVIII-O/08)"]
    assert [(o["role"], o["name"], o["elected_on"], o["elected"]) for o in second["officers"]] == [
        ("chair", "Ana Gómez", "2009-10-14", "by acclamation"),
        ("vice_chair", "Pierre Dubois", "2009-10-14", None),
    ]
    assert first["officers"][0]["country"] == "Mexico"
    assert second["documents"] == 0
    text = three("body", "show", "CEAM").output
    assert "Officers, by period" in text and "acclamation" in text
    spanish = three.json("--lang", "es", "body", "show", "CEAM")
    assert spanish["name"] == "Comisión Especial de Asuntos Migratorios"


def test_a_continued_activity_links_to_the_one_it_carries_on(three: Cam) -> None:
    three(
        *("--plan", "ceam-2008-2009", "advance", "draft-resolution", "present"),
        *("--session", "2008-10", "--on", "2008-10-15", "--doc", "CP/CEAM-1/08"),
    )
    later = three.json("--plan", "ceam-2009-2010", "show", "draft-resolution")
    assert later["continues"] == {
        "plan": "ceam-2008-2009",
        "key": "draft-resolution",
        "state": "presented",
    }
    assert later["history"] == []  # its history stays where it happened
    earlier = three.json("--plan", "ceam-2008-2009", "show", "draft-resolution")
    assert earlier["continued_by"] == [
        {"plan": "ceam-2009-2010", "key": "draft-resolution", "state": "drafting"}
    ]
    assert len(earlier["history"]) == 1
    assert three.json("body", "show", "CEAM")["plans"][0]["documents"] == 1
    shown = three("--plan", "ceam-2009-2010", "show", "draft-resolution").output
    assert "continues: ceam-2008-2009/draft-resolution (presented)" in shown


def _variant(tmp_path: Path, old: str, new: str, name: str = "variant.yaml") -> str:
    path = tmp_path / name
    text = Path(CEAM_2009).read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("old", "new", "told"),
    [
        (
            "reminders: {distribution: all_delegations}",
            "reminders: {distribution: everyone}",
            "reminders.distribution: unknown distribution 'everyone'",
        ),
        (
            "continues: ceam-2008-2009/draft-resolution",
            "continues: cam-2015-2016/draft-resolution",
            "activities[draft-resolution].continues: 'cam-2015-2016' is not the plan this one",
        ),
        (
            "continues: ceam-2008-2009/draft-resolution",
            "continues: draft-resolution",
            "activities[draft-resolution].continues: not PLAN/ACTIVITY",
        ),
        (
            'elected_on: "2009-10-14"\n    elected: by acclamation',
            'elected_on: "2009-13-14"',
            "people[chair].elected_on: not a date",
        ),
        (
            "follows: ceam-2008-2009",
            "follows: ceam-2009-2010",
            "follows: a plan cannot follow itself",
        ),
    ],
)
def test_bad_new_plan_fields_are_refused_on_load(
    three: Cam, tmp_path: Path, old: str, new: str, told: str
) -> None:
    before = _dump(three)
    result = three("plan", "load", _variant(tmp_path, old, new), "--replace", expect=1)
    assert told in result.output, result.output
    assert "Traceback" not in result.output
    assert _dump(three) == before


def test_links_to_the_store_are_checked_on_load(loaded: Cam, tmp_path: Path) -> None:
    before = _dump(loaded)
    # The followed plan is not loaded: its activity cannot be carried on.
    missing = loaded("plan", "load", CEAM_2009, expect=1)
    assert "activities.0.continues: plan ceam-2008-2009 is not loaded: load it first" in (
        missing.output
    )
    assert missing.output.count("\n") == 1
    assert _dump(loaded) == before
    loaded("plan", "load", CEAM_2008)
    before = _dump(loaded)
    gone = _variant(
        tmp_path,
        "continues: ceam-2008-2009/draft-resolution",
        "continues: ceam-2008-2009/draft-resolutoin",
    )
    result = loaded("plan", "load", gone, expect=1)
    assert "no activity 'draft-resolutoin' in ceam-2008-2009 (did you mean" in result.output
    assert _dump(loaded) == before
    # A plan follows one of its own body.
    other_body = _variant(tmp_path, "follows: ceam-2008-2009", "follows: cam-2015-2016", "o.yaml")
    other = Path(other_body)
    other.write_text(
        other.read_text(encoding="utf-8").replace(
            "    continues: ceam-2008-2009/draft-resolution\n", ""
        ),
        encoding="utf-8",
    )
    result = loaded("plan", "load", other_body, expect=1)
    assert "follows: cam-2015-2016 is a plan of CAM, not of CEAM" in result.output
    assert _dump(loaded) == before


def test_body_show_of_an_unknown_body_is_one_line(three: Cam) -> None:
    result = three("body", "show", "CEM", expect=1)
    assert result.output == "Error: no body 'CEM' in the store (did you mean 'CEAM'?)\n"


def test_people_add_gives_a_role_in_a_body(three: Cam) -> None:
    three("people", "add", "secretariat", "--update")
    three(
        *("people", "add", "observer", "--name", "Observer", "--role", "delegate"),
        *("--body", "CEAM", "--country", "Spain", "--title", "Minister", "--as", "secretariat"),
    )
    person = _people(three)["observer"]
    assert person["bodies"] == ["CEAM delegate"]
    assert person["country"] == "Spain" and person["title"] == "Minister"
    # A member of the CEAM across its plans: a delegate who hears of its sessions...
    run = three("--plan", "ceam-2009-2010", "remind", "--dry-run", "--now", "2009-11-03")
    assert "observer" in run.output
    # ...and nothing of the CAM's.
    run = three("--plan", "cam-2015-2016", "remind", "--dry-run", "--now", "2015-11-03")
    assert "observer" not in run.output
    refused = three(
        *("people", "add", "observer", "--update", "--body", "CEAX", "--role", "delegate"),
        *("--as", "secretariat"),
        expect=1,
    )
    assert "no body 'CEAX'" in refused.output


def test_bodies_and_memberships_travel_in_an_export(cam: Cam, tmp_path: Path) -> None:
    source = Cam(f"sqlite:///{tmp_path / 'source.db'}")
    source("plan", "load", CEAM_2008)
    source("plan", "load", "cam-2015-2016")
    source("plan", "load", CEAM_2009)
    source("people", "remove", "delegation-canada")
    dump = tmp_path / "store.json"
    source("export", "-o", str(dump))
    assert cam("import", str(dump)).output.startswith("imported ")
    for view in (
        ("body", "list"),
        ("body", "show", "CEAM"),
        ("people", "list"),
        ("--plan", "ceam-2009-2010", "show", "draft-resolution"),
    ):
        assert cam.json(*view) == source.json(*view), view
    assert "verified" in cam("audit", "verify").output
    store.dispose(source.url)
