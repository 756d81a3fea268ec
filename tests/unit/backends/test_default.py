"""The default fake model: deterministic, on-topic, plausible length."""

from __future__ import annotations

import random

import pytest

from responses_mock.backends import default
from responses_mock.backends.base import Message, ModelContext, SummaryDelta, TextDelta, Thinking
from responses_mock.backends.default import DefaultBackend
from responses_mock.backends.draws import Draws
from responses_mock.backends.registry import get


def ctx(text: str, thinks: bool = False, **request) -> ModelContext:
    return ModelContext(model="m", reasoning=thinks, encoding="o200k_base", instructions=None,
                        messages=(Message("user", text),), items=(), request=request)


async def collect(c: ModelContext) -> list:
    return [chunk async for chunk in DefaultBackend().generate(c)]


async def test_deterministic_and_input_seeded():
    a = await collect(ctx("Tell me about glaciers"))
    assert a == await collect(ctx("Tell me about glaciers"))
    assert a != await collect(ctx("Tell me about deserts"))
    text = "".join(c.text for c in a)
    assert "glaciers" in text.lower() and 3 <= text.count(".") <= 6


async def test_sentence_and_word_requests():
    text = "".join(c.text for c in await collect(ctx("Explain gravity in four sentences.")))
    assert text.count(".") == 4
    text = "".join(c.text for c in await collect(ctx("Describe Paris in one word")))
    assert text == "Paris."


async def test_reasoning_models_think_by_effort():
    low = await collect(ctx("Why is the sky blue?", thinks=True, reasoning={"effort": "low"}))
    high = await collect(ctx("Why is the sky blue?", thinks=True, reasoning={"effort": "high"}))
    think = lambda cs: sum(c.tokens for c in cs if isinstance(c, Thinking))
    assert 48 <= think(low) <= 96 and 384 <= think(high) <= 768
    assert any(isinstance(c, SummaryDelta) for c in low)
    # Thinking comes before the answer.
    kinds = [type(c) for c in low]
    assert kinds.index(TextDelta) > max(i for i, k in enumerate(kinds) if k is Thinking)


async def test_echo_backend():
    chunks = [c async for c in get("echo").generate(ctx("say this back"))]
    assert "".join(c.text for c in chunks) == "say this back"


async def test_effort_none_by_default_thinks_not_at_all():
    """gpt-5.1 and later default to effort `none`: no reasoning, as the response's echo says."""
    silent = ModelContext(model="m", reasoning=True, encoding="o200k_base", instructions=None,
                          messages=(Message("user", "Why is the sky blue?"),), items=(), default_effort="none")
    chunks = await collect(silent)
    assert not any(isinstance(c, (Thinking, SummaryDelta)) for c in chunks) and chunks
    asked = ModelContext(model="m", reasoning=True, encoding="o200k_base", instructions=None,
                         messages=(Message("user", "Why is the sky blue?"),), items=(), default_effort="none",
                         request={"reasoning": {"effort": "max"}})
    assert sum(c.tokens for c in await collect(asked) if isinstance(c, Thinking)) >= 1536


def _format(template: tuple) -> str:
    """A writer's template as the str.format text it was made from."""
    a, capitalised, b, paired, c = template
    return a + ("{T}" if capitalised else "{t}") + b + ("{u}" + c if paired else "")


class _RandomWriter:
    """The writer as first written: random.Random's choice and sample, str.format."""

    def __init__(self, topics, rng):
        self.topics, self.rng = topics, rng

    def fill(self, template):
        t = self.rng.choice(self.topics)
        u = self.rng.choice([x for x in self.topics if x != t] or ["its context"])
        return template.format(t=t, T=t[:1].upper() + t[1:], u=u)

    def sentences(self, n):
        if n <= 0:
            return []
        out = [self.fill(self.rng.choice([_format(t) for t in default._OPENERS]))]
        body = self.rng.sample([_format(t) for t in default._BODY], k=min(max(n - 2, 0), len(default._BODY)))
        while len(body) < n - 2:
            body.append(self.rng.choice([_format(t) for t in default._BODY]))
        out += [self.fill(b) for b in body]
        if n > 1:
            out.append(self.fill(self.rng.choice([_format(t) for t in default._CLOSERS])))
        return out[:n]


@pytest.mark.parametrize("topics", [["the subject"], ["TCP", "UDP"], ["hello", "today", "Paris"],
                                    ["a", "b", "c", "d"], ["Ünïcode", "日本"]])
def test_the_writer_draws_and_writes_as_random_and_str_format_do(topics):
    for seed in range(60):
        ours, theirs = default._Writer(topics, Draws(seed)), _RandomWriter(topics, random.Random(seed))
        for n in (0, 1, 2, 3, 5, 12, 14):
            assert ours.sentences(n) == theirs.sentences(n), (seed, n)
        assert ours.fill(default._BODY[3]) == theirs.fill(_format(default._BODY[3]))
        assert ours.fill_any(default._OPENERS) == theirs.fill(theirs.rng.choice([_format(t) for t in default._OPENERS]))
        assert ours.rng.randint(0, 99) == theirs.rng.randint(0, 99)  # and the generators are in step after


def test_templates_are_made_of_the_texts():
    assert _format(default._OPENERS[0]) == "{T} is best understood by looking at what it does in practice."
    assert _format(default._BODY[3]) == "When {t} and {u} interact, the result is often more predictable than it first seems."


async def test_hidden_thinking_comes_in_slices_of_32():
    for effort in ("minimal", "low", "medium", "high", "max"):
        for question in ("Why is the sky blue?", "Hi", "Explain TCP in 3 sentences."):
            slices = [c.tokens for c in await collect(ctx(question, thinks=True, reasoning={"effort": effort}))
                      if isinstance(c, Thinking)]
            assert all(s == 32 for s in slices[:-1]) and (not slices or 0 < slices[-1] <= 32)


def test_tools_are_offered_as_the_context_says():
    def offers(request: dict, items: tuple = ()) -> bool:
        c = ModelContext(model="m", reasoning=False, encoding="o200k_base", instructions=None,
                         messages=(Message("user", "hi"),), items=items, request=request)
        assert default._offers_tools(c) == bool(c.tools)
        return bool(c.tools)

    assert not offers({}) and not offers({"tools": []}) and not offers({"tools": ["not a tool"]})
    assert offers({"tools": [{"type": "web_search"}]})
    assert offers({}, ({"type": "additional_tools", "tools": [{"type": "function", "name": "f"}]},))
    assert not offers({}, ({"type": "additional_tools", "tools": []},))
