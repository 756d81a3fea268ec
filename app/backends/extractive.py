"""Extractive answers: the sentences of what the model was given — the file_search results, the
input's files, text pasted before the question, tool outputs, earlier turns — that best match the
question, scored by the question's content words (backends/words.py) weighted by how rare they are
among the sentences read, names counting double.

Reading is bounded whatever the input: so much of each source (of a longer one its start, the
passages around the question's words and its end), so much over all, the newest so many items, so
many sentences, so long a quote. Past IN_THREAD characters the caller reads in a
thread (`needs_thread`), so no request holds the event loop. Deterministic: no randomness at all.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from responses_mock.backends import forms, shells, words
from responses_mock.backends.base import ModelContext, Passage

READ_PER_SOURCE = 262_144  # characters read of one source (read_of: which of a longer one)
READ_TOTAL = 1_048_576  # characters read over all sources, the likeliest first
MAX_SENTENCES = 20_000  # sentences scored over all sources
MAX_ITEMS = 512  # the newest input items read for turns and tool outputs (16,384 may come)
LEAST = 4_096  # characters worth reading of one more source: with less left, reading stops
MAX_QUOTE = 400  # characters quoted of one sentence (a line with no full stop can be a megabyte)
IN_THREAD = 32_768  # characters of context past which reading is done in a thread

_OUTPUTS = ("function_call_output", "custom_tool_call_output", "local_shell_call_output", "shell_call_output",
            "computer_call_output")
# Ties go to the source likeliest to hold the answer: this turn's search, the files, pasted text,
# tool outputs, then what was said before.
_RANK = {"search": 0, "document": 1, "pasted": 2, "tool": 3, "turn": 4}
_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")  # a sentence's end: its stop, closing quotes, a space
# Whether a text holds _END: the same test, twice as quick to search (the stop leads, no lookbehind).
_ANY_END = re.compile(r"[.!?…][\"'”’)\]]*\s")
_COPULA = frozenset("is are was were be called named means equals".split())


@dataclass(frozen=True)
class Source:
    text: str
    kind: str  # search | document | pasted | tool | turn
    position: int = 0  # order among sources of its kind (the input's order)
    passage: Passage | None = None  # a file's or a search result's: what a citation names
    by_user: bool = False  # said by the user: its questions and requests are no answers


@dataclass(frozen=True)
class Sentence:
    text: str
    source: Source
    order: tuple[int, int, int]  # (kind, position, index): document order across sources
    stems: frozenset[str]


@dataclass(frozen=True)
class Reading:
    """The question and the context's sentences that match it, best first."""

    question: str
    terms: dict[str, float]
    ranked: tuple[tuple[float, Sentence], ...]  # (score, sentence), score > 0
    leading: tuple[Sentence, ...]  # the first sentences of the first file or search result

    def best(self, n: int, close: float = 0.0) -> list[Sentence]:
        """Up to n matching sentences, those scoring at least `close` × the best's, in document order."""
        if not self.ranked:
            return []
        floor = self.ranked[0][0] * close
        picked = [s for score, s in self.ranked[:n] if score >= floor]
        return sorted(picked, key=lambda s: s.order)

    def only(self, kind: str) -> Reading:
        """The reading with only the sentences of one kind of source, if any of them match."""
        kept = tuple(r for r in self.ranked if r[1].source.kind == kind)
        return Reading(self.question, self.terms, kept, self.leading) if kept else self


class Answer(NamedTuple):  # a tuple: made for every answer, at a third of a frozen dataclass's cost
    text: str
    annotations: tuple[dict, ...] = ()


def needs_thread(ctx: ModelContext) -> bool:
    """Whether reading this context is more than a moment's work for the loop."""
    if len(ctx.items) > 256:
        return True
    size = 0  # plain loops: a generator each would cost more than the sums for a prompt or two
    for p in ctx.documents:
        size += len(p.text)
    for p in ctx.file_search_results:
        size += len(p.text)
    if size > IN_THREAD:
        return True
    size = 0
    for m in ctx.messages:
        size += len(m.text)
    return size > IN_THREAD


