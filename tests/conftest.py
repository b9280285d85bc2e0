"""Shared fixtures: a fresh store per test (SQLite or PostgreSQL), a CLI runner.

`CAM_TEST_DATABASE=postgresql` runs the suite against the local PostgreSQL
server: one database is created for the run (and dropped after it), and every
test starts from empty tables.
"""

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, event, text

from cam_tracker import store
from cam_tracker.cli import cli
from cam_tracker.store import read

BACKEND = os.environ.get("CAM_TEST_DATABASE", "sqlite")
POSTGRES_SERVER = os.environ.get(
    "CAM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432"
)


def pytest_report_header() -> str:
    return f"cam-tracker store backend: {BACKEND}"


# Every session of the 2015–2016 calendar, in order, with a plausible day inside its month.
CALENDAR_DAYS = [
    ("2015-10a", "2015-10-21"),
    ("2015-10b", "2015-10-28"),
    ("2015-11", "2015-11-18"),
    ("2015-12a", "2015-12-02"),
    ("2015-12b", "2015-12-09"),
    ("2016-01", "2016-01-20"),
    ("2016-02", "2016-02-17"),
    ("2016-03", "2016-03-16"),
    ("2016-04", "2016-04-20"),
    ("2016-05", "2016-05-18"),
]


@contextmanager
def fresh_store(directory: Path) -> Iterator[str]:
    """A store with no tables yet: a new SQLite file, or a new PostgreSQL database dropped after."""
    if BACKEND != "postgresql":
        url = f"sqlite:///{directory / f'cam-{uuid.uuid4().hex[:8]}.db'}"
        yield url
        store.dispose(url)
        return
    name = f"cam_test_{uuid.uuid4().hex[:12]}"
    url = f"{POSTGRES_SERVER}/{name}"
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url
    finally:
        store.dispose(url)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """A database of its own for this run, dropped at the end."""
    if BACKEND != "postgresql":
        yield None
        return
    with fresh_store(tmp_path_factory.mktemp("unused")) as url:
        yield url
        store.dispose_all()


@pytest.fixture
def db_url(tmp_path: Path, postgres_database: str | None) -> Iterator[str]:
    """An empty store for one test."""
    if postgres_database is None:
        url = f"sqlite:///{tmp_path / 'cam.db'}"
        yield url
        store.dispose(url)
        return
    store.reset(postgres_database)
    yield postgres_database


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own store, user name or settings."""
    for name in ("CAM_DATABASE_URL", "CAM_PLAN", "CAM_LANG", "CAM_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith(("CAM_SMTP_", "CAM_REMINDER_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CAM_USER", "tester")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


class Cam:
    """Runs `cam` commands in process against one store."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(
        self,
        *args: str,
        expect: int | None = 0,
        input: str | None = None,
        env: dict[str, str] | None = None,
    ) -> Result:
        result = self.runner.invoke(cli, ["--db", self.url, *args], input=input, env=env)
        if expect is not None:
            assert result.exit_code == expect, (
                f"cam {' '.join(args)} exited {result.exit_code}, expected {expect}\n"
                f"{result.output}\n{result.exception!r}"
            )
        return result

    def json(self, *args: str) -> Any:
        """Run a command with --json and parse its output."""
        return json.loads(self(*args, "--json").output)


@pytest.fixture
def cam(db_url: str) -> Cam:
    return Cam(db_url)


@pytest.fixture
def loaded(cam: Cam) -> Cam:
    """A store with the bundled 2015–2016 plan loaded."""
    cam("plan", "load", "cam-2015-2016")
    return cam


# --- a real SMTP server on loopback (STARTTLS with a test CA, AUTH) ------------------


class Received:
    """One message as the SMTP server received it."""

    def __init__(self, sender: str, recipients: list[str], data: bytes, tls: bool, user: Any):
        from email import policy
        from email.parser import BytesParser

        self.sender = sender
        self.recipients = recipients
        self.data = data
        self.tls = tls
        self.user = user
        self.message = BytesParser(policy=policy.default).parsebytes(data)

    def part(self, content_type: str) -> str:
        """The decoded text of the first part of this type."""
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return str(part.get_content())
        raise AssertionError(f"no {content_type} part in {self.message['Subject']!r}")


