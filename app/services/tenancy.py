"""Tenants: each bearer key is its own, identified by a hash of the key (never the key itself)."""

from __future__ import annotations

import hashlib


def tenant_of(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()[:32]


def bearer_key(authorization: str) -> str | None:
    scheme, _, key = authorization.partition(" ")
    key = key.strip()
    return key if scheme.lower() == "bearer" and key else None
