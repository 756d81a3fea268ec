"""Injected faults: HTTP errors worded and headed as the real API's, dropped connections, streams
that stop mid-way. A fixture rule's faults become a `FaultPlan` (data, decided in
services/prepare.py, or by the middleware for a path rule); whoever answers the request enacts it:
the route over HTTP, the session over a WebSocket."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TypeVar

from responses_mock.errors import APIError, Disconnect, StreamCut
from responses_mock.services.endings import SERVER_ERROR
from responses_mock.wire.fixtures import HttpError, Respond

_DEFAULTS = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported"),
    404: ("invalid_request_error", None, "Not found."),
    409: ("invalid_request_error", None, "Conflict."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for {model} in organization org-mock on requests per "
          "min (RPM): Limit 10000, Used 10000, Requested 1. Please try again in {wait}."),
    500: ("server_error", None, SERVER_ERROR),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}

T = TypeVar("T")


@dataclass(frozen=True)
class FaultPlan:
    """What a rule's faults do to one reply, in the order a client sees them: a delay, then an
    HTTP error or a dropped connection; or a stream cut after `cut_after` events."""

    delay: float = 0.0
    http_error: HttpError | None = None
    disconnect: bool = False
    cut_after: int | None = None  # a stream stops after this many events
    model: str = "gpt-4.1"  # as requested: a 429 names it

    @property
    def answers(self) -> bool:
        """Whether the fault replaces the reply (an error or a drop), not just delays or cuts it."""
        return self.http_error is not None or self.disconnect


NONE = FaultPlan()


def plan(respond: Respond | None, model: str = "gpt-4.1", *, streamed: bool = True) -> FaultPlan:
    """A rule's faults for a reply; a `stream_cut` of a reply that is not a stream drops it
    instead (there is nothing to cut)."""
    if respond is None or not (respond.delay or respond.http_error is not None or respond.fault):
        return NONE
    cut = respond.fault == "stream_cut"
    return FaultPlan(delay=respond.delay, http_error=respond.http_error,
                     disconnect=respond.fault == "disconnect" or (cut and not streamed),
                     cut_after=respond.cut_after if cut and streamed else None, model=model)


def http_error(spec: HttpError, model: str = "gpt-4.1") -> APIError:
    kind, code, message = _DEFAULTS.get(spec.status, ("server_error" if spec.status >= 500 else "invalid_request_error",
                                                      None, "The request failed."))
    wait = spec.retry_after if spec.retry_after is not None else 0.006
    shown = f"{round(wait * 1000)}ms" if wait < 1 else f"{wait:g}s"
    headers = {}
    if spec.status == 429:
        headers.update({"x-ratelimit-limit-requests": "10000", "x-ratelimit-remaining-requests": "0",
                        "x-ratelimit-reset-requests": shown})
    if spec.retry_after is not None:
        headers["retry-after"] = str(math.ceil(spec.retry_after))
        headers["retry-after-ms"] = str(round(spec.retry_after * 1000))
    headers.update(spec.headers)
    return APIError((spec.message or message).format(model=model, wait=shown), status=spec.status,
                    type=spec.type or kind, code=spec.code if spec.code is not None else code, param=spec.param,
                    headers=headers)


async def enact(plan: FaultPlan) -> None:
    """The plan's faults before a reply: the delay, then the HTTP error or the dropped connection
    (raised). Returns when the plan only slows the reply down (or cuts it: see `cut`)."""
    if plan.delay:
        await asyncio.sleep(plan.delay)
    if plan.http_error is not None:
        raise http_error(plan.http_error, plan.model)
    if plan.disconnect:
        raise Disconnect


def cut(events: AsyncIterator[T], plan: FaultPlan) -> AsyncIterator[T]:
    """A stream as the plan has it: whole, or stopped abruptly after `cut_after` events."""
    return events if plan.cut_after is None else cut_after(events, plan.cut_after)


async def cut_after(events: AsyncIterator[T], n: int) -> AsyncIterator[T]:
    """Pass `n` events, then stop the stream abruptly."""
    sent = 0
    async for event in events:
        if sent >= n:
            raise StreamCut
        yield event
        sent += 1
    raise StreamCut
