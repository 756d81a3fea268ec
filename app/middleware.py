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
from responses_mock.routes import api
from responses_mock.routes.api import HEADERS, KEY, PREFIX, TENANT
from responses_mock.services import faults
from responses_mock.services.endings import SERVER_ERROR
from responses_mock.services.journal import MAX_BODY, MAX_REPLY, NOTE, RequestNote, entry
from responses_mock.services.tenancy import bearer_key, tenant_of

log = logging.getLogger("responses_mock")

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


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.api = app
        self.hosts: HostPolicy | None = None  # from the settings, on the first request
        self._tenants: dict[str, str] = {}  # key → tenant: a hash a request is not worth

    def _tenant(self, key: str) -> str:
        found = self._tenants.get(key)
        if found is None:
            if len(self._tenants) >= _TENANTS:
                self._tenants.clear()
            found = self._tenants[key] = tenant_of(key)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            if self.hosts is None:
                settings = api.services(scope).settings
                self.hosts = HostPolicy(settings.host, settings.allowed_hosts)
            host = _host(scope)
            if not self.hosts.allows(host):
                await _refuse_host(host, scope, receive, send)
                return
        if scope["type"] != "http":  # a WebSocket journals, meters and faults each client event itself
            await self.api(scope, receive, send)
            return
        if not scope["path"].startswith(PREFIX + "/"):
            await self._guarded(scope, receive, send)
            return
        services = api.services(scope)  # built in the lifespan, before the first request
        journal, fixtures, metrics = services.journal, services.fixtures, services.metrics
        streaming = False
        started = time.perf_counter()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        key = bearer_key(headers.get("authorization", ""))
        note = RequestNote(id=ids.request_id(), tenant=self._tenant(key) if key else "")
        scope[HEADERS], scope[KEY], scope[TENANT] = headers, key, note.tenant  # for the endpoints (routes/api.py)
        scope[NOTE] = note  # for the journal entry (services/journal.py)
        # The first bytes received and answered, for the journal: the chunks themselves (a slice
        # of a chunk only where one runs past the bound), joined once at the end.
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
                headers_out = list(message.get("headers", []))
                kind, present = None, set()
                for k, v in headers_out:  # one pass: the content type (the first) and the names sent
                    low = k.lower()
                    present.add(low)
                    if kind is None and low == b"content-type":
                        kind = v
                kind = kind or b""
                if kind.startswith(b"text/event-stream"):
                    streaming = True
                    metrics.streams.inc()
                if not kind.startswith((b"application/json", b"text/")):
                    keep = 0  # a file's bytes (GET /v1/files/{id}/content): not text to journal
                elapsed = str(round((time.perf_counter() - started) * 1000)).encode()
                headers_out += [(b"x-request-id", note.id.encode()), (b"openai-processing-ms", elapsed)]
                if present.isdisjoint(_STATIC_NAMES):
                    headers_out += _STATIC_HEADERS
                else:
                    headers_out += [(k, v) for k, v in _STATIC_HEADERS if k not in present]
                message = {**message, "headers": headers_out}
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
            size = _content_length(headers)
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
        except Exception:  # a bug, not the client's fault: still the envelope, never a bare 500
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not status:
                await error_response(ServerError(SERVER_ERROR))(
                    scope, receive, send_with_headers)
        finally:
            if streaming:
                metrics.streams.dec()
            route = scope.get("route")  # its template keeps label values few
            template = route.path if route is not None else "unmatched"
            metrics.observe(scope["method"], template, status, time.perf_counter() - started)
            if journal.enabled:
                journal.record(entry(
                    note, method=scope["method"], path=scope["path"],
                    query=scope.get("query_string", b"").decode("latin-1"), headers=headers,
                    body=b"".join(body).decode("utf-8", "replace"), status=status, started=started,
                    reply=b"".join(reply).decode("utf-8", "replace")))

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
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
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
