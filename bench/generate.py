"""Generate a large deployment: many committees' plans over many years.

Default: 20 committees x 10 years = 200 plans, 10,000 activities, 2,000
sessions and 100,000 history rows. Plans go through the normal plan loader;
history is computed with the real workflow machines and hash chain, then
written in bulk (replaying 100,000 CLI calls would take the better part of
an hour and measure nothing the benchmark does not measure itself). The
plans of past years are done: every activity reached a final state, some
after postponements, and the milestones its steps fulfilled are marked done,
as `cam advance` marks them. The plans of the latest year are under way:
each activity stopped somewhere on its way, a few of them postponed.

    python bench/generate.py --db sqlite:///bench/large.db
"""

import argparse
import datetime as dt
import random
import sys
import time
from typing import Any

from sqlalchemy import bindparam, func, insert, update
from sqlmodel import col, select

from cam_tracker import store
from cam_tracker.app.plans import _upsert
from cam_tracker.app.snapshot import MILESTONE_ORDER
from cam_tracker.core.settings import normalise_url
from cam_tracker.files import workflow
from cam_tracker.files.plan import PlanSpec
from cam_tracker.store import models

KINDS = ["resolution", "program_update", "meeting", "campaign", "dissemination", "procedural"]
MONTHS = ["10", "11", "12", "01", "02", "03", "04", "05", "06", "07"]


