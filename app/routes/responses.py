"""/v1/responses: create (sync, stream, background), retrieve (or follow its stream), delete,
cancel, input items, input token counts."""

from __future__ import annotations

from starlette.responses import Response

from responses_mock.routes.render import json, raw_json
from responses_mock.routes.router import Call, Router
from responses_mock.routes.sse import EventStream
from responses_mock.services import compaction, faults
from responses_mock.wire import requests

routes = Router("/v1", tags=("responses",))


@routes.post("/responses")
async def create_response(call: Call) -> Response:
    """Create a model response."""
    state = call.state
    params = requests.create_response(await call.body())
    result = await state.responses.create(call.tenant, params, call.headers)
    if not params.get("stream"):
        return json(result)
    if params.get("background"):  # background + stream: follow the job's log from the start
        result = await state.streams.follow(call.tenant, result["id"], None)
    return EventStream(faults.maybe_cut(result))


@routes.post("/responses/compact")
async def compact_response(call: Call) -> Response:
    """Compact a conversation's context into one encrypted item."""
    return json(await compaction.compact(call.state.responses.engine, call.tenant,
                                         requests.compact(await call.body())))


@routes.post("/responses/input_tokens")
async def count_input_tokens(call: Call) -> Response:
    """Count a request's input tokens."""
    return json(await call.state.responses.count_input_tokens(call.tenant, requests.count_tokens(await call.body())))


@routes.get("/responses/{response_id}", query=requests.RetrieveQuery)
async def retrieve_response(call: Call) -> Response:
    """Retrieve a response, or replay its stream (`stream=true`, from `starting_after`)."""
    response_id = call.params["response_id"]
    if call.query.get("stream"):
        return EventStream(await call.state.streams.follow(call.tenant, response_id, call.query.get("starting_after")))
    return raw_json(await call.state.responses.retrieve(call.tenant, response_id))


@routes.delete("/responses/{response_id}")
async def delete_response(call: Call) -> Response:
    """Delete a stored response."""
    return json(await call.state.responses.delete(call.tenant, call.params["response_id"]))


@routes.post("/responses/{response_id}/cancel")
async def cancel_response(call: Call) -> Response:
    """Cancel a background response."""
    return raw_json(await call.state.background.cancel(call.tenant, call.params["response_id"]))


@routes.get("/responses/{response_id}/input_items", query=requests.PageQuery)
async def list_input_items(call: Call) -> Response:
    """List a response's input items, a page at a time."""
    return raw_json(await call.state.responses.input_items(call.tenant, call.params["response_id"],
                                                           **requests.page(call.query)))
