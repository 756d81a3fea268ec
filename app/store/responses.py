"""Queries on the responses table. Every read is scoped to the tenant (the caller's key)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.tables import response_items, responses


async def insert(conn: AsyncConnection, row: dict) -> None:
    await conn.execute(responses.insert(), row)


async def get_body(conn: AsyncConnection, tenant: str, response_id: str) -> str | None:
    """The stored wire object as JSON text (served without a parse/serialise round trip)."""
    return (await conn.execute(
        select(responses.c.body).where(responses.c.id == response_id, responses.c.tenant == tenant)
    )).scalar_one_or_none()


async def exists(conn: AsyncConnection, tenant: str, response_id: str) -> bool:
    return (await conn.execute(
        select(responses.c.id).where(responses.c.id == response_id, responses.c.tenant == tenant)
    )).first() is not None


async def remove(conn: AsyncConnection, tenant: str, response_id: str) -> bool:
    """Delete a response and its items; False when there was none."""
    gone = await conn.execute(
        delete(responses).where(responses.c.id == response_id, responses.c.tenant == tenant))
    if gone.rowcount == 0:
        return False
    await conn.execute(delete(response_items).where(response_items.c.response_id == response_id))
    return True
