"""Fixture rules' SQL: candidates for a key, atomic match counters, admin listing and removal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store.tables import fixtures as t


@dataclass(frozen=True)
class Row:
    id: str
    tenant: str
    priority: int
    source: str
    rule: str
    seen: int


_COLUMNS = (t.c.id, t.c.tenant, t.c.priority, t.c.source, t.c.rule, t.c.seen)


async def insert(conn: AsyncConnection, rows: list[dict]) -> None:
    if rows:
        await conn.execute(t.insert(), rows)


async def existing_ids(conn: AsyncConnection, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    return set((await conn.execute(select(t.c.id).where(t.c.id.in_(ids)))).scalars())


async def candidates(conn: AsyncConnection, tenant: str) -> list[Row]:
    """The rules that may apply to a key: its own and the global ones, in matching order."""
    rows = await conn.execute(select(*_COLUMNS).where(t.c.tenant.in_(("", tenant)))
                              .order_by(t.c.priority.desc(), t.c.seq.desc()))
    return [Row(*r) for r in rows]


async def listing(conn: AsyncConnection, tenant: str | None) -> list[Row]:
    query = select(*_COLUMNS).order_by(t.c.priority.desc(), t.c.seq.desc())
    if tenant is not None:
        query = query.where(t.c.tenant == tenant)
    return [Row(*r) for r in await conn.execute(query)]


async def count_seen(conn: AsyncConnection, fixture_id: str) -> int | None:
    """One more request accepted by the rule's match block; returns the new count (atomic)."""
    return (await conn.execute(update(t).where(t.c.id == fixture_id).values(seen=t.c.seen + 1)
                               .returning(t.c.seen))).scalar_one_or_none()


async def remove(conn: AsyncConnection, *, fixture_id: str | None = None, tenant: str | None = None) -> int:
    query = delete(t)
    if fixture_id is not None:
        query = query.where(t.c.id == fixture_id)
    if tenant is not None:
        query = query.where(t.c.tenant == tenant)
    return (await conn.execute(query)).rowcount
