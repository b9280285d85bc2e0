"""One status vocabulary: `cam list`, the report and the reminder digests count alike.

A postponed or withdrawn activity has a status of its own and is never also
counted as behind plan, wherever it is counted.
"""

import re
from collections import Counter

from bs4 import BeautifulSoup, Tag
from conftest import Cam

from cam_tracker import store
from cam_tracker.app.lookup import current_plan
from cam_tracker.app.snapshot import snapshot
from cam_tracker.core import dates
from cam_tracker.reminders.digest import digest

AS_OF = "2015-12-31"


def _figures(cam: Cam) -> dict[str, int]:
    html = cam("report", "--format", "html", "--as-of", AS_OF).output
    table = BeautifulSoup(html, "html.parser").find("table", id="summary-figures")
    assert isinstance(table, Tag)
    body = table.find("tbody")
    assert isinstance(body, Tag)
    return {
        str(row["data-status"]): int(re.sub(r"\D", "", row.find_all(["td", "th"])[-1].get_text()))
        for row in body.find_all("tr")
    }


def _digest_behind(cam: Cam) -> set[str]:
    """The activities the January session's digest lists as behind plan, by number."""
    with store.session(cam.url) as db:
        plan = current_plan(db)
        snap = snapshot(db, plan, dates.as_of(plan.timezone, AS_OF))
        (january,) = [s for s in snap.sessions if s.key == "2016-01"]
        return {entry.number for entry in digest(snap, january).late}


def test_list_report_and_digest_count_the_same(loaded: Cam) -> None:
    loaded("session", "record", "2015-10a", "--on", "2015-10-21", "--as-planned")
    loaded("advance", "campaign", "postpone", "--on", "2015-10-23", "--note", "Awaiting funds")
    loaded("advance", "forum-development", "withdraw", "--on", "2015-10-24", "--note", "No host")

    listed = loaded.json("list", "--as-of", AS_OF)
    statuses = Counter(row["status"] for row in listed)
    by_key = {row["key"]: row for row in listed}
    assert by_key["campaign"]["status"] == "postponed" and not by_key["campaign"]["behind"]
    assert by_key["forum-development"]["status"] == "withdrawn"
    assert not by_key["forum-development"]["behind"]

    overdue = loaded.json("list", "--overdue", "--as-of", AS_OF)
    assert {row["key"] for row in overdue} == {
        row["key"] for row in listed if row["status"] == "behind"
    }

    figures = _figures(loaded)
    total = figures.pop("total")
    assert figures == {status: statuses.get(status, 0) for status in figures}
    assert figures["postponed"] == 1 and figures["withdrawn"] == 1
    assert sum(figures.values()) == total == len(listed)

    behind_numbers = {row["number"] for row in listed if row["status"] == "behind"}
    assert _digest_behind(loaded) == behind_numbers
    assert by_key["campaign"]["number"] not in _digest_behind(loaded)

    text = loaded("list", "--as-of", AS_OF, env={"COLUMNS": "160"}).output
    assert f"{statuses['behind']} behind plan" in text
    assert "1 postponed" in text and "1 withdrawn" in text
