"""Request bodies, validated against the official SDK's TypedDicts, errors in the real API's words.

The SDK's `*Params` TypedDicts list every accepted parameter and its type, so they are our source
of truth: unknown keys (at any depth), wrong types and bad enum values are rejected from them.
Ranges and limits the types cannot express are checked here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal, Required, get_type_hints

import orjson
from openai.types.conversations.conversation_create_params import ConversationCreateParams
from openai.types.conversations.conversation_update_params import ConversationUpdateParams
from openai.types.responses.input_token_count_params import InputTokenCountParams
from openai.types.responses.response_compact_params import ResponseCompactParams
from openai.types.responses.response_create_params import ResponseCreateParamsBase
from openai.types.responses.response_input_item_param import ResponseInputItemParam
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from responses_mock.errors import InvalidRequest
from responses_mock.wire import normalise
from responses_mock.wire.wording import LazyErrors, kind_of, materialize, validation_error

# Strict, like the real API: "yes" is not a boolean and "5" is not an integer.
_FORBID = ConfigDict(extra="forbid", strict=True)


class CreateResponseBody(ResponseCreateParamsBase, total=False):
    stream: bool | None
    client_metadata: dict[str, str]  # beyond the SDK's types: normalise.EXTRAS
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class CountTokensBody(InputTokenCountParams, total=False):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class CompactBody(ResponseCompactParams, total=False):
    client_metadata: dict[str, str]  # beyond the SDK's types: normalise.EXTRAS
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class CreateConversationBody(ConversationCreateParams, total=False):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class UpdateConversationBody(ConversationUpdateParams, total=False):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class CreateItemsBody(TypedDict, total=False):
    # The SDK's ItemCreateParams also lists `include`, but sends it in the query string.
    items: Required[Iterable[ResponseInputItemParam]]
    __pydantic_config__ = _FORBID  # type: ignore[misc]


CREATE = TypeAdapter(CreateResponseBody)
COUNT = TypeAdapter(CountTokensBody)
COMPACT = TypeAdapter(CompactBody)
CREATE_CONVERSATION = TypeAdapter(CreateConversationBody)
UPDATE_CONVERSATION = TypeAdapter(UpdateConversationBody)
CREATE_ITEMS = TypeAdapter(CreateItemsBody)

MAX_ITEMS_PER_CALL = 20  # conversations: items on create, and per items.create call
MAX_INPUT_ITEMS = 16_384  # the real API's cap on `input` ("array too long"), checked before validating
LARGE_BODY = 64 << 10  # bytes: a body this large is parsed in a thread (routes), its input in chunks
_CHUNK = 512  # input items per validator call: the validator holds the GIL, so the loop gets it between


def _input_only(body: type) -> TypeAdapter:
    """Validates {"input": [...]} exactly as `body` validates its `input` (same type, strictness)."""
    # The functional form: the class is made at run time, named after `body`.
    shape = TypedDict(f"{body.__name__}Input", {"input": get_type_hints(body, include_extras=True)["input"]},  # noqa: UP013
                      total=False)
    shape.__pydantic_config__ = _FORBID
    return TypeAdapter(shape)


_INPUT_ONLY = {id(CREATE): _input_only(CreateResponseBody), id(COUNT): _input_only(CountTokensBody),
               id(COMPACT): _input_only(CompactBody)}

MALFORMED_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
    "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
    "valid JSON. If you have trouble figuring out how to fix this, please contact us through our "
    "help center at help.openai.com.)"
)


MAX_DEPTH = 64  # nesting of a request body; deeper is refused before anything walks it


def _depth_ok(data: Any) -> bool:
    """Whether `data` nests at most MAX_DEPTH levels (iteratively: no recursion to overflow)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return True


