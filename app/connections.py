"""uvicorn's HTTP protocol with what it lacks against idle and slow clients: a deadline and a size
bound for a request's headers, an idle deadline for its body, and a cap on open connections that
closes the longest-idle one for a newcomer (or refuses the newcomer when none is idle), so
descriptors never run out."""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from responses_mock.config import Settings
from responses_mock.errors import APIError
from responses_mock.logs import Throttled

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None

log = logging.getLogger("responses_mock.connections")
_warn = Throttled(log).warning  # a flood must not fill the log too

# uvicorn arms its keep-alive timer only once a response is complete: a connection that sends
# nothing, or a header a byte at a time, was held for ever. h11 bounds header size (16 KiB by
# default); httptools does not.
MAX_HEADER_BYTES = 64 * 1024
# Files, the database pool, the listening socket. A burst of connects larger than what is left
# is cut by the event loop at accept (libuv closes the excess), never held.
DESCRIPTOR_HEADROOM = 128


@dataclass(frozen=True)
class Limits:
    header_timeout: float
    max_connections: int
    body_timeout: float = 60.0


def _timed_out(seconds: float) -> bytes:
    """The 408 a body that stopped arriving gets: the error envelope, and the connection closes
    (what is still on its way belongs to no request)."""
    err = APIError(f"The request body was not received in time: no byte of it arrived for {seconds:g} second{'' if seconds == 1 else 's'}.",
                   status=408, code="request_timeout")
    body = orjson.dumps(err.body())
    return (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n%s" % (len(body), body))


def default_max_connections() -> int:
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0] if resource else 1024
    if soft == getattr(resource, "RLIM_INFINITY", -1):
        soft = 1 << 20
    return max(soft - DESCRIPTOR_HEADROOM, 16)


_limits: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # uvicorn Config → its Limits


def limits_for(config) -> Limits:
    """The served app's settings (the app is found through uvicorn's wrappers); the defaults else."""
    found = _limits.get(config)
    if found is None:
        app, settings = config.loaded_app, None
        for _ in range(10):
            settings = getattr(getattr(app, "state", None), "settings", None)
            if isinstance(settings, Settings) or app is None:
                break
            app = getattr(app, "app", None)
        if not isinstance(settings, Settings):
            settings = Settings()
        found = _limits[config] = Limits(settings.header_timeout,
                                         settings.max_connections or default_max_connections(),
                                         settings.body_timeout)
    return found


def _cancelled(timer) -> None:
    """A timer handle cancelled, if there is one: what its attribute holds after."""
    if timer is not None:
        timer.cancel()


_idle_of: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # uvicorn ServerState → its idle connections


class HttpProtocol(HttpToolsProtocol):
    """Pass as uvicorn's `http` (cli.py does)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits_for(self.config)
        # This server's idle connections, the longest idle first (a dict keeps insertion order).
        self.idle_ones: dict[HttpProtocol, None] = _idle_of.setdefault(self.server_state, {})
        self._header_timer = None
        self._header_bytes = 0
        self._oversized = False
        self._body_timer = None
        self._body_pending = False  # between a request's headers and its body's end
        self._body_at = 0.0  # when its last bytes came

    # -- the connection cap ------------------------------------------------------------------

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        # A closing connection still counts until it is gone: each newcomer past the cap closes
        # exactly one idle connection.
        if len(self.connections) > self.limits.max_connections and not self._make_room():
            _warn("connection refused: %d connections open, none idle (max_connections)", len(self.connections))
            transport.close()
            return
        self.idle_ones[self] = None
        self._arm()

    def _make_room(self) -> bool:
        """Close the longest-idle connection; False if none is idle."""
        while self.idle_ones:
            victim = next(iter(self.idle_ones))
            del self.idle_ones[victim]
            if not victim.transport.is_closing():
                victim.transport.close()
                return True
        return False

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete) \
                and not self.pipeline:
            self.idle_ones.pop(self, None)
            self.idle_ones[self] = None  # the newest idle one

    # -- the header deadline and size ----------------------------------------------------------

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.limits.header_timeout, self._header_timeout)

    def _disarm(self) -> None:
        self._header_timer = _cancelled(self._header_timer)

    def _header_timeout(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._arm()  # from connecting, or from the next request's first byte

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def _count(self, n: int) -> None:
        self._header_bytes += n
        if self._header_bytes > MAX_HEADER_BYTES:
            self._oversized = True
            raise ValueError("request headers too large")  # httptools stops; uvicorn answers and closes

    def send_400_response(self, msg: str) -> None:
        if not self._oversized:
            return super().send_400_response(msg)
        body = b"Request header fields too large."
        self.transport.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; "
                             b"charset=utf-8\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body))
        self.transport.close()

    def on_headers_complete(self) -> None:
        self._disarm()
        self.idle_ones.pop(self, None)  # busy until its response is complete (or a WebSocket now)
        # A WebSocket handshake has no body to wait for: the connection becomes the socket's.
        self._body_pending = not (self.parser.should_upgrade() and self._should_upgrade())
        super().on_headers_complete()

    def connection_lost(self, exc) -> None:
        self._disarm()
        self._disarm_body()
        self.idle_ones.pop(self, None)
        super().connection_lost(exc)

    # -- the body's idle deadline ----------------------------------------------------------------
    # Armed only when a read ends with a body still to come: a body that came with its headers
    # (nearly every request) costs no timer. Its bytes only stamp the time; the timer, when it
    # fires early, waits out the rest.

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._body_pending and self._body_timer is None and not self.transport.is_closing():
            self._body_at = self.loop.time()
            self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_timeout)

    def on_body(self, body: bytes) -> None:
        self._body_at = self.loop.time() if self._body_timer is not None else 0.0
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._body_pending = False
        self._disarm_body()
        super().on_message_complete()

    def _disarm_body(self) -> None:
        self._body_timer = _cancelled(self._body_timer)

    def _body_timeout(self) -> None:
        self._body_timer = None
        if not self._body_pending or self.transport.is_closing():
            return
        cycle = self.cycle
        if self.flow.read_paused or (cycle is not None and cycle.waiting_for_100_continue):
            self._body_at = self.loop.time()  # the app is behind reading it (or to ask for it): not the client
        left = self._body_at + self.limits.body_timeout - self.loop.time()
        if left > 0:
            self._body_timer = self.loop.call_later(left, self._body_timeout)
            return
        if cycle is not None and not cycle.response_started:
            cycle.response_started = True  # the app's own reply, if it still tries, goes nowhere
            self.transport.write(_timed_out(self.limits.body_timeout))
        self.transport.close()
