"""The schema is only ever made by migrations: what they build must be exactly app/store/tables.py,
on both databases (so code and migrations cannot drift apart)."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from responses_mock.store.handle import Store
from responses_mock.store.tables import metadata


def _not_the_search_engines(name, kind, parents) -> bool:
    """The full-text index of chunks is the engine's own, not Core's (store/tables.py `chunks`):
    SQLite's FTS5 table and its shadow tables, Postgres's GIN index over an expression."""
    return not (name or "").startswith(("chunks_fts", "ix_chunks_fts"))


@pytest.mark.parametrize("engine_name", ["sqlite", "postgres"])
def test_migrations_build_exactly_the_tables(make_server, engine_name):
    url = make_server.fresh_url(engine_name)

    async def migrate_and_compare():
        store = Store(url)
        try:
            await store.migrate()
            await store.migrate()  # idempotent
            async with store.connect() as conn:
                return await conn.run_sync(lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"include_name": _not_the_search_engines}), metadata))
        finally:
            await store.dispose()

    assert asyncio.run(migrate_and_compare()) == []

