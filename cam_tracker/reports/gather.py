"""The progress report to the General Assembly: gather the data, then render it.

`gather` reads a plan through `app.snapshot` (a fixed number of queries,
history after the as-of moment ignored) into language-neutral data; `render`
writes it as Markdown, self-contained HTML with a timeline chart, or PDF, in
any language that has a `report` catalog. Templates are data: `templates/`.
"""

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from cam_tracker.app import lookup
from cam_tracker.app import snapshot as schedule
from cam_tracker.app.snapshot import MilestoneView, Snapshot
from cam_tracker.core.dates import month_end
from cam_tracker.core.text import SOURCE_LANGUAGE, is_translated, local, untranslated
from cam_tracker.files import workflow
from cam_tracker.files.workflow import RESCHEDULE, WAIVE
from cam_tracker.store import audit, models

Labels = dict[str, str]


CATALOG = "report"
STATUSES = workflow.STATUSES


@dataclass(frozen=True)
class Moved:
    """A move recorded in the history: a milestone to another month, or a whole session.

    `event_label` is None for a session's move; `before` and `after` are each a
    month (YYYY-MM) or a day (YYYY-MM-DD), as the history row stores them.
    """

    event_label: Labels | None
    before: str
    after: str


@dataclass(frozen=True)
class Corrects:
    """What a correction changed on a step of the log: each field (before, after), or None.

    `number` is the corrected step's number in the log (None when it is not in it).
    """

    number: int | None
    day: tuple[dt.date, dt.date] | None = None
    document: tuple[str | None, str | None] | None = None
    note: tuple[str | None, str | None] | None = None


@dataclass(frozen=True)
class Step:
    """One recorded step of an activity (a row of the log), with its corrections applied.

    A corrected step is marked (`corrected`) with the numbers of its corrections
    in the log (`corrected_by`: none for those written after the report's date);
    a correction says what it changed (`corrects`) and carries its reason as its note.
    """

    number: int
    day: dt.date
    activity: str
    activity_number: str
    activity_title: Labels
    event: str
    event_label: Labels
    from_label: Labels
    to_label: Labels
    session: Labels | None
    document: str | None
    note: str | None
    actor: str
    moved: Moved | None = None
    # A step that halted, resumed or moved the activity (what the kind's workflow says).
    delay: bool = False
    corrected: bool = False
    corrected_by: tuple[int, ...] = ()
    corrects: Corrects | None = None
    # A waiver (event `waive`): the label of the milestone's event the committee skipped.
    waived: Labels | None = None
    # Where the step happened and when, to the moment; `ref` is its history hash (stable).
    session_key: str | None = None
    at: dt.datetime | None = None
    ref: str = ""

    @property
    def is_transition(self) -> bool:
        return self.event not in (RESCHEDULE, WAIVE) and self.corrects is None

    @property
    def date_set(self) -> bool:
        """A session known by its month given its first day in that month: not a move."""
        moved = self.moved
        return (
            moved is not None
            and moved.event_label is None
            and len(moved.before) == 7
            and moved.after.startswith(moved.before)
        )


@dataclass(frozen=True)
class Planned:
    """A planned milestone: the step an activity should reach at a session."""

    month: str
    due: dt.date
    session: Labels
    text: Labels
    event_label: Labels
    done_on: dt.date | None
    late: bool
    # The committee decided to skip it: when (plan time) and why.
    waived_on: dt.date | None = None
    waived_reason: str | None = None
    session_key: str = ""


@dataclass(frozen=True)
class DocumentRef:
    """A document an activity's steps cite: its register entry, or its symbol alone
    (`title` None) when nobody registered it."""

    symbol: str
    title: Labels | None
    languages: tuple[str, ...] = ()
    url: str | None = None
    status: str | None = None
    date: dt.date | None = None


@dataclass
class ActivityReport:
    """One activity as it stood at the report's date."""

    key: str
    number: str
    title: Labels
    kind_label: Labels
    state: str
    state_label: Labels
    status: str
    steps: list[Step]
    planned: list[Planned]
    path: list[Labels]
    # The documents its steps cite, in the order first cited.
    documents: list[DocumentRef] = field(default_factory=list)

    @property
    def transitions(self) -> list[Step]:
        return [s for s in self.steps if s.is_transition]

    @property
    def remaining(self) -> list[Planned]:
        return [p for p in self.planned if p.done_on is None and p.waived_on is None]

    @property
    def waived(self) -> list[Planned]:
        return [p for p in self.planned if p.waived_on is not None]

    @property
    def late(self) -> list[Planned]:
        return [p for p in self.planned if p.late]

    @property
    def next(self) -> Planned | None:
        remaining = self.remaining
        return remaining[0] if remaining else None


