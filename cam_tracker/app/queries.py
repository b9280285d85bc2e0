"""The read side: one function per thing a front end shows, each returning JSON-ready rows.

Rows are built once, here, from a snapshot: they carry keys (what a user
types: activity keys, events, sessions) and, beside them, labels in the
workspace's language (what a person reads). The shapes are the documented
`--json` output; the CLI's tables print the same rows, a web page would too.
Every count of activities by status uses `ActivityView.status`, so a listing,
the report and the reminders never disagree.
"""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cam_tracker.app import lookup
from cam_tracker.app.corrections import Correction
from cam_tracker.app.snapshot import ActivityView, MilestoneView, Snapshot, snapshots
from cam_tracker.core.dates import iso, parse_month, session_times
from cam_tracker.core.errors import InvalidInput, NotFound, did_you_mean
from cam_tracker.core.text import local
from cam_tracker.files import workflow
from cam_tracker.store import read
from cam_tracker.store.read import Reader, reader_of

if TYPE_CHECKING:
    from sqlmodel import Session


Row = dict[str, Any]


@dataclass(frozen=True)
class ActivityFilter:
    """What `cam list` narrows the activities to; None means any."""

    state: str | None = None
    kind: str | None = None
    month: str | None = None
    mandate: str | None = None
    overdue: bool = False


@dataclass
class ActivityListing:
    """Activities of one plan (or of all, each row naming its plan), as of a moment.

    `after_period` says the moment is past the plan's period: a plan judged
    years after it ended shows as far behind, and a reader should know why.
    """

    title: str
    today: dt.date
    rows: list[Row]
    across_plans: bool
    after_period: bool
    period_end: str | None

    @property
    def counts(self) -> dict[str, int]:
        """How many activities of the listing have each status, in `workflow.STATUSES` order."""
        counts = dict.fromkeys(workflow.STATUSES, 0)
        for row in self.rows:
            counts[row["status"]] += 1
        return counts


def _check_filter(filters: ActivityFilter, snaps: list[Snapshot]) -> ActivityFilter:
    """Refuse a filter that can match nothing because its value does not exist."""
    flows = {v.activity.kind: v.flow for s in snaps for v in s.activities}
    if filters.kind is not None and filters.kind not in flows:
        known = {k: f for s in snaps for k, f in lookup.kinds(s.plan).flows.items()}
        flows[filters.kind] = workflow.Kinds(known, {}, {}, {}).get(filters.kind)
    month = parse_month(filters.month) if filters.month is not None else None
    if filters.state is not None:
        kinds = [filters.kind] if filters.kind else sorted(flows)
        states = list(dict.fromkeys(st for k in kinds for st in flows[k].states))
        if filters.state not in states:
            raise InvalidInput(
                f"no state {filters.state!r}{did_you_mean(filters.state, states)}; "
                f"states: {', '.join(states)}",
                fields=("state",),
            )
    return ActivityFilter(filters.state, filters.kind, month, filters.mandate, filters.overdue)


def _milestone_brief(view: MilestoneView | None, flow: workflow.Workflow, lang: str) -> Row | None:
    if view is None:
        return None
    event = view.milestone.event
    return {
        "month": view.milestone.planned_month,
        "session": view.session.key,
        "event": event,
        "event_label": flow.event_label(event, lang) if event else None,
        "due": iso(view.due),
    }


def _mandate_refs(view: ActivityView, snap: Snapshot) -> list[str]:
    symbols = {m.id: m.symbol for m in snap.mandates}
    return [f"{symbols[p.mandate_id]} para. {p.number}" for p in view.paragraphs]


def activity_row(view: ActivityView, snap: Snapshot, lang: str = "en") -> Row:
    """One activity as every listing shows it."""
    flow = view.flow
    status = view.status(snap.today)
    return {
        "key": view.activity.key,
        "number": view.activity.number,
        "title": local(view.activity.title, lang),
        "kind": view.activity.kind,
        "kind_label": flow.label(lang),
        "state": view.state,
        "state_label": flow.state_label(view.state, lang),
        "status": status,
        "final": view.is_final,
        "next_milestone": _milestone_brief(view.next_milestone, flow, lang),
        "behind": status == workflow.BEHIND,
        "mandates": _mandate_refs(view, snap),
        "responsible": [p.key for p in view.responsible],
    }


