"""What form and length a prompt asks for, as the default model reads it: N words, sentences or
paragraphs, a list of N, one word, a haiku, an essay (a "detailed" one, or one "covering at least
10 milestones", is long), arithmetic, a short factual question, a greeting. Rule-based and deterministic."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER_WORDS = {"one": 1, "a single": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
                 "twenty": 20, "a few": 3, "several": 4}
_N = r"(\d{1,4}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_WORDS = re.compile(_N + r"[\s-]*words?\b", re.I)
_SENTENCES = re.compile(_N + r"\s+(?:short\s+|brief\s+|simple\s+)?sentences?\b", re.I)
_PARAGRAPHS = re.compile(_N + r"\s+(?:short\s+|brief\s+)?paragraphs?\b", re.I)
_ONE_WORD = re.compile(r"\b(?:in|with|using|answer in)\s+(?:one|a single)\s+word\b|\bone[- ]word answer\b", re.I)
_LIST = re.compile(r"\b(?:list|name|give(?: me)?|enumerate|suggest|top)\s+(?:the\s+)?" + _N + r"\s+([a-z][a-z\- ]{1,40}?)\b"
                   r"(?=[\s.,:;?!]|$)", re.I)
_BULLETS = re.compile(r"\b(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\s+(?:bullet points?|bullets|items|steps|tips|"
                      r"reasons|ideas|examples|facts|ways)\b", re.I)
_HAIKU = re.compile(r"\bhaiku\b", re.I)
_ESSAY = re.compile(r"\b(?:essay|article|report|blog post)\b", re.I)
_LONG = re.compile(r"\b(?:detailed|in[- ]depth|comprehensive|thorough|(?<!how )long)\b", re.I)  # not "how long"
_AT_LEAST = re.compile(r"\bat least\s+" + _N + r"\b", re.I)
_ARITHMETIC = re.compile(r"(-?\d+(?:\.\d+)?)\s*([-+*/x×÷]|plus|minus|times|divided by)\s*(-?\d+(?:\.\d+)?)", re.I)
_GREETING = re.compile(r"^\W*(?:hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening))"
                       r"(?:\s+(?:there|all|everyone|again))?\W*$", re.I)
_QUESTION = re.compile(r"^\s*(?:what|who|when|where|which|how (?:many|much|old|far|long|tall)|is|are|does|did|"
                       r"can|capital of)\b", re.I)


def _number(text: str) -> int:
    text = text.lower()
    return int(text) if text.isdigit() else _NUMBER_WORDS.get(text, 3)


@dataclass(frozen=True)
class Form:
    kind: str  # words | sentences | paragraphs | list | one_word | haiku | essay | number | short | greeting | free
    n: int = 0
    item: str = ""  # what a list lists ("fruits")
    value: str = ""  # the answer of arithmetic


def needles(text: str) -> frozenset[str]:
    """Which of the words the patterns need occur in the text (all of them, for text not ASCII).
    In ASCII text a case-blind pattern can match only where its words occur in lower case, so a
    plain `in` (C, no regex) rules most patterns out first; other text may match through Unicode's
    case folding ("ſ", "K"): all its patterns run. Read it once and pass it to read and
    without_form, which both need it for the same text."""
    if not text.isascii():
        return _ALL
    low = text.lower()
    if len(low) > _BY_WORD:
        return frozenset(n for n in _NEEDLES if n in low)
    # A prompt's: word by word, each word's needles remembered (a prompt's words are mostly words
    # met before). No needle but "blog post" holds a space, so none spans two words.
    said = low.split()
    found = _NONE
    for word in said:
        held = _HELD.get(word)
        if held is None:
            return _learn(low, said)
        if held:
            found = found | held
    return found | _BLOG_POST if "blog post" in low else found


def _learn(low: str, said: list[str]) -> frozenset[str]:
    """needles() of a text with a word not met before: of the whole text, as for a long one; then
    of its words, remembered (a word's are among the text's: few, mostly none to look for)."""
    found = frozenset(n for n in _NEEDLES if n in low)
    for word in said:
        if word not in _HELD and len(_HELD) < _HELD_CACHE:
            _HELD[word] = frozenset(n for n in found if n in word) or _NONE
    return found


_DIGIT = re.compile(r"\d")
_LIST_WORDS = ("list", "name", "give", "enumerate", "suggest", "top")
_BULLET_WORDS = ("bullet", "items", "steps", "tips", "reasons", "ideas", "examples", "facts", "ways")
_ESSAY_WORDS = ("essay", "article", "report", "blog post")
_LONG_WORDS = ("detailed", "depth", "comprehensive", "thorough", "long")
_NEEDLES = ("word", "haiku", "paragraph", "sentence", "line", *_LIST_WORDS, *_BULLET_WORDS, *_ESSAY_WORDS, *_LONG_WORDS)
_ALL = frozenset(_NEEDLES)
_NONE, _BLOG_POST = frozenset(), frozenset(("blog post",))
_BY_WORD = 256  # characters of ASCII text read for needles word by word
_HELD: dict[str, frozenset[str]] = {}  # a word's needles (lower case)
_HELD_CACHE = 65_536  # words remembered; past it their needles are found afresh
# The forms that take no number from the text, made once (Form is frozen).
_ONE, _THREE_LINES = Form("one_word", 1), Form("haiku", 3)
_GREETED, _SHORT, _FREE = Form("greeting"), Form("short", 1), Form("free")


def read(text: str, present: frozenset[str] | None = None, said: list[str] | None = None) -> Form:
    """The form a prompt asks for (its last user message); `present`: its needles(), if read;
    `said`: its words (words.tokens), if read."""
    if present is None:
        present = needles(text)
    if not present and said is not None:
        return _unasked(text, said)
    if present:  # else no pattern that needs a word can match: only arithmetic, a greeting or a question
        if "word" in present and _ONE_WORD.search(text):
            return _ONE
        if "haiku" in present and _HAIKU.search(text):
            return _THREE_LINES
    if _DIGIT.search(text) and (m := _ARITHMETIC.search(text)):
        value = _evaluate(m.group(1), m.group(2), m.group(3))
        if value is not None and len(text) < 200:
            return Form("number", value=value)
    if present and (form := _counted(text, present)) is not None:
        return form
    if len(text) < 40 and _GREETING.match(text):
        return _GREETED
    if _QUESTION.search(text) and len(text.split()) <= 14 and text.rstrip().endswith("?"):
        return _SHORT
    return _FREE


_ASKS = ("what", "who", "when", "where", "which", "how", "is", "are", "does", "did", "can", "capital")


def _unasked(text: str, said: list[str]) -> Form:
    """read() of ASCII text holding no form word, its words known: arithmetic, a greeting, a short
    question or free. Its words rule patterns out as cheaply as needles() do: a text whose words
    are letters holds no digit (every letter or digit is in a word); a greeting is three words at
    most; a question's first word starts with the word _QUESTION starts it with."""
    if not "".join(said).isalpha() and _DIGIT.search(text) and (m := _ARITHMETIC.search(text)):
        value = _evaluate(m.group(1), m.group(2), m.group(3))
        if value is not None and len(text) < 200:
            return Form("number", value=value)
    if len(text) < 40 and len(said) <= 3 and _GREETING.match(text):
        return _GREETED
    if said and said[0].lower().startswith(_ASKS) and _QUESTION.search(text) and len(text.split()) <= 14 and \
            text.rstrip().endswith("?"):
        return _SHORT
    return _FREE


