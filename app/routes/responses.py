"""/v1/responses: create (sync, stream, background), retrieve (or follow its stream), delete,
cancel, input items, input token counts.

A create is parse → prepare → the driver its mode names → render; between prepare and the driver
this route enacts the answering fixture rule's fault plan (the delay, an HTTP error, a dropped
connection; a stream cut after N events) and tells the journal which rule answered."""

from __future__ import annotations

import anyio
from fastapi import Request
from openai.types.responses import CompactedResponse
from openai.types.responses import Response as ResponseObject
from openai.types.responses.input_token_count_response import InputTokenCountResponse
from openai.types.responses.response_item_list import ResponseItemList
from starlette.responses import Response

from responses_mock.errors import NotFound
from responses_mock.routes import api
from responses_mock.routes.render import json, raw_json
from responses_mock.routes.sse import event_stream
from responses_mock.services import compaction, faults, journal
from responses_mock.services.drain import Drain
from responses_mock.services.prepare import Mode
from responses_mock.services.upstream import Reply
from responses_mock.wire import requests

endpoints = api.Endpoints("responses")
RETRIEVE, PAGE = api.Query(requests.RetrieveQuery), api.Query(requests.PageQuery)


async def _parsed(parse, raw: bytes) -> dict:
    """A body parsed and validated; a large one (thousands of items) in a thread, its items in
    chunks, so the loop serves everyone meanwhile."""
    return await anyio.to_thread.run_sync(parse, raw) if len(raw) > requests.LARGE_BODY else parse(raw)


@endpoints.post("/responses", body=requests.CREATE, reply=ResponseObject)
async def create_response(request: Request) -> Response:
    """Create a model response."""
    tenant, services = api.tenant(request), api.services(request)
    responses = services.responses
    params = await _parsed(requests.create_response, await api.body(request))
    if services.upstream is None:
        p = await responses.prepare(tenant, params, api.headers(request))
    else:  # a miss (no rule answers) goes to the upstream: services/upstream.py
        p = await services.upstream.prepare_or_forward(tenant, params, api.headers(request), await api.body(request))
        if isinstance(p, Reply):
            return _forwarded(p, services.drain)
    journal.answered_by(request.scope, p.fixture_id)
    await faults.enact(p.faults)
    if p.mode is Mode.SYNC:
        return raw_json(await responses.run_sync(p))
    if p.mode is Mode.STREAM:
        return event_stream(faults.cut(await responses.start_stream(p), p.faults), services.drain)
    queued = await responses.enqueue(p)
    if not p.streamed:
        return json(queued)
    # background + stream: the reply follows the job's log from the start
    return event_stream(faults.cut(await services.streams.follow(tenant, queued["id"], None), p.faults),
                        services.drain)


def _forwarded(reply: Reply, drain: Drain) -> Response:
    """The upstream's answer as it came: its SSE events, or its status, headers and body."""
    if reply.events is not None:
        return event_stream(reply.events, drain)
    return Response(reply.body, status_code=reply.status, headers=reply.headers)


async def _upstream_or(request: Request, missing: NotFound) -> Response:
    """An id this server does not know: the upstream's, while one is configured (a recording)."""
    upstream = api.services(request).upstream
    if upstream is None:
        raise missing
    return _forwarded(await upstream.forward(request.method, request.url.path, request.scope.get("query_string", b""),
                                             api.headers(request)), api.services(request).drain)


@endpoints.post("/responses/compact", body=requests.COMPACT, reply=CompactedResponse)
async def compact_response(request: Request) -> Response:
    """Compact a conversation's context into one encrypted item."""
    tenant = api.tenant(request)
    return json(await compaction.compact(api.services(request).store, tenant,
                                         await _parsed(requests.compact, await api.body(request))))


@endpoints.post("/responses/input_tokens", body=requests.COUNT, reply=InputTokenCountResponse)
async def count_input_tokens(request: Request) -> Response:
    """Count a request's input tokens."""
    tenant = api.tenant(request)
    return json(await api.services(request).responses.count_input_tokens(
        tenant, await _parsed(requests.count_tokens, await api.body(request))))


@endpoints.get("/responses/{response_id}", query=RETRIEVE, reply=ResponseObject)
async def retrieve_response(request: Request) -> Response:
    """Retrieve a response, or replay its stream (`stream=true`, from `starting_after`)."""
    response_id = request.path_params["response_id"]
    tenant, services = api.tenant(request), api.services(request)
    query = RETRIEVE(request) if request.scope.get("query_string") else {}  # none sent: nothing to validate
    try:
        if query.get("stream"):
            followed = await services.streams.follow(tenant, response_id, query.get("starting_after"),
                                                     query.get("include_obfuscation", True))
            return event_stream(followed, services.drain)
        return raw_json(await services.responses.retrieve(tenant, response_id))
    except NotFound as missing:
        return await _upstream_or(request, missing)


@endpoints.delete("/responses/{response_id}")
async def delete_response(request: Request) -> Response:
    """Delete a stored response."""
    response_id = request.path_params["response_id"]
    try:
        return json(await api.services(request).responses.delete(api.tenant(request), response_id))
    except NotFound as missing:
        return await _upstream_or(request, missing)


@endpoints.post("/responses/{response_id}/cancel", reply=ResponseObject)
async def cancel_response(request: Request) -> Response:
    """Cancel a background response."""
    response_id = request.path_params["response_id"]
    try:
        return raw_json(await api.services(request).background.cancel(api.tenant(request), response_id))
    except NotFound as missing:
        return await _upstream_or(request, missing)


@endpoints.get("/responses/{response_id}/input_items", query=PAGE, reply=ResponseItemList)
async def list_input_items(request: Request) -> Response:
    """List a response's input items, a page at a time."""
    response_id = request.path_params["response_id"]
    tenant, responses = api.tenant(request), api.services(request).responses
    try:
        return raw_json(await responses.input_items(tenant, response_id, **requests.page(PAGE(request))))
    except NotFound as missing:
        return await _upstream_or(request, missing)
