"""The store: engines and sessions from a URL, and the writes that must be atomic.

The only module that knows SQLite from PostgreSQL. SQLite transactions begin
IMMEDIATE (one writer at a time, the others wait); on PostgreSQL the history
chain's head row is locked FOR UPDATE. Either way, history appends are
serialised and a state change only lands on the version it was computed from.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError
from sqlmodel import Session, SQLModel, create_engine

from cam_tracker.core.errors import ConfigError

_ENGINES: dict[str, Engine] = {}


_ENGINES_LOCK = threading.RLock()


SQLITE_BUSY_SECONDS = 60


# A PostgreSQL server that accepts connections and never answers must not hang a
# command: connecting gives up after this long, and so does any one statement
# (a lock held elsewhere included). A URL that sets its own `connect_timeout` or
# `options` keeps them.
POSTGRES_CONNECT_SECONDS = 10
POSTGRES_STATEMENT_SECONDS = 60


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def engine_for(url: str) -> Engine:
    """The engine for a store URL (one per process), its schema created on first use."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = _create(url)
        return engine


def _create(url: str, *, ensure: bool = True) -> Engine:
    try:
        parsed = make_url(url)
        parsed.get_backend_name()
    except (ArgumentError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "malformed"
        raise ConfigError(f"not a database URL: {_server(url)} ({reason})") from None
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise ConfigError(f"not a database URL: port {parsed.port} is out of range")
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create the store directory: {exc}") from None
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        _configure_sqlite(engine)
    else:
        connect_args: dict[str, Any] = {}
        if parsed.get_backend_name() == "postgresql":
            if "connect_timeout" not in parsed.query:
                connect_args["connect_timeout"] = POSTGRES_CONNECT_SECONDS
            if "options" not in parsed.query:
                connect_args["options"] = (
                    f"-c statement_timeout={POSTGRES_STATEMENT_SECONDS * 1000}"
                )
        try:
            engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        except (ImportError, ArgumentError, ValueError) as exc:
            raise ConfigError(f"cannot use database URL {_server(url)}: {exc}") from None
    if ensure:
        try:
            _on_store(engine, "ensure")
        except BaseException:
            engine.dispose()  # nobody will use it: close what it opened
            raise
    return engine


def _server(url: str) -> str:
    """Where a store is, for a message: host:port (or the SQLite file), never a password."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        scheme, _, rest = url.partition("://")
        host = rest.rpartition("@")[2].split("/", 1)[0]
        return f"{scheme}://{host}" if rest else "(unreadable URL)"
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return f"{parsed.host or 'localhost'}:{parsed.port or 'default port'}"


def _on_store(engine: Engine, action: str) -> str | None:
    """Bring the schema up to date; with 'upgrade', return the revision found before."""
    from cam_tracker.store import migrations

    try:
        if action == "upgrade":
            with engine.connect() as connection:
                before = migrations.current_revision(connection)
        else:
            before = None
        migrations.ensure_schema(engine)
    except OperationalError as exc:
        reason = (str(exc.orig).strip().splitlines() or ["no answer"])[0]
        raise ConfigError(
            f"cannot open the store at {_server(engine.url.render_as_string())}: {reason}"
        ) from None
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        raise ConfigError(
            f"cannot open the store: {str(exc.orig).strip().splitlines()[0]} (its owner gives "
            "people's logins their rights with `cam db grant`, and alone upgrades its schema "
            "with `cam db upgrade`)"
        ) from None
    return before


def upgrade(url: str) -> tuple[str | None, str]:
    """Upgrade a store's schema; return the revision before (None: empty) and after."""
    from cam_tracker.store.migrations import HEAD

    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = _create(url, ensure=False)
    return _on_store(engine, "upgrade"), HEAD


@contextmanager
def session(url: str) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on error."""
    with Session(engine_for(url), expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise


def is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def failure_line(exc: BaseException) -> str | None:
    """A failure of the store itself (SQL, connection) as one line; None for any other error."""
    if not isinstance(exc, SQLAlchemyError):
        return None
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def safe_url(url: str) -> str:
    """The store URL without its password, fit for a log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparsable URL)"


# PostgreSQL's SQLSTATE for "permission denied".
INSUFFICIENT_PRIVILEGE = "42501"


@dataclass(frozen=True)
class Login:
    """The database role a PostgreSQL store is used through (`session_user`).

    `administers`: a superuser, or the store's owner (the owner of its tables, or a member
    of that role), who migrates it and grants the others their rights.
    """

    name: str
    administers: bool


_LOGIN = text(
    "SELECT session_user, r.rolsuper OR COALESCE(pg_has_role(session_user, c.relowner, "
    "'MEMBER'), false) FROM pg_roles r LEFT JOIN pg_class c ON c.oid = to_regclass('history') "
    "WHERE r.rolname = session_user"
)


def connected_login(db: Session) -> Login | None:
    """Who the database knows is connected: None on SQLite, which has no logins.

    `session_user`, not `current_user`: a `SET ROLE` changes the privileges a
    connection uses, never who logged in.
    """
    if not is_postgres(db):
        return None
    name, administers = db.connection().execute(_LOGIN).one()
    return Login(str(name), bool(administers))


def dispose(url: str) -> None:
    """Close the pooled connections of one store and forget its engine."""
    with _ENGINES_LOCK:
        engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


def dispose_all() -> None:
    """Close every pooled connection (tests, long-running processes at exit)."""
    for url in list(_ENGINES):
        dispose(url)


def reset(url: str) -> None:
    """Empty every table of a PostgreSQL store (tests only)."""
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine_for(url).begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
