"""The request journal: every request the server received, queryable by tests ("my code sent
this"). A middleware records each request once it is answered; a writer task stores entries in
batches, so journaling costs the request path no round trip.

While the store is away the entries wait, bounded: at most MAX_BACKLOG of them (MAX_BACKLOG_BYTES
in all) for at most HOLD seconds, retried with a backoff; beyond that the oldest are dropped and
counted (`responses_mock_journal_dropped_total`). The outage is logged once, with its cause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

import orjson

from responses_mock.redaction import MASK, tools_without_credentials
from responses_mock.services.waiting import wait_for
from responses_mock.store import journal as journal_store
from responses_mock.store.handle import Store
from responses_mock.store.health import Outage, refused
from responses_mock.wire.stored import dumps

log = logging.getLogger("responses_mock.journal")

MAX_BACKLOG = 10_000  # entries waiting for the store, at most (the oldest are dropped first)
MAX_BACKLOG_BYTES = 64 << 20  # their bodies and headers, at most
HOLD = 60.0  # seconds an entry waits for a store that is away before it is dropped
RETRY_MAX = 2.0  # seconds between retries while the store is away, at most

# Credentials never reach the journal: these headers, and query parameters whose names look like
# keys, keep their names with the value masked (what was sent stays visible, not what it was).
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "api-key", "x-api-key", "x-admin-token",
                            "cookie", "set-cookie", "openai-organization", "openai-project"})
_SECRET_PARAM = re.compile(r"key|token|secret|passw|signature|sig$|auth|credential|session", re.I)


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: MASK if k in SECRET_HEADERS else v for k, v in headers.items()}


def redact_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(_SECRET_PARAM.search(name) for name, _ in pairs):
        return query
    return urlencode([(name, MASK if _SECRET_PARAM.search(name) else value) for name, value in pairs])


def _mask_tools(holder: object) -> bool:
    """Mask the MCP tools' credentials of a request (or a response echoing it); whether any was there."""
    masked = tools_without_credentials(holder.get("tools")) if isinstance(holder, dict) else None
    if masked is not None:
        holder["tools"] = masked
    return masked is not None


def _may_hold_credentials(text: str) -> bool:
    return '"mcp"' in text and ('"authorization"' in text or '"headers"' in text)


def redact_body(body: str) -> str:
    """A create's MCP tools carry the caller's credentials for the MCP server (`authorization`,
    `headers`): masked like secret headers. Parsed only when the body can hold one."""
    if not _may_hold_credentials(body):
        return body
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    changed = _mask_tools(data)
    return orjson.dumps(data).decode() if changed else body


# A reply cut at MAX_REPLY is no JSON: its credentials are masked by their names instead.
_CREDENTIAL = re.compile(r'("authorization"\s*:\s*)"(?:[^"\\]|\\.)*"?')
_HEADERS = re.compile(r'("headers"\s*:\s*)\{[^{}]*\}?')


def redact_reply(reply: str) -> str:
    """A reply echoes the request's MCP tools (a response object, or a stream event's `response`):
    their credentials are masked as the request's are. Parsed only when it can hold one."""
    if not _may_hold_credentials(reply):
        return reply
    if reply.lstrip().startswith("{"):  # a response object, whole or cut at MAX_REPLY
        cleaned = redact_body(reply)
        return cleaned if cleaned is not reply else _by_name(reply)
    lines = reply.split("\n")  # server-sent events: one JSON event a `data:` line
    for i, line in enumerate(lines):
        if line.startswith("data:") and _may_hold_credentials(line):
            try:
                event = orjson.loads(line[5:])
            except orjson.JSONDecodeError:
                lines[i] = _by_name(line)
                continue
            held = event.get("response") if isinstance(event, dict) else None
            if _mask_tools(held):
                lines[i] = "data: " + orjson.dumps(event).decode()
    return "\n".join(lines)


def _by_name(text: str) -> str:
    text = _CREDENTIAL.sub(lambda m: f'{m.group(1)}"{MASK}"', text)
    return _HEADERS.sub(lambda m: f'{m.group(1)}"{MASK}"', text)


MAX_BODY = 1 << 20
MAX_REPLY = 64 << 10  # bytes of a reply's body kept: an answer, an error, a stream's first events
_MODEL = re.compile(r'"model"\s*:\s*"([^"\\]{1,128})"')


