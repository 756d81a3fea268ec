"""Prompt templates' SQL: save a version, read one (or the newest), list and remove a key's."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store.tables import prompts as t


async def save(conn: AsyncConnection, row: dict) -> None:
    await conn.execute(delete(t).where(t.c.tenant == row["tenant"], t.c.prompt_id == row["prompt_id"],
                                       t.c.version == row["version"]))
    await conn.execute(t.insert(), row)


async def get(conn: AsyncConnection, tenant: str, prompt_id: str, version: str | None) -> tuple[str, str] | None:
    """(version, content) of that version, or of the newest one: the key's own template, else one
    for every key (tenant "", from the fixtures file)."""
    for owner in (tenant, ""):
        query = select(t.c.version, t.c.content).where(t.c.tenant == owner, t.c.prompt_id == prompt_id)
        query = query.where(t.c.version == version) if version else query.order_by(t.c.created_at.desc()).limit(1)
        row = (await conn.execute(query)).first()
        if row:
            return row[0], row[1]
    return None


async def listing(conn: AsyncConnection, tenant: str | None) -> list[tuple[str, str, str]]:
    query = select(t.c.prompt_id, t.c.version, t.c.content).order_by(t.c.prompt_id, t.c.created_at)
    if tenant is not None:
        query = query.where(t.c.tenant == tenant)
    return [tuple(r) for r in await conn.execute(query)]


async def remove(conn: AsyncConnection, tenant: str | None, prompt_id: str | None = None) -> int:
    query = delete(t)
    if tenant is not None:
        query = query.where(t.c.tenant == tenant)
    if prompt_id is not None:
        query = query.where(t.c.prompt_id == prompt_id)
    return (await conn.execute(query)).rowcount
