"""What form and length a prompt asks for."""

from __future__ import annotations

import random

import pytest

from responses_mock.backends import forms, words


@pytest.mark.parametrize("prompt, kind, n", [
    ("Explain TCP in 3 sentences.", "sentences", 3),
    ("Say hi in one word.", "one_word", 1),
    ("What is the secret word? Answer in one word.", "one_word", 1),
    ("Summarise it in 50 words.", "words", 50),
    ("List 5 fruits.", "list", 5),
    ("Write a haiku about rain.", "haiku", 3),
    ("Hi!", "greeting", 0),
    ("good morning there", "greeting", 0),
    ("What is the capital of France?", "short", 1),
    ("How long do refunds take?", "short", 1),  # "how long" asks a duration, not for a long essay
    ("Write a long story about ships", "essay", 8),
    ("Hi, can you explain how DNS resolves names and what caching does there", "free", 0),
])
def test_forms(prompt, kind, n):
    form = forms.read(prompt)
    assert (form.kind, form.n) == (kind, n)


def test_without_form_leaves_what_the_prompt_is_about():
    assert forms.without_form("Explain TCP in 3 sentences.").split() == ["Explain", "TCP", "."]
    assert forms.without_form("What is the secret word? Answer in one word.").split() == [
        "What", "is", "the", "secret", "word?", "."]
    assert forms.without_form("Summarise the plot of Hamlet in 50 words").split() == [
        "Summarise", "the", "plot", "of", "Hamlet"]


def test_the_ascii_shortcut_reads_as_the_patterns_do():
    """ASCII prompts skip the patterns whose words they lack; other text runs them all, since Unicode
    case folding lets "ſ" match "s" (the same forms either way)."""
    assert (forms.read("Explain TCP in 3 ſentences.").kind, forms.read("Explain TCP in 3 ſentences.").n) == (
        "sentences", 3)
    assert forms.without_form("Describe it in two ſentences").split() == ["Describe", "it"]
    assert forms.read("Write 3words about it").kind == "words"  # a form word inside a longer token
    assert forms.read("Give an in-depth answer").kind == "essay"
    assert forms.read("Hello there, how are you today?").kind == "free"


_PIECES = ["Hello", "hi", "Hey", "good morning", "there", "everyone", "What", "what's", "how many", "Is", "isn't",
           "capital of", "France", "3", "12", "+", "*", "x", "divided by", "-", "words", "word", "3words", "keywords",
           "sentences", "sentence", "paragraphs", "lines", "list", "List 5", "fruits", "top", "stop", "bullet points",
           "tips", "steps", "essay", "blog post", "blog  post", "BLOG POST", "detailed", "in-depth", "how long",
           "at least 10", "haiku", "in one word", "one-word answer", "a few", "Explain", "TCP", "ſentences", "K",
           "é", "?", "!", ".", ",", "  ", "\n", "\t"]


_ASKED = ["What is 2+2?", "what is 12 * 7", "3 minus 10", "17 divided by 4", "5/0", "What is the capital of France?",
          "How many legs does a spider have?", "Is water wet?", "isn't it?", "  who is he?", "\twhat now?",
          "What's up?", "Whatever?", "How old is Rome, really, in years, or in centuries, or in ages, or what?",
          "Hi!", "hello there", "Good morning everyone!", "good  morning", "hey again...", "Hiya", "Hello there, how?",
          "hi hi hi", "¿What?", "Ķ", "1", "x 2", "a1 + b2", "Hello 2 you", "", " ", "?"]


def _prompts(n: int):
    yield from _ASKED
    rnd = random.Random(5)
    for _ in range(n):
        yield " ".join(rnd.choice(_PIECES) for _ in range(rnd.randint(0, 9)))


def test_needles_are_the_form_words_the_text_holds():
    for text in _prompts(4_000):
        low = text.lower()
        expected = forms._ALL if not text.isascii() else frozenset(n for n in forms._NEEDLES if n in low)
        assert forms.needles(text) == expected, text
    assert forms.needles("a blog post") == {"blog post"} and forms.needles("a blog  post") == set()


def test_the_shortcuts_read_as_all_the_patterns_do():
    """needles() and a text's words only rule patterns out: the forms are those all the patterns
    find (forms._ALL: every pattern runs), for ASCII prompts and others."""
    for text in _prompts(4_000):
        everything = forms.read(text, forms._ALL)
        present = forms.needles(text)
        assert forms.read(text) == everything, text
        said = words.tokens(text) if not present else None
        assert forms.read(text, present, said) == everything, text
        assert forms.without_form(text, present) == forms.without_form(text, forms._ALL), text


def test_needles_are_the_same_whether_a_texts_words_were_met_before_or_not():
    forms._HELD.clear()
    for text in ["Write a blog post", "write a blog about lists", "Listen, list 3 words", "nothing here"] * 2:
        low = text.lower()
        assert forms.needles(text) == frozenset(n for n in forms._NEEDLES if n in low), text
    assert forms._HELD["listen,"] == {"list"} and forms._HELD["here"] == set()
