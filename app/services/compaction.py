"""POST /v1/responses/compact: fold a context into its user messages plus one compaction item.

As the real endpoint: the output lists every user message of the context (input, previous
response, or earlier compactions' users), then a single `compaction` item whose opaque content
stands for everything else. Ours is a deterministic summary — the first sentence of each
non-user message — that a later request reads back as context (wire/compaction.py).
"""

from __future__ import annotations

import re
import time

from responses_mock import ids
from responses_mock.services import catalog, context, tokens
from responses_mock.store.handle import Store
from responses_mock.wire import compaction, objects

_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)", re.S)


def _gist(text: str) -> str:
    m = _FIRST_SENTENCE.match(text.strip())
    return (m.group(1) if m else text.strip())[:400]


def summarise(ctx: context.Context) -> str:
    lines = []
    if ctx.instructions:
        lines.append(f"instructions: {_gist(ctx.instructions)}")
    for item in ctx.items:
        said = context.message_text(item)
        if said and said[0] != "user" and said[1].strip():
            lines.append(f"{said[0]}: {_gist(said[1])}")
    return "Summary of the earlier conversation:\n" + "\n".join(lines)


def _is_user_message(item: dict) -> bool:
    return item.get("type", "message") == "message" and item.get("role") == "user"


async def compact(store: Store, tenant: str, params: dict) -> dict:
    model = catalog.resolve(params["model"])
    ctx = await context.build(store, tenant, params)
    users = [objects.conversation_item(item) for item in ctx.items if _is_user_message(item)]
    summary = summarise(ctx)
    item = {"id": ids.item_id("compaction"), "type": "compaction", "encrypted_content": compaction.encode(summary)}
    usage = objects.usage(context.count_input_tokens(ctx, model.encoding, model.snapshot), tokens.count(summary, model.encoding), 0)
    return objects.compacted(ids.response_id(), int(time.time()), users + [item], usage)
