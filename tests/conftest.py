"""Fixtures: a real uvicorn server per store (SQLite file, fresh Postgres database) in a thread,
and official SDK clients whose every JSON reply is checked against the OpenAPI spec.

Each test gets its own API key, and every key is its own tenant, so tests never see each
other's objects. Set RESPONSES_MOCK_TEST_POSTGRES to another URL base to use another server.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from openai import AsyncOpenAI, OpenAI

from app.config import Settings
from app.main import create_app
from tests import spec_check

PG_BASE = os.environ.get("RESPONSES_MOCK_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        config = uvicorn.Config(create_app(self.settings), host="127.0.0.1", port=port,
                                log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
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
            response.read()
            self._check(response)

        http = httpx.Client(event_hooks={"response": [hook]})
        return OpenAI(base_url=f"{self.url}/v1", api_key=new_key() if api_key is None else api_key, http_client=http,
                      max_retries=0, **kw)

    def async_client(self, api_key: str | None = None, **kw) -> AsyncOpenAI:
        async def hook(response: httpx.Response) -> None:
            await response.aread()
            self._check(response)

        http = httpx.AsyncClient(event_hooks={"response": [hook]})
        return AsyncOpenAI(base_url=f"{self.url}/v1", api_key=new_key() if api_key is None else api_key, http_client=http,
                           max_retries=0, **kw)

    def http(self, **kw) -> httpx.Client:
        """A raw HTTP client, for what the SDK cannot send (malformed JSON, no auth)."""
        return httpx.Client(base_url=self.url, **kw)


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

    def make(engine: str, **overrides) -> LiveServer:
        if engine == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('store') / 'test.db'}"
        else:
            name = f"rmock_test_{uuid.uuid4().hex[:12]}"
            asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
            databases.append(name)
            url = f"{PG_BASE}/{name}"
        server = LiveServer(Settings(database_url=url, **overrides)).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
    for name in databases:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


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
