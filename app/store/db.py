"""Transitional: the store reached by its engine, for the modules not yet handed their `Store`
(store/handle.py). Each call looks up the engine's one handle and does what the handle does;
new code takes the `Store` itself (`store.begin()`, `store.direct`, `store.health`)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from responses_mock.store.direct import Direct
from responses_mock.store.handle import (
    CONNECT_TIMEOUT,
    MIGRATIONS,
    MIN_CONNECTIONS,
    Budget,
    Store,
    StoreUnavailable,
    display_url,
    is_sqlite_url,
)
from responses_mock.store.health import StoreHealth

__all__ = ["CONNECT_TIMEOUT", "MIGRATIONS", "MIN_CONNECTIONS", "Budget", "Store", "StoreUnavailable", "begin",
           "direct", "display_url", "dispose", "health", "is_sqlite", "is_sqlite_url", "make_engine", "migrate"]


def make_engine(url: str, max_connections: int = 10) -> AsyncEngine:
    """A new `Store`'s engine (the handle is found again by the calls below)."""
    return Store(url, max_connections).engine


def begin(engine: AsyncEngine) -> AbstractAsyncContextManager[AsyncConnection]:
    """`Store.begin()`: a write transaction, serialised on SQLite, telling the store's health."""
    return Store.of(engine).begin()


def direct(engine: AsyncEngine) -> Direct:
    """`Store.direct`: the driver-level access of the hot statements."""
    return Store.of(engine).direct


def health(engine: AsyncEngine) -> StoreHealth:
    """`Store.health`: whether the store's writes succeed, as the latest ones found."""
    return Store.of(engine).health


def budget(engine: AsyncEngine) -> Budget | None:
    return Store.of(engine).budget


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


async def migrate(engine: AsyncEngine) -> None:
    await Store.of(engine).migrate()


async def dispose(engine: AsyncEngine) -> None:
    await Store.of(engine).dispose()
