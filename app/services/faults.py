"""Injected faults: HTTP errors worded and headed as the real API's, dropped connections, streams
that stop mid-way. Raised by services, turned into bytes (or silence) by the HTTP layer."""

from __future__ import annotations

import asyncio
import math

from responses_mock.errors import APIError, Disconnect, StreamCut  # noqa: F401 (re-exported for services)
from responses_mock.services.journal import current
from responses_mock.wire.fixtures import HttpError

_DEFAULTS = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported"),
    404: ("invalid_request_error", None, "Not found."),
    409: ("invalid_request_error", None, "Conflict."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for {model} in organization org-mock on requests per "
          "min (RPM): Limit 10000, Used 10000, Requested 1. Please try again in {wait}."),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


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


async def enact(respond, model: str = "gpt-4.1") -> None:
    """A rule's faults, in the order a client sees them: the delay, then the HTTP error or the
    dropped connection (raised). Returns when the rule only slows the reply down."""
    if respond.delay:
        await asyncio.sleep(respond.delay)
    if respond.http_error is not None:
        raise http_error(respond.http_error, model)
    if respond.fault == "disconnect":
        raise Disconnect


async def cut_after(events, n: int):
    """Pass `n` events, then stop the stream abruptly."""
    sent = 0
    async for event in events:
        if sent >= n:
            raise StreamCut
        yield event
        sent += 1
    raise StreamCut


def maybe_cut(events):
    """The stream of this request, cut if a fixture rule said so."""
    note = current.get()
    n = note.extra.get("cut_after") if note is not None else None
    return events if n is None else cut_after(events, n)
