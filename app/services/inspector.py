"""What the web inspector shows (/__inspector): a tenant's responses with their inputs, event logs
(with timings), chains and conversations; conversations and their items; the job queue by worker.
`tenant` None is every tenant's (the admin token). Reads only, but for cancel."""

from __future__ import annotations

import orjson

from responses_mock.errors import InvalidRequest
from responses_mock.services import conversations
from responses_mock.services.background import BackgroundService
from responses_mock.services.rows import not_found
from responses_mock.store import conversations as conversation_store
from responses_mock.store import events as event_store
from responses_mock.store import inspect as inspect_store
from responses_mock.store.handle import Store
from responses_mock.store.items import RESPONSE_ITEMS
from responses_mock.wire.stored import StoredRequest

MAX_CHAIN = 50  # previous_response_id links followed back from one response


def parse_cursor(value: str | None) -> tuple[int, str] | None:
    """A page cursor, `<created_at>:<id>` of the last row seen."""
    if not value:
        return None
    at, _, id_ = value.partition(":")
    if not at.isdigit() or not id_:
        raise InvalidRequest(f"Invalid 'before': expected a cursor from an earlier page, but got '{value}'.",
                             param="before")
    return int(at), id_


def mode(background: bool, streamed: bool) -> str:
    """How it was asked for, as the list and the detail both name it."""
    return "background" if background else "stream" if streamed else "sync"


def _with_mode(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["mode"] = mode(row["background"], row.pop("streamed"))
    return rows


def _page(rows: list[dict], limit: int) -> dict:
    shown = rows[:limit]
    last = shown[-1] if shown else None
    return {"object": "list", "data": shown, "has_more": len(rows) > limit,
            "next_before": f"{last['created_at']}:{last['id']}" if last and len(rows) > limit else None}


class InspectorService:
    def __init__(self, store: Store, background: BackgroundService) -> None:
        self.store = store
        self.background = background

    async def responses(self, tenant: str | None, *, limit: int, before: str | None = None,
                        status: str | None = None) -> dict:
        async with self.store.connect() as conn:
            rows = await inspect_store.responses_page(conn, tenant, limit=limit + 1, before=parse_cursor(before),
                                              status=status)
        return _page(_with_mode(rows), limit)

    async def response(self, tenant: str | None, response_id: str) -> dict:
        async with self.store.connect() as conn:
            row = await inspect_store.response_row(conn, tenant, response_id)
            if row is None:
                raise not_found(response_id)
            items = [orjson.loads(d) for d in await RESPONSE_ITEMS.all_data(conn, response_id)]
            logged = await event_store.timed(conn, response_id)
            chain, previous = [], row.previous_response_id
            while previous and len(chain) < MAX_CHAIN:  # older turns, nearest first
                found = await inspect_store.response_row(conn, row.tenant, previous, whole=False)
                if found is None:
                    chain.append({"id": previous, "status": None})  # deleted, or never stored
                    break
                chain.append({"id": found.id, "status": found.status})
                previous = found.previous_response_id
            after = await inspect_store.successors(conn, row.tenant, response_id)
        params = StoredRequest.from_json(row.request).params
        return {
            "object": "inspector.response", "tenant": row.tenant, "worker": row.worker,
            "mode": mode(row.background, bool(logged) or bool(params.get("stream"))),
            "response": orjson.loads(row.body), "request": params, "input_items": items,
            "events": [{"sequence_number": seq, "type": type_, "at": at, "event": orjson.loads(data)}
                       for seq, type_, data, at in logged],
            "previous": chain, "next": after,
            "conversation_id": conversations.conversation_id_of(params.get("conversation")),
        }

    async def cancel(self, tenant: str | None, response_id: str) -> str:
        async with self.store.connect() as conn:
            row = await inspect_store.response_row(conn, tenant, response_id)
        if row is None:
            raise not_found(response_id)
        return await self.background.cancel(row.tenant, response_id)

    async def conversations(self, tenant: str | None, *, limit: int, before: str | None = None) -> dict:
        async with self.store.connect() as conn:
            rows = await inspect_store.conversations_page(conn, tenant, limit=limit + 1, before=parse_cursor(before))
        for row in rows:
            row["metadata"] = orjson.loads(row["metadata"])
            row["items"] = row.pop("next_position")
        return _page(rows, limit)

    async def conversation(self, tenant: str | None, conversation_id: str) -> dict:
        async with self.store.connect() as conn:
            # The admin token reaches it in whichever tenant owns it.
            owner = tenant if tenant is not None else await inspect_store.conversation_owner(conn, conversation_id)
            row = await conversation_store.get(conn, owner, conversation_id) if owner is not None else None
            if row is None:
                raise conversations.not_found(conversation_id)
            items = await conversations.items_of(conn, owner, conversation_id)
        return {"object": "inspector.conversation", "id": conversation_id, "tenant": owner,
                "created_at": row.created_at, "metadata": orjson.loads(row.metadata), "items": items}

    async def queue(self, tenant: str | None, finished: int = 50) -> dict:
        async with self.store.connect() as conn:
            jobs = await inspect_store.jobs_listing(conn, tenant)
            done = await inspect_store.responses_page(conn, tenant, limit=finished, background=True)
        done = [r for r in _with_mode(done) if r["status"] in ("completed", "incomplete", "failed", "cancelled")]
        workers = sorted({j["worker"] for j in jobs if j["worker"]} | {r["worker"] for r in done if r["worker"]})
        return {"object": "inspector.queue", "workers": workers,
                "queued": [j for j in jobs if j["status"] == "queued"],
                "running": [j for j in jobs if j["status"] == "running"], "finished": done}

