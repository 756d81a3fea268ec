"""The job queue's SQL. A claim is one atomic UPDATE of the oldest due job: on Postgres the inner
SELECT takes `FOR UPDATE SKIP LOCKED`, so replicas never claim the same job; SQLite has one writer
at a time, which makes the same statement atomic there (SQLAlchemy drops the lock clause).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store import direct
from responses_mock.store.tables import jobs as t


@dataclass(frozen=True)
class Job:
    id: int
    response_id: str
    attempts: int
    tenant: str = ""


async def enqueue(conn: AsyncConnection, response_id: str, run_after: float, tenant: str) -> None:
    await conn.execute(t.insert(), {"response_id": response_id, "status": "queued", "run_after": run_after,
                                    "tenant": tenant})


_DUE = "SELECT 1 FROM jobs WHERE status = 'queued' AND run_after <= $1"


async def any_due(source, now: float, exclude: list[str] = ()) -> bool:
    """Whether a claim could find a job (of a tenant not in `exclude`): a read, so idle workers
    poll without a write transaction."""
    sql = _DUE + "".join(f" AND tenant <> ${i}" for i in range(2, len(exclude) + 2)) + " LIMIT 1"
    return bool(await direct.rows(source, sql, now, *exclude))


async def claim(conn: AsyncConnection, worker: str, now: float, exclude: list[str] = ()) -> Job | None:
    """The oldest due job of a tenant not in `exclude` (those already hold their share here)."""
    due = select(t.c.id).where(t.c.status == "queued", t.c.run_after <= now)
    if exclude:
        due = due.where(t.c.tenant.not_in(exclude))
    due = due.order_by(t.c.run_after, t.c.id).limit(1).with_for_update(skip_locked=True).scalar_subquery()
    row = (await conn.execute(
        update(t).where(t.c.id == due)
        .values(status="running", worker=worker, heartbeat_at=now, attempts=t.c.attempts + 1)
        .returning(t.c.id, t.c.response_id, t.c.attempts, t.c.tenant))).first()
    return Job(*row) if row else None


async def next_due(conn: AsyncConnection) -> float | None:
    """When the earliest queued job becomes due (None if nothing is queued)."""
    return (await conn.execute(
        select(t.c.run_after).where(t.c.status == "queued").order_by(t.c.run_after).limit(1)
    )).scalar_one_or_none()


async def heartbeat(conn: AsyncConnection, job_ids: list[int], now: float) -> None:
    if job_ids:
        await conn.execute(update(t).where(t.c.id.in_(job_ids)).values(heartbeat_at=now))


async def finish(conn: AsyncConnection, job_id: int) -> None:
    await conn.execute(delete(t).where(t.c.id == job_id))


async def drop_if_queued(conn: AsyncConnection, response_id: str) -> bool:
    """Remove a job nobody has claimed yet; False if it is running (or gone)."""
    result = await conn.execute(delete(t).where(t.c.response_id == response_id, t.c.status == "queued"))
    return result.rowcount > 0


async def drop(conn: AsyncConnection, response_id: str) -> None:
    await conn.execute(delete(t).where(t.c.response_id == response_id))


async def take_stalled(conn: AsyncConnection, older_than: float, worker: str, now: float,
                       exclude: list[int] = ()) -> list[Job]:
    """Running jobs whose heartbeat stopped before `older_than`, taken by `worker`: their heartbeat
    is renewed (no other sweeper takes them meanwhile) and the job row stays until the response
    is failed, so a sweeper that fails before that leaves them to be taken again."""
    stale = (t.c.status == "running") & (t.c.heartbeat_at < older_than)
    if exclude:
        stale = stale & t.c.id.not_in(exclude)
    rows = (await conn.execute(
        update(t).where(stale).values(worker=worker[:64], heartbeat_at=now)
        .returning(t.c.id, t.c.response_id, t.c.attempts, t.c.tenant))).all()
    return [Job(*r) for r in rows]


async def counts(conn: AsyncConnection) -> dict[str, int]:
    """Jobs per status, for metrics."""
    rows = await conn.execute(select(t.c.status, func.count()).group_by(t.c.status))
    return {status: n for status, n in rows}
