"""A deterministic instance of a JSON Schema: the arguments of a function call, the JSON of a
structured output.

Every value conforms to the schema as Structured Outputs' strict mode reads it: all properties
present, no others; enums, const, types, ranges, lengths, formats, array sizes, $ref/$defs,
anyOf and allOf honoured. Values take hints from the user's text (a `city` property gets the
place the user named), so arguments look like what a model would send.
"""

from __future__ import annotations

import random
import re
from typing import Any

_MAX_DEPTH = 12

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


class SchemaValues:
    def __init__(self, schema: dict, *, seed: int, hint_text: str = "") -> None:
        self.root = schema
        self.rng = random.Random(seed)
        self.hint_text = hint_text
        names = [n for n in _CAPITALISED.findall(hint_text) if n.split()[0] not in _STARTERS]
        self.places = _PLACE_AFTER.findall(hint_text) or names
        self.people = [n for n in names if n not in self.places] or names
        self.when = [w.capitalize() if not w[0].isdigit() else w for w in _WHEN.findall(hint_text)]
        self._used: dict[str, int] = {}  # hint kind → how many values drawn, so list items differ

    def value(self) -> Any:
        return self._value(self.root, "", 0)

    # -- dispatch --------------------------------------------------------------------------------

    def _resolve(self, schema: dict) -> dict:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 32:
            ref = schema["$ref"]
            node: Any = self.root
            if ref != "#":
                for part in ref.removeprefix("#/").split("/"):
                    node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
            schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
            seen += 1
        return schema if isinstance(schema, dict) else {}

    def _value(self, schema: Any, name: str, depth: int) -> Any:
        schema = self._resolve(schema if isinstance(schema, dict) else {})
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        if "allOf" in schema:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self._resolve(part)
                props = {**merged.get("properties", {}), **part.get("properties", {})}
                merged = {**merged, **part, "properties": props} if props else {**merged, **part}
            return self._value(merged, name, depth)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branches = [self._resolve(b) for b in schema[key]]
                # A nullable field (the strict-mode way of "optional") still gets a real value.
                concrete = [b for b in branches if b.get("type") != "null"] or branches
                return self._value(concrete[0], name, depth) if concrete else None
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
        if depth >= _MAX_DEPTH and kind in ("object", "array"):
            return {} if kind == "object" else []
        return getattr(self, f"_{kind}", self._string)(schema, name, depth)

    # -- by type ---------------------------------------------------------------------------------

    def _object(self, schema: dict, name: str, depth: int) -> dict:
        return {key: self._value(sub, key, depth + 1) for key, sub in (schema.get("properties") or {}).items()}

    def _array(self, schema: dict, name: str, depth: int) -> list:
        low = schema.get("minItems", 0)
        high = schema.get("maxItems", max(low, 2))
        count = min(max(low, 2), high)
        singular = name[:-1] if name.endswith("s") else name
        items = schema.get("items") or {}
        prefix = schema.get("prefixItems") or []
        out = [self._value(p, singular, depth + 1) for p in prefix[:count]]
        out += [self._value(items, singular, depth + 1) for _ in range(count - len(out))]
        if schema.get("uniqueItems") and len({repr(v) for v in out}) < len(out):
            out = out[:1]
        return out

    def _string(self, schema: dict, name: str, depth: int) -> str:
        fmt = schema.get("format")
        if fmt in _FORMATS:
            return _FORMATS[fmt]
        if _PLACE.search(name) and self.places:
            text = self._next("place", self.places)
        elif _PERSON.search(name):
            text = self._next("person", self.people or ["Ada Lovelace", "Alan Turing", "Grace Hopper"])
        elif _DATE.search(name) and self.when:
            text = self._next("when", self.when)
        elif _QUERY.search(name) and self.hint_text:
            text = self.hint_text.strip()[:200]
        else:
            words = [w.lower() for w in re.findall(r"[A-Za-z]{4,}", self.hint_text)] or _WORDS
            text = " ".join(self.rng.choice(words) for _ in range(2))
        pattern = schema.get("pattern")
        if pattern and not re.search(pattern, text):
            text = _from_pattern(pattern) or text
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if len(text) < low:
            text = (text + " " + "x" * low)[:max(low, len(text))]
            text = text.ljust(low, "x")
        if high is not None:
            text = text[:high]
        return text

    def _next(self, kind: str, candidates: list[str]) -> str:
        n = self._used.get(kind, 0)
        self._used[kind] = n + 1
        return candidates[n % len(candidates)]

    def _integer(self, schema: dict, name: str, depth: int) -> int:
        return int(self._number({**schema, "_int": True}, name, depth))

    def _number(self, schema: dict, name: str, depth: int) -> float | int:
        low = schema.get("minimum")
        if schema.get("exclusiveMinimum") is not None:
            low = schema["exclusiveMinimum"] + (1 if schema.get("_int") else 0.5)
        high = schema.get("maximum")
        if schema.get("exclusiveMaximum") is not None:
            high = schema["exclusiveMaximum"] - (1 if schema.get("_int") else 0.5)
        digits = [int(d) for d in re.findall(r"\b\d{1,6}\b", self.hint_text)]
        value = digits[0] if digits else self.rng.randint(1, 10)
        if low is not None and value < low:
            value = low
        if high is not None and value > high:
            value = high if low is None or high >= low else low
        step = schema.get("multipleOf")
        if step:
            value = step * round(value / step) or step
            if low is not None and value < low:
                value += step
        return int(value) if schema.get("_int") or float(value).is_integer() else value

    def _boolean(self, schema: dict, name: str, depth: int) -> bool:
        return True

    def _null(self, schema: dict, name: str, depth: int) -> None:
        return None


def _from_pattern(pattern: str) -> str | None:
    """A string for the simplest anchored patterns (`^[A-Z]{3}$`, `^\\d{4}-\\d{2}$`…)."""
    body = pattern.removeprefix("^").removesuffix("$")
    out = ""
    for m in re.finditer(r"(\\d|\[A-Z\]|\[a-z\]|\[0-9\]|\[A-Za-z\]|\\w|[^\\\[\]{}()*+?|])(?:\{(\d+)(?:,\d*)?\})?", body):
        atom, n = m.group(1), int(m.group(2) or 1)
        char = {"\\d": "1", "[0-9]": "1", "[A-Z]": "A", "[a-z]": "a", "[A-Za-z]": "a", "\\w": "a"}.get(atom, atom)
        out += char * n
    return out if out and re.fullmatch(pattern.removeprefix("^").removesuffix("$"), out) else None
