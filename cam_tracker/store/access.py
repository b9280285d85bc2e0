"""PostgreSQL roles for a shared store: people's logins, and what each may do.

On PostgreSQL the database says who acts (`engine.connected_login`); this
module makes the roles that say it. A person may have a login role of their
own. The store's people group (`<database>_people`: one per store, so that
rights on one store never reach another on the same server) holds what every
person may do — read every table, record steps — and each person's login is
a member of it: `grant` can run any number of times, and a person added
later gets their rights by membership alone. The owner of the tables
migrates the store and manages people and plans; nobody else may update or
delete the history, in privileges as in its triggers. SQLite has no roles:
the file's permissions are its access control.
"""

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlmodel import Session, SQLModel, col, select

from cam_tracker.core.errors import ConfigError, InvalidInput, PermissionRefused
from cam_tracker.store import models
from cam_tracker.store.engine import connected_login, is_postgres

# What a person's login may write, besides reading every table: the rows and columns the
# use cases write (a step, a move, a session held, a correction, reminders and their
# sending). Found by running every command that records something under a login role.
PEOPLE_WRITE: dict[str, tuple[bool, tuple[str, ...]]] = {
    # table: (INSERT, the columns it may UPDATE)
    "history": (True, ()),
    "record_change": (True, ()),  # a session recorded or moved: its ids are the history's
    "chainhead": (False, ("last_hash", "length")),  # its row is the owner's plan load's
    "activity": (False, ("state", "resume_state", "version", "updated_at")),
    "milestone": (False, ("session_id", "position", "planned_month", "done_history_id")),
    "session": (False, ("date", "month", "held_on")),
    "document": (True, ()),  # a document registered (`cam doc add`, or cited first by a step)
    # A person's own following and digest frequency (`cam follow`, `cam people digest`).
    "following": (True, ("follows",)),
    "person": (False, ("digest",)),
    "outbox": (
        True,
        (
            "address",
            "status",
            "due_at",
            "attempts",
            "next_attempt_at",
            "claimed_by",
            "lease_until",
            "message_id",
            "sent_at",
            "error",
        ),
    ),
}

# `body` and `membership`, like `plan` and `person`, are written only by the owner (loading a
# plan, managing people): people read them, with every table, and write none of them.

# The tables whose id sequence people draw from (the others they never insert into).
PEOPLE_SEQUENCES = ("history", "outbox", "document")

# The longest name PostgreSQL keeps (NAMEDATALEN - 1 bytes).
MAX_ROLE_BYTES = 63


def _postgres(db: Session, fields: tuple[str, ...] = ()) -> None:
    if not is_postgres(db):
        raise InvalidInput(
            "an SQLite store has no database logins: whoever may write its file may do "
            "everything in it (the file's permissions are its access control)",
            fields=fields,
        )


def _quote(db: Session, name: str) -> str:
    return db.get_bind().dialect.identifier_preparer.quote_identifier(name)


def _run(db: Session, statement: str) -> None:
    db.connection().exec_driver_sql(statement)


def people_group(db: Session) -> str:
    """The name of this store's people group: its database's name, then `_people`."""
    database = db.connection().execute(text("SELECT current_database()")).scalar_one()
    name = f"{database}_people"
    if len(name.encode("utf-8")) > MAX_ROLE_BYTES:
        raise ConfigError(
            f"the database name {database!r} is too long to name its people group {name!r} "
            f"(at most {MAX_ROLE_BYTES} bytes)"
        )
    return name


def role_exists(db: Session, name: str) -> bool:
    found = db.connection().execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}
    )
    return found.first() is not None


def _is_member(db: Session, group: str, login: str) -> bool:
    found = db.connection().execute(
        text(
            "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = :group AND u.rolname = :login"
        ),
        {"group": group, "login": login},
    )
    return found.first() is not None


def _members(db: Session, group: str) -> set[str]:
    rows = db.connection().execute(
        text(
            "SELECT u.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = :group"
        ),
        {"group": group},
    )
    return {str(name) for (name,) in rows}


def _hashed_password(db: Session, login: str, password: str) -> str:
    """The password as the server stores it (SCRAM), computed here: the clear text never
    reaches the server, its logs or its statistics."""
    driver = db.connection().connection.driver_connection
    pgconn = getattr(driver, "pgconn", None)
    if pgconn is None:
        raise ConfigError("setting a password needs the psycopg driver (postgresql+psycopg://)")
    hashed: bytes = pgconn.encrypt_password(password.encode("utf-8"), login.encode("utf-8"))
    return hashed.decode("ascii")


def set_login(db: Session, login: str, *, password: str | None, previous: str | None) -> bool:
    """Create the login role, or map one that exists; it joins the people group if there is
    one (else `grant` adds it). True when the role was created.

    A created role may log in and nothing more: no superuser, no creating roles or
    databases. Without a password it has none, for servers that authenticate otherwise
    (trust, peer, certificates, LDAP). The password of a role that exists is left alone.
    The previous login of the person leaves the group.
    """
    _postgres(db, ("login",))
    created = not role_exists(db, login)
    if created:
        options = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"
        if password is not None:
            hashed = _hashed_password(db, login, password).replace("'", "''")
            options += f" PASSWORD '{hashed}'"
        _run(db, f"CREATE ROLE {_quote(db, login)} {options}")
    elif password is not None:
        raise InvalidInput(
            f"the role {login!r} exists: it is mapped as it is and its password is left alone "
            "(give no password, or change it with ALTER ROLE)"
        )
    group = people_group(db)
    if role_exists(db, group):
        if not _is_member(db, group, login):
            _run(db, f"GRANT {_quote(db, group)} TO {_quote(db, login)}")
        if previous and previous != login and _is_member(db, group, previous):
            _run(db, f"REVOKE {_quote(db, group)} FROM {_quote(db, previous)}")
    return created


