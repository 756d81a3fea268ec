"""A request's model context: the chained previous response, the new input, and the messages
the fake model (and the token counter) sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

import orjson

from responses_mock.backends import shells
from responses_mock.backends.base import Message, offered_tools
from responses_mock.errors import InvalidRequest, NotFound
from responses_mock.services import attachments, catalog, conversations, files, prompts, tokens
from responses_mock.store import item_refs
from responses_mock.store import responses as response_store
from responses_mock.store.handle import Store
from responses_mock.store.items import RESPONSE_ITEMS
from responses_mock.wire import compaction, encrypted, objects

# Placeholder text the counter uses for an image or file part; real costs depend on the pixels.
_PART_TEXT = {"input_text": "text", "output_text": "text", "refusal": "refusal", "summary_text": "text"}


@dataclass
class Context:
    prior: list[dict]  # context items: the previous response's inputs and output, or the conversation's items
    new: list[dict]  # this request's input, normalised to stored item shapes
    instructions: str | None
    conversation_id: str | None = None  # this turn's input and output are appended there
    prompt: dict | None = None  # the template the request named, as the response echoes it
    # The input's files as the model reads them (services/files.py read_documents), by attachments.document_key.
    documents: dict[str, attachments.Document] = field(default_factory=dict)

    @property
    def items(self) -> list[dict]:
        return self.prior + self.new


def normalise_input(value: str | list | None) -> list[dict]:
    if value is None:
        return []
    if isinstance(value, str):
        return [objects.string_input(value)]
    return [objects.input_item(item) for item in value]


_STEP = 256  # input items normalised between two turns of the loop (~1 ms)


async def _normalised(value: str | list | None) -> list[dict]:
    """normalise_input in bounded steps: thousands of items (16,384 are allowed) would hold the
    loop for tens of milliseconds at once."""
    if not isinstance(value, list) or len(value) <= _STEP:
        return normalise_input(value)
    out: list[dict] = []
    for start in range(0, len(value), _STEP):
        out += normalise_input(value[start:start + _STEP])
        await asyncio.sleep(0)
    return out


def message_text(item: dict) -> tuple[str, str] | None:
    """The (role, text) a message-like item contributes to the prompt; None for what is not."""
    kind = item.get("type", "message")
    if kind == "message":
        content = item.get("content")
        if isinstance(content, str):
            text = content
        else:
            text = "".join(str(part.get(_PART_TEXT.get(part.get("type"), ""), "") or "")
                           for part in content or [])
        return item.get("role", "user"), text
    if kind == "function_call":
        return "assistant", f"{item.get('name', '')}{item.get('arguments', '')}"
    if kind in ("function_call_output", "custom_tool_call_output", "computer_call_output",
                "local_shell_call_output"):
        output = item.get("output")
        return "tool", output if isinstance(output, str) else orjson.dumps(output).decode()
    if kind == "shell_call_output":  # the built-in shell's: what each command printed
        return "tool", shells.output_text(item.get("output") or [])
    if kind == "custom_tool_call":
        return "assistant", f"{item.get('name', '')}{item.get('input', '')}"
    if kind == "compaction":
        return "assistant", compaction.summary_of(item.get("encrypted_content") or "")
    return None  # reasoning and hosted-tool items do not re-enter the prompt as text


def messages(ctx: Context) -> tuple[Message, ...]:
    out = [Message(role, text) for role, text in filter(None, map(message_text, ctx.items))]
    return tuple(out)


def count_input_tokens(ctx: Context, encoding: str, model: str = "", tools: list | None = None,
                       said: tuple[Message, ...] | None = None, items: list[dict] | None = None) -> int:
    """The prompt's tokens: its messages (`said`, if the caller has them already, or the model's
    view of them), and what its images, files and function tools add (services/attachments.py)."""
    said = messages(ctx) if said is None else said
    items = ctx.items if items is None else items
    return (count_message_tokens(said, ctx.instructions, encoding)
            + attachments.items_tokens(items, model, encoding, ctx.documents)
            + attachments.tools_tokens(gathered_tools(tools, items), encoding))


def gathered_tools(tools: list | None, items: list[dict]) -> list[dict]:
    """Every tool the prompt carries: `tools`, those of additional_tools items, and the tools
    grouped in namespace tools of either (each counts as the model sees it)."""
    out, todo = [], list(offered_tools(tools, items))
    while todo:
        tool = todo.pop(0)
        if tool.get("type") == "namespace":
            todo[:0] = [t for t in tool.get("tools") or [] if isinstance(t, dict)]
        else:
            out.append(tool)
    return out


def count_message_tokens(said: tuple[Message, ...], instructions: str | None, encoding: str) -> int:
    """2 + Σ(4 + tokens) over the messages, instructions counting as one more message."""
    texts = [m.text for m in said]
    if instructions:
        texts.insert(0, instructions)
    return tokens.count_messages(texts, encoding)


async def build(store: Store, tenant: str, params: dict, local: Mapping[str, list[dict]] | None = None) -> Context:
    """The request's context; the store is read only for a conversation or a previous response.
    `local`: a WebSocket's connection-local chain (its latest response's context items, stored or
    not), which the real API continues from without reading its store."""
    prior: list[dict] = []
    previous = params.get("previous_response_id")
    conversation_id = conversations.conversation_id_of(params.get("conversation"))
    if previous and conversation_id:
        raise InvalidRequest("Mutually exclusive parameters: Ensure you are only providing one of: "
                             "'previous_response_id' or 'conversation'.", param="conversation",
                             code="mutually_exclusive_parameters")
    reads = store.direct  # every turn of a chained conversation reads these: driver SQL
    if conversation_id:
        prior = await conversations.items_of(reads, tenant, conversation_id)
    elif previous and local and previous in local:
        prior = list(local[previous])
    elif previous:
        body = await response_store.get_body(reads, tenant, previous)
        if body is None:
            raise InvalidRequest(f"Previous response with id '{previous}' not found.",
                                 param="previous_response_id", code="previous_response_not_found")
        prior = [orjson.loads(d) for d in await RESPONSE_ITEMS.all_data(reads, previous)]
        prior += orjson.loads(body)["output"]
    new = await _resolve_references(reads, tenant, await _normalised(params.get("input")))
    instructions, echo = params.get("instructions"), None
    if params.get("prompt"):  # a template: its messages come first; the request's instructions win
        rendered, messages, echo = await prompts.render(store, tenant, params["prompt"])
        instructions = instructions if instructions is not None else rendered
        new = normalise_input(messages) + new
    ctx = Context(prior=prior, new=new, instructions=instructions, conversation_id=conversation_id, prompt=echo,
                  documents=await files.read_documents(store, tenant, new, prior, _encoding_of(params)))
    _check_tool_outputs(ctx)
    _check_reasoning(ctx)
    attachments.items_tokens(ctx.new, "", "o200k_base", ctx.documents)  # a broken data URL is a 400 now, not later
    return ctx


def _encoding_of(params: dict) -> str:
    model = catalog.find(str(params.get("model") or ""))
    return model.encoding if model is not None else "o200k_base"


def _check_reasoning(ctx: Context) -> None:
    """Reasoning handed back with `encrypted_content` must be a blob we sealed."""
    for item in ctx.new:
        if (item.get("type") == "reasoning" and item.get("encrypted_content") is not None
                and encrypted.unseal(item["encrypted_content"]) is None):
            raise InvalidRequest(f"The encrypted content for item {item.get('id')} could not be verified.",
                                 param="input", code="invalid_encrypted_content")


def _not_found(item_id: str) -> NotFound:
    return NotFound(f"Item with id '{item_id}' not found. Items are not persisted when `store` is set to false. "
                    "Try again with `store` set to true, or remove this item from your input.", param="input")


async def _resolve_references(reads, tenant: str, items: list[dict]) -> list[dict]:
    """`item_reference` inputs (the Vercel AI SDK's way of sending history), and reasoning items
    sent back by id alone, become the stored items they name; an id nobody stored is a 404."""
    resolved = []
    for item in items:
        by_id = item.get("type") == "item_reference" or (
            item.get("type") == "reasoning" and item.get("encrypted_content") is None)
        if not by_id:
            resolved.append(item)
            continue
        found = await item_refs.find(reads, tenant, item["id"])
        if found is None:
            raise _not_found(item["id"])
        resolved.append(orjson.loads(found))
    return resolved


_CALLS = {"function_call_output": "function_call", "custom_tool_call_output": "custom_tool_call"}


def _check_tool_outputs(ctx: Context) -> None:
    """Every tool output that names a call answers one the context holds (this input, the previous
    response, the conversation), as the real API insists; one without `call_id` pairs with no call
    (normalise.EXTRAS)."""
    calls = {(item.get("type"), item.get("call_id")) for item in ctx.items}
    for item in ctx.new:
        call = _CALLS.get(item.get("type"))
        if call is not None and "call_id" in item and (call, item["call_id"]) not in calls:
            kind = "function call" if call == "function_call" else "custom tool call"
            raise InvalidRequest(f"No tool call found for {kind} output with call_id {item.get('call_id')}.",
                                 param="input", code=None)
