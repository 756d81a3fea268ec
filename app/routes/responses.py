"""/v1/responses: create, retrieve, delete, input items, input token counts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.errors import InvalidRequest
from app.routes.deps import ResponsesDep, TenantDep, json, raw_json
from app.wire import requests

router = APIRouter(tags=["responses"])


@router.post("/responses")
async def create_response(request: Request, tenant: TenantDep, svc: ResponsesDep) -> Response:
    params = requests.create_response(await request.body())
    for mode in ("stream", "background"):
        if params.get(mode):
            raise InvalidRequest(f"'{mode}' is not supported by this server yet.", param=mode,
                                 code="unsupported_parameter")
    return json(await svc.create(tenant, params))


@router.post("/responses/input_tokens")
async def count_input_tokens(request: Request, tenant: TenantDep, svc: ResponsesDep) -> Response:
    return json(await svc.count_input_tokens(tenant, requests.count_tokens(await request.body())))


@router.get("/responses/{response_id}")
async def retrieve_response(response_id: str, tenant: TenantDep, svc: ResponsesDep,
                            stream: bool = False) -> Response:
    if stream:
        raise InvalidRequest("'stream' is not supported by this server yet.", param="stream",
                             code="unsupported_parameter")
    return raw_json(await svc.retrieve(tenant, response_id))


@router.delete("/responses/{response_id}")
async def delete_response(response_id: str, tenant: TenantDep, svc: ResponsesDep) -> Response:
    return json(await svc.delete(tenant, response_id))


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
