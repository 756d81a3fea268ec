"""The servers side by side in one run (issue 24's table): wrk, one thread, 32 connections (and 1,
for a request alone), each server in turn, every round.

- the baseline: FastAPI routes with no store, the same routes storing through SQLAlchemy the plain
  way (one transaction a create: the stack's own price of a stored write), and a bare sse-starlette stream endpoint sending a
  65-event stream (~20 KB) one send per event, and the same events in one send;
- the peers, where installed: aimock (npm) and llmock (PyPI), each answering in memory;
- this server on SQLite (one process), on Postgres with one worker, and with two workers (the
  scale-out run). Stored and journaled, as by default.

Every ratio is printed: create and retrieve against the bare route, the stream against the bare
per-event endpoint (and its one-send floor), per-event costs, and each peer against this server.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import servers
from bench.servers import Proc
from bench.wrk import load

KEY = "sk-bench"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROMPT = "Hello there, how are you today?"  # this server's answer: 65 stream events, ~20 KB
CREATE = json.dumps({"model": "gpt-4.1", "input": PROMPT}).encode()
STREAM = json.dumps({"model": "gpt-4.1", "input": PROMPT, "stream": True}).encode()

# Measures: (name, connections).
MEASURES = [("create", 32), ("retrieve", 32), ("create", 1), ("stream", 32), ("stream", 1)]


@dataclass
class Target:
    """One server as measured: how it starts and which paths it answers."""

    name: str
    start: Callable[[Path], Proc]
    create: str | None = "/v1/responses"
    retrieve: bool = False  # answers GET /v1/responses/{id} of a response it created
    stream: str | None = "/v1/responses"
    stream_body: bytes = STREAM
    skipped: str | None = None  # why it is not measured here
    measures: tuple[str, ...] = ("create", "retrieve", "stream")
    results: dict = field(default_factory=dict)  # "create@32" -> [rows]
    events: int = 0  # events of its stream
    stream_bytes: int = 0


def _ours(kind: str, workers: int = 1) -> Callable[[Path], Proc]:
    def start(tmp: Path) -> Proc:
        return servers.start_mock(servers.fresh_store(kind, tmp), ["--workers", str(workers)] if workers > 1 else [])
    return start


def targets(stores: list[str], peers: bool) -> list[Target]:
    out = [Target("bare FastAPI / sse-starlette per event", lambda tmp: servers.start_baseline(),
                  retrieve=True, stream="/v1/stream/per-event"),
           Target("bare FastAPI + SQLAlchemy, stored", lambda tmp: servers.start_baseline(),
                  create="/v1/stored/responses", retrieve=True, stream=None, measures=("create", "retrieve")),
           Target("bare sse-starlette, one send", lambda tmp: servers.start_baseline(), create=None,
                  stream="/v1/stream/one-send", measures=("stream",))]
    if peers:
        out.append(Target("aimock 1.43 (npm, in memory)", lambda tmp: servers.start_aimock(),
                          skipped=servers.aimock_missing(), measures=("create", "stream")))
        out.append(Target("llmock 0.2.2 (PyPI)", lambda tmp: servers.start_llmock(),
                          skipped=servers.llmock_missing(), measures=("create", "stream")))
    if "sqlite" in stores:
        out.append(Target("this server, SQLite", _ours("sqlite"), retrieve=True))
    if "postgres" in stores:
        reachable = servers.postgres_reachable()
        note = None if reachable else "Postgres not reachable at 127.0.0.1:5432"
        out.append(Target("this server, Postgres, 1 worker", _ours("postgres"), retrieve=True, skipped=note))
        out.append(Target("this server, Postgres, 2 workers", _ours("postgres", 2), retrieve=True, skipped=note))
    return out


def _retrieve_path(server: Proc, target: Target) -> str:
    if target.name.startswith("bare FastAPI /"):
        return "/v1/responses/resp_x"
    created = httpx.post(server.url + target.create, content=CREATE, headers={**AUTH, "Content-Type": "application/json"})
    return f"{target.create}/{created.json()['id']}"


def _count_events(server: Proc, target: Target) -> None:
    with httpx.stream("POST", server.url + target.stream, content=target.stream_body, timeout=30,
                      headers={**AUTH, "Content-Type": "application/json"}) as reply:
        body = b"".join(reply.iter_bytes())
    target.events = sum(1 for line in body.split(b"\n") if line.startswith(b"event:"))
    target.stream_bytes = len(body)


def measure(target: Target, tmp: Path, duration: float) -> None:
    server = target.start(tmp)
    try:
        if target.stream and "stream" in target.measures and not target.events:
            _count_events(server, target)
        retrieve = _retrieve_path(server, target) if target.retrieve else None
        for name, conns in MEASURES:
            if name not in target.measures:
                continue
            if name == "create" and target.create:
                r = load(server.url, target.create, method="POST", body=CREATE, headers=AUTH, connections=conns,
                         duration=duration)
            elif name == "retrieve" and retrieve:
                r = load(server.url, retrieve, headers=AUTH, connections=conns, duration=duration)
            elif name == "stream" and target.stream:
                r = load(server.url, target.stream, method="POST", body=target.stream_body, headers=AUTH,
                         connections=conns, duration=duration)
            else:
                continue
            target.results.setdefault(f"{name}@{conns}", []).append(r.row())
    finally:
        server.stop()


def run(stores: list[str], *, rounds: int = 2, duration: float = 8.0, peers: bool = True,
        say: Callable[[str], None] = print) -> list[Target]:
    """Every target in turn, `rounds` times; the targets with their results."""
    all_targets = targets(stores, peers)
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(rounds):
            for t in all_targets:
                if t.skipped:
                    continue
                say(f"side by side, round {k + 1}: {t.name}")
                try:
                    measure(t, Path(tmp), duration)
                except Exception as exc:  # a peer that fails to start: a note, not a lost run
                    t.skipped = f"failed: {exc}"[:300]
    return all_targets


# -- the table -------------------------------------------------------------------------------

def _span(values: list[float], fmt: str = "{:,.0f}") -> str:
    if not values:
        return "—"
    lo, hi = min(values), max(values)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else f"{fmt.format(lo)}–{fmt.format(hi)}"


def _rps(t: Target, key: str) -> list[float]:
    return [r["rps"] for r in t.results.get(key, [])]


def _p50(t: Target, key: str) -> list[float]:
    return [r["p50_ms"] for r in t.results.get(key, [])]


def _best(values: list[float]) -> float | None:
    """The best round: on a machine that other work disturbs, the least disturbed one."""
    return max(values) if values else None


def table(all_targets: list[Target]) -> str:
    measured = [t for t in all_targets if t.results]
    bare = next((t for t in measured if t.name.startswith("bare FastAPI /")), None)
    stored = next((t for t in measured if t.name.startswith("bare FastAPI + SQLAlchemy")), None)
    floor = next((t for t in measured if t.name.startswith("bare sse-starlette, one")), None)
    ours = next((t for t in measured if t.name == "this server, SQLite"), None)
    rows = [
        ("create, c=32 (req/s)", "create@32", _rps, "{:,.0f}"),
        ("retrieve, c=32 (req/s)", "retrieve@32", _rps, "{:,.0f}"),
        ("create alone, c=1 (p50 ms)", "create@1", _p50, "{:.2f}"),
        ("stream, c=32 (streams/s)", "stream@32", _rps, "{:,.0f}"),
        ("stream alone, c=1 (p50 ms)", "stream@1", _p50, "{:.2f}"),
    ]
    head = "| measure | " + " | ".join(t.name for t in measured) + " |"
    lines = [head, "|" + " --- |" * (len(measured) + 1)]
    for label, key, pick, fmt in rows:
        lines.append(f"| {label} | " + " | ".join(_span(pick(t, key), fmt) for t in measured) + " |")
    lines.append("| stream: events, bytes | " + " | ".join(
        f"{t.events}, {t.stream_bytes:,}" if t.events else "—" for t in measured) + " |")
    lines.append("| µs a stream event at c=32 | " + " | ".join(
        f"{1e6 / (_best(_rps(t, 'stream@32')) * t.events):.0f}" if t.events and _rps(t, "stream@32") else "—"
        for t in measured) + " |")
    lines += ["", "Ratios (the best round of each):", ""]
    for t in measured:
        if not t.name.startswith("this server"):
            continue
        parts = []
        for key, base, what in (("create@32", bare, "create ÷ bare route"), ("retrieve@32", bare, "retrieve ÷ bare route"),
                                ("create@32", stored, "create ÷ bare stored route"),
                                ("retrieve@32", stored, "retrieve ÷ bare stored route"),
                                ("stream@32", bare, "stream ÷ bare sse-starlette per event"),
                                ("stream@32", floor, "stream ÷ the one-send floor")):
            mine, theirs = _best(_rps(t, key)), base and _best(_rps(base, key))
            if mine and theirs:
                parts.append(f"{what} {mine / theirs:.2f}×")
        lines.append(f"- {t.name}: " + "; ".join(parts))
    if ours:
        for t in measured:
            if t.name.startswith(("aimock", "llmock")):
                parts = []
                for key, what in (("create@32", "create"), ("stream@32", "stream")):
                    mine, theirs = _best(_rps(ours, key)), _best(_rps(t, key))
                    if mine and theirs:
                        parts.append(f"{what} {theirs / mine:.2f}× this server's")
                lines.append(f"- {t.name}: " + "; ".join(parts) + f" ({t.events} stream events)")
    w1 = next((t for t in measured if t.name.endswith("Postgres, 1 worker")), None)
    w2 = next((t for t in measured if t.name.endswith("Postgres, 2 workers")), None)
    if w1 and w2:
        parts = []
        for key in ("create@32", "retrieve@32", "stream@32"):
            a, b = _best(_rps(w1, key)), _best(_rps(w2, key))
            if a and b:
                parts.append(f"{key.split('@')[0]} {b / a:.2f}×")
        lines.append("- Postgres, 2 workers ÷ 1 worker: " + "; ".join(parts))
    for t in all_targets:
        if t.skipped:
            lines.append(f"- {t.name}: skipped — {t.skipped}")
    tools = {r["tool"] for t in measured for rs in t.results.values() for r in rs}
    lines.append(f"- load generator: {', '.join(sorted(tools))}")
    return "\n".join(lines)
