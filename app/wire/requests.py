"""Request bodies, validated against the official SDK's TypedDicts, errors in the real API's words.

The SDK's `*Params` TypedDicts list every accepted parameter and its type, so they are our source
of truth: unknown keys (at any depth), wrong types and bad enum values are rejected from them.
Ranges and limits the types cannot express are checked here too.
"""

from __future__ import annotations

from typing import Annotated, Any, Iterable, Literal, Optional

import orjson
from openai.types.conversations.conversation_create_params import ConversationCreateParams
from openai.types.conversations.conversation_update_params import ConversationUpdateParams
from openai.types.responses.input_token_count_params import InputTokenCountParams
from openai.types.responses.response_compact_params import ResponseCompactParams
from openai.types.responses.response_create_params import ResponseCreateParamsBase
from openai.types.responses.response_input_item_param import ResponseInputItemParam
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import Required, TypedDict

from responses_mock import ids
from responses_mock.errors import InvalidRequest

# Strict, like the real API: "yes" is not a boolean and "5" is not an integer.
_FORBID = ConfigDict(extra="forbid", strict=True)


class CreateResponseBody(ResponseCreateParamsBase, total=False):
    stream: Optional[bool]
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class CountTokensBody(InputTokenCountParams, total=False):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class CompactBody(ResponseCompactParams, total=False):
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

_KIND = {
    "string": "a string", "int": "an integer", "float": "a decimal", "bool": "a boolean",
    "dict": "an object", "typed_dict": "an object", "model": "an object", "list": "an array",
    "iterable": "an array", "none": "null",
}
_TYPE_ERRORS = {
    "string_type": "string", "int_type": "int", "int_parsing": "int", "int_from_float": "int",
    "float_type": "float", "float_parsing": "float", "bool_type": "bool", "bool_parsing": "bool",
    "dict_type": "dict", "typed_dict_type": "dict", "model_type": "dict", "list_type": "list",
    "iterable_type": "list", "none_required": "none",
}

MALFORMED_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
    "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
    "valid JSON. If you have trouble figuring out how to fix this, please contact us through our "
    "help center at help.openai.com.)"
)


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _walk(loc: tuple, data: Any) -> tuple[list, Any, bool]:
    """Follow an error location through the data, skipping pydantic's union-branch tags.

    Returns the real path, the value found there, and whether the path ends on a present value.
    """
    path: list = []
    node, present = data, True
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
        elif isinstance(part, str) and isinstance(node, dict) and "[" not in part and part[:1].islower():
            # A key the data lacks (missing parameter), not a branch tag like 'EasyInputMessageParam'.
            path.append(part)
            present, node = False, None
    return path, node, present


def param_name(path: Iterable) -> str | None:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def _message(err: dict, param: str | None, value: Any) -> tuple[str, str]:
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"Unknown parameter: '{param}'.", "unknown_parameter"
    if kind == "missing":
        return f"Missing required parameter: '{param}'.", "missing_required_parameter"
    if kind in ("literal_error", "enum"):
        expected = (err.get("ctx") or {}).get("expected", "")
        head, sep, last = expected.rpartition(" or ")
        expected = (f"{head}, and {last}" if "," in head else f"{head} and {last}") if sep else expected
        shown = f"'{value}'" if isinstance(value, str) else orjson.dumps(value).decode()
        return f"Invalid value: {shown}. Supported values are: {expected}.", "invalid_value"
    bounds = {"greater_than_equal": ("below minimum", ">=", "ge"), "less_than_equal": ("above maximum", "<=", "le")}
    if kind in bounds:
        where, sign, key = bounds[kind]
        limit = (err.get("ctx") or {}).get(key)
        number = "integer" if isinstance(limit, int) else "decimal"
        return (f"Invalid '{param}': {number} {where} value. Expected a value {sign} {limit}, but got {value} instead.",
                f"{number}_{where.split()[0]}_{'min' if key == 'ge' else 'max'}_value")
    if kind in _TYPE_ERRORS:
        want = _KIND[_TYPE_ERRORS[kind]]
        got = "a decimal" if kind == "int_from_float" else _kind_of(value)
        return f"Invalid type for '{param}': expected {want}, but got {got} instead.", "invalid_type"
    return f"Invalid '{param}': {err['msg']}.", "invalid_value"


