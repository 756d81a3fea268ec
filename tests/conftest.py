"""Fixtures: a real uvicorn server per store (SQLite file, fresh Postgres database) in a thread,
and official SDK clients whose every JSON reply is checked against the OpenAPI spec.

Each test gets its own API key, and every key is its own tenant, so tests never see each
other's objects. Set RESPONSES_MOCK_TEST_POSTGRES to another URL base to use another server.
Every test that touches Postgres is marked `postgres` here (pytest_collection_modifyitems).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn
from openai import AsyncOpenAI, OpenAI

from responses_mock.config import Settings
from responses_mock.services import catalog
from responses_mock.testing.server import MockServer, free_port, wait_healthy
from tests import spec_check


def pytest_sessionstart(session: pytest.Session) -> None:
    try:
        spec_check.require_spec()
    except FileNotFoundError as exc:
        raise pytest.UsageError(str(exc)) from None


PG_BASE = os.environ.get("RESPONSES_MOCK_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432")

# What in a test's (or its own module's fixtures') source means it reaches Postgres: a fresh
# Postgres store, or the server's URL base. (A URL in a string literal may be a test's data.)
_USES_POSTGRES = re.compile(r'\b(fresh_url|make|make_server)\("postgres"|\bPG_BASE\b|\b_pg_admin\(|\bterminate_backends\(')


def _on_postgres(item: pytest.Item) -> bool:
    params = getattr(getattr(item, "callspec", None), "params", {})
    if any(v == "postgres" or (isinstance(v, str) and v.startswith("postgresql")) for v in params.values()):
        return True
    function = getattr(item, "function", None)
    if function is None:
        return False
    sources = [function]
    for defs in item._fixtureinfo.name2fixturedefs.values():
        sources += [d.func for d in defs if getattr(d.func, "__module__", None) == function.__module__]
    try:
        return any(_USES_POSTGRES.search(inspect.getsource(f)) for f in sources)
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    postgres = pytest.mark.postgres
    for item in items:
        if _on_postgres(item):
            item.add_marker(postgres)


class SpecChecked:
    """Official SDK clients (and a raw HTTP one) for the server at `self.url`; every JSON reply
    the SDK gets is validated against the spec (see tests/spec_check.py) and named in `checked`."""

    url: str
    checked: list

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


class LiveServer(SpecChecked, MockServer):
    """The package's own MockServer (uvicorn in a thread, app/testing/server.py) serving exactly
    `settings`, with spec-checked clients."""

    def __init__(self, settings: Settings) -> None:
        MockServer.__init__(self, settings=settings)
        self.checked: list[str] = []

    @property
    def server(self) -> uvicorn.Server | None:
        """The uvicorn server (`.config.app.state.services` is the running app's services)."""
        return self._server


class ServerProcess(SpecChecked):
    """`python -m responses_mock serve` in a process of its own: for replicas sharing Postgres, and crashes."""

    def __init__(self, settings: Settings, flags: dict, log_path: Path) -> None:
        self.settings, self.flags, self.log_path = settings, flags, log_path
        self.url, self.checked, self.proc = "", [], None

    def start(self) -> ServerProcess:
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


async def _pg_admin(*statements: str) -> None:
    """Each statement on its own (DROP DATABASE runs in no transaction), over one connection."""
    conn = await asyncpg.connect(PG_BASE.replace("postgresql+asyncpg", "postgresql") + "/postgres")
    try:
        for sql in statements:
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
    for server in started:  # every server is told to exit first: they shut down side by side
        if server.server is not None:
            server.server.should_exit = True
    for server in started:
        server.stop()
    if databases:
        asyncio.run(_pg_admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in databases)))


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


@pytest.fixture
def restore_catalog():
    """Undo what a test's catalog file added to the process-wide catalog."""
    saved = list(catalog._extra), list(catalog._extra_families)
    yield
    catalog._extra[:], catalog._extra_families[:] = saved
    catalog._families.cache_clear()
    catalog._index.cache_clear()


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


def sse(server: LiveServer, key: str, method: str, path: str, **kw) -> list[dict]:
    """Every event of one SSE request, read over raw HTTP (what the SDK hides)."""
    with server.http(headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        with http.stream(method, path, **kw) as r:
            assert r.status_code == 200, r.read()
            assert r.headers["content-type"].startswith("text/event-stream")
            return read_sse(r.iter_lines())
