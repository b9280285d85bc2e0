"""Bring a store's schema to the current version."""

from sqlalchemy import Engine

from cam_tracker.store import create_all


def ensure_schema(engine: Engine) -> None:
    """Create the tables of an empty store; leave an existing one as it is."""
    create_all(engine)
