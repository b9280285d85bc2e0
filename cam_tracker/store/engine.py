"""The store: engines and sessions from a URL, and the writes that must be atomic.

The only module that knows SQLite from PostgreSQL. SQLite transactions begin
IMMEDIATE (one writer at a time, the others wait); on PostgreSQL the history
chain's head row is locked FOR UPDATE. Either way, history appends are
serialised and a state change only lands on the version it was computed from.

Opening a store never writes to it unless asked to:

- A store is created (an SQLite file and its folders, or the tables of an
  empty PostgreSQL database) only when the caller says `create=True`: a
  command that only reads, given a mistyped path, says there is no store
  there and leaves nothing behind.
- A store this process cannot write is read as it is. An SQLite file opens
  read-write when it can, else read-only (`mode=ro`, with SQLite's URI
  filenames): when the URL says `mode=ro`, when the file is not writable for
  this process, or when SQLite itself reports that it cannot write (a folder
  where its `-wal` and `-shm` files cannot be made). A WAL store in a folder
  that cannot take those files, and with no `-wal` beside it (no writer has
  it open), opens `immutable`: nothing can change it while it is read. A
  read-only store takes no lock and writes no journal; its schema must be
  current, since nothing can upgrade it. A write on it — or on a PostgreSQL
  session that is read-only — fails in one line (`ReadOnlyStore`).
- SQLite in WAL mode keeps commits in `-wal` until a checkpoint: `dispose`
  checkpoints (and every command ends with it), so that the store file alone
  holds every commit, for a copy or a backup.
"""

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import URL, Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError
from sqlmodel import Session, SQLModel, create_engine

from cam_tracker.core.errors import ConfigError, NotFound
from cam_tracker.store.limits import (
    POSTGRES_CONNECT_SECONDS as POSTGRES_CONNECT_SECONDS,
)
from cam_tracker.store.limits import (
    POSTGRES_STATEMENT_SECONDS as POSTGRES_STATEMENT_SECONDS,
)
from cam_tracker.store.limits import SQLITE_BUSY_SECONDS, postgres_options

READ_WRITE, READ_ONLY, IMMUTABLE = "rw", "ro", "immutable"


class NoStore(NotFound):
    """A store that does not exist, opened by a command that does not create one."""


class ReadOnlyStore(ConfigError):
    """A write on a store that this process can only read."""


@dataclass
class _Store:
    """An open store: its engine, how errors name it, and how it was opened."""

    engine: Engine
    where: str
    path: Path | None = None  # an SQLite file
    mode: str = READ_WRITE
    found: str | None = None  # the schema revision found on opening (None: a new store)
    wrote: bool = False  # whether this process committed a change to it

    def watch_writes(self) -> None:
        """Note the first commit that changed something (SQLite counts the rows changed)."""

        @event.listens_for(self.engine, "commit")
        def _on_commit(connection: Any) -> None:
            if not self.wrote and connection.connection.driver_connection.total_changes:
                self.wrote = True

    @property
    def read_only(self) -> bool:
        return self.mode != READ_WRITE

    def refusal(self) -> ReadOnlyStore:
        return ReadOnlyStore(f"the store at {self.where} is read-only: it can be read, not changed")


_STORES: dict[str, _Store] = {}
_STORES_LOCK = threading.RLock()


def engine_for(url: str, *, create: bool = True) -> Engine:
    """The engine for a store URL (one per process); with `create`, a missing store is made."""
    return _open(url, create=create).engine


def _open(url: str, *, create: bool) -> _Store:
    with _STORES_LOCK:
        opened = _STORES.get(url)
        if opened is None:
            opened = _STORES[url] = _build(url, create=create)
        return opened


def connect_arguments(parsed: URL) -> dict[str, Any]:
    """What a connection to a PostgreSQL server is opened with: time limits, unless the URL
    sets its own (`connect_timeout`, `options`)."""
    if parsed.get_backend_name() != "postgresql":
        return {}
    return postgres_options(parsed.query)


