"""Ids with the real prefixes: 8 hex digits of the creation second, then 40 random hex digits.

Real ids look the same (`resp_67ccd2be…`): the leading timestamp makes them sort by creation time.
"""

from __future__ import annotations

import os
import random
import time

# Seeded from the OS once per process (and again in a forked child): ids must differ across
# replicas, not resist guessing, and a syscall per id showed in the profile of every create.
_random = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _random.seed(os.urandom(32)))


def new_id(prefix: str, now: float | None = None) -> str:
    stamp = int(now if now is not None else time.time())
    return f"{prefix}_{stamp:08x}{_random.getrandbits(160):040x}"


def request_id() -> str:
    """x-request-id: `req_` and 32 hex digits, as the real API sends."""
    return f"req_{_random.getrandbits(128):032x}"


def response_id() -> str:
    return new_id("resp")


def conversation_id() -> str:
    return new_id("conv")


def call_id() -> str:
    return new_id("call")


def message_id() -> str:
    return new_id("msg")


def reasoning_id() -> str:
    return new_id("rs")


# Prefixes by item type, for input items sent without an id.
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
    "compaction": "cmp",
}


def item_id(item_type: str) -> str:
    return new_id(ITEM_PREFIXES.get(item_type, "item"))
