"""Read-only SQL for the web inspector: listings across a tenant (or every tenant, for the admin
token), newest first, by keyset; nothing here is on a /v1 path."""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store.tables import conversations, jobs, response_events, responses

_LISTED = (responses.c.id, responses.c.tenant, responses.c.created_at, responses.c.status, responses.c.model,
           responses.c.background, responses.c.previous_response_id, responses.c.worker)


def _dicts(result) -> list[dict]:
    """Rows as plain dicts (column names are str subclasses, which JSON encoders refuse as keys)."""
    return [{str(k): v for k, v in r._mapping.items()} for r in result]


def _owned(query, table, tenant: str | None):
    return query if tenant is None else query.where(table.c.tenant == tenant)


def _before(query, table, before: tuple[int, str] | None):
    """Keyset paging, newest first: rows older than (created_at, id)."""
    if before is None:
        return query
    at, id_ = before
    return query.where(or_(table.c.created_at < at, and_(table.c.created_at == at, table.c.id < id_)))


async def responses_page(conn: AsyncConnection, tenant: str | None, *, limit: int,
                         before: tuple[int, str] | None = None, status: str | None = None,
                         background: bool | None = None) -> list[dict]:
    # Whether it has an event log (streamed, over HTTP or a WebSocket): one probe of its primary key.
    streamed = exists().where(response_events.c.response_id == responses.c.id).label("streamed")
    query = _before(_owned(select(*_LISTED, streamed), responses, tenant), responses, before)
    if status is not None:
        query = query.where(responses.c.status == status)
    if background is not None:
        query = query.where(responses.c.background == background)
    query = query.order_by(responses.c.created_at.desc(), responses.c.id.desc()).limit(limit)
    return _dicts(await conn.execute(query))


async def response_row(conn: AsyncConnection, tenant: str | None, response_id: str, *, whole: bool = True):
    """A listed row, with its body and request unless `whole` is false (a link of a chain)."""
    columns = (*_LISTED, responses.c.body, responses.c.request) if whole else _LISTED
    query = _owned(select(*columns), responses, tenant)
    return (await conn.execute(query.where(responses.c.id == response_id))).first()


async def successors(conn: AsyncConnection, tenant: str, response_id: str, limit: int = 20) -> list[dict]:
    """The responses chained to this one (the tenant's, by its index: previous_response_id has none)."""
    query = select(responses.c.id, responses.c.status).where(
        responses.c.tenant == tenant, responses.c.previous_response_id == response_id)
    return _dicts(await conn.execute(query.order_by(responses.c.created_at).limit(limit)))


async def conversations_page(conn: AsyncConnection, tenant: str | None, *, limit: int,
                             before: tuple[int, str] | None = None) -> list[dict]:
    query = _before(_owned(select(conversations.c.id, conversations.c.tenant, conversations.c.created_at,
                                  conversations.c.metadata, conversations.c.next_position), conversations, tenant),
                    conversations, before)
    query = query.order_by(conversations.c.created_at.desc(), conversations.c.id.desc()).limit(limit)
    return _dicts(await conn.execute(query))


async def jobs_listing(conn: AsyncConnection, tenant: str | None, limit: int = 500) -> list[dict]:
    query = _owned(select(jobs.c.id, jobs.c.response_id, jobs.c.status, jobs.c.run_after, jobs.c.attempts,
                          jobs.c.worker, jobs.c.heartbeat_at, jobs.c.tenant), jobs, tenant)
    return _dicts(await conn.execute(query.order_by(jobs.c.id).limit(limit)))


async def conversation_owner(conn: AsyncConnection, conversation_id: str) -> str | None:
    query = select(conversations.c.tenant).where(conversations.c.id == conversation_id)
    return (await conn.execute(query)).scalar()