def _counted(text: str, present: frozenset[str]) -> Form | None:
    """N words, paragraphs or sentences, a list, an essay: the forms whose words the text holds."""
    if "word" in present and (m := _WORDS.search(text)):
        return Form("words", max(1, min(_number(m.group(1)), 5000)))
    if "paragraph" in present and (m := _PARAGRAPHS.search(text)):
        return Form("paragraphs", max(1, min(_number(m.group(1)), 50)))
    if "sentence" in present and (m := _SENTENCES.search(text)):
        return Form("sentences", max(1, min(_number(m.group(1)), 200)))
    if not present.isdisjoint(_LIST_WORDS) and (m := _LIST.search(text)):
        return Form("list", max(1, min(_number(m.group(1)), 100)), item=m.group(2).strip().lower())
    if not present.isdisjoint(_BULLET_WORDS) and (m := _BULLETS.search(text)):
        return Form("list", max(1, min(_number(m.group(1)), 100)), item="")
    long = not present.isdisjoint(_LONG_WORDS) and _LONG.search(text) is not None
    if long or (not present.isdisjoint(_ESSAY_WORDS) and _ESSAY.search(text)):
        at_least = _AT_LEAST.search(text)
        sections = _number(at_least.group(1)) if at_least else 5
        if long:
            sections = max(sections, 8)
        return Form("essay", max(3, min(sections, 40)))
    return None


