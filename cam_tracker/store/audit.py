"""Verify the history chain: every row's hash over its content and its predecessor's."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from cam_tracker.store import GENESIS, history_hash, models

BATCH = 5000


@dataclass
class AuditResult:
    """What walking the chain found: the first problem, or none."""

    rows: int
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(db: Session) -> AuditResult:
    """Walk the history in order; name the first row edited, deleted or inserted out of band."""
    expected = GENESIS
    seen: dict[str, int] = {}
    count = 0
    last_id = 0
    while True:
        batch = list(
            db.exec(
                select(models.History)
                .where(col(models.History.id) > last_id)
                .order_by(col(models.History.id))
                .limit(BATCH)
            )
        )
        if not batch:
            break
        for row in batch:
            assert row.id is not None
            count += 1
            if row.prev_hash != expected:
                if row.prev_hash in seen:
                    return AuditResult(
                        count,
                        f"history row {row.id}: the rows between {seen[row.prev_hash]} and "
                        f"{row.id} were deleted or reordered",
                    )
                return AuditResult(
                    count,
                    f"history row {row.id} does not follow the row before it: "
                    "inserted out of band, or its predecessor was deleted",
                )
            if history_hash(row) != row.hash:
                return AuditResult(count, f"history row {row.id} was edited after it was written")
            seen[row.hash] = row.id
            expected = row.hash
            last_id = row.id
    head = db.get(models.ChainHead, 1)
    length, last_hash = (head.length, head.last_hash) if head else (0, GENESIS)
    if length > count:
        return AuditResult(count, f"the last {length - count} history row(s) were deleted")
    if length < count or last_hash != expected:
        return AuditResult(count, "history rows were appended out of band after the chain head")
    return AuditResult(count)
