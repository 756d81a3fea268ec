"""Reading the data files users hand us (settings, model catalog, fixture rules): JSON, YAML or
TOML, chosen by the file's suffix."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path


def load(path: Path) -> object:
    text = path.read_text()
    if path.suffix == ".toml":
        return tomllib.loads(text)
    if path.suffix in (".yaml", ".yml"):
        import yaml

        return yaml.safe_load(text)
    return json.loads(text)


def validate_many(data: object, key: str, model: type, what: str, code: str, single: str) -> list:
    """One `model`, a list of them, or {key: [...]} (told apart by the `single` field an item
    has), each validated; an error names the item and its field in a 400."""
    from pydantic import ValidationError

    from responses_mock.errors import InvalidRequest

    if isinstance(data, dict) and key in data and single not in data:
        data = data[key]
    items = data if isinstance(data, list) else [data]
    out = []
    for i, item in enumerate(items):
        try:
            out.append(model.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or what
            raise InvalidRequest(f"Invalid {what} {i}: {where}: {err['msg']}", param=f"{key}[{i}].{where}",
                                 code=code) from None
    return out
