"""SQLite WAL checkpoints (store/wal.py): done by a thread of their own, never by a connection."""

from __future__ import annotations

import asyncio
import os

from responses_mock.store import wal
from responses_mock.store.direct import execute
from responses_mock.store.handle import Store
from tests.polling import until
from tests.unit.store.test_direct import INSERT, row


def test_checkpoints_run_off_the_loop(tmp_path, monkeypatch):
    monkeypatch.setattr(wal, "GROWN", 64 * 1024)
    monkeypatch.setattr(wal, "EVERY", 0.02)
    path = str(tmp_path / "wal.db")

    async def scenario():
        handle = Store(f"sqlite+aiosqlite:///{path}")
        await handle.migrate()
        store = handle.direct
        try:
            # Measured first: the thread may checkpoint while the rows go in (it runs every 20 ms).
            before = os.path.getsize(path)
            for i in range(60):  # ~2 KB rows: the log passes GROWN
                async with store.transaction() as tx:
                    await execute(tx, INSERT, row(f"resp_{i}")[:8] + ("x" * 2000,))
            # Only a checkpoint writes the database file while connections stay open.
            await until(lambda: os.path.getsize(path) > before + 60 * 2000, 4, what="the thread checkpointed")
            # No connection checkpoints by itself: that is the thread's job.
            assert store._writer.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        finally:
            await handle.dispose()

    asyncio.run(scenario())
