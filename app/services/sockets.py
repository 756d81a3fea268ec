"""WebSocket mode: one connection's session (`client.responses.connect()`).

Each `response.create` runs the one lifecycle every mode runs, streamed: the same stored,
resumable response as over HTTP, its events sent as text frames. Requests on one lane
(`stream_id`; one default lane) run one after another; lanes run side by side. The connection
remembers its latest response per lane, stored or not, so `previous_response_id` continues from
it without the store, as the real API's connection-local cache does.

`response.steer` queues user input for a response running on this connection: it stops at the
next token boundary (`incomplete`, reason `steered`) and a successor with the queued input and
the same settings follows on its lane. A response that stopped on client-owned tool calls keeps
the input (`response.steer.pending`) until the explicit `response.create` that answers them.

A run does not depend on its socket: a dropped connection leaves it running, stored, and
followable over HTTP (`GET /v1/responses/{id}?stream=true&starting_after=N`).

With an upstream (`--upstream`), a create that no fixture rule answers is relayed over a socket of
the connection's own to the upstream (services/upstream_socket.py), and recorded with `--record`.

The session is handed what it works with (routes/websocket.py): the responses service (prepare,
start_stream), the upstream if any, `send` (a text frame out), and `record` (journal and meter one
client event, with the reply it got: the final response or the error event). A create's fault
plan (services/faults.py) is enacted here, as the HTTP route enacts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import anyio
import orjson

from responses_mock import ids
from responses_mock.errors import APIError, Disconnect, InvalidRequest, ServerError, StreamCut
from responses_mock.services import faults
from responses_mock.services.endings import SERVER_ERROR
from responses_mock.services.journal import RequestNote
from responses_mock.services.lifecycle import Lifecycle
from responses_mock.services.prepare import Prepared
from responses_mock.services.recorder import TERMINAL_EVENTS
from responses_mock.services.responses import ResponsesService
from responses_mock.services.upstream import Upstream, decides
from responses_mock.services.upstream_socket import Relayed, UpstreamSocket
from responses_mock.wire import requests, socket_events
from responses_mock.wire.events import EventNumberer
from responses_mock.wire.stored import dumps

log = logging.getLogger("responses_mock.sockets")

PATH = "/v1/responses"
EVENT_TYPES = ("response.create", "response.steer")
SOCKET_ONLY = ("type", "stream_id", "generate")  # envelope fields, not create parameters
MAX_PENDING_STEERS = 16
MAX_RUNS = 1000  # responses a connection remembers for steering (steering an older one: not found)
MAX_QUEUED = 64  # creates waiting on one lane; one more is refused (a client that sends faster than it reads)
MAX_LOCAL = 256  # lanes whose latest response the connection keeps for chaining (the oldest go first)


class Dropped(Exception):
    """An injected fault ends the connection (the runs go on)."""


@dataclass
class Steer:
    id: str
    previous_response_id: str
    input: str | list

    def wire(self) -> dict:
        return {"id": self.id, "previous_response_id": self.previous_response_id}


class Create(NamedTuple):
    """A response.create to run on a lane: the client's, or the successor steering asks for (the
    steers it commits: told of its failure if it is refused)."""

    event: dict
    text: str
    note: RequestNote
    started: float
    steers: list[Steer]


@dataclass
class Run:
    """A response created on this connection."""

    id: str
    params: dict
    stream_id: str | None
    lifecycle: Lifecycle | None = None
    status: str | None = None  # its end state, once its terminal event is out
    steers: list[Steer] = field(default_factory=list)  # accepted, not yet committed


# Journal and meter one client event: (its note, the frame's text, the status, when it began, the
# reply it got: a create's final response, or the error event sent; None for none).
Record = Callable[[RequestNote, str, int, float, dict | None], None]


class Session:
    def __init__(self, tenant: str, headers: dict[str, str], *, responses: ResponsesService,
                 send: Callable[[str], Awaitable[None]], record: Record, max_lanes: int,
                 upstream: Upstream | None = None) -> None:
        self.tenant = tenant
        self.headers = headers
        self.responses = responses
        self.upstream = upstream
        self._upstream_socket: UpstreamSocket | None = None  # opened at the first forwarded create
        self._send_text = send
        self._record = record
        self.max_lanes = max_lanes
        self._sending = asyncio.Lock()  # lanes interleave whole frames
        self.runs: dict[str, Run] = {}
        self.local: dict[str, list[dict]] = {}  # the latest response of each lane → its context items
        self._latest: dict[str | None, str] = {}
        self.waiting: dict[str, list[Steer]] = {}  # steering held for a tool-output continuation
        self.numbers = EventNumberer()  # the connection's own events (steering)
        self.lanes: dict[str | None, asyncio.Queue] = {}
        self.tasks: set[asyncio.Task] = set()
        self.dropped = asyncio.Event()  # set by a fault: the route closes the socket

    # -- receiving ---------------------------------------------------------------------------

    async def receive(self, text: str) -> None:
        """One client message: a create is queued on its lane; anything else is answered now."""
        started, note = time.perf_counter(), RequestNote(id=ids.request_id(), tenant=self.tenant)
        status, event, reply = 200, {}, None
        try:
            raw = text.encode()
            # A frame of thousands of items is parsed (and, on its lane, validated) in a thread, as
            # an HTTP body is: the loop serves every other tenant meanwhile.
            event = await anyio.to_thread.run_sync(requests.parse_json, raw) if len(raw) > requests.LARGE_BODY \
                else requests.parse_json(raw)
            kind = event.get("type")
            if kind == "response.create":
                try:
                    self._lane(event.get("stream_id")).put_nowait((event, text, note, started))
                except asyncio.QueueFull:
                    raise InvalidRequest(f"Too many queued requests on this stream: at most {MAX_QUEUED} "
                                         "response.create events may wait on one stream_id.", param="stream_id",
                                         code="too_many_requests") from None
                return
            if kind == "response.steer":
                await self._steer(event)
            elif kind is None:
                raise InvalidRequest("Missing required parameter: 'type'.", param="type",
                                     code="missing_required_parameter")
            else:
                raise InvalidRequest(f"Invalid value: '{kind}'. Supported values are: 'response.create' and "
                                     "'response.steer'.", param="type", code="invalid_value")
        except APIError as err:
            status = err.status
            lane = event.get("stream_id")
            reply = socket_events.error(err)
            await self._send(reply, lane if isinstance(lane, str) else None)
        self._record(note, text, status, started, reply)

    def _lane(self, stream_id) -> asyncio.Queue:
        """The lane's queue; a new lane past the connection's cap is refused (bounded memory for a
        client that opens lanes faster than it reads)."""
        if not (stream_id is None or isinstance(stream_id, str)):
            stream_id = str(stream_id)  # refused by the create's validation, on a lane of its own
        queue = self.lanes.get(stream_id)
        if queue is None:
            cap = self.max_lanes
            if len(self.lanes) >= cap:
                raise InvalidRequest(f"Too many concurrent streams on this connection: at most {cap} "
                                     "stream_id values may have a response.create in progress.",
                                     param="stream_id", code="too_many_streams")
            queue = self.lanes[stream_id] = asyncio.Queue(MAX_QUEUED)
            task = asyncio.create_task(self._run_lane(stream_id, queue))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return queue

    async def _run_lane(self, stream_id: str | None, queue: asyncio.Queue) -> None:
        """Run the lane's creates in order; an idle lane ends and is released (no await between
        finding the queue empty and dropping it, so no create can slip in unseen)."""
        try:
            while not queue.empty():
                event, text, note, started = queue.get_nowait()
                try:
                    await self._create(event, text, note, started)
                except Dropped:  # a fault, or the client went away (the route's `send` says so): stop sending
                    self.dropped.set()
                    return
                except Exception:  # a bug, not the client's fault: say so, keep the lane going
                    log.exception("WebSocket response.create failed")
                    with contextlib.suppress(Exception):
                        await self._send(socket_events.error(ServerError(SERVER_ERROR)), event.get("stream_id"))
        finally:
            if self.lanes.get(stream_id) is queue:
                del self.lanes[stream_id]

    async def close(self) -> None:
        """The socket is gone: stop sending (the runs themselves go on), and close the upstream's."""
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=5)
        if self._upstream_socket is not None:
            await self._upstream_socket.close()

    # -- creating ----------------------------------------------------------------------------

    async def _create(self, event: dict, text: str, note: RequestNote, started: float) -> None:
        """Run one response.create to its end on this lane; then, in turn, the successors its
        steering asks (a loop, not a call within a call: a session may steer without end)."""
        follow: Create | None = Create(event, text, note, started, [])
        while follow is not None:
            follow = await self._create_one(follow)

    async def _create_one(self, create: Create) -> Create | None:
        """One response.create to its end; the successor its steering asks, if any."""
        event, text, note, started, steers = create
        stream_id = event.get("stream_id")
        run: Run | None = None
        final: dict | None = None
        status, reply = 200, None
        try:
            params, generate = await self._params(event, large=len(text) > requests.LARGE_BODY)
            p = await self._prepare(params, generate)
            if p is None or (p.fixture_id is None and self.upstream is not None):

                def ended(relayed: Relayed) -> None:  # before its recording, which a client leaving cancels
                    nonlocal reply, status
                    reply, refused = relayed.final or relayed.error, (relayed.error or {}).get("status")
                    status = refused if relayed.final is None and isinstance(refused, int) else 200

                await self._forward(params, p, event, text, generate, ended)
                return
            note.fixture_id = p.fixture_id
            await faults.enact(p.faults)  # a rule's delay, error or dropped connection, before the run

            def watch(lifecycle: Lifecycle) -> None:
                nonlocal run
                run = Run(lifecycle.response["id"], params, stream_id, lifecycle)
                self.runs[run.id] = run

            events = await self.responses.start_stream(p, watch=watch)
            async for _, type_, data in faults.cut(events, p.faults):
                if type_ == "error":
                    reply = socket_events.stream_error(data)  # a cancel's end (a failure's is response.failed)
                    await self._send(reply, stream_id)
                    continue
                if type_ in TERMINAL_EVENTS:
                    reply = final = orjson.loads(data)["response"]
                    run.status = final["status"]
                await self._send_raw(socket_events.with_lane(data, stream_id))
        except APIError as err:
            status = err.status
            self._evict(event.get("previous_response_id"))
            reply = socket_events.error(err, stream_id)
            await self._send(reply)
            for steer in steers:  # the successor that was to commit them was refused
                await self._steer_failed(steer, "successor_creation_failed",
                                         f"The successor response could not be created: {err.message}", stream_id)
        except (Disconnect, StreamCut):
            status = 0
            raise Dropped from None
        finally:
            self._record(note, text, status, started, reply)
        if run is None or final is None:
            return None
        if final["status"] == "failed":
            self._evict(event.get("previous_response_id"))
        self._remember(run, final)
        run.lifecycle = None  # ended: its context is kept in `local` (the lane's latest) or not at all
        successor = await self._after(run, final)
        if len(self.runs) > MAX_RUNS:  # a long session: forget the oldest ended runs
            ended = [rid for rid, r in self.runs.items() if r.status is not None]
            for rid in ended[: len(self.runs) - MAX_RUNS]:
                del self.runs[rid]
        return successor

    async def _prepare(self, params: dict, generate: bool) -> Prepared | None:
        """This server's preparation of a create; None when an upstream is to decide it instead
        (an id of the upstream's, a model this catalog lacks)."""
        try:
            return await self.responses.prepare(self.tenant, params, self.headers, local=self.local,
                                                generate=generate)
        except APIError as exc:
            if self.upstream is None or not decides(exc):
                raise
            return None

    async def _forward(self, params: dict, p: Prepared | None, event: dict, text: str, generate: bool,
                       ended: Callable[[Relayed], None]) -> Relayed:
        """A create no rule answers, relayed to the upstream over the connection's own socket to it."""
        if self._upstream_socket is None:
            self._upstream_socket = UpstreamSocket(self.upstream, self.tenant, self.headers)
        return await self._upstream_socket.forward(params, p, event, text, self._send_raw, generate=generate,
                                                   ended=ended)

    async def _params(self, event: dict, large: bool = False) -> tuple[dict, bool]:
        """The create parameters of a `response.create` (validated as over HTTP) and `generate`."""
        body = {k: v for k, v in event.items() if k not in SOCKET_ONLY and k != "stream"}
        stream_id, generate = event.get("stream_id"), event.get("generate", True)
        if stream_id is not None and not isinstance(stream_id, str):
            raise InvalidRequest("Invalid type for 'stream_id': expected a string.", param="stream_id",
                                 code="invalid_type")
        if not isinstance(generate, bool):
            raise InvalidRequest("Invalid type for 'generate': expected a boolean.", param="generate",
                                 code="invalid_type")
        if body.get("background"):
            raise InvalidRequest("Background mode is not supported over WebSocket: send 'background' with "
                                 "POST /v1/responses.", param="background", code="unsupported_parameter")
        params = await anyio.to_thread.run_sync(requests.create_params, body) if large else requests.create_params(body)
        previous = params.get("previous_response_id")
        if previous in self.waiting:  # steering held for this continuation: prepended, in order
            held = [m for steer in self.waiting.pop(previous) for m in socket_events.steer_messages(steer.input)]
            given = params.get("input")
            given = socket_events.steer_messages(given) if isinstance(given, str) else list(given or [])
            params["input"] = held + given
        params["stream"] = True
        return params, generate

    def _evict(self, previous) -> None:
        """A continuation that fails (4xx or 5xx) evicts the response it continued from the
        connection's cache, as the real service does (OpenAI's WebSocket-mode guide): a later turn
        naming it reads the store, and an unstored one is `previous_response_not_found`."""
        if isinstance(previous, str) and self.local.pop(previous, None) is not None:
            for lane, latest in list(self._latest.items()):
                if latest == previous:
                    del self._latest[lane]

    def _remember(self, run: Run, final: dict) -> None:
        """The lane's latest response becomes the one `previous_response_id` continues locally."""
        old = self._latest.get(run.stream_id)
        if old is not None:
            self.local.pop(old, None)
        self._latest.pop(run.stream_id, None)
        self._latest[run.stream_id] = run.id  # newest last: the oldest lane's is forgotten first
        if len(self._latest) > MAX_LOCAL:
            lane = next(iter(self._latest))
            self.local.pop(self._latest.pop(lane), None)
        if run.lifecycle is not None:
            self.local[run.id] = list(run.lifecycle.ctx.items) + list(final["output"])

    async def _after(self, run: Run, final: dict) -> Create | None:
        """A steered response's end: its successor (to create), a wait for tool outputs, or the failure."""
        steers, run.steers = run.steers, []
        if not steers:
            return None
        owed = socket_events.required_input(final["output"]) if final["status"] == "completed" else []
        if owed:
            self.waiting.setdefault(run.id, []).extend(steers)
            for steer in steers:
                await self._send(self.numbers.make("response.steer.pending", reason="waiting_for_required_input",
                                                   required_input=owed, steer=steer.wire()), run.stream_id)
            return None
        if final["status"] not in ("completed", "incomplete"):
            for steer in steers:
                await self._steer_failed(steer, "response_not_active",
                                         f"Response '{run.id}' ended {final['status']}; its steering input was "
                                         "not applied.", run.stream_id)
            return None
        inherited = {k: v for k, v in run.params.items()
                     if k not in ("input", "previous_response_id", "stream", "prompt")}
        if run.params.get("prompt") and inherited.get("instructions") is None and isinstance(final.get("instructions"), str):
            # A template's messages are in the context already; its rendered instructions carry on.
            inherited["instructions"] = final["instructions"]
        successor = {**inherited, "type": "response.create", "previous_response_id": run.id,
                     "input": [m for steer in steers for m in socket_events.steer_messages(steer.input)]}
        if run.stream_id is not None:
            successor["stream_id"] = run.stream_id
        return Create(successor, dumps(successor), RequestNote(id=ids.request_id(), tenant=self.tenant),
                      time.perf_counter(), steers)

    # -- steering ----------------------------------------------------------------------------

    async def _steer(self, event: dict) -> None:
        problem = socket_events.steer_problem(event)
        target = event.get("previous_response_id")
        run = self.runs.get(target) if isinstance(target, str) else None
        stream_id = run.stream_id if run is not None else None
        unassigned = Steer("", target if isinstance(target, str) else "", event.get("input", ""))
        if problem:
            return await self._steer_failed(unassigned, "invalid_input", problem, None)
        if run is None:
            return await self._steer_failed(unassigned, "response_not_found",
                                            f"Response '{target}' is not available on this connection.", None)
        if run.params.get("conversation") or run.params.get("context_management"):
            return await self._steer_failed(unassigned, "steering_not_supported", "Responses bound to a "
                                            "conversation or using automatic compaction do not support steering.",
                                            stream_id)
        if run.status is not None:
            code = "response_already_completed" if run.status == "completed" else "response_not_active"
            return await self._steer_failed(unassigned, code, f"Response '{target}' is no longer accepting "
                                            "steering input.", stream_id)
        if len(run.steers) >= MAX_PENDING_STEERS:
            return await self._steer_failed(unassigned, "too_many_pending_steers", f"At most {MAX_PENDING_STEERS} "
                                            "steering inputs may be pending for one response.", stream_id)
        steer = Steer(ids.new_id("steer"), target, event["input"])
        run.steers.append(steer)
        await self._send(self.numbers.make("response.steer.accepted", steer=steer.wire()), stream_id)
        if run.lifecycle is not None:
            run.lifecycle.steered = True  # it stops at its next token; _after creates the successor

    async def _steer_failed(self, steer: Steer, code: str, message: str, stream_id: str | None) -> None:
        wire = {"input": steer.input, "previous_response_id": steer.previous_response_id}
        if steer.id:
            wire["id"] = steer.id
        await self._send(self.numbers.make("response.steer.failed", steer=wire, error={
            "code": code, "message": message, "type": "invalid_request_error"}), stream_id)

    # -- sending -----------------------------------------------------------------------------

    async def _send(self, event: dict, stream_id: str | None = None) -> None:
        if stream_id is not None:
            event["stream_id"] = stream_id
        await self._send_raw(dumps(event))

    async def _send_raw(self, text: str) -> None:
        async with self._sending:
            await self._send_text(text)
