"""A response's rows: its row (with the stored request) and input items as it is created, and its
turn in a conversation. Every driver inserts through `insert`; sync and streamed responses through
`record`, the one insert path, which picks the group commit where it can. And the 404 of a
response no row holds."""

from __future__ import annotations

import time

import anyio

from responses_mock.errors import NotFound
from responses_mock.services import conversations
from responses_mock.services.prepare import Prepared
from responses_mock.store import item_refs
from responses_mock.store import responses as response_store
from responses_mock.store.handle import Store
from responses_mock.store.items import RESPONSE_ITEMS
from responses_mock.wire import objects
from responses_mock.wire.stored import dumps


def not_found(response_id: str) -> NotFound:
    return NotFound(f"Response with id '{response_id}' not found.")


async def insert(conn, p: Prepared, body: dict, owner: str | None = None, text: str | None = None) -> None:
    """The response row and all its input items, in the caller's transaction (a SQLAlchemy
    connection or a group-commit `Tx`: both take these statements). `owner`: the process whose
    streamed run this is; it heartbeats the row (a sweeper fails it if the process stops).
    `text`: the body's JSON, when the caller has it already."""
    await response_store.insert(conn, {
        "id": body["id"], "tenant": p.tenant, "created_at": body["created_at"],
        "status": body["status"], "model": body["model"], "background": body["background"],
        "previous_response_id": body["previous_response_id"],
        "request": p.stored().to_json(), "body": dumps(body) if text is None else text,
        "worker": owner[:64] if owner else None, "heartbeat_at": time.time() if owner else None,
    })
    await RESPONSE_ITEMS.add(conn, body["id"], await _item_rows(p.context.items))
    if body["status"] in objects.TERMINAL:  # a sync response is stored finished: its outputs too
        await item_refs.add_outputs(conn, body["id"], response_store.output_rows(body["output"]))


IN_THREAD = 1024  # input items past which their JSON is made in a thread (16,384: ~80 ms of the loop)


async def _item_rows(items: list[dict]) -> list[tuple[str, str]]:
    def rows() -> list[tuple[str, str]]:
        return [(item.get("id", ""), dumps(item)) for item in items]

    return await anyio.to_thread.run_sync(rows) if len(items) > IN_THREAD else rows()


async def record(store: Store, p: Prepared, body: dict, owner: str | None = None, text: str | None = None) -> None:
    """A sync response once it ended, or a streamed one as it starts: its row (if stored) and its
    conversation turn — the input, and the output it has so far (none, when it starts).

    One insert path, two transactions by need: a conversation's turn reserves item positions (a
    read, then writes), which takes a SQLAlchemy transaction; without one, the commonest write of
    all goes straight to the driver's group commit (store/direct.py), where creates that arrive
    together share one COMMIT and none holds a pooled connection."""
    if p.conversation_id:
        async with store.begin() as conn:
            if body["store"]:
                await insert(conn, p, body, owner, text)
            await append_turn(conn, p.tenant, p.conversation_id, input=p.context.new, output=body["output"])
    elif body["store"]:
        async with store.direct.transaction() as tx:
            await insert(tx, p, body, owner, text)


async def append_turn(conn, tenant: str, conversation_id: str | None, *, input: list[dict] = (),
                      output: list[dict] = ()) -> None:
    """A conversation gets a turn's input when the response is recorded and its output when it
    ends (a conversation deleted meanwhile is no reason to fail the response)."""
    if conversation_id:
        items = [objects.conversation_item(i) for i in input] + list(output)
        await conversations.append(conn, tenant, conversation_id, items, missing_ok=not input)