def _matches(view: ActivityView, snap: Snapshot, filters: ActivityFilter) -> bool:
    if filters.state is not None and view.state != filters.state:
        return False
    if filters.kind is not None and view.activity.kind != filters.kind:
        return False
    if filters.month is not None and not any(
        m.milestone.planned_month == filters.month for m in view.milestones
    ):
        return False
    if filters.mandate is not None:
        needle = filters.mandate.casefold()
        mandates = {m.id: m for m in snap.mandates}
        if not any(_mandate_matches(needle, mandates[p.mandate_id], p) for p in view.paragraphs):
            return False
    return not (filters.overdue and view.status(snap.today) != workflow.BEHIND)


def list_activities(snap: Snapshot, filters: ActivityFilter, lang: str = "en") -> list[Row]:
    """The activities of one snapshot that pass the filter, in plan order."""
    filters = _check_filter(filters, [snap])
    return [
        activity_row(view, snap, lang) for view in snap.activities if _matches(view, snap, filters)
    ]


def activity_listing(
    db: "Session | Reader",
    plan: read.Plan | None,
    as_of: dt.date | dt.datetime | None,
    filters: ActivityFilter,
    lang: str = "en",
) -> ActivityListing:
    """`cam list`: one plan's activities, or (plan None) every plan's, as of a moment.

    A date `as_of` is the end of that day in each plan's own time zone.
    """
    if plan is not None:
        plans = [plan]
    else:
        from cam_tracker.app.lookup import all_plans

        plans = all_plans(db)
    snaps = snapshots(db, plans, as_of, with_history=False)
    filters = _check_filter(filters, snaps)
    rows = [
        {**({"plan": snap.plan.name} if plan is None else {}), **activity_row(view, snap, lang)}
        for snap in snaps
        for view in snap.activities
        if _matches(view, snap, filters)
    ]
    first = snaps[0]
    return ActivityListing(
        title="all plans" if plan is None else first.plan.name,
        today=first.today,
        rows=rows,
        across_plans=plan is None,
        after_period=plan is not None and first.after_period,
        period_end=first.plan.period_end if plan is not None else None,
    )


def _mandate_matches(needle: str, mandate: read.Mandate, paragraph: read.Paragraph) -> bool:
    haystacks = (
        mandate.symbol,
        mandate.key,
        f"{mandate.key}/{paragraph.number}",
        f"{mandate.symbol} para. {paragraph.number}",
        *mandate.title.values(),
    )
    return any(needle in h.casefold() for h in haystacks)


def _correction_brief(correction: Correction | None) -> Row | None:
    """What a correction row changed on the step it corrects: each field from → to."""
    if correction is None:
        return None
    return {
        "id": correction.step_id,
        "changes": {
            name: {
                "from": iso(before) if name == "at" else before,
                "to": iso(after) if name == "at" else after,
            }
            for name, (before, after) in correction.changes.items()
        },
    }


def history_row(
    row: read.History,
    activity: read.Activity,
    session_key: str | None,
    lang: str = "en",
    snap: Snapshot | None = None,
    flow: workflow.Workflow | None = None,
) -> Row:
    """One step of the log, as corrected. A move names what moved, a correction what it
    corrected (data, never parsed from the note); a corrected step names its corrections.

    `flow` is the activity's kind in its plan (default: the snapshot's, else the installed)."""
    if flow is None:
        view = snap.activity(activity.key) if snap is not None else None
        flow = view.flow if view is not None else workflow.installed().get(activity.kind)
    event_label = flow.event_label(row.event, lang)
    corrections = snap.corrections if snap is not None else {}
    corrected_by = snap.corrected_by if snap is not None else {}
    return {
        "id": row.id,
        "activity": activity.key,
        "event": row.event,
        "event_label": event_label,
        "from_state": row.from_state,
        "to_state": row.to_state,
        "actor": row.actor,
        "actor_role": row.actor_role,
        "on_behalf_of": row.on_behalf_of,
        "at": iso(row.at),
        "note": row.note,
        "document": row.document,
        "session": session_key,
        "moved": (
            {"event": row.moved_event, "from": row.moved_from, "to": row.moved_to}
            if row.moved_from is not None
            else None
        ),
        "waived": row.moved_event if row.event == workflow.WAIVE else None,
        "corrects": _correction_brief(corrections.get(row.id or 0)),
        "corrected_by": list(corrected_by.get(row.id or 0, [])),
    }


