"""The model catalog: aliases → dated snapshots, and the facts the fake models need.

catalog/models.json holds explicit `models` and model `families`; every model the installed openai
SDK names (its ResponsesModel literals) is served, taking its figures from its family when it has no
entry of its own. A request may name an alias (`gpt-5-mini`) or a snapshot (`gpt-5-mini-2025-08-07`);
the response's `model` is the snapshot, as in the real API.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
import typing
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from openai.types.shared import ResponsesModel

from responses_mock import datafiles
from responses_mock.errors import InvalidRequest
from responses_mock.limits import PACE_FIELDS, pace_problem


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
    family: str | None = None  # the family its unstated figures come from
    stand_in: bool = False  # not in the catalog: a recording's model (stand_in below)

    def wire(self, model_id: str) -> dict:
        return {"id": model_id, "object": "model", "created": self.created, "owned_by": self.owned_by}


@dataclass(frozen=True)
class Family:
    name: str
    match: tuple[str, ...]  # fnmatch globs over model names
    figures: dict  # CatalogModel fields, `extends` already folded in


@dataclass(frozen=True)
class Index:
    by_name: dict[str, CatalogModel]
    listed: list[str]
    unmatched: tuple[str, ...]  # SDK names that no family matched: served with the fallback's figures


def _literal_names(tp) -> list[str]:
    """The strings of a (nested) Union of Literals, in declaration order."""
    names: list[str] = []
    for arg in typing.get_args(tp):
        names += [arg] if isinstance(arg, str) else _literal_names(arg)
    return list(dict.fromkeys(names))


# Read once, at import: the catalog follows whichever SDK is installed.
SDK_MODELS: tuple[str, ...] = tuple(_literal_names(ResponsesModel))

_extra: list[dict] = []  # entries from the user's catalog file (settings.catalog), over the shipped ones
_extra_families: list[dict] = []  # the user's families, tried before the shipped ones

# What a user's entry may leave out.
_DEFAULTS = {"created": 1700000000, "reasoning": False, "encoding": "o200k_base", "context_window": 128000,
             "max_output_tokens": 16384}
_FIGURES = {f.name for f in fields(CatalogModel)} - {"id", "snapshot", "family", "stand_in"}
# gpt-5.2-2025-12-11, and the older gpt-4-0613 style.
_DATED = re.compile(r"^(?P<base>.+)-(?P<date>\d{4}-\d{2}-\d{2}|\d{4})$")


def _timestamp(value) -> int:
    """A Unix time, from an int or a YYYY-MM-DD date (midnight UTC)."""
    if isinstance(value, str):
        return int(dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC).timestamp())
    return int(value)


def _shipped() -> dict:
    return json.loads((resources.files("responses_mock") / "catalog" / "models.json").read_text())


def _entry(raw: dict, families: dict[str, Family] | None = None) -> CatalogModel:
    """One model from its catalog entry, its family's figures under what it states itself."""
    figures = {}
    if raw.get("family") is not None:
        families = _families() if families is None else families
        if raw["family"] not in families:
            raise ValueError(f"catalog entry {raw.get('id')!r}: family {raw['family']!r} is not one of "
                             f"{', '.join(families)}")
        figures = families[raw["family"]].figures
    entry = {**_DEFAULTS, **figures, "snapshot": raw["id"], **raw}
    if not entry["reasoning"]:
        entry["default_effort"] = None
    elif entry.get("efforts") and entry.get("default_effort", "medium") not in entry["efforts"]:
        raise ValueError(f"catalog entry {raw.get('id')!r}: default_effort {entry.get('default_effort', 'medium')!r} "
                         f"is not among its efforts {entry['efforts']}")
    for key, allowed in (("pace", PACE_FIELDS), ("timing", ("time_to_first_token", "tokens_per_second"))):
        for field, value in (entry.get(key) or {}).items():
            if field not in allowed:
                raise ValueError(f"catalog entry {raw.get('id')!r}: {key}.{field} is not one of {', '.join(allowed)}")
            why = pace_problem(field, float(value))
            if why:
                raise ValueError(f"catalog entry {raw.get('id')!r}: {key}.{field}: {why}, but got {value}")
    try:
        entry["created"] = _timestamp(entry["created"])
        return CatalogModel(**entry)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"catalog entry {raw.get('id')!r}: {exc}") from None


def _fold(raws: list[dict]) -> dict[str, Family]:
    """Families by name, in match order, each with its `extends` chain folded in."""
    by_name: dict[str, dict] = {}
    for raw in raws:
        by_name.setdefault(raw.get("family"), raw)  # the first (the user's) of a name wins
    out: dict[str, Family] = {}

    def figures(name: str, seen: tuple = ()) -> dict:
        raw = by_name.get(name)
        if raw is None:
            raise ValueError(f"catalog family {seen[-1] if seen else name!r} extends an unknown family {name!r}")
        if name in seen:
            raise ValueError(f"catalog family {name!r} extends itself (through {' → '.join(seen)})")
        unknown = set(raw) - _FIGURES - {"family", "match", "extends"}
        if unknown:
            raise ValueError(f"catalog family {name!r}: {', '.join(sorted(unknown))} is not a model figure")
        own = {k: v for k, v in raw.items() if k in _FIGURES}
        return {**(figures(raw["extends"], seen + (name,)) if raw.get("extends") else {}), **own}

    for name, raw in by_name.items():
        if not isinstance(name, str) or not isinstance(raw.get("match"), list):
            raise ValueError(f"catalog family {raw!r}: expected a 'family' name and a 'match' list of globs")
        out[name] = Family(name, tuple(raw["match"]), figures(name))
    for family in out.values():
        _entry({"id": f"<family {family.name}>", "family": family.name}, out)  # fail at start-up, not later
    return out


