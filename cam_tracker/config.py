"""Settings from the command line, the environment and defaults."""

import datetime as dt
import getpass
import os
from dataclasses import dataclass

from cam_tracker.errors import ConfigError


@dataclass
class Settings:
    """What every command needs to know before it runs."""

    database_url: str
    plan: str | None = None
    lang: str = "en"


def database_url(option: str | None) -> str:
    """--db, else CAM_DATABASE_URL, else SQLite in the user's data directory."""
    from cam_tracker.store import default_url, normalise_url

    chosen = option or os.environ.get("CAM_DATABASE_URL")
    return normalise_url(chosen) if chosen else default_url()


def actor_name(option: str | None) -> str:
    """--as, else CAM_USER, else the operating-system user."""
    name = option or os.environ.get("CAM_USER") or getpass.getuser()
    name = name.strip()
    if not name or any(ch in name for ch in "\r\n\t\0") or len(name) > 100:
        raise ConfigError(f"not a usable actor name: {name!r}")
    return name


def parse_day(value: str, what: str = "date") -> dt.date:
    """A YYYY-MM-DD date."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"not a {what}: {value!r} (use YYYY-MM-DD, e.g. 2015-11-03)") from None


def parse_moment(value: str, what: str = "date") -> dt.date | dt.datetime:
    """A YYYY-MM-DD date, or an ISO date and time (with or without zone)."""
    if "T" in value or " " in value.strip():
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            raise ConfigError(
                f"not a {what}: {value!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
            ) from None
    return parse_day(value, what)
