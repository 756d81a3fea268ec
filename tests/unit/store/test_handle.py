"""The store handle (store/handle.py): one `Store` per database owns the PRAGMAs (one list, on
every SQLite connection of both paths), one health watch that both paths' writes report to, one
write lock on SQLite, and the connection budget; an in-memory SQLite is refused (every connection
would see a database of its own)."""

from __future__ import annotations

import asyncio

import pytest

from responses_mock.store.direct import execute
from responses_mock.store.handle import SQLITE_PRAGMAS, Budget, Store

# What each PRAGMA of the list reads back as, on a connection that ran it.
EXPECTED = {"busy_timeout": 30000, "journal_mode": "wal", "synchronous": 1, "cache_size": -1024,
            "wal_autocheckpoint": 0, "journal_size_limit": 67108864}


def test_every_sqlite_connection_of_both_paths_runs_the_one_list(tmp_path):
    assert {p.split()[1].split("=")[0] for p in SQLITE_PRAGMAS} == set(EXPECTED)

    async def scenario():
        store = Store(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        try:
            await store.open(migrate_first=True)
            async with store.connect() as conn:  # SQLAlchemy's pool
                pooled = {name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar() for name in EXPECTED}
            async with store.direct.transaction() as tx:  # opens the driver's writer
                await execute(tx, "UPDATE alembic_version SET version_num = version_num", ())
            reader, writer = store.direct._reader, store.direct._writer
            driver = [{name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in EXPECTED}
                      for conn in (reader, writer)]
            return pooled, driver
        finally:
            await store.dispose()

    pooled, driver = asyncio.run(scenario())
    assert pooled == EXPECTED
    assert driver == [EXPECTED, EXPECTED]


def test_both_paths_report_to_one_health_watch(tmp_path):
    async def scenario():
        store = Store(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        try:
            await store.migrate()
            with pytest.raises(Exception, match="no such table"):  # a store fault, on the driver's path
                async with store.direct.transaction() as tx:
                    await execute(tx, "INSERT INTO gone (x) VALUES ($1)", (1,))
            failed = store.health.writable, store.health.failure
            await store.probe()  # a write of SQLAlchemy's path: the same watch hears it worked
            return failed, store.health.writable
        finally:
            await store.dispose()

    (writable, failure), after = asyncio.run(scenario())
    assert not writable and "no such table" in failure
    assert after


def test_sqlite_writes_of_both_paths_queue_on_one_lock(tmp_path):
    async def scenario():
        store = Store(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        try:
            await store.migrate()
            async with store.begin() as conn:  # SQLAlchemy's path holds the lock the driver's writer takes
                held = store._write_lock.locked() and store.direct._lock is store._write_lock
                await conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
            return held, store._write_lock.locked(), store.budget
        finally:
            await store.dispose()

    assert asyncio.run(scenario()) == (True, False, None)


def test_the_budget_is_shared_out_and_never_exceeded():
    for total in range(3, 40):
        share = Budget(total)
        assert share.listen == 1 and share.direct >= 1 and share.pool >= 1
        assert share.listen + share.direct + share.pool == total
    assert (Budget(10).direct, Budget(10).pool) == (4, 5)
    with pytest.raises(ValueError, match="at least 3"):
        Budget(2)


def test_in_memory_sqlite_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="in-memory"):
        Store("sqlite+aiosqlite:///:memory:")


@pytest.mark.parametrize("total", [3, 10])
def test_postgres_shares_its_budget_out_between_the_pools(make_server, total):
    url = make_server.fresh_url("postgres")

    async def scenario():
        store = Store(url, total)
        try:
            await store.open(migrate_first=True)
            return store.budget, store.engine.pool.size(), store.direct._max_size, store.dsn
        finally:
            await store.dispose()

    budget, pool, direct, dsn = asyncio.run(scenario())
    assert budget == Budget(total) and (pool, direct) == (budget.pool, budget.direct)
    assert dsn.startswith("postgresql://") and dsn.endswith(url.rsplit("/", 1)[1])