def _build(url: str, *, create: bool) -> _Store:
    try:
        parsed = make_url(url)
        parsed.get_backend_name()
    except (ArgumentError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "malformed"
        raise ConfigError(f"not a database URL: {_server(url)} ({reason})") from None
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise ConfigError(f"not a database URL: port {parsed.port} is out of range")
    if parsed.get_backend_name() == "sqlite":
        return _build_sqlite(parsed, create=create)
    connect_args = connect_arguments(parsed)
    try:
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except (ImportError, ArgumentError, ValueError) as exc:
        raise ConfigError(f"cannot use database URL {_server(url)}: {exc}") from None
    opened = _Store(engine, where=parsed.render_as_string(hide_password=True))
    try:
        opened.found = _check(opened, create=create)
    except OperationalError as exc:  # the server cannot be reached, the database is not there
        engine.dispose()
        raise _cannot_open(exc, _server(url)) from None
    except DBAPIError as exc:
        engine.dispose()
        if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        raise ConfigError(
            f"cannot open the store: {str(exc.orig).strip().splitlines()[0]} (its owner gives "
            "people's logins their rights with `cam db grant`, and alone upgrades its schema "
            "with `cam db upgrade`)"
        ) from None
    except BaseException:
        engine.dispose()
        raise
    return opened


def _sqlite_file(parsed: URL) -> tuple[Path | None, bool, URL]:
    """The file of an SQLite URL (None: in memory), whether it asks for read-only, the URL
    without `mode` (which this module applies itself)."""
    database = parsed.database or ""
    query = dict(parsed.query)
    read_only = query.pop("mode", None) == "ro"
    uri = str(query.get("uri", "")).lower() in ("true", "1")
    if uri and database.startswith("file:"):
        from urllib.parse import unquote

        database = unquote(database.removeprefix("file:").split("?", 1)[0])
        query.pop("uri")
    if not database or database == ":memory:" or "mode=memory" in str(parsed):
        return None, False, parsed
    path = Path(database).expanduser().absolute()
    return path, read_only, parsed.set(database=str(path), query=query)


def _build_sqlite(parsed: URL, *, create: bool) -> _Store:
    import sqlite3

    path, asked_read_only, plain = _sqlite_file(parsed)
    if path is None:
        opened = _Store(_sqlite_engine(plain, READ_WRITE), where=":memory:")
        opened.found = _check(opened, create=True)
        return opened
    where = str(path)
    if not path.exists():
        if not create or asked_read_only:
            raise _no_store(where)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the store directory: {exc}") from None
        opened = _Store(_sqlite_engine(plain, READ_WRITE), where, path)
        opened.watch_writes()
        opened.found = _check(opened, create=True)
        return opened
    if asked_read_only or not os.access(path, os.W_OK):
        modes = [READ_ONLY, IMMUTABLE]
    else:
        modes = [READ_WRITE, READ_ONLY, IMMUTABLE]
    failure: Exception | None = None
    for mode in modes:
        if mode == IMMUTABLE and Path(f"{path}-wal").exists():
            break  # someone may be writing: reading it as unchangeable would not be safe
        url = plain if mode == READ_WRITE else _read_only_url(path, plain, mode)
        opened = _Store(_sqlite_engine(url, mode), where, path, mode)
        if not opened.read_only:
            opened.watch_writes()
        try:
            opened.found = _check(opened, create=create)
            return opened
        except (DBAPIError, sqlite3.Error) as exc:
            opened.engine.dispose()
            if not _cannot_write(exc):
                raise _cannot_open(exc) from None
            failure = exc
        except BaseException:
            opened.engine.dispose()
            raise
    assert failure is not None
    raise _cannot_open(failure) from None


def _read_only_url(path: Path, plain: URL, mode: str) -> URL:
    """The SQLite URI filename that opens `path` read-only (or as unchangeable)."""
    query = {k: v for k, v in plain.query.items() if k in ("timeout", "cached_statements")}
    query.update({"uri": "true", "mode": "ro"})
    if mode == IMMUTABLE:
        query["immutable"] = "1"
    return plain.set(database=f"file:{quote(str(path), safe='/')}", query=query)


def _sqlite_engine(url: URL, mode: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
    writable = mode == READ_WRITE

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if writable:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A reader of a read-only store takes no write lock: it could not.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writable else "BEGIN")

    return engine


def _check(opened: _Store, *, create: bool) -> str | None:
    """Make sure the store holds a current schema; return the revision found (None: new).

    A current schema costs one query and writes nothing. A missing one is
    created only with `create`; an older one is upgraded, unless the store is
    read-only.
    """
    from cam_tracker.store import migrations

    found = _schema_revision(opened)
    if found == migrations.HEAD:
        return found
    if found is None and not create:
        raise _no_store(opened.where)
    if opened.read_only and found is None:
        raise opened.refusal()
    if opened.read_only:
        raise ReadOnlyStore(
            f"the store at {opened.where} is read-only and of an older schema ({found}): "
            "upgrade it with `cam db upgrade` where it can be written"
        )
    try:
        migrations.ensure_schema(opened.engine)
    except DBAPIError as exc:
        # An SQLite file that cannot be written is opened read-only instead (the caller
        # tries); a PostgreSQL session that only reads says so.
        if _cannot_write(exc) and opened.path is None:
            raise opened.refusal() from None
        raise
    return found


def _schema_revision(opened: _Store) -> str | None:
    """The schema revision of a store (None: no schema yet).

    On SQLite, a store that has one answers in one query outside any
    transaction: no lock taken, so that opening a store never waits on a writer.
    """
    if opened.engine.dialect.name == "sqlite":
        import sqlite3

        raw = opened.engine.raw_connection()
        try:
            row = raw.driver_connection.execute(  # type: ignore[union-attr]
                "SELECT version_num FROM alembic_version"
            ).fetchone()
        except sqlite3.OperationalError as exc:
            if _cannot_write(exc):
                raise
            row = None  # no such table: see below
        finally:
            raw.close()
        if row is not None:
            return str(row[0])
    with opened.engine.connect() as connection:
        return _revision(connection)


def _revision(connection: Connection) -> str | None:
    """The schema revision of a store (None: no schema yet), in one query when it has one."""
    from cam_tracker.store import migrations

    try:
        with connection.begin_nested():
            found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        if _cannot_write(exc):
            raise
        return migrations.current_revision(connection)
    return str(found) if found is not None else None


def _cannot_write(exc: Exception) -> bool:
    """Whether the database refused because this process cannot write it."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    name = str(getattr(original, "sqlite_errorname", ""))
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
        return True
    return str(getattr(original, "sqlstate", "")) == "25006"  # read_only_sql_transaction


def _cannot_open(exc: Exception, where: str | None = None) -> ConfigError:
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    reason = (str(original).strip().splitlines() or ["no answer"])[0]
    place = f" at {where}" if where else ""
    return ConfigError(f"cannot open the store{place}: {reason}")


def _no_store(where: str) -> NoStore:
    return NoStore(f"no store at {where}: load a plan first with `cam plan load`")


def upgrade(url: str) -> tuple[str | None, str]:
    """Upgrade a store's schema (creating it if need be); return the revision before
    (None: empty) and after."""
    from cam_tracker.store.migrations import HEAD

    dispose(url)  # open afresh: the revision found is the one on disk now
    return _open(url, create=True).found, HEAD


@contextmanager
def session(url: str, *, create: bool = True) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on error.

    With `create=False`, a store that does not exist is not made (`NoStore`).
    A write on a store that can only be read raises `ReadOnlyStore`.
    """
    opened = _open(url, create=create)
    with Session(opened.engine, expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except BaseException as exc:
            db.rollback()
            if isinstance(exc, DBAPIError) and _cannot_write(exc):
                raise opened.refusal() from None
            raise


def is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def checkpoint(url: str, *, if_written: bool = False) -> None:
    """Copy SQLite's `-wal` into the store file, so that the file alone holds every commit
    (with `if_written`: only if this process changed the store).

    A passive checkpoint: it copies every commit it can and waits for no
    one — a reader still on an older snapshot keeps the newer commits in
    `-wal` (safe there, and copied by the next checkpoint). Nothing to do on
    PostgreSQL or a store opened read-only.
    """
    with _STORES_LOCK:
        opened = _STORES.get(url)
    if opened is None or opened.path is None or opened.read_only:
        return
    if if_written and not opened.wrote:
        return
    opened.wrote = False
    import sqlite3

    raw = opened.engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert connection is not None
        with contextlib.suppress(sqlite3.Error):
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        raw.close()


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


def dispose(url: str) -> None:
    """Close the pooled connections of one store and forget its engine; checkpoint first
    if this process wrote to it.

    The last connection to close checkpoints by itself; the explicit one is
    for when another process (a scheduler) keeps the store open meanwhile.
    A process that only read leaves the checkpoint to those who wrote.
    """
    import sqlite3

    with _STORES_LOCK:
        # If it fails, the commits stay in `-wal`, where SQLite finds them.
        with contextlib.suppress(sqlite3.Error, DBAPIError):
            checkpoint(url, if_written=True)
        opened = _STORES.pop(url, None)
    if opened is not None:
        opened.engine.dispose()


def dispose_all() -> None:
    """Close every pooled connection and forget every engine (tests, at exit)."""
    for url in list(_STORES):
        dispose(url)


def release_all() -> None:
    """At the end of a command: what it wrote checkpointed into the store files, and every
    pooled connection closed (the last one to close a store removes its `-wal`).

    The engines stay, ready for another command in the same process; an
    in-memory store, which would not outlive its connection, is forgotten.
    """
    import sqlite3

    with _STORES_LOCK:
        for url, opened in list(_STORES.items()):
            if opened.path is None and opened.engine.dialect.name == "sqlite":
                dispose(url)
                continue
            with contextlib.suppress(sqlite3.Error, DBAPIError):
                checkpoint(url, if_written=True)
            opened.engine.dispose()


def reset(url: str) -> None:
    """Empty every table of a PostgreSQL store (tests only)."""
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine_for(url).begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


# --- backups ---------------------------------------------------------------------------------


@dataclass
class Backup:
    """A backup written: where, how many bytes, and how it is restored."""

    path: Path
    size: int
    restore: str


def backup(url: str, target: Path, *, force: bool = False) -> Backup:
    """Write a consistent copy of the store to `target`, atomically (a temporary file
    beside it, then a rename): never half a backup, and never over a file unless `force`.

    SQLite: SQLite's online backup API, page by page under one read
    transaction; writers may go on meanwhile. The copy is an SQLite store:
    copy it where the store belongs (or open it with `--db`). PostgreSQL:
    `pg_dump --format=custom`, when it is on PATH (the password goes through
    the environment, never the command line); restore with `pg_restore`.
    """
    opened = _open(url, create=False)
    target = target.expanduser().absolute()
    if target.is_dir():
        raise ConfigError(f"{target} is a directory: name the backup file")
    if target.exists() and not force:
        raise ConfigError(f"{target} exists: give --force to replace it with a new backup")
    if not target.parent.is_dir():
        raise ConfigError(f"{target.parent}: no such directory")
    if opened.path is not None and target == opened.path:
        raise ConfigError(f"{target} is the store itself")
    if opened.engine.dialect.name != "sqlite":
        return _pg_dump(opened, target)
    if opened.path is None:
        raise ConfigError("an in-memory store has nothing to back up")
    return _atomically(target, lambda temporary: _sqlite_backup(opened, temporary))


def _atomically(target: Path, write: Any) -> Backup:
    """Run `write(temporary)` on a file beside `target`, then rename it to `target`."""
    import tempfile

    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(descriptor)
    temporary = Path(name)
    try:
        restore = write(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        temporary.chmod(0o600)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return Backup(target, target.stat().st_size, restore)


def _sqlite_backup(opened: _Store, temporary: Path) -> str:
    import sqlite3

    raw = opened.engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        copy = sqlite3.connect(temporary)
        try:
            source.backup(copy)
            check = copy.execute("PRAGMA quick_check").fetchone()
            # A copy stands alone: it keeps no `-wal` of its own once closed.
            copy.execute("PRAGMA journal_mode = DELETE").fetchall()
        finally:
            copy.close()
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot back up the store: {exc}") from None
    finally:
        raw.close()
    if not check or check[0] != "ok":
        raise ConfigError(f"the backup does not check: {check[0] if check else 'no answer'}")
    return "copy the file where the store belongs, or open it with `--db FILE`"


def _libpq_uri(url: URL) -> str:
    """The store's URL as libpq reads it (for pg_dump), without its password."""
    from urllib.parse import urlencode

    user = quote(url.username, safe="") + "@" if url.username else ""
    host = url.host or ""
    port = f":{url.port}" if url.port else ""
    database = quote(url.database or "", safe="")
    query = urlencode(list(url.query.items()), quote_via=quote, doseq=True)
    return f"postgresql://{user}{host}{port}/{database}" + (f"?{query}" if query else "")


def _pg_dump(opened: _Store, target: Path) -> Backup:
    import shutil
    import subprocess

    url = opened.engine.url
    plain = _libpq_uri(url)
    program = shutil.which("pg_dump")
    if program is None:
        raise ConfigError(
            "pg_dump is not on PATH: back up this PostgreSQL store with "
            f"`pg_dump --format=custom --file {target} {plain}`"
        )
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)

    def dump(temporary: Path) -> str:
        try:
            done = subprocess.run(
                [program, "--format=custom", "--file", str(temporary), "--dbname", plain],
                env=environment,
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError as exc:
            raise ConfigError(f"cannot run pg_dump: {exc}") from None
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
            raise ConfigError(f"pg_dump failed: {lines[0]}")
        return f"restore into an empty database with `pg_restore --dbname URL {target}`"

    return _atomically(target, dump)
