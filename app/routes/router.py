"""The /v1 router: a route table matched by method and path segments, handlers that take one
`Call`, query parameters validated by one TypeAdapter per route.

Why not FastAPI's routing for /v1: resolving its dependencies and query parameters cost ~200 µs a
request here — more than the store does. The table is also the OpenAPI document's source for
these paths (wire/openapi.py), so declaring a route is all there is to do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl

from pydantic import TypeAdapter, ValidationError
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from responses_mock.errors import APIError, Disconnect, DroppedResponse, ServerError, Unauthorized, error_response
from responses_mock.services.tenancy import bearer_key, tenant_of
from responses_mock.wire.requests import validation_error

log = logging.getLogger("responses_mock")

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


class Call:
    """One request as a handler sees it: path and query parameters, headers, body, the services."""

    __slots__ = ("scope", "receive", "params", "query", "tenant", "_headers")

    def __init__(self, scope: Scope, receive: Receive, params: dict[str, str], query: dict, tenant: str) -> None:
        self.scope, self.receive = scope, receive
        self.params, self.query, self.tenant = params, query, tenant
        self._headers: dict[str, str] | None = None

    @property
    def state(self) -> Any:
        """The services, as the lifespan set them up (app.state)."""
        return self.scope["app"].state

    @property
    def headers(self) -> dict[str, str]:
        if self._headers is None:
            self._headers = self.scope.get(HEADERS) or {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self.scope["headers"]}
        return self._headers

    async def body(self) -> bytes:
        chunks = []
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise Disconnect
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                return b"".join(chunks)


Handler = Callable[[Call], Awaitable[Response]]


@dataclass
class Route:
    method: str
    path: str  # the template under the router's prefix, e.g. "/responses/{response_id}"
    handler: Handler
    query: TypeAdapter | None = None  # a TypedDict of the query parameters, keys as sent
    lists: frozenset[str] = frozenset()  # query parameters that repeat (include[])
    tags: tuple[str, ...] = ()
    segments: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.segments = tuple(self.path.strip("/").split("/"))

    def match(self, parts: list[str]) -> dict[str, str] | None:
        params = {}
        for template, part in zip(self.segments, parts):
            if template[0] == "{":
                if not part:
                    return None
                params[template[1:-1]] = part
            elif template != part:
                return None
        return params


class Router:
    """Routes under one prefix; an ASGI app for the requests under it."""

    def __init__(self, prefix: str, tags: tuple[str, ...] = ()) -> None:
        self.prefix, self.tags = prefix, tags
        self.routes: list[Route] = []
        self._by_length: dict[int, list[Route]] = {}

    def route(self, method: str, path: str, *, query: type | None = None):
        """Register a handler; `query`: a TypedDict of its query parameters, keyed as sent."""
        def register(handler: Handler) -> Handler:
            adapter = TypeAdapter(query) if query is not None else None
            lists = frozenset(k for k, v in (query.__annotations__ if query else {}).items()
                              if getattr(v, "__origin__", None) is list)
            self._add(Route(method, path, handler, adapter, lists, self.tags))
            return handler
        return register

    def include(self, other: "Router") -> None:
        for route in other.routes:
            self._add(route)

    def _add(self, route: Route) -> None:
        self.routes.append(route)
        group = self._by_length.setdefault(len(route.segments), [])
        group.append(route)
        group.sort(key=lambda r: sum(s[0] == "{" for s in r.segments))  # literal segments win

    def get(self, path: str, **kw):
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.route("POST", path, **kw)

    def delete(self, path: str, **kw):
        return self.route("DELETE", path, **kw)

    def find(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """The route and its path parameters; the bool says whether the path exists at all."""
        parts = path[len(self.prefix):].strip("/").split("/")
        known = False
        for route in self._by_length.get(len(parts), ()):
            params = route.match(parts)
            if params is None:
                continue
            if route.method == method:
                return route, params, True
            known = True
        return None, {}, known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await self._dispatch(scope, receive)
        except APIError as err:
            response = error_response(err, err.headers)
        except Disconnect:
            response = DroppedResponse()
        except Exception:  # a bug, not the client's fault: still the envelope, never a bare 500
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            response = error_response(ServerError("The server had an error while processing your request."))
        await response(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive) -> Response:
        method, path = scope["method"], scope["path"]
        route, params, known = self.find(method, path)
        if route is None:
            if known:
                raise APIError(f"Invalid method for URL ({method} {path})", status=405)
            raise APIError(f"Invalid URL ({method} {path})", status=404)
        tenant = self._tenant(scope)
        query = self._query(route, scope.get("query_string", b""))
        scope["route"] = route  # for the metrics' path label
        return await route.handler(Call(scope, receive, params, query, tenant))

    @staticmethod
    def _tenant(scope: Scope) -> str:
        """Any bearer key is accepted unless `api_keys` is set; each key sees only its own objects."""
        if KEY in scope:
            key = scope[KEY]
        else:
            authorization = next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"authorization"), "")
            key = bearer_key(authorization)
        if key is None:
            raise Unauthorized(_NO_KEY)
        allowed = scope["app"].state.settings.api_keys
        if allowed and key not in allowed:
            raise Unauthorized(f"Incorrect API key provided: {_mask(key)}. You can find your API key at "
                               "https://platform.openai.com/account/api-keys.", code="invalid_api_key")
        return scope.get(TENANT) or tenant_of(key)

    @staticmethod
    def _query(route: Route, raw: bytes) -> dict:
        if route.query is None:
            return {}
        values: dict[str, Any] = {}
        if raw:
            for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
                if name in route.lists:
                    values.setdefault(name, []).append(value)
                else:
                    values[name] = value
        try:
            return route.query.validate_python(values)
        except ValidationError as exc:
            raise validation_error([{**e, "loc": ("query", *e["loc"])} for e in exc.errors()], None) from None
