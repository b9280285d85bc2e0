"""The register of documents: symbols in one spelling, series, citing from a step, what cites
what, the plan file's documents, and every output that lists an activity's documents."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Cam, counting, fresh_store
from sqlmodel import select

from cam_tracker import store
from cam_tracker.app import lookup
from cam_tracker.app.snapshot import snapshot
from cam_tracker.core.symbols import check_url, compile_pattern, identity, matches, normalise
from cam_tracker.core.text import one_line
from cam_tracker.files.plan import bundled_plans
from cam_tracker.reminders import digest
from cam_tracker.reports import gather, render
from cam_tracker.store import models

INSTALL = ("advance", "program-update", "install_working_group", "--session", "2015-10a")
NEGOTIATE = ("advance", "program-update", "negotiate", "--session", "2015-11", "--on", "2015-11-18")
WORK_PLAN = "CIDI/CAM/doc.14/14 rev. 1"
SERIES = {
    "cam": "CIDI/CAM/doc.N/YY",
    "council": "CE/AM-N/YY",
    "assembly": "AG/RES. N (ROMAN-O/YY)",
}


def _plan_file(tmp_path: Path, **more: Any) -> Path:
    data = yaml.safe_load(bundled_plans()["cam-2015-2016"].read_text(encoding="utf-8"))
    data.update(more)
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _dump(cam: Cam) -> str:
    """Every row of the store (the export), to prove a refusal changed nothing."""
    with store.session(cam.url) as db:
        from cam_tracker.store import transfer

        data = transfer.export(db)
    data.pop("exported_at")
    return json.dumps(data, sort_keys=True, default=str)


# --- symbols ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("CIDI/CAM/doc.14/14 rev.1", WORK_PLAN),
        ("  CIDI/CAM/doc.14/14   rev. 1 ", WORK_PLAN),
        ("CIDI / CAM/doc.14/14rev1", WORK_PLAN),
        ("CIDI/CAM/doc.14/14 Rev.1", "CIDI/CAM/doc.14/14 Rev. 1"),
        ("AG/RES.2465(XXXIX-O/09)", "AG/RES. 2465 (XXXIX-O/09)"),
        ("AG/RES. 2465 ( XXXIX-O/09 )", "AG/RES. 2465 (XXXIX-O/09)"),
        ("CE/AM-146/10", "CE/AM-146/10"),
        ("CIDI/doc.97/14 corr.2", "CIDI/doc.97/14 corr. 2"),
        ("CIDI/Doc.97/14", "CIDI/Doc.97/14"),
    ],
)
def test_a_symbol_is_kept_in_one_spelling_case_as_written(written: str, kept: str) -> None:
    assert normalise(written) == kept


def test_spellings_of_one_symbol_share_an_identity() -> None:
    assert identity("CIDI/CAM/doc. 14/14 REV.1") == identity(WORK_PLAN)
    assert identity("CIDI/CAM/doc.14/15 rev. 1") != identity(WORK_PLAN)


@pytest.mark.parametrize(
    ("symbol", "ok"),
    [
        ("CIDI/CAM/doc.14/14", True),
        ("CIDI/CAM/doc. 14/14", True),
        ("cidi/cam/DOC.14/14", True),
        (WORK_PLAN, True),
        ("CIDI/CAM/doc.14/14 corr. 1 rev. 2", True),
        ("CE/AM-146/10", True),
        ("AG/RES. 2465 (XXXIX-O/09)", True),
        ("CIDI/CAM/doc.14/2014", False),
        ("CIDI/CAM/doc.x/14", False),
        ("AG/RES. 2465 (39-O/09)", False),
        ("CE/AM-146/10 draft", False),
        ("XCIDI/CAM/doc.14/14", False),
    ],
)
def test_series_patterns(symbol: str, ok: bool) -> None:
    patterns = [compile_pattern(p) for p in SERIES.values()]
    assert matches(normalise(symbol), patterns) is ok


def test_a_regular_expression_pattern_is_taken_as_written() -> None:
    pattern = compile_pattern(r"re:CP/CAJP/doc\. \d+/\d{2}")
    assert pattern.fullmatch("CP/CAJP/doc. 5/16")
    assert not pattern.fullmatch("CP/CAJP/doc.5/16")
    with pytest.raises(ValueError, match="not a regular expression"):
        compile_pattern("re:(")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "//example.org/x",
        "/relative/path",
        "https://",
        "https://user:pw@example.org/",
        "https://example.org/a b",
        "https://example.org/\x1b[2J",
        "https://exa\u202emple.org/",
        "http://[::1",
    ],
)
def test_a_hostile_address_is_refused(url: str) -> None:
    from cam_tracker.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        check_url(url)


def test_a_published_address_is_kept() -> None:
    url = "https://scm.oas.org/doc_public/SPANISH/HIST_15/CIDI05543S04.doc?x=1&y=2#p"
    assert check_url(url) == url


# --- the command line ------------------------------------------------------------------


def test_doc_add_registers_once_in_one_spelling(loaded: Cam) -> None:
    out = loaded(
        "doc", "add", "CIDI/CAM/doc.14/14 rev.1", "--title", "Work Plan of the CAM",
        "--title-es", "Plan de Trabajo de la CAM", "--date", "2015-10-21",
        "--lang", "es,en", "--url", "https://scm.oas.org/x.doc", "--status", "final",
    ).output  # fmt: skip
    assert f"registered {WORK_PLAN}" in out
    [row] = loaded.json("doc", "list")
    assert row == {
        "symbol": WORK_PLAN,
        "registered": True,
        "title": "Work Plan of the CAM",
        "titles": {"en": "Work Plan of the CAM", "es": "Plan de Trabajo de la CAM"},
        "date": "2015-10-21",
        "languages": ["en", "es"],
        "url": "https://scm.oas.org/x.doc",
        "status": "final",
        "cited_by": [],
    }
    assert loaded.json("--lang", "es", "doc", "show", "cidi/cam/doc. 14/14 REV.1")["title"] == (
        "Plan de Trabajo de la CAM"
    )
    before = _dump(loaded)
    refused = one_line(
        loaded("doc", "add", "CIDI/CAM/DOC.14/14 Rev. 1", "--title", "x", expect=1).output
    )
    assert f"is registered already as '{WORK_PLAN}'" in refused
    assert _dump(loaded) == before
    [change] = [r for r in loaded.json("history", "--all") if r.get("subject") == "document"]
    assert change["key"] == WORK_PLAN and change["action"] == "registered"
    assert change["changes"]["url"] == {"from": None, "to": "https://scm.oas.org/x.doc"}
    assert "history chain verified: 2 rows" in loaded("audit", "verify").output


@pytest.mark.parametrize(
    ("args", "told"),
    [
        (("--url", "javascript:alert(1)"), "--url: not a usable address"),
        (("--url", "data:text/html,x"), "--url: not a usable address"),
        (("--status", "approved"), "--status: unknown document status 'approved'"),
        (("--lang", "en,de"), "--lang: unknown language 'de'"),
        (("--date", "2015-02-30"), "--date: not a date"),
        (("--title-es", "dos\nlíneas"), "one line"),
    ],
)
def test_doc_add_refuses_bad_values_and_changes_nothing(
    loaded: Cam, args: tuple[str, ...], told: str
) -> None:
    before = _dump(loaded)
    result = loaded("doc", "add", "CE/AM-146/10", "--title", "Report", *args, expect=1)
    assert told in one_line(result.output)
    assert "Traceback" not in result.output
    assert _dump(loaded) == before


@pytest.mark.parametrize(
    "symbol", ["", "   ", "CIDI\x1b[2J", "CIDI/doc\n2", "D" * 121, "CIDI\u200b/doc.1/15"]
)
def test_doc_add_refuses_a_hostile_symbol(loaded: Cam, symbol: str) -> None:
    before = _dump(loaded)
    result = loaded("doc", "add", symbol, "--title", "x", expect=1)
    assert "Traceback" not in result.output and result.output.count("\n") == 1
    assert _dump(loaded) == before


def test_a_hostile_title_prints_verbatim(loaded: Cam) -> None:
    title = "[bold]x[/bold] <script>alert(1)</script> | *y*"
    loaded("doc", "add", "CE/AM-146/10", "--title", title)
    assert title in loaded("doc", "show", "CE/AM-146/10").output
    assert loaded.json("doc", "show", "CE/AM-146/10")["title"] == title


def test_doc_set_corrects_only_what_is_given_in_the_chain(loaded: Cam) -> None:
    loaded(
        "doc", "add", WORK_PLAN, "--title", "Work Plan", "--title-es", "Plan de Trabajo",
        "--date", "2015-10-21", "--lang", "en,es", "--status", "draft",
    )  # fmt: skip
    out = loaded(
        "doc", "set", "cidi/cam/doc.14/14 rev.1", "--title", "Work Plan of the CAM",
        "--status", "final", "--url", "https://scm.oas.org/x.doc", "--clear", "title-es",
    ).output  # fmt: skip
    assert f"changed {WORK_PLAN}: Work Plan of the CAM" in out
    row = loaded.json("doc", "show", WORK_PLAN)
    assert row["titles"] == {"en": "Work Plan of the CAM"}
    assert (row["date"], row["languages"], row["status"], row["url"]) == (
        "2015-10-21",
        ["en", "es"],
        "final",
        "https://scm.oas.org/x.doc",
    )
    [change] = [
        r
        for r in loaded.json("history", "--all")
        if r.get("subject") == "document" and r["action"] == "changed"
    ]
    assert change["changes"]["status"] == {"from": "draft", "to": "final"}
    assert set(change["changes"]) == {"title", "status", "url"}
    assert "nothing changed" in loaded("doc", "set", WORK_PLAN, "--status", "final").output
    both = loaded("doc", "set", WORK_PLAN, "--date", "2015-10-22", "--clear", "date", expect=2)
    assert "--date and --clear date contradict each other" in both.output
    loaded("doc", "set", WORK_PLAN, "--clear", "date")
    assert loaded.json("doc", "show", WORK_PLAN)["date"] is None
    assert "history chain verified: 4 rows" in loaded("audit", "verify").output


@pytest.mark.parametrize(
    ("args", "told"),
    [
        (("--url", "javascript:alert(1)"), "--url: not a usable address"),
        (("--status", "approved"), "--status: unknown document status 'approved'"),
        (("--date", "2015-02-30"), "--date: not a date"),
    ],
)
def test_doc_set_refuses_bad_values_and_changes_nothing(
    loaded: Cam, args: tuple[str, ...], told: str
) -> None:
    loaded("doc", "add", WORK_PLAN, "--title", "Work Plan")
    before = _dump(loaded)
    result = loaded("doc", "set", WORK_PLAN, *args, expect=1)
    assert told in one_line(result.output) and "Traceback" not in result.output
    assert _dump(loaded) == before
    unknown = one_line(
        loaded("doc", "set", "CIDI/CAM/doc.14/15", "--status", "final", expect=1).output
    )
    assert "no document 'CIDI/CAM/doc.14/15' in the register" in unknown


# --- citing a document from a step --------------------------------------------------------


def test_a_plan_without_a_register_takes_any_symbol_as_before(loaded: Cam) -> None:
    loaded(*INSTALL, "--on", "2015-10-21", "--doc", "CIDI/CAM/doc.1/15 rev.1")
    [step] = loaded.json("history")
    assert step["document"] == "CIDI/CAM/doc.1/15 rev.1"  # as typed: nothing changed
    [row] = loaded.json("doc", "list")
    assert row["symbol"] == "CIDI/CAM/doc.1/15 rev.1" and row["registered"] is False
    assert row["cited_by"][0]["activity"] == "program-update"
    shown = loaded.json("show", "program-update")["documents"]
    assert shown == [
        {
            "symbol": "CIDI/CAM/doc.1/15 rev.1",
            "registered": False,
            "title": None,
            "languages": [],
            "url": None,
            "status": None,
        }
    ]


def test_once_a_plan_keeps_a_register_an_unknown_symbol_is_refused(loaded: Cam) -> None:
    loaded(*INSTALL, "--on", "2015-10-21", "--doc", "CIDI/CAM/doc.1/15")  # before the register
    loaded("doc", "add", WORK_PLAN, "--title", "Work plan")
    before = _dump(loaded)
    result = loaded(*NEGOTIATE, "--doc", "CIDI/CAM/doc.14/15 rev. 1", expect=1)
    message = one_line(result.output, 1000)
    assert "no document 'CIDI/CAM/doc.14/15 rev. 1' in the register of cam-2015-2016" in message
    assert f"(did you mean '{WORK_PLAN}'?)" in message
    assert "cam doc add 'CIDI/CAM/doc.14/15 rev. 1' --title TITLE" in message
    assert "--doc" in message
    assert _dump(loaded) == before
    # Another spelling of a registered symbol is the registered document.
    loaded(*NEGOTIATE, "--doc", "cidi/cam/doc. 14/14 REV.1")
    steps = loaded.json("history")
    assert [s["document"] for s in steps] == ["CIDI/CAM/doc.1/15", WORK_PLAN]
    # The step recorded before the register still reads, its symbol listed as unregistered.
    rows = {r["symbol"]: r for r in loaded.json("doc", "list")}
    assert rows["CIDI/CAM/doc.1/15"]["registered"] is False
    assert rows[WORK_PLAN]["registered"] is True
    assert list(rows) == [WORK_PLAN, "CIDI/CAM/doc.1/15"]
    assert loaded.json("doc", "show", "CIDI/CAM/doc.1/15")["cited_by"][0]["step"] == steps[0]["id"]


def test_a_correction_cites_a_registered_document_too(loaded: Cam) -> None:
    loaded("doc", "add", WORK_PLAN, "--title", "Work plan")
    loaded("doc", "add", "CIDI/CAM/doc.2/15", "--title", "Report")
    loaded(*INSTALL, "--on", "2015-10-21", "--doc", WORK_PLAN)
    [step] = loaded.json("history")
    refused = loaded(
        "history", "correct", str(step["id"]), "--doc", "CIDI/CAM/doc.3/15", "--reason", "typo",
        expect=1,
    )  # fmt: skip
    assert "(did you mean 'CIDI/CAM/doc.2/15'?)" in one_line(refused.output)
    loaded("history", "correct", str(step["id"]), "--doc", "cidi/cam/doc.2/15", "--reason", "typo")
    # The register lists the step under its corrected document only.
    assert loaded.json("doc", "show", WORK_PLAN)["cited_by"] == []
    [cited] = loaded.json("doc", "show", "CIDI/CAM/doc.2/15")["cited_by"]
    assert cited["step"] == step["id"]
    assert [d["symbol"] for d in loaded.json("show", "program-update")["documents"]] == [
        "CIDI/CAM/doc.2/15"
    ]


def test_register_on_first_use(cam: Cam, tmp_path: Path) -> None:
    cam(
        "plan", "load",
        str(_plan_file(tmp_path, symbols=SERIES, documents_policy={"register_on_first_use": True})),
    )  # fmt: skip
    cam(*INSTALL, "--on", "2015-10-21", "--doc", "CIDI/CAM/doc.14/14 rev.1")
    [row] = cam.json("doc", "list")
    assert row["symbol"] == WORK_PLAN and row["registered"] is True and row["title"] is None
    [change] = [r for r in cam.json("history", "--all") if r.get("subject") == "document"]
    assert change["note"] == "registered when a step first cited it"
    assert change["actor"] == "tester"
    # Still within the plan's series; nothing is written when refused.
    before = _dump(cam)
    refused = cam(*NEGOTIATE, "--doc", "CIDI/doc.97/14", expect=1)
    assert "is of none of the series of cam-2015-2016" in one_line(refused.output)
    assert _dump(cam) == before
    # Citing it again registers nothing more.
    cam(*NEGOTIATE, "--doc", WORK_PLAN)
    assert len(cam.json("doc", "list")) == 1


def test_a_plan_with_series_refuses_a_symbol_of_none(cam: Cam, tmp_path: Path) -> None:
    cam("plan", "load", str(_plan_file(tmp_path, symbols=SERIES)))
    result = cam("doc", "add", "CIDI/doc.97/14", "--title", "x", expect=1)
    assert "is of none of the series" in one_line(result.output)
    cam("doc", "add", "AG/RES.2465(XXXIX-O/09)", "--title", "Resolution")
    # Series declared, nothing registered: a step's symbol must still be registered.
    refused = cam(*INSTALL, "--on", "2015-10-21", "--doc", "AG/RES. 2466 (XXXIX-O/09)", expect=1)
    assert "(did you mean 'AG/RES. 2465 (XXXIX-O/09)'?)" in one_line(refused.output)


def test_doc_list_by_activity_and_session(loaded: Cam, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    for symbol in (WORK_PLAN, "CIDI/CAM/doc.2/15", "CIDI/CAM/doc.3/15"):
        loaded("doc", "add", symbol, "--title", f"Title of {symbol}")
    loaded(*INSTALL, "--on", "2015-10-21", "--doc", "CIDI/CAM/doc.2/15")
    loaded(*NEGOTIATE, "--doc", WORK_PLAN)
    loaded("advance", "campaign", "define_contents", "--note", "x", "--on", "2015-11-03",
           "--doc", "CIDI/CAM/doc.2/15")  # fmt: skip
    by_activity = loaded.json("doc", "list", "--activity", "program-update")
    assert [r["symbol"] for r in by_activity] == ["CIDI/CAM/doc.2/15", WORK_PLAN]
    by_session = loaded.json("doc", "list", "--session", "2015-11")
    assert [r["symbol"] for r in by_session] == [WORK_PLAN]
    assert [c["event"] for c in by_session[0]["cited_by"]] == ["negotiate"]
    both = loaded.json("doc", "list", "--activity", "campaign")
    assert [c["activity"] for c in both[0]["cited_by"]] == ["campaign"]
    everything = loaded.json("doc", "list")
    assert [r["symbol"] for r in everything] == [
        WORK_PLAN,
        "CIDI/CAM/doc.2/15",
        "CIDI/CAM/doc.3/15",
    ]
    assert [len(r["cited_by"]) for r in everything] == [1, 2, 0]
    unknown = one_line(loaded("doc", "list", "--activity", "program-updat", expect=1).output)
    assert "(did you mean 'program-update'?)" in unknown
    assert "no session" in one_line(loaded("doc", "list", "--session", "2099-01", expect=1).output)
    assert "no document" in one_line(loaded("doc", "show", "CE/AM-1/10", expect=1).output)
    text = loaded("doc", "list").output
    assert "CIDI/CAM/doc.2/15" in text and "program-update" in text


def test_doc_list_costs_the_same_queries_however_many_documents(loaded: Cam) -> None:
    def cost(*args: str) -> int:
        loaded(*args)
        with counting(loaded.url) as statements:
            loaded(*args)
        return len(statements)

    loaded("doc", "add", "CIDI/CAM/doc.1/15", "--title", "One")
    loaded(*INSTALL, "--on", "2015-10-21", "--doc", "CIDI/CAM/doc.1/15")
    small = [cost("doc", "list"), cost("doc", "list", "--activity", "program-update")]
    for number in range(2, 30):
        loaded("doc", "add", f"CIDI/CAM/doc.{number}/15", "--title", f"Doc {number}")
    loaded(*NEGOTIATE, "--doc", "CIDI/CAM/doc.7/15")
    loaded("advance", "campaign", "define_contents", "--note", "x", "--on", "2015-11-03",
           "--doc", "CIDI/CAM/doc.9/15")  # fmt: skip
    loaded("advance", "campaign", "present_proposal", "--session", "2015-11", "--on",
           "2015-11-18", "--doc", "CIDI/CAM/doc.9/15", expect=None)  # fmt: skip
    large = [cost("doc", "list"), cost("doc", "list", "--activity", "program-update")]
    assert small == large
    assert max(large) <= 8


# --- the plan file ---------------------------------------------------------------------

DOCUMENTS = [
    {
        "symbol": "CIDI/CAM/doc.14/14 rev.1",
        "title": {"en": "Work Plan 2015-2016", "es": "Plan de Trabajo 2015-2016"},
        "date": "2015-10-21",
        "languages": ["es", "en"],
        "url": "https://scm.oas.org/x.doc",
        "status": "final",
    },
    {"symbol": "CE/AM-146/10", "title": "Report of the meeting"},
]


def test_a_plan_file_declares_its_documents(cam: Cam, tmp_path: Path) -> None:
    path = _plan_file(tmp_path, symbols=SERIES, documents=DOCUMENTS)
    assert "2 documents" in cam("plan", "load", str(path)).output
    rows = cam.json("doc", "list")
    assert [r["symbol"] for r in rows] == [WORK_PLAN, "CE/AM-146/10"]
    assert rows[0]["languages"] == ["en", "es"] and rows[0]["date"] == "2015-10-21"
    changed = [dict(d) for d in DOCUMENTS]
    changed[1]["status"] = "draft"
    path = _plan_file(tmp_path, symbols=SERIES, documents=changed)
    out = cam("plan", "load", str(path)).output
    assert "document updated: CE/AM-146/10" in out
    assert cam.json("doc", "show", "CE/AM-146/10")["status"] == "draft"
    changes = [r for r in cam.json("history", "--all") if r.get("subject") == "document"]
    assert [c["action"] for c in changes] == ["registered", "registered", "changed"]
    assert changes[-1]["changes"] == {"status": {"from": None, "to": "draft"}}
    # A step cites a document the file declared.
    cam(*INSTALL, "--on", "2015-10-21", "--doc", "CE/AM-146/10")
    assert cam.json("doc", "show", "CE/AM-146/10")["cited_by"][0]["activity"] == "program-update"


@pytest.mark.parametrize(
    ("more", "told"),
    [
        (
            {"documents": [{"symbol": "X/1", "title": "x", "url": "javascript:alert(1)"}]},
            "documents[X/1].url: not a usable address: 'javascript:alert(1)'",
        ),
        (
            {"documents": [{"symbol": "X/1", "title": "x", "status": "approved"}]},
            "documents[X/1].status: unknown status 'approved' (use draft, revised, final)",
        ),
        (
            {"documents": [{"symbol": "X/1", "title": "x", "languages": ["de"]}]},
            "documents[X/1].languages: unknown language 'de'",
        ),
        (
            {"documents": [{"symbol": "X/1", "title": "x", "date": "2015-02-30"}]},
            "documents[X/1].date: not a date",
        ),
        ({"documents": [{"symbol": "X/1"}]}, "documents[X/1].title: required key missing"),
        (
            {"documents": [{"symbol": "X/1", "title": "x", "pages": 3}]},
            "documents[X/1].pages: unknown key",
        ),
        (
            {"documents": [{"symbol": "CIDI\x1b/1", "title": "x"}]},
            "documents[#1].symbol: the symbol contains a control character",
        ),
        (
            {
                "documents": [
                    {"symbol": "CIDI/CAM/doc.1/15 rev.1", "title": "x"},
                    {"symbol": "cidi/cam/doc. 1/15 Rev. 1", "title": "y"},
                ]
            },
            "documents[#2].symbol: duplicate symbol 'cidi/cam/doc. 1/15 Rev. 1' "
            "(the same as 'CIDI/CAM/doc.1/15 rev. 1')",
        ),
        (
            {"symbols": SERIES, "documents": [{"symbol": "CIDI/doc.97/14", "title": "x"}]},
            "documents[CIDI/doc.97/14].symbol: 'CIDI/doc.97/14' is of none of the plan's series",
        ),
        ({"symbols": {"bad": "re:("}}, "symbols.bad: not a regular expression"),
        ({"symbols": ["CIDI/CAM/doc.N/YY"]}, "symbols: expected a mapping of keys, not a list"),
        (
            {"documents_policy": {"register_on_first_use": "maybe"}},
            "documents_policy.register_on_first_use:",
        ),
        (
            {"documents_policy": {"autoregister": True}},
            "documents_policy.autoregister: unknown key",
        ),
    ],
)
def test_plan_file_problems_are_named_and_nothing_changes(
    loaded: Cam, tmp_path: Path, more: dict[str, Any], told: str
) -> None:
    before = _dump(loaded)
    result = loaded("plan", "load", str(_plan_file(tmp_path, **more)), "--replace", expect=1)
    assert told in result.output, result.output
    assert "Traceback" not in result.output
    assert _dump(loaded) == before


# --- the report and the reminders ------------------------------------------------------


def _registered_and_cited(cam: Cam, url: str, title: str) -> None:
    cam("doc", "add", WORK_PLAN, "--title", title, "--title-es", "Plan de trabajo",
        "--lang", "en,es,fr", "--url", url)  # fmt: skip
    cam(*INSTALL, "--on", "2015-10-21", "--doc", WORK_PLAN)


def test_the_report_lists_an_activitys_documents_with_links(loaded: Cam) -> None:
    url = "https://scm.oas.org/doc?a=1&b=<2>"
    _registered_and_cited(loaded, "https://scm.oas.org/doc?a=1&b=2", "Work <plan> | *draft*")
    with store.session(loaded.url) as db:
        report = gather.gather(db, lookup.current_plan(db))
    [program] = [a for a in report.activities if a.key == "program-update"]
    [ref] = program.documents
    assert ref.symbol == WORK_PLAN and ref.languages == ("en", "es", "fr")
    html = render.render(report, "html", "es").decode()
    assert '<a href="https://scm.oas.org/doc?a=1&amp;b=2" rel="noopener noreferrer">' in html
    assert "Plan de trabajo" in html and "<h6>Documentos</h6>" in html
    english = render.render(report, "html", "en").decode()
    assert "Work &lt;plan&gt; | *draft*" in english
    markdown = render.render(report, "md", "fr").decode()
    assert f"[{WORK_PLAN}](<https://scm.oas.org/doc?a=1&b=2>)" in markdown
    assert "| Cote | Titre | Langues |" in markdown
    assert url not in markdown


def test_a_hostile_address_in_the_store_never_becomes_a_link(loaded: Cam) -> None:
    """Even a row written past the checks (an import, an old tool) is only ever http(s):
    the checks are the gate, so the store holds no other scheme to begin with."""
    result = loaded("doc", "add", WORK_PLAN, "--title", "x", "--url", "javascript:alert(1)",
                    expect=1)  # fmt: skip
    assert "not a usable address" in result.output
    assert loaded.json("doc", "list") == []


def test_the_reminder_lists_documents_with_titles_languages_and_links(loaded: Cam) -> None:
    _registered_and_cited(loaded, "https://scm.oas.org/x.doc", "Work plan")
    with store.session(loaded.url) as db:
        plan = lookup.current_plan(db)
        meeting = db.exec(select(models.Meeting).where(models.Meeting.key == "2015-11")).one()
        d = digest.digest(snapshot(db, plan), meeting)
    [doc] = [x for x in d.documents if x.symbol == WORK_PLAN]
    assert doc.url == "https://scm.oas.org/x.doc" and doc.languages == ("en", "es", "fr")
    text = digest.render(d, None, "pt", html=False)
    assert "Idiomas: en, es, fr" in text and "https://scm.oas.org/x.doc" in text
    html = digest.render(d, None, "fr", html=True)
    assert '<a href="https://scm.oas.org/x.doc" rel="noopener noreferrer">' in html
    assert "Langues : en, es, fr" in html
    assert "Plan de trabajo" in digest.render(d, None, "es", html=False)


def test_the_register_goes_with_an_export(loaded: Cam, tmp_path: Path) -> None:
    _registered_and_cited(loaded, "https://scm.oas.org/x.doc", "Work plan")
    dump = tmp_path / "export.json"
    loaded("export", "-o", str(dump))
    assert len(json.loads(dump.read_text(encoding="utf-8"))["tables"]["document"]) == 1
    with fresh_store(tmp_path) as url:
        other = Cam(url)
        other("import", str(dump))
        assert other.json("doc", "list") == loaded.json("doc", "list")
        assert other.json("plan", "list")[0]["loaded"] is True
        # The imported store goes on registering (PostgreSQL: its id sequence follows).
        other("doc", "add", "CE/AM-146/10", "--title", "Report")
        assert len(other.json("doc", "list")) == 2