def plan_spec(committee: int, year: int, activities: int, sessions: int) -> PlanSpec:
    """One committee's plan for one year, shaped like the CAM's."""
    start = 2015 + year
    months = [f"{start if int(m) >= 10 else start + 1}-{m}" for m in MONTHS[:sessions]]
    rng = random.Random(committee * 1000 + year)
    acts = []
    for number in range(activities):
        kind = KINDS[number % len(KINDS)]
        acts.append(
            {
                "key": f"a{number:03d}",
                "number": str(number + 1),
                "title": {
                    "en": f"Activity {number + 1} of committee {committee}",
                    "es": f"Actividad {number + 1} de la comisión {committee}",
                },
                "kind": kind,
                "serves": [f"res-{committee}/{1 + number % 5}"],
                "responsible": ["chair"] if number % 3 == 0 else [],
            }
        )
    agenda_per_session = max(1, activities // sessions)
    sess = []
    for index, month in enumerate(months):
        items = []
        for slot in range(agenda_per_session):
            act = acts[(index * agenda_per_session + slot) % activities]
            flow = workflow.get(act["kind"])
            first = flow.allowed(flow.initial)[0].event
            items.append({"activity": act["key"], "event": first, "text": f"Item {slot + 1}"})
        sess.append(
            {
                "key": f"s{index:02d}",
                "month": month,
                "kind": rng.choice(["regular", "thematic", "forum"]),
                "title": {"en": f"Session {index + 1}", "es": f"Sesión {index + 1}"},
                "agenda": items,
            }
        )
    return PlanSpec.model_validate(
        {
            "name": f"c{committee:02d}-{start}-{start + 1}",
            "title": {"en": f"Work plan of committee {committee}, {start}–{start + 1}"},
            "body": {"name": {"en": f"Committee {committee}"}, "short": f"C{committee}"},
            "period": {"start": months[0], "end": months[-1]},
            "general_assembly": {"en": f"Regular session {46 + year}"},
            "timezone": "America/New_York",
            "people": [{"key": "chair", "name": "Chair", "role": "chair"}],
            "mandates": [
                {
                    "key": f"res-{committee}",
                    "symbol": f"AG/RES. {3000 + committee} (L-O/{start % 100})",
                    "title": {"en": f"Mandate of committee {committee}"},
                    "paragraphs": [
                        {"number": str(n), "text": f"Paragraph {n}."} for n in range(1, 6)
                    ],
                }
            ],
            "activities": acts,
            "sessions": sess,
        }
    )


def _shortest(flow: workflow.Workflow) -> list[str]:
    """The events of a shortest way from the initial state to a final one."""
    ways: dict[str, list[str]] = {flow.initial: []}
    queue = [flow.initial]
    while queue:
        state = queue.pop(0)
        if flow.is_final(state):
            return ways[state]
        for step in flow.allowed(state):
            if step.dest in flow.states and step.dest not in ways:
                ways[step.dest] = [*ways[state], step.event]
                queue.append(step.dest)
    raise ValueError(f"{flow.kind}: no way to a final state")


def _path(
    flow: workflow.Workflow, pauses: int, stop: int | None = None
) -> list[tuple[str, str, str]]:
    """A shortest way to a final state, after `pauses` postpone/resume pairs.

    With `stop`, only its first `stop` steps, then postponed when `stop` is odd.
    """
    state, path = flow.initial, []
    for _ in range(pauses):
        path.append(("postpone", state, "postponed"))
        path.append(("resume", "postponed", flow.fire("postponed", "resume", state)))
    events = _shortest(flow)
    for event in events if stop is None else events[:stop]:
        new = flow.fire(state, event)
        path.append((event, state, new))
        state = new
    if stop is not None and stop % 2 and "postpone" in [s.event for s in flow.allowed(state)]:
        path.append(("postpone", state, "postponed"))
    return path


def generate(
    url: str, committees: int, years: int, per_plan: int, sessions: int, history_rows: int
) -> dict[str, Any]:
    """Fill an empty store; return what was made."""
    started = time.perf_counter()
    with store.session(url) as db:
        if db.exec(select(func.count()).select_from(models.Plan)).one():
            raise SystemExit(f"{url} is not empty: generate into a new store")
    for year in range(years):
        for committee in range(committees):
            spec = plan_spec(committee, year, per_plan, sessions)
            with store.session(url) as db:
                _upsert(db, spec, source="bench", digest=spec.name)
    loaded = time.perf_counter()

    rng = random.Random(7)
    now = models.utcnow() - dt.timedelta(days=1)
    with store.session(url) as db:
        plans = {p.id: p for p in db.exec(select(models.Plan))}
        latest = max(p.period_start for p in plans.values())
        activities = list(db.exec(select(models.Activity).order_by(col(models.Activity.id))))
        sessions_by_plan: dict[int, list[int]] = {}
        for meeting in db.exec(select(models.Meeting)):
            sessions_by_plan.setdefault(meeting.plan_id, []).append(meeting.id or 0)
        stops: list[int | None] = []
        for activity in activities:
            under_way = plans[activity.plan_id].period_start == latest
            length = len(_shortest(workflow.get(activity.kind)))
            stops.append(rng.randrange(length) if under_way else None)
        pauses = [0] * len(activities)
        total = sum(
            len(_path(workflow.get(a.kind), 0, stop))
            for a, stop in zip(activities, stops, strict=True)
        )
        done = [index for index, stop in enumerate(stops) if stop is None]
        index = 0
        while total < history_rows and done:
            pauses[done[index % len(done)]] += 1
            total += 2
            index += 1
        store.lock_for_write(db)
        next_id = 1  # the number of the step to come, counted from 1
        rows: list[dict[str, Any]] = []
        states: list[dict[str, Any]] = []
        steps: dict[int, list[tuple[str, int]]] = {}
        # Every third step cites a document; every other one of those is in the register.
        register: list[dict[str, Any]] = []
        cited = 0
        for activity, pause, stop in zip(activities, pauses, stops, strict=True):
            path = _path(workflow.get(activity.kind), pause, stop)
            start = plans[activity.plan_id].period_start
            base = dt.datetime.fromisoformat(f"{start}-01T12:00:00+00:00")
            for offset, (event, source, dest) in enumerate(path):
                at = base + dt.timedelta(days=offset * 20, minutes=next_id % 1440)
                symbol = f"BENCH/doc.{next_id}/{start[2:4]}" if offset % 3 == 0 else None
                cited += symbol is not None
                if symbol is not None and cited % 2 == 0:
                    register.append(
                        {"plan_id": activity.plan_id, "symbol": symbol, "title": {"en": symbol}}
                    )
                rows.append(
                    {
                        "activity_id": activity.id or 0,
                        "event": event,
                        "from_state": source,
                        "to_state": dest,
                        "actor": "generator",
                        "actor_role": "*",
                        "at": min(at, now),
                        "note": f"step {offset + 1}",
                        "document": symbol,
                        "session_id": rng.choice(sessions_by_plan[activity.plan_id]),
                        "recorded_at": min(at, now),
                    }
                )
                steps.setdefault(activity.id or 0, []).append((event, len(rows) - 1))
                next_id += 1
            if path:
                states.append(
                    {
                        "id": activity.id,
                        "state": path[-1][2],
                        "resume": path[-1][1] if path[-1][2] == "postponed" else None,
                        "version": 1 + len(path),
                    }
                )
        # The steps go at the end of the chain the plans' loads began, as a batch of
        # steps goes: ids and hashes from the chain's head, the head moved once.
        written = store.append_steps(db, rows)
        steps = {
            activity_id: [(event, written[index]["id"]) for event, index in taken]
            for activity_id, taken in steps.items()
        }
        connection = db.connection()
        connection.execute(
            update(models.Activity)
            .where(col(models.Activity.id) == bindparam("activity"))
            .values(
                state=bindparam("state"),
                resume_state=bindparam("resume"),
                version=bindparam("new_version"),
            ),
            [
                {"activity": e["id"], "state": e["state"], "resume": e["resume"],
                 "new_version": e["version"]}
                for e in states
            ],
        )  # fmt: skip
        if register:
            connection.execute(
                insert(models.Document),
                [models.Document(**entry).model_dump(exclude={"id"}) for entry in register],
            )
            # Each entry of the register is registered in the chain, as `cam doc add` does:
            # the audit reads the register against these rows.
            for entry in register:
                facts = {
                    "symbol": entry["symbol"],
                    "title": entry["title"],
                    "date": None,
                    "languages": [],
                    "url": None,
                    "status": None,
                }
                store.append_change(db, models.Change(
                    subject=models.DOCUMENT, subject_key=entry["symbol"],
                    plan_id=entry["plan_id"], action="registered",
                    changes={name: [None, value] for name, value in facts.items()},
                    actor="generator", actor_role="*", at=now, prev_hash="", hash="",
                ))  # fmt: skip
        fulfilled = _fulfil(db, steps)
    return {
        "plans": committees * years,
        "activities": len(activities),
        "under_way": sum(1 for stop in stops if stop is not None),
        "sessions": committees * years * sessions,
        "history": len(rows),
        "milestones_done": fulfilled,
        "load_seconds": round(loaded - started, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def _fulfil(db: Any, steps: dict[int, list[tuple[str, int]]]) -> int:
    """Mark done the milestones the steps fulfilled: each step, its activity's first open one."""
    open_ones: dict[tuple[int, str | None], list[int]] = {}
    for milestone in db.exec(
        select(models.Milestone)
        .join(models.Meeting, col(models.Meeting.id) == col(models.Milestone.session_id))
        .order_by(*MILESTONE_ORDER)
    ):
        open_ones.setdefault((milestone.activity_id, milestone.event), []).append(milestone.id)
    marks = []
    for activity_id, taken in steps.items():
        for event, history_id in taken:
            waiting = open_ones.get((activity_id, event))
            if waiting:
                marks.append({"milestone": waiting.pop(0), "history": history_id})
    if marks:
        db.connection().execute(
            update(models.Milestone)
            .where(col(models.Milestone.id) == bindparam("milestone"))
            .values(done_history_id=bindparam("history")),
            marks,
        )
    return len(marks)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="store URL (an empty store)")
    parser.add_argument("--committees", type=int, default=20)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--activities", type=int, default=50, help="per plan")
    parser.add_argument("--sessions", type=int, default=10, help="per plan")
    parser.add_argument("--history", type=int, default=100_000, help="rows in all")
    args = parser.parse_args(argv)
    made = generate(
        normalise_url(args.db),
        args.committees,
        args.years,
        args.activities,
        args.sessions,
        args.history,
    )
    print(" ".join(f"{k}={v}" for k, v in made.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
