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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, Any

from cam_tracker.core import dates

if TYPE_CHECKING:
    from sqlmodel import Session

    from cam_tracker.app.activities import Advanced, Corrected, Rescheduled, Waived
    from cam_tracker.app.following import Choice
    from cam_tracker.app.plans import LoadReport
    from cam_tracker.app.queries import ActivityListing, Row
    from cam_tracker.app.sessions import DetailsSet, ItemOutcome
    from cam_tracker.app.snapshot import Snapshot
    from cam_tracker.files.workflow import Kinds, Workflow
    from cam_tracker.store import Backup, models
    from cam_tracker.store.access import Granted
    from cam_tracker.store.audit import AuditResult, Kind
    from cam_tracker.store.read import Reader


def workflow_kinds(db: "Session | None" = None) -> dict[str, "Kind"]:
    """What the audit needs to know of each workflow kind (the store reads no workflow file):
    the installed kinds by name, and with `db` each plan's own as `PLAN_ID/KIND`."""
    from sqlmodel import select

    from cam_tracker.app.lookup import kinds as plan_kinds
    from cam_tracker.files import workflow
    from cam_tracker.store import models
    from cam_tracker.store.audit import Kind

    found = {
        kind: Kind(flow.initial, frozenset(flow.special_states))
        for kind, flow in workflow.installed().flows.items()
    }
    for plan in db.exec(select(models.Plan)) if db is not None else []:
        for kind, flow in plan_kinds(plan).flows.items():
            found[f"{plan.id}/{kind}"] = Kind(flow.initial, frozenset(flow.special_states))
    return found


