"""The store: models, engines and sessions, the history chain, audit, transfer, migrations.

The only package that builds engines or knows SQLite from PostgreSQL.
"""

from cam_tracker.store.engine import (
    dispose,
    dispose_all,
    engine_for,
    failure_line,
    is_postgres,
    reset,
    safe_url,
    session,
    upgrade,
)
from cam_tracker.store.history import (
    GENESIS,
    append_change,
    append_history,
    chain_rows,
    history_hash,
    lock_for_write,
    set_state,
    transaction_cache,
)

__all__ = [
    "GENESIS",
    "append_change",
    "append_history",
    "chain_rows",
    "dispose",
    "dispose_all",
    "engine_for",
    "failure_line",
    "history_hash",
    "is_postgres",
    "lock_for_write",
    "reset",
    "safe_url",
    "session",
    "set_state",
    "transaction_cache",
    "upgrade",
]
