"""The library's façade: a store, a current plan, a language — what every front end calls.

Each public method is one thing a user does or asks: it opens one unit of
work on the store (committed when the method returns, rolled back when it
raises), finds the plan, turns what the user typed (dates, months) into
moments in that plan's time zone, and calls one use case or one query. A
front end (the CLI, a web page, a feed) therefore never converts a date,
takes a snapshot or builds a row itself: it calls a method and shows the
result.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from cam_tracker.core import dates

if TYPE_CHECKING:
    from sqlmodel import Session

    from cam_tracker.app.activities import Advanced, Corrected, Rescheduled
    from cam_tracker.app.plans import LoadReport
    from cam_tracker.app.queries import ActivityListing, Row
    from cam_tracker.app.sessions import ItemOutcome
    from cam_tracker.app.snapshot import Snapshot
    from cam_tracker.files.workflow import Workflow
    from cam_tracker.store import Backup, models
    from cam_tracker.store.access import Granted
    from cam_tracker.store.audit import AuditResult, Kind


def workflow_kinds() -> dict[str, "Kind"]:
    """What the audit needs to know of each workflow kind (the store reads no workflow file)."""
    from cam_tracker.files import workflow
    from cam_tracker.store.audit import Kind

    return {
        kind: Kind(flow.initial, frozenset(flow.special_states))
        for kind, flow in workflow.workflows().items()
    }


@dataclass
class Workspace:
    """One store, the plan to act on (None: the current one) and the language of labels."""

    database_url: str
    plan_name: str | None = None
    lang: str = "en"

    # --- plumbing shared by front ends that build on the façade -----------------

    @contextmanager
    def session(self, *, create: bool = False) -> Iterator["Session"]:
        """One unit of work on the store.

        Only the actions that can start a store (`create`: loading a plan,
        registering a person, importing, upgrading) make one where there is
        none; every other action, read or write, needs the store to exist, so
        that a mistyped `--db` leaves nothing behind.
        """
        from cam_tracker import store

        with store.session(self.database_url, create=create) as db:
            yield db

    def close(self) -> None:
        """Release the store at the end of a command: its commits all in the store file."""
        from cam_tracker import store

        store.release_all()

    def plan(self, db: "Session", name: str | None = None) -> "models.Plan":
        """The plan named here or in the workspace, else the current one."""
        from cam_tracker.app.lookup import current_plan

        return current_plan(db, name or self.plan_name)

    def snapshot(
        self, db: "Session", as_of: str | None = None, *, plan_name: str | None = None
    ) -> "Snapshot":
        """The plan as it stood at the end of `as_of` (a date typed by the user), else now."""
        from cam_tracker.app.snapshot import snapshot

        plan = self.plan(db, plan_name)
        return snapshot(db, plan, dates.as_of(plan.timezone, as_of))

    def moment(self, db: "Session", text: str | None, field: str = "now") -> dt.datetime:
        """A moment typed by the user (a date: the end of that day, plan time), else now."""
        if text is None:
            return dates.utcnow()
        moment = dates.as_of(self.plan(db).timezone, text, field)
        assert moment is not None
        return moment

    # --- plans and workflows ------------------------------------------------------

    def load_plan(
        self, source: str, *, replace: bool = False, actor: str | None = None
    ) -> "LoadReport":
        """Load a bundled plan by name, or a plan file; loading again updates it.

        With `replace`, a file may replace the source a plan of the same name
        was loaded from. `actor` is who loads it (default: `$CAM_USER`, else
        the operating-system user)."""
        from cam_tracker.app import plans

        with self.session(create=True) as db:
            return plans.load(db, source, replace=replace, actor=actor)

    def plans(self) -> list["Row"]:
        """Bundled and loaded plans side by side (without a store: the bundled ones)."""
        from cam_tracker import store
        from cam_tracker.app import queries

        try:
            with self.session() as db:
                return queries.plans(db)
        except store.NoStore:
            with store.session("sqlite://") as db:  # an empty store, in memory
                return queries.plans(db)

    def workflows(self) -> list["Workflow"]:
        """Every workflow kind."""
        from cam_tracker.files import workflow

        return list(workflow.workflows().values())

    def workflow(self, kind: str) -> "Workflow":
        """One workflow kind."""
        from cam_tracker.files import workflow

        return workflow.get(kind)

    # --- activities ---------------------------------------------------------------

    def activities(
        self,
        *,
        state: str | None = None,
        kind: str | None = None,
        month: str | None = None,
        mandate: str | None = None,
        overdue: bool = False,
        as_of: str | None = None,
        all_plans: bool = False,
    ) -> "ActivityListing":
        """Activities with their status and next milestone, filtered; one plan or all."""
        from cam_tracker.app import queries

        filters = queries.ActivityFilter(
            state=state, kind=kind, month=month, mandate=mandate, overdue=overdue
        )
        with self.session() as db:
            return queries.activity_listing(
                db,
                None if all_plans else self.plan(db),
                dates.parse_moment(as_of, "as_of") if as_of else None,
                filters,
                self.lang,
            )

    def activity(self, key: str, *, as_of: str | None = None) -> "Row":
        """Everything about one activity: mandates, milestones, allowed events, history."""
        from cam_tracker.app import queries

        with self.session() as db:
            return queries.activity_detail(self.snapshot(db, as_of), key, self.lang)

    def history(self, key: str | None = None, *, everything: bool = False) -> list["Row"]:
        """The log of steps, oldest first; one activity's with `key`.

        With `everything`, the whole chain of the plan in its order: its steps
        (`record: step`) and the other changes to its record and to the
        store's people (`record: change`, `app.authorization.change_rows`)."""
        from cam_tracker.app import queries
        from cam_tracker.app.authorization import change_rows

        with self.session() as db:
            snap = self.snapshot(db)
            steps = queries.history(snap, key, self.lang)
            if not everything:
                return steps
            rows = [{"record": "step", **row} for row in steps]
            rows += change_rows(db, snap.plan)
            return sorted(rows, key=lambda row: int(row["id"]))

    def advance(
        self,
        key: str,
        event: str,
        *,
        actor: str,
        note: str | None = None,
        document: str | None = None,
        session: str | None = None,
        on: str | None = None,
    ) -> "Advanced":
        """Fire one event on an activity; its state and history row land together."""
        from cam_tracker.app import activities

        with self.session() as db:
            return activities.advance(
                db,
                self.plan(db),
                key,
                event,
                actor=actor,
                note=note,
                document=document,
                session_key=session,
                on=dates.parse_moment(on, "on") if on is not None else None,
            )

    def reschedule(
        self,
        key: str,
        *,
        to_month: str,
        reason: str,
        actor: str,
        on: str | None = None,
        session: str | None = None,
    ) -> "Rescheduled":
        """Move an activity's next open milestone to another month (to `session` if given)."""
        from cam_tracker.app import activities

        with self.session() as db:
            return activities.reschedule(
                db,
                self.plan(db),
                key,
                to_month=to_month,
                reason=reason,
                actor=actor,
                on=dates.parse_day(on, "on") if on is not None else None,
                session_key=session,
            )

    def correct(
        self,
        step_id: int,
        *,
        reason: str,
        actor: str,
        on: str | None = None,
        note: str | None = None,
        document: str | None = None,
    ) -> "Corrected":
        """Correct a recorded step's day, note or document with a correction row."""
        from cam_tracker.app import activities

        with self.session() as db:
            return activities.correct(
                db,
                self.plan(db),
                step_id,
                reason=reason,
                actor=actor,
                on=dates.parse_moment(on, "on") if on is not None else None,
                note=note,
                document=document,
            )

    # --- sessions and calendar ------------------------------------------------------

    def calendar(self, month: str | None = None) -> list["Row"]:
        """Sessions by month with their agenda and each item's state."""
        from cam_tracker.app import queries

        with self.session() as db:
            return queries.calendar(self.snapshot(db), month, self.lang)

    def record_session(
        self,
        key: str,
        *,
        actor: str,
        on: str | None = None,
        as_planned: bool = False,
        excluded: tuple[str, ...] = (),
    ) -> list["ItemOutcome"]:
        """Record that a session was held, and advance its agenda items if asked."""
        from cam_tracker.app import sessions

        with self.session() as db:
            return sessions.record_session(
                db,
                self.plan(db),
                key,
                actor=actor,
                on=dates.parse_day(on, "on") if on is not None else None,
                as_planned=as_planned,
                excluded=excluded,
            )

    def add_person(
        self,
        key: str,
        *,
        name: str | None,
        role: str | None,
        actor: str,
        email: str | None = None,
        language: str | None = None,
        update: bool = False,
        login: str | None = None,
        password: str | None = None,
    ) -> tuple["Row", bool]:
        """Register a person (or change one): the person's row, and whether it is new.
        `login` creates or maps their PostgreSQL role (with `password`, if given)."""
        from cam_tracker.app import people

        with self.session(create=True) as db:
            person, created = people.add(
                db,
                key,
                name=name,
                role=role,
                actor=actor,
                email=email,
                language=language,
                update=update,
                login=login,
                password=password,
            )
            return people.person_row(person), created

    def people(self) -> list["Row"]:
        """Everyone, with the activities of the plan they are responsible for."""
        from cam_tracker.app import people

        with self.session() as db:
            return people.listing(db, self.plan_name)

    def assign(self, person: str, activity: str, *, actor: str) -> bool:
        """Make a person responsible for an activity; False when they already were."""
        from cam_tracker.app import people

        with self.session() as db:
            return people.assign(db, self.plan(db), person, activity, actor=actor)

    def unassign(self, person: str, activity: str, *, actor: str) -> None:
        """The person is no longer responsible for the activity."""
        from cam_tracker.app import people

        with self.session() as db:
            people.unassign(db, self.plan(db), person, activity, actor=actor)

    # --- the store ----------------------------------------------------------------

    def verify(self, against: str | None = None) -> "AuditResult":
        """Walk the history chain (against a published head `HASH@COUNT`), check the facts."""
        from cam_tracker.core.errors import InvalidInput
        from cam_tracker.store import audit

        try:
            anchor = audit.parse_head(against) if against is not None else None
        except ValueError as exc:
            raise InvalidInput(str(exc), fields=("against",)) from None
        with self.session() as db:
            return audit.verify(db, workflow_kinds(), against=anchor)

    def head(self) -> tuple[str, int]:
        """The history chain's head: the last row's hash and how many rows."""
        from cam_tracker.store import audit

        with self.session() as db:
            return audit.head(db)

    def export_json(self) -> tuple[str, int]:
        """Every row of every table as JSON text, and how many rows."""
        from cam_tracker.store import transfer

        with self.session() as db:
            data = transfer.export(db)
        return transfer.to_json(data), sum(len(rows) for rows in data["tables"].values())

    def import_json(self, file: IO[bytes]) -> dict[str, int]:
        """Restore an export (a JSON file, or standard input) into an empty store: rows
        imported per table."""
        from cam_tracker.store import transfer

        data = transfer.read_export(file, str(getattr(file, "name", "-")))
        with self.session(create=True) as db:
            return transfer.import_(db, data, workflow_kinds())

    def grant(self) -> "Granted":
        """Give the store's people group its rights and the people's logins membership
        (PostgreSQL; the store's owner)."""
        from cam_tracker.store import access

        with self.session() as db:
            return access.grant(db)

    def upgrade(self) -> tuple[str | None, str]:
        """Upgrade the store's schema: the revision before (None: a new store) and after."""
        from cam_tracker import store

        return store.upgrade(self.database_url)

    def backup(self, target: str, *, force: bool = False) -> "Backup":
        """A consistent copy of the store in the file `target`, never over a file unless `force`."""
        from pathlib import Path

        from cam_tracker import store

        return store.backup(self.database_url, Path(target), force=force)

    # --- the shell -------------------------------------------------------------------

    def completions(self, what: str, activity: str | None = None) -> list[str]:
        """The keys a shell offers for a word (`queries.COMPLETIONS`): read, never written;
        without a store, only the bundled plans' names."""
        from cam_tracker import store
        from cam_tracker.app import queries

        try:
            with self.session() as db:
                return queries.completions(db, self.plan_name, what, activity)
        except store.NoStore:
            with store.session("sqlite://") as db:  # an empty store, in memory
                return queries.completions(db, None, what, activity)


def store_failure(exc: BaseException) -> str | None:
    """What a front end says when the store itself failed (SQL, connection); None otherwise.

    Front ends never import the ORM: they ask here whether an unexpected
    error came from the store, and show the one line this returns.
    """
    from cam_tracker import store

    return store.failure_line(exc)
