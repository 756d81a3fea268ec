"""The journal's writer: an entry the store refuses for its data is dropped alone (it once
jammed the journal for good); when the store is away, nothing is lost or written twice."""

from __future__ import annotations

import asyncio
import contextlib
import time
from types import SimpleNamespace

import pytest

from responses_mock.services import journal as journal_module
from responses_mock.services import journal_feed
from responses_mock.services.journal import (
    MASK,
    JournalService,
    RequestNote,
    entry,
    journal_headers,
    redact_body,
    redact_reply,
)


class DataError(Exception):
    """Named as asyncpg's and sqlite3's are: the store will never take this data."""


class Direct:
    @contextlib.asynccontextmanager
    async def transaction(self, aside=False):
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
    for given in ({"id": 1}, {"id": 2, "bad": True}, {"id": 3}):
        service.record(given)
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


def test_a_request_recorded_as_sent_is_the_entry_entry_makes_redacted_and_in_order(fake):
    service = JournalService(HANDLE, keep=10_000)
    note = RequestNote("req_1", "tenant-1")
    note.fixture_id = "fx_1"  # a route learns it while answering
    headers = {"authorization": "Bearer sk-secret", "x-api-key": "k-secret", "content-type": "application/json"}
    tool = '{"type":"mcp","server_label":"s","server_url":"https://m","authorization":"tok-secret"}'
    body = '{"model": "gpt-4.1", "input": "h\u00e9", "tools": [' + tool + ']}'
    reply = '{"id":"resp_1","object":"response","tools":[' + tool + ']}'
    raw = body.encode()
    started = time.perf_counter()
    service.record({"id": "before"})
    service.record_request(note, "POST", "/v1/responses", b"api_key=q-secret&x=1", journal_headers(headers),
                           [raw[:7], raw[7:]], len(raw), 201, started, [reply.encode()], len(reply))
    service.record({"id": "after"})
    assert service._bytes == sum(journal_module._size(e) for e in service._pending)
    asyncio.run(service.flush())
    assert [e["id"] for e in fake.rows] == ["before", "req_1", "after"]
    got = fake.rows[1]
    want = entry(note, method="POST", path="/v1/responses", query="api_key=q-secret&x=1", headers=headers, body=body,
                 status=201, started=started, reply=reply)
    assert {k: v for k, v in got.items() if k not in ("at", "duration_ms", "model")} == {
        k: v for k, v in want.items() if k not in ("at", "duration_ms")}
    assert got["at"] <= want["at"] and 0 <= got["duration_ms"] <= want["duration_ms"] and got["model"] == "gpt-4.1"
    stored = " ".join(str(v) for v in got.values())
    assert not any(s in stored for s in ("sk-secret", "k-secret", "q-secret", "tok-secret")) and MASK in stored


def test_requests_recorded_as_sent_keep_the_backlog_bounds_and_expire(away_store, monkeypatch):
    monkeypatch.setattr(journal_module, "MAX_BACKLOG", 3)
    service = JournalService(HANDLE, keep=10_000)
    for i in range(5):
        service.record_request(RequestNote(f"req_{i}", ""), "GET", "/v1/models", b"", "{}", [], 0, 200,
                               time.perf_counter(), [b"{}"], 2)
    assert [e[0].id for e in service._pending] == ["req_2", "req_3", "req_4"] and service.dropped == 2
    assert service._bytes == sum(journal_module._size(e) for e in service._pending)
    later = time.time() + journal_module.HOLD + 1
    monkeypatch.setattr(journal_module.time, "time", lambda: later)
    service._expire()
    assert service._pending == [] and service.dropped == 5


@pytest.fixture
def away_store(monkeypatch):
    async def append(tx, entries):
        raise ConnectionRefusedError("[Errno 111] Connect call failed")

    monkeypatch.setattr(journal_module.journal_store, "append", append)


@pytest.mark.parametrize("path, query, body, reply", [
    ("/v1/models", b"", b"", b""),  # nothing sent, nothing answered
    ("/v1/x\x00y", b"a=\x00&token=t", b'{"input": "\x00", "model": "m"}', b'{"a": "\x00"}'),  # NULs escaped
    ("/v1/responses", b"", b'{"model": "gpt-\xff"}', b"event: x\ndata: {}\n\n"),  # not UTF-8: replaced
    ("/v1/responses", b"", b'{"input": "' + b"x" * 5000 + b'", "model": "late"}', b"{}"),  # named too late
    ("/v1/responses", b"", b'{"tools": [{"type": "mcp", "server_label": "s", "server_url": "u", "headers": {"k": '
     b'"v"}}], "input": "' + b"y" * 3980 + b'", "model": "m"}', b"{}"),  # redacted, "model" is found sooner
])
def test_an_entry_made_at_the_flush_is_the_one_made_at_once(fake, path, query, body, reply):
    service = JournalService(HANDLE, keep=10_000)
    note = RequestNote("req_1", "t")
    headers = journal_headers({"host": "h"})
    started = time.perf_counter()
    service.record_request(note, "POST", path, query, headers, [body[:3], body[3:]] if body else [], len(body), 200,
                           started, [reply] if reply else [], len(reply))
    service.record(entry(note, method="POST", path=path, query=query.decode("latin-1"), headers={"host": "h"},
                         body=body.decode("utf-8", "replace"), status=200, started=started,
                         reply=reply.decode("utf-8", "replace")))
    asyncio.run(service.flush())
    deferred, at_once = ({k: v for k, v in e.items() if k not in ("at", "duration_ms")} for e in fake.rows)
    assert deferred == at_once


