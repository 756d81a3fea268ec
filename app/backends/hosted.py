"""Plausible output items of hosted tools — web search, file search, code interpreter, image
generation, MCP — with the stream events the real API sends for each, and the calls of the built-in
shell tools (local_shell, shell) that the client runs. Nothing leaves the machine: results are
deterministic stand-ins, so clients that render these items can be tested offline."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from collections.abc import Sequence

import orjson

from responses_mock import ids
from responses_mock.backends.base import HostedCall, Passage


def _progress(kind: str, *steps: str) -> tuple[tuple[str, dict], ...]:
    return tuple((f"response.{kind}.{step}", {}) for step in steps)


def web_search(query: str) -> HostedCall:
    return HostedCall(
        {"type": "web_search_call", "status": "completed", "action": {"type": "search", "query": query}},
        _progress("web_search_call", "in_progress", "searching", "completed"))


def file_search(query: str, results: Sequence[Passage] = (), *, with_results: bool = False) -> HostedCall:
    """The search the services ran over the tool's vector stores (ModelContext.file_search_results);
    its results are on the item only when `include` asks for "file_search_call.results", as the
    real API's are."""
    found = [{"file_id": r.file_id, "filename": r.filename, "score": r.score, "text": r.text,
              "attributes": r.attributes} for r in results] if with_results else None
    return HostedCall({"type": "file_search_call", "status": "completed", "queries": [query], "results": found},
                      _progress("file_search_call", "in_progress", "searching", "completed"))


def code_interpreter(code: str, container: object, seed: str) -> HostedCall:
    container_id = container if isinstance(container, str) else "cntr_" + hashlib.sha256(seed.encode()).hexdigest()[:48]
    progress = (("response.code_interpreter_call.in_progress", {}),
                ("response.code_interpreter_call_code.delta", {"delta": code}),
                ("response.code_interpreter_call_code.done", {"code": code}),
                ("response.code_interpreter_call.interpreting", {}),
                ("response.code_interpreter_call.completed", {}))
    return HostedCall({"type": "code_interpreter_call", "status": "completed", "code": code,
                       "container_id": container_id, "outputs": None}, progress)


def image_generation(prompt: str) -> HostedCall:
    return HostedCall({"type": "image_generation_call", "status": "completed", "result": png_base64(prompt)},
                      _progress("image_generation_call", "in_progress", "generating", "completed"))


def mcp_list_tools(label: str, names: list[str]) -> HostedCall:
    tools = [{"name": n, "description": f"The {n} tool of the {label} server.",
              "input_schema": {"type": "object", "properties": {"query": {"type": "string"}},
                               "required": ["query"], "additionalProperties": False},
              "annotations": None} for n in names]
    return HostedCall({"type": "mcp_list_tools", "server_label": label, "tools": tools, "error": None},
                      _progress("mcp_list_tools", "in_progress", "completed"))


def mcp_call(label: str, name: str, arguments: dict, approval_request_id: str | None = None) -> HostedCall:
    args = orjson.dumps(arguments).decode()
    output = f"{name} on {label} returned results for {arguments.get('query', args)!s}."
    progress = (("response.mcp_call.in_progress", {}), ("response.mcp_call_arguments.delta", {"delta": args}),
                ("response.mcp_call_arguments.done", {"arguments": args}), ("response.mcp_call.completed", {}))
    item = {"type": "mcp_call", "status": "completed", "server_label": label, "name": name, "arguments": args,
            "output": output, "error": None, "approval_request_id": approval_request_id}
    return HostedCall(item, progress)


def mcp_approval_request(label: str, name: str, arguments: dict) -> HostedCall:
    return HostedCall({"type": "mcp_approval_request", "server_label": label, "name": name,
                       "arguments": orjson.dumps(arguments).decode()})


def local_shell_call(command: list[str]) -> HostedCall:
    """A `local_shell` tool's call: the client runs the argv and answers with local_shell_call_output."""
    return HostedCall({"type": "local_shell_call", "status": "completed", "call_id": ids.call_id(),
                       "action": {"type": "exec", "command": command, "env": {}}})


def shell_call(command: str, environment: object) -> HostedCall:
    """A built-in `shell` tool's call: one command, no limits of its own."""
    env = {"type": "local"} if isinstance(environment, dict) and environment.get("type") == "local" else None
    return HostedCall({"type": "shell_call", "status": "completed", "call_id": ids.call_id(),
                       "action": {"commands": [command], "timeout_ms": None, "max_output_length": None},
                       "environment": env})


def png_base64(seed: str, size: int = 16) -> str:
    """A small solid-colour PNG whose colour comes from the prompt: valid, tiny, deterministic."""
    r, g, b = hashlib.sha256(seed.encode()).digest()[:3]
    raw = b"".join(b"\x00" + bytes((r, g, b)) * size for _ in range(size))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()
