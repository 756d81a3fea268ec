"""What every endpoint shares (/v1, /__admin, health): declaring it as a FastAPI route, the
process's services, the caller's tenant, its query parameters.

Endpoints are plain FastAPI routes added with `app.add_api_route` (an included APIRouter is
matched as a unit, one level more per request), /v1 ahead of every other route. They take
`request: Request` alone (path parameters from `request.path_params`, the services from
`services(request)`) and return a `Response` they built, so FastAPI resolves no parameters and
encodes nothing again: ~16 µs a request here. Query parameters are validated by one TypeAdapter
per shape, in the real API's words; the OpenAPI document describes them, and the /v1 request and
response bodies, from the same types (routes/openapi.py). While an upstream is configured, the
Files, Uploads and Vector stores endpoints are the upstream's, relayed whole (`UPSTREAM_ANSWERS`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, get_type_hints
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from pydantic import TypeAdapter, ValidationError
from starlette.requests import ClientDisconnect, HTTPConnection
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from responses_mock.errors import Disconnect, Unauthorized
from responses_mock.services.container import Services
from responses_mock.services.tenancy import bearer_key, tenant_of
from responses_mock.services.upstream import Passed
from responses_mock.wire.requests import validation_error

PREFIX = "/v1"
# Scope keys under which the middleware leaves what it parsed: the headers (a dict), the bearer
# key and its tenant.
HEADERS, KEY, TENANT = "responses_mock.headers", "responses_mock.key", "responses_mock.tenant"

_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
    "username) if you're accessing the API from your browser and are prompted for a username and "
    "password. You can obtain an API key from https://platform.openai.com/account/api-keys."
)


def _mask(key: str) -> str:
    return key[:3] + "*" * max(len(key) - 7, 0) + key[-4:] if len(key) > 7 else "*" * len(key)


def services(conn: HTTPConnection | Scope) -> Services:
    """The services of this process (built once, in main.py's lifespan), for a request, a WebSocket
    or an ASGI scope (the middleware): the one place they are found."""
    return conn["app"].state.services


def headers(request: Request) -> dict[str, str]:
    """The request's headers as a dict of lower-case names (parsed once, by the middleware)."""
    found = request.scope.get(HEADERS)
    if found is None:
        found = request.scope[HEADERS] = {k.decode("latin-1").lower(): v.decode("latin-1")
                                          for k, v in request.scope["headers"]}
    return found


def tenant(request: Request) -> str:
    """Any bearer key is accepted unless `api_keys` is set; each key sees only its own objects."""
    scope = request.scope
    key = scope[KEY] if KEY in scope else bearer_key(headers(request).get("authorization", ""))
    if key is None:
        raise Unauthorized(_NO_KEY)
    allowed = services(request).settings.api_keys
    if allowed and key not in allowed:
        raise Unauthorized(f"Incorrect API key provided: {_mask(key)}. You can find your API key at "
                           "https://platform.openai.com/account/api-keys.", code="invalid_api_key")
    return scope.get(TENANT) or tenant_of(key)


async def body(request: Request) -> bytes:
    try:
        return await request.body()
    except ClientDisconnect:
        raise Disconnect from None


class Query:
    """One shape of query parameters: a TypedDict keyed as sent (`include[]` repeats)."""

    def __init__(self, shape: type) -> None:
        self.adapter = TypeAdapter(shape)
        self.lists = frozenset(k for k, v in get_type_hints(shape).items() if getattr(v, "__origin__", None) is list)

    def __call__(self, request: Request) -> dict:
        raw = request.scope.get("query_string", b"")
        values: dict[str, Any] = {}
        if raw:
            for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
                if name in self.lists:
                    values.setdefault(name, []).append(value)
                else:
                    values[name] = value
        try:
            return self.adapter.validate_python(values)
        except ValidationError as exc:
            raise validation_error([{**e, "loc": ("query", *e["loc"])} for e in exc.errors()], None) from None

    def openapi_parameters(self) -> list[dict]:
        schema = self.adapter.json_schema()
        return [{"name": name, "in": "query", "required": False, "schema": prop}
                | ({"description": prop["description"]} if "description" in prop else {})
                for name, prop in schema["properties"].items()]


# While an upstream is configured (--upstream) these endpoints are its, whole: no fixture rule
# answers them, and a create sent there names its files and vector stores by the upstream's ids.
UPSTREAM_ANSWERS = (PREFIX + "/files", PREFIX + "/uploads", PREFIX + "/vector_stores")


class _Passed(StreamingResponse):
    """The upstream's reply as it comes; its connection released however the reply ends."""

    def __init__(self, passed: Passed) -> None:
        super().__init__(passed.chunks, status_code=passed.status, headers=passed.headers)
        self.release = passed.close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.release()


async def _streamed(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        raise Disconnect from None


def _or_upstream(endpoint: Callable) -> Callable:
    @functools.wraps(endpoint)
    async def answered(request: Request) -> Response:
        upstream = services(request).upstream
        if upstream is None:
            return await endpoint(request)
        tenant(request)  # the caller's key, checked here first
        sent = headers(request)
        has_body = sent.get("transfer-encoding") or sent.get("content-length", "0") != "0"
        return _Passed(await upstream.passthrough(request.method, request.url.path, request.scope.get(
            "query_string", b""), sent, _streamed(request) if has_body else None))
    return answered


@dataclass
class Operation:
    method: str
    path: str  # the full path, its prefix (/v1) included
    endpoint: Callable
    tags: tuple[str, ...]
    query: Query | None = None
    body: TypeAdapter | None = None  # the request body's shape, for the OpenAPI document
    form: dict | None = None  # or a multipart body's (a JSON schema of its fields)
    reply: type | None = None  # the 200 reply's SDK model, for the OpenAPI document


class Endpoints:
    """The endpoints of one module, declared with decorators and added to the app by install().
    `prefix`: /v1 unless given; `response_class`: what the OpenAPI document says they reply with."""

    def __init__(self, *tags: str, prefix: str = PREFIX, response_class: type[Response] = Response) -> None:
        self.tags = tags
        self.prefix = prefix
        self.response_class = response_class
        self.operations: list[Operation] = []

    def route(self, method: str, path: str, *, query: Query | None = None, body: TypeAdapter | None = None,
              form: dict | None = None, reply: type | None = None):
        def register(endpoint: Callable) -> Callable:
            self.operations.append(Operation(method, self.prefix + path, endpoint, self.tags, query, body, form,
                                             reply))
            return endpoint
        return register

    def get(self, path: str, **kw):
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.route("POST", path, **kw)

    def delete(self, path: str, **kw):
        return self.route("DELETE", path, **kw)

    def install(self, app: FastAPI) -> None:
        for op in self.operations:
            parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                          for name in re.findall(r"{(\w+)}", op.path)]
            if op.query is not None:
                parameters += op.query.openapi_parameters()
            endpoint = _or_upstream(op.endpoint) if op.path.startswith(UPSTREAM_ANSWERS) else op.endpoint
            app.add_api_route(op.path, endpoint, methods=[op.method], tags=list(op.tags),
                              response_class=self.response_class,
                              openapi_extra={"parameters": parameters} if parameters else None)
            _ahead_of_docs(app.router.routes)


# FastAPI adds its own routes first (the OpenAPI document, the docs pages and their assets): an
# endpoint's route goes before them, or every request would test five paths it never takes first.
# None of theirs overlaps an endpoint's, so which route answers a request is unchanged.
_DOCS = frozenset({"/openapi.json", "/static-offline-docs", "/docs", "/docs/oauth2-redirect", "/redoc"})


def _ahead_of_docs(routes: list) -> None:
    at = next((i for i, r in enumerate(routes) if getattr(r, "path", None) in _DOCS), None)
    if at is not None and at < len(routes) - 1:
        routes.insert(at, routes.pop())
