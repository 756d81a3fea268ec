"""Recordings: an upstream's answer to a create (services/upstream.py) turned into a fixture rule,
so the same request is answered again offline through this server's own lifecycle (its ids, its
store, its streams). The rule's match is the request, normalised (wire/fixtures.py `Recorded`);
its respond is the answer's output items in order, usage and status, paced as the upstream
streamed it.

A rule holds no credential: the request's headers never enter it, nor an MCP tool's (wire/fixtures.py
drops them); of an error's reply only the headers a client acts on (retry-after, rate limits) are
kept, and its message without the account's organisation and project ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

import orjson

from responses_mock.limits import MAX_DELAY, MAX_RATE, MIN_RATE
from responses_mock.redaction import without_account_ids
from responses_mock.wire.fixtures import (
    CustomToolCallItem,
    ErrorCode,
    FunctionCallItem,
    HostedItem,
    HttpError,
    Match,
    MessageItem,
    ModelError,
    OutputItem,
    Pace,
    ReasoningItem,
    Recorded,
    Respond,
    Rule,
    Usage,
)

_ERROR_CODES = frozenset(get_args(ErrorCode))
_INCOMPLETE = ("max_output_tokens", "content_filter")
_INDEXES = ("start_index", "end_index", "index")  # an annotation's character offsets into its text
_KEPT_HEADERS = ("retry-after", "retry-after-ms", "x-should-retry")  # and x-ratelimit-*: what a client's retry logic reads


@dataclass
class Timing:
    """When a streamed answer's delta events arrived, in seconds since the request was sent."""

    first_delta: float | None = None
    last_delta: float | None = None
    elapsed: float = 0.0

    def saw(self, event_type: str, at: float) -> None:
        if event_type.endswith(".delta"):
            if self.first_delta is None:
                self.first_delta = at
            self.last_delta = at
        self.elapsed = at


def pace_of(timing: Timing | None, output_tokens: int, *, streamed: bool) -> Pace | None:
    """The recorded pace as a rule expresses it: seconds to the first token, then tokens a second
    (a sync answer: its whole time before the reply). Out of a pace's bounds: the nearest bound,
    or unpaced for a rate above the fastest one."""
    if timing is None:
        return None
    if not streamed or timing.first_delta is None:
        return Pace(time_to_first_token=round(min(timing.elapsed, MAX_DELAY), 3))
    ttft = round(min(timing.first_delta, MAX_DELAY), 3)
    span = (timing.last_delta or timing.first_delta) - timing.first_delta
    rate = output_tokens / span if span > 0 and output_tokens > 1 else 0.0
    rate = 0.0 if rate > MAX_RATE else max(round(rate, 1), MIN_RATE) if rate else 0.0
    return Pace(time_to_first_token=ttft, tokens_per_second=rate)


def _message(item: dict) -> MessageItem:
    """A message's parts as one item: its output_text parts' text (annotations moved to where
    their part starts in the whole) and its refusal."""
    text, refusal, annotations = "", "", []
    for part in item.get("content") or ():
        if part.get("type") == "output_text":
            shift = len(text)
            for a in part.get("annotations") or ():
                if isinstance(a, dict):
                    annotations.append({k: v + shift if k in _INDEXES and isinstance(v, int) else v
                                        for k, v in a.items()})
            text += part.get("text") or ""
        elif part.get("type") == "refusal":
            refusal += part.get("refusal") or ""
    return MessageItem(type="message", text=text or None, refusal=refusal or None, annotations=annotations)


def output_of(response: dict) -> list[OutputItem]:
    """A finished response's output items, in order, as a rule replays them: messages, refusals,
    reasoning summaries, function and custom tool calls, and hosted tools' items as given (without
    their ids). The response's reasoning tokens go to its first reasoning item."""
    out: list[OutputItem] = []
    usage = response.get("usage") or {}
    thought = (usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0
    for item in response.get("output") or ():
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            out.append(_message(item))
        elif kind == "reasoning":
            texts = [s.get("text", "") for s in item.get("summary") or () if isinstance(s, dict)]
            out.append(ReasoningItem(type="reasoning", summary="\n\n".join(texts) or None, tokens=thought))
            thought = 0
        elif kind == "function_call":
            out.append(FunctionCallItem(type="function_call", name=item["name"], arguments=item.get("arguments") or "",
                                        call_id=item.get("call_id"), namespace=item.get("namespace")))
        elif kind == "custom_tool_call":
            out.append(CustomToolCallItem(type="custom_tool_call", name=item["name"], input=item.get("input") or "",
                                          call_id=item.get("call_id"), namespace=item.get("namespace")))
        elif isinstance(kind, str):
            out.append(HostedItem(type=kind, item={k: v for k, v in item.items() if k not in ("id", "type")}))
    return out


def respond_of(response: dict, pace: Pace | None) -> Respond:
    """A finished response's output items (in order), usage and status as a rule's respond."""
    usage = response.get("usage") or {}
    reasoning_tokens = (usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0
    status = response.get("status")
    fields: dict = {}
    if status == "incomplete":
        reason = (response.get("incomplete_details") or {}).get("reason")
        fields.update(status="incomplete", incomplete_reason=reason if reason in _INCOMPLETE else "max_output_tokens")
    elif status == "failed":
        error = response.get("error") or {}
        code = error.get("code") if error.get("code") in _ERROR_CODES else "server_error"
        fields.update(status="failed", error=ModelError(code=code, message=error.get("message") or
                                                        ModelError().message))
    return Respond(
        output=output_of(response) or None, pace=pace, **fields,
        usage=Usage(input_tokens=usage.get("input_tokens"), output_tokens=usage.get("output_tokens"),
                    reasoning_tokens=reasoning_tokens,
                    cached_tokens=(usage.get("input_tokens_details") or {}).get("cached_tokens")) if usage else None)


def answer_rule(params: dict, response: dict, timing: Timing | None, *, streamed: bool) -> Rule:
    """The rule that answers this request as the upstream did."""
    output_tokens = (response.get("usage") or {}).get("output_tokens") or 0
    respond = respond_of(response, pace_of(timing, output_tokens, streamed=streamed))
    return Rule(match=Match(request=Recorded.of(params)), respond=respond)


def error_rule(params: dict, status: int, body: bytes, headers: dict[str, str]) -> Rule:
    """An upstream's 4xx/5xx as an `http_error` rule answering once: its envelope's fields and the
    headers a client's retries read (never a credential, a cookie or the upstream's request id)."""
    try:
        error = orjson.loads(body).get("error") or {}
    except (orjson.JSONDecodeError, AttributeError):
        error = {}
    error = error if isinstance(error, dict) else {}
    kept = {name: value for name, value in headers.items()
            if name in _KEPT_HEADERS or name.startswith("x-ratelimit-")}
    text = lambda key: error[key] if isinstance(error.get(key), str) else None
    message = text("message")  # a rule's message is a template ({model}, {wait}): the upstream's braces are text
    if message is not None:  # "… in organization org-…": the recorder's account is not the API's behaviour
        message = without_account_ids(message).replace("{", "{{").replace("}", "}}")
    http = HttpError.model_validate({"status": status, "message": message, "type": text("type"),
                                     "code": text("code"), "param": text("param"), "headers": kept})
    # Once, ahead of the answer a retry got: a replay fails where the recording failed, then
    # succeeds where it succeeded (services/fixtures.py saves it spent: the recorder forwards the retry).
    return Rule(priority=1, match=Match(request=Recorded.of(params), times=1), respond=Respond(http_error=http))
