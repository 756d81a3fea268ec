"""Faults a test controls: a TCP proxy between a server and Postgres that can be cut (a blip,
without touching the shared cluster), terminating one database's backends, and helpers that
read a stream to its end in a thread."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field

import asyncpg
import httpx

from responses_mock.testing.server import free_port
from tests import polling
from tests.conftest import PG_BASE

TERMINAL = ("completed", "incomplete", "failed", "cancelled")
TERMINAL_EVENTS = ("response.completed", "response.incomplete", "response.failed", "error")


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to Postgres. `cut()` closes every connection and refuses new ones
    (what a restarting Postgres looks like from outside) until `restore()`."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self.target = target
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pg-proxy", daemon=True)
        self._thread.start()
        self.restore()

    def url(self, database_url: str) -> str:
        """`database_url` (on 127.0.0.1:5432) through this proxy."""
        return database_url.replace("127.0.0.1:5432", f"127.0.0.1:{self.port}")

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def restore(self) -> None:
        async def listen():
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)
        self._call(listen())

    def cut(self) -> None:
        async def close():
            if self._server is not None:
                self._server.close()
                self._server = None
            for writer in list(self._open):
                writer.transport.abort()
            self._open.clear()
        self._call(close())

    def blip(self, seconds: float) -> None:
        self.cut()
        time.sleep(seconds)
        self.restore()

    def close(self) -> None:
        self.cut()
        self._call(asyncio.sleep(0.2))  # the pipes see their sockets closed and end
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._open |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                dst.transport.abort()
                self._open.discard(dst)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def terminate_backends(database_url: str) -> int:
    """pg_terminate_backend every connection to this test's own database; how many there were."""
    name = database_url.rsplit("/", 1)[1]

    async def run() -> int:
        conn = await asyncpg.connect(PG_BASE.replace("postgresql+asyncpg", "postgresql") + "/postgres")
        try:
            rows = await conn.fetch("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = $1 AND pid <> pg_backend_pid()", name)
            return len(rows)
        finally:
            await conn.close()

    return asyncio.run(run())


@dataclass
class StreamReader:
    """Reads one SSE request in a thread, keeping every event and how it ended."""

    url: str
    key: str
    method: str
    path: str
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    status: int | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def start(self) -> StreamReader:
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        try:
            with httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.key}", **self.headers},
                              timeout=httpx.Timeout(60, read=120)) as http:
                params = {"stream": "true"} if self.method == "GET" else None
                with http.stream(self.method, self.path, json=self.body, params=params) as r:
                    self.status = r.status_code
                    for line in r.iter_lines():
                        if line.startswith("data:"):
                            self.events.append(json.loads(line[5:]))
        except Exception as exc:  # the connection was cut
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.done.set()

    @property
    def response_id(self) -> str | None:
        for event in self.events:
            if "response" in event:
                return event["response"]["id"]
        return None

    def wait_for_events(self, n: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while len(self.events) < n and not self.done.is_set():
            assert time.monotonic() < deadline, f"no {n} events in {timeout} s: {self.events[-1:]}"
            time.sleep(0.02)

    def ended_with_an_event(self, timeout: float) -> bool:
        """Whether the stream ended (within `timeout`) and its last event is terminal or `error`."""
        return self.done.wait(timeout) and bool(self.events) and self.events[-1]["type"] in TERMINAL_EVENTS


def wait_until(predicate, timeout: float, what: str, every: float = 0.1):
    """polling.wait_until, a server that is away counting as not yet."""
    return polling.wait_until(predicate, timeout, every, what, ignore=(httpx.HTTPError, OSError))
