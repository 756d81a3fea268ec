"""The first stage of a create: everything decided before a token is generated, computed once —
the model and its limits, the context and the model's view of it (fitted to the context window),
token counts, the prompt cache, the pace, the fixture rule's script and fault plan, the initial
response object, and the mode. A `Prepared` is what every driver runs (services/responses.py);
a background one is stored as a `StoredRequest` (wire/stored.py) that the worker rehydrates here
without counting again.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

import anyio

from responses_mock import ids
from responses_mock.backends import registry
from responses_mock.backends.base import ModelContext, Passage
from responses_mock.backends.scripted import ScriptedBackend
from responses_mock.config import Settings
from responses_mock.errors import InvalidRequest, NotFound
from responses_mock.services import (
    attachments,
    catalog,
    context,
    faults,
    files,
    fixtures,
    pacing,
    prompt_cache,
    request_checks,
    search,
    tokens,
)
from responses_mock.services.catalog import CatalogModel
from responses_mock.services.conversations import conversation_id_of
from responses_mock.services.faults import FaultPlan
from responses_mock.services.fixtures import FixturesService, strict_miss
from responses_mock.services.lifecycle import EventSink, Lifecycle, output_limit
from responses_mock.services.pacing import Pace
from responses_mock.store.handle import Store
from responses_mock.wire import objects
from responses_mock.wire.stored import StoredRequest

# Parameters reasoning models refuse, as the real API refuses them (unless left at the default).
_SAMPLING = ("temperature", "top_p", "top_logprobs")
CONTEXT_EXCEEDED = "Your input exceeds the context window of this model. Please adjust your input and try again."


class Mode(enum.Enum):
    """Which driver runs a response (the route picks it from here, nowhere else)."""

    SYNC = "sync"  # this request runs it; the reply is the final response
    STREAM = "stream"  # a detached run; the reply is its live events
    BACKGROUND = "background"  # a worker runs it; the reply is the queued response (or its log)


@dataclass(frozen=True)
class Prepared:
    tenant: str
    params: dict  # the validated create parameters
    mode: Mode
    model: CatalogModel
    context: context.Context  # whole: what is stored as the response's input items
    view: ModelContext  # what the model sees: the context fitted to its window
    input_tokens: int  # of `view`
    cached_tokens: int  # of them, served from the prompt cache
    pace: Pace
    response: dict  # the initial response object (the run fills it in)
    script: dict | None = None  # a fixture rule's scripted output, replacing the model's
    faults: FaultPlan = faults.NONE  # what the answering rule does to the reply (the route enacts it)
    fixture_id: str | None = None  # the rule that answered, for the journal
    generate: bool = True  # False: a WebSocket warm-up, answered by no model at all

    @property
    def streamed(self) -> bool:
        """The reply is a stream (a stream's live events, or a background run's log followed)."""
        return bool(self.params.get("stream"))

    @property
    def conversation_id(self) -> str | None:
        return self.context.conversation_id

    def stored(self) -> StoredRequest:
        """What the response's `request` column keeps: enough to run it again without deciding."""
        instructions = self.view.instructions
        return StoredRequest(
            params=self.params, pace=self.pace.as_dict(), script=self.script, cached_tokens=self.cached_tokens,
            input_tokens=self.input_tokens, dropped=len(self.context.items) - len(self.view.items),
            instructions=instructions if instructions != self.params.get("instructions") else None)