@dataclass
class ParagraphReport:
    """An operative paragraph and the activities that serve it.

    `entries` pairs each activity with whether this is where the report tells
    it in full (its first mention) or refers back to it.
    """

    number: str
    text: Labels
    entries: list[tuple[ActivityReport, bool]]
    # "guideline": guidance the committee's work follows, which no activity need serve.
    kind: str = "task"

    @property
    def activities(self) -> list[ActivityReport]:
        return [activity for activity, _ in self.entries]

    @property
    def told(self) -> list[ActivityReport]:
        """The activities told in full here (where each is first mentioned)."""
        return [activity for activity, full in self.entries if full]

    @property
    def referred(self) -> list[ActivityReport]:
        """The activities told under an earlier paragraph, referred to by number here."""
        return [activity for activity, full in self.entries if not full]

    @property
    def guideline(self) -> bool:
        return self.kind == "guideline"

    def quoted_in(self, lang: str) -> str:
        """The language the paragraph is quoted in: the reader's when the plan gives it."""
        return lang if is_translated(self.text, lang) else SOURCE_LANGUAGE


@dataclass
class MandateReport:
    """A resolution that instructs the committee."""

    key: str
    symbol: str
    title: Labels
    paragraphs: list[ParagraphReport]

    @property
    def unserved(self) -> list[ParagraphReport]:
        """Tasks no activity serves (a guideline is not unserved)."""
        return [p for p in self.paragraphs if not p.activities and not p.guideline]


@dataclass(frozen=True)
class AgendaItem:
    """An item on a session's agenda: the step planned for an activity, and whether it came."""

    activity: str
    activity_number: str
    activity_title: Labels
    text: Labels
    event_label: Labels | None
    month: str
    done_on: dt.date | None


@dataclass(frozen=True)
class SessionReport:
    """A session of the calendar: planned, and held or not."""

    key: str
    month: str
    title: Labels
    date: dt.date | None
    held_on: dt.date | None
    items: int
    items_done: int
    # Its time and place, where known: wall-clock times in `timezone`, the venue in one line.
    start: str | None = None
    end: str | None = None
    timezone: str = "UTC"
    venue: str | None = None
    modality: str | None = None
    kind: str = ""
    agenda: tuple[AgendaItem, ...] = ()

    def status(self, today: dt.date) -> str:
        """held, pending (its month has not ended), or not_held."""
        if self.held_on is not None:
            return "held"
        return "pending" if month_end(self.month) >= today else "not_held"


