"""Polling with a deadline: tests wait for an observable state, never for a guessed time.

`wait_until(predicate)` returns the predicate's first truthy value, or fails naming what it waited
for and the last value seen; `await until(...)` is the same inside a running event loop.
`wait_for(client, rid)` polls a response until it reaches a status; `wait_for_event(client, rid,
type)` follows its event log until an event of that type (e.g. the first text delta: the run has
produced output) — the point a test acts at, instead of a sleep.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

TERMINAL = ("completed", "incomplete", "failed", "cancelled")


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.02, what: str = "",
               ignore: tuple[type[BaseException], ...] = ()) -> T:
    """Call `predicate` every `interval` s until it returns something truthy (which is returned);
    an exception in `ignore` counts as not yet (e.g. a server still starting)."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            last = predicate()
        except ignore as exc:
            last = exc
        else:
            if last:
                return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout} s: {what or getattr(predicate, '__name__', predicate)} "
                                 f"(last: {last!r})")
        time.sleep(interval)


async def until(predicate: Callable[[], T | Awaitable[T]], timeout: float = 10.0, interval: float = 0.02,
                what: str = "") -> T:
    """`wait_until` for async tests: `predicate` may be a coroutine function; the loop keeps running."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        last = predicate()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout} s: {what or getattr(predicate, '__name__', predicate)} "
                                 f"(last: {last!r})")
        await asyncio.sleep(interval)


def wait_for(client, rid: str, statuses: tuple[str, ...] = TERMINAL, timeout: float = 20.0):
    """Poll `rid` until its status is one of `statuses` (or an end state, which no other follows);
    returns the response and the statuses seen in order."""
    seen: list[str] = []

    def reached():
        r = client.responses.retrieve(rid)
        if not seen or seen[-1] != r.status:
            seen.append(r.status)
        return r if r.status in statuses or r.status in TERMINAL else None

    return wait_until(reached, timeout, 0.05, f"{rid} {' or '.join(statuses)} (seen {seen})"), seen


def wait_for_event(client, rid: str, type: str, timeout: float = 20.0):
    """Follow `rid`'s event log (a background or streamed response) until an event of `type`; the
    stream is closed then. Fails if the log ends first."""
    stream = client.with_options(timeout=timeout).responses.retrieve(rid, stream=True)
    try:
        for event in stream:
            if event.type == type:
                return event
    finally:
        stream.close()
    raise AssertionError(f"{rid}'s events ended without a {type}")
