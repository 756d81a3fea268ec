"""Responses: create (sync, streamed, background), retrieve, delete, input items, token counts.

Every mode builds the same Lifecycle; they differ in who drives it (this request, a detached
task, a worker) and who watches it (nobody, this request's SSE socket, followers of the log).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import AsyncIterator, Callable, Mapping

import anyio
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from responses_mock import ids
from responses_mock.backends import registry
from responses_mock.backends.base import ModelContext
from responses_mock.backends.scripted import ScriptedBackend
from responses_mock.config import Settings
from responses_mock.errors import Disconnect, InvalidRequest, NotFound
from responses_mock.store.notify import Notifier
from responses_mock.services import (catalog, context, conversations, faults, fixtures, journal, pacing,
                                     prompt_cache, request_checks, tokens)
from responses_mock.services.catalog import CatalogModel
from responses_mock.services.fixtures import FixturesService
from responses_mock.services.lifecycle import Lifecycle, output_limit
from responses_mock.services.pacing import Pace
from responses_mock.services.paging import item_page
from responses_mock.services.stream_runs import StreamRuns
from responses_mock.store import db
from responses_mock.store import events as event_store
from responses_mock.store import item_refs
from responses_mock.store import jobs as job_store
from responses_mock.store import responses as response_store
from responses_mock.store.items import RESPONSE_ITEMS
from responses_mock.wire import objects
from responses_mock.wire.events import EventNumberer

log = logging.getLogger("responses_mock")

TERMINAL = objects.TERMINAL
# Parameters reasoning models refuse, as the real API refuses them (unless left at the default).
_SAMPLING = ("temperature", "top_p", "top_logprobs")

LiveEvent = tuple[int, str, str]  # (sequence_number, type, json)


def not_found(response_id: str) -> NotFound:
    return NotFound(f"Response with id '{response_id}' not found.")


def _listed(values) -> str:
    quoted = [f"'{v}'" for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + (", and " if len(quoted) > 2 else " and ") + quoted[-1]


def _unsupported_value(param: str, value: str, supported) -> InvalidRequest:
    return InvalidRequest(f"Unsupported value: '{param}' does not support '{value}' with this model. Supported "
                          f"values are: {_listed(supported)}.", param=param, code="unsupported_value")


def check_model_params(model: CatalogModel, params: dict) -> None:
    effort = (params.get("reasoning") or {}).get("effort")
    if model.reasoning and effort is not None and model.efforts and effort not in model.efforts:
        raise _unsupported_value("reasoning.effort", effort, model.efforts)
    verbosity = (params.get("text") or {}).get("verbosity")
    if verbosity not in (None, "medium") and not model.verbosity:
        raise _unsupported_value("text.verbosity", verbosity, ["medium"])
    asked = params.get("max_output_tokens")
    if asked is not None and asked > model.max_output_tokens:  # the Chat Completions wording of the same limit
        raise InvalidRequest(f"max_output_tokens is too large: {asked}. This model supports at most "
                             f"{model.max_output_tokens} output tokens, whereas you provided {asked}.",
                             param="max_output_tokens", code="invalid_value")
    if model.reasoning:
        for key in _SAMPLING:
            if params.get(key) not in (None, 1, 1.0) and not (key == "top_logprobs" and params[key] == 0):
                raise InvalidRequest(f"Unsupported parameter: '{key}' is not supported with this model.",
                                     param=key, code="unsupported_parameter")
    elif (params.get("reasoning") or {}).get("effort") is not None:
        raise InvalidRequest("Unsupported parameter: 'reasoning.effort' is not supported with this model.",
                             param="reasoning.effort", code="unsupported_parameter")


def model_context(model: CatalogModel, ctx: context.Context, params: dict) -> ModelContext:
    return ModelContext(model=model.snapshot, reasoning=model.reasoning, encoding=model.encoding,
                        instructions=ctx.instructions, messages=context.messages(ctx),
                        items=tuple(ctx.items), request=params,
                        default_effort=model.default_effort)


CONTEXT_EXCEEDED = "Your input exceeds the context window of this model. Please adjust your input and try again."


def fit_context_window(model: CatalogModel, ctx: context.Context, mctx: ModelContext,
                       params: dict) -> tuple[ModelContext, int]:
    """The context as the model sees it, and its input tokens: whole if it fits the model's window;
    with `truncation: "auto"`, without its oldest items until it does (the last one always stays:
    the input, the conversation and the stored items are not changed); otherwise the real API's 400."""
    count = lambda c, said=None: context.count_input_tokens(  # noqa: E731
        c, model.encoding, model.snapshot, params.get("tools"), said)
    counted = count(ctx, mctx.messages)
    if counted <= model.context_window:
        return mctx, counted
    if params.get("truncation") != "auto":
        raise InvalidRequest(CONTEXT_EXCEEDED, param="input", code="context_length_exceeded")
    prior, new = list(ctx.prior), list(ctx.new)
    while len(prior) + len(new) > 1:
        if prior:
            prior.pop(0)
        else:
            new.pop(0)
        kept = replace(ctx, prior=prior, new=new)
        counted = count(kept)
        if counted <= model.context_window:
            return model_context(model, kept, params), counted
    raise InvalidRequest(CONTEXT_EXCEEDED, param="input", code="context_length_exceeded")


