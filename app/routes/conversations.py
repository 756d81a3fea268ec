"""/v1/conversations and their items."""

from __future__ import annotations

from fastapi import Request
from openai.types.conversations import Conversation, ConversationDeletedResource, ConversationItem
from openai.types.conversations.conversation_item_list import ConversationItemList
from starlette.responses import Response

from responses_mock.routes import api
from responses_mock.routes.render import json, raw_json
from responses_mock.wire import requests

endpoints = api.Endpoints("conversations")
INCLUDE, PAGE = api.Query(requests.IncludeQuery), api.Query(requests.PageQuery)


@endpoints.post("/conversations", body=requests.CREATE_CONVERSATION, reply=Conversation)
async def create_conversation(request: Request) -> Response:
    """Create a conversation, with up to 20 initial items."""
    tenant = api.tenant(request)
    return json(await api.services(request).conversations.create(
        tenant, requests.create_conversation(await api.body(request))))


@endpoints.get("/conversations/{conversation_id}", reply=Conversation)
async def retrieve_conversation(request: Request) -> Response:
    """Retrieve a conversation."""
    conversation_id = request.path_params["conversation_id"]
    return json(await api.services(request).conversations.retrieve(api.tenant(request), conversation_id))


@endpoints.post("/conversations/{conversation_id}", body=requests.UPDATE_CONVERSATION, reply=Conversation)
async def update_conversation(request: Request) -> Response:
    """Update a conversation's metadata."""
    conversation_id = request.path_params["conversation_id"]
    tenant = api.tenant(request)
    return json(await api.services(request).conversations.update(
        tenant, conversation_id, requests.update_conversation(await api.body(request))))


@endpoints.delete("/conversations/{conversation_id}", reply=ConversationDeletedResource)
async def delete_conversation(request: Request) -> Response:
    """Delete a conversation and its items."""
    conversation_id = request.path_params["conversation_id"]
    return json(await api.services(request).conversations.delete(api.tenant(request), conversation_id))


@endpoints.post("/conversations/{conversation_id}/items", query=INCLUDE, body=requests.CREATE_ITEMS,
                reply=ConversationItemList)
async def create_items(request: Request) -> Response:
    """Add items to a conversation."""
    conversation_id = request.path_params["conversation_id"]
    tenant = api.tenant(request)
    INCLUDE(request)
    return raw_json(await api.services(request).conversations.add_items(
        tenant, conversation_id, requests.create_items(await api.body(request))))


@endpoints.get("/conversations/{conversation_id}/items", query=PAGE, reply=ConversationItemList)
async def list_items(request: Request) -> Response:
    """List a conversation's items, a page at a time."""
    conversation_id = request.path_params["conversation_id"]
    tenant = api.tenant(request)
    return raw_json(await api.services(request).conversations.list_items(tenant, conversation_id,
                                                                         **requests.page(PAGE(request))))


@endpoints.get("/conversations/{conversation_id}/items/{item_id}", query=INCLUDE, reply=ConversationItem)
async def retrieve_item(request: Request) -> Response:
    """Retrieve one item of a conversation."""
    conversation_id, item_id = request.path_params["conversation_id"], request.path_params["item_id"]
    tenant = api.tenant(request)
    INCLUDE(request)
    return raw_json(await api.services(request).conversations.get_item(tenant, conversation_id, item_id))


@endpoints.delete("/conversations/{conversation_id}/items/{item_id}", reply=Conversation)
async def delete_item(request: Request) -> Response:
    """Delete one item of a conversation; returns the conversation."""
    conversation_id, item_id = request.path_params["conversation_id"], request.path_params["item_id"]
    return json(await api.services(request).conversations.delete_item(api.tenant(request), conversation_id, item_id))
