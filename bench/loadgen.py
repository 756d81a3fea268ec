"""A small HTTP/1.1 load generator on raw asyncio streams: keep-alive connections, each sending its
requests back to back, so the client costs far less than the server it measures.

The stores' scenarios use it (they need bodies back: ids, pages, streams); the side-by-side table
uses wrk (bench/wrk.py), which costs less CPU still. httpx's per-request overhead would be the
bottleneck. One event loop in its own process, on the second core.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def row(self) -> dict:
        return {"rps": round(self.rps, 1), "p50_ms": round(self.pct(50), 2), "p99_ms": round(self.pct(99), 2),
                "requests": self.requests, "errors": self.errors}


class Connection:
    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.headers = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{self.host}:{self.port}", **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\n{self.headers}"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, chunked = None, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name = name.lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
        if chunked:
            data = bytearray()
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                data += await self.reader.readexactly(size)
                await self.reader.readline()
            return status, bytes(data)
        return status, await self.reader.readexactly(length or 0)

    def close(self) -> None:
        if self.writer:
            self.writer.close()


async def run(url: str, headers: dict[str, str], make: Callable[[int], tuple[str, str, bytes]], *,
              connections: int, duration: float = 0.0, total: int = 0) -> Result:
    """Load `url` with `connections` keep-alive connections for `duration` seconds (or `total`
    requests); `make(i)` gives the i-th request as (method, path, body)."""
    conns = [Connection(url, headers) for _ in range(connections)]
    await asyncio.gather(*(c.open() for c in conns))
    latencies: list[float] = []
    errors = 0
    counter = 0
    start = time.perf_counter()
    deadline = start + duration if duration else float("inf")

    async def worker(conn: Connection) -> None:
        nonlocal counter, errors
        while time.perf_counter() < deadline and (not total or counter < total):
            i = counter
            counter += 1
            method, path, body = make(i)
            t0 = time.perf_counter()
            status, _ = await conn.request(method, path, body)
            latencies.append(time.perf_counter() - t0)
            if status >= 400:
                errors += 1

    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return Result(len(latencies), elapsed, latencies, errors)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
