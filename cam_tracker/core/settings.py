"""Settings from the command line, the environment and defaults."""

import getpass
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cam_tracker.core.errors import ConfigError


@dataclass
class Settings:
    """What every command needs to know before it runs."""

    database_url: str
    plan: str | None = None
    lang: str = "en"


def default_url() -> str:
    """SQLite in the user's data directory (XDG on Linux)."""
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('cam-tracker')) / 'cam.db'}"


def normalise_url(url_or_path: str) -> str:
    """Accept any SQLAlchemy URL, or a plain file path meaning SQLite."""
    if "://" not in url_or_path:
        return f"sqlite:///{Path(url_or_path).expanduser().resolve()}"
    if url_or_path.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url_or_path.split("://", 1)[1]
    return url_or_path


def database_url(option: str | None) -> str:
    """--db, else CAM_DATABASE_URL, else SQLite in the user's data directory."""
    chosen = option or os.environ.get("CAM_DATABASE_URL")
    return normalise_url(chosen) if chosen else default_url()


class Unclaimed(str):
    """An actor's name that nobody gave: the operating-system user, when there is neither
    --as nor CAM_USER. It claims no one: where the database login says who acts
    (PostgreSQL), it is ignored, while a name given is a claim to act as that person."""

    __slots__ = ()


def actor_name(option: str | None) -> str:
    """--as, else CAM_USER, else the operating-system user (`Unclaimed`)."""
    given = option or os.environ.get("CAM_USER")
    name = (given or getpass.getuser()).strip()
    if not name or any(ch in name for ch in "\r\n\t\0") or len(name) > 100:
        raise ConfigError(f"not a usable actor name: {name!r}")
    return name if given else Unclaimed(name)


SECURITY_MODES = ("none", "starttls", "ssl")


DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


SMTP_KEYS = ("host", "port", "security", "user", "password", "from", "ca_file")


REMINDER_KEYS = ("offsets_days", "monthly_day", "retry_seconds", "max_attempts")


def config_path() -> Path:
    """$CAM_CONFIG, else cam-tracker/config.toml in the user's configuration directory."""
    from platformdirs import user_config_dir

    chosen = os.environ.get("CAM_CONFIG")
    return Path(chosen) if chosen else Path(user_config_dir("cam-tracker")) / "config.toml"


def config_section(name: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """One [section] of the configuration file (empty when there is no file)."""
    import tomllib

    path = config_path()
    if not path.is_file():
        if os.environ.get("CAM_CONFIG"):
            raise ConfigError(f"{path}: no such configuration file (CAM_CONFIG)")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc}") from None
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    unknown = sorted(set(section) - set(keys))
    if unknown:
        raise ConfigError(
            f"{path}: [{name}]: unknown key {unknown[0]!r} (known: {', '.join(keys)})"
        )
    return section


def _setting(section: dict[str, Any], key: str, env: str) -> Any:
    value = os.environ.get(env)
    return value if value not in (None, "") else section.get(key)


@dataclass(frozen=True, repr=False)
class SmtpSettings:
    """How to reach the SMTP server. The password never appears in repr or str."""

    host: str
    port: int
    security: str
    sender: str
    user: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0

    def __repr__(self) -> str:
        hidden = "'***'" if self.password else "None"
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"sender={self.sender!r}, user={self.user!r}, password={hidden}, "
            f"ca_file={self.ca_file!r})"
        )

    __str__ = __repr__


def smtp_settings() -> SmtpSettings:
    """CAM_SMTP_* variables, else [smtp] of the configuration file, else defaults."""
    from email.headerregistry import Address

    section = config_section("smtp", SMTP_KEYS)

    def get(key: str) -> str | None:
        value = _setting(section, key, f"CAM_SMTP_{key.upper()}")
        return None if value is None else str(value).strip() or None

    security = (get("security") or "starttls").lower()
    if security not in SECURITY_MODES:
        raise ConfigError(
            f"SMTP security {security!r} is not one of {', '.join(SECURITY_MODES)} "
            "(CAM_SMTP_SECURITY)"
        )
    port_text = get("port")
    try:
        port = int(port_text) if port_text else DEFAULT_PORTS[security]
    except ValueError:
        raise ConfigError(f"SMTP port {port_text!r} is not a number (CAM_SMTP_PORT)") from None
    if not 0 < port < 65536:
        raise ConfigError(f"SMTP port {port} is out of range (CAM_SMTP_PORT)")
    sender = get("from")
    if not sender:
        raise ConfigError("no sender address: set CAM_SMTP_FROM, or `from` in [smtp]")
    try:
        address = Address(addr_spec=sender)
    except (ValueError, IndexError):
        raise ConfigError(
            f"the sender {sender!r} is not an email address (CAM_SMTP_FROM)"
        ) from None
    if not address.domain:
        raise ConfigError(f"the sender {sender!r} has no domain (CAM_SMTP_FROM)")
    user, password = get("user"), get("password")
    if bool(user) != bool(password):
        raise ConfigError("set both CAM_SMTP_USER and CAM_SMTP_PASSWORD, or neither")
    if password and security == "none":
        raise ConfigError(
            "refusing to send the SMTP password without TLS: use CAM_SMTP_SECURITY=starttls or ssl"
        )
    ca_file = get("ca_file")
    if ca_file and not os.path.isfile(ca_file):
        raise ConfigError(f"{ca_file}: no such CA file (CAM_SMTP_CA_FILE)")
    return SmtpSettings(
        host=get("host") or "localhost",
        port=port,
        security=security,
        sender=sender,
        user=user,
        password=password,
        ca_file=ca_file,
    )


