"""The default fake model: deterministic, input-seeded prose of plausible length.

The same context always yields the same text (the seed is a hash of model, instructions and
messages). It picks topic words from the last user message so answers read as on-topic, and
answers in the form and length the prompt asks for (backends/forms.py): N words, sentences or
paragraphs, a list of N, one word, a haiku, an essay, arithmetic, a short factual answer.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import AsyncIterator

import anyio
import orjson

from responses_mock.backends import forms, tools
from responses_mock.backends.base import Chunk, ModelContext, SummaryDelta, TextDelta, Thinking
from responses_mock.backends.schema_values import SchemaValues

_STOP = set("""a an and are as at be been but by can could did do does for from had has have how i
if in into is it its just let like me more most my no not of on or our please should so some
such tell than that the their them then there these they this those to two three four five under
up us very was we were what when where which who why will with would you your explain describe
give write make show about sentence sentences word words briefly short long list
paragraph paragraphs essay essays article report post haiku poem detailed comprehensive thorough
covering major milestones tips ways steps ideas reasons examples answer best better""".split())


_OPENERS = [
    "{T} is best understood by looking at what it does in practice.",
    "In short, {t} comes down to a few connected ideas.",
    "At its core, {t} describes how parts of a system relate to one another.",
    "{T} is a topic where the details matter more than the headline.",
    "Put simply, {t} is about cause, effect and the limits between them.",
]
_BODY = [
    "The key point is that {t} behaves consistently once its assumptions are clear.",
    "A useful way to think about {t} is through a concrete, everyday example.",
    "Most confusion about {t} comes from mixing up the model with the thing it models.",
    "When {t} and {u} interact, the result is often more predictable than it first seems.",
    "Researchers usually measure {t} indirectly, by the effects it has on {u}.",
    "It helps to separate what {t} guarantees from what it merely makes likely.",
    "In practice, {t} is applied step by step, checking each result before moving on.",
    "The relationship between {t} and {u} explains most of the interesting cases.",
    "Small changes to {t} can have large effects, which is why careful testing matters.",
    "Historically, ideas about {t} developed alongside better tools for observing {u}.",
]
_CLOSERS = [
    "Taken together, these points give a reliable picture of {t}.",
    "That is the essence of {t}, and the rest follows from it.",
    "If you need more depth, the next step is to look at how {t} is measured.",
    "In summary, {t} rewards a careful, step-by-step approach.",
]
_SUMMARY = [
    "**Considering {t}**\n\nI'm working out what the question about {t} really asks and which "
    "points matter most for a clear answer.",
    "**Planning an answer on {t}**\n\nI'm outlining the main ideas behind {t} and how they connect "
    "to {u}, so the reply stays short and accurate.",
]
# Hidden reasoning per effort: (least, most) tokens.
_EFFORT_TOKENS = {"none": (0, 0), "minimal": (0, 16), "low": (48, 96), "medium": (128, 320),
                  "high": (384, 768), "xhigh": (768, 1536), "max": (1536, 3072)}


def seed_of(ctx: ModelContext) -> int:
    h = hashlib.sha256(ctx.model.encode())
    h.update((ctx.instructions or "").encode())
    for m in ctx.messages:
        h.update(b"\x00" + m.role.encode() + b"\x01" + m.text.encode())
    return int.from_bytes(h.digest()[:8], "big")


# Words of 4 to 30 letters: a run longer than any word (a pasted blob) is no topic to repeat.
_WORD = re.compile(r"(?<![A-Za-z\-'])[A-Za-z][A-Za-z\-']{3,29}(?![A-Za-z\-'])")


_GIST = 8192  # characters read from each end of a long message


def _gist(text: str) -> str:
    """What the model reads of a prompt for its form and topics: all of it, or both ends of a long
    one (an instruction hidden in the middle of a megabyte is not worth a second of the loop)."""
    return text if len(text) <= 2 * _GIST else text[:_GIST] + "\n" + text[-_GIST:]


def _topics(text: str) -> list[str]:
    seen: list[str] = []
    for match in _WORD.finditer(_gist(text)):
        w = match.group().lower().strip("'-")
        if w not in _STOP and w not in seen:
            seen.append(w)
            if len(seen) == 4:
                break
    return seen or ["this question"]


class _Writer:
    """Sentences on the prompt's topics, drawn from the templates by the seeded generator."""

    def __init__(self, topics: list[str], rng: random.Random) -> None:
        self.topics, self.rng = topics, rng

    def fill(self, template: str) -> str:
        t = self.rng.choice(self.topics)
        u = self.rng.choice([x for x in self.topics if x != t] or ["its context"])
        return template.format(t=t, T=t[:1].upper() + t[1:], u=u)

    def sentences(self, n: int) -> list[str]:
        """n sentences: an opener, a body without repeats while they last, a closer."""
        if n <= 0:
            return []
        out = [self.fill(self.rng.choice(_OPENERS))]
        body = self.rng.sample(_BODY, k=min(max(n - 2, 0), len(_BODY)))
        while len(body) < n - 2:
            body.append(self.rng.choice(_BODY))
        out += [self.fill(b) for b in body]
        if n > 1:
            out.append(self.fill(self.rng.choice(_CLOSERS)))
        return out[:n]

    def paragraphs(self, n: int, low: int = 4, high: int = 6) -> str:
        return "\n\n".join(" ".join(self.sentences(self.rng.randint(low, high))) for _ in range(n))

    def words(self, n: int) -> str:
        text: list[str] = []
        while len(text) < n:
            text += " ".join(self.sentences(self.rng.randint(3, 6))).split()
        return " ".join(text[:n]).rstrip(".,;:") + "."