def parse_json(raw: bytes) -> dict:
    try:
        data = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        raise InvalidRequest(MALFORMED_JSON) from None
    if not isinstance(data, dict):
        raise InvalidRequest(MALFORMED_JSON if data is None else
                             f"Invalid type for body: expected an object, but got {kind_of(data)} instead.")
    _check_counts(data)  # before the depth walk: both cost per item, this costs nothing
    if not _depth_ok(data):
        raise InvalidRequest(f"Invalid body: JSON nested more than {MAX_DEPTH} levels deep.", code="invalid_json")
    return data


def _check_counts(data: dict) -> None:
    """The arrays capped by count, refused before any of their items is read."""
    for key, cap in (("input", MAX_INPUT_ITEMS), ("items", MAX_ITEMS_PER_CALL)):
        if isinstance(data.get(key), list):
            _max_items(data[key], key, cap)


def _validate(adapter: TypeAdapter, data: dict) -> dict:
    _check_counts(data)  # a WebSocket's response.create comes here without parse_json
    data, lifted = normalise.prepare(data)
    try:
        params = _validated(adapter, data)
        for (key, i), fields in lifted.items():
            params[key][i] = {**fields, **params[key][i]}
        return params
    except ValidationError as exc:
        raise validation_error(exc.errors(), data) from None
    except LazyErrors as exc:
        raise validation_error(exc.errors, data) from None


def _validated(adapter: TypeAdapter, data: dict) -> dict:
    """The validated body; a long `input` validated _CHUNK items at a time (errors as if whole)."""
    items = data.get("input")
    if id(adapter) not in _INPUT_ONLY or not isinstance(items, list) or len(items) <= _CHUNK:
        return materialize(adapter.validate_python(data))
    params = materialize(adapter.validate_python({**data, "input": items[:_CHUNK]}))
    for start in range(_CHUNK, len(items), _CHUNK):
        try:
            part = materialize(_INPUT_ONLY[id(adapter)].validate_python({"input": items[start:start + _CHUNK]}))
        except ValidationError as exc:
            raise LazyErrors(_shifted(exc.errors(), start)) from None
        except LazyErrors as exc:
            raise LazyErrors(_shifted(exc.errors, start)) from None
        params["input"].extend(part["input"])
    return params


def _shifted(errors: list[dict], start: int) -> list[dict]:
    """A chunk's errors located in the whole `input`: its item index (the first integer) moved on."""
    out = []
    for err in errors:
        loc = list(err["loc"])
        at = next((i for i, part in enumerate(loc) if isinstance(part, int)), None)
        if at is not None:
            loc[at] += start
        out.append({**err, "loc": tuple(loc)})
    return out


def _range(data: dict, key: str, low: float | None, high: float | None, kind: str = "integer") -> None:
    value = data.get(key)
    if value is None:
        return
    if low is not None and value < low:
        raise InvalidRequest(f"Invalid '{key}': {kind} below minimum value. Expected a value >= {low}, "
                             f"but got {value} instead.", param=key, code=f"{kind}_below_min_value")
    if high is not None and value > high:
        raise InvalidRequest(f"Invalid '{key}': {kind} above maximum value. Expected a value <= {high}, "
                             f"but got {value} instead.", param=key, code=f"{kind}_above_max_value")


def check_metadata(metadata: dict | None, param: str = "metadata") -> None:
    """Metadata limits: at most 16 pairs, keys ≤ 64 characters, values ≤ 512 characters."""
    if not metadata:
        return
    if len(metadata) > 16:
        raise InvalidRequest(f"Invalid '{param}': too many properties. Expected an object with at most "
                             f"16 properties, but got an object with {len(metadata)} properties instead.",
                             param=param, code="object_above_max_properties")
    for key, value in metadata.items():
        if len(key) > 64:
            raise InvalidRequest(f"Invalid '{param}': metadata key is too long. Expected a string with "
                                 f"maximum length 64, but got a string with length {len(key)} instead.",
                                 param=f"{param}.{key}", code="string_above_max_length")
        if not isinstance(value, str):
            raise InvalidRequest(f"Invalid type for '{param}.{key}': expected a string, but got "
                                 f"{kind_of(value)} instead.", param=f"{param}.{key}", code="invalid_type")
        if len(value) > 512:
            raise InvalidRequest(f"Invalid '{param}.{key}': string too long. Expected a string with "
                                 f"maximum length 512, but got a string with length {len(value)} instead.",
                                 param=f"{param}.{key}", code="string_above_max_length")


