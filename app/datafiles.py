"""Reading the data users hand us (settings, model catalog, fixture rules, prompt templates; files
and /__admin bodies): JSON, YAML or TOML, chosen by the file's suffix.

Bounded like a /v1 body: at most MAX_DEPTH levels of nesting, and YAML aliases may add at most
MAX_ALIAS_EXPANSION nodes and characters (a "billion laughs" of a few hundred bytes is refused
before anything expands it).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import yaml
from pydantic import ValidationError

from responses_mock.errors import InvalidRequest

MAX_DEPTH = 64  # as wire/requests.py's for /v1 bodies
MAX_ALIAS_EXPANSION = 1_000_000  # nodes and scalar characters that YAML aliases may add, in all


class DataError(ValueError):
    """Data we cannot read; the message says why (the admin routes answer it with a 400)."""


class DataSyntaxError(DataError):
    """Not JSON, YAML or TOML at all; `detail` is the parser's first line."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message


def load(path: Path) -> object:
    text = path.read_text()
    try:
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            data = load_yaml(text)
        else:
            data = json.loads(text)
        check_depth(data)
    except RecursionError:
        raise DataError(f"{path}: nested more than {MAX_DEPTH} levels deep") from None
    except DataError as exc:
        raise type(exc)(f"{path}: {exc}") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise DataSyntaxError(f"{path}: {exc}") from None
    return data


def check_depth(data: object) -> None:
    """DataError if `data` nests more than MAX_DEPTH levels (iteratively: no recursion to overflow)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise DataError(f"nested more than {MAX_DEPTH} levels deep")
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


class _BoundedLoader(yaml.SafeLoader):
    """safe_load's loader, composing at most MAX_DEPTH levels (its composer recurses per level),
    and scanning at most MAX_DEPTH open flow collections: its scanner looks ~1,000 characters
    ahead and rechecks every open level at each token, so `[[[[…` cost 0.3 s of CPU per 10 KB."""

    _depth = 0

    def fetch_flow_collection_start(self, token_class):
        if self.flow_level >= MAX_DEPTH:
            raise DataError(f"YAML nested more than {MAX_DEPTH} levels deep")
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise DataError(f"YAML nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str | bytes) -> object:
    """yaml.safe_load, refusing documents nested too deep or whose aliases expand too far (before
    anything is built from them); a YAML syntax error is a DataError too."""
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_aliases(node)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        detail = str(exc).splitlines()[0]
        raise DataSyntaxError(f"not valid YAML ({detail})", detail) from None
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _weight(node: yaml.Node) -> int:
    return 1 + (len(node.value) if isinstance(node, yaml.ScalarNode) else 0)


def _check_aliases(root: yaml.Node) -> None:
    """The composed graph shares a node per alias; its expanded size is what JSON of it would cost.
    Post-order over distinct nodes (linear), refusing cycles and expansions over the budget."""
    size: dict[int, int] = {}  # id(node) → expanded size; -1 while its children are visited
    distinct = 0
    stack = [(root, iter(_children(root)))]
    size[id(root)] = -1
    while stack:
        node, pending = stack[-1]
        for child in pending:
            known = size.get(id(child))
            if known == -1:
                raise DataError("YAML aliases refer to a node that contains them (a recursive document)")
            if known is None:
                size[id(child)] = -1
                stack.append((child, iter(_children(child))))
                break
        else:
            stack.pop()
            distinct += _weight(node)
            total = _weight(node) + sum(size[id(c)] for c in _children(node))
            size[id(node)] = total
            if total - distinct > MAX_ALIAS_EXPANSION:  # never early: a subtree's extra ≤ the whole's
                raise DataError(f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes and characters "
                                "beyond the document's own")


def validate_many(data: object, key: str, model: type, what: str, code: str, single: str) -> list:
    """One `model`, a list of them, or {key: [...]} (told apart by the `single` field an item
    has), each validated; an error names the item and its field in a 400."""
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