@dataclass
class RequestNote:
    """What handling one request learns that its journal entry should say: the middleware makes
    one per HTTP request (the session, per WebSocket event) and journals it once answered."""

    id: str
    tenant: str
    fixture_id: str | None = None  # the fixture rule that answered


# The ASGI scope key under which the middleware leaves the request's RequestNote. It is how a
# route tells the journal what only the route learns (which fixture rule answered a create):
# passed explicitly with the request, not through a context variable.
NOTE = "responses_mock.note"


def answered_by(scope, fixture_id: str | None) -> None:
    """Record on the request's note which fixture rule answered it (if one did)."""
    note = scope.get(NOTE)
    if note is not None and fixture_id is not None:
        note.fixture_id = fixture_id


def _text(value: str) -> str:
    """Journal text as sent, but for NUL characters, which no text column can hold: escaped."""
    return value.replace("\x00", "\\u0000") if "\x00" in value else value


def entry(note: RequestNote, *, method: str, path: str, query: str, headers: dict[str, str], body: str,
          status: int, started: float, reply: str | None = None) -> dict:
    """One journal entry: an HTTP request, or one client event of a WebSocket (method `WS`).
    `reply`: the first MAX_REPLY bytes of what the server answered (an echoed MCP tool's
    credentials masked as the request's are)."""
    return _entry(note, method, path, query, journal_headers(headers), body, status, time.time(),
                  time.perf_counter() - started, reply)


def journal_headers(headers: dict[str, str]) -> str:
    """The headers as an entry holds them: JSON, secrets masked."""
    return dumps(redact_headers(headers))


def _entry(note: RequestNote, method: str, path: str, query: str, headers: str, body: str, status: int,
           at: float, seconds: float, reply: str | None) -> dict:
    return {
        "id": note.id, "tenant": note.tenant, "at": at, "method": method, "path": _text(path),
        "query": _text(redact_query(query)), "headers": headers,
        "body": _text(redact_body(body)), "status": status, "fixture_id": note.fixture_id,
        "duration_ms": round(seconds * 1000, 3),
        "reply": _text(redact_reply(reply)) if reply else None,
    }


class Received(NamedTuple):
    """An HTTP request as the middleware left it (`JournalService.record_request`): the bytes as
    received and sent, made into its entry (decoded, redacted) only when the writer takes it,
    before it is stored or read. A tuple: every request makes one."""

    note: RequestNote
    method: str
    path: str
    query: bytes
    headers: str  # as `journal_headers` made them
    body: list[bytes]  # its first bytes, as chunks
    status: int
    at: float
    seconds: float
    reply: list[bytes]
    size: int  # in the backlog


def _made(raw: Received) -> dict:
    """What `_entry` makes of it (tests/unit/services/test_journal.py holds them equal), with the
    steps an empty part needs skipped: every request's entry is made here."""
    note, method, path, query, headers, body, status, at, seconds, reply, _ = raw
    body = _text(redact_body(_joined(body))) if body else ""
    reply = _joined(reply) if reply else ""
    return {
        "id": note.id, "tenant": note.tenant, "at": at, "method": method,
        "path": _text(path) if "\x00" in path else path,
        "query": _text(redact_query(query.decode("latin-1"))) if query else "", "headers": headers,
        "body": body, "status": status, "fixture_id": note.fixture_id, "duration_ms": round(seconds * 1000, 3),
        "reply": _text(redact_reply(reply)) if reply else None, "model": _model(body),
    }


def _joined(chunks: list[bytes]) -> str:
    return (chunks[0] if len(chunks) == 1 else b"".join(chunks)).decode("utf-8", "replace")


def _model(body: str) -> str | None:
    """The model a body names, to filter by."""
    found = _MODEL.search(body, 0, 4096) if body else None
    return found.group(1) if found else None


def _size(entry: dict | Received) -> int:
    if type(entry) is Received:
        return entry.size
    return (len(entry.get("body") or "") + len(entry.get("reply") or "") + len(entry.get("headers") or "")
            + len(entry.get("path") or "") + 256)


def _at(entry: dict | Received, missing: float) -> float:
    return entry.at if type(entry) is Received else entry.get("at", missing)


