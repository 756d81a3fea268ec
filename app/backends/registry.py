"""Backends by name: built-ins, plugins from the `responses_mock.backends` entry points, or a
dotted path (`package.module:Class`) — each instantiated once, with no arguments."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.metadata import entry_points

from responses_mock.backends.base import Backend
from responses_mock.backends.default import DefaultBackend
from responses_mock.backends.echo import EchoBackend
from responses_mock.backends.scripted import ScriptedBackend
from responses_mock.backends.silent import SilentBackend

BUILTINS: dict[str, type] = {"default": DefaultBackend, "lorem": DefaultBackend, "echo": EchoBackend,
                             "scripted": ScriptedBackend, "silent": SilentBackend}


@cache
def get(name: str) -> Backend:
    if name in BUILTINS:
        return BUILTINS[name]()
    for ep in entry_points(group="responses_mock.backends"):
        if ep.name == name:
            return ep.load()()
    if ":" in name or "." in name:
        module, _, attr = name.partition(":") if ":" in name else name.rpartition(".")
        try:
            return getattr(import_module(module), attr)()
        except (ImportError, AttributeError) as exc:
            raise LookupError(f"backend {name!r} could not be loaded: {exc}") from None
    raise LookupError(f"no backend named {name!r}")
