"""/v1/responses: create (sync, stream, background), retrieve (or follow its stream), delete,
cancel, input items, input token counts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.routes.deps import BackgroundDep, ResponsesDep, StreamsDep, TenantDep, json, raw_json
from app.routes.sse import event_stream
from app.services import compaction, faults
from app.wire import requests

router = APIRouter(tags=["responses"])


@router.post("/responses")
async def create_response(request: Request, tenant: TenantDep, svc: ResponsesDep,
                          streams: StreamsDep) -> Response:
    params = requests.create_response(await request.body())
    result = await svc.create(tenant, params, request.headers)
    if not params.get("stream"):
        return json(result)
    if params.get("background"):  # background + stream: follow the job's log from the start
        result = await streams.follow(tenant, result["id"], None)
    return event_stream(faults.maybe_cut(result))


@router.post("/responses/compact")
async def compact_response(request: Request, tenant: TenantDep, svc: ResponsesDep) -> Response:
    return json(await compaction.compact(svc.engine, tenant, requests.compact(await request.body())))


@router.post("/responses/input_tokens")
async def count_input_tokens(request: Request, tenant: TenantDep, svc: ResponsesDep) -> Response:
    return json(await svc.count_input_tokens(tenant, requests.count_tokens(await request.body())))


@router.get("/responses/{response_id}")
async def retrieve_response(
    response_id: str, tenant: TenantDep, svc: ResponsesDep, streams: StreamsDep,
    stream: bool = False,
    starting_after: int | None = None,
    include_obfuscation: bool | None = None,
    include: Annotated[list[requests.Includable] | None, Query(alias="include[]")] = None,
) -> Response:
    if stream:
        return event_stream(await streams.follow(tenant, response_id, starting_after))
    return raw_json(await svc.retrieve(tenant, response_id))


@router.delete("/responses/{response_id}")
async def delete_response(response_id: str, tenant: TenantDep, svc: ResponsesDep) -> Response:
    return json(await svc.delete(tenant, response_id))


@router.post("/responses/{response_id}/cancel")
async def cancel_response(response_id: str, tenant: TenantDep, background: BackgroundDep) -> Response:
    return raw_json(await background.cancel(tenant, response_id))


@router.get("/responses/{response_id}/input_items")
async def list_input_items(
    response_id: str, tenant: TenantDep, svc: ResponsesDep,
    limit: int = 20,
    order: Literal["asc", "desc"] = "desc",
    after: str | None = None,
    include: Annotated[list[requests.Includable] | None, Query(alias="include[]")] = None,
) -> Response:
    requests.check_limit(limit)
    return raw_json(await svc.input_items(tenant, response_id, limit=limit, order=order, after=after))
