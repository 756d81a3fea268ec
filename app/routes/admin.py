"""/__admin: fixture rules and the request journal, for tests (outside /v1, never journaled).

Admin follows the key, like /v1: a call with `Authorization: Bearer <api key>` sees and changes
only that key's rules and journal, and the rules it adds apply to that key alone. The admin token
(`admin_token`, when set) is the only way to act on every tenant, or to add a rule for all of
them; with it, `api_key` (query) narrows a call to one key. Anonymous calls are refused.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from responses_mock.errors import APIError, InvalidRequest, NotFound, Unauthorized
from responses_mock.routes import api
from responses_mock.routes.render import json
from responses_mock.services import prompts
from responses_mock.services.fixtures import FixturesService
from responses_mock.services.journal import JournalService
from responses_mock.services.tenancy import bearer_key, tenant_of

ApiKey = Annotated[str | None, Query(description="With the admin token: only this API key's rules / requests. "
                                                 "With an API key: that same key, or nothing.")]


@dataclass(frozen=True)
class AdminScope:
    """Whose rules and journal a call reaches: one tenant, or (admin token, no api_key) all."""

    tenant: str | None
    admin: bool  # the admin token: may act on every tenant and add rules for all of them


def admin_scope(request: Request, api_key: ApiKey = None) -> AdminScope:
    token = request.app.state.settings.admin_token
    headers = api.headers(request)
    given = bearer_key(headers.get("authorization", "")) or headers.get("x-admin-token") or None
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return AdminScope(tenant_of(api_key) if api_key else None, admin=True)
    if given is None:
        raise Unauthorized("The admin API needs credentials: 'Authorization: Bearer <your API key>' for your "
                           "own rules and journal, or the admin token for every tenant's.",
                           code="missing_credentials")
    tenant = api.tenant(request)  # an API key: the same checks as /v1 (api_keys)
    if api_key is not None and api_key != given:
        raise APIError("An API key can reach only its own rules and journal; acting on another key's "
                       "needs the admin token.", status=403, type="invalid_request_error", param="api_key",
                       code="forbidden")
    return AdminScope(tenant, admin=False)


async def fixtures_service(request: Request) -> FixturesService:
    return request.app.state.fixtures


async def journal_service(request: Request) -> JournalService:
    return request.app.state.journal


router = APIRouter(prefix="/__admin", tags=["admin"])
Scope = Annotated[AdminScope, Depends(admin_scope)]
FixturesDep = Annotated[FixturesService, Depends(fixtures_service)]
JournalDep = Annotated[JournalService, Depends(journal_service)]


@router.post("/fixtures")
async def add_fixtures(request: Request, scope: Scope, svc: FixturesDep) -> Response:
    try:
        data = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise InvalidRequest("The body must be a fixture rule, a list of rules, or {\"rules\": [...]}.") from None
    return json({"object": "list", "data": await svc.add(data, owner=scope.tenant, admin=scope.admin)})


@router.get("/fixtures")
async def list_fixtures(scope: Scope, svc: FixturesDep) -> Response:
    return json({"object": "list", "data": await svc.listing(scope.tenant)})


@router.delete("/fixtures")
async def clear_fixtures(scope: Scope, svc: FixturesDep) -> Response:
    return json({"object": "fixture.cleared", "deleted": await svc.clear(scope.tenant)})


@router.delete("/fixtures/{fixture_id}")
async def delete_fixture(fixture_id: str, scope: Scope, svc: FixturesDep) -> Response:
    await svc.remove(fixture_id, scope.tenant)
    return json({"id": fixture_id, "object": "fixture", "deleted": True})


@router.post("/prompts")
async def add_prompts(request: Request, scope: Scope) -> Response:
    """Prompt templates (a template, a list, or {"prompts": [...]}) for this key."""
    if scope.tenant is None:
        raise InvalidRequest("Prompt templates belong to a key: call with the key, or give api_key with the "
                             "admin token.", param="api_key")
    try:
        data = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise InvalidRequest("The body must be a prompt template, a list of them, or {\"prompts\": [...]}.") from None
    engine = request.app.state.engine
    return json({"object": "list", "data": await prompts.save(engine, scope.tenant, prompts.parse(data))})


@router.get("/prompts")
async def list_prompts(request: Request, scope: Scope) -> Response:
    return json({"object": "list", "data": await prompts.listing(request.app.state.engine, scope.tenant)})


@router.delete("/prompts/{prompt_id}")
async def delete_prompt(prompt_id: str, request: Request, scope: Scope) -> Response:
    if not await prompts.remove(request.app.state.engine, scope.tenant, prompt_id):
        raise NotFound(f"No prompt with id '{prompt_id}'.")
    return json({"id": prompt_id, "object": "prompt", "deleted": True})


@router.get("/requests")
async def list_requests(scope: Scope, svc: JournalDep, method: str | None = None,
                        path: Annotated[str | None, Query(description="Exact path, or a pattern with *")] = None,
                        status: int | None = None, fixture_id: str | None = None,
                        after: Annotated[int | None, Query(description="A cursor from an earlier page")] = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        order: Literal["asc", "desc"] = "asc") -> Response:
    return json(await svc.read(tenant=scope.tenant, method=method, path=path, status=status, fixture_id=fixture_id,
                               after=after, limit=limit, order=order))


@router.delete("/requests")
async def clear_requests(scope: Scope, svc: JournalDep) -> Response:
    return json({"object": "journal.cleared", "deleted": await svc.clear(scope.tenant)})


@router.post("/reset")
async def reset(request: Request, scope: Scope, fixtures: FixturesDep, journal: JournalDep) -> Response:
    """Fixtures, journal and prompt templates back to empty (for this key; with the admin token,
    for all or one)."""
    return json({"object": "reset", "fixtures_deleted": await fixtures.clear(scope.tenant),
                 "requests_deleted": await journal.clear(scope.tenant),
                 "prompts_deleted": await prompts.remove(request.app.state.engine, scope.tenant)})
