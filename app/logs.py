"""Log lines a flood cannot multiply: a warning said at most once a second per caller, however
often its cause repeats (a connection flood, every request of a store outage)."""

from __future__ import annotations

import logging
import time


class Throttled:
    def __init__(self, log: logging.Logger, interval: float = 1.0) -> None:
        self.log, self.interval = log, interval
        self._last = float("-inf")

    def warning(self, message: str, *args) -> None:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self.log.warning(message, *args)