def cached_prefix(tenant: str, model: CatalogModel, params: dict, mctx: ModelContext) -> int:
    """The prompt's leading tokens a recent prompt of the same key, model and cache key shares."""
    if sum(len(m.text) for m in mctx.messages) + len(mctx.instructions or "") < prompt_cache.MIN_TOKENS - 64:
        return 0  # too short to reach 1,024 tokens: not worth tokenising
    ids = prompt_cache.prompt_ids(mctx.messages, mctx.instructions, model.encoding)
    return prompt_cache.cached_tokens((tenant, model.snapshot, params.get("prompt_cache_key")), ids,
                                      params.get("prompt_cache_retention"))


def lifecycle_for(model: CatalogModel, ctx: context.Context, params: dict, response: dict, *,
                  script: dict | None = None, mctx: ModelContext | None = None,
                  input_tokens: int | None = None, generate: bool = True, **kw) -> Lifecycle:
    """The one way every mode builds its lifecycle (a fixture's script replaces the model; a
    warm-up, `generate` false, has none). `mctx`: the model context, if the caller built it already."""
    backend = (registry.get("silent") if not generate else
               ScriptedBackend(script) if script is not None else registry.get(model.backend))
    mctx = mctx or model_context(model, ctx, params)
    if input_tokens is None:  # the caller who fitted the context window has counted them already
        input_tokens = context.count_input_tokens(ctx, model.encoding, model.snapshot, params.get("tools"),
                                                  mctx.messages, list(mctx.items))
    return Lifecycle(response, mctx, backend, input_tokens=input_tokens,
                     output_limit=output_limit(params, model.max_output_tokens), **kw)


def dumps(obj: object) -> str:
    return orjson.dumps(obj).decode()


async def append_turn(conn, tenant: str, conversation_id: str | None, *, input: list[dict] = (),
                      output: list[dict] = ()) -> None:
    """A conversation gets a turn's input when the response is recorded and its output when it
    ends (a conversation deleted meanwhile is no reason to fail the response)."""
    if conversation_id:
        items = [objects.conversation_item(i) for i in input] + list(output)
        await conversations.append(conn, tenant, conversation_id, items, missing_ok=not input)