def done_by(actor: str, on_behalf_of: str | None) -> str:
    """How a step's doer reads: "secretariat for chair" when one acted for another."""
    return f"{actor} for {on_behalf_of}" if on_behalf_of else actor


def history(snap: Snapshot, key: str | None = None, lang: str = "en") -> list[Row]:
    """The log of steps, oldest first; one activity's when `key` is given."""
    activities = {v.activity.id: v.activity for v in snap.activities}
    flows = {v.activity.id: v.flow for v in snap.activities}
    if key is not None and key not in {a.key for a in activities.values()}:
        keys = [a.key for a in activities.values()]
        raise NotFound(f"no activity {key!r} in {snap.plan.name}{did_you_mean(key, keys)}")
    sessions = {s.id: s.key for s in snap.sessions}
    return [
        history_row(
            row,
            activities[row.activity_id],
            sessions.get(row.session_id),
            lang,
            snap,
            flows[row.activity_id],
        )
        for row in snap.history
        if row.activity_id in activities and (key is None or activities[row.activity_id].key == key)
    ]


def session_place(meeting: read.Meeting, zone: str, lang: str = "en") -> Row:
    """A session's time and place, each None where not known: its wall-clock start and end
    in the plan's zone, and the moments they are (when its day is known too)."""
    starts_at, ends_at = session_times(meeting.date, meeting.start_time, meeting.end_time, zone)
    venue = {"room": meeting.room, "building": meeting.building, "city": meeting.city}
    return {
        "start": meeting.start_time,
        "end": meeting.end_time,
        "timezone": zone,
        "starts_at": iso(starts_at),
        "ends_at": iso(ends_at),
        "venue": venue if any(venue.values()) else None,
        "modality": meeting.modality,
        "link": meeting.link,
    }


def programme_rows(meeting: read.Meeting, lang: str = "en") -> list[Row]:
    """A session's programme, in order, its titles in the reader's language."""
    return [
        {
            "time": item.get("time"),
            "end": item.get("end"),
            "title": local(item.get("title"), lang),
            "speaker": item.get("speaker"),
        }
        for item in meeting.programme or []
    ]


def _milestone_row(
    view: MilestoneView, flow: workflow.Workflow, lang: str, zone: str = "UTC"
) -> Row:
    brief = _milestone_brief(view, flow, lang)
    assert brief is not None
    return {
        "session": view.session.key,
        "month": view.milestone.planned_month,
        "event": view.milestone.event,
        "event_label": brief["event_label"],
        "text": local(view.milestone.text, lang),
        "due": iso(view.due),
        "done": view.is_done,
        "done_at": iso(view.done.at) if view.done else None,
        "session_place": session_place(view.session, zone, lang),
        "waived": view.waived is not None,
        "waived_reason": view.waived.note if view.waived is not None else None,
    }


def activity_detail(snap: Snapshot, key: str, lang: str = "en") -> Row:
    """`cam show`: one activity's mandates, milestones, allowed events and history."""
    view = snap.activity(key)
    if view is None:
        keys = [v.activity.key for v in snap.activities]
        raise NotFound(f"no activity {key!r} in {snap.plan.name}{did_you_mean(key, keys)}")
    flow = view.flow
    mandates = {m.id: m for m in snap.mandates}
    allowed = [
        {
            "event": step.event,
            "label": step.label(lang),
            "to": step.dest,
            "requires": list(step.requires),
            "roles": list(step.roles),
        }
        for step in flow.allowed(view.state)
    ]
    sessions = {s.id: s.key for s in snap.sessions}
    row = activity_row(view, snap, lang)
    row.update(
        {
            "plan": snap.plan.name,
            "mandates": [
                {
                    "symbol": mandates[p.mandate_id].symbol,
                    "paragraph": p.number,
                    "text": local(p.text, lang),
                }
                for p in view.paragraphs
            ],
            "milestones": [
                _milestone_row(m, flow, lang, snap.plan.timezone) for m in view.milestones
            ],
            "documents": [cited_document(symbol, doc, lang) for symbol, doc in snap.cited(view)],
            "allowed_events": allowed,
            "history": [
                history_row(h, view.activity, sessions.get(h.session_id), lang, snap, flow)
                for h in view.history
            ],
        }
    )
    return row


