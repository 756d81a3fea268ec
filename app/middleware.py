"""One ASGI middleware for what every /v1 request shares: the real API's response headers
(x-request-id, openai-processing-ms, rate limits), fault rules for any endpoint (`match.path`),
metrics, and the request journal. Its RequestNote travels with the request in the ASGI scope
(services/journal.py NOTE): a route that learns what the entry should say (which create rule
answered) writes it there; nothing travels in a context variable. Pure ASGI, so streamed replies
pass through untouched; other paths (health, admin, docs) pass straight through. Before all that,
every request and socket is refused whose Host the server does not answer (hosts.py).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from responses_mock import ids
from responses_mock.errors import (
    APIError,
    Disconnect,
    DroppedResponse,
    ServerError,
    StreamCut,
    error_response,
    too_large,
)
from responses_mock.hosts import HostPolicy
from responses_mock.logs import Throttled
from responses_mock.routes import api
from responses_mock.routes.api import HEADERS, KEY, PREFIX, TENANT
from responses_mock.services import faults
from responses_mock.services.endings import SERVER_ERROR
from responses_mock.services.journal import MAX_BODY, MAX_REPLY, NOTE, RequestNote, journal_headers
from responses_mock.services.tenancy import bearer_key, tenant_of
from responses_mock.store.health import describe, is_fault

log = logging.getLogger("responses_mock")
_store_away = Throttled(log)

_STATIC_HEADERS = [
    (b"openai-version", b"2020-10-01"),
    (b"x-ratelimit-limit-requests", b"10000"),
    (b"x-ratelimit-remaining-requests", b"9999"),
    (b"x-ratelimit-reset-requests", b"6ms"),
    (b"x-ratelimit-limit-tokens", b"30000000"),
    (b"x-ratelimit-remaining-tokens", b"29999000"),
    (b"x-ratelimit-reset-tokens", b"2ms"),
]
_STATIC_NAMES = frozenset(k for k, _ in _STATIC_HEADERS)
_TENANTS = 1024  # keys whose tenant (a SHA-256) is remembered; past it the memo starts afresh
_HEADER_SETS = 256  # sets of request headers remembered (_Known); past it the memo starts afresh
_V1 = PREFIX + "/"


def _content_length(headers: dict[str, str]) -> int | None:
    try:
        return int(headers["content-length"])
    except (KeyError, ValueError):
        return None


def _host(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"host":
            return value.decode("latin-1")
    return None


class _Known:
    """What one set of request headers says, worked out once: a client sends the same headers
    request after request (decoding them, the tenant's hash and their journal form cost ~20k
    instructions a request)."""

    __slots__ = ("headers", "host", "journal", "key", "size", "tenant")

    def __init__(self, raw, tenant_of_key) -> None:
        self.headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in raw}
        self.host = next((v.decode("latin-1") for k, v in raw if k == b"host"), None)
        self.key = bearer_key(self.headers.get("authorization", ""))
        self.tenant = tenant_of_key(self.key) if self.key else ""
        self.size = _content_length(self.headers)
        self.journal = journal_headers(self.headers)  # JSON, secrets masked: what an entry holds


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.api = app
        self.hosts: HostPolicy | None = None  # from the settings, on the first request
        self._tenants: dict[str, str] = {}  # key → tenant: a hash a request is not worth
        self._known: dict[tuple, _Known] = {}  # the raw headers → what they say

    def _tenant(self, key: str) -> str:
        found = self._tenants.get(key)
        if found is None:
            if len(self._tenants) >= _TENANTS:
                self._tenants.clear()
            found = self._tenants[key] = tenant_of(key)
        return found

    def _headers(self, raw) -> _Known:
        try:
            found = self._known.get(seen := tuple(raw))
        except TypeError:  # headers as lists (the ASGI spec allows them): worked out every time
            return _Known(raw, self._tenant)
        if found is None:
            if len(self._known) >= _HEADER_SETS:
                self._known.clear()
            found = self._known[seen] = _Known(raw, self._tenant)
        return found

    def _policy(self, scope: Scope) -> HostPolicy:
        if self.hosts is None:
            settings = api.services(scope).settings
            self.hosts = HostPolicy(settings.host, settings.allowed_hosts)
        return self.hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(_V1):
            if scope["type"] in ("http", "websocket"):
                host = _host(scope)
                if not self._policy(scope).allows(host):
                    await _refuse_host(host, scope, receive, send)
                    return
            if scope["type"] != "http":  # a WebSocket journals, meters and faults each client event itself
                await self.api(scope, receive, send)
            else:
                await self._guarded(scope, receive, send)
            return
        known = self._headers(scope["headers"])
        if not (self.hosts or self._policy(scope)).allows(known.host):
            await _refuse_host(known.host, scope, receive, send)
            return
        services = api.services(scope)  # built in the lifespan, before the first request
        journal, fixtures, metrics = services.journal, services.fixtures, services.metrics
        streaming = False
        started = time.perf_counter()
        headers = dict(known.headers)  # the request's own: what a route does with it stays there
        key = known.key
        note = RequestNote(ids.request_id(), known.tenant)
        scope[HEADERS], scope[KEY], scope[TENANT] = headers, key, note.tenant  # for the endpoints (routes/api.py)
        scope[NOTE] = note  # for the journal entry (services/journal.py)
        # The first bytes received and answered, for the journal: the chunks themselves (a slice
        # of a chunk only where one runs past the bound), joined once, when the entry is made.
        body: list[bytes] = []
        kept = 0
        reply: list[bytes] = []
        replied = 0
        keep = MAX_REPLY if journal.enabled else 0
        status = 0

        limit = services.settings.max_body_bytes
        received = 0

        async def receive_and_keep() -> Message:
            nonlocal received, kept
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:  # a body without Content-Length, refused as soon as it passes
                    raise too_large(limit)
                if kept < MAX_BODY and chunk:
                    part = bytes(chunk[: MAX_BODY - kept])  # bytes: a bytearray chunk may be reused
                    body.append(part)
                    kept += len(part)
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal status, streaming, keep, replied
            if message["type"] == "http.response.start":
                status = message["status"]
                sent = message.get("headers", ())
                kind, clash = None, False
                for k, v in sent:  # one pass: the content type (the first), and any static name sent
                    low = k.lower()
                    if low == b"content-type":
                        if kind is None:
                            kind = v
                    elif low in _STATIC_NAMES:
                        clash = True
                kind = kind or b""
                if kind.startswith(b"text/event-stream"):
                    streaming = True
                    metrics.streams.inc()
                if not kind.startswith((b"application/json", b"text/")):
                    keep = 0  # a file's bytes (GET /v1/files/{id}/content): not text to journal
                ours = [(b"x-request-id", note.id.encode()),
                        (b"openai-processing-ms", b"%d" % round((time.perf_counter() - started) * 1000))]
                if clash:  # the endpoint's own value wins
                    present = {k.lower() for k, _ in sent}
                    ours += [(k, v) for k, v in _STATIC_HEADERS if k not in present]
                else:
                    ours += _STATIC_HEADERS
                message = {**message, "headers": [*sent, *ours]}
            elif replied < keep and message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                if chunk:
                    part = bytes(chunk[: keep - replied])
                    reply.append(part)
                    replied += len(part)
            await send(message)

        try:
            if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"").lower():
                await error_response(APIError("Invalid URL: the path or query string contains a null character.",
                                              status=400, code="invalid_url"))(scope, receive, send_with_headers)
                return
            size = known.size
            if size is not None and size > limit:  # refused before a byte of it is read
                await error_response(too_large(limit, size))(scope, receive, send_with_headers)
                return
            if key is not None:
                rules = await fixtures.candidates(note.tenant)
                rule = rules and await fixtures.for_request(rules, scope["method"], scope["path"])
                if rule:
                    note.fixture_id = rule.id
                    await self._fault(rule.rule.respond, scope, receive_and_keep, send_with_headers)
                    return
            await self.api(scope, receive_and_keep, send_with_headers)
        except (Disconnect, StreamCut):
            pass  # the reply stops here; the server closes the connection
        except Exception as exc:  # a bug or the store away, not the client's fault: still the envelope
            _failed(scope, exc)
            if not status:
                await error_response(ServerError(SERVER_ERROR))(
                    scope, receive, send_with_headers)
        finally:
            if streaming:
                metrics.streams.dec()
            route = scope.get("route")  # its template keeps label values few
            template = route.path if route is not None else "unmatched"
            metrics.observe(scope["method"], template, status, time.perf_counter() - started)
            # The entry is made (decoded, redacted) by the journal's writer, off the request path.
            journal.record_request(note, scope["method"], scope["path"], scope.get("query_string", b""),
                                   known.journal, body, kept, status, started, reply, replied)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Health, admin, docs, the inspector: a bug answers 500 in the envelope (once, if nothing
        was sent) and the connection stays usable, instead of the exception reaching the server."""
        started = False
        limit = api.services(scope).settings.max_body_bytes  # admin bodies are bounded as /v1's are
        received = 0

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        try:
            size = _content_length({k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]
                                    if k == b"content-length"})
            if size is not None and size > limit:  # refused before a byte of it is read
                raise too_large(limit, size)
            await self.api(scope, bounded, tracked)
        except APIError as err:  # a body over the limit: the envelope, as under /v1
            if not started:
                await error_response(err)(scope, receive, send)
        except Exception as exc:
            _failed(scope, exc)
            if not started:
                await error_response(ServerError(SERVER_ERROR))(
                    scope, receive, send)

    async def _fault(self, respond, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer with the rule's fault instead of the endpoint (a delay alone: late, but normally)."""
        plan = faults.plan(respond)
        if plan.answers:
            message = await receive()  # read the body, so the journal shows what was sent
            while message["type"] == "http.request" and message.get("more_body"):
                message = await receive()
        try:
            await faults.enact(plan)
        except APIError as err:
            await error_response(err, err.headers)(scope, receive, send)
        except Disconnect:
            await DroppedResponse()(scope, receive, send)
        else:
            await self.api(scope, receive, send)  # a delay alone: then answer normally


def _failed(scope: Scope, exc: Exception) -> None:
    """A bug is logged with its traceback; the store away, in one line a second at most and
    without SQL (its statement and parameters would put callers' data in the log)."""
    if is_fault(exc):
        _store_away.warning("%s %s failed: the store is away (%s)", scope["method"], scope["path"], describe(exc))
    else:
        log.error("unhandled error on %s %s", scope["method"], scope["path"], exc_info=exc)


async def _refuse_host(host: str, scope: Scope, receive: Receive, send: Send) -> None:
    """A 400 in the envelope; a WebSocket gets it as its handshake's reply (or a policy close)."""
    err = APIError(f"Invalid host header: '{host[:100]}' is not a host this server answers (see --allowed-hosts).",
                   status=400, param="host", code="invalid_host")
    if scope["type"] == "http":
        await error_response(err)(scope, receive, send)
        return
    socket = WebSocket(scope, receive, send)
    if "websocket.http.response" in scope.get("extensions", {}):
        await socket.send_denial_response(error_response(err))
    else:
        await socket.close(1008, "Invalid host header")
