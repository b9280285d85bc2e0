"""Loading a plan file into the store: create it, or update it in place keeping every record.

The file is the plan; the store is the record. A reload applies what the
file says except where the record says otherwise, and then it says so:
a milestone or a session moved by a recorded move (`History.moved_*`) stays
where the move put it; a held session keeps its day. What a reload cannot
apply without hiding a record it refuses, with the reason: a session with a
record gone from the file, a kind that lacks states the activity has been
in, another file that carries the same plan name (unless it replaces it).

Who may load or reload a plan is a policy (`load_plan`: the plan's own for a
reload, the store's for a new plan); each load is a row in the history chain
with the file's source and digest. A registered person belongs to the store,
not to the file: a reload changes their role, address, name or language only
when the loader may manage people, and then each change is a row in the
chain; otherwise the store's values stay and the report says what the file
says differently.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from cam_tracker import store
from cam_tracker.app.authorization import (
    Actor,
    identify,
    permit,
    plan_policy,
    record,
    store_policy,
)
from cam_tracker.app.people import check_address_free, facts, keep_a_manager
from cam_tracker.core.dates import local_day
from cam_tracker.core.errors import (
    CamError,
    InvalidDefinition,
    PermissionRefused,
    TransitionRefused,
)
from cam_tracker.core.settings import actor_name
from cam_tracker.files import workflow
from cam_tracker.files.plan import PlanSpec, _SessionSpec, bundled_plans, read_plan, resolve_source
from cam_tracker.store import models


@dataclass
class LoadReport:
    """What loading a plan changed, and what it kept because the record says otherwise.

    Activities and sessions are named by key; milestones as "SESSION ACTIVITY
    EVENT"; each entry of `kept` is one sentence.
    """

    plan: str
    created: bool
    source: str = ""
    # The source the plan was loaded from before, when this load replaced it.
    replaced: str | None = None
    details_updated: bool = False
    activities_added: list[str] = field(default_factory=list)
    activities_updated: list[str] = field(default_factory=list)
    activities_missing: list[str] = field(default_factory=list)
    kinds_changed: dict[str, tuple[str, str]] = field(default_factory=dict)
    sessions_added: list[str] = field(default_factory=list)
    sessions_updated: list[str] = field(default_factory=list)
    sessions_missing: list[str] = field(default_factory=list)
    milestones_added: list[str] = field(default_factory=list)
    milestones_updated: list[str] = field(default_factory=list)
    milestones_removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    milestones: int = 0
    unchanged: bool = False


def load(
    db: Session, name_or_path: str, *, actor: str | None = None, replace: bool = False
) -> LoadReport:
    """Load a bundled plan or a file into the store; a reload updates and keeps history.

    A plan already loaded from another source (another file carrying the
    same `name:`) is replaced only with `replace`.
    """
    path = resolve_source(name_or_path)
    spec = read_plan(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    bundled = bundled_plans().get(path.stem) == path
    source = f"bundled:{path.stem}" if bundled else str(path.resolve())
    return _upsert(db, spec, source, digest, actor=actor, replace=replace)


def describe_source(source: str) -> str:
    """A plan's source as a reader knows it: a bundled plan's name, or a file."""
    return (
        f"bundled plan {source.removeprefix('bundled:')}"
        if source.startswith("bundled:")
        else source
    )


def _same_source(stored: str, source: str) -> bool:
    """Whether two sources name one file (a path stored before paths were resolved counts)."""
    if stored == source:
        return True
    if stored.startswith("bundled:") or source.startswith("bundled:"):
        return False
    return Path(stored).resolve() == Path(source)


def _upsert(
    db: Session,
    spec: PlanSpec,
    source: str,
    digest: str,
    *,
    actor: str | None = None,
    replace: bool = False,
) -> LoadReport:
    """Create or update the plan; `actor` is who loads it (default: `core.settings.actor_name`)."""
    store.lock_for_write(db)
    who = identify(db, actor or actor_name(None))
    plan = db.exec(select(models.Plan).where(models.Plan.name == spec.name)).first()
    permit(who, plan_policy(plan) if plan is not None else store_policy(db), "load_plan")
    report = LoadReport(plan=spec.name, created=plan is None, source=source)
    before: dict[str, Any] = (
        {"source": plan.source, "digest": plan.digest} if plan is not None else {}
    )
    if plan is not None and not _same_source(plan.source, source):
        if not replace:
            raise TransitionRefused(
                f"plan {spec.name} was loaded from {describe_source(plan.source)}; loading it "
                f"from {describe_source(source)} would replace it",
                fields=("replace",),
            )
        report.replaced = plan.source
    if plan is not None and plan.digest == digest:
        report.unchanged = True
        if report.replaced is not None:
            plan.source = source
            db.add(plan)
            _record_load(db, who, plan, before, created=False)
        return report
    if plan is None:
        plan = models.Plan(
            name=spec.name,
            title={},
            body={},
            period_start="",
            period_end="",
            general_assembly={},
            source=source,
            digest=digest,
        )
    details = (
        spec.title,
        spec.body.model_dump(exclude_none=True),
        spec.period.start,
        spec.period.end,
        spec.general_assembly,
        spec.timezone,
    )
    report.details_updated = not report.created and details != (
        plan.title,
        plan.body,
        plan.period_start,
        plan.period_end,
        plan.general_assembly,
        plan.timezone,
    )
    plan.title = spec.title
    plan.body = spec.body.model_dump(exclude_none=True)
    plan.period_start = spec.period.start
    plan.period_end = spec.period.end
    plan.general_assembly = spec.general_assembly
    plan.timezone = spec.timezone
    plan.publish_notes = spec.publish.notes
    plan.source = source
    plan.digest = digest
    before["policy"] = plan.policy
    plan.policy = spec.policy.model_dump(exclude_none=True) if spec.policy else None
    plan.loaded_at = models.utcnow()
    db.add(plan)
    db.flush()
    assert plan.id is not None
    _record_load(db, who, plan, before, created=report.created)
    people = _upsert_people(db, spec, who, report)
    paragraphs = _upsert_mandates(db, plan.id, spec)
    activities = _upsert_activities(db, plan.id, spec, paragraphs, people, report)
    _upsert_sessions(db, plan, spec, activities, report)
    db.flush()
    return report


def _record_load(
    db: Session, who: Actor, plan: models.Plan, before: dict[str, Any], *, created: bool
) -> None:
    """A load in the chain: the file's source and digest, and the policy when it changed."""
    after = {"source": plan.source, "digest": plan.digest, "policy": plan.policy}
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if name != "policy" or before.get("policy") != value
    }
    action = "loaded" if created else "reloaded"
    record(db, who, models.PLAN, plan.name, action, changes, plan_id=plan.id)


