"""The default fake model: it answers from its context, else in deterministic, input-seeded prose.

When what it was given — the input's files, file_search results, tool outputs, earlier turns —
holds sentences that match the question, it answers with them (backends/extractive.py); otherwise
with prose on the prompt's topics (names and acronyms keep their case). Either way in the form and
length the prompt asks for (backends/forms.py): N words, sentences or paragraphs, a list of N, one
word, a haiku, an essay, arithmetic, a short factual answer, a greeting back.

The same context always yields the same text (the seed is a hash of model, instructions and messages).
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import AsyncIterator, Callable

import anyio
import orjson

from responses_mock.backends import extractive, forms, tools, words
from responses_mock.backends.base import Chunk, ModelContext, SummaryDelta, TextDelta, Thinking
from responses_mock.backends.draws import Draws
from responses_mock.backends.extractive import Answer
from responses_mock.backends.schema_values import SchemaValues

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
_FIELD = re.compile(r"\{([tTu])\}")


# A template as its texts around its fields: (text, capitalised, text, paired, text) — the first
# field is the topic ({t}, or {T} when `capitalised`), the second, when `paired`, another ({u}).
# A fill joins them, several times quicker than str.format with keywords, and filling templates
# is most of writing prose.
_Template = tuple[str, bool, str, bool, str]


def _template(text: str) -> _Template:
    parts = _FIELD.split(text)  # text, field, text[, field, text]
    assert len(parts) in (3, 5) and parts[1] in "tT" and parts[3:4] in ([], ["u"]), text
    return parts[0], parts[1] == "T", parts[2], len(parts) == 5, parts[4] if len(parts) == 5 else ""


_OPENERS = [_template(t) for t in _OPENERS]
_BODY = [_template(t) for t in _BODY]
_CLOSERS = [_template(t) for t in _CLOSERS]
_SUMMARY = [
    "**Considering {t}**\n\nI'm working out what the question about {t} really asks and which "
    "points matter most for a clear answer.",
    "**Planning an answer on {t}**\n\nI'm outlining the main ideas behind {t} and how they connect "
    "to {u}, so the reply stays short and accurate.",
]
# Hidden reasoning per effort: (least, most) tokens.
_EFFORT_TOKENS = {"none": (0, 0), "minimal": (0, 16), "low": (48, 96), "medium": (128, 320),
                  "high": (384, 768), "xhigh": (768, 1536), "max": (1536, 3072)}


_FIRST_8 = struct.Struct(">Q").unpack_from  # int.from_bytes(digest[:8], "big"), without the slice


def seed_of(ctx: ModelContext) -> int:
    h = hashlib.sha256(ctx.model.encode())
    if ctx.instructions:  # (none hashes as "": nothing)
        h.update(ctx.instructions.encode())
    for m in ctx.messages:
        h.update(b"\x00" + m.role.encode() + b"\x01" + m.text.encode())
    return _FIRST_8(h.digest())[0]


_GIST = 8192  # characters read from each end of a long message


def _gist(text: str) -> str:
    """What the model reads of a prompt for its form and topics: all of it, or both ends of a long
    one (an instruction hidden in the middle of a megabyte is not worth a second of the loop)."""
    return text if len(text) <= 2 * _GIST else text[:_GIST] + "\n" + text[-_GIST:]


class _Said:
    """The last user message as read for its form and topics (each read once a request): its gist,
    the form words it holds (forms.needles), when it holds none its words (the form patterns and
    the topics read them; without_form leaves such a text as it is), and what it is about."""

    __slots__ = ("_topics", "ctx", "present", "text", "words")

    def __init__(self, ctx: ModelContext) -> None:
        self.ctx = ctx
        text = ctx.last_user_text
        self.text = text = text if len(text) <= 2 * _GIST else _gist(text)
        self.present = forms.needles(text)
        self.words = words.short_tokens(text) if not self.present and len(text) <= words.SHORT else None
        self._topics: list[str] | None = None

    def topics(self) -> list[str]:
        """What the prompt is about, in its own case for names and acronyms ("TCP", "Paris"); a prompt
        about nothing in particular ("And then?") is about what the user asked about last."""
        if self._topics is None:
            about = forms.without_form(self.text, self.present) if self.present else self.text  # (no form to cut)
            found = words.topics(about, said=self.words)
            self._topics = found or self._earlier_topics()
        return self._topics

    def _earlier_topics(self) -> list[str]:
        # The user's earlier messages, newest first (the newest is the one read above), eight in all.
        asked = 0
        for m in reversed(self.ctx.messages):
            if m.role != "user":
                continue
            asked += 1
            if asked == 1:
                continue
            found = words.topics(forms.without_form(_gist(m.text)))
            if found:
                return found
            if asked == 8:
                break
        return ["the subject"]


class _Writer:
    """Sentences on the prompt's topics, drawn from the templates by the seeded generator. Its
    draws are rng.choice's, inlined: filling templates is most of writing prose."""

    def __init__(self, topics: list[str], rng: Draws) -> None:
        self.topics, self.rng = topics, rng
        self._bits: Callable[[int], int] | None = None  # the generator's getrandbits, from the first fill

    def _start(self) -> Callable[[int], int]:
        """At the first fill (many answers fill none): how many topics there are and how many
        others a topic pairs with (the topics but it, distinct as words.topics makes them; for one
        alone "its context"), each with the bits a choice among them draws."""
        n = len(self.topics)
        if not n:
            raise IndexError("Cannot choose from an empty sequence")
        self._n, self._k = n, n.bit_length()
        self._others = max(n - 1, 1)
        self._others_k = self._others.bit_length()
        self._bits = self.rng.bits()
        return self._bits

    def fill(self, template: _Template) -> str:
        """The template with a topic (t, T) and another (u)."""
        bits = self._bits or self._start()
        n, k = self._n, self._k
        r = bits(k)
        while r >= n:
            r = bits(k)
        n, k = self._others, self._others_k
        o = bits(k)
        while o >= n:
            o = bits(k)
        a, capitalised, b, paired, c = template
        t = self.topics[r]
        if capitalised:
            t = t[:1].upper() + t[1:]
        if not paired:
            return a + t + b
        return a + t + b + (self.topics[o if o < r else o + 1] if self._n > 1 else "its context") + c

    def fill_any(self, group: list[_Template]) -> str:
        """fill(rng.choice(group)): the same draws, from the same generator."""
        return self.fill(group[self.rng.below(len(group))])

    def sentences(self, n: int) -> list[str]:
        """n sentences: an opener, a body without repeats while they last, a closer."""
        if n <= 0:
            return []
        out = [self.fill_any(_OPENERS)]
        body = self.rng.sample(_BODY, min(n - 2, len(_BODY)) if n > 2 else 0)
        while len(body) < n - 2:
            body.append(self.rng.choice(_BODY))
        fill = self.fill
        for template in body:
            out.append(fill(template))
        if n > 1:
            out.append(self.fill_any(_CLOSERS))
        return out  # n of them: 1, or an opener, n - 2 and a closer

    def paragraphs(self, n: int, low: int = 4, high: int = 6) -> str:
        return "\n\n".join(" ".join(self.sentences(self.rng.randint(low, high))) for _ in range(n))

    def words(self, n: int) -> str:
        text: list[str] = []
        while len(text) < n:
            text += " ".join(self.sentences(self.rng.randint(3, 6))).split()
        return " ".join(text[:n]).rstrip(".,;:") + "."