@dataclass
class Report:
    """Everything the progress report says, in no language in particular."""

    # Its templates: `report.html.j2`, `report.md.j2` (`reports.render`).
    template = "report"

    plan: str
    title: Labels
    body: Labels
    body_short: str
    parent: Labels | None
    organization: Labels | None
    period_start: str
    period_end: str
    general_assembly: Labels
    as_of: dt.date
    activities: list[ActivityReport]
    mandates: list[MandateReport]
    sessions: list[SessionReport]
    log: list[Step]
    counts: dict[str, int] = field(default_factory=dict)
    # The history chain's head when the report was written, `HASH@COUNT`: published with
    # the report, it lets anyone prove later that the record it was written from is intact
    # (`cam audit verify --against`).
    record: str = ""
    timezone: str = "UTC"
    # Whether the notes of steps may be shown outside the secretariat (the plan's `publish:`).
    publish_notes: bool = True
    # The last time anything of the plan changed: its last step, else its loading.
    changed_at: dt.datetime | None = None
    registration: "Registration" = field(default_factory=lambda: Registration())
    officers: list["Officer"] = field(default_factory=list)
    # The sections the secretariat wrote: section -> language -> Markdown.
    sections: dict[str, dict[str, str]] = field(default_factory=dict)
    # Who recorded each step, by name: the actor as the history stores it -> the person's name.
    names: dict[str, str] = field(default_factory=dict)

    @property
    def delays(self) -> list[Step]:
        """Postponements, moves, withdrawals and resumptions, oldest first (a session's
        first date is not one)."""
        return [s for s in self.log if s.delay and not s.date_set]

    def recorded_by(self, step: Step) -> str | None:
        """Who recorded a step, by name; None when the record names no person of the store
        (an operating-system account is never printed)."""
        return self.names.get(step.actor)

    @property
    def meetings(self) -> list["Meeting"]:
        """The sessions held by the report's date, in the order held, each with what it
        did: for every item, the state the activity reached there and the documents."""
        held = sorted(
            (s for s in self.sessions if s.held_on is not None and s.held_on <= self.as_of),
            key=lambda s: (s.held_on, s.key),
        )
        by_key = {a.key: a for a in self.activities}
        meetings = []
        for meeting in held:
            steps: dict[str, list[Step]] = {}
            for step in self.log:
                if step.session_key == meeting.key and step.is_transition:
                    steps.setdefault(step.activity, []).append(step)
            order = [i.activity for i in meeting.agenda if i.event_label is not None]
            order += [key for key in steps if key not in order]
            items = []
            for key in dict.fromkeys(order):
                activity = by_key.get(key)
                if activity is None:
                    continue
                taken = steps.get(key, [])
                items.append(
                    MeetingItem(
                        activity=activity,
                        reached=taken[-1].to_label if taken else None,
                        documents=tuple(dict.fromkeys(s.document for s in taken if s.document)),
                    )
                )
            meetings.append(Meeting(meeting, items))
        return meetings

    def layout(self, lang: str) -> "Layout":
        """The report's numbered paragraphs in `lang`, in the order every format prints them:
        introduction, officers, meetings held, activities (each where it is told in full),
        conclusions and recommendations."""
        numbering = _Counter()
        introduction = _blocks(self.section("introduction", lang), numbering)
        officers = numbering.next() if self.officers else None
        meetings = [(numbering.next(), m) for m in self.meetings]
        activity = {}
        for mandate in self.mandates:
            for paragraph in mandate.paragraphs:
                for told in paragraph.told:
                    activity[told.key] = numbering.next()
        conclusions = _blocks(self.section("conclusions", lang), numbering)
        return Layout(introduction, officers, meetings, activity, conclusions)

    def section(self, name: str, lang: str) -> str:
        """A section the secretariat wrote, in `lang` ("" when it wrote none in it: a
        report never prints one language's text in another's)."""
        return self.sections.get(name, {}).get(lang, "")

    @property
    def behind(self) -> list[ActivityReport]:
        return [a for a in self.activities if a.status == workflow.BEHIND]

    @property
    def unserved(self) -> list[tuple[MandateReport, ParagraphReport]]:
        return [(m, p) for m in self.mandates for p in m.unserved]

    def quoted_in_english(self, lang: str) -> str:
        """Which paragraphs a reader in `lang` reads in English: "all", "some" or "none"."""
        paragraphs = [p for m in self.mandates for p in m.paragraphs]
        english = sum(1 for p in paragraphs if p.quoted_in(lang) != lang)
        if lang == SOURCE_LANGUAGE or not english:
            return "none"
        return "all" if english == len(paragraphs) else "some"

    @property
    def sessions_held(self) -> int:
        return sum(1 for s in self.sessions if s.held_on is not None)

    def by_state(self, lang: str) -> list[tuple[str, int]]:
        """Activities counted by the state label a reader sees, most first (the public
        site's; the report counts by status only)."""
        counts = Counter(local(a.state_label, lang) for a in self.activities)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))


@dataclass(frozen=True)
class Registration:
    """The report as a document of the Organization: its series and symbol, date of issue,
    the language of the original, and the meeting at which the committee agreed upon it."""

    series: str | None = None
    symbol: str | None = None
    issued: dt.date | None = None
    original: str = SOURCE_LANGUAGE
    approved: dt.date | None = None

    def merged(self, **given: Any) -> "Registration":
        """This registration with what the command line gives (None: the plan's stands)."""
        return dataclasses.replace(self, **{k: v for k, v in given.items() if v is not None})


@dataclass(frozen=True)
class Officer:
    """An officer of the body in the plan's period, as the record names them."""

    role: str
    name: str
    title: str | None = None
    country: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class MeetingItem:
    """What one session did for one activity: the state reached (None: not taken up)."""

    activity: ActivityReport
    reached: Labels | None
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Meeting:
    """A session held, and what it did for each item."""

    session: SessionReport
    items: list[MeetingItem]


