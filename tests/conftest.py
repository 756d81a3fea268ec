"""Fixtures: a real uvicorn server per store (SQLite file, fresh Postgres database) in a thread,
and official SDK clients whose every JSON reply is checked against the OpenAPI spec.

Each test gets its own API key, and every key is its own tenant, so tests never see each
other's objects. Set RESPONSES_MOCK_TEST_POSTGRES to another URL base to use another server.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from openai import AsyncOpenAI, OpenAI

from responses_mock.config import Settings
from responses_mock.main import create_app
from responses_mock.testing.server import free_port, serve_in_thread, wait_healthy
from tests import spec_check



def pytest_sessionstart(session: pytest.Session) -> None:
    try:
        spec_check.require_spec()
    except FileNotFoundError as exc:
        raise pytest.UsageError(str(exc)) from None


PG_BASE = os.environ.get("RESPONSES_MOCK_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432")


@dataclass
class LiveServer:
    """uvicorn serving create_app(settings) on a thread of its own (moto's ThreadedMotoServer)."""

    settings: Settings
    url: str = ""
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None
    checked: list = field(default_factory=list)

    def start(self) -> "LiveServer":
        port = free_port()
        self.settings = self.settings.model_copy(update={"port": port})
        self.server, self.thread = serve_in_thread(create_app(self.settings), port, self.settings.shutdown_grace)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self.server:
            self.server.should_exit = True
            self.thread.join(timeout=10)

    # Every reply the SDK gets is validated against the spec (see tests/spec_check.py).
    def _check(self, response: httpx.Response) -> None:
        if "application/json" not in response.headers.get("content-type", ""):
            return
        body = json.loads(response.content)
        name = spec_check.check(response.request.method, response.request.url.path,
                                response.status_code, body)
        self.checked.append(name)

    def client(self, api_key: str | None = None, **kw) -> OpenAI:
        def hook(response: httpx.Response) -> None:
            if _is_stream(response):
                return  # streams are read as they come (their events are checked by read_sse)
            response.read()
            self._check(response)

        http = httpx.Client(event_hooks={"response": [hook]})
        kw.setdefault("max_retries", 0)
        return OpenAI(base_url=f"{self.url}/v1", api_key=new_key() if api_key is None else api_key, http_client=http,
                      **kw)

    def async_client(self, api_key: str | None = None, **kw) -> AsyncOpenAI:
        async def hook(response: httpx.Response) -> None:
            if _is_stream(response):
                return
            await response.aread()
            self._check(response)

        http = httpx.AsyncClient(event_hooks={"response": [hook]})
        kw.setdefault("max_retries", 0)
        return AsyncOpenAI(base_url=f"{self.url}/v1", api_key=new_key() if api_key is None else api_key,
                           http_client=http, **kw)

    def http(self, **kw) -> httpx.Client:
        """A raw HTTP client, for what the SDK cannot send (malformed JSON, no auth)."""
        return httpx.Client(base_url=self.url, **kw)


@dataclass
class ServerProcess(LiveServer):
    """`python -m responses_mock serve` in a process of its own: for replicas sharing Postgres, and crashes."""

    flags: dict = field(default_factory=dict)
    log_path: Path | None = None
    proc: subprocess.Popen | None = None

    def start(self) -> "ServerProcess":
        port = free_port()
        args = [sys.executable, "-m", "responses_mock", "serve", "--port", str(port),
                "--database-url", self.settings.database_url, "--log-level", "info"]
        for name, value in self.flags.items():
            args += ["--" + name.replace("_", "-"), str(value)]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=self.log_path.parent)
        self.url = f"http://127.0.0.1:{port}"
        wait_healthy(self.url, lambda: self.proc.poll() is None, self.log)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def kill(self) -> None:
        """A crash: no shutdown code runs."""
        self.proc.kill()
        self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text()


def _is_stream(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("text/event-stream")


def new_key() -> str:
    return f"sk-test-{uuid.uuid4().hex}"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_BASE.replace("postgresql+asyncpg", "postgresql") + "/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def make_server(tmp_path_factory):
    """Start a server on a fresh store: make_server("sqlite" | "postgres", **settings)."""
    started: list[LiveServer] = []
    databases: list[str] = []

    def fresh_url(engine: str) -> str:
        """A new, empty store: a SQLite file or a Postgres database (dropped at the end)."""
        if engine == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('store') / 'test.db'}"
        name = f"rmock_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        databases.append(name)
        return f"{PG_BASE}/{name}"

    def make(engine: str, **overrides) -> LiveServer:
        """`engine` is "sqlite", "postgres" (a fresh store) or a URL from `make.fresh_url`."""
        url = engine if "://" in engine else fresh_url(engine)
        server = LiveServer(Settings(database_url=url, **overrides)).start()
        started.append(server)
        return server

    make.fresh_url = fresh_url
    yield make
    for server in started:
        server.stop()
    for name in databases:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def spawn_server(tmp_path):
    """Start `python -m responses_mock serve` on a given store URL: spawn_server(url, name, **settings)."""
    started: list[ServerProcess] = []

    def spawn(url: str, name: str, **flags) -> ServerProcess:
        proc = ServerProcess(Settings(database_url=url), flags=flags, log_path=tmp_path / f"{name}.log")
        started.append(proc.start())
        return proc

    yield spawn
    for proc in started:
        proc.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def server(request, make_server) -> LiveServer:
    return make_server(request.param)


@pytest.fixture
def client(server) -> OpenAI:
    with server.client() as c:
        yield c


@pytest.fixture
async def aclient(server) -> AsyncOpenAI:
    async with server.async_client() as c:
        yield c


def read_sse(lines, limit: int | None = None) -> list[dict]:
    """Parse `event:`/`data:` pairs from an SSE line iterator; check each against the spec and
    that the `event:` name matches the payload's type. Stops after `limit` events if given."""
    events, name = [], None
    for line in lines:
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            event = json.loads(line[5:])
            assert event["type"] == name, (name, event["type"])
            spec_check.check_event(event)
            events.append(event)
            if limit is not None and len(events) >= limit:
                break
    return events


def sse(server: "LiveServer", key: str, method: str, path: str, **kw) -> list[dict]:
    """Every event of one SSE request, read over raw HTTP (what the SDK hides)."""
    with server.http(headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        with http.stream(method, path, **kw) as r:
            assert r.status_code == 200, r.read()
            assert r.headers["content-type"].startswith("text/event-stream")
            return read_sse(r.iter_lines())
