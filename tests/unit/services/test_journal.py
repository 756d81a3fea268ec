"""The journal's writer: an entry the store refuses for its data is dropped alone (it once
jammed the journal for good); when the store is away, nothing is lost or written twice."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace

import pytest

from responses_mock.services import journal as journal_module
from responses_mock.services.journal import MASK, JournalService, redact_body, redact_reply


class DataError(Exception):
    """Named as asyncpg's and sqlite3's are: the store will never take this data."""


class Direct:
    @contextlib.asynccontextmanager
    async def transaction(self):
        yield None


HANDLE = SimpleNamespace(direct=Direct())  # the `Store`, as far as the journal's writes use it


class FakeStore:
    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.down = False

    async def append(self, tx, entries: list[dict]) -> None:
        if self.down:
            raise ConnectionError("the store is away")
        if any(e.get("bad") for e in entries):
            raise DataError("invalid byte sequence")
        self.rows += entries


@pytest.fixture
def fake(monkeypatch):
    store = FakeStore()
    monkeypatch.setattr(journal_module.journal_store, "append", store.append)
    return store


def test_a_refused_entry_is_dropped_alone(fake):
    service = JournalService(HANDLE, keep=10_000)
    for entry in ({"id": 1}, {"id": 2, "bad": True}, {"id": 3}):
        service.record(entry)
    asyncio.run(service.flush())
    assert [e["id"] for e in fake.rows] == [1, 3]
    service.record({"id": 4, "bad": True})  # alone in its batch: dropped too, not retried for ever
    asyncio.run(service.flush())
    assert service._pending == []


def test_a_store_that_is_away_keeps_everything_once(fake):
    service = JournalService(HANDLE, keep=10_000)
    fake.down = True
    service.record({"id": 1})
    service.record({"id": 2})
    with pytest.raises(ConnectionError):
        asyncio.run(service.flush())
    fake.down = False
    asyncio.run(service.flush())
    assert [e["id"] for e in fake.rows] == [1, 2]


def test_mcp_credentials_in_a_body_are_masked():
    body = ('{"model": "gpt-4.1", "tools": [{"type": "mcp", "server_label": "s", "server_url": "https://m",'
            ' "authorization": "tok-secret", "headers": {"X-Key": "hdr-secret"}}]}')
    cleaned = redact_body(body)
    assert "tok-secret" not in cleaned and "hdr-secret" not in cleaned and MASK in cleaned
    assert '"server_label":"s"' in cleaned
    plain = '{"model": "gpt-4.1", "input": "what is mcp?"}'
    assert redact_body(plain) is plain


def test_mcp_credentials_echoed_in_a_reply_are_masked_whole_streamed_or_cut():
    tool = ('{"type":"mcp","server_label":"s","server_url":"https://m","authorization":"tok-secret",'
            '"headers":{"X-Key":"hdr-secret"}}')
    whole = '{"id":"resp_1","object":"response","tools":[' + tool + ']}'
    streamed = ('event: response.created\ndata: {"type":"response.created","response":{"id":"resp_1","tools":['
                + tool + ']}}\n\n')
    for reply in (whole, streamed, whole[:-5], streamed[:-10]):  # the last two: cut at the bound
        cleaned = redact_reply(reply)
        assert "tok-secret" not in cleaned and "hdr-secret" not in cleaned and MASK in cleaned, reply
        assert '"server_label":"s"' in cleaned
    plain = '{"id":"resp_1","output":[]}'
    assert redact_reply(plain) is plain
