"""Workflow kinds a plan owns (inline, its folder, the user's folder), kept with the plan;
bodies named by the plan; paragraphs in every language; waived milestones; generic messages."""

import os
import shutil
from pathlib import Path
from typing import Any

import yaml
from conftest import Cam, fresh_store

STUDY = {
    "kind": "study",
    "label": {"en": "Study", "es": "Estudio"},
    "initial": "planned",
    "states": [
        {"name": "planned", "label": {"en": "Planned", "es": "Previsto"}},
        {"name": "drafted", "label": {"en": "Drafted", "es": "Redactado"}},
        {"name": "published", "label": {"en": "Published", "es": "Publicado"}, "final": True},
    ],
    "transitions": [
        {
            "trigger": "draft",
            "source": "planned",
            "dest": "drafted",
            "label": {"en": "Draft the study", "es": "Redactar el estudio"},
        },
        {
            "trigger": "publish",
            "source": "drafted",
            "dest": "published",
            "label": {"en": "Publish", "es": "Publicar"},
            "requires": ["document"],
        },
    ],
}


def council_plan() -> dict[str, Any]:
    """A committee of the Permanent Council: nothing in it names CIDI."""
    return {
        "name": "cajp-2016",
        "title": {
            "en": "Work Plan of the Committee on Juridical and Political Affairs 2016",
            "es": "Plan de trabajo de la Comisión de Asuntos Jurídicos y Políticos 2016",
        },
        "body": {
            "name": {
                "en": "Committee on Juridical and Political Affairs",
                "es": "Comisión de Asuntos Jurídicos y Políticos",
            },
            "short": "CAJP",
            "parent": {"en": "Permanent Council", "es": "Consejo Permanente"},
        },
        "period": {"start": "2016-01", "end": "2016-05"},
        "general_assembly": "Forty-sixth regular session of the OAS General Assembly",
        "bodies": {
            "refer_to": {
                "to": {
                    "en": "to the Permanent Council",
                    "es": "al Consejo Permanente",
                    "fr": "au Conseil permanent",
                    "pt": "ao Conselho Permanente",
                },
                "by": {"en": "by the Permanent Council", "es": "por el Consejo Permanente"},
            }
        },
        "mandates": [
            {
                "key": "ag-res-2886",
                "symbol": "AG/RES. 2886 (XLVI-O/16)",
                "title": {"en": "International Law", "es": "Derecho internacional"},
                "paragraphs": [
                    {
                        "number": "1",
                        "text": {
                            "en": "To instruct the Committee to hold a session on the law.",
                            "es": "Encomendar a la Comisión que celebre una sesión sobre el derecho.",  # noqa: E501
                        },
                    },
                    {"number": "2", "text": "To report to the Assembly on the results."},
                ],
            }
        ],
        "activities": [
            {
                "key": "draft",
                "number": "1",
                "title": {"en": "Draft resolution", "es": "Proyecto de resolución"},
                "kind": "resolution",
                "serves": ["ag-res-2886/1", "ag-res-2886/2"],
            },
            {
                "key": "forum",
                "number": "2",
                "title": "Forum on the law",
                "kind": "meeting",
                "serves": ["ag-res-2886/1"],
            },
        ],
        "sessions": [
            {
                "key": "2016-02",
                "month": "2016-02",
                "kind": "regular",
                "title": {"en": "Regular session", "es": "Sesión ordinaria"},
                "agenda": [
                    {
                        "activity": "draft",
                        "event": "present",
                        "text": {"en": "Presentation of the draft", "es": "Presentación"},
                    },
                    {"activity": "forum", "event": "present_proposal", "text": "The forum"},
                ],
            }
        ],
    }


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def with_study(data: dict[str, Any]) -> dict[str, Any]:
    """The plan with an activity of kind `study` on the agenda."""
    data["activities"].append(
        {"key": "study", "number": "3", "title": "A study", "kind": "study", "serves": []}
    )
    data["sessions"][0]["agenda"].append(
        {"activity": "study", "event": "draft", "text": "The study drafted"}
    )
    return data


def origins(cam: Cam) -> str:
    return str(cam("workflow", "list").output)


# --- bodies named by the plan -------------------------------------------------------------


