"""Document symbols, their series' patterns, and where a document is published.

A symbol is written many ways for one document (`doc.14/14 rev.1`,
`doc.14/14  Rev. 1`): `normalise` gives the one spelling the register keeps
(whitespace collapsed, one space before a version marker and after its dot,
after `RES.` and before an opening parenthesis; case kept, as the body wrote
it), and `identity` the form two spellings of one document share (also
without case and spaces: `doc. 14/14` is `doc.14/14`). Registering,
citing and finding a document all go through them, so that one document is
never two.

A series' pattern (a plan's `symbols:`) is a symbol with placeholders:
`N` a number, `YY` two digits, `YYYY` four, `ROMAN` a Roman numeral; any
other character stands for itself, a space or the space after a dot may be
left out, letters match in either case, and any version markers may follow
(` rev. 1`, ` corr. 2`, ` add. 1`). `re:` followed by a regular expression
is taken as written (matched against the whole normalised symbol).
"""

import re
import unicodedata
from collections.abc import Iterable

from cam_tracker.core.errors import InvalidInput
from cam_tracker.core.text import MAX_SYMBOL, check_link, clean_line, quoted

# A document's status, in the order a document goes through them.
STATUSES = ("draft", "revised", "final")

# The longest address of a published document.
MAX_URL = 2000

PLACEHOLDERS = {
    "YYYY": r"\d{4}",
    "YY": r"\d{2}",
    "ROMAN": r"[IVXLCDM]+",
    "N": r"\d{1,6}",
}
_PLACEHOLDER = re.compile(r"\b(YYYY|YY|ROMAN|N)\b")
_VERSIONS = r"(?: (?:rev|corr|add)\. ?\d{1,3})*"
_VERSION_MARK = re.compile(r"(?<![A-Za-z])(rev|corr|add)\.?\s*(\d{1,3})(?!\d)", re.IGNORECASE)
_RES = re.compile(r"(?<![A-Za-z])(RES)\.\s*(?=\d)", re.IGNORECASE)
_PAREN = re.compile(r"(?<=[\w.])\s*\(\s*")
_CLOSE = re.compile(r"\s*\)")
_SLASH = re.compile(r"\s*/\s*")


def normalise(symbol: str) -> str:
    """The register's spelling of a symbol (see the module's docstring); case is kept."""
    text = " ".join(symbol.split())
    text = _SLASH.sub("/", text)
    text = _VERSION_MARK.sub(lambda m: f" {m.group(1)}. {m.group(2)}", text)
    text = _RES.sub(lambda m: f"{m.group(1)}. ", text)
    text = _PAREN.sub(" (", text)
    text = _CLOSE.sub(")", text)
    return " ".join(text.split())


def identity(symbol: str) -> str:
    """What two spellings of one symbol share: normalised, without case or spaces."""
    return "".join(normalise(symbol).casefold().split())


def check_symbol(symbol: str | None, field: str = "symbol") -> str:
    """A symbol as typed or written in a file: one clean line, then normalised."""
    cleaned = clean_line(symbol, field, MAX_SYMBOL)
    if cleaned is None:
        raise InvalidInput(f"the {field} is empty", fields=(field,))
    for char in cleaned:
        if unicodedata.category(char) == "Cf":
            raise InvalidInput(
                f"the {field} contains an invisible formatting character ({ord(char):#04x})",
                fields=(field,),
            )
    return normalise(cleaned)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A series' pattern as a regular expression over normalised symbols.

    Raises ValueError (told as the plan file's problem) for one that is empty or,
    with `re:`, that does not compile.
    """
    if pattern.startswith("re:"):
        try:
            return re.compile(pattern[3:])
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
    written = normalise(pattern)
    if not written:
        raise ValueError("the pattern is empty")
    parts = []
    for index, piece in enumerate(_PLACEHOLDER.split(written)):
        if index % 2:
            parts.append(PLACEHOLDERS[piece])
            continue
        for char in piece:
            if char == " ":
                parts.append(" ?")
            elif char == ".":
                parts.append(r"\. ?")
            else:
                parts.append(re.escape(char))
    return re.compile("".join(parts) + _VERSIONS, re.IGNORECASE)


def matches(symbol: str, patterns: Iterable[re.Pattern[str]]) -> bool:
    """Whether a normalised symbol is of one of the series."""
    return any(pattern.fullmatch(symbol) for pattern in patterns)


def check_url(url: str | None, field: str = "url") -> str | None:
    """The address a document is published at: one line, then `core.text.check_link`'s
    rule (http or https, a host, no credentials): it becomes a link in reports and emails."""
    cleaned = clean_line(url, field, MAX_URL)
    return None if cleaned is None else check_link(cleaned, field, MAX_URL)


def check_status(status: str) -> str:
    if status not in STATUSES:
        raise InvalidInput(
            f"unknown document status {quoted(status)} (use {', '.join(STATUSES)})",
            fields=("status",),
        )
    return status
