"""/v1/conversations and their items."""

from __future__ import annotations

from starlette.responses import Response

from responses_mock.routes.render import json, raw_json
from responses_mock.routes.router import Call, Router
from responses_mock.wire import requests

routes = Router("/v1", tags=("conversations",))


@routes.post("/conversations")
async def create_conversation(call: Call) -> Response:
    """Create a conversation, with up to 20 initial items."""
    return json(await call.state.conversations.create(call.tenant, requests.create_conversation(await call.body())))


@routes.get("/conversations/{conversation_id}")
async def retrieve_conversation(call: Call) -> Response:
    """Retrieve a conversation."""
    return json(await call.state.conversations.retrieve(call.tenant, call.params["conversation_id"]))


@routes.post("/conversations/{conversation_id}")
async def update_conversation(call: Call) -> Response:
    """Update a conversation's metadata."""
    return json(await call.state.conversations.update(call.tenant, call.params["conversation_id"],
                                                      requests.update_conversation(await call.body())))


@routes.delete("/conversations/{conversation_id}")
async def delete_conversation(call: Call) -> Response:
    """Delete a conversation and its items."""
    return json(await call.state.conversations.delete(call.tenant, call.params["conversation_id"]))


@routes.post("/conversations/{conversation_id}/items", query=requests.IncludeQuery)
async def create_items(call: Call) -> Response:
    """Add items to a conversation."""
    return raw_json(await call.state.conversations.add_items(call.tenant, call.params["conversation_id"],
                                                             requests.create_items(await call.body())))


@routes.get("/conversations/{conversation_id}/items", query=requests.PageQuery)
async def list_items(call: Call) -> Response:
    """List a conversation's items, a page at a time."""
    return raw_json(await call.state.conversations.list_items(call.tenant, call.params["conversation_id"],
                                                              **requests.page(call.query)))


@routes.get("/conversations/{conversation_id}/items/{item_id}", query=requests.IncludeQuery)
async def retrieve_item(call: Call) -> Response:
    """Retrieve one item of a conversation."""
    return raw_json(await call.state.conversations.get_item(call.tenant, call.params["conversation_id"],
                                                            call.params["item_id"]))


@routes.delete("/conversations/{conversation_id}/items/{item_id}")
async def delete_item(call: Call) -> Response:
    """Delete one item of a conversation; returns the conversation."""
    return json(await call.state.conversations.delete_item(call.tenant, call.params["conversation_id"],
                                                           call.params["item_id"]))