def test_a_council_plan_names_its_own_council_and_never_cidi(cam: Cam, tmp_path: Path) -> None:
    cam("plan", "load", str(write(tmp_path / "cajp.yaml", council_plan())))
    cam("advance", "draft", "present", "--session", "2016-02", "--on", "2016-02-10")
    cam("advance", "draft", "approve", "--session", "2016-02", "--on", "2016-02-10")
    allowed = cam.json("show", "draft")["allowed_events"]
    assert allowed[0]["label"] == "Refer to the Permanent Council"
    cam("advance", "draft", "refer", "--doc", "CP/doc. 5/16", "--on", "2016-02-20")
    shown = cam("show", "draft").output
    assert "Referred to the Permanent Council" in shown
    assert "Remitido al Consejo Permanente" in cam("--lang", "es", "show", "draft").output
    for lang in ("en", "es", "fr", "pt"):
        text = cam("report", "--lang", lang, "--as-of", "2016-03-01").output
        assert "CIDI" not in text, lang
    # The kind's own default label for the step no body renames (the report no longer
    # prints the workflow's remaining path: the next step is where a person sees it).
    labels = [e["label"] for e in cam.json("show", "draft")["allowed_events"]]
    assert "Record adoption by the General Assembly" in labels
    assert "CIDI" not in cam("show", "draft").output
    assert "CIDI" not in cam("workflow", "show", "resolution").output


def test_the_bundled_plan_still_names_cidi(loaded: Cam) -> None:
    shown = loaded("workflow", "show", "resolution", "--mermaid").output
    assert 'state "Referred to CIDI" as referred' in shown
    program = loaded("--lang", "es", "workflow", "show", "program_update", "--mermaid").output
    assert '"Aprobada por el CIDI ad referéndum de la Asamblea General"' in program
    allowed = loaded.json("show", "draft-resolution")["allowed_events"]
    assert allowed[0]["label"] == "Present the draft"


def test_a_body_no_kind_names_is_refused_with_its_line(cam: Cam, tmp_path: Path) -> None:
    data = council_plan()
    data["bodies"]["refer_too"] = {"to": "to the Council"}
    refused = cam("plan", "load", str(write(tmp_path / "p.yaml", data)), expect=1)
    assert "p.yaml: line" in refused.output
    assert "bodies.refer_too.to: no workflow kind of this plan names refer_too.to" in (
        refused.output
    )


def test_an_old_event_name_is_still_understood(cam: Cam, tmp_path: Path) -> None:
    data = council_plan()
    data["sessions"][0]["agenda"].append(
        {"activity": "draft", "event": "refer_to_cidi", "text": "Referral"}
    )
    cam("plan", "load", str(write(tmp_path / "cajp.yaml", data)))
    cam("advance", "draft", "present", "--session", "2016-02", "--on", "2016-02-10")
    cam("advance", "draft", "approve", "--session", "2016-02", "--on", "2016-02-10")
    cam("advance", "draft", "refer_to_cidi", "--doc", "CP/doc. 5/16", "--on", "2016-02-20")
    row = cam.json("show", "draft")
    assert row["state"] == "referred"
    assert row["history"][-1]["event"] == "refer"  # recorded under its name today
    referral = [m for m in row["milestones"] if m["event"] == "refer_to_cidi"]
    assert referral and referral[0]["done"] is True
    assert referral[0]["event_label"] == "Refer to the Permanent Council"


# --- kinds of the plan's own -----------------------------------------------------------------


def test_a_kind_written_in_the_plan_file(cam: Cam, tmp_path: Path) -> None:
    data = with_study(council_plan())
    data["workflows"] = [STUDY]
    cam("plan", "load", str(write(tmp_path / "cajp.yaml", data)))
    listing = origins(cam)
    assert "study" in listing and "plan file" in listing
    assert "from: plan file" in cam("workflow", "show", "study").output
    cam("advance", "study", "draft", "--on", "2016-02-10")
    assert cam.json("show", "study")["state_label"] == "Drafted"


def test_a_kind_in_the_folder_beside_the_plan_overrides_a_bundled_one(
    cam: Cam, tmp_path: Path
) -> None:
    meeting = yaml.safe_load(
        (Path(__file__).parents[1] / "workflows" / "meeting.yaml").read_text(encoding="utf-8")
    )
    meeting["label"] = {"en": "Forum of the committee"}
    write(tmp_path / "workflows" / "meeting.yaml", meeting)
    write(tmp_path / "workflows" / "study.yaml", STUDY)
    cam("plan", "load", str(write(tmp_path / "cajp.yaml", with_study(council_plan()))))
    rows = cam.json("list")
    assert {r["key"]: r["kind_label"] for r in rows}["forum"] == "Forum of the committee"
    shown = cam("workflow", "show", "meeting").output
    assert "from: plan folder" in shown
    assert "from: bundled" in cam("workflow", "show", "resolution").output