async def prepare(tenant: str, params: dict, headers: Mapping[str, str], *, store: Store,
                  settings: Settings, fixtures: FixturesService, local: Mapping[str, list[dict]] | None = None,
                  generate: bool = True) -> Prepared:
    """Decide everything about a create before it runs; raises the real API's 4xx for what it
    refuses. A WebSocket adds its connection-local chain (`local`: response id → context items)
    and warm-ups (`generate` false: no model, and no fixture rule matches it or spends its `times`).
    Work in proportion to the caller's input runs off the loop when it is large."""
    model = catalog.find(params["model"]) or await _recorded_model(fixtures, tenant, params, generate)
    if not model.stand_in:
        check_model_params(model, params)
    background, stream = bool(params.get("background")), bool(params.get("stream"))
    if background and params.get("store") is False:
        raise InvalidRequest("Background responses must be stored: 'store' cannot be false with "
                             "'background' true.", param="store", code="invalid_value")
    pace = pacing.resolve(settings, model.pace, headers, background, model.timing)
    ctx = await context.build(store, tenant, params, local)
    await _breathe(ctx)
    view = model_context(model, ctx, params)  # built once: its messages serve every step below
    texts = [m.text for m in view.messages] + [ctx.instructions or ""]
    await _breathe(ctx)
    heavy = await warm(texts, model.encoding)
    if request_checks.compiles_patterns(params):  # compiling a schema's patterns: in a thread
        await anyio.to_thread.run_sync(request_checks.check, params, texts)
    else:
        request_checks.check(params, texts)
    if len(ctx.items) > FIT_IN_THREAD:  # recounting thousands of items: off the loop
        view, input_tokens = await anyio.to_thread.run_sync(fit_context_window, model, ctx, view, params)
    else:
        view, input_tokens = fit_context_window(model, ctx, view, params)  # the model's view; ctx stays whole
    await _breathe(ctx)
    view = await _with_file_search(store, tenant, params, view)
    if heavy:  # tokenising megabytes for the cache's prefix: in a thread too
        cached = await anyio.to_thread.run_sync(cached_prefix, tenant, model, params, view)
    else:
        cached = cached_prefix(tenant, model, params, view)
    found = await _answering_rule(fixtures, tenant, params, view, ctx, heavy) if generate else None
    if found is None and generate and settings.strict and not settings.upstream:  # a replay must not drift
        raise await anyio.to_thread.run_sync(strict_miss, params) if heavy else strict_miss(params)
    script, plan = None, faults.NONE
    if found is not None:
        r = found.rule.respond
        plan = faults.plan(r, params["model"], streamed=stream)
        if r.pace is not None:
            pace = replace(pace, **{k: v for k, v in r.pace.model_dump().items() if v is not None})
        script = r.model_dump(by_alias=True, exclude_none=True) if r.scripts_output else None
    response = objects.response(id=ids.response_id(), created_at=int(time.time()), params=params,
                                model=model, status="queued" if background else "in_progress",
                                background=background)
    if ctx.prompt is not None:
        response["prompt"] = ctx.prompt
        response["instructions"] = ctx.instructions
    mode = Mode.BACKGROUND if background else Mode.STREAM if stream else Mode.SYNC
    return Prepared(tenant=tenant, params=params, mode=mode, model=model, context=ctx, view=view,
                    input_tokens=input_tokens, cached_tokens=cached, pace=pace, response=response, script=script,
                    faults=plan, fixture_id=found.id if found is not None else None, generate=generate)


async def _answering_rule(service: FixturesService, tenant: str, params: dict, view: ModelContext,
                          ctx: context.Context, heavy: bool) -> fixtures.Loaded | None:
    """The fixture rule answering this create, if any (its `call`/`times` counted here; a heavy
    input normalised for the recorded rules' digest in a thread)."""
    rules = await service.candidates(tenant)  # cached per process (over HTTP the middleware asked already)
    if not rules:
        return None
    return await service.for_create(rules, fixtures.facts(params, view, ctx.conversation_id), heavy=heavy)


async def _recorded_model(service: FixturesService, tenant: str, params: dict, generate: bool) -> CatalogModel:
    """A model the catalog lacks is served when a recording answers this very request (its
    upstream knew the model); otherwise it is the real API's 400 (which an upstream is sent)."""
    if generate and await service.has_recording(tenant, params):
        return catalog.stand_in(params["model"])
    return catalog.resolve(params["model"])


def rehydrate(tenant: str, stored: StoredRequest, response: dict, items: list[dict]) -> Prepared:
    """A background response as its create prepared it, from its row (`response`: its body) and
    stored input items. A row of an older release, without the fit, is fitted here again."""
    params = stored.params
    model = catalog.find(params["model"]) or catalog.stand_in(params["model"])  # accepted at create
    ctx = stored_context(stored, items)
    if stored.fitted:
        view = model_context(model, replace(ctx, new=ctx.new[stored.dropped:]), params)
        input_tokens = stored.input_tokens
    else:
        view, input_tokens = fit_context_window(model, ctx, model_context(model, ctx, params), params)
    return Prepared(tenant=tenant, params=params, mode=Mode.BACKGROUND, model=model, context=ctx, view=view,
                    input_tokens=input_tokens, cached_tokens=stored.cached_tokens, pace=Pace(**stored.pace),
                    response=response, script=stored.script)


def stored_context(stored: StoredRequest, items: list[dict]) -> context.Context:
    """A stored response's context: its input items as stored (chains were resolved at create)."""
    params = stored.params
    instructions = stored.instructions if stored.instructions is not None else params.get("instructions")
    return context.Context(prior=[], new=items, instructions=instructions,
                           conversation_id=conversation_id_of(params.get("conversation")))


def lifecycle_for(p: Prepared, *, sink: EventSink | None = None, cancel: asyncio.Event | None = None,
                  first_seq: int = 0) -> Lifecycle:
    """The one way every driver builds its run: a fixture's script replaces the model; a warm-up
    has none. `sink`: who watches its events (a recorder), if anybody."""
    backend = (registry.get("silent") if not p.generate else
               ScriptedBackend(p.script) if p.script is not None else registry.get(p.model.backend))
    return Lifecycle(p.response, p.view, backend, input_tokens=p.input_tokens,
                     output_limit=output_limit(p.params, p.model.max_output_tokens), sink=sink, pace=p.pace,
                     cancel=cancel, first_seq=first_seq, cached_tokens=p.cached_tokens)


