"""The library's errors. Each carries the exit code the CLI gives it."""

from collections.abc import Iterable


class CamError(Exception):
    """Base of every error the tool reports to its user as one line."""

    exit_code = 1


class NotFound(CamError):
    """A plan, activity, session, person or workflow that does not exist."""


class InvalidDefinition(CamError):
    """A malformed workflow or plan file."""


class TransitionRefused(CamError):
    """An event that is not allowed now, or whose requirements are not met."""


class Conflict(CamError):
    """Someone else changed the same record first."""


class PermissionRefused(CamError):
    """The actor does not hold a role the step needs."""


class ConfigError(CamError):
    """Settings that cannot be used (store URL, SMTP, dates)."""


class DeliveryError(CamError):
    """An email that could not be handed to the SMTP server."""


class IntegrityError(CamError):
    """The history chain does not verify."""

    exit_code = 3


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """' (did you mean X?)' when a close candidate exists, else ''."""
    import difflib

    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
