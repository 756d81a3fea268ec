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

import anyio
import orjson
from fastapi import APIRouter, Depends, Query, Request
from sse_starlette import EventSourceResponse
from starlette.responses import Response

from responses_mock import datafiles
from responses_mock.errors import APIError, InvalidRequest, NotFound, Unauthorized
from responses_mock.routes import api
from responses_mock.routes.render import json, raw_json
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
FOLLOW_POLL = 1.0  # seconds between journal reads of a live follower when nothing here wakes it
Scope = Annotated[AdminScope, Depends(admin_scope)]
FixturesDep = Annotated[FixturesService, Depends(fixtures_service)]
JournalDep = Annotated[JournalService, Depends(journal_service)]


MAX_YAML_BODY = 2 << 20  # bytes: YAML is read in pure Python (~0.4 MB/s); JSON has the body limit


async def _json_or_yaml(raw: bytes, shape: str) -> object:
    """A body of JSON, or of YAML (what the fixtures file takes; pasted in the inspector): nested at
    most as deep as a /v1 body, YAML read in a thread with its aliases' expansion bounded."""
    try:
        data, kind = orjson.loads(raw), "JSON"
    except orjson.JSONDecodeError as exc:
        if "depth limit exceeded" in str(exc):  # orjson stops at 1,024 levels
            raise InvalidRequest(f"Invalid body: JSON nested more than {datafiles.MAX_DEPTH} levels deep.",
                                 code="invalid_json") from None
        if len(raw) > MAX_YAML_BODY:
            raise InvalidRequest(f"The body is not JSON, and a YAML body may be at most {MAX_YAML_BODY:,} bytes "
                                 f"(this one has {len(raw):,}); it must be {shape}.") from None
        try:
            data, kind = await anyio.to_thread.run_sync(datafiles.load_yaml, raw), "YAML"
        except datafiles.DataSyntaxError as exc:
            raise InvalidRequest(f"The body is neither JSON nor YAML ({exc.detail}); it must be {shape}.") from None
        except datafiles.DataError as exc:
            raise InvalidRequest(f"Invalid body: {exc}.", code="invalid_yaml") from None
    try:
        datafiles.check_depth(data)
    except datafiles.DataError:
        raise InvalidRequest(f"Invalid body: {kind} nested more than {datafiles.MAX_DEPTH} levels deep.",
                             code="invalid_json" if kind == "JSON" else "invalid_yaml") from None
    if not isinstance(data, (dict, list)):
        raise InvalidRequest(f"The body must be {shape}.")
    return data


@router.post("/fixtures")
async def add_fixtures(request: Request, scope: Scope, svc: FixturesDep) -> Response:
    """Fixture rules, as JSON or YAML: a rule, a list of rules, or {"rules": [...]}."""
    data = await _json_or_yaml(await request.body(), "a fixture rule, a list of rules, or {\"rules\": [...]}")
    return json({"object": "list", "data": await svc.add(data, owner=scope.tenant, admin=scope.admin)})


@router.get("/fixtures")
async def list_fixtures(scope: Scope, svc: FixturesDep, journal: JournalDep) -> Response:
    """The rules, each with `hits`: the requests it answered that the journal still holds."""
    rules = await svc.listing(scope.tenant)
    hits = await journal.hits([r["id"] for r in rules])
    return json({"object": "list", "data": [{**r, "hits": hits.get(r["id"], 0)} for r in rules]})


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
        datafiles.check_depth(data)
    except orjson.JSONDecodeError:
        raise InvalidRequest("The body must be a prompt template, a list of them, or {\"prompts\": [...]}.") from None
    except datafiles.DataError:
        raise InvalidRequest(f"Invalid body: JSON nested more than {datafiles.MAX_DEPTH} levels deep.",
                             code="invalid_json") from None
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


Path = Annotated[str | None, Query(description="Exact path, or a pattern with *")]
FixtureId = Annotated[str | None, Query(description="The rule that answered; empty: requests no rule answered")]
Cursor = Annotated[int | None, Query(description="A cursor from an earlier page")]


