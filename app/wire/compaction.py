"""The `encrypted_content` of a compaction item: opaque to clients, readable by this server.

Real compaction blobs are Fernet tokens (`gAAAAAB…`); ours look alike but hold a zlib-compressed
JSON summary, so a compaction item sent back as input restores the summarised context. A blob we
did not make (e.g. from the real API) contributes an empty message.
"""

from __future__ import annotations

import base64
import zlib

import orjson

_PREFIX = "gAAAAAB"


def encode(summary: str) -> str:
    packed = zlib.compress(orjson.dumps({"v": 1, "summary": summary}), 9)
    return _PREFIX + base64.urlsafe_b64encode(packed).decode()


def summary_of(blob: str) -> str:
    if not blob.startswith(_PREFIX):
        return ""
    try:
        return orjson.loads(zlib.decompress(base64.urlsafe_b64decode(blob[len(_PREFIX):])))["summary"]
    except (ValueError, zlib.error, KeyError, TypeError):
        return ""
