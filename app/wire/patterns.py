"""The regexes users give (fixture rules' path, model_regex, input_regex; JSON Schema `pattern`s)
run on RE2: linear time whatever the pattern and input, so no request can stall the server for
other tenants.

RE2 has no backreferences or lookarounds: a pattern that needs them is refused (a fixture rule when
it is added, a strict schema when the request comes), with RE2's reason, rather than run with a
backtracking engine. `example` writes a string a schema pattern matches, in time linear in the
pattern.
"""

from __future__ import annotations

import warnings
from re import _constants as sre
from re import _parser as sre_parse  # the stdlib's regex parser: only read, never run (exrex reads it too)

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is the caller's 400, not a line on our stderr
_OPTIONS.max_mem = 1 << 20  # bounds compile time (~10 ms at worst) as well as memory; default 8 MiB

MAX_PATTERN = 1_000  # characters of a schema `pattern` we generate strings for
MAX_EXAMPLE = 10_000  # characters of a generated example (RE2 caps each repeat count at 1,000)


class PatternError(ValueError):
    """A pattern RE2 refuses; `reason` is RE2's own words."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"{pattern!r} is not a pattern that can run in linear time (RE2 syntax; no "
                         f"backreferences or lookarounds): {reason}")
        self.pattern, self.reason = pattern, reason


_CACHE_SIZE = 4096
_compiled: dict[str, object] = {}  # pattern → its RE2 regexp, or the PatternError refusing it
_examples: dict[str, str | None] = {}


def _remember(cache: dict, key: str, value):
    while len(cache) >= _CACHE_SIZE:  # the oldest goes first
        try:
            cache.pop(next(iter(cache)), None)
        except (RuntimeError, StopIteration):  # another thread changed it meanwhile
            break
    cache[key] = value
    return value


def compile(pattern: str):  # shadows the builtin on purpose: mirrors re.compile
    """The compiled pattern; PatternError (a ValueError, with RE2's reason) if it cannot run in
    linear time.
    Refusals are remembered too: a refused pattern costs its compile once."""
    found = _compiled.get(pattern)
    if found is None:
        try:
            found = re2.compile(pattern, _OPTIONS)
        except re2.error as exc:
            reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            found = PatternError(pattern, reason)
        _remember(_compiled, pattern, found)
    if isinstance(found, PatternError):
        raise PatternError(found.pattern, found.reason)
    return found


def is_cached(pattern: str) -> bool:
    """Whether using `pattern` costs no compile (it was compiled, or refused, before)."""
    return pattern in _compiled


def search(pattern: str, text: str) -> bool:
    return compile(pattern).search(text) is not None


class _Unsupported(Exception):
    pass


def example(pattern: str) -> str | None:
    """A short string `pattern` finds (each repeat at its minimum, the first workable branch), or
    None: RE2 refuses the pattern, it is longer than MAX_PATTERN, or this way finds no match."""
    if pattern in _examples:
        return _examples[pattern]
    return _remember(_examples, pattern, _example(pattern))


def _example(pattern: str) -> str | None:
    if len(pattern) > MAX_PATTERN:
        return None
    try:
        compiled = compile(pattern)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set" and the like: RE2 is the judge
            tree = sre_parse.parse(pattern)
        text = _build(tree)
    except (ValueError, _Unsupported, sre_parse.error, RecursionError, OverflowError):
        return None
    return text if compiled.search(text) is not None else None


_CATEGORY = {sre.CATEGORY_DIGIT: "0", sre.CATEGORY_NOT_DIGIT: "a", sre.CATEGORY_SPACE: " ",
             sre.CATEGORY_NOT_SPACE: "a", sre.CATEGORY_WORD: "a", sre.CATEGORY_NOT_WORD: " ",
             sre.CATEGORY_LINEBREAK: "\n", sre.CATEGORY_NOT_LINEBREAK: "a"}
_CANDIDATES = "aA0 _-x.!zZ9"  # tried in turn for a negated class


def _build(tree) -> str:
    out: list[str] = []
    size = 0
    for op, av in tree:
        if op is sre.LITERAL:
            piece = chr(av)
        elif op is sre.NOT_LITERAL:
            piece = "a" if av != ord("a") else "b"
        elif op is sre.ANY:
            piece = "a"
        elif op is sre.IN:
            piece = _pick(av)
        elif op is sre.CATEGORY:
            piece = _CATEGORY.get(av, "a")
        elif op is sre.BRANCH:
            piece = _branch(av[1])
        elif op is sre.SUBPATTERN:
            piece = _build(av[3])
        elif op is sre.ATOMIC_GROUP:
            piece = _build(av)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _, sub = av
            piece = _build(sub) if low else ""
            if len(piece) * low > MAX_EXAMPLE:
                raise _Unsupported
            piece *= low
        elif op is sre.AT:
            piece = ""  # anchors and boundaries: RE2 checks the result
        else:
            raise _Unsupported  # backreferences, lookarounds, conditionals
        size += len(piece)
        if size > MAX_EXAMPLE:
            raise _Unsupported
        out.append(piece)
    return "".join(out)


def _branch(alternatives) -> str:
    for alternative in alternatives:
        try:
            return _build(alternative)
        except _Unsupported:
            continue
    raise _Unsupported


def _pick(items) -> str:
    if items and items[0][0] is sre.NEGATE:
        for char in _CANDIDATES:
            if not _in(ord(char), items[1:]):
                return char
        raise _Unsupported
    for op, av in items:
        if op is sre.LITERAL:
            return chr(av)
        if op is sre.RANGE:
            return chr(av[0])
        if op is sre.CATEGORY:
            return _CATEGORY.get(av, "a")
    raise _Unsupported


def _in(code: int, items) -> bool:
    """Whether a class's items (not negated) take `code`."""
    char = chr(code)
    for op, av in items:
        if (op is sre.LITERAL and av == code) or (op is sre.RANGE and av[0] <= code <= av[1]):
            return True
        if op is sre.CATEGORY and _MEMBER.get(av, lambda c: True)(char):
            return True
    return False


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


_MEMBER = {sre.CATEGORY_DIGIT: str.isdigit, sre.CATEGORY_NOT_DIGIT: lambda c: not c.isdigit(),
           sre.CATEGORY_SPACE: str.isspace, sre.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
           sre.CATEGORY_WORD: _word, sre.CATEGORY_NOT_WORD: lambda c: not _word(c)}
