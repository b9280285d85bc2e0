"""Who acts is who logged in: on PostgreSQL, a person's login role says who they are.

These tests make real login roles on the local server (trust authentication
on 127.0.0.1 lets a test connect as any role), each with a name of its own,
dropped after. They are about PostgreSQL roles: on SQLite, only the refusal
of logins and the hash rule are tested.
"""

import base64
import hashlib
import hmac
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BACKEND, POSTGRES_SERVER, Cam, SmtpServer, fresh_store
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from cam_tracker import store
from cam_tracker.store import access, history_hash, models

postgres_only = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL roles")
sqlite_only = pytest.mark.skipif(BACKEND == "postgresql", reason="an SQLite store")


@dataclass
class Shared:
    """A PostgreSQL store made by `postgres`, with a secretariat and a delegate who log in."""

    url: str
    database: str
    roles: dict[str, str]
    owner: Cam
    sec: Cam
    dele: Cam

    def url_as(self, role: str) -> str:
        return make_url(self.url).set(username=role, password=None).render_as_string(False)

    def cam_as(self, role: str) -> Cam:
        return Cam(self.url_as(role))

    @property
    def group(self) -> str:
        return f"{self.database}_people"

    def sql_as(self, role: str, statement: str) -> None:
        engine = create_engine(self.url_as(role))
        try:
            with engine.begin() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()

    def admin(self, statement: str, **params: object) -> list[tuple[object, ...]]:
        engine = create_engine(self.url)
        try:
            with engine.begin() as connection:
                result = connection.execute(text(statement), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            engine.dispose()


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Shared]:
    suffix = uuid.uuid4().hex[:10]
    roles = {name: f"{name}_{suffix}" for name in ("sec", "del", "new", "out", "pw", "other")}
    database = None
    try:
        with fresh_store(tmp_path) as url:
            database = make_url(url).database
            assert database is not None
            owner = Cam(url)
            owner("plan", "load", "cam-2015-2016")
            # The secretariat is registered first: it manages people (the policy).
            owner(
                "people", "add", "--as", "maria", "maria", "--name", "María Pérez",
                "--role", "secretariat", "--email", "maria@example.org", "--login", roles["sec"],
            )  # fmt: skip
            owner(
                "people",
                "add",
                "--as",
                "maria",
                "chair",
                "--update",
                "--email",
                "chair@example.org",
            )
            owner(
                "people", "add", "--as", "maria", "ana", "--name", "Ana Delegada",
                "--role", "delegate", "--login", roles["del"],
            )  # fmt: skip
            owner("db", "grant")
            found = Shared(url, database, roles, owner, Cam(""), Cam(""))
            found.sec, found.dele = found.cam_as(roles["sec"]), found.cam_as(roles["del"])
            try:
                yield found
            finally:
                for role in roles.values():
                    store.dispose(found.url_as(role))
    finally:
        admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for role in [*roles.values(), *([f"{database}_people"] if database else [])]:
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


INSTALL = ("advance", "program-update", "install_working_group", "--session", "2015-10a")
INSTALL += ("--on", "2015-10-21")


