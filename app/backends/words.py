"""Words as the default model reads them: the content words of a text (stop words and the words
that only say what form an answer takes are not content), stemmed lightly so "files" meets "file",
and the topics of a prompt with their case kept where it means something ("TCP", "Paris")."""

from __future__ import annotations

import re
import string

from responses_mock.backends import intent

STOP = frozenset("""a about above after again all also am an and any are as at be because been before
being below between both but by can could did do does doing done down during each either else etc
ever every few for from further get gets got had has have having he her here hers him his how i if
in into is isn it its itself just let lets like may me might mine more most much must my myself
no nor not now of off oh ok okay on once one only or other our ours out over own per please quite
rather really same shall she should since so some such than that the their theirs them then there
these they this those though through thus to too two three four five under until up upon us very
via was we well were what whatever when where whether which while who whom whose why will with
within without would yes yet you your yours yourself
explain describe tell say says said give write make show talk discuss define compare outline
summarise summarize summary answer reply respond help need want know think mean means use using
briefly brief short long simple simply sentence sentences word words paragraph paragraphs line lines
list lists essay essays article report post haiku poem detailed comprehensive thorough covering
major milestones tips ways steps ideas reasons examples best better bullet bullets point points item
items""".split())

# Words a question uses to point at its context rather than to say what it is about.
META = frozenset("""file files document documents doc docs text texts attached attachment attachments
upload uploaded content contents passage passages page pages according mention mentioned mentions
given provided above below earlier previous conversation message messages chat find found look
read""".split())

# Letters and digits, with inner apostrophes and hyphens; a run longer than any word is read in pieces.
TOKEN = re.compile(r"[^\W_](?:[\w'’\-]{0,38}[^\W_])?")


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


SHORT = 256  # characters of a prompt its words are read of by str methods (short_tokens), not TOKEN


def short_tokens(text: str) -> list[str]:
    r"""TOKEN.findall(text) at a fraction of the regex's cost a word, for a short text: a chunk
    between spaces is one token when it is letters and digits (TOKEN's [^\W_] is str.isalnum) but
    for ASCII punctuation at its ends (which no token starts or ends with) and at most 40 long;
    other chunks ("don't", "e.g.", "a/b") are read by TOKEN. No token holds a space."""
    out = []
    for chunk in text.split():
        if chunk.isalnum() and len(chunk) <= 40:  # most words: nothing at their ends to strip
            out.append(chunk)
            continue
        core = chunk.strip(_EDGES)
        if core.isalnum() and len(core) <= 40:
            out.append(core)
        elif core:
            out += TOKEN.findall(chunk)
    return out


_EDGES = string.punctuation


_STEMS: dict[str, str] = {}
_STEM_CACHE = 65_536  # distinct words remembered; past it stems are computed afresh


def stem(word: str) -> str:
    """Lower case, the possessive and a plural or -ing/-ed ending off: "Files" → "fil" as "file",
    "connecting" → "connect"; enough for a question's words to meet a document's."""
    cached = _STEMS.get(word)
    if cached is not None:
        return cached
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'-")
    w = intent.singular(w)
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed") and not w.endswith("eed"):
        w = w[:-2]
    # Then the forms an ending leaves behind meet: issue/issued → issu, ship/shipped → ship.
    if len(w) > 3 and ((w[-1] == "e" and w[-2] != "e") or (w[-1] == w[-2] and w[-1] not in "aeiouls")):
        w = w[:-1]
    if len(_STEMS) < _STEM_CACHE:
        _STEMS[word] = w
    return w


def is_content(word: str) -> bool:
    low = word.lower()
    return low not in STOP and not (len(low) == 1 and not low.isdigit())


def is_name(word: str, text: str, start: int, shouting: bool) -> bool:
    """An acronym ("TCP"), or a capitalised word that does not merely start a sentence ("Paris");
    in a text all in capitals (`shouting`) case says nothing."""
    if shouting:
        return False
    return (len(word) >= 2 and word.isupper()) or (word[:1].isupper() and not _starts_sentence(text, start))


def _starts_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 4):start]  # a few characters back: enough, and O(1) per word
    stripped = before.rstrip()
    return "\n" in before or (not stripped and start <= 4) or stripped[-1:] in (".", "!", "?", ":", ";", '"', "(")


def question_terms(question: str) -> dict[str, float]:
    """The stems a question is about, each with its weight (names and numbers say more of what is
    asked than common words); meta words ("file") are not among them."""
    out: dict[str, float] = {}
    shouting = question.isupper()
    for m in TOKEN.finditer(question):
        word = m.group()
        if not is_content(word) or word.lower() in META:
            continue
        weight = 2.0 if is_name(word, question, m.start(), shouting) else 1.5 if word.isdigit() else 1.0
        s = stem(word)
        out[s] = max(out.get(s, 0.0), weight)
        if len(out) == 32:
            break
    return out


def topics(text: str, limit: int = 4, said: list[str] | None = None) -> list[str]:
    """The first content words of a prompt, in its own case for names and acronyms, else lower case
    (`said`: its short_tokens, if read)."""
    if len(text) > SHORT:
        return _topics_of_long(text, limit)
    seen: list[str] = []
    stems: set[str] = set()
    shouting = text.isupper()
    # is_name inlined, is_content and stem in _new_topic: a prompt's every word passes here. A token starts and
    # ends with a letter or digit (TOKEN), so it has no quote or dash to strip, and one whose first
    # character is a letter is no number.
    if said is None:
        said = short_tokens(text)
    # Where a word starts (is_name asks of a capitalised one) is found when asked, word by word:
    # said[j] starts where its text first occurs past the end of said[j - 1], as no letter or
    # digit lies between two tokens. `known` words are placed; `at` is where the last one ends.
    known = at = start = 0
    for i, word in enumerate(said):
        low = word.lower()
        if not _new_topic(word, low, stems):
            continue
        named = False
        if not shouting:
            if len(word) >= 2 and word.isupper():
                named = True
            elif word[0].isupper():
                while known <= i:
                    start = text.find(said[known], at)
                    at = start + len(said[known])
                    known += 1
                named = start != 0 and not _starts_sentence(text, start)  # a text's start starts a sentence
        seen.append(word if named else low)
        if len(seen) == limit:
            break
    return seen


def _new_topic(word: str, low: str, stems: set[str]) -> bool:
    """Whether topics() takes `word` (`low`: lower-cased): a content word (is_content, inlined)
    whose stem is not taken yet; its stem is taken then."""
    if low in STOP or not word[0].isalpha() or len(word) > 30 or (len(low) == 1 and not low.isdigit()):
        return False
    s = _STEMS.get(word) or stem(word)
    if s in stems:
        return False
    stems.add(s)
    return True


def _topics_of_long(text: str, limit: int) -> list[str]:
    """topics() of a long text: TOKEN's matches, as far as the limit (its first words)."""
    seen: list[str] = []
    stems: set[str] = set()
    shouting = text.isupper()
    for m in TOKEN.finditer(text):
        word = m.group()
        low = word.lower()
        if not _new_topic(word, low, stems):
            continue
        named = not shouting and ((len(word) >= 2 and word.isupper()) or
                                  (word[0].isupper() and not _starts_sentence(text, m.start())))
        seen.append(word if named else low)
        if len(seen) == limit:
            break
    return seen