class ResponsesService:
    def __init__(self, engine: AsyncEngine, settings: Settings, notifier: Notifier, fixtures: FixturesService,
                 wake_workers: Callable[[], None] = lambda: None, *, worker_id: str = "",
                 stopping: asyncio.Event | None = None) -> None:
        self.engine = engine
        self.fixtures = fixtures
        self.settings = settings
        self.notifier = notifier
        self.wake_workers = wake_workers
        self.worker_id = worker_id  # a streamed run's row names its owner (services/stream_runs.py)
        self.runs = StreamRuns(engine, notifier, stopping)

    # -- create ------------------------------------------------------------------------------

    async def create(self, tenant: str, params: dict, headers: Mapping[str, str], *,
                     local: Mapping[str, list[dict]] | None = None,
                     watch: Callable[[Lifecycle], None] | None = None, generate: bool = True):
        """A final response (sync), the queued response (background), or an event iterator (stream).
        A WebSocket adds its connection-local chain (`local`: response id → context items), a
        `watch` that gets the streamed run's lifecycle (to steer it), and warm-ups (`generate`)."""
        model = catalog.resolve(params["model"])
        check_model_params(model, params)
        background, stream = bool(params.get("background")), bool(params.get("stream"))
        if background and params.get("store") is False:
            raise InvalidRequest("Background responses must be stored: 'store' cannot be false with "
                                 "'background' true.", param="store", code="invalid_value")
        pace = pacing.resolve(self.settings, model.pace, headers, background, model.timing)
        ctx = await context.build(self.engine, tenant, params, local)
        await _breathe(ctx)
        mctx = model_context(model, ctx, params)  # built once: its messages serve every step below
        texts = [m.text for m in mctx.messages] + [ctx.instructions or ""]
        await _breathe(ctx)
        heavy = await _warm(texts, model.encoding)
        if request_checks.compiles_patterns(params):  # compiling a schema's patterns: in a thread
            await anyio.to_thread.run_sync(request_checks.check, params, texts)
        else:
            request_checks.check(params, texts)
        mctx, input_tokens = fit_context_window(model, ctx, mctx, params)  # the model's view; ctx stays whole
        await _breathe(ctx)
        if heavy:  # tokenising megabytes for the cache's prefix: in a thread too
            cached = await anyio.to_thread.run_sync(cached_prefix, tenant, model, params, mctx)
        else:
            cached = cached_prefix(tenant, model, params, mctx)
        # A warm-up (`generate: false`) answers nothing: no rule matches it or spends its `times`.
        script, pace = await self._apply_fixture(tenant, params, mctx, ctx, pace) if generate else (None, pace)
        response = objects.response(id=ids.response_id(), created_at=int(time.time()), params=params,
                                    model=model, status="queued" if background else "in_progress",
                                    background=background)
        if ctx.prompt is not None:
            response["prompt"] = ctx.prompt
            response["instructions"] = ctx.instructions
        if background:
            await self._enqueue(tenant, params, pace, response, ctx, script, cached)
            return response
        lifecycle = lifecycle_for(model, ctx, params, response, pace=pace, script=script, mctx=mctx,
                                  input_tokens=input_tokens, cached_tokens=cached, generate=generate)
        if watch is not None:
            watch(lifecycle)
        if stream:
            return await self._start_stream(tenant, params, pace, lifecycle, ctx)
        final = await lifecycle.run()
        if ctx.conversation_id:
            async with db.begin(self.engine) as conn:
                if final["store"]:
                    await self._insert(conn, tenant, params, pace, final, ctx)
                await append_turn(conn, tenant, ctx.conversation_id, input=ctx.new, output=final["output"])
        elif final["store"]:  # the commonest write of all: straight to the driver
            async with db.direct(self.engine).transaction() as tx:
                await self._insert(tx, tenant, params, pace, final, ctx)
        return final

    async def _apply_fixture(self, tenant: str, params: dict, mctx: ModelContext, ctx: context.Context,
                             pace: Pace) -> tuple[dict | None, Pace]:
        """The fixture rule answering this request, if any: its faults act here; its scripted
        output (returned) replaces the model's; its pace overrides."""
        note = journal.current.get()
        rules = note.rules if note is not None and note.rules is not None else await self.fixtures.candidates(tenant)
        if not rules:
            return None, pace
        found = await self.fixtures.for_create(rules, fixtures.facts(params, mctx, ctx.conversation_id))
        if found is None:
            return None, pace
        journal.note_fixture(found.id)
        r = found.rule.respond
        await faults.enact(r, params["model"])
        if r.fault == "stream_cut" and not params.get("stream"):
            raise Disconnect  # nothing to cut: the reply drops instead
        if r.fault == "stream_cut" and note is not None:
            note.extra["cut_after"] = r.cut_after
        if r.pace is not None:
            pace = replace(pace, **{k: v for k, v in r.pace.model_dump().items() if v is not None})
        return (r.model_dump(by_alias=True, exclude_none=True) if r.scripts_output else None), pace

    async def _insert(self, conn, tenant: str, params: dict, pace: Pace, body: dict, ctx: context.Context,
                      script: dict | None = None, cached: int = 0, owned: bool = False) -> None:
        """The response row and all its input items (the caller's transaction: SQLAlchemy or direct).
        `owned`: a run of this process's, which heartbeats it (a sweeper fails it if we stop)."""
        await response_store.insert(conn, {
            "id": body["id"], "tenant": tenant, "created_at": body["created_at"],
            "status": body["status"], "model": body["model"], "background": body["background"],
            "previous_response_id": body["previous_response_id"],
            "request": dumps({"params": params, "pace": pace.as_dict(), "script": script, "cached_tokens": cached}),
            "body": dumps(body),
            "worker": self.worker_id[:64] if owned else None, "heartbeat_at": time.time() if owned else None,
        })
        await RESPONSE_ITEMS.add(conn, body["id"], [(item.get("id", ""), dumps(item)) for item in ctx.items])
        if body["status"] in TERMINAL:  # a sync response is stored finished: its outputs too
            await item_refs.add_outputs(conn, body["id"], response_store.output_rows(body["output"]))

    async def _enqueue(self, tenant: str, params: dict, pace: Pace, response: dict, ctx: context.Context,
                       script: dict | None, cached: int = 0) -> None:
        """Row, items, the created/queued events and the job: all or nothing."""
        numbers = EventNumberer()
        first = [numbers.make(t, response=response) for t in ("response.created", "response.queued")]
        async with db.begin(self.engine) as conn:
            await self._insert(conn, tenant, params, pace, response, ctx, script, cached)
            await event_store.append(conn, response["id"], [(e["sequence_number"], e["type"], dumps(e)) for e in first])
            await job_store.enqueue(conn, response["id"], time.time() + pace.queue_delay, tenant)
            await append_turn(conn, tenant, ctx.conversation_id, input=ctx.new)
        self.wake_workers()

    async def _start_stream(self, tenant: str, params: dict, pace: Pace, lifecycle: Lifecycle,
                            ctx: context.Context) -> AsyncIterator[LiveEvent]:
        response = lifecycle.response
        store = response["store"]
        if store or ctx.conversation_id:
            async with db.begin(self.engine) as conn:
                if store:
                    await self._insert(conn, tenant, params, pace, response, ctx, owned=True)
                await append_turn(conn, tenant, ctx.conversation_id, input=ctx.new)
        return self.runs.start(lifecycle, tenant, ctx.conversation_id)

    async def close(self, timeout: float) -> None:
        """Shutdown: end the detached stream runs (failed, if they have not finished) within `timeout`."""
        await self.runs.close(timeout)

    # -- read / delete -----------------------------------------------------------------------

    async def retrieve(self, tenant: str, response_id: str) -> str:
        body = await response_store.get_body(db.direct(self.engine), tenant, response_id)
        if body is None:
            raise not_found(response_id)
        return body

    async def delete(self, tenant: str, response_id: str) -> dict:
        async with db.begin(self.engine) as conn:
            if not await response_store.remove(conn, tenant, response_id):
                raise not_found(response_id)
        return objects.deleted(response_id, "response")

    async def input_items(self, tenant: str, response_id: str, *, limit: int, order: str,
                          after: str | None) -> bytes:
        store = db.direct(self.engine)
        if not await response_store.exists(store, tenant, response_id):
            raise not_found(response_id)
        return await item_page(store, RESPONSE_ITEMS, response_id, limit=limit, order=order, after=after,
                               owner="response")

    async def count_input_tokens(self, tenant: str, params: dict) -> dict:
        encoding, snapshot = "o200k_base", ""
        if params.get("model"):
            model = catalog.resolve(params["model"])
            encoding, snapshot = model.encoding, model.snapshot
        ctx = await context.build(self.engine, tenant, params)
        await _warm([m.text for m in context.messages(ctx)] + [ctx.instructions or ""], encoding)
        return objects.input_tokens(context.count_input_tokens(ctx, encoding, snapshot, params.get("tools")))


async def _breathe(ctx: context.Context) -> None:
    """Between the steps of a create that walk every item: with thousands of them (up to the
    16,384 `input` allows, plus a chain's), let the loop serve other requests in between."""
    if len(ctx.new) + len(ctx.prior) > 1024:
        await asyncio.sleep(0)


async def _warm(texts: list[str], encoding: str) -> bool:
    """Count megabytes of input in a thread (the loop stays free; later counts are cache hits);
    whether they were that heavy."""
    if not tokens.heavy(texts):
        return False
    await anyio.to_thread.run_sync(tokens.warm, texts, encoding)
    return True