@dataclass(frozen=True)
class Block:
    """One block of a section the secretariat wrote: a heading, a numbered paragraph, or
    an item of a list. `html` is its inline HTML (raw HTML escaped, unsafe links dropped);
    `runs` its text as (text, bold, italic) for the formats that are not HTML."""

    kind: str
    html: str
    runs: tuple[tuple[str, bool, bool], ...]
    number: int | None = None
    level: int = 0

    @property
    def text(self) -> str:
        return "".join(text for text, _, _ in self.runs)


@dataclass(frozen=True)
class Layout:
    """The numbered paragraphs of a report in one language (`Report.layout`)."""

    introduction: list[Block]
    officers: int | None
    meetings: list[tuple[int, Meeting]]
    activity: dict[str, int]
    conclusions: list[Block]


class _Counter:
    def __init__(self) -> None:
        self.value = 0

    def next(self) -> int:
        self.value += 1
        return self.value


def _blocks(markdown: str, numbering: _Counter) -> list[Block]:
    """A section's Markdown as blocks; each paragraph not inside a list is numbered.

    Parsed with markdown-it (CommonMark) with raw HTML off: tags a file holds are
    printed as text, and links other than http(s), mailto and relative ones are not links.
    """
    if not markdown.strip():
        return []
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False})
    tokens = md.parse(markdown)
    blocks = []
    lists = 0
    heading: int | None = None
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
        elif token.type == "heading_open":
            heading = int(token.tag[1:])
        elif token.type == "heading_close":
            heading = None
        elif token.type in ("inline", "fence", "code_block"):
            children = token.children or []
            if token.type == "inline":
                html = str(md.renderer.renderInline(children, md.options, {}))  # type: ignore[attr-defined]
                runs = _runs(children)
            else:
                from markupsafe import escape

                html = str(escape(token.content.strip()))
                runs = ((token.content.strip(), False, False),)
            if heading is not None:
                blocks.append(Block("heading", html, runs, level=heading))
            elif lists:
                blocks.append(Block("item", html, runs, level=lists))
            else:
                blocks.append(Block("paragraph", html, runs, number=numbering.next()))
    return blocks


def _runs(children: list[Any]) -> tuple[tuple[str, bool, bool], ...]:
    """Inline tokens as runs of text, each bold or italic or neither."""
    runs: list[tuple[str, bool, bool]] = []
    bold = italic = 0
    for child in children:
        kind = child.type
        if kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind in ("text", "code_inline", "html_inline"):
            runs.append((child.content, bold > 0, italic > 0))
        elif kind in ("softbreak", "hardbreak"):
            runs.append((" ", False, False))
        elif kind == "image":
            runs.append((child.content, bold > 0, italic > 0))
    return tuple(runs)


def _labels(value: Any) -> Labels | None:
    """Plan data: a plain string is English, a mapping gives one text per language."""
    if isinstance(value, str):
        return untranslated(value) if value else None
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if v}
    return None


def _own_steps(flow: workflow.Workflow) -> list[workflow.Step]:
    """The steps of the kind itself, without postpone, withdraw and resume."""
    return [
        s for s in flow.steps if s.dest != workflow.PREVIOUS and s.dest not in flow.special_states
    ]


def path_to_final(
    flow: workflow.Workflow, state: str, history: list[models.History]
) -> list[Labels]:
    """The fewest steps from `state` to a final state (resuming first when postponed)."""
    if state in flow.states and flow.is_final(state):
        return []
    prefix: list[Labels] = []
    if state in flow.special_states:
        held = flow.initial
        for row in history:
            if row.to_state in flow.special_states and row.from_state not in flow.special_states:
                held = row.from_state
        resume = next((s for s in flow.steps if s.dest == workflow.PREVIOUS), None)
        prefix = [resume.labels] if resume else []
        state = held
    steps = _own_steps(flow)
    paths: dict[str, list[workflow.Step]] = {state: []}
    frontier = [state]
    while frontier:
        following = []
        for current in frontier:
            if current in flow.states and flow.is_final(current):
                return prefix + [s.labels for s in paths[current]]
            for step in steps:
                if current in step.sources and step.dest not in paths:
                    paths[step.dest] = [*paths[current], step]
                    following.append(step.dest)
        frontier = following
    return prefix


