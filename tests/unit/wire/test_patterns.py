"""The RE2 guard (wire/patterns.py): user regexes run in linear time or are refused with RE2's own
reason; schema patterns get a matching example, or none, within bounded size; compiles are cached,
refusals too, in a cache of bounded size."""

from __future__ import annotations

import time

import pytest

from responses_mock.wire import patterns


def test_a_catastrophic_pattern_runs_in_linear_time():
    started = time.monotonic()
    assert patterns.search(r"(a+)+$", "a" * 100_000 + "!") is False  # a backtracking engine never ends this
    assert patterns.search(r"(a|aa)*c", "a" * 100_000) is False
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("pattern, reason", [
    (r"(\w)\1", "invalid escape sequence: \\1"),  # a backreference
    (r"(?=a)b", "invalid perl operator: (?="),  # a lookahead
    (r"(?<!a)b", "invalid perl operator: (?<!"),  # a lookbehind
    ("a{2000}", "invalid repetition size: {2000}"),  # over RE2's repeat cap
])
def test_what_needs_backtracking_is_refused_with_re2s_reason(pattern, reason):
    with pytest.raises(patterns.PatternError) as refused:
        patterns.compile(pattern)
    assert isinstance(refused.value, ValueError) and refused.value.reason == reason
    assert str(refused.value) == (f"{pattern!r} is not a pattern that can run in linear time (RE2 syntax; no "
                                  f"backreferences or lookarounds): {reason}")
    assert patterns.is_cached(pattern)  # the refusal is remembered: it costs its compile once
    with pytest.raises(patterns.PatternError):
        patterns.search(pattern, "aa")
    assert patterns.example(pattern) is None


@pytest.mark.parametrize("pattern", [
    r"^[A-Z]{1,5}$", r"^\d{3}-\d{4}$", r"[^a-z]+", r"(x|y)z", r"\bfoo\b", r"(?i)abc", r"^[a-f0-9]{8}(-[a-f0-9]{4}){3}$",
    r"^\S+@\S+\.\w{2,}$", "a{1000}b",
])
def test_an_example_matches_its_pattern(pattern):
    text = patterns.example(pattern)
    assert text is not None and patterns.search(pattern, text), (pattern, text)
    assert len(text) <= patterns.MAX_EXAMPLE


def test_no_example_past_the_bounds():
    assert patterns.example("x" * (patterns.MAX_PATTERN + 1)) is None  # too long a pattern to read
    assert patterns.example("a{1000}" * 11) is None  # RE2 runs it, but its shortest match passes MAX_EXAMPLE
    assert patterns.example("a{1000}" * 10) == "a" * patterns.MAX_EXAMPLE  # exactly at the bound


def test_the_caches_are_bounded(monkeypatch):
    monkeypatch.setattr(patterns, "_CACHE_SIZE", 8)
    monkeypatch.setattr(patterns, "_compiled", {})
    for i in range(20):
        patterns.compile(f"p{i}")
    assert len(patterns._compiled) == 8 and patterns.is_cached("p19") and not patterns.is_cached("p0")