@dataclass(frozen=True)
class ReminderSettings:
    """When reminders fall due, and how failed sends are retried."""

    offsets_days: tuple[int, ...] = (14, 3)
    monthly_day: int = 20
    retry_seconds: float = 60.0
    max_attempts: int = 8


def reminder_settings() -> ReminderSettings:
    """CAM_REMINDER_* variables, else [reminders] of the configuration file, else defaults."""
    section = config_section("reminders", REMINDER_KEYS)
    defaults = ReminderSettings()

    def number(key: str, env: str, kind: type[int] | type[float], low: float, high: float) -> Any:
        value = _setting(section, key, env)
        if value is None:
            return getattr(defaults, key)
        try:
            parsed = kind(value)
        except (TypeError, ValueError):
            raise ConfigError(f"reminders {key} {value!r} is not a number ({env})") from None
        if isinstance(value, bool) or not low <= parsed <= high:
            raise ConfigError(f"reminders {key} must be between {low:g} and {high:g} ({env})")
        return parsed

    offsets_value = _setting(section, "offsets_days", "CAM_REMINDER_OFFSETS")
    offsets = defaults.offsets_days
    if offsets_value is not None:
        items = offsets_value.split(",") if isinstance(offsets_value, str) else offsets_value
        try:
            parsed = [int(str(item).strip()) for item in items]
        except (TypeError, ValueError):
            raise ConfigError(
                f"reminder offsets {offsets_value!r} are not whole days, e.g. 14,3 "
                "(CAM_REMINDER_OFFSETS)"
            ) from None
        if not parsed or any(not 1 <= days <= 365 for days in parsed):
            raise ConfigError("reminder offsets must be 1 to 365 days (CAM_REMINDER_OFFSETS)")
        offsets = tuple(sorted(set(parsed), reverse=True))
    return ReminderSettings(
        offsets_days=offsets,
        monthly_day=number("monthly_day", "CAM_REMINDER_MONTHLY_DAY", int, 1, 31),
        retry_seconds=number("retry_seconds", "CAM_REMINDER_RETRY_SECONDS", float, 0, 86400),
        max_attempts=number("max_attempts", "CAM_REMINDER_MAX_ATTEMPTS", int, 1, 100),
    )


def workflows_dir() -> Path:
    """The user's own workflow kinds, added to every plan: `workflows/` in the
    configuration directory ($XDG_CONFIG_HOME/cam-tracker/workflows on Linux)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("cam-tracker")) / "workflows"


# The current plan of each store, per user: a file beside the configuration file, written
# by `cam plan use` (the configuration file itself is the user's, never rewritten).
CURRENT_PLANS_FILE = "current-plans.toml"


def _store_key(url: str) -> str:
    """A store as the current-plans file knows it: its URL without a password."""
    import re

    return re.sub(r"^([a-z0-9+]+://[^:/@]*):[^@/]*@", r"\1@", url)


def current_plans_path() -> Path:
    return config_path().parent / CURRENT_PLANS_FILE


def _current_plans() -> dict[str, str]:
    import tomllib

    path = current_plans_path()
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the current plans: {exc}") from None
    plans = data.get("current_plan", {})
    if not isinstance(plans, dict):
        raise ConfigError(f"{path}: [current_plan] must be a table")
    return {str(k): str(v) for k, v in plans.items()}


def current_plan(url: str) -> str | None:
    """The plan `cam plan use` made current for this store (None: none is)."""
    return _current_plans().get(_store_key(url))


def set_current_plan(url: str, name: str | None) -> Path:
    """Make `name` the current plan of this store for this user (None: none); the file."""

    plans = _current_plans()
    if name is None:
        plans.pop(_store_key(url), None)
    else:
        plans[_store_key(url)] = name
    path = current_plans_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# The current plan of each store (`cam plan use`), by store.", "[current_plan]"]
    # A JSON string is a TOML basic string: quotes, backslashes and controls escaped alike.
    lines += [_toml(k) + " = " + _toml(v) for k, v in sorted(plans.items())]
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


def _toml(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, DEL escaped too."""
    import json

    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