@postgres_only
def test_a_login_acts_as_its_person_whatever_name_is_typed(
    shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAM_USER")  # the operating-system user names nobody
    shared.dele("advance", "campaign", "postpone", "--note", "No budget yet")
    monkeypatch.setenv("CAM_USER", "ana")  # naming oneself is fine
    shared.dele("advance", "campaign", "resume", "--note", "Budget found")
    rows = shared.dele.json("history", "campaign")
    assert [(r["actor"], r["actor_role"], r["on_behalf_of"]) for r in rows] == [
        ("ana", "delegate", None),
        ("ana", "delegate", None),
    ]

    refused = shared.dele(
        "advance", "campaign", "postpone", "--note", "x", "--as", "chair", expect=1
    )
    assert refused.output == (
        "Error: ana (delegate) acts only as themselves: acting for 'chair' needs the role "
        "secretariat (--as)\n"
    )
    monkeypatch.setenv("CAM_USER", "chair")
    assert "acts only as themselves" in shared.dele(*INSTALL, expect=1).output
    monkeypatch.setenv("CAM_USER", "ana")
    refused = shared.dele("advance", "sicremi", "disseminate", "--note", "Online", expect=1)
    assert "needs the role secretariat; ana has the role delegate" in refused.output
    assert len(shared.owner.json("history")) == 2


@postgres_only
def test_the_secretariat_keys_in_the_chairs_step(
    shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAM_USER")
    shared.sec(*INSTALL, "--as", "chair", "--note", "Installed")
    shared.sec("advance", "sicremi", "disseminate", "--note", "Report online")
    [step] = shared.sec.json("history", "program-update")
    assert (step["actor"], step["on_behalf_of"], step["actor_role"]) == ("maria", "chair", "chair")
    assert "maria for chair (chair)" in shared.sec("history", "program-update").output
    [own] = shared.sec.json("history", "sicremi")
    assert (own["actor"], own["on_behalf_of"], own["actor_role"]) == ("maria", None, "secretariat")

    # Acting for the chair, the secretariat holds the chair's role, not its own.
    refused = shared.sec(
        "advance", "cam-dissemination", "disseminate", "--note", "x", "--as", "chair", expect=1
    )
    assert "needs the role secretariat; chair has the role chair" in refused.output
    refused = shared.sec(
        "advance", "campaign", "postpone", "--note", "x", "--as", "nobody", expect=1
    )
    assert "'nobody' is not registered in this shared store" in refused.output

    # The store's owner, nobody's login, acts as before: the name given.
    shared.owner("advance", "campaign", "postpone", "--note", "Later", "--as", "chair")
    [by_owner] = shared.owner.json("history", "campaign")
    assert (by_owner["actor"], by_owner["on_behalf_of"]) == ("chair", None)
    chain = len(shared.owner.json("history", "--all"))  # steps and the record's other changes
    assert f"verified: {chain} rows" in shared.sec("audit", "verify").output


@postgres_only
def test_the_database_refuses_what_the_tool_would(shared: Shared) -> None:
    shared.owner(*INSTALL, "--as", "chair")
    delegate = shared.roles["del"]
    for statement in (
        "UPDATE history SET note = 'rewritten'",
        "DELETE FROM history",
        "TRUNCATE history",
        "UPDATE activity SET kind = 'campaign'",
        "UPDATE person SET role = 'secretariat'",
        "INSERT INTO person (key, name, role, language, registered) "
        "VALUES ('eve', 'Eve', 'chair', 'en', true)",
    ):
        with pytest.raises(ProgrammingError, match="permission denied"):
            shared.sql_as(delegate, statement)
    for statement in (
        "DROP TRIGGER history_append_only ON history",
        "ALTER TABLE history DISABLE TRIGGER ALL",
    ):
        with pytest.raises(ProgrammingError, match="must be owner"):
            shared.sql_as(delegate, statement)
    chain = len(shared.owner.json("history", "--all"))
    assert f"verified: {chain} rows" in shared.dele("audit", "verify").output

    # What only the owner does.
    eve = ("people", "add", "eve", "--name", "Eve", "--role", "secretariat")
    # Refused by the tool's policy first, and by the database's privileges behind it.
    for attempt in (eve, ("people", "assign", "ana", "campaign")):
        refused_line = shared.dele(*attempt, expect=1).output
        assert refused_line.startswith("Error: ") and len(refused_line.splitlines()) == 1
    assert "eve" not in {p["key"] for p in shared.owner.json("people", "list")}
    with pytest.raises(ProgrammingError, match="permission denied"):
        shared.sql_as(
            delegate,
            "INSERT INTO responsibility (activity_id, person_id) VALUES (1, 1)",
        )
    refused = shared.dele("db", "grant", expect=1)
    assert refused.output == (
        f"Error: only the store's owner (or a superuser) grants rights; {delegate!r} is neither\n"
    )


@postgres_only
def test_a_login_that_is_nobodys_is_refused(shared: Shared) -> None:
    stranger = shared.roles["out"]
    shared.admin(f'CREATE ROLE "{stranger}" LOGIN')
    refused = shared.cam_as(stranger)("list", expect=1)
    assert refused.output.startswith("Error: cannot open the store: permission denied for table")
    assert "`cam db grant`" in refused.output

    shared.admin(f'GRANT "{shared.group}" TO "{stranger}"')  # by hand, outside cam
    refused = shared.cam_as(stranger)(*INSTALL, "--as", "chair", expect=1)
    assert refused.output == (
        f"Error: the database login {stranger!r} is nobody in this store: its owner maps it "
        f"to a person with `cam people add KEY --login {stranger}`\n"
    )
    granted = shared.owner("db", "grant").output
    assert f"{stranger} left {shared.group} (nobody's login)" in granted
    assert shared.owner.json("history") == []


def _members(shared: Shared) -> set[str]:
    rows = shared.admin(
        "SELECT u.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = :group",
        group=shared.group,
    )
    return {str(name) for (name,) in rows}


@postgres_only
def test_grant_is_idempotent_and_people_join_by_membership(
    shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _members(shared) == {shared.roles["sec"], shared.roles["del"]}
    again = shared.owner("db", "grant").output
    # Every table, the bodies and memberships (0011) and the documents (0010) among them.
    assert again == f"people group {shared.group}: reads 18 tables, records steps\n"

    newcomer = shared.roles["new"]
    added = shared.owner(
        "people",
        "add",
        "--as",
        "maria",
        "luis",
        "--name",
        "Luis",
        "--role",
        "chair",
        "--login",
        newcomer,
    )
    assert added.output == f"added luis: Luis (chair) no email, login {newcomer}\n"
    assert newcomer in _members(shared)
    monkeypatch.delenv("CAM_USER")
    shared.cam_as(newcomer)(*INSTALL)
    assert shared.owner.json("history")[0]["actor"] == "luis"

    # A login is one person's; a person who changes login leaves the group with the old one.
    taken = shared.owner(
        "people", "add", "--as", "maria", "pedro", "--name", "Pedro", "--role", "delegate",
        "--login", shared.roles["sec"], expect=1,
    )  # fmt: skip
    assert taken.output == f"Error: --login: the login {shared.roles['sec']!r} is maria's already\n"
    shared.owner(
        "people", "add", "--as", "maria", "luis", "--update", "--login", shared.roles["other"]
    )
    assert newcomer not in _members(shared) and shared.roles["other"] in _members(shared)
    logins = {row["key"]: row["login"] for row in shared.owner.json("people", "list")}
    assert logins["luis"] == shared.roles["other"] and logins["chair"] is None


def _scram_matches(verifier: str, password: str) -> bool:
    """Check a PostgreSQL SCRAM-SHA-256 verifier against a password (RFC 5802)."""
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key, _server_key = keys.split(":")
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return method == "SCRAM-SHA-256" and base64.b64encode(
        hashlib.sha256(client_key).digest()
    ) == stored_key.encode("ascii")


@postgres_only
def test_passwords_come_from_the_environment_or_standard_input(
    shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = shared.roles["pw"]
    monkeypatch.setenv("CAM_LOGIN_PASSWORD", "env-Secret-1")
    shared.owner(
        "people",
        "add",
        "--as",
        "maria",
        "rosa",
        "--name",
        "Rosa",
        "--role",
        "delegate",
        "--login",
        created,
    )
    monkeypatch.delenv("CAM_LOGIN_PASSWORD")
    shared.owner(
        "people", "add", "--as", "maria", "luis", "--name", "Luis", "--role", "chair",
        "--login", shared.roles["new"], "--password-stdin", input="stdin-Secret-2\n",
    )  # fmt: skip
    rows = shared.admin(
        "SELECT rolname, rolpassword, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb "
        "FROM pg_authid WHERE rolname IN (:a, :b) ORDER BY rolname",
        a=created,
        b=shared.roles["new"],
    )
    found = {str(row[0]): row[1:] for row in rows}
    assert found[created][1:] == (True, False, False, False)
    assert _scram_matches(str(found[created][0]), "env-Secret-1")
    assert _scram_matches(str(found[shared.roles["new"]][0]), "stdin-Secret-2")
    assert not _scram_matches(str(found[created][0]), "stdin-Secret-2")
    # The delegate's role was made without a password (trust, peer, certificates).
    [(none,)] = shared.admin(
        "SELECT rolpassword FROM pg_authid WHERE rolname = :r", r=shared.roles["del"]
    )
    assert none is None

    refused = shared.owner(
        "people", "add", "--as", "maria", "ana", "--update", "--login", shared.roles["del"],
        "--password-stdin",
        input="new-password\n", expect=1,
    )  # fmt: skip
    assert "its password is left alone" in refused.output
    assert shared.owner(
        "people", "add", "--as", "maria", "ana", "--update", "--password", "x", expect=2
    )
    alone = shared.owner(
        "people", "add", "--as", "maria", "ana", "--update", "--password-stdin", expect=2
    )
    assert "--password-stdin goes with --login" in alone.output


@postgres_only
def test_the_peoples_rights_cover_every_recording_command(
    shared: Shared, monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """Every command that records something, run as a person's login: the people group's
    rights are enough (and each of them is needed by one of these commands)."""
    monkeypatch.delenv("CAM_USER")
    sec = shared.sec
    sec(*INSTALL, "--as", "chair")
    sec("reschedule", "campaign", "--to", "2016-02", "--reason", "Budget")  # another session
    sec("session", "record", "2015-10a", "--as-planned", "--on", "2015-10-21")
    step = sec.json("history", "program-update")[0]["id"]
    sec("history", "correct", str(step), "--note", "Installed", "--reason", "typo", "--as", "chair")
    sec("doc", "add", "CIDI/CAM/doc.1/15", "--title", "Report of the working group")
    sec("people", "digest", "maria", "weekly")  # a person's own preferences
    sec("follow", "campaign")
    sec("unfollow", "campaign")
    sec("history", "correct", str(step), "--doc", "CIDI/CAM/doc.1/15", "--reason", "x",
        "--as", "chair")  # fmt: skip
    sec(
        "session", "reschedule", "2015-12a", "--to", "2015-12-02", "--on", "2015-11-10",
        "--reason", "date agreed",
    )  # fmt: skip
    smtp_server.stop()  # the reminders due wait for a retry
    assert sec("remind", "--now", "2015-11-20", expect=1).exit_code == 1
    sec(
        "session",
        "reschedule",
        "2015-12a",
        "--to",
        "2016-01-06",
        "--on",
        "2015-11-20",
        "--reason",
        "moved to January",
    )  # fmt: skip  (its waiting reminder follows it)
    shared.owner(
        "people", "add", "--as", "maria", "chair", "--update", "--email", "presidencia@example.org"
    )
    smtp_server.start()
    for row in sec.json("outbox"):
        if row["status"] == "pending":
            sec("outbox", "retry", str(row["id"]))
    sec("remind", "--now", "2015-11-20")
    # The waiting reminders go to the chair's address as it is when they are sent.
    assert smtp_server.messages(to="presidencia@example.org")
    assert not smtp_server.messages(to="chair@example.org")
    for reading in (
        ("list",),
        ("show", "program-update"),
        ("doc", "list"),
        ("calendar", "--ics", "-"),
        ("report", "-o", str(tmp_path / "report.html")),
        ("export", "-o", str(tmp_path / "cam.json")),
        ("audit", "verify"),
        ("db", "upgrade"),
    ):
        sec(*reading)
    actors = {(r["actor"], r["on_behalf_of"]) for r in shared.owner.json("history")}
    assert actors == {("maria", "chair"), ("maria", None)}


@sqlite_only
def test_an_sqlite_store_has_no_logins(cam: Cam) -> None:
    refused = cam(
        "people", "add", "ana", "--name", "Ana", "--role", "delegate", "--login", "ana", expect=1
    )
    assert refused.output == (
        "Error: --login: an SQLite store has no database logins: whoever may write its file "
        "may do everything in it (the file's permissions are its access control)\n"
    )
    assert cam.json("people", "list") == []
    assert "an SQLite store has no database logins" in cam("db", "grant", expect=1).output


def test_a_login_name_is_a_plain_role_name(cam: Cam) -> None:
    for bad in ("pg_monitor", "a b", "x;drop", "1abc", "a" * 64):
        refused = cam(
            "people", "add", "ana", "--name", "Ana", "--role", "delegate", "--login", bad, expect=1
        )
        assert refused.output.startswith(f"Error: --login: not a usable login: {bad!r}")
    assert cam.json("people", "list") == []


def test_the_hash_covers_on_whose_behalf_from_chain_version_4() -> None:
    row = models.History(
        id=7, activity_id=1, event="install_working_group", from_state="a", to_state="b",
        actor="maria", actor_role="chair", on_behalf_of="chair",
        at=models.utcnow(), prev_hash=store.GENESIS, hash="",
    )  # fmt: skip
    assert row.chain_version >= 4
    signed = history_hash(row)
    row.on_behalf_of = "vice-chair"
    assert history_hash(row) != signed
    # A row written under an earlier rule keeps the hash that rule gave it.
    row.chain_version = 3
    older = history_hash(row)
    row.on_behalf_of = None
    assert history_hash(row) == older


def test_delegation_is_the_secretariats() -> None:
    from cam_tracker.app.authorization import may_delegate

    assert may_delegate("secretariat")
    assert not any(
        may_delegate(role) for role in ("chair", "vice_chair", "delegate", "coordinator")
    )
    assert access.PEOPLE_WRITE["history"] == (True, ())  # steps are inserted, never changed


def test_the_peoples_rights_name_real_columns() -> None:
    from sqlmodel import SQLModel

    tables = SQLModel.metadata.tables
    for table, (_insert, columns) in access.PEOPLE_WRITE.items():
        assert set(columns) <= set(tables[table].c.keys()), table
    assert set(access.PEOPLE_SEQUENCES) <= {
        t for t, (insert, _) in access.PEOPLE_WRITE.items() if insert
    }


@postgres_only
def test_the_vice_chairs_login_acts_for_the_chair_and_no_one_else(shared: Shared) -> None:
    shared.owner("people", "add", "--as", "maria", "vice-chair", "--update", "--login",
                 shared.roles["new"])  # fmt: skip
    shared.owner("db", "grant")
    vice = shared.cam_as(shared.roles["new"])
    present = ("advance", "draft-resolution", "present", "--session", "2016-02")
    vice(*present, "--on", "2016-02-17", "--as", "chair")
    step = shared.owner.json("history", "draft-resolution")[-1]
    assert (step["actor"], step["on_behalf_of"], step["actor_role"]) == (
        "vice-chair",
        "chair",
        "chair",
    )
    refused = vice("session", "record", "2016-02", "--on", "2016-02-17", "--as", "ana", expect=1)
    assert "vice-chair (vice_chair) acts only as themselves or for the chair" in refused.output
