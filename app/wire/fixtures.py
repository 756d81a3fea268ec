"""The fixture rule format: `match` says which requests a rule applies to, `respond` how to answer.

One rule, as JSON or YAML (files given with --fixtures, or POST /__admin/fixtures):

    {"match": {"input_contains": "weather", "model": "gpt-4.1"},
     "respond": {"function_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}}

Rules without `match.path` apply to `POST /v1/responses` and may script the model's output;
rules with `match.path` (a regex) apply to any request and may only inject faults. A recording
(services/recording.py) matches with `match.request`: one request, normalised (`Recorded`), and
answers with `respond.output`: its output items in the order they came.
"""

from __future__ import annotations

import hashlib
import re
from functools import cached_property
from typing import Annotated, Any, Literal

import orjson
from openai.types.responses.response_error import ResponseError
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator
from typing_extensions import TypedDict

from responses_mock.limits import PACE_FIELDS, pace_problem
from responses_mock.redaction import tools_without_credentials
from responses_mock.wire import patterns
from responses_mock.wire.admin import ApiKey

_STRICT = ConfigDict(extra="forbid")
ErrorCode = ResponseError.model_fields["code"].annotation  # the codes a failed response may carry


# What a recording does not match on: ids and call ids (the upstream's, or this server's on
# replay), timestamps, statuses, and opaque blobs sealed by whichever server answered.
_UNMATCHED = frozenset({"id", "call_id", "status", "created_at", "encrypted_content", "previous_response_id"})
# Nor on file and vector store ids: the upstream's while recording (the Files endpoints are
# forwarded too), this server's on replay, where the client uploads its files again.
_STORED = frozenset({"file_id", "file_ids", "vector_store_ids"})
_ITEMS_WITH_TOOLS = ("additional_tools", "tool_search_output")


def _unfiled(value: object) -> object:
    return {k: v for k, v in value.items() if k not in _STORED} if isinstance(value, dict) else value


def _part(part: object) -> object:
    if not isinstance(part, dict):
        return part
    out = {k: v for k, v in part.items() if v is not None and v != [] and k not in _UNMATCHED and k not in _STORED}
    if isinstance(out.get("annotations"), list):  # file citations name the file
        out["annotations"] = [_unfiled(a) for a in out["annotations"]]
    return out


def normalised_tools(tools: object) -> list:
    """Tools as a recording compares and saves them: no MCP credentials (a replay runs with
    other ones, and a rule is committed to a repository), no file or vector store ids."""
    if not isinstance(tools, list):
        return []
    out = []
    for tool in tools_without_credentials(tools, drop=True) or tools:
        if isinstance(tool, dict) and tool.get("type") in ("file_search", "code_interpreter"):
            tool = _unfiled(tool)
            if isinstance(tool.get("container"), dict):
                tool["container"] = _unfiled(tool["container"])
        out.append(tool)
    return out


def _normalised_item(item: object) -> object:
    """An input item as a recording compares it: typed, content as parts, without what differs
    between the recording run and the replay (ids, file ids, statuses, blobs, an MCP tool's
    credentials) and without nulls."""
    if not isinstance(item, dict):
        return item
    out = {k: v for k, v in item.items() if k not in _UNMATCHED and v is not None}
    out.setdefault("type", "message")
    if out["type"] == "message":
        part = "output_text" if out.get("role") == "assistant" else "input_text"
        content = out.get("content")
        if isinstance(content, str):
            content = [{"type": part, "text": content}]
        if isinstance(content, list):
            out["content"] = [_part(c) for c in content]
    elif out["type"] == "file_search_call" and isinstance(out.get("results"), list):
        out["results"] = [_unfiled(r) for r in out["results"]]
    elif out["type"] in _ITEMS_WITH_TOOLS and "tools" in out:
        out["tools"] = normalised_tools(out["tools"])
    return out


# The parameters that shape an answer besides the input: two requests differing in one of them
# (a json_schema format, an effort, a prompt version, a forced tool) are answered differently.
# Left out: the chain, ids, caching and safety keys, metadata, and how the answer is delivered
# (stream, background, store, service_tier). A parameter at its documented default is left out too,
# so a client that spells the default matches one that does not.
SHAPING = ("text", "reasoning", "prompt", "tool_choice", "parallel_tool_calls", "max_output_tokens",
           "max_tool_calls", "temperature", "top_p", "top_logprobs", "truncation", "include")
_AT_DEFAULT = {"tool_choice": "auto", "parallel_tool_calls": True, "truncation": "disabled", "temperature": 1,
               "top_p": 1, "top_logprobs": 0}


