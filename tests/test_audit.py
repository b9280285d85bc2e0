"""The history chain: an edited, deleted or inserted row is caught and named."""

import pytest
from conftest import Cam
from sqlalchemy import create_engine, insert, text
from sqlmodel import col, select

from cam_tracker import store
from cam_tracker.store import models


def _played(cam: Cam) -> Cam:
    cam("session", "record", "2015-10a", "--on", "2015-10-21", "--as-planned")
    cam("session", "record", "2015-11", "--on", "2015-11-18", "--as-planned")
    return cam


def _tamper(url: str, *statements: str) -> None:
    """What someone with write access to the database could do behind the tool's back."""
    store.dispose(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE history DISABLE TRIGGER history_append_only"))
        else:
            connection.execute(text("DROP TRIGGER history_no_update"))
            connection.execute(text("DROP TRIGGER history_no_delete"))
        for statement in statements:
            connection.execute(text(statement))
        if engine.dialect.name == "postgresql":  # the database outlives the test
            connection.execute(text("ALTER TABLE history ENABLE TRIGGER history_append_only"))
    engine.dispose()


def test_an_untouched_chain_verifies(loaded: Cam) -> None:
    result = _played(loaded)("audit", "verify")
    assert result.output == (
        "history chain verified: 10 rows, no row edited, deleted or inserted\n"
    )


def test_the_code_has_no_way_to_rewrite_history(loaded: Cam, db_url: str) -> None:
    _played(loaded)
    engine = create_engine(db_url)
    for statement in (
        "UPDATE history SET note = 'x' WHERE id = 3",
        "DELETE FROM history",
        "UPDATE record_change SET actor = 'x' WHERE id = 1",
        "DELETE FROM record_change",
    ):
        with engine.begin() as connection, pytest.raises(Exception, match="append-only"):
            connection.execute(text(statement))
    engine.dispose()
    assert "10 rows" in loaded("audit", "verify").output


TAMPERING: dict[str, tuple[tuple[str, ...], str]] = {
    "edited note": (
        ("UPDATE history SET note = 'approved unanimously' WHERE id = 3",),
        "history row 3 was edited after it was written",
    ),
    "edited actor": (
        ("UPDATE history SET actor = 'someone-else' WHERE id = 5",),
        "history row 5 was edited after it was written",
    ),
    "deleted row": (
        (
            "UPDATE milestone SET done_history_id = NULL WHERE done_history_id = 4",
            "DELETE FROM history WHERE id = 4",
        ),
        "history row 5 does not follow the row before it: "
        "inserted out of band, or its predecessor was deleted",
    ),
    "deleted last row": (
        (
            "UPDATE milestone SET done_history_id = NULL WHERE done_history_id = 10",
            "DELETE FROM history WHERE id = 10",
        ),
        "the last 1 history row(s) were deleted",
    ),
    "inserted row": (
        (
            "INSERT INTO history (id, activity_id, event, from_state, to_state, actor, at, "
            "recorded_at, prev_hash, hash) SELECT 100, activity_id, 'adopt', to_state, "
            "'adopted', 'intruder', at, recorded_at, hash, 'f00d' FROM history WHERE id = 10",
        ),
        "history row 100 was edited after it was written",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_is_caught_and_the_row_named(loaded: Cam, db_url: str, case: str) -> None:
    statements, problem = TAMPERING[case]
    _played(loaded)
    _tamper(db_url, *statements)
    result = loaded("audit", "verify", expect=3)
    assert result.output == f"Error: history chain broken: {problem}\n"


def test_a_row_inserted_with_a_forged_hash_is_still_caught(loaded: Cam, db_url: str) -> None:
    """Even a row hashed correctly, appended behind the tool's back, does not match the head."""
    _played(loaded)
    with store.session(db_url) as db:
        last = db.exec(select(models.History).order_by(col(models.History.id).desc())).first()
        assert last is not None
        forged = models.History(
            id=(last.id or 0) + 1,
            activity_id=last.activity_id,
            event="adopt",
            from_state=last.to_state,
            to_state="adopted",
            actor="intruder",
            at=last.at,
            prev_hash=last.hash,
            hash="",
        )
        forged.hash = store.history_hash(forged)
    store.dispose(db_url)
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(insert(models.History), [forged.model_dump()])
    engine.dispose()
    result = loaded("audit", "verify", expect=3)
    assert "appended out of band" in result.output