def test_a_kind_in_the_users_folder_serves_every_plan(cam: Cam, tmp_path: Path) -> None:
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "cam-tracker" / "workflows"
    write(folder / "study.yaml", STUDY)
    assert "user folder" in origins(cam)  # no store yet: the installed kinds
    cam("plan", "load", str(write(tmp_path / "cajp.yaml", with_study(council_plan()))))
    assert "from: user folder" in cam("workflow", "show", "study").output


def test_a_plan_keeps_working_when_its_workflow_files_are_gone(cam: Cam, tmp_path: Path) -> None:
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "cam-tracker" / "workflows"
    write(folder / "study.yaml", STUDY)
    write(tmp_path / "plan" / "workflows" / "meeting.yaml", _relabelled_meeting())
    source = write(tmp_path / "plan" / "cajp.yaml", with_study(council_plan()))
    cam("plan", "load", str(source))
    shutil.rmtree(folder)
    shutil.rmtree(tmp_path / "plan")
    cam("advance", "study", "draft", "--on", "2016-02-10")
    cam("advance", "study", "publish", "--doc", "CP/doc. 7/16", "--on", "2016-02-11")
    rows = {r["key"]: r for r in cam.json("list")}
    assert rows["study"]["state_label"] == "Published" and rows["study"]["final"] is True
    assert rows["forum"]["kind_label"] == "Forum of the committee"
    assert "Published" in cam("report").output
    assert "from: user folder" in cam("workflow", "show", "study").output
    assert "verified" in cam("audit", "verify").output


def _relabelled_meeting() -> dict[str, Any]:
    meeting: dict[str, Any] = yaml.safe_load(
        (Path(__file__).parents[1] / "workflows" / "meeting.yaml").read_text(encoding="utf-8")
    )
    meeting["label"] = {"en": "Forum of the committee"}
    return meeting


def test_a_kind_changed_under_its_history_is_refused_naming_activity_and_state(
    cam: Cam, tmp_path: Path
) -> None:
    data = with_study(council_plan())
    data["workflows"] = [STUDY]
    source = write(tmp_path / "cajp.yaml", data)
    cam("plan", "load", str(source))
    cam("advance", "study", "draft", "--on", "2016-02-10")
    before = cam("history", "--json").output, cam("list", "--json").output
    changed = yaml.safe_load(yaml.safe_dump(STUDY))
    changed["states"][1]["name"] = "written"
    changed["transitions"][0]["dest"] = "written"
    changed["transitions"][1]["source"] = "written"
    data["workflows"] = [changed]
    write(source, data)
    refused = cam("plan", "load", str(source), expect=1)
    assert "activity study is or was in state 'drafted'" in refused.output
    assert "'study'" in refused.output
    assert (cam("history", "--json").output, cam("list", "--json").output) == before
    # A change that keeps the states loads.
    relabelled = yaml.safe_load(yaml.safe_dump(STUDY))
    relabelled["states"][1]["label"] = {"en": "Written up"}
    data["workflows"] = [relabelled]
    write(source, data)
    cam("plan", "load", str(source))
    assert cam.json("show", "study")["state_label"] == "Written up"


def test_a_broken_inline_kind_is_told_at_its_place_in_the_plan(cam: Cam, tmp_path: Path) -> None:
    data = with_study(council_plan())
    broken = yaml.safe_load(yaml.safe_dump(STUDY))
    broken["transitions"][0]["dest"] = "nowhere"
    data["workflows"] = [broken]
    refused = cam("plan", "load", str(write(tmp_path / "cajp.yaml", data)), expect=1)
    assert "cajp.yaml: line" in refused.output
    assert "workflows[#1].transitions[draft].dest: unknown state 'nowhere'" in refused.output
    assert "no plan" in cam("list", expect=None).output


# --- texts in every language --------------------------------------------------------------


def test_the_spanish_report_quotes_the_spanish_paragraphs_where_the_plan_has_them(
    cam: Cam, tmp_path: Path
) -> None:
    cam("plan", "load", str(write(tmp_path / "cajp.yaml", council_plan())))
    spanish = cam("report", "--lang", "es", "--as-of", "2016-03-01").output
    assert "> Encomendar a la Comisión que celebre una sesión sobre el derecho." in spanish
    assert "> To report to the Assembly on the results. (en)" in spanish
    assert "solo en inglés se citan en inglés" in spanish
    english = cam("report", "--as-of", "2016-03-01").output
    assert "> To instruct the Committee to hold a session on the law." in english
    assert "(en)" not in english
    detail = cam.json("--lang", "es", "show", "draft")
    assert detail["mandates"][0]["text"].startswith("Encomendar")
    # The bundled plan gives English only: the whole section says so, once.
    cam("plan", "load", "cam-2015-2016")
    bundled = cam("report", "--plan", "cam-2015-2016", "--lang", "es").output
    assert "se citan según el texto en inglés" in bundled


