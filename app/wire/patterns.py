"""The regexes users give in fixture rules (path, model_regex, input_regex) run on RE2: linear
time whatever the pattern and input, so no rule can stall the server for other tenants.

RE2 has no backreferences or lookarounds: a pattern that needs them is refused when the rule is
added, with RE2's reason, rather than run with a backtracking engine.
"""

from __future__ import annotations

from functools import lru_cache

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is the caller's 400, not a line on our stderr


@lru_cache(maxsize=4096)
def compile(pattern: str):  # noqa: A001 - mirrors re.compile
    """The compiled pattern; ValueError (with RE2's reason) if it cannot run in linear time."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(f"{pattern!r} is not a pattern that can run in linear time (RE2 syntax; no "
                         f"backreferences or lookarounds): {reason}") from None


def search(pattern: str, text: str) -> bool:
    return compile(pattern).search(text) is not None
