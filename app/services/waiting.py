"""The one wait for a signal with a deadline (a cancel, a wake-up, a new journal entry)."""

from __future__ import annotations

import asyncio


async def wait_for(event: asyncio.Event, timeout: float) -> bool:
    """Wait until `event` is set or `timeout` seconds pass; whether it was set."""
    if event.is_set():
        return True
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except TimeoutError:
        return False
    return True
