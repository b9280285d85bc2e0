"""Languages: gettext catalogs (Babel), Jinja environments, dates and numbers.

English is the source language. Another language is a directory of catalogs,
`locale/<lang>/<domain>.po`: adding French is adding `fr/`,
not code. Catalogs are compiled in memory when first used.
"""

import datetime as dt
import io
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

from cam_tracker.core.dates import month_start, read_day, zone
from cam_tracker.core.errors import InvalidInput
from cam_tracker.core.resources import data_dir
from cam_tracker.core.text import languages, local


def check_language(lang: str) -> str:
    """A language with catalogs (or English); anything else is refused."""
    known = languages()
    if lang not in known:
        raise InvalidInput(f"unknown language {lang!r}; available: {', '.join(known)}")
    try:
        Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        raise InvalidInput(f"unknown language {lang!r}") from None
    return lang


@lru_cache(maxsize=32)
def translations(lang: str, domain: str) -> NullTranslations:
    """The compiled catalog of one domain in one language (English: identity)."""
    path = data_dir("locale") / lang / f"{domain}.po"
    if lang == "en" or not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


def language_called(code: str, lang: str) -> str:
    """A language's name as `lang` writes it ("English", "inglés")."""
    return str(Locale.parse(lang).languages.get(code, code))


def day(value: dt.date | None, lang: str, style: str = "long") -> str:
    """A date as the language writes it ('November 3, 2015', '3 de noviembre de 2015')."""
    return "" if value is None else format_date(value, format=style, locale=lang)


def month(value: str, lang: str) -> str:
    """A YYYY-MM month as words ('November 2015', 'noviembre de 2015')."""
    return format_skeleton("yMMMM", month_start(value), locale=lang)


def short_month(value: dt.date, lang: str) -> str:
    """The abbreviated name of a day's month ('Nov', 'nov'), as a chart's axis shows it."""
    return format_skeleton("MMM", value, locale=lang)


def when(value: str, lang: str) -> str:
    """A stored month (YYYY-MM) or day (YYYY-MM-DD) as words."""
    return month(value, lang) if len(value) == 7 else day(read_day(value), lang)


def moment(value: dt.datetime | None, lang: str, zone_name: str = "UTC") -> str:
    """A moment in a time zone, medium style."""
    if value is None:
        return ""
    return format_datetime(value, format="medium", tzinfo=zone(zone_name), locale=lang)


def number(value: float, lang: str) -> str:
    return format_decimal(value, locale=lang)


def percent(value: float, lang: str) -> str:
    return format_percent(value, locale=lang)


def environment(lang: str, domain: str, template_dirs: list[Path], *, html: bool) -> Environment:
    """A Jinja environment for one language: autoescape for HTML, strict undefined."""
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs]),
        autoescape=html,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(lang, domain), newstyle=True)  # type: ignore[attr-defined]
    filters: dict[str, Any] = {
        "day": lambda v, style="long": day(v, lang, style),
        "month": lambda v: month(v, lang),
        "when": lambda v: when(v, lang),
        "moment": lambda v, zone="UTC": moment(v, lang, zone),
        "number": lambda v: number(v, lang),
        "percent": lambda v: percent(v, lang),
        "local": lambda labels: local(labels, lang),
    }
    env.filters.update(filters)
    env.globals["lang"] = lang
    return env


@lru_cache(maxsize=16)
def language_name(lang: str) -> str:
    """A language's name in itself ('Español', 'Français'), capitalised as a menu shows it."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


def shared_bytecode_cache() -> BytecodeCache:
    """A bytecode cache for environments that load the same templates in several languages.

    Their code is the same (only the words, installed as globals, differ): compiled
    once, each template serves every language's environment given this cache.
    """

    class Shared(BytecodeCache):
        def __init__(self) -> None:
            self.codes: dict[str, bytes] = {}

        def load_bytecode(self, bucket: Bucket) -> None:
            code = self.codes.get(bucket.key)
            if code is not None:
                bucket.bytecode_from_string(code)

        def dump_bytecode(self, bucket: Bucket) -> None:
            self.codes[bucket.key] = bucket.bytecode_to_string()

    return Shared()


def fixed_texts(gettext: Callable[[str], Any]) -> type[Extension]:
    """A Jinja extension: `_("fixed text")` (no variables) becomes `gettext`'s text when the
    template is compiled, so a page pays nothing at run time for its fixed words.

    The compiled code then differs by language: give such environments a bytecode cache
    told apart by language (`by_language`). Texts with variables (`_("… %(x)s", x=…)`)
    are looked up at run time as before.
    """

    class FixedTexts(Extension):
        def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
            tokens = list(stream)
            index = 0
            while index < len(tokens):
                window = tokens[index : index + 4]
                if (
                    len(window) == 4
                    and window[0].test("name:_")
                    and window[1].type == "lparen"
                    and window[2].type == "string"
                    and window[3].type == "rparen"
                    and (index == 0 or tokens[index - 1].type != "dot")
                ):
                    yield Token(window[0].lineno, "string", str(gettext(window[2].value)))
                    index += 4
                    continue
                yield tokens[index]
                index += 1

    return FixedTexts


def by_language(shared: BytecodeCache, lang: str) -> BytecodeCache:
    """`shared`, its keys told apart by language (for templates compiled with `fixed_texts`)."""

    class ByLanguage(BytecodeCache):
        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            return f"{lang}|{super().get_cache_key(name, filename)}"

        def load_bytecode(self, bucket: Bucket) -> None:
            shared.load_bytecode(bucket)

        def dump_bytecode(self, bucket: Bucket) -> None:
            shared.dump_bytecode(bucket)

    return ByLanguage()