def cited_document(symbol: str, document: read.Document | None, lang: str) -> Row:
    """A document an activity's steps cite, as `cam show` lists it (unregistered: the symbol)."""
    return {
        "symbol": document.symbol if document is not None else symbol,
        "registered": document is not None,
        "title": (local(document.title, lang) or None) if document is not None else None,
        "languages": list(document.languages) if document is not None else [],
        "url": document.url if document is not None else None,
        "status": document.status if document is not None else None,
    }


def calendar(snap: Snapshot, month: str | None = None, lang: str = "en") -> list[Row]:
    """Sessions by month with their agenda and each item's state."""
    if month is not None:
        month = parse_month(month)
    views = {v.activity.id: v for v in snap.activities}
    return [
        _session_row(snap, meeting, lang, views)
        for meeting in snap.sessions
        if month is None or meeting.month == month
    ]


def session_detail(snap: Snapshot, key: str, lang: str = "en") -> Row:
    """`cam session show`: one session as the calendar shows it, with its programme."""
    meeting = next((m for m in snap.sessions if m.key == key), None)
    if meeting is None:
        keys = [m.key for m in snap.sessions]
        raise NotFound(f"no session {key!r} in {snap.plan.name}{did_you_mean(key, keys)}")
    views = {v.activity.id: v for v in snap.activities}
    return {"plan": snap.plan.name, **_session_row(snap, meeting, lang, views)}


def _session_row(
    snap: Snapshot, meeting: read.Meeting, lang: str, views: dict[int | None, ActivityView]
) -> Row:
    """A session as the calendar shows it: when and where, its agenda, its programme."""
    agenda = []
    for m in snap.agenda(meeting):
        view = views.get(m.activity.id)
        brief = _milestone_brief(m, view.flow, lang) if m.milestone.event and view else None
        agenda.append(
            {
                "activity": m.activity.key,
                "event": m.milestone.event,
                "event_label": brief["event_label"] if brief else None,
                "text": local(m.milestone.text, lang),
                "state": view.state if view else None,
                "state_label": view.flow.state_label(view.state, lang) if view else None,
                "planned_month": m.milestone.planned_month,
                "done": m.is_done,
                "waived": m.waived is not None,
            }
        )
    return {
        "id": meeting.key,
        "month": meeting.month,
        "date": iso(meeting.date),
        "kind": meeting.kind,
        "title": local(meeting.title, lang),
        "held_on": iso(snap.session_held(meeting)),
        "agenda": agenda,
        **session_place(meeting, snap.plan.timezone, lang),
        "programme": programme_rows(meeting, lang),
    }


def plans(db: "Session | Reader") -> list[Row]:
    """Bundled and loaded plans side by side."""
    from cam_tracker.files.plan import bundled_plans

    reader = reader_of(db)
    loaded = {p.name: p for p in reader.records(read.Plan, "FROM plan t ORDER BY t.loaded_at")}
    counts: dict[int, int] = dict(
        reader.rows(
            "SELECT t.plan_id, COUNT(*) FROM activity t WHERE t.removed = ? GROUP BY t.plan_id",
            [False],
        )
    )
    bundled = bundled_plans()
    names = list(dict.fromkeys([*bundled, *loaded]))
    return [
        {
            "name": name,
            "bundled": name in bundled,
            "loaded": name in loaded,
            "title": local(loaded[name].title, "en") if name in loaded else None,
            "period": f"{loaded[name].period_start} – {loaded[name].period_end}"
            if name in loaded
            else None,
            "activities": counts.get(loaded[name].id or 0, 0) if name in loaded else None,
            "loaded_at": iso(loaded[name].loaded_at) if name in loaded else None,
        }
        for name in names
    ]


def continuation(db: "Session | Reader", plan: read.Plan, key: str) -> dict[str, Any]:
    """What an activity carries on (PLAN/KEY of the plan it follows) and what carries it on.

    Each keeps its own history: a reader follows the link to see the rest.
    """
    reader = reader_of(db)
    found = reader.rows(
        "SELECT t.id, t.continues_id FROM activity t WHERE t.plan_id = ? AND t.key = ?",
        [plan.id, key],
    )
    if not found:
        return {"continues": None, "continued_by": []}
    activity_id, continues_id = found[0]
    earlier = None
    if continues_id is not None:
        for name, earlier_key, state in reader.rows(
            "SELECT p.name, t.key, t.state FROM plan p JOIN activity t ON t.plan_id = p.id "
            "WHERE t.id = ?",
            [continues_id],
        ):
            earlier = {"plan": name, "key": earlier_key, "state": state}
    continued_by = [
        {"plan": name, "key": later_key, "state": state}
        for name, later_key, state in reader.rows(
            "SELECT p.name, t.key, t.state FROM plan p JOIN activity t ON t.plan_id = p.id "
            "WHERE t.continues_id = ? ORDER BY p.name",
            [activity_id],
        )
    ]
    return {"continues": earlier, "continued_by": continued_by}


