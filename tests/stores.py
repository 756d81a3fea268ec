"""A migrated store for a unit test: its own database, disposed of when the test is done."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from responses_mock.store.handle import Store


@asynccontextmanager
async def migrated(url: str) -> AsyncIterator[Store]:
    store = Store(url)
    await store.migrate()
    try:
        yield store
    finally:
        await store.dispose()