def _planned(view: MilestoneView, flow: workflow.Workflow, snap: Snapshot, late: bool) -> Planned:
    event = view.milestone.event or ""
    return Planned(
        month=view.milestone.planned_month,
        due=view.due,
        session=view.session.title,
        text=view.milestone.text,
        event_label=flow.event_labels(event) or untranslated(event),
        done_on=snap.day_of(view.done.at) if view.done is not None else None,
        late=late,
        waived_on=snap.day_of(view.waived.at) if view.waived is not None else None,
        waived_reason=view.waived.note if view.waived is not None else None,
        session_key=view.session.key,
    )


def gather(db: Session, plan: models.Plan, as_of: dt.datetime | None = None) -> Report:
    """Read a plan as it stood at `as_of` (default: now) into report data: the snapshot,
    then the plan's officers and the names of the people who recorded its steps."""
    snap = schedule.snapshot(db, plan, as_of, include_removed=True)
    report = from_snapshot(snap, record="{}@{}".format(*audit.head(db)))
    report.officers, report.names = _people(db, plan)
    return report


# The roles that make a body's bureau, in the order a report names them.
OFFICER_ROLES = ("chair", "vice_chair")


def _people(db: Session, plan: models.Plan) -> tuple[list[Officer], dict[str, str]]:
    """The plan's officers (its memberships of those roles, and the body's own), and every
    person's name by the keys and logins the history may record them by: one query."""
    from sqlmodel import and_, col, or_, select

    officers = []
    names: dict[str, str] = {}
    for person, membership in db.exec(
        select(models.Person, models.Membership)
        .outerjoin(
            models.Membership,
            and_(
                col(models.Membership.person_id) == col(models.Person.id),
                col(models.Membership.role).in_(OFFICER_ROLES),
                or_(
                    col(models.Membership.plan_id) == plan.id,
                    and_(
                        col(models.Membership.plan_id).is_(None),
                        col(models.Membership.body_id) == plan.body_id,
                    ),
                ),
            ),
        )
        .order_by(col(models.Membership.id), col(models.Person.id))
    ):
        names[person.key] = person.name
        if person.login:
            names.setdefault(person.login, person.name)
        if membership is not None:
            officers.append(
                Officer(
                    role=membership.role,
                    name=person.name,
                    title=person.title,
                    country=person.country,
                    since=membership.since,
                    until=membership.until,
                )
            )
    officers.sort(key=lambda o: OFFICER_ROLES.index(o.role))
    return officers, names