class JournalService:
    def __init__(self, store: Store, *, keep: int, enabled: bool = True, interval: float = 0.05,
                 on_drop: Callable[[int], None] = lambda n: None) -> None:
        self.store = store
        self.keep = keep
        self.enabled = enabled
        self.interval = interval
        self.on_drop = on_drop  # counts dropped entries (/metrics)
        self.dropped = 0
        self._pending: list[dict | Received] = []
        self._bytes = 0
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self._written = 0
        self._followers = 0
        self._tick = asyncio.Event()
        self.recorded = 0  # entries recorded here, ever: what a follower of every tenant saw last
        self._watched: dict[str, int] = {}  # tenant → its live followers here
        self._counts: dict[str, int] = {}  # tenant → its entries recorded while it is followed
        self._delay = 0.0  # the writer's backoff while the store is away
        self._outage = Outage(log, "writing the request journal")

    @property
    def backlog(self) -> int:
        return len(self._pending)

    def record(self, entry: dict) -> None:
        if self.enabled:
            self._add(entry, _size(entry))

    def record_request(self, note: RequestNote, method: str, path: str, query: bytes, headers: str,
                       body: list[bytes], body_size: int, status: int, started: float, reply: list[bytes],
                       reply_size: int) -> None:
        """An HTTP request, answered: `headers` as `journal_headers` made them, the first bytes of
        its body and of the reply as chunks. What `entry` would make of it, made at the flush."""
        if self.enabled:
            size = body_size + reply_size + len(headers) + len(path) + 256
            self._add(Received(note, method, path, query, headers, body, status, time.time(),
                               time.perf_counter() - started, reply, size), size)

    def _add(self, entry: dict | Received, size: int) -> None:
        self.recorded += 1
        if self._watched:  # somebody follows a tenant: count that tenant's entries
            tenant = entry.note.tenant if type(entry) is Received else entry.get("tenant")
            if tenant in self._watched:
                self._counts[tenant] += 1
        self._pending.append(entry)
        self._bytes += size
        if len(self._pending) > MAX_BACKLOG or self._bytes > MAX_BACKLOG_BYTES:
            self._drop_oldest()
        if self._followers:  # somebody follows the journal live (the inspector): wake them
            self._tick.set()

    def _drop(self, n: int) -> None:
        if n:
            self.dropped += n
            self.on_drop(n)

    def _drop_oldest(self) -> None:
        """The backlog is full (the store is away): its oldest entries go."""
        pending, n = self._pending, 0
        while n < len(pending) and (len(pending) - n > MAX_BACKLOG or self._bytes > MAX_BACKLOG_BYTES):
            self._bytes -= _size(pending[n])
            n += 1
        del pending[:n]  # at once: one move of the rest, not one a dropped entry
        self._drop(n)

    def _expire(self) -> None:
        """Entries that waited HOLD seconds for a store that is still away are dropped."""
        cutoff = time.time() - HOLD
        kept = [e for e in self._pending if _at(e, cutoff + 1) >= cutoff]
        self._drop(len(self._pending) - len(kept))
        self._pending = kept
        self._bytes = sum(_size(e) for e in kept)

    @contextlib.contextmanager
    def watching(self, tenant: str | None) -> Iterator[None]:
        """A live follower of one tenant's entries (None: every tenant's) while inside: `seen`
        and `follow` count only its tenant's."""
        if tenant is None:
            yield
            return
        if tenant not in self._watched:
            self._watched[tenant], self._counts[tenant] = 0, 0
        self._watched[tenant] += 1
        try:
            yield
        finally:
            self._watched[tenant] -= 1
            if not self._watched[tenant]:
                del self._watched[tenant], self._counts[tenant]

    def seen(self, tenant: str | None) -> int:
        """The entries recorded here of `tenant` (watched), or of every tenant (None)."""
        return self.recorded if tenant is None else self._counts.get(tenant, 0)

    async def follow(self, timeout: float, seen: int, tenant: str | None = None) -> None:
        """Wait until an entry of `tenant` (None: any) is recorded here, or `timeout` passes
        (entries of other replicas are found by the caller's next read). `seen`: `seen(tenant)`
        when the caller last read: one recorded since (while it read, nobody waiting to be woken)
        ends the wait at once; another tenant's does not end it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if seen != self.seen(tenant):
                return
            left = deadline - loop.time()
            if left <= 0:
                return
            self._followers += 1
            try:
                await wait_for(self._tick, left)
            finally:
                self._followers -= 1
                if self._tick.is_set():
                    self._tick = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self, timeout: float = 1.0) -> None:
        """Write what is left, within `timeout` seconds (what the store does not take is dropped)."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            await asyncio.wait_for(self.flush(), timeout)
        except Exception as exc:
            self._outage.failed(exc)
        self._drop(len(self._pending))
        self._pending, self._bytes = [], 0

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._delay or self.interval)
            try:
                wrote = await self.flush()
            except Exception as exc:  # the store is away: keep the entries (bounded), back off
                self._outage.failed(exc)
                self._delay = min(max(self._delay * 2, 0.1), RETRY_MAX)
            else:
                if wrote:
                    self._outage.ok()
                    self._delay = 0.0

    async def flush(self) -> int:
        """Write the pending entries; how many were written (or dropped as refused)."""
        async with self._lock:
            batch, self._pending = self._pending, []
            if not batch:
                return 0
            batch = [_made(e) if type(e) is Received else e for e in batch]  # redacted here, before it is stored
            size = len(batch)
            try:
                await self._append(batch)  # takes out of `batch` what it stores (or drops)
                self._written += size
                if self._written >= max(self.keep // 10, 100):
                    async with self.store.direct.transaction(aside=True) as tx:  # a commit of its own, after the rows'
                        await journal_store.trim(tx, self.keep)
                    self._written = 0
            except Exception:
                self._pending[:0] = batch  # what is left of it
                self._bytes = sum(_size(e) for e in self._pending)
                self._expire()
                raise
            self._bytes = sum(_size(e) for e in self._pending)
            return size

    async def _append(self, batch: list[dict]) -> None:
        for e in batch:  # here, off the request path: the model a body names, to filter by
            if "model" not in e:
                e["model"] = _model(e.get("body") or "")
        await self._store(batch)

    async def _store(self, batch: list[dict]) -> None:
        """Store a batch, taking out of `batch` what is stored. If the store refuses the batch for
        its data, each entry goes alone and one it refuses by itself is dropped (and logged), so a
        bad entry cannot hold back the journal for ever; a store that is away raises, and what is
        left in `batch` waits for the next flush."""
        try:
            async with self.store.direct.transaction(aside=True) as tx:
                await journal_store.append(tx, batch)
            batch.clear()
            return
        except Exception as exc:
            if not refused(exc):
                raise
        while batch:
            try:
                async with self.store.direct.transaction(aside=True) as tx:
                    await journal_store.append(tx, batch[:1])
            except Exception as exc:
                if not refused(exc):
                    raise
                log.error("dropped a journal entry the store refused (%s %s): %s", batch[0].get("method"),
                          batch[0].get("path"), exc)
                self._drop(1)
            batch.pop(0)

    # `tenant`: one tenant's entries, or None for every tenant's (the admin token only).
    async def read(self, *, tenant: str | None, method: str | None, path: str | None, status: int | None,
                   fixture_id: str | None, after: int | None, limit: int, order: str,
                   model: str | None = None) -> dict:
        await self.flush()  # what this process answered is readable at once
        async with self.store.connect() as conn:
            rows = await journal_store.read(conn, tenant=tenant, method=method, path=path,
                                    status=status, fixture_id=fixture_id, after=after, limit=limit + 1,
                                    descending=order == "desc", model=model)
        data = [render(r) for r in rows[:limit]]
        return {"object": "list", "data": data, "has_more": len(rows) > limit,
                "last_cursor": rows[:limit][-1][0] if data else None}

    async def hits(self, fixture_ids: list[str]) -> dict[str, int]:
        """Requests each rule answered, as far as the journal keeps them."""
        await self.flush()
        async with self.store.connect() as conn:
            return await journal_store.hits(conn, fixture_ids)

    async def clear(self, tenant: str | None) -> int:
        await self.flush()
        async with self.store.begin() as conn:
            return await journal_store.clear(conn, tenant)


def render(row: tuple) -> dict:
    seq, id_, tenant, at, method, path, query, headers, body, status, fixture_id, duration, model, reply = row
    return {"id": id_, "object": "journal.entry", "cursor": seq, "at": at, "method": method, "path": path,
            "query": query, "headers": orjson.loads(headers), "body": _parsed(body), "status": status,
            "fixture_id": fixture_id, "duration_ms": duration, "model": model, "tenant": tenant,
            "reply": _parsed(reply)}


def _parsed(text: str | None):
    """A JSON body as its value; anything else (a stream's events, a reply cut at MAX_REPLY) as text."""
    try:
        return orjson.loads(text) if text else None
    except orjson.JSONDecodeError:
        return text