def test_an_entry_recorded_while_a_follower_reads_ends_its_wait_at_once():
    """A live follower (the inspector) reads, then waits to be woken: an entry recorded during its
    read woke nobody, and used to wait out the poll (a second) before the follower saw it."""
    class Journal:  # the service's read, as far as the feed uses it: one entry arrives mid-read
        def __init__(self) -> None:
            self.service = JournalService(HANDLE, keep=10_000)
            self.watching, self.seen, self.follow = self.service.watching, self.service.seen, self.service.follow
            self.reads = 0

        async def read(self, *, after, **_):
            self.reads += 1
            if self.reads == 1:
                self.service.record({"id": "req_1", "tenant": "mine", "at": time.time()})
            data = [{"cursor": 1}] if self.reads == 2 else []
            return {"data": data, "has_more": False, "last_cursor": data[-1]["cursor"] if data else None}

    async def scenario():
        journal = Journal()
        feed = journal_feed.follow(journal, "mine", journal_feed.Filters(), 0)
        loop = asyncio.get_running_loop()
        started = loop.time()
        first = await asyncio.wait_for(feed.__anext__(), 5)
        return first, loop.time() - started

    first, took = asyncio.run(scenario())
    assert first == {"cursor": 1}
    assert took < journal_feed.FOLLOW_POLL / 2


def test_a_tenants_follower_is_woken_by_its_tenants_entries_only():
    """The inspector of one key is not made to read the journal again for every other key's
    request; an entry of its own still reaches it at once."""
    async def scenario():
        service = JournalService(HANDLE, keep=10_000)
        loop = asyncio.get_running_loop()
        with service.watching("mine"):
            seen = service.seen("mine")
            waiter = asyncio.create_task(service.follow(0.3, seen, "mine"))
            for n in range(5):  # other tenants' entries: it goes on waiting
                await asyncio.sleep(0.01)
                service.record({"id": f"req_{n}", "tenant": "theirs", "at": time.time()})
            await asyncio.sleep(0.01)
            assert not waiter.done() and service.seen("mine") == seen
            started = loop.time()
            service.record({"id": "req_mine", "tenant": "mine", "at": time.time()})
            await asyncio.wait_for(waiter, 1)
            woken = loop.time() - started
        return woken, service.seen("mine"), service._watched, service.recorded

    woken, after, watched, recorded = asyncio.run(scenario())
    assert woken < 0.1
    assert after == 0 and watched == {}  # its count goes with its last follower
    assert recorded == 6


def test_a_follower_with_nothing_new_waits_for_an_entry_or_its_timeout():
    async def scenario():
        service = JournalService(HANDLE, keep=10_000)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await service.follow(0.05, service.recorded)  # nothing recorded: the timeout
        waited = loop.time() - started
        seen = service.recorded
        waiter = asyncio.create_task(service.follow(5.0, seen))
        await asyncio.sleep(0.01)
        service.record({"id": "req_2", "at": time.time()})  # wakes the waiter
        await asyncio.wait_for(waiter, 1)
        return waited

    assert asyncio.run(scenario()) >= 0.04


def test_a_filtered_follower_reads_past_what_does_not_match():
    """A follower whose filters match nothing read every entry since its start on every wake-up;
    it now starts each read after the newest entry there was before its last one."""
    class Journal:
        def __init__(self) -> None:
            self.newest = 40  # entries there are; none matches
            self.asked: list[int] = []
            self.watching = JournalService(HANDLE, keep=10_000).watching

        def seen(self, tenant):
            return 0

        async def read(self, *, after, order, limit, **_):
            if order == "desc":  # newest_cursor
                return {"data": [{"cursor": self.newest}], "has_more": False, "last_cursor": self.newest}
            self.asked.append(after)
            self.newest += 10  # ten more that do not match, recorded meanwhile
            return {"data": [], "has_more": False, "last_cursor": None}

        async def follow(self, timeout, seen, tenant=None):
            await asyncio.sleep(0)

    async def scenario():
        journal = Journal()
        feed = journal_feed.follow(journal, "tenant", journal_feed.Filters(status=500), 0)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(feed.__anext__(), 0.05)
        return journal.asked

    asked = asyncio.run(scenario())
    assert asked[:4] == [0, 40, 50, 60]
