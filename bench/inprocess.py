"""This server's app called in-process, no socket: time and a profile per request, the bare
routes beside it. Counts that wrk's noise does not move, for deciding what a change bought.

    .venv/bin/python -m bench.inprocess create retrieve stream          # µs a request, ours and bare
    .venv/bin/python -m bench.inprocess create --profile 2000 | head -60 # cProfile, sorted by own time
    valgrind --tool=callgrind .venv/bin/python -m bench.inprocess create -n 300  # instructions
    ... retrieve --side ours -n 2000   # one side only (two -n, the difference: instructions a request)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import re
import subprocess
import tempfile
import time
from functools import partial

from bench.baseline_app import app as bare_app
from responses_mock.config import Settings
from responses_mock.main import create_app

KEY = b"Bearer sk-bench"
CREATE = json.dumps({"model": "gpt-4.1", "input": "Hello there, how are you today?"}).encode()
STREAM = json.dumps({"model": "gpt-4.1", "input": "Hello there, how are you today?", "stream": True}).encode()
FAST = [(b"x-mock-queue-delay", b"0"), (b"x-mock-time-to-first-token", b"0"), (b"x-mock-tokens-per-second", b"0")]


async def call(app, method: str, path: str, body: bytes = b"", headers: list | None = None) -> tuple[int, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"authorization", KEY), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode()), *(headers or [])],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000), "state": {}}
    sent = False
    done = asyncio.Event()

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    status, chunks = 0, []

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                done.set()

    await app(scope, receive, send)
    done.set()
    return status, b"".join(chunks)


async def scenario(app, name: str, rid: str):
    if name == "create":
        return await call(app, "POST", "/v1/responses", CREATE)
    if name == "retrieve":
        return await call(app, "GET", f"/v1/responses/{rid}")
    if name == "stream":
        return await call(app, "POST", "/v1/responses", STREAM, FAST)
    raise SystemExit(f"unknown scenario {name}")


BARE = {"create": ("POST", "/v1/responses", CREATE), "retrieve": ("GET", "/v1/responses/x", b""),
        "stream": ("POST", "/v1/stream/per-event", STREAM)}


async def timed(make, n: int, c: int) -> tuple[float, int]:
    """µs a request with `c` requests in flight at a time (c > 1: the group commit batches)."""
    statuses = []

    async def lane(count: int) -> None:
        for _ in range(count):
            statuses.append((await make())[0])

    t = time.perf_counter()
    await asyncio.gather(*(lane(n // c) for _ in range(c)))
    return (time.perf_counter() - t) / (n // c * c) * 1e6, statuses[-1]


def _callgrind(*command: str) -> int | None:
    """Under callgrind, ask the running process (callgrind_control): `-e Ir` answers the
    instructions run since the last zero (each thread's, summed), so a count holds none of the
    start-up's noise; None outside callgrind. Each look costs ~0.5 M instructions of its own."""
    if "valgrind" not in os.environ.get("LD_PRELOAD", ""):
        return None
    out = subprocess.run(["callgrind_control", *command, str(os.getpid())], capture_output=True, text=True).stdout
    threads = re.findall(r"Th\s+\d+\s+([\d,]+)", out)  # one line a thread
    return sum(int(n.replace(",", "")) for n in threads) if threads else None


_CHUNK = 1000  # requests between journal writes: a batch the writer commits inline, as under load


async def _one_side(one, journal, n: int, c: int) -> tuple[float, int, int | None, int | None]:
    """µs a request, the last status, and under callgrind the instructions of the requests and of
    the journal's writes. No request here yields to the loop, so the journal's writer never runs
    meanwhile: after each chunk its batch (what a server pays every 50 ms) is written, and counted."""
    took, requests_ir, flush_ir = 0.0, 0, 0
    _callgrind("-z")
    before = _callgrind("-e", "Ir")
    reading = (_callgrind("-e", "Ir") or 0) - (before or 0)  # what one look costs (it runs in this process)
    done, status = 0, 0
    while done < n:
        size = min(_CHUNK, n - done)
        a = _callgrind("-e", "Ir")
        t, status = await timed(one, size, c)
        b = _callgrind("-e", "Ir")
        started = time.perf_counter()
        await journal.flush()
        t_flush = time.perf_counter() - started
        e = _callgrind("-e", "Ir")
        took += t * size + t_flush * 1e6
        if a is not None:
            requests_ir += b - a - reading
            flush_ir += e - b - reading
        done += size
    return took / n, status, requests_ir if before is not None else None, flush_ir if before is not None else None


async def main(args) -> None:
    tmp = tempfile.mkdtemp(prefix="bench-inprocess-")
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/bench.db", log_level="warning",
                        **({"journal_keep": args.journal_keep} if args.journal_keep else {}))
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        status, body = await call(app, "POST", "/v1/responses", CREATE)
        assert status == 200, body
        rid = json.loads(body)["id"]
        for name in args.scenarios:
            for _ in range(100):  # warm-up
                await scenario(app, name, rid)
            if args.profile:
                prof = cProfile.Profile()
                prof.enable()
                await timed(partial(scenario, app, name, rid), args.profile, args.c)
                prof.disable()
                pstats.Stats(prof).sort_stats(args.sort).print_stats(args.top)
                continue
            if args.side != "both":  # one side only: its instructions alone under callgrind
                one = partial(scenario, app, name, rid) if args.side == "ours" else partial(call, bare_app, *BARE[name])
                for _ in range(100):  # warm-up (the bare side's)
                    await one()
                journal = app.state.services.journal
                await journal.flush()
                took, status, requests_ir, flush_ir = await _one_side(one, journal, args.n, args.c)
                counted = ""
                if requests_ir is not None:
                    ir, flush_ir = requests_ir / args.n, flush_ir / args.n
                    counted = f"  {ir + flush_ir:,.0f} Ir a request ({flush_ir:,.0f} of them the journal's write)"
                print(f"{name:9} {args.side} {took:7.0f} µs{counted}  (status {status})")
                continue
            ours, status = await timed(partial(scenario, app, name, rid), args.n, args.c)
            base, _ = await timed(partial(call, bare_app, *BARE[name]), args.n, args.c)
            print(f"{name:9} ours {ours:7.0f} µs   bare {base:6.0f} µs   bare ÷ ours {base / ours:.2f}×  (status {status})")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("scenarios", nargs="+")
    p.add_argument("-n", type=int, default=1000)
    p.add_argument("-c", type=int, default=32, help="requests in flight at a time")
    p.add_argument("--profile", type=int, default=0, help="profile this many requests instead of timing")
    p.add_argument("--side", choices=("both", "ours", "bare"), default="both",
                   help="time only ours or only the bare route (one side's instructions under callgrind)")
    p.add_argument("--journal-keep", type=int, default=0,
                   help="keep fewer journal entries: below -n, the timed write also trims, as a full journal's does")
    p.add_argument("--sort", default="tottime")
    p.add_argument("--top", type=int, default=50)
    asyncio.run(main(p.parse_args()))
