"""The store: models, engines and sessions, the history chain, audit, transfer, migrations.

The only package that builds engines or knows SQLite from PostgreSQL.
"""

from cam_tracker.store.engine import (
    Backup,
    NoStore,
    ReadOnlyStore,
    backup,
    checkpoint,
    dispose,
    dispose_all,
    engine_for,
    failure_line,
    is_postgres,
    release_all,
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
    "Backup",
    "NoStore",
    "ReadOnlyStore",
    "append_change",
    "append_history",
    "backup",
    "chain_rows",
    "checkpoint",
    "dispose",
    "dispose_all",
    "engine_for",
    "failure_line",
    "history_hash",
    "is_postgres",
    "lock_for_write",
    "release_all",
    "reset",
    "safe_url",
    "session",
    "set_state",
    "transaction_cache",
    "upgrade",
]