@dataclass
class Workspace:
    """One store, the plan to act on (None: the current one) and the language of labels."""

    database_url: str
    plan_name: str | None = None
    lang: str = "en"
    # Where a front end shows a warning (the CLI: one line on standard error).
    warn: Callable[[str], None] = field(default=lambda message: None, repr=False)

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

    @contextmanager
    def reading(self) -> Iterator["Reader"]:
        """One read of the store, without the ORM (`store.read`): what every command that
        only reads uses. Like `session`, it never makes a store."""
        from cam_tracker.store.read import reading

        with reading(self.database_url) as db:
            yield db

    def close(self) -> None:
        """Release the store at the end of a command: its commits all in the store file.
        A command that only read (`reading`) opened no engine: nothing to release."""
        import sys

        if "cam_tracker.store.engine" not in sys.modules:
            return
        from cam_tracker import store

        store.release_all()

    def current_plan_name(self) -> str | None:
        """The plan `cam plan use` made current for this store and user (None: none is)."""
        from cam_tracker.core.settings import current_plan

        return current_plan(self.database_url)

    def plan(
        self, db: "Session | Reader", name: str | None = None, *, activity: str | None = None
    ) -> "models.Plan":
        """The plan named here or in the workspace, else the current one (`cam plan use`),
        else the one loaded last. Acting on `activity` with no plan chosen at all while
        several plans have one of that key is warned of (`warn`): the plan loaded last is
        the one acted on, and may not be the one meant."""
        from cam_tracker.app.lookup import current_plan, plans_with_activity
        from cam_tracker.core.errors import NotFound

        chosen = name or self.plan_name
        if chosen:
            return current_plan(db, chosen)
        current = self.current_plan_name()
        if current is not None:
            try:
                return current_plan(db, current)
            except NotFound:
                raise NotFound(
                    f"the current plan {current!r} (`cam plan use`) is not in this store: "
                    "choose another with `cam plan use NAME`, or name one with --plan"
                ) from None
        plan = current_plan(db)
        if activity is not None:
            names = plans_with_activity(db, activity)
            if len(names) > 1:
                self.warn(
                    f"warning: {activity} is in {len(names)} plans ({', '.join(names)}): "
                    f"acting on {plan.name}, loaded last; choose with --plan NAME or "
                    "`cam plan use NAME`"
                )
        return plan

    def use_plan(self, name: str | None) -> str:
        """Make a loaded plan the current one for this store (None: none); the file."""
        from cam_tracker.app.lookup import current_plan
        from cam_tracker.core.settings import set_current_plan

        if name is not None:
            with self.session() as db:
                current_plan(db, name)
        return str(set_current_plan(self.database_url, name))

    def bodies(self) -> list["Row"]:
        """Every body (committee) in the store, with its plans in order."""
        from cam_tracker.app import bodies

        with self.session() as db:
            return bodies.body_list(db, self.lang)

    def body(self, short: str) -> "Row":
        """One body across its years: plans, officers per period, mandates, documents."""
        from cam_tracker.app import bodies

        with self.session() as db:
            return bodies.body_detail(db, short, self.lang)

    def remove_person(self, key: str, *, actor: str) -> "Row":
        """Remove a person (their record kept): the row they had."""
        from cam_tracker.app import people

        with self.session() as db:
            return people.person_row(people.remove(db, key, actor=actor))

    def snapshot(
        self,
        db: "Session | Reader",
        as_of: str | None = None,
        *,
        plan_name: str | None = None,
        activity: str | None = None,
    ) -> "Snapshot":
        """The plan as it stood at the end of `as_of` (a date typed by the user), else now."""
        from cam_tracker.app.snapshot import snapshot

        plan = self.plan(db, plan_name, activity=activity)
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
                rows = queries.plans(db)
        except store.NoStore:
            with store.session("sqlite://") as db:  # an empty store, in memory
                rows = queries.plans(db)
        chosen = self.plan_name or self.current_plan_name()
        loaded = sorted((r for r in rows if r["loaded"]), key=lambda r: str(r["loaded_at"]))
        default = loaded[-1]["name"] if loaded else None
        for row in rows:
            row["current"] = row["loaded"] and row["name"] == (chosen or default)
            row["current_by"] = (
                None
                if not row["current"]
                else "--plan"
                if self.plan_name
                else "plan use"
                if chosen
                else "loaded last"
            )
        return rows

    def workflows(self) -> list[tuple["Workflow", str]]:
        """Every workflow kind of the plan (the installed ones when no plan is loaded), each
        with where it comes from: bundled, user folder, plan folder or plan file."""
        kinds = self._kinds()
        return [(flow, kinds.origin(kind)) for kind, flow in kinds.flows.items()]

    def workflow(self, kind: str) -> tuple["Workflow", str, str]:
        """One workflow kind of the plan (the installed ones when no plan is loaded), where
        it comes from (bundled, user folder, plan folder, plan file) and its file."""
        kinds = self._kinds()
        return kinds.get(kind), kinds.origin(kind), kinds.sources.get(kind, "")

    def _kinds(self) -> "Kinds":
        """The current plan's kinds as stored with it; without a store or a plan, the
        installed kinds (bundled and the user's folder)."""
        from cam_tracker import store
        from cam_tracker.app import lookup
        from cam_tracker.core.errors import NotFound
        from cam_tracker.files import workflow

        try:
            with self.session() as db:
                return lookup.kinds(self.plan(db))
        except store.NoStore:
            return workflow.installed()
        except NotFound:
            if self.plan_name is not None:
                raise
            return workflow.installed()

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
        with self.reading() as db:
            plan = None if all_plans else self.plan(db)
            listing = queries.activity_listing(
                db,
                plan,
                dates.parse_moment(as_of, "as_of") if as_of else None,
                filters,
                self.lang,
            )
            return replace(listing, title=self._titled(db, listing.title, plan))

    def _titled(self, db: "Session | Reader", title: str, plan: "models.Plan | None") -> str:
        """A listing's title saying which plan it is, and why that one where several could be."""
        from cam_tracker.app.lookup import all_plans

        if plan is None or self.plan_name:
            return title
        if plan.name == self.current_plan_name():
            return f"{title} (current plan)"
        if len(all_plans(db)) > 1:
            return f"{title} (loaded last)"
        return title

    def activity(self, key: str, *, as_of: str | None = None) -> "Row":
        """Everything about one activity: mandates, milestones, allowed events, history."""
        from cam_tracker.app import queries

        with self.reading() as db:
            snap = self.snapshot(db, as_of, activity=key)
            detail = queries.activity_detail(snap, key, self.lang)
            return {**detail, **queries.continuation(db, snap.plan, key)}

    def history(self, key: str | None = None, *, everything: bool = False) -> list["Row"]:
        """The log of steps, oldest first; one activity's with `key`.

        With `everything`, the whole chain of the plan in its order: its steps
        (`record: step`) and the other changes to its record and to the
        store's people (`record: change`, `app.authorization.change_rows`)."""
        from cam_tracker.app import queries

        if not everything:
            with self.reading() as reader:
                return queries.history(self.snapshot(reader, activity=key), key, self.lang)
        from cam_tracker.app.authorization import change_rows

        with self.session() as db:
            snap = self.snapshot(db, activity=key)
            steps = queries.history(snap, key, self.lang)
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
                self.plan(db, activity=key),
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
                self.plan(db, activity=key),
                key,
                to_month=to_month,
                reason=reason,
                actor=actor,
                on=dates.parse_day(on, "on") if on is not None else None,
                session_key=session,
            )

    def waive(
        self,
        key: str,
        event: str,
        *,
        reason: str,
        actor: str,
        session: str | None = None,
        on: str | None = None,
    ) -> "Waived":
        """Waive an activity's open milestone for `event`: the committee decided to skip it."""
        from cam_tracker.app import activities

        with self.session() as db:
            return activities.waive(
                db,
                self.plan(db),
                key,
                event,
                reason=reason,
                actor=actor,
                session_key=session,
                on=dates.parse_day(on, "on") if on is not None else None,
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

        with self.reading() as db:
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

    def set_session(
        self,
        key: str,
        *,
        actor: str,
        given: dict[str, str],
        clear: tuple[str, ...] = (),
        reason: str | None = None,
    ) -> "DetailsSet":
        """Set or clear a session's time and place (start, end, room, building, city,
        modality, link); each change is a row in the chain with its values before and after."""
        from cam_tracker.app import sessions

        with self.session() as db:
            return sessions.set_details(
                db, self.plan(db), key, given=given, clear=clear, reason=reason, actor=actor
            )

    def session_detail(self, key: str) -> "Row":
        """One session: when and where, its programme and its agenda with each item's state."""
        from cam_tracker.app import queries

        with self.reading() as db:
            return queries.session_detail(self.snapshot(db), key, self.lang)

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
        title: str | None = None,
        country: str | None = None,
        body: str | None = None,
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
                title=title,
                country=country,
                body=body,
            )
            return people.person_row(person), created

    def people(self) -> list["Row"]:
        """Everyone, with the activities of the plan they are responsible for."""
        from cam_tracker.app import people

        with self.session() as db:
            return people.listing(db, self.plan_name or self.current_plan_name())

    def assign(self, person: str, activity: str, *, actor: str) -> bool:
        """Make a person responsible for an activity; False when they already were."""
        from cam_tracker.app import people

        with self.session() as db:
            return people.assign(
                db, self.plan(db, activity=activity), person, activity, actor=actor
            )

    def unassign(self, person: str, activity: str, *, actor: str) -> None:
        """The person is no longer responsible for the activity."""
        from cam_tracker.app import people

        with self.session() as db:
            people.unassign(db, self.plan(db, activity=activity), person, activity, actor=actor)

    # --- following and what is due -----------------------------------------------

    def follow(
        self, keys: list[str], *, follows: bool, actor: str, person: str | None = None
    ) -> tuple[str, list["Choice"]]:
        """Follow (or stop following) activities, for `person` (default: the actor)."""
        from cam_tracker.app import following

        with self.session() as db:
            plan = self.plan(db, activity=keys[0] if keys else None)
            who, choices = following.choose(
                db, plan, keys, follows=follows, actor=actor, person_key=person
            )
            return who.key, choices

    def following(self, person: str | None, *, actor: str) -> "Row":
        """A person's (default: the actor's) digest frequency and what they follow, and why."""
        from cam_tracker.app import following

        with self.session() as db:
            return following.following(db, self.plan(db), person, actor)

    def set_digest(self, person: str, frequency: str, *, actor: str) -> "Row":
        """How often a person is told what changed in what they follow."""
        from cam_tracker.app import following

        with self.session() as db:
            found = following.set_digest(db, person, frequency, actor=actor)
            return {"key": found.key, "digest": found.digest, "email": found.email}

    def next_due(
        self, person: str | None, *, actor: str, as_of: str | None = None
    ) -> tuple[str, list["Row"]]:
        """What is due from a person (default: the actor) as of a day, by due day."""
        from cam_tracker.app import following

        with self.session() as db:
            snap = self.snapshot(db, as_of)
            found = following.person_of(db, snap.plan, person, actor)
            return found.key, following.due_from(snap, found, self.lang)

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
            return audit.verify(db, workflow_kinds(db), against=anchor)

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

    # --- the register of documents ------------------------------------------------

    def add_document(
        self,
        symbol: str,
        *,
        titles: dict[str, str | None],
        actor: str,
        date: str | None = None,
        languages: str | None = None,
        url: str | None = None,
        status: str | None = None,
    ) -> "Row":
        """Register a document of the plan: its row (as `cam doc show` gives it)."""
        from cam_tracker.app import documents

        with self.session() as db:
            document = documents.add(
                db,
                self.plan(db),
                symbol,
                titles=titles,
                actor=actor,
                date=dates.parse_day(date, "date") if date is not None else None,
                languages_given=languages,
                url=url,
                status=status,
            )
            return documents.document_row(document.symbol, document, [], self.lang)

    def revise_document(
        self,
        symbol: str,
        *,
        titles: dict[str, str | None],
        actor: str,
        changes: dict[str, str | None],
    ) -> tuple["Row", bool]:
        """Correct a registered document (only the fields in `changes`, `""` clears one):
        its row as `cam doc show` gives it, and whether anything changed."""
        from cam_tracker.app import documents

        given: dict[str, Any] = {}
        if "date" in changes:
            date = changes["date"]
            given["date"] = dates.parse_day(date, "date") if date else None
        if "languages" in changes:
            given["languages_given"] = changes["languages"] or None
        for name in ("url", "status"):
            if name in changes:
                given[name] = changes[name]
        with self.session() as db:
            document, changed = documents.revise(
                db, self.plan(db), symbol, titles=titles, actor=actor, **given
            )
            return documents.document_row(document.symbol, document, [], self.lang), changed

    def documents(self, *, activity: str | None = None, session: str | None = None) -> list["Row"]:
        """The plan's documents (the register, then symbols cited but not registered); with
        `activity` or `session`, the documents its steps cite."""
        from cam_tracker.app import documents

        with self.session() as db:
            return documents.listing(
                db, self.plan(db), activity=activity, session=session, lang=self.lang
            )

    def document(self, symbol: str) -> "Row":
        """One document, registered or only cited, and the steps that cite it."""
        from cam_tracker.app import documents

        with self.session() as db:
            return documents.detail(db, self.plan(db), symbol, self.lang)

    # --- the shell -------------------------------------------------------------------

    def completions(self, what: str, activity: str | None = None) -> list[str]:
        """The keys a shell offers for a word (`queries.COMPLETIONS`), of the plan the
        command would act on: read, never written; without a store, only the bundled
        plans' names."""
        from cam_tracker import store
        from cam_tracker.app import queries

        try:
            with self.session() as db:
                # The plan a command would act on: named, else current (`cam plan use`).
                chosen = self.plan_name or self.current_plan_name()
                return queries.completions(db, chosen, what, activity)
        except store.NoStore:
            with store.session("sqlite://") as db:  # an empty store, in memory
                return queries.completions(db, None, what, activity)


def store_failure(exc: BaseException) -> str | None:
    """What a front end says when the store itself failed (SQL, connection); None otherwise.

    Front ends never import the ORM: they ask here whether an unexpected
    error came from the store, and show the one line this returns.
    """
    import sys

    from cam_tracker.store.read import driver_failure_line

    found = driver_failure_line(exc)
    if found is not None or "cam_tracker.store.engine" not in sys.modules:
        return found  # an error of the ORM's needs the ORM loaded
    from cam_tracker import store

    return store.failure_line(exc)
