"""THE response lifecycle: drive a backend, build output items, enforce limits, finalise.

Every mode runs this one code path; they differ only in who drives it and who watches. A watcher
is an `EventSink`: it receives each stream event as it happens and must serialise it at once
(events may reference the live response object), or a `TextSink`, which takes each event's JSON
text, made once (a token's without a dict). With no sink, no events are built at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable
from typing import Protocol

from responses_mock import ids
from responses_mock.backends.base import (
    Backend,
    HostedCall,
    Incomplete,
    ModelContext,
    ModelFailure,
    Refusal,
    SummaryDelta,
    TextDelta,
    Thinking,
    ToolCall,
    UsageOverride,
)
from responses_mock.services import tokens
from responses_mock.services.endings import SERVER_ERROR, close_open
from responses_mock.services.pacing import Pace
from responses_mock.services.waiting import wait_for
from responses_mock.store.health import is_fault
from responses_mock.wire import encrypted, objects
from responses_mock.wire.events import CANCELLED, EventNumberer
from responses_mock.wire.stored import dumps


class _Cancelled(Exception):
    """Raised at a checkpoint once a cancel was requested."""


class _Aborted(Exception):
    """Raised at a checkpoint once the run was told to stop (shutdown): it fails with `message`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

class EventSink(Protocol):
    def __call__(self, event: dict) -> Awaitable[None]: ...


class TextSink(EventSink, Protocol):
    """A sink that also takes an event as (sequence_number, type, JSON text): `put` says whether
    `drain()` is due before the next event (services/recorder.py: a write of its log)."""

    def put(self, seq: int, type: str, data: str) -> bool: ...

    def drain(self) -> Awaitable[None]: ...


_PAD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_PAD_BYTES = bytes(ord(_PAD[b % len(_PAD)]) for b in range(256))  # byte -> its letter, in one C call


def obfuscation(response_id: str, seq: int, delta: object) -> str:
    """Padding that evens out a delta event's size (a side-channel mitigation of the real API):
    random-looking, but the same for the same response and event."""
    return _padding(f"{response_id}:".encode(), seq, delta if isinstance(delta, str) else str(delta or ""))


def _padding(key: bytes, seq: int, delta: str) -> str:
    """obfuscation() with the response's part of the hashed text encoded once (every token)."""
    return hashlib.sha256(key + b"%d" % seq).digest()[:16 - len(delta) % 16].translate(_PAD_BYTES).decode()


# Alternatives a top_logprobs list offers beside the token chosen: common tokens, none of them it.
_ALTERNATIVES = (" the", " a", ",", ".", " and", " of", " to", " is", " in", " it", " that", " this", " for",
                 " on", " with", " as", " be", " are", " was", " can", "\n", " we", " you", " not", " or")


def logprob(model: str, index: int, token: str, top: int) -> dict:
    """A plausible logprob for the index-th token of an answer (most near 0, a few far below), with
    `top` alternatives in falling order; the same for the same model, place and token."""
    digest = hashlib.sha256(f"{model}:{index}:{token}".encode()).digest()
    chosen = -round(4.0 * (digest[0] / 255) ** 3, 6)
    alternatives = [t for t in _ALTERNATIVES if t != token]
    start = digest[1] % len(alternatives)
    tops = [{"token": token, "bytes": list(token.encode()), "logprob": chosen}]
    for k in range(max(0, top - 1)):
        alt = alternatives[(start + k) % len(alternatives)]
        tops.append({"token": alt, "bytes": list(alt.encode()),
                     "logprob": round(chosen - 0.5 - k - digest[2 + k % 28] / 255, 6)})
    return {"token": token, "bytes": list(token.encode()), "logprob": chosen, "top_logprobs": tops[:top]}


def event_logprob(lp: dict) -> dict:
    """The shape stream events carry: no bytes."""
    return {"token": lp["token"], "logprob": lp["logprob"],
            "top_logprobs": [{"token": t["token"], "logprob": t["logprob"]} for t in lp["top_logprobs"]]}


_TEXT_DELTA = "response.output_text.delta"

THINKING_SHARE = 0.6  # of a caller's max_output_tokens, at most, spent reasoning
THINKING_FLOOR = 48  # below this limit the reasoning may take it all


