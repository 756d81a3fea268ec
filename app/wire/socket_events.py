"""What WebSocket mode sends beyond the stream events: errors in the socket's envelope and the
steering events, shaped as the SDK's `ResponsesServerEvent` members define them.

A socket's events are the SSE stream's, byte for byte, with two differences the SDK types make:
`stream_id` is added when the `response.create` named a lane, and an `error` is nested
(`{"type": "error", "status", "error": {type, code, message, param}}`) instead of flat.
"""

from __future__ import annotations

from typing import Any

import orjson

from responses_mock.errors import APIError

# The steering input the real API accepts: user messages of text, images and files.
STEER_PARTS = frozenset({"input_text", "input_image", "input_file"})
STEER_KEYS = frozenset({"type", "previous_response_id", "input"})

CONNECTION_LIMIT = APIError("Responses websocket connection limit reached (60 minutes). Create a new "
                            "websocket connection to continue.", code="websocket_connection_limit_reached")


def with_lane(data: str, stream_id: str | None) -> str:
    """An event's JSON with the lane it belongs to (its last field, as the SDK types list it)."""
    if stream_id is None:
        return data
    return data[:-1] + ',"stream_id":' + orjson.dumps(stream_id).decode() + "}"


def error(err: APIError, stream_id: str | None = None) -> dict:
    """A protocol or request error: the HTTP envelope's fields, nested, with the status."""
    inner: dict[str, Any] = {"type": err.type, "code": err.code, "message": err.message, "param": err.param}
    if err.headers:
        inner["headers"] = dict(err.headers)
    event: dict[str, Any] = {"type": "error", "status": err.status, "error": inner}
    if stream_id is not None:
        event["stream_id"] = stream_id
    return event


def stream_error(data: str) -> dict:
    """A run's own `error` event (a failure mid-stream, a cancel) in the socket's shape."""
    flat = orjson.loads(data)
    kind = "invalid_request_error" if flat.get("code") == "response_cancelled" else "server_error"
    return {"type": "error", "error": {"type": kind, "code": flat.get("code"), "message": flat["message"],
                                       "param": flat.get("param")}, "sequence_number": flat["sequence_number"]}


def steer_problem(event: dict) -> str | None:
    """Why a `response.steer` is not one the real API takes, or None."""
    extra = sorted(set(event) - STEER_KEYS)
    if extra:
        return f"Unknown parameter: '{extra[0]}'. response.steer accepts only 'type', 'previous_response_id' and 'input'."
    if not isinstance(event.get("previous_response_id"), str) or not event["previous_response_id"]:
        return "Missing required parameter: 'previous_response_id'."
    value = event.get("input")
    if isinstance(value, str):
        return None if value else "Invalid 'input': empty string. Expected a non-empty string."
    if not isinstance(value, list) or not value:
        return "Invalid 'input': expected a string or a non-empty array of user messages."
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) - {"type", "role", "content"}:
            return f"Invalid 'input[{i}]': steering accepts only messages with 'type', 'role' and 'content'."
        if item.get("type", "message") != "message" or item.get("role") != "user":
            return f"Invalid 'input[{i}]': steering accepts only messages with the 'user' role."
        content = item.get("content")
        if isinstance(content, str):
            continue
        if not isinstance(content, list) or not all(
                isinstance(part, dict) and part.get("type") in STEER_PARTS for part in content):
            return (f"Invalid 'input[{i}].content': expected a string or an array of 'input_text', "
                    "'input_image' and 'input_file' parts.")
    return None


def steer_messages(value: str | list) -> list[dict]:
    """Steering input as input items, in the order it was sent."""
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": value}]
    return [{"type": "message", **item} for item in value]


# Tool calls a response can stop on, and the stub of the input that answers each.
_ANSWERS = {
    "function_call": lambda i: {"type": "function_call_output", "call_id": i["call_id"], "name": i["name"]},
    "custom_tool_call": lambda i: {"type": "custom_tool_call_output", "call_id": i["call_id"]},
    "computer_call": lambda i: {"type": "computer_call_output", "call_id": i["call_id"]},
    # local_shell_call_output names the call it answers by `id` (the call's call_id), as its type has it
    "local_shell_call": lambda i: {"type": "local_shell_call_output", "id": i["call_id"]},
    "shell_call": lambda i: {"type": "shell_call_output", "call_id": i["call_id"]},
    "apply_patch_call": lambda i: {"type": "apply_patch_call_output", "call_id": i["call_id"]},
    "mcp_approval_request": lambda i: {"type": "mcp_approval_response", "approval_request_id": i["id"]},
}


def required_input(output: list[dict]) -> list[dict]:
    """What the client owes a response that stopped on its tool calls or approvals."""
    return [_ANSWERS[item["type"]](item) for item in output if item.get("type") in _ANSWERS]