@dataclass
class Granted:
    """What `grant` found and did."""

    group: str
    created: bool = False
    tables: int = 0
    added: list[str] = field(default_factory=list)  # logins that joined the group
    removed: list[str] = field(default_factory=list)  # members that are nobody's login
    missing: list[str] = field(default_factory=list)  # people's logins with no role
    revoked: list[str] = field(default_factory=list)  # who lost rights to rewrite history


def grant(db: Session) -> Granted:
    """Give the people group its rights, exactly; make the people's logins its members.

    Everything is revoked from the group and granted again in one transaction,
    so that running it twice changes nothing, and a right dropped from
    `PEOPLE_WRITE` is taken back. Whoever else (PUBLIC included) holds the
    right to update, delete or truncate the history loses it.
    """
    _postgres(db)
    login = connected_login(db)
    if login is None or not login.administers:
        who = login.name if login else "?"
        raise PermissionRefused(
            f"only the store's owner (or a superuser) grants rights; {who!r} is neither"
        )
    group = people_group(db)
    report = Granted(group)
    quoted = _quote(db, group)
    if not role_exists(db, group):
        _run(db, f"CREATE ROLE {quoted} NOLOGIN")
        report.created = True
    schema = db.connection().execute(text("SELECT current_schema()")).scalar_one()
    _run(db, f"GRANT USAGE ON SCHEMA {_quote(db, schema)} TO {quoted}")
    tables = [table.name for table in SQLModel.metadata.sorted_tables] + ["alembic_version"]
    for table in tables:
        _run(db, f"REVOKE ALL ON TABLE {_quote(db, table)} FROM {quoted}")
        _run(db, f"GRANT SELECT ON TABLE {_quote(db, table)} TO {quoted}")
    report.tables = len(tables)
    for table, (insert, columns) in PEOPLE_WRITE.items():
        if insert:
            _run(db, f"GRANT INSERT ON TABLE {_quote(db, table)} TO {quoted}")
        if columns:
            names = ", ".join(_quote(db, c) for c in columns)
            _run(db, f"GRANT UPDATE ({names}) ON TABLE {_quote(db, table)} TO {quoted}")
    for model in SQLModel.metadata.sorted_tables:
        if "id" not in model.c:
            continue
        sequence = db.connection().execute(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": _quote(db, model.name)}
        )
        name = sequence.scalar_one()
        if name is None:
            continue
        _run(db, f"REVOKE ALL ON SEQUENCE {name} FROM {quoted}")
        if model.name in PEOPLE_SEQUENCES:
            _run(db, f"GRANT USAGE ON SEQUENCE {name} TO {quoted}")
    report.revoked = _lock_history(db)
    _members_follow_people(db, group, report)
    return report


_HISTORY_WRITERS = text(
    "SELECT DISTINCT a.grantee FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a "
    "WHERE c.oid = to_regclass('history') AND a.grantee <> c.relowner "
    "AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE') "
    "UNION SELECT DISTINCT a.grantee FROM pg_attribute t "
    "JOIN pg_class c ON c.oid = t.attrelid CROSS JOIN LATERAL aclexplode(t.attacl) a "
    "WHERE t.attrelid = to_regclass('history') AND a.grantee <> c.relowner "
    "AND a.privilege_type = 'UPDATE'"
)


def _lock_history(db: Session) -> list[str]:
    """Revoke the right to update, delete or truncate the history from all but its owner."""
    revoked = []
    for (grantee,) in db.connection().execute(_HISTORY_WRITERS).all():
        if grantee == 0:
            name, target = "PUBLIC", "PUBLIC"
        else:
            name = str(
                db.connection()
                .execute(text("SELECT rolname FROM pg_roles WHERE oid = :oid"), {"oid": grantee})
                .scalar_one()
            )
            target = _quote(db, name)
        _run(db, f"REVOKE UPDATE, DELETE, TRUNCATE ON TABLE history FROM {target}")
        revoked.append(name)
    return sorted(revoked)


def _members_follow_people(db: Session, group: str, report: Granted) -> None:
    """The group's members are exactly the people's logins that exist."""
    logins = set(db.exec(select(models.Person.login).where(col(models.Person.login).is_not(None))))
    members = _members(db, group)
    quoted = _quote(db, group)
    for login in sorted(name for name in logins if name is not None):
        if not role_exists(db, login):
            report.missing.append(login)
        elif login not in members:
            _run(db, f"GRANT {quoted} TO {_quote(db, login)}")
            report.added.append(login)
    for member in sorted(members - {name for name in logins if name is not None}):
        _run(db, f"REVOKE {quoted} FROM {_quote(db, member)}")
        report.removed.append(member)