def _upsert_people(db: Session, spec: PlanSpec, who: Actor, report: LoadReport) -> dict[str, int]:
    """The file's people: new ones added; registered ones changed only by who manages people."""
    keys = [p.key for p in spec.people]
    existing = {
        p.key: p for p in db.exec(select(models.Person).where(col(models.Person.key).in_(keys)))
    }
    may_manage = _may_manage_people(db, who)
    ids = {}
    for index, person_spec in enumerate(spec.people):
        person = existing.get(person_spec.key) or models.Person(
            key=person_spec.key, name=person_spec.name, role=person_spec.role
        )
        said = {
            "name": person_spec.name,
            "role": person_spec.role,
            "email": person_spec.email or person.email,
            "language": person_spec.language,
        }
        if person_spec.email:
            try:
                check_address_free(db, person_spec.email, person.key)
            except CamError as exc:
                raise InvalidDefinition(f"people.{index}.email: {exc}") from None
        if person.registered:
            differs = {k: v for k, v in said.items() if getattr(person, k) != v}
            if differs and not may_manage:
                report.kept.append(
                    f"person {person.key}: "
                    + ", ".join(f"{k} {getattr(person, k)}" for k in differs)
                    + " as registered; the file says "
                    + ", ".join(str(v) for v in differs.values())
                )
                said = {}
            elif differs:
                before = facts(person)
                for name, value in differs.items():
                    setattr(person, name, value)
                record(
                    db,
                    who,
                    models.PERSON,
                    person.key,
                    "changed",
                    {k: [before[k], getattr(person, k)] for k in differs},
                    note="from the plan file",
                )
                said = {}
        for name, value in said.items():
            setattr(person, name, value)
        db.add(person)
        db.flush()
        assert person.id is not None
        ids[person.key] = person.id
    if may_manage:
        keep_a_manager(db, store_policy(db)["manage_people"])
    return ids


def _may_manage_people(db: Session, who: Actor) -> bool:
    try:
        permit(who, store_policy(db), "manage_people")
    except PermissionRefused:
        return False
    return True


