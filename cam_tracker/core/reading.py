"""Reading a file the user names: whole, or not at all, and never more than a limit.

The size is checked before anything is read: a regular file by its size, a
pipe (`cam import -`, `<(…)`) by reading at most one byte more than the
limit. A device (`/dev/zero`, a terminal), a directory or a socket is refused
without being read: it has no end, or no content.
"""

import os
import stat
from pathlib import Path
from typing import IO

from cam_tracker.core.errors import InvalidDefinition


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"


def _too_large(name: str, limit: int) -> InvalidDefinition:
    return InvalidDefinition(f"{name}: larger than {_megabytes(limit)}: not a file this tool reads")


def read_limited(path: Path | str, limit: int, *, pipes: bool = False) -> bytes:
    """The bytes of a regular file (or, with `pipes`, of a pipe) of at most `limit` bytes."""
    name = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InvalidDefinition(f"{name}: no such file") from None
    except (OSError, ValueError) as exc:
        raise InvalidDefinition(f"{name}: cannot read: {_reason(exc)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidDefinition(f"{name}: is a directory, not a file")
    regular = stat.S_ISREG(info.st_mode)
    if not regular and not (pipes and stat.S_ISFIFO(info.st_mode)):
        raise InvalidDefinition(f"{name}: not a regular file")
    if regular and info.st_size > limit:
        raise _too_large(name, limit)
    try:
        with open(path, "rb") as file:
            data = file.read(limit + 1)
    except OSError as exc:
        raise InvalidDefinition(f"{name}: cannot read: {_reason(exc)}") from None
    if len(data) > limit:
        raise _too_large(name, limit)
    return data


def read_stream(stream: IO[bytes], name: str, limit: int) -> bytes:
    """The bytes of an open file or of standard input, at most `limit` of them.

    A device other than standard input is refused unread; standard input may be
    a terminal or a pipe, read up to the limit.
    """
    try:
        descriptor = stream.fileno()
        info = os.fstat(descriptor)
    except (OSError, AttributeError, ValueError):
        descriptor, info = -1, None  # not a real file (a test's stream): read up to the limit
    if info is not None:
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise _too_large(name, limit)
        readable = stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)
        if not readable and descriptor != 0:
            raise InvalidDefinition(f"{name}: not a regular file")
    try:
        data = stream.read(limit + 1)
    except OSError as exc:
        raise InvalidDefinition(f"{name}: cannot read: {_reason(exc)}") from None
    if len(data) > limit:
        raise _too_large(name, limit)
    return data


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
