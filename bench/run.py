"""Benchmark responses-mock against baselines and peers measured in the same run.

    make bench                                      # everything below, as bench/RESULTS.md records it
    .venv/bin/python -m bench.run                   # the same
    .venv/bin/python -m bench.run --only side       # the side-by-side table alone (wrk)
    .venv/bin/python -m bench.run --only stores --stores sqlite --duration 3
    .venv/bin/python -m bench.run --scale 1000000   # also: create/retrieve with 1M stored responses
    .venv/bin/python -m bench.run --write           # also record the tables in bench/RESULTS.md

Two parts, each server a process of its own (one uvicorn worker unless said):

1. Side by side (bench/side_by_side.py): wrk against the bare FastAPI routes and a bare
   sse-starlette stream (bench/baseline_app.py), the peers aimock and llmock where installed, and
   this server on SQLite, on Postgres, and on Postgres with two workers — in turn, every round.
2. The stores (below): this process's own load generator (bench/loadgen.py) against this server
   per store — create, retrieve, input-item pages, a 1,000-token stream, idle streams, background
   jobs — each as a ratio of the baseline measured the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

from bench import side_by_side
from bench.loadgen import Connection, median, run
from bench.servers import ROOT, Proc, fresh_store, postgres_reachable, start_baseline, start_mock

KEY = "sk-bench"
AUTH = {"Authorization": f"Bearer {KEY}"}
CREATE = json.dumps({"model": "gpt-4.1", "input": "Hello there, how are you today?"}).encode()
FAST = {"x-mock-queue-delay": "0", "x-mock-time-to-first-token": "0", "x-mock-tokens-per-second": "0"}


# -- scenarios ---------------------------------------------------------------------------------

async def load(url: str, make, *, connections: int, duration: float, headers: dict | None = None) -> dict:
    # Warm up (imports, caches, connection pools), then measure.
    await run(url, {**AUTH, **(headers or {})}, make, connections=connections, total=200)
    return (await run(url, {**AUTH, **(headers or {})}, make, connections=connections, duration=duration)).row()


async def create_ids(url: str, n: int) -> list[str]:
    conn = Connection(url, AUTH)
    await conn.open()
    ids = []
    for _ in range(n):
        _, body = await conn.request("POST", "/v1/responses", CREATE)
        ids.append(json.loads(body)["id"])
    conn.close()
    return ids


async def input_items(url: str, duration: float, connections: int) -> dict:
    """A response whose input is a 10,000-item conversation: its first page and one deep in it."""
    async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=120) as http:
        conv = (await http.post("/v1/conversations", json={})).json()["id"]
        batch = lambda i: ("POST", f"/v1/conversations/{conv}/items",
                           json.dumps({"items": [{"role": "user", "content": f"item {i}-{k}"} for k in range(20)]}).encode())
        await run(url, AUTH, batch, connections=4, total=500)
        rid = (await http.post("/v1/responses", json={"model": "gpt-4.1", "input": "Summarise.",
                                                     "conversation": conv})).json()["id"]
        newest = (await http.get(f"/v1/responses/{rid}/input_items", params={"limit": 10})).json()
        oldest = (await http.get(f"/v1/responses/{rid}/input_items", params={"order": "asc", "limit": 30})).json()
        near_start = newest["data"][-1]["id"]  # the 10th item (newest first): the next page starts at 11
        deep_after = oldest["data"][-1]["id"]  # the 9,970th: the next page is the last but one
        count = len((await http.get(f"/v1/conversations/{conv}/items", params={"limit": 100})).json()["data"])
    pages = {}
    for name, path in (("first page", f"/v1/responses/{rid}/input_items?limit=20"),
                       ("after item 10", f"/v1/responses/{rid}/input_items?limit=20&after={near_start}"),
                       ("after item 9,970", f"/v1/responses/{rid}/input_items?limit=20&after={deep_after}"),
                       ("conversation, after item 9,970", f"/v1/conversations/{conv}/items?limit=20&after={deep_after}")):
        pages[name] = await load(url, lambda i, p=path: ("GET", p, b""), connections=connections, duration=duration)
    assert count == 100
    return pages


async def stream_1000_tokens(url: str, runs: int = 20) -> dict:
    body = json.dumps({"model": "gpt-4.1", "input": "Describe the ocean in 70 sentences.", "stream": True}).encode()
    firsts, totals, tokens = [], [], 0
    for _ in range(runs):
        conn = Connection(url, AUTH)
        await conn.open()
        head = (f"POST /v1/responses HTTP/1.1\r\n{conn.headers}Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        t0 = time.perf_counter()
        conn.writer.write(head + body)
        first = None
        tail = b""
        while True:
            chunk = await conn.reader.read(65536)
            if first is None and b"event:" in chunk:
                first = time.perf_counter() - t0
            tail = (tail + chunk)[-200000:]
            if not chunk or tail.endswith(b"0\r\n\r\n"):
                break
        totals.append(time.perf_counter() - t0)
        firsts.append(first or float("nan"))
        for line in tail.split(b"\n"):
            if line.startswith(b"data: {\"type\":\"response.completed\""):
                tokens = json.loads(line[6:])["response"]["usage"]["output_tokens"]
        conn.close()
    return {"output_tokens": tokens, "first_event_ms": round(median(firsts) * 1000, 2),
            "total_ms": round(median(totals) * 1000, 2)}


async def idle_streams(server: Proc, n: int = 1000, paths: list[str] | None = None) -> dict:
    """n open streams that do not progress (followers of queued background responses, or the
    baseline's idle SSE endpoint): the memory and CPU they hold."""
    url = server.url
    if paths is None:
        ids: list[str] = []
        body = json.dumps({"model": "gpt-4.1", "input": "wait", "background": True}).encode()
        conns = [Connection(url, {**AUTH, "x-mock-queue-delay": "600"}) for _ in range(8)]
        await asyncio.gather(*(c.open() for c in conns))

        async def make(conn: Connection, k: int) -> None:
            for _ in range(k):
                ids.append(json.loads((await conn.request("POST", "/v1/responses", body))[1])["id"])

        await asyncio.gather(*(make(c, n // 8) for c in conns))
        for c in conns:
            c.close()
        paths = [f"/v1/responses/{rid}?stream=true" for rid in ids]
    await asyncio.sleep(1)
    before = server.rss_mb()
    streams = [Connection(url, AUTH) for _ in paths]
    for batch in range(0, len(streams), 100):
        await asyncio.gather(*(s.open() for s in streams[batch:batch + 100]))
    for s, path in zip(streams, paths, strict=True):
        s.writer.write(f"GET {path} HTTP/1.1\r\n{s.headers}\r\n".encode())
    await asyncio.gather(*(s.reader.readuntil(b"response.queued") for s in streams))
    await asyncio.sleep(2)
    after = server.rss_mb()
    cpu_before = _cpu(server)
    await asyncio.sleep(2)
    cpu = (_cpu(server) - cpu_before) / 2
    for s in streams:
        s.close()
    return {"streams": len(streams), "rss_before_mb": round(before, 1), "rss_after_mb": round(after, 1),
            "total_mb": round(after - before, 1), "kb_per_stream": round((after - before) * 1024 / len(streams), 1),
            "idle_cpu_share": round(cpu, 3)}


def _cpu(server: Proc) -> float:
    fields = Path(f"/proc/{server.p.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def background_throughput(url: str, n: int = 400) -> dict:
    body = json.dumps({"model": "gpt-4.1", "input": "Two sentences on rain.", "background": True}).encode()
    t0 = time.perf_counter()
    await run(url, {**AUTH, **FAST}, lambda i: ("POST", "/v1/responses", body), connections=8, total=n)
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        while True:
            text = (await http.get("/metrics")).text
            pending = sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith("responses_mock_jobs{"))
            if pending == 0:
                break
            await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - t0
    return {"jobs": n, "seconds": round(elapsed, 2), "jobs_per_second": round(n / elapsed, 1)}


async def fill(database_url: str, n: int) -> float:
    """Store n synthetic responses straight through the store (as if created), for the scale run."""
    from responses_mock.store.handle import Store
    from responses_mock.store.tables import responses

    store = Store(database_url)
    await store.migrate()
    sample = (ROOT / "bench" / "sample_response.json").read_text()
    t0 = time.perf_counter()
    async with store.begin() as conn:
        for start in range(0, n, 20000):
            await conn.execute(responses.insert(), [
                {"id": f"resp_fill{i:044d}", "tenant": "filler", "created_at": 1_700_000_000, "status": "completed",
                 "model": "gpt-4.1-2025-04-14", "background": False, "previous_response_id": None,
                 "request": "{}", "body": sample} for i in range(start, min(start + 20000, n))])
    await store.dispose()
    return time.perf_counter() - t0


# -- the run -----------------------------------------------------------------------------------

def say(what: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def measure(kind: str, tmp: Path, args) -> dict:
    url = fresh_store(kind, tmp)
    out: dict = {}
    if args.scale:
        out["filled"] = {"responses": args.scale, "seconds": round(asyncio.run(fill(url, args.scale)), 1)}
    server = start_mock(url)
    try:
        say(f"{kind}: create")
        out["create"] = asyncio.run(load(server.url, lambda i: ("POST", "/v1/responses", CREATE),
                                         connections=args.connections, duration=args.duration))
        ids = asyncio.run(create_ids(server.url, 200))
        say(f"{kind}: retrieve")
        out["retrieve"] = asyncio.run(load(server.url, lambda i: ("GET", f"/v1/responses/{ids[i % len(ids)]}", b""),
                                           connections=args.connections, duration=args.duration))
        if not args.scale:
            say(f"{kind}: input_items_10k")
            out["input_items_10k"] = asyncio.run(input_items(server.url, args.duration / 2, args.connections))
            say(f"{kind}: stream_1000_tokens")
            out["stream_1000_tokens"] = asyncio.run(stream_1000_tokens(server.url))
            say(f"{kind}: background")
            out["background"] = asyncio.run(background_throughput(server.url))
            say(f"{kind}: idle_streams")
            out["idle_streams"] = asyncio.run(idle_streams(server, args.streams))
    finally:
        server.stop()
    return out


def baseline(args) -> dict:
    server = start_baseline()
    try:
        return {
            "create": asyncio.run(load(server.url, lambda i: ("POST", "/v1/responses", CREATE),
                                       connections=args.connections, duration=args.duration)),
            "retrieve": asyncio.run(load(server.url, lambda i: ("GET", "/v1/responses/resp_x", b""),
                                         connections=args.connections, duration=args.duration)),
            "idle_streams": asyncio.run(idle_streams(server, paths=["/v1/idle-stream"] * args.streams)),
        }
    finally:
        server.stop()


def table(results: dict) -> str:
    base = results["baseline"]
    lines = ["| store | measure | throughput | p50 | p99 | vs baseline |", "| --- | --- | --- | --- | --- | --- |"]
    for name in ("create", "retrieve"):
        b = base[name]
        lines.append(f"| baseline | {name} | {b['rps']} req/s | {b['p50_ms']} ms | {b['p99_ms']} ms | 1.00× |")
    bi = base["idle_streams"]
    lines.append(f"| baseline | {bi['streams']} idle open streams (sse-starlette on uvicorn) | {bi['total_mb']} MB "
                 f"({bi['kb_per_stream']} KB each) | CPU while idle: {bi['idle_cpu_share'] * 100:.0f}% of a core | | 1.00× |")
    for store, out in results["stores"].items():
        for name in ("create", "retrieve"):
            r = out[name]
            ratio = r["rps"] / base[name]["rps"]
            lines.append(f"| {store} | {name} | {r['rps']} req/s | {r['p50_ms']} ms | {r['p99_ms']} ms | {ratio:.2f}× |")
        if "input_items_10k" in out:
            for page, r in out["input_items_10k"].items():
                lines.append(f"| {store} | input items of a 10,000-item list: {page} | {r['rps']} req/s "
                             f"| {r['p50_ms']} ms | {r['p99_ms']} ms | {r['rps'] / base['retrieve']['rps']:.2f}× |")
            s = out["stream_1000_tokens"]
            lines.append(f"| {store} | stream of {s['output_tokens']} tokens (pacing off) | first event {s['first_event_ms']} ms "
                         f"| total {s['total_ms']} ms | | |")
            i = out["idle_streams"]
            lines.append(f"| {store} | {i['streams']} idle open streams | {i['total_mb']} MB ({i['kb_per_stream']} KB each) "
                         f"| CPU while idle: {i['idle_cpu_share'] * 100:.0f}% of a core | | "
                         f"{i['total_mb'] / max(bi['total_mb'], 0.1):.2f}× memory |")
            g = out["background"]
            lines.append(f"| {store} | background jobs (unpaced) | {g['jobs_per_second']} jobs/s | | | |")
        if "filled" in out:
            lines.append(f"| {store} | (with {out['filled']['responses']:,} stored responses) | | | | |")
    return "\n".join(lines)


def _load_note() -> str:
    """What else the machine was doing: the figures of a busy machine are noisier."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) at the start, on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("all", "side", "stores"), default="all")
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=2, help="side by side: rounds of every server in turn")
    parser.add_argument("--wrk-duration", type=float, default=8.0, help="side by side: seconds per wrk measure")
    parser.add_argument("--no-peers", action="store_true", help="side by side: without aimock and llmock")
    parser.add_argument("--duration", type=float, default=5.0, help="stores: seconds per throughput measure")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--scale", type=int, default=0, help="pre-store this many responses (create/retrieve only)")
    parser.add_argument("--write", action="store_true", help="append the tables to bench/RESULTS.md")
    args = parser.parse_args()
    stores = [s for s in args.stores.split(",") if s != "postgres" or postgres_reachable()]
    note = _load_note()
    texts = []
    if args.only in ("all", "side") and not args.scale:
        measured = side_by_side.run(args.stores.split(","), rounds=args.rounds, duration=args.wrk_duration,
                                    peers=not args.no_peers, say=say)
        print(json.dumps({t.name: {"events": t.events, "bytes": t.stream_bytes, "results": t.results,
                                   "skipped": t.skipped} for t in measured}, indent=1))
        texts.append(f"Side by side (wrk -t1, {args.wrk_duration:g} s a measure, {args.rounds} rounds):\n\n"
                     + side_by_side.table(measured))
    if args.only in ("all", "stores"):
        with tempfile.TemporaryDirectory() as tmp:
            results = {"baseline": baseline(args),
                       "stores": {kind: measure(kind, Path(tmp), args) for kind in stores}}
        print(json.dumps(results, indent=1))
        texts.append(f"The stores (bench/loadgen.py, {args.connections} connections, {args.duration:g} s a measure):"
                     f"\n\n" + table(results))
    text = "\n\n".join(texts)
    print(text)
    print(f"({note})")
    if args.write:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), platform.processor())
        header = (f"\n### {date.today().isoformat()} — {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
                  f"\n\n`python -m bench.run {' '.join(sys.argv[1:])}` ({note})\n\n")
        with (ROOT / "bench" / "RESULTS.md").open("a") as f:
            f.write(header + text + "\n")


if __name__ == "__main__":
    main()
