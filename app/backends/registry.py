"""Backends by name: built-ins here, plugins from the `responses_mock.backends` entry points."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from app.backends.base import Backend
from app.backends.default import DefaultBackend
from app.backends.echo import EchoBackend

BUILTINS: dict[str, type] = {"default": DefaultBackend, "echo": EchoBackend}


@lru_cache(maxsize=None)
def get(name: str) -> Backend:
    if name in BUILTINS:
        return BUILTINS[name]()
    for ep in entry_points(group="responses_mock.backends"):
        if ep.name == name:
            return ep.load()()
    raise LookupError(f"no backend named {name!r}")
