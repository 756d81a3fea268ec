"""The servers the benchmark measures, each a process of its own: this server (any store, any
number of workers), the baseline routes (bench/baseline_app.py), and the peers where they are
installed — aimock from npm (bench/node, installed by `make bench`) and llmock from PyPI (the
bench extra). A peer that is not installed is skipped with a note, never fetched at run time."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from responses_mock.testing.server import free_port

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("RESPONSES_MOCK_BENCH_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432")
AIMOCK = ROOT / "bench" / "node" / "node_modules" / "@copilotkit" / "aimock" / "dist" / "cli.js"
PEER_FIXTURES = ROOT / "bench" / "peer_fixtures.json"  # the same answer text as this server's
AIMOCK_CHUNK = 5  # characters a delta: ~65 events for that answer, as many as this server sends


class Proc:
    def __init__(self, args: list[str], port: int, env: dict | None = None, health: str = "/health") -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        # Open as long as the process writes to it: no `with`.
        self.log = tempfile.NamedTemporaryFile(prefix="bench-", suffix=".log", delete=False)  # noqa: SIM115
        self.p = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT,
                                  env={**os.environ, **(env or {})})
        self._wait(health)

    def _wait(self, health: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(self.url + health, timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            if self.p.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server at {self.url} did not start:\n{Path(self.log.name).read_text()[-2000:]}")
            time.sleep(0.1)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.p.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.p.terminate()
        try:
            self.p.wait(15)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def start_mock(database_url: str, extra: list[str] = ()) -> Proc:
    port = free_port()
    return Proc([sys.executable, "-m", "responses_mock", "serve", "--port", str(port), "--database-url", database_url,
                 "--log-level", "warning", *extra], port)


def start_baseline() -> Proc:
    port = free_port()
    return Proc([sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--port", str(port),
                 "--log-level", "warning"], port)


def aimock_missing() -> str | None:
    """Why aimock cannot run here, or None."""
    if shutil.which("node") is None:
        return "node not found"
    if not AIMOCK.exists():
        return "not installed (make bench installs it under bench/node with npm)"
    return None


def start_aimock() -> Proc:
    port = free_port()
    return Proc(["node", str(AIMOCK), "--port", str(port), "--fixtures", str(PEER_FIXTURES),
                 "--chunk-size", str(AIMOCK_CHUNK), "--log-level", "silent"], port, health="/health")


def llmock_missing() -> str | None:
    return None if importlib.util.find_spec("llmock") else "not installed (the bench extra: pip install -e '.[bench]')"


def start_llmock() -> Proc:
    port = free_port()
    return Proc([sys.executable, "-m", "llmock.cli", "serve", "--port", str(port), "--log-level", "warning"],
                port, health="/health")


def fresh_store(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / f'bench-{uuid.uuid4().hex[:8]}.db'}"
    import asyncpg

    name = f"rmock_bench_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        conn = await asyncpg.connect(PG.replace("+asyncpg", "") + "/postgres")
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()

    asyncio.run(create())
    return f"{PG}/{name}"


def postgres_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return True
    except OSError:
        return False
