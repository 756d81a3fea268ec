"""`encrypted_content` of reasoning items: opaque to clients, as the real API's blobs are, but
ours to read back, so a stateless (`store: false`) reasoning loop can hand its reasoning in again.

A blob is "gAAAAAB" (how the real ones begin) + base64url(zlib(JSON) + a MAC). The MAC's key is
no secret — this is a mock — it only tells our blobs from garbage or another server's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib

import orjson

_PREFIX = "gAAAAAB"
_KEY = b"responses-mock reasoning blob v1"
_MAC = 16


def seal(payload: dict) -> str:
    body = zlib.compress(orjson.dumps(payload))
    mac = hmac.new(_KEY, body, hashlib.sha256).digest()[:_MAC]
    return _PREFIX + base64.urlsafe_b64encode(body + mac).decode()


def unseal(blob: object) -> dict | None:
    """The payload of one of our blobs, or None for anything else."""
    if not isinstance(blob, str) or not blob.startswith(_PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(blob[len(_PREFIX):].encode())
        body, mac = raw[:-_MAC], raw[-_MAC:]
        if not hmac.compare_digest(mac, hmac.new(_KEY, body, hashlib.sha256).digest()[:_MAC]):
            return None
        return orjson.loads(zlib.decompress(body))
    except (ValueError, zlib.error, orjson.JSONDecodeError):
        return None
