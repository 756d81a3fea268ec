"""Where this server's time goes under load: py-spy samples the server process while wrk drives
one path (c=32), and each sample is put in the layer of its innermost frame that names one — our
modules by folder and name, the stack's by package. The table is what bench/RESULTS.md keeps.

    .venv/bin/python -m bench.profile create retrieve stream --duration 8   # SQLite, one process
    .venv/bin/python -m bench.profile retrieve --top 30                     # and its busiest frames
    .venv/bin/python -m bench.profile create --store postgres
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import wrk
from bench.quick import AUTH, CREATE, FAST, STREAM, _created
from bench.servers import ROOT, fresh_store, start_mock

PATHS = {"create": ("POST", "/v1/responses", CREATE, {}),
         "retrieve": ("GET", "/v1/responses/{id}", b"", {}),  # of a response created first
         "stream": ("POST", "/v1/responses", STREAM, FAST)}

# (label, what a frame's text holds), looked for from the innermost frame out: the first frame
# that matches one names the sample's layer. Our folders first, by what they do.
LAYERS = [
    ("default model (backends/)", "app/backends/"),
    ("the run: lifecycle, events, live feed", "app/services/lifecycle.py"),
    ("the run: lifecycle, events, live feed", "app/services/feed.py"),
    ("the run: lifecycle, events, live feed", "app/wire/events.py"),
    ("event log and row writes (recorder, rows)", "app/services/recorder.py"),
    ("event log and row writes (recorder, rows)", "app/services/rows.py"),
    ("store: SQL and commits (store/)", "app/store/"),
    ("prepare: context, tokens, checks", "app/services/prepare.py"),
    ("prepare: context, tokens, checks", "app/services/context.py"),
    ("prepare: context, tokens, checks", "app/services/tokens.py"),
    ("prepare: context, tokens, checks", "app/services/request_checks.py"),
    ("prepare: context, tokens, checks", "app/services/attachments.py"),
    ("prepare: context, tokens, checks", "app/services/files.py"),
    ("prepare: context, tokens, checks", "app/services/fixtures.py"),
    ("prepare: context, tokens, checks", "app/services/pacing.py"),
    ("prepare: context, tokens, checks", "app/wire/objects.py"),
    ("parse and validate (wire/requests, pydantic)", "app/wire/"),
    ("parse and validate (wire/requests, pydantic)", "pydantic"),
    ("journal", "app/services/journal.py"),
    ("our middleware and metrics", "app/middleware.py"),
    ("our middleware and metrics", "app/services/metrics.py"),
    ("our routes and services (the rest of app/)", "app/"),
    ("sse-starlette", "sse_starlette/"),
    ("FastAPI and Starlette", "fastapi/"),
    ("FastAPI and Starlette", "starlette/"),
    ("anyio", "anyio/"),
    ("uvicorn (HTTP, transport writes)", "uvicorn/"),
    ("SQLAlchemy", "sqlalchemy/"),
    ("the event loop (asyncio, uvloop)", "asyncio/"),
    ("the event loop (asyncio, uvloop)", "uvloop"),
]


def layer(stack: str) -> str:
    for frame in reversed(stack.split(";")):
        for label, mark in LAYERS:
            if mark in frame:
                return label
    return "other"


# A thread waiting (for work, an event): py-spy counts it as running. Its innermost frame says so.
_IDLE = ("_worker (concurrent/futures/thread.py:81)", "Condition.wait (threading.py")


def _busy(raw: Path):
    """(thread, stack, samples) of each stack py-spy recorded, waiting threads left out."""
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        thread, _, stack = stack.partition(";")
        if not any(mark in stack.rsplit(";", 1)[-1] for mark in _IDLE):
            yield thread, stack, int(n)


def shares(raw: Path) -> tuple[collections.Counter, int, collections.Counter]:
    """The event loop's samples by layer, their count, and the other threads' samples by layer
    (the SQLite commits and file work sent off the loop run beside it, on the other core)."""
    loop: collections.Counter = collections.Counter()
    others: collections.Counter = collections.Counter()
    for thread, stack, n in _busy(raw):
        (loop if thread.endswith("MainThread") else others)[layer(stack)] += n
    return loop, sum(loop.values()), others


def own(raw: Path, n: int) -> list[str]:
    """The loop's top `n` frames by samples of their own (where it spends, not what it calls)."""
    frames: collections.Counter = collections.Counter()
    for thread, stack, count in _busy(raw):
        if thread.endswith("MainThread"):
            frames[stack.rsplit(";", 1)[-1]] += count
    total = sum(frames.values()) or 1
    return [f"| {frame} | {k / total * 100:.1f}% |" for frame, k in frames.most_common(n)]


def profile(name: str, store: str, duration: float, tmp: Path, top: int = 0) -> str:
    server = start_mock(fresh_store(store, tmp))
    raw = tmp / f"{name}.raw"
    method, path, body, headers = PATHS[name]
    try:
        if "{id}" in path:
            path = path.format(id=_created(server, "/v1/responses"))
        spy = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(server.p.pid),
                                "-r", "250", "-f", "raw", "--threads", "-o", str(raw), "-d", str(int(duration) + 1)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        load = wrk.load(server.url, path, method=method, body=body, headers={**AUTH, **headers}, connections=32,
                        duration=duration)
        spy.wait(duration + 30)
    finally:
        server.stop()
    counted, total, others = shares(raw)
    lines = [f"{name} ({store}, wrk c=32, {load.rps:,.0f} req/s while sampled; the event loop's {total:,} "
             "samples)", "", "| layer | share of the loop |", "| --- | --- |"]
    lines += [f"| {label} | {n / total * 100:.1f}% |" for label, n in counted.most_common()]
    if others:
        beside = ", ".join(f"{label} {n / total * 100:.0f}%" for label, n in others.most_common(3))
        lines += ["", f"Beside the loop, in other threads (as a share of the loop's samples): {beside}."]
    if top:
        lines += ["", "| frame (its own samples) | share of the loop |", "| --- | --- |", *own(raw, top)]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("paths", nargs="+", choices=sorted(PATHS))
    p.add_argument("--store", default="sqlite", choices=("sqlite", "postgres"))
    p.add_argument("--duration", type=float, default=8)
    p.add_argument("--top", type=int, default=0, help="also the loop's N busiest frames of their own")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT / "bench") as tmp:
        for name in args.paths:
            print(profile(name, args.store, args.duration, Path(tmp), args.top), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