def _upsert_mandates(db: Session, plan_id: int, spec: PlanSpec) -> dict[str, int]:
    mandates = {
        m.key: m for m in db.exec(select(models.Mandate).where(models.Mandate.plan_id == plan_id))
    }
    paragraph_ids: dict[str, int] = {}
    for position, mandate_spec in enumerate(spec.mandates):
        mandate = mandates.pop(mandate_spec.key, None) or models.Mandate(
            plan_id=plan_id, key=mandate_spec.key, symbol="", title={}
        )
        mandate.symbol = mandate_spec.symbol
        mandate.title = mandate_spec.title
        mandate.position = position
        db.add(mandate)
        db.flush()
        assert mandate.id is not None
        current = {
            p.number: p
            for p in db.exec(
                select(models.Paragraph).where(models.Paragraph.mandate_id == mandate.id)
            )
        }
        for p_position, paragraph_spec in enumerate(mandate_spec.paragraphs):
            paragraph = current.pop(paragraph_spec.number, None) or models.Paragraph(
                mandate_id=mandate.id, number=paragraph_spec.number, text=""
            )
            paragraph.text = paragraph_spec.text
            paragraph.position = p_position
            db.add(paragraph)
            db.flush()
            assert paragraph.id is not None
            paragraph_ids[f"{mandate.key}/{paragraph.number}"] = paragraph.id
        _delete_paragraphs(db, list(current.values()))
    for mandate in mandates.values():
        _delete_paragraphs(
            db,
            list(
                db.exec(select(models.Paragraph).where(models.Paragraph.mandate_id == mandate.id))
            ),
        )
        db.delete(mandate)
    return paragraph_ids


def _delete_paragraphs(db: Session, paragraphs: list[models.Paragraph]) -> None:
    """Mandate text has no history of its own: a paragraph gone from the file goes."""
    for paragraph in paragraphs:
        for link in db.exec(
            select(models.ActivityParagraph).where(
                models.ActivityParagraph.paragraph_id == paragraph.id
            )
        ):
            db.delete(link)
        db.delete(paragraph)
    db.flush()


def _upsert_activities(
    db: Session,
    plan_id: int,
    spec: PlanSpec,
    paragraphs: dict[str, int],
    people: dict[str, int],
    report: LoadReport,
) -> dict[str, models.Activity]:
    existing = {
        a.key: a for a in db.exec(select(models.Activity).where(models.Activity.plan_id == plan_id))
    }
    kept: dict[str, models.Activity] = {}
    for position, activity_spec in enumerate(spec.activities):
        flow = workflow.get(activity_spec.kind)
        activity = existing.pop(activity_spec.key, None)
        if activity is None:
            activity = models.Activity(
                plan_id=plan_id,
                key=activity_spec.key,
                number=activity_spec.number,
                title=activity_spec.title,
                kind=activity_spec.kind,
                state=flow.initial,
            )
            report.activities_added.append(activity_spec.key)
        else:
            if activity.kind != activity_spec.kind:
                _change_kind(db, activity, flow)
                report.kinds_changed[activity.key] = (activity.kind, activity_spec.kind)
            changed = (
                activity.number != activity_spec.number
                or activity.title != activity_spec.title
                or activity.kind != activity_spec.kind
                or activity.removed
            )
            if changed:
                report.activities_updated.append(activity.key)
            activity.number = activity_spec.number
            activity.title = activity_spec.title
            activity.kind = activity_spec.kind
            activity.removed = False
        activity.position = position
        db.add(activity)
        db.flush()
        assert activity.id is not None
        _replace_links(
            db,
            activity.id,
            {paragraphs[ref] for ref in activity_spec.serves},
        )
        wanted = {people[person_key] for person_key in activity_spec.responsible}
        current_people: set[int] = set()
        for link in db.exec(
            select(models.Responsibility).where(models.Responsibility.activity_id == activity.id)
        ):
            if link.person_id in wanted:
                current_people.add(link.person_id)
            else:
                db.delete(link)
        for person_id in wanted - current_people:
            db.add(models.Responsibility(activity_id=activity.id, person_id=person_id))
        kept[activity.key] = activity
    for missing in existing.values():
        if not missing.removed:
            missing.removed = True
            db.add(missing)
            report.activities_missing.append(missing.key)
    return kept


