"""One setting bounds the Postgres connections a server process opens, all pools and the
listener together; a process the database refuses at start says so and why."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
import uuid

import asyncpg
import pytest

from tests.conftest import PG_BASE, _pg_admin

pytestmark = pytest.mark.slow  # a busy Postgres process sampled, a refused start in a subprocess

PG = PG_BASE.replace("postgresql+asyncpg", "postgresql")


async def _connections(database: str) -> int:
    conn = await asyncpg.connect(f"{PG}/postgres")
    try:
        return await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", database)
    finally:
        await conn.close()


def test_a_busy_process_stays_within_its_budget(make_server):
    url = make_server.fresh_url("postgres")
    database = url.rsplit("/", 1)[1]
    server = make_server(url, db_max_connections=5)
    peak, stop = [0], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], asyncio.run(_connections(database)))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()

    async def load() -> None:
        async with server.async_client() as client:
            async def one(i: int) -> None:
                r = await client.responses.create(model="gpt-4.1", input=f"Question {i}?", background=i % 4 == 0)
                await client.responses.retrieve(r.id)
                await client.responses.input_items.list(r.id)
                if i % 5 == 0:
                    async with client.responses.stream(model="gpt-4.1", input="Stream this.") as s:
                        await s.get_final_response()
            await asyncio.gather(*(one(i) for i in range(60)))

    try:
        asyncio.run(load())
    finally:
        stop.set()
        sampler.join()
    assert 3 <= peak[0] <= 5, peak[0]


def test_a_refused_process_says_why(tmp_path):
    """A role Postgres lets hold only one connection: the server's start fails with the reason."""
    role, database = f"rmock_limited_{uuid.uuid4().hex[:8]}", f"rmock_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 1'))
    asyncio.run(_pg_admin(f'CREATE DATABASE "{database}" OWNER "{role}"'))
    try:
        url = PG_BASE.replace("postgres@", f"{role}@") + f"/{database}"
        out = subprocess.run([sys.executable, "-m", "responses_mock", "serve", "--port", "0", "--database-url", url],
                             capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert out.returncode != 0
        assert "responses-mock cannot start: Postgres at" in out.stderr, out.stderr
        assert "too many connections" in out.stderr and "db_max_connections" in out.stderr
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        asyncio.run(_pg_admin(f'DROP ROLE IF EXISTS "{role}"'))
