"""A streamed run's end through the driver's group commit (Recorder.finish): its pending events,
final state and output rows in one shared COMMIT; nothing written over an end that is already
there (a sweeper's, or this run's own whose reply was lost)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import orjson

from responses_mock.services.recorder import Recorder
from responses_mock.store import events as event_store
from responses_mock.store import item_refs
from responses_mock.store import responses as response_store
from responses_mock.store.handle import Store
from responses_mock.store.notify import Notifier

RID = "resp_finish"
ITEM = {"id": "msg_finish", "type": "message", "status": "completed", "role": "assistant",
        "content": [{"type": "output_text", "text": "Hi.", "annotations": [], "logprobs": []}]}


async def _started(store: Store, status: str = "in_progress") -> None:
    async with store.direct.transaction() as tx:
        await response_store.insert(tx, {"id": RID, "tenant": "t", "created_at": 1, "status": status,
                                         "model": "gpt-4.1", "background": False, "previous_response_id": None,
                                         "request": "{}", "body": "{}"})


def _final(status: str = "completed") -> dict:
    return {"id": RID, "object": "response", "status": status, "output": [ITEM]}


async def _events(recorder: Recorder, n: int) -> None:
    for seq in range(n):
        await recorder({"type": "response.output_text.delta", "delta": str(seq), "sequence_number": seq})


def test_the_end_lands_whole_in_the_group_commit(tmp_path):
    async def run():
        store = Store(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        try:
            await store.migrate()
            await _started(store)
            recorder = Recorder(store, RID, Notifier(), flush_interval=3600)
            await _events(recorder, 5)
            assert await recorder.finish(_final()) is None
            assert recorder.pending == []
            logged = [seq for seq, _, _ in await event_store.after(store.direct, RID, -1)]
            body = await response_store.get_body(store.direct, "t", RID)
            found = await item_refs.find(store.direct, "t", ITEM["id"])
            return logged, await response_store.status_of(store.direct, RID), orjson.loads(body), found
        finally:
            await store.dispose()

    logged, status, body, found = asyncio.run(run())
    assert logged == [0, 1, 2, 3, 4]
    assert status == "completed" and body["output"] == [ITEM]
    assert orjson.loads(found) == ITEM  # findable by id, as item_reference inputs need


def test_an_end_already_there_is_not_written_over(tmp_path):
    async def run():
        store = Store(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        try:
            await store.migrate()
            await _started(store, status="failed")  # a sweeper failed it meanwhile
            recorder = Recorder(store, RID, Notifier(), flush_interval=3600)
            await _events(recorder, 3)
            said = await recorder.finish(_final())
            return said, await event_store.after(store.direct, RID, -1), await response_store.status_of(store.direct, RID)
        finally:
            await store.dispose()

    said, logged, status = asyncio.run(run())
    assert said == "failed" and logged == [] and status == "failed"


def test_a_retry_after_a_lost_reply_finds_its_own_end(tmp_path, monkeypatch):
    async def run():
        store = Store(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        try:
            await store.migrate()
            await _started(store)
            direct = store.direct
            real, lost = direct.transaction, []

            @asynccontextmanager
            async def reply_lost_once():
                async with real() as tx:
                    yield tx
                if not lost:  # committed, but the caller hears of a failure
                    lost.append(True)
                    raise ConnectionResetError("the reply was lost")

            monkeypatch.setattr(direct, "transaction", reply_lost_once)
            recorder = Recorder(store, RID, Notifier(), flush_interval=3600)
            await _events(recorder, 4)
            try:
                await recorder.finish(_final())
            except ConnectionResetError:
                pass
            again = await recorder.finish(_final())
            return again, [seq for seq, _, _ in await event_store.after(direct, RID, -1)]
        finally:
            await store.dispose()

    again, logged = asyncio.run(run())
    assert again == "completed"  # its own end: the driver (stream_runs) takes it as stored
    assert logged == [0, 1, 2, 3]  # once each