class SmtpServer:
    """aiosmtpd on 127.0.0.1: STARTTLS required, AUTH required, messages kept in memory.

    `refused` holds addresses answered with 550 at RCPT; `drop_after_data` is how
    many messages are taken and then answered by a dropped connection instead of a
    reply (the client cannot know they arrived); `stop()` and `start()` take the
    server down and bring it back on the same port.
    """

    USER = "cam-sender"
    PASSWORD = "pw-Xq7#never-printed"
    SENDER = "cam-secretariat@example.org"

    def __init__(self, cert: Path, key: Path, ca: Path) -> None:
        import socket
        import ssl
        import threading

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.ca_file = ca
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(str(cert), str(key))
        self.received: list[Received] = []
        self.refused: set[str] = set()
        self.drop_after_data = 0
        self.lock = threading.Lock()
        self.controller: Any = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (
            isinstance(data, LoginPassword)
            and data.login == self.USER.encode()
            and data.password == self.PASSWORD.encode()
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refused:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        received = Received(
            envelope.mail_from,
            list(envelope.rcpt_tos),
            data,
            session.ssl is not None,
            session.auth_data.login.decode() if session.authenticated else None,
        )
        with self.lock:
            self.received.append(received)
            drop = self.drop_after_data > 0
            if drop:
                self.drop_after_data -= 1
        if drop:
            server.transport.abort()
        return "250 Message accepted for delivery"

    def start(self) -> None:
        import logging

        from aiosmtpd.controller import Controller

        # aiosmtpd logs a deprecation of its own on every login.
        logging.getLogger("mail.log").setLevel(logging.ERROR)

        self.controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=self.tls,
            require_starttls=True,
            authenticator=self._authenticate,
            auth_required=True,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self, to: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.received if to is None or to in r.recipients]

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        """Wait until at least `count` messages arrived (for other processes' sends)."""
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate it signed, for 127.0.0.1 and localhost."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cam-tracker test CA")])
    usage = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(**{**usage, "key_cert_sign": True, "crl_sign": True}), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(**{**usage, "digital_signature": True, "key_agreement": True}),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = (directory / n for n in ("ca.pem", "server.pem", "server.key"))
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file, ca_file


@pytest.fixture
def smtp_server(
    tls_files: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[SmtpServer]:
    """A running SMTP server, and CAM_SMTP_* pointing at it (STARTTLS, the test CA, AUTH)."""
    server = SmtpServer(*tls_files)
    server.start()
    for name, value in {
        "HOST": "127.0.0.1",
        "PORT": str(server.port),
        "SECURITY": "starttls",
        "USER": server.USER,
        "PASSWORD": server.PASSWORD,
        "FROM": server.SENDER,
        "CA_FILE": str(server.ca_file),
    }.items():
        monkeypatch.setenv(f"CAM_SMTP_{name}", value)
    yield server
    server.stop()


# The 2015–2016 plan's officers, reachable (see `staffed`).
CHAIR = "chair@example.org"
VICE = "vice.chair@example.org"
SECRETARIAT = "secretariat@example.org"
LEADERS = sorted([CHAIR, VICE, SECRETARIAT])


@pytest.fixture
def staffed(loaded: Cam, monkeypatch: pytest.MonkeyPatch) -> Cam:
    """The 2015–2016 plan, its chair, vice chair (Spanish) and secretariat reachable.

    The secretariat acts: it registers the others (it manages people).
    """
    monkeypatch.setenv("CAM_USER", "secretariat")
    loaded("people", "add", "secretariat", "--update", "--email", SECRETARIAT)
    loaded("people", "add", "chair", "--update", "--email", CHAIR)
    loaded("people", "add", "vice-chair", "--update", "--email", VICE, "--lang", "es")
    return loaded


@contextmanager
def counting(url: str) -> Iterator[list[str]]:
    """The SQL statements run on one store inside the block: those the engine sends, and the
    reads sent on the driver's own connection (`store.read`), so no query goes uncounted."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = store.engine_for(url)
    event.listen(engine, "before_cursor_execute", count)
    # Reads run on the driver's own connection (`store.read`): counted as they are sent.
    read.watchers.append(statements.append)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
        read.watchers.remove(statements.append)