def validation_error(errors: list[dict], data: Any) -> InvalidRequest:
    """The single most specific error, worded as the real API words it.

    Pydantic reports one error per union branch; the branch that got furthest into the data is
    the one the client meant (e.g. a message with a bad `role`, not "not a string").
    """
    errors = _by_discriminator(errors)

    def rank(err: dict) -> tuple:
        loc = tuple(err["loc"])
        if loc and loc[0] in ("body", "query", "path") and data is None:
            loc = loc[1:]
        path, _, present = _walk(loc, data) if data is not None else (list(loc), None, True)
        return (len(path), present, err["type"] != "missing")

    best = max(errors, key=rank)
    loc = tuple(best["loc"])
    if data is None:  # query/path parameters: FastAPI's loc is ("query", "include[]", 0)
        path = [p.removesuffix("[]") if isinstance(p, str) else p for p in loc[1:]]
        value = best.get("input")
    else:
        path, value, _ = _walk(loc, data)
    param = param_name(path)
    message, code = _message(best, param, value)
    return InvalidRequest(message, param=param, code=code)


def _by_discriminator(errors: list[dict]) -> list[dict]:
    """Judge a union by its `type`, as the real API does: the members whose `type` refused the
    value sent are not what the client meant, so their errors go. If every member refused it, one
    error remains that lists every value the union accepts."""
    refused: dict[tuple, dict[str, dict]] = {}  # union location → member → its `type` error
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "literal_error" and len(loc) >= 2 and loc[-1] == "type" and isinstance(loc[-2], str):
            refused.setdefault(loc[:-2], {})[loc[-2]] = err
    if not refused:
        return errors

    def member_of(loc: tuple) -> tuple[tuple, str] | None:
        for prefix in refused:
            if len(loc) > len(prefix) and loc[:len(prefix)] == prefix and isinstance(loc[len(prefix)], str):
                return prefix, loc[len(prefix)]
        return None

    kept, members_seen = [], {}
    for err in errors:
        found = member_of(tuple(err["loc"]))
        if found is not None:
            members_seen.setdefault(found[0], set()).add(found[1])
            if found[1] in refused[found[0]]:
                continue
        kept.append(err)
    for prefix, members in refused.items():
        if members_seen.get(prefix, set()) <= set(members):  # nobody took the value: list them all
            first = next(iter(members.values()))
            values = []
            for err in members.values():
                values += [v.strip() for v in str((err.get("ctx") or {}).get("expected", "")).replace(" or ", ",").split(",") if v.strip()]
            values = list(dict.fromkeys(values))
            expected = ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]
            kept.append({**first, "ctx": {"expected": expected}})
    return kept


class _LazyErrors(Exception):
    """Errors of a lazily validated array, with their locations made absolute."""

    def __init__(self, errors: list[dict]) -> None:
        self.errors = errors


def _materialize(value: Any, path: tuple = ()) -> Any:
    # The SDK types some arrays as Iterable[...], which pydantic validates lazily; force it, and
    # give the errors found on the way their full location (pydantic's is relative to the array).
    if isinstance(value, dict):
        return {k: _materialize(v, path + (k,)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_materialize(v, path + (i,)) for i, v in enumerate(value)]
    if value is not None and not isinstance(value, (str, bytes, int, float, bool)) and hasattr(value, "__iter__"):
        try:
            items = list(value)
        except ValidationError as exc:
            raise _LazyErrors([{**e, "loc": path + tuple(e["loc"])} for e in exc.errors()]) from None
        return [_materialize(v, path + (i,)) for i, v in enumerate(items)]
    return value


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
                             f"Invalid type for body: expected an object, but got {_kind_of(data)} instead.")
    if not _depth_ok(data):
        raise InvalidRequest(f"Invalid body: JSON nested more than {MAX_DEPTH} levels deep.", code="invalid_json")
    return data


def _non_empty(value: Any, param: str) -> None:
    if value == "":
        raise InvalidRequest(f"Invalid '{param}': empty string. Expected a string with minimum length 1, but got "
                             "an empty string instead.", param=param, code="empty_string")
    if isinstance(value, str) and "\x00" in value:  # no id has one (and Postgres text cannot hold one)
        raise InvalidRequest(f"Invalid '{param}': the id contains a null character.", param=param,
                             code="invalid_value")


def _check_ids(data: dict) -> None:
    """Ids are absent or real: an empty one is refused; a null one on an item means absent (the
    server names the item), as for any optional field."""
    _non_empty(data.get("previous_response_id"), "previous_response_id")
    conversation = data.get("conversation")
    _non_empty(conversation.get("id") if isinstance(conversation, dict) else conversation,
               "conversation.id" if isinstance(conversation, dict) else "conversation")
    for key in ("input", "items"):
        value = data.get(key)
        if not isinstance(value, list):
            continue
        for i, item in enumerate(value):
            if isinstance(item, dict):
                if "id" in item and item["id"] is None:
                    value[i] = item = {k: v for k, v in item.items() if k != "id"}
                _non_empty(item.get("id"), f"{key}[{i}].id")
                _non_empty(item.get("call_id"), f"{key}[{i}].call_id")


