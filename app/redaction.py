"""Secrets out of every log line: a logging filter masking key-like query parameters (the admin
API's `?api_key=`), bearer tokens and credential headers, and `sk-` keys, in messages, their
arguments and tracebacks. Installed on every handler of the server's log config (cli.py).

And out of what is stored: MCP tools' credentials (the journal masks them, a recording drops
them) and an upstream's account ids in the error messages a recording keeps."""

from __future__ import annotations

import logging
import re
import traceback

MASK = "[redacted]"

# Query parameters named like the journal's secret ones (services/journal.py), in a URL or a
# bare query string; what follows `=` up to the next separator is masked.
_PARAM = re.compile(r"(?i)((?:^|[?&;\s])[\w.%-]*(?:key|token|secret|passw|signature|auth|credential|session)"
                    r"[\w.%-]*=)[^&;\s\"'#]+")
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)[^\s\"',;]+")
_HEADER = re.compile(r"(?i)\b((?:proxy-)?authorization|x-api-key|api-key|x-admin-token|cookie)([\"']?\s*[:=]\s*[\"']?)"
                     r"(?!bearer\b|basic\b)[^\s\"',;]+")
_SK = re.compile(r"\bsk-[\w-]{6,}")
_URL_PASSWORD = re.compile(r"(\b[a-z][\w+.-]*://[^:/\s@]+:)[^@\s/]+@")  # a DSN's password: scheme://user:…@


# An organisation's or project's id in an upstream's message ("… in organization org-…").
_ACCOUNT_ID = re.compile(r"\b(org|proj)-[A-Za-z0-9_-]{4,}")
# Of an MCP tool, the caller's credentials for the MCP server.
_TOOL_CREDENTIALS = ("authorization", "headers")


def redact(text: str) -> str:
    if not any(marker in text for marker in ("=", "earer", "asic", "sk-", ":")):
        return text  # the common line: nothing that could hold a secret
    text = _PARAM.sub(lambda m: m.group(1) + MASK, text)
    text = _BEARER.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _HEADER.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + "@", text)
    return _SK.sub(MASK, text)


def without_account_ids(text: str) -> str:
    """An upstream's message as a recording keeps it: secrets and the account's ids masked."""
    return _ACCOUNT_ID.sub(lambda m: f"{m.group(1)}-{MASK}", redact(text))


def _holds_credentials(tool: object) -> bool:
    return isinstance(tool, dict) and tool.get("type") == "mcp" and any(tool.get(k) for k in _TOOL_CREDENTIALS)


def _masked(value: object) -> object:
    return {k: MASK for k in value} if isinstance(value, dict) else MASK  # headers keep their names


def tools_without_credentials(tools: object, *, drop: bool = False) -> list | None:
    """A request's tools with MCP tools' credentials (`authorization`, `headers`) masked, or
    dropped (`drop`); None when no tool holds one, so the caller copies nothing."""
    if not isinstance(tools, list) or not any(_holds_credentials(t) for t in tools):
        return None
    out = []
    for tool in tools:
        if _holds_credentials(tool):
            tool = ({k: v for k, v in tool.items() if k not in _TOOL_CREDENTIALS} if drop else
                    {**tool, **{k: _masked(tool[k]) for k in _TOOL_CREDENTIALS if tool.get(k)}})
        out.append(tool)
    return out


class RedactSecrets(logging.Filter):
    """Masks secrets in place, keeping a record's shape (uvicorn's access-log arguments stay a
    5-tuple for the JSON formatter); a secret inside a non-string argument collapses the record
    to its redacted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        if record.args and not all(isinstance(a, (str, int, float)) for a in _values(record.args)):
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:  # formatters use exc_text when it is set
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _values(args) -> tuple:
    return tuple(args.values()) if isinstance(args, dict) else args
