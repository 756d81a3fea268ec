"""The event log (store/events.py) on both drivers: an append of any length goes in as INSERTs of
up to 64 rows, the response's id given once, and reads back exactly as given, in order — in a
group commit beside other runs' appends, and on a SQLAlchemy connection (a background run's first
events, without emit times)."""

from __future__ import annotations

import asyncio

import pytest

from responses_mock.store import direct
from responses_mock.store import events as event_store
from responses_mock.store.handle import Store
from tests.stores import migrated

LENGTHS = [0, 1, 3, 4, 5, 15, 16, 17, 63, 64, 65, 85, 129, 1100]


def _events(rid: str, n: int) -> list[tuple[int, str, str, float]]:
    return [(seq, "response.output_text.delta", f'{{"delta":"{rid} {seq} é 東京 \\"q\\""}}', 1700000000.0 + seq / 8)
            for seq in range(n)]


def test_the_insert_shapes_number_their_parameters_for_each_driver():
    def events(rows: int, dialect: str) -> str:
        return direct.insert_sql("response_events", event_store._COLUMNS, rows, dialect, "response_id")

    assert events(2, "sqlite") == ("INSERT INTO response_events (response_id, seq, type, data, at) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5), (?1, ?6, ?7, ?8, ?9)")
    assert events(1, "postgresql").endswith("VALUES ($1, $2, $3, $4, $5)")
    assert direct.insert_sql("journal", ("a", "b"), 2, "postgresql") == "INSERT INTO journal (a, b) VALUES ($1, $2), ($3, $4)"
    sql = events(64, "sqlite")
    assert direct.driver_sql(sql, "sqlite") == sql  # direct.py leaves numbered parameters be
    assert sql.count("), (") + 1 == 64  # what direct.py counts as the statement's rows


@pytest.mark.parametrize("engine_name", ["sqlite", "postgres"])
def test_appends_of_any_length_read_back_as_given(make_server, engine_name):
    url = make_server.fresh_url(engine_name)

    async def scenario():
        async with migrated(url) as handle:
            reads = handle.direct

            async def append(rid: str, n: int) -> None:
                async with reads.transaction() as tx:
                    await event_store.append(tx, rid, _events(rid, n))

            # together: one group commit holds every length's statements
            await asyncio.gather(*(append(f"resp_{n}", n) for n in LENGTHS))
            for n in LENGTHS:
                wanted = [(seq, type_, data) for seq, type_, data, _ in _events(f"resp_{n}", n)]
                assert await event_store.after(reads, f"resp_{n}", -1, limit=None) == wanted
                assert await event_store.last_seq(reads, f"resp_{n}") == n - 1
            async with handle.engine.connect() as conn:
                timed = await event_store.timed(conn, "resp_65")
            assert [at for *_, at in timed] == [at for *_, at in _events("resp_65", 65)]
            async with handle.begin() as conn:  # a SQLAlchemy connection; rows without their emit time
                await event_store.append(conn, "resp_bg", [(0, "response.created", "{}"), (1, "response.queued", "{}")])
                await event_store.append(conn, "resp_bg", [(2, "a", "{}", 5.0), (3, "b", "{}")])
            assert await event_store.after(reads, "resp_bg", 0) == [(1, "response.queued", "{}"), (2, "a", "{}"),
                                                                   (3, "b", "{}")]
            async with handle.engine.connect() as conn:
                ats = [at for *_, at in await event_store.timed(conn, "resp_bg")]
            assert ats[2] == 5.0 and all(at and at > 1e9 for at in ats[:2] + ats[3:])

    asyncio.run(scenario())


def test_a_long_append_is_counted_in_rows_and_commits_off_the_loop(tmp_path, monkeypatch):
    """direct.py sends a commit of more than _INLINE_ROWS rows to a thread: a multi-row INSERT
    counts as its rows, not as one statement."""
    threaded: list[int] = []
    real = asyncio.to_thread

    async def to_thread(fn, *args):
        threaded.append(len(args[0]))
        return await real(fn, *args)

    monkeypatch.setattr(direct.asyncio, "to_thread", to_thread)

    async def scenario():
        handle = Store(f"sqlite+aiosqlite:///{tmp_path}/s.db")
        await handle.migrate()
        try:
            async with handle.direct.transaction() as tx:
                await event_store.append(tx, "resp_small", _events("resp_small", 65))
            assert threaded == []
            async with handle.direct.transaction() as tx:
                await event_store.append(tx, "resp_long", _events("resp_long", direct._INLINE_ROWS + 1))
            assert threaded
            assert await event_store.last_seq(handle.direct, "resp_long") == direct._INLINE_ROWS
        finally:
            await handle.dispose()

    asyncio.run(scenario())
