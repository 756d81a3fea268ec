"""The model catalog: aliases → dated snapshots, and the facts the fake models need.

Loaded once from catalog/models.json. A request may name an alias (`gpt-5-mini`) or a snapshot
(`gpt-5-mini-2025-08-07`); the response's `model` is always the snapshot, as in the real API.
"""

from __future__ import annotations

import json
from pathlib import Path
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from responses_mock import datafiles
from responses_mock.services import pacing
from responses_mock.errors import InvalidRequest


@dataclass(frozen=True, eq=False)
class CatalogModel:
    id: str
    snapshot: str
    created: int
    reasoning: bool
    encoding: str
    context_window: int
    max_output_tokens: int
    backend: str = "default"
    owned_by: str = "system"
    # gpt-5 defaults to medium effort; gpt-5.1 to none (no reasoning unless asked).
    default_effort: str | None = "medium"
    pace: dict | None = None  # overrides the settings' pace for this model (see services/pacing.py)
    # The real model's speed (time_to_first_token s, tokens_per_second): background runs' default.
    timing: dict | None = None
    efforts: tuple[str, ...] | list | None = None  # the reasoning efforts it accepts (None: any)
    verbosity: bool = False  # whether it takes text.verbosity other than medium

    def wire(self, model_id: str) -> dict:
        return {"id": model_id, "object": "model", "created": self.created, "owned_by": self.owned_by}


_extra: list[dict] = []  # entries from the user's catalog file (settings.catalog), over the shipped ones

# What a user's entry may leave out.
_DEFAULTS = {"created": 1700000000, "reasoning": False, "encoding": "o200k_base", "context_window": 128000,
             "max_output_tokens": 16384}


def _entry(raw: dict) -> CatalogModel:
    entry = {**_DEFAULTS, "snapshot": raw["id"], **raw}
    if not entry["reasoning"]:
        entry["default_effort"] = None
    for key, allowed in (("pace", pacing.FIELDS), ("timing", ("time_to_first_token", "tokens_per_second"))):
        for field, value in (entry.get(key) or {}).items():
            if field not in allowed:
                raise ValueError(f"catalog entry {raw.get('id')!r}: {key}.{field} is not one of {', '.join(allowed)}")
            why = pacing.problem(field, float(value))
            if why:
                raise ValueError(f"catalog entry {raw.get('id')!r}: {key}.{field}: {why}, but got {value}")
    try:
        return CatalogModel(**entry)
    except TypeError as exc:
        raise ValueError(f"catalog entry {raw.get('id')!r}: {exc}") from None


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, CatalogModel], list[str]]:
    shipped = json.loads((resources.files("responses_mock") / "catalog" / "models.json").read_text())["models"]
    by_name: dict[str, CatalogModel] = {}
    listed: list[str] = []
    for raw in shipped + _extra:
        model = _entry(raw)
        for name in (model.id, model.snapshot):
            if name not in by_name:
                listed.append(name)
            by_name[name] = model
    return by_name, listed


def extend(path: Path) -> int:
    """Add (or replace) models from a JSON or YAML file: {"models": [...]} or a list of entries."""
    data = datafiles.load(path)
    entries = data["models"] if isinstance(data, dict) else data
    for raw in entries:
        _entry(raw)  # fail at start-up, not at the first request
    _extra[:] = [e for e in _extra if e["id"] not in {r["id"] for r in entries}] + list(entries)
    _index.cache_clear()
    return len(entries)


def find(name: str) -> CatalogModel | None:
    return _index()[0].get(name)


def resolve(name: str) -> CatalogModel:
    """The model for a request, or the real API's 400 for an unknown one."""
    model = find(name)
    if model is None:
        raise InvalidRequest(f"The requested model '{name}' does not exist.", param="model",
                             code="model_not_found")
    return model


def listed() -> list[str]:
    """Every servable model id (aliases and snapshots), in catalog order."""
    return _index()[1]