def from_snapshot(snap: Snapshot, *, record: str = "") -> Report:
    """The report data of a snapshot read with `include_removed=True` (no further query).

    `record` is the history chain's head to print with it (`Report.record`).
    """
    plan = snap.plan
    today = snap.today
    sessions = {s.id: s for s in snap.sessions}
    views = {v.activity.id: v for v in snap.activities}

    logged = [row for row in snap.history if row.activity_id in views]
    number_of = {row.id: number for number, row in enumerate(logged, start=1)}
    log: list[Step] = []
    for row in logged:
        view = views[row.activity_id]
        flow = view.flow
        moved = None
        event_label = flow.event_labels(row.event)
        note = row.note
        if row.moved_from is not None and row.moved_to is not None:
            name = row.moved_event
            moved = Moved(
                event_label=(
                    None if name is None else flow.event_labels(name) or untranslated(name)
                ),
                before=row.moved_from,
                after=row.moved_to,
            )
        meeting = sessions.get(row.session_id) if row.session_id else None
        log.append(
            Step(
                number=len(log) + 1,
                day=snap.day_of(row.at),
                activity=view.activity.key,
                activity_number=view.activity.number,
                activity_title=view.activity.title,
                event=row.event,
                event_label=event_label or untranslated(row.event),
                from_label=_state_labels(flow, row.from_state),
                to_label=_state_labels(flow, row.to_state),
                session=meeting.title if meeting else None,
                document=row.document,
                note=note,
                actor=row.actor,
                moved=moved,
                delay=row.event in flow.delay_events,
                corrected=bool(snap.corrected_by.get(row.id or 0)),
                corrected_by=tuple(
                    number_of[c] for c in snap.corrected_by.get(row.id or 0, []) if c in number_of
                ),
                corrects=_corrects(snap, row, number_of),
                waived=(
                    flow.event_labels(row.moved_event or "") or untranslated(row.moved_event or "")
                    if row.event == WAIVE
                    else None
                ),
                session_key=meeting.key if meeting else None,
                at=row.at,
                ref=row.hash,
            )
        )
    steps_of: dict[str, list[Step]] = {}
    for step in log:
        steps_of.setdefault(step.activity, []).append(step)

    activities: dict[int, ActivityReport] = {}
    for view in snap.activities:
        if view.activity.removed:
            continue
        flow = view.flow
        late = {m.milestone.id for m in view.late_milestones(today)}
        assert view.activity.id is not None
        activities[view.activity.id] = ActivityReport(
            key=view.activity.key,
            number=view.activity.number,
            title=view.activity.title,
            kind_label=flow.labels,
            state=view.state,
            state_label=_state_labels(flow, view.state),
            status=view.status(today),
            steps=steps_of.get(view.activity.key, []),
            planned=[
                _planned(m, flow, snap, m.milestone.id in late)
                for m in view.milestones
                if m.milestone.event is not None
            ],
            path=path_to_final(flow, view.state, view.history),
            documents=[_document(symbol, found) for symbol, found in snap.cited(view)],
        )

    serving: dict[int, list[ActivityReport]] = {}
    for view in snap.activities:
        report = activities.get(view.activity.id or 0)
        if report is not None:
            for paragraph in view.paragraphs:
                serving.setdefault(paragraph.id or 0, []).append(report)
    told: set[str] = set()
    mandates = []
    for mandate in snap.mandates:
        paragraphs = []
        for paragraph in snap.paragraphs.get(mandate.id or 0, []):
            entries = []
            for activity in serving.get(paragraph.id or 0, []):
                entries.append((activity, activity.key not in told))
                told.add(activity.key)
            paragraphs.append(
                ParagraphReport(paragraph.number, paragraph.text, entries, paragraph.kind)
            )
        mandates.append(MandateReport(mandate.key, mandate.symbol, mandate.title, paragraphs))
    calendar = []
    for meeting in snap.sessions:
        items = snap.agenda(meeting)
        agenda = [m for m in items if m.milestone.event is not None]
        calendar.append(
            SessionReport(
                key=meeting.key,
                month=meeting.month,
                title=meeting.title,
                date=meeting.date,
                held_on=snap.session_held(meeting),
                items=len(agenda),
                items_done=sum(1 for m in agenda if m.is_done),
                start=meeting.start_time,
                end=meeting.end_time,
                timezone=plan.timezone,
                venue=", ".join(p for p in (meeting.room, meeting.building, meeting.city) if p)
                or None,
                modality=meeting.modality,
                kind=meeting.kind,
                agenda=tuple(_agenda_item(m, snap) for m in items),
            )
        )
    listed = list(activities.values())
    body = plan.body
    return Report(
        plan=plan.name,
        title=plan.title,
        body=_labels(body.get("name")) or untranslated(plan.name),
        body_short=str(body.get("short") or ""),
        parent=_labels(body.get("parent")),
        organization=_labels(body.get("organization")),
        period_start=plan.period_start,
        period_end=plan.period_end,
        general_assembly={k: v for k, v in plan.general_assembly.items() if v},
        as_of=today,
        activities=listed,
        mandates=mandates,
        sessions=calendar,
        log=log,
        counts={status: sum(1 for a in listed if a.status == status) for status in STATUSES},
        record=record,
        timezone=plan.timezone,
        publish_notes=plan.publish_notes,
        changed_at=max((row.at for row in snap.history), default=None) or plan.loaded_at,
        registration=_registration(plan.report),
        sections=dict((plan.report or {}).get("sections") or {}),
    )


def _registration(stored: dict[str, Any] | None) -> Registration:
    """The plan's `report:` registration as stored (`app.plans`), dates read back."""
    stored = stored or {}

    def day(name: str) -> dt.date | None:
        value = stored.get(name)
        return dt.date.fromisoformat(value) if value else None

    return Registration(
        series=stored.get("series"),
        symbol=stored.get("symbol"),
        issued=day("issued"),
        original=stored.get("original") or SOURCE_LANGUAGE,
        approved=day("approved"),
    )


def _agenda_item(view: MilestoneView, snap: Snapshot) -> AgendaItem:
    event = view.milestone.event
    return AgendaItem(
        activity=view.activity.key,
        activity_number=view.activity.number,
        activity_title=view.activity.title,
        text=view.milestone.text,
        event_label=None
        if event is None
        else lookup.flow(snap.plan, view.activity.kind).event_labels(event) or untranslated(event),
        month=view.milestone.planned_month,
        done_on=snap.day_of(view.done.at) if view.done is not None else None,
    )


