"""The event log while the store fails: a run's events stay pending (the run goes on), and a
write whose reply was lost (it did commit) is not written twice when it is retried."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from responses_mock.services.recorder import Recorder
from responses_mock.store import events as event_store
from responses_mock.store.handle import Store
from responses_mock.store.notify import Notifier


def test_a_write_whose_reply_was_lost_is_not_written_twice(tmp_path, monkeypatch):
    async def run() -> list[int]:
        store = Store(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        real_transaction, lost = store.direct.transaction, []

        @asynccontextmanager
        async def reply_lost_once():
            async with real_transaction() as tx:
                yield tx
            if not lost:  # committed, but the caller hears of a failure
                lost.append(True)
                raise ConnectionResetError("the reply was lost")

        try:
            await store.migrate()
            monkeypatch.setattr(store.direct, "transaction", reply_lost_once)
            recorder = Recorder(store, "resp_x", Notifier(), flush_interval=0)
            await recorder({"type": "response.created", "sequence_number": 0})
            assert [e[0] for e in recorder.pending] == [0]  # kept: the run cannot tell it landed
            recorder._retry_at = 0.0  # past the backoff
            await recorder({"type": "response.in_progress", "sequence_number": 1})
            assert recorder.pending == [] and lost
            return [seq for seq, _, _ in await event_store.after(store.direct, "resp_x", -1)]
        finally:
            await store.dispose()

    assert asyncio.run(run()) == [0, 1]