def create_response(raw: bytes) -> dict:
    return create_params(parse_json(raw))


def create_params(data: dict) -> dict:
    """A create body already parsed (an HTTP body, or a WebSocket `response.create`'s fields)."""
    _required_model(data)
    params = _validate(CREATE, data)
    _range(params, "temperature", 0, 2, "decimal")
    _range(params, "top_p", 0, 1, "decimal")
    _range(params, "max_output_tokens", 16, None)
    _range(params, "top_logprobs", 0, 20)
    _range(params, "max_tool_calls", 1, None)
    check_metadata(params.get("metadata"))
    return params


def count_tokens(raw: bytes) -> dict:
    return _validate(COUNT, parse_json(raw))


def _required_model(data: dict) -> None:
    if data.get("model") is None:
        raise InvalidRequest("Missing required parameter: 'model'.", param="model",
                             code="missing_required_parameter")


def compact(raw: bytes) -> dict:
    data = parse_json(raw)
    _required_model(data)
    return _validate(COMPACT, data)


def _conversation_items(items: list | None, key: str = "items") -> None:
    """What a conversation holds is items themselves: a reference to one is not an item."""
    for i, item in enumerate(items or []):
        if item.get("type") == "item_reference" or ("type" in item and item["type"] is None):
            raise InvalidRequest(f"Invalid '{key}[{i}].type': a conversation holds items, not references to "
                                 "them; add the item itself.", param=f"{key}[{i}].type", code="invalid_value")


def _max_items(items: list | None, key: str = "items", cap: int = MAX_ITEMS_PER_CALL) -> None:
    if items is not None and len(items) > cap:
        raise InvalidRequest(f"Invalid '{key}': array too long. Expected an array with maximum length "
                             f"{cap}, but got an array with length {len(items)} instead.",
                             param=key, code="array_above_max_length")


def create_conversation(raw: bytes) -> dict:
    params = _validate(CREATE_CONVERSATION, parse_json(raw) if raw else {})
    _max_items(params.get("items"))
    _conversation_items(params.get("items"))
    check_metadata(params.get("metadata"))
    return params


def update_conversation(raw: bytes) -> dict:
    params = _validate(UPDATE_CONVERSATION, parse_json(raw))
    check_metadata(params.get("metadata"))
    return params


def create_items(raw: bytes) -> list[dict]:
    params = _validate(CREATE_ITEMS, parse_json(raw))
    _max_items(params["items"])
    _conversation_items(params["items"])
    return params["items"]


# What `include` may name (accepted on input-item listing; our stored items are already complete).
from openai.types.responses.response_includable import ResponseIncludable as Includable  # noqa: E402

# Query parameters, keyed as sent (routes/api.py validates them).
IncludeQuery = TypedDict("IncludeQuery", {"include[]": list[Includable]}, total=False)
_SEQUENCE = Annotated[int, Field(ge=0, le=2**53)]  # a stream's sequence numbers
RetrieveQuery = TypedDict("RetrieveQuery", {
    "stream": bool, "starting_after": _SEQUENCE, "include_obfuscation": bool, "include[]": list[Includable]}, total=False)
PageQuery = TypedDict("PageQuery", {
    "limit": int, "order": Literal["asc", "desc"], "after": str, "include[]": list[Includable]}, total=False)


def check_limit(limit: int) -> None:
    _range({"limit": limit}, "limit", 1, 100)


def page(query: dict) -> dict:
    """A validated PageQuery as keyword arguments of a page read, defaults filled in."""
    limit = query.get("limit", 20)
    check_limit(limit)
    return {"limit": limit, "order": query.get("order", "desc"), "after": query.get("after")}