def _without_nulls(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _shaping(params: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in SHAPING:
        value = _without_nulls(params.get(key))
        if key == "text" and isinstance(value, dict):
            value = {k: v for k, v in value.items()
                     if (k, v) not in (("format", {"type": "text"}), ("verbosity", "medium"))}
        if key == "include" and isinstance(value, list):
            value = sorted(set(v for v in value if isinstance(v, str)))
        if value is None or value in ({}, []) or (key in _AT_DEFAULT and value == _AT_DEFAULT[key]):
            continue
        out[key] = value
    return out


class Recorded(BaseModel):
    """The request a recorded rule answers (services/recording.py), normalised: its model,
    instructions, input and tools, and the parameters that shape an answer (`SHAPING`), and
    nothing else (no ids, no chain, no key)."""

    model_config = _STRICT

    model: str
    instructions: str | None = None
    input: list[Any] = Field(default_factory=list)
    tools: list[Any] = Field(default_factory=list)
    text: dict[str, Any] | None = None
    reasoning: dict[str, Any] | None = None
    prompt: dict[str, Any] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    max_output_tokens: int | None = None
    max_tool_calls: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_logprobs: int | None = None
    truncation: str | None = None
    include: list[str] | None = None

    @field_validator("tools")
    @classmethod
    def _tools(cls, value: list[Any]) -> list[Any]:
        return normalised_tools(value)  # a file's rule too: one that holds a credential never shows it

    @classmethod
    def of(cls, params: dict) -> Recorded:
        raw = params.get("input")
        items = [{"type": "message", "role": "user", "content": raw}] if isinstance(raw, str) else raw or []
        instructions = params.get("instructions")
        return cls(model=str(params.get("model", "")), instructions=instructions if isinstance(instructions, str)
                   else None, input=[_normalised_item(i) for i in items], tools=params.get("tools") or [],
                   **_shaping(params))

    @cached_property
    def digest(self) -> str:
        """What two requests share when a recording answers both (input items compared normalised;
        shaping parameters at their defaults absent, so a recording made before they were matched
        keeps its digest)."""
        shape = {"model": self.model, "instructions": self.instructions,
                 "input": [_normalised_item(i) for i in self.input], "tools": self.tools,
                 **_shaping({k: getattr(self, k) for k in SHAPING})}
        return hashlib.sha256(orjson.dumps(shape, option=orjson.OPT_SORT_KEYS)).hexdigest()


class Match(BaseModel):
    model_config = _STRICT

    method: str | None = None  # with `path`: GET, POST, …
    path: str | None = None  # a regex on the URL path; makes the rule a fault rule for any endpoint
    model: str | None = None  # alias or snapshot, exactly
    model_regex: str | None = None
    input_contains: str | None = None  # in the last user message
    input_regex: str | None = None  # searched in the last user message
    instructions_contains: str | None = None
    metadata: dict[str, str] | None = None  # all these pairs present
    tools: list[str] | None = None  # tool names (functions, custom) or types (web_search, …) all present
    has_tools: bool | None = None
    has_tool_output: bool | None = None  # this turn carries tool results (the follow-up call)
    conversation: str | None = None
    previous_response_id: str | None = None
    stream: bool | None = None
    background: bool | None = None
    request: Recorded | None = None  # a recording's: exactly this request (model, instructions, input, tools)
    call: int | None = Field(None, ge=1)  # only the Nth request this match block accepts
    times: int | None = Field(None, ge=1)  # only the first N of them

    @field_validator("path", "model_regex", "input_regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            patterns.compile(value)  # RE2: refused here if it cannot run in linear time
        return value


class FunctionCall(BaseModel):
    model_config = _STRICT

    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)
    call_id: str | None = None
    kind: Literal["function", "custom"] = "function"


class Reasoning(BaseModel):
    model_config = _STRICT

    summary: str | None = None
    tokens: int = Field(0, ge=0)


class Usage(BaseModel):
    model_config = _STRICT

    input_tokens: int | None = Field(None, ge=0)
    output_tokens: int | None = Field(None, ge=0)
    reasoning_tokens: int | None = Field(None, ge=0)
    cached_tokens: int | None = Field(None, ge=0)


class ModelError(BaseModel):
    model_config = _STRICT

    code: ErrorCode = "server_error"  # type: ignore[valid-type]
    message: str = "The model failed to generate a response."


# A header a rule may add to its error reply: an RFC 9110 token name, a value of visible ASCII,
# spaces and tabs (no CR/LF: a rule must not write its own header lines). Framing and
# hop-by-hop headers belong to the server: a rule's Content-Length broke the reply it framed.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
_SERVER_HEADERS = frozenset({"content-length", "transfer-encoding", "content-encoding", "connection",
                             "keep-alive", "proxy-connection", "te", "trailer", "upgrade"})


class HttpError(BaseModel):
    model_config = _STRICT

    status: int = Field(500, ge=400, le=599)
    message: str | None = None
    type: str | None = None
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    retry_after: float | None = Field(None, ge=0)  # seconds; 429s get the real rate-limit headers too

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)")
            if name.lower() in _SERVER_HEADERS:
                raise ValueError(f"the header {name!r} is set by the server (framing and hop-by-hop headers "
                                 "cannot be injected)")
            if not _HEADER_VALUE.fullmatch(text):
                raise ValueError(f"the value of header {name!r} may hold only visible ASCII characters, spaces "
                                 "and tabs (no line breaks)")
        return value


class Pace(BaseModel):
    model_config = _STRICT

    queue_delay: float | None = Field(None, ge=0)
    time_to_first_token: float | None = Field(None, ge=0)
    tokens_per_second: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _bounded(self) -> Pace:
        for field in PACE_FIELDS:
            value = getattr(self, field)
            why = value is not None and pace_problem(field, value)
            if why:
                raise ValueError(f"{field}: {why}, but got {value}")
        return self


# `respond.output`: the output items in order, as a recording saves them (each becomes one item of
# the response, in this order; two items of the same kind next to each other are one item on replay).
class MessageItem(BaseModel):
    model_config = _STRICT

    type: Literal["message"]
    text: str | None = None
    refusal: str | None = None  # a refusal part, before the text
    annotations: list[dict[str, Any]] = Field(default_factory=list)  # of the text (url_citation, …)


class ReasoningItem(BaseModel):
    model_config = _STRICT

    type: Literal["reasoning"]
    summary: str | None = None
    tokens: int = Field(0, ge=0)


class FunctionCallItem(BaseModel):
    model_config = _STRICT

    type: Literal["function_call"]
    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)
    call_id: str | None = None
    namespace: str | None = None


