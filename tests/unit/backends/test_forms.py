"""What form and length a prompt asks for."""

from __future__ import annotations

import pytest

from responses_mock.backends import forms


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
