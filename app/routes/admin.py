"""/__admin: fixture rules and the request journal, for tests (outside /v1, never journaled).

With `admin_token` set, every call needs `Authorization: Bearer <admin_token>`. `api_key` (query)
scopes a call to one API key's rules and journal, so parallel CI jobs sharing a server stay apart.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from responses_mock.errors import InvalidRequest, Unauthorized
from responses_mock.routes.render import json
from responses_mock.services.fixtures import FixturesService
from responses_mock.services.journal import JournalService
from responses_mock.services.tenancy import bearer_key


async def require_admin(request: Request) -> None:
    token = request.app.state.settings.admin_token
    if not token:
        return
    given = bearer_key(request.headers.get("authorization", "")) or request.headers.get("x-admin-token", "")
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthorized("The admin API needs the admin token: 'Authorization: Bearer <admin_token>'.",
                           code="invalid_admin_token")


async def fixtures_service(request: Request) -> FixturesService:
    return request.app.state.fixtures


async def journal_service(request: Request) -> JournalService:
    return request.app.state.journal


router = APIRouter(prefix="/__admin", tags=["admin"], dependencies=[Depends(require_admin)])
FixturesDep = Annotated[FixturesService, Depends(fixtures_service)]
JournalDep = Annotated[JournalService, Depends(journal_service)]
ApiKey = Annotated[str | None, Query(description="Only this API key's rules / requests.")]


@router.post("/fixtures")
async def add_fixtures(request: Request, svc: FixturesDep) -> Response:
    try:
        data = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise InvalidRequest("The body must be a fixture rule, a list of rules, or {\"rules\": [...]}.") from None
    return json({"object": "list", "data": await svc.add(data)})


@router.get("/fixtures")
async def list_fixtures(svc: FixturesDep, api_key: ApiKey = None) -> Response:
    return json({"object": "list", "data": await svc.listing(api_key)})


@router.delete("/fixtures")
async def clear_fixtures(svc: FixturesDep, api_key: ApiKey = None) -> Response:
    return json({"object": "fixture.cleared", "deleted": await svc.clear(api_key)})


@router.delete("/fixtures/{fixture_id}")
async def delete_fixture(fixture_id: str, svc: FixturesDep) -> Response:
    await svc.remove(fixture_id)
    return json({"id": fixture_id, "object": "fixture", "deleted": True})


@router.get("/requests")
async def list_requests(svc: JournalDep, api_key: ApiKey = None, method: str | None = None,
                        path: Annotated[str | None, Query(description="Exact path, or a pattern with *")] = None,
                        status: int | None = None, fixture_id: str | None = None,
                        after: Annotated[int | None, Query(description="A cursor from an earlier page")] = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        order: Literal["asc", "desc"] = "asc") -> Response:
    return json(await svc.read(api_key=api_key, method=method, path=path, status=status, fixture_id=fixture_id,
                               after=after, limit=limit, order=order))


@router.delete("/requests")
async def clear_requests(svc: JournalDep, api_key: ApiKey = None) -> Response:
    return json({"object": "journal.cleared", "deleted": await svc.clear(api_key)})


@router.post("/reset")
async def reset(fixtures: FixturesDep, journal: JournalDep, api_key: ApiKey = None) -> Response:
    """Fixtures and journal back to empty (for one key, or for all)."""
    return json({"object": "reset", "fixtures_deleted": await fixtures.clear(api_key),
                 "requests_deleted": await journal.clear(api_key)})
