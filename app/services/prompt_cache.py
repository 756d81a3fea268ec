"""Prompt caching as the real API reports it: a prompt whose first 1,024+ tokens were seen lately
reports them as `cached_tokens`, in 128-token steps past 1,024.

A prompt is hashed a 128-token block at a time (chained, so a block's hash names the whole prefix
up to it); a request finds the longest prefix seen within its expiry, then records its own. Scoped
per key, model and `prompt_cache_key`. Kept in the server process (each replica its own cache, as
the real API's caches live on its machines): entries expire IN_MEMORY_TTL after their last use, or
EXTENDED_TTL with `prompt_cache_retention: "24h"`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from array import array

from responses_mock.backends.base import Message
from responses_mock.services import tokens

MIN_TOKENS, BLOCK = 1024, 128
IN_MEMORY_TTL = 10 * 60.0  # the real in-memory retention: 5 to 10 minutes of inactivity
EXTENDED_TTL = 24 * 3600.0
_MAX_SCOPES = 10_000

_lock = threading.Lock()
_seen: dict[tuple, dict[bytes, float]] = {}  # scope → prefix hash → expiry


def prompt_ids(said: tuple[Message, ...], instructions: str | None, encoding: str) -> list[int]:
    """The prompt as tokens, framed as the counter counts it: 4 a message, 2 to prime the reply."""
    enc = tokens.encoding(encoding)
    ids: list[int] = []
    texts = ([("developer", instructions)] if instructions else []) + [(m.role, m.text) for m in said]
    for role, text in texts:
        ids += [200264, enc.encode_ordinary(role)[0] if role else 0, 200266, 200265]
        ids += enc.encode_ordinary(text)
    return ids + [200264, 173781]


def cached_tokens(scope: tuple, ids: list[int], retention: str | None = None, now: float | None = None) -> int:
    """How many of the prompt's leading tokens were cached; records the prompt for the next one."""
    if len(ids) < MIN_TOKENS:
        return 0
    now = time.monotonic() if now is None else now
    ttl = EXTENDED_TTL if retention == "24h" else IN_MEMORY_TTL
    digest, start, prefixes = hashlib.sha256(), 0, []
    for end in range(MIN_TOKENS, len(ids) + 1, BLOCK):
        digest.update(array("I", ids[start:end]).tobytes())
        prefixes.append((end, digest.copy().digest()))
        start = end
    with _lock:
        if len(_seen) > _MAX_SCOPES:
            _prune(now)
        entry = _seen.setdefault(scope, {})
        cached = max((end for end, key in prefixes if entry.get(key, 0.0) > now), default=0)
        for _, key in prefixes:
            entry[key] = now + ttl
    return cached


def _prune(now: float) -> None:
    for scope in list(_seen):
        entry = {k: v for k, v in _seen[scope].items() if v > now}
        if entry:
            _seen[scope] = entry
        else:
            del _seen[scope]
