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
