"""Forwarding to an upstream Responses API (`--upstream URL`, e.g. https://api.openai.com/v1).

A create that no fixture rule answers goes there (one naming a model this server's catalog lacks
too: the upstream decides), and so does a request naming an id this server does not know (the
upstream's ids, which a recording client holds): retrieve, its stream, delete, cancel, input items,
and a create whose `previous_response_id` or `conversation` is the upstream's; and every request
of the Files, Uploads and Vector stores endpoints (`passthrough`: a create names the upstream's
files, so they must be there). The answer goes back to the client unchanged (status, body, the
SSE events as they come); with `--record` a
create's answer becomes a fixture rule of the caller's key (services/recording.py): at once for
JSON, at the stream's terminal event for a stream, and for a background run once polling the
upstream's retrieve finds it finished (bounded in time).

A turn of a conversation of this server's is sent with the conversation's items as input, and
its answer is appended to that conversation here, as a turn answered here would be.

The caller's `Authorization` is sent on unless `upstream_api_key` replaces it. Credentials go to
the upstream and nowhere else: no rule, journal entry or log line holds a request header.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial

import httpx
import orjson

from responses_mock.errors import APIError, Disconnect, NotFound
from responses_mock.services import recording, rows
from responses_mock.services.fixtures import FixturesService
from responses_mock.services.prepare import Prepared
from responses_mock.services.recording import Timing
from responses_mock.services.responses import ResponsesService
from responses_mock.wire.fixtures import Rule
from responses_mock.wire.stored import LiveEvent

log = logging.getLogger("responses_mock.upstream")

# Request headers sent on besides the credential; the x-mock-* ones are this server's own.
_SENT = ("accept", "openai-organization", "openai-project", "openai-beta", "idempotency-key", "user-agent")
# Reply headers not relayed: framing (the server sets its own), cookies of the upstream's domain,
# and what the middleware stamps on every reply itself.
_NOT_RELAYED = frozenset({"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive",
                          "set-cookie", "x-request-id", "openai-processing-ms", "date", "server"})
_TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})
_FINISHED = frozenset({"completed", "incomplete", "failed"})
FOLLOW_FOR = 900.0  # seconds a background run is polled for before the recorder gives up
# Errors of the create that the upstream decides: its objects, which this server has never seen,
# and a model this catalog lacks (the upstream may serve it; a recording of it is served here then).
_UPSTREAM_DECIDES = frozenset({"previous_response_not_found", "invalid_encrypted_content", "model_not_found"})


@dataclass(frozen=True)
class Reply:
    """The upstream's answer, to be sent to the client as is: a body, or live SSE events."""

    status: int
    headers: dict[str, str]
    body: bytes = b""
    events: AsyncIterator[LiveEvent] | None = None


@dataclass(frozen=True)
class Passed:
    """The upstream's answer to a request it answers whole: its body streamed as it comes (a
    download too); `close` releases the connection, however the reply ends."""

    status: int
    headers: dict[str, str]
    chunks: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Turn:
    """A forwarded create, and what its answer is owed: a recording, and the turn appended to this
    server's conversation when it continues one (the upstream got its items as `input`)."""

    tenant: str
    params: dict
    conversation_id: str | None = None
    input: tuple[dict, ...] = ()  # this turn's own input items, for the conversation


def unreachable(exc: Exception) -> APIError:
    return APIError(f"The upstream API could not be reached ({type(exc).__name__}).", status=502,
                    type="server_error", code="upstream_unreachable")


def _object(content: bytes) -> dict | None:
    """An upstream's JSON object, or None for any other body."""
    try:
        answer = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    return answer if isinstance(answer, dict) else None


