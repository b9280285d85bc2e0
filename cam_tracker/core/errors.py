"""The library's errors. Each carries the exit code the CLI gives it.

The library speaks of fields (`session`, `document`, `note`, `on`…), never of
command-line flags: an error that concerns a value the user gave names that
value's field in `fields`, and the CLI adds its own flag for it.
"""

from collections.abc import Iterable


class CamError(Exception):
    """Base of every error the tool reports to its user as one line."""

    exit_code = 1

    def __init__(self, message: str, *, fields: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.fields = tuple(fields)


class NotFound(CamError):
    """A plan, activity, session, person or workflow that does not exist."""


class InvalidDefinition(CamError):
    """A malformed workflow or plan file."""


class InvalidInput(CamError):
    """A value the user gave that cannot be used: a bad date, a text too long, an address."""


class MissingValue(CamError):
    """A record that needs values the user did not give (named in `fields`)."""


class TransitionRefused(CamError):
    """An event that is not allowed now, or whose requirements are not met."""


class Conflict(CamError):
    """Someone else changed the same record first."""


class PermissionRefused(CamError):
    """The actor does not hold a role the step needs."""


class ConfigError(CamError):
    """Settings that cannot be used: the store URL, SMTP, the configuration file."""


class DeliveryError(CamError):
    """An email that could not be handed to the transport."""


class ChainBroken(CamError):
    """The history chain does not verify: a row was edited, deleted or inserted out of band."""

    exit_code = 3


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """' (did you mean X?)' when a close candidate exists, else ''."""
    import difflib

    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
