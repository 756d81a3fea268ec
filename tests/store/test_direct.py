"""The driver-level path of the hot statements (store/direct.py): one SQL text for both drivers,
group commits that keep each transaction all-or-nothing, and WAL checkpoints off the loop."""

from __future__ import annotations

import asyncio
import os

import pytest

from responses_mock import ids
from responses_mock.store import db, direct, wal
from responses_mock.store.direct import driver_sql, execute

INSERT = "INSERT INTO responses (id, tenant, created_at, status, model, background, previous_response_id, " \
         "request, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"


def row(rid: str) -> tuple:
    return (rid, "t", 1, "completed", "gpt-4.1", False, None, "{}", '{"id": "%s"}' % rid)


def test_direct_sql_is_written_once_for_both_drivers():
    sql = "SELECT body FROM responses WHERE id = $1 AND tenant = $2"
    assert driver_sql(sql, "sqlite") == "SELECT body FROM responses WHERE id = ? AND tenant = ?"
    assert driver_sql(sql, "postgresql") == sql


def test_in_memory_sqlite_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="in-memory"):
        db.make_engine("sqlite+aiosqlite:///:memory:")


@pytest.mark.parametrize("engine_name", ["sqlite", "postgres"])
def test_concurrent_transactions_commit_together_and_fail_alone(make_server, engine_name):
    url = make_server.fresh_url(engine_name)

    async def scenario():
        engine = db.make_engine(url)
        await db.migrate(engine)
        store = db.direct(engine)

        async def write(rid: str, *, twice: bool = False) -> str:
            async with store.transaction() as tx:
                await execute(tx, INSERT, row(rid))
                if twice:  # a duplicate key: this transaction, and only this one, must fail
                    await execute(tx, INSERT, row(rid))
            return rid

        try:
            good = [f"resp_{i:04d}" for i in range(40)]
            results = await asyncio.gather(*(write(r) for r in good[:20]), write("resp_bad", twice=True),
                                           *(write(r) for r in good[20:]), return_exceptions=True)
            failed = [r for r in results if isinstance(r, Exception)]
            assert len(failed) == 1 and sorted(r for r in results if isinstance(r, str)) == good
            for rid in good:
                assert await direct.rows(store, "SELECT body FROM responses WHERE id = $1 AND tenant = $2", rid, "t") \
                    == [('{"id": "%s"}' % rid,)]
            assert await direct.rows(store, "SELECT id FROM responses WHERE id = $1 AND tenant = $2", "resp_bad", "t") == []
        finally:
            await db.dispose(engine)

    asyncio.run(scenario())


def test_checkpoints_run_off_the_loop(tmp_path, monkeypatch):
    monkeypatch.setattr(wal, "GROWN", 64 * 1024)
    monkeypatch.setattr(wal, "EVERY", 0.02)
    path = str(tmp_path / "wal.db")

    async def scenario():
        engine = db.make_engine(f"sqlite+aiosqlite:///{path}")
        await db.migrate(engine)
        store = db.direct(engine)
        try:
            # Measured first: the thread may checkpoint while the rows go in (it runs every 20 ms).
            before = os.path.getsize(path)
            for i in range(60):  # ~2 KB rows: the log passes GROWN
                async with store.transaction() as tx:
                    await execute(tx, INSERT, row(f"resp_{i}")[:8] + ("x" * 2000,))
            for _ in range(200):  # only a checkpoint writes the database file while connections stay open
                await asyncio.sleep(0.02)
                if os.path.getsize(path) > before + 60 * 2000:
                    break
            assert os.path.getsize(path) > before + 60 * 2000, "the thread never checkpointed"
            # No connection checkpoints by itself: that is the thread's job.
            assert store._writer.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        finally:
            await db.dispose(engine)

    asyncio.run(scenario())


def test_ids_look_real_and_differ():
    made = {ids.response_id() for _ in range(10_000)}
    assert len(made) == 10_000
    rid = next(iter(made))
    assert rid.startswith("resp_") and len(rid) == 5 + 48 and int(rid[5:], 16) >= 0
    in_order = [ids.response_id() for _ in range(100)]
    assert in_order == sorted(in_order)  # a process's ids append to the indexes
    assert ids.request_id().startswith("req_") and len(ids.request_id()) == 36


def test_postgres_batches_send_each_inserts_rows_together():
    from responses_mock.store.direct import _merged

    a, b = "INSERT INTO a (x) VALUES ($1)", "INSERT INTO b (y) VALUES ($1)"
    assert _merged([(a, (1,)), (b, [(2,), (3,)]), (a, (4,))]) == [(a, [(1,), (4,)]), (b, [(2,), (3,)])]
    mixed = [(a, (1,)), ("UPDATE a SET x = $1", (2,))]
    assert _merged(mixed) == mixed  # order matters once anything but an INSERT is in the batch