def compose_answer(ctx: ModelContext, rng: Draws) -> str:
    return compose(ctx, rng).text


def compose(ctx: ModelContext, rng: Draws, said: _Said | None = None) -> Answer:
    """An answer in the form and length the prompt asks for (backends/forms.py): from the context
    when something in it matches the question (backends/extractive.py), else prose on its topics.
    `said`: the last user message, if read already."""
    said = said or _Said(ctx)
    form = forms.read(said.text, said.present, said.words)
    kind = form.kind
    if kind == "number":
        return Answer(form.value)
    if kind == "greeting":
        return Answer(_GREETINGS[rng.randrange(len(_GREETINGS))])
    topics = said.topics()
    write = _Writer(topics, rng)
    if kind in _EXTRACTIVE:
        found = _from_context(ctx, form, write)
        if found is not None:
            return found
    return Answer(_prose(form, topics, write, rng))


_EXTRACTIVE = frozenset(("one_word", "sentences", "words", "list", "short", "free"))
_GREETINGS = ["Hello! How can I help you today?", "Hi there! What can I do for you?",
              "Hello! What would you like to know?"]


def _from_context(ctx: ModelContext, form: forms.Form, write: _Writer) -> Answer | None:
    """The form filled with the sentences of the context that best match the question; None when
    nothing there does. A file_search's results come first: the answer quotes the best of them, and
    a question about no word in particular ("What does the file say?") gets a file's first lines."""
    if extractive.nothing_to_read(ctx):
        return None  # the reading would be empty, and an empty reading answers nothing
    reading = extractive.read(ctx)
    if ctx.file_search_results:
        reading = reading.only("search")
    if not reading.ranked:
        if not reading.leading or (reading.terms and not ctx.file_search_results):
            return None
        picked = list(reading.leading[:max(1, form.n)] if form.kind in ("sentences", "list") else reading.leading)
    elif form.kind in ("sentences", "list"):
        picked = reading.best(form.n)
    elif form.kind == "words":
        picked = _enough_words(reading, form.n)
    elif form.kind in ("one_word", "short"):
        picked = reading.best(1)
    else:
        picked = reading.best(3, close=0.5)
    if form.kind == "one_word":
        word = extractive.answer_word(picked[0], reading.terms)
        return None if word is None else Answer(word[:1].upper() + word[1:] + ".")
    if form.kind == "list":
        found = extractive.quote(picked, joiner="\n", numbered=True)
        more = [write.fill_any(_BODY) for _ in range(form.n - len(picked))]
        return Answer("\n".join([found.text] + [f"{len(picked) + i + 1}. {s}" for i, s in enumerate(more)]),
                      found.annotations)
    found = extractive.quote(picked)
    if form.kind == "sentences" and len(picked) < form.n:  # the documents have too few: pad with prose
        return Answer(" ".join([found.text] + write.sentences(form.n)[len(picked):]), found.annotations)
    if form.kind == "words":
        kept = found.text.split()
        if len(kept) >= form.n:
            text = " ".join(kept[:form.n]).rstrip(".,;:") + "."
        else:
            text = found.text + " " + write.words(form.n - len(kept))
        return Answer(text, tuple({**a, "index": min(a["index"], len(text))} for a in found.annotations))
    return found


