"""Whether this process can serve writes: the store reachable, its writes succeeding (a full disk
leaves reads working), and no shutdown begun. A failing store is probed with a write at most once
a PROBE_EVERY seconds, so `/ready` turns 200 as soon as one succeeds."""

from __future__ import annotations

import asyncio
import time

from responses_mock.services.drain import Drain
from responses_mock.store.handle import Store
from responses_mock.store.health import describe

PROBE_EVERY = 1.0  # seconds between write probes while writes fail
TIMEOUT = 2.0  # seconds a readiness check may take


class Readiness:
    def __init__(self, store: Store, drain: Drain) -> None:
        self.store = store
        self.drain = drain
        self._probed_at = 0.0

    async def check(self) -> tuple[str, str | None]:
        """("ok", None), ("shutting_down", None) or ("unavailable", why)."""
        if self.drain.begun.is_set():
            return "shutting_down", None
        watch = self.store.health
        try:
            await asyncio.wait_for(self.store.ping(), TIMEOUT)
            if not watch.writable and time.monotonic() - self._probed_at >= PROBE_EVERY:
                self._probed_at = time.monotonic()
                await asyncio.wait_for(self.store.probe(), TIMEOUT)  # tells `watch` how it went
        except Exception as exc:  # the store is away: not ready, but the process is alive
            return "unavailable", describe(exc)
        if not watch.writable:
            return "unavailable", f"writes fail: {watch.failure}"
        return "ok", None
