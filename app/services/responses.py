"""Responses: create, retrieve, delete, list input items, count input tokens."""

from __future__ import annotations

import time

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from app import ids
from app.backends import registry
from app.backends.base import ModelContext
from app.errors import InvalidRequest, NotFound
from app.services import catalog, context
from app.services.catalog import CatalogModel
from app.services.lifecycle import Lifecycle, output_limit
from app.store import items as item_store
from app.store import responses as response_store
from app.wire import objects

# Parameters reasoning models refuse, as the real API refuses them (unless left at the default).
_SAMPLING = ("temperature", "top_p")


def not_found(response_id: str) -> NotFound:
    return NotFound(f"Response with id '{response_id}' not found.")


def check_model_params(model: CatalogModel, params: dict) -> None:
    if model.reasoning:
        for key in _SAMPLING:
            if params.get(key) not in (None, 1, 1.0):
                raise InvalidRequest(f"Unsupported parameter: '{key}' is not supported with this model.",
                                     param=key, code="unsupported_parameter")
    elif (params.get("reasoning") or {}).get("effort") is not None:
        raise InvalidRequest("Unsupported parameter: 'reasoning.effort' is not supported with this model.",
                             param="reasoning.effort", code="unsupported_parameter")


def _unsupported(params: dict) -> None:
    # Seams, not pretence: these arrive in later work and are refused clearly until then.
    for key, what in (("conversation", "Conversations"), ("prompt", "Prompt templates")):
        if params.get(key) is not None:
            raise InvalidRequest(f"{what} are not supported by this server yet.", param=key,
                                 code="unsupported_parameter")


class ResponsesService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(self, tenant: str, params: dict) -> dict:
        _unsupported(params)
        model = catalog.resolve(params["model"])
        check_model_params(model, params)
        async with self.engine.connect() as conn:
            ctx = await context.build(conn, tenant, params)
        response = objects.response(id=ids.response_id(), created_at=int(time.time()), params=params,
                                    model=model, status="in_progress")
        lifecycle = Lifecycle(
            response, self._model_context(model, ctx, params), registry.get(model.backend),
            input_tokens=context.count_input_tokens(ctx, model.encoding),
            output_limit=output_limit(params, model.max_output_tokens))
        final = await lifecycle.run()
        if final["store"]:
            await self._save(tenant, params, final, ctx)
        return final

    @staticmethod
    def _model_context(model: CatalogModel, ctx: context.Context, params: dict) -> ModelContext:
        return ModelContext(model=model.snapshot, reasoning=model.reasoning, encoding=model.encoding,
                            instructions=ctx.instructions, messages=context.messages(ctx),
                            items=tuple(ctx.items), request=params)

    async def _save(self, tenant: str, params: dict, final: dict, ctx: context.Context) -> None:
        """The response row and all its input items, in one transaction."""
        async with self.engine.begin() as conn:
            await response_store.insert(conn, {
                "id": final["id"], "tenant": tenant, "created_at": final["created_at"],
                "status": final["status"], "model": final["model"], "background": final["background"],
                "previous_response_id": final["previous_response_id"],
                "request": orjson.dumps(params).decode(), "body": orjson.dumps(final).decode(),
            })
            await item_store.add(conn, final["id"], [
                (item.get("id", ""), orjson.dumps(item).decode()) for item in ctx.items])

    async def retrieve(self, tenant: str, response_id: str) -> str:
        async with self.engine.connect() as conn:
            body = await response_store.get_body(conn, tenant, response_id)
        if body is None:
            raise not_found(response_id)
        return body

    async def delete(self, tenant: str, response_id: str) -> dict:
        async with self.engine.begin() as conn:
            if not await response_store.remove(conn, tenant, response_id):
                raise not_found(response_id)
        return objects.deleted(response_id, "response")

    async def input_items(self, tenant: str, response_id: str, *, limit: int, order: str,
                          after: str | None) -> bytes:
        async with self.engine.connect() as conn:
            if not await response_store.exists(conn, tenant, response_id):
                raise not_found(response_id)
            after_position = None
            if after is not None:
                after_position = await item_store.position_of(conn, response_id, after)
                if after_position is None:
                    raise InvalidRequest(f"Invalid 'after': no input item with id '{after}' in response "
                                         f"'{response_id}'.", param="after", code="invalid_value")
            rows = await item_store.page(conn, response_id, limit=limit, descending=order == "desc",
                                         after_position=after_position)
        return objects.list_page([data for _, data in rows[:limit]],
                                 rows[0][0] if rows else None,
                                 rows[min(limit, len(rows)) - 1][0] if rows else None,
                                 has_more=len(rows) > limit)

    async def count_input_tokens(self, tenant: str, params: dict) -> dict:
        _unsupported(params)
        encoding = "o200k_base"
        if params.get("model"):
            encoding = catalog.resolve(params["model"]).encoding
        async with self.engine.connect() as conn:
            ctx = await context.build(conn, tenant, params)
        return objects.input_tokens(context.count_input_tokens(ctx, encoding))
