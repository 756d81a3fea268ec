"""Store faults: which errors mean the store is away (rather than refusing our data), how to name
one without SQL, a log that speaks once per outage, whether writes succeed now (what /ready
says), and a retry for the writes that must land (a run's end)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger("responses_mock.store")

# Errors of the data, across drivers (sqlite3's and asyncpg's names, and SQLAlchemy's wrappers):
# the store will never take it, and retrying cannot help.
_REFUSED = frozenset({"IntegrityError", "IntegrityConstraintViolationError", "DataError", "ValueError",
                      "UnicodeError"})
_DRIVERS = ("sqlalchemy", "asyncpg", "sqlite3", "aiosqlite")


def _chain(exc: BaseException):
    """The error and what it wraps (SQLAlchemy's `.orig`, the driver's cause), outermost first."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = getattr(exc, "orig", None) or exc.__cause__


def refused(exc: BaseException) -> bool:
    """Whether the store refused this data (it will never take it), as opposed to being away."""
    return any(cls.__name__ in _REFUSED for e in _chain(exc) for cls in type(e).__mro__)


def is_fault(exc: BaseException) -> bool:
    """Whether the store is away or failing (down, restarting, disk full, connection lost): an
    OS error or a driver's error that is not a refusal of the data."""
    if refused(exc):
        return False
    for e in _chain(exc):
        if isinstance(e, (OSError, sqlite3.OperationalError)):
            return True
        if type(e).__module__.split(".")[0] in _DRIVERS:
            return True
    return False


def describe(exc: BaseException) -> str:
    """The root cause in one line, for logs and /ready: its class and message, never SQL."""
    root = list(_chain(exc))[-1]
    text = str(root).split("[SQL:")[0].split("(Background on this error")[0].strip().splitlines()
    return f"{type(root).__name__}: {text[0] if text else ''}".rstrip(": ")


class Outage:
    """One kind of store work that may fail for a while: its first failure is logged with the
    cause, repeats are only counted, and the first success after them is logged once."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self.log, self.what = logger, what
        self.since: float | None = None
        self.failures = 0

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException) -> None:
        if self.since is None:
            self.since, self.failures = time.monotonic(), 0
            if is_fault(exc):
                self.log.warning("%s failed: %s (not logged again until it works)", self.what, describe(exc))
            else:  # not the store: a bug, with its traceback (once)
                self.log.error("%s failed (not logged again until it works)", self.what, exc_info=exc)
        self.failures += 1

    def ok(self) -> None:
        if self.since is not None:
            self.log.warning("%s works again, after %.1f s and %d failures", self.what,
                             time.monotonic() - self.since, self.failures)
            self.since = None


class StoreHealth:
    """Whether the store takes writes, as this process's writes last found it: every write
    transaction reports here (store/handle.py), and /ready answers from it."""

    def __init__(self) -> None:
        self.failure: str | None = None  # the cause, while writes fail
        self._outage = Outage(log, "writing to the store")

    @property
    def writable(self) -> bool:
        return self.failure is None

    def wrote(self) -> None:
        if self.failure is not None:
            self.failure = None
            self._outage.ok()

    def write_failed(self, exc: BaseException) -> None:
        if is_fault(exc):
            self.failure = describe(exc)
            self._outage.failed(exc)


REFUSALS = 3  # tries a write gets when the store refuses it (not away): retrying will not help


async def persist(write: Callable[[], Awaitable[None]], outage: Outage, *, wait: float,
                  stop: asyncio.Event | None = None) -> bool:
    """Run `write` until it succeeds (True), retrying with a backoff (50 ms doubling to 1 s),
    for at most `wait` seconds, until `stop` is set, or after REFUSALS errors that are not store
    faults (False)."""
    loop = asyncio.get_running_loop()
    deadline, delay, refusals = loop.time() + wait, 0.05, 0
    while True:
        try:
            await write()
        except Exception as exc:
            outage.failed(exc)
            refusals += not is_fault(exc)
        else:
            outage.ok()
            return True
        if loop.time() + delay > deadline or (stop is not None and stop.is_set()) or refusals >= REFUSALS:
            return False
        if stop is None:
            await asyncio.sleep(delay)
        else:
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except TimeoutError:
                pass
        delay = min(delay * 2, 1.0)
