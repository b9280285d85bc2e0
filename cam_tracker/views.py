"""Read-side views: list, show, history and calendar as plain, JSON-ready data.

The shapes here are the documented `--json` output; the CLI's tables print
the same data.
"""

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from cam_tracker import models, workflow
from cam_tracker.errors import NotFound, did_you_mean
from cam_tracker.schedule import ActivityView, MilestoneView, Snapshot, parse_month

Row = dict[str, Any]


def text(labels: dict[str, str], lang: str = "en") -> str:
    """A localised text, falling back to English."""
    return labels.get(lang) or labels.get("en") or ""


def iso(moment: dt.datetime | dt.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime) and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


def _milestone_brief(view: MilestoneView | None) -> Row | None:
    if view is None:
        return None
    return {
        "month": view.milestone.planned_month,
        "session": view.session.key,
        "event": view.milestone.event,
        "due": iso(view.due),
    }


def _mandate_refs(view: ActivityView, snap: Snapshot) -> list[str]:
    symbols = {m.id: m.symbol for m in snap.mandates}
    return [f"{symbols[p.mandate_id]} para. {p.number}" for p in view.paragraphs]


def activity_row(view: ActivityView, snap: Snapshot, lang: str = "en") -> Row:
    flow = view.flow
    return {
        "key": view.activity.key,
        "number": view.activity.number,
        "title": text(view.activity.title, lang),
        "kind": view.activity.kind,
        "state": view.state,
        "state_label": flow.state(view.state).label(lang)
        if view.state in flow.states
        else view.state,
        "final": view.is_final,
        "next_milestone": _milestone_brief(view.next_milestone),
        "behind": view.is_behind(snap.today),
        "mandates": _mandate_refs(view, snap),
        "responsible": [p.key for p in view.responsible],
    }


def list_activities(
    snap: Snapshot,
    *,
    state: str | None = None,
    kind: str | None = None,
    month: str | None = None,
    mandate: str | None = None,
    overdue: bool = False,
    lang: str = "en",
) -> list[Row]:
    """Activities with state, next milestone and behind-plan flag, filtered."""
    if kind is not None:
        workflow.get(kind)
    if month is not None:
        month = parse_month(month)
    rows = []
    needle = mandate.casefold() if mandate else None
    symbols = {m.id: m for m in snap.mandates}
    for view in snap.activities:
        if state is not None and view.state != state:
            continue
        if kind is not None and view.activity.kind != kind:
            continue
        if month is not None and not any(
            m.milestone.planned_month == month for m in view.milestones
        ):
            continue
        if needle is not None and not any(
            _mandate_matches(needle, symbols[p.mandate_id], p) for p in view.paragraphs
        ):
            continue
        if overdue and not view.is_behind(snap.today):
            continue
        rows.append(activity_row(view, snap, lang))
    return rows


def list_across(snaps: list[Snapshot], **filters: Any) -> list[Row]:
    """`list_activities` over several plans; each row names its plan first."""
    return [
        {"plan": snap.plan.name, **row}
        for snap in snaps
        for row in list_activities(snap, **filters)
    ]


def _mandate_matches(needle: str, mandate: models.Mandate, paragraph: models.Paragraph) -> bool:
    haystacks = (
        mandate.symbol,
        mandate.key,
        f"{mandate.key}/{paragraph.number}",
        f"{mandate.symbol} para. {paragraph.number}",
        *mandate.title.values(),
    )
    return any(needle in h.casefold() for h in haystacks)


def history_row(row: models.History, activity_key: str, session_key: str | None) -> Row:
    return {
        "id": row.id,
        "activity": activity_key,
        "event": row.event,
        "from_state": row.from_state,
        "to_state": row.to_state,
        "actor": row.actor,
        "actor_role": row.actor_role,
        "at": iso(row.at),
        "note": row.note,
        "document": row.document,
        "session": session_key,
    }


def history(snap: Snapshot, key: str | None = None) -> list[Row]:
    """The transition log, oldest first; one activity's when `key` is given."""
    keys = {v.activity.id: v.activity.key for v in snap.activities}
    if key is not None and key not in keys.values():
        raise NotFound(f"no activity {key!r} in {snap.plan.name}{did_you_mean(key, keys.values())}")
    sessions = {s.id: s.key for s in snap.sessions}
    return [
        history_row(row, keys[row.activity_id], sessions.get(row.session_id))
        for row in snap.history
        if row.activity_id in keys and (key is None or keys[row.activity_id] == key)
    ]


def _milestone_row(view: MilestoneView, lang: str) -> Row:
    return {
        "session": view.session.key,
        "month": view.milestone.planned_month,
        "event": view.milestone.event,
        "text": text(view.milestone.text, lang),
        "due": iso(view.due),
        "done": view.is_done,
        "done_at": iso(view.done.at) if view.done else None,
    }


def show(snap: Snapshot, key: str, lang: str = "en") -> Row:
    """Everything about one activity: mandates, milestones, allowed events, history."""
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
            "kind_label": flow.label(lang),
            "mandates": [
                {
                    "symbol": mandates[p.mandate_id].symbol,
                    "paragraph": p.number,
                    "text": p.text,
                }
                for p in view.paragraphs
            ],
            "milestones": [_milestone_row(m, lang) for m in view.milestones],
            "allowed_events": allowed,
            "history": [history_row(h, key, sessions.get(h.session_id)) for h in view.history],
        }
    )
    return row


def calendar(snap: Snapshot, month: str | None = None, lang: str = "en") -> list[Row]:
    """Sessions by month with their agenda and each item's state."""
    if month is not None:
        month = parse_month(month)
    states = {v.activity.id: v.state for v in snap.activities}
    rows = []
    for meeting in snap.sessions:
        if month is not None and meeting.month != month:
            continue
        agenda = [
            {
                "activity": m.activity.key,
                "event": m.milestone.event,
                "text": text(m.milestone.text, lang),
                "state": states.get(m.activity.id),
                "planned_month": m.milestone.planned_month,
                "done": m.is_done,
            }
            for m in snap.agenda(meeting)
        ]
        rows.append(
            {
                "id": meeting.key,
                "month": meeting.month,
                "date": iso(meeting.date),
                "kind": meeting.kind,
                "title": text(meeting.title, lang),
                "held_on": iso(snap.session_held(meeting)),
                "agenda": agenda,
            }
        )
    return rows


def plans(db: Session) -> list[Row]:
    """Bundled and loaded plans side by side."""
    from cam_tracker.plan import bundled_plans

    loaded = {p.name: p for p in db.exec(select(models.Plan).order_by(col(models.Plan.loaded_at)))}
    counts = dict(
        db.exec(
            select(models.Activity.plan_id, func.count())
            .where(col(models.Activity.removed).is_(False))
            .group_by(col(models.Activity.plan_id))
        ).all()
    )
    bundled = bundled_plans()
    names = list(dict.fromkeys([*bundled, *loaded]))
    return [
        {
            "name": name,
            "bundled": name in bundled,
            "loaded": name in loaded,
            "title": text(loaded[name].title) if name in loaded else None,
            "period": f"{loaded[name].period_start} – {loaded[name].period_end}"
            if name in loaded
            else None,
            "activities": counts.get(loaded[name].id or 0, 0) if name in loaded else None,
            "loaded_at": iso(loaded[name].loaded_at) if name in loaded else None,
        }
        for name in names
    ]