def nothing_to_read(ctx: ModelContext) -> bool:
    """Whether the context surely holds no source (no file, result, output or earlier turn, and a
    last message of one sentence, so nothing pasted before its question): then no reading can match,
    and a prompt alone costs no reading at all. Conservative: False whenever a source may exist."""
    if ctx.file_search_results or ctx.documents:
        return False
    # One pass, newest first: the first user message met is the last (its text is the question);
    # any output, or another user or assistant message, among the items read is a source.
    items, last = ctx.items, None
    for i in range(len(items) - 1, max(len(items) - MAX_ITEMS, 0) - 1, -1):
        item = items[i]
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            if role == "user" and last is None:
                last = i
            elif role in ("user", "assistant"):
                return False
        elif kind in _OUTPUTS:
            return False
    if last is None:  # none among the newest MAX_ITEMS: the last is older, if there is one
        last = _last_user(items)
    if last is None:
        text = ctx.last_user_text
    else:
        text = items[last].get("content")
        text = text if isinstance(text, str) else _text_of(items[last])
    # split_question would find a second sentence
    return not (len(text) > 4096 or "\n" in text or _ANY_END.search(text))


def read(ctx: ModelContext) -> Reading:
    """The context's sentences scored against the question of the last user message."""
    question, sources, terms = _gather(ctx)
    return score(question, sources, terms)


def gather(ctx: ModelContext) -> tuple[str, list[Source]]:
    """(the question, the sources in the order they are read) — each source's text bounded."""
    question, sources, _ = _gather(ctx)
    return question, sources


def _gather(ctx: ModelContext) -> tuple[str, list[Source], dict[str, float]]:
    """gather, and the question's terms (read once: scoring needs them too)."""
    last = _last_user(ctx.items)
    question, pasted = split_question(ctx.last_user_text if last is None else _text_of(ctx.items[last]))
    terms = words.question_terms(forms.without_form(question))
    budget = _Budget(terms)
    out: list[Source] = []
    for i, p in enumerate(ctx.file_search_results):
        budget.add(out, Source(p.text, "search", i, p))
    for i, p in enumerate(ctx.documents):
        budget.add(out, Source(p.text, "document", i, p))
    budget.add(out, Source(pasted, "pasted", by_user=True))
    # Tool outputs and turns newest first: when the budget runs out, the oldest go unread.
    for i in range(len(ctx.items) - 1, max(len(ctx.items) - MAX_ITEMS, 0) - 1, -1):
        if budget.spent:
            break
        item = ctx.items[i]
        kind = item.get("type", "message")
        if i == last:
            continue
        if kind in _OUTPUTS:
            budget.add(out, Source(shells.output_text(item.get("output")), "tool", i))
        elif kind == "message" and item.get("role") in ("user", "assistant"):
            budget.add(out, Source(_text_of(item), "turn", i, by_user=item.get("role") == "user"))
    return question, out, terms


class _Budget:
    """What is left to read over all sources, and where in a long one to read (near the question's words)."""

    def __init__(self, terms: dict[str, float]) -> None:
        self.left = READ_TOTAL
        self.near = _near(terms)

    @property
    def spent(self) -> bool:
        return self.left < LEAST

    def add(self, out: list[Source], source: Source) -> None:
        if self.spent and len(source.text) > self.left:
            self.left = 0  # a source cut to a sliver reads as fragments: it and the rest go unread
        if self.left <= 0 or not source.text or source.text.isspace():
            return
        text = read_of(source.text, min(READ_PER_SOURCE, self.left), self.near)
        self.left -= len(text)
        out.append(Source(text, source.kind, source.position, source.passage, source.by_user))


SCAN = 262_144  # characters searched at once for the question's words (the GIL is let go between)
SCAN_TOTAL = 8_388_608  # characters of one source searched at most
WINDOW = 1_500  # characters read either side of a place the question's words occur
HITS = 48  # places read at most in one source


def read_of(text: str, limit: int, near: tuple[str, ...]) -> str:
    """At most `limit` characters of a text: all of a short one; of a long one its start, then the
    passages around where the question's words (`near`) occur, then its end with what room is left."""
    if len(text) <= limit:
        return text
    head = limit // 4
    parts, room, end, hits = [text[:head]], limit - head, head, 0
    for start in range(head, min(len(text), SCAN_TOTAL), SCAN) if near else ():
        for at in _places(text[start:start + SCAN].lower(), near):
            at += start
            if at < end:
                continue
            a, b = max(end, at - WINDOW), min(len(text), at + WINDOW)
            if b - a > room:
                break
            parts.append(_whole_sentences(text[a:b]))
            room, end, hits = room - (b - a), b, hits + 1
            if hits == HITS:
                break
        if hits == HITS or room < 2 * WINDOW:
            break
    if room > 0 and end < len(text) - room:
        parts.append(_whole_sentences(text[-room:], to_the_end=True))
    elif room > 0 and end < len(text):
        parts.append(text[end:])
    return "\n".join(parts)


