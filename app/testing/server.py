"""An in-process server for tests: uvicorn on a free port, in a thread, on a store of its own."""

from __future__ import annotations

import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import uvicorn
from openai import AsyncOpenAI, OpenAI

from responses_mock.config import Settings
from responses_mock.main import create_app
from responses_mock.testing.admin import AdminClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_in_thread(app, port: int, grace: float = 3.0) -> tuple[uvicorn.Server, threading.Thread]:
    """uvicorn serving `app` on 127.0.0.1:port in a daemon thread; returns once it listens.
    `grace`: seconds open streams get at shutdown before they are cut."""
    settings = getattr(app.state, "settings", None)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                                           timeout_graceful_shutdown=grace,
                                           ws_max_size=settings.max_body_bytes if settings else 16 * 1024 * 1024))
    # Stopping it is `server.should_exit = True` (no signal in a thread): the app's shutdown drain
    # watches this server's flag (main.py).
    app.state.server = server
    thread = threading.Thread(target=server.run, name="responses-mock", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("responses-mock did not start")
        time.sleep(0.02)
    return server, thread


def wait_healthy(url: str, alive: Callable[[], bool], describe: Callable[[], str], timeout: float = 60) -> None:
    """Wait until a server process at `url` answers /health (it must stay alive meanwhile)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if not alive() or time.monotonic() > deadline:
            raise RuntimeError(f"server at {url} did not start:\n{describe()}")
        time.sleep(0.1)


class MockServer:
    """`with MockServer() as server:` → `server.client()`, `server.admin(api_key)`, `server.url`.

    The store is SQLite in a temporary folder unless `database_url` is given (e.g. Postgres).
    `settings=Settings(...)` serves exactly those settings instead (on a free port).
    Every `new_key()` is a tenant of its own, which is how tests get a clean state without a restart.
    """

    def __init__(self, database_url: str | None = None, *, settings: Settings | None = None, **overrides) -> None:
        self._tmp = None
        if settings is not None:
            self.settings = settings.model_copy(update={"port": free_port()})
        else:
            if database_url is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="responses-mock-")
                database_url = f"sqlite+aiosqlite:///{Path(self._tmp.name) / 'store.db'}"
            self.settings = Settings(database_url=database_url, port=free_port(), **overrides)
        self.url = f"http://127.0.0.1:{self.settings.port}"
        self.app = None  # the FastAPI app once started: its `state.services` are the running services
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> MockServer:
        self.app = create_app(self.settings)
        self._server, self._thread = serve_in_thread(self.app, self.settings.port, self.settings.shutdown_grace)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
            self._server = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @staticmethod
    def new_key() -> str:
        return f"sk-mock-{uuid.uuid4().hex}"

    def client(self, api_key: str, **kw) -> OpenAI:
        return OpenAI(base_url=f"{self.url}/v1", api_key=api_key, **kw)

    def async_client(self, api_key: str, **kw) -> AsyncOpenAI:
        return AsyncOpenAI(base_url=f"{self.url}/v1", api_key=api_key, **kw)

    def admin(self, api_key: str | None = None) -> AdminClient:
        return AdminClient(self.url, api_key=api_key, token=self.settings.admin_token)