# -- the checks and counts above -----------------------------------------------------------------

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
                        default_effort=model.default_effort, documents=documents_of(ctx))


def documents_of(ctx: context.Context) -> tuple[Passage, ...]:
    """The input's files the model can read, in order (each once), as ModelContext.documents."""
    out, seen = [], set()
    for _, part in attachments.file_parts(ctx.items):
        key = attachments.document_key(part)
        doc = ctx.documents.get(key) if key is not None else None
        if doc is None or not doc.text or key in seen:
            continue
        seen.add(key)
        out.append(Passage(text=doc.text, file_id=part.get("file_id"),
                           filename=part.get("filename") or doc.filename))
    return tuple(out)


async def reread(store: Store, p: Prepared) -> Prepared:
    """A background run's files, read again before it runs: its row keeps neither the input's
    documents nor the file_search results its create's view had. Files or stores gone since are
    left out, as an earlier turn's are. (For services/background.py, after rehydrate.)"""
    docs = await files.read_documents(store, p.tenant, [], p.context.items, p.model.encoding)
    ctx = replace(p.context, documents=docs)
    view = replace(p.view, documents=documents_of(replace(ctx, prior=[], new=list(p.view.items))))
    try:
        view = await _with_file_search(store, p.tenant, p.params, view)
    except (NotFound, InvalidRequest):  # a store deleted, or expired, since the create
        pass
    return replace(p, context=ctx, view=view)


async def _with_file_search(store: Store, tenant: str, params: dict, view: ModelContext) -> ModelContext:
    """A `file_search` tool's results for this turn's question, searched before the model runs
    (backends never reach the store); the first such tool is the one the model would call."""
    for index, tool in enumerate(params.get("tools") or []):
        if isinstance(tool, dict) and tool.get("type") == "file_search":
            found = await search.for_tool(store, tenant, tool, view.last_user_text, index)
            return replace(view, file_search_results=found)
    return view


FIT_IN_THREAD = 1024  # context items past which the window fit runs in a thread


def fit_context_window(model: CatalogModel, ctx: context.Context, view: ModelContext,
                       params: dict) -> tuple[ModelContext, int]:
    """The context as the model sees it, and its input tokens: whole if it fits the model's window;
    with `truncation: "auto"`, without its oldest items until it does (the last one always stays:
    the input, the conversation and the stored items are not changed); otherwise the real API's 400."""
    count = lambda c, said=None: context.count_input_tokens(
        c, model.encoding, model.snapshot, params.get("tools"), said)
    counted = count(ctx, view.messages)
    if counted <= model.context_window:
        return view, counted
    if params.get("truncation") != "auto":
        raise InvalidRequest(CONTEXT_EXCEEDED, param="input", code="context_length_exceeded")
    # The fewest oldest items to drop (the count falls as items go): a binary search, so a long
    # chain costs log2(n) recounts rather than one per dropped item.
    items = list(ctx.prior) + list(ctx.new)

    def without(k: int) -> context.Context:
        kept = items[k:]
        cut = max(len(ctx.prior) - k, 0)
        return replace(ctx, prior=kept[:cut], new=kept[cut:])

    low, high, best = 1, len(items) - 1, None  # the last item always stays
    while low <= high:
        k = (low + high) // 2
        counted = count(without(k))
        if counted <= model.context_window:
            best, high = (k, counted), k - 1
        else:
            low = k + 1
    if best is None:
        raise InvalidRequest(CONTEXT_EXCEEDED, param="input", code="context_length_exceeded")
    kept = without(best[0])
    return model_context(model, kept, params), best[1]


def cached_prefix(tenant: str, model: CatalogModel, params: dict, view: ModelContext) -> int:
    """The prompt's leading tokens a recent prompt of the same key, model and cache key shares."""
    if sum(len(m.text) for m in view.messages) + len(view.instructions or "") < prompt_cache.MIN_TOKENS - 64:
        return 0  # too short to reach 1,024 tokens: not worth tokenising
    prompt = prompt_cache.prompt_ids(view.messages, view.instructions, model.encoding)
    return prompt_cache.cached_tokens((tenant, model.snapshot, params.get("prompt_cache_key")), prompt,
                                      params.get("prompt_cache_retention"))


async def _breathe(ctx: context.Context) -> None:
    """Between the steps of a create that walk every item: with thousands of them (up to the
    16,384 `input` allows, plus a chain's), let the loop serve other requests in between."""
    if len(ctx.new) + len(ctx.prior) > 1024:
        await asyncio.sleep(0)


async def warm(texts: list[str], encoding: str) -> bool:
    """Count megabytes of input in a thread (the loop stays free; later counts are cache hits);
    whether they were that heavy."""
    if not tokens.heavy(texts):
        return False
    await anyio.to_thread.run_sync(tokens.warm, texts, encoding)
    return True