def _places(chunk: str, near: tuple[str, ...]) -> list[int]:
    """Where in a (lower-cased) chunk the stems occur, the first HITS of each, in order: str.find
    runs in C at memory speed, where a case-blind regex crawls."""
    out = []
    for stem in near:
        at, found = chunk.find(stem), 0
        while at >= 0 and found < HITS:
            out.append(at)
            at, found = chunk.find(stem, at + len(stem)), found + 1
    return sorted(out)


def _whole_sentences(window: str, to_the_end: bool = False) -> str:
    """A window cut out of a text, less the sentence pieces at its edges (at its start only, when
    it runs to the text's end)."""
    first = min((i for i in (window.find(". "), window.find("\n")) if i >= 0), default=-1)
    last = len(window) if to_the_end else max(window.rfind(". "), window.rfind("\n")) + 1
    if first < 0 or last <= first + 1:
        return window
    return window[first + 1:last].strip()


def _last_user(items: tuple[dict, ...]) -> int | None:
    for i in range(len(items) - 1, -1, -1):
        if items[i].get("type", "message") == "message" and items[i].get("role") == "user":
            return i
    return None


def _text_of(item: dict) -> str:
    content = item.get("content")
    if isinstance(content, str):
        return content
    return " ".join(str(part.get("text") or "") for part in content or []
                    if isinstance(part, dict) and part.get("type") in ("input_text", "output_text", "text"))


def sentences_of(text: str) -> list[str]:
    """A text's sentences: its lines, a wrapped paragraph's joined again, split at a stop followed
    by a space; markup off (a bullet, a heading's #, bold's **), long ones cut to MAX_QUOTE."""
    out = []
    for line in _lines(text):
        for piece in _END.split(_MARKUP.sub("", line)):
            piece = piece.replace("**", "").strip()
            if not piece:
                continue
            if len(piece) > MAX_QUOTE:
                piece = piece[:MAX_QUOTE].rsplit(" ", 1)[0].rstrip(",;:") + "…"
            out.append(piece)
    return out


_MARKUP = re.compile(r"^\s*(?:[-*+•]\s+|\d{1,3}[.)]\s+|#{1,6}\s+|>\s*)")
_BLOCK = re.compile(r"^\s*(?:[-*+•|>#]|\d{1,3}[.)]\s|```)")
_WRAPPED = 50  # a line at least this long that ends mid-sentence was wrapped: the next one goes on


def _lines(text: str) -> list[str]:
    """The text's lines, with those of a paragraph wrapped at a width joined back into one."""
    out: list[list[str]] = []  # each line's pieces: joined once at the end, not copied per piece
    wrapped = fenced = False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            fenced = not fenced
        if wrapped and stripped and not _BLOCK.match(line):
            out[-1].append(stripped)
        else:
            out.append([stripped])
        wrapped = not fenced and len(line.rstrip()) >= _WRAPPED and stripped[-1:] not in (".", "!", "?", ":", "…")
    return [" ".join(pieces) for pieces in out]


def split_question(text: str) -> tuple[str, str]:
    """(the question, the text pasted before it) of a user message: the question is its last
    sentence, with the one before when the last only says how to answer ("Answer in one word.")
    or is a question's tail, and any question just before those."""
    head = text[:-2048] if len(text) > 4096 else ""
    tail = text[len(head):]
    parts = sentences_of(tail)
    if len(parts) <= 1:
        return tail.strip(), head
    take = 1
    if len(words.tokens(parts[-1])) < 7 and not parts[-1].endswith("?"):
        take = 2
    while take < len(parts) and take < 4 and parts[-take - 1].endswith("?"):
        take += 1
    question = " ".join(parts[-take:])
    cut = tail.rfind(parts[-take][:40])
    return question, head + (tail[:cut] if cut > 0 else "")


_ASKING = frozenset("""tell explain describe write list give show say summarise summarize define compare outline
name suggest translate please can could would will help make create generate draft find search run look
read answer reply what who whom whose where when why how which is are do does did let""".split())


