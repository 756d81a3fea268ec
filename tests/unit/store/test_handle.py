"""The store handle (store/handle.py): one `Store` per database owns the PRAGMAs (one list, on
every SQLite connection of both paths), one health watch that both paths' writes report to, the
connection budget, and the handle the transitional `db.*(engine)` calls find."""

from __future__ import annotations

import asyncio

import pytest

from responses_mock.store import db
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


def test_the_engine_calls_find_the_one_handle_until_it_is_closed(tmp_path):
    async def scenario():
        store = Store(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        engine = store.engine
        try:
            await db.migrate(engine)
            found = (Store.of(engine) is store, Store.of(store) is store, db.direct(engine) is store.direct,
                     db.health(engine) is store.health, db.budget(engine) is None)
            async with db.begin(engine) as conn:  # serialised on the store's one lock
                assert store._write_lock.locked()
                await conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
            return found
        finally:
            await store.dispose()
            with pytest.raises(RuntimeError, match="no open Store"):
                db.direct(engine)

    assert asyncio.run(scenario()) == (True, True, True, True, True)


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
