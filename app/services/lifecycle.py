"""THE response lifecycle: drive a backend, build output items, enforce limits, finalise.

Every mode runs this one code path; they differ only in who drives it and who watches. A watcher
is an `EventSink`: it receives each stream event as it happens and must serialise it at once
(events may reference the live response object). With no sink, no events are built at all.
"""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Protocol

from app import ids
from app.backends.base import Backend, ModelContext, SummaryDelta, TextDelta, Thinking
from app.services import tokens
from app.services.pacing import Pace
from app.wire import objects
from app.wire.events import EventNumberer


class _Cancelled(Exception):
    """Raised at a checkpoint once a cancel was requested."""

class EventSink(Protocol):
    def __call__(self, event: dict) -> Awaitable[None]: ...

class Lifecycle:
    def __init__(self, response: dict, ctx: ModelContext, backend: Backend, *, input_tokens: int,
                 output_limit: int, sink: EventSink | None = None, pace: Pace = Pace(),
                 cancel: asyncio.Event | None = None, first_seq: int = 0) -> None:
        self.response = response
        self.ctx = ctx
        self.backend = backend
        self.input_tokens = input_tokens
        self.limit = output_limit
        self.sink = sink
        self.pace = pace
        self.cancel = cancel or asyncio.Event()
        self.events = EventNumberer(first_seq)  # background runs continue after created/queued
        self._started = 0.0
        self.output_tokens = 0
        self.reasoning_tokens = 0
        self._show_summary = bool((ctx.request.get("reasoning") or {}).get("summary"))
        self._reasoning: dict | None = None
        self._message: dict | None = None

    async def _emit(self, type: str, **fields) -> None:
        if self.sink is not None:
            await self.sink(self.events.make(type, **fields))

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
        except _Cancelled:
            return self._cancelled()
        except Exception as exc:  # a backend fault ends the response as `failed`, never a 500
            return await self._fail(exc)
        return await self._finish("completed" if complete else "incomplete")

    async def _checkpoint(self) -> None:
        """Wait for the pace's schedule of the next token; stop here if a cancel arrived."""
        if self.pace.paced:
            due = self._started + self.pace.delay_before(self.output_tokens)
            delay = due - asyncio.get_running_loop().time()
            if delay > 0:
                try:
                    await asyncio.wait_for(self.cancel.wait(), delay)
                except asyncio.TimeoutError:
                    pass
        if self.cancel.is_set():
            raise _Cancelled

    async def _generate(self) -> bool:
        """Feed the backend's chunks into output items; False when max_output_tokens cut it."""
        async for chunk in self.backend.generate(self.ctx):
            await self._checkpoint()
            if isinstance(chunk, Thinking):
                await self._open_reasoning()
                take = min(chunk.tokens, self.limit - self.output_tokens)
                self.output_tokens += take
                self.reasoning_tokens += take
                if take < chunk.tokens:
                    return False
            elif isinstance(chunk, SummaryDelta):
                await self._summary_delta(chunk.text)
            elif isinstance(chunk, TextDelta):
                cost = chunk.tokens if chunk.tokens is not None else tokens.count(chunk.text, self.ctx.encoding)
                if self.output_tokens + cost > self.limit:
                    return False
                self.output_tokens += cost
                await self._text_delta(chunk.text)
        return True

    # -- reasoning item ----------------------------------------------------------------------

    async def _open_reasoning(self) -> None:
        if self._reasoning is None:
            self._reasoning = objects.reasoning_item(ids.reasoning_id())
            self.response["output"].append(self._reasoning)
            await self._emit("response.output_item.added", output_index=self._index, item=self._reasoning)

    async def _summary_delta(self, text: str) -> None:
        await self._open_reasoning()
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
        for i, part in enumerate(item["summary"]):
            await self._emit("response.reasoning_summary_text.done", item_id=item["id"],
                             output_index=index, summary_index=i, text=part["text"])
            await self._emit("response.reasoning_summary_part.done", item_id=item["id"],
                             output_index=index, summary_index=i, part=part)
        await self._emit("response.output_item.done", output_index=index, item=item)

    # -- message item ------------------------------------------------------------------------

    async def _text_delta(self, text: str) -> None:
        if self._message is None:
            await self._close_reasoning()
            self._message = objects.output_message(ids.message_id())
            self.response["output"].append(self._message)
            await self._emit("response.output_item.added", output_index=self._index,
                             item=self._message)
            self._message["content"].append(objects.output_text())
            await self._emit("response.content_part.added", item_id=self._message["id"],
                             output_index=self._index, content_index=0, part=objects.output_text())
        part = self._message["content"][0]
        part["text"] += text
        await self._emit("response.output_text.delta", item_id=self._message["id"],
                         output_index=self._index, content_index=0, delta=text, logprobs=[])

    async def _close_message(self, status: str) -> None:
        item, self._message = self._message, None
        if item is None:
            return
        item["status"] = status
        index = self.response["output"].index(item)
        part = item["content"][0]
        await self._emit("response.output_text.done", item_id=item["id"], output_index=index,
                         content_index=0, text=part["text"], logprobs=[])
        await self._emit("response.content_part.done", item_id=item["id"], output_index=index,
                         content_index=0, part=part)
        await self._emit("response.output_item.done", output_index=index, item=item)

    # -- terminal states ---------------------------------------------------------------------

    def _usage(self) -> dict:
        return objects.usage(self.input_tokens, self.output_tokens, self.reasoning_tokens)

    async def _finish(self, status: str) -> dict:
        await self._close_reasoning()
        await self._close_message("completed" if status == "completed" else "incomplete")
        r = self.response
        r["status"] = status
        r["usage"] = self._usage()
        if status == "completed":
            r["completed_at"] = int(time.time())
        else:
            r["incomplete_details"] = {"reason": "max_output_tokens"}
        await self._emit(f"response.{status}", response=r)
        return r

    def _cancelled(self) -> dict:
        """Keep the partial output, as the real API does; no event follows a cancel."""
        for item in self.response["output"]:
            if item.get("status") == "in_progress":
                item["status"] = "incomplete"
        self._reasoning = self._message = None
        self.response["status"] = "cancelled"
        self.response["usage"] = self._usage()
        return self.response

    async def _fail(self, exc: Exception) -> dict:
        r = self.response
        r["status"] = "failed"
        r["error"] = {"code": "server_error", "message": f"The model failed to generate a response: {exc}"}
        r["usage"] = self._usage()
        await self._emit("response.failed", response=r)
        return r

def output_limit(params: dict, model_max: int) -> int:
    requested = params.get("max_output_tokens")
    return min(requested, model_max) if requested else model_max