def is_request(sentence: str) -> bool:
    """A question or an instruction: "What is …?", "Tell me about volcanoes.", "Please list …"."""
    first = words.TOKEN.search(sentence)
    return sentence.endswith("?") or (first is not None and first.group().lower() in _ASKING)


def score(question: str, sources: list[Source], terms: dict[str, float] | None = None) -> Reading:
    """The sources' sentences scored against the question (`terms`: its terms, when already read)."""
    if terms is None:
        terms = words.question_terms(forms.without_form(question))
    near = _near(terms)
    candidates: list[Sentence] = []  # the sentences with a question's word in them: only they can match
    seen: set[str] = set()
    leading: list[Sentence] = []
    n = 0
    for source in sources:
        for index, text in enumerate(sentences_of(source.text)):
            if n == MAX_SENTENCES:
                break
            n += 1
            order = (_RANK[source.kind], source.position, index)
            if source.kind in ("search", "document") and len(leading) < 3 and \
                    (not leading or leading[0].source is source):
                leading.append(Sentence(text, source, order, frozenset()))
            key = text.lower()
            if not any(stem in key for stem in near):
                continue  # substring tests in C: most sentences of a long text go no further
            if key in seen or (source.by_user and is_request(text)):
                continue  # a question or a request is no answer; a sentence said twice is read once
            seen.add(key)
            stems = frozenset(words.stem(w) for w in words.tokens(text) if words.is_content(w))
            candidates.append(Sentence(text, source, order, stems))
    if not terms:
        return Reading(question, terms, (), tuple(leading))
    df = Counter(t for s in candidates for t in s.stems & terms.keys())
    idf = {t: 1.0 + math.log((n + 1) / (df[t] + 1)) for t in df}
    ranked = []
    for s in candidates:
        matched = s.stems & terms.keys()
        if matched:
            ranked.append((sum(terms[t] * idf[t] for t in sorted(matched)), s))  # sorted: the same sum in every process
    ranked.sort(key=lambda r: (-r[0], r[1].order))
    return Reading(question, terms, tuple(ranked), tuple(leading))


def _near(terms: dict[str, float]) -> tuple[str, ...]:
    """The stems to look for in a text (as parts of its lower-cased words): the weightiest 16."""
    return tuple(sorted(terms, key=lambda t: (-terms[t], t))[:16])


def answer_word(sentence: Sentence, terms: dict[str, float]) -> str | None:
    """The word of a sentence that answers a one-word question: not one the question used, the one
    after "is" if any ("The secret word is pineapple."), else a name, else the first."""
    text = sentence.text
    best: tuple[int, int, str] | None = None
    previous = ""
    shouting = text.isupper()
    for i, m in enumerate(words.TOKEN.finditer(text)):
        word = m.group()
        low = word.lower()
        if words.is_content(word) and low not in words.META and words.stem(word) not in terms:
            rank = 0 if previous in _COPULA else 1 if words.is_name(word, text, m.start(), shouting) else 2
            if best is None or rank < best[0]:
                best = (rank, i, word)
        previous = low
    return None if best is None else best[2]


def quote(sentences: list[Sentence], joiner: str = " ", numbered: bool = False) -> Answer:
    """The sentences as an answer; a file_citation after the last sentence quoted from each
    search result (a file's id and name, and where in the text it applies)."""
    text, annotations = "", []
    for i, s in enumerate(sentences):
        if i:
            text += joiner
        line = s.text if s.text[-1:] in ".!?…\"'”)" else s.text.rstrip(",;:") + "."
        text += f"{i + 1}. {line}" if numbered else line
        passage = s.source.passage
        following = sentences[i + 1].source if i + 1 < len(sentences) else None
        if s.source.kind == "search" and passage is not None and passage.file_id and following is not s.source:
            annotations.append({"type": "file_citation", "file_id": passage.file_id,
                                "filename": passage.filename or "", "index": len(text)})
    return Answer(text, tuple(annotations))


def excerpt(text: str, question: str, limit: int = 500) -> str | None:
    """What of a long text (a tool's output) answers the question: its best sentences, in its
    order, within `limit` characters; None when none matches."""
    terms = words.question_terms(forms.without_form(question))
    reading = score(question, [Source(read_of(text, READ_PER_SOURCE, _near(terms)), "tool")], terms)
    out = ""
    for s in reading.best(3, close=0.5):
        if out and len(out) + 1 + len(s.text) > limit:
            break
        out = (out + " " + s.text).strip()
    return out[:limit] or None
