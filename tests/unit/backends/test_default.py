"""The default fake model: deterministic, on-topic, plausible length."""

from __future__ import annotations

from responses_mock.backends.base import Message, ModelContext, SummaryDelta, TextDelta, Thinking
from responses_mock.backends.default import DefaultBackend
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
