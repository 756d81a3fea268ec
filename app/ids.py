"""Ids with the real prefixes and length: 8 hex digits of the creation second, then 40 more.

Real ids look the same (`resp_67ccd2be…`): the leading timestamp makes them sort by creation time.
The 40 digits are this process's own 8 (random), a counter's 12 (from a random start) and 20
random ones. Ids from one process so come in order: a new row's key lands at the end of each
index instead of on a random page, which halves what every SQLite commit writes. Uniqueness does
not hang on chance within a process (the counter), nor much across processes (32 + 80 bits).
"""

from __future__ import annotations

import itertools
import os
import random
import time


def _reseed() -> None:
    global _random, _process, _counter
    _random = random.Random(os.urandom(32))  # a syscall per id showed in every create's profile
    _process = _random.getrandbits(32)
    _counter = itertools.count(_random.getrandbits(44))
    _request_ids.clear()  # a child made its own: never the parent's


_request_ids: list[str] = []  # x-request-ids made ahead, in blocks: formatting one at a time cost ~4k instructions
_BLOCK = 256


_reseed()
os.register_at_fork(after_in_child=_reseed)


def new_id(prefix: str, now: float | None = None) -> str:
    stamp = int(now if now is not None else time.time())
    return f"{prefix}_{stamp:08x}{_process:08x}{next(_counter) & 0xFFFFFFFFFFFF:012x}{_random.getrandbits(80):020x}"


def request_id() -> str:
    """x-request-id: `req_` and 32 hex digits, as the real API sends."""
    try:
        return _request_ids.pop()
    except IndexError:
        digits = f"{_random.getrandbits(128 * _BLOCK):0{32 * _BLOCK}x}"
        _request_ids.extend(f"req_{digits[i:i + 32]}" for i in range(0, len(digits), 32))
        return _request_ids.pop()


def response_id() -> str:
    return new_id("resp")


def conversation_id() -> str:
    return new_id("conv")


def call_id() -> str:
    return new_id("call")


def file_id() -> str:
    """Files are the one id with a hyphen: `file-…`, as the real API's."""
    return "file-" + new_id("file")[5:]


def vector_store_id() -> str:
    return new_id("vs")


def file_batch_id() -> str:
    return new_id("vsfb")


def upload_id() -> str:
    return new_id("upload")


def upload_part_id() -> str:
    return new_id("part")


def message_id() -> str:
    return new_id("msg")


def reasoning_id() -> str:
    return new_id("rs")


# Prefixes by item type, for items sent or made without an id (the API reference's examples:
# `sh_123` for a shell call, `at_123` for an additional_tools item…).
ITEM_PREFIXES = {
    "message": "msg",
    "reasoning": "rs",
    "function_call": "fc",
    "function_call_output": "fco",
    "web_search_call": "ws",
    "file_search_call": "fs",
    "computer_call": "cu",
    "computer_call_output": "cuo",
    "custom_tool_call": "ctc",
    "custom_tool_call_output": "ctco",
    "image_generation_call": "ig",
    "code_interpreter_call": "ci",
    "mcp_call": "mcp",
    "mcp_list_tools": "mcpl",
    "mcp_approval_request": "mcpr",
    "mcp_approval_response": "mcpa",
    "local_shell_call": "lsh",
    "local_shell_call_output": "lsho",
    "shell_call": "sh",
    "shell_call_output": "sho",
    "apply_patch_call": "apc",
    "apply_patch_call_output": "apco",
    "tool_search_call": "tsc",
    "tool_search_output": "tso",
    "additional_tools": "at",
    "program": "cm",
    "program_output": "cmo",
    "agent_message": "amsg",
    "multi_agent_call": "mac",
    "multi_agent_call_output": "maco",
    "compaction": "cmp",
}


def item_id(item_type: str) -> str:
    return new_id(ITEM_PREFIXES.get(item_type, "item"))
