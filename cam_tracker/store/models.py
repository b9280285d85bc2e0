"""The store's tables (SQLModel). Datetimes are timezone-aware, stored in UTC."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlmodel import Field, SQLModel

# Now, aware UTC: the default of every recorded-at column (re-exported for the library).
from cam_tracker.core.dates import utcnow as utcnow

Labels = dict[str, str]


class Plan(SQLModel, table=True):
    """A work plan of one body for one period."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    title: Labels = Field(sa_column=Column(JSON, nullable=False))
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    period_start: str
    period_end: str
    general_assembly: Labels = Field(sa_column=Column(JSON, nullable=False))
    timezone: str = "UTC"
    source: str
    digest: str
    loaded_at: dt.datetime = Field(default_factory=utcnow)
    # The plan file's `policy:` section as written (None: the bundled default applies).
    policy: dict[str, list[str]] | None = Field(default=None, sa_column=Column(JSON))
    # The file's `symbols:` (series → pattern) and `documents_policy:`, as written (None: none).
    symbols: dict[str, str] | None = Field(default=None, sa_column=Column(JSON))
    documents_policy: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # The workflow kinds the plan uses, as loaded (`files.workflow.Kinds.stored`): every
    # reader builds the plan's kinds from these, never from files that may be gone. None
    # for a plan loaded before they were kept: the installed kinds, until it is reloaded.
    workflows: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # The body whose plan this is (`Body`); None only in a store not yet upgraded.
    body_id: int | None = Field(default=None, foreign_key="body.id", index=True)
    # The plan of the same body this one continues (its name: it may not be loaded).
    follows: str | None = None
    # Who hears of the plan's sessions besides its officers and the responsible people:
    # "all_delegations" (every delegate of the body), None (nobody more).
    distribution: str | None = None
    # The plan's `publish: {notes: …}`: whether a published site shows the notes of steps.
    publish_notes: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})
    # The plan's `report:` as loaded (`files.plan.ReportSpec`): the report's registration
    # (dates as ISO text) and its sections' Markdown, read from their files at load.
    report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class Mandate(SQLModel, table=True):
    """A resolution that instructs the committee."""

    __table_args__ = (UniqueConstraint("plan_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    key: str
    symbol: str
    title: Labels = Field(sa_column=Column(JSON, nullable=False))
    position: int = 0


class Paragraph(SQLModel, table=True):
    """One operative paragraph of a mandate."""

    __table_args__ = (UniqueConstraint("mandate_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    mandate_id: int = Field(foreign_key="mandate.id", index=True)
    number: str
    # The paragraph in each language the plan file gives (English always).
    text: Labels = Field(sa_column=Column(JSON, nullable=False))
    position: int = 0
    # "task" (activities serve it) or "guideline" (guidance the committee's work follows).
    kind: str = Field(default="task", sa_column_kwargs={"server_default": "task"})


class Activity(SQLModel, table=True):
    """One thing the plan commits to do; its `state` is its workflow state."""

    __table_args__ = (UniqueConstraint("plan_id", "key"), Index("ix_activity_state", "state"))
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    key: str = Field(index=True)
    number: str
    title: Labels = Field(sa_column=Column(JSON, nullable=False))
    kind: str = Field(index=True)
    state: str
    resume_state: str | None = None
    removed: bool = False
    version: int = 1
    position: int = 0
    updated_at: dt.datetime = Field(default_factory=utcnow)
    # The activity of the plan this one follows that it carries on: its history stays there.
    continues_id: int | None = Field(default=None, foreign_key="activity.id")


class ActivityParagraph(SQLModel, table=True):
    """Which mandate paragraphs an activity serves."""

    activity_id: int = Field(foreign_key="activity.id", primary_key=True)
    paragraph_id: int = Field(foreign_key="paragraph.id", primary_key=True, index=True)


class Person(SQLModel, table=True):
    """Someone who acts in the store or hears about it."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    name: str
    role: str
    email: str | None = None
    language: str = "en"
    # Registered with `cam people add`: a store with one is shared, and roles apply.
    registered: bool = False
    # The PostgreSQL role this person logs in as: on PostgreSQL, the database login (not a
    # name typed on the command line) says who acts. None: no login of their own.
    login: str | None = Field(default=None, unique=True, index=True)
    # How letters address them ("Ambassador") and the delegation they speak for.
    title: str | None = None
    country: str | None = None
    # Removed with `cam people remove`: kept for the record (history, reminders sent), never
    # a recipient or an actor again.
    removed: bool = False
    # How often they are told what changed in what they follow: daily | weekly | off.
    digest: str = Field(default="off", sa_column_kwargs={"server_default": "off"})


class Responsibility(SQLModel, table=True):
    """A person responsible for an activity."""

    activity_id: int = Field(foreign_key="activity.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True)


class Following(SQLModel, table=True):
    """A person's own choice to follow an activity (`follows`) or not, over the default.

    Without a row, a person follows the activities they are responsible for
    (`Responsibility`); a row says otherwise for one activity, either way.
    """

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", primary_key=True, index=True)
    follows: bool


class Meeting(SQLModel, table=True):
    """A session of the committee: known by its month, later by its date."""

    __tablename__ = "session"
    __table_args__ = (UniqueConstraint("plan_id", "key"), Index("ix_session_month", "month"))
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    key: str
    month: str
    date: dt.date | None = None
    kind: str
    title: Labels = Field(sa_column=Column(JSON, nullable=False))
    mandates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    held_on: dt.date | None = None
    removed: bool = False
    position: int = 0
    # Its time and place, each known or not (None). Times are wall-clock `HH:MM` on its day
    # in the plan's zone (`core.dates.session_times`); the programme is the plan file's
    # timed items, in order: {"time", "end", "title": labels, "speaker"}.
    start_time: str | None = None
    end_time: str | None = None
    room: str | None = None
    building: str | None = None
    city: str | None = None
    modality: str | None = None  # in_person | virtual | hybrid
    link: str | None = None
    programme: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))


class Milestone(SQLModel, table=True):
    """An agenda item: the event an activity is expected to reach at a session."""

    __table_args__ = (UniqueConstraint("session_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="session.id", index=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    position: int
    event: str | None = None
    text: Labels = Field(sa_column=Column(JSON, nullable=False))
    planned_month: str
    done_history_id: int | None = Field(default=None, foreign_key="history.id")
    # The committee decided to skip it: the history row (event `waive`) with the reason.
    waived_history_id: int | None = Field(default=None, foreign_key="history.id")


CHAIN_VERSION = 5


# The event of a correction row (see `History.corrects_id`): it moves no state.
CORRECTION = "correction"


class History(SQLModel, table=True):
    """One recorded step of an activity. Append-only, hash-chained.

    A mistake is never edited: a correction row (event `correction`, state
    unchanged, the reason in its note) points at the step it corrects with
    `corrects_id` and carries the corrected values; readers show the step
    with them (`app.corrections`).
    """

    # An activity's steps in order: its last one is found without sorting them all.
    __table_args__ = (
        Index("ix_history_activity_at", "activity_id", "at", "id"),
        Index("ix_history_corrects_id", "corrects_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id")
    event: str
    from_state: str
    to_state: str
    # Who did the step: on PostgreSQL, the person of the database login that wrote it.
    actor: str
    # The role the step was fired under; "*" in a single-user store. For a step done on
    # behalf of someone, that person's role.
    actor_role: str | None = None
    # The person the actor did the step for (`--as`, the secretariat keying in the chair's
    # step); None when the actor acted for themselves.
    on_behalf_of: str | None = None
    at: dt.datetime = Field(index=True)
    note: str | None = None
    document: str | None = None
    session_id: int | None = Field(default=None, foreign_key="session.id")
    # A move in the plan (event `reschedule`): the moved milestone's event and its months.
    # Stored as data, so that no reader ever parses the note (which holds only the reason).
    # A waiver (event `waive`, no months): the waived milestone's event.
    moved_event: str | None = None
    moved_from: str | None = None
    moved_to: str | None = None
    # A correction (event `correction`): the step it corrects and the values it gives it;
    # None where the step keeps what it says. The event and the states are never corrected.
    corrects_id: int | None = Field(default=None, foreign_key="history.id")
    corrected_at: dt.datetime | None = None
    corrected_note: str | None = None
    corrected_document: str | None = None
    recorded_at: dt.datetime = Field(default_factory=utcnow)
    # How the hash covers the row: 1 for rows written before moves were data, 2 with moves,
    # 3 with corrections, 4 with `on_behalf_of`, 5 with the table's name (the chain also
    # holds `Change` rows).
    chain_version: int = Field(default=CHAIN_VERSION, sa_column_kwargs={"server_default": "1"})
    prev_hash: str
    hash: str = Field(unique=True)


# What a `Change` row is about.
PERSON, ASSIGNMENT, SESSION, PLAN = "person", "assignment", "session", "plan"
DOCUMENT = "document"


class Change(SQLModel, table=True):
    """A change to the record that is not an activity's step. Append-only, in the same chain.

    Registering or changing a person, assigning one, moving or holding a
    session, loading a plan, registering a document: each is one row, with
    who (and under which role) and when, and what changed as data — `changes` maps each field to its
    value before and after (`[before, after]`), so no reader parses a note.
    Its id comes from the same counter as the history's: the chain's order is
    the order of ids across both tables.
    """

    __tablename__ = "record_change"
    __table_args__ = (Index("ix_record_change_subject", "subject", "subject_key", "id"),)
    id: int | None = Field(
        default=None, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    subject: str  # person | assignment | session | plan | document
    # The person's key, the session's key, the activity's key (assignment), the plan's name,
    # the document's symbol.
    subject_key: str
    plan_id: int | None = Field(default=None, foreign_key="plan.id")
    action: str
    changes: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    actor: str
    actor_role: str
    at: dt.datetime
    note: str | None = None
    recorded_at: dt.datetime = Field(default_factory=utcnow)
    chain_version: int = CHAIN_VERSION
    prev_hash: str
    hash: str = Field(unique=True)


class ChainHead(SQLModel, table=True):
    """The last hash of the history chain: one row, locked by every append."""

    id: int = Field(default=1, primary_key=True)
    last_hash: str
    length: int = 0


# The states of an outbox row.
PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"


# What an outbox row carries: a reminder before a session, or a digest of changes.
REMINDER, CHANGES = "reminder", "changes"


class Outbox(SQLModel, table=True):
    """One message for one recipient: queued once, claimed by one sender, sent once.

    A reminder (`kind` "reminder") is of one session: `slot` is its offset
    before the session ("14d", "3d") or "monthly" for a session known only by
    its month, unique per (session, slot, person). A digest of changes (`kind`
    "changes") is of one plan: `slot` names its period ("daily 2016-01-05",
    "weekly 2016-01-04", the period's first day in the plan's zone), unique
    per (plan, slot, person), and it tells the changes of the record whose
    ids are in (`after_id`, `upto_id`]: what followed the person's previous
    digest of the plan, as far as the record went when it was queued. A
    sender owns a row while `claimed_by` is set and `lease_until` has not passed.
    """

    __table_args__ = (
        UniqueConstraint("session_id", "slot", "person_id"),
        UniqueConstraint("plan_id", "slot", "person_id", name="uq_outbox_plan_slot_person"),
        Index("ix_outbox_status_due", "status", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default=REMINDER, sa_column_kwargs={"server_default": REMINDER})
    session_id: int | None = Field(default=None, foreign_key="session.id", index=True)
    plan_id: int | None = Field(default=None, foreign_key="plan.id")
    slot: str
    person_id: int = Field(foreign_key="person.id", index=True)
    address: str
    status: str = "pending"  # pending | sent | failed | skipped
    due_at: dt.datetime
    queued_at: dt.datetime = Field(default_factory=utcnow)
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(default_factory=utcnow)
    claimed_by: str | None = None
    lease_until: dt.datetime | None = None
    message_id: str | None = None
    sent_at: dt.datetime | None = None
    error: str | None = None
    after_id: int | None = None
    upto_id: int | None = None


class Document(SQLModel, table=True):
    """A document of a plan's register: what a step's `History.document` symbol names.

    `symbol` is kept as `core.symbols.normalise` spells it, and one document
    has one entry per plan (spellings that differ only in case or spaces are
    one document: the register refuses the second). Registering it is a
    `Change` row of the chain; a step keeps citing the symbol as text, so a
    step recorded before its document was registered still reads.
    """

    __table_args__ = (UniqueConstraint("plan_id", "symbol"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    symbol: str
    title: Labels = Field(sa_column=Column(JSON, nullable=False))
    date: dt.date | None = None
    # The official languages it exists in, in `core.text.languages()` order.
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    url: str | None = None  # http or https only (`core.symbols.check_url`)
    status: str | None = None  # draft | revised | final; None: not said
    registered_at: dt.datetime = Field(default_factory=utcnow)


class Body(SQLModel, table=True):
    """A committee (or council) across the years: the plans, officers and mandates of one body.

    Known by its short name (`CEAM`), unique in the store; its labels are those
    of the plan loaded last that names it.
    """

    id: int | None = Field(default=None, primary_key=True)
    short: str = Field(unique=True, index=True)
    name: Labels = Field(sa_column=Column(JSON, nullable=False))
    parent: Labels | None = Field(default=None, sa_column=Column(JSON))
    organization: Labels | None = Field(default=None, sa_column=Column(JSON))


class Membership(SQLModel, table=True):
    """What a person is to a body: a role, for a time, and how they came to it.

    A person is a person once (`Person`); a plan file's people are memberships
    of the plan's body declared by that plan (`plan_id`, under the file's own
    `key` for them), so two plans' `chair` never name one person unless they
    are one. A membership with no plan was given on the command line
    (`cam people add --body`) and holds across the body's plans.
    """

    __table_args__ = (UniqueConstraint("plan_id", "body_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    plan_id: int | None = Field(default=None, foreign_key="plan.id", index=True)
    # The key the plan file names this person by (None: a membership given on the command line).
    key: str | None = None
    role: str
    since: dt.date | None = None
    until: dt.date | None = None
    elected_on: dt.date | None = None
    # How they were chosen, as the record says it: "by acclamation", "by vote".
    elected: str | None = None
