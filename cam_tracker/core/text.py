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


def clean_text(value: str | None, field: str, limit: int) -> str | None:
    """Refuse control characters and overlong text; empty means none."""
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
        if char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cs"):
            raise InvalidInput(
                f"the {field} contains a control character ({ord(char):#04x})", fields=(field,)
            )
    return value


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
