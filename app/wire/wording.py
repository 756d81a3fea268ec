"""Validation errors in the real API's words: the single most specific error of a failed
validation (a union judged by the `type` sent), its parameter path and its wording."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from pydantic import ValidationError

from responses_mock.errors import InvalidRequest

_KIND = {
    "string": "a string", "int": "an integer", "float": "a decimal", "bool": "a boolean",
    "dict": "an object", "typed_dict": "an object", "model": "an object", "list": "an array",
    "iterable": "an array", "none": "null",
}
_TYPE_ERRORS = {
    "string_type": "string", "int_type": "int", "int_parsing": "int", "int_from_float": "int",
    "float_type": "float", "float_parsing": "float", "bool_type": "bool", "bool_parsing": "bool",
    "dict_type": "dict", "typed_dict_type": "dict", "model_type": "dict", "list_type": "list",
    "iterable_type": "list", "none_required": "none",
}



def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _walk(loc: tuple, data: Any) -> tuple[list, Any, bool]:
    """Follow an error location through the data, skipping pydantic's union-branch tags.

    Returns the real path, the value found there, and whether the path ends on a present value.
    """
    path: list = []
    node, present = data, True
    for part in loc:
        if (isinstance(node, dict) and isinstance(part, str) and part in node) or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
            path.append(part)
        elif isinstance(part, str) and isinstance(node, dict) and "[" not in part and part[:1].islower():
            # A key the data lacks (missing parameter), not a branch tag like 'EasyInputMessageParam'.
            path.append(part)
            present, node = False, None
    return path, node, present


def param_name(path: Iterable) -> str | None:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def _message(err: dict, param: str | None, value: Any) -> tuple[str, str]:
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"Unknown parameter: '{param}'.", "unknown_parameter"
    if kind == "missing":
        return f"Missing required parameter: '{param}'.", "missing_required_parameter"
    if kind in ("literal_error", "enum"):
        expected = (err.get("ctx") or {}).get("expected", "")
        head, sep, last = expected.rpartition(" or ")
        expected = (f"{head}, and {last}" if "," in head else f"{head} and {last}") if sep else expected
        shown = f"'{value}'" if isinstance(value, str) else orjson.dumps(value).decode()
        return f"Invalid value: {shown}. Supported values are: {expected}.", "invalid_value"
    bounds = {"greater_than_equal": ("below minimum", ">=", "ge"), "less_than_equal": ("above maximum", "<=", "le")}
    if kind in bounds:
        where, sign, key = bounds[kind]
        limit = (err.get("ctx") or {}).get(key)
        number = "integer" if isinstance(limit, int) else "decimal"
        return (f"Invalid '{param}': {number} {where} value. Expected a value {sign} {limit}, but got {value} instead.",
                f"{number}_{where.split()[0]}_{'min' if key == 'ge' else 'max'}_value")
    if kind in _TYPE_ERRORS:
        want = _KIND[_TYPE_ERRORS[kind]]
        got = "a decimal" if kind == "int_from_float" else kind_of(value)
        return f"Invalid type for '{param}': expected {want}, but got {got} instead.", "invalid_type"
    return f"Invalid '{param}': {err['msg']}.", "invalid_value"


def validation_error(errors: list[dict], data: Any) -> InvalidRequest:
    """The single most specific error, worded as the real API words it.

    Pydantic reports one error per union branch; the branch that got furthest into the data is
    the one the client meant (e.g. a message with a bad `role`, not "not a string").
    """
    errors = _by_discriminator(errors)

    def rank(err: dict) -> tuple:
        loc = tuple(err["loc"])
        if loc and loc[0] in ("body", "query", "path") and data is None:
            loc = loc[1:]
        path, _, present = _walk(loc, data) if data is not None else (list(loc), None, True)
        return (len(path), present, err["type"] != "missing")

    best = max(errors, key=rank)
    loc = tuple(best["loc"])
    if data is None:  # query/path parameters: FastAPI's loc is ("query", "include[]", 0)
        path = [p.removesuffix("[]") if isinstance(p, str) else p for p in loc[1:]]
        value = best.get("input")
    else:
        path, value, _ = _walk(loc, data)
    param = param_name(path)
    message, code = _message(best, param, value)
    return InvalidRequest(message, param=param, code=code)


def _by_discriminator(errors: list[dict]) -> list[dict]:
    """Judge a union by its `type`, as the real API does: the members whose `type` refused the
    value sent are not what the client meant, so their errors go. If every member refused it, one
    error remains that lists every value the union accepts."""
    refused: dict[tuple, dict[str, dict]] = {}  # union location → member → its `type` error
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "literal_error" and len(loc) >= 2 and loc[-1] == "type" and isinstance(loc[-2], str):
            refused.setdefault(loc[:-2], {})[loc[-2]] = err
    if not refused:
        return errors

    def members_of(loc: tuple) -> list[tuple[tuple, str]]:
        # Every union the location is inside (a union within a union member: a tool's filters).
        return [(prefix, loc[len(prefix)]) for prefix in refused
                if len(loc) > len(prefix) and loc[:len(prefix)] == prefix and isinstance(loc[len(prefix)], str)]

    kept, members_seen = [], {}
    for err in errors:
        found = members_of(tuple(err["loc"]))
        for prefix, member in found:
            members_seen.setdefault(prefix, set()).add(member)
        if any(member in refused[prefix] for prefix, member in found):
            continue
        kept.append(err)
    for prefix, members in refused.items():
        if members_seen.get(prefix, set()) <= set(members):  # nobody took the value: list them all
            first = next(iter(members.values()))
            values = []
            for err in members.values():
                values += [v.strip() for v in str((err.get("ctx") or {}).get("expected", "")).replace(" or ", ",").split(",") if v.strip()]
            values = list(dict.fromkeys(values))
            expected = ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]
            kept.append({**first, "ctx": {"expected": expected}})
    return kept


class LazyErrors(Exception):
    """Errors of a lazily validated array, with their locations made absolute."""

    def __init__(self, errors: list[dict]) -> None:
        self.errors = errors


def materialize(value: Any, path: tuple = ()) -> Any:
    # The SDK types some arrays as Iterable[...], which pydantic validates lazily; force it, and
    # give the errors found on the way their full location (pydantic's is relative to the array).
    if isinstance(value, dict):
        return {k: materialize(v, path + (k,)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [materialize(v, path + (i,)) for i, v in enumerate(value)]
    if value is not None and not isinstance(value, (str, bytes, int, float, bool)) and hasattr(value, "__iter__"):
        try:
            items = list(value)
        except ValidationError as exc:
            raise LazyErrors([{**e, "loc": path + tuple(e["loc"])} for e in exc.errors()]) from None
        return [materialize(v, path + (i,)) for i, v in enumerate(items)]
    return value