@router.get("/requests")
async def list_requests(scope: Scope, svc: JournalDep, method: str | None = None, path: Path = None,
                        status: int | None = None, fixture_id: FixtureId = None, model: str | None = None,
                        after: Cursor = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        order: Literal["asc", "desc"] = "asc") -> Response:
    return json(await svc.read(tenant=scope.tenant, method=method, path=path, status=status, fixture_id=fixture_id,
                               after=after, limit=limit, order=order, model=model))


@router.get("/requests/stream")
async def follow_requests(scope: Scope, svc: JournalDep, method: str | None = None, path: Path = None,
                          status: int | None = None, fixture_id: FixtureId = None, model: str | None = None,
                          after: Cursor = None) -> Response:
    """The journal live (server-sent events): entries after `after` (default: from now), as they come."""
    if after is None:
        newest = await svc.read(tenant=scope.tenant, method=None, path=None, status=None, fixture_id=None,
                                after=None, limit=1, order="desc")
        after = newest["data"][0]["cursor"] if newest["data"] else 0

    async def entries():
        cursor = after
        while True:
            page = await svc.read(tenant=scope.tenant, method=method, path=path, status=status,
                                  fixture_id=fixture_id, after=cursor, limit=200, order="asc", model=model)
            for entry in page["data"]:
                yield {"event": "journal.entry", "id": str(entry["cursor"]), "data": orjson.dumps(entry).decode()}
            if page["last_cursor"] is not None:
                cursor = page["last_cursor"]
            if not page["has_more"]:
                await svc.follow(FOLLOW_POLL)

    return EventSourceResponse(entries(), sep="\n", ping=15)


@router.delete("/requests")
async def clear_requests(scope: Scope, svc: JournalDep) -> Response:
    return json({"object": "journal.cleared", "deleted": await svc.clear(scope.tenant)})


@router.get("/whoami")
async def whoami(scope: Scope) -> Response:
    """Whose data this credential reaches (the inspector shows it)."""
    return json({"object": "admin.scope", "admin": scope.admin, "tenant": scope.tenant})


Before = Annotated[str | None, Query(description="`next_before` of an earlier page")]
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/responses")
async def list_responses(request: Request, scope: Scope, limit: Limit = 50, before: Before = None,
                         status: str | None = None) -> Response:
    return json(await request.app.state.inspector.responses(scope.tenant, limit=limit, before=before, status=status))


@router.get("/responses/{response_id}")
async def inspect_response(response_id: str, request: Request, scope: Scope) -> Response:
    """A response with its request, input items, event log (with times), chain and conversation."""
    return json(await request.app.state.inspector.response(scope.tenant, response_id))


@router.post("/responses/{response_id}/cancel")
async def cancel_response(response_id: str, request: Request, scope: Scope) -> Response:
    return raw_json(await request.app.state.inspector.cancel(scope.tenant, response_id))


@router.get("/conversations")
async def list_conversations(request: Request, scope: Scope, limit: Limit = 50, before: Before = None) -> Response:
    return json(await request.app.state.inspector.conversations(scope.tenant, limit=limit, before=before))


@router.get("/conversations/{conversation_id}")
async def inspect_conversation(conversation_id: str, request: Request, scope: Scope) -> Response:
    return json(await request.app.state.inspector.conversation(scope.tenant, conversation_id))


@router.get("/queue")
async def queue(request: Request, scope: Scope) -> Response:
    """Background jobs queued and running (with the worker that runs each), and recent finished ones."""
    return json(await request.app.state.inspector.queue(scope.tenant))


@router.post("/reset")
async def reset(request: Request, scope: Scope, fixtures: FixturesDep, journal: JournalDep) -> Response:
    """Fixtures, journal and prompt templates back to empty (for this key; with the admin token,
    for all or one)."""
    return json({"object": "reset", "fixtures_deleted": await fixtures.clear(scope.tenant),
                 "requests_deleted": await journal.clear(scope.tenant),
                 "prompts_deleted": await prompts.remove(request.app.state.engine, scope.tenant)})