def _enough_words(reading: extractive.Reading, n: int) -> list[extractive.Sentence]:
    """The best sentences until they hold n words, in document order."""
    picked, count = [], 0
    for _, sentence in reading.ranked[:200]:
        if count >= n:
            break
        picked.append(sentence)
        count += len(sentence.text.split())
    return sorted(picked, key=lambda s: s.order)


def _prose(form: forms.Form, topics: list[str], write: _Writer, rng: Draws) -> str:
    kind = form.kind
    if kind == "free" or kind == "sentences":  # the commonest first
        return " ".join(write.sentences(form.n if kind == "sentences" else rng.randint(3, 6)))
    if form.kind == "one_word":
        return topics[0][:1].upper() + topics[0][1:] + "."
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
            picked += [write.fill_any(_BODY) for _ in range(form.n - len(picked))]
            return "\n".join(f"{i + 1}. {name[:1].upper() + name[1:]}" for i, name in enumerate(picked))
        return "\n".join(f"{i + 1}. {s}" for i, s in enumerate(write.sentences(form.n)))
    if form.kind == "haiku":
        t = topics[0]
        return "\n".join([f"Quiet {t} at dawn", f"the {t} settles into light", "and the day begins"])
    if form.kind == "short":
        return write.fill_any(_OPENERS)
    return " ".join(write.sentences(rng.randint(3, 6)))