class CustomToolCallItem(BaseModel):
    model_config = _STRICT

    type: Literal["custom_tool_call"]
    name: str
    input: str = ""
    call_id: str | None = None
    namespace: str | None = None


class HostedItem(BaseModel):
    """A hosted tool's item (web_search_call, file_search_call, …) as the upstream gave it, without
    its id: replayed as that item, with the progress events the real API sends for its kind."""

    model_config = _STRICT

    type: str = Field(pattern=r"^[a-z_]+$", max_length=64)
    item: dict[str, Any] = Field(default_factory=dict)  # its other fields


def _item_kind(value: object) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in ("message", "reasoning", "function_call", "custom_tool_call") else "hosted"


OutputItem = Annotated[
    Annotated[MessageItem, Tag("message")] | Annotated[ReasoningItem, Tag("reasoning")]
    | Annotated[FunctionCallItem, Tag("function_call")] | Annotated[CustomToolCallItem, Tag("custom_tool_call")]
    | Annotated[HostedItem, Tag("hosted")],
    Discriminator(_item_kind)]


class Respond(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    text: str | None = None
    refusal: str | None = None
    json_: Any = Field(None, alias="json")  # structured output: serialised as the message text
    function_calls: list[FunctionCall] | None = None
    reasoning: Reasoning | None = None
    output: list[OutputItem] | None = None  # the items in this order (instead of the fields above)
    usage: Usage | None = None
    status: Literal["completed", "incomplete", "failed"] = "completed"
    incomplete_reason: Literal["max_output_tokens", "content_filter"] = "max_output_tokens"
    error: ModelError | None = None  # with status "failed"
    pace: Pace | None = None
    delay: float = Field(0.0, ge=0, le=600)  # seconds before the reply starts
    http_error: HttpError | None = None
    fault: Literal["disconnect", "stream_cut"] | None = None
    cut_after: int = Field(3, ge=0)  # with stream_cut: events sent before the stream stops

    @property
    def scripts_output(self) -> bool:
        return any(v is not None for v in (self.text, self.refusal, self.json_, self.function_calls,
                                           self.reasoning, self.output)) or self.status != "completed"

    @model_validator(mode="after")
    def _one_shape(self) -> Respond:
        if self.output is not None:
            given = [name for name, v in (("text", self.text), ("refusal", self.refusal), ("json", self.json_),
                                          ("function_calls", self.function_calls), ("reasoning", self.reasoning))
                     if v is not None]
            if given:
                raise ValueError(f"output lists the items in order: {', '.join(given)} cannot be given with it "
                                 "(put them in output)")
        return self


class Rule(BaseModel):
    model_config = _STRICT

    id: str | None = None
    api_key: str | None = None  # scope the rule to requests made with this key
    priority: int = 0  # higher first; then the most recently added
    match: Match = Field(default_factory=Match)
    respond: Respond

    @model_validator(mode="after")
    def _fault_rules_only_fault(self) -> Rule:
        if self.match.path is not None and self.respond.scripts_output:
            raise ValueError("a rule with match.path applies to any endpoint: it may only set "
                             "http_error, fault (disconnect) and delay")
        return self


class ListQuery(TypedDict, total=False):
    """GET /__admin/fixtures: the rules as listed, or (`format`) as a file `--fixtures` loads."""

    format: Annotated[Literal["json", "yaml"] | None, Field(
        description="The rules as a fixtures file (JSON or YAML): what `responses-mock fixtures export` writes")]
    api_key: ApiKey
