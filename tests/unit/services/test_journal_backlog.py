"""The journal while the store is away: its backlog is bounded (the oldest entries go first), an
entry waits at most HOLD seconds, every drop is counted, and the outage is logged once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from types import SimpleNamespace

import pytest

from responses_mock.services import journal as journal_module
from responses_mock.services.journal import JournalService


class Direct:
    @contextlib.asynccontextmanager
    async def transaction(self, aside=False):
        yield None


HANDLE = SimpleNamespace(direct=Direct())  # the `Store`, as far as the journal's writes use it


@pytest.fixture
def away(monkeypatch):
    """A store that is away: every append fails as a lost connection does."""
    attempts = []

    async def append(tx, entries):
        attempts.append(len(entries))
        raise ConnectionRefusedError("[Errno 111] Connect call failed")

    monkeypatch.setattr(journal_module.journal_store, "append", append)
    return attempts


def test_the_backlog_is_bounded_and_its_drops_counted(away, monkeypatch):
    monkeypatch.setattr(journal_module, "MAX_BACKLOG", 3)
    counted = []
    service = JournalService(HANDLE, keep=10_000, on_drop=counted.append)
    for i in range(10):
        service.record({"id": i, "at": time.time()})
    assert [e["id"] for e in service._pending] == [7, 8, 9] and sum(counted) == 7 == service.dropped


def test_entries_wait_at_most_hold_seconds(away):
    service = JournalService(HANDLE, keep=10_000)
    service.record({"id": "old", "at": time.time() - journal_module.HOLD - 1})
    service.record({"id": "new", "at": time.time()})
    with pytest.raises(ConnectionRefusedError):
        asyncio.run(service.flush())
    assert [e["id"] for e in service._pending] == ["new"] and service.dropped == 1


def test_the_writer_backs_off_and_logs_the_outage_once(away, caplog):
    async def run() -> JournalService:
        service = JournalService(HANDLE, keep=10_000, interval=0.01)
        service.record({"id": 1, "at": time.time()})
        await service.start()
        await asyncio.sleep(1.0)
        await service.stop(timeout=0.1)
        return service

    with caplog.at_level(logging.WARNING, logger="responses_mock.journal"):
        service = asyncio.run(run())
    lines = [r for r in caplog.records if "writing the request journal failed" in r.getMessage()]
    assert len(lines) == 1 and "ConnectionRefusedError" in lines[0].getMessage()
    assert service.dropped == 1  # what was left at shutdown, counted
    assert len(away) < 10  # backed off (0.1 s doubling), not retried every 10 ms
