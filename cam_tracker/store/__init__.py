"""The store: models, engines and sessions, the history chain, audit, transfer, migrations.

The only package that builds engines or knows SQLite from PostgreSQL. Its
names below are imported when first used: a command that only reads
(`store.read`) never imports the ORM.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
        Move,
        append_change,
        append_history,
        append_steps,
        chain_rows,
        chain_values,
        history_hash,
        lock_for_write,
        set_state,
        set_states,
        step_hash,
        transaction_cache,
        values_hash,
    )

__all__ = [
    "GENESIS",
    "Backup",
    "Move",
    "NoStore",
    "ReadOnlyStore",
    "append_change",
    "append_history",
    "append_steps",
    "backup",
    "chain_rows",
    "chain_values",
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
    "set_states",
    "step_hash",
    "transaction_cache",
    "upgrade",
    "values_hash",
]

_ENGINE = {
    "Backup",
    "NoStore",
    "ReadOnlyStore",
    "backup",
    "checkpoint",
    "dispose",
    "dispose_all",
    "engine_for",
    "failure_line",
    "is_postgres",
    "release_all",
    "reset",
    "safe_url",
    "session",
    "upgrade",
}


def __getattr__(name: str) -> Any:
    """A name of `__all__`, from its module (`engine` or `history`), imported now."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(
        f"cam_tracker.store.{'engine' if name in _ENGINE else 'history'}"
    )
    return getattr(module, name)