def _lift_item_ids(data: dict) -> dict[tuple[str, int], str]:
    """Take `id` off input messages of role user/system/developer, to put back after validation.

    The SDK's input-message types have no `id`, yet the API lists such messages with ids (input
    items, conversation items, compaction output) and documents sending them back as input.
    """
    lifted = {}
    for key in ("input", "items"):
        value = data.get(key)
        if not isinstance(value, list):
            continue
        for i, item in enumerate(value):
            if (isinstance(item, dict) and item.get("type", "message") == "message"
                    and item.get("role") != "assistant" and isinstance(item.get("id"), str)):
                data[key][i] = {k: v for k, v in item.items() if k != "id"}
                lifted[(key, i)] = item["id"]
    return lifted


def _fill_optional_tool_fields(data: dict) -> None:
    """The SDK types `strict` and `parameters` of a function tool as required-but-nullable; the API
    accepts them left out (the Agents SDK and many clients do), so absent means null here."""
    for tool in data.get("tools") or []:
        if isinstance(tool, dict) and tool.get("type") == "function":
            tool.setdefault("strict", None)
            tool.setdefault("parameters", None)


def _drop_nulls(data: dict) -> dict:
    """A null optional parameter means "not given": clients such as LlamaIndex send every optional
    field on every call (`"user": null`, `"tools": null`…), and the real API takes them. Required
    ones are checked for presence before this (`model`) or report as missing."""
    return {k: v for k, v in data.items() if v is not None}


def _fill_image_detail(data: dict) -> None:
    """`detail` of an input image is optional on the wire (the docs' own example leaves it out; the
    API treats it as "auto"), though the SDK types it as required."""
    for key in ("input", "items"):
        for item in data.get(key) or [] if isinstance(data.get(key), list) else []:
            content = item.get("content") if isinstance(item, dict) else None
            for part in content if isinstance(content, list) else []:
                if isinstance(part, dict) and part.get("type") == "input_image" and part.get("detail") is None:
                    part["detail"] = "auto"


_OUTPUT_PARTS = ("output_text", "refusal")


def _fill_assistant_messages(data: dict) -> None:
    """An earlier answer sent back as an assistant message with output parts (LangChain, the AI
    SDK) needs no `status`, `annotations` or `id`, as the real API takes it; the SDK's output-message
    type requires them, so they are filled in (the server names the item if it has no id)."""
    for key in ("input", "items"):
        for item in data.get(key) or [] if isinstance(data.get(key), list) else []:
            if not (isinstance(item, dict) and item.get("role") == "assistant" and item.get("type", "message") == "message"
                    and isinstance(item.get("content"), list)):
                continue
            parts = [p for p in item["content"] if isinstance(p, dict)]
            if not parts or not all(p.get("type") in _OUTPUT_PARTS for p in parts):
                continue
            item.setdefault("type", "message")
            item.setdefault("status", "completed")
            if not item.get("id"):
                item["id"] = ids.item_id("message")
            for part in parts:
                if part.get("type") == "output_text":
                    part.setdefault("annotations", [])


def _validate(adapter: TypeAdapter, data: dict) -> dict:
    data = _drop_nulls(data)
    _check_ids(data)
    _fill_image_detail(data)
    _fill_assistant_messages(data)
    _fill_optional_tool_fields(data)
    lifted = _lift_item_ids(data)
    try:
        params = _materialize(adapter.validate_python(data))
        for (key, i), item_id in lifted.items():
            params[key][i] = {"id": item_id, **params[key][i]}
        return params
    except ValidationError as exc:
        raise validation_error(exc.errors(), data) from None
    except _LazyErrors as exc:
        raise validation_error(exc.errors, data) from None


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
                                 f"{_kind_of(value)} instead.", param=f"{param}.{key}", code="invalid_type")
        if len(value) > 512:
            raise InvalidRequest(f"Invalid '{param}.{key}': string too long. Expected a string with "
                                 f"maximum length 512, but got a string with length {len(value)} instead.",
                                 param=f"{param}.{key}", code="string_above_max_length")


def create_response(raw: bytes) -> dict:
    data = parse_json(raw)
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


def _max_items(items: list | None, key: str = "items") -> None:
    if items is not None and len(items) > MAX_ITEMS_PER_CALL:
        raise InvalidRequest(f"Invalid '{key}': array too long. Expected an array with maximum length "
                             f"{MAX_ITEMS_PER_CALL}, but got an array with length {len(items)} instead.",
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