def workbook(db: "Session", plan: read.Plan, lang: str = "en") -> dict[str, list[Row]]:
    """The rows of every listing of one plan, as its `--json` gives them, read from one
    snapshot so that the sheets of an export agree with each other."""
    from cam_tracker.app.people import listing
    from cam_tracker.app.snapshot import snapshot

    snap = snapshot(db, plan)
    return {
        "activities": list_activities(snap, ActivityFilter(), lang),
        "history": history(snap, None, lang),
        "calendar": calendar(snap, None, lang),
        "people": listing(db, plan.name),
        "plans": plans(db),
    }


def _plan_for_keys(db: "Session | Reader", plan_name: str | None) -> read.Plan | None:
    """The plan whose keys are offered: the one named (or made current by `cam plan use`,
    `Workspace.completions`), else the one loaded last, else none."""
    if plan_name:
        found = lookup.find_plans(reader_of(db), lookup.BY_NAME, [plan_name])
    else:
        found = lookup.find_plans(reader_of(db), lookup.LOADED_LAST, [])
    return found[0] if found else None


def _plan_keys(table: str, plan_name: str | None, db: "Session | Reader") -> list[str]:
    """The keys of a plan's activities or sessions still in its file, in plan order."""
    plan = _plan_for_keys(db, plan_name)
    if plan is None:
        return []
    return [
        key
        for (key,) in reader_of(db).rows(
            f"SELECT t.key FROM {table} t WHERE t.plan_id = ? AND t.removed = ? "
            "ORDER BY t.position",
            [plan.id, False],
        )
    ]


def _activity_keys(
    db: "Session | Reader", plan_name: str | None, activity: str | None
) -> list[str]:
    return _plan_keys("activity", plan_name, db)


def _session_keys(db: "Session | Reader", plan_name: str | None, activity: str | None) -> list[str]:
    return _plan_keys("session", plan_name, db)


def _events(db: "Session | Reader", plan_name: str | None, activity: str | None) -> list[str]:
    """The events the activity may fire now (none when it is not known)."""
    plan = _plan_for_keys(db, plan_name)
    if plan is None or activity is None:
        return []
    found = reader_of(db).rows(
        "SELECT t.kind, t.state FROM activity t WHERE t.plan_id = ? AND t.key = ?",
        [plan.id, activity],
    )
    if not found:
        return []
    kind, state = found[0]
    from cam_tracker.app.lookup import flow

    try:
        steps = flow(plan, kind).allowed(state)
    except NotFound:  # a kind the plan no longer has: nothing to offer
        return []
    return list(dict.fromkeys(step.event for step in steps))


def _person_keys(db: "Session | Reader", plan_name: str | None, activity: str | None) -> list[str]:
    return [key for (key,) in reader_of(db).rows("SELECT t.key FROM person t ORDER BY t.key")]


def _plan_names(db: "Session | Reader", plan_name: str | None, activity: str | None) -> list[str]:
    from cam_tracker.files.plan import bundled_plans

    loaded = [name for (name,) in reader_of(db).rows("SELECT t.name FROM plan t ORDER BY t.name")]
    return list(dict.fromkeys([*loaded, *bundled_plans()]))


# What a shell completes, by the kind of word: each one query of keys, nothing more.
COMPLETIONS = {
    "activity": _activity_keys,
    "session": _session_keys,
    "event": _events,
    "person": _person_keys,
    "plan": _plan_names,
}


def completions(
    db: "Session | Reader", plan_name: str | None, what: str, activity: str | None = None
) -> list[str]:
    """The words a shell may complete for `what` (a key of `COMPLETIONS`); `activity` is
    the activity whose events are asked for. A plan that is not there completes nothing."""
    return COMPLETIONS[what](db, plan_name, activity)
