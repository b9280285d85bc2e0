"""The history chain: an edited, deleted or inserted row is caught and named."""

from typing import Any

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


# --- the record, not only the chain ---------------------------------------------------------


def _set_back(url: str, *statements: str) -> None:
    """Change tables that are not the chain, behind the tool's back (triggers untouched)."""
    store.dispose(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


FORGED_FACTS: dict[str, tuple[tuple[str, ...], str]] = {
    "a state with no step": (
        ("UPDATE activity SET state = 'approved', version = version + 1 WHERE key = 'campaign'",),
        "activity campaign is 'approved' but its history says 'proposal_presented'",
    ),
    "a resume state with no step": (
        ("UPDATE activity SET resume_state = 'planned' WHERE key = 'sicremi'",),
        "activity sicremi would resume to 'planned' but its history says None",
    ),
    "a session held with no record": (
        ("UPDATE session SET held_on = '2015-12-02', date = '2015-12-02' WHERE key = '2015-12a'",),
        "session 2015-12a is held on 2015-12-02 but no recorded change holds it",
    ),
    "a held day moved": (
        ("UPDATE session SET held_on = '2015-11-19' WHERE key = '2015-11'",),
        "session 2015-11 is held on 2015-11-19 but its history says held on 2015-11-18",
    ),
    "a role changed": (
        ("UPDATE person SET role = 'chair' WHERE key = 'ana'",),
        "person ana's role is 'chair' but its history says 'delegate'",
    ),
    "an address redirected": (
        ("UPDATE person SET email = 'evil@example.org' WHERE key = 'chair'",),
        "person chair's email is 'evil@example.org' but its history says 'chair@example.org'",
    ),
    "a person registered out of band": (
        ("UPDATE person SET registered = TRUE WHERE key = 'vice-chair'",),
        "person vice-chair's registered is True but its history says False",
    ),
    "a document's address redirected": (
        ("UPDATE document SET url = 'https://evil.example.org/x' WHERE symbol = 'CE/AM-146/10'",),
        "document CE/AM-146/10's url is 'https://evil.example.org/x' but its history says "
        "'https://scm.oas.org/146.doc'",
    ),
    "a document registered out of band": (
        (
            "INSERT INTO document (plan_id, symbol, title, languages, registered_at) "
            "SELECT plan_id, 'CE/AM-999/10', '{\"en\": \"x\"}', '[]', registered_at "
            "FROM document",
        ),
        "document CE/AM-999/10 is in the register but no recorded change registers it",
    ),
    "a document deleted from the register": (
        ("DELETE FROM document WHERE symbol = 'CE/AM-146/10'",),
        "document CE/AM-146/10 is registered in the history but gone from the register",
    ),
}


def _registered(cam: Cam) -> Cam:
    cam("people", "add", "secretariat", "--update", "--email", "cam@example.org")
    cam("people", "add", "chair", "--update", "--email", "chair@example.org", "--as", "secretariat")
    cam(
        "people",
        "add",
        *("ana", "--name", "Ana", "--role", "delegate", "--as", "secretariat"),
    )
    cam(
        "doc", "add", "CE/AM-146/10", "--title", "Report",
        "--url", "https://scm.oas.org/146.doc", "--as", "secretariat",
    )  # fmt: skip
    return cam


@pytest.mark.parametrize("case", list(FORGED_FACTS))
def test_a_forged_fact_is_caught_though_the_chain_is_intact(
    loaded: Cam, db_url: str, case: str
) -> None:
    statements, problem = FORGED_FACTS[case]
    _registered(_played(loaded))
    assert "verified" in loaded("audit", "verify").output
    _set_back(db_url, *statements)
    result = loaded("audit", "verify", expect=3)
    assert result.output == f"Error: history chain broken: {problem}\n"


def _outbox_row(url: str, status: str, sent: bool) -> None:
    sent_at = "'2015-11-03 09:00:00'" if sent else "NULL"
    _set_back(
        url,
        "INSERT INTO outbox (id, session_id, slot, person_id, address, status, due_at, "
        "queued_at, attempts, next_attempt_at, message_id, sent_at) "
        f"SELECT 1, s.id, 'monthly', p.id, 'chair@example.org', '{status}', "
        "'2015-10-20 09:00:00', '2015-10-20 09:00:00', 1, '2015-10-20 09:00:00', "
        f"'<1@cam>', {sent_at} FROM session s, person p "
        "WHERE s.key = '2015-11' AND p.key = 'chair'",
    )


def test_the_outbox_never_goes_back_from_sent(loaded: Cam, db_url: str) -> None:
    _registered(_played(loaded))
    _outbox_row(db_url, "sent", sent=True)
    assert "verified" in loaded("audit", "verify").output
    _set_back(db_url, "UPDATE outbox SET status = 'pending' WHERE id = 1")
    result = loaded("audit", "verify", expect=3)
    assert result.output == (
        "Error: history chain broken: outbox row 1 was sent at 2015-11-03T09:00:00+00:00 but is "
        "now 'pending': a sent reminder never goes back\n"
    )
    _set_back(db_url, "UPDATE outbox SET status = 'sent', message_id = NULL WHERE id = 1")
    result = loaded("audit", "verify", expect=3)
    assert "outbox row 1 is sent but has no sent time or Message-ID" in result.output


def test_dropped_triggers_are_caught(loaded: Cam, db_url: str) -> None:
    _played(loaded)
    _set_back(
        db_url,
        "DROP TRIGGER history_append_only ON history"
        if db_url.startswith("postgresql")
        else "DROP TRIGGER history_no_delete",
    )
    result = loaded("audit", "verify", expect=3)
    trigger = "history_append_only" if db_url.startswith("postgresql") else "history_no_delete"
    assert result.output == (
        f"Error: history chain broken: the append-only trigger {trigger} on history is missing "
        "or disabled: the chain could be rewritten\n"
    )
    if db_url.startswith("postgresql"):  # the database outlives the test
        from cam_tracker.store.migrations import append_only_statements

        _set_back(db_url, *append_only_statements("postgresql"))


# --- a head published outside the database ------------------------------------------------


def test_the_head_is_printed_as_hash_at_count(loaded: Cam, db_url: str) -> None:
    _played(loaded)
    head = loaded("audit", "head").output.strip()
    with store.session(db_url) as db:
        rows = list(store.chain_rows(db))
    assert head == f"{rows[-1].hash}@{len(rows)}"
    assert loaded.json("audit", "head") == {
        "hash": rows[-1].hash,
        "count": len(rows),
        "head": head,
    }
    assert loaded("audit", "verify", "--against", head).output.endswith(
        f"the first {len(rows)} rows still hash to the published head\n"
    )
    # The chain goes on: an earlier head still holds.
    loaded("advance", "campaign", "postpone", "--note", "budget")
    assert "verified" in loaded("audit", "verify", "--against", head).output
    bad = loaded("audit", "verify", "--against", "nonsense", expect=1)
    assert "not a chain head: 'nonsense' (HASH@COUNT" in bad.output


def _rewrite(url: str, rows: list[Any], head: tuple[str, int]) -> None:
    """Write `rows` (chain rows, hashes already computed) over the chain, and move its head."""
    statements = [
        (
            f"UPDATE {row.__tablename__} SET note = :note, actor = :actor, prev_hash = :prev, "
            "hash = :hash WHERE id = :id",
            {
                "note": row.note,
                "actor": row.actor,
                "prev": row.prev_hash,
                "hash": row.hash,
                "id": row.id,
            },
        )
        for row in rows
    ]
    statements.append(
        (
            "UPDATE chainhead SET last_hash = :h, length = :n WHERE id = 1",
            {"h": head[0], "n": head[1]},
        )
    )
    _without_triggers(url, statements)


def _without_triggers(url: str, statements: list[tuple[str, dict[str, Any]]]) -> None:
    """What someone who can lift the append-only triggers can do; the triggers are put back."""
    from cam_tracker.store import migrations

    store.dispose(url)
    engine = create_engine(url)
    tables = {"history": "history_append_only", "record_change": "record_change_append_only"}
    with engine.begin() as connection:
        postgres = engine.dialect.name == "postgresql"
        if postgres:
            for table, trigger in tables.items():
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
        else:
            for table in tables:
                for verb in ("update", "delete"):
                    connection.execute(text(f"DROP TRIGGER {table}_no_{verb}"))
        for statement, values in statements:
            connection.execute(text(statement), values)
        if postgres:
            for table, trigger in tables.items():
                connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
        else:
            for statement in migrations.append_only_statements(
                "sqlite"
            ) + migrations.changes_append_only_statements("sqlite"):
                connection.execute(text(statement))
    engine.dispose()


def _chain(url: str) -> list[Any]:
    with store.session(url) as db:
        return list(store.chain_rows(db))


def _rehashed(rows: list[Any], start: int) -> list[Any]:
    """Rows from `start` on, their hashes made anew over what they now say."""
    for index in range(start, len(rows)):
        rows[index].prev_hash = rows[index - 1].hash if index else store.GENESIS
        rows[index].hash = store.history_hash(rows[index])
    return rows[start:]


def test_a_chain_rewritten_with_fresh_hashes_is_caught_by_a_published_head(
    loaded: Cam, db_url: str
) -> None:
    _played(loaded)
    published = loaded("audit", "head").output.strip()
    rows = _chain(db_url)
    step = next(i for i, row in enumerate(rows) if isinstance(row, models.History))
    rows[step].note = "approved unanimously"
    _rewrite(db_url, _rehashed(rows, step), (rows[-1].hash, len(rows)))
    assert "verified" in loaded("audit", "verify").output
    result = loaded("audit", "verify", "--against", published, expect=3)
    assert result.output == (
        f"Error: history chain broken: the first {len(rows)} rows no longer hash to the "
        f"published head {published}: the history was rewritten\n"
    )


def test_a_chain_truncated_with_its_head_moved_is_caught_by_a_published_head(
    loaded: Cam, db_url: str
) -> None:
    _played(loaded)
    loaded("people", "add", "secretariat", "--update", "--email", "cam@example.org")
    published = loaded("audit", "head").output.strip()
    rows = _chain(db_url)
    last = rows[-1]
    assert isinstance(last, models.Change)  # the registration, undone with its person
    _tamper_changes(
        db_url,
        f"DELETE FROM record_change WHERE id = {last.id}",
        "UPDATE person SET registered = FALSE, email = NULL WHERE key = 'secretariat'",
        f"UPDATE chainhead SET last_hash = '{rows[-2].hash}', length = {len(rows) - 1}",
    )
    assert "verified" in loaded("audit", "verify").output
    result = loaded("audit", "verify", "--against", published, expect=3)
    assert result.output == (
        f"Error: history chain broken: the history has {len(rows) - 1} rows, fewer than the "
        f"{len(rows)} of the published head {published}: rows were removed\n"
    )


def test_a_forged_row_with_a_valid_hash_is_caught_by_a_published_head(
    loaded: Cam, db_url: str
) -> None:
    """The last step replaced by a forged one, hashed as the tool would and the head moved."""
    _played(loaded)
    published = loaded("audit", "head").output.strip()
    rows = _chain(db_url)
    forged = rows[-1]
    assert isinstance(forged, models.History)
    forged.actor = "intruder"
    forged.note = "by intruder"
    [forged] = _rehashed(rows, len(rows) - 1)
    _rewrite(db_url, [forged], (forged.hash, len(rows)))
    assert "verified" in loaded("audit", "verify").output
    result = loaded("audit", "verify", "--against", published, expect=3)
    assert "no longer hash to the published head" in result.output


def _tamper_changes(url: str, *statements: str) -> None:
    """Edit the record's changes behind the tool's back (the triggers lifted meanwhile)."""
    _without_triggers(url, [(statement, {}) for statement in statements])


@pytest.mark.parametrize(
    ("lang", "line"),
    [("en", "Record:"), ("es", "Registro:"), ("fr", "Registre :"), ("pt", "Registro:")],
)
def test_the_report_carries_the_head(loaded: Cam, lang: str, line: str) -> None:
    head = loaded("audit", "head").output.strip()
    assert f"{line} {head}" in loaded("report", "--lang", lang).output
    html = loaded("report", "--lang", lang, "--format", "html").output
    assert f'<p class="record">{line} {head}</p>' in html
