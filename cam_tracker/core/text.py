"""Texts: the one label fallback, the one list of languages, the one cleaning of input.

Labels and titles are mappings of language to text. A language is known when
it has a catalog directory under `locale/`; English is the source language
and the fallback of every text.
"""

import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from cam_tracker.core.errors import InvalidInput

SOURCE_LANGUAGE = "en"
Labels = Mapping[str, str]


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """English, then every language that has a catalog directory."""
    from cam_tracker.core.resources import data_dir

    locale = data_dir("locale")
    found = sorted(p.name for p in locale.iterdir() if p.is_dir()) if locale.is_dir() else []
    return (SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE))


def local(labels: Labels | None, lang: str) -> str:
    """A text in `lang`, falling back to English, then to nothing."""
    if not labels:
        return ""
    return labels.get(lang) or labels.get(SOURCE_LANGUAGE) or ""


def untranslated(text: str) -> dict[str, str]:
    """Labels for a text that has no translations (a key, a name): every reader sees it as is."""
    return {SOURCE_LANGUAGE: text}


def reader_language(lang: str | None) -> str:
    """A reader's language when it has catalogs, else the source language."""
    return lang if lang is not None and lang in languages() else SOURCE_LANGUAGE


def is_translated(labels: Labels | None, lang: str) -> bool:
    """Whether `lang` has its own text (a fallback to English is shown as such)."""
    return bool(labels and labels.get(lang))


# The longest texts a real plan or command needs (a plan file's largest is a
# 644-character paragraph); anything longer is a mistake, and is refused
# before it reaches a table, an email or a report. docs/plan-format.md lists them.
MAX_KEY = 64  # a key: plan name, activity, session, person, mandate
MAX_NUMBER = 16  # an activity's or a paragraph's number in its list ("2.a")
MAX_SYMBOL = 120  # a document or mandate symbol, a committee's short name
MAX_NAME = 200  # a person's name
MAX_EMAIL = 254  # an address (RFC 5321's longest path)
MAX_TITLE = 2000  # a title, an agenda item's text, the General Assembly's name
MAX_NOTE = 4000  # a note, a reason
MAX_TEXT = 20_000  # a mandate paragraph, quoted in full
# The longest value the command line takes for anything else (a path, a URL, a filter).
MAX_ARGUMENT = 4096
MAX_PLACE = 200  # a session's room, building or city; a programme item's speaker
MAX_LINK = 2000  # a session's online link

# What ends a line, beyond the ASCII control characters (NEL is one of those).
_LINE_BREAKS = ("Zl", "Zp")


def clean_text(value: str | None, field: str, limit: int) -> str | None:
    """A long text (a note, a paragraph): stripped, at most `limit` characters, no
    control character but line feeds and tabs; empty means none.

    The same rule on the way in from a file or the command line keeps a NUL
    out of PostgreSQL (which refuses it) and an escape sequence out of a
    terminal or a report.
    """
    return _clean(value, field, limit, single_line=False)


def clean_line(value: str | None, field: str, limit: int) -> str | None:
    """A one-line text (a title, a name, a symbol): stripped, at most `limit`
    characters, no control character and no line break; empty means none."""
    return _clean(value, field, limit, single_line=True)


def _clean(value: str | None, field: str, limit: int, *, single_line: bool) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise InvalidInput(
            f"the {field} is too long ({len(value)} characters, at most {limit})", fields=(field,)
        )
    for char in value:
        if not single_line and char in "\n\t":
            continue
        category = unicodedata.category(char)
        if single_line and (char in "\n\r\x0b\x0c\x85" or category in _LINE_BREAKS):
            raise InvalidInput(
                f"the {field} must be one line: it contains a line break ({ord(char):#04x})",
                fields=(field,),
            )
        if category in ("Cc", "Cs"):
            raise InvalidInput(
                f"the {field} contains a control character ({ord(char):#04x})", fields=(field,)
            )
    return value


def check_name(name: str) -> str:
    """A person's name: one line, not empty, no invisible formatting character either
    (a name goes into email headers)."""
    cleaned = clean_line(name, "name", MAX_NAME)
    if cleaned is None:
        raise InvalidInput("the name is empty", fields=("name",))
    for char in cleaned:
        if unicodedata.category(char) == "Cf":
            raise InvalidInput(
                f"the name contains an invisible formatting character ({ord(char):#04x})",
                fields=("name",),
            )
    return cleaned


def check_email(email: str, field: str = "email") -> str:
    """One plain address (user@domain.tld), as email.headerregistry parses it.

    The one check for every address: typed on the command line, read from a
    plan file, or found in the store when a reminder goes out.
    """
    from email.errors import HeaderParseError
    from email.headerregistry import Address

    cleaned = email.strip()

    def refuse(reason: str) -> InvalidInput:
        return InvalidInput(f"not an email address: {quoted(cleaned)} ({reason})", fields=(field,))

    if len(cleaned) > MAX_EMAIL:
        raise refuse(f"{len(cleaned)} characters, at most {MAX_EMAIL}")
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Cf", *_LINE_BREAKS) for ch in cleaned):
        raise refuse("it contains a control character or a line break")
    try:
        address = Address(addr_spec=cleaned)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise refuse(str(exc).splitlines()[0] if str(exc) else "malformed") from None
    if not address.username or not address.domain or "." not in address.domain:
        raise refuse("use user@domain.org")
    return address.addr_spec


def quoted(value: object, limit: int = 60) -> str:
    """A value as an error message shows it: its repr (escapes visible), cut to `limit`."""
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def one_line(value: str, limit: int = 200) -> str:
    """Text fit for a header or a cell: every control character or line break becomes a space."""
    flat = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in value
    )
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def as_labels(value: object) -> object:
    """A data file's text: a plain string means English; a mapping gives one text per language.

    Raises ValueError (a validator's refusal) for a language without a catalog
    or a mapping without English; anything else is left for the schema to refuse.
    """
    if isinstance(value, str):
        return {SOURCE_LANGUAGE: value}
    if isinstance(value, dict):
        known = languages()
        unknown = [k for k in value if k not in known]
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r} (use {', '.join(known)})")
        if not value.get(SOURCE_LANGUAGE):
            raise ValueError("an English text (en) is required")
    return value


LINK_SCHEMES = ("https", "http")


def check_link(link: str, field: str = "link", limit: int = MAX_LINK) -> str:
    """A web address the tool publishes (a meeting's link, a document's address): an
    absolute http(s) URL with a host, and nothing else. The one rule for both.

    Any other scheme (`javascript:`, `data:`, `file:`) is refused, and so is a
    character a URL does not hold (a space, a quote, an angle bracket, a
    control character) and a user name or password: the address goes into
    emails, calendars and pages as is.
    """
    from urllib.parse import urlsplit

    cleaned = link.strip()

    def refuse(reason: str) -> InvalidInput:
        return InvalidInput(f"not a usable address: {quoted(cleaned)} ({reason})", fields=(field,))

    if len(cleaned) > limit:
        raise refuse(f"{len(cleaned)} characters, at most {limit}")
    if any(
        ch.isspace() or ch in '"<>\\`{}|^' or unicodedata.category(ch) in ("Cc", "Cf", "Cs")
        for ch in cleaned
    ):
        raise refuse("it contains a space, a quote, a bracket or a control character")
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
    except ValueError as exc:
        raise refuse(str(exc)) from None
    if parts.scheme.lower() not in LINK_SCHEMES:
        raise refuse("use an https:// or http:// address")
    if not host:
        raise refuse("it names no host")
    if parts.username is not None or parts.password is not None:
        raise refuse("a published address holds no user name or password")
    return cleaned
