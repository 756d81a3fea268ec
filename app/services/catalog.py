"""The model catalog: aliases → dated snapshots, and the facts the fake models need.

Loaded once from catalog/models.json. A request may name an alias (`gpt-5-mini`) or a snapshot
(`gpt-5-mini-2025-08-07`); the response's `model` is always the snapshot, as in the real API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from app.errors import InvalidRequest


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

    def wire(self, model_id: str) -> dict:
        return {"id": model_id, "object": "model", "created": self.created, "owned_by": self.owned_by}


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, CatalogModel], list[str]]:
    raw = json.loads((resources.files("app") / "catalog" / "models.json").read_text())
    by_name: dict[str, CatalogModel] = {}
    listed: list[str] = []
    for entry in raw["models"]:
        model = CatalogModel(**entry)
        if not model.reasoning:
            model = CatalogModel(**{**entry, "default_effort": None})
        by_name[model.id] = by_name[model.snapshot] = model
        listed += [model.id, model.snapshot]
    return by_name, listed


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