def _corrects(
    snap: schedule.Snapshot, row: models.History, number_of: dict[int | None, int]
) -> Corrects | None:
    """What a correction row changed, for the log; None for any other row."""
    correction = snap.corrections.get(row.id or 0)
    if correction is None:
        return None
    changes = correction.changes
    day = changes.get("at")
    return Corrects(
        number=number_of.get(correction.step_id),
        day=(snap.day_of(day[0]), snap.day_of(day[1])) if day else None,
        document=changes.get("document"),
        note=changes.get("note"),
    )


def _document(symbol: str, document: models.Document | None) -> DocumentRef:
    if document is None:
        return DocumentRef(symbol=symbol, title=None)
    return DocumentRef(
        symbol=document.symbol,
        title=dict(document.title) or None,
        languages=tuple(document.languages),
        url=document.url,
        status=document.status,
        date=document.date,
    )


def _state_labels(flow: workflow.Workflow, state: str) -> Labels:
    return flow.states[state].labels if state in flow.states else untranslated(state)


# --- the documents of one session ---------------------------------------------------------

PAPERS = ("agenda", "summary")


@dataclass(frozen=True)
class PaperItem:
    """An item of a session's document: an activity on its agenda, the step the plan
    expects of it there, the documents it has; in a summary, the steps taken at it."""

    number: int
    activity: ActivityReport | None
    text: Labels
    expected: Labels | None
    documents: tuple[DocumentRef, ...] = ()
    steps: tuple[Step, ...] = ()
    reached: Labels | None = None


@dataclass
class SessionPaper:
    """A document of one session (`kind`): its draft order of business (`agenda`) or the
    draft summary of the decisions recorded at it (`summary`), read from the report's
    data of the plan (`gather`), so that it says what the report says."""

    kind: str
    report: Report
    session: SessionReport
    items: list[PaperItem]
    registration: Registration = field(default_factory=lambda: Registration())

    # One template per format for both kinds (`session.html.j2`, `session.md.j2`).
    template = "session"

    @property
    def publish_notes(self) -> bool:
        return self.report.publish_notes


def session_paper(
    db: Session, plan: models.Plan, key: str, kind: str, as_of: dt.datetime | None = None
) -> SessionPaper:
    """The `kind` document of session `key`: its agenda, or the summary of what was
    recorded at it (refused for a session not yet held)."""
    from cam_tracker.app.lookup import find_session

    find_session(db, plan, key)  # an unknown session is named, with what it may have meant
    report = gather(db, plan, as_of)
    meeting = next(s for s in report.sessions if s.key == key)
    return (agenda if kind == "agenda" else summary)(report, meeting)


def agenda(report: Report, meeting: SessionReport) -> SessionPaper:
    """The draft order of business: the session's agenda items in order, each with the
    step the plan expects and the documents its activity has so far."""
    by_key = {a.key: a for a in report.activities}
    items = []
    for number, item in enumerate(meeting.agenda, start=1):
        activity = by_key.get(item.activity)
        items.append(
            PaperItem(
                number=number,
                activity=activity,
                text=item.text,
                expected=item.event_label,
                documents=tuple(activity.documents) if activity else (),
            )
        )
    return SessionPaper("agenda", report, meeting, items)


def summary(report: Report, meeting: SessionReport) -> SessionPaper:
    """The draft summary of decisions: for each item the session took up, every step
    recorded at it (state reached, postponement, move, waiver), with its documents."""
    from cam_tracker.core.errors import InvalidInput

    held = next((m for m in report.meetings if m.session.key == meeting.key), None)
    if held is None:
        raise InvalidInput(
            f"session {meeting.key} has not been held (as of {report.as_of.isoformat()}): "
            "there is no decision to summarize yet"
        )
    texts = {item.activity: item.text for item in meeting.agenda}
    items = []
    for number, item in enumerate(held.items, start=1):
        activity = item.activity
        steps = tuple(
            s
            for s in report.log
            if s.session_key == meeting.key and s.activity == activity.key and not s.date_set
        )
        cited = {s.document for s in steps if s.document}
        items.append(
            PaperItem(
                number=number,
                activity=activity,
                text=texts.get(activity.key, activity.title),
                expected=None,
                documents=tuple(d for d in activity.documents if d.symbol in cited),
                steps=steps,
                reached=item.reached,
            )
        )
    return SessionPaper("summary", report, meeting, items)