def test_a_paragraph_without_english_is_refused(cam: Cam, tmp_path: Path) -> None:
    data = council_plan()
    data["mandates"][0]["paragraphs"][0]["text"] = {"es": "Solo en español."}
    refused = cam("plan", "load", str(write(tmp_path / "p.yaml", data)), expect=1)
    assert "mandates[ag-res-2886].paragraphs[1].text: an English text (en) is required" in (
        refused.output
    )


# --- waiving a milestone ------------------------------------------------------------------


def test_a_waived_milestone_is_no_longer_behind_plan(loaded: Cam) -> None:
    def status(as_of: str) -> str:
        rows = loaded.json("list", "--as-of", as_of)
        return str({r["key"]: r["status"] for r in rows}["vice-chair-election"])

    assert status("2015-11-15") == "behind"
    loaded(
        "waive",
        "vice-chair-election",
        "complete",
        "--reason",
        "The chair was elected by acclamation at the General Assembly",
        "--on",
        "2015-11-02",
    )
    assert status("2015-11-15") == "on_schedule"
    assert status("2015-11-01") == "behind"  # before the decision, it was behind
    milestone = loaded.json("show", "vice-chair-election")["milestones"][0]
    assert milestone["waived"] is True and milestone["done"] is False
    assert milestone["waived_reason"].startswith("The chair was elected")
    step = loaded.json("history", "vice-chair-election")[-1]
    assert (step["event"], step["waived"]) == ("waive", "complete")
    calendar = next(m for m in loaded.json("calendar") if m["id"] == "2015-10a")
    assert any(item["waived"] for item in calendar["agenda"])
    report = loaded("report", "--as-of", "2015-11-15").output
    assert "Milestones waived by decision of the committee" in report
    assert "by acclamation" in report
    assert "Milestone “Complete” waived" in report
    assert "Hitos omitidos" in loaded("report", "--lang", "es", "--as-of", "2015-11-15").output
    assert "verified" in loaded("audit", "verify").output
    # A waived milestone is waived once.
    again = loaded("waive", "vice-chair-election", "complete", "--reason", "twice", expect=None)
    assert again.exit_code != 0 and "no open milestone complete" in again.output


def test_waive_refuses_what_it_cannot_do(loaded: Cam) -> None:
    before = loaded("history", "--json").output
    unknown = loaded("waive", "program-update", "launch", "--reason", "x", expect=None)
    assert unknown.exit_code != 0 and "'launch' is not an event of 'program_update'" in (
        unknown.output
    )
    empty = loaded("waive", "program-update", "conclude", "--reason", " ", expect=None)
    assert empty.exit_code != 0 and "a reason is required" in empty.output
    missing = loaded("waive", "program-update", "negotiate", expect=None)
    assert missing.exit_code == 2 and "--reason" in missing.output
    assert loaded("history", "--json").output == before


# --- generic messages ---------------------------------------------------------------------


def test_an_empty_store_says_how_to_load_any_plan(cam: Cam, tmp_path: Path) -> None:
    cam("people", "add", "ana", "--name", "Ana", "--role", "secretariat")
    said = cam("list", expect=None).output
    assert "cam plan load NAME-OR-FILE" in said
    assert "run `cam plan load cam-2015-2016`" not in said


def test_export_and_import_carry_kinds_paragraphs_and_waivers(cam: Cam, tmp_path: Path) -> None:
    data = with_study(council_plan())
    data["workflows"] = [STUDY]
    cam("plan", "load", str(write(tmp_path / "plan" / "cajp.yaml", data)))
    cam("waive", "forum", "present_proposal", "--reason", "Held without a proposal")
    dump = tmp_path / "store.json"
    cam("export", "-o", str(dump))
    shutil.rmtree(tmp_path / "plan")
    with fresh_store(tmp_path) as url:
        restored = Cam(url)
        restored("import", str(dump))
        for view in (("list",), ("show", "forum"), ("show", "study"), ("calendar",)):
            assert restored.json(*view) == cam.json(*view), view
        assert restored.json("--lang", "es", "show", "draft")["mandates"][0]["text"].startswith(
            "Encomendar"
        )
        assert "from: plan file" in restored("workflow", "show", "study").output
        restored("advance", "study", "draft", "--on", "2016-02-10")
        assert "verified" in restored("audit", "verify").output
