"""/v1/conversations and their items."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.routes.deps import ConversationsDep, TenantDep, json, raw_json
from app.wire import requests

router = APIRouter(tags=["conversations"])
Include = Annotated[list[requests.Includable] | None, Query(alias="include[]")]  # accepted; items are complete


@router.post("/conversations")
async def create_conversation(request: Request, tenant: TenantDep, svc: ConversationsDep) -> Response:
    return json(await svc.create(tenant, requests.create_conversation(await request.body())))


@router.get("/conversations/{conversation_id}")
async def retrieve_conversation(conversation_id: str, tenant: TenantDep, svc: ConversationsDep) -> Response:
    return json(await svc.retrieve(tenant, conversation_id))


@router.post("/conversations/{conversation_id}")
async def update_conversation(conversation_id: str, request: Request, tenant: TenantDep,
                              svc: ConversationsDep) -> Response:
    return json(await svc.update(tenant, conversation_id, requests.update_conversation(await request.body())))


@router.delete("/conversations/{conversation_id}")
async def delete_conversation(conversation_id: str, tenant: TenantDep, svc: ConversationsDep) -> Response:
    return json(await svc.delete(tenant, conversation_id))


@router.post("/conversations/{conversation_id}/items")
async def create_items(conversation_id: str, request: Request, tenant: TenantDep, svc: ConversationsDep,
                       include: Include = None) -> Response:
    return raw_json(await svc.add_items(tenant, conversation_id, requests.create_items(await request.body())))


@router.get("/conversations/{conversation_id}/items")
async def list_items(conversation_id: str, tenant: TenantDep, svc: ConversationsDep,
                     limit: int = 20, order: Literal["asc", "desc"] = "desc", after: str | None = None,
                     include: Include = None) -> Response:
    requests.check_limit(limit)
    return raw_json(await svc.list_items(tenant, conversation_id, limit=limit, order=order, after=after))


@router.get("/conversations/{conversation_id}/items/{item_id}")
async def retrieve_item(conversation_id: str, item_id: str, tenant: TenantDep, svc: ConversationsDep,
                        include: Include = None) -> Response:
    return raw_json(await svc.get_item(tenant, conversation_id, item_id))


@router.delete("/conversations/{conversation_id}/items/{item_id}")
async def delete_item(conversation_id: str, item_id: str, tenant: TenantDep, svc: ConversationsDep) -> Response:
    return json(await svc.delete_item(tenant, conversation_id, item_id))
