"""Handing a composed reminder to whatever delivers it: the `Transport` protocol, and SMTP.

The outbox decides what goes and records what happened; a transport only
delivers one message to one address, or says why it could not with one of
three failures, which are all the outbox needs to know:
- `Refused`: this message will never go (the server refused it for good):
  its row fails;
- `Unreachable`: nothing can go now (server down, TLS, login, sender
  refused): every row left in the run waits for the next one;
- any other `DeliveryError`: this message did not go now: its row is retried
  after a back-off.

A transport opens what it needs on first use and releases it on `close`; it
may be used again after closing. SMTP (`SmtpTransport`) is the one the
settings describe; another (a maildir for tests, a webhook) is one more class
with `send` and `close`, handed to `outbox.send_due` or `outbox.run`.
"""

import contextlib
import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol

from cam_tracker.core.errors import DeliveryError
from cam_tracker.core.settings import SmtpSettings
from cam_tracker.core.text import one_line


class Refused(DeliveryError):
    """The server refused this message for good (a 5xx reply): retrying will not help."""


class Unreachable(DeliveryError):
    """The server cannot be used now (down, TLS, login, sender refused): try again later."""


class Transport(Protocol):
    """What delivers messages for one run of the outbox."""

    def send(self, message: EmailMessage, address: str) -> None:
        """Deliver one message to one address, or raise a DeliveryError (see above)."""

    def close(self) -> None:
        """Release whatever `send` opened (a connection); the transport stays usable."""


def transport_for(settings: SmtpSettings) -> Transport:
    """The transport the settings describe: SMTP."""
    return SmtpTransport(settings)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
    return one_line(f"{exc.smtp_code} {text}".strip(), 300)


class SmtpTransport:
    """One SMTP connection for a batch, opened on first use, closed at the end."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "SmtpTransport":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def drop(self) -> None:
        """Close the connection without a word: after a failure in mid-message, the
        server must see the message cut off, never a QUIT inside it."""
        _discard(self._smtp)
        self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        where = f"{s.host}:{s.port}"
        smtp: smtplib.SMTP | None = None
        try:
            context = ssl.create_default_context(cafile=s.ca_file)
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=context)
            if s.user and s.password:
                smtp.login(s.user, s.password)
        except smtplib.SMTPResponseException as exc:
            _discard(smtp)
            raise Unreachable(f"SMTP server {where}: {_reply(exc)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            _discard(smtp)
            reason = one_line(str(exc), 300) or type(exc).__name__
            raise Unreachable(f"SMTP server {where}: {reason}") from None
        return smtp

    def send(self, message: EmailMessage, address: str) -> None:
        """Hand one message for one recipient to the server, or raise a DeliveryError."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message, from_addr=self.settings.sender, to_addrs=[address])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = exc.recipients.get(address, (0, b""))
            text = one_line(f"{code} {reply.decode('utf-8', 'replace')}", 300)
            failure = Refused if code >= 500 else DeliveryError
            raise failure(f"refused {address}: {text}") from None
        except smtplib.SMTPSenderRefused as exc:
            raise Unreachable(f"sender refused: {_reply(exc)}") from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise Refused(f"message refused: {_reply(exc)}") from None
            raise DeliveryError(f"message deferred: {_reply(exc)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            _discard(self._smtp)
            self._smtp = None
            raise Unreachable(f"SMTP connection lost: {one_line(str(exc), 300)}") from None


def _discard(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()
