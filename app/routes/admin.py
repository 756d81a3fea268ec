"""/__admin: fixture rules and the request journal, for tests (outside /v1, never journaled).

Admin follows the key, like /v1: a call with `Authorization: Bearer <api key>` sees and changes
only that key's rules and journal, and the rules it adds apply to that key alone. The admin token
(`admin_token`, when set) is the only way to act on every tenant, or to add a rule for all of
them; with it, `api_key` (query) narrows a call to one key. Anonymous calls are refused.

Declared as /v1 is (routes/api.py): each endpoint checks the credential first, then parses its
query, then its body.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import anyio
import orjson
from fastapi import Request
from sse_starlette import EventSourceResponse
from starlette.responses import JSONResponse, Response

from responses_mock import datafiles
from responses_mock.errors import APIError, InvalidRequest, NotFound, Unauthorized
from responses_mock.routes import api
from responses_mock.routes.render import json, raw_json
from responses_mock.services import journal_feed, prompts
from responses_mock.services.tenancy import bearer_key, tenant_of
from responses_mock.wire import admin as queries
from responses_mock.wire.fixtures import ListQuery

# The document says JSON replies, as it did when these were an APIRouter's.
endpoints = api.Endpoints("admin", prefix="/__admin", response_class=JSONResponse)
SCOPE = api.Query(queries.ScopeQuery)
FIXTURES = api.Query(ListQuery)
REQUESTS, FOLLOW = api.Query(queries.RequestsQuery), api.Query(queries.FollowQuery)
RESPONSES, CONVERSATIONS = api.Query(queries.ResponsesQuery), api.Query(queries.ConversationsQuery)


@dataclass(frozen=True)
class AdminScope:
    """Whose rules and journal a call reaches: one tenant, or (admin token, no api_key) all."""

    tenant: str | None
    admin: bool  # the admin token: may act on every tenant and add rules for all of them


def admin_scope(request: Request) -> AdminScope:
    api_key = SCOPE(request).get("api_key")
    token = api.services(request).settings.admin_token
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


@endpoints.post("/fixtures", query=SCOPE)
async def add_fixtures(request: Request) -> Response:
    """Fixture rules, as JSON or YAML: a rule, a list of rules, or {"rules": [...]}."""
    scope = admin_scope(request)
    data = await _json_or_yaml(await request.body(), "a fixture rule, a list of rules, or {\"rules\": [...]}")
    added = await api.services(request).fixtures.add(data, owner=scope.tenant, admin=scope.admin)
    return json({"object": "list", "data": added})


@endpoints.get("/fixtures", query=FIXTURES)
async def list_fixtures(request: Request) -> Response:
    """The rules, each with `hits`: the requests it answered that the journal still holds; with
    `format` (json, yaml), the rules as a fixtures file (`--fixtures` loads it)."""
    scope, services = admin_scope(request), api.services(request)
    fmt = FIXTURES(request).get("format")
    if fmt is not None:
        document = await services.fixtures.export(scope.tenant)
        text = await anyio.to_thread.run_sync(services.fixtures.export_text, document, fmt)
        return Response(text, media_type="application/yaml" if fmt == "yaml" else "application/json")
    rules = await services.fixtures.listing(scope.tenant)
    hits = await services.journal.hits([r["id"] for r in rules])
    return json({"object": "list", "data": [{**r, "hits": hits.get(r["id"], 0)} for r in rules]})


@endpoints.delete("/fixtures", query=SCOPE)
async def clear_fixtures(request: Request) -> Response:
    scope = admin_scope(request)
    return json({"object": "fixture.cleared", "deleted": await api.services(request).fixtures.clear(scope.tenant)})


@endpoints.delete("/fixtures/{fixture_id}", query=SCOPE)
async def delete_fixture(request: Request) -> Response:
    scope, fixture_id = admin_scope(request), request.path_params["fixture_id"]
    await api.services(request).fixtures.remove(fixture_id, scope.tenant)
    return json({"id": fixture_id, "object": "fixture", "deleted": True})


@endpoints.post("/prompts", query=SCOPE)
async def add_prompts(request: Request) -> Response:
    """Prompt templates (a template, a list, or {"prompts": [...]}) for this key."""
    scope = admin_scope(request)
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
    saved = await api.services(request).prompts.save(scope.tenant, prompts.parse(data))
    return json({"object": "list", "data": saved})


@endpoints.get("/prompts", query=SCOPE)
async def list_prompts(request: Request) -> Response:
    scope = admin_scope(request)
    return json({"object": "list", "data": await api.services(request).prompts.listing(scope.tenant)})


@endpoints.delete("/prompts/{prompt_id}", query=SCOPE)
async def delete_prompt(request: Request) -> Response:
    scope, prompt_id = admin_scope(request), request.path_params["prompt_id"]
    if not await api.services(request).prompts.remove(scope.tenant, prompt_id):
        raise NotFound(f"No prompt with id '{prompt_id}'.")
    return json({"id": prompt_id, "object": "prompt", "deleted": True})


@endpoints.get("/requests", query=REQUESTS)
async def list_requests(request: Request) -> Response:
    scope = admin_scope(request)
    q = REQUESTS(request)
    return json(await api.services(request).journal.read(
        tenant=scope.tenant, method=q.get("method"), path=q.get("path"), status=q.get("status"),
        fixture_id=q.get("fixture_id"), after=q.get("after"), limit=q["limit"], order=q["order"], model=q.get("model")))


@endpoints.get("/requests/stream", query=FOLLOW)
async def follow_requests(request: Request) -> Response:
    """The journal live (server-sent events): entries after `after` (default: from now), as they come."""
    scope = admin_scope(request)
    q = FOLLOW(request)
    journal = api.services(request).journal
    after = q.get("after")
    if after is None:
        after = await journal_feed.newest_cursor(journal, scope.tenant)
    filters = journal_feed.Filters(method=q.get("method"), path=q.get("path"), status=q.get("status"),
                                   fixture_id=q.get("fixture_id"), model=q.get("model"))

    async def events():
        async for entry in journal_feed.follow(journal, scope.tenant, filters, after):
            yield {"event": "journal.entry", "id": str(entry["cursor"]), "data": orjson.dumps(entry).decode()}

    return EventSourceResponse(events(), sep="\n", ping=15)


@endpoints.delete("/requests", query=SCOPE)
async def clear_requests(request: Request) -> Response:
    scope = admin_scope(request)
    return json({"object": "journal.cleared", "deleted": await api.services(request).journal.clear(scope.tenant)})


@endpoints.get("/whoami", query=SCOPE)
async def whoami(request: Request) -> Response:
    """Whose data this credential reaches (the inspector shows it)."""
    scope = admin_scope(request)
    return json({"object": "admin.scope", "admin": scope.admin, "tenant": scope.tenant})


@endpoints.get("/responses", query=RESPONSES)
async def list_responses(request: Request) -> Response:
    scope = admin_scope(request)
    q = RESPONSES(request)
    return json(await api.services(request).inspector.responses(scope.tenant, limit=q["limit"], before=q.get("before"),
                                                                status=q.get("status")))


@endpoints.get("/responses/{response_id}", query=SCOPE)
async def inspect_response(request: Request) -> Response:
    """A response with its request, input items, event log (with times), chain and conversation."""
    scope = admin_scope(request)
    return json(await api.services(request).inspector.response(scope.tenant, request.path_params["response_id"]))


@endpoints.post("/responses/{response_id}/cancel", query=SCOPE)
async def cancel_response(request: Request) -> Response:
    scope = admin_scope(request)
    return raw_json(await api.services(request).inspector.cancel(scope.tenant, request.path_params["response_id"]))


@endpoints.get("/conversations", query=CONVERSATIONS)
async def list_conversations(request: Request) -> Response:
    scope = admin_scope(request)
    q = CONVERSATIONS(request)
    return json(await api.services(request).inspector.conversations(scope.tenant, limit=q["limit"],
                                                                    before=q.get("before")))


@endpoints.get("/conversations/{conversation_id}", query=SCOPE)
async def inspect_conversation(request: Request) -> Response:
    scope = admin_scope(request)
    conversation_id = request.path_params["conversation_id"]
    return json(await api.services(request).inspector.conversation(scope.tenant, conversation_id))


@endpoints.get("/queue", query=SCOPE)
async def queue(request: Request) -> Response:
    """Background jobs queued and running (with the worker that runs each), and recent finished ones."""
    scope = admin_scope(request)
    return json(await api.services(request).inspector.queue(scope.tenant))


@endpoints.post("/reset", query=SCOPE)
async def reset(request: Request) -> Response:
    """Fixtures, journal and prompt templates back to empty (for this key; with the admin token,
    for all or one)."""
    scope, services = admin_scope(request), api.services(request)
    return json({"object": "reset", "fixtures_deleted": await services.fixtures.clear(scope.tenant),
                 "requests_deleted": await services.journal.clear(scope.tenant),
                 "prompts_deleted": await services.prompts.remove(scope.tenant)})