def _change_kind(db: Session, activity: models.Activity, flow: workflow.Workflow) -> None:
    """An activity may change kind if the new kind has every state it has been in.

    Its history then reads in the new kind, and a postponed activity can still
    resume to the state it left. One never advanced starts the new kind afresh.
    """
    steps = list(
        db.exec(
            select(models.History.from_state, models.History.to_state)
            .where(models.History.activity_id == activity.id)
            .order_by(col(models.History.at), col(models.History.id))
        )
    )
    if not steps:
        activity.state = flow.initial
        activity.resume_state = None
        return
    been = [state for pair in steps for state in pair]
    been += [activity.state] + ([activity.resume_state] if activity.resume_state else [])
    missing = [state for state in dict.fromkeys(been) if state not in flow.states]
    if missing:
        raise InvalidDefinition(
            f"activity {activity.key} has history in states {', '.join(missing)} "
            f"that kind {flow.kind!r} does not have"
        )


def _replace_links(db: Session, activity_id: int, paragraph_ids: set[int]) -> None:
    current = {
        link.paragraph_id: link
        for link in db.exec(
            select(models.ActivityParagraph).where(
                models.ActivityParagraph.activity_id == activity_id
            )
        )
    }
    for paragraph_id, link in current.items():
        if paragraph_id not in paragraph_ids:
            db.delete(link)
    for paragraph_id in paragraph_ids - set(current):
        db.add(models.ActivityParagraph(activity_id=activity_id, paragraph_id=paragraph_id))


@dataclass
class _Moves:
    """The moves recorded in the plan's history, in the order they were written."""

    sessions: dict[int, models.History]  # a session's last move, by session id
    milestones: dict[tuple[int, str], list[models.History]]  # by (activity id, event)

    def placed(self, milestone: models.Milestone) -> models.History | None:
        """The recorded move that put a milestone at its session, if one did.

        Its month may have changed since, with its session's (`cam session reschedule`).
        """
        if milestone.event is None:
            return None
        rows = self.milestones.get((milestone.activity_id, milestone.event), [])
        return next((row for row in reversed(rows) if row.session_id == milestone.session_id), None)

    def origin(self, milestone: models.Milestone, last: models.History) -> str:
        """The month a moved milestone was planned for before its first recorded move."""
        assert milestone.event is not None
        rows = self.milestones.get((milestone.activity_id, milestone.event), [])
        month = last.moved_from or ""
        for row in reversed([r for r in rows if (r.id or 0) < (last.id or 0)]):
            if row.moved_to == month:
                month = row.moved_from or month
        return month


def _recorded_moves(db: Session, plan_id: int) -> _Moves:
    moves = _Moves(sessions={}, milestones=defaultdict(list))
    for row in db.exec(
        select(models.History)
        .join(models.Activity, col(models.Activity.id) == col(models.History.activity_id))
        .where(models.Activity.plan_id == plan_id)
        .where(col(models.History.moved_from).is_not(None))
        .order_by(col(models.History.id))
    ):
        if row.moved_event is None:
            if row.session_id is not None:
                moves.sessions[row.session_id] = row
        else:
            moves.milestones[row.activity_id, row.moved_event].append(row)
    return moves


def _day(row: models.History, plan: models.Plan) -> str:
    """The day a history row was written for, in the plan's time zone."""
    return local_day(row.at, plan.timezone).isoformat()


def _refuse_hiding(db: Session, gone: list[models.Meeting]) -> None:
    """A session with a record cannot leave the file: its record would be hidden with it.

    Its record is its being held, a step or move recorded at it, or a
    milestone reached there. Renaming its key in the file would also let it be
    held a second time under the new key.
    """
    for meeting in gone:
        if meeting.held_on is not None:
            raise InvalidDefinition(
                f"session {meeting.key} was held on {meeting.held_on} and is gone from the file: "
                "keep its key"
            )
        steps, moves = db.exec(
            select(
                func.count().filter(col(models.History.moved_from).is_(None)),
                func.count().filter(col(models.History.moved_from).is_not(None)),
            ).where(models.History.session_id == meeting.id)
        ).one()
        reached = db.exec(
            select(func.count())
            .select_from(models.Milestone)
            .where(models.Milestone.session_id == meeting.id)
            .where(col(models.Milestone.done_history_id).is_not(None))
        ).one()
        record = [
            f"{count} {what}{'' if count == 1 else 's'}"
            for count, what in ((steps, "step"), (moves, "move"), (reached, "milestone reached"))
            if count
        ]
        if record:
            raise InvalidDefinition(
                f"session {meeting.key} has a record ({', '.join(record)}) and is gone from "
                "the file: keep its key"
            )


