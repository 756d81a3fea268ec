"""The request journal: every request the server received, queryable by tests ("my code sent
this"). A middleware records each request once it is answered; a writer task stores entries in
batches, so journaling costs the request path no round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from responses_mock.store import db
from responses_mock.store import journal as store

log = logging.getLogger("responses_mock.journal")

# Never journaled: they carry credentials.
# Credentials never reach the journal: these headers, and query parameters whose names look like
# keys, keep their names with the value masked (what was sent stays visible, not what it was).
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "api-key", "x-api-key", "x-admin-token",
                            "cookie", "set-cookie", "openai-organization", "openai-project"})
_SECRET_PARAM = re.compile(r"key|token|secret|passw|signature|sig$|auth|credential|session", re.I)
MASK = "[redacted]"


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: MASK if k in SECRET_HEADERS else v for k, v in headers.items()}


def redact_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(_SECRET_PARAM.search(name) for name, _ in pairs):
        return query
    return urlencode([(name, MASK if _SECRET_PARAM.search(name) else value) for name, value in pairs])
MAX_BODY = 1 << 20
_MODEL = re.compile(r'"model"\s*:\s*"([^"\\]{1,128})"')


@dataclass
class RequestNote:
    """What handling one request learns that its journal entry should say."""

    id: str
    tenant: str
    rules: list | None = None  # fixture candidates, loaded once per request
    fixture_id: str | None = None
    extra: dict = field(default_factory=dict)


def _text(value: str) -> str:
    """Journal text as sent, but for NUL characters, which no text column can hold: escaped."""
    return value.replace("\x00", "\\u0000") if "\x00" in value else value


def entry(note: RequestNote, *, method: str, path: str, query: str, headers: dict[str, str], body: str,
          status: int, started: float) -> dict:
    """One journal entry: an HTTP request, or one client event of a WebSocket (method `WS`)."""
    return {
        "id": note.id, "tenant": note.tenant, "at": time.time(), "method": method, "path": _text(path),
        "query": _text(redact_query(query)), "headers": orjson.dumps(redact_headers(headers)).decode(),
        "body": _text(body), "status": status, "fixture_id": note.fixture_id,
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
    }


current: ContextVar[RequestNote | None] = ContextVar("responses_mock_request", default=None)


def note_fixture(fixture_id: str) -> None:
    note = current.get()
    if note is not None:
        note.fixture_id = fixture_id


class JournalService:
    def __init__(self, engine: AsyncEngine, *, keep: int, enabled: bool = True, interval: float = 0.05) -> None:
        self.engine = engine
        self.keep = keep
        self.enabled = enabled
        self.interval = interval
        self._pending: list[dict] = []
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self._written = 0
        self._followers = 0
        self._tick = asyncio.Event()

    def record(self, entry: dict) -> None:
        if self.enabled:
            self._pending.append(entry)
            if self._followers:  # somebody follows the journal live (the inspector): wake them
                self._tick.set()

    async def follow(self, timeout: float) -> None:
        """Wait until an entry is recorded here, or `timeout` passes (entries of other replicas
        are found by the caller's next read)."""
        self._followers += 1
        try:
            await asyncio.wait_for(self._tick.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            self._followers -= 1
            if self._tick.is_set():
                self._tick = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.flush()
            except Exception:  # the store is briefly away: keep the entries, try again
                log.exception("writing the request journal failed")

    async def flush(self) -> None:
        async with self._lock:
            batch, self._pending = self._pending, []
            if not batch:
                return
            size = len(batch)
            try:
                await self._append(batch)  # takes out of `batch` what it stores (or drops)
                self._written += size
                if self._written >= max(self.keep // 10, 100):
                    async with db.begin(self.engine) as conn:
                        await store.trim(conn, self.keep)
                    self._written = 0
            except Exception:
                self._pending[:0] = batch  # what is left of it
                raise

    async def _append(self, batch: list[dict]) -> None:
        for e in batch:  # here, off the request path: the model a body names, to filter by
            if "model" not in e:
                found = _MODEL.search(e.get("body") or "", 0, 4096)
                e["model"] = found.group(1) if found else None
        await self._store(batch)

    async def _store(self, batch: list[dict]) -> None:
        """Store a batch, taking out of `batch` what is stored. If the store refuses the batch for
        its data, each entry goes alone and one it refuses by itself is dropped (and logged), so a
        bad entry cannot hold back the journal for ever; a store that is away raises, and what is
        left in `batch` waits for the next flush."""
        try:
            async with db.direct(self.engine).transaction() as tx:
                await store.append(tx, batch)
            batch.clear()
            return
        except Exception as exc:
            if not _refused(exc):
                raise
        while batch:
            try:
                async with db.direct(self.engine).transaction() as tx:
                    await store.append(tx, batch[:1])
            except Exception as exc:
                if not _refused(exc):
                    raise
                log.error("dropped a journal entry the store refused (%s %s): %s", batch[0].get("method"),
                          batch[0].get("path"), exc)
            batch.pop(0)

    # `tenant`: one tenant's entries, or None for every tenant's (the admin token only).
    async def read(self, *, tenant: str | None, method: str | None, path: str | None, status: int | None,
                   fixture_id: str | None, after: int | None, limit: int, order: str,
                   model: str | None = None) -> dict:
        await self.flush()  # what this process answered is readable at once
        async with self.engine.connect() as conn:
            rows = await store.read(conn, tenant=tenant, method=method, path=path,
                                    status=status, fixture_id=fixture_id, after=after, limit=limit + 1,
                                    descending=order == "desc", model=model)
        data = [render(r) for r in rows[:limit]]
        return {"object": "list", "data": data, "has_more": len(rows) > limit,
                "last_cursor": rows[:limit][-1][0] if data else None}

    async def hits(self, fixture_ids: list[str]) -> dict[str, int]:
        """Requests each rule answered, as far as the journal keeps them."""
        await self.flush()
        async with self.engine.connect() as conn:
            return await store.hits(conn, fixture_ids)

    async def clear(self, tenant: str | None) -> int:
        await self.flush()
        async with db.begin(self.engine) as conn:
            return await store.clear(conn, tenant)


def _refused(exc: Exception) -> bool:
    """Whether the store will never take this entry (its data), as opposed to being briefly
    unavailable; by class, across drivers (asyncpg's and sqlite3's DataError, IntegrityError)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"DataError", "IntegrityError", "ValueError", "UnicodeError"})


def render(row: tuple) -> dict:
    seq, id_, tenant, at, method, path, query, headers, body, status, fixture_id, duration, model = row
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        parsed = body
    return {"id": id_, "object": "journal.entry", "cursor": seq, "at": at, "method": method, "path": path,
            "query": query, "headers": orjson.loads(headers), "body": parsed, "status": status,
            "fixture_id": fixture_id, "duration_ms": duration, "model": model, "tenant": tenant}
