"""'Something changed for response X': wakes followers in this process at once.

Followers in other processes (several replicas on one Postgres) find changes by re-reading the
event log every `stream_poll_interval`, so a missed wake-up only costs latency, never an event.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict


class Notifier:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Future]] = defaultdict(set)

    def notify(self, key: str) -> None:
        for fut in self._waiters.pop(key, ()):
            if not fut.done():
                fut.set_result(None)

    def notify_all(self) -> None:
        """Wake every waiter: notifications may have been missed (LISTEN reconnected), or the
        server is shutting down."""
        for key in list(self._waiters):
            self.notify(key)

    async def wait(self, key: str, timeout: float) -> None:
        """Return on the next notify(key) or after `timeout` seconds, whichever is first."""
        fut = asyncio.get_running_loop().create_future()
        self._waiters[key].add(fut)
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            pass
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(fut)
                if not waiters:
                    self._waiters.pop(key, None)