class Lifecycle:
    def __init__(self, response: dict, ctx: ModelContext, backend: Backend, *, input_tokens: int,
                 output_limit: int, sink: EventSink | None = None, pace: Pace = Pace(),
                 cancel: asyncio.Event | None = None, first_seq: int = 0, cached_tokens: int = 0) -> None:
        self.response = response
        self.ctx = ctx
        self.backend = backend
        self.input_tokens = input_tokens
        self.cached_tokens = min(cached_tokens, input_tokens)  # of the input, served from the prompt cache
        self.limit = output_limit
        self.sink = sink
        self._put = getattr(sink, "put", None)  # a TextSink's: events go to it as JSON text
        self.pace = pace
        self._paced = pace.paced
        self.cancel = cancel or asyncio.Event()
        self.events = EventNumberer(first_seq)  # background runs continue after created/queued
        self._started = 0.0
        self.output_tokens = 0
        self.reasoning_tokens = 0
        self._show_summary = bool((ctx.request.get("reasoning") or {}).get("summary"))
        self._reasoning: dict | None = None
        self._message: dict | None = None
        self._usage_override: UsageOverride | None = None
        # Delta events carry padding by default, as the real API's do (stream_options.include_obfuscation).
        self._obfuscate = (ctx.request.get("stream_options") or {}).get("include_obfuscation") is not False
        self._key = f"{response['id']}:".encode()  # what obfuscation() hashes, before the number
        self._seal_reasoning = "reasoning.encrypted_content" in (ctx.request.get("include") or [])
        # include=["message.output_text.logprobs"]: a logprob for every token (top_logprobs alternatives).
        self._logprobs = "message.output_text.logprobs" in (ctx.request.get("include") or [])
        self._top_logprobs = ctx.request.get("top_logprobs") or 0
        # Under a max_output_tokens of the caller's, reasoning stops short of it so the answer
        # starts, as a real reasoning model's usually does (then is cut: reasoning + partial message);
        # only a tiny limit goes to reasoning alone.
        asked = ctx.request.get("max_output_tokens")
        self._thinking_budget = (output_limit if not asked or output_limit < THINKING_FLOOR
                                 else int(output_limit * THINKING_SHARE))
        self._thought = ""  # the reasoning's text, shown as a summary or not: what a sealed blob holds
        self.steered = False  # a WebSocket `response.steer` arrived: stop at the next token boundary
        self._abort: str | None = None  # abort(): fail at the next checkpoint with this message

    def abort(self, message: str) -> None:
        """Stop at the next checkpoint and fail with `message` (the server is shutting down)."""
        self._abort = message
        self.cancel.set()  # wakes a paced wait; the abort is checked before the cancel

    async def _emit(self, type: str, **fields) -> None:
        if self.sink is not None:
            numbers = self.events
            seq = numbers.next
            if self._obfuscate and type.endswith(".delta"):
                fields["obfuscation"] = obfuscation(self.response["id"], seq, fields.get("delta"))
            # EventNumberer.make's shape, built here once.
            event = {"type": type, **fields, "sequence_number": seq}
            numbers.next = seq + 1
            if self._put is None:
                await self.sink(event)
            elif self._put(seq, type, dumps(event)):
                await self.sink.drain()

    @property
    def _index(self) -> int:
        return len(self.response["output"]) - 1

    async def run(self) -> dict:
        """Run to a terminal state and return the final response object."""
        if self.events.next == 0:
            await self._emit("response.created", response=self.response)
        self.response["status"] = "in_progress"
        await self._emit("response.in_progress", response=self.response)
        self._started = asyncio.get_running_loop().time()
        try:
            complete = await self._generate()
        except _Aborted as stop:
            return await self._fail(stop.message)
        except _Cancelled:
            return await self._cancelled()
        except Incomplete as stop:
            return await self._finish("incomplete", stop.reason)
        except ModelFailure as failure:
            return await self._fail(failure.message, failure.code)
        except Exception as exc:  # a backend fault ends the response as `failed`, never a 500
            if is_fault(exc):  # the store failed under it: the real API's words, never SQL
                return await self._fail(SERVER_ERROR)
            return await self._fail(f"The model failed to generate a response: {exc}")
        return await self._finish("completed" if complete else "incomplete")

    async def _checkpoint(self, steerable: bool = True) -> None:
        """Wait for the pace's schedule of the next token; stop here if a cancel arrived, or a
        steer (a tool call about to be made is not a safe boundary: it goes out whole)."""
        if self.pace.paced:
            due = self._started + self.pace.delay_before(self.output_tokens)
            delay = due - asyncio.get_running_loop().time()
            if delay > 0:
                await wait_for(self.cancel, delay)
        if self._abort is not None:
            raise _Aborted(self._abort)
        if self.cancel.is_set():
            raise _Cancelled
        if self.steered and steerable:
            raise Incomplete("steered")

    async def _generate(self) -> bool:
        """Feed the backend's chunks into output items; False when max_output_tokens cut it."""
        async for chunk in self.backend.generate(self.ctx):
            if isinstance(chunk, (TextDelta, Refusal)):
                if not await self._text(chunk.text, getattr(chunk, "tokens", None),
                                        "refusal" if isinstance(chunk, Refusal) else "output_text"):
                    return False
                if isinstance(chunk, TextDelta) and chunk.annotations:
                    await self._annotate(chunk.annotations)
                continue
            await self._checkpoint(steerable=not isinstance(chunk, ToolCall))
            if isinstance(chunk, Thinking):
                await self._open_reasoning()
                take = min(chunk.tokens, self._thinking_budget - self.reasoning_tokens, self.limit - self.output_tokens)
                self.output_tokens += max(take, 0)
                self.reasoning_tokens += max(take, 0)
                if take < chunk.tokens and self.output_tokens >= self.limit:
                    return False  # a tiny limit: spent on reasoning alone
            elif isinstance(chunk, SummaryDelta):
                for piece in self._pieces(chunk.text):
                    await self._summary_delta(piece)
            elif isinstance(chunk, HostedCall):
                await self._hosted(chunk)
            elif isinstance(chunk, UsageOverride):
                self._usage_override = chunk
            else:  # a tool call costs the tokens of its name and arguments
                cost = tokens.count(chunk.name + chunk.arguments, self.ctx.encoding)
                if self.output_tokens + cost > self.limit:
                    return False
                self.output_tokens += cost
                await self._tool_call(chunk)
        return True

    @property
    def _watched(self) -> bool:
        """Somebody sees the deltas (a sink), their timing (a pace) or each token's logprob: stream
        a token a delta."""
        return self.sink is not None or self.pace.paced or self._logprobs

    def _pieces(self, text: str) -> list[str]:
        return tokens.split_tokens(text, self.ctx.encoding) if self._watched else [text]

    async def _text(self, text: str, given: int | None, kind: str) -> bool:
        """Answer text (or refusal): a token a delta when watched, in one piece when not — the
        same output either way. `given`: what the chunk costs, if the backend says. False when
        max_output_tokens cut it (at a token boundary)."""
        room = self.limit - self.output_tokens
        if not self._watched:
            await self._checkpoint()
            cost = given if given is not None else tokens.count(text, self.ctx.encoding)
            if cost <= room:
                self.output_tokens += cost
                await self._message_delta(text, kind)
                return True
        fits = given is not None and given <= room
        pieces = tokens.token_pieces(text, self.ctx.encoding)
        if kind == "output_text" and self._put is not None and not self._logprobs:
            spent = await self._stream_text(pieces, fits, room)
            if spent is None:
                return False
        else:
            spent = 0
            for piece, n in pieces:
                if not fits and spent + n > room:
                    return False
                await self._checkpoint()
                spent += n
                self.output_tokens += n
                await self._message_delta(piece, kind)
        if fits:
            self.output_tokens += given - spent
        return True

    async def _stream_text(self, pieces: list[tuple[str, int]], fits: bool, room: int) -> int | None:
        """_text's loop for output text to a TextSink without logprobs — every token of a stream:
        the part opened once, each delta's JSON written here (`head`, the fields before the delta,
        made by dumps() once), byte for byte what dumps() makes of _message_delta's event. The
        tokens spent; None when max_output_tokens cut it."""
        put, numbers, key, obfuscate = self._put, self.events, self._key, self._obfuscate
        spent, part, head = 0, None, ""
        for piece, n in pieces:
            if not fits and spent + n > room:
                return None
            if self._paced or self._abort is not None or self.steered or self.cancel.is_set():
                await self._checkpoint()  # (unpaced and not stopped, it has nothing to do)
            spent += n
            self.output_tokens += n
            if part is None:  # nothing but these deltas changes the message until the loop ends
                part, item_id, content_index = await self._open_part("output_text")
                head = dumps({"type": _TEXT_DELTA, "item_id": item_id, "output_index": self._index,
                              "content_index": content_index})[:-1] + ',"delta":'
            part["text"] += piece
            seq = numbers.next
            numbers.next = seq + 1
            if obfuscate:
                tail = f',"logprobs":[],"obfuscation":"{_padding(key, seq, piece)}","sequence_number":{seq}}}'
            else:
                tail = f',"logprobs":[],"sequence_number":{seq}}}'
            if put(seq, _TEXT_DELTA, head + dumps(piece) + tail):
                await self.sink.drain()
        return spent

    async def _close_open(self) -> None:
        await self._close_reasoning()
        await self._close_message("completed")

    # -- reasoning item ----------------------------------------------------------------------

    async def _open_reasoning(self) -> None:
        if self._reasoning is None:
            await self._close_message("completed")  # reasoning after a message (a replay's order) is an item of its own
            self._reasoning = objects.reasoning_item(ids.reasoning_id())
            self.response["output"].append(self._reasoning)
            await self._emit("response.output_item.added", output_index=self._index, item=self._reasoning)

    async def _summary_delta(self, text: str) -> None:
        await self._open_reasoning()
        self._thought += text
        if not self._show_summary:
            return
        summary = self._reasoning["summary"]
        if not summary:
            summary.append(objects.summary_text())
            await self._emit("response.reasoning_summary_part.added", item_id=self._reasoning["id"],
                             output_index=self._index, summary_index=0, part=objects.summary_text())
        summary[0]["text"] += text
        await self._emit("response.reasoning_summary_text.delta", item_id=self._reasoning["id"],
                         output_index=self._index, summary_index=0, delta=text)

    async def _close_reasoning(self) -> None:
        item, self._reasoning = self._reasoning, None
        if item is None:
            return
        index = self.response["output"].index(item)
        if self._seal_reasoning:  # include=["reasoning.encrypted_content"]: the reasoning, to hand back
            item["encrypted_content"] = encrypted.seal({"id": item["id"], "model": self.ctx.model,
                                                        "text": self._thought, "tokens": self.reasoning_tokens})
        for i, part in enumerate(item["summary"]):
            await self._emit("response.reasoning_summary_text.done", item_id=item["id"],
                             output_index=index, summary_index=i, text=part["text"])
            await self._emit("response.reasoning_summary_part.done", item_id=item["id"],
                             output_index=index, summary_index=i, part=part)
        await self._emit("response.output_item.done", output_index=index, item=item)

    # -- message item: output_text and refusal parts ----------------------------------------

    async def _open_part(self, kind: str) -> tuple[dict, str, int]:
        """The message's last part, of `kind`, opened (with its events) if it is not; the part, the
        message's id and the part's index."""
        if self._message is None:
            await self._close_reasoning()
            self._message = objects.output_message(ids.message_id())
            self.response["output"].append(self._message)
            await self._emit("response.output_item.added", output_index=self._index, item=self._message)
        item = self._message
        content = item["content"]
        if not content or content[-1]["type"] != kind:
            await self._close_part(item)
            part = objects.output_text() if kind == "output_text" else objects.refusal()
            content.append(part)
            await self._emit("response.content_part.added", item_id=item["id"], output_index=self._index,
                             content_index=len(content) - 1, part=dict(part))
        return content[-1], item["id"], len(content) - 1

    async def _message_delta(self, text: str, kind: str) -> None:
        part, item_id, index = await self._open_part(kind)
        if kind == "output_text":
            part["text"] += text
            scored = []
            if self._logprobs:
                scored = [logprob(self.ctx.model, len(part["logprobs"]), text, self._top_logprobs)]
                part["logprobs"] += scored
            await self._emit(_TEXT_DELTA, item_id=item_id, output_index=self._index,
                             content_index=index, delta=text, logprobs=[event_logprob(lp) for lp in scored])
        else:
            part["refusal"] += text
            await self._emit("response.refusal.delta", item_id=item_id, output_index=self._index,
                             content_index=index, delta=text)

    async def _annotate(self, annotations: tuple[dict, ...]) -> None:
        """Annotations (file_citation …) of the text just given: on the output_text part, each
        with its response.output_text.annotation.added event, as the real API sends them."""
        item = self._message
        if item is None or not item["content"] or item["content"][-1]["type"] != "output_text":
            return
        part, c = item["content"][-1], len(item["content"]) - 1
        for annotation in annotations:
            part["annotations"].append(dict(annotation))
            await self._emit("response.output_text.annotation.added", item_id=item["id"], output_index=self._index,
                             content_index=c, annotation_index=len(part["annotations"]) - 1,
                             annotation=dict(annotation))

    async def _close_part(self, item: dict) -> None:
        """Finish the message's last content part (if any) with its .done events."""
        if not item["content"]:
            return
        index = self.response["output"].index(item)
        c, part = len(item["content"]) - 1, item["content"][-1]
        if part["type"] == "output_text":
            await self._emit("response.output_text.done", item_id=item["id"], output_index=index,
                             content_index=c, text=part["text"], logprobs=[event_logprob(lp) for lp in part["logprobs"]])
        else:
            await self._emit("response.refusal.done", item_id=item["id"], output_index=index,
                             content_index=c, refusal=part["refusal"])
        await self._emit("response.content_part.done", item_id=item["id"], output_index=index,
                         content_index=c, part=part)

    async def _close_message(self, status: str) -> None:
        item, self._message = self._message, None
        if item is None:
            return
        item["status"] = status
        await self._close_part(item)
        await self._emit("response.output_item.done", output_index=self.response["output"].index(item), item=item)

    # -- tool calls and hosted tools ---------------------------------------------------------

    async def _tool_call(self, call: ToolCall) -> None:
        await self._close_open()
        item = objects.tool_call(call.kind, call.name, call.call_id or ids.call_id(), call.namespace)
        field, prefix = ("arguments", "function_call_arguments") if call.kind == "function" else \
            ("input", "custom_tool_call_input")
        self.response["output"].append(item)
        await self._emit("response.output_item.added", output_index=self._index, item=item)
        for piece in self._pieces(call.arguments):
            item[field] += piece
            await self._emit(f"response.{prefix}.delta", item_id=item["id"], output_index=self._index, delta=piece)
        done = {"name": call.name} if call.kind == "function" else {}
        await self._emit(f"response.{prefix}.done", item_id=item["id"], output_index=self._index,
                         **done, **{field: item[field]})
        item["status"] = "completed"
        await self._emit("response.output_item.done", output_index=self._index, item=item)

    async def _hosted(self, call: HostedCall) -> None:
        """A hosted tool's item: added (in progress), its own progress events, done."""
        await self._close_open()
        final = {"id": ids.item_id(call.item["type"]), **call.item}
        item = dict(final, status="in_progress") if "status" in final else dict(final)
        self.response["output"].append(item)
        await self._emit("response.output_item.added", output_index=self._index, item=item)
        for event_type, fields in call.progress:
            await self._emit(event_type, **fields, item_id=item["id"], output_index=self._index)
        item.update(final)
        await self._emit("response.output_item.done", output_index=self._index, item=item)

    # -- terminal states ---------------------------------------------------------------------

    def _usage(self) -> dict:
        o = self._usage_override or UsageOverride()

        def pick(given: int | None, counted: int) -> int:
            return counted if given is None else given

        return objects.usage(pick(o.input_tokens, self.input_tokens), pick(o.output_tokens, self.output_tokens),
                             pick(o.reasoning_tokens, self.reasoning_tokens), pick(o.cached_tokens, self.cached_tokens))

    async def _finish(self, status: str, reason: str = "max_output_tokens") -> dict:
        await self._close_reasoning()
        await self._close_message("completed" if status == "completed" else "incomplete")
        r = self.response
        r["status"] = status
        r["usage"] = self._usage()
        if status == "completed":
            r["completed_at"] = int(time.time())
        else:
            r["incomplete_details"] = {"reason": reason}
        await self._emit(f"response.{status}", response=r)
        return r

    async def _cancelled(self) -> dict:
        """Keep the partial output, as the real API does; the stream ends with an `error` event
        (wire/events.py CANCELLED says why)."""
        close_open(self.response["output"])
        self._reasoning = self._message = None
        self.response["status"] = "cancelled"
        self.response["usage"] = self._usage()
        await self._emit("error", **CANCELLED)
        return self.response

    async def _fail(self, message: str, code: str = "server_error") -> dict:
        await self._close_reasoning()
        await self._close_message("incomplete")
        r = self.response
        r["status"] = "failed"
        r["error"] = {"code": code, "message": message}
        r["usage"] = self._usage()
        # What a watcher sees of a failure mid-stream: the `error` event, then response.failed.
        await self._emit("error", code=code, message=message, param=None)
        await self._emit("response.failed", response=r)
        return r

def output_limit(params: dict, model_max: int) -> int:
    requested = params.get("max_output_tokens")
    return min(requested, model_max) if requested else model_max