_FORM_PHRASES = ((_ONE_WORD, ("word",)),
                 (re.compile(r"\b(?:in|with|using|as)\s+(?:exactly\s+|about\s+|at most\s+)?" + _N +
                             r"[\s-]+(?:short\s+|brief\s+|simple\s+)?(?:words?|sentences?|paragraphs?|lines?)\b", re.I),
                  ("word", "sentence", "paragraph", "line")),
                 (_WORDS, ("word",)), (_SENTENCES, ("sentence",)), (_PARAGRAPHS, ("paragraph",)),
                 (_BULLETS, _BULLET_WORDS))


def without_form(text: str, present: frozenset[str] | None = None) -> str:
    """The prompt less the phrases that only ask for a form ("in 3 sentences", "in one word"): what
    is left says what it is about. `present`: its needles(), if read."""
    # A phrase's words can't appear by cutting: each cut leaves a space, and no word holds one.
    if present is None:
        present = needles(text)
    if not present:
        return text
    for pattern, cues in _FORM_PHRASES:
        if not present.isdisjoint(cues):
            text = pattern.sub(" ", text)
    return text


def _evaluate(a: str, op: str, b: str) -> str | None:
    x, y = float(a), float(b)
    op = op.lower()
    if op in ("+", "plus"):
        z = x + y
    elif op in ("-", "minus"):
        z = x - y
    elif op in ("*", "x", "×", "times"):
        z = x * y
    elif y == 0:
        return None
    else:
        z = x / y
    return str(int(z)) if z == int(z) else f"{z:.4g}"


# Names a list of a common kind can use, so "List 10 fruits" lists fruits.
LEXICON = {
    "fruit": "apple banana orange mango pear peach cherry grape kiwi pineapple plum apricot lemon lime "
             "papaya fig guava lychee melon watermelon",
    "vegetable": "carrot potato onion spinach broccoli cabbage lettuce pepper tomato cucumber pea bean "
                 "garlic leek celery radish beetroot kale zucchini corn",
    "colour": "red orange yellow green blue indigo violet black white grey brown pink purple teal "
              "turquoise maroon navy olive silver gold",
    "animal": "lion tiger elephant giraffe zebra wolf fox bear rabbit deer horse cow sheep goat owl eagle "
              "dolphin whale shark octopus",
    "country": "France Japan Brazil Canada Kenya India Germany Mexico Egypt Norway Chile Spain Italy Peru "
               "Vietnam Ghana Iceland Portugal Nepal Morocco",
    "planet": "Mercury Venus Earth Mars Jupiter Saturn Uranus Neptune",
    "language": "English Spanish Mandarin Hindi Arabic French Portuguese Russian Japanese German Korean "
                "Italian Turkish Swahili Dutch Polish Greek Swedish Thai Vietnamese",
    "programming language": "Python JavaScript TypeScript Java C Go Rust Kotlin Swift Ruby PHP C# Scala "
                            "Haskell Elixir Julia R Dart Lua Perl",
    "sport": "football tennis basketball cricket rugby golf swimming cycling rowing volleyball baseball "
             "hockey boxing fencing skiing surfing climbing running judo badminton",
}


def lexicon_items(item: str) -> list[str]:
    singular = re.sub(r"(ies)$", "y", item)
    singular = re.sub(r"(?<!s)s$", "", singular)
    key = {"color": "colour", "colors": "colour"}.get(singular, singular)
    for name, words in LEXICON.items():
        if key == name or key.endswith(" " + name) or key == name + "s":
            return words.split(" ")
    return []
