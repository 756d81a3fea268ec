"""A deterministic instance of a JSON Schema: the arguments of a function call, the JSON of a
structured output.

Every value conforms to the schema as Structured Outputs' strict mode reads it: all properties
present, no others; enums, const, types, ranges, lengths, formats, array sizes, $ref/$defs,
anyOf and allOf honoured. Values take hints from the user's text (a `city` property gets the
place the user named), so arguments look like what a model would send.

Bounded whatever the schema (README "Limits"): `limit_problem` refuses, for strict schemas, what
the real API refuses and what this server will not build; an instance is then built in bounded
steps (MAX_VALUES values, MAX_CHARS characters, patterns on RE2), clamping what was not checked.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from responses_mock.wire import patterns

_MAX_DEPTH = 12
_MAX_CALLS = 64  # nested calls (combinators and $ref chains too): far below Python's recursion limit

# The real API's limits on a strict schema (Structured Outputs' "supported schemas").
MAX_NESTING = 10
MAX_PROPERTIES = 5_000
MAX_ENUM_VALUES = 1_000
MAX_SCHEMA_CHARS = 120_000  # property and definition names, enum and const values
MAX_LARGE_ENUM_CHARS = 15_000  # the values of one string enum of more than 250
# This server's: what one schema may make it build (larger minimums: refused if strict, else clamped).
MAX_ITEMS = 1_000  # minItems
MAX_LENGTH = 100_000  # minLength
MAX_PATTERNS = 200  # distinct patterns in one request's strict schemas (each ≤ patterns.MAX_PATTERN chars)
MAX_VALUES = 10_000  # values in one instance, $ref expansions included: past it, values are null
MAX_CHARS = 1_000_000  # characters of its strings: past it, strings are cut short
_NEW_PATTERNS = MAX_PATTERNS  # patterns one answer may compile (a strict schema's were, by the request check)

# Property-name hints → how to pick a string value.
_PLACE = re.compile(r"(city|location|place|country|region|destination|address|town)", re.I)
_PERSON = re.compile(r"(first_?name|last_?name|full_?name|author|person|user_?name|participant|attendee|"
                     r"member|people|guest|friend|student|owner|customer|contact)", re.I)
_DATE = re.compile(r"(date|day|when|deadline|time)", re.I)
_QUERY = re.compile(r"(query|search|question|prompt|text|message|input|topic|keyword)", re.I)
_CAPITALISED = re.compile(r"\b([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)")
_PLACE_AFTER = re.compile(r"\b(?:in|at|to|from|near|for)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)")
_WHEN = re.compile(r"\b(today|tomorrow|tonight|yesterday|(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
                   r"january|february|march|april|may|june|july|august|september|october|november|december|"
                   r"\d{4}-\d{2}-\d{2})\b", re.I)
_STARTERS = set("""What Whats How Why When Where Who Which Please Tell The A An And Or But If Is Are Can
Could Would Should Do Does Did Give Write Make Show Explain Describe List Find Get Set Hi Hello I""".split())
_FORMATS = {
    "date-time": "2025-01-01T12:00:00Z", "date": "2025-01-01", "time": "12:00:00",
    "email": "user@example.com", "uri": "https://example.com/", "url": "https://example.com/",
    "uuid": "123e4567-e89b-12d3-a456-426614174000", "hostname": "example.com", "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1", "duration": "P1D",
}
_WORDS = ["alpha", "bravo", "delta", "echo", "harbor", "meadow", "orbit", "quartz", "river", "summit"]


@dataclass
class Budget:
    """What one answer's generated values may still use: pass the same one to every SchemaValues
    of an answer (one per property, say), so their sum is bounded too."""

    values: int = MAX_VALUES
    chars: int = MAX_CHARS
    patterns: int = _NEW_PATTERNS


@dataclass(frozen=True)
class _Hints:
    """What values borrow from the user's text, read once per text (an answer builds one
    SchemaValues per property, all on the same text)."""

    places: list[str]
    people: list[str]
    when: list[str]
    words: list[str]
    digits: list[int]
    query: str


_HINT_CHARS = 20_000  # of the user's text, read for hints: enough for names, bounded for megabytes


@lru_cache(maxsize=16)
def _hints(text: str) -> _Hints:
    text = text[:_HINT_CHARS]
    names = [n for n in _CAPITALISED.findall(text) if n.split()[0] not in _STARTERS]
    places = _PLACE_AFTER.findall(text) or names
    return _Hints(places=places, people=[n for n in names if n not in places] or names,
                  when=[w.capitalize() if not w[0].isdigit() else w for w in _WHEN.findall(text)],
                  words=[w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)] or _WORDS,
                  digits=[int(d) for d in re.findall(r"\b\d{1,6}\b", text)], query=text.strip()[:200])


class SchemaValues:
    def __init__(self, schema: dict, *, seed: int, hint_text: str = "", budget: Budget | None = None) -> None:
        self.root = schema
        self.rng = random.Random(seed)
        self.hint_text = hint_text
        hints = _hints(hint_text)
        self.places, self.people, self.when = hints.places, hints.people, hints.when
        self.words, self.digits, self.query = hints.words, hints.digits, hints.query
        self._used: dict[str, int] = {}  # hint kind → how many values drawn, so list items differ
        self.budget = budget or Budget()
        self._calls = 0

    def value(self) -> Any:
        return self._value(self.root, "", 0)

    # -- dispatch --------------------------------------------------------------------------------

    def _resolve(self, schema: dict) -> dict:
        seen = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 32:
            ref = schema["$ref"]
            node: Any = self.root
            if ref != "#":
                for part in ref.removeprefix("#/").split("/"):
                    node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
            if not isinstance(node, dict):
                return {}
            schema = node if len(schema) == 1 else {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
            seen += 1
        return schema if isinstance(schema, dict) else {}

    def _value(self, schema: Any, name: str, depth: int) -> Any:
        if self.budget.values <= 0 or self._calls >= _MAX_CALLS:
            return None  # the budget is spent (a huge or self-referencing schema): bounded, not exact
        self.budget.values -= 1
        self._calls += 1
        try:
            return self._dispatch(self._resolve(schema if isinstance(schema, dict) else {}), name, depth)
        finally:
            self._calls -= 1

    def _dispatch(self, schema: dict, name: str, depth: int) -> Any:
        if "const" in schema:
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return enum[0]
        if isinstance(schema.get("allOf"), list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            props = dict(merged.get("properties") or {}) if isinstance(merged.get("properties"), dict) else {}
            for part in schema["allOf"]:
                part = self._resolve(part)
                merged.update(part)
                if isinstance(part.get("properties"), dict):
                    props.update(part["properties"])
            if props:
                merged["properties"] = props
            return self._value(merged, name, depth)
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                # A nullable field (the strict-mode way of "optional") still gets a real value.
                first = None
                for branch in schema[key]:
                    branch = self._resolve(branch)
                    first = branch if first is None else first
                    if branch.get("type") != "null":
                        return self._value(branch, name, depth)
                return self._value(first, name, depth) if first is not None else None
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
        if depth >= _MAX_DEPTH and kind in ("object", "array"):
            return {} if kind == "object" else []
        handler = getattr(self, f"_{kind}") if kind in _KINDS else self._string
        return handler(schema, name, depth)

    # -- by type ---------------------------------------------------------------------------------

    def _object(self, schema: dict, name: str, depth: int) -> dict:
        props = schema.get("properties")
        if not isinstance(props, dict):
            return {}
        return {key: self._value(sub, key, depth + 1) for key, sub in props.items()}

    def _array(self, schema: dict, name: str, depth: int) -> list:
        low = min(_count(schema, "minItems", 0), MAX_ITEMS)
        high = _count(schema, "maxItems", max(low, 2))
        count = min(max(low, 2), high)
        singular = name[:-1] if name.endswith("s") else name
        items = schema.get("items") or {}
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else []
        out = [self._value(p, singular, depth + 1) for p in prefix[:count]]
        while len(out) < count and self.budget.values > 0:
            out.append(self._value(items, singular, depth + 1))
        if schema.get("uniqueItems") and len({repr(v) for v in out}) < len(out):
            out = out[:1]
        return out

    def _string(self, schema: dict, name: str, depth: int) -> str:
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt in _FORMATS:
            return _FORMATS[fmt]
        if _PLACE.search(name) and self.places:
            text = self._next("place", self.places)
        elif _PERSON.search(name):
            text = self._next("person", self.people or ["Ada Lovelace", "Alan Turing", "Grace Hopper"])
        elif _DATE.search(name) and self.when:
            text = self._next("when", self.when)
        elif _QUERY.search(name) and self.query:
            text = self.query
        else:
            text = " ".join(self.rng.choice(self.words) for _ in range(2))
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and pattern:
            text = self._matching(pattern, text)
        low = min(_count(schema, "minLength", 0), MAX_LENGTH, self.budget.chars)
        high = _count(schema, "maxLength", None)
        if len(text) < low:
            text = (text + " " + "x" * low)[:max(low, len(text))]
            text = text.ljust(low, "x")
        if high is not None:
            text = text[:high]
        text = text[:max(self.budget.chars, 0)]
        self.budget.chars -= len(text)
        return text

    def _matching(self, pattern: str, text: str) -> str:
        """`text` if the pattern finds it, else a string it does (RE2 only: a caller's pattern never
        runs on a backtracking engine); a pattern it cannot run is ignored, as a model may."""
        fresh = not patterns.is_cached(pattern)
        if fresh and self.budget.patterns <= 0:
            return text
        self.budget.patterns -= fresh
        try:
            if len(text) <= patterns.MAX_EXAMPLE and patterns.search(pattern, text):
                return text
        except ValueError:
            return text
        return patterns.example(pattern) or text

    def _next(self, kind: str, candidates: list[str]) -> str:
        n = self._used.get(kind, 0)
        self._used[kind] = n + 1
        return candidates[n % len(candidates)]

    def _integer(self, schema: dict, name: str, depth: int) -> int:
        return int(self._number({**schema, "_int": True}, name, depth))

    def _number(self, schema: dict, name: str, depth: int) -> float | int:
        low, high = _num(schema, "minimum"), _num(schema, "maximum")
        if _num(schema, "exclusiveMinimum") is not None:
            low = schema["exclusiveMinimum"] + (1 if schema.get("_int") else 0.5)
        if _num(schema, "exclusiveMaximum") is not None:
            high = schema["exclusiveMaximum"] - (1 if schema.get("_int") else 0.5)
        value = self.digits[0] if self.digits else self.rng.randint(1, 10)
        if low is not None and value < low:
            value = low
        if high is not None and value > high:
            value = high if low is None or high >= low else low
        step = _num(schema, "multipleOf")
        if step and math.isfinite(value / step):  # a denormal step would overflow
            value = step * round(value / step) or step
            if low is not None and value < low:
                value += step
        if schema.get("_int") or isinstance(value, int):
            return max(-_INT64, min(int(value), _INT64))  # JSON of the answer is written by orjson: 64 bits
        return int(value) if value.is_integer() and abs(value) <= _INT64 else value

    def _boolean(self, schema: dict, name: str, depth: int) -> bool:
        return True

    def _null(self, schema: dict, name: str, depth: int) -> None:
        return None


_KINDS = {"object", "array", "string", "integer", "number", "boolean", "null"}
_INT64 = 2**63 - 1


def _count(schema: dict, key: str, default):
    """A non-negative integer keyword (minItems, maxLength…), or `default` if absent or not one."""
    value = schema.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def _num(schema: dict, key: str) -> float | int | None:
    value = schema.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if isinstance(value, int) or math.isfinite(value) else None


_CHILDREN = ("properties", "items", "prefixItems", "additionalProperties")  # data-shape edges: one level each
_SAME_LEVEL = ("anyOf", "oneOf", "allOf", "$defs", "definitions", "not")


def limit_problem(schema: dict, seen_patterns: set[str] | None = None) -> str | None:
    """Why a strict schema is refused for its size or a pattern (the real API's limits, then this
    server's), worded as the real API words it; None if it is within them. Linear in the schema
    (patterns compile: up to ~15 ms each, so a caller runs this off the loop). `seen_patterns`
    counts patterns across one request's schemas."""
    properties = enum_values = chars = deepest = 0
    seen_patterns = set() if seen_patterns is None else seen_patterns
    stack: list[tuple[Any, tuple, int]] = [(schema, (), 0)]
    while stack:
        node, path, level = stack.pop()
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("properties"), dict) or node.get("type") in ("object", "array") or "items" in node:
            deepest = max(deepest, level)
        props = node.get("properties")
        if isinstance(props, dict):
            properties += len(props)
            chars += sum(len(k) for k in props)
        for key in ("$defs", "definitions"):
            if isinstance(node.get(key), dict):
                chars += sum(len(k) for k in node[key])
        enum = node.get("enum")
        if isinstance(enum, list):
            enum_values += len(enum)
            text = sum(len(v) for v in enum if isinstance(v, str))
            chars += text
            if len(enum) > 250 and text > MAX_LARGE_ENUM_CHARS:
                return (f"{_where(path)}an enum of {len(enum)} values has {text} characters, which exceeds limit of "
                        f"{MAX_LARGE_ENUM_CHARS} for enums of more than 250 values.")
        if isinstance(node.get("const"), str):
            chars += len(node["const"])
        for key, cap in (("minItems", MAX_ITEMS), ("minLength", MAX_LENGTH)):
            if _count(node, key, 0) > cap:
                return f"{_where(path)}'{key}' of {node[key]} exceeds limit of {cap}."
        pattern = node.get("pattern")
        if isinstance(pattern, str) and pattern not in seen_patterns:
            seen_patterns.add(pattern)
            if len(seen_patterns) > MAX_PATTERNS:
                return f"{len(seen_patterns)} distinct patterns exceeds limit of {MAX_PATTERNS}."
            if reason := _pattern_problem(pattern):
                return f"{_where(path)}'pattern' {pattern!r} is not supported: {reason}."
        for key in _CHILDREN + _SAME_LEVEL:
            sub = node.get(key)
            step = 1 if key in _CHILDREN else 0
            if isinstance(sub, dict) and key in ("properties", "$defs", "definitions"):
                stack.extend((v, path + (key, k), level + step) for k, v in sub.items())
            elif isinstance(sub, dict):
                stack.append((sub, path + (key,), level + step))
            elif isinstance(sub, list):
                stack.extend((v, path + (key, i), level + step) for i, v in enumerate(sub))
    if deepest > MAX_NESTING:
        return f"{deepest} levels of nesting exceeds limit of {MAX_NESTING}."
    if properties > MAX_PROPERTIES:
        return f"{properties} parameters exceeds limit of {MAX_PROPERTIES}."
    if enum_values > MAX_ENUM_VALUES:
        return f"{enum_values} enum values exceeds limit of {MAX_ENUM_VALUES}."
    if chars > MAX_SCHEMA_CHARS:
        return (f"{chars} characters of property names, definition names, enum values and const values "
                f"exceeds limit of {MAX_SCHEMA_CHARS}.")
    return None


def _where(path: tuple) -> str:
    return f"In context={'()' if not path else repr(path)}, "


def _pattern_problem(pattern: str) -> str | None:
    if len(pattern) > patterns.MAX_PATTERN:
        return f"it is {len(pattern)} characters long, over the limit of {patterns.MAX_PATTERN}"
    try:
        patterns.compile(pattern)
    except patterns.PatternError as exc:
        return f"it cannot run in linear time (RE2 syntax: no backreferences or lookarounds): {exc.reason}"
    if patterns.example(pattern) is None:
        return "no string matching it can be written (Unicode and POSIX classes are not supported)"
    return None
