"""How long the store waits: for SQLite's writer lock, for a PostgreSQL server.

Kept apart from `store.engine` so that a read that opens the store with its
driver alone (`store.read`) waits as long, without importing SQLAlchemy.
"""

from collections.abc import Mapping
from typing import Any

SQLITE_BUSY_SECONDS = 60
# A PostgreSQL server that accepts connections and never answers must not hang a
# command: connecting gives up after this long, and so does any one statement
# (a lock held elsewhere included). A URL that sets its own `connect_timeout` or
# `options` keeps them.
POSTGRES_CONNECT_SECONDS = 10
POSTGRES_STATEMENT_SECONDS = 60


def postgres_options(query: Mapping[str, Any]) -> dict[str, Any]:
    """What a connection to a PostgreSQL server is opened with, beside what its URL's
    query (`query`) says: the time limits the URL does not set itself."""
    arguments: dict[str, Any] = {}
    if "connect_timeout" not in query:
        arguments["connect_timeout"] = POSTGRES_CONNECT_SECONDS
    if "options" not in query:
        arguments["options"] = f"-c statement_timeout={POSTGRES_STATEMENT_SECONDS * 1000}"
    return arguments