@lru_cache(maxsize=1)
def _families() -> dict[str, Family]:
    return _fold(_extra_families + _shipped()["families"])


def family_of(name: str, families: dict[str, Family] | None = None) -> Family | None:
    """The first family one of whose globs matches `name`, or None."""
    families = _families() if families is None else families
    return next((f for f in families.values() if any(fnmatch.fnmatchcase(name, g) for g in f.match)), None)


def _dated(name: str) -> tuple[str, str | None] | None:
    """(base, ISO date or None for the older MMDD style) of a dated snapshot's name, else None."""
    m = _DATED.match(name)
    return (m["base"], m["date"] if "-" in m["date"] else None) if m else None


def build(sdk_names: Iterable[str]) -> Index:
    """The catalog: explicit entries, then every SDK name they leave out, derived from its family."""
    families = _families()
    fallback = families[_shipped()["fallback"]]
    explicit = [_entry(raw) for raw in _shipped()["models"] + _extra]
    named: dict[str, CatalogModel] = {m.snapshot: m for m in explicit}
    named.update({m.id: m for m in explicit})  # an id wins over somebody's snapshot of that name
    names = [n for n in dict.fromkeys(sdk_names) if n not in named]
    # An alias answers as its latest dated snapshot, when the SDK names one (gpt-5.2 → gpt-5.2-2025-12-11).
    snapshot_of: dict[str, str] = {}
    for name in names:
        base, date = _dated(name) or (None, None)
        if date and base in names:
            snapshot_of[base] = max(snapshot_of.get(base, name), name)
    paired = set(snapshot_of.values())
    derived, unmatched = [], []
    for name in names:
        if name in paired:
            continue  # served by its alias
        base, date = _dated(name) or (None, None)
        if base in named:  # another snapshot of a listed model (gpt-4o-2024-11-20): that model's figures
            derived.append(replace(named[base], id=name, snapshot=name,
                                   created=_timestamp(date) if date else named[base].created))
            continue
        family = family_of(name, families) or (family_of(base, families) if base else None)
        if family is None:
            family = fallback
            unmatched.append(name)
        raw = {"id": name, "snapshot": snapshot_of.get(name, name), "family": family.name}
        released = (_dated(raw["snapshot"]) or (None, None))[1]
        if released:
            raw["created"] = released
        derived.append(_entry(raw, families))
    by_name: dict[str, CatalogModel] = {}
    models = explicit + derived
    for model in models:
        by_name[model.id] = model  # a user's entry replaces a shipped one of the same id
    ids = set(by_name)
    for model in models:
        if model.snapshot not in ids:
            by_name[model.snapshot] = model
    listed = list(dict.fromkeys(name for m in models for name in (m.id, m.snapshot)))
    return Index(by_name, listed, tuple(unmatched))


@lru_cache(maxsize=1)
def _index() -> Index:
    return build(SDK_MODELS)


def extend(path: Path) -> int:
    """Add (or replace) models from a JSON or YAML file: {"models": [...], "families": [...]} or a list
    of entries. Its families are tried before the shipped ones, for its models and the SDK's alike."""
    data = datafiles.load(path)
    entries = (data.get("models") or []) if isinstance(data, dict) else data
    new_families = (data.get("families") or []) if isinstance(data, dict) else []
    names = {f.get("family") for f in new_families}
    families = _fold(new_families + [f for f in _extra_families if f.get("family") not in names]
                     + _shipped()["families"])
    for raw in entries:
        _entry(raw, families)  # fail at start-up, not at the first request
    _extra_families[:] = new_families + [f for f in _extra_families if f.get("family") not in names]
    _extra[:] = [e for e in _extra if e["id"] not in {r["id"] for r in entries}] + list(entries)
    _families.cache_clear()
    _index.cache_clear()
    stand_in.cache_clear()  # its figures come from the families
    return len(entries)


def find(name: str) -> CatalogModel | None:
    return _index().by_name.get(name)


def resolve(name: str) -> CatalogModel:
    """The model for a request, or the real API's 400 for an unknown one."""
    model = find(name)
    if model is None:
        raise InvalidRequest(f"The requested model '{name}' does not exist.", param="model",
                             code="model_not_found")
    return model


@lru_cache(maxsize=1024)
def stand_in(name: str) -> CatalogModel:
    """A model the catalog lacks that a recording answers (the upstream it was recorded from knew
    it): served under its own name, with its family's figures (the fallback's when none matches),
    from fixtures only (backend `scripted`); what the upstream accepted is not checked again."""
    families = _families()
    family = family_of(name, families) or families[_shipped()["fallback"]]
    return replace(_entry({"id": name, "family": family.name}, families), backend="scripted", stand_in=True)


def listed() -> list[str]:
    """Every servable model id (aliases and snapshots), in catalog order."""
    return _index().listed


def unmatched() -> tuple[str, ...]:
    """The SDK's model names that no family matches (served with the fallback family's figures)."""
    return _index().unmatched
