"""Queries on the responses table. Every read is scoped to the tenant (the caller's key)."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from sqlalchemy import and_, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store import direct, events, item_refs, jobs, pg_listen
from responses_mock.store.tables import response_items, responses
from responses_mock.wire.objects import TERMINAL

# The hot statements, in driver SQL (store/direct.py): every create and retrieve runs them.
_INSERT = ("INSERT INTO responses (id, tenant, created_at, status, model, background, previous_response_id, "
           "request, body, worker, heartbeat_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
_BODY = "SELECT body FROM responses WHERE id = $1 AND tenant = $2"


async def insert(conn, row: dict) -> None:
    """One response row, on a SQLAlchemy connection or a direct transaction. A streamed run's
    row names its owner (`worker`) with a first heartbeat, so a sweeper can fail it if that
    process stops."""
    await direct.execute(conn, _INSERT, (
        row["id"], row["tenant"], row["created_at"], row["status"], row["model"], row["background"],
        row["previous_response_id"], row["request"], row["body"], row.get("worker"), row.get("heartbeat_at")))


async def get_body(source, tenant: str, response_id: str) -> str | None:
    """The stored wire object as JSON text (served without a parse/serialise round trip)."""
    found = await direct.rows(source, _BODY, response_id, tenant)
    return found[0][0] if found else None


_EXISTS = "SELECT 1 FROM responses WHERE id = $1 AND tenant = $2"


async def exists(source, tenant: str, response_id: str) -> bool:
    return bool(await direct.rows(source, _EXISTS, response_id, tenant))


async def remove(conn: AsyncConnection, tenant: str, response_id: str) -> bool:
    """Delete a response and its items; False when there was none."""
    gone = await conn.execute(
        delete(responses).where(responses.c.id == response_id, responses.c.tenant == tenant))
    if gone.rowcount == 0:
        return False
    await conn.execute(delete(response_items).where(response_items.c.response_id == response_id))
    await item_refs.remove(conn, response_id)
    await events.remove(conn, response_id)
    await jobs.drop(conn, response_id)
    return True


@dataclass(frozen=True)
class Row:
    id: str
    status: str
    background: bool
    request: str
    body: str
    cancel_requested: bool
    tenant: str


_ROW = "SELECT id, status, background, request, body, cancel_requested, tenant FROM responses WHERE id = $1"
_ROW_OF = _ROW + " AND tenant = $2"


async def status_of(source, response_id: str) -> str | None:
    """Only the status: what idle stream followers ask on every wake-up."""
    found = await direct.rows(source, "SELECT status FROM responses WHERE id = $1", response_id)
    return found[0][0] if found else None


async def get(source, response_id: str, tenant: str | None = None) -> Row | None:
    """The full row, from a `Direct` or in a connection's transaction; without a tenant only for
    internal callers (workers). Every stream follower asks: driver SQL."""
    found = await (direct.rows(source, _ROW, response_id) if tenant is None
                   else direct.rows(source, _ROW_OF, response_id, tenant))
    if not found:
        return None
    id_, status, background, request, body, cancel_requested, owner = found[0]
    return Row(id_, status, bool(background), request, body, bool(cancel_requested), owner)


async def set_state(conn: AsyncConnection, response_id: str, status: str, body: dict,
                    *, unless: tuple[str, ...] = ()) -> bool:
    """Write status and body; with `unless`, only if the current status is none of those. A
    response that ends here gets its output items as rows (item_refs), findable by id."""
    query = update(responses).where(responses.c.id == response_id)
    if unless:
        query = query.where(responses.c.status.not_in(unless))
    changed = (await conn.execute(query.values(status=status, body=orjson.dumps(body).decode()))).rowcount > 0
    if changed:
        if status in TERMINAL:
            await item_refs.add_outputs(conn, response_id, output_rows(body["output"]))
        await pg_listen.notify(conn, pg_listen.EVENTS, response_id)
    return changed


_FINISH = ("UPDATE responses SET status = $1, body = $2 WHERE id = $3 AND status NOT IN ("
           + ", ".join(f"'{s}'" for s in TERMINAL) + ")")


async def finish(tx, response_id: str, body: dict) -> None:
    """A run's end in a group-commit `Tx` (store/direct.py), for a caller that has just read that
    the row had not ended (it cannot branch on what the UPDATE changed): the final status and
    body, unless the row ended meanwhile, and the outputs as rows (item_refs)."""
    await direct.execute(tx, _FINISH, (body["status"], orjson.dumps(body).decode(), response_id))
    await item_refs.add_outputs(tx, response_id, output_rows(body["output"]))
    await pg_listen.notify(tx, pg_listen.EVENTS, response_id)


def output_rows(output: list[dict]) -> list[tuple[str, str]]:
    return [(item["id"], orjson.dumps(item).decode()) for item in output if item.get("id")]


async def set_worker(conn: AsyncConnection, response_id: str, worker: str) -> None:
    await conn.execute(update(responses).where(responses.c.id == response_id).values(worker=worker[:64]))


# Streamed runs in progress (not background: those have their job row). The status as a literal:
# what the partial index ix_responses_live is defined by (a bound parameter would not match it).
_LIVE = and_(text("responses.status = 'in_progress'"), responses.c.background.is_(False))


async def heartbeat(conn: AsyncConnection, response_ids: list[str], now: float) -> None:
    """The owner of these streamed runs is alive."""
    if response_ids:
        await conn.execute(update(responses).where(responses.c.id.in_(response_ids), _LIVE)
                           .values(heartbeat_at=now))


async def take_orphans(conn: AsyncConnection, older_than: float, worker: str, now: float,
                       exclude: list[str] = ()) -> list[str]:
    """Streamed runs whose owner's heartbeat stopped before `older_than` (a row of a version
    without owners counts from its creation), taken by `worker`: their heartbeat is renewed, so
    no other sweeper takes them meanwhile, and they come back if this one fails before ending them."""
    stale = _LIVE & ((responses.c.heartbeat_at < older_than)
                     | (responses.c.heartbeat_at.is_(None) & (responses.c.created_at < older_than)))
    if exclude:
        stale = stale & responses.c.id.not_in(exclude)
    rows = await conn.execute(update(responses).where(stale).values(heartbeat_at=now, worker=worker[:64])
                              .returning(responses.c.id))
    return list(rows.scalars())


async def request_cancel(conn: AsyncConnection, response_id: str) -> None:
    await conn.execute(update(responses).where(responses.c.id == response_id).values(cancel_requested=True))


async def cancel_requested(conn: AsyncConnection, response_ids: list[str]) -> list[str]:
    if not response_ids:
        return []
    rows = await conn.execute(select(responses.c.id).where(
        responses.c.id.in_(response_ids), responses.c.cancel_requested.is_(True)))
    return list(rows.scalars())
