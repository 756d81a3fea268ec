"""The driver-level path of the hot statements (store/direct.py): one SQL text for both drivers,
group commits that keep each transaction all-or-nothing, Postgres batches that keep their order."""

from __future__ import annotations

import asyncio
import threading

import pytest

from responses_mock.store import direct
from responses_mock.store.direct import _merged, driver_sql, execute
from responses_mock.store.handle import Store
from tests.stores import migrated

INSERT = "INSERT INTO responses (id, tenant, created_at, status, model, background, previous_response_id, " \
         "request, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"


def row(rid: str) -> tuple:
    return (rid, "t", 1, "completed", "gpt-4.1", False, None, "{}", f'{{"id": "{rid}"}}')


def test_direct_sql_is_written_once_for_both_drivers():
    sql = "SELECT body FROM responses WHERE id = $1 AND tenant = $2"
    assert driver_sql(sql, "sqlite") == "SELECT body FROM responses WHERE id = ? AND tenant = ?"
    assert driver_sql(sql, "postgresql") == sql


@pytest.mark.parametrize("engine_name", ["sqlite", "postgres"])
def test_concurrent_transactions_commit_together_and_fail_alone(make_server, engine_name):
    url = make_server.fresh_url(engine_name)

    async def scenario():
        async with migrated(url) as handle:
            store = handle.direct

            async def write(rid: str, *, twice: bool = False) -> str:
                async with store.transaction() as tx:
                    await execute(tx, INSERT, row(rid))
                    if twice:  # a duplicate key: this transaction, and only this one, must fail
                        await execute(tx, INSERT, row(rid))
                return rid

            good = [f"resp_{i:04d}" for i in range(40)]
            results = await asyncio.gather(*(write(r) for r in good[:20]), write("resp_bad", twice=True),
                                           *(write(r) for r in good[20:]), return_exceptions=True)
            failed = [r for r in results if isinstance(r, Exception)]
            assert len(failed) == 1 and sorted(r for r in results if isinstance(r, str)) == good
            for rid in good:
                assert await direct.rows(store, "SELECT body FROM responses WHERE id = $1 AND tenant = $2", rid, "t") \
                    == [(f'{{"id": "{rid}"}}',)]
            assert await direct.rows(store, "SELECT id FROM responses WHERE id = $1 AND tenant = $2", "resp_bad", "t") == []

    asyncio.run(scenario())


def test_postgres_batches_send_each_inserts_rows_together():
    a, b = "INSERT INTO a (x) VALUES ($1)", "INSERT INTO b (y) VALUES ($1)"
    assert _merged([(a, (1,)), (b, [(2,), (3,)]), (a, (4,))]) == [(a, [(1,), (4,)]), (b, [(2,), (3,)])]
    mixed = [(a, (1,)), ("UPDATE a SET x = $1", (2,))]
    assert _merged(mixed) == mixed  # order matters once anything but an INSERT is in the batch


def test_closing_waits_for_a_commit_in_a_thread(tmp_path, monkeypatch):
    """A large batch commits in a thread; the store closed meanwhile (shutdown) must wait for it:
    a sqlite3 connection closed under a running statement crashes the process. The rows land."""
    monkeypatch.setattr(direct, "_INLINE_ROWS", 0)  # every commit in a thread
    url = f"sqlite+aiosqlite:///{tmp_path}/s.db"
    rids = [f"resp_{i:05d}" for i in range(5000)]

    async def scenario():
        handle = Store(url)
        await handle.migrate()

        async def write():
            async with handle.direct.transaction() as tx:
                await execute(tx, INSERT, [row(r) for r in rids])

        writing = asyncio.create_task(write())
        for _ in range(4):  # the flush has taken the lock and handed the batch to its thread
            await asyncio.sleep(0)
        await handle.dispose()
        await writing
        again = Store(url)
        try:
            assert await direct.rows(again.direct, "SELECT count(*) FROM responses WHERE tenant = $1", "t") == [(5000,)]
        finally:
            await again.dispose()

    asyncio.run(scenario())


def test_a_shared_batch_commits_in_a_thread_and_a_lone_one_inline(tmp_path, monkeypatch):
    """Under load (several callers in one batch) SQLite works in a thread, the loop serves the
    others meanwhile; a lone transaction commits inline (no hand-off added to its latency), unless
    nobody waits on it (`aside`: the journal's)."""
    where: list[bool] = []
    real = direct.SQLiteDirect._commit_now
    monkeypatch.setattr(direct.SQLiteDirect, "_commit_now", lambda self, statements: (
        where.append(threading.current_thread() is threading.main_thread()), real(self, statements))[1])

    async def scenario():
        handle = Store(f"sqlite+aiosqlite:///{tmp_path}/s.db")
        await handle.migrate()

        async def write(rid: str, aside: bool = False) -> None:
            async with handle.direct.transaction(aside) as tx:
                await execute(tx, INSERT, row(rid))

        try:
            await write("resp_alone")
            await asyncio.gather(*(write(f"resp_{i}") for i in range(10)))
            await write("resp_aside", aside=True)
            assert len(await handle.direct.all("SELECT id FROM responses")) == 12
        finally:
            await handle.dispose()

    asyncio.run(scenario())
    assert where == [True, False, False]