def compose_answer(ctx: ModelContext, rng: random.Random) -> str:
    """An answer in the form and length the prompt asks for (backends/forms.py)."""
    text = _gist(ctx.last_user_text)
    topics = _topics(text)
    form = forms.read(text)
    write = _Writer(topics, rng)
    if form.kind == "one_word":
        return topics[0].capitalize() + "."
    if form.kind == "number":
        return form.value
    if form.kind == "words":
        return write.words(form.n)
    if form.kind == "paragraphs":
        return write.paragraphs(form.n)
    if form.kind == "essay":  # a title, then a section a paragraph (a milestone each, when counted)
        return topics[0].title() + "\n\n" + write.paragraphs(form.n, 7, 9)
    if form.kind == "list":
        names = forms.lexicon_items(form.item)
        if names:
            start = rng.randrange(len(names))
            picked = [(names * 2)[start + i] for i in range(min(form.n, len(names)))]
            picked += [write.fill(rng.choice(_BODY)) for _ in range(form.n - len(picked))]
            return "\n".join(f"{i + 1}. {name[:1].upper() + name[1:]}" for i, name in enumerate(picked))
        return "\n".join(f"{i + 1}. {s}" for i, s in enumerate(write.sentences(form.n)))
    if form.kind == "haiku":
        t = topics[0]
        return "\n".join([f"Quiet {t} at dawn", f"the {t} settles into light", "and the day begins"])
    if form.kind == "short":
        return write.fill(rng.choice(_OPENERS))
    n = form.n if form.kind == "sentences" else rng.randint(3, 6)
    return " ".join(write.sentences(n))


class DefaultBackend:
    """Deterministic prose; hidden reasoning and a summary for reasoning models."""

    name = "default"

    async def generate(self, ctx: ModelContext) -> AsyncIterator[Chunk]:
        seed = seed_of(ctx)
        rng = random.Random(seed)
        # Effort `none` (gpt-5.1 and later by default) thinks not at all: no reasoning item.
        if ctx.reasoning and ctx.effort != "none":
            low, high = _EFFORT_TOKENS.get(ctx.effort or "medium", _EFFORT_TOKENS["medium"])
            thinking = rng.randint(low, high)
            summary = _SUMMARY[rng.randrange(len(_SUMMARY))]
            topics = _topics(ctx.last_user_text)
            summary = summary.format(t=topics[0], u=topics[-1] if len(topics) > 1 else "the context")
            yield SummaryDelta(summary)
            # Hidden thinking arrives in slices so the lifecycle can pace and cancel between them.
            while thinking > 0:
                step = min(32, thinking)
                thinking -= step
                yield Thinking(step)
        # Arguments and structured output follow the caller's schemas: bounded work (schema_values.py),
        # yet up to ~0.1 s for the largest, so in a thread: the loop serves everyone meanwhile.
        plan = await anyio.to_thread.run_sync(tools.plan, ctx, seed) if ctx.tools else \
            tools.plan(ctx, seed)
        for call in plan.calls:
            yield call
        if plan.ends_turn:
            return  # function calls and approval requests: the client answers first
        schema_format = (((ctx.request.get("text") or {}).get("format")) or {}).get("type") == "json_schema"
        answer = await anyio.to_thread.run_sync(structured_answer, ctx, seed) if schema_format else \
            structured_answer(ctx, seed)
        if answer is None:
            answer = tools.answer_from_outputs(ctx) or compose_answer(ctx, rng)
            if plan.notes:
                answer = " ".join(plan.notes) + " " + answer
        yield TextDelta(answer)


def structured_answer(ctx: ModelContext, seed: int) -> str | None:
    """JSON text for `text.format` json_schema (an instance of the schema) or json_object."""
    fmt = ((ctx.request.get("text") or {}).get("format")) or {}
    if fmt.get("type") == "json_schema":
        value = SchemaValues(fmt.get("schema") or {}, seed=seed, hint_text=ctx.last_user_text).value()
        return orjson.dumps(value).decode()
    if fmt.get("type") == "json_object":
        rng = random.Random(seed)
        return orjson.dumps({"answer": compose_answer(ctx, rng)}).decode()
    return None