async def _chunks(resp: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in resp.aiter_bytes():
            yield chunk
    except httpx.HTTPError:
        raise Disconnect from None  # cut short: the client's connection is dropped, not ended as if whole
    finally:
        await resp.aclose()


def decides(exc: APIError) -> bool:
    """A create's refusal that is the upstream's to make: ids of its, a model this catalog lacks."""
    return exc.code in _UPSTREAM_DECIDES or isinstance(exc, NotFound)


def continued(tenant: str, params: dict, p: Prepared, sent: dict) -> tuple[Turn, dict]:
    """A create continuing a chain or conversation of this server's (a turn answered by a rule),
    as the upstream can take it: the whole context as `input`, without this server's ids (`sent`:
    the create as the client sent it, an HTTP body or a socket's event)."""
    body = {k: v for k, v in sent.items() if k not in ("previous_response_id", "conversation")}
    items = [{k: v for k, v in item.items() if k != "id"} for item in p.context.items]
    return Turn(tenant, params, p.conversation_id, tuple(p.context.new)), {**body, "input": items}


def _streams(resp: httpx.Response) -> bool:
    return resp.status_code == 200 and resp.headers.get("content-type", "").startswith("text/event-stream")


async def _read(resp: httpx.Response) -> bytes:
    """A whole body; the connection back to the pool either way."""
    try:
        return await resp.aread()
    except httpx.HTTPError as exc:
        raise unreachable(exc) from None
    finally:
        await resp.aclose()


class Upstream:
    def __init__(self, base_url: str, *, api_key: str | None, record: bool, fixtures: FixturesService,
                 responses: ResponsesService) -> None:
        self.base = base_url.rstrip("/")
        self.api_key = api_key
        self.record = record
        self.fixtures, self.responses = fixtures, responses
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(600.0, connect=10.0))
        self._follows: set[asyncio.Task] = set()

    # -- create ------------------------------------------------------------------------------

    async def prepare_or_forward(self, tenant: str, params: dict, headers: Mapping[str, str],
                                 body: bytes) -> Prepared | Reply:
        """This server's own answer when a rule gives one; else the upstream's. A chain or
        conversation of this server's (a turn answered by a rule) is sent whole, as input, since
        the upstream cannot resolve this server's ids; a conversation's turn is appended to it here."""
        try:
            p = await self.responses.prepare(tenant, params, headers)
        except APIError as exc:
            if not decides(exc):
                raise
            return await self.create(Turn(tenant, params), body, headers)
        if p.fixture_id is not None:
            return p
        if not (params.get("previous_response_id") or params.get("conversation")):
            return await self.create(Turn(tenant, params), body, headers)
        turn, sent = continued(tenant, params, p, params)
        return await self.create(turn, orjson.dumps(sent), headers)

    async def create(self, turn: Turn, body: bytes, headers: Mapping[str, str]) -> Reply:
        sent = self.sent_headers(headers)
        started = time.monotonic()
        resp = await self._send(self._client.build_request("POST", self.base + "/responses", content=body, headers=sent))
        relayed = self._relayed(resp)
        owed = self.record or turn.conversation_id is not None
        if _streams(resp):
            return Reply(200, relayed, events=self._relay(resp, started, turn if owed else None))
        content = await _read(resp)
        if owed:
            await self._settle(turn, resp, content, time.monotonic() - started, sent)
        return Reply(resp.status_code, relayed, content)

    async def _settle(self, turn: Turn, resp: httpx.Response, content: bytes, elapsed: float,
                      sent: dict[str, str]) -> None:
        """A JSON answer: recorded (an error too, but for the recorder's own 401), or followed
        when it is a background run still going."""
        status = resp.status_code
        if status >= 400:
            await self.refused(turn, status, content, dict(resp.headers))
            return
        answer = _object(content)
        if answer is None:
            return
        if answer.get("status") in _FINISHED:
            await self.answered(turn, answer, Timing(elapsed=elapsed), streamed=False)
        elif answer.get("id") and turn.params.get("background"):
            task = asyncio.create_task(self._follow(answer["id"], sent, turn))
            self._follows.add(task)
            task.add_done_callback(self._follows.discard)

    async def refused(self, turn: Turn, status: int, content: bytes, headers: dict[str, str]) -> None:
        """An upstream 4xx/5xx (`content`: its envelope, or a socket's `error` event), recorded."""
        if self.record and status != 401:  # a 401 is the recorder's credential, not the API's behaviour
            await self._save(partial(recording.error_rule, turn.params, status, content, headers), turn.tenant)

    async def answered(self, turn: Turn, answer: dict, timing: Timing | None, *, streamed: bool) -> None:
        """A finished answer: recorded, and appended to this server's conversation it continues."""
        if self.record:
            await self._save(partial(recording.answer_rule, turn.params, answer, timing, streamed=streamed),
                             turn.tenant)
        if turn.conversation_id is not None:
            try:
                async with self.responses.store.begin() as conn:
                    await rows.append_turn(conn, turn.tenant, turn.conversation_id, input=list(turn.input),
                                           output=list(answer.get("output") or ()))
            except Exception as exc:
                log.warning("a forwarded turn was not added to its conversation: %s", type(exc).__name__)

    async def _follow(self, response_id: str, sent: dict[str, str], turn: Turn) -> None:
        """Poll a background run on the upstream until it ends (FOLLOW_FOR at most)."""
        deadline, pause = time.monotonic() + FOLLOW_FOR, 0.2
        while time.monotonic() < deadline:
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, 2.0)
            try:
                resp = await self._client.get(f"{self.base}/responses/{response_id}", headers=sent)
            except httpx.HTTPError:
                continue
            if resp.status_code != 200:
                return  # deleted, or the key is gone: nothing to save
            answer = _object(resp.content)
            if answer is None:
                return  # not a response object (a proxy's page, say): nothing to save
            if answer.get("status") in _FINISHED:
                await self.answered(turn, answer, None, streamed=False)
                return
            if answer.get("status") == "cancelled":
                return
        log.warning("stopped following background response %s: not finished after %.0f s", response_id, FOLLOW_FOR)

    async def _relay(self, resp: httpx.Response, started: float, turn: Turn | None) -> AsyncIterator[LiveEvent]:
        """The upstream's SSE events as they come, each timed; a terminal one's response is owed
        its recording once the stream has ended. A client that leaves early records nothing."""
        timing, final, seq = Timing(), None, -1
        try:
            event_type, data = "", []
            async for line in resp.aiter_lines():
                if line:
                    if line.startswith("data:"):
                        data.append(line[5:].removeprefix(" "))
                    elif line.startswith("event:"):
                        event_type = line[6:].strip()
                    continue
                if data:
                    text = "\n".join(data)
                    seq += 1
                    timing.saw(event_type, time.monotonic() - started)
                    if event_type in _TERMINAL and turn is not None:
                        try:
                            final = orjson.loads(text).get("response")
                        except (orjson.JSONDecodeError, AttributeError):
                            final = None
                    yield seq, event_type or "message", text
                event_type, data = "", []
        except httpx.HTTPError as exc:
            raise unreachable(exc) from None
        finally:
            await resp.aclose()
        if isinstance(final, dict) and turn is not None:
            # In a task of its own: a client that closes after the last event cancels this generator.
            task = asyncio.create_task(self.answered(turn, final, timing, streamed=True))
            self._follows.add(task)
            task.add_done_callback(self._follows.discard)
            await asyncio.shield(task)

    async def _save(self, build: Callable[[], Rule], tenant: str) -> None:
        """Save a recording; one that cannot be made a rule is logged (no header, no body) and skipped."""
        try:
            rule = await asyncio.to_thread(build)  # normalising the request: megabytes, for a large create
            await self.fixtures.record(rule, tenant)
        except Exception as exc:
            log.warning("a recording was not saved: %s", type(exc).__name__)

    # -- anything else: ids this server does not know ---------------------------------------

    async def forward(self, method: str, path: str, query: bytes, headers: Mapping[str, str]) -> Reply:
        """A /v1 request as is (path under /v1, its query); a stream is relayed as it comes."""
        url = self._url(path, query)
        resp = await self._send(self._client.build_request(method, url, headers=self.sent_headers(headers)))
        relayed = self._relayed(resp)
        if _streams(resp):
            return Reply(200, relayed, events=self._relay(resp, time.monotonic(), None))
        return Reply(resp.status_code, relayed, await _read(resp))

    def _url(self, path: str, query: bytes) -> str:
        """The upstream's URL of a /v1 path and its query."""
        return self.base + path.removeprefix("/v1") + ("?" + query.decode("latin-1") if query else "")

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """The request sent, its answer's body left to read (a stream is relayed as it comes)."""
        try:
            return await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise unreachable(exc) from None

    async def passthrough(self, method: str, path: str, query: bytes, headers: Mapping[str, str],
                          body: AsyncIterator[bytes] | None) -> Passed:
        """A /v1 request the upstream answers whole (routes/api.py: files, uploads, vector stores,
        which a recorded create names by the upstream's ids): its body sent on as it comes (the
        middleware bounds it), with its own content type (multipart), the reply streamed back."""
        url = self._url(path, query)
        sent = self.sent_headers(headers)
        for name in ("content-type", "content-length"):
            sent.pop(name, None)
            if body is not None and name in headers:
                sent[name] = headers[name]
        resp = await self._send(self._client.build_request(method, url, headers=sent, content=body))
        return Passed(resp.status_code, self._relayed(resp), _chunks(resp), resp.aclose)

    def sent_headers(self, incoming: Mapping[str, str]) -> dict[str, str]:
        """What the upstream is sent of the caller's headers, and the credential."""
        out = {name: incoming[name] for name in _SENT if name in incoming}
        auth = f"Bearer {self.api_key}" if self.api_key else incoming.get("authorization")
        if auth:
            out["authorization"] = auth
        out["content-type"] = "application/json"
        return out

    @staticmethod
    def _relayed(resp: httpx.Response) -> dict[str, str]:
        return {k: v for k, v in resp.headers.items() if k.lower() not in _NOT_RELAYED}

    async def close(self) -> None:
        for task in list(self._follows):
            task.cancel()
        await self._client.aclose()