class DefaultBackend:
    """Answers from the context, else deterministic prose; hidden reasoning and a summary for reasoning models."""

    name = "default"

    async def generate(self, ctx: ModelContext) -> AsyncIterator[Chunk]:
        # Hashing megabytes of context is a few milliseconds the loop need not wait for.
        heavy = extractive.needs_thread(ctx)
        seed = await anyio.to_thread.run_sync(seed_of, ctx) if heavy else seed_of(ctx)
        rng = Draws(seed)
        said = None
        # Effort `none` (gpt-5.1 and later by default) thinks not at all: no reasoning item.
        if ctx.reasoning and ctx.effort != "none":
            low, high = _EFFORT_TOKENS.get(ctx.effort or "medium", _EFFORT_TOKENS["medium"])
            thinking = rng.randint(low, high)
            summary = _SUMMARY[rng.randrange(len(_SUMMARY))]
            said = _Said(ctx)
            topics = said.topics()
            summary = summary.format(t=topics[0], u=topics[-1] if len(topics) > 1 else "the context")
            yield SummaryDelta(summary)
            # Hidden thinking arrives in slices so the lifecycle can pace and cancel between them.
            while thinking > 32:
                thinking -= 32
                yield _SLICE
            if thinking > 0:
                yield _SLICE if thinking == 32 else Thinking(thinking)
        notes: list[str] = []
        request = ctx.request
        # With no tool and no tool_choice there is nothing to plan (tools.plan: no tools in play).
        if request.get("tool_choice") or _offers_tools(ctx):
            # Arguments and structured output follow the caller's schemas: bounded work (schema_values.py),
            # yet up to ~0.1 s for the largest, so in a thread: the loop serves everyone meanwhile.
            plan = await anyio.to_thread.run_sync(tools.plan, ctx, seed) if ctx.tools else \
                tools.plan(ctx, seed)
            for call in plan.calls:
                yield call
            if plan.ends_turn:
                return  # function calls and approval requests: the client answers first
            notes = plan.notes
        fmt = request.get("text")
        fmt = fmt and fmt.get("format")
        fmt = fmt and fmt.get("type")  # text.format.type, if any
        if fmt == "json_schema" or fmt == "json_object":
            answer = await anyio.to_thread.run_sync(structured_answer, ctx, seed) if fmt == "json_schema" or \
                heavy else structured_answer(ctx, seed)
            if answer is not None:
                yield TextDelta(answer)
                return
        # Reading the context (files, outputs, turns) is bounded, yet megabytes take a moment: in a thread.
        answered = await anyio.to_thread.run_sync(_answer, ctx, rng, said) if heavy else \
            _answer(ctx, rng, said)
        if notes:  # what the hosted tools did, before the answer (its citations move along)
            lead = " ".join(notes) + " "
            answered = Answer(lead + answered.text,
                              tuple({**a, "index": a["index"] + len(lead)} for a in answered.annotations))
        yield TextDelta(answered.text, annotations=answered.annotations)


def _offers_tools(ctx: ModelContext) -> bool:
    """bool(ctx.tools), without making it when surely empty (no `tools`, no additional_tools item):
    a cached_property costs more than this test of a prompt alone."""
    if ctx.request.get("tools"):
        return bool(ctx.tools)
    for item in ctx.items:
        if isinstance(item, dict) and item.get("type") == "additional_tools":
            return bool(ctx.tools)
    return False


_SLICE = Thinking(32)  # a full slice of hidden thinking (frozen: one serves every response)


def _answer(ctx: ModelContext, rng: Draws, said: _Said | None = None) -> Answer:
    last = ctx.items[-1] if ctx.items else None
    if last is not None and last.get("type", "message") == "message" and last.get("role") == "user":
        return compose(ctx, rng, said)  # a user message last: no tool output this turn to answer from
    after_tools = tools.answer_from_outputs(ctx)
    return Answer(after_tools) if after_tools is not None else compose(ctx, rng, said)


def structured_answer(ctx: ModelContext, seed: int) -> str | None:
    """JSON text for `text.format` json_schema (an instance of the schema) or json_object."""
    fmt = ((ctx.request.get("text") or {}).get("format")) or {}
    if fmt.get("type") == "json_schema":
        value = SchemaValues(fmt.get("schema") or {}, seed=seed, hint_text=ctx.last_user_text).value()
        return orjson.dumps(value).decode()
    if fmt.get("type") == "json_object":
        return orjson.dumps({"answer": compose_answer(ctx, Draws(seed))}).decode()
    return None