def _when(meeting: models.Meeting) -> str:
    return meeting.date.isoformat() if meeting.date is not None else meeting.month


def _upsert_sessions(
    db: Session,
    plan: models.Plan,
    spec: PlanSpec,
    activities: dict[str, models.Activity],
    report: LoadReport,
) -> None:
    assert plan.id is not None
    existing = {
        s.key: s for s in db.exec(select(models.Meeting).where(models.Meeting.plan_id == plan.id))
    }
    in_file = {session_spec.key for session_spec in spec.sessions}
    gone = [m for key, m in existing.items() if key not in in_file and not m.removed]
    _refuse_hiding(db, gone)
    moves = _recorded_moves(db, plan.id)
    meetings: list[tuple[models.Meeting, _SessionSpec, str]] = []
    for position, session_spec in enumerate(spec.sessions):
        meeting = existing.pop(session_spec.key, None)
        if meeting is None:
            meeting = models.Meeting(
                plan_id=plan.id,
                key=session_spec.key,
                month=session_spec.month,
                date=session_spec.date,
                kind=session_spec.kind,
                title=session_spec.title,
            )
            report.sessions_added.append(session_spec.key)
        old_month = meeting.month
        before = (
            meeting.kind,
            meeting.title,
            list(meeting.mandates),
            meeting.removed,
            _when(meeting),
        )
        _date_session(meeting, session_spec, moves, plan, report)
        meeting.kind = session_spec.kind
        meeting.title = session_spec.title
        meeting.mandates = list(session_spec.mandates)
        meeting.removed = False
        meeting.position = position
        after = (
            meeting.kind,
            meeting.title,
            list(meeting.mandates),
            meeting.removed,
            _when(meeting),
        )
        if meeting.id is not None and before != after:
            report.sessions_updated.append(meeting.key)
        db.add(meeting)
        db.flush()
        meetings.append((meeting, session_spec, old_month))
    keys = {
        a.id or 0: a.key
        for a in db.exec(select(models.Activity).where(models.Activity.plan_id == plan.id))
    }
    for missing in gone:
        missing.removed = True
        db.add(missing)
        report.sessions_missing.append(missing.key)
        # Its open agenda items go with it, as items gone from an agenda do.
        for milestone in db.exec(
            select(models.Milestone)
            .where(models.Milestone.session_id == missing.id)
            .where(col(models.Milestone.done_history_id).is_(None))
        ):
            report.milestones_removed.append(_name(milestone, missing.key, keys))
            db.delete(milestone)
    _upsert_agendas(db, plan, meetings, activities, moves, keys, report)


def _date_session(
    meeting: models.Meeting,
    session_spec: _SessionSpec,
    moves: _Moves,
    plan: models.Plan,
    report: LoadReport,
) -> None:
    """The file dates a session, unless the record says otherwise (and then the report says so).

    A held session keeps its day; a session moved by a recorded move keeps the
    day the move gave it; a day set in the store is kept where the file gives none.
    """
    says = session_spec.date.isoformat() if session_spec.date else session_spec.month
    if meeting.id is None:
        return
    differs = says != _when(meeting) and not (
        session_spec.date is None
        and meeting.date is not None
        and session_spec.month == meeting.month
    )
    if meeting.held_on is not None:
        if differs:
            report.kept.append(
                f"session {meeting.key} held on {meeting.held_on}; the file says {says}"
            )
        return
    move = moves.sessions.get(meeting.id or 0)
    if move is not None and move.moved_to == _when(meeting):
        if differs:
            report.kept.append(
                f"session {meeting.key} on {_when(meeting)}, where it was moved on "
                f"{_day(move, plan)}; the file says {says}"
            )
        return
    if session_spec.date is None and meeting.date is not None:
        if differs:
            report.kept.append(
                f"session {meeting.key} on {meeting.date}, as dated in the store; "
                f"the file says {says}"
            )
        return
    meeting.month = session_spec.month
    meeting.date = session_spec.date


def _name(milestone: models.Milestone, session_key: str, keys: dict[int, str]) -> str:
    return f"{session_key} {keys.get(milestone.activity_id, '?')} {milestone.event or '(no event)'}"


