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
    is_postgres,
    release_all,
    reset,
    session,
    upgrade,
)
from cam_tracker.store.history import (
    GENESIS,
    append_history,
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
    "append_history",
    "backup",
    "checkpoint",
    "dispose",
    "dispose_all",
    "engine_for",
    "history_hash",
    "is_postgres",
    "lock_for_write",
    "release_all",
    "reset",
    "session",
    "set_state",
    "transaction_cache",
    "upgrade",
]
