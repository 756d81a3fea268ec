"""Dependencies: the caller's tenant (from the bearer key) and the services.

All `async def`: FastAPI runs plain `def` dependencies in a thread pool, a hop per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

import orjson

from app.errors import Unauthorized
from app.services.background import BackgroundService
from app.services.conversations import ConversationsService
from app.services.responses import ResponsesService
from app.services.streams import StreamsService
from app.services.tenancy import bearer_key, tenant_of

_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
    "username) if you're accessing the API from your browser and are prompted for a username and "
    "password. You can obtain an API key from https://platform.openai.com/account/api-keys."
)


def _mask(key: str) -> str:
    return key[:3] + "*" * max(len(key) - 7, 0) + key[-4:] if len(key) > 7 else "*" * len(key)


async def tenant(request: Request) -> str:
    """Any bearer key is accepted unless `api_keys` is set; each key sees only its own objects."""
    key = bearer_key(request.headers.get("authorization", ""))
    if key is None:
        raise Unauthorized(_NO_KEY)
    allowed = request.app.state.settings.api_keys
    if allowed and key not in allowed:
        raise Unauthorized(f"Incorrect API key provided: {_mask(key)}. You can find your API key at "
                           "https://platform.openai.com/account/api-keys.", code="invalid_api_key")
    return tenant_of(key)


async def responses_service(request: Request) -> ResponsesService:
    return request.app.state.responses


async def background_service(request: Request) -> BackgroundService:
    return request.app.state.background


async def streams_service(request: Request) -> StreamsService:
    return request.app.state.streams


async def conversations_service(request: Request) -> ConversationsService:
    return request.app.state.conversations


TenantDep = Annotated[str, Depends(tenant)]
ConversationsDep = Annotated[ConversationsService, Depends(conversations_service)]
ResponsesDep = Annotated[ResponsesService, Depends(responses_service)]
BackgroundDep = Annotated[BackgroundService, Depends(background_service)]
StreamsDep = Annotated[StreamsService, Depends(streams_service)]


def json(obj: object, status: int = 200) -> Response:
    return Response(orjson.dumps(obj), status_code=status, media_type="application/json")


def raw_json(body: str | bytes) -> Response:
    return Response(body, media_type="application/json")