def _upsert_agendas(
    db: Session,
    plan: models.Plan,
    meetings: list[tuple[models.Meeting, _SessionSpec, str]],
    activities: dict[str, models.Activity],
    moves: _Moves,
    keys: dict[int, str],
    report: LoadReport,
) -> None:
    """Match the file's agenda items to the milestones in the store, and keep the moved ones.

    An item matches a milestone of its session with the same activity and
    event. An item left unmatched whose milestone a recorded move put at
    another session (or month) is that milestone: it stays where the move put
    it, reached or not, and is not planned a second time. Milestones left
    over go, unless reached (a reached milestone is part of the record).
    """
    session_keys = {meeting.id or 0: meeting.key for meeting, _spec, _month in meetings}
    ids = list(session_keys)
    current = list(
        db.exec(
            select(models.Milestone)
            .where(col(models.Milestone.session_id).in_(ids))
            .order_by(col(models.Milestone.session_id), col(models.Milestone.position))
        )
    )
    # Free every position first: the file may reorder any agenda.
    for milestone in current:
        milestone.position = -1 - (milestone.id or 0)
        db.add(milestone)
    db.flush()
    free = {milestone.id: milestone for milestone in current}
    removed = 0
    planned: list[tuple[models.Meeting, list[models.Milestone | None], _SessionSpec, str]] = []
    unmatched: list[tuple[int, int]] = []  # (index in planned, index in agenda)
    for meeting, session_spec, old_month in meetings:
        row: list[models.Milestone | None] = []
        for item in session_spec.agenda:
            activity_id = activities[item.activity].id
            match = next(
                (
                    m
                    for m in free.values()
                    if m.session_id == meeting.id
                    and m.activity_id == activity_id
                    and m.event == item.event
                ),
                None,
            )
            if match is not None:
                del free[match.id]
            else:
                unmatched.append((len(planned), len(row)))
            row.append(match)
        planned.append((meeting, row, session_spec, old_month))
    # A milestone a recorded move put elsewhere is the file's unmatched item it came from.
    kept_moved: list[models.Milestone] = []
    for milestone in list(free.values()):
        move = moves.placed(milestone)
        if move is None:
            continue
        origin = moves.origin(milestone, move)
        candidates = [
            (p, i)
            for p, i in unmatched
            if activities[planned[p][2].agenda[i].activity].id == milestone.activity_id
            and planned[p][2].agenda[i].event == milestone.event
        ]
        if not candidates:
            continue
        p, i = next(
            (c for c in candidates if origin in (planned[c[0]][3], planned[c[0]][0].month)),
            candidates[0],
        )
        unmatched.remove((p, i))
        del free[milestone.id]
        milestone.text = planned[p][2].agenda[i].text
        kept_moved.append(milestone)
        report.kept.append(
            f"{keys[milestone.activity_id]} {milestone.event} at session "
            f"{session_keys[milestone.session_id]} ({milestone.planned_month}), where it was moved "
            f"from {origin} on {_day(move, plan)}; the file plans it at {planned[p][0].key}"
        )
    for p, (meeting, row, session_spec, old_month) in enumerate(planned):
        position = 0
        for i, item in enumerate(session_spec.agenda):
            match = row[i]
            if match is None:
                if (p, i) not in unmatched:
                    continue  # planned where a recorded move put it
                match = models.Milestone(
                    session_id=meeting.id or 0,
                    activity_id=activities[item.activity].id or 0,
                    position=position,
                    event=item.event,
                    text=item.text,
                    planned_month=meeting.month,
                )
                report.milestones_added.append(_name(match, meeting.key, keys))
            else:
                before = (match.text, match.planned_month)
                if match.planned_month == old_month:
                    match.planned_month = meeting.month
                elif match.planned_month != meeting.month:
                    move = moves.placed(match)
                    if move is not None:
                        report.kept.append(
                            f"{keys[match.activity_id]} {match.event} at session {meeting.key} "
                            f"planned for {match.planned_month}, where it was moved on "
                            f"{_day(move, plan)}; the file plans it for {meeting.month}"
                        )
                match.text = item.text
                if (match.text, match.planned_month) != before:
                    report.milestones_updated.append(_name(match, meeting.key, keys))
            match.position = position
            position += 1
            db.add(match)
            db.flush()
        extras = [m for m in kept_moved if m.session_id == meeting.id]
        extras += [m for m in free.values() if m.session_id == meeting.id]
        for extra in sorted(extras, key=lambda m: m.id or 0):
            if extra.done_history_id is None and extra.id in free:
                report.milestones_removed.append(_name(extra, meeting.key, keys))
                removed += 1
                db.delete(extra)
                continue
            extra.position = position
            position += 1
            db.add(extra)
        db.flush()
    report.milestones = len(current) - removed + len(report.milestones_added)
